"""Claim X1's JSON values follow issue 20's contract."""

from __future__ import annotations


def test_X1_rate_rows_carry_rate_estimate_and_stderr_as_an_object():
    from proofs_check.claims import explosion

    row, est, se = explosion._rate_row(64, 1, 4, 0)
    values = row.as_dict()["values"]
    assert values["rate"] == {"estimate": est, "stderr": se} and "prediction" in values
