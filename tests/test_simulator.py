"""numerics.simulate: exactness against the time-domain reference, stopping rules, inputs."""

from __future__ import annotations

import numpy as np
import pytest

from numerics.experiments import t9_gd_bounds
from numerics.reference import gd_reference
from numerics.simulate import log_steps, random_filters, simulate_gd


def _problem(n=10, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(0, 1 / np.sqrt(n), n), rng.normal(size=n)


@pytest.mark.parametrize("normalized", [False, True])
@pytest.mark.parametrize(
    "method,length,mu",
    [("fourier", None, 0.0), ("fourier", None, 0.5), ("time", None, 0.0), ("time", 4, 0.9)],
)
def test_30_steps_match_time_domain_reference(normalized, method, length, mu):
    x, y = _problem()
    c = random_filters(6, 4, 10, seed=1, length=length)
    res = simulate_gd(
        x,
        y,
        c,
        eta=0.005,
        normalized=normalized,
        max_iter=30,
        tol=0,
        momentum=mu,
        method=method,
        filter_length=length,
    )
    ref, _ = gd_reference(
        x, y, c, eta=0.005, steps=30, normalized=normalized, momentum=mu, filter_length=length
    )
    assert np.all(np.isfinite(ref[-1]))
    assert np.max(np.abs(res.final_loss - ref[-1]) / ref[-1]) < 1e-8


def test_tol_zero_runs_exactly_max_iter():
    x, y = _problem()
    res = simulate_gd(x, y, random_filters(3, 3, 10), eta=1e-3, max_iter=17, tol=0)
    assert res.steps_run == 17 and not res.converged.any() and np.all(res.iterations == -1)


def test_convergence_iteration_is_first_step_below_tol():
    x, y = _problem()
    c = random_filters(4, 2, 10, seed=2)
    res = simulate_gd(
        x, y, c, eta=0.05, normalized=True, max_iter=500, tol=1e-2, record=True, record_points=600
    )
    assert res.converged.any()
    for t in np.flatnonzero(res.converged):
        k = res.iterations[t]
        losses = res.record["loss"][:, t]
        assert losses[k] <= 1e-2 * res.initial_loss[t] and np.all(losses[:k] > 1e-2 * res.initial_loss[t])


def test_divergence_is_detected_and_not_converged():
    x, y = _problem()
    res = simulate_gd(x, y, random_filters(5, 3, 10, sigma2=1.0), eta=50.0, max_iter=100)
    assert res.diverged.all() and not res.converged.any()


def test_underflow_is_reported_not_converged():
    x, y = _problem(n=8)
    c = random_filters(2, 3, 8) * 1e-120
    res = simulate_gd(x, y, c, eta=0.1, max_iter=10)
    assert res.underflowed.all() and not res.converged.any()


def test_record_shapes_and_log_steps():
    x, y = _problem()
    res = simulate_gd(
        x, y, random_filters(3, 2, 10), eta=1e-3, max_iter=100, tol=0, record=True, record_points=10
    )
    steps = res.record["steps"]
    assert steps[0] == 0 and steps[-1] == 100 and np.all(np.diff(steps) > 0)
    assert res.record["grad_norms"].shape == (len(steps), 3, 2)
    assert np.array_equal(log_steps(100, 10), steps)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"eta": 0.0}, "eta"),
        ({"eta": float("nan")}, "eta"),
        ({"max_iter": 0}, "max_iter"),
        ({"tol": 1.5}, "tol"),
        ({"momentum": 1.0}, "momentum"),
        ({"filter_length": 20}, "filter_length"),
        ({"method": "magic"}, "method"),
        ({"filter_length": 3, "method": "fourier"}, "full-length"),
    ],
)
def test_simulate_rejects_bad_input(kwargs, match):
    x, y = _problem()
    args = {"eta": 0.1, **kwargs}
    with pytest.raises(ValueError, match=match):
        simulate_gd(x, y, random_filters(2, 2, 10), **args)


def test_simulate_rejects_bad_shapes():
    with pytest.raises(ValueError, match="filters must have shape"):
        simulate_gd(np.ones(3), np.ones(3), np.ones((2, 2, 2, 3)), eta=0.1)
    with pytest.raises(ValueError, match="x and y"):
        simulate_gd(np.ones(4), np.ones(3), np.ones((2, 3)), eta=0.1)


def test_random_filters_are_deterministic_and_masked():
    a, b = random_filters(2, 3, 8, seed=4, length=3), random_filters(2, 3, 8, seed=4, length=3)
    assert np.array_equal(a, b) and np.all(a[..., 3:] == 0)
    assert np.isclose(random_filters(400, 5, 8, seed=1).var(), 1 / 8, rtol=0.05)


def test_T9_gd_never_beats_the_discrete_bound():
    reports, info = t9_gd_bounds((2, 5), (4e-3,), trials=12, seed=0)
    for r in reports:
        assert r.valid > 0 and r.min_ratio >= 1.0
    assert info["rate"] is not None
