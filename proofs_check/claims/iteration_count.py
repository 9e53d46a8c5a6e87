"""Claim T9: the exponential iteration count.

Exact GF times (``numerics.hp.flow``) grow like exp(d gamma_E/2), GD follows within its
bounds (``numerics.mc.experiments``), and wrong-signed real frequencies cross 0 in finite time
or stall, the stall of tied starts checked on the ODE's exponential approach to 0 (the ODE
residual of ``proofs_check.claims.flow_times``). T6, the exact times, is in ``flow_times``."""

from __future__ import annotations

import cmath
import math

import mpmath
import numpy as np
from mpmath import mp

from numerics.gd.simulate import simulate_gd
from numerics.hp import flow
from numerics.hp.precise import agreeing_digits
from numerics.mc import experiments, rates
from proofs_check.claims import estimators
from proofs_check.claims.base import Claim, Context, agree, compared, measurement
from proofs_check.claims.flow_times import INDEPENDENT_DPS, _digits, _ode_residual
from proofs_check.claims.independence import disabled
from theory.checks import Check


def _crossing_checks(ctx: Context) -> list[Check]:
    """T9 (corrected): wrong-signed real frequencies cross 0 in finite GF time when the
    smallest modulus is unique, and stall when two or more layers share it."""
    checks = []
    rng = np.random.default_rng(ctx.seed + 9)
    trials = 400 if ctx.full else 200
    zr = rng.normal(size=(trials, 3))
    mismatch = np.array([flow.sign_mismatch(list(row), 1, 1) for row in zr])
    zscore = abs(mismatch.mean() - 0.5) / math.sqrt(0.25 / trials)
    checks.append(
        compared(
            "P(sign mismatch) = 1/2 for real frequencies",
            "simulation",
            float(mismatch.mean()),
            0.5,
            4.0,
            scale=math.sqrt(0.25 / trials),
            sides=("numerics.hp.flow.sign_mismatch", "numpy.random (symmetric N(0, 1) weights: 1/2)"),
            detail=f"{mismatch.sum()}/{trials} mismatched (d=3, N(0,1) weights); discrepancy in binomial SE",
            values={"mismatched": int(mismatch.sum()), "trials": trials, "z": zscore},
        )
    )
    # exact time through 0 vs the ODE and the stated s-integral
    z0 = [1, -0.5]
    ind = min(ctx.dps, INDEPENDENT_DPS)
    T, _ = flow.flow_time(z0, 1, 1, dps=ind)
    dig_ode = _digits(_ode_residual(z0, 1, 1, T, ind), mpmath.mpf("0.5"), ind)
    with mp.workdps(ind + 5), disabled(flow.exact_time, flow.flow_time):
        t_s = flow.time_by_s_integral(z0, 1, 1)
    dig_s = agreeing_digits(t_s, T)
    checks.append(
        agree(
            "wrong-signed start crosses 0 in finite time: exact T vs ODE",
            "high-precision",
            _ode_residual(z0, 1, 1, T, ind),
            mpmath.mpf("0.5"),
            ind - 2,
            sides=("numerics.hp.flow.flow_time", "numerics.hp.flow.gf_solution (mpmath.odefun)"),
            detail=f"d=2, z0=(1, -0.5), a=b=1: T = {mpmath.nstr(T, 15)}; ODE |r(T)| = |b|/2 to {dig_ode:.1f} digits, "
            f"the stated s-integral agrees to {dig_s:.1f}",
            values={"T": float(T), "ode_digits": dig_ode, "s_integral_digits": dig_s},
        )
    )
    checks.append(
        agree(
            "wrong-signed start crosses 0 in finite time: exact T vs s-integral",
            "high-precision",
            T,
            t_s,
            ind - 2,
            sides=("numerics.hp.flow.flow_time", "numerics.hp.flow.time_by_s_integral (mpmath.quad)"),
            detail=f"d=2, z0=(1, -0.5), a=b=1: the stated s-integral agrees to {dig_s:.1f} digits",
        )
    )
    # GD from random mismatched starts converges to the exact time at first order in eta
    cases = zr[mismatch][:12]
    times = np.array([float(flow.flow_time(list(row), 1, 1, dps=15)[0]) for row in cases])
    filt, x, y = rates.real_scalar_network_as_filters(cases, 1.0, 1.0)
    r0 = np.abs(1 - np.prod(cases, 1))
    gaps = []
    for eta in (2e-4, 1e-4):
        res = simulate_gd(x, y, filt, eta=eta, max_iter=10**6, tol=np.minimum((0.5 / r0) ** 2, 0.999))
        gaps.append(np.where(res.converged, np.abs(eta * res.iterations - times) / times, np.inf))
    finite = int(np.isfinite(times).sum())
    order = float(np.median(np.log2(gaps[0] / gaps[1])))
    checks.append(
        compared(
            "GD from mismatched starts: eta * steps -> exact GF time at first order",
            "simulation",
            order,
            1.0,
            0.3,
            sides=("numerics.gd.simulate.simulate_gd", "numerics.hp.flow.flow_time"),
            detail=f"{finite}/{len(cases)} random mismatched starts (d=3) have finite exact T; all converge under GD; "
            f"max |eta K - T|/T = {np.max(gaps[0]):.2e} (eta 2e-4), {np.max(gaps[1]):.2e} (1e-4); "
            f"median observed order {order:.3f} (Euler's method: 1)",
            values={
                "order": order,
                "max_gap_2e-4": float(np.max(gaps[0])),
                "max_gap_1e-4": float(np.max(gaps[1])),
            },
        )
    )
    # ties: flow_time says inf; the ODE approaches f = 0 at the predicted exponential rate
    tie = [0.5, -0.5, 2.0]
    t_tie, _ = flow.flow_time(tie, 1, 1, dps=20)
    with mp.workdps(30):
        sol = flow.gf_solution(tie, 1, 1)
        f10, f20 = (mpmath.fprod(sol(t)).real for t in (10, 20))
        slope = (mpmath.log(-f20) - mpmath.log(-f10)) / 10 if f10 < 0 and f20 < 0 else mpmath.nan
        kappa_mp = 2 * mpmath.sqrt(mpmath.mpf("3.75"))
        observed = -slope if t_tie == mpmath.inf else mpmath.nan
    rate, kappa = float(slope), float(kappa_mp)
    checks.append(
        compared(
            "tied smallest moduli: T = inf, and the ODE stalls at f = 0 at rate 2|ab|(rho_3^2 - rho_1^2)^(1/2)",
            "high-precision",
            observed,
            kappa_mp,
            1e-17,
            comparison="rel",
            sides=(
                "numerics.hp.flow.gf_solution (mpmath.odefun)",
                "proofs_check.claims.iteration_count._crossing_checks (the rate law)",
            ),
            detail=f"z0 = (0.5, -0.5, 2): flow_time = {t_tie}; ODE at 30 digits: f(10) = {mpmath.nstr(f10, 5)}, "
            f"f(20) = {mpmath.nstr(f20, 5)}, d log|f|/dt = {rate:.12f} vs -kappa = {-kappa:.12f}; the law is exact "
            "up to corrections O(x(10)) ~ |f(10)| ~ 5e-18 relative (tolerance 2x that)",
            values={"rate": rate, "kappa": kappa},
        )
    )
    # zero layers: one converges (ODE), two stall (every gradient is exactly 0)
    t_one, _ = flow.flow_time([0.0, 1.0], 1, 1, dps=ind)
    dig_one = _digits(_ode_residual([0.0, 1.0], 1, 1, t_one, ind), mpmath.mpf("0.5"), ind)
    t_two, _ = flow.flow_time([0.0, 0.0, 1.0], 1, 1, dps=20)
    with mp.workdps(20):
        moved = max(abs(v) for v in flow.gf_solution([0.0, 0.0, 1.0], 1, 1)(5)[:2])
    stalls = t_two == mpmath.inf and moved == 0
    checks.append(
        agree(
            "one zero layer converges, two zero layers stall",
            "high-precision",
            _ode_residual([0.0, 1.0], 1, 1, t_one, ind) if stalls else mpmath.nan,
            mpmath.mpf("0.5"),
            ind - 2,
            sides=("numerics.hp.flow.flow_time", "numerics.hp.flow.gf_solution (mpmath.odefun)"),
            detail=f"z0 = (0, 1): T = {mpmath.nstr(t_one, 15)}, ODE |r(T)| = |b|/2 to {dig_one:.1f} digits; "
            f"z0 = (0, 0, 1): flow_time = {t_two}, ODE zero layers at t = 5: {moved}",
            values={"T_one_zero": float(t_one), "ode_digits": dig_one},
        )
    )
    # the law of the crossing time as the gap g between the two smallest moduli^2 shrinks
    for others in ((), (3.0,), (3.0, 2.0, 1.5)) if ctx.full else ((), (3.0,)):
        law = rates.crossing_time_law(others)
        rel = abs(law.slope / law.predicted - 1)
        checks.append(
            compared(
                f"crossing time T(g) = A log(1/g) + B, d = {2 + len(others)}",
                "high-precision",
                law.slope,
                law.predicted,
                1e-8,
                comparison="rel",
                sides=(
                    "numerics.mc.rates.crossing_time_law (fit of exact times)",
                    "numerics.mc.rates.CrossingLaw (predicted A)",
                ),
                detail=f"z0 = (0.5, -sqrt(0.25 + g), {', '.join(map(str, others)) or '-'}), g = 1e-8..1e-40 (9 exact times): "
                f"fitted A = {law.slope:.12f}, B = {law.intercept:.6f}; predicted A = 1/(|ab| prod_j g_j^(1/2)) = "
                f"{law.predicted:.12f}; corrections O(g log g) <= 2e-7 at the first point",
                values={
                    "slope": law.slope,
                    "intercept": law.intercept,
                    "predicted": law.predicted,
                    "rel_error": rel,
                },
            )
        )
    # how much slower mismatched starts are than matched ones: a distribution
    pairs = 200 if ctx.full else 60
    for d in (2, 3, 5, 8) if ctx.full else (2, 5):
        s = rates.mismatch_slowdown(d, pairs, seed=ctx.seed)
        q = s.quantiles
        checks.append(
            measurement(
                f"slowdown of mismatched starts, d = {d}",
                f"T(mismatched)/T(smallest layer's sign flipped), {pairs} pairs of N(0,1) starts: "
                f"quantiles 10/25/50/75/90% = {q['q10']:.2f}/{q['q25']:.2f}/{q['median']:.2f}/{q['q75']:.2f}/{q['q90']:.2f}; "
                f"ratio of medians {s.ratio_of_medians:.2f}; heavy tail from near-ties (T ~ A log(1/g))",
                values={**q, "ratio_of_medians": s.ratio_of_medians, "pairs": pairs, "depth": d},
            )
        )
    return checks


