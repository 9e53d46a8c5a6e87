"""The X1 and X3 figures: data keys and a drawn figure at small sizes."""

from __future__ import annotations

import numpy as np

from numerics.figures import beyond


def test_X1_explosion_vs_depth_small():
    data = beyond.explosion_vs_depth_data(n=16, ks=(1, 2), depths=(2, 4), draws=3)
    assert data["relu_mean"].shape == (2, 2) and np.all(np.isfinite(data["linear_mean"]))
    assert beyond.plot_explosion_vs_depth(data).axes


def test_X3_allpass_stall_small():
    data = beyond.allpass_stall_data(depths=(2, 3), steps=500)
    assert data["excess"].shape[0] == 2 and float(data["floor"]) == 1.0
    assert np.nanmin(data["excess"]) >= 0  # GD stays above the floor
    assert beyond.plot_allpass_stall(data).axes


def test_figures_table_names():
    assert [f[0] for f in beyond.FIGURES] == ["explosion_vs_depth", "allpass_stall"]
