"""The fast flow time: the default ``flow_time`` (certified=False), computed at p digits and
checked at 2p. NOT certified: ``flow_time(..., certified=True)`` (``numerics.hp.gf_time``) is the
rigorous path.

The same pieces as the certified path (T6's integral int dx/(2 R q) on the monotone
pieces of the path, numerics/hp/flow.py's docstring) integrated by adaptive Gauss-Legendre in
arb, a piece accepted when the n- and 2n-node rules agree (a heuristic error estimate), the
piece ends found by Newton iterates without brackets. This is the algorithm of the release
before issue 27 (commit e620be5), the only copy of it; ``flow_time`` runs it twice, at p and
at 2p bits, and raises when the two disagree beyond the digits it claims.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import flint
import mpmath
from flint import arb, arb_poly
from mpmath import mp

from numerics.hp.gf_time import _prod


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
    """The mpf x as an exact arb (midpoint man * 2^exp, radius 0); other numbers through
    mpmath.mpf first (an mpf is not passed through mpmath.mpf, which rounds to mp.prec)."""
    if not isinstance(x, mpmath.mpf):
        x = mpmath.mpf(x)
    if not mpmath.isfinite(x):
        raise ValueError(f"expected a finite number, got {x}")
    sign, man, exp, bc = x._mpf_
    if not man:
        return arb(0)
    with arb_precision(max(flint.ctx.prec, bc + 8)):  # arb((man, exp)) rounds to the context
        return arb((-man if sign else man, exp))


def to_mpf(x: arb) -> Any:
    """The midpoint of an arb ball as an mpf, rounded to mp.prec (exact when the midpoint fits)."""
    man, exp = x.mid().man_exp()
    return mpmath.mpf((int(man), int(exp)))


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


def _geometry(flow: Any, goal: Any) -> _Geometry:
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


def _time_ball(flow: Any, goal: Any, bits: int) -> arb:
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


def heuristic_time(flow: Any, goal: Any, want_bits: int, log2_goal: int) -> arb:
    """The GF time of ``flow`` (a ``numerics.hp.flow.ScalarFlow``: exact mpf moduli, f0 and r0 at
    the current mpmath precision) until |r| <= goal |b|, as an arb ball whose radius is
    *estimated* (n vs 2n Gauss-Legendre nodes) below 2^-want_bits of the value; +inf when the
    integral diverges (a stall). ``ArithmeticError`` if the estimate stays too wide.
    The caller decides "already at the goal" and the stall exactly, before calling."""
    extra = 16 + int(math.log2(len(flow.rho2) + 1)) + max(0, -log2_goal) + 2
    ball = arb.nan()
    for bits in (want_bits + extra, 2 * want_bits + extra, 4 * want_bits + extra):
        ball = _time_ball(flow, goal, bits)
        if not ball.is_finite():
            if ball.mid() == arb.pos_inf():
                return arb.pos_inf()
            continue
        if ball.rel_accuracy_bits() >= want_bits + 2:
            return ball
    raise ArithmeticError(f"flow time not computed to {want_bits} bits (ball {ball})")
