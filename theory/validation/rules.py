"""Rules by parameter name (``RULES``) and the ``checked`` decorator that applies them to a public function."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from theory.validation.arrays import (
    _check_finite,
    _real_dtype_array,
    _rows,
    as_complex_vector_entries,
    real_array,
)
from theory.validation.primitives import (
    DPS_RANGE,
    ArgumentTypeError,
    _got,
    _is_real,
    _plain,
    check_choice,
    check_flag,
    check_int,
    check_number,
    check_real,
)

#: A rule checks one argument and returns it normalized (NumPy scalars as Python numbers).
Rule = Callable[[Any, str], Any]


def integer(lo: int, hi: int | None = None) -> Rule:
    return lambda v, name: check_int(v, name, lo, hi)


def real(
    lo: float | None = None, hi: float | None = None, *, lo_open: bool = False, hi_open: bool = True
) -> Rule:
    """A finite real in the interval, returned as given (an mpf keeps its digits; NumPy
    scalars become Python numbers)."""

    def check(v: Any, name: str) -> Any:
        if type(v).__name__ == "mpf":
            import mpmath

            if not mpmath.isfinite(v):
                raise ValueError(f"{name} must be a finite real number, got {v}")
            check_real(float(v), name, lo, hi, lo_open=lo_open, hi_open=hi_open)
            return v
        check_real(v, name, lo, hi, lo_open=lo_open, hi_open=hi_open)
        return _plain(v)

    return check


def flag(v: Any, name: str) -> bool:
    return check_flag(v, name)


def optional(rule: Rule) -> Rule:
    return lambda v, name: None if v is None else rule(v, name)


def integers(lo: int, hi: int | None = None) -> Rule:
    """A non-empty sequence of integers in [lo, hi]."""

    def check(v: Any, name: str) -> tuple[int, ...]:
        vals = _rows(v, name) if not isinstance(v, range) else list(v)
        if not vals:
            raise ValueError(
                f"{name} must be a non-empty sequence of integers {'>= ' + str(lo) if hi is None else f'in [{lo}, {hi}]'}, got an empty one"
            )
        return tuple(check_int(x, f"each entry of {name}", lo, hi) for x in vals)

    return check


def reals(
    lo: float | None = None,
    hi: float | None = None,
    *,
    lo_open: bool = False,
    hi_open: bool = True,
    empty: bool = False,
) -> Rule:
    """A sequence of finite real numbers in the interval, non-empty unless ``empty``."""

    def check(v: Any, name: str) -> tuple[float, ...]:
        vals = _rows(v, name)
        if not vals and not empty:
            raise ValueError(f"{name} must be a non-empty sequence of real numbers, got an empty one")
        rule = real(lo, hi, lo_open=lo_open, hi_open=hi_open)
        return tuple(rule(x, f"each entry of {name}") for x in vals)

    return check


def complex_vector(v: Any, name: str) -> list[Any]:
    """A non-empty sequence of finite real or complex numbers (kept as given; NumPy scalars as Python)."""
    return [_plain(x) for x in as_complex_vector_entries(v, name)]


def mp_number(v: Any, name: str) -> Any:
    """A real (inf allowed): a Python or NumPy number, an mpf or a decimal string (kept as given)."""
    if not (_is_real(v) or isinstance(v, str) or type(v).__name__ == "mpf"):
        raise ArgumentTypeError(f"{name} must be a real number, an mpf or a decimal string, got {_got(v)}")
    return _plain(v)


def function(v: Any, name: str) -> Callable:
    if not callable(v):
        raise ArgumentTypeError(f"{name} must be a function, got {_got(v)}")
    return v


def number(v: Any, name: str) -> Any:
    """A finite real or complex number (Python, NumPy or mpmath), returned as a Python or mpmath number."""
    return check_number(v, name)


def nonzero_number(v: Any, name: str) -> Any:
    return check_number(v, name, nonzero=True)


def vector(v: Any, name: str) -> np.ndarray:
    """A 1-D float64 array of finite reals with at least 2 entries."""
    arr = real_array(v, name, (1,), "(n,)")
    if arr.shape[0] < 2:
        raise ValueError(f"{name} must have length n >= 2, got length {arr.shape[0]}")
    return arr


def choices(*allowed: str) -> Rule:
    """A non-empty sequence of names out of ``allowed``."""

    def check(v: Any, name: str) -> tuple[str, ...]:
        vals = [v] if isinstance(v, str) else _rows(v, name)
        if not vals:
            raise ValueError(
                f"{name} must be a non-empty sequence out of {', '.join(map(repr, allowed))}, got an empty one"
            )
        return tuple(check_choice(x, f"each entry of {name}", allowed) for x in vals)

    return check


def same_length(n: int, **vectors: Any) -> None:
    """Each named vector has length n (the filters' or x's)."""
    for name, v in vectors.items():
        if len(v) != n:
            raise ValueError(f"{name} must have length n = {n}, got length {len(v)}")


def filter_table(v: Any, name: str) -> np.ndarray:
    """A float64 array (..., d, n) of finite reals."""
    arr = _real_dtype_array(v, name)
    if arr.ndim < 2 or arr.shape[-1] < 2 or arr.shape[-2] < 1:
        raise ValueError(f"{name} must have shape (..., d, n) with d >= 1 and n >= 2, got shape {arr.shape}")
    arr = arr.astype(float)
    _check_finite(arr, name)
    return arr


#: What a parameter of a given name means everywhere in the API.
def instance_of(cls: type) -> Rule:
    """An instance of ``cls`` (a record such as a sweep's configuration)."""

    def check(v: Any, name: str) -> Any:
        if not isinstance(v, cls):
            raise ArgumentTypeError(f"{name} must be a {cls.__name__}, got {_got(v)}")
        return v

    return check


def sequence_of(cls: type) -> Rule:
    """A sequence (possibly empty) of instances of ``cls``."""

    def check(v: Any, name: str) -> list[Any]:
        if isinstance(v, (str, bytes)) or not hasattr(v, "__iter__"):
            raise ArgumentTypeError(f"{name} must be a sequence of {cls.__name__}, got {_got(v)}")
        items = list(v)
        for item in items:
            if not isinstance(item, cls):
                raise ArgumentTypeError(f"each entry of {name} must be a {cls.__name__}, got {_got(item)}")
        return items

    return check


RULES: dict[str, Rule] = {
    "n": integer(2),
    "d": integer(1),
    "depth": integer(1),
    "k": integer(1),
    "trials": integer(1),
    "draws": integer(1),
    "pairs": integer(1),
    "steps": integer(1),
    "chunk": integer(1),
    "max_iter": integer(1, 2**62),
    "seed": integer(0),
    "layer": integer(0),
    "dps": integer(*DPS_RANGE),
    "depths": integers(1),
    "exponents": integers(1, 300),
    "eta": real(0, lo_open=True),
    "etas": reals(0, lo_open=True),
    "goal": real(0, 1, lo_open=True),
    "delta_1": real(0, lo_open=True),
    "small": real(0, lo_open=True),
    "normalized": flag,
    "relu": flag,
    "real": flag,
    "fast": flag,
    "progress": flag,
    "record": flag,
}


def checked(**rules: Rule | None) -> Callable[[Callable], Callable]:
    """Check a public function's arguments before it runs: each parameter named in ``RULES``
    (or in ``rules``, which override it; ``None`` opts out) is checked and replaced by its
    normalized value (NumPy scalars as Python numbers).

    >>> @checked()
    ... def area(n: int, normalized: bool = False) -> int:
    ...     return n * n
    >>> area(np.int64(3))
    9
    >>> area(3, normalized="no")
    Traceback (most recent call last):
    ...
    theory.validation.ArgumentTypeError: normalized must be True or False (a bool), got 'no' (str)
    """

    def decorate(fn: Callable) -> Callable:
        sig = inspect.signature(fn)
        table = {
            name: rule
            for name in sig.parameters
            if (rule := rules[name] if name in rules else RULES.get(name)) is not None
        }

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            bound = sig.bind(*args, **kwargs)
            for name, value in bound.arguments.items():
                if name in table:
                    bound.arguments[name] = table[name](value, name)
            return fn(*bound.args, **bound.kwargs)

        wrapper.__signature__ = sig  # type: ignore[attr-defined]
        return wrapper

    return decorate
