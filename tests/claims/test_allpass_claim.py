"""Claims X1 and X3 are registered and their quick parts run."""

from __future__ import annotations

from proofs_check.claims import CLAIMS, allpass, allpass_tie
from proofs_check.claims.base import Context


def test_X1_X3_registered_after_M():
    ids = [c.id for c in CLAIMS]
    assert "X1" in ids and "X3" in ids
    assert ids.index("X1") > max(i for i, c in enumerate(ids) if c.startswith("M"))


def test_X3a_and_b_checks_pass():
    checks = allpass._x3a(Context()) + allpass._x3b(Context())
    assert all(c.passed for c in checks), [c.name for c in checks if not c.passed]
    assert any("balanced_time" in c.values and "flow_time" in c.values for c in checks)


def test_X3_crossing_law_rows_state_both_laws():
    rows = allpass_tie.crossing_checks(Context())
    by_name = {c.name: c for c in rows}
    assert by_name["X3(c) crossing time after breaking the tie by g, d=2: T linear in log(1/g)"].passed
    assert by_name["X3(c) crossing time after breaking the tie by g, d=3: T ~ g^(-(d-2)/2)"].passed
