"""The one runner (numerics.store.cells): keys, the store, resuming, concurrency, Dask."""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import threading
import time

import pytest
from dask_cells import noisy_sum, where

from numerics.store import cells as C
from proofs_check.cli import main

CELLS = [{"seed": s} for s in range(6)]


def test_results_come_back_in_the_order_of_the_cells_and_duplicates_run_once(tmp_path):
    calls = []

    def count(params):
        calls.append(params["seed"])
        return noisy_sum(params)

    got = C.run_cells(
        "t", count, [{"seed": 2}, {"seed": 1}, {"seed": 2}], store=tmp_path / "s", progress=False
    )
    assert [g["sum"] for g in got] == [noisy_sum({"seed": s})["sum"] for s in (2, 1, 2)]
    assert sorted(calls) == [1, 2]


def test_the_key_holds_experiment_params_and_version_canonically():
    a = C.cell_key("X1", {"n": 64, "k": 1}, "v1")
    assert a == C.cell_key("X1", {"k": 1, "n": 64}, "v1") == '["X1","v1",{"k":1,"n":64}]'
    assert a != C.cell_key("X2", {"n": 64, "k": 1}, "v1") and a != C.cell_key("X1", {"n": 64, "k": 1}, "v2")
    with pytest.raises(ValueError, match="JSON-ready"):
        C.cell_key("X1", {"eta": float("nan")}, "v1")
    assert C.code_version(noisy_sum) == C.code_version(where) and len(C.code_version(noisy_sum)) == 12


def test_a_new_code_version_recomputes_and_the_old_cells_stay(tmp_path):
    path = tmp_path / "s"
    calls = []

    def count(params):
        calls.append(1)
        return {"v": params["seed"]}

    for version in ("a", "b", "a"):
        C.run_cells("t", count, CELLS[:2], store=path, progress=False, version=version)
    assert len(calls) == 4
    assert sqlite3.connect(path).execute("SELECT COUNT(*) FROM cells").fetchone()[0] == 4


def test_an_interrupt_keeps_finished_cells_releases_claims_and_resumes(tmp_path, capsys):
    path = tmp_path / "s"
    seen = []

    def stop_at_third(params):
        if len(seen) == 2:
            raise KeyboardInterrupt
        seen.append(params["seed"])
        return noisy_sum(params)

    with pytest.raises(KeyboardInterrupt):
        C.run_cells("t", stop_at_third, CELLS, store=path, progress=False, version="v")
    db = sqlite3.connect(path)
    assert db.execute("SELECT COUNT(*) FROM cells").fetchone()[0] == 2
    assert db.execute("SELECT COUNT(*) FROM claims").fetchone()[0] == 0
    again = []

    def record(params):
        again.append(params["seed"])
        return noisy_sum(params)

    got = C.run_cells("t", record, CELLS, store=path, progress=True, version="v")
    assert not set(again) & set(seen) and len(again) == 4
    assert got == [noisy_sum(p) for p in CELLS]  # bit for bit, resumed or not
    assert "resuming: 2 of 6 cells done" in capsys.readouterr().err


def test_two_stores_on_one_file_never_claim_the_same_cell(tmp_path):
    keys = [C.cell_key("t", p, "v") for p in CELLS[:3]]
    a, b = C.CellStore(tmp_path / "s"), C.CellStore(tmp_path / "s")
    (ka,), held_a = a.claim(keys)
    (kb,), held_b = b.claim(keys)
    assert ka != kb and held_a == 0 and held_b == 1
    a.put(ka, {}, {"r": 1})
    (kb2,), held = b.claim(keys)
    assert kb2 not in (ka, kb) and held == 0
    b.close()  # releases its claims
    got, held = a.claim(keys, None)
    assert set(got) == {kb, kb2} and held == 0
    a.close()


def test_claims_of_a_dead_process_are_taken_over(tmp_path):
    store = C.CellStore(tmp_path / "s")
    key = C.cell_key("t", CELLS[0], "v")
    store.db.execute("INSERT INTO claims VALUES (?, 'ghost', ?, 999999999, 0)", (key, socket.gethostname()))
    assert C.run_cells("t", noisy_sum, CELLS[:1], store=store, progress=False, version="v")
    assert store.computed == 1
    store.close()


