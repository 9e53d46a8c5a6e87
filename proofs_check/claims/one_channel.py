"""Claims T1-T5, T7, T8: the plain single-channel network, its gradient and its decay."""

from __future__ import annotations

import math

import mpmath
import numpy as np
from mpmath import mp

from numerics.gd.reference import gd_reference, grad_norms_time_domain, second_moment_time_domain
from numerics.gd.simulate import FourierGD, random_filters
from numerics.hp import constants, flow
from numerics.hp.constants import t7_constants
from numerics.hp.precise import grad_norms
from numerics.mc import rates
from proofs_check.claims import estimators, gd_paths
from proofs_check.claims.base import (
    AUTODIFF,
    UNIT_ROUNDOFF,
    Claim,
    Context,
    agree,
    compared,
    fd_vs_closed,
    identity,
    median_and_se,
    mp_problem,
    rounding_tolerance,
    roundoff_checks,
    sim_vs_reference,
    worst_pair,
)
from proofs_check.claims.independence import disabled
from theory import identities as ident
from theory.checks import Check

_PLAIN = {"sizes": len(ident.PLAIN_SIZES), "max_n": 6, "max_d": 4}


def run_t1(ctx: Context) -> list[Check]:
    points = 3 if ctx.full else 1
    return [
        identity(ident.t1_jacobian(), ("theory.identities.t1_jacobian", "sympy.diff"), **_PLAIN),
        *(
            identity(c, ("theory.networks.plain_gradient", AUTODIFF), points=points, **_PLAIN)
            for c in ident.t1_gradient(points=points, seed=ctx.seed)
        ),
        fd_vs_closed(ctx, False),
    ]


def run_t2(ctx: Context) -> list[Check]:
    c, x, y = mp_problem(7, 6, ctx.seed + 2)
    fourier = grad_norms(c, x, y, dps=ctx.dps)
    direct = grad_norms_time_domain(c, x, y, False, ctx.dps + 20)
    lhs_f, rhs_f = worst_pair(zip(fourier, direct))
    n9, d6 = 9, 6
    filt = random_filters(16, d6, n9, seed=ctx.seed)
    xs, ys = np.random.default_rng(ctx.seed).normal(size=(2, n9))
    fast = FourierGD(filt, xs, ys, False).grad_norms()
    ref = np.array([[float(v) for v in grad_norms_time_domain(f, xs, ys, False, 20)] for f in filt[:4]])
    lhs64, rhs64 = worst_pair(zip(fast[:4].ravel(), ref.ravel()), "rel")
    ops = d6 + 2 * math.log2(n9)  # d products per frequency, two FFTs of length n
    deep, xd, yd = mp_problem(8, 3000, ctx.seed + 20)
    deep /= np.sqrt(np.mean(deep**2) * 8)  # sigma^2 = 1/n exactly on average
    lo, hi = grad_norms(deep, xd, yd, dps=ctx.dps), grad_norms(deep, xd, yd, dps=2 * ctx.dps)
    lhs_g, rhs_g = worst_pair(zip(lo, hi))
    return [
        agree(
            "grad_norms at d=3000: dps vs 2 dps",
            "high-precision",
            lhs_g,
            rhs_g,
            ctx.dps - 1,
            sides=("numerics.hp.precise.grad_norms (at dps)", "numerics.hp.precise.grad_norms (at 2 dps)"),
            same_code="precision guard: the same code at dps and 2 dps (the next rows are independent)",
            detail=f"n=8; ||grad_(c_1) L|| = {mpmath.nstr(lo[0], 8)} (float64 underflows below 1e-308); "
            f"the same code at {ctx.dps} and {2 * ctx.dps} digits (a precision guard, not an independent "
            "path: the next rows are)",
            values={"log10_grad_norm": float(mpmath.log10(lo[0]))},
        ),
        identity(ident.t2_convolution_theorem(), ("theory.networks.network_output", "sympy.fft"), **_PLAIN),
        identity(ident.t2_parseval(), max_n=6),
        identity(ident.t2_gradient_dft(), ("theory.networks.plain_gradient", "sympy"), max_n=6),
        agree(
            "Fourier-domain norms (mpmath) vs time-domain T1",
            "high-precision",
            lhs_f,
            rhs_f,
            ctx.dps,
            sides=("numerics.hp.precise.grad_norms", "numerics.gd.reference.grad_norms_time_domain"),
            detail=f"independent path: T1's correlations in the time domain at {ctx.dps + 20} digits vs the "
            f"Fourier products at {ctx.dps}; n=7, d=6; sides: the worst layer",
            values={"n": 7, "d": 6},
        ),
        compared(
            "float64 rFFT norms vs mpmath time domain",
            "float64",
            lhs64,
            rhs64,
            rounding_tolerance(ops),
            comparison="rel",
            sides=(
                "numerics.gd.simulate.FourierGD.grad_norms",
                "numerics.gd.reference.grad_norms_time_domain",
            ),
            detail=f"independent path: mpmath time-domain T1 at 20 digits; n={n9}, d={d6}, 4 trials; tolerance "
            f"10 (d + 2 log2 n) u = {rounding_tolerance(ops):.1e}",
            values={"rounding_ops": ops},
        ),
        *roundoff_checks(ctx.seed),
    ]


