"""numerics.gd.simulate: exactness against the time-domain reference, stopping rules, inputs."""

from __future__ import annotations

import numpy as np
import pytest

from numerics.gd.reference import gd_reference
from numerics.gd.simulate import log_steps, random_filters, simulate_gd
from numerics.mc.experiments import t9_gd_bounds


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


@pytest.mark.parametrize("method", ["fourier", "fourier-numpy", "time"])
def test_convergence_iteration_is_first_step_below_tol(method):
    x, y = _problem()
    c = random_filters(4, 2, 10, seed=2)
    res = simulate_gd(
        x,
        y,
        c,
        eta=0.05,
        normalized=True,
        max_iter=500,
        tol=1e-2,
        record=True,
        record_points=600,
        method=method,
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


@pytest.mark.parametrize("normalized", [False, True])
@pytest.mark.parametrize("method", ["fourier", "fourier-numpy", "time"])
def test_a_nan_loss_after_a_giant_step_is_diverged_not_underflowed(method, normalized):
    """eta = 1e200: one step overflows the output and the loss is NaN, with nothing tiny in the
    state: diverged (growth), never underflowed, on every path."""
    x, y = np.random.default_rng(0).normal(size=(2, 8))
    res = simulate_gd(x, y, random_filters(3, 3, 8, seed=1), eta=1e200, normalized=normalized, max_iter=5,
                      method=method)  # fmt: skip
    assert np.all(np.isnan(res.final_loss)) and res.steps_run == 1
    assert res.diverged.all() and not res.underflowed.any() and not res.converged.any()


def test_random_filters_seed_decides_the_draws():
    """The same seed gives the same filters in a fresh call, another seed other filters."""
    a = random_filters(3, 2, 8, seed=11)
    assert np.array_equal(a, random_filters(3, 2, 8, seed=11))
    assert not np.array_equal(a, random_filters(3, 2, 8, seed=12))


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
        ({"filter_length": 3, "method": "fourier-numpy"}, "full-length"),
        ({"method": "time", "track_conditions": True}, "track_conditions"),
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


# ------------------------------------------------------------- the compiled path (issue 14)
@pytest.mark.parametrize("normalized", [False, True])
@pytest.mark.parametrize("mu", [0.0, 0.5])
def test_compiled_path_matches_numpy_path_to_rounding(normalized, mu):
    """Same step, same stopping rules: the compiled loop and FourierGD agree to rounding.

    Over a stable stretch (eta small, 400 steps) per-step rounding (~1e-16) stays small;
    unstable trajectories amplify it, so longer runs are compared by iteration counts only.
    """
    x, y = _problem(n=12)
    c = random_filters(8, 5, 12, seed=3)
    tol = np.where(np.arange(8) % 2, 0.3, 1e-4)  # per trial: some converge, some run out of steps
    kw = dict(eta=0.004, normalized=normalized, momentum=mu, max_iter=400, tol=tol, record=True)
    a = simulate_gd(x, y, c, method="fourier", track_conditions=True, **kw)
    b = simulate_gd(x, y, c, method="fourier-numpy", track_conditions=True, **kw)
    assert a.extra["path"] == "fourier" and b.extra["path"] == "fourier-numpy"
    assert a.converged.any() and (~a.converged).any()  # both kinds of stop are compared
    for field in ("iterations", "converged", "diverged", "underflowed"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    assert a.steps_run == b.steps_run
    # rounding (~1e-16 per operation) grows over 400 steps and, in a small loss, by cancellation
    # in |y - o|^2: measured up to 2e-12 loss_0 here; grad/filter norms up to ~1e-10 relative
    assert np.all(np.abs(a.final_loss - b.final_loss) <= 1e-10 * a.initial_loss)
    assert np.array_equal(a.initial_loss, b.initial_loss)
    for key in ("loss", "grad_norms", "filter_norms"):
        ra, rb = a.record[key], b.record[key]
        assert np.array_equal(np.isnan(ra), np.isnan(rb))
        scale = a.initial_loss[None, :] if key == "loss" else np.abs(rb)
        assert np.all(
            np.abs(ra - rb)[~np.isnan(ra)] <= 1e-8 * np.broadcast_to(scale, ra.shape)[~np.isnan(ra)]
        ), key
    # sigma = eta |e||f̂|S: e = ŷ - o cancels near the optimum (measured 3e-9 relative here)
    assert np.allclose(a.max_tau, b.max_tau, rtol=1e-8) and np.allclose(a.max_sigma, b.max_sigma, rtol=1e-8)


@pytest.mark.parametrize("normalized", [False, True])
def test_compiled_path_same_bits_every_run_and_any_batch(normalized):
    """Each trial runs alone in the compiled loop: the same bits on every run and in any batch."""
    x, y = _problem(n=16)
    c = random_filters(7, 4, 16, seed=5)
    kw = dict(eta=0.02, normalized=normalized, max_iter=3000, momentum=0.3)
    a, b = simulate_gd(x, y, c, **kw), simulate_gd(x, y, c, **kw)
    assert np.array_equal(a.final_loss, b.final_loss, equal_nan=True)
    assert np.array_equal(a.iterations, b.iterations)
    for t in (0, 4, 6):
        alone = simulate_gd(x, y, c[t : t + 1], **kw)
        assert np.array_equal(alone.final_loss, a.final_loss[t : t + 1], equal_nan=True)
        assert alone.iterations[0] == a.iterations[t]


def test_compiled_path_progress_chunks_give_the_same_numbers(capsys):
    x, y = _problem(n=8)
    c = random_filters(60, 3, 8, seed=2)
    a = simulate_gd(x, y, c, eta=0.01, max_iter=500)
    b = simulate_gd(x, y, c, eta=0.01, max_iter=500, progress=True)
    assert np.array_equal(a.final_loss, b.final_loss) and np.array_equal(a.iterations, b.iterations)


# ------------------------------------------------------------- edges of float64 (issue 12)
METHODS = ["fourier", "fourier-numpy", "time"]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("normalized", [False, True])
def test_non_finite_start_is_rejected_not_converged(method, normalized):
    """x ~ 1e160 at d = 3: x̂ Πĉ overflows, loss_0 = inf and inf <= tol * inf would 'converge'."""
    with pytest.raises(ValueError, match="initial loss is not finite.*overflows"):
        simulate_gd(
            np.full(8, 1e160) * (1 + np.arange(8)),
            np.ones(8),
            random_filters(4, 3, 8, seed=0),
            eta=0.01,
            normalized=normalized,
            method=method,
        )


def test_issue_12_example_is_rejected():
    with pytest.raises(ValueError, match="initial loss is not finite"):
        simulate_gd(np.full(8, 1e160), np.ones(8), random_filters(4, 3, 8, seed=0), eta=0.01)


@pytest.mark.parametrize("method", METHODS)
def test_cn_with_constant_input_is_rejected(method):
    """A constant x has Pz = 0 for every filter: the CN output 0/0 is undefined, at any scale."""
    with pytest.raises(ValueError, match="constant"):
        simulate_gd(
            np.full(8, 3.0), np.ones(8), random_filters(2, 2, 8), eta=0.01, normalized=True, method=method
        )


@pytest.mark.parametrize("method", METHODS)
def test_target_that_overflows_the_loss_is_rejected(method):
    x, _ = _problem(n=8)
    with pytest.raises(ValueError, match="initial loss is not finite"):
        simulate_gd(x, np.full(8, 1e160), random_filters(2, 2, 8), eta=0.01, method=method)


@pytest.mark.parametrize("method", METHODS)
def test_cn_with_tiny_input_is_underflowed_not_diverged(method):
    """x ~ 1e-200: s^2 = ||Pz||^2 ~ 1e-400 underflows to 0 and the CN loss is NaN."""
    _, y = _problem(n=8)
    x = 1e-200 * (1 + np.arange(8.0))
    res = simulate_gd(x, y, random_filters(4, 3, 8, seed=0), eta=0.01, normalized=True, method=method)
    assert res.underflowed.all() and not res.diverged.any() and not res.converged.any()
    assert np.all(res.iterations == -1)


@pytest.mark.parametrize("method", METHODS)
def test_cn_at_depth_5000_is_underflowed_not_diverged(method):
    """|f̂| ~ exp(-0.29 d) underflows float64 long before d = 5000 (T8's rate)."""
    x, y = _problem(n=8)
    res = simulate_gd(x, y, random_filters(2, 5000, 8, seed=1), eta=0.01, normalized=True, method=method)
    assert res.underflowed.all() and not res.diverged.any() and not res.converged.any()


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("normalized", [False, True])
def test_a_zero_filter_is_left_by_plain_gd_and_underflowed_with_cn(method, normalized):
    """A layer that is exactly 0 makes f = 0. Plain GD moves it off 0 (its gradient r̂ conj(x̂ Π_{j≠i} ĉ_j)
    is not 0): not underflowed (issue 27). With CN, Pz = 0 is CN's 0/0: underflowed. The phase-free
    methods cannot move a layer off an exact 0: they refuse such a start, naming the filters."""
    x, y = _problem(n=8)
    c = random_filters(3, 3, 8, seed=4)
    c[1, 2] = 0.0
    if method in ("fourier", "fourier-numpy"):
        with pytest.raises(ValueError, match="^filters: ĉ_i,w = 0 exactly"):
            simulate_gd(x, y, c, eta=0.01, normalized=normalized, method=method, max_iter=200)
        return
    res = simulate_gd(x, y, c, eta=0.01, normalized=normalized, method=method, max_iter=200)
    assert bool(res.underflowed[1]) == normalized and not res.diverged[1]
    assert not np.any(res.converged & (res.diverged | res.underflowed))


@pytest.mark.parametrize("method", METHODS)
def test_cn_overflow_during_the_run_is_diverged_never_converged(method):
    """A step far too large for CN: the gain blows up; the run is diverged, not converged."""
    x, y = _problem(n=8)
    res = simulate_gd(x, y, random_filters(4, 3, 8, seed=2), eta=5.0, normalized=True, method=method)
    assert res.diverged.all() and not res.converged.any() and not res.underflowed.any()


def test_gdresult_repr_is_short():
    x, y = _problem()
    res = simulate_gd(x, y, random_filters(300, 3, 10, seed=1), eta=0.01, max_iter=2000, record=True)
    text = repr(res)
    assert len(text.splitlines()) <= 3 and len(text) < 300
    assert "300 trials" in text and f"{int(res.converged.sum())} converged" in text


@pytest.mark.parametrize("normalized", [False, True])
def test_compiled_record_at_step_0_is_the_closed_form_gradient(normalized):
    """The compiled path's recorded ||grad_{c_i} L|| at step 0 is T1's (C4's) closed form."""
    import math

    from theory.networks import cn_gradient, plain_gradient

    x, y = _problem(n=7)
    c = random_filters(3, 4, 7, seed=8)
    res = simulate_gd(x, y, c, eta=0.01, normalized=normalized, max_iter=1, tol=0, record=True)
    for t in range(3):
        for i in range(4):
            args = (c[t].tolist(), x.tolist(), y.tolist(), i)
            g = cn_gradient(*args, sqrt=math.sqrt) if normalized else plain_gradient(*args)
            assert math.isclose(res.record["grad_norms"][0, t, i], np.linalg.norm(g), rel_tol=1e-10)
            assert math.isclose(res.record["filter_norms"][0, t, i], np.linalg.norm(c[t, i]), rel_tol=1e-12)
