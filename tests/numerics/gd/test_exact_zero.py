"""Exact zeros are not underflow (issue 27), and ``stall_floor`` against GD in every case of its derivation.

The status rule calls a trial "underflowed" only when a product of nonzero factors could not be
represented; a start with an exact zero (zero filters, a zero layer beside a delta, a box
filter's zero DFT values) is a state GD leaves (or a stationary point), on every path.
"""

from __future__ import annotations

import numpy as np
import pytest

from numerics.gd.channel_gd import simulate_gd_channels
from numerics.gd.simulate import simulate_gd
from numerics.hp.allpass import allpass_filters, stall_floor

N = 8
_rng = np.random.default_rng(0)
X = _rng.normal(size=N)
Y = 1.5 * X + 0.3 * _rng.normal(size=N)  # ŷ_w x̂_w > 0 at w = 0, n/2: no tied stall to escape by rounding
DELTA, BOX = np.eye(N)[0], np.ones(N) / N

STARTS = {
    "zero filter (d = 1)": [np.zeros(N)],
    "zero layer beside a delta": [np.zeros(N), DELTA],
    "box filter and a delta": [BOX, DELTA],
}


@pytest.mark.parametrize("name", list(STARTS))
def test_exact_zero_starts_are_left_by_gd_on_every_path(name):
    layers = STARTS[name]
    f = np.array(layers)[None]
    chans = [a[None, None, None, :] for a in layers]
    runs = [simulate_gd(X, Y, f, eta=0.05, max_iter=5000, tol=1e-6, method=m) for m in ("auto", "time")]
    runs += [
        simulate_gd_channels(X, Y, chans, eta=0.05, max_iter=5000, tol=1e-6, method=m)
        for m in ("auto", "numpy", "compiled")
    ]
    for r in runs:
        assert not r.underflowed[0] and r.converged[0], (name, r)
    its = {int(r.iterations[0]) for r in runs}
    assert len(its) == 1, (name, its)


def test_two_zero_layers_are_a_stationary_point_out_of_steps_not_underflow():
    f = np.zeros((1, 2, N))
    for r in (
        simulate_gd(X, Y, f, eta=0.05, max_iter=50),
        simulate_gd_channels(X, Y, [np.zeros((1, 1, N))] * 2, eta=0.05, max_iter=50, method="numpy"),
        simulate_gd_channels(X, Y, [np.zeros((1, 1, N))] * 2, eta=0.05, max_iter=50, method="compiled"),
    ):
        assert not (r.underflowed[0] or r.converged[0] or r.diverged[0])
        assert r.final_loss[0] == r.initial_loss[0]


@pytest.mark.parametrize("method", ["fourier", "fourier-numpy"])
def test_phase_free_methods_refuse_an_exact_zero_naming_filters(method):
    with pytest.raises(ValueError, match=r"^filters: ĉ_i,w = 0 exactly .*method 'time'"):
        simulate_gd(X, Y, np.zeros((1, 1, N)), eta=0.05, method=method)


def test_a_product_that_underflows_is_still_underflowed():
    f = np.full((1, 2, N), 0.0)
    f[0, :, 0] = 1e-160  # ĉ = 1e-160 everywhere, nonzero; f̂ = x̂ 1e-320: not representable
    assert simulate_gd(X, Y, f, eta=0.05, max_iter=10, method="time").underflowed[0]
    assert simulate_gd(X, Y, f, eta=0.05, max_iter=10, method="fourier").underflowed[0]


# ------------------------------------------------------------- stall_floor against GD
def _gd_final(x, y, f, eta=0.05):
    exact_zero = (np.fft.rfft(np.asarray(f, float), axis=-1) == 0).any()
    steps = 1000 if exact_zero else 20000  # the taps' path (NumPy) is slower than the phase-free kernel
    r = simulate_gd(np.asarray(x, float), np.asarray(y, float), np.asarray(f, float).reshape(1, -1, len(x)), eta=eta,
                    max_iter=steps, tol=0.0)  # fmt: skip
    return float(r.final_loss[0])


FLOOR_CASES = [
    # (case of the derivation, x, y, filters, the floor by hand)
    ("d = 1, a crossing of 0: no floor", [1.0, 0, 0, 0], [1.0, 1, 1, 1], [[-1.0, 0, 0, 0]], 0.0),
    ("x = 0: every x̂_w = 0, floor ½||y||^2", np.zeros(4), [1.0, 2, 3, 4], allpass_filters(4, 3, delta=True), 15.0),
    ("tied layers with DFT 0 at w = 0 (d = 3): ŷ_0^2/2n", [1, 0.5, 0.25, 0], [2.0, 1, 0, 1], [[1.0, -1, 0, 0]] * 3, 2.0),
    ("wrong sign at w = 0, tied, d = 3: ŷ_0^2/2n", [1.0, 0, 0, 0], [-1.0] * 4, allpass_filters(4, 3, delta=True), 2.0),
    ("x̂_w = 0 on the complex orbit w = 1, 3 and a wrong sign at n/2", [1.0, 0, 1, 0], [1.0, 2, 3, 4],
     allpass_filters(4, 2, delta=True), 2.5),
    ("two layers with DFT 0 at w = 1, 3 (d = 2): (|ŷ_1|^2 + |ŷ_3|^2)/2n, and n/2 wrong-signed: ŷ_2^2/2n",
     [1, 0.5, 0.25, 0], [1.0, 2, 3, 4], [[1.0, 0, 1, 0]] * 2, 2.5),
]  # fmt: skip


@pytest.mark.parametrize("case", FLOOR_CASES, ids=[c[0] for c in FLOOR_CASES])
def test_stall_floor_is_the_hand_derived_floor_and_gd_ends_on_it(case):
    _, x, y, f, by_hand = case
    floor = float(stall_floor(x, y, f))
    assert floor == by_hand
    final = _gd_final(x, y, f)
    assert floor * (1 - 1e-12) - 1e-12 <= final <= floor * (1 + 1e-2) + 1e-9, (floor, final)


def test_one_zero_layer_at_a_real_frequency_is_no_tie():
    with pytest.raises(ValueError, match="not tied"):
        stall_floor([1.0, 0, 0, 0], [-1.0] * 4, [[1.0, -1, 0, 0], [1.0, 0, 0, 0]])
