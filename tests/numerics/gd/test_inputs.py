"""Issue 18's simulator reproducers, each on both APIs (one channel: ``simulate_gd``; width k:
``simulate_gd_channels``): bad input is refused before any work with a message naming the
parameter, real dtypes are read exactly, and the one stopping rule (numerics.gd.status) gives
the same state on both sides."""

from __future__ import annotations

import time

import numpy as np
import pytest

from numerics.gd.channel_gd import simulate_gd_channels
from numerics.gd.simulate import random_filters, simulate_gd
from numerics.gd.status import CONVERGED, DIVERGED, UNDERFLOWED, classify
from numerics.hp.channels import random_channel_filters

N = 8
RNG = np.random.default_rng(0)
X, Y = RNG.normal(size=(2, N))


def one(x=X, y=Y, scale=1.0, **kw):
    """simulate_gd on 4 trials of depth 3; ``filters`` may be given as a (trials, d, n) array."""
    f = kw.pop("filters", random_filters(4, 3, N, seed=1) * scale)
    return simulate_gd(x, y, f, **{"eta": 0.05, "max_iter": 50, **kw})


def width(x=X, y=Y, scale=1.0, k=2, **kw):
    """simulate_gd_channels on 4 trials of depth 3 and width k; ``filters`` may be a (trials, d, n)
    array (read as width 1, so that a bad array is the same on both sides)."""
    f = kw.pop("filters", None)
    if f is None:
        layers = [scale * a for a in random_channel_filters(N, 3, k, trials=4, seed=1)]
    elif isinstance(f, np.ndarray) and f.ndim == 3:
        layers = [f[:, i, None, None, :] for i in range(f.shape[1])]
    else:
        layers = f
    return simulate_gd_channels(x, y, layers, **{"eta": 0.05, "max_iter": 50, **kw})


APIS = pytest.mark.parametrize("api", [one, width], ids=["one", "width"])

F = random_filters(4, 3, N, seed=1)
BAD = [
    # (keyword arguments, error type, words the message must contain)
    (dict(x=X + 1j), ValueError, ["x", "complex"]),
    (dict(y=Y + 0j), ValueError, ["y", "complex"]),
    (dict(filters=F + 1j), ValueError, ["filters", "complex"]),
    (dict(x=np.ones((2, N))), ValueError, ["x", "shape"]),
    (dict(filters=np.zeros((0, 3, N))), ValueError, ["trials", ">= 1"]),
    (dict(max_iter=2**70), ValueError, ["max_iter", "[1, 4611686018427387904]"]),
    (dict(max_iter=0), ValueError, ["max_iter", "[1,"]),
    (dict(record=True, record_points=10**9), ValueError, ["record_points", "[1, 1000000]"]),
    (dict(normalized="no"), ValueError, ["normalized", "True or False"]),
    (dict(eta=0.0), ValueError, ["eta", "(0"]),
    (dict(tol=1.0), ValueError, ["tol", "[0, 1)"]),
    (dict(momentum=1.0), ValueError, ["momentum", "[0, 1)"]),
    (dict(layer_step="sphere"), ValueError, ["layer_step", "'norm2'"]),
    (dict(threads=0), ValueError, ["threads", "[1,"]),
    (dict(x=1e200 * X), ValueError, ["initial loss is not finite", "overflows"]),
    (dict(y=np.full(N, 1e160)), ValueError, ["initial loss is not finite"]),
]


@APIS
@pytest.mark.parametrize("kw,err,words", BAD, ids=[",".join(b[0]) + f"-{i}" for i, b in enumerate(BAD)])
def test_bad_input_is_refused_before_any_work_naming_the_parameter(api, kw, err, words):
    t0 = time.perf_counter()
    with pytest.raises(err) as info:
        api(**kw)
    assert all(w in str(info.value) for w in words), str(info.value)
    assert time.perf_counter() - t0 < 5  # refused at once (generous on a shared machine)


def test_width_specific_bad_input():
    with pytest.raises(ValueError, match="relu must be True or False"):
        width(relu="no")
    with pytest.raises(ValueError, match=r"filters\[1\].*complex"):
        width(
            filters=[a + 1j if i == 1 else a for i, a in enumerate(random_channel_filters(N, 3, 2, trials=2))]
        )
    with pytest.raises(ValueError, match="iB of memory"):  # trials x k^2: refused before allocating
        width(filters=[np.zeros((1000, 400, 1, N)), np.zeros((1000, 1, 400, N))])
    with pytest.raises(ValueError, match="random_channel_filters.*iB of memory"):
        random_channel_filters(N, 3, 10**5, trials=10**4)
    with pytest.raises(ValueError, match="trials must be an integer >= 1, got 0"):
        random_channel_filters(N, 3, 2, trials=0)


