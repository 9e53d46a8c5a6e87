"""Executable statements of the lemmas: hypothesis properties named after claim IDs."""

from __future__ import annotations

import math

import mpmath
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from mpmath import mp
from strategies import Net, alphas, cn_nets, etas, nets

from numerics.gd.reference import central_difference_gap, gd_reference, to_mpf
from numerics.gd.simulate import FourierGD, half_weights, random_filters, simulate_gd
from numerics.hp import flow
from numerics.hp.precise import agreeing_digits, grad_norms
from numerics.mc.experiments import c4_bound
from proofs_check.claims.base import UNIT_ROUNDOFF, ulp_sensitivity
from theory.identities import layerwise_cn_output
from theory.networks import cn_gradient, cn_output, network_output, plain_gradient, plain_loss


def _fd_gap(net: Net, normalized: bool) -> float:
    """max |central difference - closed form| / max |closed form| at 40 digits, step 1e-15."""
    return float(central_difference_gap(net.filters, net.x, net.y, normalized, 40, mpmath.mpf(10) ** -15))


@given(nets(max_n=6, max_d=3))
def test_T1_gradient_matches_mpmath_finite_differences(net):
    assert _fd_gap(net, False) < 1e-20


@given(cn_nets(min_n=3, max_n=6, max_d=3))
def test_C4_cn_gradient_matches_mpmath_finite_differences(net):
    assert _fd_gap(net, True) < 1e-15


@given(nets())
def test_T2_parseval(net):
    # the Fourier state's loss (1/2n) sum_w |ŷ_w - f̂_w|^2 over half the spectrum (half_weights)
    # against the time-domain loss of the T1 network
    fourier = FourierGD(net.filters[None], net.x, net.y, False).loss[0]
    direct = plain_loss(net.filters.tolist(), net.x.tolist(), net.y.tolist())
    assert math.isclose(fourier, direct, rel_tol=1e-10)


@given(nets())
def test_T2_output_factorizes(net):
    f = network_output(net.filters.tolist(), net.x.tolist())
    predicted = np.fft.fft(net.x) * np.prod(np.fft.fft(net.filters, axis=-1), axis=0)
    assert np.allclose(np.fft.fft(f), predicted, rtol=1e-10, atol=1e-12 * np.abs(predicted).max())


@given(nets(max_d=4))
def test_T2_fourier_gradient_norms_match_time_domain(net):
    fast = FourierGD(net.filters[None], net.x, net.y, False).grad_norms()[0]
    direct = [
        np.linalg.norm(plain_gradient(net.filters.tolist(), net.x.tolist(), net.y.tolist(), i))
        for i in range(net.d)
    ]
    assert np.allclose(fast, direct, rtol=1e-9, atol=1e-12 * max(direct))


def _one_step_gap(net: Net, eta: float, normalized: bool) -> float:
    res = simulate_gd(
        net.x, net.y, net.filters, eta=eta, normalized=normalized, max_iter=1, tol=0, method="fourier"
    )
    ref, _ = gd_reference(net.x, net.y, net.filters[None], eta=eta, steps=1, normalized=normalized)
    if not np.isfinite(ref[-1]).all():
        # time-domain GD overflowed: the Fourier path must report that, not a number
        return 0.0 if res.diverged[0] or not np.isfinite(res.final_loss[0]) else math.inf
    return float(abs(res.final_loss[0] - ref[-1][0]) / max(ref[-1][0], 1e-300))


@given(nets(), etas)
def test_T3_phase_free_step_matches_time_domain(net, eta):
    assert _one_step_gap(net, eta, False) < 1e-8


@given(cn_nets(min_n=3), etas)
def test_C5_phase_free_cn_step_matches_time_domain(net, eta):
    assert _one_step_gap(net, eta, True) < 1e-8


