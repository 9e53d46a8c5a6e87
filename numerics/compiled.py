"""The phase-free GD of THEORY T3/C5 as one compiled (numba) loop per trial.

``numerics.simulate.FourierGD`` states the step in NumPy; this module runs the same step,
with the same stopping rules, for one trial at a time until that trial stops. Per trial,
layer i and frequency w = 0..n/2 the state is rho2 = |ĉ_{i,w}|^2, the output spectrum
f̂_w, for momentum the ratio m = (ĉ(k) - ĉ(k-1))/ĉ(k), and for CN the output gain and bias
with their velocities. One step is

    q_w = r̂_w conj(f̂_w)  (plain)      or  -ĥ_w conj(f̂_w)  (CN, C4/C5),
    g_{i,w} = 1 + eta q_w / rho2_{i,w} + mu m_{i,w},
    rho2_{i,w} <- rho2_{i,w} |g_{i,w}|^2,   f̂_w <- f̂_w g_{1,w} g_{2,w} ... g_{d,w},   m <- (g - 1)/g,

with the products over layers taken in the order i = 1..d (as ``FourierGD.step``), so the
numbers agree with the NumPy path to rounding. A trial's numbers never depend on the other
trials (each runs alone), and the loop has no data-dependent order: the same input gives
the same bits on every run. Complex numbers are kept as separate real and imaginary
arrays so that the loop over frequencies vectorizes.

Why compiled: the runs researchers sweep are small batches for many steps (n = 16, a few
dozen trials, 1e4 - 1e6 steps), where NumPy spends its time on per-call overhead, not on
arithmetic (see ``numerics.bench``). ``cache=True`` keeps numba's compile (a few seconds)
to the first run on a machine.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# status codes of a finished trial
RUNNING, CONVERGED, DIVERGED, UNDERFLOWED = 0, 1, 2, 3


@njit(cache=True)
def _evaluate(fr, fi, y_re, y_im, weights, n, normalized, gain, bias, er, ei, qr, qi, out):
    """Loss, e = dL/df̂ and q = -e conj(f̂) for the current f̂ (as ``simulate.output_error``).

    Writes er, ei, qr, qi in place; returns (loss, s^2, dL/dgain, dL/dbias) in ``out``.
    Plain: e = -r. CN (C4): e = -(gain sqrt(n)/s)(ŷ - (proj/s) f̂) for w >= 1, e_0 = 0.
    """
    F = fr.shape[0]
    if not normalized:
        loss = 0.0
        for w in range(F):
            rr, ri = y_re[w] - fr[w], y_im[w] - fi[w]
            loss += weights[w] * (rr * rr + ri * ri)
            er[w], ei[w] = -rr, -ri
            qr[w] = rr * fr[w] + ri * fi[w]
            qi[w] = ri * fr[w] - rr * fi[w]
        out[0], out[1], out[2], out[3] = loss / (2 * n), math.nan, 0.0, 0.0
        return
    s2, pr = 0.0, 0.0
    for w in range(1, F):
        s2 += weights[w] * (fr[w] * fr[w] + fi[w] * fi[w])
        pr += weights[w] * (fr[w] * y_re[w] + fi[w] * y_im[w])
    s2 /= n
    s = math.sqrt(s2)
    proj = pr / (n * s)
    rt = math.sqrt(n)
    a = gain * rt / s
    p = proj / s
    o0 = n * bias
    loss = weights[0] * ((y_re[0] - o0) ** 2 + y_im[0] ** 2)
    er[0], ei[0], qr[0], qi[0] = 0.0, 0.0, 0.0, 0.0
    for w in range(1, F):
        dr, di = y_re[w] - a * fr[w], y_im[w] - a * fi[w]
        loss += weights[w] * (dr * dr + di * di)
        hr, hi = -a * (y_re[w] - p * fr[w]), -a * (y_im[w] - p * fi[w])
        er[w], ei[w] = hr, hi
        qr[w] = -(hr * fr[w] + hi * fi[w])
        qi[w] = -(hi * fr[w] - hr * fi[w])
    out[0], out[1] = loss / (2 * n), s2
    out[2], out[3] = n * gain - rt * proj, n * bias - y_re[0]


@njit(cache=True)
def phase_free_gd(
    rho2,
    f_re,
    f_im,
    live,
    y_re,
    y_im,
    weights,
    n,
    eta,
    mu,
    normalized,
    tol,
    l0,
    diverge_factor,
    underflow,
    max_iter,
    track,
    rec_steps,
    first,
    last,
    status,
    iterations,
    final_loss,
    stop_step,
    max_tau,
    max_sigma,
    rec_loss,
    rec_grad,
    rec_norm,
):
    """Run trials first..last-1 of the phase-free GD, each until it stops; fills the outputs.

    rho2 (trials, d, F) and f_re, f_im (trials, F) are updated in place. A trial stops at
    the first step k with loss_k <= tol_t l0_t (tol_t > 0: CONVERGED, iterations = k), else
    when float64 cannot follow it (|f̂_w| < underflow where x̂_w != 0, or for CN
    s^2 = ||Pz||^2/... below the smallest normal number: UNDERFLOWED), else when the loss is
    not finite or exceeds diverge_factor l0_t (DIVERGED), else at k = max_iter (RUNNING).
    With ``track``: the largest tau = eta |f̂|^2 S and sigma = eta |e||f̂| S (S = sum_i
    1/rho2_i) over the steps taken (T9 for GD). With rec_steps non-empty: loss, per-layer
    gradient norms and filter norms at those steps.
    """
    trials, d, F = rho2.shape
    fr, fi = np.empty(F), np.empty(F)
    er, ei, qr, qi = np.empty(F), np.empty(F), np.empty(F), np.empty(F)
    mr, mi = np.zeros((d, F)), np.zeros((d, F))
    out = np.empty(4)
    tiny = np.finfo(np.float64).tiny
    n_rec = rec_steps.shape[0]
    for t in range(first, last):
        for w in range(F):
            fr[w], fi[w] = f_re[t, w], f_im[t, w]
        mr[:, :] = 0.0
        mi[:, :] = 0.0
        gain, bias, v_gain, v_bias = 1.0, 0.0, 0.0, 0.0
        _evaluate(fr, fi, y_re, y_im, weights, n, normalized, gain, bias, er, ei, qr, qi, out)
        j = 0
        k = 0
        while True:
            loss = out[0]
            if j < n_rec and rec_steps[j] == k:
                rec_loss[j, t] = loss
                for i in range(d):
                    g2, c2 = 0.0, 0.0
                    for w in range(F):
                        g2 += weights[w] * (qr[w] * qr[w] + qi[w] * qi[w]) / rho2[t, i, w]
                        c2 += weights[w] * rho2[t, i, w]
                    rec_grad[j, t, i] = math.sqrt(g2 / n)
                    rec_norm[j, t, i] = math.sqrt(c2 / n)
                j += 1
            # stopping rules, in this order: converged, underflowed, diverged, out of steps
            code = RUNNING
            if tol[t] > 0 and loss <= tol[t] * l0[t]:
                code = CONVERGED
            else:
                under = normalized and not out[1] >= tiny
                for w in range(F):
                    a_r, a_i = abs(fr[w]), abs(fi[w])
                    if live[w] and a_r < underflow and a_i < underflow and math.hypot(a_r, a_i) < underflow:
                        under = True
                if under:
                    code = UNDERFLOWED
                elif not math.isfinite(loss) or loss > diverge_factor * l0[t]:
                    code = DIVERGED
            if code != RUNNING or k == max_iter:
                status[t], final_loss[t], stop_step[t] = code, loss, k
                iterations[t] = k if code == CONVERGED else -1
                break
            if track:
                tau, sigma = 0.0, 0.0
                for w in range(F):
                    s = 0.0
                    for i in range(d):
                        s += 1.0 / rho2[t, i, w]
                    fa = math.hypot(fr[w], fi[w])
                    tau = max(tau, eta * fa**2 * s)
                    sigma = max(sigma, eta * math.hypot(er[w], ei[w]) * fa * s)
                max_tau[t] = max(max_tau[t], tau)
                max_sigma[t] = max(max_sigma[t], sigma)
            # the multiplicative step (T3/C5), layers in order 1..d
            for i in range(d):
                for w in range(F):
                    r2 = rho2[t, i, w]
                    gr = 1.0 + eta * qr[w] / r2
                    gi = eta * qi[w] / r2
                    if mu != 0.0:
                        gr += mu * mr[i, w]
                        gi += mu * mi[i, w]
                        ratio = complex(gr - 1.0, gi) / complex(gr, gi)
                        mr[i, w], mi[i, w] = ratio.real, ratio.imag
                    rho2[t, i, w] = r2 * (gr * gr + gi * gi)
                    a_r = fr[w] * gr - fi[w] * gi
                    fi[w] = fr[w] * gi + fi[w] * gr
                    fr[w] = a_r
            if normalized:
                v_gain = mu * v_gain - eta * out[2]
                v_bias = mu * v_bias - eta * out[3]
                gain, bias = gain + v_gain, bias + v_bias
            _evaluate(fr, fi, y_re, y_im, weights, n, normalized, gain, bias, er, ei, qr, qi, out)
            k += 1
        for w in range(F):
            f_re[t, w], f_im[t, w] = fr[w], fi[w]
