"""Arrays: real tables of any real dtype, high-precision filters and signals, complex vectors."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from theory.validation.primitives import ArgumentTypeError, _got, _is_bool, _is_complex, _is_real, _plain

_KIND_NAMES = {"c": "complex numbers", "U": "strings", "S": "bytes", "M": "dates", "m": "time deltas"}


def _real_dtype_array(values: Any, name: str) -> np.ndarray:
    """``values`` as an ndarray of a real dtype (bool, int, float of any width), or an error
    saying what it holds; complex entries are refused, never truncated."""
    if isinstance(values, (str, bytes)) or values is None:
        raise ArgumentTypeError(f"{name} must be an array of real numbers, got {_got(values)}")
    try:
        arr = np.asarray(values)
    except (ValueError, TypeError):
        raise ValueError(
            f"{name} must be a rectangular array of real numbers (rows of equal length), got a ragged "
            f"{type(values).__name__}"
        ) from None
    if arr.dtype.kind == "O":  # Python ints too big for int64, mpf, or ragged/mixed entries
        flat = list(arr.ravel())
        if any(_is_complex(v) for v in flat):
            raise ArgumentTypeError(
                f"{name} must contain real numbers, found complex numbers (not truncated)"
            )
        if all(_is_real(v) or type(v).__name__ == "mpf" for v in flat):
            try:
                arr = np.array([float(v) for v in flat], dtype=float).reshape(arr.shape)
            except OverflowError:
                raise ValueError(
                    f"{name} must contain only finite real numbers, found a number beyond 1.8e308"
                ) from None
    if arr.dtype.kind not in "biuf":
        what = _KIND_NAMES.get(arr.dtype.kind, "ragged rows or non-numeric entries")
        err = ValueError if what.startswith("ragged") else ArgumentTypeError
        raise err(f"{name} must contain real numbers, found {what}")
    return arr


def _check_finite(arr: np.ndarray, name: str) -> None:
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        where = f" at index {bad[0] if len(bad) == 1 else bad}" if bad else ""
        raise ValueError(f"{name} must contain only finite real numbers, found {arr[bad]!r}{where}")


def real_array(values: Any, name: str, ndims: Sequence[int], shape: str = "") -> np.ndarray:
    """A finite float64 array with one of the dimensions ``ndims``, from a rectangular table
    of real numbers of any real dtype (bool, int, float16/32/64: exact in float64; no strings,
    complex numbers, ragged rows or objects)."""
    arr = _real_dtype_array(values, name)
    if arr.ndim not in ndims:
        want = shape or "a " + " or ".join(f"{k}-D" for k in ndims) + " array"
        raise ValueError(f"{name} must have shape {want}, got a {arr.ndim}-D array of shape {arr.shape}")
    if arr.dtype.kind in "iu" and arr.size and np.abs(arr).max() >= 2**53:
        raise ValueError(f"{name}: integers beyond 2^53 are not exact in float64; give floats")
    arr = arr.astype(float)
    _check_finite(arr, name)
    return arr


def _mp_real(v: Any, name: str) -> Any:
    """One entry of a high-precision input: a real number (any real dtype, bools as 0/1), an
    mpf or a decimal string; returned as a Python number, mpf or string."""
    import mpmath

    v = _plain(v)
    if type(v) is float:  # the common case, without building an mpf
        if not math.isfinite(v):
            raise ValueError(f"{name} must contain only finite real numbers, found {v!r}")
        return v
    if type(v) is int:
        return v
    if isinstance(v, str):
        try:
            m = mpmath.mpf(v)
        except (ValueError, TypeError):
            raise ValueError(f"{name} must contain real numbers or decimal strings, found {v!r}") from None
    elif isinstance(v, np.floating):  # a longdouble (other NumPy floats are Python floats here)
        m = mpmath.mpf(0) if np.isfinite(v) else mpmath.nan
    elif _is_real(v) or isinstance(v, mpmath.mpf):
        m = mpmath.mpf(v)
    elif _is_complex(v):
        raise ArgumentTypeError(
            f"{name} must contain real numbers, found the complex number {v!r} (not truncated)"
        )
    elif isinstance(v, (list, tuple, np.ndarray)):
        raise ValueError(
            f"{name} has one dimension too many: found the entry {_got(v)} where a number belongs"
        )
    else:
        raise ArgumentTypeError(f"{name} must contain real numbers, found {_got(v)}")
    if not mpmath.isfinite(m):
        raise ValueError(f"{name} must contain only finite real numbers, found {v!r}")
    return v


def _rows(values: Any, name: str) -> list:
    if isinstance(values, (str, bytes)) or values is None:
        raise ArgumentTypeError(f"{name} must be a sequence of real numbers, got {_got(values)}")
    if isinstance(values, np.ndarray):
        return values.tolist()
    try:
        return list(values)
    except TypeError:
        raise ArgumentTypeError(f"{name} must be a sequence, got {_got(values)}") from None


def _exact_list(arr: np.ndarray) -> list:
    """An ndarray of a real dtype as nested Python numbers holding the same values."""
    if arr.dtype.kind == "b":
        arr = arr.astype(np.int64)
    elif arr.dtype.kind == "f" and arr.dtype != np.float64:
        arr = arr.astype(np.float64)  # float16/float32 -> float64 is exact
    return arr.tolist()


def as_filters(filters: Any, name: str = "filters") -> list[list[Any]]:
    """A d x n table of finite real numbers (any real dtype, mpf, strings of decimals)."""
    if isinstance(filters, np.ndarray) and filters.dtype.kind != "O":
        arr = _real_dtype_array(filters, name)
        if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 2:
            raise ValueError(
                f"{name} must be a d x n table (2-D) with d >= 1 and n >= 2, got shape {arr.shape}"
            )
        _check_finite(arr, name)
        return _exact_list(arr)
    rows = _rows(filters, name)
    if rows and all(_is_real(r) or _is_complex(r) or isinstance(r, str) for r in rows):
        raise ValueError(f"{name} must be a d x n table (2-D), got a 1-D sequence of length {len(rows)}")
    rows = [_rows(r, f"each row of {name}") for r in rows]
    if not rows:
        raise ValueError(f"{name} must be a non-empty d x n table (2-D) of real numbers, got an empty one")
    n = len(rows[0])
    if n < 2 or any(len(r) != n for r in rows):
        lengths = sorted({len(r) for r in rows})
        raise ValueError(
            f"{name} must be a d x n table with n >= 2 and rows of equal length, got row lengths {lengths}"
        )
    return [[_mp_real(v, name) for v in r] for r in rows]


def as_signal(values: Any, n: int, name: str) -> list[Any]:
    """A vector of n finite real numbers (any real dtype, mpf, strings of decimals)."""
    if isinstance(values, np.ndarray) and values.dtype.kind != "O":
        arr = _real_dtype_array(values, name)
        if arr.ndim != 1:
            raise ValueError(
                f"{name} must be a vector of length n = {n}, got a {arr.ndim}-D array of shape {arr.shape}"
            )
        _check_finite(arr, name)
        if arr.shape != (n,):
            raise ValueError(f"{name} must have length n = {n} (the filters'), got length {arr.shape[0]}")
        return _exact_list(arr)  # Python floats and ints: finite, nothing more to check
    else:
        vals = _rows(values, name)
        if any(isinstance(v, (list, tuple, np.ndarray)) for v in vals):
            shape = np.shape(np.asarray(values, dtype=object))
            raise ValueError(
                f"{name} must be a vector of length n = {n}, got a {len(shape)}-D table of shape {shape}"
            )
    if len(vals) != n:
        raise ValueError(f"{name} must have length n = {n} (the filters'), got length {len(vals)}")
    return [_mp_real(v, name) for v in vals]


def as_complex_vector_entries(values: Any, name: str) -> list[Any]:
    """The entries of a non-empty sequence of finite real or complex numbers, as given."""
    entries = _rows(values, name)
    as_complex_vector(entries, name)
    return entries


def as_complex_vector(values: Sequence[Any], name: str) -> list[Any]:
    """A non-empty sequence of finite real or complex numbers, as mpc."""
    import mpmath

    vals = []
    for v in _rows(values, name):
        if isinstance(v, (list, tuple, np.ndarray)):
            raise ValueError(f"{name} must be a vector (1-D) of numbers, found the entry {_got(v)}")
        if not (isinstance(v, (numbers.Number, np.number, mpmath.mpf, mpmath.mpc)) and not _is_bool(v)):
            raise ArgumentTypeError(f"{name} must contain numbers, found {_got(v)}")
        vals.append(mpmath.mpc(_plain(v)))
    if not vals:
        raise ValueError(f"{name} must be a non-empty sequence of complex numbers, got an empty one")
    if any(not mpmath.isfinite(v) for v in vals):
        raise ValueError(
            f"{name} must contain only finite numbers, found {next(v for v in vals if not mpmath.isfinite(v))}"
        )
    return vals
