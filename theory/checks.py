"""The record every lemma check returns: what was compared, how, and how closely."""

from __future__ import annotations

from dataclasses import asdict, dataclass
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
    """

    name: str
    method: str
    passed: bool
    detail: str = ""
    discrepancy: float | None = None
    tolerance: float | None = None
    digits: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
