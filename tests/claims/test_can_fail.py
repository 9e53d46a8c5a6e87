"""Every check of the registry can fail, and compares two different pieces of code.

The default registry runs once per session (two worker processes, the default ``Context``) in
two parts: every claim but the few heavy ones in each run of the suite, the heavy ones (a
minute or more of CPU each) under the ``slow`` marker; every family in
``proofs_check.claims.FAMILIES`` is covered automatically.
For each deciding row: the recorded sides reproduce its verdict and discrepancy, and moving
either side by 10 tolerances makes it fail (``theory.checks.Check.moved``). A row that
cannot be moved must say why (``unmovable``). Both sides must name importable code, and
different code unless the row says why not (``same_code``, a precision guard).
"""

from __future__ import annotations

import math
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import mpmath
import pytest

from proofs_check.claims import CLAIMS, Context
from proofs_check.claims.base import UNMOVABLE_KINDS
from proofs_check.claims.independence import resolves
from theory.checks import COMPARISONS, Check

#: The claims whose default run takes a minute or more of CPU: their rows are examined under
#: the ``slow`` marker (``pytest -m slow``), the others in every run of the suite, so that the
#: suite stays within its few minutes. Longest first, so that two workers finish together.
HEAVY = ("T6", "C4", "X1", "T9", "T8", "X2", "X3", "T1")
_LONG_FIRST = ("X4", "T5", "C2", "M1", "T2", "M3")


def _run(claim_id: str) -> tuple[str, list[Check]]:
    claim = next(c for c in CLAIMS if c.id == claim_id)
    return claim_id, claim.checks(Context())


def _order(claim_id: str, first: tuple[str, ...]) -> int:
    return first.index(claim_id) if claim_id in first else len(first)


@pytest.fixture(scope="session", params=["light", pytest.param("heavy", marks=pytest.mark.slow)])
def registry(request) -> dict[str, list[Check]]:
    """The default run's rows of the claims of one part: ``light`` (every claim but ``HEAVY``)
    or ``heavy``, each claim run with the default ``Context`` on two worker processes."""
    heavy = request.param == "heavy"
    first = HEAVY if heavy else _LONG_FIRST
    ids = sorted((c.id for c in CLAIMS if (c.id in HEAVY) == heavy), key=lambda i: _order(i, first))
    with ProcessPoolExecutor(2) as pool:
        return dict(pool.map(_run, ids))


def test_the_two_parts_cover_the_registry():
    assert set(HEAVY) <= {c.id for c in CLAIMS} and len(HEAVY) < len(CLAIMS)


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


# ------------------------------------------------------- just past and just inside (issue 27)
#: How far past (and inside) the tolerance a side is placed: a pass rule looser than the stated
#: tolerance by more than this factor survives "just past" and is caught.
JUST = 1e-6


def placed(c: Check, side: str, units: float) -> tuple[Any, Any]:
    """(lhs, rhs) with ``side`` placed so that the discrepancy is ``units`` tolerances exactly
    (in the comparison's own terms, solved for the moved side at 64 bits above the sides'),
    the other side kept. A tolerance of 0 is placed at 2^-40 (relative) past it."""
    a, b, s = (mpmath.mpf(v) if not isinstance(v, mpmath.mpf) else v for v in (c.lhs, c.rhs, c.scale))
    bits = max(_bits(a), _bits(b), _bits(s), 53) + 128
    with mpmath.mp.workprec(bits):
        t = mpmath.mpf(c.tolerance) * units if c.tolerance else (units > 1) * mpmath.mpf(2) ** -40
        sign = 1 if a >= b else -1
        if c.comparison in ("abs", "upper"):
            sign = 1 if c.comparison == "upper" else sign
            return (b + sign * t * s, b) if side == "lhs" else (a, a - sign * t * s)
        if c.comparison == "rel":  # |a - b| / |b|
            return (b * (1 + sign * t), b) if side == "lhs" else (a, a / (1 + sign * t))
        # digits: |a - b| / max(|a|, |b|): the moved side outgrows the other
        return (b / (1 - t), b) if side == "lhs" else (a, a / (1 - t))


def _bits(v: Any) -> int:
    return int(v.man.bit_length()) if isinstance(v, mpmath.mpf) and v and mpmath.isfinite(v) else 1


def _placeable(c: Check) -> bool:
    if not c.movable or math.isinf(c.tolerance):
        return False
    if c.comparison in ("rel", "digits") and not (c.rhs if c.comparison == "rel" else (c.lhs or c.rhs)):
        return False  # a zero denominator: relative placement is undefined (moved() still covers it)
    return True


def test_every_check_fails_just_past_its_tolerance_and_passes_just_inside(registry):
    """Each side placed at (1 + 1e-6) tolerances from the other must fail, at (1 - 1e-6) must
    pass: a shared pass rule made looser (or stricter) than the stated tolerance is caught,
    which moving by 10 tolerances cannot see."""
    wrong = []
    for cid, c in _rows(registry):
        if not _placeable(c):
            continue
        for side in ("lhs", "rhs"):
            if c.recheck(*placed(c, side, 1 + JUST))[1]:
                wrong.append(f"{cid}: {c.name}: passes with {side} just past the tolerance")
            if c.tolerance and not c.recheck(*placed(c, side, 1 - JUST))[1]:
                wrong.append(f"{cid}: {c.name}: fails with {side} just inside the tolerance")
    assert not wrong, "\n".join(wrong)


