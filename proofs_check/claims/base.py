"""What the claim modules share: the run context, the claim record, check helpers.

Each check compares two independently computed things and records the measured
discrepancy against a stated tolerance (``theory.checks.Check``). A claim passes only if
every one of its checks passes. ``Context.full`` selects the heavy versions.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np

from numerics.gd.reference import central_difference_gap, gd_reference
from numerics.gd.simulate import random_filters, simulate_gd
from theory.checks import Check, discrepancy_of


@dataclass(frozen=True)
class Context:
    dps: int = 30
    seed: int = 0
    full: bool = False
    #: the cell store of the long (``--full``) experiments (``numerics.store.cells.run_cells``)
    store: str | None = None
    #: where those cells run: None (here), "local" (a LocalCluster) or a scheduler address
    dask: str | None = None


@dataclass(frozen=True)
class Claim:
    id: str
    title: str
    methods: str
    statement: str
    assumptions: str
    run: Callable[[Context], list[Check]]
    #: A measured question (C7, X2): its cross-checks can fail it, but when they hold the
    #: claim is reported ``measured``, never ``pass``: the numbers answer it, not a verdict.
    measured: bool = False

    def checks(self, ctx: Context) -> list[Check]:
        """The claim's checks, then the row saying their two sides are different code
        (``proofs_check.claims.independence``), when it has a deciding row that names its
        sides (a claim of measurements only, like M4, stays a measurement)."""
        from proofs_check.claims.independence import independence_check

        rows = self.run(ctx)
        if not any(r.method != "measurement" and r.sides is not None and not r.same_code for r in rows):
            return rows
        return [*rows, independence_check(self.id, rows)]


def compared(
    name: str,
    method: str,
    lhs: Any,
    rhs: Any,
    tolerance: float,
    *,
    sides: tuple[str, str],
    comparison: str = "abs",
    scale: Any = 1,
    detail: str = "",
    values: dict[str, float | int] | None = None,
    same_code: str | None = None,
) -> Check:
    """The one way to build a deciding check: ``lhs`` against ``rhs`` under ``comparison``
    (``theory.checks.COMPARISONS``: ``abs`` |lhs - rhs|/scale, ``rel``, ``digits``, ``upper``
    (lhs - rhs)/scale), passing when the discrepancy is at most ``tolerance``.

    ``sides`` names the code each side comes from, a dotted importable name first
    (``("numerics.hp.flow.flow_time", "mpmath.odefun")``); ``same_code`` gives the reason
    when both are the same function (a precision guard). Discrepancy and verdict come from
    ``Check.recheck``, so the recorded sides are exactly what decided the check. For
    ``digits``, pass ``tolerance = 10**-wanted`` (or use ``agree``): ``digits`` is recorded.
    """
    check = Check(
        name,
        method,
        False,
        detail,
        None,
        float(tolerance),
        None,
        dict(values or {}),
        lhs=lhs,
        rhs=rhs,
        comparison=comparison,
        scale=scale,
        sides=tuple(sides),
        same_code=same_code,
    )
    disc, ok = check.recheck()
    digits = None
    if comparison == "digits":
        digits = (
            float(-mpmath.log10(disc))
            if mpmath.isfinite(disc) and disc > 0
            else (math.inf if disc == 0 else math.nan)
        )
    return dataclasses.replace(check, passed=ok, discrepancy=float(disc), digits=digits)


def agree(
    name: str,
    method: str,
    lhs: Any,
    rhs: Any,
    wanted: float,
    *,
    sides: tuple[str, str],
    detail: str = "",
    values: dict[str, float | int] | None = None,
    same_code: str | None = None,
) -> Check:
    """``compared`` with ``comparison="digits"``: at least ``wanted`` significant digits of
    ``lhs`` and ``rhs`` agree (relative difference <= 10^-wanted)."""
    return compared(
        name,
        method,
        lhs,
        rhs,
        10.0 ** (-wanted),
        sides=sides,
        comparison="digits",
        detail=detail,
        values={"wanted_digits": wanted, **(values or {})},
        same_code=same_code,
    )


def enclosure_rows(
    names: tuple[str, str],
    cases: list[tuple[Any, ...]],
    *,
    dps: int,
    reference_digits: int,
    sides: Callable[[tuple[Any, ...]], tuple[str, str]],
    details: tuple[str, str],
    values: dict[str, float | int],
) -> list[Check]:
    """The two rows of a certified result (``names``): every ball contains its reference, and no
    ball is wider than the accuracy it states.

    ``cases`` are (midpoint, radius, reference, label, ...) in mpmath, the reference known to
    ``reference_digits`` digits. Containment: the worst ``|mid - ref| / (radius + slack)`` with
    ``slack = |ref| 10^-reference_digits`` (the reference's own error), at most 1 when the ball
    contains the reference. Narrowness: the widest ball's radius in units of ``10^-dps |ref|``,
    at most 4. ``sides`` names the two codes for the deciding case; ``details`` are the rows'
    explanations, each followed by the case it reports.
    """
    with mpmath.workdps(reference_digits + 10):
        slack = lambda ref: abs(ref) * mpmath.mpf(10) ** (-reference_digits)  # noqa: E731
        worst = max(cases, key=lambda c: abs(c[0] - c[2]) / (c[1] + slack(c[2])))
        wide = max(cases, key=lambda c: c[1] / abs(c[2]))
        scale = worst[1] + slack(worst[2])
        unit = abs(wide[2]) * mpmath.mpf(10) ** (-dps)
    return [
        compared(
            names[0],
            "high-precision",
            worst[0],
            worst[2],
            1.0,
            scale=scale,
            sides=sides(worst),
            detail=f"{details[0]}; sides: the worst case ({worst[3]})",
            values=values,
        ),
        compared(
            names[1],
            "high-precision",
            wide[1],
            0,
            4.0,
            comparison="upper",
            scale=unit,
            sides=sides(wide),
            detail=f"{details[1]}; lhs: the widest ball's radius ({wide[3]}), rhs 0; tolerance 4",
            values=values,
        ),
    ]


def worst_pair(
    pairs: Iterable[tuple[Any, Any]], comparison: str = "digits", scale: Any = 1
) -> tuple[Any, Any]:
    """The (lhs, rhs) pair with the largest discrepancy (NaN counts as largest): what a
    check that takes a maximum over cases records as its two sides."""

    def key(p: tuple[Any, Any]) -> Any:
        d = discrepancy_of(comparison, p[0], p[1], scale)
        return mpmath.inf if mpmath.isnan(d) else d

    return max(pairs, key=key)


def measured(
    name: str,
    method: str,
    discrepancy: float,
    tolerance: float,
    detail: str = "",
    digits: float | None = None,
    values: dict[str, float | int] | None = None,
) -> Check:
    """Legacy: a numeric comparison that records only its discrepancy (NaN never passes). Its
    row names no sides, so the registry test (tests/claims/test_can_fail.py) rejects it: use
    ``compared``."""
    ok = bool(np.isfinite(discrepancy) and discrepancy <= tolerance)
    return Check(name, method, ok, detail, float(discrepancy), float(tolerance), digits, dict(values or {}))


def measurement(name: str, detail: str, values: dict[str, float | int] | None = None) -> Check:
    """A measured number with no claim to test (C7, finite-depth rates): recorded with
    method ``measurement`` and status ``measured``; it never decides a claim's status."""
    return Check(
        name,
        "measurement",
        True,
        detail,
        values=dict(values or {}),
        unmovable="measurement: records a number and decides nothing",
    )


def digits_check(
    name: str,
    method: str,
    digits: float,
    wanted: float,
    detail: str = "",
    values: dict[str, float | int] | None = None,
) -> Check:
    """Legacy: passes when at least ``wanted`` significant digits agree; records only the
    digits, so the registry test rejects it: use ``agree``."""
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


IDENTITY_SIDES = ("theory.identities", "sympy")
#: The reference of every closed-form gradient identity: sympy.diff of the explicit loss.
AUTODIFF = "theory.networks.ClosedForm.autodiff_gradients_at (sympy.diff)"


def identity(
    check: Check,
    sides: tuple[str, str] = IDENTITY_SIDES,
    reason: str | None = None,
    same_code: str | None = None,
    **values: float | int,
) -> Check:
    """A yes/no row (``theory.identities``, ``theory.channels``) with its size parameters as
    values and ``holds`` (1 or 0), recorded as unmovable with ``reason`` (default: a symbolic or
    exact identity; a yes/no counterexample must say so, see ``UNMOVABLE_KINDS``); ``same_code``
    says why one side may call the other (``Check.same_code``)."""
    reason = reason or (
        f"{check.method} identity: proved yes/no by exact expansion or exact evaluation; there is no number to move"
    )
    return dataclasses.replace(
        with_values(check, holds=int(bool(check.passed)), **values),
        sides=tuple(sides),
        unmovable=reason,
        same_code=same_code,
    )


#: The reasons a row may give for having no sides to move (``Check.unmovable`` starts with one).
UNMOVABLE_KINDS = ("symbolic identity", "exact identity", "yes/no counterexample", "measurement")


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
    return compared(
        "closed form vs central differences",
        "high-precision",
        gap,
        0,
        10.0 ** (-(h - 1)),
        sides=(
            "numerics.gd.reference.central_difference_gap (differences of the loss)",
            "theory.networks " + ("cn_gradient" if normalized else "plain_gradient") + " (closed form)",
        ),
        detail=f"independent path: mpmath differences of the loss formula (no gradient formula); n={n}, d={d}, "
        f"step 1e-{h} at {work} digits: rounding error ~1e-{h}, so {h - 1} digits must agree "
        "(lhs: max |difference - closed form| / max |grad|, rhs: its exact value 0)",
        values={"wanted_digits": h - 1, "working_digits": work, "step_exponent": -h, "n": n, "d": d},
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
        units = rel / spread
        t = int(np.nanargmax(units)) if np.all(np.isfinite(units)) else int(np.argmax(~np.isfinite(units)))
        out.append(
            compared(
                f"phase-free state vs time-domain GD, {steps} steps, momentum {mu}",
                "simulation",
                float(res.final_loss[t]),
                float(ref[t]),
                30.0,
                scale=float(spread[t] * ref[t]),
                sides=(
                    "numerics.gd.simulate.simulate_gd (Fourier state)",
                    "numerics.gd.reference.gd_reference",
                ),
                detail=f"independent path: circulant-matrix GD in the time domain (no FFT); n={n}, d={d}, "
                f"{trials} trials, eta={eta}; relative difference of the final loss (max {np.max(rel):.2g}) "
                "in units of each trial's rounding sensitivity (how far 1-ulp perturbations of the start move "
                f"the reference, at least sqrt(steps) u; {np.min(spread):.2g} to {np.max(spread):.2g}); "
                "tolerance 30 units (3 perturbations can underestimate a trial's sensitivity: seeds 0-5 "
                "measured up to 9.4 units); sides: the worst trial's final losses, scale its sensitivity",
                values={
                    "max_relative_difference": float(np.max(rel)),
                    "max_in_sensitivity_units": float(np.max(units)),
                    "min_sensitivity": float(np.min(spread)),
                    "max_sensitivity": float(np.max(spread)),
                    "steps": steps,
                    "eta": eta,
                },
            )
        )
    return out


def roundoff_checks(seed: int) -> list[Check]:
    """The unit roundoff behind every rounding-based tolerance, against ``np.finfo`` and
    against a measurement: the largest relative rounding error of 4000 float64 products
    (exact products in ``fractions.Fraction``) is just below u, so ``rounding_tolerance(1,
    safety=1)`` must lie within a factor 1.5 of it; a u made 1000x looser (or tighter) fails."""
    from fractions import Fraction

    rng = np.random.default_rng([seed, 53])
    a, b = rng.uniform(1, 2, (2, 4000))
    worst = max(
        abs(Fraction(float(p)) - Fraction(float(s)) * Fraction(float(t)))
        / (Fraction(float(s)) * Fraction(float(t)))
        for s, t, p in zip(a, b, a * b)
    )
    measured_u = float(worst)
    return [
        compared(
            "unit roundoff u = 2^-53 vs numpy's eps/2",
            "float64",
            UNIT_ROUNDOFF,
            float(np.finfo(float).eps) / 2,
            1e-15,
            comparison="rel",
            sides=("proofs_check.claims.base.UNIT_ROUNDOFF", "numpy.finfo"),
            detail="the constant typed in base.py against the machine's float64 description",
        ),
        compared(
            "rounding tolerance of one operation vs the measured worst rounding error",
            "float64",
            rounding_tolerance(1, safety=1),
            measured_u,
            0.5,
            comparison="rel",
            sides=("proofs_check.claims.base.rounding_tolerance", "fractions.Fraction (exact products)"),
            detail=f"largest |fl(a b) - a b| / |a b| over 4000 products of uniform [1, 2) numbers, exact in "
            f"rationals: {measured_u:.4g} (u = {UNIT_ROUNDOFF:.4g}); the tolerance's unit must be within 50% "
            "of it, so a unit roundoff 1000x looser or tighter fails (T2-T4, C1, C3, C5, C6 rest on it)",
            values={"measured_roundoff": measured_u},
        ),
    ]


# ------------------------------------------------------------------------ estimators
def median_and_se(samples: np.ndarray, seed: Any, resamples: int = 1000) -> tuple[float, float]:
    """Median of ``samples`` with a bootstrap standard error (``resamples`` resamples drawn
    with ``np.random.default_rng(seed)``); tested for calibration in tests/claims/test_statistics.py."""
    samples = np.asarray(samples, float)
    rng = np.random.default_rng(seed)
    m = len(samples)
    boot = [np.median(samples[rng.integers(0, m, m)]) for _ in range(resamples)]
    return float(np.median(samples)), float(np.std(boot))


def slope_of_means(depths: Any, samples: list[np.ndarray]) -> tuple[float, float]:
    """Least-squares slope of the per-depth sample means against ``depths`` (independent draws
    at each depth) with its standard error sqrt(sum_j xc_j^2 var_j / m_j) / sum_j xc_j^2."""
    means = np.array([np.mean(s) for s in samples])
    variances = np.array([np.var(s, ddof=1) / len(s) for s in samples])
    xc = np.asarray(depths, float) - np.mean(depths)
    return float(xc @ means / (xc @ xc)), float(math.sqrt(np.sum(xc**2 * variances)) / (xc @ xc))
