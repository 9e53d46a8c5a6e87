"""Symbolic proofs of the identities of docs/theory (T, C), each returning ``Check`` records.

Two kinds of evidence, kept apart in every check's ``method``:

* ``symbolic``: an identity proved exactly, either for a concrete size by expanding both
  sides in a polynomial ring (sympy.polys), or for *every* depth and length when the
  identity is stated in scalar symbols (e.g. T3 with ``p`` standing for the product of the
  other layers' Fourier coefficients). Each check's ``detail`` says which sizes it covers.
* ``exact``: the closed form against ``sympy.diff`` of the explicit loss at random rational
  points, evaluated exactly (rationals, or algebraic numbers with one square root for CN).

Every function that checks a formula takes that formula as a parameter, so a test can
feed a deliberately wrong one and watch the check fail.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sympy
from sympy import QQ
from sympy.polys.rings import ring

from theory.checks import Check
from theory.networks import (
    all_but,
    closed_form_gradients,
    cn_gradient,
    cn_output,
    cn_output_gradient,
    network_output,
    plain_gradient,
    residual,
)
from theory.signals import center, convolve, correlate, inner

Sizes = Iterable[tuple[int, int]]

#: Sizes at which the plain-network identities are proved (n <= 6, d <= 4).
PLAIN_SIZES: tuple[tuple[int, int], ...] = tuple((n, d) for n in range(2, 7) for d in range(1, 5))
#: The fully expanded loss grows like n^(2d) terms; beyond this budget only the
#: Jacobian proof and the exact rational evaluation run (see ``t1_gradient``).
EXPANSION_BUDGET = 5000
#: CN sizes: the CN loss has a square root, so SymPy works harder; a smaller range.
CN_SIZES: tuple[tuple[int, int], ...] = tuple((n, d) for n in range(2, 5) for d in range(1, 4))


# ----------------------------------------------------------------------------- helpers
def _network_ring(n: int, d: int, extra: Sequence[str] = ()):
    """Polynomial ring QQ[c_{i,k}, x_k, y_k, extra...] with the generators grouped."""
    names = [f"c{i}_{k}" for i in range(1, d + 1) for k in range(n)]
    names += [f"x_{k}" for k in range(n)] + [f"y_{k}" for k in range(n)] + list(extra)
    R, *gens = ring(names, QQ)
    filters = [gens[i * n : (i + 1) * n] for i in range(d)]
    x = gens[d * n : d * n + n]
    y = gens[d * n + n : d * n + 2 * n]
    return R, filters, x, y, gens[d * n + 2 * n :]


def reduce_root_of_unity(p: Any, index: int, n: int) -> Any:
    """Reduce a ring element using omega^n = 1 (omega the generator at ``index``)."""
    R = p.ring
    out = R.zero
    for monom, coeff in p.terms():
        m = list(monom)
        m[index] %= n
        out += R({tuple(m): coeff})
    return out


def _dft(a: Sequence[Any], omega: Any, n: int, sign: int = 1) -> list[Any]:
    """DFT with omega standing for exp(-2 pi i / n); sign=-1 gives the conjugate kernel."""
    return [sum((a[j] * omega ** ((sign * j * w) % n) for j in range(n)), a[0] * 0) for w in range(n)]


def _random_rationals(symbols: Sequence[sympy.Symbol], rng: random.Random) -> dict:
    return {s: _rational(rng) for s in symbols}


def _rational(rng: random.Random, low: int = -9) -> sympy.Rational:
    return sympy.Rational(rng.randint(low, 9), rng.randint(1, 4))


def _cn_point(cf, rng: random.Random) -> dict:
    """A random rational point at which P z != 0, so the CN loss is defined."""
    while True:
        vals = _random_rationals(cf.symbols, rng)
        z = network_output([[vals[s] for s in c] for c in cf.filters], [vals[s] for s in cf.x])
        if any(v != 0 for v in center(z)):
            return vals


def _is_zero(expr: sympy.Expr) -> bool:
    """Exact zero test for rationals and algebraic numbers with square roots."""
    e = sympy.expand(sympy.radsimp(expr))
    return e == 0 or sympy.simplify(e) == 0


def _timed(name: str, method: str, fn: Callable[[], tuple[bool, str]]) -> Check:
    t0 = time.perf_counter()
    ok, detail = fn()
    return Check(name, method, ok, f"{detail} ({time.perf_counter() - t0:.2f} s)", 0.0 if ok else None, 0.0)


def _complex(name: str) -> tuple[sympy.Expr, sympy.Expr]:
    """A complex symbol as (value, conjugate) built from two real symbols."""
    re, im = sympy.symbols(f"{name}_re {name}_im", real=True)
    return re + sympy.I * im, re - sympy.I * im


def _zero_rational_function(expr: sympy.Expr) -> bool:
    num, _ = sympy.fraction(sympy.together(sympy.expand(expr)))
    return sympy.expand(num) == 0


# ------------------------------------------------------------------------------- T1/C4
def t1_jacobian(sizes: Sizes = PLAIN_SIZES) -> Check:
    """d f_j / d c_{i,k} = u_{i,(j-k) mod n}: expanded in QQ[c, x] for every size given."""

    def run() -> tuple[bool, str]:
        done = []
        for n, d in sizes:
            R, filters, x, _, _ = _network_ring(n, d)
            f = network_output(filters, x)
            for i in range(d):
                u = all_but(filters, x, i)
                for k in range(n):
                    for j in range(n):
                        if f[j].diff(filters[i][k]) != u[(j - k) % n]:
                            return False, f"fails at n={n}, d={d}, i={i + 1}, k={k}, j={j}"
            done.append(f"{n}x{d}")
        return True, "proved for (n x d) in " + " ".join(done)

    return _timed("Jacobian df_j/dc_ik = u_i[j-k]", "symbolic", run)


def t1_gradient(
    gradient: Callable = plain_gradient, sizes: Sizes = PLAIN_SIZES, points: int = 2, seed: int = 0
) -> list[Check]:
    """The closed form against sympy.diff of the loss: expanded (small sizes) and exact at points."""
    sizes = list(sizes)

    def expanded() -> tuple[bool, str]:
        done = []
        for n, d in sizes:
            if n ** (2 * d) > EXPANSION_BUDGET:
                continue
            R, filters, x, y, _ = _network_ring(n, d)
            r = residual(filters, x, y)
            loss = inner(r, r) / 2
            for i in range(d):
                g = gradient(filters, x, y, i)
                for k in range(n):
                    if loss.diff(filters[i][k]) != g[k]:
                        return False, f"closed form != diff(loss) at n={n}, d={d}, i={i + 1}, k={k}"
            done.append(f"{n}x{d}")
        return True, "identical polynomials for (n x d) in " + " ".join(done)

    def at_points() -> tuple[bool, str]:
        rng = random.Random(seed)
        for n, d in sizes:
            cf = closed_form_gradients(n, d)
            for _ in range(points):
                vals = _random_rationals(cf.symbols, rng)
                auto = cf.autodiff_gradients_at(vals)
                filters = [[vals[s] for s in c] for c in cf.filters]
                x, y = [vals[s] for s in cf.x], [vals[s] for s in cf.y]
                for i in range(d):
                    closed = gradient(filters, x, y, i)
                    for k in range(n):
                        a = auto[i][k]
                        b = sympy.sympify(closed[k])
                        if a != b:
                            return False, f"n={n}, d={d}, i={i + 1}, k={k}: diff(loss)={a}, closed={b}"
        return True, f"equal at {points} random rational points for each of {len(sizes)} sizes"

    return [
        _timed("closed form = diff(loss), expanded", "symbolic", expanded),
        _timed("closed form = diff(loss) at rationals", "exact", at_points),
    ]


def c4_output_gradient(
    output_gradient: Callable = cn_output_gradient, lengths: Iterable[int] = range(2, 5)
) -> Check:
    """dL_CN/dz = h for generic z (then C4 follows from the Jacobian identity and the chain rule)."""

    def run() -> tuple[bool, str]:
        for n in lengths:
            z = sympy.symbols(f"z_0:{n}", real=True)
            y = sympy.symbols(f"y_0:{n}", real=True)
            o = cn_output(z)
            loss = sum((yj - oj) ** 2 for yj, oj in zip(y, o)) / 2
            h = output_gradient(z, y)
            for j in range(n):
                if sympy.simplify(sympy.diff(loss, z[j]) - h[j]) != 0:
                    return False, f"dL_CN/dz_{j} != h_{j} at n={n}"
        return True, "proved for generic z, n = " + ",".join(map(str, lengths))

    return _timed("dL_CN/dz = h", "symbolic", run)


def c4_gradient(
    gradient: Callable = cn_gradient, sizes: Sizes = CN_SIZES, points: int = 1, seed: int = 1
) -> Check:
    """The CN closed form against sympy.diff of the CN loss at random rational points (exact)."""

    def run() -> tuple[bool, str]:
        rng = random.Random(seed)
        count = 0
        for n, d in sizes:
            cf = closed_form_gradients(n, d, normalized=True)
            for _ in range(points):
                vals = _cn_point(cf, rng)
                auto = cf.autodiff_gradients_at(vals)
                for i in range(d):
                    closed = gradient(
                        [[vals[s] for s in c] for c in cf.filters],
                        [vals[s] for s in cf.x],
                        [vals[s] for s in cf.y],
                        i,
                    )
                    for k in range(n):
                        if not _is_zero(auto[i][k] - closed[k]):
                            return False, f"n={n}, d={d}, i={i + 1}, k={k}"
                count += 1
        return True, f"exact algebraic equality at {count} points, (n, d) in n<=4, d<=3"

    return _timed("CN closed form = diff(L_CN) at rationals", "exact", run)


# ---------------------------------------------------------------------------------- T2
def t2_convolution_theorem(sizes: Sizes = PLAIN_SIZES) -> Check:
    """DFT(f)_w = x̂_w prod_i ĉ_{i,w}, proved in QQ[c, x, omega] / (omega^n - 1)."""

    def run() -> tuple[bool, str]:
        for n, d in sizes:
            R, filters, x, _, (omega,) = _network_ring(n, d, ["omega"])
            idx = R.gens.index(omega)
            f_hat = _dft(network_output(filters, x), omega, n)
            x_hat = _dft(x, omega, n)
            c_hats = [_dft(c, omega, n) for c in filters]
            for w in range(n):
                prod = x_hat[w]
                for ch in c_hats:
                    prod = reduce_root_of_unity(prod * ch[w], idx, n)
                if reduce_root_of_unity(f_hat[w] - prod, idx, n) != 0:
                    return False, f"fails at n={n}, d={d}, w={w}"
        return True, "proved for every n <= 6, d <= 4 (omega^n = 1 reduction)"

    return _timed("DFT(c_d*...*c_1*x) = x̂ prod ĉ_i", "symbolic", run)


def t2_parseval(lengths: Iterable[int] = range(2, 7)) -> Check:
    """sum_w |â_w|^2 = n ||a||^2, proved modulo the cyclotomic polynomial Phi_n(omega)."""

    def run() -> tuple[bool, str]:
        omega = sympy.Symbol("omega")
        for n in lengths:
            a = sympy.symbols(f"a_0:{n}", real=True)
            a_hat = _dft(a, omega, n)
            a_bar = _dft(a, omega, n, sign=-1)
            diff = sympy.expand(sum(p * q for p, q in zip(a_hat, a_bar)) - n * sum(v**2 for v in a))
            if sympy.rem(diff, sympy.cyclotomic_poly(n, omega), omega) != 0:
                return False, f"fails at n={n}"
        return True, "proved for n = 2..6 in Q(omega), omega a primitive n-th root of unity"

    return _timed("Parseval (so L = (1/2n) sum |ŷ - f̂|^2)", "symbolic", run)


def t2_gradient_dft(lengths: Iterable[int] = range(2, 7)) -> Check:
    """DFT(r ⋆ u)_w = r̂_w conj(û_w) for real r, u; with T1 the gradient's DFT is -r̂ conj(û_i)."""

    def run() -> tuple[bool, str]:
        for n in lengths:
            R, *g = ring([f"r{k}" for k in range(n)] + [f"u{k}" for k in range(n)] + ["omega"], QQ)
            r, u, omega = g[:n], g[n : 2 * n], g[2 * n]
            idx = 2 * n
            lhs = _dft(correlate(r, u), omega, n)
            rh, ub = _dft(r, omega, n), _dft(u, omega, n, sign=-1)
            for w in range(n):
                if reduce_root_of_unity(lhs[w] - rh[w] * ub[w], idx, n) != 0:
                    return False, f"fails at n={n}, w={w}"
        return True, "proved for n = 2..6"

    return _timed("DFT(r ⋆ u) = r̂ conj(û)", "symbolic", run)


