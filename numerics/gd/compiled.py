"""The phase-free GD of T3/C5 (width k = 1) as one compiled (numba) loop per trial.

``numerics.gd.simulate.FourierGD`` states the step in NumPy; ``phase_free_gd`` runs the same
step, with the one stopping rule of ``numerics.gd.status``, for one trial at a time until that
trial stops. Per trial, layer i and frequency w = 0..n/2 the state is rho2 = |ĉ_{i,w}|^2, the
output spectrum f̂_w, for momentum the ratio m = (ĉ(k) - ĉ(k-1))/ĉ(k), and for CN the output
gain and bias with their velocities. One step is

    q_w = r̂_w conj(f̂_w)  (plain)      or  -ĥ_w conj(f̂_w)  (CN, C4/C5),
    g_{i,w} = 1 + eta_i q_w / rho2_{i,w} + mu m_{i,w},
    rho2_{i,w} <- rho2_{i,w} |g_{i,w}|^2,   f̂_w <- f̂_w g_{1,w} g_{2,w} ... g_{d,w},   m <- (g - 1)/g,

with eta_i = eta, or eta ||c_i||^2 (``norm2``, X2), and the products over layers taken
in the order i = 1..d (as ``FourierGD.step``), so the numbers agree with the NumPy path to
rounding. When the filters themselves are wanted (``simulate_gd_channels`` at k = 1) the
kernel also carries ĉ_{i,w} <- ĉ_{i,w} g_{i,w}. A trial's numbers never depend on the other
trials (each runs alone), and the loop has no data-dependent order: the same input gives the
same bits on every run, in any batch and on any number of threads (``numerics.gd.core`` runs
chunks of trials on all cores; ``nogil=True`` lets the threads run at once).

The arguments are grouped (``Target``, ``Options``, ``Outputs``), shared with the width-k
kernel of ``numerics.gd.compiled_channels``.

Why compiled: the runs researchers sweep are small batches for many steps (n = 16, a few
dozen trials, 1e4 - 1e6 steps), where NumPy spends its time on per-call overhead, not on
arithmetic (see ``numerics.bench.simulator``). ``cache=True`` keeps numba's compile (a few
seconds) to the first run on a machine.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from numerics.gd.status import CONVERGED, RUNNING, TINY, UNDERFLOW, classify


class Target(NamedTuple):
    """What every trial fits: x̂, ŷ as real and imaginary parts (F = n//2 + 1), x̂_w != 0,
    the half-spectrum weights m_w, each trial's tol, and the recorded steps."""

    x_re: np.ndarray
    x_im: np.ndarray
    y_re: np.ndarray
    y_im: np.ndarray
    live: np.ndarray
    weights: np.ndarray
    tol: np.ndarray
    rec_steps: np.ndarray


class Options(NamedTuple):
    """The GD: n, eta, momentum mu, per-layer step eta ||c_i||^2 (norm2), CN, the divergence
    factor, max_iter, and (phase-free only) whether to track T9's tau and sigma."""

    n: float
    eta: float
    mu: float
    norm2: bool
    normalized: bool
    diverge_factor: float
    max_iter: int
    track: bool


class Outputs(NamedTuple):
    """Per trial: status, iterations (-1 unless converged), L_0, the final loss, the stopping
    step; T9's largest tau and sigma; the record (loss, per-layer gradient and filter norms,
    NaN where not reached); the width-k kernel's final filter spectra (real, imaginary) and
    CN's final gains and biases."""

    status: np.ndarray
    iterations: np.ndarray
    initial_loss: np.ndarray
    final_loss: np.ndarray
    stop_step: np.ndarray
    max_tau: np.ndarray
    max_sigma: np.ndarray
    rec_loss: np.ndarray
    rec_grad: np.ndarray
    rec_norm: np.ndarray
    final_re: np.ndarray
    final_im: np.ndarray
    final_gain: np.ndarray
    final_bias: np.ndarray


@njit(cache=True, nogil=True, error_model="numpy")
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


@njit(cache=True, nogil=True, error_model="numpy")
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
def phase_free_gd(rho2, f_hat, phases, target, opt, first, last, out):
    """Run trials first..last-1 of the phase-free GD, each until it stops; fill ``out``.

    ``rho2`` (trials, F, d) and ``f_hat`` = (re, im), each (trials, F), are the start (not
    modified). ``phases``: None, or (re, im) of ĉ (trials, F, d), carried from its start
    values to the stop (``ĉ <- ĉ g``, in place; None compiles a kernel without it). A trial stops at the first step k that ``numerics.gd.status.classify`` does
    not call RUNNING, with small = (|f̂_w| < UNDERFLOW where x̂_w != 0, or for CN s^2 =
    ||Pz||^2 < TINY) and overflow = (CN's s^2 = inf); else at k = max_iter (RUNNING).
    With ``opt.track``: the largest tau = |f̂|^2 S and sigma = |e||f̂| S (S = sum_i
    eta_i/rho2_i) over the steps taken (T9 for GD). With rec_steps non-empty: loss,
    per-layer gradient norms and filter norms at those steps.

    One pass over (frequency, layer) per step: at each w it evaluates loss_k's term and
    q_w from f̂_w(k), then steps the layers to k+1. The stopping rule reads loss_k after
    the pass; a trial that stops discards that last, speculative step.
    """
    trials, F, d = rho2.shape
    y_re, y_im, live, weights, tol, rec_steps = (
        target.y_re, target.y_im, target.live, target.weights, target.tol, target.rec_steps,
    )  # fmt: skip
    n, eta, mu, normalized, norm2 = opt.n, opt.eta, opt.mu, opt.normalized, opt.norm2
    r2s, fr, fi = np.empty((F, d)), np.empty(F), np.empty(F)
    f0r, f0i = np.empty(F), np.empty(F)  # f̂(k), for the exact underflow test when it is close
    mr, mi = np.empty((F, d)), np.empty((F, d))
    cr, ci = np.empty((F, d)), np.empty((F, d))
    etas = np.full(d, eta)
    rt = math.sqrt(n)
    n_rec = rec_steps.shape[0]
    for t in range(first, last):
        r2s[:, :] = rho2[t]
        fr[:] = f_hat[0][t]
        fi[:] = f_hat[1][t]
        mr[:, :] = 0.0
        mi[:, :] = 0.0
        if phases is not None:
            cr[:, :] = phases[0][t]
            ci[:, :] = phases[1][t]
        gain, bias, v_gain, v_bias, l0 = 1.0, 0.0, 0.0, 0.0, 0.0
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
                    out.rec_grad[j, t, i] = math.sqrt(g2 / n)
                    out.rec_norm[j, t, i] = math.sqrt(c2 / n)
            if norm2:  # layer i steps with eta ||c_i||^2 (Parseval)
                for i in range(d):
                    c2 = 0.0
                    for w in range(F):
                        c2 += weights[w] * r2s[w, i]
                    etas[i] = eta * c2 / n
            tau, sigma = 0.0, 0.0
            if opt.track:  # T9's conditions at step k
                for w in range(F):
                    e_r, e_i, _, _ = _error(w, fr[w], fi[w], y_re, y_im, normalized, a, p)
                    S = 0.0
                    for i in range(d):
                        S += etas[i] / r2s[w, i]
                    fa = math.hypot(fr[w], fi[w])
                    tau = max(tau, fa**2 * S)
                    sigma = max(sigma, math.hypot(e_r, e_i) * fa * S)
            # one pass: loss_k, underflow at k, and the multiplicative step (T3/C5) to k+1
            loss, lowest, s2_next, pr_next = 0.0, math.inf, 0.0, 0.0
            for w in range(F):
                f_r, f_i = fr[w], fi[w]
                f0r[w], f0i[w] = f_r, f_i
                _, _, q_r, q_i = _error(w, f_r, f_i, y_re, y_im, normalized, a, p)
                if normalized and w == 0:
                    loss += weights[0] * ((y_re[0] - n * bias) ** 2 + y_im[0] ** 2)
                else:
                    o_r, o_i = (a * f_r, a * f_i) if normalized else (f_r, f_i)
                    loss += weights[w] * ((y_re[w] - o_r) ** 2 + (y_im[w] - o_i) ** 2)
                m_w = max(abs(f_r), abs(f_i))
                lowest = m_w if live[w] and m_w < lowest else lowest  # a NaN never enters
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
                    if phases is not None:
                        cr[w, i], ci[w, i] = cr[w, i] * gr - ci[w, i] * gi, cr[w, i] * gi + ci[w, i] * gr
                fr[w], fi[w] = f_r, f_i
                if normalized and w > 0:
                    s2_next += weights[w] * (f_r * f_r + f_i * f_i)
                    pr_next += weights[w] * (f_r * y_re[w] + f_i * y_im[w])
            loss /= 2 * n
            if k == 0:
                l0 = loss
                out.initial_loss[t] = loss
            if j < n_rec and rec_steps[j] == k:
                out.rec_loss[j, t] = loss
                j += 1
            small = normalized and s2 < TINY
            if lowest < UNDERFLOW:  # |f̂_w| < UNDERFLOW where x̂_w != 0 (max(|re|, |im|) <= |f̂_w|)
                for w in range(F):
                    small = small or (live[w] and math.hypot(f0r[w], f0i[w]) < UNDERFLOW)
            code = classify(loss, l0, tol[t], opt.diverge_factor, small, normalized and s2 == math.inf)
            if code != RUNNING or k == opt.max_iter:
                out.status[t], out.final_loss[t], out.stop_step[t] = code, loss, k
                out.iterations[t] = k if code == CONVERGED else -1
                if normalized:
                    out.final_gain[t, 0, 0], out.final_bias[t, 0, 0] = gain, bias
                break
            if opt.track:
                out.max_tau[t] = max(out.max_tau[t], tau)
                out.max_sigma[t] = max(out.max_sigma[t], sigma)
            if phases is not None:  # the step just taken is kept: ĉ(k+1)
                phases[0][t] = cr
                phases[1][t] = ci
            if normalized:  # the output gain and bias, by the same (momentum) GD
                v_gain = mu * v_gain - eta * (n * gain - rt * proj)
                v_bias = mu * v_bias - eta * (n * bias - y_re[0])
                gain, bias = gain + v_gain, bias + v_bias
            s2, pr = s2_next, pr_next
            k += 1


@njit(cache=True, parallel=True, error_model="numpy")
def fused_plain_steps(rho2, f_re, f_im, y_re, y_im, eta, steps):
    """``steps`` plain phase-free GD steps (T3) in place; rho2 (trials, F, d), f (trials, F).

    The benchmark's yardstick for ``phase_free_gd`` (``numerics.bench.simulator``), one loop over
    trial (``prange``: on all cores), step, frequency and layer and nothing else:
    q_w = r̂_w conj(f̂_w), g_{i,w} = 1 + eta q_w/rho2_{i,w}, rho2 <- rho2|g|^2,
    f̂_w <- f̂_w Π_i g_{i,w}: no loss, no stopping rule, no momentum.
    """
    trials, F, d = rho2.shape
    for t in prange(trials):
        for _ in range(steps):
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
