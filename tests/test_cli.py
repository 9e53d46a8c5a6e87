"""proofs_check command line: exit codes, report schema, bad input, resumable sweeps."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from numerics import sweep
from proofs_check.cli import main


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "proofs_check", *args], capture_output=True, text=True, cwd=cwd
    )


def test_list_prints_every_claim_tab_separated():
    out = run("--list")
    assert out.returncode == 0
    rows = [line.split("\t") for line in out.stdout.strip().splitlines()]
    assert [r[0] for r in rows][:21] == [f"T{k}" for k in range(1, 10)] + [f"C{k}" for k in range(1, 8)] + [
        f"M{k}" for k in range(1, 6)
    ]
    assert all(len(r) == 3 for r in rows)


def test_json_report_schema(tmp_path):
    path = tmp_path / "r.json"
    md = tmp_path / "r.md"
    code = main(["--only", "T7,C3", "--json", str(path), "--markdown", str(md), "--quiet"])
    report = json.loads(path.read_text())
    assert code == 0 and report["summary"]["all_pass"]
    assert {c["id"] for c in report["claims"]} == {"T7", "C3"}
    for claim in report["claims"]:
        assert set(claim) >= {"id", "title", "status", "checks", "seconds"}
        assert claim["status"] in ("pass", "fail", "error", "todo")
        for check in claim["checks"]:
            assert set(check) >= {"name", "method", "passed", "discrepancy", "tolerance", "digits", "detail"}
    assert set(report["summary"]) >= {"pass", "fail", "error", "todo", "total"}
    assert "## T7" in md.read_text() and "Environment" in md.read_text()


def test_failing_claim_gives_exit_code_1(monkeypatch):
    from proofs_check import claims
    from theory.checks import Check

    broken = claims.Claim("T1", "t", "m", "s", "a", lambda ctx: [Check("x", "symbolic", False)])
    monkeypatch.setattr(claims, "CLAIMS", (broken,))
    assert main(["--quiet"]) == 1


def test_error_in_a_claim_is_reported_as_error(monkeypatch, tmp_path):
    from proofs_check import claims

    def boom(ctx):
        raise RuntimeError("boom")

    monkeypatch.setattr(claims, "CLAIMS", (claims.Claim("T1", "t", "m", "s", "a", boom),))
    path = tmp_path / "r.json"
    assert main(["--quiet", "--json", str(path)]) == 1
    assert json.loads(path.read_text())["claims"][0]["status"] == "error"


@pytest.mark.parametrize(
    "args,word",
    [
        (["--only", "T99"], "--only"),
        (["--dps", "5"], "--dps"),
        (["--dps", "abc"], "--dps"),
        (["--seed", "-1"], "--seed"),
        (["--json", "/nonexistent/dir/r.json"], "--json"),
        (["simulate", "--n", "1"], "--n"),
        (["simulate", "--depths", "0:4"], "--depths"),
        (["simulate", "--depths", "a,b"], "--depths"),
        (["simulate", "--eta", "0"], "--eta"),
        (["simulate", "--eta", "0.1,-2"], "--eta"),
        (["simulate", "--tol", "2"], "--tol"),
        (["simulate", "--normalization", "batch"], "--normalization"),
        (["simulate", "--trials", "0"], "--trials"),
        (["simulate", "--n", "8", "--filter-length", "9", "--db", ":memory:"], "--filter-length"),
        (["figures", "--out", "/proc/no/such"], "--out"),
        (["figures"], "--out"),
        (["bench", "--depth", "0"], "--depth"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, word):
    out = run(*args)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and word in lines[0] and "Traceback" not in out.stderr


@pytest.mark.parametrize("sub", [[], ["figures"], ["simulate"], ["bench"]])
def test_help_has_an_example(sub):
    out = run(*sub, "--help")
    assert out.returncode == 0 and "example:" in out.stdout


def test_simulate_sweep_and_resume(tmp_path):
    db = tmp_path / "s.sqlite"
    args = [
        "simulate",
        "--n",
        "8",
        "--depths",
        "2:3",
        "--trials",
        "2",
        "--eta",
        "0.1,0.03",
        "--max-iter",
        "200",
        "--db",
        str(db),
        "--tune",
    ]
    first = run(*args)
    assert first.returncode == 0 and "8 cells (8 computed now, 0 reused" in first.stdout
    second = run(*args)
    assert "8 cells (0 computed now, 8 reused" in second.stdout
    assert "best step size" in second.stdout


def test_interrupted_sweep_resumes_without_recomputing(tmp_path):
    cfg = sweep.SweepConfig(n=8, trials=2, max_iter=100)
    cells = sweep.make_cells(("none", "channel"), (2, 3), (0.1,), (0,))
    store = sweep.Store(str(tmp_path / "s.sqlite"))
    seen = []

    def interrupt_after_two(cell):
        if len(seen) == 2:
            raise KeyboardInterrupt
        seen.append(cell)

    with pytest.raises(KeyboardInterrupt):
        sweep.run_sweep(cfg, cells, store, progress=False, on_cell=interrupt_after_two)
    store.close()
    assert (
        sqlite3.connect(str(tmp_path / "s.sqlite")).execute("SELECT COUNT(*) FROM cells").fetchone()[0] == 2
    )
    store = sweep.Store(str(tmp_path / "s.sqlite"))
    recomputed = []
    assert sweep.run_sweep(cfg, cells, store, progress=False, on_cell=recomputed.append) == 2
    assert not set(recomputed) & set(seen)
    assert len(store.results(cfg, cells)) == 4


def test_best_step_sizes_prefers_convergence_then_speed():
    s = sweep.Summary
    rows = [
        s("none", 2, 0.1, 4, 2, 0, 10, 5, 20),
        s("none", 2, 0.03, 4, 4, 0, 50, 40, 60),
        s("none", 2, 0.01, 4, 4, 0, 90, 80, 99),
    ]
    assert sweep.best_step_sizes(rows)[0].eta == 0.03


@pytest.mark.slow
def test_figures_quick(tmp_path):
    out = run("figures", "--quick", "--out", str(tmp_path))
    assert out.returncode == 0
    assert len(list(tmp_path.glob("*.png"))) >= 6 and len(list(tmp_path.glob("*.pdf"))) >= 6
    assert not list(tmp_path.glob(".tmp-*"))


@pytest.mark.parametrize("args", [["--tol", "0.1,0.5"], ["--momentum", "0.5,0.9"], ["--eta", "nan"]])
def test_simulate_rejects_lists_and_nan_where_one_number_is_meant(args):
    out = run("simulate", *args, "--db", ":memory:")
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
