"""X2's measurement: step tuning, censored fits, stall state, store, CLI and figure."""

from __future__ import annotations

import math

import numpy as np
import pytest

from numerics.gd.simulate import random_filters, simulate_gd
from numerics.mc import cn_depth as C
from numerics.store.cells import CellStore, cell_key, code_version


def _cell(med: float, conv: int = 4, ratio: float = 1e-4) -> dict:
    """A fake finished cell of 4 draws: ``conv`` converge in ``med`` steps."""
    return {
        "iterations": [int(med)] * conv + [-1] * (4 - conv),
        "converged": [True] * conv + [False] * (4 - conv),
        "diverged": 0,
        "underflowed": 0,
        "final_ratio": [1e-3] * conv + [ratio] * (4 - conv),
    }


def _put(store: CellStore, s: C.Setting, d: int, j: int, cell: dict) -> None:
    params = C.cell_params(s, d, j)
    store.put(cell_key(C.EXPERIMENT, params, code_version(C.x2_cell)), params, cell)


def _prefilled(s: C.Setting, d: int, medians: dict[int, float]) -> CellStore:
    store = CellStore()
    for j, med in medians.items():
        _put(store, s, d, j, _cell(med))
    return store


def test_grid_points():
    assert C.eta_of(-2) == pytest.approx(0.1) and C.eta_of(-4) == pytest.approx(0.01)
    assert C.eta_of(-3) == pytest.approx(10**-1.5)


def test_tuning_extends_the_grid_until_the_best_step_is_interior():
    s = C.Setting(16, 1, "cn", 4, 1000)
    # steps fall as eta falls down to j = -9, then rise: the best is j = -9, found by extension
    store = _prefilled(s, 8, {j: 100 + 10 * abs(j + 9) for j in range(-12, 0)})
    row = C.tune_depth(s, 8, store, start=-4, max_extend=10)
    assert row["best_j"] == -9 and row["eta_interior"]
    assert row["median_steps"] == 100 and row["etas_tried"][0] == pytest.approx(C.eta_of(-10))


def test_a_best_step_at_the_lower_edge_is_extended():
    """The first grid's best is its smallest step: the grid must grow below it (not stop there)."""
    s = C.Setting(16, 1, "cn", 4, 1000)
    store = _prefilled(s, 8, {j: 100 + 10 * abs(j + 6) for j in range(-9, 0)})  # best at j = -6
    row = C.tune_depth(s, 8, store, start=-4, max_extend=5)  # tries -5, -4, -3: best -5, the lower edge
    assert row["best_j"] == -6 and row["eta_interior"] and len(row["etas_tried"]) == 5
    assert min(row["etas_tried"]) < row["best_eta"] < max(row["etas_tried"]) and row["max_extend"] == 5


def test_tuning_flags_a_best_step_at_the_grid_edge():
    s = C.Setting(16, 1, "cn", 4, 1000)
    store = _prefilled(s, 8, {j: 100 + 10 * abs(j + 9) for j in range(-12, 0)})
    row = C.tune_depth(s, 8, store, start=-4, max_extend=2)  # stops at j = -7: still the edge
    assert row["best_j"] == -7 and not row["eta_interior"]


def test_never_converged_runs_count_as_slower_than_any_converged():
    s = C.Setting(16, 1, "cn", 4, 1000)
    store = CellStore()
    _put(store, s, 4, -5, _cell(900, conv=4))
    _put(store, s, 4, -4, _cell(10, conv=1))  # fast, but 3 of 4 never converge
    _put(store, s, 4, -6, _cell(950, conv=4))
    _put(store, s, 4, -3, _cell(10, conv=0))
    row = C.tune_depth(s, 4, store, start=-5, max_extend=0)
    assert row["best_j"] == -5 and row["converged_fraction"] == 1.0 and row["never_converged"] == 0


@pytest.mark.parametrize("law,b", [("power", 2.0), ("exponential", 0.15)])
def test_censored_fit_recovers_a_known_law_and_aic_prefers_it(law, b):
    rng = np.random.default_rng(1)
    depths, cap = (2, 4, 8, 16, 32, 64), 20000
    rows = []
    for d in depths:
        steps = np.exp(1.0 + b * C.LAWS[law](d) + 0.3 * rng.normal(size=40))
        conv = steps <= cap
        rows.append({"depth": d, "iterations": [int(v) if c else -1 for v, c in zip(steps, conv)],
                     "converged": conv.tolist(), "median_steps": None})  # fmt: skip
    assert sum(not c for r in rows for c in r["converged"]) > 0  # the censoring is exercised
    fits = C.depth_fits(rows, cap)
    got = fits[law]
    assert abs(got["b"] - b) < 3 * got["b_stderr"], got
    assert fits["best_law"] == law


