"""Width-k CNNs (THEORY section 4, M1-M5): the simulator against an independent time-domain
GD, the exact norms against mpmath time-domain gradients, the rate and its Monte Carlo."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from channel_reference import _problem, time_domain_gd
from hypothesis import given, settings
from hypothesis import strategies as st

from numerics.gd.channel_gd import init_grad_norms, simulate_gd_channels
from numerics.gd.reference import to_mpf
from numerics.hp.channels import (
    channel_grad_norms,
    nested_log_grad_norms,
    random_channel_filters,
    rate_run,
    width_rate,
    width_rate_quadrature,
)
from numerics.hp.precise import agreeing_digits, grad_norms
from theory.channels import channel_closed_form, channel_gradients

# ------------------------------------------------------------ independent time-domain GD


@pytest.mark.parametrize(
    "normalized, relu, momentum, eta",
    [
        (False, False, 0.0, 0.05),
        (True, False, 0.0, 0.05),
        (True, True, 0.0, 0.05),
        (False, True, 0.0, 0.05),
        (False, False, 0.9, 0.01),
        (True, True, 0.9, 0.01),
    ],
)
def test_M1_M3_simulator_matches_time_domain_gd(normalized, relu, momentum, eta):
    x, y, filt = _problem()
    res = simulate_gd_channels(
        x, y, filt, eta=eta, normalized=normalized, relu=relu, momentum=momentum, max_iter=30, tol=0
    )
    losses, ref = time_domain_gd(
        x, y, filt, eta=eta, steps=30, normalized=normalized, relu=relu, momentum=momentum
    )
    assert not res.diverged.any()
    np.testing.assert_allclose(res.final_loss, losses[-1], rtol=1e-8)
    for a, b in zip(res.extra["filters"], ref):
        assert np.max(np.abs(a - b)) <= 1e-8 * np.max(np.abs(b))


def test_M1_time_domain_reference_matches_finite_differences():
    """The test's own reference gradient (1 step at eta = 1 from zero momentum) vs central differences."""
    x, y, filt = _problem(n=5, d=3, k=2, trials=1, seed=3)
    for normalized, relu in ((False, False), (True, True)):
        _, after = time_domain_gd(x, y, filt, eta=1.0, steps=1, normalized=normalized, relu=relu)
        grad = [f[0] - a[0] for f, a in zip(filt, after)]

        def loss(fl, normalized=normalized, relu=relu):
            return time_domain_gd(x, y, fl, eta=0.0, steps=0, normalized=normalized, relu=relu)[0][0, 0]

        h = 1e-6
        for i, a, b, j in ((0, 1, 0, 2), (1, 0, 1, 4), (2, 0, 0, 0)):
            up = [f.copy() for f in filt]
            dn = [f.copy() for f in filt]
            up[i][0, a, b, j] += h
            dn[i][0, a, b, j] -= h
            fd = (loss(up) - loss(dn)) / (2 * h)
            assert abs(fd - grad[i][a, b, j]) <= 1e-6 * max(1.0, abs(fd))


def test_M1_channel_grad_norms_vs_time_domain_mpmath():
    rng = np.random.default_rng(7)
    n = 5
    x, y = rng.normal(size=(2, n))
    for normalized in (False, True):
        f = random_channel_filters(n, 3, 3, seed=8)
        fast = channel_grad_norms(f, x, y, normalized=normalized, dps=30)
        with mpmath.mp.workdps(60):
            g = channel_gradients(
                [to_mpf(layer) for layer in f], to_mpf(x), to_mpf(y), normalized=normalized, sqrt=mpmath.sqrt
            ).filters
            ref = [mpmath.sqrt(mpmath.fsum(v**2 for row in layer for c in row for v in c)) for layer in g]
        assert min(agreeing_digits(a, b) for a, b in zip(fast, ref)) >= 30


def test_M1_width_one_reproduces_grad_norms():
    rng = np.random.default_rng(2)
    n = 7
    x, y = rng.normal(size=(2, n))
    f = random_channel_filters(n, 5, 1, seed=1)
    for normalized in (False, True):
        a = channel_grad_norms(f, x, y, normalized=normalized, dps=40)
        b = grad_norms([layer[0, 0] for layer in f], x, y, normalized=normalized, dps=40)
        assert min(agreeing_digits(p, q) for p, q in zip(a, b)) >= 39


def test_M1_float_norms_match_mpmath():
    rng = np.random.default_rng(4)
    n = 6
    x, y = rng.normal(size=(2, n))
    f = random_channel_filters(n, 4, 3, trials=3, seed=5)
    for normalized, relu in ((False, False), (True, False)):
        fast = init_grad_norms(x, y, f, normalized=normalized, relu=relu)
        for t in range(3):
            ref = channel_grad_norms([layer[t] for layer in f], x, y, normalized=normalized, dps=20)
            np.testing.assert_allclose(fast[t], [float(v) for v in ref], rtol=1e-11)


