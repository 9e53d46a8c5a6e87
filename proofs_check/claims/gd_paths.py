"""The GD simulator's paths against the plain time-domain loop: iteration counts, losses, stop
labels, seeds (rows of T3, C5 and T8).

One GD has five float64 paths at width 1: ``simulate_gd``'s compiled phase-free kernel
('fourier'), its NumPy statement ('fourier-numpy'), GD on the taps through FFTs ('time'), and
``simulate_gd_channels`` at width 1 ('numpy', 'compiled'). The independent side is
``numerics.gd.reference.gd_reference``: circulant matrices in the time domain, no FFT, no
driver, no stopping rule. Each path's iteration count and stop label are read off that
loop's trajectory here, by hand.

``tol`` is chosen per trial from the loop's own trajectory, halfway (geometrically) across its
largest drop of the running minimum of L_k / L_0 in the second half of the run: the first step
at or below it is k* exactly, with a margin of half that drop on either side, far above
rounding (1e-16 .. 1e-10 relative here), so the counts must be equal, not within one.

    >>> tol, k, margin = midpoint_tol(np.array([[1.0], [0.5], [0.4], [0.1], [0.09]]))
    >>> int(k[0]), round(float(tol[0]), 4), round(float(margin[0]), 4)
    (3, 0.2, 0.6931)
"""

from __future__ import annotations

import math

import numpy as np

from numerics.gd.channel_gd import simulate_gd_channels
from numerics.gd.core import GDResult
from numerics.gd.reference import conv, gd_reference, gd_reference_path
from numerics.gd.simulate import random_filters, simulate_gd
from numerics.gd.status import TINY, UNDERFLOW
from proofs_check.claims.base import UNIT_ROUNDOFF, compared, ulp_sensitivity
from theory.checks import Check

PATHS = ("fourier", "fourier-numpy", "time", "channels numpy", "channels compiled")
SIM_SIDE = (
    "numerics.gd.simulate.simulate_gd (paths 'fourier', 'fourier-numpy', 'time'; "
    "simulate_gd_channels at width 1, 'numpy' and 'compiled')"
)


def every_path(x: np.ndarray, y: np.ndarray, filters: np.ndarray, **kw) -> dict[str, GDResult]:
    """The same GD (filters (trials, d, n)) on each of ``PATHS``."""
    layers = [filters[:, i][:, None, None, :] for i in range(filters.shape[1])]
    with np.errstate(all="ignore"):
        runs = {m: simulate_gd(x, y, filters, method=m, **kw) for m in PATHS[:3]}
        for m in ("numpy", "compiled"):
            runs[f"channels {m}"] = simulate_gd_channels(x, y, layers, method=m, **kw)
    return runs


