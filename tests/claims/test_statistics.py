"""The statistics the claims use, tested as code on small problems whose truth is known exactly.

For each estimator: over a fixed set of seeds the z-scores of a true statement follow N(0, 1)
(Kolmogorov-Smirnov, p > 0.01), and a planted bias is detected, in both directions, through
the claims' own decision rule (``compared(..., 4.0, scale=stderr)``, |z| <= 4 passes).

The bias is measured in *true* standard errors (the spread of the estimate over the seeds),
never in the estimator's own, so that a wrong standard error cannot hide itself. Power: a
3-SE bias moves the mean z-score to +-3 (checked within 20%: the bootstrap SE of a median is itself noisy) and is detected by a two-sided
10% test (|z| > 1.645) in >= 80% of seeds (91% expected with an exact SE; a noisy SE such as
the bootstrap SE of a median lowers it); the claims' 4-SE tolerance needs
a 6-SE bias to detect it in >= 90% of seeds (97.7% expected), which is checked too.
A standard error 3x too large (z-scores 3x too small) or a dropped abs() (a one-sided
test) fails these tests.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from numerics.gd.reference import second_moment_time_domain
from numerics.hp.channels import RateRun, mean_square_output, spread
from numerics.mc import rates
from proofs_check.claims.base import compared, median_and_se, slope_of_means

SEEDS = range(300)


def _decided(estimate: float, target: float, stderr: float) -> bool:
    """The claims' z-test: passes when |estimate - target| <= 4 stderr."""
    return compared("z", "simulation", estimate, target, 4.0, scale=stderr, sides=("numpy", "mpmath")).passed


def _calibrated(estimates: np.ndarray, stderrs: np.ndarray, truth: float) -> None:
    """z-scores of the true statement ~ N(0, 1); planted biases of 3 and 6 true SEs detected."""
    estimates, stderrs = np.asarray(estimates, float), np.asarray(stderrs, float)
    z = (estimates - truth) / stderrs
    assert stats.kstest(z, "norm").pvalue > 0.01, (
        f"z-scores not N(0,1): mean {z.mean():.3f}, sd {z.std():.3f}"
    )
    assert np.mean([_decided(e, truth, s) for e, s in zip(estimates, stderrs)]) >= 0.99
    true_se = float(np.std(estimates, ddof=1))
    for sign in (1, -1):
        for bias, level, wanted in ((3, 1.645, 0.80), (6, 4.0, 0.90)):
            target = truth - sign * bias * true_se  # the statement is off by bias true SEs
            zb = (estimates - target) / stderrs
            assert abs(np.mean(zb) - sign * bias) < 0.2 * bias, (
                f"bias {sign * bias}: mean z {np.mean(zb):.2f}"
            )
            if level == 4.0:
                caught = np.mean([not _decided(e, target, s) for e, s in zip(estimates, stderrs)])
            else:
                caught = np.mean(np.abs(zb) > level)
            assert caught >= wanted, f"bias {sign * bias} SE detected in {caught:.0%} of seeds"


def test_T8_T9_M2_mean_of_ols_slopes_over_nested_draws():
    """rates.fit: the mean of per-draw OLS slopes over nested random walks (the structure of
    log||grad|| along one deep network) with drift -gamma_E/2."""
    depths = tuple(range(10, 81, 10))
    drift = -rates.GAMMA_HALF
    est, se = [], []
    for seed in SEEDS:
        rng = np.random.default_rng([seed, 1])
        steps = np.diff((0,) + depths)
        walk = np.cumsum(rng.normal(drift * steps, np.sqrt(0.8 * steps), (40, len(depths))), axis=1)
        f = rates.fit(depths, walk)
        est.append(f.slope)
        se.append(f.stderr)
    _calibrated(np.array(est), np.array(se), drift)


def test_T8_median_with_bootstrap_se():
    """one_channel's median local slope: median of a symmetric sample (median = mean known), at
    the claim's size (800 draws, 1000 resamples; at 300 draws the bootstrap SE runs ~17% high)."""
    est, se = [], []
    for seed in range(120):
        sample = np.random.default_rng([seed, 2]).normal(-0.21, 0.05, 800)
        m, s = median_and_se(sample, [seed, 3])
        est.append(m)
        se.append(s)
    _calibrated(np.array(est), np.array(se), -0.21)


def test_M2_slope_of_independent_means():
    """channels' middle-layer slope: independent draws per depth with depth-dependent variance."""
    depths = (20, 40, 60, 80)
    est, se = [], []
    for seed in SEEDS:
        rng = np.random.default_rng([seed, 4])
        samples = [rng.normal(-0.125 * D + 1, 0.05 * math.sqrt(D), 60) for D in depths]
        s, e = slope_of_means(depths, samples)
        est.append(s)
        se.append(e)
    _calibrated(np.array(est), np.array(se), -0.125)


def test_M2_spread_of_log_norms():
    """RateRun.spread_check: sample sd with its fourth-moment standard error, against the
    predicted spread, on normal samples whose sd is the prediction."""
    depth, k = 40, 2
    predicted = spread(depth - 1, k)
    est, se = [], []
    for seed in SEEDS:
        v = np.random.default_rng([seed, 5]).normal(0, predicted, (200, 1))
        run = RateRun(k, False, (depth,), v, None, 0.0)
        sd, s, p = run.spread_check()
        assert p == predicted
        est.append(sd)
        se.append(s)
    _calibrated(np.array(est), np.array(se), predicted)


def test_T8_second_moment_monte_carlo_mean():
    """second_moment_time_domain's mean and SE against T8's exact formula (n=3, d=2)."""
    rng = np.random.default_rng(8)
    x, y = rng.normal(size=(2, 3))
    exact = rates.second_moment_exact(x, y, 2)
    est, se = zip(*(second_moment_time_domain(x, y, 2, 6000, seed=1000 + s) for s in range(200)))
    _calibrated(np.array(est), np.array(se), exact)


@pytest.mark.parametrize("w", [0, 1])
def test_M2_mean_square_output(w):
    """mean_square_output's mean and (fourth-moment) SE against |x̂_w|^2 (k=2, d=2, n=4)."""
    x = np.array([0.9, -0.3, 0.4, 0.7])
    runs = [mean_square_output(x, 2, 2, 300, seed=2000 + 10 * s) for s in range(200)]
    _calibrated(np.array([r.mean[w] for r in runs]), np.array([r.stderr[w] for r in runs]), runs[0].target[w])


def test_the_statistics_test_rejects_a_wrong_se_and_a_one_sided_rule():
    """The harness itself: a 3x standard error and a one-sided decision rule are both caught."""
    rng = np.random.default_rng(0)
    est = rng.normal(1.0, 0.1, 300)
    _calibrated(est, np.full(300, 0.1), 1.0)
    with pytest.raises(AssertionError):
        _calibrated(est, np.full(300, 0.3), 1.0)
