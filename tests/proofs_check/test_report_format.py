"""The console table and report.md as a reader sees them: aligned columns whatever the
status, and a headline that counts every status the summary has."""

from __future__ import annotations

from proofs_check.claims import Context
from proofs_check.report import build_report, markdown, table


def _claim(cid: str, status: str, check_status: str) -> dict:
    check = {
        "name": f"{cid} check",
        "method": "measurement" if check_status == "measured" else "exact",
        "status": check_status,
        "passed": None if check_status == "measured" else check_status == "pass",
        "discrepancy": None if check_status == "measured" else 0.0,
        "tolerance": None if check_status == "measured" else 1e-12,
        "digits": None,
        "values": {},
        "detail": "",
    }
    return {
        "id": cid,
        "title": f"title {cid}",
        "status": status,
        "methods": "exact",
        "statement": "s",
        "assumptions": "a",
        "checks": [check],
        "seconds": 1.5,
    }


REPORT = build_report(
    [_claim("T1", "pass", "pass"), _claim("C7", "measured", "measured"), _claim("X3", "fail", "fail")],
    Context(),
    wall_seconds=2.0,
)


def test_every_status_keeps_the_table_columns():
    rows = [line for line in table(REPORT).splitlines() if line.startswith(("T1 ", "C7 ", "X3 "))]
    assert [r.split()[1] for r in rows] == ["PASS", "MEASURED", "FAIL"]
    assert len({r.index("title") for r in rows}) == 1, rows  # the titles start in one column
    checks = [
        line for line in table(REPORT).splitlines() if line.lstrip().startswith(("ok ", "meas ", "FAIL "))
    ]
    assert len({c.index(" - ") for c in checks}) == 1, checks
    header = table(REPORT).splitlines()[0]
    assert header.index("time") + 3 == rows[0].index("s  title")  # the times end under "time"


def test_markdown_headline_counts_the_measured_claims():
    headline = markdown(REPORT).splitlines()[2]
    assert headline.startswith("**1/3 claims pass** (1 fail, 0 error, 1 measured)"), headline
