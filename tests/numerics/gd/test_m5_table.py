"""numerics.gd.channel_gd.m5_table: the tuned step of M5 against its raw runs."""

from __future__ import annotations

import math

import numpy as np

from numerics.gd.channel_gd import m5_table
from proofs_check.claims.width_rates import m5_tuning_recount, recount_median


def test_a_step_whose_runs_do_not_converge_is_never_the_tuned_one():
    """CN at k = 1, d = 2: eta = 1e-5 converges in none of 60 steps (its median counts as inf),
    0.05 in all three: the tuning picks 0.05 with the median of its raw counts (a failed run's
    -1 counted as a count would pick 1e-5). Plain converges at neither: a tie at inf, the first."""
    table = m5_table((1,), (2,), (1e-5, 0.05), trials=3, max_iter=60, seed=0)
    cn = table[(1, "CN", 2)]
    conv, its = cn["runs"][0.05]
    assert conv.all() and not cn["runs"][1e-5][0].any()
    assert cn["eta"] == 0.05 and cn["converged"] == 1.0 and cn["median_iterations"] == float(np.median(its))
    plain = table[(1, "plain", 2)]
    assert plain["eta"] == 1e-5 and plain["median_iterations"] == math.inf and plain["converged"] == 0.0
    assert m5_tuning_recount(table, 60).passed


def test_recount_median_counts_failed_runs_as_never_done():
    assert recount_median(np.array([True, True, True]), np.array([4, 2, 9]), 10) == 4.0
    assert recount_median(np.array([True, False, False]), np.array([4, -1, -1]), 10) == math.inf
    assert recount_median(np.array([True, True, False, False]), np.array([4, 2, -1, -1]), 10) == math.inf
