"""The log-moment constants of T7, each computed two independent ways.

* E log|Z| for complex Z with E|Z|^2 = 1 (|Z|^2 ~ Exp(1)):  -gamma_E/2
* E log|Z| for real Z ~ N(0, 1):                            -(gamma_E + ln 2)/2
* delta_c, the root of E log(X + delta) = log delta + e^delta E1(delta) = 0, X ~ Exp(1)

The closed forms use mpmath's Euler constant and exponential integral; the references
are direct quadratures of the defining expectations (tanh-sinh on [0, 1, inf]).

>>> from numerics.hp.constants import t7_constants
>>> round(float(t7_constants(30)["delta_c"].closed), 16)
0.2850142622496619
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mpmath
from mpmath import mp

from numerics.hp.precise import agreeing_digits
from theory.validation import check_dps


@dataclass(frozen=True)
class Constant:
    name: str
    closed: Any
    quadrature: Any
    digits: float


def complex_log_moment_closed() -> Any:
    return -mp.euler / 2


def complex_log_moment_quadrature() -> Any:
    return mpmath.quad(lambda t: mpmath.log(t) * mpmath.exp(-t), [0, 1, mpmath.inf]) / 2


def real_log_moment_closed() -> Any:
    return -(mp.euler + mpmath.log(2)) / 2


def real_log_moment_quadrature() -> Any:
    density = lambda z: mpmath.exp(-(z**2) / 2) / mpmath.sqrt(2 * mp.pi)  # noqa: E731
    return 2 * mpmath.quad(lambda z: mpmath.log(z) * density(z), [0, 1, mpmath.inf])


def delta_c_closed() -> Any:
    return mpmath.findroot(lambda t: mpmath.log(t) + mpmath.exp(t) * mpmath.e1(t), mpmath.mpf("0.285"))


def delta_c_quadrature() -> Any:
    mean_log = lambda t: mpmath.quad(lambda x: mpmath.log(x + t) * mpmath.exp(-x), [0, 1, mpmath.inf])  # noqa: E731
    return mpmath.findroot(mean_log, mpmath.mpf("0.285"))


def delta_c_series() -> Any:
    """delta_c by Newton's method on g(t) = log t + e^t E1(t), with E1 from its convergent series
    E1(t) = -gamma_E - log t - sum_{k>=1} (-t)^k/(k k!) (no ``mpmath.e1``) and g'(t) = e^t E1(t):
    a third route, cheap at any precision (about 0.1 s at 60 digits).

    >>> from mpmath import mp
    >>> with mp.workdps(25):
    ...     print(delta_c_series())
    0.2850142622496619346210121
    """
    eps = mpmath.mpf(2) ** (-mp.prec - 10)
    t = mpmath.mpf("0.285")
    for _ in range(100):
        term, total, k = -t, -t, 1
        while abs(term) > eps * abs(total):
            k += 1
            term *= -t * (k - 1) / (k * k)
            total += term
        e1 = -mp.euler - mpmath.log(t) - total
        step = (mpmath.log(t) + mpmath.exp(t) * e1) / (mpmath.exp(t) * e1)
        t -= step
        if abs(step) <= eps * t:
            return t
    raise ArithmeticError("Newton's method for delta_c did not converge")  # pragma: no cover


def t7_constants(dps: int = 40) -> dict[str, Constant]:
    """All three constants at ``dps`` digits, with the digits on which both methods agree."""
    dps = check_dps(dps)
    pairs = {
        "complex_log_moment": (complex_log_moment_closed, complex_log_moment_quadrature),
        "real_log_moment": (real_log_moment_closed, real_log_moment_quadrature),
        "delta_c": (delta_c_closed, delta_c_quadrature),
    }
    out = {}
    with mp.workdps(dps + 10):
        for name, (closed, quad) in pairs.items():
            a, b = closed(), quad()
            out[name] = Constant(name, +a, +b, min(agreeing_digits(a, b), dps + 10))
    return out
