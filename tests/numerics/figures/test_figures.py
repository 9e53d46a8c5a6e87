"""The figures: one registry, one style, data and drawing apart, no backend change at import,
whole files on disk."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from matplotlib.figure import Figure

from numerics.figures import one_channel as figures
from numerics.figures import registry, style

TINY = {
    "grad_norm_vs_depth": {"n": 4, "depths": (1, 5, 20), "draws": 2},
    "init_histograms": {"n": 8, "depths": (2, 6), "draws": 50},
    "iterations_vs_depth": {"depths": (2, 5, 10), "draws": 2, "gd_depths": (2, 3)},
    "training_curves": {"n": 8, "depths": (2, 6), "draws": 2, "steps": 40},
    "straight_lines": {"paths": 2},
    "cn_gradient_bound": {"n": 8, "depths": (1, 3), "draws": 20},
    "rate_vs_width": {"ks": (1, 2), "draws": 8, "max_depth": 40},
    "typical_vs_mean_square": {"depths": (1, 2, 4), "draws": 50},
    "width_init_histograms": {"ks": (1, 2), "depth": 3, "trials": 20},
    "width_iterations_vs_depth": {"depths": (2,), "etas": (0.01, 0.1), "trials": 2, "max_iter": 50},
}
ENTRIES = registry.entries()
OWN = [e for e in ENTRIES if e[0] in TINY]  # other branches' modules bring their own tests


def test_import_leaves_the_backend_and_pyplot_alone():
    code = (
        "import matplotlib; before = matplotlib.rcParams['backend']; import sys; "
        "import numerics.figures; numerics.figures.FIGURES; "
        "assert matplotlib.rcParams['backend'] == before; "
        "assert 'matplotlib.pyplot' not in sys.modules; print('ok')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "MPLBACKEND": "svg"}
    )
    assert out.stdout.strip() == "ok", out.stderr


def test_registry_lists_one_and_k_channels_side_by_side():
    import numerics.figures

    names = [entry[0] for entry in ENTRIES]
    assert len(names) == len(set(names))  # one folder holds them all
    assert set(TINY) <= set(names)
    assert [e[0] for e in numerics.figures.FIGURES] == names
    assert [m.__name__.rsplit(".", 1)[1] for m in registry.modules()][:2] == ["one_channel", "width"]


@pytest.mark.parametrize("module", registry.modules(), ids=lambda m: m.__name__)
def test_every_figure_is_a_data_plot_call_triple(module):
    """``<name>_data``, ``plot_<name>`` and ``<name>`` exist under those names in the module that
    registers ``<name>``; no two modules define the same public name."""
    for name, data_fn, plot_fn, quick, full in module.FIGURES:
        assert getattr(module, f"{name}_data") is data_fn
        assert getattr(module, f"plot_{name}") is plot_fn
        assert getattr(module, name).__name__ == name  # the one-call version for notebooks
        assert isinstance(quick, dict) and isinstance(full, dict)
        assert {name, f"{name}_data", f"plot_{name}"} <= public_functions(module)


def public_functions(module) -> set[str]:
    """Functions defined in ``module`` (not imported into it) whose names do not start with _."""
    return {
        name
        for name, value in vars(module).items()
        if callable(value)
        and getattr(value, "__module__", None) == module.__name__
        and not name.startswith("_")
    }


def test_no_public_name_is_defined_twice_across_figure_modules():
    seen: dict[str, str] = {}
    for module in registry.modules():
        for public in public_functions(module):
            assert public not in seen, f"{public} in {seen.get(public)} and {module.__name__}"
            seen[public] = module.__name__


def test_one_style_for_toolkit_and_paper():
    import inspect

    for module in registry.modules():
        assert "rc_context(" not in inspect.getsource(module)  # they draw through style.styled
        assert "STYLE = " not in inspect.getsource(module)
    with open(os.path.join(os.path.dirname(__file__), "..", "..", "..", "paper", "report.py")) as fh:
        source = fh.read()
    assert "from numerics.figures.style import" in source and "STYLE = " not in source


@pytest.mark.parametrize("entry", OWN, ids=lambda e: e[0])
def test_data_then_plot_gives_a_styled_figure_and_is_deterministic(entry):
    name, data_fn, plot_fn, _, _ = entry
    data = data_fn(**TINY[name], seed=3)
    assert data and all(isinstance(v, np.ndarray) for v in data.values())
    again = data_fn(**TINY[name], seed=3)
    for key, value in data.items():
        np.testing.assert_array_equal(value, again[key])
    fig = plot_fn(data)
    assert isinstance(fig, Figure) and fig.axes
    assert fig.get_size_inches()[0] == style.WIDTH
    assert fig.axes[0].xaxis.label.get_fontsize() == style.STYLE["axes.labelsize"]


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


def test_registry_skips_only_modules_that_do_not_exist(monkeypatch):
    monkeypatch.setattr(registry, "FIGURE_MODULES", ("one_channel", "no_such_figures_module"))
    assert [m.__name__ for m in registry.modules()] == ["numerics.figures.one_channel"]


def test_registry_refuses_a_name_registered_twice(monkeypatch):
    monkeypatch.setattr(registry, "FIGURE_MODULES", ("one_channel", "one_channel"))
    with pytest.raises(ValueError, match="repeated"):
        registry.entries()


def test_a_nan_draw_is_left_out_of_the_quartiles():
    """NaN marks a draw with no value (the start already met the goal, GD did not converge; the
    data keep it as NaN): the median and quartiles are those of the other draws, and a depth where
    no draw has a value is NaN, never a number."""
    rng = np.random.default_rng(0)
    values = rng.normal(size=(9, 4))
    planted = values.copy()
    planted[3, 1] = np.nan
    planted[:, 3] = np.nan
    q25, q50, q75 = figures._quartiles(planted)
    kept = np.delete(values[:, 1], 3)
    np.testing.assert_allclose([q25[1], q50[1], q75[1]], np.quantile(kept, [0.25, 0.5, 0.75]), rtol=0, atol=0)
    np.testing.assert_array_equal(q50[[0, 2]], np.median(values[:, [0, 2]], axis=0))
    assert np.isnan(q50[3]) and np.isnan(q25[3]) and np.isnan(q75[3])
    # the figure draws those medians: T9's time panel with one draw NaN at one depth
    depths = np.array([2, 4, 8, 16])
    data = {
        "depths": depths,
        "log10_time": planted[:, :3].repeat([1, 1, 2], axis=1),
        "log10_bound": planted[:, :3].repeat([1, 1, 2], axis=1) - 1,
        "gd_depths": np.array([2, 4]),
        "gd_time_ratio": np.where(np.isnan(planted[:, :2]), np.nan, 1.5 + np.abs(values[:, :2])),
        "eta": np.array(2e-3),
    }
    fig = figures.plot_iterations_vs_depth(data)
    median_line = fig.axes[0].lines[0].get_ydata()
    np.testing.assert_allclose(median_line, np.nanmedian(data["log10_time"], axis=0), rtol=0, atol=0)
    assert np.isfinite(median_line).all()


def test_a_diverged_draw_is_out_of_the_training_median_and_counted_in_the_legend():
    steps = np.array([0, 1, 10])
    loss = np.array([[[1.0, 1.0, 1.0], [0.5, 0.4, np.inf], [0.1, 0.2, np.nan]]])  # (D, S, draws)
    data = {
        "depths": np.array([4]), "steps": steps, "n": np.array(8),
        "plain_loss": loss, "cn_loss": loss, "plain_grad": loss, "cn_grad": loss,
        "plain_eta": np.array([0.1]), "cn_eta": np.array([0.1]),
        "plain_diverged": np.array([1]), "cn_diverged": np.array([0]),
        "plain_eta_interior": np.array([True]), "cn_eta_interior": np.array([True]),
    }  # fmt: skip
    fig = figures.plot_training_curves(data)
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), [1.0, 0.45, 0.15])
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert any("diverged 1 / 0 of 3" in t for t in labels)
