"""proofs_check.claims.estimators: the calibration rows pass on a calibrated estimator and fail
on a biased one or on a wrong standard error."""

from __future__ import annotations

import numpy as np

from proofs_check.claims.base import Context
from proofs_check.claims.estimators import calibrated, se_tolerance, t9_relative_error_row

SIDES = dict(estimator="numpy.mean", truth_side="math.pi", detail="test")


def _rows(est: np.ndarray, se: float | np.ndarray, truth: float = 1.0):
    return calibrated("x", est, np.broadcast_to(se, est.shape), truth, **SIDES)


def test_calibrated_rows_pass_on_a_calibrated_estimator():
    est = np.random.default_rng(0).normal(1.0, 0.1, 400)
    mean_row, se_row = _rows(est, 0.1)
    assert mean_row.passed and se_row.passed
    assert se_row.tolerance == se_tolerance(400) == 4 / np.sqrt(798)
    assert se_row.sides[1].startswith("numpy.std") and mean_row.sides[1] == "math.pi"


def test_calibrated_rows_fail_on_a_bias_or_a_wrong_standard_error():
    est = np.random.default_rng(1).normal(1.0, 0.1, 400)
    biased, _ = _rows(est + 0.03, 0.1)  # 0.03 = 6 of the mean's 0.005 standard errors
    assert not biased.passed
    for wrong in (0.1 * np.sqrt(40), 0.2, 0.05):  # no 1/sqrt(m); twice; half
        mean_row, se_row = _rows(est, wrong)
        assert mean_row.passed and not se_row.passed, wrong


def test_T9_relative_error_row_passes_at_the_default_seed():
    row = t9_relative_error_row(Context())
    assert row.passed and row.values["min_negative_fraction"] > 0.2