def test_a_cell_held_by_a_live_process_is_waited_for_not_recomputed(tmp_path):
    path = tmp_path / "s"
    other, me = C.CellStore(path), C.CellStore(path)
    keys = [C.cell_key("t", p, "v") for p in CELLS[:2]]
    (held,), _ = other.claim(keys)
    mine = []

    def compute(params):  # while `me` computes its cell, `other` finishes the held one
        other.put(held, {}, {"by": "other"})
        mine.append(params)
        return {"by": "me"}

    got = C.run_cells("t", compute, CELLS[:2], store=me, progress=False, version="v", poll=0.01)
    assert sorted(g["by"] for g in got) == ["me", "other"] and me.computed == 1
    other.close()
    me.close()


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda p: p.write_text("hello, not sqlite"), "not an SQLite database"),
        (lambda p: sqlite3.connect(p).execute("CREATE TABLE t (a)"), "not a cell store"),
        (lambda p: p.mkdir(), "not a regular file"),
    ],
)
def test_a_file_that_is_not_a_cell_store_is_refused_and_left_alone(tmp_path, make, match):
    path = tmp_path / "s"
    make(path)
    with pytest.raises(C.StoreError, match=match):
        C.run_cells("t", noisy_sum, CELLS[:1], store=path, progress=False)


# ----------------------------------------------------------------------------- Dask
def test_a_sweep_on_the_cluster_equals_the_serial_run_bit_for_bit(dask_cluster, tmp_path):
    serial = C.run_cells("t", noisy_sum, CELLS, progress=False)
    store = C.CellStore(tmp_path / "s")
    on_dask = C.run_cells("t", noisy_sum, CELLS, store=store, dask=dask_cluster.address, progress=False)
    assert on_dask == serial and store.computed == len(CELLS)
    pids = C.run_cells("w", where, CELLS, dask=dask_cluster.address, progress=False)
    assert {p["pid"] for p in pids} <= {w.pid for w in dask_cluster.workers}
    store.close()


def test_a_worker_ended_while_cells_run_loses_nothing_and_stores_nothing_twice(dask_cluster, tmp_path):
    from dask.distributed import Client

    cells = [{"seed": s, "sleep": 0.3} for s in range(12)]
    victim = dask_cluster.add_worker()  # a third worker, ended while it computes a cell
    dask_cluster.wait_for_workers(3)
    with Client(dask_cluster.address, timeout="30s") as client:
        address = next(a for a, pid in client.run(os.getpid).items() if pid == victim.pid)
        caught = []

        def end_the_worker_while_it_computes():
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not caught:
                busy = client.processing(workers=[address]).get(address)
                if busy:
                    caught.extend(busy)
                    victim.kill()
                time.sleep(0.02)

        store = C.CellStore(tmp_path / "s")
        killer = threading.Thread(target=end_the_worker_while_it_computes, daemon=True)
        killer.start()
        got = C.run_cells("t", noisy_sum, cells, store=store, dask=client, progress=False)
        killer.join(timeout=60)
    assert caught and victim.wait(timeout=10) is not None, "the worker was not ended while computing"
    assert got == [noisy_sum({"seed": c["seed"]}) for c in cells]  # none lost, each right
    assert store.computed == len(cells)  # each cell stored once
    assert store.db.execute("SELECT COUNT(*) FROM cells").fetchone()[0] == len(cells)
    store.close()


def test_simulate_on_the_cluster_stores_the_serial_run_bits(dask_cluster, tmp_path):
    args = [
        "simulate",
        "--n",
        "8",
        "--depths",
        "2,3",
        "--trials",
        "3",
        "--eta",
        "0.1,0.03",
        "--max-iter",
        "300",
    ]
    args += ["--quiet"]
    rows = {}
    for name, extra in (("serial", []), ("dask", ["--dask", dask_cluster.address])):
        assert main([*args, "--db", str(tmp_path / name), *extra]) == 0
        rows[name] = (
            sqlite3.connect(tmp_path / name).execute("SELECT key, result FROM cells ORDER BY key").fetchall()
        )
    assert len(rows["serial"]) == 8 and rows["dask"] == rows["serial"]  # the same JSON text: the same bits