# ------------------------------------------------------------------------------- T3-T5
def multiplicative_step(sign: int = 1) -> Check:
    r"""T3 (sign=+1, q = r̂ conj f̂) and C5 (sign=-1, q = -ĥ conj f̂), for every depth.

    With p standing for prod_{j != i} ĉ_j and a for x̂, one GD step in Fourier space is
    ĉ_i + eta * (sign * e) * conj(a p) where e is r̂ (T3) or ĥ (C5); the claim is that this
    equals ĉ_i (1 + eta q / |ĉ_i|^2) with f̂ = a ĉ_i p.

    Notes
    -----
    The identity proved, at one frequency, for every depth

    .. math::

        \hat c_i + \eta\, e\, \overline{\hat x \textstyle\prod_{j \ne i} \hat c_j}
        = \hat c_i \Bigl(1 + \frac{\eta\, q}{\lvert \hat c_i \rvert^2}\Bigr),
        \qquad q = e\, \overline{\hat f} .
    """

    def run() -> tuple[bool, str]:
        c, cb = _complex("c")
        a, ab = _complex("a")
        p, pb = _complex("p")
        e, _ = _complex("e")
        eta = sympy.Symbol("eta", positive=True)
        q = sign * e * (ab * cb * pb)  # sign * e * conj(f̂)
        lhs = c + eta * sign * e * ab * pb
        rhs = c * (1 + eta * q / (c * cb))
        ok = _zero_rational_function(lhs - rhs)
        return ok, "proved for every depth and length (p = product of the other layers)"

    return _timed("GD step = ĉ(1 + eta q/|ĉ|^2)", "symbolic", run)


