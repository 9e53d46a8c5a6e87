"""proofs_check command line: exit codes, report schema, bad input, resumable sweeps."""

from __future__ import annotations

import argparse
import csv
import json
import sqlite3
import subprocess
import sys

import numpy as np
import pytest
from cli_runner import cli

from numerics.store import sweep
from proofs_check import __version__
from proofs_check.cli import build_parser, main


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


def _reject_constant(name):
    raise ValueError(f"non-standard JSON constant {name}")


def strict_load(text):
    """json.loads that refuses NaN, Infinity and -Infinity, as a strict parser would."""
    return json.loads(text, parse_constant=_reject_constant)


def test_json_report_schema(tmp_path):
    path = tmp_path / "r.json"
    md = tmp_path / "r.md"
    code = main(["--only", "T7,C3", "--json", str(path), "--markdown", str(md), "--quiet"])
    report = strict_load(path.read_text())
    assert code == 0 and report["summary"]["all_pass"]
    assert [c["id"] for c in report["claims"]] == ["T7", "C3"]
    assert report["schema"] == 1
    for claim in report["claims"]:
        assert set(claim) >= {"id", "title", "status", "checks", "seconds", "statement", "assumptions"}
        assert claim["status"] in ("pass", "fail", "error", "measured")
        for check in claim["checks"]:
            assert set(check) >= {"name", "method", "status", "passed", "discrepancy", "tolerance", "digits"}
            assert check["status"] in ("pass", "fail", "measured")
            assert all(isinstance(v, (int, float)) for v in check["values"].values())
            if check["discrepancy"] is not None:
                assert check["values"]["discrepancy"] == check["discrepancy"]
    assert set(report["summary"]) >= {
        "pass",
        "fail",
        "error",
        "measured",
        "total",
        "all_pass",
        "wall_seconds",
    }
    env = report["environment"]
    assert env["version"] == __version__ and env["timestamp"].endswith("+00:00")
    assert "git_commit" in env
    assert "## T7" in md.read_text() and "Environment" in md.read_text()


def test_json_is_strict_and_measurements_are_measured(monkeypatch, tmp_path):
    """NaN and infinities never reach the JSON; a measurement row has status measured."""
    from proofs_check import claims
    from proofs_check.claims.base import measured, measurement
    from theory.checks import Check

    def run(ctx):
        return [
            measured(
                "nan never passes", "float64", float("nan"), 1.0, values={"x": float("inf"), "n": np.int64(3)}
            ),
            Check("exact", "high-precision", True, discrepancy=0.0, tolerance=1e-10, digits=float("inf")),
            measurement("a rate", "measured slope", values={"estimate": -0.25, "stderr": np.float32(0.01)}),
        ]

    monkeypatch.setattr(claims, "CLAIMS", (claims.Claim("T1", "t", "m", "s", "a", run),))
    path = tmp_path / "r.json"
    assert main(["--quiet", "--json", str(path)]) == 1
    checks = strict_load(path.read_text())["claims"][0]["checks"]
    assert checks[0]["discrepancy"] is None and checks[0]["status"] == "fail"
    assert checks[0]["values"] == {"tolerance": 1.0, "n": 3}
    assert checks[1]["digits"] is None and checks[1]["values"]["discrepancy"] == 0.0
    assert checks[2]["status"] == "measured" and checks[2]["passed"] is None
    assert checks[2]["values"]["estimate"] == -0.25 and abs(checks[2]["values"]["stderr"] - 0.01) < 1e-8


def test_claim_of_measurements_only_is_measured_and_exit_0(monkeypatch, capsys):
    from proofs_check import claims
    from proofs_check.claims.base import measurement

    c = claims.Claim("C7", "t", "m", "s", "a", lambda ctx: [measurement("m", "d", {"x": 1})])
    monkeypatch.setattr(claims, "CLAIMS", (c,))
    assert main(["--quiet"]) == 0
    assert "meas" in capsys.readouterr().out


