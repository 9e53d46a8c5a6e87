"""The claim registry: every claim of THEORY with the checks that verify it, one module per
claim family (one channel, iteration counts, channel normalization).

``CLAIMS`` lists them in THEORY's order: T (one channel), then C (normalization), each by number.
"""

from __future__ import annotations

from proofs_check.claims import (
    allpass,
    channels,
    depth_training,
    explosion,
    flow_times,
    iteration_count,
    normalization,
    one_channel,
    width_rates,
)
from proofs_check.claims.base import Claim, Context

FAMILIES = (
    one_channel,
    flow_times,
    iteration_count,
    normalization,
    channels,
    width_rates,
    explosion,
    depth_training,
    allpass,
)
_FAMILY_ORDER = "TCMXP"


def _order(claim: Claim) -> tuple[int, int]:
    return _FAMILY_ORDER.index(claim.id[0]), int(claim.id[1:])


CLAIMS: tuple[Claim, ...] = tuple(sorted((c for f in FAMILIES for c in f.CLAIMS), key=_order))

__all__ = ["CLAIMS", "Claim", "Context"]
