"""The record every lemma check returns: what was compared, how, and how closely."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
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
        return asdict(self)
