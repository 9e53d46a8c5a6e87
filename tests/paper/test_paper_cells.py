"""The paper's experiments as cells of the one runner: exact packing, the thread count fixed by a
cell's parameters, stored and resumed cells, and a small paper sweep on a Dask cluster that
gives the serial run's numbers bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skimage")

from paper import cells, init_grads  # noqa: E402
from paper import deep_decoder as dd  # noqa: E402


def test_pack_is_exact_for_every_float_nan_and_infinity_included():
    a = np.array([[1.5, -0.0, np.nan], [np.inf, -np.inf, 1e-310]])
    back = cells.unpack(cells.pack(a))
    assert back.shape == a.shape and back.tobytes() == a.tobytes()
    f32 = np.float32([0.1, 3.3])
    assert cells.unpack(cells.pack(f32)).tobytes() == f32.astype(np.float64).tobytes()
    assert cells.pack(np.array([1.5, np.inf])) == {"shape": [2], "float64": "AAAAAAAA+D8AAAAAAADwfw=="}


def test_seeds_one_per_cell_with_full_else_side_by_side():
    assert cells.seed_groups(3, full=True) == [[0], [1], [2]]
    assert cells.seed_groups(3, full=False) == [[0, 1, 2]]


def small_sweep(state_dir=None) -> tuple[list[dict], list[dict]]:
    """P5 cells of a few draws and P6 cells of a 12x12 image for 5 steps (two seeds, CN and no CN)."""
    common = cells.common("float32", "cpu", 1)
    p5 = [{"draws": [a, a + 3], **cells.common("float64", "cpu", 1)} for a in (0, 3)]
    p6 = [
        {
            "normalized": normalized,
            "bn_gain_init": "uniform" if normalized else "none",
            "seed": s,
            "size": 12,
            "iters": 5,
            "image": None,
            "image_sha256": None,
            "state_dir": state_dir,
            **common,
        }
        for s in (0, 1)
        for normalized in (True, False)
    ]
    return p5, p6


def _numbers(results: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "seconds_per_step"} for r in results]


def test_a_cell_sets_torch_threads_from_its_parameters():
    p5, _ = small_sweep()
    torch.set_num_threads(1)
    one = init_grads.cell(p5[0])
    two = init_grads.cell({**p5[0], "threads": 2})
    assert torch.get_num_threads() == 2
    torch.set_num_threads(1)
    assert one == two  # here the bits do not depend on the thread count either


def test_P6_cells_stored_as_they_finish_and_not_recomputed(tmp_path, monkeypatch):
    _, p6 = small_sweep(str(tmp_path / "p6_state"))
    store = str(tmp_path / "cells.sqlite")
    first = cells.run("P6", "deep_decoder", dd.cell, p6, store=store, dask=None)
    assert len(list((tmp_path / "p6_state").iterdir())) == 4  # each cell's state file

    def recompute(*args, **kwargs):
        raise AssertionError("a stored cell was computed again")

    monkeypatch.setattr(dd, "fit", recompute)
    again = cells.run("P6", "deep_decoder", dd.cell, p6, store=store, dask=None)
    assert again == first
    r = dd.readings(cells.unpack(first[0]["loss"]), cells.unpack(first[0]["grad"]), False, None)
    assert r["grad"].shape == (dd.LAYERS + 1, 5) and np.isfinite(r["final_loss"])


def test_paper_sweep_on_dask_is_the_serial_run_bit_for_bit(dask_cluster, tmp_path):
    p5, p6 = small_sweep()
    serial = [cells.run(e, m, f, p, store=None, dask=None) for e, m, f, p in _sweep(p5, p6)]
    store = str(tmp_path / "cells.sqlite")
    remote = [cells.run(e, m, f, p, store=store, dask=dask_cluster.address) for e, m, f, p in _sweep(p5, p6)]
    assert [_numbers(r) for r in remote] == [_numbers(r) for r in serial]
    loss = cells.unpack(remote[1][0]["loss"])
    assert loss.shape == (5,) and np.all(np.isfinite(loss))


def _sweep(p5, p6):
    return [("P5", "init_grads", init_grads.cell, p5), ("P6", "deep_decoder", dd.cell, p6)]


def test_full_runs_one_cell_per_seed_with_the_numbers_of_the_seeds_side_by_side(tmp_path, monkeypatch):
    """P4 (3 training steps, a 3 x 3 grid) with --full (a cell per seed, stored) and without (one
    cell, the seeds side by side): the same numbers to rounding (a grouped convolution of two
    networks sums in another order than one network alone: the last bits differ)."""
    from paper import landscape

    monkeypatch.setattr(landscape, "ITERS", 3)
    monkeypatch.setattr(landscape, "GRID", np.linspace(-2, 2, 3))
    store = str(tmp_path / "cells.sqlite")
    full = landscape.run(str(tmp_path), quick=True, full=True, seeds=2, store=store)
    together = landscape.run(str(tmp_path), quick=True, full=False, seeds=2)
    for setting in landscape.SETTINGS:
        for name in landscape.MODES:
            a, b = full["ours"][setting][name], together["ours"][setting][name]
            assert a["final_train_loss"] == pytest.approx(b["final_train_loss"], rel=1e-12)
            for x, y in zip(a["landscape"], b["landscape"]):
                assert x == pytest.approx(y, rel=1e-9, abs=1e-12, nan_ok=True)