def run_t3(ctx: Context) -> list[Check]:
    return [
        identity(
            ident.multiplicative_step(+1),
            ("theory.identities.multiplicative_step", "sympy"),
            any_n=1,
            any_d=1,
        ),
        *sim_vs_reference(ctx, False),
        *gd_paths.paths_vs_loop(ctx, False),
        gd_paths.planted_labels(ctx, False),
    ]


def run_t4(ctx: Context) -> list[Check]:
    rng = np.random.default_rng(ctx.seed + 4)
    n, d, eta = 10, 4, 0.01
    x, y = rng.normal(0, 1 / math.sqrt(n), n), rng.normal(size=n)
    c = random_filters(1, d, n, seed=ctx.seed + 4)
    worst, kappa, pair = 0.0, 1.0, (math.nan, 1.0)
    for _ in range(20):
        ch = np.fft.rfft(c[0], axis=-1)
        f = np.fft.rfft(x) * ch.prod(0)
        q = (np.fft.rfft(y) - f) * np.conj(f)
        rho2 = np.abs(ch) ** 2
        predicted = rho2 + 2 * eta * q.real + eta**2 * np.abs(q) ** 2 / rho2
        # |ĉ_w|^2 from an FFT carries relative error ~ u sqrt(n)||c|| / |ĉ_w| per rounding
        kappa = max(kappa, float(np.max(np.sqrt(n) * np.linalg.norm(c[0], axis=-1)[:, None] / np.sqrt(rho2))))
        _, c = gd_reference(x, y, c, eta=eta, steps=1)
        new = np.abs(np.fft.rfft(c[0], axis=-1)) ** 2
        rel = np.abs(new - predicted) / predicted
        k = np.unravel_index(np.argmax(rel), rel.shape)
        if not rel[k] <= worst:
            worst, pair = float(rel[k]), (float(new[k]), float(predicted[k]))
    if not np.all(np.isfinite(c)):
        pair = (math.nan, 1.0)
    ops = 2 * math.log2(n) * kappa
    return [
        *(
            identity(c, ("theory.identities.t4_balancedness", "sympy"), any_n=1, any_d=1)
            for c in ident.t4_balancedness()
        ),
        compared(
            "time-domain GD moduli vs 2 eta Re q + eta^2|q|^2/rho^2",
            "simulation",
            *pair,
            rounding_tolerance(ops, safety=1),
            comparison="rel",
            sides=("numerics.gd.reference.gd_reference", "numpy.fft.rfft (T4's predicted moduli)"),
            detail=f"independent path: one circulant-matrix GD step (no FFT) vs the predicted moduli; n={n}, d={d}, "
            f"20 steps, eta={eta}; tolerance: the worst-case FFT error of |ĉ_w|^2, 2 log2(n) kappa u, "
            f"with kappa = max sqrt(n)||c||/|ĉ_w| = {kappa:.3g}",
            values={"kappa": kappa, "rounding_ops": ops},
        ),
    ]


