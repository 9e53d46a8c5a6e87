"""Vectorized gradient descent on many random initializations at once (plain and CN).

Two exact implementations of the same GD on the filters c_i in R^n:

* ``fourier`` (full-length filters): the phase-free state of THEORY T3/C5. Per trial,
  layer and frequency w = 0..n/2 it keeps rho2 = |ĉ_{i,w}|^2, per trial the output
  spectrum f̂_w, and for momentum the ratio m = (ĉ(k) - ĉ(k-1))/ĉ(k). One step is

      g_{i,w} = 1 + eta q_w / rho2_{i,w} + mu m_{i,w},    rho2 <- rho2 |g|^2,
      f̂_w <- f̂_w prod_i g_{i,w},                         m <- (g - 1)/g,

  with q = r̂ conj(f̂) (plain) or q = -ĥ conj(f̂) (CN, C5). Filter phases never enter.
  ``FourierGD`` states it in NumPy (``method="fourier-numpy"``); ``simulate_gd`` runs it
  by default in the compiled loop of ``numerics.gd.compiled`` (the same step, to rounding).
* ``time`` (any filter length k <= n, the taps k..n-1 held at 0): GD on the time-domain
  taps, gradients from T1/C4 evaluated with FFTs and projected onto the support.

CN trains the output gain (start 1) and bias (start 0) by the same (momentum) GD. Each
trial stops at the first step k with loss_k <= tol * loss_0 (``iterations = k``); else
when float64 cannot follow it (|f̂_w| < 1e-290 where x̂_w != 0, or with CN
s^2 = ||Pz||^2 below the smallest normal float64): ``underflowed``; else when it diverges
(the loss, or with CN s^2, is not finite, or loss > diverge_factor * loss_0):
``diverged``. Neither is ever counted as converged, and a start whose loss is not finite
is rejected. Finished trials leave the batch. The compiled loop runs each trial alone,
so a trial's bits do not depend on its batch; in the NumPy paths every operation is per
trial and products over layers are taken in a fixed order, so a trial's numbers do not
depend on its batch up to last-bit rounding (NumPy's SIMD loops round a vector body and a
scalar tail differently). The same seed and batch give the same bits.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

UNDERFLOW = 1e-290


def abs2(z: np.ndarray) -> np.ndarray:
    """|z|^2 as re^2 + im^2: correctly rounded operations only, so the same bits for any
    array length (NumPy's SIMD complex abs can differ from its scalar tail in the last bit)."""
    return z.real**2 + z.imag**2


def underflow_mask(x_hat: np.ndarray, f_hat: np.ndarray) -> np.ndarray:
    """Per trial: |f̂_w| < UNDERFLOW at a frequency where x̂_w != 0 (float64 can't follow on)."""
    live = np.abs(x_hat) > 0
    return (np.abs(f_hat[:, live]) < UNDERFLOW).any(-1)


def half_weights(n: int) -> np.ndarray:
    """Multiplicity of w = 0..n//2 in the full spectrum (conjugate pairs count twice)."""
    w = np.full(n // 2 + 1, 2.0)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    return w


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


@dataclass(repr=False)
class GDResult:
    """Per-trial outcome of ``simulate_gd``; ``iterations`` is -1 where not converged.

    Its repr is a summary, e.g.::

        GDResult(16 trials: 12 converged, 0 diverged, 1 underflowed, 3 out of steps;
                 median iterations of the converged 1311; 10000 steps, 0.21 s, path 'fourier')
    """

    iterations: np.ndarray
    converged: np.ndarray
    diverged: np.ndarray
    underflowed: np.ndarray
    initial_loss: np.ndarray
    final_loss: np.ndarray
    steps_run: int
    seconds: float
    record: dict[str, np.ndarray] | None = None
    max_tau: np.ndarray | None = None
    max_sigma: np.ndarray | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        trials = len(self.converged)
        conv, div, under = (int(a.sum()) for a in (self.converged, self.diverged, self.underflowed))
        median = f"{float(np.median(self.iterations[self.converged])):g}" if conv else "-"
        path = f", path {self.extra['path']!r}" if "path" in self.extra else ""
        return (
            f"GDResult({trials} trials: {conv} converged, {div} diverged, {under} underflowed, "
            f"{trials - conv - div - under} out of steps;\n"
            f"         median iterations of the converged {median}; "
            f"{self.steps_run} steps, {self.seconds:.3g} s{path})"
        )


# ----------------------------------------------------------------------------- states
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


def output_error(f_hat: np.ndarray, y_hat: np.ndarray, weights: np.ndarray, n: int, head: _CNHead | None):
    """(loss, e_hat, g_gain, g_bias, s2): loss, the DFT of dL/df and, for CN, s^2 = ||Pz||^2.

    Plain: e = -r (s2 is None). CN (C4): e = h = -(gain sqrt(n)/s)(P - û û^T) y, ĥ_0 = 0.
    """
    if head is None:
        r = y_hat - f_hat
        loss = (weights * abs2(r)).sum(-1) / (2 * n)
        return loss, -r, None, None, None
    fz = f_hat[:, 1:]
    s2 = (weights[1:] * abs2(fz)).sum(-1) / n
    s = np.sqrt(s2)
    proj = (weights[1:] * (fz * np.conj(y_hat[1:])).real).sum(-1) / (n * s)
    rt = np.sqrt(n)
    o = np.empty_like(f_hat)
    o[:, 0] = n * head.bias
    o[:, 1:] = (head.gain * rt / s)[:, None] * fz
    loss = (weights * abs2(y_hat - o)).sum(-1) / (2 * n)
    e = np.zeros_like(f_hat)
    e[:, 1:] = -(head.gain * rt / s)[:, None] * (y_hat[1:] - (proj / s)[:, None] * fz)
    return loss, e, n * head.gain - rt * proj, n * head.bias - y_hat[0].real, s2


def overflowed(loss: np.ndarray, s2: np.ndarray | None) -> np.ndarray:
    """Per trial: the loss, or (CN) s^2 = ||Pz||^2, is not finite. With s^2 = inf the CN
    output gain/s is 0 and the loss a wrong finite number, so s^2 is checked too."""
    over = ~np.isfinite(loss)
    if s2 is not None:
        over |= ~np.isfinite(s2)
    return over


def underflowed(x_hat: np.ndarray, f_hat: np.ndarray, s2: np.ndarray | None) -> np.ndarray:
    """Per trial: float64 cannot follow the run on. |f̂_w| < UNDERFLOW where x̂_w != 0, or
    (CN) s^2 = ||Pz||^2 below the smallest normal float64 (then 1/s, hence the loss, is lost)."""
    mask = underflow_mask(x_hat, f_hat)
    if s2 is not None:
        mask |= s2 < np.finfo(float).tiny  # NaN (an overflow) is not an underflow
    return mask


class FourierGD:
    """Phase-free state (T3/C5) for full-length filters."""

    def __init__(self, filters: np.ndarray, x: np.ndarray, y: np.ndarray, normalized: bool):
        trials, d, n = filters.shape
        self.n, self.d = n, d
        self.weights = half_weights(n)
        c_hat = np.fft.rfft(filters, axis=-1)
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
        self.q = -self.e_hat * np.conj(self.f_hat)  # q = r̂ conj f̂ (plain), -ĥ conj f̂ (CN)

    def take(self, idx: np.ndarray) -> None:
        self.rho2, self.f_hat, self.q, self.loss = (
            self.rho2[idx],
            self.f_hat[idx],
            self.q[idx],
            self.loss[idx],
        )
        self.e_hat = self.e_hat[idx]
        if self.s2 is not None:
            self.s2 = self.s2[idx]
        if self.m is not None:
            self.m = self.m[idx]
        if self.head is not None:
            self.head.take(idx)
            self.g_gain, self.g_bias = self.g_gain[idx], self.g_bias[idx]

    def layer_etas(self, eta: float, norm2: bool) -> np.ndarray:
        """Per trial and layer the step: eta, or with ``norm2`` eta ||c_i||^2, (trials, d)."""
        return eta * self.filter_norms() ** 2 if norm2 else np.full(self.rho2.shape[:2], float(eta))

    def step(self, eta: float, mu: float, norm2: bool = False) -> None:
        etas = self.layer_etas(eta, norm2)
        g = 1.0 + etas[:, :, None] * self.q[:, None, :] / self.rho2
        if mu:
            if self.m is not None:
                g += mu * self.m
            self.m = (g - 1.0) / g
        self.rho2 = self.rho2 * (g.real**2 + g.imag**2)
        for i in range(self.d):  # fixed order: batch-independent rounding
            self.f_hat = self.f_hat * g[:, i]
        if self.head is not None:
            self.head.step(self.g_gain, self.g_bias, eta, mu)
        self._eval()

    def grad_norms(self) -> np.ndarray:
        """||grad_{c_i}||^2 = (1/n) sum_w |q_w|^2 / rho2_{i,w}; returns the norms, (trials, d)."""
        return np.sqrt((self.weights * abs2(self.q[:, None, :]) / self.rho2).sum(-1) / self.n)

    def filter_norms(self) -> np.ndarray:
        return np.sqrt((self.weights * self.rho2).sum(-1) / self.n)

    def conditions(self, eta: float, norm2: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Per trial, max over w of tau = |f̂|^2 S and sigma = |r̂||f̂| S with S = sum_i eta_i/rho2_i
        (T9 for GD; eta_i = eta, or eta ||c_i||^2 with ``norm2``)."""
        s = (self.layer_etas(eta, norm2)[:, :, None] / self.rho2).sum(1)
        fa = np.abs(self.f_hat)
        return (fa**2 * s).max(-1), (np.abs(self.e_hat) * fa * s).max(-1)


class TimeGD:
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
        for k in ("c", "v", "f_hat", "e_hat", "loss", "grad") + (("s2",) if self.s2 is not None else ()):
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
def _validate(x, y, filters, eta, max_iter, tol, momentum, filter_length, method):
    from theory.validation import check_positive

    f = np.asarray(filters, dtype=float)
    if f.ndim == 2:
        f = f[None]
    if f.ndim != 3 or f.shape[2] < 2 or f.shape[1] < 1 or f.shape[0] < 1:
        raise ValueError("filters must have shape (trials, d, n) or (d, n) with d >= 1 and n >= 2")
    n = f.shape[2]
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.shape != (n,) or y.shape != (n,):
        raise ValueError(f"x and y must be vectors of length n = {n}")
    for name, arr in (("filters", f), ("x", x), ("y", y)):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be finite")
    check_positive(eta, "eta")
    check_positive(max_iter, "max_iter", integer=True)
    tol = np.asarray(tol, dtype=float)
    if np.any(~np.isfinite(tol)) or np.any(tol < 0) or np.any(tol >= 1):
        raise ValueError(f"tol must be in [0, 1), got {tol!r}")
    if not (isinstance(momentum, (int, float)) and 0 <= momentum < 1):
        raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
    if filter_length is not None and not (isinstance(filter_length, int) and 1 <= filter_length <= n):
        raise ValueError(f"filter_length must be an integer in [1, n = {n}], got {filter_length!r}")
    if method not in ("auto", "fourier", "fourier-numpy", "time"):
        raise ValueError(f"method must be 'auto', 'fourier', 'fourier-numpy' or 'time', got {method!r}")
    if method in ("fourier", "fourier-numpy") and filter_length not in (None, n):
        raise ValueError("method 'fourier' needs full-length filters (filter_length = n)")
    return f, x, y, tol


def log_steps(max_iter: int, points: int) -> np.ndarray:
    """0 and about ``points`` log-spaced steps up to max_iter."""
    return np.unique(np.concatenate([[0], np.round(np.logspace(0, np.log10(max_iter), points)).astype(int)]))


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
) -> GDResult:
    """Run GD with constant step ``eta`` on every trial of ``filters`` (trials, d, n) at once.

    ``iterations[t]`` is the first step k with loss_k <= tol * loss_0 (-1 if none within
    ``max_iter``); ``tol = 0`` runs exactly ``max_iter`` steps. ``tol`` may be per trial.
    ``record`` keeps loss, per-layer gradient norms and filter norms at log-spaced steps
    (NaN after a trial has stopped). ``track_conditions`` (plain, Fourier path) records the
    largest tau and sigma of the GD version of T9 over each trial's run.

    ``method``: "fourier" is the phase-free state run by the compiled loop of
    ``numerics.gd.compiled`` (the default for full-length filters), "fourier-numpy" the same
    state in NumPy (``FourierGD``, the readable statement of the step), "time" GD on the
    time-domain taps (the default for filters shorter than n). A start whose loss is not
    finite (the output or the target overflows float64) raises ValueError; a CN start whose
    ||Pz||^2 underflows is reported ``underflowed``.

    ``layer_step``: "constant" steps every layer with eta; "norm2" steps layer i with
    eta ||c_i(k)||^2, its squared filter norm at the current step (THEORY X2: the effective
    step eta_i/||c_i||^2 stays eta, a constant step on the sphere); CN's output gain and
    bias keep eta.
    """
    from theory.validation import simulate_gd_arguments

    eta, max_iter, tol, momentum, filter_length = simulate_gd_arguments(**locals())
    f, x, y, tol = _validate(x, y, filters, eta, max_iter, tol, momentum, filter_length, method)
    trials, d, n = f.shape
    if normalized and not np.any(np.abs(np.fft.rfft(x)[1:]) > 0):
        raise ValueError("x is constant: with CN the centered output Pz is 0 for every filter (0/0)")
    use_time = method == "time" or (method == "auto" and filter_length not in (None, n))
    if track_conditions and use_time:
        raise ValueError("track_conditions needs the Fourier state (full-length filters, method 'fourier')")
    with np.errstate(all="ignore"):
        state = TimeGD(f, x, y, normalized, filter_length) if use_time else FourierGD(f, x, y, normalized)
    tol = np.broadcast_to(tol, (trials,)).astype(float)
    l0 = state.loss.copy()
    bad = overflowed(state.loss, state.s2) & ~underflowed(state.x_hat, state.f_hat, state.s2)
    if bad.any():
        t = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"the initial loss is not finite ({l0[t]}) in {int(bad.sum())} of {trials} trials (first: trial {t}): "
            "the network output x̂·Πĉ (or ||Pz||^2 with CN) or the target y overflows float64; "
            "rescale x, y or the filters"
        )
    rec_steps = log_steps(max_iter, record_points) if record else np.array([], int)
    norm2 = layer_step == "norm2"
    if use_time or method == "fourier-numpy":
        out = _run_numpy(
            state,
            tol,
            l0,
            eta,
            momentum,
            max_iter,
            diverge_factor,
            rec_steps,
            track_conditions,
            progress,
            norm2,
        )
    else:
        out = _run_compiled(
            state,
            tol,
            l0,
            eta,
            momentum,
            max_iter,
            diverge_factor,
            rec_steps,
            track_conditions,
            progress,
            norm2,
        )
    return out


def _stop_codes(loss, tol, l0, under, over, diverge_factor) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(converged, underflowed, diverged), exclusive and in this order of precedence.

    Converged: loss <= tol l0 with tol > 0 (a NaN loss never is). Underflowed: float64
    lost the run (``underflowed``). Diverged: float64 overflowed (``overflowed``) or the
    loss grew beyond diverge_factor l0.
    """
    conv = (loss <= tol * l0) & (tol > 0)
    under = under & ~conv
    div = (over | (loss > diverge_factor * l0)) & ~conv & ~under
    return conv, under, div


def _new_record(rec_steps: np.ndarray, trials: int, d: int) -> dict[str, np.ndarray]:
    rec = {"steps": rec_steps}
    for k, shape in (("loss", (trials,)), ("grad_norms", (trials, d)), ("filter_norms", (trials, d))):
        rec[k] = np.full((len(rec_steps),) + shape, np.nan)
    return rec


def _run_numpy(
    state, tol, l0, eta, momentum, max_iter, diverge_factor, rec_steps, track_conditions, progress, norm2
):
    """The batched NumPy loop: all active trials step together; finished ones leave."""
    trials, d = len(l0), state.d
    iterations = np.full(trials, -1)
    converged = np.zeros(trials, bool)
    diverged = np.zeros(trials, bool)
    underflowed_ = np.zeros(trials, bool)
    final = np.full(trials, np.nan)
    active = np.arange(trials)
    record = len(rec_steps) > 0
    rec = _new_record(rec_steps, trials, d) if record else None
    max_tau = np.zeros(trials) if track_conditions else None
    max_sigma = np.zeros(trials) if track_conditions else None
    t0, last_print, k = time.perf_counter(), time.perf_counter(), 0
    while True:
        loss = state.loss
        if record and k in rec_steps:
            j = int(np.searchsorted(rec_steps, k))
            rec["loss"][j, active] = loss
            rec["grad_norms"][j, active] = state.grad_norms()
            rec["filter_norms"][j, active] = state.filter_norms()
        done_conv, done_under, done_div = _stop_codes(
            loss,
            tol[active],
            l0[active],
            underflowed(state.x_hat, state.f_hat, state.s2),
            overflowed(loss, state.s2),
            diverge_factor,
        )
        finished = done_conv | done_div | done_under
        if k == max_iter:
            finished[:] = True
        if finished.any():
            ids = active[finished]
            converged[active[done_conv]] = True
            iterations[active[done_conv]] = k
            diverged[active[done_div]] = True
            underflowed_[active[done_under]] = True
            final[ids] = loss[finished]
            keep = ~finished
            active = active[keep]
            if not active.size:
                break
            state.take(np.flatnonzero(keep))
        if track_conditions:
            tau, sig = state.conditions(eta, norm2)
            np.maximum.at(max_tau, active, tau)
            np.maximum.at(max_sigma, active, sig)
        with np.errstate(all="ignore"):
            state.step(eta, momentum, norm2)
        k += 1
        if progress and time.perf_counter() - last_print > 2:
            last_print = time.perf_counter()
            print(
                f"\r  step {k}/{max_iter}, {active.size} of {trials} trials running", end="", file=sys.stderr
            )
    if progress:
        print(file=sys.stderr)
    return GDResult(
        iterations=iterations,
        converged=converged,
        diverged=diverged,
        underflowed=underflowed_,
        initial_loss=l0,
        final_loss=final,
        steps_run=k,
        seconds=time.perf_counter() - t0,
        record=rec,
        max_tau=max_tau,
        max_sigma=max_sigma,
        extra={"path": "fourier-numpy" if isinstance(state, FourierGD) else "time"},
    )


def _run_compiled(
    state: FourierGD,
    tol,
    l0,
    eta,
    momentum,
    max_iter,
    diverge_factor,
    rec_steps,
    track_conditions,
    progress,
    norm2,
):
    """Each trial runs alone in ``numerics.gd.compiled.phase_free_gd`` until it stops."""
    from numerics.gd import compiled

    trials, d = len(l0), state.d
    live = np.abs(state.x_hat) > 0
    rho2 = np.ascontiguousarray(state.rho2.transpose(0, 2, 1))  # (trials, F, d)
    f_re, f_im = np.ascontiguousarray(state.f_hat.real), np.ascontiguousarray(state.f_hat.imag)
    y_re, y_im = np.ascontiguousarray(state.y_hat.real), np.ascontiguousarray(state.y_hat.imag)
    status = np.zeros(trials, np.int64)
    iterations = np.full(trials, -1, np.int64)
    final = np.full(trials, np.nan)
    stop_step = np.zeros(trials, np.int64)
    max_tau, max_sigma = np.zeros(trials), np.zeros(trials)
    rec = _new_record(rec_steps, trials, d)
    t0 = last_print = time.perf_counter()
    chunk = trials if not progress else max(1, trials // 50)
    for first in range(0, trials, chunk):
        last = min(first + chunk, trials)
        compiled.phase_free_gd(
            rho2, f_re, f_im, live, y_re, y_im, state.weights, float(state.n), float(eta), float(momentum), bool(norm2),
            state.head is not None, tol, l0, float(diverge_factor), UNDERFLOW, int(max_iter),
            bool(track_conditions), rec_steps.astype(np.int64), first, last,
            status, iterations, final, stop_step, max_tau, max_sigma,
            rec["loss"], rec["grad_norms"], rec["filter_norms"],
        )  # fmt: skip
        if progress and time.perf_counter() - last_print > 2:
            last_print = time.perf_counter()
            print(f"\r  {last} of {trials} trials finished", end="", file=sys.stderr)
    if progress:
        print(file=sys.stderr)
    return GDResult(
        iterations=iterations,
        converged=status == compiled.CONVERGED,
        diverged=status == compiled.DIVERGED,
        underflowed=status == compiled.UNDERFLOWED,
        initial_loss=l0,
        final_loss=final,
        steps_run=int(stop_step.max()),
        seconds=time.perf_counter() - t0,
        record=rec if len(rec_steps) else None,
        max_tau=max_tau if track_conditions else None,
        max_sigma=max_sigma if track_conditions else None,
        extra={"path": "fourier"},
    )