@given(nets(), etas)
def test_T4_modulus_change_per_step(net, eta):
    ch = np.fft.rfft(net.filters, axis=-1)
    f = np.fft.rfft(net.x) * ch.prod(0)
    q = (np.fft.rfft(net.y) - f) * np.conj(f)
    rho2 = np.abs(ch) ** 2
    terms = rho2 + 2 * eta * np.abs(q) + eta**2 * np.abs(q) ** 2 / rho2
    predicted = rho2 + 2 * eta * q.real + eta**2 * np.abs(q) ** 2 / rho2
    _, c = gd_reference(net.x, net.y, net.filters[None], eta=eta, steps=1)
    new = np.abs(np.fft.rfft(c[0], axis=-1)) ** 2
    assert np.all(np.abs(new - predicted) <= 1e-9 * terms + 1e-300)


@given(
    cn_nets(min_n=3, max_d=4),
    st.lists(st.floats(0.2, 5.0), min_size=4, max_size=4),
    st.lists(st.floats(-3, 3), min_size=4, max_size=4),
)
def test_C1_layerwise_cn_equals_output_cn(net, gains, biases):
    g, b = gains[: net.d], biases[: net.d]
    layer = np.array(layerwise_cn_output(net.filters.tolist(), net.x.tolist(), g, b, sqrt=math.sqrt), float)
    once = np.array(
        cn_output(network_output(net.filters.tolist(), net.x.tolist()), g[-1], b[-1], sqrt=math.sqrt), float
    )
    assert np.allclose(layer, once, atol=1e-8 * (1 + abs(g[-1]) + abs(b[-1])))


@given(cn_nets(min_n=3, max_d=4), alphas)
def test_C2_scale_invariance(net, alpha):
    scaled = net.filters.copy()
    scaled[0] *= alpha
    l0 = FourierGD(net.filters[None], net.x, net.y, True).loss[0]
    l1 = FourierGD(scaled[None], net.x, net.y, True).loss[0]
    assert math.isclose(l0, l1, rel_tol=1e-9)
    g0 = FourierGD(net.filters[None], net.x, net.y, True).grad_norms()[0, 0]
    g1 = FourierGD(scaled[None], net.x, net.y, True).grad_norms()[0, 0]
    assert math.isclose(g1 * alpha, g0, rel_tol=1e-8)


@given(cn_nets(min_n=3, max_d=4))
def test_C2_euler_identity(net):
    # 60 digits: a nearly constant output (||Pz|| << ||z||) costs up to ~20 digits in h
    with mp.workdps(60):
        C, X, Y = to_mpf(net.filters), to_mpf(net.x), to_mpf(net.y)
        for i in range(net.d):
            g = cn_gradient(C, X, Y, i, sqrt=mpmath.sqrt)
            dot = abs(mpmath.fsum(a * b for a, b in zip(g, C[i])))
            assert dot <= mpmath.mpf(10) ** -30 * mpmath.norm(g) * mpmath.norm(C[i])


@given(cn_nets(min_n=3, max_d=4), etas)
def test_C3_norm_growth(net, eta):
    res = simulate_gd(
        net.x, net.y, net.filters, eta=eta, normalized=True, max_iter=1, tol=0, record=True, record_points=2
    )
    c2, g2 = res.record["filter_norms"][:, 0] ** 2, res.record["grad_norms"][:, 0] ** 2
    assert np.allclose(c2[1] - c2[0], eta**2 * g2[0], rtol=1e-6, atol=1e-12 * c2[1])


@given(cn_nets(min_n=3, max_d=5))
def test_C4_gradient_bound(net):
    g = FourierGD(net.filters[None], net.x, net.y, True).grad_norms()[0]
    bound = c4_bound(net.filters, net.y)
    assert np.all(g <= bound * (1 + 1e-9))


@given(st.integers(1, 40), st.integers(0, 10**6), st.sampled_from([0.5, 0.1, 0.9, 0.01]))
def test_T6_lower_bound_never_exceeds_flow_time(d, seed, goal):
    # goals away from 0.5 too: there goal and 1 - goal coincide and would hide a swapped one
    rng = np.random.default_rng(seed)
    z = (rng.normal(size=d) + 1j * rng.normal(size=d)) / math.sqrt(2)
    t, lb = flow.flow_time(list(z), 1, 1, goal=goal, dps=15)
    assert lb <= t


