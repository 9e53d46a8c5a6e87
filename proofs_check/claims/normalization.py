"""Claims C1-C7: the network with channel normalization."""

from __future__ import annotations

import math

import mpmath
import numpy as np
from mpmath import mp

from numerics.gd.reference import to_mpf
from numerics.gd.simulate import FourierGD, random_filters, simulate_gd
from numerics.hp.precise import grad_norms, spectrum, twiddles
from numerics.mc import experiments
from numerics.store.sweep import SweepConfig, best_step_sizes, make_cells, run_sweep, summarize
from proofs_check.claims import gd_paths
from proofs_check.claims.base import (
    AUTODIFF,
    UNIT_ROUNDOFF,
    Claim,
    Context,
    compared,
    fd_vs_closed,
    identity,
    measurement,
    mp_problem,
    rounding_tolerance,
    sim_vs_reference,
    ulp_sensitivity,
    worst_pair,
)
from proofs_check.claims.torch_free import (
    cn_gain_vs_differences,
    exact_tolerance,
    kernel_embedding,
    p1_projection,
)
from theory import identities as ident
from theory.checks import Check
from theory.networks import cn_gradient, cn_loss, cn_output, network_output

_CN = {"sizes": len(ident.CN_SIZES), "max_n": 4, "max_d": 3}

#: Why C1's layerwise-vs-output rows may share cn_output: the claim is that the one
#: normalization applied after every layer equals the same normalization applied once.
LAYERWISE_SHARES = (
    "C1's statement applies the one normalization cn_output after every layer (one side) "
    "and once at the output (the other): the sides share that function by design"
)


def run_c1(ctx: Context) -> list[Check]:
    rng = np.random.default_rng(ctx.seed + 21)
    n, d = 16, 5
    c = rng.normal(0, 1 / math.sqrt(n), (d, n))
    x, y = rng.normal(size=n), rng.normal(size=n)
    gains, biases = rng.uniform(0.5, 2, d), rng.normal(size=d)
    layer = ident.layerwise_cn_output(c.tolist(), x.tolist(), gains, biases, sqrt=math.sqrt)
    once = cn_output(network_output(c.tolist(), x.tolist()), gains[-1], biases[-1], sqrt=math.sqrt)
    gap = np.abs(np.array(layer, float) - np.array(once, float))
    j = int(np.argmax(gap)) if np.all(np.isfinite(gap)) else int(np.argmax(~np.isfinite(gap)))
    diff = float(gap[j])

    def loss(filters: np.ndarray, g0: float, b0: float) -> float:
        g, b = gains.copy(), biases.copy()
        g[0], b[0] = g0, b0
        out = ident.layerwise_cn_output(filters.tolist(), x.tolist(), g, b, sqrt=math.sqrt)
        return 0.5 * float(np.sum((y - np.array(out, float)) ** 2))

    h = 0.1  # L is constant in gain_1 and bias_1, so there is no truncation error to balance
    l0 = loss(c, gains[0], biases[0])
    fd = max(
        (loss(c, gains[0] + h, biases[0]) - loss(c, gains[0] - h, biases[0])) / (2 * h * l0),
        (loss(c, gains[0], biases[0] + h) - loss(c, gains[0], biases[0] - h)) / (2 * h * l0),
        key=abs,
    )
    noise = float(ulp_sensitivity(lambda f: loss(f, gains[0], biases[0]), c, ctx.seed))
    fd_tol = 10 * noise / h
    return [
        identity(ident.c1_centering_commutes(), ("theory.networks.center", "sympy"), max_n=6),
        identity(ident.c1_affine_invariance(), ("theory.networks.cn_output", "sympy"), max_n=5),
        *(
            identity(
                k,
                ("theory.identities.layerwise_cn_output", "theory.networks.cn_output"),
                same_code=LAYERWISE_SHARES,
                sizes=5,
                max_n=4,
                max_d=3,
            )
            for k in ident.c1_layerwise()
        ),
        compared(
            "float64 layerwise vs output CN",
            "float64",
            float(np.array(layer, float)[j]),
            float(np.array(once, float)[j]),
            rounding_tolerance(d * n, safety=1),
            sides=("theory.identities.layerwise_cn_output", "theory.networks.cn_output (once at the output)"),
            same_code=LAYERWISE_SHARES,
            detail=f"independent path: d normalizations layer by layer vs one at the output; n={n}, d={d}, random "
            f"positive gains; tolerance: the worst-case bound d n u = {rounding_tolerance(d * n, safety=1):.1e}",
            values={"max_difference": diff, "n": n, "d": d},
        ),
        compared(
            "finite-difference dL/d(gain_1), dL/d(bias_1) = 0",
            "float64",
            fd,
            0.0,
            fd_tol,
            sides=(
                "theory.identities.layerwise_cn_output (differences of the loss)",
                "theory.identities.c1_layerwise (zero gradient)",
            ),
            same_code="the symbolic proof (c1_layerwise) builds the same layerwise network it proves things "
            "about; the float64 side differences that network's loss, the other side is the stated 0",
            detail=f"central differences, step {h}, of the layerwise loss, relative to the loss; the loss's own "
            f"rounding noise is {noise:.1e} (relative; 1-ulp perturbations of the filters), so a zero "
            f"derivative shows up as at most ~noise/h; tolerance 10 noise/h = {fd_tol:.1e}",
            values={"relative_derivative": fd, "loss_rounding_noise": noise, "step": h},
        ),
    ]


