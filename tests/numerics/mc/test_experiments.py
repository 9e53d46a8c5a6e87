"""numerics.mc.experiments: T9's GD-vs-GF statistic against closed forms at depth 1."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from numerics.mc import experiments


def _closed_form(eta: float, r0: np.ndarray, goal: float) -> tuple[np.ndarray, np.ndarray]:
    """Depth 1, a = b = 1: GD multiplies the residual by (1 - eta) per step and GF by e^-t, so
    K = ceil(log(goal/|r0|)/log(1 - eta)) steps and T = log(|r0|/goal)."""
    return np.ceil(np.log(goal / r0) / np.log1p(-eta)), np.log(r0 / goal)


def test_T9_gd_vs_gf_statistic_at_depth_1_is_the_median_absolute_relative_error():
    """median |eta K - T|/T of t9_gd_bounds against the closed form; the signed error changes
    sign across starts, so a median of the signed error (no abs) would differ."""
    goal, trials, etas = 0.5, 30, (4e-3, 1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # one depth: no slope is fitted, no 0/0 warning
        reports, info = experiments.t9_gd_bounds((1,), etas, trials, seed=3, goal=goal)
    assert info["rate"] is None
    r0 = np.abs(1 - experiments.t9_starts(1, trials, 3)[:, 0])
    r0 = r0[r0 > goal]
    for rep, eta in zip(reports, etas, strict=True):
        steps, t = _closed_form(eta, r0, goal)
        signed = (eta * steps - t) / t
        assert rep.converged == len(r0) and rep.median_steps == np.median(steps)
        assert 0.2 < np.mean(signed < 0) < 0.8  # GD faster than GF in some starts, slower in others
        assert rep.median_rel_err == pytest.approx(np.median(np.abs(signed)), rel=1e-10)
        assert abs(np.median(signed)) < 0.5 * rep.median_rel_err  # a signed median is far off


def test_T9_relative_error_is_nonnegative_and_first_order_in_eta():
    """At depth 3 the statistic is >= 0 and shrinks about linearly with eta (Euler's method)."""
    reports, _ = experiments.t9_gd_bounds((3,), (4e-3, 1e-3), trials=8, seed=0)
    big, small = (r.median_rel_err for r in reports)
    assert big >= 0 and small >= 0
    assert 1.5 < big / small < 8


def test_t9_starts_are_the_seeded_complex_weights():
    z = experiments.t9_starts(4, 3, seed=7)
    assert z.shape == (3, 4) and np.iscomplexobj(z)
    assert np.array_equal(z, experiments.t9_starts(4, 3, seed=7))
    assert np.array_equal(z[1], experiments.complex_weights(4, 7 + 4000 + 1))


def test_T9_bound_is_tested_only_on_runs_that_meet_its_hypotheses():
    """Overshooting starts (|f| > |r| along the run) at eta = 0.12 break tau <= 1 while sigma
    stays within THETA_MAX: those runs converge but are left out; every tested run has
    tau <= 1 and sigma <= THETA_MAX (from the per-run records)."""
    from numerics.hp.flow import THETA_MAX

    weights = [[(f0 * np.exp(1j * ph)) ** (1 / d)] * d for d in (3, 4) for f0, ph in ((1.8, 0.0), (2.5, 0.3))]
    reports, _ = experiments.t9_gd_bounds((3, 4), (0.03, 0.12), trials=2, weights=weights)
    outside = 0
    for r in reports:
        assert r.tested.sum() == r.valid
        assert np.all(r.max_tau[r.tested] <= 1) and np.all(r.max_sigma[r.tested] <= THETA_MAX)
        outside += int(np.sum((r.max_tau > 1) & (r.max_tau <= 2) & (r.max_sigma <= THETA_MAX)))
    assert outside >= 2


def test_T9_weights_are_checked():
    with pytest.raises(ValueError, match="weights must hold exactly trials = 2 rows of length d = 3"):
        experiments.t9_gd_bounds((3,), (0.01,), trials=2, weights=[[1.5, 1.1, 1.2], [1.5, 1.1]])
    with pytest.raises(ValueError, match="weights"):
        experiments.t9_gd_bounds((2,), (0.01,), trials=1, weights=[[1.5, float("nan")]])
