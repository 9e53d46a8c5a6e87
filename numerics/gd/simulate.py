"""The one-channel GD simulator (plain and CN) on many random initializations at once.

Two exact implementations of the same GD on the filters c_i in R^n:

* ``fourier`` (full-length filters): the phase-free state of T3/C5. Per trial,
  layer and frequency w = 0..n/2 it keeps rho2 = |ĉ_{i,w}|^2, per trial the output
  spectrum f̂_w, and for momentum the ratio m = (ĉ(k) - ĉ(k-1))/ĉ(k). One step is

      g_{i,w} = 1 + eta_i q_w / rho2_{i,w} + mu m_{i,w},    rho2 <- rho2 |g|^2,
      f̂_w <- f̂_w prod_i g_{i,w},                           m <- (g - 1)/g,

  with q = r̂ conj(f̂) (plain) or q = -ĥ conj(f̂) (CN, C5) and eta_i = eta (or eta ||c_i||^2,
  ``layer_step="norm2"``). Filter phases never enter. ``FourierGD`` states it in NumPy
  (``method="fourier-numpy"``); ``simulate_gd`` runs it by default in the compiled kernel of
  ``numerics.gd.compiled`` on all cores (the same step, to rounding). It is the width-1 fast
  path of ``simulate_gd_channels`` too.
* ``time`` (any filter length k <= n, the taps k..n-1 held at 0): GD on the time-domain
  taps, gradients from T1/C4 evaluated with FFTs and projected onto the support.

CN trains the output gain (start 1) and bias (start 0) by the same (momentum) GD. Every path
stops a trial by the one rule of ``numerics.gd.status`` (converged, diverged, underflowed,
out of steps) under the one driver of ``numerics.gd.core``; a start whose loss is not finite
is rejected. The compiled kernel runs each trial alone, so a trial's bits do not depend on
its batch or the number of threads; in the NumPy paths every operation is per trial and
products over layers are taken in a fixed order, so a trial's numbers do not depend on its
batch up to last-bit rounding (NumPy's SIMD loops round a vector body and a scalar tail
differently). The same seed and batch give the same bits.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numerics.gd.compiled import Options, Target, phase_free_gd
from numerics.gd.core import (
    GDResult,
    abs2,
    all_cores,
    compiled_result,
    half_weights,
    log_steps,
    new_outputs,
    run_compiled,
    run_numpy,
)
from numerics.gd.status import TINY, UNDERFLOW, check_start

__all__ = [
    "FourierGD",
    "GDResult",
    "TimeGD",
    "random_filters",
    "simulate_gd",
    "abs2",
    "half_weights",
    "log_steps",
]


def underflow_mask(x_hat: np.ndarray, f_hat: np.ndarray, exact_zero: np.ndarray | None = None) -> np.ndarray:
    """Per trial: |f̂_w| < UNDERFLOW at a frequency where x̂_w != 0 and no factor ĉ_{i,w} is
    exactly 0 (``exact_zero``, (trials, F)): a product of nonzero factors that float64 could
    not represent. An exact zero (a zero layer at w) is a state GD can leave, not underflow."""
    live = np.abs(x_hat) > 0
    tiny = (np.abs(f_hat) < UNDERFLOW) & live
    if exact_zero is not None:
        tiny &= ~exact_zero
    return tiny.any(-1)


def zero_spectrum(filters: np.ndarray) -> tuple[int, int, int] | None:
    """(trial, layer, w) of the first DFT value ĉ_{i,w} that is exactly 0, or None. The phase-free
    step ĉ <- ĉ (1 + eta q/|ĉ|^2) keeps such a layer at 0 (and makes 0/0) where GD moves it off
    0 additively, so such a start runs on the taps (method 'time')."""
    hit = np.argwhere(np.fft.rfft(filters, axis=-1) == 0)
    return None if not len(hit) else tuple(int(v) for v in hit[0])


def random_filters(
    trials: int, depth: int, n: int, *, sigma2: float | None = None, seed: int = 0, length: int | None = None
) -> np.ndarray:
    """Filters with iid N(0, sigma2) taps (default sigma2 = 1/n), shape (trials, depth, n).

    Taps at index >= ``length`` are 0 (a filter of length k < n). Same seed, same filters.
    """
    from theory.validation import random_filters_arguments

    random_filters_arguments(**locals())
    sigma2 = 1.0 / n if sigma2 is None else sigma2
    c = np.random.default_rng(seed).normal(0.0, np.sqrt(sigma2), size=(trials, depth, n))
    if length is not None:
        c[..., length:] = 0.0
    return c


class _CNHead:
    """Output gain and bias of the CN network with their momentum buffers."""

    def __init__(self, trials: int):
        self.gain, self.bias = np.ones(trials), np.zeros(trials)
        self.v_gain, self.v_bias = np.zeros(trials), np.zeros(trials)

    def take(self, idx: np.ndarray) -> None:
        for k in ("gain", "bias", "v_gain", "v_bias"):
            setattr(self, k, getattr(self, k)[idx])

    def step(self, g_gain: np.ndarray, g_bias: np.ndarray, eta: float, mu: float) -> None:
        self.v_gain = mu * self.v_gain - eta * g_gain
        self.v_bias = mu * self.v_bias - eta * g_bias
        self.gain = self.gain + self.v_gain
        self.bias = self.bias + self.v_bias


def in_order(terms: np.ndarray) -> np.ndarray:
    """The sum over the last axis taken w = 0, 1, 2, ... in order (``np.cumsum`` accumulates
    sequentially; ``.sum`` is pairwise): the rounding of the compiled kernels' loops, so the
    NumPy phase-free path is the same step bit for bit."""
    return np.cumsum(terms, axis=-1)[..., -1]


def output_error(f_hat: np.ndarray, y_hat: np.ndarray, weights: np.ndarray, n: int, head: _CNHead | None):
    """(loss, e_hat, g_gain, g_bias, s2): loss, the DFT of dL/df and, for CN, s^2 = ||Pz||^2.

    Plain: e = -r (s2 is None). CN (C4): e = h = -(gain sqrt(n)/s)(P - û û^T) y, ĥ_0 = 0.
    Every sum over w runs in order and every product is written as the compiled kernel's
    real arithmetic (``numerics.gd.compiled.phase_free_gd``): the same bits.
    """
    if head is None:
        r = y_hat - f_hat
        loss = in_order(weights * abs2(r)) / (2 * n)
        return loss, -r, None, None, None
    fz, yz = f_hat[:, 1:], y_hat[1:]
    s2 = in_order(weights[1:] * (fz.real * fz.real + fz.imag * fz.imag)) / n
    s = np.sqrt(s2)
    proj = in_order(weights[1:] * (fz.real * yz.real + fz.imag * yz.imag)) / (n * s)
    rt = np.sqrt(n)
    a, p = (head.gain * rt / s)[:, None], (proj / s)[:, None]
    terms = np.empty(f_hat.shape)
    terms[:, 0] = weights[0] * ((y_hat[0].real - n * head.bias) ** 2 + y_hat[0].imag ** 2)
    terms[:, 1:] = weights[1:] * ((yz.real - a * fz.real) ** 2 + (yz.imag - a * fz.imag) ** 2)
    loss = in_order(terms) / (2 * n)
    e = np.zeros_like(f_hat)
    e.real[:, 1:] = -a * (yz.real - p * fz.real)
    e.imag[:, 1:] = -a * (yz.imag - p * fz.imag)
    return loss, e, n * head.gain - rt * proj, n * head.bias - y_hat[0].real, s2


def underflowed(
    x_hat: np.ndarray, f_hat: np.ndarray, s2: np.ndarray | None, exact_zero: np.ndarray | None = None
) -> np.ndarray:
    """Per trial: float64 cannot follow the run on. |f̂_w| < UNDERFLOW where x̂_w != 0 and
    no layer is exactly 0 at w (``underflow_mask``), or (CN) s^2 = ||Pz||^2 below the smallest
    normal float64 (then 1/s, hence the loss, is lost)."""
    mask = underflow_mask(x_hat, f_hat, exact_zero)
    if s2 is not None:
        mask |= s2 < TINY  # NaN (an overflow) is not an underflow
    return mask


class _Flags:
    """``small`` and ``overflow`` of ``numerics.gd.status`` for a state with x_hat, f_hat, s2."""

    exact_zero: np.ndarray | None = None  # (trials, F): some ĉ_{i,w} exactly 0 (TimeGD)

    @property
    def small(self) -> np.ndarray:
        return underflowed(self.x_hat, self.f_hat, self.s2, self.exact_zero)

    @property
    def overflow(self) -> np.ndarray:
        """With s^2 = inf the CN output gain/s is 0 and the loss a wrong finite number."""
        return np.zeros(len(self.loss), bool) if self.s2 is None else self.s2 == np.inf

    def snapshot(self) -> dict:
        return {}


class FourierGD(_Flags):
    c_hat: np.ndarray | None = None
    """Phase-free state (T3/C5) for full-length filters."""

    def __init__(
        self, filters: np.ndarray, x: np.ndarray, y: np.ndarray, normalized: bool, keep_filters: bool = False
    ):
        trials, d, n = filters.shape
        self.n, self.d = n, d
        self.weights = half_weights(n)
        c_hat = np.fft.rfft(filters, axis=-1)
        self.c_hat = c_hat.copy() if keep_filters else None
        self.rho2 = abs2(c_hat)
        self.x_hat, self.y_hat = np.fft.rfft(x), np.fft.rfft(y)
        self.f_hat = np.broadcast_to(self.x_hat, (trials, len(self.weights))).copy()
        for i in range(d):
            self.f_hat *= c_hat[:, i]
        self.m = None
        self.head = _CNHead(trials) if normalized else None
        self._eval()

    def _eval(self) -> None:
        self.loss, self.e_hat, self.g_gain, self.g_bias, self.s2 = output_error(
            self.f_hat, self.y_hat, self.weights, self.n, self.head
        )
        er, ei, fr, fi = self.e_hat.real, self.e_hat.imag, self.f_hat.real, self.f_hat.imag
        self.q = np.empty_like(self.f_hat)  # q = -e conj f̂: r̂ conj f̂ (plain), -ĥ conj f̂ (CN)
        self.q.real, self.q.imag = -(er * fr + ei * fi), er * fi - ei * fr

    def take(self, idx: np.ndarray) -> None:
        self.rho2, self.f_hat, self.q, self.loss = (
            self.rho2[idx],
            self.f_hat[idx],
            self.q[idx],
            self.loss[idx],
        )
        self.e_hat = self.e_hat[idx]
        if self.c_hat is not None:
            self.c_hat = self.c_hat[idx]
        if self.s2 is not None:
            self.s2 = self.s2[idx]
        if self.m is not None:
            self.m = self.m[idx]
        if self.head is not None:
            self.head.take(idx)
            self.g_gain, self.g_bias = self.g_gain[idx], self.g_bias[idx]

    def snapshot(self) -> dict:
        """With ``keep_filters``: each trial's filters (and CN's gains and biases) as
        ``simulate_gd_channels`` reports them at width 1 (hidden gains 1, biases 0)."""
        if self.c_hat is None:
            return {}
        trials, d = len(self.loss), self.d
        snap = {
            "filters": [np.fft.irfft(self.c_hat[:, i], n=self.n, axis=-1)[:, None, None, :] for i in range(d)]
        }
        if self.head is not None:
            snap["gains"] = [np.ones((trials, 1))] * (d - 1) + [self.head.gain[:, None]]
            snap["biases"] = [np.zeros((trials, 1))] * (d - 1) + [self.head.bias[:, None]]
        return snap

    def layer_etas(self, eta: float, norm2: bool) -> np.ndarray:
        """Per trial and layer the step: eta, or with ``norm2`` eta ||c_i||^2, (trials, d)."""
        if norm2:  # eta c2 / n with c2 = sum_w m_w rho2 in order: the kernel's rounding
            return eta * in_order(self.weights * self.rho2) / self.n
        return np.full(self.rho2.shape[:2], float(eta))

    def step(self, eta: float, mu: float, norm2: bool = False) -> None:
        """One step, as the compiled kernel's real arithmetic (the same bits for mu = 0)."""
        etas = self.layer_etas(eta, norm2)[:, :, None]
        gr = 1.0 + etas * self.q.real[:, None, :] / self.rho2
        gi = etas * self.q.imag[:, None, :] / self.rho2
        if mu:
            if self.m is not None:
                gr, gi = gr + mu * self.m.real, gi + mu * self.m.imag
            g = gr + 1j * gi
            self.m = (g - 1.0) / g
        self.rho2 = self.rho2 * (gr * gr + gi * gi)
        fr, fi = self.f_hat.real, self.f_hat.imag
        for i in range(self.d):  # fixed order: batch-independent rounding, the kernel's order
            fr, fi = fr * gr[:, i] - fi * gi[:, i], fr * gi[:, i] + fi * gr[:, i]
        self.f_hat = fr + 0j
        self.f_hat.imag = fi
        if self.c_hat is not None:  # the filters' spectra, when kept (simulate_gd_channels, k = 1)
            cr, ci = self.c_hat.real, self.c_hat.imag
            self.c_hat = cr * gr - ci * gi + 0j
            self.c_hat.imag = cr * gi + ci * gr
        if self.head is not None:
            self.head.step(self.g_gain, self.g_bias, eta, mu)
        self._eval()

    def grad_norms(self) -> np.ndarray:
        """||grad_{c_i}||^2 = (1/n) sum_w |q_w|^2 / rho2_{i,w}; returns the norms, (trials, d)."""
        return np.sqrt(in_order(self.weights * abs2(self.q[:, None, :]) / self.rho2) / self.n)

    def filter_norms(self) -> np.ndarray:
        return np.sqrt(in_order(self.weights * self.rho2) / self.n)

    def conditions(self, eta: float, norm2: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Per trial, max over w of tau = |f̂|^2 S and sigma = |r̂||f̂| S with S = sum_i eta_i/rho2_i
        (T9 for GD; eta_i = eta, or eta ||c_i||^2 with ``norm2``)."""
        s = (self.layer_etas(eta, norm2)[:, :, None] / self.rho2).sum(1)
        fa = np.abs(self.f_hat)
        return (fa**2 * s).max(-1), (np.abs(self.e_hat) * fa * s).max(-1)


class TimeGD(_Flags):
    """GD on the time-domain taps (support mask for filters shorter than n), via FFTs."""

    def __init__(
        self, filters: np.ndarray, x: np.ndarray, y: np.ndarray, normalized: bool, length: int | None
    ):
        trials, d, n = filters.shape
        self.n, self.d = n, d
        self.weights = half_weights(n)
        self.mask = np.zeros(n)
        self.mask[: (n if length is None else length)] = 1.0
        self.c = filters * self.mask
        self.v = np.zeros_like(self.c)
        self.x_hat, self.y_hat = np.fft.rfft(x), np.fft.rfft(y)
        self.head = _CNHead(trials) if normalized else None
        self._eval()

    def _eval(self) -> None:
        c_hat = np.fft.rfft(self.c, axis=-1)
        self.exact_zero = (c_hat == 0).any(1)
        trials, d, F = c_hat.shape
        prefix = np.empty_like(c_hat)
        acc = np.broadcast_to(self.x_hat, (trials, F)).astype(complex)
        for i in range(d):
            prefix[:, i] = acc
            acc = acc * c_hat[:, i]
        self.f_hat = acc
        others = prefix.copy()  # x̂ prod_{j != i} ĉ_j = prefix_i * suffix_i
        acc = np.ones((trials, F), complex)
        for i in range(d - 1, -1, -1):
            others[:, i] *= acc
            acc = acc * c_hat[:, i]
        self.loss, self.e_hat, self.g_gain, self.g_bias, self.s2 = output_error(
            self.f_hat, self.y_hat, self.weights, self.n, self.head
        )
        grad_hat = self.e_hat[:, None, :] * np.conj(others)  # DFT of e ⋆ u_i
        self.grad = np.fft.irfft(grad_hat, n=self.n, axis=-1) * self.mask

    def take(self, idx: np.ndarray) -> None:
        for k in ("c", "v", "f_hat", "e_hat", "loss", "grad", "exact_zero") + (
            ("s2",) if self.s2 is not None else ()
        ):
            setattr(self, k, getattr(self, k)[idx])
        if self.head is not None:
            self.head.take(idx)
            self.g_gain, self.g_bias = self.g_gain[idx], self.g_bias[idx]

    def step(self, eta: float, mu: float, norm2: bool = False) -> None:
        etas = eta * self.filter_norms()[..., None] ** 2 if norm2 else eta
        self.v = mu * self.v - etas * self.grad
        self.c = self.c + self.v
        if self.head is not None:
            self.head.step(self.g_gain, self.g_bias, eta, mu)
        self._eval()

    def grad_norms(self) -> np.ndarray:
        return np.linalg.norm(self.grad, axis=-1)

    def filter_norms(self) -> np.ndarray:
        return np.linalg.norm(self.c, axis=-1)


# ----------------------------------------------------------------------------- driver


# ----------------------------------------------------------------------------- entry
def simulate_gd(
    x: Any,
    y: Any,
    filters: Any,
    *,
    eta: float,
    normalized: bool = False,
    max_iter: int = 10000,
    tol: float | np.ndarray = 1e-3,
    momentum: float = 0.0,
    filter_length: int | None = None,
    method: str = "auto",
    record: bool = False,
    record_points: int = 40,
    diverge_factor: float = 1e8,
    track_conditions: bool = False,
    progress: bool = False,
    layer_step: str = "constant",
    threads: int | None = None,
) -> GDResult:
    """Run GD with constant step ``eta`` on every trial of ``filters`` (trials, d, n) at once.

    ``iterations[t]`` is the first step k with loss_k <= tol * loss_0 (-1 if none within
    ``max_iter``); ``tol = 0`` runs exactly ``max_iter`` steps. ``tol`` may be per trial.
    ``record`` keeps loss, per-layer gradient norms and filter norms at log-spaced steps
    (NaN after a trial has stopped). ``track_conditions`` (Fourier state) records the
    largest tau and sigma of the GD version of T9 over each trial's run.

    ``method``: "fourier" is the phase-free state run by the compiled kernel of
    ``numerics.gd.compiled`` (the default for full-length filters) on ``threads`` threads
    (default: every core; the numbers do not depend on it), "fourier-numpy" the same
    state in NumPy (``FourierGD``, the readable statement of the step), "time" GD on the
    time-domain taps (the default for filters shorter than n). The stopping rule and the
    states are those of ``numerics.gd.status``: a start whose loss is not finite (the output
    or the target overflows float64) raises ValueError; a CN start whose ||Pz||^2
    underflows is reported ``underflowed``.

    ``layer_step``: "constant" steps every layer with eta; "norm2" steps layer i with
    eta ||c_i(k)||^2, its squared filter norm at the current step (X2: the effective
    step eta_i/||c_i||^2 stays eta, a constant step on the sphere); CN's output gain and
    bias keep eta.
    """
    from theory.validation import simulate_gd_arguments

    f, x, y, eta, max_iter, tol, momentum, filter_length, threads = simulate_gd_arguments(**locals())
    trials, d, n = f.shape
    if method in ("fourier", "fourier-numpy") and filter_length not in (None, n):
        raise ValueError(
            f"method {method!r} needs full-length filters (filter_length = n = {n}), got {filter_length}"
        )
    if normalized and not np.any(np.abs(np.fft.rfft(x)[1:]) > 0):
        raise ValueError("x is constant: with CN the centered output Pz is 0 for every filter (0/0)")
    zero_at = zero_spectrum(f)
    if method in ("fourier", "fourier-numpy") and zero_at is not None:
        raise ValueError(
            f"filters: ĉ_i,w = 0 exactly (trial {zero_at[0]}, layer {zero_at[1] + 1}, w = {zero_at[2]}): "
            f"the phase-free state of method {method!r} cannot move a layer off 0; use method 'time' "
            "(or 'auto', which does)"
        )
    use_time = method == "time" or (
        method == "auto" and (filter_length not in (None, n) or zero_at is not None)
    )
    if track_conditions and use_time:
        raise ValueError("track_conditions needs the Fourier state (full-length filters, method 'fourier')")
    opt = Options(
        float(n),
        eta,
        momentum,
        layer_step == "norm2",
        normalized,
        float(diverge_factor),
        max_iter,
        track_conditions,
    )
    rec_steps = log_steps(max_iter, record_points) if record else np.array([], np.int64)
    with np.errstate(all="ignore"):
        state = TimeGD(f, x, y, normalized, filter_length) if use_time else FourierGD(f, x, y, normalized)
    if use_time or method == "fourier-numpy":
        path = "time" if use_time else "fourier-numpy"
        return run_numpy(state, tol, opt, rec_steps, progress, {"path": path})
    return phase_free(state, tol, opt, rec_steps, threads, progress)


def phase_free(
    state: FourierGD,
    tol: np.ndarray,
    opt: Options,
    rec_steps: np.ndarray,
    threads: int | None,
    progress: bool,
    c_hat: np.ndarray | None = None,
) -> GDResult:
    """The compiled width-1 path: every trial of ``state``'s start in ``phase_free_gd``, on
    ``threads`` threads. With ``c_hat`` (trials, d, F), the start's filter spectra, the
    result's ``extra["c_hat"]`` holds each trial's ĉ (trials, d, F) when it stopped, and with
    CN ``extra["gain"]``, ``extra["bias"]`` the output gain and bias."""
    import time

    t0 = time.perf_counter()
    check_start(state.loss, state.small, state.overflow)
    trials, d, F = state.rho2.shape
    rho2 = np.ascontiguousarray(state.rho2.transpose(0, 2, 1))  # (trials, F, d)
    f_hat = (np.ascontiguousarray(state.f_hat.real), np.ascontiguousarray(state.f_hat.imag))
    x_hat, y_hat = state.x_hat, state.y_hat
    target = Target(
        x_hat.real.copy(), x_hat.imag.copy(), y_hat.real.copy(), y_hat.imag.copy(),
        np.abs(x_hat) > 0, state.weights, np.ascontiguousarray(tol, float), np.asarray(rec_steps, np.int64),
    )  # fmt: skip
    out = new_outputs(trials, d, rec_steps, (0, F, d), (trials, 1, 1))
    phases = None
    if c_hat is not None:
        phases = tuple(np.ascontiguousarray(part.transpose(0, 2, 1)) for part in (c_hat.real, c_hat.imag))
    run_compiled(phase_free_gd, (rho2, f_hat, phases), target, opt, out, threads or all_cores(), progress)
    extra: dict[str, Any] = {"path": "fourier"}
    if phases is not None:
        extra["c_hat"] = (phases[0] + 1j * phases[1]).transpose(0, 2, 1)
        if opt.normalized:
            extra.update(gain=out.final_gain[:, 0, 0], bias=out.final_bias[:, 0, 0])
    return compiled_result(out, rec_steps, t0, opt.track, extra)
