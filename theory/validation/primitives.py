"""Scalars: flags, integers, reals, choices, numbers, and the ArgumentTypeError every check raises for a wrong type."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

DPS_RANGE = (10, 5000)


#: What ``proofs_check --dps`` accepts: the whole default run finishes there (measured with
#: `proofs_check --dps N` on the 2-core machine: N = 60 in 99 s, N = 100 in 203 s, all pass;
#: the checks work at up to 2 N digits inside, and T5's ODE and the quadratures of T6/T7 grow
#: steeply beyond). The API functions accept DPS_RANGE; their docstrings give their cost.
CLI_DPS_RANGE = (10, 100)


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type (a flag that is not a bool, a complex number where a real
    one is meant, a string where an array is meant). A ``TypeError``; also a ``ValueError``
    because the API raised ``ValueError`` for these before (callers catching it keep working)."""

    __module__ = "theory.validation"  # where callers import it from (tracebacks, pickling)


def _got(value: Any) -> str:
    """What was received, for a message: its repr (shortened) and, when telling, its type."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    if isinstance(value, (np.ndarray, list, tuple)):
        shape = np.shape(value) if not isinstance(value, (list, tuple)) else f"length {len(value)}"
        return f"a {type(value).__name__} ({shape})"
    if isinstance(value, (bool, np.bool_, str, complex, np.complexfloating)) or value is None:
        return f"{text} ({type(value).__name__})"
    return text


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def _is_real(value: Any) -> bool:
    return isinstance(value, (numbers.Real, np.integer, np.floating)) and not _is_bool(value)


def _is_complex(value: Any) -> bool:
    if isinstance(value, (complex, np.complexfloating)):
        return True
    return type(value).__name__ == "mpc"


def check_flag(value: Any, name: str) -> bool:
    """True or False (a NumPy bool too); nothing else is read as a truth value."""
    if not _is_bool(value):
        raise ArgumentTypeError(f"{name} must be True or False (a bool), got {_got(value)}")
    return bool(value)


def check_int(value: Any, name: str, lo: int, hi: int | None = None) -> int:
    """An integer in [lo, hi] (a Python or NumPy integer; not a bool, not a float)."""
    rng = f"in [{lo}, {hi}]" if hi is not None else f">= {lo}"
    if not isinstance(value, (numbers.Integral, np.integer)) or _is_bool(value):
        raise ArgumentTypeError(f"{name} must be an integer {rng}, got {_got(value)}")
    value = int(value)
    if value < lo or (hi is not None and value > hi):
        shown = f"{value}" if abs(value) < 10**15 else f"{value:.3g}"
        raise ValueError(f"{name} must be an integer {rng}, got {shown}")
    return value


def check_real(
    value: Any,
    name: str,
    lo: float | None = None,
    hi: float | None = None,
    *,
    lo_open: bool = False,
    hi_open: bool = True,
) -> float:
    """A finite real number in the interval [lo, hi) (ends open or closed as asked)."""
    left = "(-inf" if lo is None else ("(" if lo_open else "[") + f"{lo:g}"
    right = "inf)" if hi is None else f"{hi:g}" + (")" if hi_open else "]")
    if not _is_real(value):
        raise ArgumentTypeError(f"{name} must be a real number in {left}, {right}, got {_got(value)}")
    try:
        v = float(value)
    except OverflowError:  # an int beyond the float range
        v = math.inf if value > 0 else -math.inf
    ok = math.isfinite(v) and (lo is None or (v > lo if lo_open else v >= lo))
    ok = ok and (hi is None or (v < hi if hi_open else v <= hi))
    if not ok:
        raise ValueError(f"{name} must be a real number in {left}, {right}, got {_got(value)}")
    return v


def check_positive(value: Any, name: str, *, upper: float | None = None, integer: bool = False) -> Any:
    """A finite number > 0 (and <= upper); an integer if asked."""
    if integer:
        return check_int(value, name, 1, None if upper is None else int(upper))
    return check_real(value, name, 0, upper, lo_open=True, hi_open=False)


def check_dps(dps: Any, name: str = "dps") -> int:
    return check_int(dps, name, *DPS_RANGE)


def check_choice(value: Any, name: str, choices: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        err = ValueError if isinstance(value, str) else ArgumentTypeError
        raise err(f"{name} must be one of {', '.join(map(repr, choices))}, got {_got(value)}")
    return value


def _plain(v: Any) -> Any:
    """A NumPy scalar as the Python number it holds (mpmath does not take NumPy scalars);
    float16/float32 values are exact in the Python float, bools become 0 or 1."""
    if isinstance(v, np.bool_) or isinstance(v, bool):
        return int(v)
    return v.item() if isinstance(v, np.generic) else v


def check_number(value: Any, name: str, *, nonzero: bool = False) -> Any:
    """A finite real or complex number (Python, NumPy or mpmath), nonzero if asked."""
    import mpmath

    if not isinstance(value, (numbers.Number, np.number, mpmath.mpf, mpmath.mpc)) or _is_bool(value):
        raise ArgumentTypeError(f"{name} must be a finite number, got {_got(value)}")
    value = _plain(value)
    v = mpmath.mpc(value)
    if not mpmath.isfinite(v):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if nonzero and v == 0:
        raise ValueError(f"{name} must be a finite nonzero number, got {value!r}")
    return value  # a Python or mpmath number
