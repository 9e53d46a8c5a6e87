"""The symbolic proofs of M1 and M3 for width-k networks (``m1_*``, ``m3_*``), on the
model of ``theory.channels``: each returns a ``Check`` record (expansion in a polynomial ring over
Q(omega), ``sympy.diff`` at exact rational points, and the C1 counterexample at k >= 2)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from typing import Any

import sympy
from sympy import QQ
from sympy.polys.rings import ring

from theory.channels import (
    ChannelClosedForm,
    Forward,
    Gradients,
    Vector,
    _add,
    _conv_layer,
    _relu,
    channel_closed_form,
    channel_forward,
    channel_gradients,
    channel_loss,
    channel_symbols,
    cn_backward,
    widths,
)
from theory.checks import Check
from theory.identities import reduce_root_of_unity
from theory.networks import cn_output, network_output, partial_at
from theory.signals import center, convolve, correlate, inner

# --------------------------------------------------------------------------------- proofs
#: (n, d, k) where M1 is proved by expansion in a polynomial ring.
RING_SIZES: tuple[tuple[int, int, int], ...] = (
    (2, 1, 1), (2, 2, 2), (2, 2, 3), (2, 3, 2), (3, 2, 2), (3, 3, 2), (4, 2, 2), (3, 2, 3), (4, 3, 2),
)  # fmt: skip
#: (n, d, k) where the closed form is compared with ``sympy.diff`` at exact rational points.
POINT_SIZES: tuple[tuple[int, int, int], ...] = ((3, 3, 2), (4, 3, 2), (3, 4, 2), (3, 2, 3), (5, 3, 2))


def _timed(name: str, method: str, fn: Callable[[], tuple[bool, str]], values: dict | None = None) -> Check:
    t0 = time.perf_counter()
    ok, detail = fn()
    elapsed = time.perf_counter() - t0
    return Check(
        name,
        method,
        ok,
        f"{detail} ({elapsed:.2f} s)",
        0.0 if ok else None,
        0.0,
        values={"seconds": elapsed, **(values or {})},
    )


def _channel_ring(n: int, d: int, k: int, extra: Sequence[str] = ()):
    ks = widths(d, k)
    names = [
        f"c{i + 1}_{a}_{b}_{t}"
        for i in range(d)
        for a in range(ks[i + 1])
        for b in range(ks[i])
        for t in range(n)
    ]
    names += [f"x_{t}" for t in range(n)] + [f"y_{t}" for t in range(n)] + list(extra)
    R, *gens = ring(names, QQ)
    it = iter(gens)
    filters = [
        [[[next(it) for _ in range(n)] for _ in range(ks[i])] for _ in range(ks[i + 1])] for i in range(d)
    ]
    x = [next(it) for _ in range(n)]
    y = [next(it) for _ in range(n)]
    return R, filters, x, y, list(it)


def _dft(a: Vector, omega: Any, n: int, sign: int = 1) -> list[Any]:
    return [sum((a[j] * omega ** ((sign * j * w) % n) for j in range(n)), a[0] * 0) for w in range(n)]


def m1_block_factorization(sizes: Sequence[tuple[int, int, int]] = RING_SIZES) -> Check:
    """ẑ_i(w) = Ĉ_i(w) ẑ_{i-1}(w) at every layer, so f̂_w = Ĉ_d(w)...Ĉ_1(w) x̂_w:
    proved in QQ[c, x, omega]/(omega^n - 1) (omega = exp(-2 pi i/n))."""

    def run() -> tuple[bool, str]:
        for n, d, k in sizes:
            R, filters, x, _, (omega,) = _channel_ring(n, d, k, ["omega"])
            idx = R.gens.index(omega)
            fw = channel_forward(filters, x)
            z_hat = [_dft(x, omega, n)]  # one channel, spectrum
            zh = [z_hat[0]]
            for i, layer in enumerate(filters):
                c_hat = [[_dft(c, omega, n) for c in row] for row in layer]
                zh = [
                    [
                        reduce_root_of_unity(
                            sum((row[b][w] * zh[b][w] for b in range(len(row))), R.zero), idx, n
                        )
                        for w in range(n)
                    ]
                    for row in c_hat
                ]
                for a, va in enumerate(fw.v[i]):
                    direct = _dft(va, omega, n)
                    if any(reduce_root_of_unity(direct[w] - zh[a][w], idx, n) != 0 for w in range(n)):
                        return False, f"fails at n={n}, d={d}, k={k}, layer {i + 1}, channel {a}"
        return True, "proved for (n, d, k) in " + " ".join(f"{n}x{d}x{k}" for n, d, k in sizes)

    return _timed("DFT of every layer = Ĉ_i(w) ẑ_{i-1}(w)", "symbolic", run, {"sizes": len(sizes)})


def m1_gradient_expanded(
    gradients: Callable = channel_gradients,
    sizes: Sequence[tuple[int, int, int]] = RING_SIZES,
    budget: int = 200000,
) -> Check:
    """The back-propagated residual = the derivative of the expanded loss, as polynomials."""

    def run() -> tuple[bool, str]:
        done = []
        for n, d, k in sizes:
            R, filters, x, y, _ = _channel_ring(n, d, k)
            f = channel_forward(filters, x).output
            if sum(len(fj.terms()) for fj in f) ** 2 > budget:
                continue
            e = [yj - fj for yj, fj in zip(y, f)]
            loss = inner(e, e) / 2
            g = gradients(filters, x, y).filters
            for i, layer in enumerate(filters):
                for a, row in enumerate(layer):
                    for b, c in enumerate(row):
                        for t in range(n):
                            if loss.diff(c[t]) != g[i][a][b][t]:
                                return (
                                    False,
                                    f"closed form != d loss at n={n}, d={d}, k={k}, c{i + 1}[{a},{b}]_{t}",
                                )
            done.append(f"{n}x{d}x{k}")
        return bool(done), "identical polynomials for (n x d x k) in " + " ".join(done)

    return _timed("M1 gradient = d(loss)/dc, expanded", "symbolic", run)


def _rational(rng: random.Random, low: int = -9) -> sympy.Rational:
    return sympy.Rational(rng.randint(low, 9), rng.randint(1, 4))


def _nonzero_rational(rng: random.Random) -> sympy.Rational:
    while True:
        q = _rational(rng)
        if q != 0:
            return q


def m1_gradient_at_points(
    gradients: Callable = channel_gradients,
    sizes: Sequence[tuple[int, int, int]] = POINT_SIZES,
    points: int = 1,
    seed: int = 0,
) -> Check:
    """The closed form against ``sympy.diff`` of the explicit loss at random rationals (exact)."""

    def run() -> tuple[bool, str]:
        rng = random.Random(seed)
        for n, d, k in sizes:
            cf = channel_closed_form(n, d, k)
            taps = cf.taps
            for _ in range(points):
                vals = {s: _rational(rng) for s in cf.symbols}
                auto = [
                    partial_at(cf.loss.xreplace({q: v for q, v in vals.items() if q != s}), s, vals[s])
                    for s in taps
                ]
                F = _substitute(cf.filters, vals)
                g = gradients(F, [vals[s] for s in cf.x], [vals[s] for s in cf.y]).filters
                flat = [v for layer in g for row in layer for c in row for v in c]
                for s, a, b in zip(taps, auto, flat, strict=True):
                    if a != b:
                        return False, f"n={n}, d={d}, k={k}, {s}: diff(loss)={a}, closed={b}"
        return True, f"equal at {points} rational point(s) for (n, d, k) in {list(sizes)}"

    return _timed("M1 gradient = sympy.diff(loss) at rationals", "exact", run)


def _substitute(filters, vals: dict):
    return [[[[vals[s] for s in c] for c in row] for row in layer] for layer in filters]


def _cn_defined(F, x, relu: bool) -> bool:
    fw = channel_forward(F, x, relu=relu, normalized=True, sqrt=lambda t: t)  # sqrt irrelevant for the test
    return all(any(v != 0 for v in center(ra)) for layer in fw.r for ra in layer)


def _cn_point(n: int, d: int, k: int, rng: random.Random, relu: bool = False):
    """Rational filters, x, y at which every normalized channel has P r != 0 (CN defined)."""
    filters, x, y = channel_symbols(n, d, k)
    while True:
        vals = {s: _nonzero_rational(rng) for layer in filters for row in layer for c in row for s in c}
        vals.update({s: _rational(rng) for s in x + y})
        F, X = _substitute(filters, vals), [vals[s] for s in x]
        if _points_ok(F, X, relu):
            return F, X, [vals[s] for s in y]


def _points_ok(F, X, relu: bool) -> bool:
    """Every channel fed to CN is non-constant, checked exactly layer by layer (with 1/s)."""
    z = [list(X)]
    for i, layer in enumerate(F):
        v = _conv_layer(layer, z)
        r = [_relu(va) for va in v] if relu and i < len(F) - 1 else v
        if any(all(t == 0 for t in center(ra)) for ra in r):
            return False
        z = [cn_output(ra) for ra in r]
    return True


def m3_cn_backward(lengths: Sequence[int] = (2, 3, 4)) -> Check:
    """J^T delta = (gain sqrt(n)/s)(P - û û^T) delta for the Jacobian J of one CN channel,
    generic v, delta and gain (the backward step of M3)."""

    def run() -> tuple[bool, str]:
        gain = sympy.Symbol("gamma", positive=True)
        for n in lengths:
            v = sympy.symbols(f"v_0:{n}", real=True)
            delta = sympy.symbols(f"e_0:{n}", real=True)
            o = cn_output(v, gain, 0)
            jt_delta = [sum(sympy.diff(o[j], v[m]) * delta[j] for j in range(n)) for m in range(n)]
            closed = cn_backward(v, delta, gain)
            if any(sympy.simplify(p - q) != 0 for p, q in zip(jt_delta, closed)):
                return False, f"fails at n={n}"
        return True, "proved for generic v, delta, gain > 0, n = " + ",".join(map(str, lengths))

    return _timed("CN backward = (gamma sqrt(n)/s)(P - û û^T) delta", "symbolic", run)


def m3_row_scaling(sizes: Sequence[tuple[int, int, int]] = ((3, 2, 2), (4, 3, 2), (3, 3, 3))) -> Check:
    """v_i[a] is linear in the row c_i[a,:] and no other channel of layer i depends on it
    (ring proof), so with CN(alpha v) = CN(v) (alpha > 0, ``c1_affine_invariance``) and
    ReLU(alpha v) = alpha ReLU(v) the loss is invariant under c_i[a,:] -> alpha c_i[a,:]."""

    def run() -> tuple[bool, str]:
        for n, d, k in sizes:
            R, filters, x, _, (alpha,) = _channel_ring(n, d, k, ["alpha"])
            z = [list(x)]
            for i, layer in enumerate(filters):
                v = _conv_layer(layer, z)
                for a in range(len(layer)):
                    scaled = [list(row) for row in layer]
                    scaled[a] = [[alpha * t for t in c] for c in layer[a]]
                    vs = _conv_layer(scaled, z)
                    for a2 in range(len(layer)):
                        want = [alpha * t for t in v[a2]] if a2 == a else v[a2]
                        if vs[a2] != want:
                            return False, f"fails at n={n}, d={d}, k={k}, layer {i + 1}, row {a}"
                z = v
        al = sympy.Symbol("alpha", positive=True)
        tp, tn = sympy.Symbol("t", positive=True), sympy.Symbol("t", negative=True)
        if any(sympy.Max(al * t, 0) - al * sympy.Max(t, 0) != 0 for t in (tp, tn, sympy.Integer(0))):
            return False, "ReLU(alpha t) != alpha ReLU(t)"
        return True, "row linearity proved for (n, d, k) in " + " ".join(
            f"{n}x{d}x{k}" for n, d, k in sizes
        ) + "; ReLU homogeneity for alpha > 0"

    return _timed("row-wise scaling of v_i[a]; ReLU homogeneous", "symbolic", run)


def m3_euler_generic(lengths: Sequence[int] = (2, 3, 4, 5)) -> Check:
    """<(P - û û^T) delta, r> = 0 for generic r, delta (û = P r/||P r||), and the ring identity
    sum_b <g ⋆ z_b, c_b> = <g, sum_b c_b * z_b>: together <grad_{c_i[a,:]} L, c_i[a,:]> = 0."""

    def run() -> tuple[bool, str]:
        for n in lengths:
            r = sympy.symbols(f"r_0:{n}", real=True)
            delta = sympy.symbols(f"e_0:{n}", real=True)
            if sympy.simplify(inner(cn_backward(r, delta), r)) != 0:
                return False, f"<J^T delta, r> != 0 at n={n}"
            R, *g = ring(
                [f"g{t}" for t in range(n)]
                + [f"z{b}_{t}" for b in range(2) for t in range(n)]
                + [f"c{b}_{t}" for b in range(2) for t in range(n)],
                QQ,
            )
            gg, zz, cc = g[:n], [g[n : 2 * n], g[2 * n : 3 * n]], [g[3 * n : 4 * n], g[4 * n :]]
            lhs = inner(correlate(gg, zz[0]), cc[0]) + inner(correlate(gg, zz[1]), cc[1])
            rhs = inner(gg, _add(convolve(cc[0], zz[0]), convolve(cc[1], zz[1])))
            if lhs != rhs:
                return False, f"ring identity fails at n={n}"
        return True, "proved for generic r, delta and two input channels, n = " + ",".join(map(str, lengths))

    return _timed("Euler identity, generic channel", "symbolic", run)


def m3_c1_counterexample(n: int = 3, seed: int = 5) -> tuple[Check, Check]:
    """k = 2, d = 2: layerwise CN != CN of the plain output (C1 fails), exactly; and the
    hidden gains get a nonzero gradient. k = 1 (the control): they coincide exactly."""

    def differ() -> tuple[bool, str]:
        rng = random.Random(seed)
        F, X, Y = _cn_point(n, 2, 2, rng)
        layer = channel_forward(F, X, normalized=True).output
        once = cn_output(channel_forward(F, X).output)
        gap = max(abs(sympy.N(p - q, 30)) for p, q in zip(layer, once))
        ctrl_rng = random.Random(seed + 1)
        F1, X1, _ = _cn_point(n, 3, 1, ctrl_rng)
        ctrl = channel_forward(F1, X1, normalized=True).output
        plain = cn_output(network_output([layer_[0][0] for layer_ in F1], X1))
        ctrl_gap = max(abs(sympy.N(p - q, 60)) for p, q in zip(ctrl, plain))
        ok = gap > 1e-3 and ctrl_gap < 1e-50
        return ok, (
            f"k=2, n={n}, d=2: max |layerwise - output CN| = {float(gap):.4g} at filters {F}, x={X}; "
            f"k=1 control (d=3): {float(ctrl_gap):.1e}"
        )

    def gain_gradient() -> tuple[bool, str]:
        import mpmath

        sizes = []
        with mpmath.mp.workdps(50):
            for k, d, point_seed in ((2, 2, seed), (1, 3, seed + 1)):  # the points of ``differ``
                F, X, Y = _cn_point(n, d, k, random.Random(point_seed))
                as_mp = lambda v: [mpmath.mpf(t.p) / t.q for t in v]  # noqa: E731
                Fm = [[[as_mp(c) for c in row] for row in layer] for layer in F]
                g = channel_gradients(Fm, as_mp(X), as_mp(Y), normalized=True, sqrt=mpmath.sqrt).gains
                sizes.append(max(abs(v) for layer in g[:-1] for v in layer))
        ok = sizes[0] > 1e-3 and sizes[1] < 1e-45
        return ok, (
            f"max |dL/d(hidden gain)| = {mpmath.nstr(sizes[0], 6)} at k=2, d=2 (C1 would give 0); "
            f"{mpmath.nstr(sizes[1], 3)} at k=1, d=3 (50 digits)"
        )

    return (
        _timed("C1 fails for k = 2: layerwise CN != output CN", "exact", differ),
        _timed("C1 fails for k = 2: hidden gains get gradient", "high-precision", gain_gradient),
    )


__all__ = [
    "ChannelClosedForm",
    "Forward",
    "Gradients",
    "channel_closed_form",
    "channel_forward",
    "channel_gradients",
    "channel_loss",
    "cn_backward",
    "widths",
]