def run_t5(ctx: Context) -> list[Check]:
    rng = np.random.default_rng(ctx.seed + 5)
    generic = rng.normal(size=(4, 2)) @ np.array([1, 1j])  # a random complex start, d = 4
    starts = [
        (
            [mpmath.mpc(0.8, 0.3), mpmath.mpc(-0.5, 0.9), mpmath.mpc(1.1, -0.4)],
            mpmath.mpc(1, 0.5),
            mpmath.mpc(-1, 2),
        ),
        ([mpmath.mpc(v) for v in generic], mpmath.mpc(*rng.normal(size=2)), mpmath.mpc(*rng.normal(size=2))),
    ]
    worst = mpmath.mpf(0)
    with mp.workdps(ctx.dps):
        for z0, a, b in starts:
            sol = flow.gf_solution(z0, a, b)
            f0 = a * mpmath.fprod(z0)
            for t in (mpmath.mpf("0.05"), mpmath.mpf("0.2"), mpmath.mpf("0.5")):
                f = a * mpmath.fprod(sol(t))
                cross = abs(mpmath.im(mpmath.conj(f - f0) * (b - f0))) / (abs(f - f0) * abs(b - f0))
                if not cross <= worst:
                    worst = cross
    return [
        identity(ident.t5_straight_line(), ("theory.identities.t5_straight_line", "sympy"), max_d=6),
        compared(
            "GF ODE (mpmath Taylor) stays on the segment f0 -> b",
            "high-precision",
            worst,
            0,
            10 ** -(ctx.dps - 1.5),
            sides=(
                "numerics.hp.flow.gf_solution (mpmath.odefun on the layers)",
                "theory.identities.t5_straight_line (the segment)",
            ),
            detail="independent path: mpmath's Taylor ODE solver on the layer equations (not on T5's equation); "
            "d=3 complex and a random d=4 complex start (seeded); |sin(angle)| between f(t)-f0 and b-f0 at t = 0.05, 0.2, 0.5; the solver's "
            f"local tolerance is ~eps at {ctx.dps} digits, so {ctx.dps - 1.5} digits must hold",
            values={"wanted_digits": ctx.dps - 1.5},
        ),
    ]


def _t7_constants_at_their_dps(consts: dict, wanted: int) -> Check:
    """What ``t7_constants(wanted)`` returns against references computed here at wanted + 10
    digits by other routes: the log moments as psi(1)/2 and (psi(1/2) + log 2)/2 (mpmath's
    digamma), delta_c by Newton on the series of E1 (``delta_c_series``). The rows above compare
    t7_constants' two methods with each other, and both run at whatever precision t7_constants
    sets: this row sees a precision that is not the one asked for."""
    with mp.workdps(wanted + 10), disabled(constants.t7_constants):
        refs = {
            "complex_log_moment": (mpmath.digamma(1) / 2, "mpmath.digamma"),
            "real_log_moment": ((mpmath.digamma(mpmath.mpf(1) / 2) + mpmath.log(2)) / 2, "mpmath.digamma"),
            "delta_c": (constants.delta_c_series(), "numerics.hp.constants.delta_c_series"),
        }
    worst = max(refs, key=lambda k: abs(consts[k].closed - refs[k][0]) / abs(refs[k][0]))
    return agree(
        f"t7_constants({wanted}) right to {wanted - 2} digits (references at {wanted + 10} digits)",
        "high-precision",
        consts[worst].closed,
        refs[worst][0],
        wanted - 2,
        sides=("numerics.hp.constants.t7_constants", refs[worst][1]),
        detail=f"the closed forms t7_constants returns at dps = {wanted} against psi(1)/2 and "
        f"(psi(1/2) + log 2)/2 (mpmath.digamma) and delta_c by Newton on the series of E1, computed here at "
        f"{wanted + 10} digits; wanted {wanted - 2} digits (a constant computed at fewer digits than asked "
        f"fails here); sides: the worst constant ({worst})",
        values={"dps": wanted},
    )


