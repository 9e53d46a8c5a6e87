"""The one GD driver behind ``simulate_gd`` (one channel) and ``simulate_gd_channels`` (width k).

Every simulator state steps under the same driver, the same stopping rule
(``numerics.gd.status``) and returns the same ``GDResult``:

* compiled kernels (``numerics.gd.compiled.phase_free_gd`` for width 1, the fast path;
  ``numerics.gd.compiled_channels.channel_gd`` for width k) run each trial alone;
  ``run_compiled`` hands chunks of trials to threads on every core (the kernels release
  the GIL), so a trial's bits do not depend on the batch, the chunking or the number of
  threads;
* NumPy states (``FourierGD``, ``TimeGD``, ``ChannelGD``: the readable statements of the
  step, and the paths for filters shorter than n and for ReLU) run vectorized over the
  trials in ``run_numpy``; finished trials leave the batch.

A NumPy state has ``loss``, ``small`` and ``overflow`` (per active trial, the flags of
``numerics.gd.status``), ``step(eta, mu, norm2)``, ``take(idx)``, ``grad_norms()``,
``filter_norms()``, ``snapshot()`` (what to keep of a trial that stops, e.g. its filters)
and, for T9, ``conditions(eta, norm2)``.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from numerics.gd.compiled import Options, Outputs
from numerics.gd.status import CONVERGED, DIVERGED, RUNNING, UNDERFLOWED, check_start, classify_all


def abs2(z: np.ndarray) -> np.ndarray:
    """|z|^2 as re^2 + im^2: correctly rounded operations only, so the same bits for any
    array length (NumPy's SIMD complex abs can differ from its scalar tail in the last bit)."""
    return z.real**2 + z.imag**2


def half_weights(n: int) -> np.ndarray:
    """Multiplicity of w = 0..n//2 in the full spectrum (conjugate pairs count twice)."""
    w = np.full(n // 2 + 1, 2.0)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    return w


def log_steps(max_iter: int, points: int) -> np.ndarray:
    """0 and about ``points`` log-spaced steps up to max_iter."""
    return np.unique(np.concatenate([[0], np.round(np.logspace(0, np.log10(max_iter), points)).astype(int)]))


def all_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


@dataclass(repr=False)
class GDResult:
    """Per-trial outcome of ``simulate_gd`` and ``simulate_gd_channels``; ``iterations`` is -1
    where not converged. The states are those of ``numerics.gd.status``.

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


def _result(status, iterations, l0, final, steps_run, t0, record, track, max_tau, max_sigma, extra):
    return GDResult(
        iterations=iterations,
        converged=status == CONVERGED,
        diverged=status == DIVERGED,
        underflowed=status == UNDERFLOWED,
        initial_loss=l0,
        final_loss=final,
        steps_run=int(steps_run),
        seconds=time.perf_counter() - t0,
        record=record,
        max_tau=max_tau if track else None,
        max_sigma=max_sigma if track else None,
        extra=extra,
    )


# ----------------------------------------------------------------------------- compiled
def new_outputs(trials: int, d: int, rec_steps: np.ndarray, final_shape: tuple, gain_shape: tuple) -> Outputs:
    """Output arrays of a compiled run: NaN where a trial never writes (records past its stop)."""
    nan = lambda shape: np.full(shape, np.nan)  # noqa: E731
    return Outputs(
        status=np.zeros(trials, np.int64),
        iterations=np.full(trials, -1, np.int64),
        initial_loss=nan(trials),
        final_loss=nan(trials),
        stop_step=np.zeros(trials, np.int64),
        max_tau=np.zeros(trials),
        max_sigma=np.zeros(trials),
        rec_loss=nan((len(rec_steps), trials)),
        rec_grad=nan((len(rec_steps), trials, d)),
        rec_norm=nan((len(rec_steps), trials, d)),
        final_re=nan(final_shape),
        final_im=nan(final_shape),
        final_gain=nan(gain_shape),
        final_bias=nan(gain_shape),
    )


def run_trials(call: Callable[[int, int], None], trials: int, threads: int, progress: bool) -> None:
    """``call(first, last)`` over chunks of trials, on ``threads`` threads (chunks are handed
    out as threads free up, so trials that stop early do not idle a core)."""
    threads = max(1, min(threads, trials))
    if threads == 1 and not progress:
        call(0, trials)
        return
    chunk = max(1, trials // (50 if progress else 4 * threads))
    bounds = [(a, min(a + chunk, trials)) for a in range(0, trials, chunk)]
    done, last_print = 0, time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        for fut in as_completed([pool.submit(call, a, b) for a, b in bounds]):
            fut.result()
            done += 1
            if progress and time.perf_counter() - last_print > 2:
                last_print = time.perf_counter()
                print(f"\r  {done} of {len(bounds)} chunks of trials finished", end="", file=sys.stderr)
    if progress:
        print(file=sys.stderr)


def run_compiled(
    kernel: Callable, start: tuple, target: Any, opt: Options, out: Outputs, threads: int, progress: bool
) -> None:
    """Run ``kernel(*start, target, opt, first, last, out)`` on every trial, on all ``threads``."""
    trials = out.status.shape[0]
    run_trials(lambda a, b: kernel(*start, target, opt, a, b, out), trials, threads, progress)


def check_compiled_start(kernel: Callable, start: tuple, target: Any, opt: Options, out: Outputs) -> None:
    """Step 0 of every trial alone (max_iter = 0): refuse a start that is not finite."""
    kernel(*start, target, opt._replace(max_iter=0, track=False), 0, out.status.shape[0], out)
    check_start(out.initial_loss, out.status == UNDERFLOWED, out.status == DIVERGED)


def compiled_result(out: Outputs, rec_steps: np.ndarray, t0: float, track: bool, extra: dict) -> GDResult:
    record = None
    if len(rec_steps):
        record = {
            "steps": rec_steps,
            "loss": out.rec_loss,
            "grad_norms": out.rec_grad,
            "filter_norms": out.rec_norm,
        }
    return _result(
        out.status, out.iterations, out.initial_loss, out.final_loss, out.stop_step.max(), t0,
        record, track, out.max_tau, out.max_sigma, extra,
    )  # fmt: skip


# ----------------------------------------------------------------------------- NumPy
def run_numpy(
    state: Any, tol: np.ndarray, opt: Options, rec_steps: np.ndarray, progress: bool, extra: dict
) -> GDResult:
    """The batched NumPy loop: all active trials step together; finished ones leave.

    ``extra`` gets, per key of ``state.snapshot()``, each trial's value when it stopped."""
    check_start(state.loss, state.small, state.overflow)
    trials, d = len(state.loss), state.d
    l0 = state.loss.copy()
    status = np.full(trials, RUNNING, np.int64)
    iterations = np.full(trials, -1)
    final = np.full(trials, np.nan)
    active = np.arange(trials)
    rec = None
    if len(rec_steps):
        rec = {"steps": rec_steps, "loss": np.full((len(rec_steps), trials), np.nan)}
        for key in ("grad_norms", "filter_norms"):
            rec[key] = np.full((len(rec_steps), trials, d), np.nan)
    max_tau = np.zeros(trials) if opt.track else None
    max_sigma = np.zeros(trials) if opt.track else None
    kept: dict[str, Any] = {}
    t0, last_print, k = time.perf_counter(), time.perf_counter(), 0
    while True:
        loss = state.loss
        if rec is not None and k in rec_steps:
            j = int(np.searchsorted(rec_steps, k))
            rec["loss"][j, active] = loss
            rec["grad_norms"][j, active] = state.grad_norms()
            rec["filter_norms"][j, active] = state.filter_norms()
        codes = classify_all(loss, l0[active], tol[active], opt.diverge_factor, state.small, state.overflow)
        finished = (codes != RUNNING) | (k == opt.max_iter)
        if finished.any():
            ids = active[finished]
            status[ids] = codes[finished]
            iterations[ids] = np.where(codes[finished] == CONVERGED, k, -1)
            final[ids] = loss[finished]
            _keep(kept, state.snapshot(), ids, finished, trials)
            active = active[~finished]
            if not active.size:
                break
            state.take(np.flatnonzero(~finished))
        if opt.track:
            tau, sig = state.conditions(opt.eta, opt.norm2)
            np.maximum.at(max_tau, active, tau)
            np.maximum.at(max_sigma, active, sig)
        with np.errstate(all="ignore"):
            state.step(opt.eta, opt.mu, opt.norm2)
        k += 1
        if progress and time.perf_counter() - last_print > 2:
            last_print = time.perf_counter()
            print(
                f"\r  step {k}/{opt.max_iter}, {active.size} of {trials} trials running",
                end="",
                file=sys.stderr,
            )
    if progress:
        print(file=sys.stderr)
    return _result(
        status, iterations, l0, final, k, t0, rec, opt.track, max_tau, max_sigma, {**extra, **kept}
    )


def _keep(kept: dict, snapshot: dict, ids: np.ndarray, finished: np.ndarray, trials: int) -> None:
    """Store the finished trials' snapshot (lists of per-layer arrays, trials first)."""
    for key, layers in snapshot.items():
        if key not in kept:
            kept[key] = [np.full((trials,) + a.shape[1:], np.nan) for a in layers]
        for store, a in zip(kept[key], layers):
            store[ids] = a[finished]