def run_c2(ctx: Context) -> list[Check]:
    c, x, y = mp_problem(8, 5, ctx.seed + 22)
    work = ctx.dps + 10
    with mp.workdps(work):
        C, X, Y = to_mpf(c), to_mpf(x), to_mpf(y)
        alpha = mpmath.mpf("3.7")
        scaled = [list(r) for r in C]
        scaled[2] = [alpha * v for v in scaled[2]]
        l0, l1 = cn_loss(C, X, Y, sqrt=mpmath.sqrt), cn_loss(scaled, X, Y, sqrt=mpmath.sqrt)
        g = cn_gradient(C, X, Y, 2, sqrt=mpmath.sqrt)
        euler = abs(mpmath.fsum(a * b for a, b in zip(g, C[2]))) / (mpmath.norm(g) * mpmath.norm(C[2]))
    tol = 10.0 ** (-(work - 1))
    return [
        *(identity(k, ("theory.networks.cn_loss", "sympy"), max_n=5) for k in ident.c2_scale_invariance()),
        *(identity(k, ("theory.networks.cn_gradient", "sympy"), **_CN) for k in ident.c2_euler()),
        compared(
            "L_CN(3.7 c_3) = L_CN(c) in mpmath",
            "high-precision",
            l1,
            l0,
            tol,
            comparison="rel",
            sides=("theory.networks.cn_loss (scaled layer)", "theory.networks.cn_loss (unscaled)"),
            same_code="the same loss at two different points: scale invariance is the claim compared",
            detail=f"the loss evaluated twice in the time domain at {work} digits, n=8, d=5; rounding of the two "
            f"n-term sums: a few ulp, tolerance 10 ulp = 1e-{work - 1}",
            values={"working_digits": work},
        ),
        compared(
            "<grad, c_i> / (|grad||c_i|) = 0 in mpmath",
            "high-precision",
            euler,
            0,
            tol,
            sides=("theory.networks.cn_gradient", "theory.identities.c2_euler (Euler's identity: 0)"),
            detail=f"C4's closed-form gradient at {work} digits (a path that does not use scale invariance); "
            f"cancellation in an 8-term sum of O(1) products: tolerance 10 ulp = 1e-{work - 1}",
            values={"working_digits": work},
        ),
    ]


