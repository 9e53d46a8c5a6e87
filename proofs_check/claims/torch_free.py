"""Closed forms that otherwise only the torch cross-checks (``paper.crosschecks``) exercise,
checked in the default run without torch: C4's gradient with a gain gamma != 1 and a bias,
and P1's projected normalized gradient X^T (I - û û^T) y / ||Xw|| (û = Xw/||Xw||), both
against central differences of the loss in mpmath; the kernel-to-filter embedding of every torch
cross-check against scipy (C4); and the paper package's constants against their sources and
derivations: the authors' CN epsilon against the paper's setup (M3), the cross-check tolerances
TOL_EXACT (C4) and TOL_EPS_PREDICTION (M3) against the rounding bounds and effect sizes they
must sit between (``proofs_check.claims.paper``).

Finite differences at ``2 dps + 20`` digits with step ``h = 10^-(dps + 10)``: truncation
~h^2, rounding ~10^-(2 dps + 20)/h = 10^-(dps + 10) (times |L|/max|grad|, O(1) here).
"""

from __future__ import annotations

import mpmath
import numpy as np
from mpmath import mp

from numerics.gd.reference import to_mpf
from proofs_check.claims.base import (
    UNIT_ROUNDOFF,
    Context,
    compared,
    mp_problem,
    rounding_tolerance,
    worst_pair,
)
from theory.checks import Check
from theory.networks import cn_gradient, cn_loss


def _central(loss, point: list, k: int, h):
    up, down = list(point), list(point)
    up[k] += h
    down[k] -= h
    return (loss(up) - loss(down)) / (2 * h)


def cn_gain_vs_differences(ctx: Context, gain: str = "1.7", bias: str = "-0.4") -> Check:
    """C4's closed form ``theory.networks.cn_gradient(..., gain)`` vs mpmath central differences
    of ``cn_loss(..., gain, bias)`` at a gain != 1 and a bias != 0, every tap of every layer."""
    n, d = 5, 3
    work, e = 2 * ctx.dps + 20, ctx.dps + 10
    c, x, y = mp_problem(n, d, ctx.seed + 44)
    with mp.workdps(work):
        F, X, Y = to_mpf(c), to_mpf(x), to_mpf(y)
        g0, b0, h = mpmath.mpf(gain), mpmath.mpf(bias), mpmath.mpf(10) ** (-e)
        pairs, scale = [], mpmath.mpf(0)
        for i in range(d):
            closed = cn_gradient(F, X, Y, i, gain=g0, sqrt=mpmath.sqrt)
            scale = max(scale, max(abs(v) for v in closed))

            def loss(row, i=i):
                G = [list(r) for r in F]
                G[i] = row
                return cn_loss(G, X, Y, gain=g0, bias=b0, sqrt=mpmath.sqrt)

            pairs += [(_central(loss, F[i], k, h), closed[k]) for k in range(n)]
        lhs, rhs = worst_pair(pairs, "abs")
    return compared(
        f"C4 closed form at gain {gain}, bias {bias} vs central differences",
        "high-precision",
        lhs,
        rhs,
        10.0 ** (-(e - 1)),
        scale=scale,
        sides=("theory.networks.cn_gradient (closed form, gain)", "theory.networks.cn_loss (differences)"),
        detail=f"the gain path the torch cross-checks exercise, here without torch: n={n}, d={d}, every tap, "
        f"step 1e-{e} at {work} digits, so {e - 1} digits of max |grad| must agree; sides: the worst tap",
        values={"gain": float(gain), "bias": float(bias), "n": n, "d": d, "wanted_digits": e - 1},
    )


def _p1_problem(n: int, d: int, seed: int):
    from paper.histograms import draw

    x_hat, w_hat, y_hat = draw(np.random.default_rng(seed), n, d, 1)
    col, w, y = (np.fft.ifft(v[0]).real for v in (x_hat, w_hat, y_hat))
    return (x_hat, w_hat, y_hat), (col, w, y)


