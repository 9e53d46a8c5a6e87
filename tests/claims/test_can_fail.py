"""Every check of the registry can fail, and compares two different pieces of code.

The whole default registry runs once per session (two worker processes, the default
``Context``); every family in ``proofs_check.claims.FAMILIES`` is covered automatically.
For each deciding row: the recorded sides reproduce its verdict and discrepancy, and moving
either side by 10 tolerances makes it fail (``theory.checks.Check.moved``). A row that
cannot be moved must say why (``unmovable``). Both sides must name importable code, and
different code unless the row says why not (``same_code``, a precision guard).
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import mpmath
import pytest

from proofs_check.claims import CLAIMS, Context
from proofs_check.claims.base import UNMOVABLE_KINDS
from proofs_check.claims.independence import resolves
from theory.checks import COMPARISONS, Check

#: Longest first, so that two workers finish together.
_SLOW_FIRST = ("C4", "T1", "T6", "T9", "M1", "T8", "M3")


def _run(claim_id: str) -> tuple[str, list[Check]]:
    claim = next(c for c in CLAIMS if c.id == claim_id)
    return claim_id, claim.checks(Context())


@pytest.fixture(scope="session")
def registry() -> dict[str, list[Check]]:
    ids = sorted((c.id for c in CLAIMS), key=lambda i: _SLOW_FIRST.index(i) if i in _SLOW_FIRST else 99)
    with ProcessPoolExecutor(2) as pool:
        return dict(pool.map(_run, ids))


def _rows(registry: dict[str, list[Check]]):
    return [(cid, c) for cid, checks in registry.items() for c in checks]


def test_every_row_is_movable_or_says_why(registry):
    bad = [
        f"{cid}: {c.name}"
        for cid, c in _rows(registry)
        if not c.movable and not (c.unmovable and c.unmovable.strip())
    ]
    assert not bad, "rows with neither a comparison nor a reason why not:\n" + "\n".join(bad)


def test_unmovable_rows_are_yes_no_identities_or_measurements(registry):
    for cid, c in _rows(registry):
        if not c.movable:
            assert c.unmovable.startswith(UNMOVABLE_KINDS), f"{cid}: {c.name}: {c.unmovable}"
            assert (c.method == "measurement") == c.unmovable.startswith("measurement"), f"{cid}: {c.name}"


def test_recorded_sides_reproduce_the_verdict(registry):
    for cid, c in _rows(registry):
        if c.movable:
            assert c.comparison in COMPARISONS
            disc, ok = c.recheck()
            assert ok == c.passed, f"{cid}: {c.name}"
            if mpmath.isfinite(disc):
                assert float(disc) == pytest.approx(c.discrepancy, rel=1e-9, abs=1e-300), f"{cid}: {c.name}"


def test_every_check_fails_when_a_side_moves_by_10_tolerances(registry):
    survivors = [
        f"{cid}: {c.name} (moving {side})"
        for cid, c in _rows(registry)
        if c.movable
        for side in ("lhs", "rhs")
        if c.moved(side).passed
    ]
    assert not survivors, "checks that still pass with a side moved by 10 tolerances:\n" + "\n".join(
        survivors
    )


def test_sides_name_importable_and_different_code(registry):
    for cid, c in _rows(registry):
        if c.method == "measurement":
            continue
        assert c.sides is not None and len(c.sides) == 2, f"{cid}: {c.name} names no sides"
        assert all(resolves(s) for s in c.sides), f"{cid}: {c.name}: {c.sides} do not name importable code"
        if c.sides[0].split()[0] == c.sides[1].split()[0]:
            assert c.same_code, f"{cid}: {c.name} compares {c.sides[0]} with itself"


def test_every_deciding_claim_has_an_independent_movable_check(registry):
    for cid, checks in registry.items():
        deciding = [c for c in checks if c.method != "measurement"]
        if deciding:
            assert any(c.movable and not c.same_code for c in deciding), cid


def test_move_catches_a_weakened_tolerance():
    """The test itself: an infinite tolerance or a self-comparison is caught."""
    from proofs_check.claims.base import compared

    loose = compared("x", "float64", 1.0, 1.0, float("inf"), sides=("numpy.fft.fft", "numpy.fft.ifft"))
    assert loose.moved("lhs").passed  # a check that cannot fail survives the move, so it is flagged
    fine = compared("x", "float64", 1.0, 1.0 + 1e-12, 1e-10, comparison="rel", sides=("numpy.fft", "mpmath"))
    assert fine.passed and not fine.moved("lhs").passed and not fine.moved("rhs").passed
    bound = compared("x", "float64", 0.2, 1.0, 0.0, comparison="upper", sides=("numpy.fft", "mpmath"))
    assert bound.passed and not bound.moved("lhs").passed and not bound.moved("rhs").passed
    assert not resolves("numerics.hp.flow.no_such_function")
    assert resolves("numerics.hp.flow.flow_time (at dps)")


def test_the_shipped_report_has_the_checks_the_registry_makes(registry):
    """docs/report.json (shown on the claim pages) names each claim's checks as a default run
    makes them now: a check renamed, dropped or added makes it stale. Regenerate it with
    ``python -m proofs_check --json docs/report.json``."""
    import json
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[2] / "docs" / "report.json"
    shipped = {c["id"]: [k["name"] for k in c["checks"]] for c in json.loads(path.read_text())["claims"]}
    now = {cid: [c.name for c in checks] for cid, checks in registry.items()}
    stale = {cid: (shipped.get(cid), names) for cid, names in now.items() if shipped.get(cid) != names}
    assert not stale and set(shipped) == set(now), f"docs/report.json is stale: {stale}"
