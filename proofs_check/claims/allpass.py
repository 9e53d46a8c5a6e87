"""Claim X3 (beyond the paper): all-pass initialization is isometric at the start, its flow is
balanced, and it stalls at a wrong-signed real frequency.

X3(a), X3(b) and the floor itself are checked here; the excess decay, the crossing once the
tie is broken (constant and power of g, the corrected law), the large-step escape (odd d
only), and the stall under CN and at width k are in ``allpass_tie``."""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import sympy
from mpmath import mp

from numerics.gd.simulate import simulate_gd
from numerics.hp.allpass import (
    allpass_filters,
    balanced_time_complex,
    depth_free_limit,
    layers_flip,
    stall_floor,
)
from numerics.hp.flow import flow_time
from numerics.hp.precise import agreeing_digits, grad_norms
from proofs_check.claims.allpass_tie import (
    crossing_checks,
    escape_checks,
    excess_decay_checks,
    flip_checks,
    problem,
    tie_checks,
    variant_checks,
)
from proofs_check.claims.base import Claim, Context, agree, compared, identity, measurement, worst_pair
from theory.checks import Check, discrepancy_of


def _x3a(ctx: Context) -> list[Check]:
    out = []
    n = 6
    x, y = problem(n, ctx.seed)
    with mp.workdps(2 * ctx.dps + 10):
        xh = [
            sum(mpmath.mpf(x[j]) * mpmath.expjpi(-2 * mpmath.mpf(j * w) / n) for j in range(n))
            for w in range(n)
        ]
        yh = [
            sum(mpmath.mpf(y[j]) * mpmath.expjpi(-2 * mpmath.mpf(j * w) / n) for j in range(n))
            for w in range(n)
        ]
        closed = mpmath.sqrt(mpmath.fsum(abs(b - a) ** 2 * abs(a) ** 2 for a, b in zip(xh, yh)) / n)
    pairs = []
    for d in (1, 4, 16):
        norms = grad_norms(allpass_filters(n, d, delta=True)[0], x, y, dps=ctx.dps)
        pairs += [(g, closed) for g in norms]
        deepest = norms[-1]
    lhs, rhs = worst_pair(pairs)
    out.append(
        agree(
            "X3(a) delta start: every layer's ||grad|| = ((1/n) sum |r̂|^2 |x̂|^2)^(1/2), d=1, 4, 16",
            "high-precision",
            lhs,
            rhs,
            ctx.dps - 2,
            sides=("numerics.hp.precise.grad_norms", "mpmath.expjpi (the closed form's DFT of x, y)"),
            detail="lhs: arb balls, per-layer products of the filters' DFTs; rhs: the closed form from x, y alone "
            f"(mpmath DFT at {2 * ctx.dps + 10} digits, r = y - x); n={n}; sides: the worst layer",
            values={
                "closed_form": float(closed),
                "grad_norm_d16_last_layer": float(deepest),
                "min_digits": min(agreeing_digits(g, c) for g, c in pairs),
            },
        )
    )
    # random all-pass: depth-free |f̂| and the same closed form with r̂ from f̂ (float64 filters)
    moduli, grads = [], []
    for d in (3, 12):
        c = allpass_filters(n, d, seed=ctx.seed + d)[0]
        ch = np.fft.fft(c, axis=-1)
        fh = np.fft.fft(x) * ch.prod(0)
        closed_d = math.sqrt(float(np.sum(np.abs(np.fft.fft(y) - fh) ** 2 * np.abs(np.fft.fft(x)) ** 2)) / n)
        grads += [(float(v), closed_d) for v in grad_norms(c, x, y, dps=20)]
        moduli += list(zip(np.abs(fh).tolist(), np.abs(np.fft.fft(x)).tolist()))
    worst_rel = max(abs(a - b) / b for a, b in grads + moduli)
    lhs, rhs = worst_pair(moduli, "rel")
    out.append(
        compared(
            "X3(a) random all-pass: |f̂_w| = |x̂_w|",
            "float64",
            lhs,
            rhs,
            1e-12,
            comparison="rel",
            sides=(
                "numerics.hp.allpass.allpass_filters (|x̂ prod ĉ_i| by numpy.fft)",
                "numpy.fft.fft (|x̂| alone)",
            ),
            detail="the filters' moduli are 1 to rounding (~1e-16), so the tolerance is 1e-12 relative; n=6, "
            "d=3, 12; sides: the worst frequency",
            values={"max_relative_difference": worst_rel},
        )
    )
    lhs, rhs = worst_pair(grads, "rel")
    out.append(
        compared(
            "X3(a) random all-pass: every layer's ||grad|| equals the closed form",
            "float64",
            lhs,
            rhs,
            1e-12,
            comparison="rel",
            sides=(
                "numerics.hp.precise.grad_norms (20 digits of the float64 filters)",
                "numpy.fft.fft (the closed form ((1/n) sum |r̂|^2 |x̂|^2)^(1/2))",
            ),
            detail="float64 closed form from NumPy FFTs (rounding ~1e-16), tolerance 1e-12 relative; n=6, d=3, 12; "
            "sides: the worst layer",
            values={"max_relative_difference": worst_rel},
        )
    )
    return out