def p1_projection(ctx: Context) -> list[Check]:
    """P1's projected normalized gradient norm ||X^T (I - û û^T) y|| / ||Xw||: the mpmath closed
    form and ``paper.histograms.gradient_norms`` (float64 spectra) against central differences
    of 1/2 ||y - Xw/||Xw|| ||^2 in w (X circulant, built from the same draw)."""
    n, d = 6, 3
    work, e = 2 * ctx.dps + 20, ctx.dps + 10
    spectra, (col, w, y) = _p1_problem(n, d, ctx.seed + 45)
    from paper.histograms import gradient_norms

    fast = float(gradient_norms(*spectra)["projected"][0])
    with mp.workdps(work):
        C, W, Y = to_mpf(col), to_mpf(w), to_mpf(y)

        def times(v):  # circ(col) v
            return [mpmath.fsum(C[(j - k) % n] * v[k] for k in range(n)) for j in range(n)]

        def loss(v):
            xw = times(v)
            s = mpmath.sqrt(mpmath.fsum(t**2 for t in xw))
            return mpmath.fsum((yj - t / s) ** 2 for yj, t in zip(Y, xw)) / 2

        h = mpmath.mpf(10) ** (-e)
        fd = mpmath.sqrt(mpmath.fsum(_central(loss, W, k, h) ** 2 for k in range(n)))
        xw = times(W)
        s = mpmath.sqrt(mpmath.fsum(t**2 for t in xw))
        u = [t / s for t in xw]
        uy = mpmath.fsum(a * b for a, b in zip(u, Y))
        p = [yj - uj * uy for yj, uj in zip(Y, u)]  # (I - û û^T) y
        xtp = [mpmath.fsum(C[(j - k) % n] * p[j] for j in range(n)) for k in range(n)]  # X^T p
        closed = mpmath.sqrt(mpmath.fsum(t**2 for t in xtp)) / s
    ops = d + 2 * np.log2(n) + 2 * n
    return [
        compared(
            "P1 projected normalized gradient X^T (I - û û^T) y / ||Xw||: closed form vs central differences",
            "high-precision",
            closed,
            fd,
            10.0 ** (-(e - 1)),
            comparison="digits",
            sides=(
                "proofs_check.claims.torch_free.p1_projection (closed form)",
                "mpmath.fsum (central differences of the loss)",
            ),
            detail=f"mpmath at {work} digits, n={n}, d={d} (P1's draw), step 1e-{e}; the projection the authors' "
            "notebook drops (theirs is X^T y/||Xw||); the torch cross-check's formula, without torch",
            values={"n": n, "d": d, "closed": float(closed), "wanted_digits": e - 1},
        ),
        compared(
            "P1 float64 spectra (paper.histograms.gradient_norms, projected) vs central differences",
            "float64",
            fast,
            fd,
            rounding_tolerance(ops),
            comparison="rel",
            sides=("paper.histograms.gradient_norms", "mpmath.fsum (central differences of the loss)"),
            detail=f"the float64 Fourier formula the P1 histograms use, against the mpmath differences; tolerance "
            f"10 (d + 2 log2 n + 2n) u = {rounding_tolerance(ops):.1e}",
            values={"rounding_ops": float(ops)},
        ),
    ]


