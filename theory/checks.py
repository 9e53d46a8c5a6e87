"""The record every lemma check returns: what was compared, how, and how closely.

The contract (docs/checks.md, "How the checks can fail"): a deciding check records its two
compared quantities ``lhs`` and ``rhs``, the ``comparison`` that turns them into the
``discrepancy`` (``discrepancy_of``), its ``tolerance``, and the code each side comes from
(``sides``). ``Check.recheck`` re-evaluates the comparison from those fields alone, so a
test can move one side (``Check.moved``) and see the check fail. A yes/no identity says
why it cannot be moved (``unmovable``); a precision guard, which runs the same code at two
precisions, says so in ``same_code``.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field, replace
from typing import Any

import mpmath

#: The comparison kinds, with discrepancy and pass rule (NaN never passes):
#:
#: * ``abs``: |lhs - rhs| / scale <= tolerance (scale = 1 for a plain absolute difference, a
#:   standard error for a z-test, any positive unit otherwise);
#: * ``rel``: |lhs - rhs| / |rhs| <= tolerance;
#: * ``digits``: |lhs - rhs| / max(|lhs|, |rhs|) <= tolerance = 10^-wanted (digits agreeing);
#: * ``upper``: (lhs - rhs) / scale <= tolerance, a one-sided bound lhs <= rhs (+ tolerance).
COMPARISONS = ("abs", "rel", "digits", "upper")


def discrepancy_of(comparison: str, lhs: Any, rhs: Any, scale: Any = 1) -> Any:
    """The discrepancy of ``lhs`` against ``rhs`` under ``comparison`` (see ``COMPARISONS``),
    evaluated in mpmath at the inputs' own precision plus 64 bits, so that 30-digit sides keep
    their 30 digits; NaN when it cannot be formed (a NaN or infinite side, a zero scale).

    >>> float(discrepancy_of("rel", 1.5, 1.0)), float(discrepancy_of("abs", 2.0, 1.0, scale=0.25))
    (0.5, 4.0)
    """
    if comparison not in COMPARISONS:
        raise ValueError(f"comparison must be one of {COMPARISONS}, got {comparison!r}")
    try:
        a, b, s = (_exact(v) for v in (lhs, rhs, scale))
    except (TypeError, ValueError):
        return mpmath.nan
    if not all(mpmath.isfinite(v) for v in (a, b, s)):
        return mpmath.nan
    bits = max(_bits(a), _bits(b), _bits(s), 53) + 64
    with mpmath.mp.workprec(bits):
        if comparison == "abs":
            return abs(a - b) / s if s > 0 else mpmath.nan
        if comparison == "upper":
            return (a - b) / s if s > 0 else mpmath.nan
        if comparison == "rel":
            return abs(a - b) / abs(b) if b else (mpmath.mpf(0) if a == b else mpmath.nan)
        big = max(abs(a), abs(b))
        return abs(a - b) / big if big else mpmath.mpf(0)


def _exact(value: Any) -> Any:
    """A real number as an mpf carrying all its bits (floats, ints, numpy scalars, mpf)."""
    if isinstance(value, mpmath.mpf):
        return value
    if isinstance(value, mpmath.mpc):
        if value.imag:
            raise TypeError("complex side")
        return value.real
    if isinstance(value, numbers.Integral) or type(value).__name__.startswith("int"):
        return mpmath.mpf(int(value))
    return mpmath.mpf(float(value))


def _full_str(value: Any) -> str | None:
    """A side as a decimal string with all its digits (an mpf's own precision, not mp.dps)."""
    if value is None:
        return None
    if isinstance(value, mpmath.mpf) and value and mpmath.isfinite(value):
        return mpmath.nstr(value, max(17, int(_bits(value) * 0.30103) + 2), min_fixed=1, max_fixed=0)
    return (
        repr(float(value))
        if isinstance(value, (float, int)) or "float" in type(value).__name__
        else str(value)
    )


def _bits(v: Any) -> int:
    return int(v.man.bit_length()) if isinstance(v, mpmath.mpf) and v and mpmath.isfinite(v) else 1


def decides(discrepancy: Any, tolerance: Any) -> bool:
    """The pass rule shared by every comparison: a finite discrepancy at most the tolerance."""
    try:
        return bool(mpmath.isfinite(discrepancy) and discrepancy <= tolerance)
    except TypeError:
        return False


@dataclass(frozen=True)
class Check:
    """One comparison of two independently computed things.

    ``method`` is one of ``symbolic`` (an exact identity proved by expansion or
    simplification), ``exact`` (exact rational/algebraic evaluation), ``high-precision``
    (mpmath, with ``digits`` agreeing digits), ``float64``, ``simulation``, ``static`` (a
    reading of the code itself, e.g. its call graph), or ``measurement`` (a measured number recorded without a claim to test: always passes).
    ``discrepancy`` is the measured difference and ``tolerance`` the bound it must meet
    (both ``None`` for a yes/no identity, where ``passed`` says whether it holds).
    ``values`` holds the check's named numbers for programs (estimates, standard errors,
    sizes, digits); the prose stays in ``detail``. A ``measurement`` row has status
    ``measured``: it records a number and never decides a claim.

    The comparison itself (see the module docstring): ``lhs`` and ``rhs`` are the two compared
    quantities (the worst case when a check takes a maximum over cases; mpf sides keep their
    digits), ``comparison`` one of ``COMPARISONS``, ``scale`` its unit (``abs``/``upper``),
    ``sides`` the code each side comes from (``("numerics.hp.flow.flow_time",
    "mpmath.odefun")``: a dotted importable name first, prose after a space), ``unmovable``
    the reason a yes/no row has no sides to move, ``same_code`` the reason both sides may
    name the same function (a precision guard) or one may call the other by design.
    """

    name: str
    method: str
    passed: bool
    detail: str = ""
    discrepancy: float | None = None
    tolerance: float | None = None
    digits: float | None = None
    values: dict[str, float | int] = field(default_factory=dict)
    lhs: Any = None
    rhs: Any = None
    comparison: str | None = None
    scale: Any = 1
    sides: tuple[str, str] | None = None
    unmovable: str | None = None
    same_code: str | None = None

    @property
    def status(self) -> str:
        """``pass``, ``fail``, or ``measured`` for a measurement row."""
        if self.method == "measurement":
            return "measured"
        return "pass" if self.passed else "fail"

    @property
    def movable(self) -> bool:
        """Whether the row records a comparison that ``recheck`` can re-evaluate."""
        return self.comparison is not None and self.tolerance is not None

    def recheck(self, lhs: Any = None, rhs: Any = None) -> tuple[Any, bool]:
        """(discrepancy, passed) of this check's comparison with the given sides (default: the
        recorded ones), from ``comparison``, ``scale`` and ``tolerance`` alone."""
        if not self.movable:
            raise ValueError(f"check {self.name!r} records no comparison (unmovable: {self.unmovable})")
        lhs = self.lhs if lhs is None else lhs
        rhs = self.rhs if rhs is None else rhs
        disc = discrepancy_of(self.comparison, lhs, rhs, self.scale)
        return disc, decides(disc, self.tolerance)

    def moved(self, side: str, factor: float = 10.0) -> Check:
        """The check with one side (``"lhs"`` or ``"rhs"``) moved by ``factor`` tolerances
        (in the comparison's own units) away from the other side, re-decided by ``recheck``.

        For a one-sided bound (``upper``) the move goes against the bound and also covers any
        slack, so the moved side sits ``factor`` tolerances past the bound (at least 1e-9 of
        the scale past it when the tolerance is 0)."""
        if side not in ("lhs", "rhs"):
            raise ValueError(f"side must be 'lhs' or 'rhs', got {side!r}")
        if math.isinf(self.tolerance):  # nothing finite exceeds it: the check cannot fail
            return replace(self, passed=True)
        a, b, s = (_exact(v) for v in (self.lhs, self.rhs, self.scale))
        bits = max(_bits(a), _bits(b), _bits(s), 53) + 64 + int(abs(math.log2(abs(self.tolerance) or 1.0)))
        with mpmath.mp.workprec(bits):
            tol = mpmath.mpf(self.tolerance)
            units = factor * abs(tol)
            if self.comparison == "upper":
                units = max(units, mpmath.mpf("1e-9")) + max(0, -(a - b) / s)
                delta = units * s
                up = 1
            else:
                unit = {"abs": s, "rel": abs(b), "digits": max(abs(a), abs(b))}[self.comparison]
                delta = units * unit
                up = 1 if a >= b else -1
            if side == "lhs":
                new_a, new_b = a + up * delta, b
            else:
                new_a, new_b = a, b - up * delta
        disc, ok = self.recheck(new_a, new_b)
        return replace(self, lhs=new_a, rhs=new_b, discrepancy=disc, passed=ok)

    def as_dict(self) -> dict[str, Any]:
        """The check as strict JSON data: ``status``; ``passed`` (None for a measurement);
        ``discrepancy``, ``tolerance``, ``digits`` (None when absent or not finite, e.g. the
        infinite digit count of two equal values); ``values``: the check's own named
        numbers merged over ``discrepancy``, ``tolerance`` and ``digits``, finite ones only;
        ``comparison`` (None, or the kind with ``lhs``, ``rhs``, ``scale`` as plain floats and
        as full-precision strings, ``sides``, ``unmovable``, ``same_code``).
        """
        values = {"discrepancy": self.discrepancy, "tolerance": self.tolerance, "digits": self.digits}
        values.update(self.values)
        return {
            "name": self.name,
            "method": self.method,
            "status": self.status,
            "passed": None if self.status == "measured" else bool(self.passed),
            "detail": self.detail,
            "discrepancy": finite_or_none(self.discrepancy),
            "tolerance": finite_or_none(self.tolerance),
            "digits": finite_or_none(self.digits),
            "values": json_values(values),
            "comparison": self._comparison_dict(),
        }

    def _comparison_dict(self) -> dict[str, Any] | None:
        if not self.movable and self.sides is None and self.unmovable is None:
            return None
        return {
            "kind": self.comparison,
            "lhs": finite_or_none(self.lhs),
            "rhs": finite_or_none(self.rhs),
            "scale": finite_or_none(self.scale),
            "lhs_exact": _full_str(self.lhs),
            "rhs_exact": _full_str(self.rhs),
            "sides": list(self.sides) if self.sides else None,
            "unmovable": self.unmovable,
            "same_code": self.same_code,
        }


def json_values(values: dict[str, Any], nested: bool = False) -> dict[str, Any]:
    """``values`` as strict JSON: finite numbers as plain ints/floats (bools as 0/1 at the top
    level), nested dicts (e.g. ``rate: {estimate, stderr}``, one entry per depth) recursively,
    with their bools kept as JSON booleans; anything else (NaN, infinities, None) left out."""
    out: dict[str, Any] = {}
    for k, v in values.items():
        if isinstance(v, dict):
            v = json_values(v, nested=True)
        elif nested and (isinstance(v, bool) or type(v).__name__ == "bool_"):
            v = bool(v)
        else:
            v = finite_or_none(v)
        if v is not None:
            out[str(k)] = v
    return out


def finite_or_none(value: Any) -> int | float | None:
    """A finite number as a plain int or float (NumPy and mpmath numbers too; bools as 0/1);
    None for anything else (NaN, infinities, None, non-numbers)."""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return int(value)
    if (
        isinstance(value, numbers.Integral)
        or type(value).__module__ == "numpy"
        and "int" in type(value).__name__
    ):
        return int(value)
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None