def test_a_scheduler_that_is_not_there_is_one_error_within_the_timeout(tmp_path):
    pytest.importorskip("dask.distributed")
    t0 = time.monotonic()
    with pytest.raises(ValueError, match=r"^--dask: cannot reach a scheduler at 'tcp://127.0.0.1:1'"):
        C.run_cells("t", noisy_sum, CELLS, store=tmp_path / "s", dask="tcp://127.0.0.1:1", progress=False)
    assert time.monotonic() - t0 < C.DASK_TIMEOUT + 10
    db = sqlite3.connect(tmp_path / "s")
    assert db.execute("SELECT COUNT(*) FROM cells").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM claims").fetchone()[0] == 0


def _probe_cells() -> list:
    from numerics.mc import cn_depth, explosion

    x1 = C.run_cells(
        "X1", explosion.rate_cell, [explosion.rate_params(32, 2, 4, 0, depths=(3, 6))], progress=False
    )
    s = cn_depth.Setting(8, 2, "cn", 6, 300)
    x2 = C.run_cells("X2", cn_depth.x2_cell, [cn_depth.cell_params(s, 4, -4)], progress=False)
    return [x1, x2]


def test_a_cell_gives_the_same_bits_on_one_thread_and_on_all_cores():
    """A worker may have any number of cores: BLAS and numba thread counts must not change a bit."""
    import json
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    env.update(NUMBA_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    probe = "import json, test_cells; print(json.dumps(test_cells._probe_cells()))"
    run = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads(run.stdout) == _probe_cells()


@pytest.mark.parametrize(
    "argv,word",
    [
        (["--store", "NOTSQLITE"], "not an SQLite database"),
        (["--store", "/nonexistent/dir/s.sqlite"], "does not exist"),
        (["--store", ":memory:"], "keep nothing"),
        (["--dask", "tcp://127.0.0.1:1", "--full"], "cannot reach a scheduler"),
        (["--dask", "not an address"], "--dask"),
    ],
)
def test_main_store_and_dask_are_checked_before_any_work(tmp_path, capsys, argv, word):
    pytest.importorskip("dask.distributed")
    (tmp_path / "NOTSQLITE").write_text("text\n")
    argv = [str(tmp_path / a) if a == "NOTSQLITE" else a for a in argv]
    t0 = time.monotonic()
    with pytest.raises(SystemExit) if "not an address" in argv else contextlib.nullcontext():
        assert main([*argv, "--only", "X1", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert word in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert time.monotonic() - t0 < C.DASK_TIMEOUT + 10
    assert (tmp_path / "NOTSQLITE").read_text() == "text\n"


def test_x2_rounds_on_the_cluster_give_the_serial_rows(dask_cluster):
    from numerics.mc import cn_depth

    settings = [
        (cn_depth.Setting(8, 1, "cn", 2, 200), (2, 3), False),
        (cn_depth.Setting(8, 1, "plain", 2, 200), (2,), True),
    ]
    serial = cn_depth.measure_settings(settings, progress=False)
    assert cn_depth.measure_settings(settings, dask=dask_cluster.address, progress=False) == serial


def test_a_finished_cell_is_never_computed_again(tmp_path):
    """Run, then resume on a fresh handle: each cell computed exactly once, the resume computes none.
    (A store that forgot its finished cells, ``done`` empty, once made every run claim a stored cell
    again, forever: the second call of a cell fails here at once instead of hanging.)"""
    path, calls = tmp_path / "s", []

    def once(params):
        assert params["seed"] not in calls, f"cell {params} computed twice"
        calls.append(params["seed"])
        return noisy_sum(params)

    first = C.run_cells("t", once, CELLS[:3], store=path, progress=False, version="v")
    assert sorted(calls) == [0, 1, 2]
    with C.CellStore(path) as again:
        assert len(again.done()) == 3
        assert C.run_cells("t", once, CELLS[:3], store=again, progress=False, version="v") == first
        assert again.computed == 0 and len(calls) == 3


def test_a_store_that_loses_finished_cells_is_an_error_not_an_endless_loop(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(C.CellStore, "done", lambda self: set())
    with pytest.raises(C.StoreError, match="was stored, yet is not reported finished"):
        C.run_cells(
            "t", lambda p: calls.append(p) or {"v": 1}, CELLS[:2], store=tmp_path / "s", progress=False
        )
    assert len(calls) == 1
