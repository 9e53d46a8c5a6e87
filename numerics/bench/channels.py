"""Seconds per GD step of ``simulate_gd_channels``: compiled loop vs NumPy, plain and CN.

At each shape (n, k, d, trials) the same plain linear GD (fan-in filters, no CN, tol = 0,
so every trial runs all steps) is timed on

* ``compiled``: ``method="compiled"``, each trial alone in ``numerics.gd.compiled_channels``, on every core;
* ``numpy``: ``method="numpy"``, ``ChannelGD`` vectorized over trials;
* ``CN compiled``, ``CN numpy``: the same two paths with CN after every convolution (M3);
* ``numpy, 1 trial``: the NumPy path on the first trial only. Its arithmetic is 1/trials of
  the batch's, so its time per step is (almost all) per-call overhead: the same ~25 NumPy
  calls per layer and step on tiny arrays. ``overhead share`` = that time / the batch's time per step;
  the rest is arithmetic (einsum's loops over small matrices, temporaries, FFT-free here).

Every repetition times each path once, in turn (A/B interleaved in one process, so a load
change on a shared machine hits all paths alike); the table shows medians over the
repetitions. Steps per timing are calibrated so that one timing takes about ``--seconds``
(at least 50 steps). A timing includes the run's setup (FFTs, padding, final filters).

Run: ``python -m numerics.bench.channels`` (``--help`` for the options).
"""

from __future__ import annotations

import argparse

import numpy as np

from numerics.bench.simulator import _load, add_timing_arguments, interleaved_medians, machine
from numerics.gd.channel_gd import simulate_gd_channels
from numerics.hp.channels import random_channel_filters

SHAPES = ((16, 2, 4, 16), (16, 2, 8, 64), (16, 4, 4, 16), (16, 4, 8, 64), (64, 4, 10, 256))


def _path(x: np.ndarray, y: np.ndarray, filters: list[np.ndarray], eta: float, method: str, cn: bool = False):
    def go(steps: int):
        res = simulate_gd_channels(
            x, y, filters, eta=eta, normalized=cn, max_iter=steps, tol=0, method=method
        )
        if res.diverged.any() or res.underflowed.any():
            raise RuntimeError(f"channel_bench: {method} stopped early; lower eta")
        return res

    return go


def measure(
    n: int, k: int, d: int, trials: int, eta: float, repeats: int, seconds: float
) -> dict[str, float]:
    """Median seconds per step of each path at one shape, A/B interleaved over ``repeats``."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(2, n))
    filters = random_channel_filters(n, d, k, trials=trials, seed=1)
    paths = {
        "compiled": _path(x, y, filters, eta, "compiled"),
        "numpy": _path(x, y, filters, eta, "numpy"),
        "numpy, 1 trial": _path(x, y, [f[:1] for f in filters], eta, "numpy"),
        "CN compiled": _path(x, y, filters, eta, "compiled", cn=True),
        "CN numpy": _path(x, y, filters, eta, "numpy", cn=True),
    }
    return interleaved_medians(paths, repeats, seconds, min_steps=50)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m numerics.bench.channels", description=__doc__.split("\n")[0]
    )
    add_timing_arguments(parser, eta=1e-4)
    args = parser.parse_args(argv)
    print("machine: " + ", ".join(f"{key} {v}" for key, v in machine().items()))
    print(f"load average before: {_load()} (the machine may be shared: ratios are A/B interleaved)")
    print(
        f"medians of {args.repeats} interleaved repetitions, ~{args.seconds:g} s per timing, eta = {args.eta:g}"
    )
    print(
        f"\n  {'n:k:d:trials':<14} {'compiled s/step':>16} {'numpy s/step':>13} {'speedup':>8}"
        f" {'numpy 1 trial':>14} {'overhead share':>15} {'CN compiled':>12} {'CN numpy':>10} {'CN speedup':>11}"
    )
    for n, k, d, trials in SHAPES:
        sec = measure(n, k, d, trials, args.eta, args.repeats, args.seconds)
        print(
            f"  {f'{n}:{k}:{d}:{trials}':<14} {sec['compiled']:>16.3e} {sec['numpy']:>13.3e}"
            f" {sec['numpy'] / sec['compiled']:>7.1f}x {sec['numpy, 1 trial']:>14.3e}"
            f" {min(1.0, sec['numpy, 1 trial'] / sec['numpy']):>14.0%}"
            f" {sec['CN compiled']:>12.3e} {sec['CN numpy']:>10.3e} {sec['CN numpy'] / sec['CN compiled']:>10.1f}x"
        )
    print(f"load average after: {_load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
