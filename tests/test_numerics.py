"""numerics/: precise gradient norms, constants, exact flow time, Monte Carlo helpers."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from mpmath import mp

from numerics import flow, rates
from numerics.constants import t7_constants
from numerics.precise import agreeing_digits, grad_norms, precision_guard
from numerics.reference import grad_norms_time_domain, second_moment_time_domain
from numerics.simulate import FourierGD, random_filters


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


def test_flow_time_matches_gd_as_eta_shrinks():
    z = rates.complex_weights(4, 7)
    filters, x, y = rates.scalar_network_as_filters(z, 1, 1)
    t, _ = flow.flow_time(list(z), 1, 1, dps=20)
    r0 = abs(1 - np.prod(z))
    from numerics.simulate import simulate_gd

    gaps = []
    for eta in (4e-3, 1e-3, 2.5e-4):
        res = simulate_gd(x, y, filters, eta=eta, max_iter=10**6, tol=(0.5 / r0) ** 2)
        gaps.append(abs(eta * res.iterations[0] - float(t)) / float(t))
    assert gaps[2] < gaps[0] and gaps[2] < 2e-3


@pytest.mark.parametrize(
    "z0,a,b",
    [
        ([0.5, 0.6], 1, 1),  # same sign: the path never turns (u_c <= 0)
        ([0.8 + 0.3j, -0.5 + 0.9j, 1.1 - 0.4j], 1 + 0.5j, -1 + 2j),  # closest point to 0 on the path
        ([1.3, -0.4, 0.9], 1, 1),  # through 0
        ([1.0, 1.4 + 0.9j], 1, 1),  # closest point to 0 after the goal (u_c >= u_end)
        ([3.0, 3.0, 1.4 + 0.9j], 1, 1),  # the same, shrinking by more than 1/sum(1/rho^2)
    ],
)
def test_T6_flow_time_matches_mpmath_ode(z0, a, b):
    with mp.workdps(25):
        t, _ = flow.flow_time(z0, a, b, dps=25)
        z_end = flow.gf_solution(z0, a, b)(t)
        r_end = abs(mpmath.mpc(b) - mpmath.mpc(a) * mpmath.fprod(z_end))
        assert agreeing_digits(r_end, abs(mpmath.mpc(b)) / 2) > 15


def test_flow_time_lower_bound_and_large_depth():
    z = rates.complex_weights(300, 11)
    t, lb = flow.flow_time(list(z), 1, 1, dps=15)
    assert 0 < lb <= t and t > mpmath.mpf("1e30")


def test_flow_time_through_zero_is_finite_unless_moduli_tie():
    t, _ = flow.flow_time([1, -0.5], 1, 1, dps=20)
    assert (
        agreeing_digits(t, "1.19122424894692423481705887331") >= 19
    )  # confirmed by mpmath's ODE in proofs_check T9
    assert flow.flow_time([0.5, -0.5, 2], 1, 1)[0] == mpmath.inf
    assert flow.flow_time([0.0, 1.0], 1, 1)[0] == mpmath.inf
    assert flow.flow_time([1.0, 1.0], 1, 1)[0] == 0


@pytest.mark.parametrize(
    "kwargs,match", [({"goal": 1.5}, "goal"), ({"dps": 2}, "dps"), ({"a": 0}, "a must"), ({"b": 0}, "b must")]
)
def test_flow_time_rejects_bad_input(kwargs, match):
    args = {"a": 1, "b": 1, **kwargs}
    with pytest.raises(ValueError, match=match):
        flow.flow_time([0.5j, 1], args.pop("a"), args.pop("b"), **args)


def test_fast_flow_time_agrees_with_exact():
    z = rates.complex_weights(120, 5)
    with mp.workdps(20):
        fl = flow.ScalarFlow.from_weights(list(z), 1, 1)
        fast = flow.exact_time(fl, mpmath.mpf(0.5), fast=True)
    exact, _ = flow.flow_time(list(z), 1, 1, dps=20)
    assert agreeing_digits(fast, exact) > 10


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


def test_T6_lower_bound_matches_independent_maximization():
    """lower_bound against a scipy maximization of THEORY's formula delta_1/(2R|a|P(delta_1)^(1/2))."""
    from scipy.optimize import minimize_scalar

    for d, seed in ((3, 1), (12, 2), (40, 3)):
        z = rates.complex_weights(d, seed)
        with mp.workdps(20):
            fl = flow.ScalarFlow.from_weights(list(z), 1, 1)
            lb, _ = flow.lower_bound(fl, mpmath.mpf(0.5))
        rho2, r0 = np.abs(z) ** 2, abs(1 - np.prod(z))
        star = float(fl.solve_delta(2 * mpmath.log(mpmath.mpf(0.5))))

        def neg_log_bound(t, r0=r0, rho2=rho2):
            return -(math.log(t) - math.log(2 * r0) - 0.5 * np.sum(np.log(rho2 + t)))

        best = minimize_scalar(
            neg_log_bound, bounds=(star * 1e-12, star), method="bounded", options={"xatol": 1e-14}
        )
        assert abs(float(mpmath.log(lb)) + best.fun) < 0.01
