"""Gradient norms at any depth, exactly to a requested number of digits (arb balls).

Work in the Fourier domain (T2): with ĉ_{j,w} the DFT of filter j,

    ||grad_{c_i} L||^2 = (1/n) sum_w |ê_w|^2 |x̂_w|^2 prod_{j != i} |ĉ_{j,w}|^2,

where ê = r̂ = ŷ - x̂ prod_j ĉ_j for the plain loss (T1) and ê = ĥ for the CN loss with
gain 1 and bias 0 (C4). ``grad_norms`` forms everything in arb ball arithmetic
(python-flint, C speed): the DFTs as one arb matrix product, f̂ in polar form (|x̂| prod |ĉ|
and arg x̂ + sum arg ĉ; a rectangular product of d complex balls would inflate its radius by
up to sqrt(2) per factor), and the products "all but i" from prefix and suffix products (no
division, exact when a factor is 0). The exponent is unbounded, so nothing underflows: at
d = 3000 the norms are near 1e-345. Every ball has a radius below 10^-dps relative (the
precision doubles until it is); ``certified=True`` returns the balls themselves (they contain
the exact norms of the inputs: floats and mpf as their binary values, decimal strings
enclosed by arb's parser), ``certified=False`` their midpoints (correct to dps digits).
d = 10^4, n = 16, 30 digits: about 4 s (``python -m numerics.bench.flow``).

The mpmath helpers below (``spectrum``, ``output_error_spectrum``) serve the Monte Carlo of
``numerics.mc.rates``; ``precision_guard`` recomputes at 2 dps and counts the digits that agree.

>>> from numerics.hp.precise import grad_norms
>>> grad_norms([[1, 2], [0.5, -1]], [1, 0], [0, 1], dps=20)[0]  # sqrt(0.25^2 + 1^2)
mpf('1.0307764064044151')
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import mpmath
from flint import acb, arb, arb_mat, fmpq
from mpmath import mp

from numerics.hp.flow import arb_precision, to_mpf
from theory.validation import checked, function, mp_number
from theory.validation.exact import Constant, exact_real, exact_table, real_ball


def guard_digits(d: int, n: int) -> int:
    return 10 + int(math.log10(d * n)) + 1


def spectrum(values: Sequence[Any], cos_table, sin_table) -> list[Any]:
    """DFT â_w = sum_j a_j exp(-2 pi i j w / n) at the current precision, w = 0..n-1."""
    a = [mpmath.mpf(v) for v in values]
    return [mpmath.mpc(mpmath.fdot(a, cw), -mpmath.fdot(a, sw)) for cw, sw in zip(cos_table, sin_table)]


def twiddles(n: int) -> tuple[list[list[Any]], list[list[Any]]]:
    cos_t = [[mpmath.cospi(mpmath.mpf(2 * j * w) / n) for j in range(n)] for w in range(n)]
    sin_t = [[mpmath.sinpi(mpmath.mpf(2 * j * w) / n) for j in range(n)] for w in range(n)]
    return cos_t, sin_t


def output_error_spectrum(f_hat: list[Any], y_hat: list[Any], normalized: bool) -> list[Any]:
    """ê_w: the DFT of dL/df, -r̂ (plain, sign irrelevant for norms) or ĥ (CN, gain 1).

    CN (C4): s^2 = (1/n) sum_{w != 0} |f̂_w|^2, û^T y = (1/n) sum_{w != 0} Re(f̂_w conj ŷ_w)/s,
    ĥ_w = -(sqrt(n)/s) (ŷ_w - (û^T y) f̂_w / s) for w != 0 and ĥ_0 = 0.
    """
    n = len(f_hat)
    if not normalized:
        return [yw - fw for yw, fw in zip(y_hat, f_hat)]
    s2 = mpmath.fsum(abs(fw) ** 2 for fw in f_hat[1:]) / n
    if s2 == 0:
        raise ValueError("filters give a constant network output (P z = 0): the CN loss is undefined")
    s = mpmath.sqrt(s2)
    proj = mpmath.fsum((fw * mpmath.conj(yw)).real for fw, yw in zip(f_hat[1:], y_hat[1:])) / (n * s)
    scale = -mpmath.sqrt(n) / s
    return [mpmath.mpc(0)] + [scale * (yw - proj * fw / s) for fw, yw in zip(f_hat[1:], y_hat[1:])]


def _arb_spectra(rows: list[list[Any]], n: int) -> list[list[acb]]:
    """DFTs of the rows as acb balls: one arb matrix product per real and imaginary part."""
    cos_t = arb_mat([[arb.cos_pi(arb(2 * j * w) / n) for w in range(n)] for j in range(n)])
    sin_t = arb_mat([[-arb.sin_pi(arb(2 * j * w) / n) for w in range(n)] for j in range(n)])
    data = arb_mat([[exact_arb(v) for v in row] for row in rows])
    re, im = data * cos_t, data * sin_t
    return [[acb(re[i, w], im[i, w]) for w in range(n)] for i in range(len(rows))]


def exact_arb(v: Any) -> arb:
    """A ball containing the exact value of v at the current precision
    (``theory.validation.exact``): ints, floats, NumPy floats of every width, mpf at its own
    precision, Fractions, Decimals and decimal strings as the rationals they hold (exact when
    they fit, else rounded outward), mpmath constants as Arb's ball at this precision."""
    if type(v) is float or type(v) is int:
        return arb(v)
    return real_ball(v if isinstance(v, (fmpq, Constant)) else exact_real(v, "value"))


