"""The compiled GD of width-k linear CNNs, plain and with CN (numerics.gd.compiled_channels,
THEORY M1, M3) against the NumPy path (ChannelGD) and against the independent time-domain GD
of test_channels."""

from __future__ import annotations

import numpy as np
import pytest
from channel_reference import _problem, time_domain_gd
from hypothesis import given, settings
from hypothesis import strategies as st

from numerics.gd.channel_gd import simulate_gd_channels
from numerics.hp.channels import random_channel_filters


def _both(x, y, filt, **kw):
    return (
        simulate_gd_channels(x, y, filt, method="compiled", **kw),
        simulate_gd_channels(x, y, filt, method="numpy", **kw),
    )


def _assert_same(a, b, rtol):
    """Same stopping steps and flags; losses, filters (gains, biases) and records equal to ``rtol``."""
    for name in ("iterations", "converged", "diverged", "underflowed"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert a.steps_run == b.steps_run
    np.testing.assert_allclose(a.initial_loss, b.initial_loss, rtol=1e-13)
    np.testing.assert_allclose(a.final_loss, b.final_loss, rtol=rtol)
    for key in ("filters", "gains", "biases"):
        assert (key in a.extra) == (key in b.extra), key
        for p, q in zip(a.extra.get(key, ()), b.extra.get(key, ())):
            assert p.shape == q.shape
            assert np.max(np.abs(p - q)) <= rtol * max(np.max(np.abs(q)), 1.0), key
    if b.record is not None:
        for key in ("steps", "loss", "grad_norms", "filter_norms"):
            np.testing.assert_allclose(a.record[key], b.record[key], rtol=rtol)  # NaNs in the same places


@pytest.mark.parametrize(
    "normalized, momentum, eta",
    [(False, 0.0, 0.05), (False, 0.9, 0.01), (True, 0.0, 0.05), (True, 0.9, 0.01)],
)
def test_M1_M3_compiled_matches_time_domain_gd(normalized, momentum, eta):
    """The independent reference: circulant matrices, explicit backprop, loops over channels."""
    x, y, filt = _problem()
    kw = dict(eta=eta, momentum=momentum, normalized=normalized)
    res = simulate_gd_channels(x, y, filt, max_iter=30, tol=0, method="compiled", **kw)
    losses, ref = time_domain_gd(x, y, filt, steps=30, **kw)
    assert not res.diverged.any() and res.steps_run == 30
    np.testing.assert_allclose(res.initial_loss, losses[0], rtol=1e-12)
    np.testing.assert_allclose(res.final_loss, losses[-1], rtol=1e-8)
    for a, b in zip(res.extra["filters"], ref):
        assert np.max(np.abs(a - b)) <= 1e-8 * np.max(np.abs(b))


@settings(max_examples=16, deadline=None)
@given(
    n=st.integers(2, 9),
    d=st.integers(1, 5),
    k=st.integers(1, 4),
    trials=st.integers(1, 5),
    momentum=st.sampled_from([0.0, 0.5, 0.9]),
    normalized=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_M1_M3_compiled_matches_numpy_path(n, d, k, trials, momentum, normalized, seed):
    """Same stopping steps, flags, losses, final filters (gains, biases) and records as ChannelGD."""
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(2, n))
    filt = random_channel_filters(n, d, k, trials=trials, seed=seed)
    kw = dict(eta=0.02, momentum=momentum, normalized=normalized, max_iter=300, tol=1e-2, record=True)
    # at k = 1 "compiled" is the phase-free kernel (a multiplicative step, rounded differently
    # from the additive matrix step): measured up to 1.2e-8 after 300 steps with momentum 0.9
    _assert_same(*_both(x, y, filt, record_points=8, **kw), rtol=1e-7 if k == 1 else 1e-8)


@pytest.mark.parametrize("normalized", [False, True])
def test_M1_M3_compiled_matches_numpy_path_uneven_widths(normalized):
    """Widths 1 -> 3 -> 2 -> 1 (padding to K = 3 must not leak into the narrower layers)."""
    rng = np.random.default_rng(3)
    n = 8
    x, y = rng.normal(size=(2, n))
    filt = [
        rng.normal(0, 0.3, (4, 3, 1, n)),
        rng.normal(0, 0.3, (4, 2, 3, n)),
        rng.normal(0, 0.3, (4, 1, 2, n)),
    ]
    kw = dict(eta=0.05, momentum=0.5, normalized=normalized, max_iter=500, tol=1e-3, record=True)
    _assert_same(*_both(x, y, filt, **kw), rtol=1e-8)


def test_compiled_flags_divergence_and_underflow_like_numpy():
    x, y, filt = _problem(n=6, d=4, k=2, trials=4, seed=1)
    a, b = _both(x, y, filt, eta=50.0, max_iter=200)
    assert a.diverged.all() and not a.converged.any() and (a.iterations == -1).all()
    _assert_same(a, b, rtol=1e-9)
    a, b = _both(x, y, filt, eta=50.0, max_iter=200, normalized=True)  # CN: diverged or NaN, never converged
    assert not a.converged.any()
    _assert_same(a, b, rtol=1e-9)
    n, d = 4, 40
    x, y = np.array([1.0, -1.0, 0.5, -0.5]), np.ones(4)
    filt = [1e-9 * f for f in random_channel_filters(n, d, 2, trials=2, seed=0)]
    a, b = _both(x, y, filt, eta=0.1, max_iter=5)
    assert a.underflowed.all() and not a.converged.any()
    _assert_same(a, b, rtol=1e-9)


def test_compiled_same_seed_same_bits():
    x, y, filt = _problem(n=16, d=6, k=4, trials=6, seed=4)
    runs = [
        simulate_gd_channels(
            x, y, random_channel_filters(16, 6, 4, trials=6, seed=4), eta=0.01, momentum=0.9, max_iter=400
        )
        for _ in range(2)
    ]
    assert np.array_equal(runs[0].final_loss, runs[1].final_loss)
    assert np.array_equal(runs[0].iterations, runs[1].iterations)
    assert all(np.array_equal(p, q) for p, q in zip(runs[0].extra["filters"], runs[1].extra["filters"]))
    # a trial's numbers do not depend on the batch it runs in
    alone = simulate_gd_channels(x, y, [f[2:3] for f in filt], eta=0.01, max_iter=50, tol=0)
    batch = simulate_gd_channels(x, y, filt, eta=0.01, max_iter=50, tol=0)
    assert alone.final_loss[0] == batch.final_loss[2]


def test_auto_dispatch_and_bad_method():
    x, y, filt = _problem()
    auto = simulate_gd_channels(x, y, filt, eta=0.05, max_iter=20, tol=0)
    compiled = simulate_gd_channels(x, y, filt, eta=0.05, max_iter=20, tol=0, method="compiled")
    assert np.array_equal(auto.final_loss, compiled.final_loss)
    with pytest.raises(ValueError, match="method"):
        simulate_gd_channels(x, y, filt, eta=0.05, method="fast")
    with pytest.raises(ValueError, match="method 'compiled'"):
        simulate_gd_channels(x, y, filt, eta=0.05, relu=True, method="compiled")
