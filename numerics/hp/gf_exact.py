"""The exact data of a scalar GF path (rationals), the decisions made on them, certified
roots of increasing polynomials, and the path's geometry as arb balls (``numerics.hp.gf_time``).

Inputs are read as the exact binary numbers they hold; |a|^2, |b|^2, |r0|^2, Re(b conj r0),
Im(b conj f0), Re(f0 conj r0) and the moduli rho_i^2 are exact rationals (``flint.fmpq``), so
"already at the goal", "the path runs through 0", "tied smallest moduli" and "which side of
the turning point" are decided exactly. A root is returned as a ball [lo, hi] of exact numbers
with g(lo) < target < g(hi) proven in ball arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import flint
import mpmath
from flint import arb, arb_poly, fmpq, fmpz


# ------------------------------------------------------------------------ exact inputs
def exact_fmpq(x: Any) -> fmpq:
    """A finite real (int, float, mpf, NumPy) as the exact rational it holds."""
    if isinstance(x, fmpq):
        return x
    if isinstance(x, (int, fmpz)):
        return fmpq(int(x))
    x = mpmath.mpf(x) if not isinstance(x, mpmath.mpf) else x
    if not mpmath.isfinite(x):
        raise ValueError(f"expected a finite number, got {x}")
    sign, man, exp, _ = x._mpf_
    man = -int(man) if sign else int(man)
    return fmpq(man * 2**exp) if exp >= 0 else fmpq(man, 2 ** (-exp))


def exact_complex_q(v: Any) -> tuple[fmpq, fmpq]:
    """(Re, Im) of a Python/NumPy/mpmath number exactly (floats as their binary value)."""
    if isinstance(v, mpmath.mpc):
        return exact_fmpq(v.real), exact_fmpq(v.imag)
    if isinstance(v, mpmath.mpf) or isinstance(v, (int, float)) and not isinstance(v, bool):
        return exact_fmpq(v), fmpq(0)
    c = complex(v)
    return exact_fmpq(c.real), exact_fmpq(c.imag)


def _cmul(p: tuple[fmpq, fmpq], q: tuple[fmpq, fmpq]) -> tuple[fmpq, fmpq]:
    return p[0] * q[0] - p[1] * q[1], p[0] * q[1] + p[1] * q[0]


def q_to_arb(x: fmpq) -> arb:
    """The rational x as an arb ball at the current precision (exact when it fits)."""
    return arb(x)


@dataclass(frozen=True)
class ExactFlow:
    """The exact data of one scalar network (rationals) and the decisions made on them."""

    rho2: list[fmpq]
    a2: fmpq  # |a|^2
    b2: fmpq  # |b|^2
    r02: fmpq  # |r0|^2
    c_num: fmpq  # Re(b conj r0) = c |r0|
    h_num: fmpq  # |Im(b conj f0)| = h |r0|
    g0_num: fmpq  # -Re(f0 conj r0) = (|r0| - c)|r0|
    goal: fmpq

    @classmethod
    def from_inputs(cls, z0: Sequence[Any], a: Any, b: Any, goal: Any) -> ExactFlow:
        return cls.from_rationals(
            [exact_complex_q(v) for v in z0], exact_complex_q(a), exact_complex_q(b), exact_fmpq(goal)
        )

    @classmethod
    def from_rationals(
        cls, z: list[tuple[fmpq, fmpq]], aq: tuple[fmpq, fmpq], bq: tuple[fmpq, fmpq], goal: fmpq
    ) -> ExactFlow:
        """The exact data from the inputs' real and imaginary parts as rationals."""
        f0 = aq
        for v in z:
            f0 = _cmul(f0, v)
        r0 = (bq[0] - f0[0], bq[1] - f0[1])
        b_conj_r0 = _cmul(bq, (r0[0], -r0[1]))
        b_conj_f0 = _cmul(bq, (f0[0], -f0[1]))
        f0_conj_r0 = _cmul(f0, (r0[0], -r0[1]))
        return cls(
            rho2=[re * re + im * im for re, im in z],
            a2=aq[0] ** 2 + aq[1] ** 2,
            b2=bq[0] ** 2 + bq[1] ** 2,
            r02=r0[0] ** 2 + r0[1] ** 2,
            c_num=b_conj_r0[0],
            h_num=abs(b_conj_f0[1]),
            g0_num=-f0_conj_r0[0],
            goal=goal,
        )

    @property
    def log2_goal(self) -> int:
        """About log2(goal), from the bit lengths (no float: goals below 1e-308 are allowed)."""
        return int(self.goal.p).bit_length() - int(self.goal.q).bit_length()

    @property
    def done(self) -> bool:
        """|r0| <= goal |b|: no time is needed."""
        return self.r02 <= self.goal**2 * self.b2

    def c_vs_goal(self) -> int:
        """sign(c - r1), r1 = goal |b|, decided exactly (c |r0| = c_num)."""
        if self.c_num <= 0:
            return -1
        lhs, rhs = self.c_num**2, self.goal**2 * self.b2 * self.r02
        return (lhs > rhs) - (lhs < rhs)

    @property
    def ties(self) -> int:
        low = min(self.rho2)
        return sum(1 for v in self.rho2 if v == low)

    def stalls(self) -> bool:
        """GF never reaches the goal: the path runs through f = 0 (h = 0, turning point
        reached before the goal) and two or more layers share the smallest modulus (T9)."""
        return self.h_num == 0 and self.g0_num >= 0 and self.c_vs_goal() > 0 and self.ties >= 2