def test_version_has_one_source():
    import theory

    out = run("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"proofs_check {theory.__version__}"
    assert __version__ == theory.__version__


def test_parallel_claims_give_the_same_report_in_the_same_order(tmp_path):
    """Two worker processes or one: identical checks, claims in the requested order."""
    reports = []
    for jobs in ("1", "2"):
        path = tmp_path / f"r{jobs}.json"
        assert main(["--only", "C3,T7,T4,T3", "--jobs", jobs, "--json", str(path), "--quiet"]) == 0
        reports.append(strict_load(path.read_text()))
    assert [c["id"] for c in reports[0]["claims"]] == ["C3", "T7", "T4", "T3"]
    drop = ("seconds", "detail")  # prose may quote timings

    def strip_claim(c):
        checks = [{k: v for k, v in check.items() if k not in drop} for check in c["checks"]]
        return {**{k: v for k, v in c.items() if k not in drop}, "checks": checks}

    strip = [[strip_claim(c) for c in r["claims"]] for r in reports]
    assert strip[0] == strip[1]


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
        (
            ["simulate", "--n", "8", "--filter-length", "9", "--db", "/nonexistent/s.sqlite"],
            "--filter-length",
        ),
        (["figures", "--out", "/proc/no/such"], "--out"),
        (["figures"], "--out"),
        (["bench", "--depth", "0"], "--depth"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, word):
    out = cli(*args)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and word in lines[0] and "Traceback" not in out.stderr


@pytest.mark.parametrize("sub", [[], ["figures"], ["simulate"], ["bench"]])
def test_help_has_an_example(sub):
    out = cli(*sub, "--help")
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
    first = cli(*args)
    assert first.returncode == 0 and "8 cells (8 computed now, 0 reused" in first.stdout
    second = cli(*args)
    assert "8 cells (0 computed now, 8 reused" in second.stdout
    assert "best step size" in second.stdout


def test_interrupted_sweep_resumes_without_recomputing(tmp_path, monkeypatch):
    cfg = sweep.SweepConfig(n=8, trials=2, max_iter=100)
    cells = sweep.make_cells(("none", "channel"), (2, 3), (0.1,), (0,))
    path, real, seen, recomputed = str(tmp_path / "s.sqlite"), sweep.run_cell, [], []

    def interrupt_after_two(c, cell):
        if len(seen) == 2:
            raise KeyboardInterrupt
        seen.append(cell)
        return real(c, cell)

    monkeypatch.setattr(sweep, "run_cell", interrupt_after_two)
    with pytest.raises(KeyboardInterrupt):
        sweep.run_sweep(cfg, cells, path, progress=False)
    assert sqlite3.connect(path).execute("SELECT COUNT(*) FROM cells").fetchone()[0] == 2
    monkeypatch.setattr(sweep, "run_cell", lambda c, cell: recomputed.append(cell) or real(c, cell))
    assert len(sweep.run_sweep(cfg, cells, path, progress=False)) == 4
    assert len(recomputed) == 2 and not set(recomputed) & set(seen)


def test_best_step_sizes_prefers_convergence_then_speed():
    s = sweep.Summary
    rows = [
        s("none", 2, 0.1, 4, 2, 0, 0, 10, 5, 20),
        s("none", 2, 0.03, 4, 4, 0, 0, 50, 40, 60),
        s("none", 2, 0.01, 4, 4, 0, 0, 90, 80, 99),
    ]
    assert sweep.best_step_sizes(rows)[0].eta == 0.03
    assert sweep.edge_warnings(rows) == []
    assert "smallest" in sweep.edge_warnings(rows[:2])[0]
    assert "nothing was tuned" in sweep.edge_warnings(rows[:1])[0]


def test_every_option_has_help_without_python_reprs():
    parser = build_parser()
    subs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    for p in [parser, *subs.values()]:
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction) or action.dest == "help":
                continue
            assert action.help, f"{p.prog} {action.option_strings} has no help"
            assert "(10, " not in action.help
    assert "--dps" in parser.format_help() and "10 to 100" in parser.format_help()