def run_c3(ctx: Context) -> list[Check]:
    n, d, trials, eta, steps = 8, 4, 6, 0.05, 60
    growth, predicted, norms2 = experiments.norm_growth_two_paths(n, d, trials, eta, steps, seed=ctx.seed)
    x, y, start = experiments.c3_problem(n, d, trials, ctx.seed)
    # how far rounding-sized noise moves eta^2 ||grad(k)||^2 along the (time-domain) trajectory
    sens = ulp_sensitivity(lambda f: experiments.cn_time_path(x, y, f, eta, steps)[1], start, ctx.seed)
    allowed = 30 * sens * predicted / norms2 + 10 * 2 * n * UNIT_ROUNDOFF
    gap = np.abs(growth - predicted) / norms2
    ratio = gap / allowed
    k = np.unravel_index(np.argmax(np.where(np.isfinite(ratio), ratio, np.inf)), ratio.shape)
    units = float(np.max(ratio))
    disc = float(np.max(gap))
    return [
        identity(ident.c3_norm_growth(), ("theory.identities.c3_norm_growth", "sympy"), any_n=1, any_d=1),
        compared(
            "||c(k+1)||^2 - ||c(k)||^2 (time domain) = eta^2 ||grad||^2 (Fourier state) along CN GD",
            "simulation",
            float(growth[k]),
            float(predicted[k]),
            1.0,
            scale=float(allowed[k] * norms2[k]),
            sides=(
                "numerics.mc.experiments.cn_time_path (filter norms)",
                "numerics.gd.simulate.FourierGD (gradient norms)",
            ),
            detail=f"independent paths: filter norms from circulant-matrix GD on the taps, gradient norms from "
            f"the phase-free Fourier state; n={n}, d={d}, {trials} trials, {steps} steps, eta={eta}; the "
            f"largest difference is {disc:.2g} of ||c(k+1)||^2 (the growth is up to "
            f"{float(np.max(predicted / norms2)):.2g} of it); allowed per step: 30 s eta^2||grad||^2 + "
            "10 (2n u) ||c||^2, where s = the step's rounding sensitivity (1-ulp perturbations of the "
            "start, as in T3/C5) and 2n u the cost of a difference of two n-term sums; discrepancy = "
            "the largest fraction of that allowance; sides: the worst step's growth and eta^2||grad||^2, "
            "scale its allowance",
            values={
                "max_fraction_of_allowance": units,
                "max_relative_difference": disc,
                "max_sensitivity": float(np.max(sens)),
                "max_relative_growth": float(np.max(predicted / norms2)),
                "min_relative_growth": float(np.min(predicted / norms2)),
                "steps": steps,
            },
        ),
    ]


def _c4_bound_ratio(c: np.ndarray, x: np.ndarray, y: np.ndarray, dps: int) -> tuple[float, float]:
    """The layer with the largest ||grad_{c_i} L_CN|| / (n ||Py|| / min_{w != 0} |ĉ_{i,w}|), in
    mpmath: (gradient norm, bound)."""
    n = c.shape[1]
    norms = grad_norms(c, x, y, normalized=True, dps=dps)
    with mp.workdps(dps):
        cos_t, sin_t = twiddles(n)
        py = mpmath.sqrt(mpmath.fsum((mpmath.mpf(v) - mpmath.fsum(y) / n) ** 2 for v in y))
        ratios = []
        for row, g in zip(c, norms):
            mins = min(abs(v) for v in spectrum(list(row), cos_t, sin_t)[1:])
            ratios.append((float(g), float(n * py / mins)))
        return max(ratios, key=lambda p: p[0] / p[1])


