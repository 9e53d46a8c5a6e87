"""Width k = 1 is one channel: ``simulate_gd_channels`` at k = 1 equals ``simulate_gd`` (status,
iterations, losses to 1e-8 relative), on its fast path (simulate_gd's phase-free kernel) and on
the independent width-k NumPy path (Ĉ_i(w) stepped additively, CN after every layer)."""

from __future__ import annotations

import numpy as np
import pytest
from channel_reference import _problem, time_domain_gd
from hypothesis import given, settings
from hypothesis import strategies as st

from numerics.gd.channel_gd import simulate_gd_channels
from numerics.gd.simulate import random_filters, simulate_gd


def _as_layers(f: np.ndarray) -> list[np.ndarray]:
    """(trials, d, n) -> d layers of shape (trials, 1, 1, n)."""
    return [f[:, i, None, None, :] for i in range(f.shape[1])]


def _assert_equal_runs(a, b, rtol: float, spread: np.ndarray | float = 0.0) -> None:
    """Same states, iterations and steps; |L_a - L_b| <= rtol max(L_final, L_0) + 10 spread.

    Relative to max(L_final, L_0) because a fitted loss is a cancellation |y - f|^2. ``spread``
    is how far two independent implementations of the one-channel GD (phase-free and
    time-domain) end apart on the same run: an unstable CN run (a step too large near the
    optimum) amplifies rounding chaotically, in every implementation alike. Measured over 300
    random cases of this test's kind: states and iterations always equal; plain runs
    |dL| <= 1.8e-13 max(L_final, L_0); CN runs up to 4.4e-4 of it in unstable runs, never more
    than 3.1 spread + 1e-8 max(L_final, L_0).
    """
    for name in ("converged", "diverged", "underflowed", "iterations"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert a.steps_run == b.steps_run
    np.testing.assert_allclose(a.initial_loss, b.initial_loss, rtol=1e-13)
    scale = np.maximum(np.abs(b.final_loss), b.initial_loss)
    gap = np.abs(a.final_loss - b.final_loss)
    assert np.all(gap <= rtol * scale + 10 * spread), (a.final_loss, b.final_loss, spread)


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(3, 12),
    d=st.integers(1, 5),
    trials=st.integers(1, 4),
    normalized=st.booleans(),
    momentum=st.sampled_from([0.0, 0.5]),
    eta=st.sampled_from([0.002, 0.01]),
    tol=st.sampled_from([0.0, 0.05]),
    seed=st.integers(0, 2**16),
)
def test_width_one_channels_equal_one_channel(n, d, trials, normalized, momentum, eta, tol, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(2, n))
    f = random_filters(trials, d, n, seed=seed)
    kw = dict(eta=eta, normalized=normalized, momentum=momentum, tol=tol, max_iter=200)
    one = simulate_gd(x, y, f, **kw)
    fast = simulate_gd_channels(x, y, _as_layers(f), **kw)
    slow = simulate_gd_channels(x, y, _as_layers(f), method="numpy", **kw)
    # the fast path is simulate_gd's kernel: the same bits
    _assert_equal_runs(fast, one, rtol=0.0)
    # the width-k NumPy path steps Ĉ_i additively (layerwise CN): equal to rounding
    spread = np.abs(one.final_loss - simulate_gd(x, y, f, method="time", **kw).final_loss)
    _assert_equal_runs(slow, one, rtol=1e-8, spread=spread)


@pytest.mark.parametrize("normalized, momentum", [(False, 0.0), (False, 0.5), (True, 0.0), (True, 0.5)])
def test_width_one_fast_path_filters_match_time_domain_gd(normalized, momentum):
    """The fast path carries ĉ along (ĉ <- ĉ g): its final filters, gains and biases against the
    independent width-k time-domain GD (circulant matrices, explicit backprop), 30 steps."""
    x, y, filt = _problem(n=7, d=4, k=1, trials=3, seed=2)
    kw = dict(eta=0.01, momentum=momentum, normalized=normalized)
    res = simulate_gd_channels(x, y, filt, max_iter=30, tol=0, **kw)
    losses, ref = time_domain_gd(x, y, filt, steps=30, **kw)
    assert res.extra["path"] == "compiled" and res.steps_run == 30 and not res.diverged.any()
    np.testing.assert_allclose(res.final_loss, losses[-1], rtol=1e-8)
    for a, b in zip(res.extra["filters"], ref):
        assert a.shape == b.shape and np.max(np.abs(a - b)) <= 1e-8 * np.max(np.abs(b))
    if normalized:
        assert [g.shape for g in res.extra["gains"]] == [(3, 1)] * 4
        assert np.all(res.extra["gains"][0] == 1.0) and np.all(res.extra["biases"][0] == 0.0)
        numpy = simulate_gd_channels(x, y, filt, max_iter=30, tol=0, method="numpy", **kw)
        for a, b in zip(
            res.extra["gains"] + res.extra["biases"], numpy.extra["gains"] + numpy.extra["biases"]
        ):
            np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-12)
