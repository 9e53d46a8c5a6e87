"""The previous heuristic release of ``flow_time`` (commit e620be5, 2026-12-01), vendored
here as the benchmark's yardstick: NOT used by the toolkit, not certified.

Issue 27 asks for the certified ``flow_time`` to be measured side by side with the release
it replaced, in one process. That release integrated the same pieces with adaptive
Gauss-Legendre in arb, accepting a piece when the n- and 2n-node rules agreed (a heuristic
error estimate), found the piece ends by Newton iterates without brackets, and rounded
ints and mpf inputs to the working precision. The code below is that release's
``numerics/hp/flow.py`` (``git show e620be5:numerics/hp/flow.py``), the time and the
lower bound only, with its validation decorators removed; ``heuristic_flow_time`` is its
``flow_time``. Kept verbatim otherwise, so that the comparison is with what users had.
"""

# ruff: noqa
from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import flint
import mpmath
import numpy as np
from flint import arb, arb_poly
from mpmath import mp
from scipy.optimize import brentq

from theory.validation import as_complex_vector

FAST_BITS = 64


@contextmanager
def arb_precision(bits: int) -> Iterator[None]:
    """Run python-flint's arb arithmetic at ``bits`` bits, restoring the old precision."""
    old = flint.ctx.prec
    flint.ctx.prec = bits
    try:
        yield
    finally:
        flint.ctx.prec = old


def to_arb(x: Any) -> arb:
    """The mpf x as an exact arb (midpoint man * 2^exp, radius 0)."""
    x = mpmath.mpf(x)
    if not mpmath.isfinite(x):
        raise ValueError(f"expected a finite number, got {x}")
    sign, man, exp, bc = x._mpf_
    if not man:
        return arb(0)
    with arb_precision(max(flint.ctx.prec, bc + 8)):  # arb((man, exp)) rounds to the context
        return arb((-man if sign else man, exp))


def to_mpf(x: arb) -> Any:
    """The midpoint of an arb ball as an mpf (exact)."""
    man, exp = x.mid().man_exp()
    return mpmath.mpf((int(man), int(exp)))


def exact_complex(v: Any) -> Any:
    """v as an mpc without rounding: mpf/mpc keep their bits, floats are exact, strings are
    read at their own length (an input carries its precision; the moduli gaps of T9 need it)."""
    if isinstance(v, (mpmath.mpf, mpmath.mpc)):
        with mp.workprec(max(mp.prec, 4 * max(_bits(v.real), _bits(v.imag)) + 64)):
            return mpmath.mpc(v)
    if isinstance(v, str):
        with mp.workdps(max(mp.dps, len(v) + 10)):
            return mpmath.mpc(mpmath.mpmathify(v))
    with mp.workprec(max(mp.prec, 64)):
        return mpmath.mpc(complex(v)) if not isinstance(v, (int, np.integer)) else mpmath.mpc(int(v))


def _bits(x: Any) -> int:
    """Bits of the mantissa of x, read without rounding it."""
    return x._mpf_[3] if isinstance(x, mpmath.mpf) and x else 64


def _exact_square_modulus(z: Any) -> Any:
    """|z|^2 exactly (at the bits the real and imaginary parts need)."""
    re, im = z.real, z.imag
    bits = 2 * max(abs(re.man).bit_length() if re else 1, abs(im.man).bit_length() if im else 1) + 4
    with mp.workprec(max(bits, mp.prec)):
        return re * re + im * im


@dataclass(frozen=True)
class ScalarFlow:
    """The phase-free data of one scalar network: exact moduli, initial output and residual."""

    rho2: list[Any]
    a: Any
    b: Any
    f0: Any
    r0: Any

    @classmethod
    def from_weights(cls, z0: Sequence[Any], a: Any, b: Any) -> ScalarFlow:
        as_complex_vector(z0, "z0")  # validation only: it rounds to the working precision
        z = [exact_complex(v) for v in z0]
        a, b = mpmath.mpc(a), mpmath.mpc(b)
        if a == 0:
            raise ValueError("a must be nonzero (the input's Fourier coefficient)")
        if b == 0 or not mpmath.isfinite(b) or not mpmath.isfinite(a):
            raise ValueError("b must be a finite nonzero target (the goal is relative to |b|)")
        f0 = a * mpmath.fprod(z)
        return cls([_exact_square_modulus(v) for v in z], a, b, f0, b - f0)

    def log_product(self, delta: Any) -> Any:
        """log P(delta) = sum_i log(rho_i^2 + delta)."""
        return mpmath.fsum(mpmath.log(r + delta) for r in self.rho2)