def run_c4(ctx: Context) -> list[Check]:
    rng = np.random.default_rng(ctx.seed + 24)
    worst, cases = (0.0, 1.0), 0
    for d in (1, 3, 10, 100) + ((1000,) if ctx.full else ()):
        for k in range(12 if ctx.full else 4):
            n = int(rng.integers(3, 12))
            c = rng.normal(0, 1 / math.sqrt(n), (d, n))
            x, y = rng.normal(size=n), rng.normal(size=n)
            if k % 2:  # adversarial: one filter with a nearly vanishing frequency
                spec = np.fft.rfft(c[0])
                spec[1 + k % (n // 2)] *= 1e-9
                c[0] = np.fft.irfft(spec, n=n)
            worst = max(worst, _c4_bound_ratio(c, x, y, ctx.dps), key=lambda p: p[0] / p[1])
            cases += 1
    return [
        identity(ident.c4_output_gradient(), ("theory.networks.cn_output_gradient", "sympy.diff"), max_n=4),
        identity(ident.c4_gradient(), ("theory.networks.cn_gradient", AUTODIFF), **_CN),
        fd_vs_closed(ctx, True),
        cn_gain_vs_differences(ctx),
        *p1_projection(ctx),
        *kernel_embedding(ctx),
        *exact_tolerance(),
        compared(
            "||grad L_CN|| <= n |gamma| ||Py|| / min |ĉ_{i,w}|",
            "high-precision",
            *worst,
            0.0,
            comparison="upper",
            scale=worst[1],
            sides=("numerics.hp.precise.grad_norms", "numerics.hp.precise.spectrum (the bound)"),
            detail=f"largest ratio over {cases} random and adversarial cases, d up to {1000 if ctx.full else 100}; "
            f"gradient norms from the Fourier-domain mpmath path at {ctx.dps} digits, the bound from the "
            "first filter's spectrum alone; the tolerance is the claimed bound (ratio 1)",
            values={"max_ratio": worst[0] / worst[1], "cases": cases},
        ),
    ]


def run_c5(ctx: Context) -> list[Check]:
    return [
        identity(
            ident.multiplicative_step(-1),
            ("theory.identities.multiplicative_step", "sympy"),
            any_n=1,
            any_d=1,
        ),
        *sim_vs_reference(ctx, True),
        *gd_paths.paths_vs_loop(ctx, True),
        gd_paths.planted_labels(ctx, True),
    ]


def _ks_to(sample: np.ndarray, reference_sorted: np.ndarray) -> float:
    """Kolmogorov-Smirnov distance between a sample and a (much larger) sorted reference sample."""
    x = np.sort(sample)
    m = len(x)
    f = np.searchsorted(reference_sorted, x, side="right") / len(reference_sorted)
    return float(max(np.max(np.arange(1, m + 1) / m - f), np.max(f - np.arange(m) / m)))


def _quantiles(v: np.ndarray) -> tuple[float, float, float]:
    q10, q50, q90 = np.quantile(v, (0.1, 0.5, 0.9))
    return float(q10), float(q50), float(q90)


def run_c6(ctx: Context) -> list[Check]:
    """C6 made precise: the law of ||grad_{c_1} L_CN|| converges, as d grows, to a depth-free
    limit law (``experiments.cn_limit_law``), so it does not shrink; it still changes at
    finite depth (its lower tail widens toward the limit's), while the plain norms vanish."""
    n = 100
    draws = 20000 if ctx.full else 2000
    both = (6, 20, 40)
    deep = (160, 320, 640) if ctx.full else (160,)
    norms, (x, y) = experiments.gradient_norms_at_init(n, both, draws, seed=ctx.seed)
    cn_deep, _ = experiments.gradient_norms_at_init(
        n, deep, draws, seed=ctx.seed, normalizations=("channel",)
    )
    norms.update(cn_deep)
    limit_draws = 400000
    limit = experiments.cn_limit_law(y, limit_draws, seed=ctx.seed + 6)
    lq = _quantiles(limit)
    depths = both + deep
    values: dict[str, float | int] = {"draws": draws}
    for (m, d), v in norms.items():
        for name, q in zip(("q10", "median", "q90"), _quantiles(v)):
            values[f"{'cn' if m == 'channel' else 'plain'}_{name}_d{d}"] = q
    values.update(limit_q10=lq[0], limit_median=lq[1], limit_q90=lq[2])
    table = "; ".join(
        f"{'CN' if m == 'channel' else 'plain'} d={d}: "
        + "/".join(f"{q:.3g}" for q in _quantiles(norms[(m, d)]))
        for m in ("none", "channel")
        for d in depths
        if (m, d) in norms
    )
    limit_sorted = np.sort(limit)
    ks = {d: _ks_to(norms[("channel", d)], limit_sorted) for d in depths}
    ref_d = 40
    ratio = ks[depths[-1]] / ks[ref_d]
    rng = np.random.default_rng([ctx.seed, 6])
    boot = []
    for _ in range(200):  # bootstrap the CN samples (the limit sample is 200x larger)
        pick = rng.integers(0, draws, draws)
        a, b = norms[("channel", depths[-1])][pick], norms[("channel", ref_d)][pick]
        boot.append(_ks_to(a, limit_sorted) / _ks_to(b, limit_sorted))
    ratio_se = float(np.std(boot))
    expected = math.sqrt(ref_d / depths[-1])
    below = {d: float(np.mean(norms[("channel", d)] < lq[0])) for d in depths}
    below_plain = {d: float(np.mean(norms[("none", d)] < lq[0])) for d in both}
    g = np.random.default_rng([ctx.seed, both[-1], 0]).normal(0, 0.1, (3, both[-1], n))
    fast = FourierGD(g, x, y, True).grad_norms()[:, 0]
    exact = [float(grad_norms(f, x, y, normalized=True, dps=20)[0]) for f in g]
    lhs64, rhs64 = worst_pair(zip(fast, exact), "rel")
    ops = both[-1] + 2 * math.log2(n)
    return [
        measurement(
            "quantiles q10/median/q90 of ||grad_(c_1) L|| per depth",
            f"n={n}, {draws} draws per depth (C6 / the paper's setup); {table}; depth-free limit law "
            f"of CN: {lq[0]:.3g}/{lq[1]:.3g}/{lq[2]:.3g}",
            values,
        ),
        compared(
            f"CN law converges to the depth-free limit like d^-1/2: KS(d={depths[-1]}) / KS(d={ref_d}) "
            f"= {expected:.3g}",
            "simulation",
            ratio,
            expected,
            4.0,
            scale=ratio_se,
            sides=("numerics.mc.experiments.gradient_norms_at_init", "numerics.mc.experiments.cn_limit_law"),
            detail="independent path: the limit law sampled from its formula (no network); Kolmogorov-Smirnov "
            "distance to it per depth: "
            + ", ".join(f"d={d}: {k:.3f}" for d, k in ks.items())
            + f"; ratio {ratio:.3f} +- {ratio_se:.3f} (bootstrap SE) vs sqrt({ref_d}/{depths[-1]}); the "
            "d^-1/2 rate is the size of the bias of |ĉ_(1,W)| from W being the argmax (other frequencies "
            "fade like exp(-c sqrt(d))); KS sqrt(d) = "
            + ", ".join(f"{k * math.sqrt(d):.2f}" for d, k in ks.items())
            + "; discrepancy in standard errors, tolerance 4 SE",
            values={
                "estimate": ratio,
                "stderr": ratio_se,
                "expected": expected,
                **{f"ks_d{d}": k for d, k in ks.items()},
            },
        ),
        compared(
            "CN does not vanish: P(||grad|| < limit's 10% quantile) <= 0.1 + 4 SE at every depth",
            "simulation",
            max(below.values()),
            0.1,
            4.0,
            comparison="upper",
            scale=math.sqrt(0.09 / draws),
            sides=(
                "numerics.mc.experiments.gradient_norms_at_init",
                "numerics.mc.experiments.cn_limit_law (its q10)",
            ),
            detail="fraction of CN draws below the limit law's q10 = "
            + f"{lq[0]:.3g}: "
            + ", ".join(f"d={d}: {b:.3f}" for d, b in below.items())
            + "; plain, for contrast: "
            + ", ".join(f"d={d}: {b:.3f}" for d, b in below_plain.items())
            + f"; binomial SE {math.sqrt(0.09 / draws):.4f}",
            values={
                **{f"cn_below_d{d}": b for d, b in below.items()},
                **{f"plain_below_d{d}": b for d, b in below_plain.items()},
            },
        ),
        compared(
            "float64 CN gradient norms vs mpmath",
            "high-precision",
            float(lhs64),
            float(rhs64),
            rounding_tolerance(ops),
            comparison="rel",
            sides=("numerics.gd.simulate.FourierGD.grad_norms", "numerics.hp.precise.grad_norms"),
            detail=f"independent path: mpmath Fourier-domain norms at 20 digits (prefix/suffix products, no "
            f"float64); 3 draws at d={both[-1]}, n={n}; tolerance 10 (d + 2 log2 n) u = {rounding_tolerance(ops):.1e}",
            values={"rounding_ops": ops},
        ),
    ]


def run_c7(ctx: Context) -> list[Check]:
    cfg = SweepConfig(
        n=16, trials=8 if ctx.full else 4, tol=1e-3, max_iter=20000 if ctx.full else 3000, seed=ctx.seed
    )
    depths = (2, 4, 6, 8) if ctx.full else (2, 4, 6)
    etas = (0.3, 0.1, 0.03, 0.01, 0.003) if ctx.full else (0.3, 0.1, 0.03, 0.01)
    cells = make_cells(("none", "channel"), depths, etas, (ctx.seed,))
    best = best_step_sizes(summarize(cfg, run_sweep(cfg, cells, progress=False)))
    table = "; ".join(
        f"{b.normalization} d={b.depth}: eta*={b.eta:g}, {b.converged}/{b.trials} conv, median {b.median:g}"
        for b in best
    )
    x = np.random.default_rng(ctx.seed).normal(size=16)
    y = np.random.default_rng(ctx.seed + 1).normal(size=16)
    filt = random_filters(4, 4, 16, seed=ctx.seed)
    a = simulate_gd(x, y, filt, eta=0.1, normalized=True, max_iter=3000, method="fourier")
    b = simulate_gd(x, y, filt, eta=0.1, normalized=True, max_iter=3000, method="time")
    gap = np.abs(a.iterations - b.iterations)
    mismatch = int(np.sum(~(a.converged & b.converged) | (gap > 1)))
    worst_gap = float(np.max(np.where(a.converged & b.converged, gap, np.inf)))
    values: dict[str, float | int] = {"max_iter": cfg.max_iter, "trials": cfg.trials}
    for row in best:
        key = f"{'cn' if row.normalization == 'channel' else 'plain'}_d{row.depth}"
        values.update({f"{key}_eta": row.eta, f"{key}_median": row.median, f"{key}_converged": row.converged})
    return [
        compared(
            "CN iteration counts: Fourier state vs time-domain path",
            "simulation",
            worst_gap,
            1.0,
            0.0,
            comparison="upper",
            sides=(
                "numerics.gd.simulate.FourierGD (via simulate_gd, method='fourier')",
                "numerics.gd.simulate.TimeGD (via simulate_gd, method='time')",
            ),
            detail="independent path: GD on the taps through FFTs (numerics.gd.simulate's time-domain path) vs the "
            "phase-free state; 4 trials, n=16, d=4, eta=0.1; counts trials that did not converge on both "
            "paths or whose step counts differ by more than 1 (a rounding-level difference can move the "
            "crossing of the tolerance by one step)",
            values={
                "trials_differing": mismatch,
                "max_step_difference": int(gap.max()),
                "median_steps": float(np.median(a.iterations)),
            },
        ),
        measurement(
            "iteration counts with tuned step sizes",
            f"n=16, tol=1e-3, max_iter={cfg.max_iter}, eta grid {etas}: {table}",
            values,
        ),
    ]


CLAIMS: tuple[Claim, ...] = (
    Claim(
        "C1",
        "CN commutes with convolution",
        "symbolic, exact, float64",
        "layerwise CN = CN once at the output; intermediate gains and biases get zero gradient",
        "positive gains",
        run_c1,
    ),
    Claim(
        "C2",
        "scale invariance",
        "symbolic, exact, high-precision",
        "L_CN(alpha c_i) = L_CN(c); <grad, c_i> = 0; grad(alpha c_i) = grad(c_i)/alpha",
        "alpha > 0, P z != 0",
        run_c2,
    ),
    Claim(
        "C3",
        "norm growth",
        "symbolic, simulation",
        "GD: ||c_i||^2 grows by eta^2 ||grad||^2 per step",
        "CN network, plain GD (no momentum)",
        run_c3,
    ),
    Claim(
        "C4",
        "closed form and depth-free bound",
        "symbolic, exact, high-precision",
        "grad_{c_i} L_CN = h ⋆ u_i; ||grad|| <= n |gamma| ||Py|| / min_{w!=0} |ĉ_{i,w}|",
        "P z != 0",
        run_c4,
    ),
    Claim(
        "C5",
        "multiplicative CN step",
        "symbolic, simulation",
        "T3 with q = -ĥ conj f̂ reproduces CN GD",
        "full-length filters",
        run_c5,
    ),
    Claim(
        "C6",
        "no vanishing at initialization",
        "simulation, high-precision",
        "the law of ||grad_{c_1} L_CN|| does not shrink with depth: it tends to the depth-free limit "
        "sqrt(n)|ŷ_W||sin Psi|/|Z|, approached like d^-1/2",
        "n=100, paper's setup",
        run_c6,
    ),
    Claim(
        "C7",
        "iterations with CN (measured)",
        "simulation",
        "iteration counts with and without CN, step size tuned per method and depth",
        "n=16, y ~ N(0, I), tol 1e-3",
        run_c7,
        measured=True,
    ),
)
