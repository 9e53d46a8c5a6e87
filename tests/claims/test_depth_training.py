"""Claim X2 (THEORY section 6): registry entry, JSON value contract, independent checks."""

from __future__ import annotations

from numerics.mc import cn_depth
from proofs_check.claims import CLAIMS, depth_training
from proofs_check.claims.base import Context


def test_X2_is_registered_after_the_M_family():
    ids = [c.id for c in CLAIMS]
    assert "X2" in ids
    assert ids.index("X2") > max(i for i, c in enumerate(ids) if c.startswith("M"))


def test_X2_simulator_counts_match_the_time_domain_reference():
    checks = depth_training._reference_counts(Context())
    assert len(checks) == 2 and all(c.passed for c in checks), [c.detail for c in checks]
    assert {"draws_differing", "max_step_difference"} <= set(checks[0].values)


def test_X2_depth_row_has_the_contracted_values():
    s = cn_depth.Setting(16, 1, "cn", 4, 500)
    rows = cn_depth.measure_setting(s, (2, 4))
    check = depth_training._depth_row(s, rows)
    assert check.status == "measured"
    for d in (2, 4):
        for key in ("median_steps", "best_eta", "eta_interior", "converged_fraction"):
            assert key in check.values["depths"][str(d)]
    assert isinstance(check.as_dict()["values"]["depths"]["2"]["eta_interior"], bool)  # a JSON boolean
    fit = depth_training._fit_row(s, rows, cn_depth.depth_fits(rows, s.max_iter))
    fits = fit.as_dict()["values"]["fits"]
    assert fit.status == "measured" and "b_stderr" in fits["exponential"] and "aic" in fits["power"]
