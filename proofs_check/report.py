"""Running claims and writing what they found: the terminal table, JSON and Markdown."""

from __future__ import annotations

import datetime
import json
import math
import multiprocessing
import os
import platform
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Sequence
from typing import Any

import mpmath
import numpy as np

from numerics.store.files import write_text
from proofs_check.claims import Claim, Context
from theory import __version__
from theory.checks import finite_or_none

#: version of the JSON report's layout (README: "The JSON report")
SCHEMA_VERSION = 1


def _run_claim(claim: Claim, ctx: Context) -> dict[str, Any]:
    """Run one claim from a clean numeric state, timing it; an exception makes it ``error``."""
    mpmath.mp.dps = 15
    mpmath.mp.pretty = False
    t0 = time.perf_counter()
    try:
        with np.errstate(all="warn"):
            records = [c.as_dict() for c in claim.checks(ctx)]
        error = None
    except Exception as exc:  # reported, never hidden
        records = []
        error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"
    seconds = time.perf_counter() - t0
    return {
        "id": claim.id,
        "title": claim.title,
        "status": "error" if error else claim_status(records, measured=claim.measured),
        "methods": claim.methods,
        "statement": claim.statement,
        "assumptions": claim.assumptions,
        "checks": records,
        "seconds": round(seconds, 3),
        **({"error": error} if error else {}),
    }


def claim_status(checks: Sequence[dict[str, Any]], measured: bool = False) -> str:
    """``fail`` if a check fails (or there is none); ``measured`` if every check is a
    measurement or the claim is a measured question (``Claim.measured``); else ``pass``."""
    statuses = {c["status"] for c in checks}
    if not checks or "fail" in statuses:
        return "fail"
    return "measured" if measured or statuses == {"measured"} else "pass"


# Claims for the worker processes: set before the pool forks, so workers find them by
# index (no pickling of the claim functions); workers announce on _STARTED what they start.
_POOL_CLAIMS: Sequence[Claim] = ()
_STARTED: Any = None


def _init_worker() -> None:
    """Ctrl-C stops the parent, which ends the pool; SIGTERM (the parent's ``pool.terminate``)
    ends a worker at once, without a traceback; and a worker dies with its parent, even one
    killed by SIGKILL (Linux ``PR_SET_PDEATHSIG``), so no claim runs on orphaned."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):  # not Linux: the parent's terminate() still ends the pool
        pass
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


def _run_indexed(k: int, ctx: Context) -> dict[str, Any]:
    _STARTED.put(k)
    return _run_claim(_POOL_CLAIMS[k], ctx)


def default_jobs() -> int:
    """Worker processes for the claims: the machine's cores, at most 2."""
    return max(1, min(2, os.cpu_count() or 1))


def _bar(total: int, progress: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, unit="claim", file=sys.stderr, disable=None if progress else True, leave=False)


def run_claims(
    claims: Sequence[Claim], ctx: Context, progress: bool = True, jobs: int = 1
) -> list[dict[str, Any]]:
    """Run the claims, ``jobs`` at a time in worker processes; results in the given order.

    Each claim is independent (its own seeds from ``ctx.seed``, mpmath reset to 15 digits
    before it starts), so the numbers do not depend on which worker ran it or when. The
    progress bar (stderr, a terminal only) shows the running claims and their time so far.
    An interruption (Ctrl-C, or SIGTERM turned into ``Terminated`` by the CLI) ends the
    workers at once and is re-raised with ``finished``: the results of the claims that had
    finished, in the given order, so the caller can still report them.
    """
    global _POOL_CLAIMS, _STARTED
    out: list[Any] = [None] * len(claims)
    if jobs <= 1 or len(claims) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        bar = _bar(len(claims), progress)
        try:
            for k, claim in enumerate(claims):
                bar.set_postfix_str(f"{claim.id} running")
                out[k] = _run_claim(claim, ctx)
                bar.update()
        except KeyboardInterrupt as stop:
            stop.finished = [r for r in out if r is not None]  # type: ignore[attr-defined]
            raise
        finally:
            bar.close()
        return out
    fork = multiprocessing.get_context("fork")
    _POOL_CLAIMS, _STARTED = claims, fork.SimpleQueue()
    pool = fork.Pool(min(jobs, len(claims)), initializer=_init_worker)  # fork before any thread
    bar = _bar(len(claims), progress)
    try:
        order = sorted(range(len(claims)), key=lambda k: -EXPECTED_SECONDS.get(claims[k].id, 1))
        pending = {k: pool.apply_async(_run_indexed, (k, ctx)) for k in order}
        started: dict[int, float] = {}
        while pending:
            time.sleep(0.2)
            while not _STARTED.empty():
                started[_STARTED.get()] = time.perf_counter()
            for k in [k for k, r in pending.items() if r.ready()]:
                out[k] = pending.pop(k).get()
                started.pop(k, None)
                bar.update()
            now = time.perf_counter()
            bar.set_postfix_str(", ".join(f"{claims[k].id} {now - t:.0f} s" for k, t in started.items()))
        pool.close()
    except KeyboardInterrupt as stop:
        pool.terminate()
        stop.finished = [r for r in out if r is not None]  # type: ignore[attr-defined]
        raise
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
        bar.close()
        _POOL_CLAIMS, _STARTED = (), None
    return out


