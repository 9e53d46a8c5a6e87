"""Multi-channel linear CNNs of THEORY section 4, exactly, over any number system.

Widths k_0 = 1 (input x), k_1 = ... = k_{d-1} = k (hidden), k_d = 1 (output f). Layer i
(0-based here, i = 0..d-1) has filters c_i[a][b] in R^n, a < k_{i+1} output channel,
b < k_i input channel, and computes the convolution outputs

    v_i[a] = sum_b c_i[a][b] * z_{i-1}[b],          z_{-1} = x,

then, optionally, a ReLU (hidden layers only) and CN (every layer, the output included):

    z_i[a] = gain_i[a] sqrt(n) P v_i[a] / ||P v_i[a]|| + bias_i[a] 1        (M3).

Without either, z_i = v_i and f = z_{d-1} is THEORY's plain network, L = 1/2 ||y - f||^2.

Closed-form gradient (M1), with delta the back-propagated residual, delta = -dL/d(.):

    delta at the output = y - f,  grad_{c_i[a][b]} L = -(delta v_i[a] ⋆ z_{i-1}[b]),
    delta z_{i-1}[b] = sum_a delta v_i[a] ⋆ c_i[a][b],

and through one normalized channel (M3, C4's h):  delta v = (gain sqrt(n)/s)(P - û û^T) delta z
with s = ||P v||, û = P v / s; ReLU multiplies delta by 1[v > 0].

The functions use only ring operations plus ``sqrt`` (and comparisons for ReLU), so the
same code runs on SymPy expressions, polynomial-ring elements, mpmath numbers and floats.
The symbolic proofs of M1 and M3 (``m1_*``, ``m3_*``) return ``Check`` records.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sympy
from sympy import QQ
from sympy.polys.rings import ring

from theory.checks import Check
from theory.identities import reduce_root_of_unity
from theory.networks import cn_output, network_output
from theory.signals import center, convolve, correlate, inner

Vector = Sequence[Any]
Layers = Sequence[Sequence[Sequence[Vector]]]  # filters[i][a][b] is a length-n vector


def widths(d: int, k: int) -> list[int]:
    """k_0, ..., k_d = 1, k, ..., k, 1 (a single layer is 1 -> 1)."""
    return [1] + [k] * (d - 1) + [1]


def _add(a: Vector, b: Vector) -> list[Any]:
    return [p + q for p, q in zip(a, b, strict=True)]


def _conv_layer(layer: Sequence[Sequence[Vector]], z: Sequence[Vector]) -> list[list[Any]]:
    """v[a] = sum_b c[a][b] * z[b]."""
    out = []
    for row in layer:
        acc = convolve(row[0], z[0])
        for c, zb in zip(row[1:], z[1:], strict=True):
            acc = _add(acc, convolve(c, zb))
        out.append(acc)
    return out


def _relu(v: Vector) -> list[Any]:
    return [t if t > 0 else t * 0 for t in v]


@dataclass(frozen=True)
class Forward:
    """Per layer i: conv outputs ``v[i]``, the (ReLU'd) channels fed to CN ``r[i]``, outputs ``z[i]``."""

    v: list[list[list[Any]]]
    r: list[list[list[Any]]]
    z: list[list[list[Any]]]

    @property
    def output(self) -> list[Any]:
        return self.z[-1][0]


def channel_forward(
    filters: Layers,
    x: Vector,
    *,
    normalized: bool = False,
    relu: bool = False,
    gains: Sequence[Sequence[Any]] | None = None,
    biases: Sequence[Sequence[Any]] | None = None,
    sqrt: Callable[[Any], Any] = sympy.sqrt,
) -> Forward:
    """The forward pass of the module docstring; gains default to 1 and biases to 0."""
    z: list[list[Any]] = [list(x)]
    vs, rs, zs = [], [], []
    d = len(filters)
    for i, layer in enumerate(filters):
        v = _conv_layer(layer, z)
        r = [_relu(va) for va in v] if relu and i < d - 1 else v
        if normalized:
            g = gains[i] if gains is not None else [1] * len(r)
            b = biases[i] if biases is not None else [0] * len(r)
            z = [cn_output(ra, ga, ba, sqrt) for ra, ga, ba in zip(r, g, b, strict=True)]
        else:
            z = r
        vs.append(v)
        rs.append(r)
        zs.append(z)
    return Forward(vs, rs, zs)


def channel_loss(filters: Layers, x: Vector, y: Vector, **kw: Any) -> Any:
    """L = 1/2 ||y - f||^2 with f the network output (keywords as ``channel_forward``)."""
    e = [yj - fj for yj, fj in zip(y, channel_forward(filters, x, **kw).output, strict=True)]
    return inner(e, e) / 2


def cn_backward(
    r: Vector, delta: Vector, gain: Any = 1, sqrt: Callable[[Any], Any] = sympy.sqrt
) -> list[Any]:
    """delta_in = (gain sqrt(n)/s) (P - û û^T) delta_out with s = ||P r||, û = P r / s (M3)."""
    n = len(r)
    pr = center(r)
    s = sqrt(inner(pr, pr))
    u_hat = [t / s for t in pr]
    proj = inner(u_hat, delta)
    scale = gain * sqrt(n) / s
    return [scale * (pd - proj * u) for pd, u in zip(center(delta), u_hat, strict=True)]


@dataclass(frozen=True)
class Gradients:
    """``filters[i][a][b]``: dL/dc_i[a][b] (n entries); ``gains``/``biases[i][a]`` (CN only)."""

    filters: list[list[list[list[Any]]]]
    gains: list[list[Any]] | None
    biases: list[list[Any]] | None


def channel_gradients(
    filters: Layers,
    x: Vector,
    y: Vector,
    *,
    normalized: bool = False,
    relu: bool = False,
    gains: Sequence[Sequence[Any]] | None = None,
    biases: Sequence[Sequence[Any]] | None = None,
    sqrt: Callable[[Any], Any] = sympy.sqrt,
) -> Gradients:
    """M1's back-propagated residual (M3's CN backward step): every gradient of L at once."""
    fw = channel_forward(filters, x, normalized=normalized, relu=relu, gains=gains, biases=biases, sqrt=sqrt)
    d = len(filters)
    delta = [[yj - fj for yj, fj in zip(y, fw.output, strict=True)]]  # -dL/dz_{d-1}
    grads: list[Any] = [None] * d
    g_gain: list[Any] = [None] * d
    g_bias: list[Any] = [None] * d
    for i in range(d - 1, -1, -1):
        if normalized:
            g = gains[i] if gains is not None else [1] * len(delta)
            g_gain[i] = [-inner(da, cn_output(ra, 1, 0, sqrt)) for da, ra in zip(delta, fw.r[i], strict=True)]
            g_bias[i] = [-sum(da, da[0] * 0) for da in delta]
            delta = [cn_backward(ra, da, ga, sqrt) for ra, da, ga in zip(fw.r[i], delta, g, strict=True)]
        if relu and i < d - 1:
            delta = [[t if vt > 0 else t * 0 for t, vt in zip(da, va)] for da, va in zip(delta, fw.v[i])]
        z_in = fw.z[i - 1] if i > 0 else [list(x)]
        grads[i] = [[[-t for t in correlate(da, zb)] for zb in z_in] for da in delta]
        if i > 0:
            back = []
            for b in range(len(z_in)):
                acc = correlate(delta[0], filters[i][0][b])
                for a in range(1, len(delta)):
                    acc = _add(acc, correlate(delta[a], filters[i][a][b]))
                back.append(acc)
            delta = back
    return Gradients(grads, g_gain if normalized else None, g_bias if normalized else None)


# ------------------------------------------------------------------------------- symbolic
@dataclass(frozen=True)
class ChannelClosedForm:
    """A width-k network in SymPy symbols with its loss and M1's closed-form gradients.

    ``filters[i][a][b]`` is the tuple of n symbols of c_i[a,b] (layer i = 0..d-1);
    ``gradients[i][a][b]`` the n partial derivatives dL/dc_i[a,b] from the back-propagated
    residual (not ``sympy.diff``). ``normalized``: CN with gain 1 and bias 0 after every
    convolution, the output included.
    """

    n: int
    d: int
    k: int
    normalized: bool
    filters: tuple[tuple[tuple[tuple[sympy.Symbol, ...], ...], ...], ...]
    x: tuple[sympy.Symbol, ...]
    y: tuple[sympy.Symbol, ...]
    loss: sympy.Expr
    gradients: tuple[tuple[tuple[tuple[sympy.Expr, ...], ...], ...], ...]

    def __repr__(self) -> str:
        """The sizes and the number of symbols, never the expressions.

        >>> channel_closed_form(2, 2, 2)
        ChannelClosedForm(n=2, d=2, k=2, normalized=False, taps=8, symbols=12)
        """
        return (
            f"ChannelClosedForm(n={self.n}, d={self.d}, k={self.k}, normalized={self.normalized}, "
            f"taps={len(self.taps)}, symbols={len(self.symbols)})"
        )

    @property
    def taps(self) -> tuple[sympy.Symbol, ...]:
        """Every filter tap, layer by layer, row by row."""
        return tuple(s for layer in self.filters for row in layer for c in row for s in c)

    @property
    def symbols(self) -> tuple[sympy.Symbol, ...]:
        return self.taps + self.x + self.y

    def autodiff_gradients(self) -> tuple[sympy.Expr, ...]:
        """``sympy.diff`` of the loss with respect to every tap (order of ``taps``)."""
        return tuple(sympy.diff(self.loss, s) for s in self.taps)

    def closed_gradients(self) -> tuple[sympy.Expr, ...]:
        """The closed-form gradients flattened in the order of ``taps``."""
        return tuple(g for layer in self.gradients for row in layer for c in row for g in c)


def channel_symbols(n: int, d: int, k: int):
    """Real symbols c{i}_{a}_{b}_{t} (layer i = 1..d), x_t, y_t."""
    ks = widths(d, k)
    filters = tuple(
        tuple(
            tuple(
                tuple(sympy.Symbol(f"c{i + 1}_{a}_{b}_{t}", real=True) for t in range(n))
                for b in range(ks[i])
            )
            for a in range(ks[i + 1])
        )
        for i in range(d)
    )
    x = tuple(sympy.Symbol(f"x_{t}", real=True) for t in range(n))
    y = tuple(sympy.Symbol(f"y_{t}", real=True) for t in range(n))
    return filters, x, y


def channel_closed_form(n: int, d: int, k: int, normalized: bool = False) -> ChannelClosedForm:
    """Symbolic width-k network (widths 1 -> k -> ... -> k -> 1) with loss and M1 gradients.

    >>> cf = channel_closed_form(2, 2, 2)
    >>> len(cf.filters[0]), len(cf.filters[0][0]), len(cf.filters[1]), len(cf.filters[1][0])
    (2, 1, 1, 2)
    >>> cf.gradients[1][0][1][0]
    -(c1_1_0_0*x_0 + c1_1_0_1*x_1)*(-c2_0_0_0*(c1_0_0_0*x_0 + c1_0_0_1*x_1) - c2_0_0_1*(c1_0_0_0*x_1 + c1_0_0_1*x_0) - c2_0_1_0*(c1_1_0_0*x_0 + c1_1_0_1*x_1) - c2_0_1_1*(c1_1_0_0*x_1 + c1_1_0_1*x_0) + y_0) - (c1_1_0_0*x_1 + c1_1_0_1*x_0)*(-c2_0_0_0*(c1_0_0_0*x_1 + c1_0_0_1*x_0) - c2_0_0_1*(c1_0_0_0*x_0 + c1_0_0_1*x_1) - c2_0_1_0*(c1_1_0_0*x_1 + c1_1_0_1*x_0) - c2_0_1_1*(c1_1_0_0*x_0 + c1_1_0_1*x_1) + y_1)
    """
    from theory.validation import channel_closed_form_arguments

    n, d, k, normalized = channel_closed_form_arguments(n, d, k, normalized)
    filters, x, y = channel_symbols(n, d, k)
    loss = channel_loss(filters, x, y, normalized=normalized)
    g = channel_gradients(filters, x, y, normalized=normalized).filters
    grads = tuple(tuple(tuple(tuple(c) for c in row) for row in layer) for layer in g)
    return ChannelClosedForm(n, d, k, normalized, filters, x, y, loss, grads)


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
                auto = [sympy.diff(cf.loss, s).xreplace(vals) for s in taps]
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
