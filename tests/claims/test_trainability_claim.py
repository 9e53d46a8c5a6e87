"""Claim X4 is registered, measured, and its deciding row (the planted causes) can fail."""

from __future__ import annotations

from numerics.mc import trainability as tr
from proofs_check.claims import CLAIMS
from proofs_check.claims import trainability as x4
from proofs_check.claims.base import Context


def test_X4_registered_after_X3_and_measured():
    ids = [c.id for c in CLAIMS]
    assert ids.index("X4") == ids.index("X3") + 1
    assert next(c for c in CLAIMS if c.id == "X4").measured


def test_planted_row_passes_and_fails_on_a_wrong_classifier(monkeypatch):
    assert x4._planted(Context()).passed
    monkeypatch.setattr(tr, "classify_causes", lambda *a, **k: ["held_other"])
    row = x4._planted(Context())
    assert not row.passed and "read as held_other" in row.detail


def test_full_sizes_are_theorys():
    full = x4.sizes(Context(full=True))
    assert full["n"] == (16, 15) and full["widths"] == (1, 2, 4) and full["draws"] >= 16
    assert full["depths"] == (2, 4, 8, 16, 32, 64, 128)
    assert x4.sizes(Context())["depths"][-1] <= 16


def test_row_json_values_name_the_config_and_law_by_index():
    from theory.checks import json_values

    out = tr.trainability_map(8, [1], [2, 3, 4], ["allpass"], draws=2, seed=0, max_iter=200, tune_draws=1)
    (row,) = out["rows"]
    values = json_values(x4._row(row, out["cells"]).values)
    assert tr.CONFIGS[values["config_index"]] == "allpass"
    assert values["law_index"] in (-1, 0, 1, 2)
    assert all("median_steps" in v for v in values["depths"].values())
