"""Gradient norms at any depth, exactly to a requested number of digits (arb balls).

Work in the Fourier domain (THEORY T2): with ĉ_{j,w} the DFT of filter j,

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
import numpy as np
from flint import acb, arb, arb_mat
from mpmath import mp

from numerics.hp.flow import arb_precision, to_arb, to_mpf
from theory.validation import checked, function, mp_number


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
    """v as an arb that contains it: floats, ints and mpf exactly, decimal strings as the
    ball arb's parser gives at the current precision (they are not binary numbers)."""
    if isinstance(v, (float, int, np.floating, np.integer)) and not isinstance(v, bool):
        return arb(float(v)) if isinstance(v, (float, np.floating)) else arb(int(v))
    if isinstance(v, str):
        return arb(v.strip())
    return to_arb(_as_exact_mpf(v))


def _arg(z: acb) -> arb:
    """arg z (0 for z = 0, whose phase never matters: it zeroes the product)."""
    return arb(0) if z.is_zero() else z.arg()


def _polar(modulus: arb, angle: arb) -> acb:
    return acb(modulus * angle.cos(), modulus * angle.sin())


def _error_spectrum_arb(f_hat: list[acb], y_hat: list[acb], normalized: bool) -> list[acb]:
    """``output_error_spectrum`` in ball arithmetic (same formulas)."""
    n = len(f_hat)
    if not normalized:
        return [yw - fw for yw, fw in zip(y_hat, f_hat)]
    s2 = sum((abs(fw) ** 2 for fw in f_hat[1:]), arb(0)) / n
    if not s2 > 0:
        raise ValueError("filters give a constant network output (P z = 0): the CN loss is undefined")
    s = s2.sqrt()
    proj = sum(((fw * yw.conjugate()).real for fw, yw in zip(f_hat[1:], y_hat[1:])), arb(0)) / (n * s)
    scale = -arb(n).sqrt() / s
    return [acb(0)] + [scale * (yw - proj * fw / s) for fw, yw in zip(f_hat[1:], y_hat[1:])]


def _grad_norm_balls(rows: list[list[Any]], xs: list[Any], ys: list[Any], normalized: bool) -> list[arb]:
    """||grad_{c_i} L|| as arb balls at the current arb precision."""
    n, d = len(rows[0]), len(rows)
    spec = _arb_spectra(rows + [xs, ys], n)
    c_hat, x_hat, y_hat = spec[:d], spec[d], spec[d + 1]
    moduli = [[c.real**2 + c.imag**2 for c in ch] for ch in c_hat]
    # f̂_w = x̂_w prod_i ĉ_{i,w} in polar form: a product of complex balls in rectangular form
    # would inflate its radius by up to sqrt(2) per factor (the wrapping effect).
    f_mod2 = [xw.real**2 + xw.imag**2 for xw in x_hat]
    phase = [_arg(xw) for xw in x_hat]
    for ch, mods in zip(c_hat, moduli):
        f_mod2 = [f * m for f, m in zip(f_mod2, mods)]
        phase = [p + _arg(c) for p, c in zip(phase, ch)]
    f_hat = [_polar(m2.sqrt(), p) for m2, p in zip(f_mod2, phase)]
    e_hat = _error_spectrum_arb(f_hat, y_hat, normalized)
    weights = [(e.real**2 + e.imag**2) * (xw.real**2 + xw.imag**2) for e, xw in zip(e_hat, x_hat)]
    prefix = [[arb(1)] * n]
    for j in range(d - 1):
        prefix.append([p * m for p, m in zip(prefix[-1], moduli[j])])
    out: list[arb] = [arb(0)] * d
    suffix = weights
    for i in range(d - 1, -1, -1):
        out[i] = (sum((p * s for p, s in zip(prefix[i], suffix)), arb(0)) / n).sqrt()
        suffix = [s * m for s, m in zip(suffix, moduli[i])]
    return out


def grad_norms(
    filters: Any, x: Any, y: Any, *, normalized: bool = False, dps: int = 50, certified: bool = False
) -> list[Any]:
    """||grad_{c_i} L|| for i = 1..d, exact to ``dps`` significant digits.

    ``filters`` is a d x n table (rows are layers 1..d) of finite reals; ``x`` and ``y`` have
    length n. ``normalized`` selects the CN loss (gain 1, bias 0). Raises ValueError naming
    the offending parameter.

    Computed in arb ball arithmetic (python-flint) at dps plus guard digits, the precision
    doubled until every ball's radius is below 10^-dps relative. ``certified=True`` returns
    those balls (``flint.arb``, each containing the exact norm of the inputs); otherwise
    their midpoints as mpf at dps digits.
    """
    from theory.validation import grad_norms_arguments

    rows, xs, ys, certified = grad_norms_arguments(filters, x, y, normalized, dps, certified)
    n, d = len(rows[0]), len(rows)
    want = int(dps * 3.33) + 4
    bits = want + int(3.33 * guard_digits(d, n))
    for _ in range(4):
        with arb_precision(bits):
            balls = _grad_norm_balls(rows, xs, ys, normalized)
        if all(v.is_zero() or v.rel_accuracy_bits() >= want for v in balls):
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
