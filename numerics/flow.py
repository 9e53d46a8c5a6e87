"""Exact gradient-flow time of a scalar deep linear network and its lower bounds (T6, T9).

Scalar network u = a prod_i z_i (complex a, z_i; target b), loss 1/2 |b - u|^2. Under
gradient flow (THEORY T3-T5) with rho_i^2 = |z_i(0)|^2 and f0 = a prod z_i(0), r0 = b - f0:

* f moves on the segment f(u) = f0 + u r0, u from 0 toward 1 (T5), r = (1 - u) r0;
* every |z_i|^2 grows by the same delta (T4), and prod_i (rho_i^2 + delta) = |f|^2/|a|^2;
* d delta/dt = 2 Re(r conj f) = 2 (1 - u) |r0|^2 (u - u_c) with u_c = -Re(f0 conj r0)/|r0|^2.

Since |f(u)|^2 = |f_c|^2 + |r0|^2 (u - u_c)^2, u is an explicit function of delta on each
side of the turning point u_c, and the hitting time of |r| <= goal |b| is

    T = int d delta / (2 (1 - u) |r0|^2 |u - u_c|),   |u - u_c| = sqrt(D(delta)),
    D(delta) = (|a|^2 P(delta) - |f_c|^2) / |r0|^2,   P(delta) = prod_i (rho_i^2 + delta),

which is THEORY T6's integral after the change of variable s = 1 - u -> delta (no root
finding inside the quadrature). D is formed from a reference point delta_ref as
D_ref + |f_ref|^2/|r0|^2 * expm1(sum_i log1p(e/(rho_i^2 + delta_ref))), e = delta - delta_ref,
so it keeps full relative precision; across the turning point the substitution
e = t^2 removes the 1/sqrt singularity. mpmath's tanh-sinh quadrature does the rest.

Lower bound (T6): d delta/dt <= 2 |r0| |a| P(delta)^{1/2}, so reaching delta_1 > 0 takes at
least delta_1 / (2 |r0| |a| P(delta_1)^{1/2}); at the goal |f| >= (1 - goal)|b|, so every
delta_1 with P(delta_1) < (1 - goal)^2 |b|^2/|a|^2 must be crossed. ``lower_bound`` takes
the best delta_1 on a log grid, refined by a bounded 1-D search (any delta_1 in range
gives a valid bound, so an imperfect search only loosens it).

Discrete GD (docs/derivations.md, "T9 for gradient descent"): if along the run
tau_k = eta |f_k|^2 S_k <= 1 and sigma_k = eta |r_k||f_k| S_k <= theta <= 0.85
(S = sum_i 1/|z_i|^2), then the number of steps is at least 2/(2 + theta) * lower_bound / eta.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
from mpmath import mp

from numerics.validation import as_complex_vector, check_dps

#: sigma <= THETA_MAX makes the residual non-increasing under GD (docs/derivations.md).
THETA_MAX = 0.85


@dataclass(frozen=True)
class ScalarFlow:
    """The phase-free data of one scalar network: moduli, initial output and residual."""

    rho2: list[Any]
    a: Any
    b: Any
    f0: Any
    r0: Any

    @classmethod
    def from_weights(cls, z0: Sequence[Any], a: Any, b: Any) -> ScalarFlow:
        z = as_complex_vector(z0, "z0")
        a, b = mpmath.mpc(a), mpmath.mpc(b)
        if a == 0:
            raise ValueError("a must be nonzero (the input's Fourier coefficient)")
        if b == 0 or not mpmath.isfinite(b) or not mpmath.isfinite(a):
            raise ValueError("b must be a finite nonzero target (the goal is relative to |b|)")
        f0 = a * mpmath.fprod(z)
        return cls([abs(v) ** 2 for v in z], a, b, f0, b - f0)

    def log_product(self, delta: Any) -> Any:
        """log P(delta) = sum_i log(rho_i^2 + delta)."""
        return mpmath.log(mpmath.fprod(r + delta for r in self.rho2))

    def solve_delta(self, log_target: Any) -> Any:
        """The unique delta > -min rho^2 with log P(delta) = log_target (Newton, float seed)."""
        rho = np.array([float(r) for r in self.rho2])
        lo = -float(min(self.rho2))
        target = float(log_target)
        g = lambda t: float(np.sum(np.log(rho + t))) - target  # noqa: E731
        hi = max(1.0, abs(lo))
        while g(hi) < 0:
            hi *= 2
        left, t = lo, hi  # g(left) = -inf < 0 < g(hi): safeguarded Newton in float64 for a seed
        for _ in range(200):
            new = t - g(t) / float(np.sum(1 / (rho + t)))
            if not left < new < hi:
                new = (left + hi) / 2
            if g(new) > 0:
                hi = new
            else:
                left = new
            if abs(new - t) <= 1e-15 * max(1.0, abs(new)):
                t = new
                break
            t = new
        delta = mpmath.mpf(t)
        floor = -min(self.rho2)
        for _ in range(60):  # Newton in mpmath to the working precision
            if delta <= floor:
                delta = (floor + mpmath.mpf(t)) / 2
            step = (self.log_product(delta) - log_target) / mpmath.fsum(1 / (r + delta) for r in self.rho2)
            delta -= step
            if abs(step) <= mpmath.eps * 8 * max(abs(delta), abs(floor), mpmath.eps):
                break
        return delta


def _weights(flow: ScalarFlow, ref: Any, fast: bool) -> tuple[Any, Any]:
    """w_i = 1/(rho_i^2 + ref) and their sum; a float64 array in ``fast`` mode."""
    w = [1 / (r + ref) for r in flow.rho2]
    w_sum = mpmath.fsum(w)
    return (np.array([float(v) for v in w]) if fast else w), w_sum


def _increment(w: Any, w_sum: Any, e: Any) -> Any:
    """expm1(sum_i log1p(e w_i)) = P(ref + e)/P(ref) - 1 with w_i = 1/(rho_i^2 + ref).

    The product form loses at most two digits (to the guard digits) when |e| sum w >= 0.01;
    below that the log1p form keeps full relative precision.
    """
    if isinstance(w, np.ndarray):  # fast mode: float64, about 12 correct digits
        return mpmath.mpf(float(np.expm1(np.sum(np.log1p(float(e) * w)))))
    if abs(e) * w_sum >= 0.01:
        return mpmath.fprod(1 + e * wi for wi in w) - 1
    return mpmath.expm1(mpmath.fsum(mpmath.log1p(e * wi) for wi in w))


def _break_points(start: Any, end: Any, scale: Any) -> list[Any]:
    """Sorted quadrature points on the interval between start and end: both ends plus
    start +- 10^k/scale (k = 0, 1, ...) toward end, where the integrand changes scale."""
    pts, step = [start, end], 1 / abs(scale)
    direction = 1 if end > start else -1
    while step < abs(end - start):
        pts.append(start + direction * step)
        step *= 10
    return sorted(pts)


def _time_from_start(flow: ScalarFlow, delta_end: Any, side: int, u_c: Any, fast: bool) -> Any:
    """int d delta / (2 (1-u) |r0|^2 sqrt(D)) between delta = 0 and delta_end, for a path that
    does not pass its turning point: D = u_c^2 + |f0|^2/|r0|^2 (P(delta)/P(0) - 1)."""
    r0sq = abs(flow.r0) ** 2
    coef = abs(flow.f0) ** 2 / r0sq
    w, w_sum = _weights(flow, mpmath.mpf(0), fast)

    def integrand(e: Any) -> Any:
        dd = u_c**2 + coef * _increment(w, w_sum, e)
        u = u_c + side * mpmath.sqrt(dd)
        return 1 / (2 * (1 - u) * r0sq * mpmath.sqrt(dd))

    return mpmath.quad(integrand, _break_points(mpmath.mpf(0), delta_end, w_sum))


def _time_across_turn(flow: ScalarFlow, delta_c: Any, e_hi: Any, side: int, u_c: Any, fast: bool) -> Any:
    """The same integral from the turning point (D = 0) with e = t^2, which is smooth in t."""
    r0sq = abs(flow.r0) ** 2
    coef = abs(flow.a) ** 2 * mpmath.exp(flow.log_product(delta_c)) / r0sq
    w, w_sum = _weights(flow, delta_c, fast)

    def integrand(t: Any) -> Any:
        if t == 0:  # the limit t -> 0 of 2t / sqrt(coef * expm1(...)) is 2 / sqrt(coef w_sum)
            return 2 / (2 * (1 - u_c) * r0sq * mpmath.sqrt(coef * w_sum))
        dd = coef * _increment(w, w_sum, t * t)
        u = u_c + side * mpmath.sqrt(dd)
        return 2 * t / (2 * (1 - u) * r0sq * mpmath.sqrt(dd))

    scale = mpmath.sqrt(w_sum)
    return mpmath.quad(integrand, _break_points(mpmath.mpf(0), mpmath.sqrt(e_hi), scale))


def _time_through_zero(flow: ScalarFlow, u_c: Any, delta_end: Any, fast: bool) -> Any:
    """The path runs through f = 0 (f0 and r0 collinear, e.g. a real frequency whose sign is
    wrong): the smallest layer alone passes through 0 while the others keep
    rho_j^2 - rho_min^2 > 0, so P(delta) = e prod_{j != min}(rho_j^2 - rho_min^2 + e) with
    e = delta + rho_min^2 vanishes only linearly and the time stays finite.

    With e = t^2 and D = K t^2 prod_j (1 + t^2 w_j), K = |a|^2 prod_j (rho_j^2 - rho_min^2)/|r0|^2,
    the integrand 2t / (2 (1 - u) |r0|^2 sqrt(D)) is smooth in t.
    """
    order = sorted(range(len(flow.rho2)), key=lambda i: flow.rho2[i])
    delta_c = -flow.rho2[order[0]]
    others = [flow.rho2[i] + delta_c for i in order[1:]]
    r0sq = abs(flow.r0) ** 2
    k = abs(flow.a) ** 2 * mpmath.fprod(others) / r0sq
    w = [1 / v for v in others]
    w_fast = np.array([float(v) for v in w]) if fast else None

    def piece(e_hi: Any, side: int) -> Any:
        def integrand(t: Any) -> Any:
            e = t * t
            if w_fast is not None:
                prod = mpmath.mpf(float(np.prod(1 + float(e) * w_fast)))
            else:
                prod = mpmath.fprod(1 + e * wi for wi in w)
            u = u_c + side * t * mpmath.sqrt(k * prod)
            return 1 / ((1 - u) * r0sq * mpmath.sqrt(k * prod))

        return mpmath.quad(
            integrand,
            _break_points(mpmath.mpf(0), mpmath.sqrt(e_hi), mpmath.sqrt(mpmath.fsum(w) + 1)),
        )

    return piece(-delta_c, -1) + piece(delta_end - delta_c, +1)


def exact_time(flow: ScalarFlow, goal: Any, fast: bool = False) -> Any:
    """Gradient-flow time until |r| <= goal |b| (mpf).

    ``inf`` when GF cannot get there: f0 = 0, or the path runs through f = 0 while two or
    more layers share the smallest modulus (they reach 0 together and GF stalls). A path
    through 0 with a unique smallest layer takes finite time: THEORY T9's "sign trap"
    holds only on that measure-zero set (see docs/derivations.md).

    ``fast`` evaluates the product inside the integrand in float64 (about 12 correct
    digits, for Monte Carlo over many draws); otherwise everything runs at the working
    precision.
    """
    r0_abs = abs(flow.r0)
    if r0_abs <= goal * abs(flow.b):
        return mpmath.mpf(0)  # already within the goal (includes r0 = 0)
    s_end = goal * abs(flow.b) / r0_abs
    if flow.f0 == 0:
        return mpmath.inf  # every layer's gradient vanishes: GF never moves
    u_end = 1 - s_end
    r0sq = r0_abs**2
    u_c = -(flow.f0 * mpmath.conj(flow.r0)).real / r0sq
    f_end = flow.f0 + u_end * flow.r0
    log_a2 = 2 * mpmath.log(abs(flow.a))
    delta_end = flow.solve_delta(2 * mpmath.log(abs(f_end)) - log_a2)
    if 0 < u_c < u_end:  # the path passes its closest point to 0: two monotone pieces
        if (flow.f0 * mpmath.conj(flow.r0)).imag == 0:  # collinear: the path runs through 0
            smallest = sorted(flow.rho2)[:2]
            if len(smallest) == 2 and smallest[0] == smallest[1]:
                return mpmath.inf  # two layers reach 0 together: GF stalls at f = 0
            return _time_through_zero(flow, u_c, delta_end, fast)
        f_c = flow.f0 + u_c * flow.r0
        delta_c = flow.solve_delta(2 * mpmath.log(abs(f_c)) - log_a2)
        return _time_across_turn(flow, delta_c, -delta_c, -1, u_c, fast) + _time_across_turn(
            flow, delta_c, delta_end - delta_c, +1, u_c, fast
        )
    side = 1 if u_c <= 0 else -1
    return _time_from_start(flow, delta_end, side, u_c, fast)


def lower_bound(flow: ScalarFlow, goal: Any, grid: int = 200) -> tuple[Any, Any]:
    """(bound, delta_1): the largest T6 bound delta_1/(2|r0||a|P(delta_1)^{1/2}) found.

    Zero when |f0| is already at least (1 - goal)|b| (nothing forces delta to grow).
    """
    log_star = 2 * mpmath.log((1 - goal) * abs(flow.b) / abs(flow.a))
    if flow.log_product(0) >= log_star:
        return mpmath.mpf(0), mpmath.mpf(0)
    delta_star = flow.solve_delta(log_star)
    from scipy.optimize import minimize_scalar

    rho = np.array([float(r) for r in flow.rho2])
    log_star = math.log(float(delta_star))

    def neg_score(log_d1: float) -> float:  # -log(delta_1 / P(delta_1)^{1/2})
        return -(log_d1 - 0.5 * float(np.sum(np.log(rho + math.exp(log_d1)))))

    grid_pts = log_star + np.linspace(-12 * math.log(10), 0, grid, endpoint=False)
    k = int(np.argmin([neg_score(t) for t in grid_pts]))
    lo, hi = grid_pts[max(k - 1, 0)], grid_pts[min(k + 1, grid - 1)] if k + 1 < grid else log_star
    best = minimize_scalar(neg_score, bounds=(lo, hi), method="bounded", options={"xatol": 1e-10})
    log_d1 = min(best.x, log_star) if best.fun < neg_score(grid_pts[k]) else grid_pts[k]
    d1 = mpmath.mpf(math.exp(log_d1))
    return d1 / (2 * abs(flow.r0) * abs(flow.a) * mpmath.exp(flow.log_product(d1) / 2)), d1


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


def _check_goal(goal: Any) -> Any:
    if not isinstance(goal, (int, float)) or isinstance(goal, bool) or not 0 < goal < 1:
        raise ValueError(f"goal must be a number in (0, 1), got {goal!r}")
    return mpmath.mpf(goal)


def flow_time(z0: Sequence[Any], a: Any, b: Any, *, goal: float = 0.5, dps: int = 30) -> tuple[Any, Any]:
    """Exact GF time until |b - u| <= goal |b| for u = a prod z_i from z0, and the T6 lower bound.

    Returns ``(time, lower_bound)`` as mpmath numbers at ``dps`` digits; ``time`` is ``inf``
    only when GF stalls at f = 0 (see ``exact_time``). Handles any depth; times like 1e40
    are computed, not simulated.

    >>> t, lb = flow_time([0.5 + 0.5j] * 40, 1, 1)
    >>> mpmath.nstr(t, 8), bool(lb <= t)
    ('13797.251', True)
    """
    from numerics.validation import flow_time_arguments

    z0, a, b, goal, dps = flow_time_arguments(**locals())
    dps = check_dps(dps)
    goal = _check_goal(goal)
    with mp.workdps(dps + 15):
        flow = ScalarFlow.from_weights(z0, a, b)
        t = exact_time(flow, goal)
        lb, _ = lower_bound(flow, goal)
    with mp.workdps(dps):
        return +t, +lb


def gd_steps_lower_bound(
    z0: Sequence[Any], a: Any, b: Any, eta: float, *, goal: float = 0.5, theta: float = THETA_MAX
) -> Any:
    """Steps of GD needed to reach |r| <= goal|b|: 2/(2 + theta) * lower_bound / eta.

    Valid for every run along which tau_k <= 1 and sigma_k <= theta (see module docstring);
    ``numerics.simulate`` records both so the condition is checked, not assumed.
    """
    if not 0 < theta <= THETA_MAX:
        raise ValueError(f"theta must be in (0, {THETA_MAX}], got {theta!r}")
    _, lb = flow_time(z0, a, b, goal=goal, dps=15)
    return 2 / (2 + mpmath.mpf(theta)) * lb / eta


def sign_mismatch(z0: Sequence[Any], a: Any, b: Any) -> bool:
    """Real frequency with sign(a prod z_i) != sign(b), which THEORY T9 calls a trap.

    The path of f then runs through 0; GF still converges unless the smallest modulus is
    shared by two or more layers (``exact_time``).
    """
    f0 = mpmath.mpf(a) * mpmath.fprod(mpmath.mpf(v) for v in z0)
    return bool(f0 * mpmath.mpf(b) < 0)