@dataclass(frozen=True)
class _Geometry:
    """The path R from |r0| down to goal |b| (arb numbers) and the exact gaps g_i."""

    a_abs: arb
    c_b: arb
    h: arb
    r_start: arb
    r_end: arb
    gaps: list[arb]
    rho_min2: arb
    ties: int  # layers sharing the smallest modulus
    start_gap: arb  # |r0| - c_b = -Re(f0 conj r0)/|r0|, computed without cancellation


def _geometry(flow: ScalarFlow, goal: Any) -> _Geometry:
    r0, b = flow.r0, flow.b
    r_start = abs(r0)
    cross = b * mpmath.conj(r0)
    low = min(flow.rho2)
    with mp.workprec(4 * max(mpmath.mpf(v)._mpf_[3] for v in flow.rho2) + 2 * mp.prec):
        gaps = [r - low for r in flow.rho2]  # exact: the rho2 are exact, and so is this difference
    return _Geometry(
        a_abs=to_arb(abs(flow.a)),
        c_b=to_arb(cross.real / r_start),
        h=to_arb(
            abs((b * mpmath.conj(flow.f0)).imag) / r_start
        ),  # Im(b conj r0) = -Im(b conj f0), no cancellation
        r_start=to_arb(r_start),
        r_end=to_arb(goal * abs(b)),
        gaps=[to_arb(v) for v in gaps],
        rho_min2=to_arb(low),
        ties=sum(1 for v in gaps if v == 0),
        start_gap=to_arb(-(flow.f0 * mpmath.conj(r0)).real / r_start),
    )


def _shifted_poly(m: list[arb]) -> arb_poly:
    """D1(e) = (prod_i (m_i + e) - prod_i m_i) / e, coefficients >= 0 when every m_i >= 0."""
    coeffs = arb_poly.from_roots([-v for v in m]).coeffs()
    return arb_poly(coeffs[1:])


def _solve_increment(d1: arb_poly, target: arb) -> arb:
    """The e >= 0 with e D1(e) = target (0 if target is 0).

    psi(e) = e D1(e) is a sum of c_k e^k with c_k >= 0, so log psi(e^v) is convex and increasing
    in v; Newton in v started to the right of the root (psi >= max(c_1 e, e^deg)) converges
    monotonically. Midpoints only, so the iterate stays an exact number.
    """
    if target.is_zero() or target < 0:
        return arb(0)
    deg = d1.degree() + 1
    c1 = d1.coeffs()[0]
    e = (target.log() / deg).exp().mid()
    if not c1.is_zero():
        e = min(e, (target / c1).mid())
    d1_prime = d1.derivative()
    log_target = target.log()
    bits = flint.ctx.prec
    for _ in range(400):
        p, dp = d1(e), d1_prime(e)
        phi = (e * p).log() - log_target
        slope = 1 + e * dp / p  # d log(e D1(e)) / d log e
        step = (phi / slope).mid()
        e = (e * (-step).exp()).mid()
        if abs(step) < arb(2) ** (-bits + 4):
            break
    return e


@dataclass(frozen=True)
class _Piece:
    """One monotone piece: reference end (m_i, q_r), direction of R - c_b, and its length E."""

    d1: arb_poly
    x_r: arb
    q_r: arb
    side: int  # R = c_b + side * q
    length: arb
    scale: arb  # where the integrand changes: min(1/sum 1/m_i, q_r^2/(|a|^2 D1(0)))


def _piece(geo: _Geometry, x_r: arb, q_r: arb, side: int, dq2: arb) -> _Piece:
    m = [g + x_r for g in geo.gaps]
    d1 = _shifted_poly(m)
    length = _solve_increment(d1, dq2 / geo.a_abs**2)
    inv = sum((1 / v for v in m if not v.is_zero()), arb(0))
    scale = 1 / inv if not inv.is_zero() else length
    c1 = d1.coeffs()[0]
    if not c1.is_zero():  # where q grows past q_r, and past |c_b| (the pole of 1/R at R = 0)
        for level in (q_r, geo.c_b):
            if not level.is_zero():
                scale = min(scale, (level**2 / (geo.a_abs**2 * c1)).mid())
    return _Piece(d1, x_r, q_r, side, length, scale)


def _prod(values: list[arb]) -> arb:
    out = arb(1)
    for v in values:
        out *= v
    return out


