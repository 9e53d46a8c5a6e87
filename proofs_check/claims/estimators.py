"""Planted-truth checks of the estimators behind the claims' z-tests, in the default run.

Every claim that decides with a Monte Carlo estimate and its standard error ("within 4 SE")
trusts two things the data cannot show: that the estimator estimates what it says (a mean,
not a median; |x|, not x) and that its standard error is the estimate's true spread (too
large, and every z-test passes). Each function here runs one estimator a claim uses on
synthetic data whose truth is known by construction, and returns rows that fail when either
is wrong:

* ``calibrated``: R independent replicates of the estimator with a planted truth. Row 1: the
  mean of the R estimates against the truth, in units of *their own* spread sd/sqrt(R)
  (never the estimator's SE, so a wrong SE cannot hide a bias), within 4. Row 2: the
  estimator's standard error (root mean square over the replicates) against the spread of
  the R estimates (``numpy.std``), relative, within 4/sqrt(2(R - 1)): four standard errors of
  a sample sd of R normal estimates (relative SE 1/sqrt(2(R - 1))).
* exact agreement with a different implementation: ``numpy.polyfit`` for X1's weighted fit,
  a closed form for T9's GD-vs-GF statistic at depth 1, the NumPy GD loop for the compiled
  kernel's tracked tau and sigma.

Seeds are fixed (``Context.seed``): the same rows every run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.special

from numerics.gd.reference import second_moment_time_domain
from numerics.gd.simulate import random_filters, simulate_gd
from numerics.hp.channels import RateRun, mean_square_output
from numerics.mc import experiments, rates
from numerics.mc.explosion import extrapolate_rate
from proofs_check.claims.base import Context, compared, median_and_se, slope_of_means, worst_pair
from theory.checks import Check

#: The claims' z-test: an estimate passes within 4 standard errors of its target.
Z_TOLERANCE = 4.0


def se_tolerance(replicates: int) -> float:
    """4/sqrt(2(R - 1)): four relative standard errors of the sample sd of R normal estimates.

    >>> round(se_tolerance(400), 4)
    0.1416
    """
    return Z_TOLERANCE / math.sqrt(2 * (replicates - 1))


def calibrated(
    label: str,
    estimates: Any,
    stderrs: Any,
    truth: float,
    *,
    estimator: str,
    truth_side: str,
    detail: str,
) -> list[Check]:
    """The two calibration rows of ``estimator`` (a dotted name) over R replicates: the mean of
    the estimates against the planted ``truth`` (from ``truth_side``) in units of their spread
    / sqrt(R), within 4; the root mean square of its standard errors against the spread of the
    estimates (``numpy.std``, ddof 1), relative, within ``se_tolerance(R)``."""
    est, se = np.asarray(estimates, float), np.asarray(stderrs, float)
    r = len(est)
    spread = float(np.std(est, ddof=1))
    rms_se = float(np.sqrt(np.mean(se**2)))
    mean = float(np.mean(est))
    z = (est - truth) / se
    values = {
        "replicates": r,
        "truth": truth,
        "mean_estimate": mean,
        "spread_of_estimates": spread,
        "rms_stderr": rms_se,
        "z_mean": float(np.mean(z)),
        "z_sd": float(np.std(z, ddof=1)),
    }
    tol = se_tolerance(r)
    return [
        compared(
            f"{label}: mean of {r} planted-truth estimates vs the truth",
            "simulation",
            mean,
            truth,
            Z_TOLERANCE,
            scale=spread / math.sqrt(r),
            sides=(f"{estimator} (mean of {r} estimates)", truth_side),
            detail=f"{detail}; mean {mean:.6g} vs planted {truth:.6g}, in units of the estimates' own spread "
            f"{spread:.3g}/sqrt({r}) (not the estimator's SE, which could hide a bias); tolerance 4 (the claims' "
            "z rule); a median for a mean, a dropped abs() or factor fails",
            values=values,
        ),
        compared(
            f"{label}: its standard error vs the spread of {r} planted-truth estimates",
            "simulation",
            rms_se,
            spread,
            tol,
            comparison="rel",
            sides=(
                f"{estimator} (standard error, rms over {r} replicates)",
                "numpy.std (spread of the estimates)",
            ),
            detail=f"{detail}; rms SE {rms_se:.4g} vs sd of the {r} estimates {spread:.4g} (ratio "
            f"{rms_se / spread:.3f}; z-scores: mean {values['z_mean']:.3f}, sd {values['z_sd']:.3f}); tolerance "
            f"4/sqrt(2(R-1)) = {tol:.3f} relative, four standard errors of a sample sd: an SE a factor "
            f"1 +- {tol:.2f} off fails",
            values=values,
        ),
    ]


def _replicates(run: Callable[[int], tuple[float, float]], count: int) -> tuple[np.ndarray, np.ndarray]:
    est, se = zip(*(run(j) for j in range(count)))
    return np.array(est, float), np.array(se, float)


# ------------------------------------------------------------------ slope fits (T8, T9, M2, X1)
def slope_fit_rows(ctx: Context) -> list[Check]:
    """``rates.fit`` (mean of per-draw OLS slopes over nested depths, SE sd/sqrt(draws)) on the
    structure of T8's data: nested random walks of log|Z_j|, Z_j ~ CN(0, 1) (0.5 log of an
    Exp(1)), whose drift is E log|Z| = -gamma_E/2 exactly."""
    r, draws, depths = 400, 40, tuple(range(10, 81, 10))
    rng = np.random.default_rng([ctx.seed, 19])
    steps = 0.5 * np.log(rng.exponential(size=(r, draws, depths[-1])))
    walks = np.cumsum(steps, axis=2)[:, :, np.array(depths) - 1]
    fits = [rates.fit(depths, w) for w in walks]
    return calibrated(
        "slope fit over nested draws (rates.fit)",
        [f.slope for f in fits],
        [f.stderr for f in fits],
        -float(np.euler_gamma) / 2,
        estimator="numerics.mc.rates.fit",
        truth_side="numpy.euler_gamma (planted drift -gamma_E/2 of log|Z|, Z ~ CN(0, 1))",
        detail=f"{r} replicates of {draws} nested walks of log|Z_j| at d = {depths[0]}..{depths[-1]} (the "
        "estimator of T8, T9, M2 and X1's rates)",
    )


def slope_of_means_rows(ctx: Context) -> list[Check]:
    """``base.slope_of_means`` (M2's middle layer): independent normal samples per depth with
    depth-dependent variance around a planted line of slope -0.125."""
    r, draws, depths, slope = 400, 60, (20, 40, 60, 80), -0.125
    rng = np.random.default_rng([ctx.seed, 4])

    def run(_: int) -> tuple[float, float]:
        return slope_of_means(depths, [rng.normal(slope * D + 1, 0.05 * math.sqrt(D), draws) for D in depths])

    est, se = _replicates(run, r)
    return calibrated(
        "slope of independent per-depth means (slope_of_means)",
        est,
        se,
        slope,
        estimator="proofs_check.claims.base.slope_of_means",
        truth_side="numpy.random.Generator.normal (planted slope -0.125)",
        detail=f"{r} replicates, {draws} normal draws per depth at d = {depths}, sd 0.05 sqrt(d)",
    )


# ------------------------------------------------------------------------------------ M2
def spread_rows(ctx: Context) -> list[Check]:
    """``RateRun.spread_check`` (sample sd with its fourth-moment SE): samples of
    (1/2) sum_{j<D} log G_j, G_j ~ Gamma(k)/k, the law behind M2's spread, whose sd is exactly
    (1/2) sqrt((D - 1) psi'(k)) (scipy's polygamma)."""
    r, draws, depth, k = 400, 120, 40, 2
    truth = 0.5 * math.sqrt((depth - 1) * float(scipy.special.polygamma(1, k)))
    rng = np.random.default_rng([ctx.seed, 21])

    def run(_: int) -> tuple[float, float]:
        v = 0.5 * np.log(rng.gamma(k, 1.0 / k, size=(draws, depth - 1))).sum(1)
        sd, se, _ = RateRun(k, False, (depth,), v[:, None], None, 0.0).spread_check()
        return sd, se

    est, se = _replicates(run, r)
    return calibrated(
        "spread of log-norms (RateRun.spread_check)",
        est,
        se,
        truth,
        estimator="numerics.hp.channels.RateRun.spread_check",
        truth_side="scipy.special.polygamma (planted sd (1/2) sqrt((D-1) psi'(k)))",
        detail=f"{r} replicates of {draws} draws of (1/2) sum of {depth - 1} log(Gamma({k})/{k}) (M2's law at "
        f"d = {depth}, k = {k})",
    )


def mean_square_rows(ctx: Context) -> list[Check]:
    """``mean_square_output`` (M2: E|f̂_w|^2 = |x̂_w|^2, SE from the exact fourth moment) at a
    real (w = 0) and a complex (w = 1) frequency, truth |x̂_w|^2 by a direct DFT sum."""
    r, draws, d, k = 300, 300, 2, 2
    x = np.array([0.9, -0.3, 0.4, 0.7])
    n = len(x)
    runs = [mean_square_output(x, d, k, draws, seed=ctx.seed + 5000 + 10 * j) for j in range(r)]
    out = []
    for w, kind in ((0, "real"), (1, "complex")):
        truth = float(abs(np.sum(x * np.exp(-2j * np.pi * w * np.arange(n) / n))) ** 2)
        out += calibrated(
            f"mean square E|f̂_w|^2, w={w} ({kind}) (mean_square_output)",
            [m.mean[w] for m in runs],
            [m.stderr[w] for m in runs],
            truth,
            estimator="numerics.hp.channels.mean_square_output",
            truth_side="numpy.exp (|x̂_w|^2 by a direct DFT sum)",
            detail=f"{r} replicates of {draws} fan-in draws, n = {n}, d = {d}, k = {k}",
        )
    return out


# ------------------------------------------------------------------------------------ T8
def second_moment_rows(ctx: Context) -> list[Check]:
    """T8's Monte Carlo second moments E||grad_{c_1} L||^2, the Fourier-state one
    (``rates.second_moment_mc``) and the time-domain one (``second_moment_time_domain``, which
    T8's rows use), against T8's exact DFT formula on a generic problem."""
    rng = np.random.default_rng([ctx.seed, 20])
    out = []
    for fn, n, d, r, draws, name in (
        (rates.second_moment_mc, 6, 2, 100, 2000, "numerics.mc.rates.second_moment_mc"),
        (second_moment_time_domain, 3, 2, 200, 1000, "numerics.gd.reference.second_moment_time_domain"),
    ):
        x, y = rng.normal(size=(2, n))
        base = 10**6 * (1 + ctx.seed) + 1000 * n

        def run(j: int, fn=fn, x=x, y=y, d=d, draws=draws, base=base) -> tuple[float, float]:
            return fn(x, y, d, draws, seed=base + 100 * j)

        est, se = _replicates(run, r)
        out += calibrated(
            f"E||grad||^2 Monte Carlo ({name.rsplit('.', 1)[1]})",
            est,
            se,
            rates.second_moment_exact(x, y, d),
            estimator=name,
            truth_side="numerics.mc.rates.second_moment_exact (T8's DFT formula)",
            detail=f"{r} replicates of {draws} draws, n = {n}, d = {d}, x, y ~ N(0, I)",
        )
    return out


def median_rows(ctx: Context) -> list[Check]:
    """``base.median_and_se`` (T8's median local slope, bootstrap SE) on Exp(1) samples, whose
    median is ln 2; 50 resamples instead of T8's 1000 (the same code, a noisier SE: the
    bootstrap SE of a median varies ~15% from sample to sample anyway, and runs ~5% high at
    800 draws), so that 100 replicates take 0.3 s."""
    r, draws, resamples = 100, 800, 50
    rng = np.random.default_rng([ctx.seed, 23])
    est, se = _replicates(
        lambda j: median_and_se(rng.exponential(size=draws), [ctx.seed, 23, j], resamples), r
    )
    return calibrated(
        "median with bootstrap SE (median_and_se)",
        est,
        se,
        math.log(2),
        estimator="proofs_check.claims.base.median_and_se",
        truth_side="math.log (planted median ln 2 of Exp(1))",
        detail=f"{r} replicates of {draws} Exp(1) draws, {resamples} bootstrap resamples",
    )


# ------------------------------------------------------------------------------------ T9
def t9_relative_error_row(ctx: Context) -> Check:
    """``experiments.t9_gd_bounds``'s median |eta K - T|/T at depth 1, where both sides are in
    closed form: GD multiplies the residual by (1 - eta) per step (a = b = 1), so
    K = ceil(log(goal/|r0|)/log(1 - eta)), and GF by e^-t, so T = log(|r0|/goal). The signed
    error changes sign from trial to trial, so the median of a signed error differs."""
    etas, trials, goal = (4e-3, 2e-3, 1e-3), 40, 0.5
    reports, _ = experiments.t9_gd_bounds((1,), etas, trials, seed=ctx.seed, goal=goal)
    r0 = np.abs(1 - experiments.t9_starts(1, trials, ctx.seed)[:, 0])
    r0 = r0[r0 > goal]
    pairs, negative = [], []
    for rep in reports:
        steps = np.ceil(np.log(goal / r0) / np.log1p(-rep.eta))
        t = np.log(r0 / goal)
        signed = (rep.eta * steps - t) / t
        negative.append(float(np.mean(signed < 0)))
        pairs.append((rep.median_rel_err, float(np.median(np.abs(signed)))))
    lhs, rhs = worst_pair(pairs, "rel")
    return compared(
        "T9 statistic median |eta K - T|/T at d=1 vs its closed form",
        "float64",
        lhs,
        rhs,
        1e-10,
        comparison="rel",
        sides=("numerics.mc.experiments.t9_gd_bounds (median_rel_err)", "numpy.log1p (closed-form K and T)"),
        detail=f"{len(r0)} starts with |r0| > {goal}, eta = {etas}: K = ceil(log(goal/|r0|)/log(1-eta)), "
        f"T = log(|r0|/goal); the signed error is negative in {min(negative):.0%}..{max(negative):.0%} of "
        "starts, so a signed median differs; tolerance 1e-10 relative (T to ~19 digits, the median "
        "~1e-3: rounding ~1e-13); sides: the worst eta",
        values={"etas": len(etas), "starts": len(r0), "min_negative_fraction": min(negative)},
    )


def figure_quartiles_row(ctx: Context) -> Check:
    """The quartiles over draws that the T9 figure draws (``numerics.figures.one_channel``): a
    draw that has no value (the start already met the goal, T6's bound is 0, GD did not
    converge) is NaN there and must be left out, not blank the median. Planted draws with a
    fifth of them missing, against ``statistics.quantiles`` (inclusive, the linear rule) of the
    draws that are present."""
    import statistics

    from numerics.figures.one_channel import _quartiles

    rng = np.random.default_rng([ctx.seed, 47])
    draws, columns = 17, 6
    values = rng.lognormal(size=(draws, columns))
    values[rng.random(size=values.shape) < 0.2] = np.nan
    values[:2, 0] = np.nan  # at least two missing in one column, whatever the seed
    q = np.stack(_quartiles(values))
    pairs = []
    for j in range(columns):
        present = values[np.isfinite(values[:, j]), j].tolist()
        ref = statistics.quantiles(present, n=4, method="inclusive")
        pairs += list(zip(q[:, j].tolist(), ref))
    lhs, rhs = worst_pair(pairs, "rel")
    missing = int(np.sum(~np.isfinite(values)))
    return compared(
        "figure quartiles over draws with missing values (T9 figure) vs statistics.quantiles of the present draws",
        "float64",
        lhs,
        rhs,
        1e-12,
        comparison="rel",
        sides=("numerics.figures.one_channel._quartiles", "statistics.quantiles (inclusive)"),
        detail=f"{draws} draws x {columns} depths, {missing} draws missing (NaN); a quartile that a "
        "missing draw poisons is NaN and fails; tolerance 1e-12 relative (the two interpolate the "
        "same order statistics: rounding only); sides: the worst of the 18 quartiles",
        values={"draws": draws, "columns": columns, "missing": missing},
    )


def tracked_conditions_row(ctx: Context) -> Check:
    """T9's tracked GD conditions, the largest tau = |f̂|^2 S and sigma = |ê||f̂| S (S = sum_i
    eta/|ĉ_i|^2) over a run: the compiled kernel against the NumPy loop (``FourierGD``) on a
    generic problem (n = 6, d = 3, |f̂| far from 1), a fixed 60 steps."""
    n, d, trials, steps, eta = 6, 3, 4, 60, 0.01
    rng = np.random.default_rng([ctx.seed, 41])
    x, y = rng.normal(size=(2, n))
    c = random_filters(trials, d, n, seed=ctx.seed + 41)
    kw = dict(eta=eta, max_iter=steps, tol=0.0, track_conditions=True)
    a = simulate_gd(x, y, c, method="fourier", **kw)
    b = simulate_gd(x, y, c, method="fourier-numpy", **kw)
    pairs = list(zip(a.max_tau.tolist() + a.max_sigma.tolist(), b.max_tau.tolist() + b.max_sigma.tolist()))
    lhs, rhs = worst_pair(pairs, "rel")
    return compared(
        "T9 tracked tau and sigma: compiled GD kernel vs NumPy GD loop",
        "float64",
        lhs,
        rhs,
        1e-9,
        comparison="rel",
        sides=(
            "numerics.gd.compiled.phase_free_gd (method 'fourier')",
            "numerics.gd.simulate.FourierGD.conditions",
        ),
        detail=f"{trials} trials, n = {n}, d = {d}, eta = {eta}, {steps} steps: max tau "
        f"{float(np.max(b.max_tau)):.3g}, max sigma {float(np.max(b.max_sigma)):.3g}; the two loops round "
        "differently (~1e-16 per step, grown along the run: measured below 1e-13); tolerance 1e-9 relative; "
        "sides: the worst of the 8 tracked maxima",
        values={"max_tau": float(np.max(b.max_tau)), "max_sigma": float(np.max(b.max_sigma))},
    )


# ------------------------------------------------------------------------------------ X1
def extrapolation_rows(ctx: Context) -> list[Check]:
    """``extrapolate_rate`` (X1: rate(n) = r_inf + A/n by inverse-variance weighted least squares)
    on planted rates with very unequal standard errors: against ``numpy.polyfit`` with weights
    1/se (exactly), and calibrated over replicates."""
    ns = np.array([64, 128, 256, 512, 1024], float)
    se = np.array([0.05, 0.002, 0.01, 0.0008, 0.004])
    r_inf, a_coef, r = 0.19159, 1.5, 400
    rng = np.random.default_rng([ctx.seed, 24])
    noise = rng.normal(size=(r, len(ns)))
    fits = [extrapolate_rate(ns, r_inf + a_coef / ns + se * e, se) for e in noise]
    (pa, pr), cov = np.polyfit(1 / ns, r_inf + a_coef / ns + se * noise[0], 1, w=1 / se, cov="unscaled")
    first = fits[0]
    pairs = [
        (first["r_inf"], float(pr)),
        (first["A"], float(pa)),
        (first["r_inf_stderr"], math.sqrt(cov[1, 1])),
        (first["A_stderr"], math.sqrt(cov[0, 0])),
    ]
    lhs, rhs = worst_pair(pairs, "rel")
    exact = compared(
        "X1 extrapolation r_inf + A/n vs numpy.polyfit with inverse-variance weights",
        "float64",
        lhs,
        rhs,
        1e-9,
        comparison="rel",
        sides=("numerics.mc.explosion.extrapolate_rate", "numpy.polyfit (w = 1/se, cov='unscaled')"),
        detail=f"planted rates r_inf + A/n + noise at n = {ns.astype(int).tolist()}, se = {se.tolist()} (25x apart): "
        "r_inf, A and their standard errors; tolerance 1e-9 relative (two 2x2 least-squares solves, "
        "condition ~1e3); sides: the worst of the four",
        values={"r_inf": first["r_inf"], "r_inf_polyfit": float(pr)},
    )
    return [exact] + calibrated(
        "X1 extrapolated r_inf (extrapolate_rate)",
        [f["r_inf"] for f in fits],
        [f["r_inf_stderr"] for f in fits],
        r_inf,
        estimator="numerics.mc.explosion.extrapolate_rate",
        truth_side="numpy.random.Generator.normal (planted r_inf 0.19159)",
        detail=f"{r} replicates of 5 planted rates with normal errors of sd se",
    )
