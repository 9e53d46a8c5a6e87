"""numerics/: precise gradient norms, constants, Monte Carlo helpers (flow times: test_flow.py)."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from numerics.gd.reference import grad_norms_time_domain, second_moment_time_domain
from numerics.gd.simulate import FourierGD, random_filters
from numerics.hp.constants import t7_constants
from numerics.hp.precise import agreeing_digits, grad_norms, precision_guard
from numerics.mc import rates


@pytest.mark.parametrize("normalized", [False, True])
def test_grad_norms_agree_with_time_domain_mpmath_to_30_digits(normalized):
    rng = np.random.default_rng(1)
    c, x, y = rng.normal(0, 0.4, (5, 7)), rng.normal(size=7), rng.normal(size=7)
    ours = grad_norms(c, x, y, normalized=normalized, dps=40)
    ref = grad_norms_time_domain(c, x, y, normalized, 70)
    assert min(agreeing_digits(a, b) for a, b in zip(ours, ref)) >= 30


def test_grad_norms_at_depth_3000_match_float64_log_domain():
    n, d = 8, 3000
    rng = np.random.default_rng(2)
    c = random_filters(1, d, n, seed=3)[0]
    x, y = rng.normal(size=n), rng.normal(size=n)
    ours = grad_norms(c, x, y, dps=20)
    assert ours[0] < mpmath.mpf("1e-308")  # far below float64
    ch = np.fft.rfft(c, axis=-1)
    logm = np.log(np.abs(ch) ** 2)
    f_log = np.log(np.abs(np.fft.rfft(x))) + 0.5 * logm.sum(0)
    r2 = np.abs(np.fft.rfft(y)) ** 2  # |r̂| = |ŷ - f̂| and |f̂| = exp(f_log) ~ 0
    assert np.all(f_log < -300)
    w = np.full(n // 2 + 1, 2.0)
    w[0] = w[-1] = 1.0
    for i in (0, d // 2, d - 1):
        terms = np.log(w * r2 * np.abs(np.fft.rfft(x)) ** 2 / n) + logm.sum(0) - logm[i]
        log10 = (np.log(np.sum(np.exp(terms - terms.max()))) + terms.max()) / 2 / math.log(10)
        assert abs(float(mpmath.log10(ours[i])) - log10) < 1e-8


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"filters": [[1.0]]}, "n >= 2"),
        ({"filters": [[1.0, float("nan")]]}, "finite"),
        ({"x": [1.0]}, "x must have length"),
        ({"dps": 3}, "dps must be"),
        ({"filters": []}, "non-empty"),
    ],
)
def test_grad_norms_rejects_bad_input(kwargs, match):
    args = {"filters": [[1.0, 2.0]], "x": [1.0, 0.0], "y": [0.0, 1.0], **kwargs}
    with pytest.raises(ValueError, match=match):
        grad_norms(args.pop("filters"), args.pop("x"), args.pop("y"), **args)


def test_precision_guard_reports_agreeing_digits():
    value, digits = precision_guard(lambda p: grad_norms([[1, 2], [0.5, -1]], [1, 0], [0, 1], dps=p), 30)
    assert digits >= 29


def test_T7_constants_two_ways_to_30_digits():
    consts = t7_constants(35)
    assert all(c.digits >= 30 for c in consts.values())
    assert mpmath.almosteq(consts["complex_log_moment"].closed, -mpmath.euler / 2)
    assert abs(float(consts["delta_c"].closed) - 0.2850142622496619) < 1e-15


def test_T7_constants_right_to_the_dps_asked():
    """t7_constants(30) against references at 40 digits by other routes (digamma, the E1
    series): a precision not honoured (both of its methods run at fewer digits) fails here."""
    from numerics.hp.constants import delta_c_series

    consts = t7_constants(30)
    with mpmath.workdps(40):
        refs = {
            "complex_log_moment": mpmath.digamma(1) / 2,
            "real_log_moment": (mpmath.digamma(mpmath.mpf(1) / 2) + mpmath.log(2)) / 2,
            "delta_c": delta_c_series(),
        }
        for name, ref in refs.items():
            assert abs(consts[name].closed - ref) <= abs(ref) * mpmath.mpf(10) ** -28, name


@pytest.mark.parametrize("offset", [0.0, 1.0])  # offset 1: x̂_0 dominates, so the real m_0 = 3 matters
def test_T8_second_moment_formula_matches_monte_carlo(offset):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=5) + offset, rng.normal(size=5)
    for d in (1, 2, 3):
        exact = rates.second_moment_exact(x, y, d)
        mc, se = rates.second_moment_mc(x, y, d, 100000, seed=d)  # Fourier-state Monte Carlo
        assert abs(mc - exact) < 4 * se
        td, td_se = second_moment_time_domain(x, y, d, 100000, seed=d)  # circulants, no FFT
        assert abs(td - exact) <= 4 * td_se + 1e-12 * exact


def test_T8_profile_matches_grad_norms():
    rng = np.random.default_rng(4)
    c = random_filters(1, 40, 5, seed=9)[0]
    x, y = rng.normal(size=5), rng.normal(size=5)
    prof = rates.log_grad_norm_profile(c, x, y, [7, 40])
    assert abs(prof[0] - float(mpmath.log(grad_norms(c[:7], x, y, dps=20)[0]))) < 1e-12
    prof_cn = rates.log_grad_norm_profile(c, x, y, [40], normalized=True)
    assert abs(prof_cn[0] - float(mpmath.log(grad_norms(c, x, y, normalized=True, dps=20)[0]))) < 1e-12


def test_T8_slope_estimate_is_near_the_rate():
    fit = rates.t8_slope(n=3, depths=(100, 200, 300, 400), draws=12, seed=1)
    assert abs(fit.z_score(-rates.GAMMA_HALF)) < 5


def test_ols_slopes_recover_a_line():
    d = np.array([1, 2, 3, 4.0])
    assert np.allclose(rates.ols_slopes(d, np.array([2 * d + 1, -d])), [2, -1])


@pytest.mark.slow
def test_grad_norms_at_depth_10000():
    rng = np.random.default_rng(5)
    c = random_filters(1, 10000, 16, seed=5)[0]
    g = grad_norms(c, rng.normal(size=16), rng.normal(size=16), dps=30)
    assert len(g) == 10000 and all(v > 0 for v in g)


def test_fourier_state_norms_are_finite_at_moderate_depth():
    x, y = np.random.default_rng(0).normal(size=(2, 100))
    g = FourierGD(random_filters(2, 40, 100, seed=1), x, y, True).grad_norms()
    assert np.all(np.isfinite(g))
