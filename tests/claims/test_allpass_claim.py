"""Claims X1 and X3 are registered and their quick parts run."""

from __future__ import annotations

import mpmath

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


def test_X3_crossing_rows_test_the_constant_at_every_depth():
    rows = allpass_tie.crossing_checks(Context())
    assert all(c.passed for c in rows), [c.name for c in rows if not c.passed]
    names = " ".join(c.name for c in rows)
    for d in (3, 4, 5, 6):
        assert f"crossing constant, d={d}: K g^((d-2)/2) T_goal" in names
        assert f"crossing constant, d={d}: K g^((d-2)/2) T_tie" in names
    assert "d=2: T_goal = 1 log(1/g)/K" in names and "d=2: T_tie = 0.5 log(1/g)/K" in names


def test_crossing_time_is_B_over_K_to_the_goal_and_half_of_it_to_the_tie():
    g = mpmath.mpf(10) ** -14
    K = abs(allpass_tie.CROSS_A * allpass_tie.CROSS_B)
    total, after = allpass_tie.crossing_times(3, g)
    assert abs(total * K * mpmath.sqrt(g) / mpmath.pi - 1) < 1e-6  # B(1/2, 1/2) = pi
    assert abs((total - after) / after - 1) < 1e-6  # the tie sits halfway
    # a K/n normalization (n = 4) would be 4x off: the rows would fail
    assert abs(total * (K / 4) * mpmath.sqrt(g) / mpmath.pi - 1) > 0.5


def test_X3_escape_rows_pass_and_can_fail(monkeypatch):
    rows = allpass_tie.escape_checks(Context())
    assert all(c.passed for c in rows), [c.name for c in rows if not c.passed]
    # a floor above what even-d GD reaches makes the even-d row fail (the check bites)
    monkeypatch.setattr(allpass_tie, "stall_floor", lambda *a: mpmath.mpf("0.26"))
    even, odd = allpass_tie.escape_checks(Context())
    assert not even.passed