def _solve_x(geo: _Geometry, f2: arb) -> arb:
    """The x >= 0 with |a|^2 prod_i (g_i + x) = F^2 (prod_i g_i = 0 since some g_i = 0)."""
    return _solve_increment(_shifted_poly(geo.gaps), f2 / geo.a_abs**2)


@dataclass(frozen=True)
class _GaussLegendre:
    """Gauss-Legendre nodes and weights on [-1, 1] at the current arb precision."""

    nodes: tuple[arb, ...]
    weights: tuple[arb, ...]

    @classmethod
    def make(cls, n: int) -> _GaussLegendre:
        pairs = [arb.legendre_p_root(n, k, weight=True) for k in range(n)]
        return cls(tuple(p[0] for p in pairs), tuple(p[1] for p in pairs))

    def apply(self, f: Any, lo: arb, hi: arb) -> arb:
        half, mid = (hi - lo) / 2, (hi + lo) / 2
        return half * sum((wk * f(mid + half * xk) for xk, wk in zip(self.nodes, self.weights)), arb(0))


_GL_CACHE: dict[tuple[int, int], _GaussLegendre] = {}


def _rule(n: int) -> _GaussLegendre:
    key = (n, flint.ctx.prec)
    if key not in _GL_CACHE:
        _GL_CACHE[key] = _GaussLegendre.make(n)
    return _GL_CACHE[key]