#: relative cost of the slow claims in the default run (measured: proofs_check --jobs 1),
#: so the pool starts the long ones first; the numbers never change a result
EXPECTED_SECONDS = {"T1": 43, "C4": 26, "T6": 25, "T9": 22, "T2": 14, "T8": 13, "C6": 9, "C2": 6, "T5": 4}


def _git(here: str, *args: str) -> str | None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}  # no GIT_DIR from outside
    try:
        out = subprocess.run(["git", "-C", here, *args], capture_output=True, text=True, timeout=5, env=env)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def package_root() -> str:
    """The folder holding the packages (theory, numerics, proofs_check): a checkout's top."""
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def git_state(root: str | None = None) -> tuple[str | None, bool | None]:
    """(commit, dirty) of the package's own repository: only when ``root`` (the folder holding
    the packages) is the top of that repository's work tree, so an installed copy inside some
    other repository (a virtualenv under a project, say) reports (None, None). ``dirty``:
    tracked files differ from the commit (``git status --porcelain --untracked-files=no``)."""
    root = root or package_root()
    top = _git(root, "rev-parse", "--show-toplevel")
    if not top or os.path.realpath(top) != os.path.realpath(root):
        return None, None
    commit = _git(root, "rev-parse", "HEAD")
    status = _git(root, "status", "--porcelain", "--untracked-files=no")
    return commit or None, None if status is None else bool(status)


def git_commit() -> str | None:
    """The commit of the source tree this package runs from, if it is that repository's checkout."""
    return git_state()[0]


def environment(ctx: Context) -> dict[str, Any]:
    """Where the report was made: package version, git commit and ``dirty`` (None unless the
    package runs from its own repository's work tree; ``dirty`` true when tracked files differ
    from the commit), UTC timestamp, Python and library versions, and the run's settings."""
    import matplotlib
    import scipy
    import sympy

    commit, dirty = git_state()
    return {
        "version": __version__,
        "git_commit": commit,
        "dirty": dirty,
        "timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sympy": sympy.__version__,
        "mpmath": mpmath.__version__,
        "mpmath_backend": mpmath.libmp.BACKEND,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "matplotlib": matplotlib.__version__,
        "seed": ctx.seed,
        "dps": ctx.dps,
        "full": ctx.full,
    }


def build_report(
    results: list[dict[str, Any]], ctx: Context, wall_seconds: float | None = None, interrupted: bool = False
) -> dict[str, Any]:
    """The report: claims, summary (counts per status; ``all_pass`` when none fails or
    errs and the run was not interrupted; ``seconds`` summed over claims, ``wall_seconds``
    elapsed; ``interrupted``: a signal stopped the run, the claims are those that finished),
    environment."""
    counts = {s: sum(r["status"] == s for r in results) for s in ("pass", "fail", "error", "measured")}
    return {
        "schema": SCHEMA_VERSION,
        "claims": results,
        "summary": {
            **counts,
            "total": len(results),
            "all_pass": counts["fail"] == counts["error"] == 0 and not interrupted,
            "interrupted": interrupted,
            "seconds": round(sum(r["seconds"] for r in results), 3),
            "wall_seconds": None if wall_seconds is None else round(wall_seconds, 3),
        },
        "environment": environment(ctx),
    }


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        if math.isinf(v):
            return "inf"
        return f"{v:.2g}"
    return str(v)


#: width of the table's status column: the longest claim status, ``MEASURED``
STATUS_WIDTH = len("measured")


