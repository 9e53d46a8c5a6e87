"""The paper's experiments as cells of the one runner (``numerics.store.cells.run_cells``).

A cell is one experiment and its seeds: with ``full`` one seed per cell (P5: one block of
draws, P6: one variant and seed), otherwise every seed in one cell, side by side as groups of
one grouped conv as before. A cell's parameters are JSON: the seeds, the precision
(``"float32"``/``"float64"``), the device (``"cpu"``/``"cuda"``), the torch thread count and
the torch version; its key adds a hash of the source of the ``paper`` modules it runs
(``version``). A cell sets ``torch.set_num_threads(params["threads"])`` before it computes,
so its bits depend on its parameters only, not on the process or worker that ran it.

Results are JSON-ready: an array travels as base64 of its float64 bytes (``pack``, ``unpack``),
exactly, NaN and infinities included. ``pack(np.array([1.5, np.inf]))`` is
``{"shape": [2], "float64": "AAAAAAAA+D8AAAAAAADwfw=="}``.
"""

from __future__ import annotations

import base64
import hashlib
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


def pack(a: Any) -> dict:
    """An array (any real dtype) as JSON: its shape and the base64 of its float64 bytes."""
    v = np.ascontiguousarray(np.asarray(a, dtype="<f8"))
    return {"shape": list(v.shape), "float64": base64.b64encode(v.tobytes()).decode("ascii")}


def unpack(d: dict) -> np.ndarray:
    """The array that ``pack`` wrote (float64, bit for bit)."""
    return np.frombuffer(base64.b64decode(d["float64"]), dtype="<f8").reshape(d["shape"]).copy()


def seed_groups(seeds: int, full: bool) -> list[list[int]]:
    """Seeds 0 .. seeds-1 as cells: one each with ``full``, else all in one cell."""
    return [[s] for s in range(seeds)] if full else [list(range(seeds))]


def common(dtype: str, device: str, threads: int) -> dict:
    """The parameters every torch cell carries: precision, device, threads and torch's version."""
    import torch

    return {"dtype": dtype, "device": device, "threads": threads, "torch": torch.__version__}


def prepare(params: dict):
    """Set torch's thread count from the cell's parameters; return its torch dtype and device."""
    import torch

    torch.set_num_threads(int(params["threads"]))
    return getattr(torch, params["dtype"]), params["device"]


def version(module: str) -> str:
    """A hash of the source of ``paper.<module>`` and of the modules every cell shares (nets,
    crosschecks, this one): a change to any of them makes a new key."""
    import importlib

    h = hashlib.sha256()
    for name in ("cells", "nets", "crosschecks", module):
        h.update(inspect.getsource(importlib.import_module(f"paper.{name}")).encode())
    return h.hexdigest()[:16]


def run(
    eid: str,
    module: str,
    compute: Callable[[dict], dict],
    cells: Sequence[dict],
    *,
    store: str | None,
    dask: object,
    label: Callable[[dict], str] | None = None,
) -> list[dict]:
    """``run_cells("paper.<eid>", compute, cells)`` with this package's version and a label per cell."""
    from numerics.store.cells import run_cells

    return run_cells(
        f"paper.{eid}",
        compute,
        list(cells),
        store=store,
        dask=dask,
        version=version(module),
        label=label or (lambda p: f"{eid} seeds {p.get('seeds', '')}"),
    )
