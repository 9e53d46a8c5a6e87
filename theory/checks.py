"""The record every lemma check returns: what was compared, how, and how closely."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Check:
    """One comparison of two independently computed things.

    ``method`` is one of ``symbolic`` (an exact identity proved by expansion or
    simplification), ``exact`` (exact rational/algebraic evaluation), ``high-precision``
    (mpmath, with ``digits`` agreeing digits), ``float64``, ``simulation``, or
    ``measurement`` (a measured number recorded without a claim to test: always passes).
    ``discrepancy`` is the measured difference and ``tolerance`` the bound it must meet
    (both ``None`` for a yes/no identity, where ``passed`` says whether it holds).
    ``values`` holds the check's named numbers for programs (estimates, standard errors,
    sizes, digits); the prose stays in ``detail``. A ``measurement`` row has status
    ``measured``: it records a number and never decides a claim.
    """

    name: str
    method: str
    passed: bool
    detail: str = ""
    discrepancy: float | None = None
    tolerance: float | None = None
    digits: float | None = None
    values: dict[str, float | int] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """``pass``, ``fail``, or ``measured`` for a measurement row."""
        if self.method == "measurement":
            return "measured"
        return "pass" if self.passed else "fail"

    def as_dict(self) -> dict[str, Any]:
        """The check as strict JSON data: ``status``; ``passed`` (None for a measurement);
        ``discrepancy``, ``tolerance``, ``digits`` (None when absent or not finite, e.g. the
        infinite digit count of two equal values); ``values``: the check's own named
        numbers merged over ``discrepancy``, ``tolerance`` and ``digits``, finite ones only.
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
            "values": {
                k: v for k, v in ((str(k), finite_or_none(v)) for k, v in values.items()) if v is not None
            },
        }


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