def test_stall_times_scale_like_alpha_squared_and_are_positive():
    x, y = C.problem(8, 0)
    f = random_filters(3, 5, 8, seed=2)
    tau = C.stall_times(x, y, f)
    assert tau.shape == (3, 4) and np.all(tau > 0)
    # C2: with every layer scaled by alpha each CN gradient scales like 1/alpha, so GF time like alpha^2
    np.testing.assert_allclose(C.stall_times(x, y, 3.0 * f), 9.0 * tau, rtol=1e-12)


def test_stall_state_matches_the_simulator_and_its_shares_sum_to_one():
    x, y = C.problem(16, 0)
    f = random_filters(4, 6, 16, seed=3)
    st = C.stall_state(x, y, f, eta=0.003, steps=50)
    sim = simulate_gd(x, y, f, eta=0.003, normalized=True, max_iter=50, tol=0)
    np.testing.assert_allclose(st["ratio"], sim.final_loss / sim.initial_loss, rtol=1e-12)
    np.testing.assert_allclose(st["share"].sum(-1), 1.0, rtol=1e-12)
    assert st["nyquist_share"].shape == (4,)
    assert "nyquist_share" not in C.stall_state(
        *C.problem(15, 0), random_filters(2, 3, 15), eta=0.003, steps=2
    )


def test_store_resumes_finished_cells(tmp_path):
    path = str(tmp_path / "cells.sqlite")
    s = C.Setting(8, 1, "cn", 2, 50)
    row = C.tune_depth(s, 2, path, start=-4, max_extend=1)
    again = CellStore(path)
    assert C.tune_depth(s, 2, again, start=-4, max_extend=1) == row and again.computed == 0
    again.close()


def test_settings_side_by_side_give_the_rows_of_each_setting_alone():
    a, b = C.Setting(8, 1, "cn", 2, 200), C.Setting(8, 1, "plain", 2, 200)
    both = C.measure_settings([(a, (2, 3), False), (b, (2, 4), True)], progress=False)
    assert both == [C.measure_setting(a, (2, 3)), C.measure_setting(b, (2, 4), stop_when_none=True)]


def test_plain_measurement_stops_at_the_first_depth_where_nothing_converges():
    s = C.Setting(8, 1, "plain", 2, 30)
    rows = C.measure_setting(s, (2, 16, 32), stop_when_none=True)
    assert rows[-1]["converged_fraction"] == 0 or len(rows) == 3
    assert all(r["converged_fraction"] > 0 for r in rows[:-1])


def test_rescaled_and_width_settings_run():
    store = CellStore()
    for s in (C.Setting(8, 1, "cn_rescaled", 2, 200), C.Setting(8, 2, "cn", 2, 200)):
        row = C.tune_depth(s, 2, store, start=-4, max_extend=0)
        assert 0 <= row["converged_fraction"] <= 1 and len(row["iterations"]) == 2


@pytest.mark.parametrize(
    "kwargs,word",
    [({"variant": "relu"}, "variant"), ({"k": 2, "variant": "plain"}, "width"), ({"n": 1}, "n"),
     ({"tol": 0.0}, "tol"), ({"draws": 0}, "draws")],
)  # fmt: skip
def test_bad_settings_are_refused_with_the_parameter_named(kwargs, word):
    with pytest.raises(ValueError, match=word):
        C.Setting(**kwargs)


def test_cli_refuses_bad_input_with_exit_code_2(capsys):
    assert C.main(["--draws", "0"]) == 2
    assert "--draws" in capsys.readouterr().err


def test_law_check_reports_its_numbers():
    s = C.Setting(16, 1, "cn", 4, 2000)
    rows = C.measure_setting(s, (2, 4, 8))
    got = C.law_check(s, rows)
    assert got["draws"] == 12 and 0 <= got["agree"] <= 12 and math.isfinite(got["spearman"])


def test_figure_cn_steps_vs_depth_draws_from_its_data(tmp_path):
    from matplotlib.figure import Figure

    from numerics.figures import cn_depth as F

    data = F.cn_steps_vs_depth_data(depths=(2, 3), draws=2, max_iter=200, store=str(tmp_path / "s.sqlite"))
    assert data["cn_n16_median"].shape == (2,) and data["cn_n16_eta_interior"].shape == (2,)
    assert isinstance(F.plot_cn_steps_vs_depth(data), Figure)
    assert CellStore(str(tmp_path / "s.sqlite")).done()  # the cells were kept
