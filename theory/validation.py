"""Input validation shared by the numerics and the CLI: one-line errors naming the parameter.

Every public function of the toolkit starts with one call into this module, which checks
all of its arguments before any work is done. An argument of the wrong type gives an
``ArgumentTypeError`` (a ``TypeError``, and also a ``ValueError`` so that code written for
the earlier all-``ValueError`` API keeps working, as NumPy's ``AxisError`` is both), a value
out of range gives a ``ValueError``; both name the parameter, the allowed range and what was
received, never an error from deep inside NumPy or mpmath and never a silently converted value.
The rules:

* flags are ``bool`` or ``np.bool_`` only (``normalized='no'`` is a TypeError);
* integers are ``int`` or NumPy integers (``np.int64(8)``), never ``bool`` or ``float``;
* real numbers are ``int``/``float`` or their NumPy scalars; ``bool``, strings, complex
  numbers and ``None`` are refused, complex numbers are never truncated to their real part;
* arrays must be rectangular (not ragged), of a real dtype (bool, int, float16/32/64: read
  as the exact real values they hold), finite, of the stated shape; a string is never read as
  a sequence of characters;
* sizes are bounded before anything is allocated (``memory_needed`` against
  ``available_memory``; the error says how much memory the request would take), and SymPy is
  never asked for an expression it cannot build in seconds.

>>> check_int(np.int64(3), "d", 1)
3
>>> check_real(True, "momentum", 0, 1)
Traceback (most recent call last):
...
theory.validation.ArgumentTypeError: momentum must be a real number in [0, 1), got True (bool)
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
import os
from collections.abc import Callable, Sequence
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
#: channel_closed_form: about n^2 sum_i k_i k_{i-1} terms (widths 1, k, ..., k, 1), and its
#: M1 gradients cost more per term (measured on the shared 2-core machine, under load:
#: (n, d, k) = (16, 3, 2), 2048 terms, 3.1 s; (8, 4, 4), 2560 terms, 7.7 s; (10, 4, 4),
#: 4000 terms, about 4 min under tracemalloc): the bound keeps a call to about 10 s.
CHANNEL_SYMBOLIC_MAX_TERMS = 3_000
#: peak Python heap per term of those expressions (tracemalloc: channel_closed_form(8, 3, 4),
#: 1536 terms, 4.0 MB; (10, 4, 4), 4000 terms, 3.0 MB)
SYMBOLIC_BYTES_PER_TERM = 3_000

#: bytes ``simulate_gd`` holds per (trial, layer, tap): filters, spectra, buffers, temporaries.
SIM_BYTES_PER_ENTRY = 96


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type (a flag that is not a bool, a complex number where a real
    one is meant, a string where an array is meant). A ``TypeError``; also a ``ValueError``
    because the API raised ``ValueError`` for these before (callers catching it keep working)."""


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


# ----------------------------------------------------------------------------- scalars
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


# ----------------------------------------------------------------------------- arrays
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


def _plain(v: Any) -> Any:
    """A NumPy scalar as the Python number it holds (mpmath does not take NumPy scalars);
    float16/float32 values are exact in the Python float, bools become 0 or 1."""
    if isinstance(v, np.bool_) or isinstance(v, bool):
        return int(v)
    return v.item() if isinstance(v, np.generic) else v


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


# ----------------------------------------------------------------------------- memory
def available_memory() -> int:
    """Bytes the system can still hand out (MemAvailable), or total RAM if unknown; at most
    the address-space limit of this process (``ulimit -v``) when one is set."""
    avail = None
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
                    break
    except OSError:
        pass
    if avail is None:
        try:
            avail = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError, AttributeError):
            avail = 8 * 2**30
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            avail = min(avail, soft)
    except (ImportError, OSError, ValueError):
        pass
    return avail


