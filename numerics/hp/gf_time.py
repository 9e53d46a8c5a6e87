"""A rigorous enclosure of the exact gradient-flow time of a scalar deep linear network (T5, T6, T9).

Scalar network u = a prod_i z_i, target b, loss 1/2 |b - u|^2, gradient flow. The inputs
are taken as the exact binary numbers they hold (floats, complex, mpf, mpc, ints); every
decision (already at the goal, path through 0, tied smallest moduli, which side of the
turning point) is made in exact rational arithmetic (``flint.fmpq``), and every number
after that is an arb ball that contains the exact value.

The time, with R = |r| falling from |r0| to r1 = goal |b| along the segment of T5,
c = Re(b conj r0)/|r0|, h = |Im(b conj f0)|/|r0| (F^2 = |f|^2 = h^2 + (R - c)^2) and
x = min_i |z_i|^2 (T4: |z_i|^2 = g_i + x with exact gaps g_i), is (dx/dt = 2 R (c - R))

    T = sum over the monotone pieces of  int dx / (2 R q),   q = |R - c|, R = c + side q.

On a piece measured from its end nearer the turning point R = c (x = x_r + e, m_i = g_i + x_r,
q = q_r there), q^2 = q_r^2 + |a|^2 psi(e) with psi(e) = prod (m_i + e) - prod m_i, a
polynomial with nonnegative coefficients. Each piece is integrated by ``acb.integral``
(rigorous Gauss-Legendre with error bounds from the integrand's values on complex
neighbourhoods; the square root is evaluated with the ``analytic`` flag, so a branch cut
inside a neighbourhood makes the bound infinite and forces a bisection), in w with
e = u1 expm1(w) (or e = t^2, t = u1 expm1(w), at the turning point). Where R falls to a
small goal (R -> 0 at e = e_p), 1/R = (c + q)/(|a|^2 (e_p - e) Q(e)) with Q the
nonnegative quotient of psi(e_p) - psi(e) by e_p - e, and the last part is integrated in
y with e_p - e = v_m exp(-y): the simple pole becomes a bounded integrand, and goals down
to 1e-30 and beyond cost y-ranges of ~70.

The ends of the pieces (x at the turning point, e at the start or goal, e_p, e_p - e at the
goal) are roots of increasing polynomials; each is enclosed by a bracket [lo, hi] of exact
numbers with psi(lo) < target < psi(hi) checked in ball arithmetic (a Newton midpoint alone
is never used). An integration end that is a ball W adds (W - mid W) f(W) to the integral
over [.., mid W].

What this proves: the returned ball contains int dx/(2Rq) over the exact path of the exact
inputs, i.e. T6's time under T4/T5 (balancedness and the straight line, both exact
consequences of the GF equations; docs/certified.md). Stalls (T = inf) are decided exactly.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from dataclasses import dataclass

import flint
from flint import acb, arb, arb_poly, fmpq

from numerics.hp.gf_exact import ExactFlow, Geometry, bracket_root, increasing_root, newton_log, q_to_arb

#: acb.integral gives up after this many evaluations on one piece (then the precision grows).
EVAL_LIMIT = 200_000


def psi_poly(m: list[arb]) -> arb_poly:
    """psi(e) = prod_i (m_i + e) - prod_i m_i (coefficients >= 0 when every m_i >= 0)."""
    coeffs = arb_poly.from_roots([-v for v in m]).coeffs()
    return arb_poly([arb(0)] + coeffs[1:])


@dataclass(frozen=True)
class Piece:
    """A monotone piece: psi about its reference end (x_r, q_r, R_ref = c + side q_r),
    side of R - c, and the increment E at its far end (a ball)."""

    psi: arb_poly
    d1: arb_poly  # psi(e)/e
    p_pos: arb_poly  # prod over m_i > 0 of (m_i + e)
    m_pos: list[arb]
    q_r: arb
    r_ref: arb
    side: int
    length: arb
    m: list[arb]
    logs: LogSum


def make_piece(geo: Geometry, x_r: arb, q_r: arb, side: int, dq2: arb) -> Piece:
    m = [g + x_r for g in geo.gaps]
    psi = psi_poly(m)
    length = increasing_root(psi, dq2 / geo.a2, "at the far end of a piece")
    m_pos = [v for v in m if not v.is_zero()]
    p_pos = arb_poly.from_roots([-v for v in m_pos])
    return Piece(
        psi,
        arb_poly(psi.coeffs()[1:]),
        p_pos,
        m_pos,
        q_r,
        geo.c + side * q_r,
        side,
        length,
        m,
        LogSum.make(m_pos),
    )


def pieces(ex: ExactFlow, geo: Geometry) -> list[Piece]:
    """The monotone pieces of the path from |r0| down to r1 (see the module docstring)."""
    c, r0, r1, g0, h = geo.c, geo.r0, geo.r1, geo.g0, geo.h
    c_side = ex.c_vs_goal()
    g0_sign = (ex.g0_num > 0) - (ex.g0_num < 0)
    turn_x = None
    if c_side >= 0 and g0_sign >= 0:  # the path reaches its turning point R = c
        if ex.h_num == 0:
            turn_x = arb(0)
        elif g0_sign == 0:
            turn_x = geo.rho_min2  # the start is the turning point
        else:
            turn_x = increasing_root(psi_poly(geo.gaps), h**2 / geo.a2, "x at the turning point")
    out = []
    if g0_sign > 0:  # before the turning point: R from r0 down to max(c, r1), R = c + q
        if c_side >= 0:
            out.append(make_piece(geo, turn_x, arb(0), +1, g0**2))
        else:
            q_r = r1 - c
            x_r = increasing_root(psi_poly(geo.gaps), (h**2 + q_r**2) / geo.a2, "x at the goal")
            out.append(make_piece(geo, x_r, q_r, +1, (r0 - r1) * (g0 + q_r)))
    if c_side > 0:  # after the turning point: R from min(c, r0) down to r1, R = c - q
        if g0_sign >= 0:
            out.append(make_piece(geo, turn_x, arb(0), -1, (c - r1) ** 2))
        else:
            out.append(make_piece(geo, geo.rho_min2, -g0, -1, (r0 - r1) * (c - r1 - g0)))
    return out


# ------------------------------------------------------------------------ integration
@dataclass(frozen=True)
class Tolerance:
    """What acb.integral aims at: relative 2^-rel_bits of each segment or the absolute
    ``floor`` (2^-rel_bits of the whole time, known roughly from a cheap first pass)."""

    rel_bits: int
    floor: arb


def _crude_integral(f: Callable[[acb, bool], acb], lo: arb, hi: arb, parts: int) -> arb:
    """int_lo^hi f enclosed by sum_k (w_k+1 - w_k) f([w_k, w_k+1]) (f on real balls)."""
    total = arb(0)
    for k in range(parts):
        a_, b_ = lo + (hi - lo) * k / parts, lo + (hi - lo) * (k + 1) / parts
        total += (b_ - a_) * f(acb(a_.union(b_)), False).real
        if not total.is_finite():
            return total
    return total


def _integrate(
    f: Callable[[acb, bool], acb], end: arb, tol: Tolerance, tail: Callable[[arb], arb | None] | None = None
) -> arb:
    """int_0^end f (f real and positive on the real segment), ``end`` a ball.

    acb.integral on [0, 1], [1, 2], [2, 3.5], ... (segments growing by half their start, where
    the far integrand is analytic in discs that grow too) up to the midpoint of ``end``, plus
    (end - mid end) f(end), a proven enclosure of the rest. ``tail(w)``, if given, is a proven
    bound on int_w^end f; once it is below the tolerance the rest is added as [0, tail].
    """
    w_mid = end.mid()
    if not w_mid > 0:
        return arb(0)
    rel = arb(2) ** (-tol.rel_bits)
    total, lo = arb(0), arb(0)
    while lo < w_mid:
        hi = min(lo + max(arb(1), lo / 2), w_mid)
        floor = max(tol.floor, total.mid() * rel / 16)
        # a segment that adds almost nothing: the sum of (width) f(sub-ball) over 16 sub-balls
        # encloses it (f evaluated on real balls)
        crude = _crude_integral(f, lo, hi, 16)
        if crude.is_finite() and crude.upper() < floor:
            part = crude
        else:
            part = acb.integral(f, lo, hi, rel_tol=rel, abs_tol=floor, eval_limit=EVAL_LIMIT).real
        total += part
        lo = hi
        if tail is not None and lo < w_mid:
            rest = tail(lo)
            if rest is not None and rest <= max(tol.floor, total.mid() * rel) / 4:
                return total + arb(0, rest) if rest > 0 else total
    if not end.rad().is_zero():
        total += (end - w_mid) * f(acb(end), False).real
    return total


#: Terms of the series of sum log(1 + t_i) in ``LogSum`` (every |t_i| <= FAR_RATIO).
SERIES_TERMS = 12
FAR_RATIO = 0.5


def _series(x: acb, sums: list[arb], x_hi: arb) -> acb:
    """sum_i log(1 + x c_i) = sum_{k=1}^{K} (-1)^(k+1) x^k S_k / k + E for |x c_i| <= FAR_RATIO,
    with S_k = sum_i c_i^k (``sums``, k = 1..K+1) and |E| <= sum_i |x c_i|^(K+1)/((K+1)(1 - FAR_RATIO))
    <= 2 x_hi^(K+1) S_(K+1)/(K+1) (the tail of log(1 + t) = sum (-1)^(k+1) t^k/k), added as a
    radius: a proven enclosure, by Horner in x."""
    k_max = SERIES_TERMS
    out = acb(0)
    for k in range(k_max, 0, -1):
        out = x * (sums[k - 1] / k - out)
    err = (2 * x_hi ** (k_max + 1) * sums[k_max] / (k_max + 1)).upper()
    return out + acb(arb(0, err), arb(0, err))


@dataclass(frozen=True)
class LogSum:
    """L(e) = sum_i log(m_i + e) over the m_i > 0 (sorted), on complex boxes, with few logs.

    Each m_i is put on the side of |e| it is far from: log m_i + log(1 + e/m_i) when
    m_i >= 2|e|, log e + log(1 + m_i/e) when m_i <= |e|/2, both identities of principal logs
    for e off the negative axis (arg(m_i + e) lies between 0 and arg e). The sums of
    log(1 + t_i) over each side are power series in e (or 1/e) whose coefficients are power
    sums of the m_i (prefix and suffix sums kept), with a proven bound on the tail
    (``_series``). Only the m_i within a factor 2 of |e| get a log each. On a box that meets
    the real path (where every m_i + e > 0) exp(L/2) is the analytic continuation of
    prod (m_i + e)^(1/2); the principal root of the product itself would be cut where its
    argument reaches +-pi, on boxes only ~pi/d wide.
    """

    m: list[arb]
    lo: list[float]  # float lower bounds of m_i (a relative margin below)
    hi: list[float]
    log_suffix: list[arb]  # sum_{j >= i} log m_j
    inv_powers: list[list[arb]]  # inv_powers[i][k-1] = sum_{j >= i} m_j^-k, k = 1..K+1
    powers: list[list[arb]]  # powers[i][k-1] = sum_{j < i} m_j^k

    @classmethod
    def make(cls, m_pos: list[arb]) -> LogSum:
        m = sorted(m_pos, key=lambda v: float(v.mid()))
        lo = [float(v.lower()) * (1 - 1e-9) for v in m]
        hi = [float(v.upper()) * (1 + 1e-9) for v in m]
        n, kk = len(m), SERIES_TERMS + 1
        suffix = [arb(0)] * (n + 1)
        inv_powers = [[arb(0)] * kk for _ in range(n + 1)]
        for i in range(n - 1, -1, -1):
            suffix[i] = suffix[i + 1] + m[i].log()
            w, p = 1 / m[i], arb(1)
            for k in range(kk):
                p *= w
                inv_powers[i][k] = inv_powers[i + 1][k] + p
        powers = [[arb(0)] * kk]
        for i in range(n):
            p, row = arb(1), []
            for k in range(kk):
                p *= m[i]
                row.append(powers[i][k] + p)
            powers.append(row)
        return cls(m, lo, hi, suffix, inv_powers, powers)

    def __call__(self, e: acb) -> acb:
        size = abs(e)
        e_lo, e_hi = float(size.lower()) * (1 - 1e-9), float(size.upper()) * (1 + 1e-9)
        if not (math.isfinite(e_hi) and e_lo > 0):
            return sum(((m + e).log(analytic=True) for m in self.m), acb(0))
        k_far = bisect.bisect_right(self.hi, FAR_RATIO * e_lo)  # m_i <= |e|/2: log e + log(1 + m_i/e)
        k_near = max(bisect.bisect_left(self.lo, e_hi / FAR_RATIO), k_far)  # m_i >= 2|e|
        total = acb(0)
        if k_far:
            total += k_far * e.log(analytic=True) + _series(1 / e, self.powers[k_far], 1 / arb(size.lower()))
        for m in self.m[k_far:k_near]:
            total += (m + e).log(analytic=True)
        if k_near < len(self.m):
            total += self.log_suffix[k_near] + _series(e, self.inv_powers[k_near], arb(size.upper()))
        return total


def log_factors(piece: Piece, e: acb) -> acb:
    """L(e) = sum over m_i > 0 of log(m_i + e) on a box (``LogSum``)."""
    return piece.logs(e)


def _scale(geo: Geometry, piece: Piece, extra: list[arb]) -> arb:
    """Where the integrand changes near e = 0: the smallest of 1/sum 1/m_i and of the
    distances ~ level/(|a|^2 psi'(0)) of the zeros of q^2 and R (midpoints: only places nodes)."""
    inv = sum((1 / v.mid() for v in piece.m if v.mid() > 0), arb(0))
    scale = 1 / inv if inv > 0 else piece.length.mid()
    c1 = piece.psi.coeffs()[1].mid()
    if c1 > 0:
        for level in extra:
            level = abs(level.mid())
            if level > 0:
                scale = min(scale, (level / (geo.a2.mid() * c1)).mid())
    return scale.mid()


def integrate_piece(geo: Geometry, piece: Piece, tol: Tolerance) -> arb:
    """int_0^E de / (2 R q) over one piece, enclosed."""
    if piece.length.is_zero():
        return arb(0)
    psi, a2, c, q_r, side, r_ref = piece.psi, geo.a2, geo.c, piece.q_r, piece.side, piece.r_ref
    turning = q_r.is_zero()
    q_r2 = q_r**2
    # |a|^2 psi at R = 0 (side -, the pole e_p) and the constant of R's cancellation-free form
    pole_level = r_ref * (c + q_r) if side < 0 else None
    plus_level = r_ref * (q_r - c) if side > 0 and not c > 0 else None

    def big_r(q: acb, k: acb) -> acb:  # R from q and k = |a|^2 psi(e), no cancellation
        if side > 0:
            return c + q if plus_level is None else (plus_level + k) / (q - c)
        return (pole_level - k) / (c + q)

    split = None
    if side < 0:
        e_p = increasing_root(psi, pole_level / a2, "e at R = 0")
        if piece.length > e_p / 2 or piece.length.overlaps(e_p / 2):
            split = (e_p / 2).mid()
    e_first = split if split is not None else piece.length
    levels = [q_r2, pole_level if pole_level is not None else arb(0)]
    if plus_level is not None:
        levels.append(plus_level)
    scale = _scale(geo, piece, levels)
    end = e_first.sqrt() if turning else e_first
    u1 = min(scale.sqrt() / 4 if turning else scale / 4, end.mid()).mid()
    w_end = (end / u1).log1p()

    h2 = geo.h**2  # a2 prod m_i - q_r^2 (the reference point is on the path)
    one_zero = len(piece.m_pos) < len(piece.m)  # the turning point is f = 0 (then D1 = P+)
    p0 = piece.p_pos.coeffs()[0]
    near = min((m.mid() for m in piece.m_pos), default=arb.pos_inf()) / 4

    def f_point(w_c: acb) -> acb:
        """At real w: principal roots of positive values, R in its cancellation-free form."""
        w = w_c.real
        s = u1 * w.expm1()
        ds = u1 * w.exp()
        if turning:  # e = s^2, q = s |a| sqrt(D1(s^2)), de/(2Rq) = ds / (R |a| sqrt(D1))
            e = s * s
            d1_e = piece.d1(e)
            root = (a2 * d1_e).sqrt()
            return ds / (big_r(s * root, a2 * e * d1_e) * root)
        k = a2 * psi(s)
        q = (q_r2 + k).sqrt()
        return ds / (2 * big_r(q, k) * q)

    def f_box(w: acb) -> acb:
        """On a complex box: the analytic continuation of the integrand."""
        s = u1 * w.expm1()
        ds = u1 * w.exp()
        e = s * s if turning else s
        # first the polynomials (cheap; exact when their enclosure stays off the cut, since the
        # box meets the real path where the values are positive), then L(e)
        if turning:
            root = (a2 * piece.d1(e)).sqrt(analytic=True)
            out = ds / ((c + side * s * root) * root)
        else:
            q = (q_r2 + a2 * psi(e)).sqrt(analytic=True)
            out = ds / (2 * (c + side * q) * q)
        if out.is_finite() or abs(e).upper() < near:
            return out
        half_l = log_factors(piece, e) / 2
        if turning:  # a2 D1 = a2 P+ (one m_i = 0) or a2 (P - P(0))/e
            ratio = acb(a2) if one_zero else a2 * (1 - p0 * (-2 * half_l).exp()) / e
            root = ratio.sqrt(analytic=True) * half_l.exp()
            return ds / ((c + side * s * root) * root)
        q = (a2 - h2 * (-2 * half_l).exp()).sqrt(analytic=True) * half_l.exp()  # q^2 = a2 P - h^2
        return ds / (2 * (c + side * q) * q)

    def f_near(w: acb, analytic: bool) -> acb:
        # the real-point form only for real w (acb.integral evaluates real nodes and real balls)
        return acb(f_point(w)) if not analytic and w.imag.is_zero() else f_box(w)

    def tail(w: arb) -> arb | None:
        """A proven bound on the rest from e = e(w) on (q >= |a| e^(d/2) since psi(e) >= e^d).
        Any side: R >= r1 and q is increasing, so the rest is <= (E - e)/(2 r1 q(e)).
        Side +, d >= 2: once q >= 2|c|, R >= q/2 and de/(2Rq) <= de/(|a|^2 e^d), so the rest is
        <= e^(1-d)/((d-1)|a|^2). Side -, d >= 3: R >= r1 on the piece, the integrand is
        <= 1/(2 r1 |a| e^(d/2)) and the rest <= e^(1-d/2)/((d/2-1) 2 r1 |a|)."""
        d = len(piece.m)
        s = (u1 * w.expm1()).lower()
        e = s * s if turning else s
        if not e > 0:
            return None
        # R >= r1 on the whole path and q grows with e: the rest is <= (E - e)/(2 r1 q(e))
        rest = ((e_first - e) / (2 * geo.r1 * (q_r2 + a2 * psi(e)).sqrt())).upper()
        if rest <= tol.floor:
            return rest
        if side > 0:
            if d < 2 or not q_r2 + a2 * psi(e) >= 4 * c**2:
                return None
            return (e ** (1 - d) / ((d - 1) * a2)).upper()
        if d < 3:
            return None
        half = arb(d) / 2
        return (e ** (1 - half) / ((half - 1) * 2 * geo.r1 * a2.sqrt())).upper()

    total = _integrate(f_near, w_end, tol, tail)
    if split is None:
        return total
    # the rest, e from split to E: e = e_p - v, v = v_m exp(-y), de = v dy, R = |a|^2 v Q(e)/(c + q)
    quotient = _pole_quotient(psi, e_p)
    v_m = e_p - split
    target = geo.r1 * (2 * c - geo.r1) / a2  # psi(e_p) - psi(E) = (c^2 - (c - r1)^2)/|a|^2

    def gap_value(v: arb) -> arb:
        return v * quotient(e_p - v)

    def gap_slope(v: arb) -> arb:
        return psi.derivative()(e_p - v)

    start = newton_log(gap_value, gap_slope, target, target / gap_slope(arb(0)))
    v_end = bracket_root(gap_value, target, start, "e_p - e at the goal")
    y_end = (v_m / v_end).log()

    m_all = piece.m
    inv = [1 / (m + e_p) for m in m_all]
    p_at_pole = _prod([m + e_p for m in m_all])
    w_max = max(w.upper() for w in inv)
    inv_sums = _power_sums(inv, SERIES_TERMS + 1)
    root_at_pole = p_at_pole.sqrt()

    def f_pole(y: acb, analytic: bool) -> acb:
        """(c + q)/(2 q a2 Q(e)) at e = e_p - v_m exp(-y); on boxes Q and q from
        S = sum_i log1p(-v/(m_i + e_p)): P(e) = P(e_p) e^S, Q(e) = P(e_p)(-expm1 S)/v."""
        v = v_m * (-y).exp()
        if not analytic and v.imag.is_zero():
            e = e_p - v.real
            q = (q_r2 + a2 * psi(e)).sqrt()
            return acb((c + q) / (2 * q * a2 * quotient(e)))
        v_hi = abs(v).upper()
        if not v_hi * w_max < 1:  # log1p(-v w_i) analytic: |v w_i| < 1 on the box
            return acb(arb.nan())
        if v_hi * w_max <= SMALL_T:
            # S = -v A with A = sum_i w_i log1p(-v w_i)/(-v w_i) and -expm1(S)/v = A phi(v A):
            # series without the quotient of two boxes (whose widths would not cancel)
            big_a = _log1p_sum(v, v_hi, inv_sums)
            x = v * big_a
            if abs(x).upper() <= SMALL_T:
                big_s = -x
                q = (a2 - h2 / p_at_pole * x.exp()).sqrt(analytic=True) * root_at_pole * (big_s / 2).exp()
                return (c + q) / (2 * q * a2 * p_at_pole * big_a * _expm1_ratio(x))
        big_s = acb(0)
        for w_i in inv:
            big_s += (-v * w_i).log1p()
        # q = sqrt(a2 P(e) - h^2), sqrt(P(e)) = sqrt(P(e_p)) e^(S/2): the continuation, no cut
        q = (a2 - h2 / p_at_pole * (-big_s).exp()).sqrt(analytic=True) * root_at_pole * (big_s / 2).exp()
        return (c + q) / (2 * q * a2 * p_at_pole * (-(big_s.expm1())) / v)

    return total + _integrate(f_pole, y_end, tol)


#: |t| bound under which ``_log1p_ratio`` and ``_expm1_ratio`` use their series.
SMALL_T = 0.5


def _power_sums(values: list[arb], count: int) -> list[arb]:
    """[sum_i w_i^k for k = 1..count]."""
    out, powers = [arb(0)] * count, [arb(1)] * len(values)
    for k in range(count):
        powers = [p * w for p, w in zip(powers, values)]
        out[k] = sum(powers, arb(0))
    return out


def _log1p_sum(v: acb, v_hi: arb, sums: list[arb]) -> acb:
    """A = sum_i w_i log1p(-v w_i)/(-v w_i) = sum_{k>=0} v^k W_(k+1)/(k+1), W_k = sum_i w_i^k
    (``sums``), for |v| w_i <= v_hi w_max <= SMALL_T: SERIES_TERMS terms by Horner, the tail
    (<= sum_i w_i |v w_i|^K/((K+1)(1 - SMALL_T)) <= 2 v_hi^K W_(K+1)/(K+1)) added as a radius."""
    k_max = SERIES_TERMS
    out = acb(0)
    for k in range(k_max - 1, -1, -1):
        out = out * v + sums[k] / (k + 1)
    err = (2 * arb(v_hi) ** k_max * sums[k_max] / (k_max + 1)).upper()
    return out + acb(arb(0, err), arb(0, err))


def _expm1_ratio(x: acb) -> acb:
    """(1 - e^-x)/x = sum_{k>=0} (-x)^k/(k+1)! for |x| <= SMALL_T: SERIES_TERMS terms by
    Horner, the tail (<= |x|^K e^|x|/(K+1)! <= 2 |x|^K/(K+1)!) added as a radius."""
    k_max = SERIES_TERMS
    out, fact = acb(0), [arb(1)]
    for k in range(1, k_max + 2):
        fact.append(fact[-1] * k)
    for k in range(k_max - 1, -1, -1):
        out = out * (-x) + 1 / fact[k + 1]
    err = (2 * arb(abs(x).upper()) ** k_max / fact[k_max + 1]).upper()
    return out + acb(arb(0, err), arb(0, err))


def _prod(values: list[arb]) -> arb:
    out = arb(1)
    for v in values:
        out *= v
    return out


def _pole_quotient(psi: arb_poly, e_p: arb) -> arb_poly:
    """Q(e) = (psi(e_p) - psi(e))/(e_p - e) = sum_j e^j sum_{k>j} c_k e_p^(k-1-j) (all terms >= 0)."""
    cs = psi.coeffs()
    d = len(cs) - 1
    out = [arb(0)] * d
    acc = arb(0)
    for j in range(d - 1, -1, -1):
        acc = cs[j + 1] + e_p * acc
        out[j] = acc
    return arb_poly(out)


def time_ball(ex: ExactFlow, bits: int, tol: Tolerance) -> arb:
    """The GF time as an arb ball computed at ``bits`` bits (the stall and the start at the goal
    are decided before, by ``certified_time``)."""
    old = flint.ctx.prec
    flint.ctx.prec = bits
    try:
        geo = Geometry.from_exact(ex)
        total = arb(0)
        for piece in pieces(ex, geo):
            total += integrate_piece(geo, piece, tol)
            known = (total.mid() * arb(2) ** (-tol.rel_bits - 4)).mid() if total.is_finite() else arb(0)
            tol = Tolerance(tol.rel_bits, max(tol.floor, known))
        return total
    finally:
        flint.ctx.prec = old


def certified_time(ex: ExactFlow, want_bits: int, below: arb | None = None) -> arb:
    """The GF time as a ball of relative radius below 2^-want_bits (precision raised until it
    is); +inf exactly when GF stalls, 0 when the start is within the goal.

    The size of the time sets the absolute floor under which segments are not integrated to
    full relative accuracy: ``below``, a positive lower bound of the time (T6's bound, within
    a factor 3-8 of the time for random starts), or else a first pass at 64 bits (20 bits
    asked). Only the work depends on it: a floor too high gives a wide ball, which the final
    test refuses (then the precision is raised), never a wrong one.
    """
    if ex.done:
        return arb(0)
    if ex.stalls():
        return arb.pos_inf()
    extra = 24 + int(math.log2(len(ex.rho2) + 1)) + max(0, -ex.log2_goal) + 3
    if below is not None and below.is_finite() and below > 0:
        size = below.lower()
        ball = arb.nan()
    else:
        rough = time_ball(ex, 64 + extra, Tolerance(20, arb(0)))
        size = rough.mid() if rough.is_finite() and rough.mid() > 0 else arb(0)
        ball = rough
    for bits in (want_bits + extra, 2 * want_bits + extra, 4 * want_bits + extra):
        tol = Tolerance(want_bits + 8, (size * arb(2) ** (-want_bits - 12)).mid())
        ball = time_ball(ex, bits, tol)
        if ball.is_finite() and ball.rel_accuracy_bits() >= want_bits:
            return ball
    raise ArithmeticError(f"flow time not enclosed to {want_bits} bits (ball {ball})")


def lower_bound_ball(ex: ExactFlow, delta_1: fmpq, want_bits: int) -> arb:
    """The T6 bound B(delta_1) = delta_1/(2|r0||a|P(delta_1)^{1/2}) as a ball, P(delta) =
    prod (rho_i^2 + delta), after proving P(delta_1) < (1 - goal)^2 |b|^2/|a|^2 in arb (then
    |f| must pass (1 - goal)|b| before the goal, so T >= B(delta_1) by T6); delta_1 is
    halved until the proof goes through. Log domain: no overflow at any depth."""
    bits = want_bits + 16 + int(math.log2(len(ex.rho2) + 1))
    old = flint.ctx.prec
    flint.ctx.prec = bits
    try:
        one = fmpq(1)
        log_star = q_to_arb((one - ex.goal) ** 2 * ex.b2 / ex.a2).log()
        for _ in range(200):
            d1 = q_to_arb(delta_1)
            log_p = sum(((q_to_arb(r) + d1).log() for r in ex.rho2), arb(0))
            if log_p < log_star:
                return (
                    d1.log() - (2 * q_to_arb(ex.r02).sqrt() * q_to_arb(ex.a2).sqrt()).log() - log_p / 2
                ).exp()
            delta_1 = delta_1 / 2
        raise ArithmeticError("could not prove P(delta_1) < (1 - goal)^2 |b|^2 / |a|^2")
    finally:
        flint.ctx.prec = old
