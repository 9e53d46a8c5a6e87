"""Width-k gradient norms in arb ball arithmetic: ``channel_grad_norms(..., certified=True)``.

The formulas of ``numerics.hp.channels.channel_grad_norms`` (M1, M3), with every number an
arb/acb ball (python-flint): the DFTs from arb's cos_pi/sin_pi, the per-frequency matrix
products, CN's channel norms s = ((1/n) sum_{w != 0} m_w |v̂_w|^2)^(1/2) and its backward
step (sqrt(n)/s)(ê - <û, ê> û). The inputs are the exact binary values of the float arrays.
Rectangular complex balls may widen by up to sqrt(2) per layer (the wrapping effect), so the
precision starts d/2 bits higher and doubles until every radius is below 10^-dps relative;
the returned balls contain the exact norms.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import flint
import numpy as np
from flint import acb, arb

from numerics.hp.precise import abs2, exact_arb, nonneg_sqrt


def _half_spectrum(values: Sequence[Any], n: int) -> list[acb]:
    """â_w = sum_j a_j exp(-2 pi i j w/n), w = 0..n/2, each a_j enclosed exactly (floats, ints
    and mpf) or by arb's parser (decimal strings): ``numerics.hp.precise.exact_arb``."""
    a = [exact_arb(v) for v in values]
    out = []
    for w in range(n // 2 + 1):
        re, im = arb(0), arb(0)
        for j, aj in enumerate(a):
            if aj.is_zero():
                continue
            c, s = arb.cos_pi(arb(2 * j * w) / n), arb.sin_pi(arb(2 * j * w) / n)
            re += aj * c
            im -= aj * s
        out.append(acb(re, im))
    return out


def _sq(v: list[acb]) -> arb:
    return sum((abs2(t) for t in v), arb(0))


def channel_grad_norm_balls(
    layers: list[np.ndarray], ks: list[int], n: int, xs: np.ndarray, ys: np.ndarray, normalized: bool
) -> list[arb]:
    """||grad_{C_i} L|| as arb balls at the current precision."""
    d, F = len(layers), n // 2 + 1
    mult = [1 if (w == 0 or 2 * w == n) else 2 for w in range(F)]
    c_hat = []  # c_hat[i][w][a][b]
    for f in layers:
        spec = [[_half_spectrum(f[a, b], n) for b in range(f.shape[1])] for a in range(f.shape[0])]
        c_hat.append(
            [[[spec[a][b][w] for b in range(f.shape[1])] for a in range(f.shape[0])] for w in range(F)]
        )
    x_hat, y_hat = _half_spectrum(xs, n), _half_spectrum(ys, n)
    sqrt_n = arb(n).sqrt()
    inputs, pre, scales = [], [], []
    z = [[xw] for xw in x_hat]
    for i in range(d):
        inputs.append(z)
        v = [[sum((m * zb for m, zb in zip(row, z[w])), acb(0)) for row in c_hat[i][w]] for w in range(F)]
        pre.append(v)
        if normalized:
            s = []
            for a in range(ks[i + 1]):
                s2 = sum((m * abs2(v[w][a]) for w, m in enumerate(mult) if w), arb(0)) / n
                if not s2 > 0:  # 0 or not yet decided at this precision
                    raise ArithmeticError("a channel norm s is not certainly positive")
                s.append(s2.sqrt())
            scales.append(s)
            z = [[acb(0)] * ks[i + 1]] + [
                [sqrt_n * v[w][a] / s[a] for a in range(ks[i + 1])] for w in range(1, F)
            ]
        else:
            z = v
    e = [[zw[0] - yw] for zw, yw in zip(z, y_hat)]
    norms: list[arb] = [arb(0)] * d
    for i in range(d - 1, -1, -1):
        if normalized:
            e = _cn_backward(pre[i], e, scales[i], mult, n)
        norms[i] = nonneg_sqrt(
            sum((m * _sq(ew) * _sq(zw) for m, ew, zw in zip(mult, e, inputs[i])), arb(0)) / n
        )
        if i > 0:
            mats = c_hat[i]
            e = [
                [
                    sum((mats[w][a][b].conjugate() * e[w][a] for a in range(len(mats[w]))), acb(0))
                    for b in range(ks[i])
                ]
                for w in range(F)
            ]
    return norms


def _cn_backward(
    v: list[list[acb]], e: list[list[acb]], s: list[arb], mult: list[int], n: int
) -> list[list[acb]]:
    """Per channel a: ê_in = (sqrt(n)/s)(ê - <û, e> û) for w != 0, 0 at w = 0 (M3, gain 1)."""
    F = len(v)
    sqrt_n = arb(n).sqrt()
    out = [[acb(0)] * len(s)] + [[acb(0)] * len(s) for _ in range(F - 1)]
    for a, sa in enumerate(s):
        u = [v[w][a] / sa for w in range(F)]
        proj = sum((mult[w] * (u[w] * e[w][a].conjugate()).real for w in range(1, F)), arb(0)) / n
        for w in range(1, F):
            out[w][a] = sqrt_n / sa * (e[w][a] - proj * u[w])
    return out


def certified_channel_grad_norms(
    layers: list[np.ndarray],
    ks: list[int],
    n: int,
    xs: np.ndarray,
    ys: np.ndarray,
    normalized: bool,
    dps: int,
) -> list[arb]:
    """The balls of ``channel_grad_norm_balls`` with radius below 10^-dps relative."""
    want = int(dps * math.log2(10)) + 4
    bits = want + 32 + len(layers) // 2 + 4 * int(math.log2(n * max(ks)))
    old = flint.ctx.prec
    try:
        for _ in range(5):
            flint.ctx.prec = bits
            try:
                balls = channel_grad_norm_balls(layers, ks, n, xs, ys, normalized)
            except ArithmeticError:
                bits *= 2
                continue
            if all(v.is_zero() or v.rel_accuracy_bits() >= want for v in balls):
                return balls
            bits *= 2
    finally:
        flint.ctx.prec = old
    raise ArithmeticError(
        f"channel gradient norms not enclosed to {dps} digits (or a CN channel is constant, P v = 0)"
    )