def memory_needed(trials: int, depth: int, n: int, bytes_per_entry: int = SIM_BYTES_PER_ENTRY) -> int:
    """Bytes a batch of ``trials`` networks of ``depth`` filters of length ``n`` needs."""
    return int(trials) * int(depth) * int(n) * bytes_per_entry


def _bytes(needed: float) -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if needed >= size:
            return f"{needed / size:.3g} {unit}"
    return f"{needed / 2**10:.3g} KiB"


def check_memory(needed: int, what: str) -> None:
    """Refuse before allocating when ``needed`` bytes exceed 80% of the available memory;
    the message says how much the request would take."""
    avail = available_memory()
    if needed > 0.8 * avail:
        raise ValueError(
            f"{what} needs about {_bytes(needed)} of memory, "
            f"more than the {_bytes(0.8 * avail)} available; reduce it"
        )


# ----------------------------------------------------------------------------- public API
def symbolic_terms(n: int, d: int, k: int = 1) -> int:
    """Terms of the SymPy network of length n, depth d and width k: n^2 sum_i k_i k_{i-1}
    with widths 1, k, ..., k, 1 (n^2 d at k = 1)."""
    widths = [1] + [k] * (d - 1) + [1]
    return n * n * sum(a * b for a, b in zip(widths, widths[1:]))


def check_symbolic_size(n: int, d: int, k: int | None = None) -> None:
    """Refuse, before any SymPy work, a network SymPy could not build in seconds (``k``
    None: the one-channel ``closed_form_gradients``; else ``channel_closed_form``)."""
    terms = symbolic_terms(n, d, k or 1)
    limit = SYMBOLIC_MAX_TERMS if k is None else CHANNEL_SYMBOLIC_MAX_TERMS
    if terms > limit:
        dims = "n^2 d" if k is None else "n^2 (2k + (d - 2) k^2)"
        raise ValueError(
            f"n, d{', k' if k is not None else ''} must satisfy {dims} <= {limit}, got {terms:.3g} terms "
            f"(SymPy would need about {_bytes(terms * SYMBOLIC_BYTES_PER_TERM)} of memory and minutes); "
            f"use numerics.{'grad_norms' if k is None else 'channel_grad_norms'} for large sizes"
        )


def closed_form_arguments(n: Any, d: Any, normalized: Any = False, **_: Any) -> tuple[int, int]:
    """``theory.closed_form_gradients``: 2 <= n, 1 <= d, n^2 d <= SYMBOLIC_MAX_TERMS."""
    n, d = check_int(n, "n", 2), check_int(d, "d", 1)
    check_flag(normalized, "normalized")
    check_symbolic_size(n, d)
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


#: bytes a width-k simulation holds per (trial, layer, padded K x K entry, tap).
SIM_CHANNEL_BYTES_PER_ENTRY = 96


def _common_gd_arguments(
    n: int, trials: int, flags: dict, args: dict
) -> tuple[np.ndarray, np.ndarray, float, int, np.ndarray, float, int | None]:
    """The arguments both GD simulators share, from the caller's ``args`` (x, y, eta,
    max_iter, tol, momentum, record_points, diverge_factor, layer_step, threads) and its
    ``flags``; returns x, y, eta, max_iter, tol (one per trial), momentum, threads."""
    x, y, eta, max_iter, tol, momentum = (args[k] for k in ("x", "y", "eta", "max_iter", "tol", "momentum"))
    record_points, diverge_factor, layer_step, threads = (
        args[k] for k in ("record_points", "diverge_factor", "layer_step", "threads")
    )
    xs = []
    for name, v in (("x", x), ("y", y)):
        arr = real_array(v, name, (1,), "(n,)")
        if arr.shape != (n,):
            raise ValueError(
                f"x and y must be vectors of length n = {n} (the filters'); {name} has length {arr.shape[0]}"
            )
        xs.append(arr)
    eta = check_real(eta, "eta", 0, lo_open=True)
    for name, v in flags.items():
        check_flag(v, name)
    max_iter = check_int(max_iter, "max_iter", 1, 2**62)
    if _is_real(tol):
        tol = np.full(trials, check_real(tol, "tol", 0, 1))
    else:
        t = real_array(tol, "tol", (0, 1))
        if t.ndim == 1 and t.shape != (trials,):
            raise ValueError(f"tol must be one number or one per trial ({trials}), got length {t.shape[0]}")
        if ((t < 0) | (t >= 1)).any():
            raise ValueError("tol must be in [0, 1) for every trial")
        tol = np.broadcast_to(t, (trials,)).astype(float)
    momentum = check_real(momentum, "momentum", 0, 1)
    check_int(record_points, "record_points", 1, 10**6)
    check_real(diverge_factor, "diverge_factor", 1, lo_open=True, hi_open=False)
    check_choice(layer_step, "layer_step", ("constant", "norm2"))
    if threads is not None:
        threads = check_int(threads, "threads", 1, 4096)
    return xs[0], xs[1], eta, max_iter, tol, momentum, threads