#: Sentinel phase of a DFT value whose ball contains 0 without being 0: its phase is unknown,
#: and only its modulus bound enters the product.
_UNKNOWN = None


def _phase(z: acb) -> arb | None:
    """arg z as a ball, computed where z's ball stays off the branch cut: z is turned by a
    multiple k of pi/2 so that its real part is the largest, arg = arg(turned) + k pi/2 (a real
    negative value has phase pi, not a ball straddling the cut). 0 for an exact 0 (its factor
    zeroes the product); ``_UNKNOWN`` for a ball that contains 0."""
    if z.is_zero():
        return arb(0)
    if z.real.contains(0) and z.imag.contains(0):
        return _UNKNOWN
    re, im = z.real.mid(), z.imag.mid()
    k = 0 if abs(re) >= abs(im) and re > 0 else 2 if abs(re) >= abs(im) else 1 if im > 0 else 3
    turned = z * acb(0, -1) ** k
    return turned.arg() + arb.pi() * k / 2


def abs2(z: acb) -> arb:
    """|z|^2 = Re^2 + Im^2 by products (``arb ** 2`` is NaN on a ball that contains 0)."""
    return z.real * z.real + z.imag * z.imag


def nonneg_sqrt(x: arb) -> arb:
    """sqrt of a ball that encloses a value known to be >= 0: a ball reaching below 0 (a sum of
    squares that may be 0) is first cut to [0, upper]."""
    if x > 0 or x.is_zero():
        return x.sqrt()
    root = arb(x.upper()).sqrt().upper()
    return arb(root / 2, root / 2)  # [0, sqrt(upper)] (its radius rounded up)


def _polar(modulus2: arb, angle: arb | None) -> acb:
    """The complex number of squared modulus ``modulus2`` and phase ``angle``; with an unknown
    phase, the square [-M, M]^2 with M >= the modulus (it contains every phase)."""
    modulus = nonneg_sqrt(modulus2)
    if angle is _UNKNOWN:
        bound = arb(modulus.upper())
        return acb(arb(0, bound), arb(0, bound))
    return acb(modulus * angle.cos(), modulus * angle.sin())