def adaptive_gauss_legendre(
    f: Any, lo: arb, hi: arb, rel_bits: int, far: float = math.inf, tail: Any = None, n: int = 0
) -> arb:
    """int_lo^hi f for a positive f analytic in a strip of half-width >= ~1 around [lo, hi].

    Unit-length pieces up to ``far``; beyond it, where f is analytic in a disc of radius
    w - far around w, pieces of length w - far (so a range of 10^4 costs ~log of it). On each,
    Gauss-Legendre with n and 2n nodes, accepted when they agree
    to 2^-rel_bits relatively (the 2n-node value is then accurate far beyond that: its error
    falls like rho^(-4n) against rho^(-2n)), else the piece is halved. A positive integrand
    makes relative accuracy per piece relative accuracy of the sum.
    """
    n = n or max(12, rel_bits // 5)
    coarse, fine = _rule(n), _rule(2 * n)
    tol = arb(2) ** (-rel_bits)
    total, stack = arb(0), []
    edges, w = [lo], float(lo)
    while w < float(hi) - 1e-9:
        w += 1.0 if w < far + 1 else w - far
        edges.append(arb(w) if w < float(hi) else hi)
    edges[-1] = hi
    for j in range(len(edges) - 1):
        stack = [(edges[j], edges[j + 1], 0)]
        while stack:
            a_, b_, depth = stack.pop()
            i1, i2 = coarse.apply(f, a_, b_), fine.apply(f, a_, b_)
            gap = abs((i2 - i1).mid())
            if gap <= tol * max(abs(i2.mid()), abs(total.mid()) / 64):  # f > 0: relative to the sum
                total += i2 + arb(0, gap)  # the n-vs-2n gap bounds the 2n rule's error (heuristically)
            elif depth >= 40:
                raise ArithmeticError("Gauss-Legendre did not converge on a piece of the flow-time integral")
            else:
                m_ = (a_ + b_) / 2
                stack += [(m_, b_, depth + 1), (a_, m_, depth + 1)]
        rest = tail(edges[j + 1]) if tail is not None and j + 2 < len(edges) and total > 0 else None
        if rest is not None and rest <= tol * abs(total.mid()) / 16:
            return total + arb(0, rest)  # a proven bound on the rest of the integral
    return total


def _integrate_piece(geo: _Geometry, piece: _Piece, rel_bits: int) -> arb:
    """int_0^E de / (2 R q), or with e = t^2 when q_r = 0, in w where e (or t) = u1 expm1(w)."""
    if piece.length.is_zero():
        return arb(0)
    turning = piece.q_r.is_zero()
    end = piece.length.sqrt() if turning else piece.length
    u1 = (piece.scale.sqrt() if turning else piece.scale) / 4
    u1 = min(u1, end).mid()
    w_end = (end / u1).log1p()
    d1, a_abs, c_b, q_r2, side = piece.d1, geo.a_abs, geo.c_b, piece.q_r**2, piece.side

    def integrand(w: arb) -> arb:
        s = u1 * w.expm1()
        ds = u1 * w.exp()
        if turning:
            q_over_t = a_abs * d1(s * s).sqrt()
            return ds / ((c_b + side * s * q_over_t) * q_over_t)
        q = (q_r2 + a_abs**2 * s * d1(s)).sqrt()
        return ds / (2 * (c_b + side * q) * q)

    # Every singularity of the integrand in e lies in |e| <= radius (zeros of q^2 and of R):
    # |e| > 2 max(max m_i, (2 prod m_i + 2 (c_b^2 + h^2 + q_r^2)/|a|^2)^(1/d)) makes |prod (m_i + e)| too
    # large for q^2 = 0 or R = 0 (arb midpoints: this only places the break points).
    m = [(g + piece.x_r).mid() for g in geo.gaps]
    bound = 2 * _prod(m) + 2 * (geo.c_b**2 + geo.h**2 + piece.q_r**2) / geo.a_abs**2
    radius = 2 * max(max(m), (bound.log() / len(m)).exp().mid())
    if turning:
        radius = radius.sqrt()
    far = float((radius / u1).log1p()) + 1
    d = len(m)

    def tail(w: arb) -> arb | None:
        """A proven bound on the rest of the integral from e = e(w) on, using q >= |a| e^(d/2)
        (e D1(e) >= e^d). Side +: once q >= 2|c_b|, R >= q/2, the integrand is <= 1/(|a|^2 e^d)
        and the rest <= e^(1-d)/((d-1)|a|^2). Side -: R >= R_end on the piece, the integrand is
        <= 1/(2 R_end |a| e^(d/2)) and the rest <= e^(1-d/2)/((d/2-1) 2 R_end |a|)."""
        s = u1 * w.expm1()
        e = s * s if turning else s
        if side > 0:
            if d < 2 or not (piece.q_r**2 + a_abs**2 * e * d1(e)).sqrt() >= 2 * abs(c_b):
                return None
            return (e ** (1 - d) / ((d - 1) * a_abs**2)).upper()
        if d < 3:
            return None
        half = arb(d) / 2
        return (e ** (1 - half) / ((half - 1) * 2 * geo.r_end * a_abs)).upper()

    return adaptive_gauss_legendre(integrand, arb(0), w_end, rel_bits, far, tail)


def _time_ball(flow: ScalarFlow, goal: Any, bits: int) -> arb:
    """The GF time as an arb ball at ``bits`` bits (inf if GF stalls)."""
    geo = _geometry(flow, goal)
    with arb_precision(bits):
        c_b, r0, r1, g0 = geo.c_b, geo.r_start, geo.r_end, geo.start_gap
        turn_x = None
        if (c_b > r1 or c_b == r1) and (g0 > 0 or g0.is_zero()):  # the path reaches its turning point
            if geo.h.is_zero():
                if geo.ties >= 2:
                    return arb.pos_inf()  # two or more layers reach 0 together: GF stalls at f = 0
                turn_x = arb(0)
            else:
                turn_x = _solve_x(geo, geo.h**2)
        pieces = []
        if g0 > 0:  # before the turning point: R in [max(c_b, r1), r0], side +
            if c_b > r1 or c_b == r1:
                x_r, q_r, dq2 = turn_x, arb(0), g0**2
            else:
                q_r = r1 - c_b
                x_r, dq2 = _solve_x(geo, geo.h**2 + q_r**2), (r0 - r1) * (g0 + q_r)
            pieces.append(_piece(geo, x_r, q_r, +1, dq2))
        if c_b > r1:  # after the turning point: R in [r1, min(c_b, r0)], side -
            if g0 > 0 or g0.is_zero():
                x_r, q_r, dq2 = turn_x, arb(0), (c_b - r1) ** 2
            else:
                x_r, q_r, dq2 = geo.rho_min2, -g0, (r0 - r1) * (c_b - r1 - g0)
            pieces.append(_piece(geo, x_r, q_r, -1, dq2))
        if any(p.q_r.is_zero() and geo.h.is_zero() and p.d1.coeffs()[0].is_zero() for p in pieces):
            return arb.pos_inf()
        return sum((_integrate_piece(geo, p, bits - 8) for p in pieces), arb(0))


def exact_time(flow: ScalarFlow, goal: Any, fast: bool = False) -> Any:
    """Gradient-flow time until |r| <= goal |b| (a real mpf at the current precision).

    ``inf`` exactly when GF cannot get there: two or more layers share the smallest modulus
    and the path runs through f = 0 (they reach 0 together; this includes starts with two or
    more zero layers). One zero layer, or a unique smallest layer on a path through 0,
    crosses 0 in finite time (T9 as corrected).

    The value is certified by arb balls to the working precision (``fast``: 64 bits, about
    19 digits, for Monte Carlo); ``ArithmeticError`` if the ball stays too wide.
    """
    goal = mpmath.mpf(goal)
    if abs(flow.r0) <= goal * abs(flow.b):
        return mpmath.mpf(0)  # already within the goal (includes r0 = 0)
    want = FAST_BITS if fast else mp.prec
    extra = 16 + int(math.log2(len(flow.rho2) + 1)) + int(-math.log2(float(goal)) + 2)
    for bits in (want + extra, 2 * want + extra, 4 * want + extra):
        ball = _time_ball(flow, goal, bits)
        if ball.is_finite() is False and ball > 0 and ball == arb.pos_inf():
            return mpmath.inf
        if not ball.is_finite():
            if ball.mid() == arb.pos_inf():
                return mpmath.inf
            continue
        if ball.rel_accuracy_bits() >= want + 2:
            return +to_mpf(ball)
    raise ArithmeticError(f"flow time not certified to {want} bits (ball {ball})")


def lower_bound(flow: ScalarFlow, goal: Any, grid: int | None = None) -> tuple[Any, Any]:
    """(bound, delta_1): the largest T6 bound delta_1/(2|r0||a|P(delta_1)^{1/2}) (mpf).

    With v = log delta_1, log bound = v - (1/2) sum_i log(rho_i^2 + e^v) + const is concave in v,
    so the maximum over v <= log delta* is at log delta* or at the root of
    1 = (1/2) sum_i e^v/(rho_i^2 + e^v) (float64 logs: no overflow for any modulus). The value
    is then evaluated at the working precision; any delta_1 < delta* gives a valid bound.
    Zero when |f0| is already at least (1 - goal)|b|. ``grid`` is unused (the maximum is found
    by root finding): passing it gives a DeprecationWarning, and it will be removed.
    """
    if grid is not None:
        warnings.warn("lower_bound: grid is unused and will be removed", DeprecationWarning, stacklevel=2)
    goal = mpmath.mpf(goal)
    log_star = 2 * mpmath.log((1 - goal) * abs(flow.b) / abs(flow.a))
    if any(r == 0 for r in flow.rho2):
        p0_small = True
    else:
        p0_small = flow.log_product(0) < log_star
    if not p0_small:
        return mpmath.mpf(0), mpmath.mpf(0)
    lr = np.array([float(mpmath.log(r)) if r else -np.inf for r in flow.rho2])
    target = float(log_star)
    phi = lambda v: float(np.sum(np.logaddexp(lr, v))) - target  # noqa: E731
    hi = target / len(lr) + 1.0
    lo = hi - 1.0
    while phi(lo) >= 0:
        lo = hi - 2 * (hi - lo)
    v_star = brentq(phi, lo, hi, xtol=1e-14, rtol=1e-15)
    slope = lambda v: 1.0 - 0.5 * float(np.sum(np.exp(-np.logaddexp(0.0, lr - v))))  # noqa: E731
    if slope(v_star) >= 0:
        v1 = v_star - 1e-9
    else:
        lo2 = v_star - 1.0
        while slope(lo2) < 0 and v_star - lo2 < 1400:  # with >= 2 zero layers it may never turn
            lo2 = v_star - 2 * (v_star - lo2)
        v1 = brentq(slope, lo2, v_star, xtol=1e-12) if slope(lo2) >= 0 else lo2
    d1 = mpmath.exp(mpmath.mpf(v1))  # no underflow for any v1
    while flow.log_product(d1) >= log_star:  # make sure delta_1 < delta* at the working precision
        d1 /= 2
    return d1 / (2 * abs(flow.r0) * abs(flow.a) * mpmath.exp(flow.log_product(d1) / 2)), d1


def heuristic_flow_time(
    z0: Sequence[Any], a: Any, b: Any, *, goal: float = 0.5, dps: int = 30
) -> tuple[Any, Any]:
    """The previous release's ``flow_time``: (time, T6 lower bound) as mpf at dps digits."""
    goal = mpmath.mpf(goal)
    with mp.workdps(dps + 15):
        flow = ScalarFlow.from_weights(z0, a, b)
        t = exact_time(flow, goal)
        lb, _ = lower_bound(flow, goal)
    with mp.workdps(dps):
        return +t, +lb