def t4_balancedness() -> list[Check]:
    """GD: |ĉ'|^2 = |ĉ|^2 + 2 eta Re q + eta^2 |q|^2/|ĉ|^2;  GF: d|ĉ_i|^2/dt = 2 Re q for all i."""

    def gd() -> tuple[bool, str]:
        c, cb = _complex("c")
        q, qb = _complex("q")
        eta = sympy.Symbol("eta", positive=True)
        new, newb = c * (1 + eta * q / (c * cb)), cb * (1 + eta * qb / (c * cb))
        rhs = c * cb + eta * (q + qb) + eta**2 * q * qb / (c * cb)
        return _zero_rational_function(new * newb - rhs), "proved for every depth and length"

    def gf() -> tuple[bool, str]:
        c, cb = _complex("c")
        q, qb = _complex("q")
        dc, dcb = q * c / (c * cb), qb * cb / (c * cb)
        ok = _zero_rational_function(dc * cb + c * dcb - (q + qb))
        return ok, "d|c|^2/dt = 2 Re q, the same for every layer: proved for every depth"

    return [_timed("GD modulus update", "symbolic", gd), _timed("GF balancedness", "symbolic", gf)]


def t5_straight_line(depths: Iterable[int] = range(1, 7)) -> Check:
    r"""Under GF, d f̂/dt = |f̂|^2 S (ŷ - f̂) with S = sum_i 1/|ĉ_i|^2.

    Wirtinger form: c_i and conj(c_i) are independent symbols; dc_i/dt = q c_i/|c_i|^2.

    Notes
    -----
    The straight-line lemma T5: the velocity is a positive multiple of the residual

    .. math::

        \frac{d \hat f}{dt} = \lvert \hat f \rvert^2 S\, (\hat y - \hat f), \qquad
        S = \sum_{i=1}^{d} \frac{1}{\lvert \hat c_i \rvert^2} > 0 .
    """

    def run() -> tuple[bool, str]:
        a, ab, b = sympy.symbols("a abar b")
        for d in depths:
            c = sympy.symbols(f"c1:{d + 1}")
            cb = sympy.symbols(f"cb1:{d + 1}")
            f = a * sympy.Mul(*c)
            fb = ab * sympy.Mul(*cb)
            q = (b - f) * fb
            df = sum(sympy.diff(f, ci) * q * ci / (ci * cbi) for ci, cbi in zip(c, cb))
            s = sum(1 / (ci * cbi) for ci, cbi in zip(c, cb))
            if not _zero_rational_function(df - f * fb * s * (b - f)):
                return False, f"fails at d={d}"
        return True, "proved for d = 1..6 (the log-derivative argument gives every d)"

    return _timed("df̂/dt = |f̂|^2 S (ŷ - f̂)", "symbolic", run)


