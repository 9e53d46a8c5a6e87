"""GD on width-k linear CNNs (the width-k theory, M1), plain or with layerwise CN (M3), as one
compiled (numba) loop per trial.

``numerics.gd.channel_gd.ChannelGD`` states the step in NumPy, vectorized over trials; this
module runs the same step for a linear network (no ReLU), without or with CN after every
convolution, with the one stopping rule of ``numerics.gd.status``, for one trial at a time
until that trial stops (``numerics.gd.core`` hands chunks of trials to threads on every core).
Width 1 does not come here: ``simulate_gd_channels`` runs it in the phase-free kernel of
``numerics.gd.compiled``.
Per trial, layer i and frequency w = 0..n/2 the state is the k_i x k_{i-1} complex matrix
Ĉ_i(w) and its velocity V_i(w) (with CN also each channel's gain and bias). One step
(without CN each frequency is on its own, M1: n independent deep linear matrix networks):

    forward   ẑ_0 = x̂_w,  ẑ_i = Ĉ_i ẑ_{i-1},  f̂_w = ẑ_d,  ê = f̂_w - ŷ_w;
    backward  grad Ĉ_i[a,b] = ê[a] conj(ẑ_{i-1}[b]),  ê <- Ĉ_i^H ê  (old Ĉ_i), i = d..1;
    update    V_i <- mu V_i - eta grad Ĉ_i,  Ĉ_i <- Ĉ_i + V_i;

with CN, forward ẑ_i <- gain sqrt(n) P ẑ_i/s + n bias [w = 0] per channel (s = ||P z_i||)
and backward ê <- (gain sqrt(n)/s)(ê - <û, e> û), ê_0 = 0 (M3), with d gain = sqrt(n) <e, u>,
d bias = ê_0 stepped by the same GD. The loss is L = (1/2n) sum_w m_w |ê_w|^2 (m_w = 1 at
w = 0 and n/2, else 2). Each step is a forward pass over the layers (loss_k, underflow at
k), the stopping rule, then, unless the trial stops, the backward pass with the update; so
a trial that stops at step k returns Ĉ(k), as the NumPy path does. Frequency is the
innermost loop. The sums run in a fixed order, so the same input gives the same bits on
every run; it is not NumPy's einsum order, so the numbers agree with ``ChannelGD`` to
rounding, not bit for bit (``tests/numerics/gd/test_channels_compiled.py``).

Layers are stored padded to K = max k_i, frequency last: the start has shape
(trials, d, K, K, F), and only the block [:k_i, :k_{i-1}] of layer i is read or written.

Why compiled: at the small shapes that sweeps run (n = 16, k <= 4, a few dozen trials) the
NumPy step is ~25 calls per layer on arrays of a few hundred numbers, and per-call overhead
(60-75 % at n = 16, d = 4, 16 trials) and einsum's small-matrix loops dominate;
``python -m numerics.bench.channels`` measures both paths.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from numerics.gd.status import CONVERGED, RUNNING, TINY, UNDERFLOW, classify


@njit(cache=True, nogil=True, error_model="numpy")
def channel_gd(c_hat, ks, target, opt, first, last, out):
    """Run trials first..last-1 of (momentum) GD, each until it stops; fill ``out``.

    ``c_hat`` = (re, im), each (trials, d, K, K, F), is the start (not modified); ``ks`` the
    widths k_0 = 1, ..., k_d = 1. A trial stops at the first step k that
    ``numerics.gd.status.classify`` does not call RUNNING, with small = (a layer's
    activations of norm in (0, UNDERFLOW), with CN a channel's ||P r||^2 < TINY, or without
    CN |f̂_w| < UNDERFLOW where x̂_w != 0 and no layer is exactly 0 at w) and overflow = (a CN channel's ||P r||^2 = inf);
    else at k = max_iter (RUNNING). ``out.final_re + i out.final_im`` gets Ĉ at the stopping
    step. With rec_steps non-empty: loss, ||grad_{C_i} L|| and ||C_i|| at those steps. With
    ``opt.normalized``: CN after every convolution (M3), gains (start 1) and biases (start 0)
    trained by the same GD, returned in final_gain, final_bias (trials, d, K). With
    ``opt.norm2`` layer i steps with eta ||C_i||^2 (the sum of its squared taps at step k)
    instead of eta; CN's gains and biases keep eta. Frequency is the innermost loop (complex
    numbers as real and imaginary arrays) so that it runs in SIMD lanes.
    """
    c_re, c_im = c_hat
    x_re, x_im, y_re, y_im, live, weights, tol, rec_steps = target
    n, eta, mu, normalized = opt.n, opt.eta, opt.mu, opt.normalized
    trials, d, K, _, F = c_re.shape
    cr, ci = np.empty((d, K, K, F)), np.empty((d, K, K, F))
    vr, vi = np.empty((d, K, K, F)), np.empty((d, K, K, F))
    zr, zi = np.empty((d + 1, K, F)), np.empty((d + 1, K, F))
    er, ei = np.empty((2, K, F)), np.empty((2, K, F))  # e and the next e, by turns
    grad_sq, norm_sq = np.empty(d), np.empty(d)
    u_re, u_im = np.empty((d, K, F)), np.empty((d, K, F))  # CN: u = P r/s of layer i's channels
    gain, bias, v_gain, v_bias = np.empty((d, K)), np.empty((d, K)), np.empty((d, K)), np.empty((d, K))
    s_cn = np.empty((d, K))
    rt = math.sqrt(n)
    n_rec = rec_steps.shape[0]
    for t in range(first, last):
        cr[:] = c_re[t]
        ci[:] = c_im[t]
        vr[:] = 0.0
        vi[:] = 0.0
        gain[:] = 1.0
        bias[:] = 0.0
        v_gain[:] = 0.0
        v_bias[:] = 0.0
        l0 = 0.0
        j, k = 0, 0
        while True:
            # forward pass: z_i = C_i z_{i-1}, loss_k and the underflow flags at step k
            zr[0, 0, :] = x_re
            zi[0, 0, :] = x_im
            small, over = False, False
            for i in range(d):
                layer_sq = 0.0
                for a in range(ks[i + 1]):
                    for w in range(F):
                        ar, ai = cr[i, a, 0, w], ci[i, a, 0, w]
                        br, bi = zr[i, 0, w], zi[i, 0, w]
                        zr[i + 1, a, w] = ar * br - ai * bi
                        zi[i + 1, a, w] = ar * bi + ai * br
                    for b in range(1, ks[i]):
                        for w in range(F):
                            ar, ai = cr[i, a, b, w], ci[i, a, b, w]
                            br, bi = zr[i, b, w], zi[i, b, w]
                            zr[i + 1, a, w] += ar * br - ai * bi
                            zi[i + 1, a, w] += ar * bi + ai * br
                    for w in range(F):
                        layer_sq += weights[w] * (zr[i + 1, a, w] ** 2 + zi[i + 1, a, w] ** 2)
                size = math.sqrt(layer_sq / n)
                if size > 0 and size < UNDERFLOW:
                    small = True
                if normalized:  # z = gain sqrt(n) P r/s + n bias [w = 0], s = ||P r|| (M3)
                    for a in range(ks[i + 1]):
                        c2 = 0.0
                        for w in range(1, F):
                            c2 += weights[w] * (zr[i + 1, a, w] ** 2 + zi[i + 1, a, w] ** 2)
                        s = math.sqrt(c2 / n)
                        s_cn[i, a] = s
                        small = small or c2 / n < TINY
                        over = over or c2 == math.inf
                        inv, g = 1.0 / s, gain[i, a] * rt
                        u_re[i, a, 0], u_im[i, a, 0] = 0.0, 0.0
                        for w in range(1, F):
                            u_re[i, a, w] = zr[i + 1, a, w] * inv
                            u_im[i, a, w] = zi[i + 1, a, w] * inv
                            zr[i + 1, a, w] = g * u_re[i, a, w]
                            zi[i + 1, a, w] = g * u_im[i, a, w]
                        zr[i + 1, a, 0], zi[i + 1, a, 0] = n * bias[i, a], 0.0
            loss = 0.0
            for w in range(F):
                fr, fi = zr[d, 0, w], zi[d, 0, w]
                loss += weights[w] * ((fr - y_re[w]) ** 2 + (fi - y_im[w]) ** 2)
                if not normalized and live[w] and math.hypot(fr, fi) < UNDERFLOW:
                    exact = False  # a zero layer at w makes f̂_w = 0 exactly: not underflow
                    for i in range(d):
                        nonzero = False
                        for a in range(ks[i + 1]):
                            for b in range(ks[i]):
                                nonzero = nonzero or cr[i, a, b, w] != 0.0 or ci[i, a, b, w] != 0.0
                        exact = exact or not nonzero
                    small = small or not exact
            loss /= 2 * n
            if k == 0:
                l0 = loss
                out.initial_loss[t] = loss
            recording = j < n_rec and rec_steps[j] == k
            if recording:
                out.rec_loss[j, t] = loss
            code = classify(loss, l0, tol[t], opt.diverge_factor, small, over)
            stop = code != RUNNING or k == opt.max_iter
            # backward pass: gradients at step k (norms when recording), the update unless stopping
            if recording or not stop:
                p = 0  # e lives in er[p], ei[p]; the next e is written to er[1 - p], ei[1 - p]
                for w in range(F):
                    er[p, 0, w] = zr[d, 0, w] - y_re[w]
                    ei[p, 0, w] = zi[d, 0, w] - y_im[w]
                for i in range(d - 1, -1, -1):
                    ko, ki = ks[i + 1], ks[i]
                    q = 1 - p
                    if normalized:  # through CN (M3): e <- (gain sqrt(n)/s)(e - <u, e> u), e_0 = 0
                        for a in range(ko):
                            ip = 0.0
                            for w in range(F):
                                ip += weights[w] * (er[p, a, w] * u_re[i, a, w] + ei[p, a, w] * u_im[i, a, w])
                            ip /= n
                            grad_gain, grad_bias = rt * ip, er[p, a, 0]
                            factor = gain[i, a] * rt / s_cn[i, a]
                            er[p, a, 0], ei[p, a, 0] = 0.0, 0.0
                            for w in range(1, F):
                                er[p, a, w] = factor * (er[p, a, w] - ip * u_re[i, a, w])
                                ei[p, a, w] = factor * (ei[p, a, w] - ip * u_im[i, a, w])
                            if not stop:
                                v_gain[i, a] = mu * v_gain[i, a] - eta * grad_gain
                                v_bias[i, a] = mu * v_bias[i, a] - eta * grad_bias
                                gain[i, a] += v_gain[i, a]
                                bias[i, a] += v_bias[i, a]
                    if i > 0:  # the next e = C_i^H e, with the old C_i
                        for b in range(ki):
                            for w in range(F):
                                ar, ai = cr[i, 0, b, w], ci[i, 0, b, w]
                                er[q, b, w] = ar * er[p, 0, w] + ai * ei[p, 0, w]
                                ei[q, b, w] = ar * ei[p, 0, w] - ai * er[p, 0, w]
                            for a in range(1, ko):
                                for w in range(F):
                                    ar, ai = cr[i, a, b, w], ci[i, a, b, w]
                                    er[q, b, w] += ar * er[p, a, w] + ai * ei[p, a, w]
                                    ei[q, b, w] += ar * ei[p, a, w] - ai * er[p, a, w]
                    if recording:  # ||grad_{C_i} L||^2 and ||C_i||^2 at step k, times n
                        grad_sq[i], norm_sq[i] = 0.0, 0.0
                        for a in range(ko):
                            for b in range(ki):
                                for w in range(F):
                                    gr = er[p, a, w] * zr[i, b, w] + ei[p, a, w] * zi[i, b, w]
                                    gi = ei[p, a, w] * zr[i, b, w] - er[p, a, w] * zi[i, b, w]
                                    grad_sq[i] += weights[w] * (gr * gr + gi * gi)
                                    norm_sq[i] += weights[w] * (cr[i, a, b, w] ** 2 + ci[i, a, b, w] ** 2)
                        out.rec_grad[j, t, i] = math.sqrt(grad_sq[i] / n)
                        out.rec_norm[j, t, i] = math.sqrt(norm_sq[i] / n)
                    if not stop:  # grad Ĉ_i[a,b] = e[a] conj(z_{i-1}[b]); V <- mu V - eta grad; C <- C + V
                        eta_i = eta
                        if opt.norm2:  # eta ||C_i||^2 at step k (layer i is not updated yet)
                            c2 = 0.0
                            for a in range(ko):
                                for b in range(ki):
                                    for w in range(F):
                                        c2 += weights[w] * (cr[i, a, b, w] ** 2 + ci[i, a, b, w] ** 2)
                            eta_i = eta * c2 / n
                        for a in range(ko):
                            for b in range(ki):
                                if mu == 0.0:  # V = 0 V - eta grad = -eta grad: the same bits
                                    for w in range(F):
                                        gr = er[p, a, w] * zr[i, b, w] + ei[p, a, w] * zi[i, b, w]
                                        gi = ei[p, a, w] * zr[i, b, w] - er[p, a, w] * zi[i, b, w]
                                        cr[i, a, b, w] += -(eta_i * gr)
                                        ci[i, a, b, w] += -(eta_i * gi)
                                    continue
                                for w in range(F):
                                    gr = er[p, a, w] * zr[i, b, w] + ei[p, a, w] * zi[i, b, w]
                                    gi = ei[p, a, w] * zr[i, b, w] - er[p, a, w] * zi[i, b, w]
                                    ur = mu * vr[i, a, b, w] - eta_i * gr
                                    ui = mu * vi[i, a, b, w] - eta_i * gi
                                    vr[i, a, b, w], vi[i, a, b, w] = ur, ui
                                    cr[i, a, b, w] += ur
                                    ci[i, a, b, w] += ui
                    p = q
            if recording:
                j += 1
            if stop:
                out.status[t], out.final_loss[t], out.stop_step[t] = code, loss, k
                out.iterations[t] = k if code == CONVERGED else -1
                out.final_re[t] = cr
                out.final_im[t] = ci
                out.final_gain[t] = gain
                out.final_bias[t] = bias
                break
            k += 1


def pad_layers(c_hat: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Layers (trials, k_i, k_{i-1}, F) -> one array (trials, d, K, K, F) and the widths k_0..k_d."""
    trials, F = c_hat[0].shape[0], c_hat[0].shape[-1]
    ks = np.array([1] + [c.shape[1] for c in c_hat], np.int64)
    K = int(ks.max())
    out = np.zeros((trials, len(c_hat), K, K, F), np.complex128)
    for i, c in enumerate(c_hat):
        out[:, i, : c.shape[1], : c.shape[2]] = c
    return out, ks


def unpad_layers(padded: np.ndarray, ks: np.ndarray) -> list[np.ndarray]:
    """Inverse of ``pad_layers``: layer i as (trials, k_i, k_{i-1}, F)."""
    return [padded[:, i, : ks[i + 1], : ks[i]] for i in range(len(ks) - 1)]