def run_t7(ctx: Context) -> list[Check]:
    wanted = max(30, ctx.dps)
    consts = t7_constants(wanted)  # it works at wanted + 10 internally; +10 here broke --dps 5000
    expected = {
        "complex_log_moment": "-0.2886078324507664",
        "real_log_moment": "-0.6351814227307390",
        "delta_c": "0.2850142622496619",
    }
    out = []

    def closed_forms(p: int) -> list:
        with mp.workdps(p):
            return [
                +f()
                for f in (
                    constants.complex_log_moment_closed,
                    constants.real_log_moment_closed,
                    constants.delta_c_closed,
                )
            ]

    lo, hi = closed_forms(wanted), closed_forms(2 * wanted)
    out.append(
        agree(
            "closed forms at dps vs 2 dps",
            "high-precision",
            *worst_pair(zip(lo, hi)),
            wanted - 1,
            sides=(
                "numerics.hp.constants (closed forms at dps)",
                "numerics.hp.constants (closed forms at 2 dps)",
            ),
            same_code="precision guard: the same closed forms at two precisions; the quadrature rows are "
            "the independent path",
            detail="a precision guard (same code at two precisions); the quadrature rows are the independent path",
        )
    )
    work = wanted + 10
    for name, c in consts.items():
        out.append(
            agree(
                f"{name}: closed form vs quadrature",
                "high-precision",
                c.closed,
                c.quadrature,
                work - 2,
                sides=(
                    f"numerics.hp.constants.{name}_closed",
                    f"numerics.hp.constants.{name}_quadrature (mpmath.quad)",
                ),
                detail=f"independent path: mpmath tanh-sinh quadrature of the defining integral; both at {work} "
                f"digits (quadrature error a few ulp), so {work - 2} digits must agree; "
                f"{mpmath.nstr(c.closed, wanted)}",
                values={"value": float(c.closed)},
            )
        )
        out.append(
            agree(
                f"{name} vs the stated 16 digits",
                "high-precision",
                mpmath.mpf(expected[name]),
                c.closed,
                15.5,
                sides=(
                    "proofs_check.claims.one_channel.run_t7 (the stated 16 digits, typed)",
                    f"numerics.hp.constants.{name}_closed",
                ),
                detail=f"{expected[name]}: the statement rounds to 16 decimals (relative error up to ~3e-16)",
            )
        )
    out.append(_t7_constants_at_their_dps(consts, wanted))
    with mp.workdps(30):
        half_gamma = mpmath.euler / 2
    out.append(
        compared(
            "the typed gamma_E/2 (numerics.mc.rates.GAMMA_HALF) vs mpmath's Euler constant / 2",
            "float64",
            rates.GAMMA_HALF,
            half_gamma,
            2 * UNIT_ROUNDOFF,
            comparison="rel",
            sides=("numerics.mc.rates.GAMMA_HALF", "mpmath.euler"),
            detail="T8's and T9's target, typed as a decimal literal; it must be gamma_E/2 rounded to float64 "
            "(tolerance 2u relative)",
        )
    )
    return out


def _median_local_slope(center: int, draws: int, seed: int, n: int = 32) -> tuple[float, float]:
    """Median over nested draws of the least-squares slope of log||grad_{c_1} L|| on the depths
    center - 20, center, center + 20 (sigma^2 = 1/n, float64: no underflow at these depths),
    with a bootstrap standard error (1000 resamples)."""
    depths = (center - 20, center, center + 20)
    x, y = np.random.default_rng(seed).normal(size=(2, n))
    filt = np.stack([random_filters(1, depths[-1], n, seed=seed + 1 + k)[0] for k in range(draws)])
    logs = np.stack([np.log(FourierGD(filt[:, :D], x, y, False).grad_norms()[:, 0]) for D in depths], 1)
    slopes = rates.ols_slopes(depths, logs)  # -inf or NaN (an underflow) would make it NaN and fail
    return median_and_se(slopes, [seed, center])