def p1_centered_draws(ctx: Context, n: int = 8, d: int = 3, draws: int = 6) -> Check:
    """Per draw of ``paper.histograms.draw`` (several draws in one call, as the histograms take them):
    x is centered, so X^T 1 = 0 and the authors' getNGrad, X^T (I - np.dot(Xw, Xw.T)/||Xw||^2) y
    / ||Xw|| with its scalar "outer product" ||Xw||^2/||Xw||^2 = 1 (so I - 11^T), run verbatim on
    the draw's dense circulant X, equals the histograms' "theirs" ||X^T y|| / ||Xw|| (Fourier).
    A draw whose x is not centered on its own has X^T 1 = x̂_0 prod ĉ_{j,0} 1 != 0 and the two differ."""
    from scipy.linalg import circulant

    from paper.histograms import draw, gradient_norms

    x_hat, w_hat, y_hat = draw(np.random.default_rng([ctx.seed, 47]), n, d, draws)
    fast = gradient_norms(x_hat, w_hat, y_hat)["theirs"]
    pairs, xt1 = [], 0.0
    for k in range(draws):
        X = circulant(np.fft.ifft(x_hat[k]).real)
        w, y = np.fft.ifft(w_hat[k]).real, np.fft.ifft(y_hat[k]).real
        Xw = X @ w
        nor = np.linalg.norm(Xw)
        verbatim = X.T @ ((np.eye(n) - np.dot(Xw, Xw.T) / nor**2) @ y) / nor  # their getNGrad
        pairs.append((float(fast[k]), float(np.linalg.norm(verbatim))))
        xt1 = max(xt1, float(np.abs(X.T @ np.ones(n)).max() / np.linalg.norm(X, 2)))
    ops = d + 2 * np.log2(n) + 2 * n
    return compared(
        "P1 per draw: the histograms' ||X^T y||/||Xw|| (Fourier) vs the authors' getNGrad verbatim (dense X)",
        "float64",
        *worst_pair(pairs, "rel"),
        rounding_tolerance(ops),
        comparison="rel",
        sides=(
            "paper.histograms.gradient_norms (theirs)",
            "scipy.linalg.circulant (their getNGrad, verbatim)",
        ),
        detail=f"{draws} draws of one paper.histograms.draw call, n={n}, d={d}: equal only if each draw's x is "
        f"centered (X^T 1 = 0, the reason their scalar slip computes ||X^T y||/||Xw||); largest |X^T 1|/||X|| "
        f"{xt1:.1e}; sides: the worst draw; tolerance 10 (d + 2 log2 n + 2n) u = {rounding_tolerance(ops):.1e}",
        values={"n": n, "d": d, "draws": draws, "max_XT_ones_over_normX": xt1},
    )


# ------------------------------------------------ the paper package's paths and constants
def kernel_embedding(ctx: Context) -> list[Check]:
    """``paper.crosschecks.embed``, the map from a kernel w of odd length K to the length-n filter c
    with c[(p - k) mod n] = w[k] (p = (K-1)/2) that every torch cross-check relies on, against the
    authors' layer computed by other code: circular padding by p, then Conv1d, which is the
    correlation out[j] = sum_k w[k] v[(j + k - p) mod n] (``scipy.ndimage.correlate1d``, mode
    ``wrap``); c * v is taken by FFT. Random kernels, no symmetry (a reversed filter would pass a
    symmetric one). Also ``restrict`` (dL/dw[k] = dL/dc[(p - k) mod n]) as the adjoint of ``embed``:
    <restrict(g), w> = <g, embed(w)>."""
    from scipy.ndimage import correlate1d

    from paper.crosschecks import embed, restrict

    rng = np.random.default_rng([ctx.seed, 46])
    n, kernels = 16, (1, 3, 5, 9, 15)
    conv, adjoint, scale, adj_scale = [], [], 0.0, 0.0
    for size in kernels:
        w, v, g = rng.standard_normal(size), rng.standard_normal(n), rng.standard_normal(n)
        c = np.array(embed(w, n))
        ours = np.fft.ifft(np.fft.fft(c) * np.fft.fft(v)).real
        theirs = correlate1d(v, w, mode="wrap")
        conv += list(zip(ours, theirs))
        scale = max(scale, float(np.max(np.abs(theirs))))
        adjoint.append((float(restrict(list(g), size) @ w), float(g @ c)))
        adj_scale = max(adj_scale, float(np.abs(g) @ np.abs(c)))
    ops = 3 * np.log2(n) + max(kernels)
    return [
        compared(
            "kernel-to-filter embedding: c * v (FFT) vs circular padding + correlation (scipy)",
            "float64",
            *worst_pair(conv, "abs", scale),
            rounding_tolerance(ops),
            scale=scale,
            sides=("paper.crosschecks.embed (then an FFT product)", "scipy.ndimage.correlate1d (mode wrap)"),
            detail=f"n = {n}, non-symmetric N(0, 1) kernels of lengths {kernels}; the map the T1/C4/M1 torch "
            f"cross-checks use, without torch; sides: the worst output sample, scale max |output|; tolerance "
            f"10 (3 log2 n + K) u = {rounding_tolerance(ops):.1e}",
            values={"n": n, "max_kernel": max(kernels)},
        ),
        compared(
            "kernel gradient: <restrict(g), w> vs <g, embed(w)>",
            "float64",
            *worst_pair(adjoint, "abs", adj_scale),
            rounding_tolerance(n),
            scale=adj_scale,
            sides=("paper.crosschecks.restrict", "paper.crosschecks.embed"),
            detail="restrict is embed's adjoint, which is why dL/dw[k] = dL/dc[(p - k) mod n]; sides: the worst "
            f"kernel's two inner products, scale sum |g_j c_j|; tolerance 10 n u = {rounding_tolerance(n):.1e}",
        ),
    ]


