"""Exact gradient-flow time of a scalar deep linear network and its lower bounds (T6, T9).

Scalar network u = a prod_i z_i (complex a, z_i; target b), loss 1/2 |b - u|^2. Under
gradient flow (T3-T5) with rho_i^2 = |z_i(0)|^2, f0 = a prod z_i(0), r0 = b - f0:

* f moves on the segment from f0 to b (T5); write R = |r| (it falls from |r0| to goal |b|)
  and F = |f|. With c_b = Re(b conj r0)/|r0| and h = |Im(b conj r0)|/|r0| (the distance
  from 0 to the line), F^2 = h^2 + q^2 with q = |R - c_b|; the turning point R = c_b is the
  point of the line closest to 0.
* Every |z_i|^2 grows by the same amount (T4). With x = min_i |z_i|^2 and the exact gaps
  g_i = rho_i^2 - min rho^2 >= 0, |z_i|^2 = g_i + x and F^2 = |a|^2 prod_i (g_i + x).
* dx/dt = 2 Re(r conj f) = 2 R (c_b - R), so on each monotone piece of the path

      T_piece = int dx / (2 R q).

  Measured from the piece's end nearer the turning point (reference x_r, m_i = g_i + x_r,
  q_r = q there), x = x_r + e with e >= 0 and

      q(e)^2 = q_r^2 + |a|^2 e D1(e),   e D1(e) = prod_i (m_i + e) - prod_i m_i,

  a polynomial with nonnegative coefficients: nothing cancels, for any |f0|/|b|, any
  depth, near 0 or far from it. This is T6's integral after the change of variable
  s -> x (no root finding inside the quadrature).
* At the turning point (q_r = 0), e = t^2 makes the integrand dt / (R |a| D1(t^2)^{1/2})
  smooth. If the line runs through 0 (h = 0) the smallest layer reaches 0 there: with a
  unique smallest modulus D1(0) > 0 and the time is finite (the layer crosses 0); with k >= 2
  layers tied at the minimum, D1(0) = 0, the integrand grows like 1/t and GF stalls (T = inf).

The time itself is computed by ``numerics.hp.gf_time``: exact rational decisions, arb balls
for every number, certified brackets for the roots that fix the piece ends, and
``acb.integral`` (rigorous error bounds) for the integrals, in variables that make both
ends of every piece smooth (logarithmic near the reference, and near R = 0 when the goal
is small). ``flow_time(..., certified=True)`` returns the enclosing balls themselves;
docs/certified.md says what is proven and under which assumptions.

Lower bound (T6): d delta/dt <= 2 |r0| |a| P(delta)^{1/2}, so reaching delta_1 > 0 takes at
least delta_1 / (2 |r0| |a| P(delta_1)^{1/2}); at the goal |f| >= (1 - goal)|b|, so every
delta_1 with P(delta_1) < (1 - goal)^2 |b|^2/|a|^2 must be crossed. ``lower_bound``
maximizes log delta_1 - log P(delta_1)/2, a concave function of log delta_1.

Discrete GD (docs/derivations.md, "T9 for gradient descent"): if along the run
tau_k = eta |f_k|^2 S_k <= 1 and sigma_k = eta |r_k||f_k| S_k <= theta <= 0.85
(S = sum_i 1/|z_i|^2), then the number of steps is at least 2/(2 + theta) * lower_bound / eta.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
from flint import arb, fmpq
from mpmath import mp
from scipy.optimize import brentq

from numerics.hp.gf_exact import ExactFlow
from numerics.hp.gf_fast import arb_precision, heuristic_time, to_arb, to_mpf  # noqa: F401 (re-exported)
from numerics.hp.gf_time import certified_time, lower_bound_ball
from theory.validation import as_complex_vector, checked, complex_vector, nonzero_number, real, reals
from theory.validation.exact import as_fmpq, exact_real
from theory.validation.exact import exact_complex as exact_parts

#: sigma <= THETA_MAX makes the residual non-increasing under GD (docs/derivations.md).
THETA_MAX = 0.85

#: Bits of arb precision used by ``exact_time(..., fast=True)`` (about 19 digits).
FAST_BITS = 64


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
    z: tuple[Any, ...] = ()  # the exact weights (mpc), for the certified time

    @classmethod
    def from_weights(cls, z0: Sequence[Any], a: Any, b: Any) -> ScalarFlow:
        as_complex_vector(z0, "z0")  # validation only: it rounds to the working precision
        z = [exact_complex(v) for v in z0]
        a, b = exact_complex(a), exact_complex(b)
        if a == 0:
            raise ValueError("a must be nonzero (the input's Fourier coefficient)")
        if b == 0 or not mpmath.isfinite(b) or not mpmath.isfinite(a):
            raise ValueError("b must be a finite nonzero target (the goal is relative to |b|)")
        f0 = a * mpmath.fprod(z)
        return cls([_exact_square_modulus(v) for v in z], a, b, f0, b - f0, tuple(z))

    def log_product(self, delta: Any) -> Any:
        """log P(delta) = sum_i log(rho_i^2 + delta)."""
        return mpmath.fsum(mpmath.log(r + delta) for r in self.rho2)


@checked()
def exact_time(flow: ScalarFlow, goal: Any, fast: bool = False) -> Any:
    """Gradient-flow time until |r| <= goal |b| (a real mpf at the current precision).

    ``inf`` exactly when GF cannot get there: two or more layers share the smallest modulus
    and the path runs through f = 0 (they reach 0 together; this includes starts with two or
    more zero layers). One zero layer, or a unique smallest layer on a path through 0,
    crosses 0 in finite time (T9 as corrected).

    The midpoint of ``certified_time_ball``'s enclosure, whose radius is below 2^-prec of the
    value (``fast``: 64 bits, about 19 digits, for Monte Carlo); ``ArithmeticError`` if the
    ball stays too wide.
    """
    ball = certified_time_ball(flow, goal, FAST_BITS if fast else mp.prec)
    if not ball.is_finite():
        return mpmath.inf
    return +to_mpf(ball)


def certified_time_ball(flow: ScalarFlow, goal: Any, want_bits: int) -> arb:
    """The GF time as an arb ball of relative radius below 2^-want_bits that contains the
    exact time of the exact inputs (``numerics.hp.gf_time``; +inf when GF stalls)."""
    return certified_time(ExactFlow.from_inputs(flow.z, flow.a, flow.b, goal), want_bits)


def best_log_delta_1(lr: np.ndarray, target: float) -> float:
    """log delta_1 maximizing T6's bound (float64; see ``lower_bound``): lr = log rho_i^2
    (-inf for a zero layer), target = log of (1 - goal)^2 |b|^2/|a|^2, with sum lr < target."""
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
    return v1


@checked()
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
    v1 = best_log_delta_1(
        np.array([float(mpmath.log(r)) if r else -np.inf for r in flow.rho2]), float(log_star)
    )
    d1 = mpmath.exp(mpmath.mpf(v1))  # no underflow for any v1
    while flow.log_product(d1) >= log_star:  # make sure delta_1 < delta* at the working precision
        d1 /= 2
    return d1 / (2 * abs(flow.r0) * abs(flow.a) * mpmath.exp(flow.log_product(d1) / 2)), d1


@checked(z0=complex_vector, a=nonzero_number, b=nonzero_number)
def gf_solution(z0: Sequence[Any], a: Any, b: Any):
    """Gradient flow of u = a prod z_i solved by mpmath's Taylor ODE method (the independent
    reference for ``flow_time``): dz_i/dt = (b - u) conj(a prod_{j != i} z_j).

    Returns a function t -> [z_1(t), ..., z_d(t)] at the current precision.
    """
    a, b = mpmath.mpc(a), mpmath.mpc(b)

    def rhs(_: Any, z: list) -> list:
        r = b - a * mpmath.fprod(z)
        return [r * mpmath.conj(a * mpmath.fprod(z[:i] + z[i + 1 :])) for i in range(len(z))]

    return mpmath.odefun(rhs, 0, [mpmath.mpc(v) for v in z0])


@checked(z0=complex_vector, a=nonzero_number, b=nonzero_number)
def time_by_s_integral(z0: Sequence[Any], a: Any, b: Any, goal: Any = 0.5) -> Any:
    """T6's integral T = int_{s_end}^1 ds / (s |f(s)|^2 S(s)), plain mpmath (the
    independent reference for ``exact_time``; it shares no code with it).

    f(s) = b - s r0, S = sum_i 1/|z_i|^2 and |z_i|^2 = g_i + x(s), where x(s) = min_i |z_i|^2 solves
    sum_i log(g_i + x) = log |f(s)|^2/|a|^2 (safeguarded Newton in log x at every node). tanh-sinh
    quadrature in u = 1 - s with break points at u_c +- 10^k h/|r0| (u_c: the point of the line
    closest to 0, h its distance). Slow (a root per node): meant for small depths.
    """
    a, b = mpmath.mpc(a), mpmath.mpc(b)
    z = [mpmath.mpc(v) for v in z0]
    rho2 = [abs(v) ** 2 for v in z]
    low = min(rho2)
    gaps = [r - low for r in rho2]
    f0 = a * mpmath.fprod(z)
    r0 = b - f0
    r_abs = abs(r0)
    u_end = 1 - mpmath.mpf(goal) * abs(b) / r_abs
    if u_end <= 0:
        return mpmath.mpf(0)
    log_a2 = 2 * mpmath.log(abs(a))

    def min_modulus2(target: Any) -> Any:
        v = target / len(gaps)  # log x; sum log(g + x) >= d log x, so the root is <= e^v
        for _ in range(200):
            x = mpmath.exp(v)
            phi = mpmath.fsum(mpmath.log(g + x) for g in gaps) - target
            slope = mpmath.fsum(x / (g + x) for g in gaps)
            step = phi / slope
            v -= step
            if abs(step) < mpmath.eps * 4:
                break
        return mpmath.exp(v)

    def integrand(u: Any) -> Any:
        s = 1 - u
        f = b - s * r0
        f2 = abs(f) ** 2
        if f2 == 0:  # the path runs through 0: |f|^2 S -> |a|^2 prod_{j != min} g_j
            return 1 / (s * abs(a) ** 2 * mpmath.fprod(g for g in gaps if g != 0))
        x = min_modulus2(mpmath.log(f2) - log_a2)
        return 1 / (s * f2 * mpmath.fsum(1 / (g + x) for g in gaps))

    u_c = -(f0 * mpmath.conj(r0)).real / r_abs**2
    h = abs((b * mpmath.conj(r0)).imag) / r_abs**2
    center = min(max(u_c, mpmath.mpf(0)), u_end)
    pts = {mpmath.mpf(0), u_end, center}
    step = max(h, mpmath.eps)
    while step < u_end:
        for p in (center - step, center + step):
            if 0 < p < u_end:
                pts.add(p)
        step *= 10
    return mpmath.quad(integrand, sorted(pts))


@checked(z0=real(0, lo_open=True))
def balanced_time(d: int, z0: Any, goal: Any = 0.5) -> Any:
    """Closed form of the GF time for a balanced real start z_i = z0 > 0 (all d layers), a = b = 1.

    Then f = z^d and dz/dt = (1 - z^d) z^(d-1), so T = int_{z0}^{z_end} dz / ((1 - z^d) z^(d-1)) with
    z_end^d = 1 - goal (from below) or 1 + goal (from above). Expanding 1/(1 - z^d) in powers
    of z^d (below) or z^-d (above) and integrating term by term gives, with
    G(z) = sum_k z^(kd - d + 2)/(kd - d + 2) (log z for the exponent 0) and
    H(z) = sum_k z^-(2d - 2 + kd)/(2d - 2 + kd) (-log z for the exponent 0),
    T = G(z_end) - G(z0) below and T = H(z_end) - H(z0) above; the series converge
    geometrically (ratios <= 1 - goal and 1/(1 + goal)). An independent reference for
    ``exact_time`` at any |f0|/|b|, e.g. z0 = 1e300.
    """
    z0, goal = mpmath.mpf(z0), mpmath.mpf(goal)
    f0 = z0**d
    if abs(1 - f0) <= goal:
        return mpmath.mpf(0)
    below = f0 < 1
    z_end = mpmath.root(1 - goal if below else 1 + goal, d)

    def series(z: Any) -> Any:
        total, k = mpmath.mpf(0), 0
        while True:
            p = k * d - d + 2 if below else -(2 * d - 2 + k * d)
            if p == 0:
                term = mpmath.log(z) if below else -mpmath.log(z)
            else:
                term = z**p / (p if below else -p)
            total += term
            if k > 2 and abs(term) <= mpmath.eps * abs(total):
                return total
            k += 1

    return series(z_end) - series(z0)


@checked()
def typical_rate(delta_1: Any) -> Any:
    """r(delta_1) = -E log(X + delta_1)/2 = -(log delta_1 + e^delta_1 E1(delta_1))/2, X ~ Exp(1).

    With rho_i^2 iid Exp(1) (a complex frequency at sigma^2 = 1/n), the T6 bound at a fixed
    delta_1 is delta_1/(2|r0||a|) * exp(-sum_i log(rho_i^2 + delta_1)/2), whose log grows by
    exactly r(delta_1) per layer in expectation. r > 0 for delta_1 < delta_c (T7), and
    r -> gamma_E/2 as delta_1 -> 0.

    >>> mpmath.nstr(typical_rate(mpmath.mpf("0.01")), 10)
    '0.2633293713'
    """
    d1 = mpmath.mpf(delta_1)
    return -(mpmath.log(d1) + mpmath.exp(d1) * mpmath.e1(d1)) / 2


def flow_time(
    z0: Sequence[Any], a: Any, b: Any, *, goal: float = 0.5, dps: int = 30, certified: bool = False
) -> tuple[Any, Any]:
    """Exact GF time until |b - u| <= goal |b| for u = a prod z_i from z0, and the T6 lower bound.

    Returns ``(time, lower_bound)`` as real mpf numbers at ``dps`` digits; ``time`` is ``inf``
    only when GF stalls at f = 0 (see ``exact_time``). Handles any depth, any |f0|/|b| and any
    goal in [10^-dps, 1) (a smaller goal is refused: ValueError naming goal and dps); times
    like 1e40 are computed, not simulated.

    ``certified=True`` returns two ``flint.arb`` balls instead, of relative radius below
    10^-dps, that contain the exact GF time and the exact value of the T6 bound
    delta_1/(2|r0||a|P(delta_1)^{1/2}) at a delta_1 proven (in arb) to satisfy
    P(delta_1) < (1 - goal)^2|b|^2/|a|^2 (0 when |f0| >= (1 - goal)|b|, decided exactly).
    Inputs are read as the exact numbers they hold (``theory.validation.exact``): floats and
    complex as their binary values, ints of any size, mpf and mpc at their own precision (a
    goal made at 80 digits keeps them); mpmath constants are refused (the stall and crossing
    decisions are exact rational ones), as are depths over the cost model (``flow_cost``;
    about d <= 4400 at dps = 30), before any work, on both paths.

    The default (``certified=False``) is the fast path, NOT certified: the time is *computed at
    p digits and checked at 2p* (``fast_time``: the adaptive Gauss-Legendre of
    ``numerics.hp.gf_fast`` run at p = dps log2(10) + 4 bits and again at 2p, from the same
    exact inputs). What it claims: the returned time (the 2p value, rounded to dps digits)
    agrees with the p value to a relative 10^-dps; if not (an ill-conditioned start losing
    digits at p), p is doubled, twice at most, and then ``ArithmeticError`` names the values.
    That catches precision loss, not a quadrature error common to both runs.
    For goals below about 10^-3 (where 1/R has a pole near the end and that quadrature does
    not converge), or where it fails, the default returns the midpoint of the certified ball. The stall (inf) and
    "already at the goal" (0) are decided exactly on both paths, and the lower bound is always
    the midpoint of the certified T6 ball. For a proof, pass ``certified=True``
    (docs/certified.md).

    Cost (cpu seconds, dps = 30, the median of 3 on a shared machine;
    ``python -m numerics.bench.flow``): fast default d = 100 about 0.15 s, d = 1000 about
    0.85 s; certified d = 100 about 0.29 s, d = 1000 about 1.45 s; goal 1e-230 at dps = 240,
    d = 1: 0.35 s.

    >>> t, lb = flow_time([0.5 + 0.5j] * 40, 1, 1)
    >>> mpmath.nstr(t, 8), bool(lb <= t)
    ('13797.251', True)
    >>> t, lb = flow_time([0.5j], 1, 1, goal=1e-10, certified=True)  # d = 1: log(|r0|/(goal|b|))/|a|^2
    >>> t.str(12), bool(lb < t)
    ('[23.1374227056 +/- 2.45e-12]', True)
    """
    from theory.validation import check_dps, flow_time_arguments

    if isinstance(z0, (list, tuple, np.ndarray)):  # the cost first: reading 10^6 entries takes long
        check_flow_cost(len(z0), check_dps(dps))
    z0, a, b, goal_float, dps, certified = flow_time_arguments(z0, a, b, goal, dps, certified)
    check_flow_cost(len(z0), dps)
    z, a_q, b_q = _pairs(z0, "z0"), _pairs([a], "a")[0], _pairs([b], "b")[0]
    ex = ExactFlow.from_rationals(z, a_q, b_q, as_fmpq(exact_real(goal, "goal"), "goal"))
    want = int(dps * math.log2(10)) + 4
    delta_1 = _delta_1(ex)
    lb_ball = arb(0) if delta_1 is None else lower_bound_ball(ex, delta_1, want)
    if certified:
        return certified_time(ex, want, below=lb_ball), lb_ball
    time = fast_time(ex, z, a_q, b_q, want)
    if time is None:  # the heuristic quadrature did not converge (small goals): the certified midpoint
        t_ball = certified_time(ex, want, below=lb_ball)
        with mp.workdps(dps):  # to_mpf rounds to mp.prec
            time = mpmath.inf if not t_ball.is_finite() else to_mpf(t_ball)
    with mp.workdps(dps):
        return +time, +to_mpf(lb_ball)


def fast_time(
    ex: ExactFlow, z: list[tuple[fmpq, fmpq]], a: tuple[fmpq, fmpq], b: tuple[fmpq, fmpq], want_bits: int
) -> Any | None:
    """The default (not certified) GF time: ``numerics.hp.gf_fast.heuristic_time`` computed at
    p bits and again at 2p, from the exact inputs (rationals; dyadic ones, i.e. floats, ints and
    mpf, are held exactly, others rounded at 8 want_bits + 64 bits). Starts at p = want_bits
    (dps log2(10) + 4); returns the 2p value (mpf) when the two agree to 2^-(want_bits - 4) =
    10^-dps relatively, else doubles p (an ill-conditioned start, e.g. moduli 10^-30 apart at
    dps = 20, loses digits at p) up to p = 4 want_bits, and then raises ``ArithmeticError``
    with the values. None for goals below 2^FAST_LOG2_GOAL or when the heuristic quadrature
    does not converge (small goals: the
    pole of 1/R near R = 0); ``flow_time`` then returns the certified midpoint instead. The
    start at the goal (0) and the stall (inf) are decided exactly (``ExactFlow``), as on the
    certified path."""
    if ex.done:
        return mpmath.mpf(0)
    if ex.stalls():
        return mpmath.inf
    if ex.log2_goal < FAST_LOG2_GOAL:
        return None  # the heuristic quadrature spends ~50 s before giving up; certified takes 0.02 s
    top = 8 * want_bits + 64
    goal = _q_exact(ex.goal, top)
    values: list[Any] = []
    for bits in (want_bits, 2 * want_bits, 4 * want_bits, 8 * want_bits):
        with mp.workprec(bits + 50):
            flow = _scalar_flow(z, a, b, top)
            try:
                ball = heuristic_time(flow, goal, bits, ex.log2_goal)
            except ArithmeticError:
                return None
        with mp.workprec(top):  # to_mpf rounds to mp.prec
            values.append(mpmath.inf if not ball.is_finite() else to_mpf(ball))
            if len(values) >= 2 and _agree(values[-2], values[-1], want_bits - 4):
                return values[-1]
    raise ArithmeticError(
        "flow_time: the fast path's times at "
        + ", ".join(f"{want_bits << k} bits {mpmath.nstr(v, 20)}" for k, v in enumerate(values))
        + f" never agree to 2^-{want_bits - 4} at doubled precision; use certified=True"
    )


def _agree(p_value: Any, check: Any, bits: int) -> bool:
    """|p_value - check| <= 2^-bits |check|, both finite."""
    finite = mpmath.isfinite(p_value) and mpmath.isfinite(check)
    return bool(finite and abs(p_value - check) <= abs(check) * mpmath.ldexp(1, -bits))


def _q_exact(q: fmpq, bits: int) -> Any:
    """The rational q as an mpf: exact when q is dyadic (floats, ints, mpf), else rounded at
    ``bits`` bits beyond the bits of its numerator."""
    with mp.workprec(int(q.p).bit_length() + bits):
        return mpmath.mpf(int(q.p)) / int(q.q)


def _scalar_flow(
    z: list[tuple[fmpq, fmpq]], a: tuple[fmpq, fmpq], b: tuple[fmpq, fmpq], bits: int
) -> ScalarFlow:
    """ScalarFlow from the exact inputs: the moduli rho_i^2 exact, f0 and r0 at mp.prec."""
    zc = [mpmath.mpc(_q_exact(re, bits), _q_exact(im, bits)) for re, im in z]
    ac = mpmath.mpc(_q_exact(a[0], bits), _q_exact(a[1], bits))
    bc = mpmath.mpc(_q_exact(b[0], bits), _q_exact(b[1], bits))
    f0 = ac * mpmath.fprod(zc)
    return ScalarFlow([_exact_square_modulus(v) for v in zc], ac, bc, f0, bc - f0, tuple(zc))


#: The fast default runs its heuristic quadrature only for goals above about 2^FAST_LOG2_GOAL;
#: below (the pole of 1/R near R = 0) it returns the certified midpoint.
FAST_LOG2_GOAL = -10

#: Elementary operations of ``flow_time`` per d^2 limb (fitted: the root brackets and the
#: polynomial psi cost d^2 multiplications, the integrand d per evaluation, some 10^3 of them).
FLOW_COST_PER_D2 = 2000


def flow_cost(d: int, dps: int) -> float:
    """The cost model of ``flow_time``: FLOW_COST_PER_D2 d^2 (bits/64) elementary operations
    (measured: d = 1000, dps = 30 about 1 s; doubling d quadruples the time)."""
    limbs = (dps * 3.33 + 64) / 64
    return FLOW_COST_PER_D2 * d * d * limbs


def check_flow_cost(d: int, dps: int) -> None:
    """Refuse, before any work, a depth whose cost is over the shared budget
    (``theory.validation.budget.check_cost``; at dps = 30 about d <= 5000)."""
    from theory.validation.budget import check_cost

    check_cost("d", d, lambda v: flow_cost(v, dps), f"flow_time at dps = {dps} (d = len(z0))")


def _pairs(values: Sequence[Any], name: str) -> list[tuple[fmpq, fmpq]]:
    return [tuple(as_fmpq(p, name) for p in exact_parts(v, name)) for v in values]


def _log_q(q: fmpq) -> float:
    """log q for a positive rational of any size (math.log takes ints of any size)."""
    return math.log(int(q.p)) - math.log(int(q.q))


def _delta_1(ex: ExactFlow) -> fmpq | None:
    """A delta_1 near the maximizer of T6's bound (``best_log_delta_1``, float64 logs of the exact
    moduli), as a dyadic rational; None when |f0| >= (1 - goal)|b| (no bound: it is 0).
    ``lower_bound_ball`` proves P(delta_1) < (1 - goal)^2|b|^2/|a|^2, halving delta_1 if need be."""
    bound2 = (1 - ex.goal) ** 2 * ex.b2 / ex.a2
    if all(ex.rho2) and math.prod(ex.rho2, start=fmpq(1)) >= bound2:  # P(0) >= it, decided exactly
        return None
    target = _log_q(bound2)
    lr = np.array([_log_q(r) if r else -np.inf for r in ex.rho2])
    v1 = best_log_delta_1(lr, target)
    k = math.floor(v1 / math.log(2))
    return fmpq(2) ** k if k >= 0 else fmpq(1, 2**-k)


@checked(
    z0=complex_vector,
    a=nonzero_number,
    b=nonzero_number,
    theta=real(0, THETA_MAX, lo_open=True, hi_open=False),
)
def gd_steps_lower_bound(
    z0: Sequence[Any], a: Any, b: Any, eta: float, *, goal: float = 0.5, theta: float = THETA_MAX
) -> Any:
    """Steps of GD needed to reach |r| <= goal|b|: 2/(2 + theta) * lower_bound / eta.

    Valid for every run along which tau_k <= 1 and sigma_k <= theta (see module docstring);
    ``numerics.gd.simulate`` records both so the condition is checked, not assumed.
    """
    dps = max(15, math.ceil(-math.log10(goal))) if isinstance(goal, (int, float)) and 0 < goal < 1 else 15
    _, lb = flow_time(z0, a, b, goal=goal, dps=dps)
    return 2 / (2 + mpmath.mpf(theta)) * lb / eta


@checked(z0=reals(), a=real(), b=real())
def sign_mismatch(z0: Sequence[Any], a: Any, b: Any) -> bool:
    """Real frequency with sign(a prod z_i) != sign(b), which T9 once called a trap.

    The path of f then runs through 0; GF still converges unless the smallest modulus is
    shared by two or more layers (``exact_time``).
    """
    f0 = mpmath.mpf(a) * mpmath.fprod(mpmath.mpf(v) for v in z0)
    return bool(f0 * mpmath.mpf(b) < 0)