def _profile_vs_grad_norms(ctx: Context) -> Check:
    """T8's log-norm profile (running spectral products, mpmath) against the log of
    ``grad_norms`` (arb balls) of the same first-D filters: the values, not only their slopes."""
    pairs = []
    for n in (4, 5):
        for draw in range(2):
            rng = np.random.default_rng([ctx.seed, n, draw, 8])
            x, y = rng.normal(size=(2, n))  # uncentered: w = 0 (and n/2) carry weight
            c = random_filters(1, 30, n, seed=ctx.seed + 80 + 10 * n + draw)[0]
            depths = (1, 2, 5, 12, 30)
            for normalized in (False, True):
                prof = rates.log_grad_norm_profile(c, x, y, depths, normalized=normalized)
                for D, v in zip(depths, prof):
                    exact = mpmath.log(grad_norms(c[:D], x, y, normalized=normalized, dps=20)[0])
                    pairs.append((v, float(exact)))
    lhs, rhs = worst_pair(pairs, "abs")
    return compared(
        "T8 log-norm profile vs log grad_norms of the same draws (values, plain and CN)",
        "high-precision",
        lhs,
        rhs,
        1e-12,
        sides=("numerics.mc.rates.log_grad_norm_profile", "numerics.hp.precise.grad_norms"),
        detail="n = 4 and 5, 2 draws each (x, y ~ N(0, I), uncentered), depths D = 1, 2, 5, 12, 30, plain and CN "
        "with gain 1; lhs/rhs: the worst log||grad_(c_1) L|| of the profile (20 digits, returned as float64) "
        "and of grad_norms (arb, 20 digits) on the first D filters; absolute difference of the logs",
        values={"cases": len(pairs)},
    )


def run_t8(ctx: Context) -> list[Check]:
    draws = 300 if ctx.full else 40
    fit = rates.t8_slope(n=3, draws=draws, seed=ctx.seed)
    z = abs(fit.z_score(-rates.GAMMA_HALF))
    checks = [
        compared(
            "mean slope of log||grad|| vs d (n=3) vs -gamma_E/2",
            "high-precision",
            fit.slope,
            -rates.GAMMA_HALF,
            4.0,
            scale=fit.stderr,
            sides=("numerics.mc.rates.t8_slope", "numerics.mc.rates.GAMMA_HALF"),
            detail=f"slope {fit.slope:.5f} +- {fit.stderr:.5f} (SE, {fit.draws} nested draws, d = 250..2000, mpmath "
            f"20 digits) vs {-rates.GAMMA_HALF:.5f} (T7's closed form, an independent path); discrepancy in "
            "standard errors, tolerance 4 SE (false alarm 6e-5 for a normal mean)",
            values={
                "estimate": fit.slope,
                "stderr": fit.stderr,
                "theory": -rates.GAMMA_HALF,
                "z": z,
                "draws": fit.draws,
            },
        ),
        _profile_vs_grad_norms(ctx),
    ]
    rng = np.random.default_rng(ctx.seed + 8)
    n = 6
    e0 = np.eye(n)[0]  # |x̂_w| = 1: real (m = 3) and complex (m = 2) frequencies weigh the same
    y = rng.normal(size=n)
    # generic spectra: a wrong frequency index shows here, not at e_0 (two draws, since one draw
    # can have |x̂_w| nearly equal at the frequencies an index error swaps: seed 8's first has)
    generic = rng.normal(size=(2, n))
    draws2 = 2000000 if ctx.full else 400000
    cases = [(d, e0, "x = e_0") for d in (2, 3, 4)]
    cases += [(3, generic[0], "x ~ N(0, I), draw 1"), (2, generic[1], "x ~ N(0, I), draw 2")]
    cases += [(4, generic[1], "x ~ N(0, I), draw 2")]
    for k, (d, x, label) in enumerate(cases):
        # d = 1 has nothing random left and, with x = e_0, no rounding either
        exact = rates.second_moment_exact(x, y, d)
        mc, se = second_moment_time_domain(x, y, d, draws2, seed=ctx.seed + d + 10 * (k >= 3) * k)
        common = (
            f"exact (DFT formula) {exact:.6g} vs time domain {mc:.6g}; independent path: circulant matrices, "
            "T1 in the time domain with the expectation over c_1 done exactly (no FFT)"
        )
        checks.append(
            compared(
                f"E||grad||^2 exact vs Monte Carlo, d={d}, {label}",
                "simulation",
                mc,
                exact,
                4.0,
                scale=se,
                sides=(
                    "numerics.gd.reference.second_moment_time_domain",
                    "numerics.mc.rates.second_moment_exact",
                ),
                detail=f"{common}; {mc:.6g} +- {se:.2g} ({draws2} draws of c_2..c_d, n={n}, {label}, relative SE "
                f"{se / exact:.1%}); discrepancy in standard errors, tolerance 4 SE",
                values={
                    "exact": exact,
                    "estimate": mc,
                    "stderr": se,
                    "z": abs(mc - exact) / se,
                    "draws": draws2,
                },
            )
        )
    for center, theory_value in ((60, -0.21), (120, -0.24)):
        med, se = _median_local_slope(center, 800, ctx.seed)
        tol = 3 * se + 0.005
        checks.append(
            compared(
                f"n=32 median local slope near d={center} vs the stated {theory_value}",
                "simulation",
                med,
                theory_value,
                tol,
                sides=(
                    "proofs_check.claims.one_channel._median_local_slope",
                    "proofs_check.claims.one_channel.run_t8 (the stated 2 decimals)",
                ),
                detail=f"median over 800 nested draws of the slope of log||grad_(c_1) L|| on d = {center - 20}, "
                f"{center}, {center + 20} (float64 Fourier state): {med:.4f} +- {se:.4f} (bootstrap SE); "
                "tolerance 3 SE + 0.005 (the stated 2 decimals), below the 0.03 between the two stated values",
                values={"estimate": med, "stderr": se, "theory": theory_value, "center": center},
            )
        )
    # the estimators above on planted truths: the slope fit, both second-moment Monte Carlos, the median
    checks += (
        estimators.slope_fit_rows(ctx) + estimators.second_moment_rows(ctx) + estimators.median_rows(ctx)
    )
    checks += gd_paths.seeded_filters(ctx)  # the sigma^2 = 1/n starts, seeded
    return checks


