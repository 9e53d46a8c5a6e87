"""Plain GD on width-k linear CNNs (THEORY section 4, M1) as one compiled (numba) loop per trial.

``numerics.channel_gd.ChannelGD`` states the step in NumPy, vectorized over trials; this
module runs the same step for a linear network without CN, with the same stopping rules,
for one trial at a time until that trial stops. Per trial, layer i and frequency
w = 0..n/2 the state is the k_i x k_{i-1} complex matrix Ĉ_i(w) and its velocity V_i(w).
One step, at each frequency w on its own (M1: n independent deep linear matrix networks):

    forward   ẑ_0 = x̂_w,  ẑ_i = Ĉ_i ẑ_{i-1},  f̂_w = ẑ_d,  ê = f̂_w - ŷ_w;
    backward  grad Ĉ_i[a,b] = ê[a] conj(ẑ_{i-1}[b]),  ê <- Ĉ_i^H ê  (old Ĉ_i), i = d..1;
    update    V_i <- mu V_i - eta grad Ĉ_i,  Ĉ_i <- Ĉ_i + V_i,

and the loss is L = (1/2n) sum_w m_w |ê_w|^2 (m_w = 1 at w = 0 and n/2, else 2). Each step
is two passes over frequency: the forward pass (loss_k, underflow at k), then the stopping
rule, then, unless the trial stops, the backward pass with the update. So a trial that stops
at step k returns Ĉ(k), as the NumPy path does. The sums run in a fixed order, so the same
input gives the same bits on every run; they are not NumPy's einsum order, so the numbers
agree with ``ChannelGD`` to rounding, not bit for bit.

Layers are stored padded to K = max k_i: ``c_hat`` has shape (trials, d, F, K, K), and
only the block [:k_i, :k_{i-1}] of layer i is read or written.

Why compiled: at the small shapes that sweeps run (n = 16, k <= 4, a few dozen trials) the
NumPy step makes ~100 calls on arrays of a few hundred numbers, and per-call overhead and
einsum's small-matrix loops dominate (``numerics.channel_bench`` measures it).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# status codes of a finished trial, as in numerics.compiled
RUNNING, CONVERGED, DIVERGED, UNDERFLOWED = 0, 1, 2, 3


@njit(cache=True, nogil=True, error_model="numpy")
def plain_channel_gd(
    c_hat,
    ks,
    x_hat,
    y_hat,
    live,
    weights,
    n,
    eta,
    mu,
    tol,
    diverge_factor,
    underflow,
    max_iter,
    rec_steps,
    status,
    iterations,
    initial_loss,
    final_loss,
    stop_step,
    final_c,
    rec_loss,
    rec_grad,
    rec_norm,
):
    """Run every trial of plain (momentum) GD until it stops; fill the outputs.

    ``c_hat`` (trials, d, F, K, K) is the start (not modified); ``ks`` the widths
    k_0 = 1, ..., k_d = 1. A trial stops at the first step k with loss_k <= tol_t loss_0
    (tol_t > 0: CONVERGED, iterations = k), else when loss_k is not finite or exceeds
    diverge_factor loss_0 (DIVERGED), else when float64 cannot follow it (a layer's
    activations of norm in (0, underflow), or |f̂_w| < underflow where x̂_w != 0:
    UNDERFLOWED), else at k = max_iter (RUNNING). ``final_c`` gets Ĉ at the stopping step.
    With rec_steps non-empty: loss, ||grad_{C_i} L|| and ||C_i|| at those steps.
    """
    trials, d, F, K, _ = c_hat.shape
    C = np.empty((d, F, K, K), np.complex128)
    V = np.empty((d, F, K, K), np.complex128)
    Z = np.empty((d + 1, F, K), np.complex128)
    e = np.empty(K, np.complex128)
    e_next = np.empty(K, np.complex128)
    layer_sq = np.empty(d)
    grad_sq = np.empty(d)
    norm_sq = np.empty(d)
    n_rec = rec_steps.shape[0]
    for t in range(trials):
        C[:] = c_hat[t]
        V[:] = 0.0
        l0 = 0.0
        j, k = 0, 0
        while True:
            # forward pass: activations, loss_k and the underflow flags at step k
            loss, small = 0.0, False
            layer_sq[:] = 0.0
            for w in range(F):
                Z[0, w, 0] = x_hat[w]
                for i in range(d):
                    for a in range(ks[i + 1]):
                        s = 0j
                        for b in range(ks[i]):
                            s += C[i, w, a, b] * Z[i, w, b]
                        Z[i + 1, w, a] = s
                        layer_sq[i] += weights[w] * (s.real * s.real + s.imag * s.imag)
                f = Z[d, w, 0]
                r = f - y_hat[w]
                loss += weights[w] * (r.real * r.real + r.imag * r.imag)
                if live[w] and math.hypot(f.real, f.imag) < underflow:
                    small = True
            loss /= 2 * n
            for i in range(d):
                size = math.sqrt(layer_sq[i] / n)
                if size > 0 and size < underflow:
                    small = True
            if k == 0:
                l0 = loss
                initial_loss[t] = loss
            recording = j < n_rec and rec_steps[j] == k
            if recording:
                rec_loss[j, t] = loss
            # stopping rules at step k, in ChannelGD's order: converged, diverged, underflowed
            code = RUNNING
            if tol[t] > 0 and loss <= tol[t] * l0:
                code = CONVERGED
            elif not math.isfinite(loss) or loss > diverge_factor * l0:
                code = DIVERGED
            elif small:
                code = UNDERFLOWED
            stop = code != RUNNING or k == max_iter
            # backward pass: gradients at step k (norms when recording), the update unless stopping
            if recording or not stop:
                grad_sq[:] = 0.0
                norm_sq[:] = 0.0
                for w in range(F):
                    e[0] = Z[d, w, 0] - y_hat[w]
                    for i in range(d - 1, -1, -1):
                        ko, ki = ks[i + 1], ks[i]
                        if i > 0:  # e <- C_i^H e with the old C_i
                            for b in range(ki):
                                s = 0j
                                for a in range(ko):
                                    s += C[i, w, a, b].conjugate() * e[a]
                                e_next[b] = s
                        for a in range(ko):
                            for b in range(ki):
                                g = e[a] * Z[i, w, b].conjugate()
                                if recording:
                                    c = C[i, w, a, b]
                                    grad_sq[i] += weights[w] * (g.real * g.real + g.imag * g.imag)
                                    norm_sq[i] += weights[w] * (c.real * c.real + c.imag * c.imag)
                                if not stop:
                                    v = mu * V[i, w, a, b] - eta * g
                                    V[i, w, a, b] = v
                                    C[i, w, a, b] = C[i, w, a, b] + v
                        if i > 0:
                            for b in range(ki):
                                e[b] = e_next[b]
                if recording:
                    for i in range(d):
                        rec_grad[j, t, i] = math.sqrt(grad_sq[i] / n)
                        rec_norm[j, t, i] = math.sqrt(norm_sq[i] / n)
            if recording:
                j += 1
            if stop:
                status[t], final_loss[t], stop_step[t] = code, loss, k
                iterations[t] = k if code == CONVERGED else -1
                final_c[t] = C
                break
            k += 1


def pad_layers(c_hat: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Layers (trials, k_i, k_{i-1}, F) -> one array (trials, d, F, K, K) and the widths k_0..k_d."""
    trials, F = c_hat[0].shape[0], c_hat[0].shape[-1]
    ks = np.array([1] + [c.shape[1] for c in c_hat], np.int64)
    K = int(ks.max())
    out = np.zeros((trials, len(c_hat), F, K, K), np.complex128)
    for i, c in enumerate(c_hat):
        out[:, i, :, : c.shape[1], : c.shape[2]] = c.transpose(0, 3, 1, 2)
    return out, ks


def unpad_layers(padded: np.ndarray, ks: np.ndarray) -> list[np.ndarray]:
    """Inverse of ``pad_layers``: layer i as (trials, k_i, k_{i-1}, F)."""
    return [padded[:, i, :, : ks[i + 1], : ks[i]].transpose(0, 2, 3, 1) for i in range(len(ks) - 1)]