def _x3b(ctx: Context) -> list[Check]:
    out = []
    rng = np.random.default_rng([ctx.seed, 33])
    dps = 40
    for d in (2, 7, 40) if not ctx.full else (2, 3, 7, 40, 200):
        with mp.workdps(dps + 10):
            z0 = [mpmath.expjpi(2 * mpmath.mpf(float(v))) for v in rng.random(d)]
            a = mpmath.mpc(*rng.normal(size=2))
            b = mpmath.mpc(*rng.normal(size=2)) * 2
            f0 = a * mpmath.fprod(z0)
            closed = balanced_time_complex(a, b, f0, d)
        exact, _ = flow_time(z0, a, b, goal=0.5, dps=dps)
        out.append(
            agree(
                f"X3(b) balanced GF time, d={d}: closed-form speed integral vs flow_time",
                "high-precision",
                closed,
                exact,
                25,
                sides=("numerics.hp.allpass.balanced_time_complex", "numerics.hp.flow.flow_time"),
                detail="lhs: tanh-sinh quadrature of ds/(s d |x̂|^(2/d) |f̂(s)|^(2-2/d)), no layer moduli; rhs: "
                "arb polynomials in the smallest modulus, Gauss-Legendre; random phases, |ĉ|=1 exactly; "
                f"{dps} digits",
                values={"d": d, "balanced_time": float(closed), "flow_time": float(exact)},
            )
        )
    # 1/d law and GD at eta0/d on one complex frequency (n = 3), delta start
    n = 3
    xh, yh = 0.6 * np.exp(0.4j), 1.5 * np.exp(2.1j)
    x = np.fft.irfft(np.array([0.0, xh]), n=n)
    y = np.fft.irfft(np.array([0.0, yh]), n=n)
    goal = 0.5
    tol = goal**2 * abs(yh) ** 2 / abs(yh - xh) ** 2
    eta0 = 0.02 / abs(yh) ** 2  # far below the stability limit 2/max|ŷ|^2
    with mp.workdps(30):
        limit = depth_free_limit(xh, yh, xh, goal)
        times = {d: balanced_time_complex(xh, yh, xh, d, goal) for d in (4, 8, 16, 32, 64)}
    ratio = float((64 * times[64] - limit) / (32 * times[32] - limit))
    out.append(
        compared(
            "X3(b) 1/d law: (d T_d - L) halves when d doubles (d = 32 -> 64)",
            "high-precision",
            ratio,
            0.5,
            0.05,
            sides=(
                "numerics.hp.allpass.balanced_time_complex (d T_d - L, L by depth_free_limit)",
                "proofs_check.claims.allpass._x3b (the 1/d law's ratio 1/2)",
            ),
            detail="lhs: (64 T_64 - L)/(32 T_32 - L) with the limit L = int ds/(s|f̂(s)|^2) = "
            f"{float(limit):.6g} (numerics.hp.allpass.depth_free_limit); rhs: 1/2 (d T_d = L + B/d); n=3, "
            f"delta start; ratio {ratio:.4f}; tolerance 0.05 absolute",
            values={
                "ratio": ratio,
                "limit": float(limit),
                **{f"d{d}_dT": float(d * t) for d, t in times.items()},
            },
        )
    )
    steps, gd_pairs = {}, []
    for d in (4, 8, 16, 32) if not ctx.full else (4, 8, 16, 32, 64, 128):
        eta = eta0 / d
        res = simulate_gd(x, y, allpass_filters(n, d, delta=True), eta=eta, max_iter=10**6, tol=tol)
        it = int(res.iterations[0])
        steps[d] = it
        gf = float(times[d]) if d in times else float(balanced_time_complex(xh, yh, xh, d, goal))
        gd_pairs.append((it * eta if it > 0 else math.nan, gf))  # 0 steps (never started) fails
    lhs, rhs = worst_pair(gd_pairs, "rel")
    worst_gd = float(discrepancy_of("rel", lhs, rhs))
    out.append(
        compared(
            "X3(b) GD at eta = eta0/d: eta * steps vs the balanced GF time",
            "simulation",
            lhs,
            rhs,
            0.02,
            comparison="rel",
            sides=("numerics.gd.simulate.simulate_gd", "numerics.hp.allpass.balanced_time_complex"),
            detail="lhs: compiled phase-free GD from delta filters; rhs: the balanced GF time; "
            f"eta0 = {eta0:.4g} (eta0 max|ŷ|^2 = 0.02 < 2); tolerance 2% (O(eta) "
            f"discretization); steps {steps}; depth-free limit L/eta0 = {float(limit) / eta0:.1f}; sides: the worst depth",
            values={
                "max_relative_difference": worst_gd,
                "limit_steps": float(limit) / eta0,
                **{f"d{d}_steps": s for d, s in steps.items()},
            },
        )
    )
    unstable = {}
    for d in (2, 32):
        big = 3.0 / abs(yh) ** 2  # eta0 |ŷ|^2 = 3 > 2
        res = simulate_gd(x, y, allpass_filters(n, d, delta=True), eta=big / d, max_iter=20000, tol=1e-8)
        factor = 1 - 3.0 * (abs(xh) / abs(yh)) ** (2 / d)
        unstable[d] = (int(res.converged[0]), factor)
    out.append(
        measurement(
            "X3(b) stability: eta0 max|ŷ|^2 = 3 > 2",
            "numerics.simulate_gd at eta = eta0/d to 1e-8 of the starting loss; the error multiplier near ŷ is 1 - eta0 |ŷ|^2 (|x̂|/|ŷ|)^(2/d): "
            + "; ".join(f"d={d}: multiplier {f:.3f}, converged {bool(c)}" for d, (c, f) in unstable.items()),
            {
                **{f"d{d}_converged": c for d, (c, f) in unstable.items()},
                **{f"d{d}_multiplier": f for d, (c, f) in unstable.items()},
            },
        )
    )
    lim = float(limit) / eta0
    gaps = {d: abs(steps[d] - lim) / lim for d in sorted(steps)}
    lhs, rhs = worst_pair(((steps[d], lim) for d in sorted(steps)), "rel")
    out.append(
        compared(
            f"X3(b) GD steps at eta = eta0/d are depth-free: within 1% of L/eta0 for d = {sorted(steps)}",
            "simulation",
            lhs,
            rhs,
            0.01,
            comparison="rel",
            sides=("numerics.gd.simulate.simulate_gd", "numerics.hp.allpass.depth_free_limit"),
            detail="lhs: GD step counts (worst depth); rhs: the limit L/eta0 with L = lim d T_d = "
            "int ds/(s |f̂(s)|^2) (numerics.hp.allpass.depth_free_limit, mpmath quadrature); the gap is "
            "(d T_d - L)/L (1/d law, 0.6% at d=4) plus O(eta0) discretization plus 1 step of rounding",
            values={"limit_steps": lim, **{f"d{d}_gap": g for d, g in gaps.items()}},
        )
    )
    return out


