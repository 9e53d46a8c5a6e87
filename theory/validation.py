"""Input validation shared by the numerics and the CLI: one-line ValueErrors naming the parameter.

Every public function of the toolkit starts with one call into this module, which checks
all of its arguments before any work is done, so a bad value gives a ``ValueError`` that
names the parameter and its allowed range, never a ``TypeError`` from deep inside NumPy or
mpmath, and never a silently converted value. The rules:

* numbers are ``int``/``float`` or their NumPy scalars (``np.int64``, ``np.float32`` ...);
  ``bool``, strings, complex numbers (where reals are meant) and ``None`` are rejected;
* arrays must be rectangular (not ragged), of a real numeric dtype, finite, of the stated
  shape; a string is never read as a sequence of characters;
* sizes are bounded so that nothing accepted exhausts memory (``memory_needed`` against
  ``available_memory``) or asks SymPy for an expression it cannot build in seconds.

>>> check_int(np.int64(3), "d", 1)
3
>>> check_real(True, "momentum", 0, 1)
Traceback (most recent call last):
...
ValueError: momentum must be a real number in [0, 1), got True
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

DPS_RANGE = (10, 5000)
#: What ``proofs_check --dps`` accepts: the whole default run finishes there (measured with
#: `proofs_check --dps N` on the 2-core machine: N = 60 in 99 s, N = 100 in 203 s, all pass;
#: the checks work at up to 2 N digits inside, and T5's ODE and the quadratures of T6/T7 grow
#: steeply beyond). The API functions accept DPS_RANGE; their docstrings give their cost.
CLI_DPS_RANGE = (10, 100)

#: closed_form_gradients builds d convolutions of n symbolic taps: about n^2 d terms.
SYMBOLIC_MAX_TERMS = 20_000

#: bytes ``simulate_gd`` holds per (trial, layer, tap): filters, spectra, buffers, temporaries.
SIM_BYTES_PER_ENTRY = 96


# ----------------------------------------------------------------------------- scalars
def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def _is_real(value: Any) -> bool:
    return isinstance(value, (numbers.Real, np.integer, np.floating)) and not _is_bool(value)


def check_flag(value: Any, name: str) -> bool:
    """True or False (a NumPy bool too); nothing else is read as a truth value."""
    if not _is_bool(value):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_int(value: Any, name: str, lo: int, hi: int | None = None) -> int:
    """An integer in [lo, hi] (a Python or NumPy integer; not a bool, not a float)."""
    if not isinstance(value, (numbers.Integral, np.integer)) or _is_bool(value):
        ok = False
    else:
        value = int(value)
        ok = value >= lo and (hi is None or value <= hi)
    if not ok:
        rng = f"in [{lo}, {hi}]" if hi is not None else f">= {lo}"
        raise ValueError(f"{name} must be an integer {rng}, got {value!r}")
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
    ok = _is_real(value) and math.isfinite(float(value))
    if ok:
        v = float(value)
        ok = (lo is None or (v > lo if lo_open else v >= lo)) and (
            hi is None or (v < hi if hi_open else v <= hi)
        )
    if not ok:
        left = "(-inf" if lo is None else ("(" if lo_open else "[") + f"{lo:g}"
        right = "inf)" if hi is None else f"{hi:g}" + (")" if hi_open else "]")
        raise ValueError(f"{name} must be a real number in {left}, {right}, got {value!r}")
    return float(value)


def check_positive(value: Any, name: str, *, upper: float | None = None, integer: bool = False) -> Any:
    """A finite number > 0 (and <= upper); an integer if asked."""
    if integer:
        return check_int(value, name, 1, None if upper is None else int(upper))
    return check_real(value, name, 0, upper, lo_open=True, hi_open=False)


def check_dps(dps: Any, name: str = "dps") -> int:
    return check_int(dps, name, *DPS_RANGE)


def check_choice(value: Any, name: str, choices: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return value


# ----------------------------------------------------------------------------- arrays
def real_array(values: Any, name: str, ndims: Sequence[int], shape: str = "") -> np.ndarray:
    """A finite float64 array with one of the dimensions ``ndims``, from a rectangular table
    of real numbers (no strings, booleans, complex numbers, ragged rows or objects)."""
    if isinstance(values, (str, bytes)) or values is None:
        raise ValueError(f"{name} must be an array of real numbers, got {type(values).__name__}")
    try:
        arr = np.asarray(values)
    except (ValueError, TypeError):
        raise ValueError(
            f"{name} must be a rectangular array of real numbers (rows of equal length)"
        ) from None
    if arr.dtype.kind == "O":
        try:
            arr = np.asarray(values, dtype=float) if all(_is_real(v) for v in arr.ravel()) else arr
        except (ValueError, TypeError):
            pass
    if arr.dtype.kind not in "iuf":
        kind = {"b": "booleans", "c": "complex numbers", "U": "strings", "S": "strings"}.get(
            arr.dtype.kind, "ragged or non-numeric entries"
        )
        raise ValueError(f"{name} must contain real numbers, found {kind}")
    if arr.ndim not in ndims:
        want = shape or "a " + " or ".join(f"{k}-D" for k in ndims) + " array"
        raise ValueError(f"{name} must have shape {want}, got shape {arr.shape}")
    arr = arr.astype(float)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must contain only finite numbers")
    return arr


def _plain(v: Any) -> Any:
    """A NumPy scalar as the Python number it holds (mpmath does not take NumPy scalars)."""
    return v.item() if isinstance(v, np.generic) else v


def _mp_real(v: Any, name: str) -> Any:
    """One entry of a high-precision input: a real number, an mpf or a decimal string;
    returned as a Python number, mpf or string."""
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
    elif _is_real(v) or isinstance(v, mpmath.mpf):
        m = mpmath.mpf(v)
    else:
        raise ValueError(f"{name} must contain real numbers, found {v!r} ({type(v).__name__})")
    if not mpmath.isfinite(m):
        raise ValueError(f"{name} must contain only finite real numbers, found {v!r}")
    return v


def _rows(values: Any, name: str) -> list:
    if isinstance(values, (str, bytes)) or values is None:
        raise ValueError(f"{name} must be a sequence of real numbers, got {type(values).__name__}")
    if isinstance(values, np.ndarray):
        return values.tolist()
    try:
        return list(values)
    except TypeError:
        raise ValueError(f"{name} must be a sequence, got {type(values).__name__}") from None


def as_filters(filters: Any, name: str = "filters") -> list[list[Any]]:
    """A d x n table of finite real numbers (floats, ints, mpf, strings of decimals)."""
    if isinstance(filters, np.ndarray) and filters.dtype.kind in "iuf" and filters.ndim == 2:
        if filters.shape[0] < 1 or filters.shape[1] < 2:
            raise ValueError(f"{name} must be a non-empty d x n table with n >= 2, got shape {filters.shape}")
        if not np.isfinite(filters).all():
            raise ValueError(f"{name} must contain only finite real numbers")
        return filters.tolist()
    rows = [_rows(r, f"each row of {name}") if not _is_real(r) else r for r in _rows(filters, name)]
    if not rows or any(not isinstance(r, list) for r in rows):
        raise ValueError(f"{name} must be a non-empty d x n table (2-D) of real numbers")
    n = len(rows[0])
    if n < 2 or any(len(r) != n for r in rows):
        raise ValueError(f"{name} must be a d x n table with n >= 2 and rows of equal length")
    return [[_mp_real(v, name) for v in r] for r in rows]


def as_signal(values: Any, n: int, name: str) -> list[Any]:
    """A vector of n finite real numbers (floats, ints, mpf, strings of decimals)."""
    vals = _rows(values, name)
    if len(vals) != n:
        raise ValueError(f"{name} must have length n = {n}, got length {len(vals)}")
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
        if not (isinstance(v, (numbers.Number, np.number, mpmath.mpf, mpmath.mpc)) and not _is_bool(v)):
            raise ValueError(f"{name} must contain numbers, found {v!r} ({type(v).__name__})")
        vals.append(mpmath.mpc(_plain(v)))
    if not vals:
        raise ValueError(f"{name} must be a non-empty sequence of complex numbers")
    if any(not mpmath.isfinite(v) for v in vals):
        raise ValueError(f"{name} must contain only finite numbers")
    return vals


def check_number(value: Any, name: str, *, nonzero: bool = False) -> Any:
    """A finite real or complex number (Python, NumPy or mpmath), nonzero if asked."""
    import mpmath

    if not isinstance(value, (numbers.Number, np.number, mpmath.mpf, mpmath.mpc)) or _is_bool(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    value = _plain(value)
    v = mpmath.mpc(value)
    if not mpmath.isfinite(v):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if nonzero and v == 0:
        raise ValueError(f"{name} must be a finite nonzero number, got {value!r}")
    return value  # a Python or mpmath number


# ----------------------------------------------------------------------------- memory
def available_memory() -> int:
    """Bytes the system can still hand out (MemAvailable), or total RAM if unknown."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30


