"""Running claims and writing what they found: the terminal table, JSON and Markdown."""

from __future__ import annotations

import json
import math
import platform
import sys
import time
import traceback
from collections.abc import Sequence
from typing import Any

from numerics.files import atomic_path
from proofs_check.claims import Claim, Context


def run_claims(claims: Sequence[Claim], ctx: Context, progress: bool = True) -> list[dict[str, Any]]:
    """Run each claim, timing it; an exception makes the claim ``error`` with its message."""
    out = []
    for k, claim in enumerate(claims, 1):
        if progress:
            print(f"[{k}/{len(claims)}] {claim.id} {claim.title} ...", end="", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        try:
            checks = [c.as_dict() for c in claim.run(ctx)]
            status = "pass" if checks and all(c["passed"] for c in checks) else "fail"
            error = None
        except Exception as exc:  # reported, never hidden
            checks, status = [], "error"
            error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"
        seconds = time.perf_counter() - t0
        if progress:
            print(f" {status} ({seconds:.1f} s)", file=sys.stderr, flush=True)
        out.append(
            {
                "id": claim.id,
                "title": claim.title,
                "status": status,
                "methods": claim.methods,
                "statement": claim.statement,
                "assumptions": claim.assumptions,
                "checks": checks,
                "seconds": round(seconds, 3),
                **({"error": error} if error else {}),
            }
        )
    return out


def environment(ctx: Context) -> dict[str, Any]:
    import matplotlib
    import mpmath
    import numpy
    import scipy
    import sympy

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sympy": sympy.__version__,
        "mpmath": mpmath.__version__,
        "mpmath_backend": mpmath.libmp.BACKEND,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "matplotlib": matplotlib.__version__,
        "seed": ctx.seed,
        "dps": ctx.dps,
        "full": ctx.full,
    }


def build_report(results: list[dict[str, Any]], ctx: Context) -> dict[str, Any]:
    counts = {s: sum(r["status"] == s for r in results) for s in ("pass", "fail", "error", "todo")}
    return {
        "claims": results,
        "summary": {
            **counts,
            "total": len(results),
            "all_pass": counts["pass"] == len(results),
            "seconds": round(sum(r["seconds"] for r in results), 3),
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


def table(report: dict[str, Any]) -> str:
    """The terminal table: one row per claim, then one indented row per check."""
    lines = [f"{'ID':<4} {'status':<6} {'time':>7}  title / check (method: discrepancy <= tolerance, digits)"]
    for r in report["claims"]:
        lines.append(f"{r['id']:<4} {r['status'].upper():<6} {r['seconds']:>6.1f}s  {r['title']}")
        for c in r["checks"]:
            mark = "ok " if c["passed"] else "FAIL"
            nums = ""
            if c["discrepancy"] is not None:
                nums = f": {_fmt(c['discrepancy'])} <= {_fmt(c['tolerance'])}"
            if c["digits"] is not None:
                nums += f", {_fmt(c['digits'])} digits"
            lines.append(f"{'':<4} {mark:<6} {'':>7}  - {c['name']} ({c['method']}{nums})")
        if r.get("error"):
            lines.append(f"{'':<20}{r['error'].splitlines()[0]}")
    s = report["summary"]
    lines.append(
        f"\n{s['pass']}/{s['total']} claims pass, {s['fail']} fail, {s['error']} error ({s['seconds']:.1f} s)"
    )
    return "\n".join(lines)


def markdown(report: dict[str, Any]) -> str:
    """A report to read and cite: statement, assumptions, method, discrepancy, digits, time."""
    env = report["environment"]
    s = report["summary"]
    out = [
        "# proofs_check report",
        "",
        f"**{s['pass']}/{s['total']} claims pass** ({s['fail']} fail, {s['error']} error) in {s['seconds']:.1f} s; "
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
                f"{'pass' if c['passed'] else '**FAIL**'} |"
            )
        details = [f"- *{c['name']}*: {c['detail']}" for c in r["checks"] if c["detail"]]
        if details:
            out += [""] + details
        if r.get("error"):
            out += ["", "```", r["error"], "```"]
    out += ["", "## Environment", ""] + [f"- {k}: {v}" for k, v in env.items()]
    return "\n".join(out) + "\n"


def write_atomic(path: str, text: str) -> None:
    """Write via a temporary file in the same folder, so no half-written file is left behind."""
    with atomic_path(path) as tmp, open(tmp, "w") as fh:
        fh.write(text)


def write_json(path: str, report: dict[str, Any]) -> None:
    write_atomic(path, json.dumps(report, indent=2, default=str) + "\n")
