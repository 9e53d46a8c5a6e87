"""Gradient norms at any depth, exactly to a requested number of digits (mpmath).

Work in the Fourier domain (THEORY T2): with ĉ_{j,w} the DFT of filter j,

    ||grad_{c_i} L||^2 = (1/n) sum_w |ê_w|^2 |x̂_w|^2 prod_{j != i} |ĉ_{j,w}|^2,

where ê = r̂ = ŷ - x̂ prod_j ĉ_j for the plain loss (T1) and ê = ĥ for the CN loss with
gain 1 and bias 0 (C4). Products of d factors are formed in mpmath, whose exponent is
unbounded, so nothing underflows: at d = 3000 the norms are near 1e-345. Products
"all but i" come from prefix and suffix products (no division, exact when a factor is 0).

The arithmetic runs at ``dps`` plus guard digits (10 + log10(d n)), and results are
rounded to ``dps`` digits; ``precision_guard`` recomputes at 2 dps and counts the digits
that agree.

>>> from numerics.precise import grad_norms
>>> grad_norms([[1, 2], [0.5, -1]], [1, 0], [0, 1], dps=20)[0]  # sqrt(0.25^2 + 1^2)
mpf('1.0307764064044151')
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import mpmath
from mpmath import mp

from numerics.validation import as_filters, as_signal, check_dps


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


def _all_but_products(moduli: list[list[Any]]) -> list[list[Any]]:
    """prod_{j != i} m_{j,w} for every i, by prefix and suffix products."""
    d, n = len(moduli), len(moduli[0])
    prefix = [[mpmath.mpf(1)] * n]
    for j in range(d - 1):
        prefix.append([p * m for p, m in zip(prefix[-1], moduli[j])])
    out = [None] * d
    suffix = [mpmath.mpf(1)] * n
    for i in range(d - 1, -1, -1):
        out[i] = [p * s for p, s in zip(prefix[i], suffix)]
        suffix = [s * m for s, m in zip(suffix, moduli[i])]
    return out


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


def grad_norms(filters: Any, x: Any, y: Any, *, normalized: bool = False, dps: int = 50) -> list[Any]:
    """||grad_{c_i} L|| for i = 1..d, exact to ``dps`` significant digits.

    ``filters`` is a d x n table (rows are layers 1..d) of finite reals; ``x`` and ``y`` have
    length n. ``normalized`` selects the CN loss (gain 1, bias 0). Raises ValueError naming
    the offending parameter.
    """
    from numerics.validation import grad_norms_arguments

    filters, x, y = grad_norms_arguments(**locals())
    rows = as_filters(filters)
    n, d = len(rows[0]), len(rows)
    xs, ys = as_signal(x, n, "x"), as_signal(y, n, "y")
    dps = check_dps(dps)
    with mp.workdps(dps + guard_digits(d, n)):
        cos_t, sin_t = twiddles(n)
        c_hat = [spectrum(row, cos_t, sin_t) for row in rows]
        x_hat, y_hat = spectrum(xs, cos_t, sin_t), spectrum(ys, cos_t, sin_t)
        f_hat = list(x_hat)
        for ch in c_hat:
            f_hat = [f * c for f, c in zip(f_hat, ch)]
        e_hat = output_error_spectrum(f_hat, y_hat, normalized)
        weights = [abs(e) ** 2 * abs(xw) ** 2 for e, xw in zip(e_hat, x_hat)]
        moduli = [[abs(c) ** 2 for c in ch] for ch in c_hat]
        norms = [mpmath.sqrt(mpmath.fdot(weights, others) / n) for others in _all_but_products(moduli)]
    with mp.workdps(dps):
        return [+v for v in norms]


def _as_exact_mpf(v: Any) -> Any:
    """An mpf holding v exactly: mpf as is, floats exactly, decimal strings at their length."""
    if isinstance(v, mpmath.mpf):
        return v
    if isinstance(v, str):
        with mp.workdps(len(v) + 10):
            return mpmath.mpf(v)
    with mp.workprec(max(mp.prec, 64)):
        return mpmath.mpf(v)


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


def precision_guard(compute: Callable[[int], Any], dps: int) -> tuple[Any, float]:
    """Evaluate ``compute(dps)`` and ``compute(2 dps)``; return the value and agreeing digits.

    ``compute`` may return an mpf or a list of them; the digits are the minimum over entries.
    """
    lo, hi = compute(dps), compute(2 * dps)
    pairs = zip(lo, hi) if isinstance(lo, (list, tuple)) else [(lo, hi)]
    return lo, min(agreeing_digits(p, q) for p, q in pairs)
