"""Argument types for the command lines (``proofs_check``, ``proofs_check paper``, the
benchmarks): the same ranges as the Python API, and a one-line ``ArgumentTypeError`` that
``argparse`` turns into exit code 2.

>>> int_in(1, 64)("8"), float_in(0.0, 1.0)("0.5")
(8, 0.5)
>>> int_in(1, 64)("0")
Traceback (most recent call last):
...
argparse.ArgumentTypeError: must be an integer in [1, 64], got 0
"""

from __future__ import annotations

import argparse
from collections.abc import Callable


def int_in(lo: int, hi: int | None = None) -> Callable[[str], int]:
    """An integer in [lo, hi] (no upper end when ``hi`` is None)."""

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if v < lo or (hi is not None and v > hi):
            rng = f"an integer in [{lo}, {hi}]" if hi is not None else f"an integer >= {lo}"
            raise argparse.ArgumentTypeError(f"must be {rng}, got {v}")
        return v

    return parse


def float_in(lo: float, hi: float, *, lo_open: bool = False, hi_open: bool = True) -> Callable[[str], float]:
    """A finite number between lo and hi, each end open or closed as asked (default [lo, hi))."""
    left, right = "(" if lo_open else "[", ")" if hi_open else "]"

    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        above = v > lo if lo_open else v >= lo
        below = v < hi if hi_open else v <= hi
        if not (above and below):  # also rejects nan
            raise argparse.ArgumentTypeError(f"must be a number in {left}{lo}, {hi}{right}, got {text!r}")
        return v

    return parse