def midpoint_tol(losses: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per trial of ``losses`` (steps + 1, trials): (tol, k*, margin). k* is the step of the
    largest drop of the running minimum of r_k = L_k / L_0 in the second half of the run (the
    whole run if none), tol = sqrt(min_{j<k*} r_j * r_{k*}), margin = log(min_{j<k*} r_j / r_{k*}) / 2:
    the first step with r_k <= tol is k*, and a relative change below the margin cannot move it."""
    r = losses / losses[0]
    steps, trials = r.shape[0] - 1, r.shape[1]
    before = np.vstack([np.full((1, trials), np.inf), np.minimum.accumulate(r, axis=0)[:-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        drop = np.where((r < before) & np.isfinite(before), np.log(before / r), 0.0)
    drop[steps] = 0.0  # a stop at k* < max_iter: the step count, not the end of the run, decides
    late = drop.copy()
    late[: steps // 2 + 1] = 0.0
    k = np.where(late.max(0) > 0, late.argmax(0), drop.argmax(0))
    cols = np.arange(trials)
    return np.sqrt(before[k, cols] * r[k, cols]), k, drop[k, cols] / 2


def paths_vs_loop(ctx, normalized: bool) -> list[Check]:
    """Every path's iteration count (exact) and its loss at the stop (to rounding) against the
    plain loop's, on one small problem with ``midpoint_tol``."""
    n, d, trials, steps = 8, 4, 6, 40
    eta = 0.005 if normalized else 0.01  # tame: rounding differences stay near 1e-12 over the run
    rng = np.random.default_rng([ctx.seed, 77])
    x, y = rng.normal(0, 1 / math.sqrt(n), n), rng.normal(size=n)
    f = random_filters(trials, d, n, seed=ctx.seed + 77)
    losses, _ = gd_reference(x, y, f, eta=eta, steps=steps, normalized=normalized)
    tol, k, margin = midpoint_tol(losses)
    cols = np.arange(trials)
    runs = every_path(x, y, f, eta=eta, normalized=normalized, max_iter=steps, tol=tol)
    gaps = {m: int(np.max(np.abs(r.iterations - k))) for m, r in runs.items()}
    worst = max(gaps, key=gaps.get)
    its = runs[worst].iterations

    def at_stop(start: np.ndarray) -> np.ndarray:
        return gd_reference(x, y, start, eta=eta, steps=steps, normalized=normalized)[0][k, cols]

    spread = np.maximum(ulp_sensitivity(at_stop, f, ctx.seed), math.sqrt(steps) * UNIT_ROUNDOFF)
    ref = losses[k, cols]
    units = {m: np.abs(r.final_loss - ref) / (spread * ref) for m, r in runs.items()}
    bad = {m: float(np.max(np.where(np.isfinite(u), u, np.inf))) for m, u in units.items()}
    lw = max(bad, key=bad.get)
    t = int(np.argmax(np.where(np.isfinite(units[lw]), units[lw], np.inf)))
    label = "CN" if normalized else "plain"
    common = f"n={n}, d={d}, {trials} trials, eta={eta}, {steps} steps of the plain loop"
    return [
        compared(
            f"{label} iteration counts: every simulator path vs the plain loop's first step below tol",
            "simulation",
            float(np.max(np.abs(its - k))),
            0.0,
            0.5,
            sides=(SIM_SIDE, "numerics.gd.reference.gd_reference (first step below tol, read here)"),
            detail=f"independent path: circulant time-domain GD with no driver and no stopping rule; {common}; "
            f"tol per trial halfway across a drop of the loop's loss (proofs_check.claims.gd_paths.midpoint_tol: "
            f"margin {np.min(margin):.2g} in log loss, rounding moves it by ~1e-12), so the first step below tol "
            f"is k* = {k.tolist()} exactly on every path; largest |count - k*| per path: "
            + ", ".join(f"{m} {g}" for m, g in gaps.items())
            + f"; sides: the worst path ({worst}): max |iterations - k*|, 0 (integers: tolerance 0.5 means equal)",
            values={
                "min_margin": float(np.min(margin)),
                **{f"max_count_gap_{m}": g for m, g in gaps.items()},
            },
        ),
        compared(
            f"{label} loss at the stop: every simulator path vs the plain loop",
            "simulation",
            float(runs[lw].final_loss[t]),
            float(ref[t]),
            30.0,
            scale=float(spread[t] * ref[t]),
            sides=(SIM_SIDE, "numerics.gd.reference.gd_reference"),
            detail=f"{common}; the loss at each path's stop step vs the loop's L_k* in units of each trial's "
            f"rounding sensitivity (how far 1-ulp perturbations of the start move L_k*, at least sqrt(steps) u; "
            f"{np.min(spread):.2g} to {np.max(spread):.2g}); tolerance 30 units (as the state-vs-loop rows); "
            "largest per path: "
            + ", ".join(f"{m} {b:.3g}" for m, b in bad.items())
            + f"; sides: the worst path ({lw}), trial {t}",
            values={f"max_units_{m}": b for m, b in bad.items()},
        ),
    ]


def stop_reading(x: np.ndarray, y: np.ndarray, f: np.ndarray, eta: float, normalized: bool, steps: int):
    """(label, step) per trial read off the plain loop's trajectory: 'underflowed' at the first
    step whose time-domain output z = c_d * ... * c_1 * x has lost its scale (plain: every |z_j|
    < UNDERFLOW; CN: ||Pz||^2 below the smallest normal float64), 'diverged' at the first whose
    loss is not finite or above 1e8 L_0 (the simulators' default factor) or whose taps are not
    finite; else 'running' (step -1)."""
    trials = f.shape[0]
    labels, stops = np.full(trials, "running", dtype=object), np.full(trials, -1)
    l0 = None
    with np.errstate(all="ignore"):
        for s in gd_reference_path(x, y, f, eta=eta, steps=steps, normalized=normalized):
            l0 = s.loss if l0 is None else l0
            z = np.broadcast_to(x, (trials, len(x)))
            for i in range(f.shape[1]):
                z = conv(s.filters[:, i], z)
            if normalized:
                lost = ((z - z.mean(-1, keepdims=True)) ** 2).sum(-1) < TINY
            else:
                lost = np.all(np.abs(z) < UNDERFLOW, axis=-1)
            grown = ~np.isfinite(s.loss) | (s.loss > 1e8 * l0) | ~np.all(np.isfinite(s.filters), axis=(1, 2))
            for t in np.flatnonzero(labels == "running"):
                if lost[t] or grown[t]:
                    labels[t], stops[t] = ("underflowed" if lost[t] else "diverged"), s.k
            if not np.any(labels == "running"):
                break
    return labels, stops


def _label(res: GDResult) -> np.ndarray:
    out = np.full(len(res.converged), "running", dtype=object)
    for name in ("converged", "diverged", "underflowed"):
        out[getattr(res, name)] = name
    return out


def planted_labels(ctx, normalized: bool) -> Check:
    """Every path's stop label and stop step on planted runs vs ``stop_reading``: a step far too
    large (eta = 1e200: one step overflows the output, the loss is NaN) and a start that has
    lost its scale (plain: filters times 1e-120 at d = 3, the output ~1e-360; CN: x times
    1e-300, ||Pz||^2 ~ 1e-600)."""
    n, d, trials = 8, 3, 3
    rng = np.random.default_rng([ctx.seed, 78])
    x, y = rng.normal(size=(2, n))
    f = random_filters(trials, d, n, seed=ctx.seed + 78)
    cases = {"eta = 1e200": (x, f, 1e200)}
    cases["lost scale"] = (x * 1e-300, f, 0.05) if normalized else (x, f * 1e-120, 0.05)
    wrong, text, total = 0, [], 0
    for name, (xc, fc, eta) in cases.items():
        labels, stops = stop_reading(xc, y, fc, eta, normalized, 3)
        runs = every_path(xc, y, fc, eta=eta, normalized=normalized, max_iter=3)
        for m, r in runs.items():
            got = _label(r)
            miss = int(np.sum(got != labels)) + int(r.steps_run != stops.max())
            wrong += miss
            total += trials + 1
            if miss:
                text.append(f"{name}, {m}: {got.tolist()} stopped at {r.steps_run}")
        text.insert(0, f"{name}: the loop reads {sorted(set(labels))} at step {stops.max()}")
    label = "CN" if normalized else "plain"
    return compared(
        f"{label} stop labels on planted runs: every simulator path vs a reading of the plain loop",
        "simulation",
        float(wrong),
        0.0,
        0.5,
        sides=(
            SIM_SIDE,
            "proofs_check.claims.gd_paths.stop_reading (numerics.gd.reference.gd_reference_path)",
        ),
        detail="a step far too large (eta = 1e200: NaN loss after one step, diverged) and a start whose output "
        "float64 cannot hold (underflowed), on every path; the reading uses the loop's time-domain output and "
        f"loss, not numerics.gd.status; n={n}, d={d}, {trials} trials each; "
        + "; ".join(text)
        + "; sides: labels or stop steps that differ, 0",
        values={"labels_and_steps_compared": total, "differing": wrong},
    )


def seeded_filters(ctx) -> list[Check]:
    """``random_filters``: the same seed gives the same filters and another seed others; the
    taps have the stated variance (default 1/n, and a given sigma2)."""
    shape, seed = (50, 4, 16), ctx.seed + 79
    a, b = random_filters(*shape, seed=seed), random_filters(*shape, seed=seed)
    c = random_filters(*shape, seed=seed + 1)
    failed = int(not np.array_equal(a, b)) + int(np.array_equal(a, c))
    rows = [
        compared(
            "random_filters: the same seed gives the same filters, another seed others",
            "float64",
            float(failed),
            0.0,
            0.5,
            sides=(
                "numerics.gd.simulate.random_filters (seed s, twice)",
                "numerics.gd.simulate.random_filters (seed s + 1)",
            ),
            same_code="determinism: the statement applies random_filters twice to one seed and once to another",
            detail=f"shape {shape}, seed {seed}: max |difference| same seed {float(np.max(np.abs(a - b))):.3g}, "
            f"other seed {float(np.max(np.abs(a - c))):.3g}; sides: facts that fail (of 2), 0",
            values={"failed_facts": failed},
        )
    ]
    for j, sigma2 in enumerate((None, 0.37)):
        taps = random_filters(*shape, seed=seed + 2 + j, sigma2=sigma2).ravel()
        want = 1 / shape[-1] if sigma2 is None else sigma2
        m = taps.size
        se = want * math.sqrt(2 / (m - 1))  # SE of a normal sample variance
        rows.append(
            compared(
                f"random_filters taps: sample variance vs sigma2 = {'1/n' if sigma2 is None else sigma2}",
                "simulation",
                float(np.var(taps, ddof=1)),
                want,
                4.0,
                scale=se,
                sides=(
                    "numerics.gd.simulate.random_filters (sample variance of its taps)",
                    "proofs_check.claims.gd_paths (the stated sigma2: T8's 1/n, or the one given)",
                ),
                detail=f"{m} taps, seed {seed + 2 + j}; standard error sigma2 sqrt(2/(m-1)) = {se:.3g}; in SE, tolerance 4",
                values={"taps": m, "stderr": se},
            )
        )
    return rows