def test_M1_closed_form_shapes_and_diff():
    cf = channel_closed_form(2, 2, 2)
    auto = cf.autodiff_gradients()
    import sympy

    assert all(sympy.expand(a - b) == 0 for a, b in zip(auto, cf.closed_gradients()))
    assert len(cf.filters) == 2 and len(cf.filters[0]) == 2 and len(cf.filters[1][0]) == 2


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 40))
def test_M2_width_rate_matches_quadrature(k):
    for real in (False, True):
        assert (
            agreeing_digits(width_rate(k, real=real, dps=25), width_rate_quadrature(k, real=real, dps=25))
            >= 20
        )


def test_M2_rate_constants():
    with mpmath.mp.workdps(40):
        assert agreeing_digits(width_rate(1), -mpmath.euler / 2) >= 29
        assert agreeing_digits(width_rate(1, real=True), -(mpmath.euler + mpmath.log(2)) / 2) >= 29
    assert agreeing_digits(width_rate(4, real=True), width_rate(2)) >= 29
    for k in (50, 200):
        lam = float(width_rate(k))
        assert abs((lam + 1 / (4 * k) + 1 / (24 * k * k)) * k**4 - 1 / 240) < 0.01


def test_M2_nested_monte_carlo_rate():
    run = rate_run(2, range(20, 161, 20), 200, seed=1)
    assert abs(run.z_score) < 4
    sd, se, predicted = run.spread_check()
    assert abs(sd - predicted) < 4 * se


@pytest.mark.parametrize("D", [2, 3, 60])
def test_M2_nested_log_norms_exact_against_mpmath(D):
    """The float64 log-scaled nested evaluation = log of channel_grad_norms of the same network
    (D = 2: no hidden layer, the output row's norm alone; it was once left out)."""
    k = 3
    vals = nested_log_grad_norms(k, [D], 1, seed=9)
    # rebuild the network that draw 0 used, in the time domain
    from numerics.hp.channels import single_frequency_problem

    n, w, x, y = single_frequency_problem(False)
    rng = np.random.default_rng(9)
    sd = 1 / math.sqrt(n * k)
    first = rng.normal(0, sd, size=(1, 1, k, k, n))[0, 0]
    blocks = rng.normal(0, sd, size=(1, 64, k, k, n))[0]
    layers = [math.sqrt(k) * blocks[D - 2][:, :1, :]]  # first layer: sqrt(k) W_D[:, 0]
    layers += [blocks[j - 2] for j in range(D - 1, 1, -1)]  # hidden W_{D-1}, ..., W_2
    layers.append(first[:1])  # output: row 0 of W_1
    exact = channel_grad_norms(layers, x, y, dps=30)[0]
    assert abs(float(mpmath.log(exact)) - vals[0, 0]) < 1e-10