# ------------------------------------------------------------------------------- C1-C3
def c1_centering_commutes(lengths: Iterable[int] = range(2, 7)) -> Check:
    """P(c * v) = c * P v in QQ[c, v]."""

    def run() -> tuple[bool, str]:
        for n in lengths:
            R, *g = ring([f"c{k}" for k in range(n)] + [f"v{k}" for k in range(n)], QQ)
            c, v = g[:n], g[n:]
            if center(convolve(c, v)) != convolve(c, center(v)):
                return False, f"fails at n={n}"
        return True, "proved for n = 2..6"

    return _timed("P(c * v) = c * Pv", "symbolic", run)


def c1_affine_invariance(lengths: Iterable[int] = range(2, 6)) -> Check:
    """CN(kappa z + beta 1) = CN(z) for kappa > 0, so any positive gain and bias between layers is forgotten."""

    def run() -> tuple[bool, str]:
        kappa = sympy.Symbol("kappa", positive=True)
        beta = sympy.Symbol("beta", real=True)
        for n in lengths:
            z = sympy.symbols(f"z_0:{n}", real=True)
            lhs = cn_output([kappa * zj + beta for zj in z])
            rhs = cn_output(z)
            if any(sympy.simplify(p - q) != 0 for p, q in zip(lhs, rhs)):
                return False, f"fails at n={n}"
        return True, "proved for n = 2..5, kappa > 0"

    return _timed("CN(kappa z + beta) = CN(z)", "symbolic", run)


