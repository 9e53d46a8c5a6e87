"""Simulation experiments that confirm or measure claims: T9 (GD), C3, C6, C7."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import mpmath
import numpy as np
from mpmath import mp

from numerics.gd.reference import gd_reference_path
from numerics.gd.simulate import FourierGD, simulate_gd
from numerics.hp.flow import THETA_MAX, ScalarFlow, exact_time, lower_bound
from numerics.mc.rates import complex_weights, fit, real_scalar_network_as_filters, scalar_network_as_filters
from theory.validation import (
    check_memory,
    checked,
    choices,
    filter_table,
    memory_needed,
    reals,
    same_length,
    t9_weights_arguments,
    vector,
)


@dataclass
class GDBoundReport:
    """T9 for GD on scalar complex networks, per depth and step size."""

    depth: int
    eta: float
    trials: int
    converged: int
    valid: int  # trials whose run met tau <= 1 and sigma <= THETA_MAX
    min_ratio: float  # min over valid converged trials of steps / (2/(2+theta) * LB / eta)
    median_rel_err: float  # median |eta * steps - T| / T over converged trials
    median_steps: float
    #: per trial: the largest tau and sigma along its run, and whether the bound was tested on it
    #: (the ``valid`` runs: the records a check of T9's hypotheses reads)
    max_tau: np.ndarray = field(default_factory=lambda: np.zeros(0))
    max_sigma: np.ndarray = field(default_factory=lambda: np.zeros(0))
    tested: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))


def t9_starts(d: int, trials: int, seed: int = 0) -> np.ndarray:
    """The weights of ``t9_gd_bounds``'s scalar networks at depth d, shape (trials, d): trial k
    is ``complex_weights(d, seed + 1000 d + k)`` (iid CN(0, 1), E|z|^2 = 1)."""
    return np.stack([complex_weights(d, seed + 1000 * d + k) for k in range(trials)])


@checked()
def t9_gd_bounds(
    depths: Sequence[int],
    etas: Sequence[float],
    trials: int,
    seed: int = 0,
    goal: float = 0.5,
    max_iter: int = 200000,
    weights: Sequence[Sequence[complex]] | None = None,
) -> tuple[list[GDBoundReport], dict]:
    """Run GD on scalar networks u = prod z_i (a = b = 1) and compare with T6/T9.

    Returns per (depth, eta) reports and, for the smallest eta, the fitted growth rate of
    log(steps) against depth over trials that converged at every depth (None for fewer than
    two trials or two depths). The starts are ``t9_starts(d, trials, seed)``, or the rows of
    ``weights`` (the ``trials`` starts, one row of complex weights each) whose length is d.
    """
    given = None if weights is None else t9_weights_arguments(weights, depths, trials)
    reports, logs = [], {}
    for d in depths:
        z = t9_starts(d, trials, seed) if given is None else given[d]
        filters, x, y = scalar_network_as_filters(z, 1, 1)
        with mp.workdps(20):
            flows = [ScalarFlow.from_weights(list(row), 1, 1) for row in z]
            t_exact = np.array([float(exact_time(f, mpmath.mpf(goal), fast=True)) for f in flows])
            bound = np.array([float(lower_bound(f, mpmath.mpf(goal))[0]) for f in flows])
        r0 = np.array([float(abs(f.r0)) for f in flows])
        tol = np.minimum((goal / r0) ** 2, 0.999)
        for eta in etas:
            res = simulate_gd(x, y, filters, eta=eta, max_iter=max_iter, tol=tol, track_conditions=True)
            conv = res.converged & (r0 > goal)
            valid = conv & (res.max_tau <= 1) & (res.max_sigma <= THETA_MAX)
            theta = np.clip(res.max_sigma, 1e-300, THETA_MAX)
            gd_bound = 2 / (2 + theta) * bound / eta
            ratio = res.iterations[valid] / np.maximum(gd_bound[valid], 1e-300)
            rel = np.abs(eta * res.iterations[conv] - t_exact[conv]) / t_exact[conv]
            reports.append(
                GDBoundReport(
                    d,
                    eta,
                    trials,
                    int(conv.sum()),
                    int(valid.sum()),
                    float(ratio.min()) if ratio.size else math.nan,
                    float(np.median(rel)) if rel.size else math.nan,
                    float(np.median(res.iterations[conv])) if conv.any() else math.nan,
                    res.max_tau.copy(),
                    res.max_sigma.copy(),
                    valid,
                )
            )
            if eta == min(etas):
                logs[d] = np.where(conv, np.log(np.maximum(res.iterations, 1)), np.nan)
    table = np.array([logs[d] for d in depths]).T
    table = table[np.all(np.isfinite(table), axis=1)]
    rate = fit(depths, table) if len(table) >= 2 and len(set(depths)) >= 2 else None
    return reports, {"rate": rate, "trials_used": len(table)}


@dataclass(frozen=True)
class EdgeRun:
    """One GD run of T9's discrete bound near the edge of its step-size condition."""

    depth: int
    f0: float
    eta: float
    steps: int
    max_tau: float
    max_sigma: float
    bound_steps: float  # 2/(2 + theta) * lower_bound / eta with theta = max sigma

    @property
    def ratio(self) -> float:
        return self.steps / self.bound_steps


