"""All-pass (orthogonal, delta) initialization of the one-channel network (beyond the paper, X3).

Every |ĉ_{i,w}| = 1: random phases at the complex frequencies (conjugate symmetric, so the
filters are real), random signs at the real frequencies w = 0 and n/2; the delta filter
c_i = e_0 (ĉ = 1) is the deterministic member. Then (docs/derivations.md, "X3"):

(a) |f̂_w| = |x̂_w| at every depth and ||grad_{c_i} L||^2 = (1/n) sum_w |r̂_w|^2 |x̂_w|^2;
(b) the moduli stay equal (T4, balanced) and f̂_w runs along T5's line with speed
    d |x̂_w|^(2/d) |f̂_w|^(2 - 2/d) |ŷ_w - f̂_w|: with f̂ = ŷ + s (f̂_0 - ŷ),

        T = int_{s_end}^1 ds / (s d |x̂_w|^(2/d) |f̂(s)|^(2 - 2/d)),  s_end = goal |ŷ_w| / |f̂_0 - ŷ_w|

    (``balanced_time_complex``; it falls like 1/d, d T -> int ds/(s |f̂(s)|^2));
(c) at a real frequency whose sign is wrong the tied layers shrink together and never
    cross 0: the loss keeps the floor ``stall_floor``.

>>> f = allpass_filters(8, 3, trials=2, seed=0)
>>> f.shape, bool(np.allclose(np.abs(np.fft.fft(f, axis=-1)), 1.0))
((2, 3, 8), True)
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import lru_cache
from typing import Any

import mpmath
import numpy as np

from theory.validation import (
    checked,
    flag,
    integer,
    nonzero_number,
    number,
    optional,
    real_array,
    same_length,
    vector,
)

#: relative spread of the real-frequency moduli |ĉ_{i,w}| below which they count as tied
#: (an FFT-built all-pass filter is tied to ~1e-16; a Gaussian start is off by O(1)).
TIE_RTOL = 1e-9


@checked(seed=optional(integer(0)), delta=flag)
def allpass_filters(
    n: int, d: int, *, trials: int = 1, seed: int | None = None, delta: bool = False
) -> np.ndarray:
    """Real filters of shape (trials, d, n) with every |ĉ_{i,w}| = 1 (to rounding).

    Phases iid uniform at 0 < w < n/2 (the conjugate w' = n - w gets the conjugate phase),
    signs iid +-1 at w = 0 and w = n/2 (n even); ``delta=True`` gives c_i = e_0 exactly.
    Same seed, same filters. Refuses more than 2^26 taps before allocating.
    """
    if trials * d * n > 2**26:
        raise ValueError(f"trials * d * n must be <= {2**26}, got {trials * d * n}")
    if delta:
        out = np.zeros((trials, d, n))
        out[..., 0] = 1.0
        return out
    rng = np.random.default_rng(seed)
    F = n // 2 + 1
    spec = np.exp(2j * np.pi * rng.random((trials, d, F)))
    spec[..., 0] = rng.choice([-1.0, 1.0], size=(trials, d))
    if n % 2 == 0:
        spec[..., -1] = rng.choice([-1.0, 1.0], size=(trials, d))
    return np.fft.irfft(spec, n=n, axis=-1)


# ------------------------------------------------------------------------ the floor
def _exact_real_dfts(v: np.ndarray) -> tuple[Fraction, Fraction | None]:
    """(sum_t v_t, sum_t (-1)^t v_t) exactly (rationals from the floats); None if n is odd."""
    vals = [Fraction(float(t)) for t in v]
    s0 = sum(vals, Fraction(0))
    if len(vals) % 2:
        return s0, None
    return s0, sum((t if j % 2 == 0 else -t for j, t in enumerate(vals)), Fraction(0))


def _dyadic(v: np.ndarray) -> list[int]:
    """Integers N_t with v_t = N_t 2^-e for one common e >= 0 (floats are dyadic rationals):
    exact, so a DFT value is 0 iff the same DFT of the N_t is 0."""
    fr = [Fraction(float(t)) for t in v]
    den = max((f.denominator for f in fr), default=1)  # a power of 2: every other one divides it
    return [int(f * den) for f in fr]


@lru_cache(maxsize=256)
def _cyclotomic(m: int) -> tuple[int, ...]:
    """The coefficients of the m-th cyclotomic polynomial Φ_m, lowest degree first."""
    from sympy import Poly, cyclotomic_poly, symbols

    return tuple(int(c) for c in reversed(Poly(cyclotomic_poly(m, symbols("z")), symbols("z")).all_coeffs()))


def _orbit_residue(v: list[int], m: int) -> list[int]:
    """P_v(z) = sum_t v_t z^t modulo Φ_m (folded mod z^m - 1 first): coefficients, length φ(m).
    With ζ a primitive m-th root of unity, v̂_w = P_v(ζ^w) for every w of order m (n/gcd(w, n)
    = m) up to the Galois action, so v̂ vanishes on the whole orbit iff this residue is 0."""
    fold = [0] * m
    for t, c in enumerate(v):
        fold[t % m] += c
    phi = _cyclotomic(m)
    deg = len(phi) - 1
    terms = [(j, c) for j, c in enumerate(phi[:-1]) if c]
    for k in range(m - 1, deg - 1, -1):  # Φ_m is monic
        c = fold[k]
        if c:
            for j, p in terms:
                fold[k - deg + j] -= c * p
            fold[k] = 0
    return fold[:deg]


def _orbit_energy(r: list[int], m: int) -> int:
    """sum over the primitive m-th roots ζ of |R(ζ)|^2 = sum_{j,k} r_j r_k c_m(j - k), with the
    Ramanujan sum c_m(t) = μ(m/g) φ(m)/φ(m/g), g = gcd(t, m): an exact integer."""
    from sympy import mobius, totient

    phi_m = int(totient(m))
    ram = {}
    total = 0
    for j, a in enumerate(r):
        if not a:
            continue
        for k, b in enumerate(r):
            if b:
                t = abs(j - k)
                if t not in ram:
                    q = m // math.gcd(t, m)
                    ram[t] = int(mobius(q)) * phi_m // int(totient(q))
                total += a * b * ram[t]
    return total


def _divisors(n: int) -> list[int]:
    return [m for m in range(1, n + 1) if n % m == 0]


@checked(x=vector, y=vector)
def stall_floor(x: Any, y: Any, filters: Any) -> Any:
    """The loss floor (1/(2n)) sum_{w stuck} |ŷ_w|^2 of GF (and of GD whose steps flip no layer)
    from the start ``filters``, over every frequency w = 0..n-1 where f̂_w can never reach ŷ_w.

    Derivation (T2: the frequencies decouple; T4: |ĉ_{i,w}|^2 - |ĉ_{j,w}|^2 is constant;
    the gradient of layer i at w is r̂_w conj(x̂_w prod_{j != i} ĉ_{j,w})). A frequency is stuck iff

    * x̂_w = 0 (any d, any w): f̂_w = 0 and every layer's gradient at w is 0 forever; the
      floor keeps |ŷ_w|^2 (x = 0 gives the whole ½||y||^2);
    * d >= 2 and at least two layers have ĉ_{i,w} = 0: every layer's gradient has a zero factor,
      so the state at w never moves (one zero layer alone is pushed off 0 and is not stuck);
    * d >= 2, w real (0 or n/2) with the moduli tied (X3(c)) and nonzero, and x̂_w prod_i ĉ_{i,w}
      of the sign opposite to ŷ_w: by T4 the moduli stay tied, the product can change sign only
      through 0, where the gradient vanishes (d >= 2), so f̂_w shrinks to 0 and never crosses.

    Not stuck: at d = 1 the loss is a convex quadratic in c_1 and f̂_w = x̂_w ĉ_{1,w} runs straight
    to ŷ_w whenever x̂_w != 0 (a crossing of 0 at d = 1 is no floor); the complex frequencies with
    x̂_w != 0 and at most one zero layer are assumed to converge (their T5 segment misses 0).
    Tied real-frequency moduli are required at d >= 2 where no zero decides (relative spread <=
    TIE_RTOL; otherwise GF crosses 0 and there is no floor: ValueError).

    Exact: the data are dyadic rationals; x̂ or ĉ_i vanishes at w iff the cyclotomic polynomial
    Φ_m (m = n/gcd(w, n), the order of the root e^{-2πiw/n}) divides its polynomial sum_t v_t z^t,
    which decides a whole orbit of frequencies at once, and sum_{w in the orbit} |ŷ_w|^2 is an
    integer Ramanujan-sum trace of the residue: the floor is a rational, returned as an mpf at the
    current mp.dps (numerator converted, then divided: at most two roundings). ``filters``: (d, n)
    or (1, d, n). Cost about (d + 2) n^2 integer operations, refused before work beyond the
    validation layer's budget.

    >>> x = np.array([1.0, 0.0, 0.0, 0.0]); y = np.array([-1.0, -1.0, -1.0, -1.0])
    >>> stall_floor(x, y, allpass_filters(4, 3, delta=True))  # ŷ_0 = -4, x̂_0 = 1: 16/8
    mpf('2.0')
    >>> stall_floor(x, y, [[-1.0, 0, 0, 0]])  # d = 1: GD crosses 0, no floor
    mpf('0.0')
    >>> stall_floor(np.zeros(4), [1.0, 2, 3, 4], allpass_filters(4, 3, delta=True))  # ½||y||^2
    mpf('15.0')
    """
    from theory.validation import PYTHON_STEP, check_cost

    c = real_array(filters, "filters", (2, 3), "(d, n) or (1, d, n)")
    if c.ndim == 3 and c.shape[0] == 1:
        c = c[0]
    if c.ndim != 2:
        raise ValueError(f"filters must have shape (d, n) or (1, d, n), got shape {c.shape}")
    d, n = c.shape
    if n < 2 or d < 1:
        raise ValueError(f"filters must have n >= 2 and d >= 1, got shape {c.shape}")
    same_length(n, x=x, y=y)
    check_cost("n", n, lambda k: (d + 2) * k * k * PYTHON_STEP, f"stall_floor at depth d = {d}", lo=2)
    layers = [_dyadic(row) for row in c]
    xs, ys = _dyadic(x), _dyadic(y)
    y_den = max((Fraction(float(t)).denominator for t in y), default=1)
    layer_dfts = [_exact_real_dfts(row) for row in c]
    x_dft, y_dft = _exact_real_dfts(x), _exact_real_dfts(y)
    total = Fraction(0)
    for m in _divisors(n):
        y_res = _orbit_residue(ys, m)
        if not any(y_res):
            continue  # ŷ = 0 on the orbit: nothing to lose there
        x_zero = not any(_orbit_residue(xs, m))
        zeros = sum(not any(_orbit_residue(v, m)) for v in layers)
        stuck = x_zero or (d >= 2 and zeros >= 2)
        if not stuck and m <= 2 and d >= 2:  # a real frequency: w = 0 (m = 1) or n/2 (m = 2)
            w = m - 1
            moduli = [abs(float(ld[w])) for ld in layer_dfts]
            top = max(moduli)
            if (top - min(moduli)) > TIE_RTOL * top:
                where = "w = 0" if w == 0 else "w = n/2"
                raise ValueError(
                    f"filters: the moduli |ĉ_i,w| at {where} are not tied across layers "
                    f"(min {min(moduli):.6g}, max {top:.6g}): GF crosses 0 there and there is no stall floor"
                )
            product = x_dft[w]
            for ld in layer_dfts:
                product *= ld[w]
            stuck = product * y_dft[w] < 0
        if stuck:
            total += Fraction(_orbit_energy(y_res, m), y_den * y_den)
    return mpmath.mpf(total.numerator) / (2 * n * total.denominator) if total else mpmath.mpf(0)


# --------------------------------------------------------------- the balanced time
@checked(x_hat=nonzero_number, y_hat=nonzero_number, f0=number)
def balanced_time_complex(x_hat: Any, y_hat: Any, f0: Any, d: int, goal: Any = 0.5) -> Any:
    """GF time of one frequency from a balanced start (all |ĉ_{i,w}| equal) until
    |ŷ - f̂| <= goal |ŷ| (X3(b)): the closed-form speed integrated along T5's segment,

        T = int_{s_end}^1 ds / (s d |x̂|^(2/d) Q(s)^(1 - 1/d)),  Q(s) = |ŷ + s (f̂_0 - ŷ)|^2,

    by tanh-sinh quadrature at the current mp.dps, split where Q is smallest (the point of the
    segment nearest 0). The segment must miss 0 (ValueError otherwise: the flow stalls there).
    No root finding and no layer moduli: an independent route to ``numerics.flow_time``.
    """
    a, b, f0 = mpmath.mpc(x_hat), mpmath.mpc(y_hat), mpmath.mpc(f0)  # d >= 1, 0 < goal < 1 (checked)
    goal = mpmath.mpf(goal)
    D = f0 - b
    if abs(D) <= goal * abs(b):
        return mpmath.mpf(0)
    cross = mpmath.im(mpmath.conj(b) * D)
    if cross == 0 and mpmath.re(mpmath.conj(b) * D) < 0 and abs(D) >= abs(b):
        raise ValueError("the segment from f̂_0 to ŷ passes through 0: the balanced flow stalls (X3(c))")
    s_end = goal * abs(b) / abs(D)
    A = abs(D) ** 2
    alpha = 1 - mpmath.mpf(1) / d
    scale = d * abs(a) ** (mpmath.mpf(2) / d)

    def integrand(s: Any) -> Any:
        return 1 / (s * scale * abs(b + s * D) ** (2 * alpha))

    s_star = -mpmath.re(mpmath.conj(b) * D) / A  # where |f̂(s)| is smallest
    points = [s_end, s_star, 1] if s_end < s_star < 1 else [s_end, 1]
    return mpmath.quad(integrand, points)


def depth_free_limit(x_hat: Any, y_hat: Any, f0: Any, goal: Any = 0.5) -> Any:
    """lim_{d -> inf} d T_d = int_{s_end}^1 ds / (s Q(s)) for a fixed start f̂_0 (e.g. delta)."""
    b, f0, goal = mpmath.mpc(y_hat), mpmath.mpc(f0), mpmath.mpf(goal)
    D = f0 - b
    s_end = goal * abs(b) / abs(D)
    A = abs(D) ** 2
    s_star = -mpmath.re(mpmath.conj(b) * D) / A
    points = [s_end, s_star, 1] if s_end < s_star < 1 else [s_end, 1]
    return mpmath.quad(lambda s: 1 / (s * abs(b + s * D) ** 2), points)


def stability_limit(y: Any) -> float:
    """2 / max_w |ŷ_w|^2: X3(b)'s bound on eta0 for GD with eta = eta0/d at large d."""
    return 2.0 / float(np.max(np.abs(np.fft.fft(np.asarray(y, float))) ** 2))


def layers_flip(x: Any, y: Any, filters: Any, eta: float) -> bool:
    """True if one GD step at ``eta`` flips the sign of the tied layers at a wrong-signed real
    frequency: 1 + eta q_w / rho^2 < 0 with q_w = r̂_w f̂_w (T3). Along the stall rho shrinks and
    |q_w|/rho^2 = |r̂_w| |x̂_w| rho^(d-2) with |r̂_w| falling, so the first step is the worst (d >= 2)."""
    c = np.fft.fft(np.asarray(filters, float).reshape(-1, len(x)), axis=-1)
    xh, yh = np.fft.fft(np.asarray(x, float)), np.fft.fft(np.asarray(y, float))
    n = len(xh)
    for w in [0] + ([n // 2] if n % 2 == 0 else []):
        f = xh[w] * np.prod(c[:, w])
        q = ((yh[w] - f) * np.conj(f)).real
        if np.any(1 + eta * q / np.abs(c[:, w]) ** 2 < 0):
            return True
    return False