def _error_spectrum_arb(f_hat: list[acb], y_hat: list[acb], normalized: bool) -> tuple[list[acb], list[arb]]:
    """``output_error_spectrum`` in ball arithmetic (same formulas), and for each frequency a
    bound on the size of the terms that make it (|y| + |f|, scaled alike for CN): the scale
    against which a value that cancels to 0 is enclosed."""
    n = len(f_hat)
    if not normalized:
        return [yw - fw for yw, fw in zip(y_hat, f_hat)], [abs(yw) + abs(fw) for yw, fw in zip(y_hat, f_hat)]
    s2 = sum((abs2(fw) for fw in f_hat[1:]), arb(0)) / n
    if s2.is_zero():
        raise ValueError("filters give a constant network output (P z = 0): the CN loss is undefined")
    if not s2 > 0:
        raise ArithmeticError("the CN output norm s is not yet certainly positive")
    s = s2.sqrt()
    proj = sum(((fw * yw.conjugate()).real for fw, yw in zip(f_hat[1:], y_hat[1:])), arb(0)) / (n * s)
    scale = -arb(n).sqrt() / s
    e_hat = [acb(0)] + [scale * (yw - proj * fw / s) for fw, yw in zip(f_hat[1:], y_hat[1:])]
    sizes = [arb(0)] + [
        abs(scale) * (abs(yw) + abs(proj) * abs(fw) / s) for fw, yw in zip(f_hat[1:], y_hat[1:])
    ]
    return e_hat, sizes


def _all_but_one(moduli: list[list[arb]], weights: list[arb], n: int) -> list[arb]:
    """((1/n) sum_w weights_w prod_{j != i} moduli[j][w])^(1/2) for every i, by prefix and suffix
    products (no division: exact when a factor is 0)."""
    d = len(moduli)
    prefix = [[arb(1)] * n]
    for j in range(d - 1):
        prefix.append([p * m for p, m in zip(prefix[-1], moduli[j])])
    out: list[arb] = [arb(0)] * d
    suffix = weights
    for i in range(d - 1, -1, -1):
        out[i] = nonneg_sqrt(sum((p * s for p, s in zip(prefix[i], suffix)), arb(0)) / n)
        suffix = [s * m for s, m in zip(suffix, moduli[i])]
    return out


def _grad_norm_balls(
    rows: list[list[Any]], xs: list[Any], ys: list[Any], normalized: bool
) -> tuple[list[arb], list[arb]]:
    """||grad_{c_i} L|| as arb balls at the current arb precision, and the same sums with every
    term replaced by a bound on its size (the scale of an enclosure of 0)."""
    n, d = len(rows[0]), len(rows)
    spec = _arb_spectra(rows + [xs, ys], n)
    c_hat, x_hat, y_hat = spec[:d], spec[d], spec[d + 1]
    moduli = [[abs2(c) for c in ch] for ch in c_hat]
    # f̂_w = x̂_w prod_i ĉ_{i,w} in polar form: a product of complex balls in rectangular form
    # would inflate its radius by up to sqrt(2) per factor (the wrapping effect).
    f_mod2 = [abs2(xw) for xw in x_hat]
    phase = [_phase(xw) for xw in x_hat]
    for ch, mods in zip(c_hat, moduli):
        f_mod2 = [f * m for f, m in zip(f_mod2, mods)]
        phase = [
            p if p is _UNKNOWN else (_UNKNOWN if (q := _phase(c)) is _UNKNOWN else p + q)
            for p, c in zip(phase, ch)
        ]
    f_hat = [acb(0) if m2.is_zero() else _polar(m2, p) for m2, p in zip(f_mod2, phase)]
    e_hat, sizes = _error_spectrum_arb(f_hat, y_hat, normalized)
    x_mod2 = [abs2(xw) for xw in x_hat]
    weights = [abs2(e) * x2 for e, x2 in zip(e_hat, x_mod2)]
    scales = [s * s * x2 for s, x2 in zip(sizes, x_mod2)]
    return _all_but_one(moduli, weights, n), _all_but_one(moduli, scales, n)


def enclosed(ball: arb, scale: arb, bits: int) -> bool:
    """A norm ball is accepted when it is exact, its relative radius is below 2^-bits, or it
    contains 0 (a norm that cancels to 0 or nearly) with radius below 2^-bits of ``scale``,
    the same sum with every term replaced by a bound on its size."""
    if ball.is_zero() or ball.rel_accuracy_bits() >= bits:
        return True
    return ball.contains(0) and ball.rad() <= (scale.upper() * arb(2) ** (-bits)).upper()