@given(nets(max_n=6, max_d=4))
def test_T8_precise_norms_match_float64(net):
    exact = grad_norms(net.filters, net.x, net.y, dps=30)
    fast = FourierGD(net.filters[None], net.x, net.y, False).grad_norms()[0]
    assert all(agreeing_digits(a, b) > 9 for a, b in zip(exact, fast))


@given(st.integers(1, 6), st.integers(2, 9), st.integers(0, 1000))
def test_sim_diverged_run_is_never_converged(d, n, seed):
    c = random_filters(4, d, n, seed=seed, sigma2=4.0)
    x, y = np.random.default_rng(seed).normal(size=(2, n))
    res = simulate_gd(x, y, c, eta=5.0, max_iter=200, tol=1e-3)
    assert not np.any(res.converged & res.diverged)
    assert np.all(np.isfinite(res.final_loss[res.converged]))
    assert np.all(res.iterations[~res.converged] == -1)


@given(st.integers(1, 5), st.integers(3, 8), st.integers(0, 1000), st.booleans())
def test_T3_C5_same_seed_same_result_and_time_domain_agrees(d, n, seed, normalized):
    x, y = np.random.default_rng(seed).normal(size=(2, n))
    start = random_filters(3, d, n, seed=seed)
    a = simulate_gd(x, y, start, eta=0.01, normalized=normalized, max_iter=50, tol=0)
    b = simulate_gd(
        x, y, random_filters(3, d, n, seed=seed), eta=0.01, normalized=normalized, max_iter=50, tol=0
    )
    assert np.array_equal(a.final_loss, b.final_loss)  # determinism: the same seed, the same bits

    def reference(filters):
        return gd_reference(x, y, filters, eta=0.01, steps=50, normalized=normalized)[0][-1]

    ref = reference(start)
    ok = np.isfinite(ref)
    assert np.all(a.diverged[~ok])  # where GD blows up, the simulator says so
    # elsewhere the numbers are GD's, up to rounding amplified by the dynamics (GD at this
    # step size can be chaotic: measure how far 1-ulp perturbations of the start move it)
    with np.errstate(all="ignore"):
        spread = np.maximum(ulp_sensitivity(reference, start, seed), math.sqrt(50) * UNIT_ROUNDOFF)
    # plus the rounding of the residual r = y - f itself, which no perturbation of the start
    # shows: |dL| ~ ||r|| * u * (||y|| + ||f||), the floor for a loss that has nearly converged
    floor = UNIT_ROUNDOFF * np.sqrt(2 * ref) * 2 * (np.linalg.norm(y) + np.sqrt(2 * ref))
    assert np.all(np.abs(a.final_loss[ok] - ref[ok]) <= 30 * (spread[ok] * ref[ok] + floor[ok]))


@given(
    st.integers(1, 5),
    st.integers(2, 8),
    st.integers(0, 1000),
    st.booleans(),
    st.sampled_from(["fourier", "time"]),
)
def test_sim_results_independent_of_batch_size(d, n, seed, normalized, method):
    x, y = np.random.default_rng(seed).normal(size=(2, n))
    c = random_filters(6, d, n, seed=seed)
    batch = simulate_gd(x, y, c, eta=0.02, normalized=normalized, max_iter=80, method=method)
    for t in (0, 3, 5):
        alone = simulate_gd(x, y, c[t : t + 1], eta=0.02, normalized=normalized, max_iter=80, method=method)
        assert alone.iterations[0] == batch.iterations[t]
        a, b = alone.final_loss[0], batch.final_loss[t]
        # NumPy's SIMD loops may round the last bit differently for other batch sizes
        assert np.isclose(a, b, rtol=1e-12, atol=0) or (np.isnan(a) and np.isnan(b))


def test_half_weights_count_every_frequency_once():
    for n in range(2, 12):
        assert half_weights(n).sum() == n