def _record_bytes(record: Any, record_points: Any, trials: int, d: int) -> int:
    """The record: loss, gradient and filter norms at about ``record_points`` + 1 steps."""
    return 8 * (int(record_points) + 2) * trials * (2 * d + 1) if record else 0


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
    threads: Any = None,
    **_: Any,
) -> tuple:
    """``numerics.simulate_gd``: filters a real (trials, d, n) or (d, n) array (any real dtype,
    read exactly; complex refused), x and y of length n, eta > 0, 1 <= max_iter <= 2^62,
    tol in [0, 1) (one or one per trial), momentum in [0, 1), 1 <= filter_length <= n, flags
    strictly bool, memory checked before anything is allocated. Returns filters (float64,
    3-D), x, y, eta, max_iter, tol (one per trial), momentum, filter_length, threads."""
    f = real_array(filters, "filters", (2, 3), "(trials, d, n) or (d, n)")
    f = f[None] if f.ndim == 2 else f
    trials, d, n = f.shape
    if trials < 1 or d < 1 or n < 2:
        raise ValueError(
            "filters must have shape (trials, d, n) or (d, n) with trials >= 1, d >= 1 and n >= 2, "
            f"got {f.shape}"
        )
    flags = dict(normalized=normalized, record=record, track_conditions=track_conditions, progress=progress)
    x, y, eta, max_iter, tol, momentum, threads = _common_gd_arguments(n, trials, flags, locals())
    if filter_length is not None:
        filter_length = check_int(filter_length, "filter_length", 1, n)
    check_choice(method, "method", ("auto", "fourier", "fourier-numpy", "time"))
    check_memory(
        memory_needed(trials, d, n) + _record_bytes(record, record_points, trials, d),
        f"simulate_gd with {trials} x {d} x {n} taps" + (f" and {record_points} records" if record else ""),
    )
    return f, x, y, eta, max_iter, tol, momentum, filter_length, threads


