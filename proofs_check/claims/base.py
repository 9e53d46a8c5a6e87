"""What the claim modules share: the run context, the claim record, check helpers.

Each check compares two independently computed things and records the measured
discrepancy against a stated tolerance (``theory.checks.Check``). A claim passes only if
every one of its checks passes. ``Context.full`` selects the heavy versions.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass

import mpmath
import numpy as np

from numerics.gd.reference import central_difference_gap, gd_reference
from numerics.gd.simulate import random_filters, simulate_gd
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


#: Unit roundoff of float64, u = 2^-53.
UNIT_ROUNDOFF = 2.0**-53


def rounding_tolerance(ops: float, safety: float = 10.0) -> float:
    """``safety * ops * u``: the tolerance for a float64 result whose longest chain of rounded
    operations has length ``ops`` (each adds at most u relative error; 10x covers constants
    and mild cancellation)."""
    return safety * ops * UNIT_ROUNDOFF


def with_values(check: Check, **values: float | int) -> Check:
    """The same check with named numbers added to its ``values``."""
    return dataclasses.replace(check, values={**check.values, **values})


def identity(check: Check, **values: float | int) -> Check:
    """A symbolic/exact identity from ``theory.identities`` with its size parameters as values
    and ``holds`` (1 or 0)."""
    return with_values(check, holds=int(check.passed), **values)


def ulp_sensitivity(run: Callable[[np.ndarray], np.ndarray], filters: np.ndarray, seed: int) -> np.ndarray:
    """How much rounding-sized noise moves a float64 computation: elementwise, the largest
    relative change of ``run(filters)`` over 3 perturbations of every filter tap by a random
    +-u (relative), floored at u.

    Rounding inside either of two float64 paths acts like such perturbations (one per step,
    then amplified by the dynamics): the two paths may differ by a small multiple of it.
    """
    base = np.asarray(run(filters), float)
    worst = np.full(base.shape, UNIT_ROUNDOFF)
    for k in range(3):
        signs = np.random.default_rng([seed, k]).choice([-1.0, 1.0], np.shape(filters))
        moved = np.asarray(run(filters * (1 + UNIT_ROUNDOFF * signs)), float)
        worst = np.maximum(worst, np.abs(moved - base) / np.abs(base))
    return worst


def mp_problem(n: int, d: int, seed: int):
    rng = np.random.default_rng(seed)
    return rng.normal(0, 1 / math.sqrt(n), (d, n)), rng.normal(size=n), rng.normal(size=n)


def fd_vs_closed(ctx: Context, normalized: bool) -> Check:
    """Central finite differences of the loss at 2 dps + 20 digits vs the closed-form gradient.

    Step h = 10^-(dps+10): truncation ~h^2 = 10^-(2 dps+20), rounding ~10^-(2 dps+20)/h =
    10^-(dps+10) (times |L|/max|grad|, O(1) here), so dps + 9 digits must agree.
    """
    n, d = 5, 4
    work, h = 2 * ctx.dps + 20, ctx.dps + 10
    c, x, y = mp_problem(n, d, ctx.seed + 11)
    gap = central_difference_gap(c, x, y, normalized, work, mpmath.mpf(10) ** (-h))
    digits = float(-mpmath.log10(gap)) if gap else math.inf
    return digits_check(
        "closed form vs central differences",
        "high-precision",
        digits,
        h - 1,
        f"independent path: mpmath differences of the loss formula (no gradient formula); n={n}, d={d}, "
        f"step 1e-{h} at {work} digits: rounding error ~1e-{h}, so {h - 1} digits must agree "
        "(relative to max |grad|)",
        {
            "digits": digits,
            "wanted_digits": h - 1,
            "working_digits": work,
            "step_exponent": -h,
            "n": n,
            "d": d,
        },
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

        def reference(start: np.ndarray, eta=eta, steps=steps, mu=mu) -> np.ndarray:
            return gd_reference(x, y, start, eta=eta, steps=steps, normalized=normalized, momentum=mu)[0][-1]

        ref = reference(filt)
        rel = np.abs(res.final_loss - ref) / ref  # NaN (a diverged run) fails
        # each step's own rounding is a fresh perturbation: at least sqrt(steps) u in total
        spread = np.maximum(ulp_sensitivity(reference, filt, ctx.seed), math.sqrt(steps) * UNIT_ROUNDOFF)
        units = float(np.max(rel / spread))
        out.append(
            measured(
                f"phase-free state vs time-domain GD, {steps} steps, momentum {mu}",
                "simulation",
                units,
                30.0,
                f"independent path: circulant-matrix GD in the time domain (no FFT); n={n}, d={d}, "
                f"{trials} trials, eta={eta}; relative difference of the final loss (max {np.max(rel):.2g}) "
                "in units of each trial's rounding sensitivity (how far 1-ulp perturbations of the start move "
                f"the reference, at least sqrt(steps) u; {np.min(spread):.2g} to {np.max(spread):.2g}); "
                "tolerance 30 units (3 perturbations can underestimate a trial's sensitivity: seeds 0-5 "
                "measured up to 9.4 units)",
                values={
                    "max_relative_difference": float(np.max(rel)),
                    "max_in_sensitivity_units": units,
                    "min_sensitivity": float(np.min(spread)),
                    "max_sensitivity": float(np.max(spread)),
                    "steps": steps,
                    "eta": eta,
                },
            )
        )
    return out