def table(report: dict[str, Any]) -> str:
    """The terminal table: one row per claim, then one indented row per check."""
    w = STATUS_WIDTH
    lines = [
        f"{'ID':<4} {'status':<{w}} {'time':>7}  title / check (method: discrepancy <= tolerance, digits)"
    ]
    for r in report["claims"]:
        lines.append(f"{r['id']:<4} {r['status'].upper():<{w}} {r['seconds']:>6.1f}s  {r['title']}")
        for c in r["checks"]:
            mark = {"pass": "ok", "fail": "FAIL", "measured": "meas"}[c["status"]]
            nums = ""
            if c["discrepancy"] is not None:
                nums = f": {_fmt(c['discrepancy'])} <= {_fmt(c['tolerance'])}"
            if c["digits"] is not None:
                nums += f", {_fmt(c['digits'])} digits"
            lines.append(f"{'':<4} {mark:<{w}} {'':>7}  - {c['name']} ({c['method']}{nums})")
        if r.get("error"):
            lines.append(f"{'':<{w + 15}}{r['error'].splitlines()[0]}")
    s = report["summary"]
    measured = f", {s['measured']} measured" if s["measured"] else ""
    wall = f", {s['wall_seconds']:.1f} s elapsed" if s.get("wall_seconds") is not None else ""
    lines.append(
        f"\n{s['pass']}/{s['total']} claims pass, {s['fail']} fail, {s['error']} error{measured} "
        f"({s['seconds']:.1f} s of claims{wall})"
    )
    return "\n".join(lines)


def markdown(report: dict[str, Any]) -> str:
    """A report to read and cite: statement, assumptions, method, discrepancy, digits, time."""
    env = report["environment"]
    s = report["summary"]
    out = [
        "# proofs_check report",
        "",
        f"**{s['pass']}/{s['total']} claims pass** ({s['fail']} fail, {s['error']} error, {s['measured']} measured) "
        f"in {s['seconds']:.1f} s; "
        f"seed {env['seed']}, {env['dps']} digits, {'full' if env['full'] else 'default'} run.",
        "",
        "| claim | status | methods | time |",
        "|---|---|---|---|",
    ]
    out += [
        f"| {r['id']} {r['title']} | {r['status']} | {r['methods']} | {r['seconds']:.1f} s |"
        for r in report["claims"]
    ]
    for r in report["claims"]:
        out += [
            "",
            f"## {r['id']}: {r['title']} ({r['status']})",
            "",
            f"*Statement.* {r['statement']}",
            "",
            f"*Assumptions.* {r['assumptions']}",
            "",
        ]
        out += ["| check | method | discrepancy | tolerance | digits | result |", "|---|---|---|---|---|---|"]
        for c in r["checks"]:
            out.append(
                f"| {c['name']} | {c['method']} | {_fmt(c['discrepancy'])} | {_fmt(c['tolerance'])} | {_fmt(c['digits'])} | "
                f"{'**FAIL**' if c['status'] == 'fail' else c['status']} |"
            )
        details = [f"- *{c['name']}*: {c['detail']}" for c in r["checks"] if c["detail"]]
        if details:
            out += [""] + details
        if r.get("error"):
            out += ["", "```", r["error"], "```"]
    out += ["", "## Environment", ""] + [f"- {k}: {v}" for k, v in env.items()]
    return "\n".join(out) + "\n"


def strict(obj: Any) -> Any:
    """``obj`` with every non-finite number replaced by None (JSON has no NaN or Infinity)
    and NumPy/mpmath numbers turned into plain ones."""
    if isinstance(obj, dict):
        return {str(k): strict(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [strict(v) for v in obj]
    if obj is None or isinstance(obj, (str, bool)):
        return obj
    return finite_or_none(obj) if not isinstance(obj, np.ndarray) else strict(obj.tolist())


def to_json(report: dict[str, Any]) -> str:
    """Strict JSON text (``allow_nan=False``: a NaN that slipped through is an error here)."""
    return json.dumps(strict(report), indent=2, allow_nan=False) + "\n"


def write_atomic(path: str, text: str) -> None:
    """Write via a temporary file in the same folder (or to stdout for ``-``), so no
    half-written file is left behind."""
    write_text(path, text)


def write_json(path: str, report: dict[str, Any]) -> None:
    write_atomic(path, to_json(report))
