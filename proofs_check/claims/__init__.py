"""The claim registry: every claim of the theory with the checks that verify it, one module per
claim family (one channel, iteration counts, channel normalization, widths; the paper's
experiments P1-P6, which need the extra ``paper``).

``CLAIMS`` lists them in the theory's order: T (one channel), C (normalization), M (width k),
X (beyond the paper), each by number; the paper's P1-P6 are in ``EXTRA_CLAIMS``.
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
    paper,
    trainability,
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
    trainability,
)
_FAMILY_ORDER = "TCMXP"


def _order(claim: Claim) -> tuple[int, int]:
    return _FAMILY_ORDER.index(claim.id[0]), int(claim.id[1:])


CLAIMS: tuple[Claim, ...] = tuple(sorted((c for f in FAMILIES for c in f.CLAIMS), key=_order))

#: families that need an optional extra: not in the default run; listed and run by ID on request
#: (``--only P2``) or with figures by their subcommand (``proofs_check paper``). Extra -> claims.
EXTRA_CLAIMS: dict[str, tuple[Claim, ...]] = {paper.EXTRA: paper.CLAIMS}

__all__ = ["CLAIMS", "EXTRA_CLAIMS", "Claim", "Context"]