def module_constant(module: str, name: str) -> float:
    """The number assigned to ``name`` at the top level of ``module``'s source (``NAME = literal``),
    read with ``ast`` without importing the module (``paper.nets`` imports PyTorch)."""
    import ast
    import importlib.util

    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise ValueError(f"module must be an importable module with a source file, got {module!r}")
    with open(spec.origin, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return float(ast.literal_eval(node.value))
    raise ValueError(f"name must be assigned a literal at the top level of {module}, {name!r} is not")


def authors_eps() -> Check:
    """``paper.nets.EPS_AUTHORS``, the epsilon of the authors' CN that every paper network runs with,
    against the paper's setup's 1e-5 (``proofs_check.claims.paper.EPS_THEORY``)."""
    from proofs_check.claims.paper import EPS_THEORY

    value = module_constant("paper.nets", "EPS_AUTHORS")
    return compared(
        "the authors' CN epsilon in paper.nets vs the paper's setup",
        "float64",
        value,
        EPS_THEORY,
        UNIT_ROUNDOFF,
        comparison="rel",
        sides=(
            "proofs_check.claims.torch_free.module_constant (paper.nets.EPS_AUTHORS, read from its source)",
            "proofs_check.claims.paper.EPS_THEORY",
        ),
        detail="the constant the paper networks use (read without importing PyTorch) against the value the theory "
        "states for the authors' CN, (v - mean)/sqrt(unbiased variance + 1e-5); the same float up to u",
    )


def exact_tolerance(tolerance: float | None = None) -> list[Check]:
    """``proofs_check.claims.paper.TOL_EXACT`` (autograd vs closed form, float64) against its
    derivation: at least the rounding bound 2 gamma_m of the cross-checked computations (m the
    longest chain of ``EXACT_SIZES``, u from ``np.finfo``), at most EXACT_HEADROOM times it.
    ``tolerance`` replaces TOL_EXACT (a test hands a loosened one)."""
    from proofs_check.claims import paper

    tol = paper.TOL_EXACT if tolerance is None else tolerance
    chains = {k: paper.rounding_chain(*v) for k, v in paper.EXACT_SIZES.items()}
    worst = max(chains, key=chains.get)
    bound = paper.two_gamma(chains[worst])
    sides = ("proofs_check.claims.paper.TOL_EXACT", "proofs_check.claims.paper.two_gamma (rounding bound)")
    detail = (
        f"worst case {worst}: chain m = {chains[worst]}, 2 gamma_m = {bound:.3g} (u = np.finfo(float).eps/2); "
        f"TOL_EXACT = {tol:.3g} is {tol / bound:.3g} bounds"
    )
    values = {"rounding_bound": bound, "chain": chains[worst], "tolerance_over_bound": tol / bound}
    return [
        compared(
            "TOL_EXACT <= EXACT_HEADROOM x the float64 rounding bound of the paper cross-checks",
            "float64",
            tol,
            paper.EXACT_HEADROOM * bound,
            0.0,
            comparison="upper",
            scale=paper.EXACT_HEADROOM * bound,
            sides=sides,
            detail=detail + f"; at most {paper.EXACT_HEADROOM:g} bounds: a looser tolerance accepts "
            "discrepancies no float64 rounding produces",
            values=values,
        ),
        compared(
            "the float64 rounding bound of the paper cross-checks <= TOL_EXACT",
            "float64",
            bound,
            tol,
            0.0,
            comparison="upper",
            scale=tol,
            sides=sides[::-1],
            detail=detail + "; a tolerance below the bound could fail on rounding alone",
            values=values,
        ),
    ]


def eps_prediction_tolerance(tolerance: float | None = None) -> list[Check]:
    """``proofs_check.claims.paper.TOL_EPS_PREDICTION`` (M3 with the authors' eps: measured
    <grad, row> vs its predicted eps term) against its derivation: above the rounding floor
    2 gamma_m / (eps/s2) and at most 1/EPS_RESOLUTION of the effect 1.5 eps/s2 the prediction must
    resolve, for the networks of ``EPS_NETS`` (s2 from ``conv_variance``, its largest value). ``tolerance``
    replaces TOL_EPS_PREDICTION (a test hands a loosened one)."""
    from proofs_check.claims import paper

    tol = paper.TOL_EPS_PREDICTION if tolerance is None else tolerance
    ratio = {k: paper.EPS_THEORY / paper.conv_variance(*v[2:]) for k, v in paper.EPS_NETS.items()}
    floor = {k: paper.two_gamma(paper.rounding_chain(*v[:4])) / ratio[k] for k, v in paper.EPS_NETS.items()}
    effect = {k: (1 + r) ** 1.5 - 1 for k, r in ratio.items()}
    small, noisy = min(effect, key=effect.get), max(floor, key=floor.get)
    ceiling = effect[small] / paper.EPS_RESOLUTION
    sides = (
        "proofs_check.claims.paper.TOL_EPS_PREDICTION",
        "proofs_check.claims.paper.conv_variance (eps/s2 at initialization)",
    )
    values = {
        "smallest_effect": effect[small],
        "largest_rounding_floor": floor[noisy],
        "eps_over_variance": ratio[small],
    }
    return [
        compared(
            "TOL_EPS_PREDICTION <= the eps effect the M3 prediction must resolve / EPS_RESOLUTION",
            "float64",
            tol,
            ceiling,
            0.0,
            comparison="upper",
            scale=ceiling,
            sides=sides,
            detail=f"{small}: eps/s2 = {ratio[small]:.3g} (s2 = {paper.EPS_THEORY / ratio[small]:.3g}), effect "
            f"(1 + eps/s2)^1.5 - 1 = {effect[small]:.3g}; the tolerance must be {paper.EPS_RESOLUTION:g}x "
            "below it, or a prediction without the eps in its denominator would pass",
            values=values,
        ),
        compared(
            "the rounding floor of M3's <grad, row> <= TOL_EPS_PREDICTION",
            "float64",
            floor[noisy],
            tol,
            0.0,
            comparison="upper",
            scale=tol,
            sides=(sides[1], sides[0]),
            detail=f"{noisy}: 2 gamma_m / (eps/s2) = {floor[noisy]:.3g} (chain m = "
            f"{paper.rounding_chain(*paper.EPS_NETS[noisy][:4])}): <grad, row> is eps/s2 times ||grad|| ||row||, "
            "so its relative rounding error is 2 gamma_m / (eps/s2); a tolerance below it could fail on rounding",
            values=values,
        ),
    ]