# --------------------------------------------------------------------- certified roots
def bracket_root(g: Callable[[arb], arb], target: arb, mid: arb, what: str) -> arb:
    """The root of the increasing g(e) = target near ``mid``, as a ball [lo, hi] with
    g(lo) < target < g(hi) proven in ball arithmetic (lo, hi exact numbers)."""
    bits = flint.ctx.prec
    for k in (bits - 6, bits - 16, (3 * bits) // 4, bits // 2, bits // 4):
        eps = arb(2) ** (-k)
        lo, hi = (mid * (1 - eps)).mid(), (mid * (1 + eps)).mid()
        if g(lo) < target and g(hi) > target:
            return lo.union(hi)
    raise ArithmeticError(f"could not enclose the root {what} at {bits} bits")


def newton_log(g: Callable[[arb], arb], dg: Callable[[arb], arb], target: arb, start: arb) -> arb:
    """Where to put the certified bracket: Newton in log e on midpoints for the increasing
    g(e) = target (g(0) = 0), safeguarded by the bracket [lo, hi] it keeps."""
    bits = flint.ctx.prec
    t = target.mid()
    log_t = t.log()
    e, lo, hi = start.mid(), arb(0), None
    for _ in range(600):
        val = g(e).mid()
        if val < t:
            lo = e
        else:
            hi = e
        step = arb(1)
        new = (2 * e).mid()
        if val > 0:
            slope = (e * dg(e) / val).mid()
            if slope > 0:
                step = ((val.log() - log_t) / slope).mid()
                new = (e * (-step).exp()).mid()
        if abs(step) < arb(2) ** (-bits + 4):
            return new
        if hi is not None and not (lo <= new <= hi):
            new = ((lo + hi) / 2).mid() if lo > 0 else (hi / 2).mid()
        e = new
    return e


def increasing_root(coeffs: arb_poly, target: arb, what: str) -> arb:
    """The e >= 0 with psi(e) = target, psi = sum_{k>=1} c_k e^k (c_k >= 0), as a proven ball."""
    if target.is_zero():
        return arb(0)
    if not target > 0:
        raise ArithmeticError(f"the target of {what} is not certainly positive: {target}")
    cs = coeffs.coeffs()
    deg = len(cs) - 1
    start = (target.log() / deg).exp()
    if not cs[1].is_zero():
        start = min(start.mid(), (target / cs[1]).mid())
    dpoly = coeffs.derivative()
    mid = newton_log(coeffs, dpoly, target, start)
    return bracket_root(coeffs, target, mid, what)


# ---------------------------------------------------------------------------- pieces
@dataclass(frozen=True)
class Geometry:
    """Arb balls of the path data (at the current precision)."""

    a2: arb
    c: arb
    h: arb
    r0: arb
    r1: arb
    g0: arb  # |r0| - c, with its exact sign
    gaps: list[arb]
    rho_min2: arb

    @classmethod
    def from_exact(cls, ex: ExactFlow) -> Geometry:
        low = min(ex.rho2)
        r0 = q_to_arb(ex.r02).sqrt()
        return cls(
            a2=q_to_arb(ex.a2),
            c=q_to_arb(ex.c_num) / r0,
            h=q_to_arb(ex.h_num) / r0,
            r0=r0,
            r1=q_to_arb(ex.goal) * q_to_arb(ex.b2).sqrt(),
            g0=q_to_arb(ex.g0_num) / r0,
            gaps=[q_to_arb(v - low) for v in ex.rho2],
            rho_min2=q_to_arb(low),
        )