def grad_norms(
    filters: Any, x: Any, y: Any, *, normalized: bool = False, dps: int = 50, certified: bool = False
) -> list[Any]:
    """||grad_{c_i} L|| for i = 1..d, exact to ``dps`` significant digits.

    ``filters`` is a d x n table (rows are layers 1..d) of finite reals; ``x`` and ``y`` have
    length n. ``normalized`` selects the CN loss (gain 1, bias 0). Raises ValueError naming
    the offending parameter. Inputs are read exactly (``theory.validation.exact``): ints of
    any size, floats and NumPy floats of every width, mpf at its own precision, decimal
    strings as the rationals they spell, mpmath constants at the working precision.

    Computed in arb ball arithmetic (python-flint) at dps plus guard digits, the precision
    doubled until every ball's radius is below 10^-dps relative, or, for a norm whose ball
    contains 0 (an exact fit, a DFT value that is 0), below 10^-dps of the size of its terms.
    ``certified=True`` returns those balls (``flint.arb``, each containing the exact norm of
    the inputs); otherwise their midpoints as mpf at dps digits.

    >>> mpmath.nstr(grad_norms([[1, 1, 0, 0, 1]], [1, 0, 0, 0, 0], [0, 1, 0, 0, 0], dps=20)[0], 20)
    '1.4142135623730950488'
    """
    from theory.validation import grad_norms_arguments

    grad_norms_arguments(filters, x, y, normalized, dps, certified)
    rows, xs, ys = exact_table(filters, "filters"), exact_table(x, "x"), exact_table(y, "y")
    n, d = len(rows[0]), len(rows)
    want = int(dps * 3.33) + 4
    bits = want + int(3.33 * guard_digits(d, n))
    for _ in range(5):
        with arb_precision(bits):
            try:
                balls, scales = _grad_norm_balls(rows, xs, ys, normalized)
            except ArithmeticError:
                bits *= 2
                continue
        if all(enclosed(v, s, want) for v, s in zip(balls, scales)):
            break
        bits *= 2
    else:
        raise ArithmeticError(f"gradient norms not certified to {dps} digits")
    if certified:
        return balls
    with mp.workdps(dps):
        return [+to_mpf(v) for v in balls]


def _as_exact_mpf(v: Any) -> Any:
    """An mpf holding v exactly: mpf as is, floats exactly, decimal strings at their length."""
    if isinstance(v, mpmath.mpf):
        return v
    if isinstance(v, str):
        with mp.workdps(len(v) + 10):
            return mpmath.mpf(v)
    with mp.workprec(max(mp.prec, 64)):
        return mpmath.mpf(v)


@checked(a=mp_number, b=mp_number)
def agreeing_digits(a: Any, b: Any) -> float:
    """Number of significant decimal digits on which a and b agree (inf if equal).

    The difference is taken at the inputs' own precision plus 64 bits, so neither input is
    rounded first (comparing an 80-digit value with a 40-digit one measures ~40 digits).
    """
    a, b = _as_exact_mpf(a), _as_exact_mpf(b)
    bits = max(a.man.bit_length() if a else 1, b.man.bit_length() if b else 1, 53) + 64
    with mp.workprec(bits):
        if a == b:
            return math.inf
        scale = max(abs(a), abs(b))
        if not scale:
            return math.inf
        rel = abs(a - b) / scale
    return float(-mpmath.log10(rel))


@checked(compute=function)
def precision_guard(compute: Callable[[int], Any], dps: int) -> tuple[Any, float]:
    """Evaluate ``compute(dps)`` and ``compute(2 dps)``; return the value and agreeing digits.

    ``compute`` may return an mpf or a list of them; the digits are the minimum over entries.
    """
    lo, hi = compute(dps), compute(2 * dps)
    pairs = zip(lo, hi) if isinstance(lo, (list, tuple)) else [(lo, hi)]
    return lo, min(agreeing_digits(p, q) for p, q in pairs)