def _edge_run(z: np.ndarray, eta: float, goal: float, lb: float) -> EdgeRun | None:
    filters, x, y = real_scalar_network_as_filters(z[None], 1.0, 1.0)
    r0 = abs(1 - float(np.prod(z)))
    res = simulate_gd(
        x, y, filters, eta=eta, max_iter=10**6, tol=np.array([(goal / r0) ** 2]), track_conditions=True
    )
    if not res.converged[0] or res.max_tau[0] > 1 or res.max_sigma[0] > THETA_MAX:
        return None
    theta = max(float(res.max_sigma[0]), 1e-300)
    bound = 2 / (2 + theta) * lb / eta
    return EdgeRun(
        len(z), float(np.prod(z)), eta, int(res.iterations[0]), float(res.max_tau[0]), theta, bound
    )


@checked(
    starts=reals(0, lo_open=True),
    spreads=reals(0, lo_open=True),
    fractions=reals(0, 1, lo_open=True, hi_open=False),
)
def t9_gd_bound_edge(
    depths: Sequence[int] = (1, 2, 3, 4),
    starts: Sequence[float] = (0.02, 0.1, 0.25, 0.4, 0.45),
    spreads: Sequence[float] = (1.0, 3.0),
    goal: float = 0.5,
    fractions: Sequence[float] = (1.0, 0.9, 0.7, 0.5, 0.3, 0.1, 0.03),
) -> list[EdgeRun]:
    """T9's discrete bound where its GD-specific terms matter: step sizes at the edge of
    tau <= 1, sigma <= 0.85, from starts that make the GF bound tight.

    Real scalar networks (a = b = 1, matched sign, so Re q = |q| and the residual shrinks
    monotonically) with f0 = prod z_i in ``starts`` (up to the goal 1 - goal = 0.5) and moduli
    ratio ``spread`` between the largest and the smallest layer. For each start the largest
    valid eta (a run that converges with tau <= 1 and sigma <= 0.85 at every step) is found by
    bisection in log eta; the runs at that eta times ``fractions`` are returned (all valid).
    """
    runs = []
    for d in depths:
        for f0 in starts:
            for spread in spreads if d > 1 else (1.0,):
                logs = np.linspace(0, math.log(spread), d)
                z = np.exp(logs - logs.mean()) * f0 ** (1 / d)
                with mp.workdps(20):
                    lb = float(lower_bound(ScalarFlow.from_weights(list(z), 1, 1), mpmath.mpf(goal))[0])
                if lb == 0:
                    continue
                lo, hi = math.log(1e-3), math.log(20.0)  # log eta
                if _edge_run(z, math.exp(lo), goal, lb) is None:
                    continue
                for _ in range(14):
                    mid = (lo + hi) / 2
                    lo, hi = (mid, hi) if _edge_run(z, math.exp(mid), goal, lb) is not None else (lo, mid)
                for frac in fractions:
                    run = _edge_run(z, math.exp(lo) * frac, goal, lb)
                    if run is not None:
                        runs.append(run)
    return runs


