"""Figures (PNG + PDF at paper column width) and the JSON report of the paper's experiments.

Schema: ``{"experiments": [{"id", "title", "figure", "setup", "ours", "authors"}], "environment"}``.
Every value in ``setup``, ``ours`` and ``authors`` is a number, a list of numbers, a short
label or a dict of those; ``authors`` holds the numbers the paper's setup quotes.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

# one style for every figure of the project; COLUMN is the column width in inches
from numerics.figures.style import CN, PLAIN, STYLE, THEIRS  # noqa: E402, F401
from numerics.figures.style import DPI as _DPI  # noqa: E402
from numerics.figures.style import WIDTH as COLUMN  # noqa: E402, F401
from numerics.store.files import atomic_path, write_text  # noqa: E402

plt.rcParams.update(STYLE)


def save_figure(fig, out: str, name: str) -> str:
    """Write ``name``.png (200 dpi) and ``name``.pdf into ``out`` atomically; return the PNG path."""
    paths = []
    for ext in ("png", "pdf"):
        path = os.path.join(out, f"{name}.{ext}")
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=_DPI, format=ext, bbox_inches="tight")
        paths.append(path)
    plt.close(fig)
    return paths[0]


def summary(values: Sequence[float]) -> dict[str, float]:
    """Median, 10% and 90% quantiles, min, max and count of finite values (non-finite counted apart)."""
    v = np.asarray(values, dtype=float)
    finite = v[np.isfinite(v)]
    if finite.size == 0:
        return {"median": math.nan, "q10": math.nan, "q90": math.nan, "count": 0, "nonfinite": int(v.size)}
    return {
        "median": float(np.median(finite)),
        "q10": float(np.quantile(finite, 0.1)),
        "q90": float(np.quantile(finite, 0.9)),
        "min": float(finite.min()),
        "max": float(finite.max()),
        "count": int(finite.size),
        "nonfinite": int(v.size - finite.size),
    }


def experiment(
    id: str, title: str, figure: str, setup: dict, ours: dict, authors: dict, seconds: float
) -> dict[str, Any]:
    """One entry of ``experiments`` (``ours["seconds"]`` is its wall time)."""
    return {
        "id": id,
        "title": title,
        "figure": figure,
        "setup": setup,
        "ours": {**ours, "seconds": round(seconds, 2)},
        "authors": authors,
    }


def _clean(obj: Any) -> Any:
    """JSON-safe copy: numpy scalars to Python, non-finite floats to None (null)."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _clean(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def write_json(path: str, experiments: list[dict], env: dict) -> None:
    """Write the report atomically, or to standard output for ``-`` (non-finite numbers become null)."""
    write_text(path, json.dumps(_clean({"experiments": experiments, "environment": env}), indent=1) + "\n")


def clusters(values: Sequence[float], gap_decades: float = 0.5) -> list[dict[str, Any]]:
    """Groups of positive finite values separated by more than ``gap_decades`` in log10
    (sorted, split at every larger gap): count, min, max, median and the indices (seeds).

    Example: clusters([1e-3, 2e-3, 0.1]) gives two groups, [1e-3, 2e-3] (indices 0, 1) and [0.1] (index 2).
    """
    v = np.asarray(values, dtype=float)
    idx = [int(i) for i in np.argsort(v) if np.isfinite(v[i]) and v[i] > 0]
    groups: list[list[int]] = []
    for i in idx:
        if groups and math.log10(v[i]) - math.log10(v[groups[-1][-1]]) <= gap_decades:
            groups[-1].append(i)
        else:
            groups.append([i])
    return [
        {
            "count": len(g),
            "min": float(v[g].min()),
            "max": float(v[g].max()),
            "median": float(np.median(v[g])),
            "seeds": sorted(g),
        }
        for g in groups
    ]