def layerwise_cn_output(filters, x, gains, biases, sqrt=sympy.sqrt) -> list:
    """CN after every convolution: v <- CN(c_j * v; gain_j, bias_j), j = 1..d."""
    v = list(x)
    for c, g, b in zip(filters, gains, biases):
        v = cn_output(convolve(c, v), g, b, sqrt)
    return v


def c1_layerwise(sizes: Sizes = ((2, 2), (3, 2), (3, 3), (4, 2), (4, 3)), seed: int = 2) -> list[Check]:
    """Layerwise CN = output CN at exact rational points; intermediate gains/biases get zero gradient.

    Each derivative is taken with only that one gain or bias left symbolic (the rest are
    rationals), which keeps the nested square roots small.
    """

    def run() -> tuple[bool, str]:
        rng = random.Random(seed)
        for n, d in sizes:
            cf = closed_form_gradients(n, d)
            vals = _cn_point(cf, rng)
            filters = [[vals[s] for s in c] for c in cf.filters]
            x, y = [vals[s] for s in cf.x], [vals[s] for s in cf.y]
            gains = [_rational(rng, low=1) for _ in range(d)]
            biases = [_rational(rng) for _ in range(d)]
            layer = layerwise_cn_output(filters, x, gains, biases)
            once = cn_output(network_output(filters, x), gains[-1], biases[-1])
            if any(not _is_zero(p - q) for p, q in zip(layer, once)):
                return False, f"layerwise != output CN at n={n}, d={d}"
            t = sympy.Symbol("t", positive=True)
            for j in range(d - 1):
                for which in ("gain", "bias"):
                    g, b = list(gains), list(biases)
                    (g if which == "gain" else b)[j] = t
                    out = layerwise_cn_output(filters, x, g, b)
                    loss = sum((yk - ok) ** 2 for yk, ok in zip(y, out)) / 2
                    value = (gains if which == "gain" else biases)[j]
                    grad = sympy.diff(loss, t).xreplace({t: value})
                    if not _is_zero(grad):
                        return False, f"dL/d{which}_{j + 1} = {sympy.N(grad, 5)} != 0 at n={n}, d={d}"
        return True, f"exact at (n, d) in {list(sizes)}, positive gains"

    return [_timed("layerwise CN = output CN; dL/d(gains, biases) = 0", "exact", run)]


