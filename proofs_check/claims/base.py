"""What the claim modules share: the run context, the claim record, check helpers.

Each check compares two independently computed things and records the measured
discrepancy against a stated tolerance (``theory.checks.Check``). A claim passes only if
every one of its checks passes. ``Context.full`` selects the heavy versions.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import mpmath
import numpy as np

from numerics.reference import central_difference_gap, gd_reference
from numerics.simulate import random_filters, simulate_gd
from theory.checks import Check


@dataclass(frozen=True)
class Context:
    dps: int = 30
    seed: int = 0
    full: bool = False


@dataclass(frozen=True)
class Claim:
    id: str
    title: str
    methods: str
    statement: str
    assumptions: str
    run: Callable[[Context], list[Check]]


def measured(
    name: str,
    method: str,
    discrepancy: float,
    tolerance: float,
    detail: str = "",
    digits: float | None = None,
    values: dict[str, float | int] | None = None,
) -> Check:
    """A numeric comparison: passes when discrepancy <= tolerance (NaN never passes)."""
    ok = bool(np.isfinite(discrepancy) and discrepancy <= tolerance)
    return Check(name, method, ok, detail, float(discrepancy), float(tolerance), digits, dict(values or {}))


def measurement(name: str, detail: str, values: dict[str, float | int] | None = None) -> Check:
    """A measured number with no claim to test (C7, finite-depth rates): recorded with
    method ``measurement`` and status ``measured``; it never decides a claim's status."""
    return Check(name, "measurement", True, detail, values=dict(values or {}))


def digits_check(
    name: str,
    method: str,
    digits: float,
    wanted: float,
    detail: str = "",
    values: dict[str, float | int] | None = None,
) -> Check:
    """Passes when at least ``wanted`` significant digits agree; discrepancy is 10^-digits."""
    disc = 10.0 ** (-digits) if math.isfinite(digits) else 0.0
    return Check(name, method, digits >= wanted, detail, disc, 10.0 ** (-wanted), digits, dict(values or {}))


def mp_problem(n: int, d: int, seed: int):
    rng = np.random.default_rng(seed)
    return rng.normal(0, 1 / math.sqrt(n), (d, n)), rng.normal(size=n), rng.normal(size=n)


def fd_vs_closed(ctx: Context, normalized: bool) -> Check:
    """Central finite differences of the loss at 2 dps + 20 digits vs the closed-form gradient."""
    n, d = 5, 4
    c, x, y = mp_problem(n, d, ctx.seed + 11)
    gap = central_difference_gap(c, x, y, normalized, 2 * ctx.dps + 20, mpmath.mpf(10) ** (-(ctx.dps + 10)))
    return digits_check(
        "closed form vs central differences",
        "high-precision",
        float(-mpmath.log10(gap)) if gap else math.inf,
        ctx.dps,
        f"n={n}, d={d}, step 1e-{ctx.dps + 10} at {2 * ctx.dps + 20} digits; digits relative to max |grad|",
    )


# ----------------------------------------------------------------------------------- T
def sim_vs_reference(ctx: Context, normalized: bool) -> list[Check]:
    out = []
    rng = np.random.default_rng(ctx.seed + 3)
    n, d, trials = 12, 5, 8
    x, y = rng.normal(0, 1 / math.sqrt(n), n), rng.normal(size=n)
    filt = random_filters(trials, d, n, seed=ctx.seed + 3)
    for mu, steps, eta in ((0.0, 30, 0.02), (0.9, 30, 0.002), (0.0, 300 if ctx.full else 100, 0.02)):
        res = simulate_gd(
            x, y, filt, eta=eta, normalized=normalized, max_iter=steps, tol=0, momentum=mu, method="fourier"
        )
        ref, _ = gd_reference(x, y, filt, eta=eta, steps=steps, normalized=normalized, momentum=mu)
        rel = float(np.max(np.abs(res.final_loss - ref[-1]) / ref[-1]))  # NaN (a diverged run) fails
        out.append(
            measured(
                f"phase-free state vs time-domain GD, {steps} steps, momentum {mu}",
                "simulation",
                rel,
                1e-8,
                f"n={n}, d={d}, {trials} trials, eta={eta}; relative difference of the final loss",
            )
        )
    return out