def channel_layers(filters: Any) -> tuple[list[np.ndarray], list[int], int]:
    """d layers, layer i a real array (trials, k_i, k_{i-1}, n) (or (k_i, k_{i-1}, n) for one
    trial), chaining widths 1 -> k_1 -> ... -> 1; returns the float64 layers (trials first),
    the widths k_0..k_d and n."""
    if isinstance(filters, np.ndarray) or not isinstance(filters, (list, tuple)) or not filters:
        raise ValueError(
            "filters must be a non-empty list of d arrays, layer i of shape (trials, k_i, k_{i-1}, n), "
            f"got {type(filters).__name__}"
        )
    layers = [
        real_array(f, f"filters[{i}]", (3, 4), "(trials, k_i, k_{i-1}, n)") for i, f in enumerate(filters)
    ]
    if len({f.ndim for f in layers}) != 1:
        raise ValueError(
            "filters: every layer must have shape (trials, k_i, k_{i-1}, n), or every (k_i, k_{i-1}, n)"
        )
    layers = [f[None] if f.ndim == 3 else f for f in layers]
    trials, n = layers[0].shape[0], layers[0].shape[-1]
    ks = [1]
    for i, f in enumerate(layers):
        if f.shape[0] != trials or trials < 1:
            raise ValueError(
                f"filters: every layer must have the same number of trials >= 1, got shapes "
                f"{[a.shape for a in layers]}"
            )
        if f.shape[-1] != n or n < 2:
            raise ValueError(
                f"filters: every layer must have the same length n >= 2 (layer {i + 1}: {f.shape})"
            )
        if f.shape[2] != ks[-1] or f.shape[1] < 1:
            raise ValueError(
                f"filters: layer {i + 1} has shape {f.shape[1:]}, expected ({'k >= 1'}, {ks[-1]}, n)"
            )
        ks.append(f.shape[1])
    if ks[-1] != 1:
        raise ValueError(f"filters: the last layer must have one output channel, got {ks[-1]}")
    return layers, ks, n


def simulate_gd_channels_arguments(
    x: Any,
    y: Any,
    filters: Any,
    eta: Any,
    normalized: Any = False,
    relu: Any = False,
    max_iter: Any = 10000,
    tol: Any = 1e-3,
    momentum: Any = 0.0,
    record: Any = False,
    record_points: Any = 40,
    diverge_factor: Any = 1e8,
    method: Any = "auto",
    layer_step: Any = "constant",
    threads: Any = None,
    **_: Any,
) -> tuple:
    """``numerics.simulate_gd_channels``: the rules of ``simulate_gd_arguments`` for a list of
    layers (``channel_layers``); the memory of the padded state (trials x d x K^2 x n,
    K = max k_i) is checked before anything is allocated. Returns the layers, widths, x, y,
    eta, max_iter, tol (one per trial), momentum, threads."""
    layers, ks, n = channel_layers(filters)
    trials, d, K = layers[0].shape[0], len(layers), max(ks)
    flags = dict(normalized=normalized, relu=relu, record=record)
    x, y, eta, max_iter, tol, momentum, threads = _common_gd_arguments(n, trials, flags, locals())
    check_choice(method, "method", ("auto", "compiled", "numpy"))
    if method == "compiled" and relu:
        raise ValueError("method 'compiled' runs linear networks only (relu = False)")
    check_memory(
        memory_needed(trials, d * K * K, n, SIM_CHANNEL_BYTES_PER_ENTRY)
        + _record_bytes(record, record_points, trials, d),
        f"simulate_gd_channels with {trials} trials of {d} layers of up to {K} x {K} filters of {n} taps",
    )
    return layers, ks, x, y, eta, max_iter, tol, momentum, threads


