"""Closed forms that otherwise only the torch cross-checks (``paper.crosschecks``) exercise,
checked in the default run without torch: C4's gradient with a gain gamma != 1 and a bias,
and P1's projected normalized gradient X^T (I - û û^T) y / ||Xw|| (û = Xw/||Xw||), both
against central differences of the loss in mpmath.

Finite differences at ``2 dps + 20`` digits with step ``h = 10^-(dps + 10)``: truncation
~h^2, rounding ~10^-(2 dps + 20)/h = 10^-(dps + 10) (times |L|/max|grad|, O(1) here).
"""

from __future__ import annotations

import mpmath
import numpy as np
from mpmath import mp

from numerics.gd.reference import to_mpf
from proofs_check.claims.base import Context, compared, mp_problem, rounding_tolerance, worst_pair
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
