"""Robust at the edges (issue 9): stores, output paths, sizes, types, duplicates, concurrency.

Every bad input gives, on the CLI, exit code 2 and one line naming the argument before any
work is done, with nothing destroyed; in the API, a ValueError naming the parameter. The
fuzz tests throw random argument lists at the parser and random values at the public API.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import io
import json
import math
import os
import re
import signal
import sqlite3
import stat
import subprocess
import sys
import time

import cli_runner
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from numerics.gd.simulate import random_filters, simulate_gd
from numerics.hp.flow import flow_time
from numerics.hp.precise import grad_norms
from numerics.store import files, sweep
from proofs_check.cli import build_parser
from theory import closed_form_gradients


# ----------------------------------------------------------------------------- helpers
def cli(*args: str) -> tuple[int, str, str]:
    """Run the CLI in this process; (exit code, stdout, stderr)."""
    done = cli_runner.cli(*args)
    return done.returncode, done.stdout, done.stderr


def run(*args: str, cwd=None, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "proofs_check", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )


def assert_rejected(code: int, err: str, word: str) -> None:
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and word in lines[0], err
    assert "Traceback" not in err


@contextlib.contextmanager
def time_limit(seconds: int):
    """Fail (never hang) if the block takes longer than ``seconds``."""

    def expire(signum, frame):
        raise TimeoutError(f"took more than {seconds} s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


SIM = ["simulate", "--n", "8", "--depths", "2", "--trials", "1", "--max-iter", "20"]


# ----------------------------------------------------------------------------- --db
def _sqlite_with(path, *statements):
    db = sqlite3.connect(path)
    for s in statements:
        db.execute(s)
    db.commit()
    db.close()


def _good_store(path):
    assert cli(*SIM, "--db", str(path))[0] == 0


def _corrupt_rows(path, sql):
    _good_store(path)
    _sqlite_with(path, sql)


@pytest.mark.parametrize(
    "make,word",
    [
        (lambda p: p.write_text("hello, not a database\n"), "not an SQLite database"),
        (lambda p: p.write_bytes(b"SQLite format 3\x00" + b"\xff" * 2000), "--db"),
        (lambda p: _sqlite_with(p, "CREATE TABLE cells (a, b)"), "columns"),
        (lambda p: _sqlite_with(p, "CREATE TABLE users (name TEXT)"), "not a cell store"),
        (
            lambda p: _corrupt_rows(p, "UPDATE cells SET result = '{\"iterations\": [1]}'"),
            "malformed (missing",
        ),
        (lambda p: _corrupt_rows(p, "UPDATE cells SET result = 'not json {'"), "malformed (not valid JSON)"),
        (lambda p: _corrupt_rows(p, "UPDATE cells SET result = '[1, 2]'"), "malformed (not a JSON object)"),
        (lambda p: (_good_store(p), os.chmod(p, 0o444)), "read-only"),
        (lambda p: p.mkdir(), "--db"),
        (lambda p: os.mkfifo(p), "not a regular file"),
    ],
)
def test_db_that_is_not_a_usable_store_is_refused_naming_db(tmp_path, make, word):
    path = tmp_path / "s.sqlite"
    make(path)
    before = _snapshot(path)
    code, _, err = cli(*SIM, "--db", str(path))
    assert_rejected(code, err, "--db")
    assert word in err
    assert _snapshot(path) == before  # nothing modified


def _snapshot(path):
    if path.is_file():
        return path.read_bytes()
    return stat.S_IFMT(os.lstat(path).st_mode)


@pytest.mark.parametrize("value", ["", ":memory:", "file::memory:", "/nonexistent/dir/s.sqlite"])
def test_db_that_keeps_nothing_or_cannot_exist_is_refused(value):
    assert_rejected(*cli(*SIM, "--db", value)[::2], "--db")


def test_foreign_sqlite_file_is_not_given_a_cells_table(tmp_path):
    path = tmp_path / "other.sqlite"
    _sqlite_with(path, "CREATE TABLE users (name TEXT)", "INSERT INTO users VALUES ('ada')")
    assert cli(*SIM, "--db", str(path))[0] == 2
    tables = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")}
    assert tables == {"users"}


def test_full_disk_while_storing_is_one_line_naming_db(tmp_path, monkeypatch):
    """A write that fails after a cell was computed (full disk) is a clean error, and the
    cells stored before it are kept."""

    class FullDisk:
        def __init__(self, db, allowed):
            self.db, self.allowed = db, allowed

        def execute(self, sql, params=()):
            if sql.startswith("INSERT OR REPLACE INTO cells"):
                if self.allowed == 0:
                    raise sqlite3.OperationalError("database or disk is full")
                self.allowed -= 1
            return self.db.execute(sql, params)

        def close(self):
            self.db.close()

    real_init = sweep.CellStore.__init__

    def init(self, path, **kw):
        real_init(self, path, **kw)
        self.db = FullDisk(self.db, allowed=1)

    monkeypatch.setattr(sweep.CellStore, "__init__", init)
    path = tmp_path / "s.sqlite"
    code, _, err = cli(*SIM[:4], "2,3", *SIM[5:], "--db", str(path))
    assert_rejected(code, err, "--db")
    assert "disk is full" in err
    assert sqlite3.connect(path).execute("SELECT COUNT(*) FROM cells").fetchone()[0] == 1
    assert sqlite3.connect(path).execute("SELECT COUNT(*) FROM claims").fetchone()[0] == 0


# ----------------------------------------------------------------------------- output paths
@pytest.mark.parametrize("option", ["--json", "--markdown"])
@pytest.mark.parametrize(
    "target,word",
    [
        ("", "empty path"),
        ("newdir/", "folder"),
        ("/nonexistent/dir/r.out", "does not exist"),
        ("/dev/null", "not a regular file"),
        ("/dev/full", "not a regular file"),
        ("FIFO", "not a regular file"),
        ("DIR", "folder"),
        ("READONLY", "read-only"),
        ("LINK_TO_DEVICE", "not a regular file"),
    ],
)
def test_bad_output_paths_are_refused_before_any_work(tmp_path, monkeypatch, option, target, word):
    monkeypatch.chdir(tmp_path)
    os.mkfifo("FIFO")
    os.mkdir("DIR")
    open("READONLY", "w").close()
    os.chmod("READONLY", 0o444)
    os.symlink("/dev/null", "LINK_TO_DEVICE")
    before = sorted(os.listdir("."))
    code, out, err = cli("--only", "T1", option, target)
    assert_rejected(code, err, option)
    assert word in err and out == ""  # no claim ran
    assert sorted(os.listdir(".")) == before
    assert stat.S_ISFIFO(os.stat("FIFO").st_mode) and stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_symlinked_output_writes_its_target_and_keeps_the_link(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    open("target.json", "w").close()
    os.symlink("target.json", "link.json")
    assert cli("--only", "T7", "--quiet", "--json", "link.json")[0] == 0
    assert os.path.islink("link.json") and json.loads(open("target.json").read())["claims"][0]["id"] == "T7"


def test_dash_writes_the_report_to_stdout_and_the_table_to_stderr():
    code, out, err = cli("--only", "T7", "--quiet", "--json", "-")
    assert code == 0 and json.loads(out)["claims"][0]["id"] == "T7"
    assert "claims pass" in err


@pytest.mark.parametrize(
    "args,word",
    [
        (["--json", "-", "--markdown", "-"], "--markdown"),
        (["--json", "same.out", "--markdown", "same.out"], "--markdown"),
    ],
)
def test_two_outputs_on_one_place_are_refused(tmp_path, monkeypatch, args, word):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("--only", "T1", *args)
    assert_rejected(code, err, word)
    assert out == ""


def test_write_failure_at_the_end_names_the_option(tmp_path, monkeypatch):
    from proofs_check import outputs

    def fail(path, text):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(outputs, "write_text", fail)
    code, _, err = cli("--only", "T7", "--quiet", "--json", str(tmp_path / "r.json"))
    assert code == 2 and "--json" in err and "No space left" in err


def test_stale_temporary_files_are_cleaned_up(tmp_path):
    dead = tmp_path / ".tmp-999999999-fig.png"  # no such pid
    legacy = tmp_path / ".tmp-abc123fig.png"
    mine = tmp_path / f".tmp-{os.getpid()}-fig.png"
    for p in (dead, legacy, mine):
        p.write_bytes(b"")
        os.utime(p, (time.time() - 7200, time.time() - 7200))
    files.write_text(str(tmp_path / "fig.txt"), "x")
    assert not dead.exists() and not legacy.exists() and mine.exists()
    assert (tmp_path / "fig.txt").read_text() == "x"


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    with pytest.raises(RuntimeError), files.atomic_path(str(tmp_path / "a.txt")) as tmp:
        open(tmp, "w").write("half")
        raise RuntimeError
    assert os.listdir(tmp_path) == []


# ----------------------------------------------------------------------------- sizes
@pytest.mark.parametrize(
    "args,word",
    [
        (["simulate", "--trials", "1", "--depths", "1000000000"], "--depths"),
        (["simulate", "--depths", "1:100000000"], "--depths"),
        (["simulate", "--n", "4096", "--trials", "1000000", "--depths", "2"], "GiB"),
        (["bench", "--n", "4096", "--depth", "1000", "--trials", "1000"], "GiB"),
        (["simulate", "--max-iter", "10000000000"], "--max-iter"),
        (["simulate", "--seeds", "100000"], "--seeds"),
    ],
)
def test_sizes_that_do_not_fit_are_refused_before_allocating(tmp_path, args, word):
    with time_limit(20):
        code, _, err = cli(*args, *(["--db", str(tmp_path / "s")] if args[0] == "simulate" else []))
    assert_rejected(code, err, word)
    assert not (tmp_path / "s").exists()


def test_long_sweeps_say_so_before_starting(tmp_path, monkeypatch):
    from proofs_check import simulate_cmd

    monkeypatch.setattr(simulate_cmd, "LONG_SWEEP_UPDATES", 10)
    code, _, err = cli(*SIM, "--db", str(tmp_path / "s"))
    assert code == 0 and "updates" in err and " h " in err


# ----------------------------------------------------------------------------- --dask
def test_dask_address_that_is_not_an_address_names_dask(tmp_path):
    code, _, err = cli(*SIM, "--db", str(tmp_path / "s"), "--dask", "not a url")
    assert_rejected(code, err, "--dask")


def test_unreachable_dask_scheduler_is_one_line_naming_dask_and_nothing_computed(tmp_path):
    pytest.importorskip("dask.distributed")
    t0 = time.perf_counter()
    with time_limit(30):
        code, _, err = cli(*SIM, "--db", str(tmp_path / "s"), "--dask", "tcp://127.0.0.1:1")
    assert code == 2 and "--dask" in err and "Traceback" not in err
    assert time.perf_counter() - t0 < 20 and not (tmp_path / "s").exists()


# ----------------------------------------------------------------------------- duplicates
@pytest.mark.parametrize(
    "extra,cells",
    [
        (["--eta", "0.1,0.10,1e-1"], 2),
        (["--normalization", "none,none"], 1),
        (["--depths", "2,2,2", "--normalization", "channel"], 1),
    ],
)
def test_duplicate_values_are_computed_once_and_said(tmp_path, extra, cells):
    code, out, err = cli(*SIM, "--db", str(tmp_path / "s"), *extra)
    assert code == 0 and f"{cells} cells ({cells} computed now" in out
    assert "duplicate" in err


def test_duplicate_claim_ids_are_checked_once(capsys):
    code, out, err = cli("--only", "T7,T7,t7")
    assert code == 0 and "1/1 claims pass" in out and "duplicate" in err


def test_make_cells_drops_duplicates():
    cells = sweep.make_cells(["none", "none"], [2, 2], [0.1, 0.10], [0, 0])
    assert cells == [sweep.Cell("none", 2, 0.1, 0)]


# ----------------------------------------------------------------------------- concurrency
# the store's claims (two stores on one file, a dead process's claims, a held cell waited
# for) are tested on the one runner: tests/numerics/store/test_cells.py


def test_concurrent_sweeps_share_the_cells(tmp_path):
    """Two processes on one --db: every cell computed exactly once between them."""
    args = [
        "simulate",
        "--n",
        "8",
        "--depths",
        "2:7",
        "--trials",
        "4",
        "--max-iter",
        "300",
        "--eta",
        "0.1,0.05",
    ]
    args += ["--db", str(tmp_path / "s")]
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "proofs_check", *args], stdout=subprocess.PIPE, text=True, env=env
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs)
    computed = [int(o.split("(")[1].split()[0]) for o in outs]
    assert sum(computed) == 24, outs
    db = sqlite3.connect(tmp_path / "s")
    assert db.execute("SELECT COUNT(*) FROM cells").fetchone()[0] == 24
    assert db.execute("SELECT COUNT(*) FROM claims").fetchone()[0] == 0


# ----------------------------------------------------------------------------- pipes
def test_closed_stdout_is_not_a_traceback():
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    p = subprocess.run(
        f"{sys.executable} -m proofs_check --list | head -c 1 > /dev/null",
        shell=True,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert "Traceback" not in p.stderr and "BrokenPipe" not in p.stderr


# ----------------------------------------------------------------------------- every CLI argument
BAD_CLI = [
    (["--list", "x"], "invalid choice"),
    (["--only", ""], "--only"),
    (["--only", "T1,X9"], "--only"),
    (["--full", "yes"], "invalid choice"),
    (["--dps", "9"], "--dps"),
    (["--dps", "5001"], "--dps"),
    (["--dps", "3.5"], "--dps"),
    (["--store", "/nonexistent/dir/s.sqlite"], "--store"),
    (["--dask", "http://x"], "--dask"),
    (["--seed", "-1"], "--seed"),
    (["--seed", "4294967296"], "--seed"),
    (["--jobs", "0"], "--jobs"),
    (["--json", ""], "--json"),
    (["--markdown", "/nonexistent/x.md"], "--markdown"),
    (["--quiet", "1"], "invalid choice"),
    (["--version", "x"], "proofs_check"),
    (["figures"], "--out"),
    (["figures", "--out", "/dev/null"], "--out"),
    (["figures", "--out", "x", "--quick", "1"], "unrecognized"),
    (["figures", "--out", "x", "--seed", "x"], "--seed"),
    (["figures", "--out", "x", "--quiet", "1"], "unrecognized"),
    (["simulate", "--n", "1"], "--n"),
    (["simulate", "--n", "4097"], "--n"),
    (["simulate", "--depths", "0:4"], "--depths"),
    (["simulate", "--depths", "2:4:0"], "--depths"),
    (["simulate", "--depths", ""], "--depths"),
    (["simulate", "--trials", "0"], "--trials"),
    (["simulate", "--eta", "inf"], "--eta"),
    (["simulate", "--eta", "0.1,,0.2"], "--eta"),
    (["simulate", "--normalization", "none,batch"], "--normalization"),
    (["simulate", "--tol", "-0.1"], "--tol"),
    (["simulate", "--tol", "nan"], "--tol"),
    (["simulate", "--max-iter", "0"], "--max-iter"),
    (["simulate", "--seeds", "0"], "--seeds"),
    (["simulate", "--seed", "-5"], "--seed"),
    (["simulate", "--filter-length", "0"], "--filter-length"),
    (["simulate", "--n", "4", "--filter-length", "5"], "--filter-length"),
    (["simulate", "--momentum", "1"], "--momentum"),
    (["simulate", "--db", ""], "--db"),
    (["simulate", "--tune", "x"], "unrecognized"),
    (["simulate", "--json", "/dev/full"], "--json"),
    (["simulate", "--csv", "nodir/"], "--csv"),
    (["simulate", "--json", "-", "--csv", "-"], "--csv"),
    (["simulate", "--dask", "http://x"], "--dask"),
    (["simulate", "--quiet", "x"], "unrecognized"),
    (["bench", "--n", "1"], "--n"),
    (["bench", "--depth", "0"], "--depth"),
    (["bench", "--device", "tpu"], "--device"),
    (["bench", "--trials", "0"], "--trials"),
    (["bench", "--small", "1:1:1"], "--small"),
    (["bench", "--repeats", "2"], "--repeats"),
    (["bench", "--seconds", "0"], "--seconds"),
    (["bench", "--eta", "nan"], "--eta"),
    (["bench", "--no-torch", "1"], "unrecognized"),
    (["paper", "--out", "figs", "--quick", "1"], "unrecognized"),
    (["paper", "--out", "figs", "--full", "1"], "unrecognized"),
    (["paper", "--out", "figs", "--quick", "--full"], "--full"),
    (["paper"], "--out"),
    (["paper", "--out", "figs", "--json", ""], "--json"),
    (["paper", "--out", "figs", "--seeds", "0"], "--seeds"),
    (["paper", "--out", "figs", "--only", "P9"], "--only"),
    (["paper", "--out", "figs", "--threads", "0"], "--threads"),
    (["paper", "--out", "figs", "--dtype", "float16"], "--dtype"),
    (["paper", "--out", "figs", "--bn-gain-init", "zeros"], "--bn-gain-init"),
    (["paper", "--out", "figs", "--device", "tpu"], "--device"),
    (["paper", "--out", "figs", "--store", "/nonexistent/dir/s.sqlite"], "--store"),
    (["paper", "--out", "figs", "--dask", "http://x"], "--dask"),
    (["paper", "--out", "figs", "--image", "no-such.png"], "--image"),
    (["nosuch"], "invalid choice"),
]


@pytest.mark.parametrize("args,word", BAD_CLI)
def test_every_cli_argument_rejects_a_bad_value(tmp_path, monkeypatch, args, word):
    monkeypatch.chdir(tmp_path)
    with time_limit(20):
        code, out, err = cli(*args)
    if args[0] == "--version":
        return  # argparse prints the version and exits 0 before reading further
    assert_rejected(code, err, word)
    assert os.listdir(tmp_path) == []


def test_the_bad_value_table_covers_every_cli_option():
    parser = build_parser()
    subs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    tested = {(a[0] if a[0] in subs else None, w) for a, _ in BAD_CLI for w in a if w.startswith("--")}
    for name, p in [(None, parser), *subs.items()]:
        for action in p._actions:
            opt = next((o for o in action.option_strings if o.startswith("--")), None)
            if opt and opt != "--help":
                assert (name, opt) in tested, f"no bad value for {name or 'proofs_check'} {opt}"


# ----------------------------------------------------------------------------- the API
F = random_filters(2, 3, 4, seed=1)
X, Y = np.linspace(-1, 1, 4), np.ones(4)
SMALL = dict(max_iter=5)

API_CALLS = {
    "flow_time": (flow_time, dict(z0=[1.0, 0.5], a=1.0, b=2.0)),
    "grad_norms": (grad_norms, dict(filters=F[0], x=X, y=Y, dps=15)),
    "simulate_gd": (simulate_gd, dict(x=X, y=Y, filters=F, eta=0.1, max_iter=5)),
    "random_filters": (random_filters, dict(trials=2, depth=3, n=4)),
    "closed_form_gradients": (closed_form_gradients, dict(n=2, d=1)),
}

BAD_API = [
    # flow_time
    ("flow_time", "z0", "12"),
    ("flow_time", "z0", []),
    ("flow_time", "z0", [1, "a"]),
    ("flow_time", "z0", [True, 1.0]),
    ("flow_time", "z0", [1, math.inf]),
    ("flow_time", "a", math.nan),
    ("flow_time", "a", 0),
    ("flow_time", "a", "1"),
    ("flow_time", "b", math.inf),
    ("flow_time", "b", 0),
    ("flow_time", "b", None),
    ("flow_time", "goal", 1.0),
    ("flow_time", "goal", "0.5"),
    ("flow_time", "goal", True),
    ("flow_time", "dps", 9),
    ("flow_time", "dps", 30.0),
    ("flow_time", "certified", "yes"),
    ("flow_time", "goal", 1e-40),  # below 10^-dps: refused before any work
    # grad_norms
    ("grad_norms", "filters", [[1j, 2], [1, 1]]),
    ("grad_norms", "filters", [1.0, 2.0]),
    ("grad_norms", "filters", [[1, 2], [3]]),
    ("grad_norms", "filters", [[None, 1.0], [1, 1]]),  # bools are accepted as 0/1 (issue 18)
    ("grad_norms", "filters", "abc"),
    ("grad_norms", "filters", [[1, 2, 3, "x"]]),
    ("grad_norms", "x", [1j, 0, 0, 0]),
    ("grad_norms", "x", [1, 2]),
    ("grad_norms", "x", [1, 2, 3, math.nan]),
    ("grad_norms", "y", "abc"),
    ("grad_norms", "y", [[0, 1, 0, 1]]),
    ("grad_norms", "y", None),
    ("grad_norms", "normalized", "yes"),
    ("grad_norms", "dps", 10**6),
    ("grad_norms", "certified", 1),
    # simulate_gd
    ("simulate_gd", "x", X + 1j),
    ("simulate_gd", "x", ["1"] * 4),
    ("simulate_gd", "x", np.ones((2, 4))),
    ("simulate_gd", "y", "abcd"),
    ("simulate_gd", "y", [1, 2, 3]),
    ("simulate_gd", "filters", F + 0j),
    ("simulate_gd", "filters", F.astype(str)),  # bool filters are accepted as 0/1 (issue 18)
    ("simulate_gd", "filters", [[1, 2], [3]]),
    ("simulate_gd", "filters", np.ones(4)),
    ("simulate_gd", "filters", np.full((2, 3, 4), np.nan)),
    ("simulate_gd", "eta", 0),
    ("simulate_gd", "eta", "0.1"),
    ("simulate_gd", "normalized", 1),
    ("simulate_gd", "max_iter", 2.5),
    ("simulate_gd", "max_iter", True),
    ("simulate_gd", "tol", "0.5"),
    ("simulate_gd", "tol", [0.1, 0.2, 0.3]),
    ("simulate_gd", "tol", 1.0),
    ("simulate_gd", "tol", [0.1, math.nan]),
    ("simulate_gd", "momentum", 1.0),
    ("simulate_gd", "momentum", -0.1),
    ("simulate_gd", "filter_length", True),
    ("simulate_gd", "filter_length", 5),
    ("simulate_gd", "filter_length", 2.0),
    ("simulate_gd", "method", "fast"),
    ("simulate_gd", "record", "no"),
    ("simulate_gd", "record_points", 0),
    ("simulate_gd", "diverge_factor", -1.0),
    ("simulate_gd", "diverge_factor", math.nan),
    ("simulate_gd", "track_conditions", None),
    ("simulate_gd", "progress", "yes"),
    ("simulate_gd", "layer_step", "sphere"),
    ("simulate_gd", "threads", 0),
    # random_filters
    ("random_filters", "trials", 0),
    ("random_filters", "trials", 10**12),
    ("random_filters", "depth", 2.0),
    ("random_filters", "n", 1),
    ("random_filters", "n", True),
    ("random_filters", "sigma2", -1.0),
    ("random_filters", "sigma2", math.inf),
    ("random_filters", "seed", -1),
    ("random_filters", "seed", "0"),
    ("random_filters", "length", 0),
    ("random_filters", "length", 5),
    # closed_form_gradients
    ("closed_form_gradients", "n", 10**5),
    ("closed_form_gradients", "n", 1),
    ("closed_form_gradients", "n", 2.5),
    ("closed_form_gradients", "d", 10**5),
    ("closed_form_gradients", "d", True),
    ("closed_form_gradients", "normalized", "no"),
]


@pytest.mark.parametrize(
    "fn,param,value", BAD_API, ids=[f"{f}-{p}-{i}" for i, (f, p, _) in enumerate(BAD_API)]
)
def test_every_api_parameter_rejects_a_bad_value_naming_it(fn, param, value):
    func, kwargs = API_CALLS[fn]
    with time_limit(10), pytest.raises(ValueError) as err:
        func(**{**kwargs, param: value})
    assert names(param, str(err.value)), str(err.value)


def test_the_bad_value_table_covers_every_api_parameter():
    tested = {(f, p) for f, p, _ in BAD_API}
    for name, (func, _) in API_CALLS.items():
        for param in inspect.signature(func).parameters:
            assert (name, param) in tested, f"no bad value for {name}({param})"


def test_good_calls_and_numpy_scalars_are_accepted():
    for func, kwargs in API_CALLS.values():
        func(**kwargs)
    simulate_gd(
        X,
        Y,
        F,
        eta=np.float32(0.1),
        max_iter=np.int64(5),
        momentum=np.float32(0.5),
        filter_length=np.int64(3),
    )
    simulate_gd(X, Y, F, eta=0.1, max_iter=5, tol=np.array([0.1, 0.2]))
    simulate_gd(X.tolist(), Y.astype(np.float32), F[0], eta=0.1, max_iter=5)
    random_filters(
        np.int64(2), np.int64(3), np.int64(4), seed=np.int64(7), length=np.int32(2), sigma2=np.float32(1)
    )
    cf = closed_form_gradients(np.int64(2), np.int64(1), normalized=np.bool_(False))
    assert cf.n == 2 and type(cf.n) is int
    flow_time(np.array([1.0, 0.5]), np.float64(1), np.complex128(2), goal=np.float32(0.5), dps=np.int64(15))
    grad_norms(np.asarray(F[0]), X, ["1", "1", "1", "1"], dps=np.int64(15), normalized=np.bool_(True))
    flow_time([np.float32(1.0), np.int64(2)], np.int64(3), np.complex64(2), dps=np.int64(15))
    grad_norms([[np.int64(1), np.float32(2)], [1, 1]], [np.float32(1), 0], [0, 1], dps=15)


def test_complex_inputs_are_not_silently_truncated():
    with pytest.raises(ValueError, match="complex"):
        simulate_gd(X, Y, F + 1e-3j, eta=0.1, max_iter=5)


# ----------------------------------------------------------------------------- fuzzing
OPTIONS = sorted(
    {o for a in build_parser()._actions for o in a.option_strings}
    | {"--n", "--depths", "--trials", "--eta", "--tol", "--db", "--dask", "--csv", "--out", "--depth"}
)
TOKENS = st.one_of(
    st.sampled_from(OPTIONS + ["simulate", "figures", "bench", "-", "--", ":memory:", "1:3", "0,1", "nan"]),
    st.text(max_size=8),
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TOKENS, max_size=8))
def test_fuzz_cli_parser_exits_2_or_parses(argv):
    """Random argument lists: the parser returns a namespace, or exits 0 (help/version)
    or 2 with one line; no traceback, no hang. Misplaced check options are refused too."""
    from proofs_check.cli import _misplaced

    out, err = io.StringIO(), io.StringIO()
    with time_limit(5), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as exc:
            assert exc.code in (0, 2)
            if exc.code == 2:
                assert len(err.getvalue().strip().splitlines()) == 1
            return
    if args.command is not None:
        _misplaced(args)  # returns a message or None, never raises


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=5),
    st.complex_numbers(allow_nan=True, allow_infinity=True),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**15), 10**15),
    st.integers(-3, 12),
    st.lists(st.one_of(st.floats(-2, 2), st.integers(-2, 2), st.text(max_size=2), st.booleans()), max_size=5),
    st.lists(st.lists(st.floats(-2, 2), max_size=5), max_size=4),
    st.sampled_from(
        [np.int64(3), np.float32(0.25), np.bool_(True), np.array(["a"]), np.ones((2, 2), complex)]
    ),
)


def names(param: str, message: str) -> bool:
    """The message names ``param`` as the subject (not as a letter inside a word)."""
    return bool(re.search(rf"(^|[\s(,]){re.escape(param)}( must|=|,| and|:)", message))


def _names_a_parameter(message: str, func) -> bool:
    return any(names(p, message) for p in inspect.signature(func).parameters)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(API_CALLS)), st.data())
def test_fuzz_public_api_value_or_valueerror_naming_a_parameter(name, data):
    """Random values for one parameter at a time (small sizes so that valid values run fast):
    the call returns, or raises a ValueError naming a parameter; no other exception, no hang."""
    func, kwargs = API_CALLS[name]
    param = data.draw(st.sampled_from(sorted(inspect.signature(func).parameters)))
    value = data.draw(JUNK)
    if param in ("max_iter", "record_points", "dps", "trials", "depth", "n", "d") and isinstance(value, int):
        value = value if abs(value) > 10**9 or value <= 12 else 12  # valid sizes stay small
    # a hang, not a slow machine: 0.8 s idle for the slowest valid call (flow_time), and the
    # first call of a worker also pays its caches, on two cores that other workers share
    with time_limit(60):
        try:
            func(**{**kwargs, param: value})
        except ValueError as err:
            assert _names_a_parameter(str(err), func), str(err)


def _wait_for_workers(session: int, workers: int, limit: float = 120) -> None:
    """Until the session has its parent and ``workers`` more processes (the check has started,
    whatever the machine's load), never more than ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        ps = subprocess.run(["ps", "-o", "pid=", "-s", str(session)], capture_output=True, text=True)
        if len(ps.stdout.split()) >= 1 + workers:
            time.sleep(0.5)
            return
        time.sleep(0.2)
    pytest.fail(f"the check's {workers} workers never started")


@pytest.mark.parametrize("target", ["parent", "group"])
def test_ctrl_c_during_a_parallel_check_ends_the_workers_at_once(target):
    """Exit 130 within seconds, whether SIGINT reaches the parent only or the whole group
    (Ctrl-C); no worker process is left behind."""
    p = subprocess.Popen(
        [sys.executable, "-m", "proofs_check", "--only", "T1,C4", "--jobs", "2", "--quiet"],
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    _wait_for_workers(p.pid, 2)
    if target == "group":
        os.killpg(p.pid, signal.SIGINT)
    else:
        p.send_signal(signal.SIGINT)
    try:
        _, err = p.communicate(timeout=20)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGKILL)
    assert p.returncode == 130 and "interrupted" in err and "Traceback" not in err
    left = subprocess.run(
        ["ps", "-o", "pid=", "-s", str(p.pid)], capture_output=True, text=True
    ).stdout.split()
    assert left == []
