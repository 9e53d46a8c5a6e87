"""The phase-free GD of THEORY T3/C5 as one compiled (numba) loop per trial.

``numerics.gd.simulate.FourierGD`` states the step in NumPy; this module runs the same step,
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
arithmetic (see ``numerics.bench.simulator``). ``cache=True`` keeps numba's compile (a few seconds)
to the first run on a machine; ``nogil=True`` lets threads run trials on several cores.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# status codes of a finished trial
RUNNING, CONVERGED, DIVERGED, UNDERFLOWED = 0, 1, 2, 3


@njit(cache=True, error_model="numpy")
def _error(w, fr, fi, y_re, y_im, normalized, a, p):
    """(e_w, q_w) at one frequency, as real and imaginary parts: e = dL/df̂ and q = -e conj(f̂).

    Plain: e = -r = -(ŷ - f̂). CN (C4): e = h = -a (ŷ - p f̂) with a = gain sqrt(n)/s,
    p = proj/s, and h_0 = 0.
    """
    if normalized:
        if w == 0:
            return 0.0, 0.0, 0.0, 0.0
        er, ei = -a * (y_re[w] - p * fr), -a * (y_im[w] - p * fi)
    else:
        er, ei = -(y_re[w] - fr), -(y_im[w] - fi)
    return er, ei, -(er * fr + ei * fi), er * fi - ei * fr


@njit(cache=True, error_model="numpy")
def _divide(ar, ai, br, bi):
    """(ar + i ai)/(br + i bi) by Smith's method, as NumPy's complex division (no exception at 0)."""
    if abs(br) >= abs(bi):
        if br == 0.0 and bi == 0.0:
            return ar / abs(br), ai / abs(br)
        rat = bi / br
        scl = 1.0 / (br + bi * rat)
        return (ar + ai * rat) * scl, (ai - ar * rat) * scl
    rat = br / bi
    scl = 1.0 / (bi + br * rat)
    return (ar * rat + ai) * scl, (ai * rat - ar) * scl


@njit(cache=True, nogil=True, error_model="numpy")
def phase_free_gd(
    rho2,
    f_hat_re,
    f_hat_im,
    live,
    y_re,
    y_im,
    weights,
    n,
    eta,
    mu,
    norm2,
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
    """Run trials first..last-1 of the phase-free GD, each until it stops; fill the outputs.

    Inputs: rho2 (trials, F, d) and f̂ (trials, F) at the start (not modified). A trial stops
    at the first step k with loss_k <= tol_t l0_t (tol_t > 0: CONVERGED, iterations = k),
    else when float64 cannot follow it (|f̂_w| < underflow where x̂_w != 0, or for CN
    s^2 = ||Pz||^2 below the smallest normal number: UNDERFLOWED), else when the loss (or for
    CN s^2) is not finite or the loss exceeds diverge_factor l0_t (DIVERGED), else at
    k = max_iter (RUNNING).
    With ``track``: the largest tau = eta |f̂|^2 S and sigma = eta |e||f̂| S (S = sum_i
    1/rho2_i) over the steps taken (T9 for GD). With rec_steps non-empty: loss, per-layer
    gradient norms and filter norms at those steps. With ``norm2`` layer i steps with
    eta ||c_i||^2 (its squared filter norm at step k, (1/n) sum_w m_w rho2_{i,w}) instead
    of eta; CN's gain and bias keep eta.

    One pass over (frequency, layer) per step: at each w it evaluates loss_k's term and
    q_w from f̂_w(k), then steps the layers to k+1. The stopping rule reads loss_k after
    the pass; a trial that stops discards that last, speculative step.
    """
    trials, F, d = rho2.shape
    r2s = np.empty((F, d))
    fr, fi = np.empty(F), np.empty(F)
    mr, mi = np.empty((F, d)), np.empty((F, d))
    etas = np.full(d, eta)
    tiny = np.finfo(np.float64).tiny
    rt = math.sqrt(n)
    n_rec = rec_steps.shape[0]
    for t in range(first, last):
        r2s[:, :] = rho2[t]
        fr[:] = f_hat_re[t]
        fi[:] = f_hat_im[t]
        mr[:, :] = 0.0
        mi[:, :] = 0.0
        gain, bias, v_gain, v_bias = 1.0, 0.0, 0.0, 0.0
        s2, pr = 0.0, 0.0  # CN: n ||Pz||^2 and n <Pz, y> of the current f̂
        if normalized:
            for w in range(1, F):
                s2 += weights[w] * (fr[w] * fr[w] + fi[w] * fi[w])
                pr += weights[w] * (fr[w] * y_re[w] + fi[w] * y_im[w])
        j, k = 0, 0
        while True:
            a, p, proj = 0.0, 0.0, 0.0
            if normalized:
                s2 /= n
                s = math.sqrt(s2)
                proj = pr / (n * s)
                a, p = gain * rt / s, proj / s
            if j < n_rec and rec_steps[j] == k:  # the record at step k
                for i in range(d):
                    g2, c2 = 0.0, 0.0
                    for w in range(F):
                        _, _, q_r, q_i = _error(w, fr[w], fi[w], y_re, y_im, normalized, a, p)
                        g2 += weights[w] * (q_r * q_r + q_i * q_i) / r2s[w, i]
                        c2 += weights[w] * r2s[w, i]
                    rec_grad[j, t, i] = math.sqrt(g2 / n)
                    rec_norm[j, t, i] = math.sqrt(c2 / n)
            if norm2:  # layer i steps with eta ||c_i||^2 (Parseval)
                for i in range(d):
                    c2 = 0.0
                    for w in range(F):
                        c2 += weights[w] * r2s[w, i]
                    etas[i] = eta * c2 / n
            tau, sigma = 0.0, 0.0
            if track:  # T9's conditions at step k
                for w in range(F):
                    e_r, e_i, _, _ = _error(w, fr[w], fi[w], y_re, y_im, normalized, a, p)
                    S = 0.0
                    for i in range(d):
                        S += etas[i] / r2s[w, i]
                    fa = math.hypot(fr[w], fi[w])
                    tau = max(tau, fa**2 * S)
                    sigma = max(sigma, math.hypot(e_r, e_i) * fa * S)
            # one pass: loss_k, underflow at k, and the multiplicative step (T3/C5) to k+1
            loss, small, s2_next, pr_next = 0.0, False, 0.0, 0.0
            for w in range(F):
                f_r, f_i = fr[w], fi[w]
                _, _, q_r, q_i = _error(w, f_r, f_i, y_re, y_im, normalized, a, p)
                if normalized and w == 0:
                    loss += weights[0] * ((y_re[0] - n * bias) ** 2 + y_im[0] ** 2)
                else:
                    o_r, o_i = (a * f_r, a * f_i) if normalized else (f_r, f_i)
                    loss += weights[w] * ((y_re[w] - o_r) ** 2 + (y_im[w] - o_i) ** 2)
                if live[w] and abs(f_r) < underflow and abs(f_i) < underflow:
                    small = small or math.hypot(f_r, f_i) < underflow
                for i in range(d):  # layers in order 1..d, as FourierGD.step
                    r2 = r2s[w, i]
                    gr = 1.0 + etas[i] * q_r / r2
                    gi = etas[i] * q_i / r2
                    if mu != 0.0:
                        gr += mu * mr[w, i]
                        gi += mu * mi[w, i]
                        mr[w, i], mi[w, i] = _divide(gr - 1.0, gi, gr, gi)
                    r2s[w, i] = r2 * (gr * gr + gi * gi)
                    f_r, f_i = f_r * gr - f_i * gi, f_r * gi + f_i * gr
                fr[w], fi[w] = f_r, f_i
                if normalized and w > 0:
                    s2_next += weights[w] * (f_r * f_r + f_i * f_i)
                    pr_next += weights[w] * (f_r * y_re[w] + f_i * y_im[w])
            loss /= 2 * n
            if j < n_rec and rec_steps[j] == k:
                rec_loss[j, t] = loss
                j += 1
            # stopping rules at step k, in this order: converged, underflowed, diverged, out of steps
            code = RUNNING
            if tol[t] > 0 and loss <= tol[t] * l0[t]:
                code = CONVERGED
            elif small or (normalized and s2 < tiny):
                code = UNDERFLOWED
            elif (
                not math.isfinite(loss)
                or (normalized and not math.isfinite(s2))
                or loss > diverge_factor * l0[t]
            ):
                code = DIVERGED
            if code != RUNNING or k == max_iter:
                status[t], final_loss[t], stop_step[t] = code, loss, k
                iterations[t] = k if code == CONVERGED else -1
                break
            if track:
                max_tau[t] = max(max_tau[t], tau)
                max_sigma[t] = max(max_sigma[t], sigma)
            if normalized:  # the output gain and bias, by the same (momentum) GD
                v_gain = mu * v_gain - eta * (n * gain - rt * proj)
                v_bias = mu * v_bias - eta * (n * bias - y_re[0])
                gain, bias = gain + v_gain, bias + v_bias
            s2, pr = s2_next, pr_next
            k += 1


@njit(cache=True, error_model="numpy")
def fused_plain_steps(rho2, f_re, f_im, y_re, y_im, eta, steps):
    """``steps`` plain phase-free GD steps (T3) in place; rho2 (trials, F, d), f (trials, F).

    The benchmark's yardstick for ``phase_free_gd`` (``numerics.bench.simulator``), one loop over
    step, trial, frequency and layer and nothing else: q_w = r̂_w conj(f̂_w), g_{i,w} = 1 + eta q_w/rho2_{i,w}, rho2 <- rho2|g|^2, f̂_w <- f̂_w Π_i g_{i,w}:
    no loss, no stopping rule, no momentum.
    """
    trials, F, d = rho2.shape
    for _ in range(steps):
        for t in range(trials):
            for w in range(F):
                fr, fi = f_re[t, w], f_im[t, w]
                rr, ri = y_re[w] - fr, y_im[w] - fi
                qr, qi = rr * fr + ri * fi, ri * fr - rr * fi
                for i in range(d):
                    r2 = rho2[t, w, i]
                    gr = 1.0 + eta * qr / r2
                    gi = eta * qi / r2
                    rho2[t, w, i] = r2 * (gr * gr + gi * gi)
                    fr, fi = fr * gr - fi * gi, fr * gi + fi * gr
                f_re[t, w], f_im[t, w] = fr, fi
