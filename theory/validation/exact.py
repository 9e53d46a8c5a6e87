"""Exact numbers for the certified paths: every real input as the exact number it holds.

The certified functions (``grad_norms``, ``channel_grad_norms``, ``flow_time``) enclose the
exact values *of their inputs*, so an input must reach the ball arithmetic unrounded:

* ``int`` of any size, ``float``, NumPy integers and floats of every width (``longdouble``
  too: its 64-bit mantissa, not a float64 cut), ``fractions.Fraction``, ``decimal.Decimal``
  and ``mpf`` at its own precision (an mpf made at 80 digits keeps its 80 digits whatever
  the working precision) are exact rationals;
* a decimal string (``"0.1"``, ``"-2.5e-40"``, ``"1/3"``) is the rational it spells (1/10,
  not the float 0.1);
* an mpmath constant (``mpmath.pi``, ``mpmath.e``, ``euler``, ``catalan``, ``ln2``,
  ``ln10``, ``phi``, ``degree``, ``khinchin``, ``glaisher``, ``apery``) is irrational: it is
  kept by name and enters the ball arithmetic as Arb's ball of that constant *at the working
  precision* (never mpmath's 53- or 64-bit value);
* anything else is refused with a one-line ``ValueError`` naming the parameter
  (``mp.eps``, ``mertens`` and ``twinprime``, which Arb has no enclosure for, included).

Complex inputs (``complex``, NumPy complex of every width, ``mpc``) are pairs of the above.
Sizes are bounded: a number whose binary or decimal exponent is beyond +-10^6 would cost
megabytes of digits and is refused.

>>> exact_real("0.1", "x")
1/10
>>> exact_real(2**160 + 1, "b") == 2**160 + 1
True
>>> real_ball(exact_real(mpmath.pi, "x"), 200).rel_accuracy_bits() >= 190
True
"""

from __future__ import annotations

import decimal
import fractions
import math
import numbers
import re
from dataclasses import dataclass
from typing import Any

import flint
import mpmath
import numpy as np
from flint import arb, fmpq, fmpz

#: Largest binary (or decimal) exponent of an input that is converted exactly.
MAX_EXPONENT = 10**6

_DECIMAL = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE]([+-]?\d+))?\s*$")
_RATIO = re.compile(r"^\s*[+-]?\d+\s*/\s*\d+\s*$")


@dataclass(frozen=True)
class Constant:
    """An mpmath constant kept by name: ``ball()`` is Arb's enclosure at the current precision."""

    name: str

    def ball(self) -> arb:
        if self.name == "phi":
            return (1 + arb(5).sqrt()) / 2
        if self.name == "degree":
            return arb.pi() / 180
        if self.name == "apery":
            return arb(3).zeta()
        return getattr(arb, _ARB_CONSTANTS[self.name])()

    def __float__(self) -> float:
        return float(getattr(mpmath.mp, self.name))


_CONSTANT_TYPE = type(mpmath.mp.pi)

_ARB_CONSTANTS = {
    "pi": "pi",
    "e": "const_e",
    "euler": "const_euler",
    "catalan": "const_catalan",
    "ln2": "const_log2",
    "ln10": "const_log10",
    "khinchin": "const_khinchin",
    "glaisher": "const_glaisher",
}
CONSTANTS = tuple(sorted(set(_ARB_CONSTANTS) | {"phi", "degree", "apery"}))
_BY_NAME = {getattr(mpmath.mp, k).name: k for k in CONSTANTS}  # "e = exp(1)" -> "e"

#: An exact real: a float or int (held as is), a rational, or a named constant.
ExactReal = int | float | fmpq | Constant


def _refuse(v: Any, name: str, why: str) -> ValueError:
    text = repr(v)
    if len(text) > 60:
        text = text[:57] + "..."
    return ValueError(
        f"{name} must contain exact real numbers (ints, floats, mpf, decimal strings, {why}), got {text}"
    )


def _rational(p: int, q: int, v: Any, name: str) -> fmpq:
    if max(abs(p).bit_length(), q.bit_length()) > MAX_EXPONENT:
        raise _refuse(v, name, f"exponents within +-{MAX_EXPONENT:.0e}")
    return fmpq(fmpz(p), fmpz(q))


def _from_mpf(v: Any, name: str) -> fmpq | int:
    if not mpmath.isfinite(v):
        raise ValueError(f"{name} must contain only finite real numbers, found {v!r}")
    sign, man, exp, _ = v._mpf_
    if not man:
        return 0
    if abs(exp) > MAX_EXPONENT:
        raise _refuse(v, name, f"binary exponents within +-{MAX_EXPONENT:.0e}")
    man = -int(man) if sign else int(man)
    return fmpq(fmpz(man) * fmpz(2) ** exp) if exp >= 0 else fmpq(fmpz(man), fmpz(2) ** (-exp))


