"""The figures: data and drawing apart, no backend change at import, whole files on disk."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from matplotlib.figure import Figure

from numerics.figures import one_channel as figures

TINY = {
    "grad_norm_vs_depth": {"n": 4, "depths": (1, 5, 20), "draws": 2},
    "init_histograms": {"n": 8, "depths": (2, 6), "draws": 50},
    "iterations_vs_depth": {"depths": (2, 5, 10), "draws": 2, "gd_depths": (2, 3)},
    "training_curves": {"n": 8, "depths": (2, 6), "draws": 2, "steps": 40},
    "straight_lines": {"paths": 2},
    "cn_gradient_bound": {"n": 8, "depths": (1, 3), "draws": 20},
}


def test_import_leaves_the_backend_and_pyplot_alone():
    code = (
        "import matplotlib; before = matplotlib.rcParams['backend']; import sys; "
        "import numerics.figures.one_channel; "
        "assert matplotlib.rcParams['backend'] == before; "
        "assert 'matplotlib.pyplot' not in sys.modules; print('ok')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "MPLBACKEND": "svg"}
    )
    assert out.stdout.strip() == "ok", out.stderr


def test_registry_entries_have_the_shared_shape():
    names = [entry[0] for entry in figures.FIGURES]
    assert len(names) == len(set(names)) == len(TINY)
    for name, data_fn, plot_fn, quick, full in figures.FIGURES:
        assert callable(data_fn) and callable(plot_fn) and isinstance(quick, dict) and isinstance(full, dict)
        assert getattr(figures, name).__name__ == name  # the one-call version for notebooks


@pytest.mark.parametrize("entry", figures.FIGURES, ids=lambda e: e[0])
def test_data_then_plot_gives_a_figure_and_is_deterministic(entry):
    name, data_fn, plot_fn, _, _ = entry
    data = data_fn(**TINY[name], seed=3)
    assert data and all(isinstance(v, np.ndarray) for v in data.values())
    again = data_fn(**TINY[name], seed=3)
    for key, value in data.items():
        np.testing.assert_array_equal(value, again[key])
    fig = plot_fn(data)
    assert isinstance(fig, Figure) and fig.axes


def test_draw_all_writes_png_pdf_and_data_that_redraws(tmp_path, capsys):
    small = [(name, d, p, TINY[name], TINY[name]) for name, d, p, _, _ in figures.FIGURES[:2]]
    paths = figures.draw_all(str(tmp_path), quick=True, seed=1, figures=small)
    assert sorted(p.rsplit("/", 1)[1] for p in paths) == sorted(
        f"{name}.{ext}" for name, *_ in small for ext in ("png", "pdf", "npz")
    )
    assert not list(tmp_path.glob(".tmp-*"))
    assert (tmp_path / "grad_norm_vs_depth.png").read_bytes()[:4] == b"\x89PNG"
    with np.load(tmp_path / "grad_norm_vs_depth.npz") as stored:
        assert isinstance(figures.plot_grad_norm_vs_depth(dict(stored)), Figure)
    assert "[1/2] grad_norm_vs_depth" in capsys.readouterr().err