def test_numpy_integers_are_integers():
    layers = random_channel_filters(
        np.int64(N), np.int64(3), np.int64(2), trials=np.int64(2), seed=np.int64(3)
    )
    assert [a.shape for a in layers] == [(2, 2, 1, N), (2, 2, 2, N), (2, 1, 2, N)]
    for api in (one, width):
        res = api(max_iter=np.int64(5), record=True, record_points=np.int64(3), threads=np.int64(1))
        assert res.steps_run <= 5


@APIS
def test_float32_and_int_inputs_are_read_exactly(api):
    """Any real dtype is the float64 it holds: the same run as its float64 copy, bit for bit."""
    f32 = (F * 3).astype(np.float32)
    a = api(x=X.astype(np.float32), filters=f32, max_iter=20, tol=0)
    b = api(x=X.astype(np.float32).astype(float), filters=f32.astype(float), max_iter=20, tol=0)
    assert np.array_equal(a.final_loss, b.final_loss, equal_nan=True)
    c = api(x=np.arange(N) % 3, y=np.arange(N) % 2, max_iter=5, tol=0)  # integers
    d = api(x=(np.arange(N) % 3).astype(float), y=(np.arange(N) % 2).astype(float), max_iter=5, tol=0)
    assert np.array_equal(c.final_loss, d.final_loss, equal_nan=True)


# ----------------------------------------------------------------- the one stopping rule
@APIS
@pytest.mark.parametrize("normalized", [False, True])
def test_non_finite_start_raises(api, normalized):
    """Issue 18's HIGH defect: 1e200 x at d = 3 gave 4/4 'converged' at step 0 with loss inf."""
    with pytest.raises(ValueError, match="initial loss is not finite"):
        api(x=1e200 * X, normalized=normalized)


def test_issue_18_example_raises():
    with pytest.raises(ValueError, match="initial loss is not finite"):
        simulate_gd_channels(1e200 * X, Y, random_channel_filters(8, 3, 2, trials=4), eta=0.05)


@APIS
@pytest.mark.parametrize("scale", [1e-300, 0.0])
def test_cn_start_scaled_to_nothing_is_underflowed_not_diverged(api, scale):
    """A CN start scaled by 1e-300 (||Pz||^2 underflows to 0) or zero filters (0/0): underflowed."""
    res = api(scale=scale, normalized=True)
    assert res.underflowed.all() and not (res.diverged | res.converged).any()
    assert np.all(res.iterations == -1)


@APIS
def test_zero_filters_without_cn_are_an_exact_zero_not_underflow(api):
    """Issue 27: zero filters at d = 3 are a stationary point of plain GD (every gradient has a
    zero factor): out of steps at the initial loss, not "underflowed" (no product underflowed)."""
    res = api(scale=0.0, max_iter=20)
    assert not (res.underflowed | res.diverged | res.converged).any()
    assert np.array_equal(res.final_loss, res.initial_loss)


@APIS
@pytest.mark.parametrize("normalized", [False, True])
def test_a_step_far_too_large_is_diverged_never_converged(api, normalized):
    res = api(scale=3.0, eta=50.0, normalized=normalized, max_iter=300)
    assert not res.converged.any() and res.diverged.any()
    assert np.all(np.isfinite(res.initial_loss))


def test_the_order_of_the_states():
    """classify's order: converged > grew (inf, overflow, > factor L_0) > underflowed > NaN."""
    inf, nan = float("inf"), float("nan")
    assert classify(0.1, 1.0, 0.5, 1e8, True, False) == CONVERGED
    assert classify(inf, inf, 0.5, 1e8, False, False) == DIVERGED  # an infinite loss never converges
    assert classify(inf, 1.0, 0.5, 1e8, True, False) == DIVERGED
    assert classify(0.9, 1.0, 0.5, 1e8, True, True) == DIVERGED
    assert classify(2e8, 1.0, 0.5, 1e8, True, False) == DIVERGED
    assert classify(nan, 1.0, 0.5, 1e8, True, False) == UNDERFLOWED
    assert classify(nan, 1.0, 0.5, 1e8, False, False) == DIVERGED
    assert classify(0.9, 1.0, 0.0, 1e8, False, False) == 0  # tol = 0 never converges: running


# ----------------------------------------------------------------- every core, same bits
@APIS
@pytest.mark.parametrize("normalized", [False, True])
def test_same_numbers_on_any_number_of_threads(api, normalized):
    kw = dict(normalized=normalized, momentum=0.3, tol=np.linspace(0.0, 0.2, 4), max_iter=400, record=True)
    runs = [api(threads=t, **kw) for t in (1, 2, 3)]
    for r in runs[1:]:
        for name in ("iterations", "converged", "diverged", "underflowed", "steps_run"):
            assert np.array_equal(getattr(r, name), getattr(runs[0], name)), name
        for name in ("initial_loss", "final_loss"):
            assert np.array_equal(getattr(r, name), getattr(runs[0], name), equal_nan=True), name
        for key in ("loss", "grad_norms", "filter_norms"):
            assert np.array_equal(r.record[key], runs[0].record[key], equal_nan=True), key