def run_t9(ctx: Context) -> list[Check]:
    checks = []
    depths = (50, 100, 200, 400, 700, 1000) if ctx.full else (20, 40, 80, 160)
    draws = 24 if ctx.full else 12
    t_fit, b_fit = rates.t9_growth(depths, draws, seed=ctx.seed)
    checks.append(
        compared(
            "growth rate of exact GF time vs gamma_E/2",
            "high-precision",
            t_fit.slope,
            rates.GAMMA_HALF,
            4.0,
            scale=t_fit.stderr,
            sides=("numerics.mc.rates.t9_growth", "numerics.mc.rates.GAMMA_HALF"),
            detail=f"log T slope {t_fit.slope:.4f} +- {t_fit.stderr:.4f}; T6 bound slope {b_fit.slope:.4f} +- {b_fit.stderr:.4f}; "
            f"gamma_E/2 = {rates.GAMMA_HALF:.4f}; depths {depths}, {draws} nested draws; discrepancy in SE",
            values={
                "estimate": t_fit.slope,
                "stderr": t_fit.stderr,
                "bound_slope": b_fit.slope,
                "bound_stderr": b_fit.stderr,
                "target": rates.GAMMA_HALF,
                "draws": draws,
            },
        )
    )
    for delta_1 in (0.01, 0.1):
        fixed = rates.t9_fixed_delta_slope(
            delta_1, tuple(range(100, 1001, 100)), 400 if ctx.full else 100, seed=ctx.seed
        )
        rate = float(flow.typical_rate(delta_1))
        checks.append(
            compared(
                f"T6 bound at delta_1={delta_1} grows at r(delta_1) per layer",
                "simulation",
                fixed.slope,
                rate,
                4.0,
                scale=fixed.stderr,
                sides=("numerics.mc.rates.t9_fixed_delta_slope", "numerics.hp.flow.typical_rate"),
                detail=f"explicit r = -(log d1 + e^d1 E1(d1))/2 = {rate:.5f}; measured {fixed.slope:.5f} +- {fixed.stderr:.5f} "
                f"(d = 100..1000, {fixed.draws} nested draws): bound >= d1/(2|r0||a|) e^(d r(d1) + o(d)); discrepancy in SE",
                values={
                    "estimate": fixed.slope,
                    "stderr": fixed.stderr,
                    "target": rate,
                    "draws": fixed.draws,
                },
            )
        )
    reports, info = experiments.t9_gd_bounds(
        (2, 4, 6, 8), (4e-3, 2e-3, 1e-3), trials=24 if ctx.full else 6, seed=ctx.seed
    )
    edge = experiments.t9_gd_bound_edge()
    ratios = [r.min_ratio for r in reports if r.valid] + [r.ratio for r in edge]
    near = [r.ratio for r in edge if r.max_sigma >= 0.5]
    valid = sum(r.valid for r in reports) + len(edge)
    min_ratio = min(ratios)
    checks.append(
        compared(
            "GD steps >= 2/(2+theta) * bound / eta in every valid run, up to the step-size edge",
            "simulation",
            1.0,
            min_ratio,
            0.0,
            comparison="upper",
            sides=(
                "numerics.hp.flow.gd_steps_lower_bound (bound / steps = 1 / ratio)",
                "numerics.mc.experiments.t9_gd_bounds (GD steps / bound)",
            ),
            detail=f"{valid} runs met tau <= 1, sigma <= {flow.THETA_MAX}: random complex starts at eta <= 4e-3 and "
            f"{len(edge)} real starts near the goal at eta up to the largest valid one ({len(near)} with sigma >= 0.5, "
            f"max sigma {max(r.max_sigma for r in edge):.3f}); smallest steps/bound = {min_ratio:.4f}, "
            f"near the edge {min(near):.4f}; sides: 1 <= min steps/bound",
            values={"min_ratio": min_ratio, "min_ratio_near_edge": min(near), "runs": valid},
        )
    )
    rate = info["rate"]
    checks.append(
        measurement(
            "fitted growth of GD steps vs d",
            f"log(steps) slope {rate.slope:.3f} +- {rate.stderr:.3f} at eta=1e-3, d=2..8 ({info['trials_used']} trials); "
            "small d is far from the asymptotic rate"
            if rate
            else "no trial converged at every depth",
            values={"estimate": rate.slope, "stderr": rate.stderr} if rate else {},
        )
    )
    with mp.workdps(30):
        theta_star = mpmath.lambertw(2).real  # sigma e^sigma / 2 = 1 (docs/derivations.md)
    checks.append(
        compared(
            "typed THETA_MAX <= the root of sigma e^sigma / 2 = 1 (Lambert W(2))",
            "high-precision",
            flow.THETA_MAX,
            theta_star,
            0.0,
            comparison="upper",
            scale=theta_star,
            sides=("numerics.hp.flow.THETA_MAX", "mpmath.lambertw"),
            detail=f"the GD bound needs sigma e^sigma / 2 <= 1, i.e. sigma <= W(2) = {mpmath.nstr(theta_star, 12)}; "
            f"THETA_MAX = {flow.THETA_MAX} is typed in the code",
        )
    )
    checks.append(t9_hypotheses_row(reports, edge))
    checks += _crossing_checks(ctx)
    # the GD statistic and the tracked conditions above, against closed forms and the NumPy loop
    checks += [
        estimators.t9_relative_error_row(ctx),
        estimators.tracked_conditions_row(ctx),
        estimators.figure_quartiles_row(ctx),
    ]
    return checks