def memory_needed(trials: int, depth: int, n: int, bytes_per_entry: int = SIM_BYTES_PER_ENTRY) -> int:
    """Bytes a batch of ``trials`` networks of ``depth`` filters of length ``n`` needs."""
    return int(trials) * int(depth) * int(n) * bytes_per_entry


def check_memory(needed: int, what: str) -> None:
    """Refuse before allocating when ``needed`` bytes exceed 80% of the available memory."""
    avail = available_memory()
    if needed > 0.8 * avail:
        raise ValueError(
            f"{what} needs about {needed / 2**30:.3g} GiB of memory, "
            f"more than the {0.8 * avail / 2**30:.3g} GiB available; reduce it"
        )


# ----------------------------------------------------------------------------- public API
def closed_form_arguments(n: Any, d: Any, normalized: Any = False, **_: Any) -> tuple[int, int]:
    """``theory.closed_form_gradients``: 2 <= n, 1 <= d, n^2 d <= SYMBOLIC_MAX_TERMS."""
    n, d = check_int(n, "n", 2), check_int(d, "d", 1)
    check_flag(normalized, "normalized")
    if n * n * d > SYMBOLIC_MAX_TERMS:
        raise ValueError(
            f"n and d must satisfy n^2 d <= {SYMBOLIC_MAX_TERMS}, got n^2 d = {n * n * d} "
            f"(SymPy would take minutes); use numerics.grad_norms for large sizes"
        )
    return n, d


