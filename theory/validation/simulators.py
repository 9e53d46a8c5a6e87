"""The arguments of the GD simulators (``random_filters``, ``simulate_gd``, ``simulate_gd_channels``),
checked, with their memory, before anything is allocated."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from theory.validation.arrays import real_array
from theory.validation.budget import OPERATIONS_LIMIT, PYTHON_STEP, check_array_memory, check_cost
from theory.validation.memory import SIM_BYTES_PER_ENTRY, check_memory, memory_needed
from theory.validation.primitives import _is_real, check_choice, check_flag, check_int, check_real


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
        check_array_memory(v, name)  # a broadcast view by its logical size, before any copy
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


def step_cost(trials: int, taps: int, n: int, numpy_path: bool) -> float:
    """Elementary operations of one GD step over ``trials`` networks of ``taps`` taps each
    (d n, or d K^2 n at width k): 20 per tap in the compiled kernels; in the NumPy paths
    FFTs (40 log2(2n) per tap) plus about 50 NumPy calls' overhead a step."""
    if numpy_path:
        return 50 * PYTHON_STEP + 40 * trials * taps * math.log2(2 * n)
    return 20.0 * trials * taps


#: the budget of one simulator call, in elementary operations: 100 times ``OPERATIONS_LIMIT``
#: (hours on all cores), since ``max_iter`` is the user's own choice of a long run (X4's sweeps
#: run 16 trials x d = 128 x n = 16 for 10^6 steps, about 7e11); what it refuses is the
#: absurd (``max_iter = 10**12`` or a depth of 10^6 for 10^6 steps), before any work.
SIMULATION_LIMIT = 100 * OPERATIONS_LIMIT


def check_steps(max_iter: int, per_step: float, what: str) -> None:
    """Refuse before any work a run whose ``max_iter`` steps of ``per_step`` operations cost
    more than ``SIMULATION_LIMIT``, naming max_iter and its allowed range."""
    check_cost("max_iter", max_iter, lambda m: m * per_step, what, limit=SIMULATION_LIMIT)


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
    check_array_memory(filters, "filters", SIM_BYTES_PER_ENTRY, copies=1)
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
    numpy_path = method in ("time", "fourier-numpy") or (filter_length not in (None, n) and method == "auto")
    check_steps(
        max_iter, step_cost(trials, d * n, n, numpy_path), f"simulate_gd with {trials} x {d} x {n} taps"
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
    for i, f in enumerate(filters):
        check_array_memory(f, f"filters[{i}]", SIM_CHANNEL_BYTES_PER_ENTRY, copies=1)
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
    check_steps(
        max_iter,
        step_cost(trials, d * K * K * n, n, method == "numpy" or bool(relu)),
        f"simulate_gd_channels with {trials} trials of {d} layers of up to {K} x {K} filters of {n} taps",
    )
    return layers, ks, x, y, eta, max_iter, tol, momentum, threads


def trainability_map_arguments(
    ns: list,
    widths: Any,
    depths: Any,
    configs: Any,
    choices: Any,
    draws: Any,
    tune_draws: Any,
    seed: Any,
    tol: Any,
    caps: Any,
    grid_points: int,
) -> None:
    """X4's map (``numerics.trainability_map``): sizes, choices and the whole map's cost before
    any cell runs. A cell's GD costs about draws·grid·cap·n·d·k³ elementary operations (k³: the
    k×k block products of every layer at every frequency), summed over the map's cells against
    ``SIMULATION_LIMIT``, naming max(depths) and its allowed range."""
    for v in ns:
        check_int(v, "n", 2)
    for v in widths:
        check_int(v, "widths", 1)
    for v in depths:
        check_int(v, "depths", 2)
    for v in configs:
        check_choice(v, "configs", choices)
    check_int(draws, "draws", 1)
    check_int(tune_draws, "tune_draws", 1)
    check_int(seed, "seed", 0)
    check_real(tol, "tol", 0, 1, lo_open=True)
    for v in caps.values() if isinstance(caps, dict) else [caps]:
        check_int(v, "max_iter", 1)
    if not (len(ns) and len(widths) and len(depths) and len(configs)):
        return

    def cost(top: int) -> float:
        total = 0.0
        for k in widths:
            cap = caps.get(k, max(caps.values())) if isinstance(caps, dict) else caps
            for d in depths:
                total += draws * grid_points * cap * sum(ns) * min(d, top) * k**3 * len(configs)
        return total

    check_cost("max(depths)", max(depths), cost, "the trainability map", lo=2, limit=SIMULATION_LIMIT)


def t9_weights_arguments(weights: Any, depths: Any, trials: int) -> dict[int, np.ndarray]:
    """``t9_gd_bounds(weights=...)``: the given starts, one row of complex weights each, as
    ``{d: (trials, d) array}`` for every depth asked; exactly ``trials`` rows of each length d.

    >>> t9_weights_arguments([[1, 0.5j], [2, 1]], [2], 2)[2].shape
    (2, 2)
    >>> t9_weights_arguments([[1, 0.5j]], [2, 3], 1)
    Traceback (most recent call last):
    ...
    ValueError: weights must hold exactly trials = 1 rows of length d = 3, got 0
    """
    from theory.validation.rules import complex_vector  # rules imports this module

    rows = [complex_vector(row, "weights") for row in weights]
    out = {}
    for d in depths:
        of_d = [r for r in rows if len(r) == d]
        if len(of_d) != trials:
            raise ValueError(
                f"weights must hold exactly trials = {trials} rows of length d = {d}, got {len(of_d)}"
            )
        out[d] = np.array(of_d, complex)
    return out