#: Overshooting starts f0 = |f0| e^(i phi), equal layers (a = b = 1): |f| > |r| along the run, so
#: tau = |f|^2 S eta passes 1 before sigma = |r||f| S eta passes THETA_MAX: at eta = 0.12, three runs
#: (d = 3 and 4) converge with 1 < tau <= 2 and sigma <= THETA_MAX, outside T9's hypotheses.
T9_OVERSHOOTS = ((1.8, 0.0), (2.0, 0.2), (2.5, 0.3))


def t9_hypotheses_row(reports: list, edge: list) -> Check:
    """T9's hypotheses on every run its GD bound is tested on, read from the per-run records:
    the random grid's ``tested`` runs, the edge runs, and planted overshooting runs
    (``T9_OVERSHOOTS`` at d = 2..4, eta 0.03 and 0.12) some of which break tau <= 1 alone.
    The row takes max(tau, sigma / THETA_MAX) over the tested runs against 1, not the mask."""
    weights = [
        [complex(f0 * cmath.exp(1j * phi)) ** (1 / d)] * d for d in (2, 3, 4) for f0, phi in T9_OVERSHOOTS
    ]
    planted, _ = experiments.t9_gd_bounds((2, 3, 4), (0.03, 0.12), trials=3, weights=weights)
    taus, sigmas, outside_tau, outside_sigma = [], [], 0, 0
    for r in [*reports, *planted]:
        taus += list(r.max_tau[r.tested])
        sigmas += list(r.max_sigma[r.tested])
        outside_tau += int(np.sum((r.max_tau > 1) & (r.max_sigma <= flow.THETA_MAX)))
        outside_sigma += int(np.sum(r.max_sigma > flow.THETA_MAX))
    taus += [e.max_tau for e in edge]
    sigmas += [e.max_sigma for e in edge]
    worst = max(max(taus), max(sigmas) / flow.THETA_MAX)
    return compared(
        "T9's hypotheses tau <= 1, sigma <= THETA_MAX hold on every run the GD bound is tested on",
        "simulation",
        float(worst),
        1.0,
        0.0,
        comparison="upper",
        sides=(
            "numerics.mc.experiments.t9_gd_bounds (per-run max tau, max sigma of the runs it tests)",
            "numerics.hp.flow.THETA_MAX (T9's hypotheses)",
        ),
        detail=f"{len(taus)} tested runs (random grid, {len(edge)} edge runs, planted overshooting starts); largest "
        f"tau {max(taus):.4f}, largest sigma {max(sigmas):.4f} (THETA_MAX = {flow.THETA_MAX}); the data hold "
        f"{outside_tau} runs with tau > 1 but sigma within bounds and {outside_sigma} with sigma > THETA_MAX, "
        "which a test of the bound must leave out; sides: max(tau, sigma / THETA_MAX) over "
        "the tested runs, 1",
        values={
            "tested_runs": len(taus),
            "max_tau": float(max(taus)),
            "max_sigma": float(max(sigmas)),
            "runs_outside_by_tau_alone": outside_tau,
            "runs_outside_by_sigma": outside_sigma,
        },
    )


CLAIMS: tuple[Claim, ...] = (
    Claim(
        "T9",
        "exponential iteration count",
        "high-precision, simulation",
        "GF/GD time to halve the residual grows like exp(d gamma_E/2); a wrong-signed real frequency crosses 0 "
        "in finite time when the smallest modulus is unique and stalls when it is shared",
        "complex frequency with ŷ != 0; GD bound needs tau <= 1, sigma <= 0.85 along the run",
        run_t9,
    ),
)