def _from_string(v: str, name: str) -> fmpq:
    m = _DECIMAL.match(v)
    if m is None and _RATIO.match(v) is None:
        raise ValueError(f"{name} must contain real numbers or decimal strings, found {v!r}")
    if m is not None and m.group(3) is not None and abs(int(m.group(3))) > MAX_EXPONENT:
        raise _refuse(v, name, f"decimal exponents within +-{MAX_EXPONENT:.0e}")
    frac = fractions.Fraction(v.strip().replace(" ", ""))
    return _rational(frac.numerator, frac.denominator, v, name)


def exact_real(v: Any, name: str) -> ExactReal:
    """v as an exact real (see the module docstring), or a one-line ValueError naming ``name``."""
    if isinstance(v, (bool, np.bool_)):
        return int(v)
    if isinstance(v, (fmpq, Constant)):
        return v
    if type(v) is float or type(v) is int:
        if type(v) is float and not math.isfinite(v):
            raise ValueError(f"{name} must contain only finite real numbers, found {v!r}")
        return v
    if isinstance(v, str):
        return _from_string(v, name)
    if isinstance(v, _CONSTANT_TYPE):
        if v.name not in _BY_NAME:
            raise _refuse(v, name, "or the constants " + ", ".join(CONSTANTS))
        return Constant(_BY_NAME[v.name])
    if isinstance(v, mpmath.mpf):
        return _from_mpf(v, name)
    if isinstance(v, (np.integer, numbers.Integral)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        if not np.isfinite(v):
            raise ValueError(f"{name} must contain only finite real numbers, found {v!r}")
        p, q = v.as_integer_ratio()  # exact for every NumPy float width, longdouble included
        return _rational(int(p), int(q), v, name)
    if isinstance(v, fractions.Fraction):
        return _rational(v.numerator, v.denominator, v, name)
    if isinstance(v, decimal.Decimal):
        if not v.is_finite():
            raise ValueError(f"{name} must contain only finite real numbers, found {v!r}")
        if abs(v.as_tuple().exponent) > MAX_EXPONENT:
            raise _refuse(v, name, f"decimal exponents within +-{MAX_EXPONENT:.0e}")
        p, q = v.as_integer_ratio()
        return _rational(p, q, v, name)
    if isinstance(v, (complex, np.complexfloating, mpmath.mpc)):
        raise ValueError(f"{name} must contain real numbers, found the complex number {v!r} (not truncated)")
    raise _refuse(v, name, "Fractions, Decimals or mpmath constants")


def exact_complex(v: Any, name: str) -> tuple[ExactReal, ExactReal]:
    """(Re v, Im v) exactly: complex, NumPy complex of every width and mpc as pairs of exact
    reals (a clongdouble keeps its 64-bit mantissas); real numbers with Im = 0."""
    if isinstance(v, mpmath.mpc):
        return _from_mpf(v.real, name), _from_mpf(v.imag, name)
    if isinstance(v, (complex, np.complexfloating)):
        return exact_real(v.real, name), exact_real(v.imag, name)
    return exact_real(v, name), 0


def exact_table(values: Any, name: str) -> list:
    """A (nested) sequence or ndarray of reals as nested lists of exact reals (ndarrays of
    every real dtype read entry by entry: a longdouble array is not cast to float64)."""
    if isinstance(values, np.ndarray):
        if values.dtype == np.float64 or values.dtype.kind in "iub":
            return values.tolist() if values.dtype.kind != "b" else values.astype(np.int64).tolist()
        if values.ndim == 0:
            return exact_real(values[()], name)
        return [exact_table(v, name) for v in values]
    if isinstance(values, (list, tuple)):
        return [exact_table(v, name) for v in values]
    return exact_real(values, name)


def has_constant(values: Any) -> bool:
    """Whether a nested list of exact reals holds an mpmath constant."""
    if isinstance(values, list):
        return any(has_constant(v) for v in values)
    return isinstance(values, Constant)


def real_ball(x: ExactReal, bits: int | None = None) -> arb:
    """A ball containing the exact real x at ``bits`` (default: the current arb precision):
    exact when x fits (ints, floats, binary rationals), else rounded outward; a constant is
    Arb's ball of it at that precision."""
    if bits is not None:
        old = flint.ctx.prec
        flint.ctx.prec = bits
        try:
            return real_ball(x)
        finally:
            flint.ctx.prec = old
    if isinstance(x, Constant):
        return x.ball()
    if isinstance(x, fmpq) and x.q == 1:
        return arb(x.p)  # arb of an integer is exact at any size
    return arb(x)


def as_fmpq(x: ExactReal, name: str = "value") -> fmpq:
    """An exact rational (refusing a constant: the exact decisions of ``flow_time`` need one)."""
    if isinstance(x, Constant):
        raise ValueError(
            f"{name} must be a rational or binary number: the mpmath constant {x.name} is irrational, and "
            f"flow_time decides ties and sign changes exactly; give mpmath.mpf(mpmath.{x.name}) at the "
            f"precision you mean"
        )
    if isinstance(x, float):
        p, q = x.as_integer_ratio()
        return fmpq(p, q)
    return fmpq(x) if not isinstance(x, fmpq) else x
