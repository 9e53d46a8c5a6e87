"""The figure registry: every module of ``numerics.figures`` that draws figures, one line each.

A figure module defines, for every figure ``<name>``, the triple ``<name>_data(**sizes)``
(the numbers, a ``dict`` of arrays, deterministic in ``seed``), ``plot_<name>(data)`` (a
matplotlib ``Figure`` in the style of :mod:`numerics.figures.style`) and ``<name>(**sizes)``
(both), and lists them in a module-level tuple ``FIGURES`` of entries
``(name, data_fn, plot_fn, quick_kwargs, full_kwargs)``.

To add a module, add its name to ``FIGURE_MODULES`` (one line). ``entries()`` then returns its
figures after those of the modules before it; ``draw_all`` (``proofs_check figures``), the
documentation's gallery and the tests pick them up from here. A listed module that does not
exist (yet) is skipped; a module that exists but fails to import raises.

>>> [name for name, *_ in entries()][:2]
['grad_norm_vs_depth', 'init_histograms']
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from types import ModuleType
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from numerics.figures.style import DPI
from numerics.store.files import atomic_path

Data = dict[str, np.ndarray]
DataFn = Callable[..., Data]
PlotFn = Callable[[Data], Figure]
Entry = tuple[str, DataFn, PlotFn, Mapping[str, Any], Mapping[str, Any]]

FIGURE_MODULES: tuple[str, ...] = (
    "one_channel",  # T5, T6, T8, T9, C4, C6, C7: one channel per layer
    "width",  # M2, M4, M5: k channels per layer
    "beyond",  # X: beyond the theory (explosion_vs_depth, allpass_stall)
    "cn_depth",  # CN steps against depth (cn_steps_vs_depth)
    "trainability",  # X4: what trains at depth (trainability_map)
)


def modules() -> list[ModuleType]:
    """The registered figure modules that exist, in ``FIGURE_MODULES`` order."""
    found = []
    for short in FIGURE_MODULES:
        name = f"numerics.figures.{short}"
        try:
            found.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:  # the module exists but one of its imports is missing
                raise
    return found


def entries() -> tuple[Entry, ...]:
    """Every registered figure, one ``(name, data_fn, plot_fn, quick_kwargs, full_kwargs)`` each.

    Raises
    ------
    ValueError
        If two modules register the same figure name (their files would overwrite each other).
    """
    out: list[Entry] = [entry for module in modules() for entry in module.FIGURES]
    names = [entry[0] for entry in out]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"figure names must be unique across FIGURE_MODULES; repeated: {repeated}")
    return tuple(out)


def save(fig: Figure, data: Data, out: str, name: str) -> list[str]:
    """Write ``<name>.png`` (200 dpi), ``<name>.pdf`` and ``<name>.npz`` into ``out``, each
    whole or not at all; the Agg canvas is attached here, never at import."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    paths = []
    for ext, meta in (("png", {"Software": None}), ("pdf", {"CreationDate": None, "Producer": None})):
        path = os.path.join(out, f"{name}.{ext}")
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=DPI, format=ext, bbox_inches="tight", pad_inches=0.02, metadata=meta)
        paths.append(path)
    path = os.path.join(out, f"{name}.npz")
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez_compressed(fh, **data)
    paths.append(path)
    return paths


def draw_all(
    out: str, quick: bool = False, seed: int = 0, figures: Sequence[Entry] | None = None
) -> list[str]:
    """Compute and save every figure of ``figures`` (default: every registered one) into ``out``.

    Parameters
    ----------
    out : str
        Folder (created if missing).
    quick : bool
        Use each entry's ``quick_kwargs`` instead of its ``full_kwargs``.
    seed : int
        Passed to every ``<name>_data``.
    figures : sequence of entries, optional
        Default ``entries()``.

    Returns
    -------
    list of str
        The written paths: PNG, PDF and NPZ per figure. ``np.load(path)`` gives back the data,
        and ``plot_fn(dict(np.load(path)))`` redraws it.
    """
    figures = entries() if figures is None else figures
    os.makedirs(out, exist_ok=True)
    paths = []
    for k, (name, data_fn, plot_fn, quick_kwargs, full_kwargs) in enumerate(figures, 1):
        print(f"[{k}/{len(figures)}] {name} ...", file=sys.stderr, flush=True)
        data = data_fn(**(quick_kwargs if quick else full_kwargs), seed=seed)
        paths += save(plot_fn(data), data, out, name)
    return paths


__all__ = ["FIGURE_MODULES", "Entry", "draw_all", "entries", "modules", "save"]