def random_filters_arguments(
    trials: Any, depth: Any, n: Any, sigma2: Any = None, seed: Any = 0, length: Any = None, **_: Any
) -> None:
    """``numerics.random_filters``: sizes >= 1 (n >= 2), sigma2 > 0, seed >= 0, 1 <= length <= n."""
    trials, depth, n = check_int(trials, "trials", 1), check_int(depth, "depth", 1), check_int(n, "n", 2)
    if sigma2 is not None:
        check_real(sigma2, "sigma2", 0, lo_open=True)
    check_int(seed, "seed", 0)
    if length is not None:
        check_int(length, "length", 1, n)
    check_memory(
        memory_needed(trials, depth, n, 16), f"random_filters(trials={trials}, depth={depth}, n={n})"
    )


def simulate_gd_arguments(
    x: Any,
    y: Any,
    filters: Any,
    eta: Any,
    normalized: Any = False,
    max_iter: Any = 10000,
    tol: Any = 1e-3,
    momentum: Any = 0.0,
    filter_length: Any = None,
    method: Any = "auto",
    record: Any = False,
    record_points: Any = 40,
    diverge_factor: Any = 1e8,
    track_conditions: Any = False,
    progress: Any = False,
    layer_step: Any = "constant",
    **_: Any,
) -> tuple[float, int, Any, float, int | None]:
    """``numerics.simulate_gd``; returns eta, max_iter, tol, momentum, filter_length as
    Python numbers (tol: a float or one float per trial)."""
    f = real_array(filters, "filters", (2, 3), "(trials, d, n) or (d, n)")
    trials, d, n = (1, *f.shape) if f.ndim == 2 else f.shape
    if trials < 1 or d < 1 or n < 2:
        raise ValueError(
            f"filters must have shape (trials, d, n) or (d, n) with d >= 1 and n >= 2, got {f.shape}"
        )
    for name, v in (("x", x), ("y", y)):
        arr = real_array(v, name, (1,), "(n,)")
        if arr.shape != (n,):
            raise ValueError(
                f"x and y must be vectors of length n = {n} (the filters'); {name} has length {arr.shape[0]}"
            )
    eta = check_real(eta, "eta", 0, lo_open=True)
    for name, v in (("normalized", normalized), ("record", record), ("track_conditions", track_conditions)):
        check_flag(v, name)
    check_flag(progress, "progress")
    max_iter = check_int(max_iter, "max_iter", 1, 2**62)
    if _is_real(tol):
        tol = check_real(tol, "tol", 0, 1)
    else:
        t = real_array(tol, "tol", (0, 1))
        if t.ndim == 1 and t.shape != (trials,):
            raise ValueError(f"tol must be one number or one per trial ({trials}), got length {t.shape[0]}")
        if ((t < 0) | (t >= 1)).any():
            raise ValueError("tol must be in [0, 1) for every trial")
        tol = t
    momentum = check_real(momentum, "momentum", 0, 1)
    if filter_length is not None:
        filter_length = check_int(filter_length, "filter_length", 1, n)
    check_choice(method, "method", ("auto", "fourier", "fourier-numpy", "time"))
    check_choice(layer_step, "layer_step", ("constant", "norm2"))
    check_int(record_points, "record_points", 1, 10**6)
    check_real(diverge_factor, "diverge_factor", 1, lo_open=True, hi_open=False)
    check_memory(memory_needed(trials, d, n), f"filters: {trials} x {d} x {n} taps")
    return eta, max_iter, tol, momentum, filter_length


def grad_norms_arguments(
    filters: Any, x: Any, y: Any, normalized: Any = False, dps: Any = 50, **_: Any
) -> tuple[list[list[Any]], list[Any], list[Any]]:
    """``numerics.grad_norms``: a d x n table, x and y of length n (real numbers, mpf or
    decimal strings), ``normalized`` a bool, dps in DPS_RANGE; returns filters, x, y with
    NumPy scalars made Python numbers."""
    rows = as_filters(filters)
    xs, ys = as_signal(x, len(rows[0]), "x"), as_signal(y, len(rows[0]), "y")
    check_flag(normalized, "normalized")
    check_dps(dps)
    return rows, xs, ys


def flow_time_arguments(
    z0: Any, a: Any, b: Any, goal: Any = 0.5, dps: Any = 30, **_: Any
) -> tuple[list[Any], Any, Any, float, int]:
    """``numerics.flow_time``: z0 a non-empty vector of finite numbers, a and b finite and
    nonzero, 0 < goal < 1, dps in DPS_RANGE; returns z0, a, b, goal, dps with NumPy
    scalars made Python numbers."""
    z = [_plain(v) for v in as_complex_vector_entries(z0, "z0")]
    a, b = check_number(a, "a", nonzero=True), check_number(b, "b", nonzero=True)
    return z, a, b, check_real(goal, "goal", 0, 1, lo_open=True), check_dps(dps)