def test_random_channel_filters_shapes_and_determinism():
    f = random_channel_filters(8, 4, 3, trials=5, seed=2)
    assert [a.shape for a in f] == [(5, 3, 1, 8), (5, 3, 3, 8), (5, 3, 3, 8), (5, 1, 3, 8)]
    g = random_channel_filters(8, 4, 3, trials=5, seed=2)
    assert all(np.array_equal(a, b) for a, b in zip(f, g))
    big = random_channel_filters(4, 3, 4, trials=20000, seed=0)
    assert abs(big[1].var() * 4 * 4 - 1) < 0.02 and abs(big[0].var() * 4 - 1) < 0.02


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: width_rate(0), "k must"),
        (lambda: random_channel_filters(1, 2, 2), "n must"),
        (lambda: random_channel_filters(4, 0, 2), "d must"),
        (
            lambda: channel_grad_norms([np.ones((2, 1, 4)), np.ones((1, 3, 4))], np.ones(4), np.ones(4)),
            "input channels",
        ),
        (lambda: channel_grad_norms(random_channel_filters(4, 2, 2), np.ones(3), np.ones(4)), "x must"),
        (
            lambda: simulate_gd_channels(
                np.ones(4), np.ones(4), random_channel_filters(4, 2, 2, trials=1), eta=-1
            ),
            "eta",
        ),
        (
            lambda: simulate_gd_channels(
                np.ones(4), np.ones(4), random_channel_filters(4, 2, 2, trials=1), eta=0.1, momentum=1.0
            ),
            "momentum",
        ),
    ],
)
def test_bad_input_names_the_parameter(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_simulator_flags_divergence_and_never_counts_nan():
    x, y, filt = _problem(n=6, d=4, k=2, trials=4, seed=1)
    res = simulate_gd_channels(x, y, filt, eta=50.0, max_iter=200)
    assert res.diverged.all() and not res.converged.any() and (res.iterations == -1).all()


def test_simulator_flags_underflow():
    n, d = 4, 40
    x, y = np.array([1.0, -1.0, 0.5, -0.5]), np.ones(4)
    filt = [1e-9 * f for f in random_channel_filters(n, d, 2, trials=2, seed=0)]
    res = simulate_gd_channels(x, y, filt, eta=0.1, max_iter=5)
    assert res.underflowed.all() and not res.converged.any()


def test_simulator_converges_and_is_deterministic():
    x, y, filt = _problem(n=8, d=2, k=2, trials=4, seed=2)
    a = simulate_gd_channels(x, y, filt, eta=0.1, max_iter=5000, normalized=True)
    b = simulate_gd_channels(x, y, filt, eta=0.1, max_iter=5000, normalized=True)
    assert a.converged.all() and np.array_equal(a.iterations, b.iterations)


def test_M1_proofs_catch_a_wrong_formula():
    from theory import channel_identities as ti
    from theory import channels as tc

    def doubled(F, x, y, **kw):
        g = tc.channel_gradients(F, x, y, **kw)
        return tc.Gradients(
            [[[[2 * v for v in c] for c in row] for row in layer] for layer in g.filters], None, None
        )

    assert ti.m1_gradient_expanded(sizes=((2, 2, 2),)).passed
    assert not ti.m1_gradient_expanded(doubled, sizes=((2, 2, 2),)).passed
    assert not ti.m1_gradient_at_points(doubled, sizes=((2, 2, 2),)).passed


def test_M3_exact_facts_and_c1_counterexample():
    from theory import channel_identities as ti

    assert ti.m3_cn_backward((2, 3)).passed
    assert ti.m3_row_scaling(((2, 2, 2),)).passed
    assert all(c.passed for c in ti.m3_c1_counterexample())


def test_channel_figures_render():
    from matplotlib.figure import Figure

    from numerics.figures import width as cfig

    small = {
        "rate_vs_width": {"ks": (1, 2), "draws": 8, "max_depth": 40},
        "typical_vs_mean_square": {"depths": (1, 2, 4), "draws": 50},
        "width_init_histograms": {"ks": (1, 2), "depth": 3, "trials": 20},
        "width_iterations_vs_depth": {"depths": (2,), "etas": (0.01, 0.1), "trials": 2, "max_iter": 50},
    }
    assert [f[0] for f in cfig.FIGURES] == list(small)
    for name, data_fn, plot_fn, _, _ in cfig.FIGURES:
        data = data_fn(**small[name])
        assert all(isinstance(v, np.ndarray) for v in data.values())
        assert isinstance(plot_fn(data), Figure)


@pytest.mark.parametrize("name", ["theory.channels", "numerics.hp.channels"])
def test_docstring_examples(name):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0


def test_channel_figures_do_not_overwrite_the_one_channel_figures():
    """`proofs_check figures` writes both registries into one folder: names must differ."""
    from numerics.figures import one_channel as figures
    from numerics.figures import width as channel_figures

    names = [f[0] for f in figures.FIGURES + channel_figures.FIGURES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("dps", [15, 30, 60])
@pytest.mark.parametrize("real", [False, True])
@pytest.mark.parametrize(
    "k", [1, 2, 3, 24, 39, 40, 41, 79, 80, 81, 10**3, 10**10, 10**30, 10**50, 10**300], ids=str
)
def test_width_rate_right_to_its_dps_for_every_k(k, real, dps):
    """width_rate(k) at dps against mpmath's digamma at 2 dps plus the digits psi and log
    cancel by (log10(2 m log m)): relative error below 10^-dps on both sides of the switch
    to the asymptotic series (m = dps + 10) and far beyond it (issue 18: k = 10**50 gave 0.0)."""
    import mpmath

    from numerics.hp.channels import width_rate

    value = width_rate(k, real=real, dps=dps)
    with mpmath.workdps(2 * dps + len(str(k)) + 10):
        m = mpmath.mpf(k) / 2 if real else mpmath.mpf(k)
        ref = (mpmath.digamma(m) - mpmath.log(m)) / 2
        rel = abs(value - ref) / abs(ref)
    assert value < 0
    assert rel < mpmath.mpf(10) ** -dps, f"k={k}: relative error {mpmath.nstr(rel, 3)} at dps={dps}"
