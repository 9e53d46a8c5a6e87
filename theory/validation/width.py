"""Width-k networks: sizes, layer lists and the arguments of ``random_channel_filters``,
``channel_grad_norms`` and ``width_rate``."""

from __future__ import annotations

from typing import Any

import numpy as np

from theory.validation.arrays import _check_finite, _mp_real, _real_dtype_array, as_signal
from theory.validation.memory import check_memory
from theory.validation.primitives import ArgumentTypeError, _got, check_dps, check_flag, check_int


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