def c2_scale_invariance(lengths: Iterable[int] = range(2, 6), sizes: Sizes = PLAIN_SIZES) -> list[Check]:
    """f is linear in each c_i (ring proof), and L_CN(alpha z) = L_CN(z) for alpha > 0."""

    def multilinear() -> tuple[bool, str]:
        for n, d in sizes:
            R, filters, x, _, (alpha,) = _network_ring(n, d, ["alpha"])
            f = network_output(filters, x)
            for i in range(d):
                scaled = [list(c) for c in filters]
                scaled[i] = [alpha * v for v in scaled[i]]
                if network_output(scaled, x) != [alpha * v for v in f]:
                    return False, f"fails at n={n}, d={d}, i={i + 1}"
        return True, "f(.., alpha c_i, ..) = alpha f proved for n <= 6, d <= 4"

    def invariance() -> tuple[bool, str]:
        alpha = sympy.Symbol("alpha", positive=True)
        for n in lengths:
            z = sympy.symbols(f"z_0:{n}", real=True)
            y = sympy.symbols(f"y_0:{n}", real=True)
            lz = sum((yj - oj) ** 2 for yj, oj in zip(y, cn_output(z))) / 2
            la = sum((yj - oj) ** 2 for yj, oj in zip(y, cn_output([alpha * v for v in z]))) / 2
            if sympy.simplify(la - lz) != 0:
                return False, f"fails at n={n}"
        return True, "L_CN(alpha z) = L_CN(z) proved for n = 2..5"

    return [
        _timed("multilinearity of f", "symbolic", multilinear),
        _timed("CN loss scale invariance", "symbolic", invariance),
    ]


def c2_euler(gradient: Callable = cn_gradient, sizes: Sizes = CN_SIZES, seed: int = 3) -> list[Check]:
    """<grad_{c_i} L_CN, c_i> = 0 and grad(alpha c_i) = grad(c_i)/alpha, exact at rational points."""

    def run() -> tuple[bool, str]:
        rng = random.Random(seed)
        for n, d in sizes:
            filters = [
                [sympy.Rational(rng.randint(-9, 9), rng.randint(1, 4)) for _ in range(n)] for _ in range(d)
            ]
            x = [sympy.Rational(rng.randint(-9, 9), rng.randint(1, 4)) for _ in range(n)]
            y = [sympy.Rational(rng.randint(-9, 9), rng.randint(1, 4)) for _ in range(n)]
            alpha = sympy.Rational(rng.randint(2, 9), rng.randint(1, 4))
            if inner(center(network_output(filters, x)), center(network_output(filters, x))) == 0:
                continue
            for i in range(d):
                g = gradient(filters, x, y, i)
                if not _is_zero(inner(g, filters[i])):
                    return False, f"<grad, c_i> != 0 at n={n}, d={d}, i={i + 1}"
                scaled = [list(c) for c in filters]
                scaled[i] = [alpha * v for v in scaled[i]]
                gs = gradient(scaled, x, y, i)
                if any(not _is_zero(a * alpha - b) for a, b in zip(gs, g)):
                    return False, f"grad(alpha c) != grad(c)/alpha at n={n}, d={d}, i={i + 1}"
        return True, "exact for (n, d) in n <= 4, d <= 3"

    def general() -> tuple[bool, str]:
        for n in range(2, 6):
            z = sympy.symbols(f"z_0:{n}", real=True)
            y = sympy.symbols(f"y_0:{n}", real=True)
            if sympy.simplify(inner(cn_output_gradient(z, y), z)) != 0:
                return False, f"<h, z> != 0 at n={n}"
            R, *g = ring(
                [f"h{k}" for k in range(n)] + [f"u{k}" for k in range(n)] + [f"c{k}" for k in range(n)], QQ
            )
            h, u, c = g[:n], g[n : 2 * n], g[2 * n :]
            if inner(correlate(h, u), c) != inner(h, convolve(c, u)):
                return False, f"<h ⋆ u, c> != <h, c * u> at n={n}"
        return True, "<h ⋆ u_i, c_i> = <h, z> = 0 proved for generic z, n = 2..5"

    return [
        _timed("Euler identity and 1/alpha scaling", "exact", run),
        _timed("Euler identity, generic z", "symbolic", general),
    ]


def c3_norm_growth() -> Check:
    """||c - eta g||^2 = ||c||^2 + eta^2 ||g||^2 whenever <g, c> = 0 (C2), for every length."""

    def run() -> tuple[bool, str]:
        eta = sympy.Symbol("eta")
        for n in range(2, 7):
            c = sympy.symbols(f"c0:{n}", real=True)
            g = sympy.symbols(f"g0:{n}", real=True)
            new = [ci - eta * gi for ci, gi in zip(c, g)]
            lhs = sympy.expand(inner(new, new) - inner(c, c) - eta**2 * inner(g, g) + 2 * eta * inner(g, c))
            if lhs != 0:
                return False, f"fails at n={n}"
        return True, "||c - eta g||^2 - ||c||^2 - eta^2||g||^2 = -2 eta <g, c> = 0 by C2 (n = 2..6)"

    return _timed("norm growth identity", "symbolic", run)