PLACING = [
    # (comparison, lhs, rhs, scale, tolerance)
    ("abs", 1.0, 1.25, 0.5, 1.0),
    ("abs", 3.0, 1.0, 1, 1e-9),
    ("rel", 2.0, 2.0 + 1e-12, 1, 1e-10),
    ("rel", -3.0, -2.0, 1, 0.5),
    ("digits", 1.0, 1.0 + 1e-20, 1, 1e-15),
    ("upper", 0.2, 1.0, 1, 0.0),
    ("upper", 0.2, 1.0, 0.1, 0.3),
]


@pytest.mark.parametrize("kind, lhs, rhs, scale, tol", PLACING)
def test_placing_is_exact_for_every_comparison_kind(kind, lhs, rhs, scale, tol):
    from proofs_check.claims.base import compared

    c = compared("x", "float64", lhs, rhs, tol, comparison=kind, scale=scale, sides=("numpy.fft", "mpmath"))
    for side in ("lhs", "rhs"):
        disc, ok = c.recheck(*placed(c, side, 1 + JUST))
        assert not ok
        if tol:
            assert float(disc) == pytest.approx(tol * (1 + JUST), rel=1e-12)
            disc, ok = c.recheck(*placed(c, side, 1 - JUST))
            assert ok and float(disc) == pytest.approx(tol * (1 - JUST), rel=1e-12)


# ------------------------------------------------------------ every comparison kind, by hand
HAND = [
    # (comparison, lhs, rhs, scale, the discrepancy computed by hand)
    ("abs", 3.0, 1.0, 1, 2.0),
    ("abs", 1.0, 3.0, 0.5, 4.0),  # |1 - 3| / 0.5
    ("abs", 1.0, 1.0, 0, math.nan),  # a zero scale
    ("rel", 3.0, 2.0, 1, 0.5),  # |3 - 2| / |rhs| = 1/2 (not 1/max = 1/3)
    ("rel", 2.0, 3.0, 1, 1 / 3),
    ("rel", -1.0, 4.0, 1, 1.25),  # |-1 - 4| / 4 (not 5/4 divided by anything else)
    ("rel", 0.0, 0.0, 1, 0.0),
    ("rel", 1.0, 0.0, 1, math.nan),  # a zero reference
    ("digits", 3.0, 2.0, 1, 1 / 3),  # |3 - 2| / max(3, 2)
    ("digits", -2.0, 6.0, 1, 8 / 6),
    ("digits", 0.0, 0.0, 1, 0.0),
    ("upper", 1.0, 3.0, 0.5, -4.0),  # (1 - 3) / 0.5: below the bound
    ("upper", 3.0, 1.0, 0.5, 4.0),
    ("upper", 1.0, 1.0, -1, math.nan),  # a negative scale
    ("abs", math.nan, 1.0, 1, math.nan),
    ("rel", math.inf, 1.0, 1, math.nan),
]


@pytest.mark.parametrize("kind, lhs, rhs, scale, want", HAND)
def test_every_comparison_kind_gives_the_hand_computed_discrepancy(kind, lhs, rhs, scale, want):
    from theory.checks import discrepancy_of

    got = discrepancy_of(kind, lhs, rhs, scale)
    if math.isnan(want):
        assert mpmath.isnan(got)
    else:
        assert float(got) == pytest.approx(want, rel=1e-15, abs=0)


def test_hand_table_covers_every_comparison_kind():
    assert {row[0] for row in HAND} == set(COMPARISONS)


def test_the_pass_rule_is_at_most_the_tolerance_exactly():
    from theory.checks import decides

    tol = 1e-8
    assert decides(tol, tol) and decides(0.0, 0.0) and decides(-5.0, 0.0)
    assert not decides(tol * (1 + JUST), tol) and not decides(1e-300, 0.0)
    assert not decides(mpmath.nan, math.inf) and not decides(float("nan"), 1.0)
    assert decides(mpmath.mpf(tol), tol) and not decides(mpmath.mpf(tol) * (1 + mpmath.mpf(JUST)), tol)


@pytest.mark.parametrize("kind, lhs, rhs, scale, want", [r for r in HAND if not math.isnan(r[4])])
def test_moved_by_one_tolerance_adds_exactly_one_tolerance(kind, lhs, rhs, scale, want):
    """``Check.moved``: factor tolerances (in the kind's own unit) away from the other side."""
    from proofs_check.claims.base import compared

    tol = 0.125
    c = compared("x", "float64", lhs, rhs, tol, comparison=kind, scale=scale, sides=("numpy.fft", "mpmath"))
    if kind in ("abs", "upper") or (kind == "rel" and rhs):
        moved = c.moved("lhs", 1.0)  # upper: the move first covers the slack below the bound
        want_moved = (max(want, 0.0) if kind == "upper" else abs(want)) + tol
        assert float(moved.discrepancy) == pytest.approx(want_moved, rel=1e-12)


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
    assert not stale and set(shipped) == {c.id for c in CLAIMS}, f"docs/report.json is stale: {stale}"