@pytest.mark.parametrize(
    "args,word",
    [
        (["--json", "x.json", "simulate"], "--json"),
        (["--only", "T1", "figures", "--out", "x"], "--only"),
        (["--seed", "3", "simulate"], "--seed"),
        (["--dps", "40", "bench"], "--dps"),
        (["--full", "simulate"], "--full"),
        (["--markdown", "x.md", "bench"], "--markdown"),
        (["--list", "simulate"], "--list"),
        (["--jobs", "2", "simulate"], "--jobs"),
    ],
)
def test_check_options_before_a_subcommand_are_refused(args, word, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and word in err[0]
    assert not list(tmp_path.iterdir())  # nothing written, nothing run


def test_simulate_writes_json_and_csv_and_quiet_is_honored_before_the_subcommand(tmp_path, capsys):
    db, js, cs = tmp_path / "s.sqlite", tmp_path / "s.json", tmp_path / "s.csv"
    args = ["--n", "8", "--depths", "2", "--trials", "2", "--eta", "0.1,0.03", "--max-iter", "100"]
    code = main(
        ["--quiet", "simulate", *args, "--db", str(db), "--json", str(js), "--csv", str(cs), "--tune"]
    )
    assert code == 0
    err = capsys.readouterr().err
    assert "note" not in err and "resuming" not in err
    doc = strict_load(js.read_text())
    assert doc["cells"] == 4 and len(doc["summaries"]) == 4
    assert {"underflowed", "converged", "median", "best"} <= set(doc["summaries"][0])
    assert sum(r["best"] for r in doc["summaries"]) == 2
    rows = list(csv.DictReader(cs.open()))
    assert len(rows) == 4 and rows[0]["normalization"] in ("none", "channel")


def test_simulate_table_has_an_underflow_column(tmp_path):
    out = run(
        "simulate",
        "--n",
        "8",
        "--depths",
        "2",
        "--trials",
        "1",
        "--max-iter",
        "20",
        "--db",
        str(tmp_path / "s"),
    )
    assert out.returncode == 0 and "under" in out.stdout.splitlines()[1]


def test_progress_is_quiet_when_stderr_is_not_a_terminal(tmp_path):
    out = run(
        "simulate",
        "--n",
        "8",
        "--depths",
        "2:4",
        "--trials",
        "1",
        "--max-iter",
        "50",
        "--db",
        str(tmp_path / "s"),
    )
    assert out.returncode == 0 and "\r" not in out.stderr and out.stderr == ""
    out = cli("--only", "T7,C3")
    assert out.returncode == 0 and "\r" not in out.stderr and out.stderr == ""


@pytest.mark.slow
def test_figures_quick(tmp_path):
    out = run("figures", "--quick", "--out", str(tmp_path))
    assert out.returncode == 0
    assert len(list(tmp_path.glob("*.png"))) >= 6 and len(list(tmp_path.glob("*.pdf"))) >= 6
    assert not list(tmp_path.glob(".tmp-*"))


@pytest.mark.parametrize("args", [["--tol", "0.1,0.5"], ["--momentum", "0.5,0.9"], ["--eta", "nan"]])
def test_simulate_rejects_lists_and_nan_where_one_number_is_meant(args):
    out = cli("simulate", *args, "--db", ":memory:")
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "text,depths",
    [
        ("2:5", [2, 3, 4, 5]),
        ("2:8:2", [2, 4, 6, 8]),
        ("2:9:3", [2, 5, 8]),
        ("3:3", [3]),
        ("2,4,8", [2, 4, 8]),
    ],
)
def test_a_depth_range_includes_its_stop(text, depths):
    """``--depths start:stop[:step]`` is every start + k step <= stop (stop included when reached)."""
    parser = build_parser()
    assert parser.parse_args(["simulate", "--depths", text]).depths == depths
    help_text = " ".join(cli("simulate", "--help").stdout.split())
    assert "2:40[:step], stop included" in help_text


def test_simulate_seeds_are_distinct_draws(tmp_path):
    """``--seeds 3 --seed 5``: three cells per (normalization, depth, eta), seeds 5, 6, 7, each its own draws."""
    db, js = tmp_path / "s.sqlite", tmp_path / "s.json"
    args = [
        "simulate",
        "--n",
        "8",
        "--depths",
        "2",
        "--trials",
        "2",
        "--eta",
        "0.1",
        "--normalization",
        "none",
    ]
    out = cli(
        *args,
        "--seeds",
        "3",
        "--seed",
        "5",
        "--max-iter",
        "3",
        "--tol",
        "0",
        "--db",
        str(db),
        "--json",
        str(js),
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(js.read_text())
    assert doc["cells"] == 3 and doc["summaries"][0]["trials"] == 6
    rows = sqlite3.connect(db).execute("SELECT cell, result FROM cells").fetchall()
    seeds = sorted(json.loads(cell)["seed"] for cell, _ in rows)
    losses = {tuple(json.loads(result)["final_loss"]) for _, result in rows}
    assert seeds == [5, 6, 7] and len(losses) == 3  # three seeds, three different pairs of draws
