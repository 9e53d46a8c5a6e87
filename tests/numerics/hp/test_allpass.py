"""X3: all-pass filters, the stall floor and the balanced flow time."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from mpmath import mp

from numerics import allpass_filters, balanced_time_complex, flow_time, grad_norms, simulate_gd, stall_floor
from numerics.hp.allpass import layers_flip


@pytest.mark.parametrize("n", [2, 5, 8])
def test_X3_allpass_moduli_are_one_and_filters_real(n):
    f = allpass_filters(n, 4, trials=3, seed=1)
    assert f.shape == (3, 4, n) and f.dtype == float
    np.testing.assert_allclose(np.abs(np.fft.fft(f, axis=-1)), 1.0, atol=1e-14)
    np.testing.assert_array_equal(f, allpass_filters(n, 4, trials=3, seed=1))
    d = allpass_filters(n, 2, delta=True)
    assert np.array_equal(d[0, :, 0], [1.0, 1.0]) and not d[..., 1:].any()


def test_X3a_gradient_is_depth_free_at_delta_start():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(2, 5))
    xh, yh = np.fft.fft(x), np.fft.fft(y)
    closed = np.sqrt(np.sum(np.abs(yh - xh) ** 2 * np.abs(xh) ** 2) / 5)
    for d in (1, 3, 9):
        norms = [float(v) for v in grad_norms(allpass_filters(5, d, delta=True)[0], x, y, dps=20)]
        np.testing.assert_allclose(norms, closed, rtol=1e-14)


def test_X3c_stall_floor_delta_closed_form():
    x = np.array([1.0, 0.0, 0.0, 0.0])
    y = np.array([-1.0, -1.0, -1.0, -1.0])  # ŷ_0 = -4, x̂_0 = 1: floor 16/8
    assert stall_floor(x, y, allpass_filters(4, 3, delta=True)) == 2
    assert stall_floor(x, -y, allpass_filters(4, 3, delta=True)) == 0
    y2 = np.array([1.0, -1.0, 1.0, -1.0])  # ŷ_2 = 4, x̂_2 = 1: right sign, no floor
    assert stall_floor(x, -y2, allpass_filters(4, 2, delta=True)) == 2


def test_X3c_stall_floor_refuses_untied_and_bad_shapes():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(2, 6))
    with pytest.raises(ValueError, match="not tied"):
        stall_floor(x, y, rng.normal(size=(3, 6)))
    with pytest.raises(ValueError, match="shape"):
        stall_floor(x, y, np.zeros((2, 3, 6)))
    with pytest.raises(ValueError, match="length n"):
        stall_floor(x[:4], y, allpass_filters(6, 2, seed=0))


def test_X3c_gd_stalls_at_the_floor_and_escapes_with_a_large_odd_step():
    x, y = np.array([1.0, 1.0]), np.array([-1.0, -1.0])
    c = allpass_filters(2, 3, delta=True)
    res = simulate_gd(x, y, c, eta=0.02, max_iter=20000, tol=0)
    assert 1.0 <= res.final_loss[0] <= 1.0 + 1e-4
    assert not layers_flip(x, y, c, 0.02) and layers_flip(x, y, c, 0.2)
    big = simulate_gd(x, y, c, eta=0.15, max_iter=5000, tol=0)
    assert big.final_loss[0] < 0.5  # all three layers flip together: the product changes sign


def test_X3b_balanced_time_matches_flow_time():
    with mp.workdps(40):
        z0 = [mpmath.expjpi(mpmath.mpf(k) / 5) for k in range(4)]
        a, b = mpmath.mpc(0.7, 0.2), mpmath.mpc(-1.0, 1.5)
        closed = balanced_time_complex(a, b, a * mpmath.fprod(z0), 4)
    exact, _ = flow_time(z0, a, b, dps=35)
    assert abs(closed - exact) < mpmath.mpf(10) ** -28 * exact


def test_X3_allpass_bad_arguments():
    with pytest.raises(ValueError, match="n must"):
        allpass_filters(1, 2)
    with pytest.raises(ValueError, match="trials"):
        allpass_filters(8, 2, trials=0)
    with pytest.raises(ValueError, match="<="):
        allpass_filters(2**14, 2**14)
    with pytest.raises(TypeError, match="delta"):
        allpass_filters(8, 2, delta=1)


def test_X3_layers_flip_looks_at_the_nyquist_frequency_too():
    """Delta filters, x = e_0: at w = 0 the start is at the target (no step), at w = n/2 the sign is
    wrong with q = -2, so a step flips the tied layers exactly when eta > 1/2."""
    x, y = np.array([1.0, 0, 0, 0]), np.array([0, 0.5, 0, 0.5])  # ŷ = (1, 0, -1, 0)
    filters = allpass_filters(4, 3, delta=True)[0]
    assert layers_flip(x, y, filters, 0.6) and not layers_flip(x, y, filters, 0.4)


def test_X3_stall_floor_refuses_moduli_that_are_nearly_but_not_tied():
    """Moduli 1e-7 apart at w = 0 are not tied (GF crosses 0 there): no floor."""
    x, y = np.array([1.0, 0, 0, 0]), np.array([-1.0, 0, 0, 0])
    filters = allpass_filters(4, 3, delta=True)[0].copy()
    filters[1] *= 1 + 1e-7
    with pytest.raises(ValueError):
        stall_floor(x, y, filters)