@checked(normalizations=choices("none", "channel"))
def gradient_norms_at_init(
    n: int,
    depths: Sequence[int],
    draws: int,
    seed: int = 0,
    layer: int = 0,
    chunk: int = 5000,
    normalizations: Sequence[str] = ("none", "channel"),
) -> tuple[dict[tuple[str, int], np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """||grad_{c_layer} L|| at random initializations, plain and CN (the width-k theory setup).

    x centered with N(0, 1/n) entries, filters N(0, 1/n), y ~ N(0, I), fixed per ``seed``.
    Returns ({(normalization, depth): norms}, (x, y)).
    """
    if layer >= min(depths):
        raise ValueError(f"layer must be in [0, min(depths) - 1 = {min(depths) - 1}], got {layer}")
    check_memory(
        memory_needed(min(chunk, draws), max(depths), n) + 16 * draws * len(depths) * len(normalizations),
        f"gradient_norms_at_init: {draws} draws x {len(depths)} depths x {len(normalizations)} normalizations",
    )
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1 / math.sqrt(n), n)
    x -= x.mean()
    y = rng.normal(size=n)
    out = {}
    for d in depths:
        for norm in normalizations:
            vals = []
            for k, start in enumerate(range(0, draws, chunk)):
                g = np.random.default_rng([seed, d, k]).normal(
                    0, 1 / math.sqrt(n), (min(chunk, draws - start), d, n)
                )
                vals.append(FourierGD(g, x, y, norm == "channel").grad_norms()[:, layer])
            out[(norm, d)] = np.concatenate(vals)
    return out, (x, y)


@checked(y=vector)
def cn_limit_law(y: np.ndarray, draws: int, seed: int = 0) -> np.ndarray:
    """Draws of the d -> infinity limit of ||grad_{c_1} L_CN|| at sigma^2 = 1/n (gain 1).

    As d grows, one complex frequency W dominates z = f(C) (every log|ẑ_w| is a random walk
    with drift -gamma_E/2, the real ones drift faster to 0, so W is uniform on 1..ceil(n/2)-1).
    Then Pz is a sinusoid at W with a uniform phase Psi, h removes from y its component
    along û, and grad_{c_1} = h ⋆ u_1 with û_1 = ẑ/ĉ_1 at W, which gives

        ||grad_{c_1} L_CN|| -> sqrt(n) |ŷ_W| |sin(arg ŷ_W - Psi)| / |Z|,   Z ~ CN(0, 1),

    a law that does not depend on d. Sampled directly (no network is built), so it is an
    independent path to the simulated norms.
    """
    n = len(y)
    check_memory(64 * draws, f"cn_limit_law: {draws} draws")
    y_hat = np.fft.fft(y)
    rng = np.random.default_rng(seed)
    w = rng.integers(1, (n + 1) // 2, draws)
    psi = rng.uniform(0, 2 * np.pi, draws)
    z = np.abs(rng.normal(size=draws) + 1j * rng.normal(size=draws)) / math.sqrt(2)
    return math.sqrt(n) * np.abs(y_hat[w]) * np.abs(np.sin(np.angle(y_hat[w]) - psi)) / z


@checked(filters=filter_table, y=vector)
def c4_bound(filters: np.ndarray, y: np.ndarray) -> np.ndarray:
    """C4's depth-free bound n |gamma| ||Py|| / min_{w != 0} |ĉ_{i,w}| (gamma = 1) per filter,
    for filters of shape (..., d, n); float64."""
    n = filters.shape[-1]
    same_length(n, y=y)
    return n * np.linalg.norm(y - y.mean()) / np.abs(np.fft.rfft(filters, axis=-1))[..., 1:].min(-1)


def c3_problem(n: int, d: int, trials: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, y, filters) for C3: x, y ~ N(0, I), filters N(0, 1/n), shape (trials, d, n)."""
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=n), rng.normal(size=n)
    return x, y, np.random.default_rng(seed + 1).normal(0, 1 / math.sqrt(n), (trials, d, n))


def cn_time_path(
    x: np.ndarray, y: np.ndarray, filters: np.ndarray, eta: float, steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """(||c(k)||^2 for k = 0..steps, eta^2 ||grad(k)||^2 for k < steps) of CN GD on the taps
    (``numerics.gd.reference``: circulant matrices, no FFT), each of shape (k, trials, d)."""
    path = list(gd_reference_path(x, y, filters, eta=eta, steps=steps, normalized=True))
    c2 = np.array([np.sum(s.filters**2, -1) for s in path])
    return c2, eta**2 * np.array([np.sum(s.grads**2, -1) for s in path[:-1]])


@checked()
def norm_growth_two_paths(
    n: int, d: int, trials: int, eta: float, steps: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """C3 along a CN GD trajectory, the two sides from independent code paths.

    Returns (growth, predicted, norms2), each of shape (steps, trials, d):
    growth = ||c(k+1)||^2 - ||c(k)||^2 from time-domain GD on the taps (``cn_time_path``);
    predicted = eta^2 ||grad(k)||^2 from the phase-free Fourier state (``numerics.gd.simulate``);
    norms2 = ||c(k+1)||^2 (time domain).
    """
    check_memory(
        memory_needed(trials, d, n) + 8 * trials * d * (n * n + 4 * (steps + 1) * (1 + 10)),
        f"norm_growth_two_paths: trials {trials} x d {d} x n {n} x steps {steps}",
    )
    x, y, g = c3_problem(n, d, trials, seed)
    res = simulate_gd(
        x, y, g, eta=eta, normalized=True, max_iter=steps, tol=0, record=True, record_points=10 * steps
    )
    if not np.array_equal(res.record["steps"], np.arange(steps + 1)):
        raise RuntimeError("the record must hold every step")
    c2, _ = cn_time_path(x, y, g, eta, steps)
    predicted = eta**2 * res.record["grad_norms"][:-1] ** 2
    return c2[1:] - c2[:-1], predicted, c2[1:]