#: Working precision (bits) at which ``stall_floor``'s mpf holds its rational exactly: the floor is
#: a sum of squares of sums of float64 values over 2n, a dyadic rational of a few hundred bits.
EXACT_BITS = 4096


def _floor_closed_form(x: np.ndarray, y: np.ndarray, c: np.ndarray) -> sympy.Rational:
    """Sum of ŷ_w^2/(2n) over w in {0, n/2} whose sign of x̂_w prod ĉ_w differs from ŷ_w (sympy)."""
    n = len(x)
    total = sympy.Integer(0)
    for w in [0] + ([n // 2] if n % 2 == 0 else []):
        sgn = [(-1) ** (j * (w != 0)) for j in range(n)]
        xs = sum(sympy.Rational(float(v)) * s for v, s in zip(x, sgn))
        ys = sum(sympy.Rational(float(v)) * s for v, s in zip(y, sgn))
        prod = xs
        for row in c:
            prod *= sum(sympy.Rational(float(v)) * s for v, s in zip(row, sgn))
        if sympy.sign(prod) != sympy.sign(ys):
            total += ys**2
    return total / (2 * n)


def _x3c(ctx: Context) -> list[Check]:
    out = []
    # exact floor vs a sympy closed form
    mism = 0
    cases = 0
    worst = None
    for s in range(6):
        for delta in (True, False):
            n = 8
            x, y = problem(n, ctx.seed + s)
            c = allpass_filters(n, 3 + s, seed=s, delta=delta)[0]
            want = _floor_closed_form(x, y, c)
            with mp.workprec(EXACT_BITS):  # the floor's rational is dyadic and fits: the mpf is exact
                got = stall_floor(x, y, c)
            man, exp = got.man_exp
            differs = Fraction(man) * Fraction(2) ** exp != Fraction(want.p, want.q)
            mism += int(differs)
            if worst is None or differs:
                worst = (got, want)
            cases += 1
    out.append(
        identity(
            Check(
                "X3(c) stall_floor vs the sympy closed form (exact rationals)",
                "exact",
                mism == 0,
                "lhs: Fractions, tie check; rhs: sympy Rationals of the float64 data, sign test at w = 0, n/2; "
                f"{cases} cases (n=8, d=3..8, delta and random all-pass); passes when every case is equal "
                f"(mismatches: {mism}); e.g. {mpmath.nstr(worst[0], 12)} vs {worst[1]}",
            ),
            sides=("numerics.hp.allpass.stall_floor", "proofs_check.claims.allpass._floor_closed_form"),
            reason="exact identity: exact rationals compared for equality (the floor is a dyadic rational of "
            "the float64 data, which stall_floor's mpf holds exactly at 4096 bits); a tolerance-0 comparison "
            "has no number to move",
            cases=cases,
            mismatches=mism,
        )
    )
    # GD from delta and random all-pass approaches the floor from above
    n = 8
    depths = (2, 3, 4, 8, 16, 32) if ctx.full else (2, 3, 4, 8)
    for delta in (True, False):
        for d in depths:
            x, y = problem(n, ctx.seed + 100 + d)
            c = allpass_filters(n, d, seed=ctx.seed + d, delta=delta)
            # make the floor sizable: push ŷ_0 to the wrong side, |ŷ_0| = n
            f0_sign = np.sign(np.fft.fft(x)[0].real * np.prod(np.fft.fft(c[0], axis=-1)[:, 0].real))
            y = y - y.mean() - f0_sign
            floor = float(stall_floor(x, y, c))
            eta = 0.5 / (d * float(np.max(np.abs(np.fft.fft(y)) ** 2)))
            # run until the predicted excess ~ 2 / ((d-2) |ŷ_0|^2 t) is below 3e-5 of the floor
            t = 2.0 / (max(d - 2, 1) * n * n * 3e-5) if d > 2 else 20.0 / (n * abs(np.fft.fft(x)[0]))
            # ... and past 1.5x the balanced GF time of every complex frequency to 1e-3 of its residual
            # (a segment that passes near 0, ŷ_w nearly antiparallel to f̂_w(0), is slow at large d)
            fh0 = np.fft.fft(x) * np.prod(np.fft.fft(c[0], axis=-1), axis=0)
            yh = np.fft.fft(y)
            with mp.workdps(20):
                t_complex = max(
                    float(balanced_time_complex(np.fft.fft(x)[w], yh[w], fh0[w], d, 1e-3))
                    for w in range(1, (n + 1) // 2)
                )
            t = max(t, 1.5 * t_complex)
            steps = int(min(max(t / eta, 1000), 3e6))
            flips = layers_flip(x, y, c, eta)
            res = simulate_gd(x, y, c, eta=eta, max_iter=steps, tol=0)
            fin = float(res.final_loss[0])
            rel = (fin - floor) / floor
            gd_side = math.nan if flips else fin  # a step that flips a layer leaves the stall: no verdict
            kind = "delta" if delta else "random all-pass"
            setup = (
                f"lhs/rhs: numerics.simulate_gd (compiled phase-free GD), a step small enough that no layer "
                f"flips (numerics.hp.allpass.layers_flip: {flips}; a flip fails both rows), and "
                f"numerics.stall_floor; n={n}, x, y ~ N(0, I) with ŷ_0 = -n sign(f̂_0); {steps} steps at "
                f"eta={eta:.3g}; relative excess {rel:.3g}"
            )
            values = {
                "floor_predicted": floor,
                "floor_measured": fin,
                "relative_excess": rel,
                "d": d,
                "delta": int(delta),
                "steps": steps,
                "eta": eta,
            }
            out.append(
                compared(
                    f"X3(c) GD's final loss vs stall_floor, {kind}, d={d}: at most floor (1 + 1e-4)",
                    "simulation",
                    gd_side,
                    floor,
                    1e-4,
                    comparison="upper",
                    scale=floor,
                    sides=("numerics.gd.simulate.simulate_gd", "numerics.hp.allpass.stall_floor"),
                    detail=setup + "; passes when (loss - floor)/floor <= 1e-4",
                    values=values,
                )
            )
            out.append(
                compared(
                    f"X3(c) GD's final loss vs stall_floor, {kind}, d={d}: at least the floor",
                    "simulation",
                    floor,
                    gd_side,
                    0.0,
                    comparison="upper",
                    scale=floor,
                    sides=("numerics.hp.allpass.stall_floor", "numerics.gd.simulate.simulate_gd"),
                    detail=setup + "; passes when floor <= loss (the stalled frequency keeps |ŷ_w|^2/(2n))",
                    values=values,
                )
            )
    # the large-step escape across the tie (odd d): n = 8, d = 5
    x, y = problem(8, ctx.seed + 7)
    x = x + 2.0
    y = y - y.mean() - 1.0
    c = allpass_filters(8, 5, delta=True)
    floor = float(stall_floor(x, y, c))
    xh0, yh0 = np.fft.fft(x)[0].real, np.fft.fft(y)[0].real
    eta_flip = 1.0 / (abs(yh0 - xh0) * abs(xh0))
    eta_big = 1.2 * eta_flip
    res = simulate_gd(x, y, c, eta=eta_big, max_iter=20000, tol=0, diverge_factor=1e12)
    out.append(
        measurement(
            "X3(c) large-step escape across the tie, n=8, d=5 (delta)",
            f"eta = {eta_big:.4g} = 1.2 x the one-step flip threshold 1/(|r̂_0||x̂_0|); final loss "
            f"{float(res.final_loss[0]):.4g} against the floor {floor:.4g} after 2e4 steps (a discrete-step "
            "artifact: all tied layers flip together, which changes the sign of the product only for odd d)",
            {
                "eta": eta_big,
                "eta_flip": eta_flip,
                "floor_predicted": floor,
                "final_loss": float(res.final_loss[0]),
            },
        )
    )
    out.extend(excess_decay_checks(ctx))
    out.extend(crossing_checks(ctx))
    out.extend(escape_checks(ctx))
    out.extend(variant_checks(ctx))
    out.append(flip_checks(ctx))
    out.extend(tie_checks(ctx))
    return out


def run_x3(ctx: Context) -> list[Check]:
    return [*_x3a(ctx), *_x3b(ctx), *_x3c(ctx)]


CLAIMS: tuple[Claim, ...] = (
    Claim(
        "X3",
        "all-pass initialization: isometric start, balanced flow, stall at a wrong-signed real frequency",
        "high-precision, exact, simulation",
        "(a) |f̂_w| = |x̂_w|, ||grad_(c_i)||^2 = (1/n) sum |r̂|^2|x̂|^2; (b) balanced GF time, 1/d law; "
        "(c) floor sum |ŷ_w|^2/(2n) over wrong-signed real w, excess ~ t^(-d/(d-2)); a tie broken by g crosses "
        "in (1/K) B(1/2, (d-2)/2) g^(-(d-2)/2) (d >= 3; log(1/g)/K at d = 2); a large step escapes only at odd d",
        "one channel, every |ĉ_(i,w)| = 1 (random all-pass or delta)",
        run_x3,
    ),
)