CLAIMS: tuple[Claim, ...] = (
    Claim(
        "T1",
        "closed-form gradient",
        "symbolic, exact, high-precision",
        "grad_{c_i} L = -(r ⋆ u_i)",
        "plain network, any n >= 2, d >= 1",
        run_t1,
    ),
    Claim(
        "T2",
        "Fourier factorization",
        "symbolic, high-precision, float64",
        "f̂ = x̂ prod ĉ_i; L = (1/2n) sum |ŷ - f̂|^2; DFT(grad) = -r̂ conj(x̂ prod_{j!=i} ĉ_j)",
        "full-length circular filters",
        run_t2,
    ),
    Claim(
        "T3",
        "multiplicative GD step",
        "symbolic, simulation",
        "ĉ_{i,w} <- ĉ_{i,w} (1 + eta q_w/|ĉ_{i,w}|^2), q = r̂ conj f̂; the phase-free state reproduces GD",
        "full-length filters, ĉ_{i,w} != 0",
        run_t3,
    ),
    Claim(
        "T4",
        "balancedness",
        "symbolic, simulation",
        "GF: |ĉ_i|^2 - |ĉ_j|^2 constant; GD: |ĉ_i|^2 += 2 eta Re q + eta^2 |q|^2/|ĉ_i|^2",
        "full-length filters",
        run_t4,
    ),
    Claim(
        "T5",
        "straight-line lemma",
        "symbolic, high-precision",
        "GF: df̂/dt = |f̂|^2 S (ŷ - f̂), S = sum 1/|ĉ_i|^2",
        "gradient flow",
        run_t5,
    ),
    Claim(
        "T7",
        "log-moment constants",
        "high-precision",
        "E log|Z| = -gamma_E/2 (complex), -(gamma_E + ln 2)/2 (real); delta_c = 0.2850142622...",
        "E|Z|^2 = 1",
        run_t7,
    ),
    Claim(
        "T8",
        "vanishing gradients, sharp rate",
        "high-precision, simulation",
        "(1/d) log||grad|| -> -gamma_E/2; E||grad||^2 = (1/n) sum |x̂|^2 (|ŷ|^2 + |x̂|^2 m^{d-1})",
        "sigma^2 = 1/n, n >= 3",
        run_t8,
    ),
)