def grad_norms_arguments(
    filters: Any, x: Any, y: Any, normalized: Any = False, dps: Any = 50, certified: Any = False, **_: Any
) -> tuple[list[list[Any]], list[Any], list[Any], bool]:
    """``numerics.grad_norms``: a d x n table, x and y of length n (real numbers, mpf or
    decimal strings), ``normalized`` and ``certified`` bools, dps in DPS_RANGE; returns
    filters, x, y (NumPy scalars made Python numbers) and ``certified``."""
    rows = as_filters(filters)
    check_flag(normalized, "normalized")
    dps = check_dps(dps)
    n = len(rows[0])
    limbs = 8 * (int(3.33 * (dps + 20)) // 64 + 1)  # an arb's mantissa, bytes
    check_memory(
        2 * n * n * (48 + limbs), f"filters of length n = {n} at dps = {dps} (two n x n arb DFT tables)"
    )
    return rows, as_signal(x, n, "x"), as_signal(y, n, "y"), check_flag(certified, "certified")


def flow_time_arguments(
    z0: Any, a: Any, b: Any, goal: Any = 0.5, dps: Any = 30, certified: Any = False, **_: Any
) -> tuple[list[Any], Any, Any, float, int, bool]:
    """``numerics.flow_time``: z0 a non-empty vector of finite numbers, a and b finite and
    nonzero, dps in DPS_RANGE, 10^-dps <= goal < 1 (a smaller residual goal |b| is not resolved
    at dps digits: refused before any work), certified a bool; returns z0, a, b, goal, dps,
    certified with NumPy scalars made Python numbers."""
    z = [_plain(v) for v in as_complex_vector_entries(z0, "z0")]
    a, b = check_number(a, "a", nonzero=True), check_number(b, "b", nonzero=True)
    goal, dps = check_real(goal, "goal", 0, 1, lo_open=True), check_dps(dps)
    if goal < 10.0 ** (-dps):
        raise ValueError(
            f"goal must be >= 10^-dps = 1e-{dps} at dps = {dps} (a smaller residual goal |b| is not "
            f"resolved at dps digits), got {goal!r}; raise dps to at least {math.ceil(-math.log10(goal))}"
        )
    return z, a, b, goal, dps, check_flag(certified, "certified")


# ------------------------------------------------------------------ width-k networks
def channel_entries(trials: int | None, n: int, d: int, k: int) -> int:
    """Taps of ``trials`` width-k networks: n sum_i k_i k_{i-1}, widths 1, k, ..., k, 1."""
    widths = [1] + [k] * (d - 1) + [1]
    return (trials or 1) * n * sum(a * b for a, b in zip(widths, widths[1:]))


def channel_size_arguments(n: Any, d: Any, k: Any, trials: Any = None) -> tuple[int, int, int, int | None]:
    n, d, k = check_int(n, "n", 2), check_int(d, "d", 1), check_int(k, "k", 1)
    if trials is not None:
        trials = check_int(trials, "trials", 1)
    return n, d, k, trials


def random_channel_filters_arguments(
    n: Any, d: Any, k: Any, trials: Any = None, seed: Any = 0, **_: Any
) -> tuple[int, int, int, int | None, int]:
    """``numerics.random_channel_filters``: n >= 2, d >= 1, k >= 1, trials None or >= 1,
    seed >= 0, and the taps (8 bytes each, twice while drawn) fit in memory."""
    n, d, k, trials = channel_size_arguments(n, d, k, trials)
    seed = check_int(seed, "seed", 0)
    check_memory(
        16 * channel_entries(trials, n, d, k),
        f"random_channel_filters(n={n}, d={d}, k={k}, trials={trials}): "
        f"{channel_entries(trials, n, d, k):.3g} taps",
    )
    return n, d, k, trials, seed


def channel_closed_form_arguments(
    n: Any, d: Any, k: Any, normalized: Any = False, **_: Any
) -> tuple[int, int, int, bool]:
    """``theory.channel_closed_form``: n >= 2, d >= 1, k >= 1, n^2 sum k_i k_{i-1} <= CHANNEL_SYMBOLIC_MAX_TERMS."""
    n, d, k, _t = channel_size_arguments(n, d, k)
    normalized = check_flag(normalized, "normalized")
    check_symbolic_size(n, d, k)
    return n, d, k, normalized


def as_channel_filters(
    filters: Any, name: str = "filters", batched: bool = False
) -> tuple[list[np.ndarray], list[int], int]:
    """A list of d layers of shape ([trials,] k_i, k_{i-1}, n) chaining widths 1 -> ... -> 1,
    of finite real numbers (any real dtype, as float64; or an object array of mpf/decimal
    strings, kept as given). Returns the layers, the widths and n."""
    shape = "(trials, k_i, k_{i-1}, n)" if batched else "(k_i, k_{i-1}, n)"
    if not isinstance(filters, (list, tuple)):
        raise ArgumentTypeError(
            f"{name} must be a list of d arrays, layer i of shape {shape}, got {_got(filters)}"
        )
    if not filters:
        raise ValueError(
            f"{name} must be a non-empty list of d arrays, layer i of shape {shape}, got an empty one"
        )
    nd = 4 if batched else 3
    layers = []
    for i, f in enumerate(filters):
        where = f"{name} layer {i + 1}"
        if isinstance(f, np.ndarray) and f.dtype.kind == "O":
            if f.ndim != nd:
                raise ValueError(
                    f"{where} must have shape {shape}, got a {f.ndim}-D array of shape {f.shape}"
                )
            flat = [_mp_real(v, where) for v in f.ravel()]
            arr = np.empty(f.shape, dtype=object)
            arr.ravel()[:] = flat  # a copy: the caller's array is not changed
            layers.append(arr)
            continue
        arr = _real_dtype_array(f, where)
        if arr.ndim != nd:
            raise ValueError(
                f"{where} must have shape {shape}, got a {arr.ndim}-D array of shape {arr.shape}"
            )
        arr = arr.astype(float)
        _check_finite(arr, where)
        layers.append(arr)
    n = layers[0].shape[-1]
    ks = [1]
    for i, f in enumerate(layers):
        if f.shape[-1] != n or n < 2:
            raise ValueError(
                f"{name}: every layer must have the same length n >= 2, got n = {f.shape[-1]} in layer {i + 1} "
                f"(layer 1: {n})"
            )
        if f.shape[-2] != ks[-1]:
            raise ValueError(f"{name}: layer {i + 1} must have {ks[-1]} input channels, got {f.shape[-2]}")
        if batched and f.shape[0] != layers[0].shape[0]:
            raise ValueError(
                f"{name}: every layer must have the same number of trials, got {f.shape[0]} in layer {i + 1} "
                f"(layer 1: {layers[0].shape[0]})"
            )
        ks.append(f.shape[-3])
    if ks[-1] != 1:
        raise ValueError(f"{name}: the last layer must have 1 output channel, got {ks[-1]}")
    return layers, ks, n


def channel_grad_norms_arguments(
    filters: Any, x: Any, y: Any, normalized: Any = False, dps: Any = 50, certified: Any = False, **_: Any
) -> tuple[list[np.ndarray], list[int], int, list[Any], list[Any], bool, int, bool]:
    """``numerics.channel_grad_norms``: the rules of ``grad_norms`` for a list of layers;
    returns layers, widths, n, x, y, normalized, dps, certified."""
    layers, ks, n = as_channel_filters(filters)
    normalized, dps = check_flag(normalized, "normalized"), check_dps(dps)
    per_mpf = 100 + dps // 2  # bytes of one Python mpf (object, tuple, mantissa)
    taps = sum(a * b for a, b in zip(ks, ks[1:]))
    check_memory(
        per_mpf * (n * (n // 2 + 1) * 2 + 4 * (n // 2 + 1) * taps),
        f"filters of length n = {n}, width {max(ks)}, at dps = {dps} (DFT tables and {taps} tap spectra)",
    )
    x, y = as_signal(x, n, "x"), as_signal(y, n, "y")
    return layers, ks, n, x, y, normalized, dps, check_flag(certified, "certified")


def width_rate_arguments(k: Any, real: Any = False, dps: Any = 30, **_: Any) -> tuple[int, bool, int]:
    """``numerics.width_rate``: k an integer >= 1 (any size), ``real`` a bool, dps in DPS_RANGE."""
    return check_int(k, "k", 1), check_flag(real, "real"), check_dps(dps)


# ------------------------------------------------------------ rules by parameter name
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
    lo: float | None = None, hi: float | None = None, *, lo_open: bool = False, hi_open: bool = True
) -> Rule:
    """A non-empty sequence of finite real numbers in the interval."""

    def check(v: Any, name: str) -> tuple[float, ...]:
        vals = _rows(v, name)
        if not vals:
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
