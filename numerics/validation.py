"""Input validation shared by the numerics and the CLI: one-line ValueErrors naming the parameter."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

DPS_RANGE = (10, 5000)
#: What ``proofs_check --dps`` accepts: the whole default run finishes there (measured with
#: `proofs_check --dps N` on the 2-core machine: N = 60 in 99 s, N = 100 in 203 s, all pass;
#: the checks work at up to 2 N digits inside, and T5's ODE and the quadratures of T6/T7 grow
#: steeply beyond). The API functions accept DPS_RANGE; their docstrings give their cost.
CLI_DPS_RANGE = (10, 100)


def check_dps(dps: Any, name: str = "dps") -> int:
    lo, hi = DPS_RANGE
    if not isinstance(dps, (int, np.integer)) or isinstance(dps, bool) or not lo <= dps <= hi:
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}], got {dps!r}")
    return int(dps)


def check_positive(value: Any, name: str, *, upper: float | None = None, integer: bool = False) -> Any:
    """A finite number > 0 (and <= upper); an integer if asked."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if ok and integer:
        ok = float(value).is_integer()
    if not ok or not math.isfinite(float(value)) or value <= 0 or (upper is not None and value > upper):
        kind = "an integer" if integer else "a finite number"
        rng = f"in (0, {upper}]" if upper is not None else "> 0"
        raise ValueError(f"{name} must be {kind} {rng}, got {value!r}")
    return int(value) if integer else value


def as_filters(filters: Any, name: str = "filters") -> list[list[Any]]:
    """A d x n table of finite real numbers (floats, ints, mpf, strings of decimals)."""
    import mpmath

    rows = [list(row) for row in (filters.tolist() if isinstance(filters, np.ndarray) else filters)]
    if not rows or any(not isinstance(r, list) for r in rows):
        raise ValueError(f"{name} must be a non-empty d x n table of real numbers")
    n = len(rows[0])
    if n < 2 or any(len(r) != n for r in rows):
        raise ValueError(f"{name} must be a d x n table with n >= 2 and equal rows")
    for r in rows:
        for v in r:
            if not mpmath.isfinite(mpmath.mpf(v)):
                raise ValueError(f"{name} must contain only finite real numbers, found {v!r}")
    return rows


def as_signal(values: Any, n: int, name: str) -> list[Any]:
    import mpmath

    vals = list(values.tolist() if isinstance(values, np.ndarray) else values)
    if len(vals) != n:
        raise ValueError(f"{name} must have length n = {n}, got {len(vals)}")
    for v in vals:
        if not mpmath.isfinite(mpmath.mpf(v)):
            raise ValueError(f"{name} must contain only finite real numbers, found {v!r}")
    return vals


def as_complex_vector(values: Sequence[Any], name: str) -> list[complex]:
    import mpmath

    vals = [mpmath.mpc(v) for v in values]
    if not vals:
        raise ValueError(f"{name} must be a non-empty sequence of complex numbers")
    if any(not mpmath.isfinite(v) for v in vals):
        raise ValueError(f"{name} must contain only finite numbers")
    return vals
