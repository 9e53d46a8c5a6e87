"""Resumable sweeps of ``simulate_gd`` over depths, normalizations, step sizes and seeds.

A sweep is a list of cells (normalization, depth, eta, seed); each cell runs ``trials``
random initializations (``random_filters`` with that seed) from one x, y drawn from the
sweep's seed. The cells run through the one runner, ``numerics.store.cells.run_cells``
(experiment ``"sweep"``): each finished cell is committed to the SQLite cell store at once,
keyed by all of its parameters and the code version, so a sweep that is interrupted and
restarted recomputes nothing it has finished; several processes may share one store, and
``dask`` maps the cells onto a cluster. ``best_step_sizes`` picks, per normalization and depth, the step size
that converges most often and then fastest (the fair comparison of C7).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from numerics.gd.simulate import random_filters, simulate_gd
from numerics.store.cells import CellStore, StoreError, run_cells
from theory.validation import checked, flag, instance_of, sequence_of

NORMALIZATIONS = ("none", "channel")


@dataclass(frozen=True)
class SweepConfig:
    n: int = 16
    trials: int = 8
    tol: float = 1e-3
    max_iter: int = 10000
    seed: int = 0
    filter_length: int | None = None
    momentum: float = 0.0


@dataclass(frozen=True)
class Cell:
    normalization: str
    depth: int
    eta: float
    seed: int


def problem(cfg: SweepConfig) -> tuple[np.ndarray, np.ndarray]:
    """The sweep's input and target: x ~ N(0, I/n), y ~ N(0, I).

    x is not centered: with x̂_0 = 0 the plain network could never fit the mean of y and
    no plain run would reach a relative tolerance, which would say nothing about depth.
    """
    rng = np.random.default_rng(cfg.seed)
    return rng.normal(0, 1 / np.sqrt(cfg.n), cfg.n), rng.normal(size=cfg.n)


def run_cell(cfg: SweepConfig, cell: Cell) -> dict:
    """Run one cell; a JSON-ready dict of per-trial outcomes."""
    x, y = problem(cfg)
    filters = random_filters(cfg.trials, cell.depth, cfg.n, seed=cell.seed, length=cfg.filter_length)
    res = simulate_gd(
        x,
        y,
        filters,
        eta=cell.eta,
        normalized=cell.normalization == "channel",
        max_iter=cfg.max_iter,
        tol=cfg.tol,
        momentum=cfg.momentum,
        filter_length=cfg.filter_length,
    )
    return {
        "iterations": res.iterations.tolist(),
        "converged": res.converged.tolist(),
        "diverged": res.diverged.tolist(),
        "underflowed": res.underflowed.tolist(),
        "final_loss": [float(v) for v in res.final_loss],
    }


RESULT_KEYS = ("iterations", "converged", "diverged", "underflowed", "final_loss")


def check_result(result: object) -> str | None:
    """Why a stored cell result is malformed, or None."""
    if not isinstance(result, dict):
        return "not a JSON object"
    missing = [k for k in RESULT_KEYS if k not in result]
    if missing:
        return f"missing {', '.join(missing)}"
    lists = [result[k] for k in RESULT_KEYS]
    if not all(isinstance(v, list) for v in lists) or len({len(v) for v in lists}) != 1:
        return "per-trial lists of unequal length"
    return None


def make_cells(
    normalizations: Sequence[str], depths: Sequence[int], etas: Sequence[float], seeds: Sequence[int]
) -> list[Cell]:
    """Every combination, each once (duplicates in the inputs are dropped, order kept)."""
    cells = [
        Cell(m, int(d), float(e), int(s)) for m in normalizations for d in depths for e in etas for s in seeds
    ]
    return list(dict.fromkeys(cells))


def sweep_cell(params: dict) -> dict:
    """The runner's cell of experiment ``"sweep"``: ``run_cell`` of the config and cell in ``params``."""
    cfg = SweepConfig(**{k: params[k] for k in SweepConfig.__dataclass_fields__})
    return run_cell(cfg, Cell(**{k: params[k] for k in Cell.__dataclass_fields__}))


@checked(cfg=instance_of(SweepConfig), progress=flag)
def run_sweep(
    cfg: SweepConfig,
    cells: Sequence[Cell],
    store: str | CellStore | None = None,
    *,
    progress: bool = True,
    dask: Any = None,
) -> dict[Cell, dict]:
    """Every cell's result, computing those not yet in ``store`` (``numerics.store.cells.run_cells``,
    experiment ``"sweep"``: several processes on one store share the cells, an interrupted
    sweep resumes, ``dask`` maps the cells onto a cluster). A stored result that is not a
    sweep cell's is a ``StoreError``."""
    cells = list(dict.fromkeys(cells))
    results = run_cells(
        "sweep",
        sweep_cell,
        [{**asdict(cfg), **asdict(c)} for c in cells],
        store=store,
        dask=dask,
        progress=progress,
        label=lambda p: f"{p['normalization']}, d={p['depth']}, eta={p['eta']:g}",
    )
    for cell, result in zip(cells, results):
        problem = check_result(result)
        if problem:
            where = store.path if isinstance(store, CellStore) else store
            raise StoreError(f"{where!r}: the stored result of {cell} is malformed ({problem})")
    return dict(zip(cells, results))


@dataclass(frozen=True)
class Summary:
    normalization: str
    depth: int
    eta: float
    trials: int
    converged: int
    diverged: int
    underflowed: int
    median: float
    q10: float
    q90: float


@checked(cfg=instance_of(SweepConfig))
def summarize(cfg: SweepConfig, results: dict[Cell, dict]) -> list[Summary]:
    """Per (normalization, depth, eta): convergence counts and iteration quantiles.

    Quantiles count a trial that did not converge as +inf, so a median is finite only if
    more than half of the trials converged.
    """
    groups: dict[tuple, list[dict]] = {}
    for cell, res in results.items():
        groups.setdefault((cell.normalization, cell.depth, cell.eta), []).append(res)
    out = []
    for (m, d, e), rs in sorted(groups.items()):
        its = np.concatenate([np.where(r["converged"], r["iterations"], np.inf) for r in rs]).astype(float)
        q10, med, q90 = (float(np.quantile(its, q, method="inverted_cdf")) for q in (0.1, 0.5, 0.9))
        out.append(
            Summary(
                m,
                d,
                e,
                len(its),
                int(np.isfinite(its).sum()),
                int(sum(sum(r["diverged"]) for r in rs)),
                int(sum(sum(r["underflowed"]) for r in rs)),
                med,
                q10,
                q90,
            )
        )
    return out


@checked(summaries=sequence_of(Summary))
def best_step_sizes(summaries: Sequence[Summary]) -> list[Summary]:
    """Per (normalization, depth) the step size with most converged trials, then lowest median."""
    best: dict[tuple, Summary] = {}
    for s in summaries:
        k = (s.normalization, s.depth)
        if k not in best or (-s.converged, s.median, s.q90) < (
            -best[k].converged,
            best[k].median,
            best[k].q90,
        ):
            best[k] = s
    return [best[k] for k in sorted(best)]


def edge_warnings(summaries: Sequence[Summary]) -> list[str]:
    """The tuned step sizes that lie on the edge of their grid (the best may lie beyond it).

    With one step size in the grid nothing was tuned; that is said once.
    """
    grid = sorted({s.eta for s in summaries})
    if len(grid) < 2:
        return [f"only one step size ({grid[0]:g}) in the grid: nothing was tuned"] if grid else []
    out = []
    for b in best_step_sizes(summaries):
        if b.converged and b.eta in (grid[0], grid[-1]):
            side = "smallest" if b.eta == grid[0] else "largest"
            out.append(
                f"{b.normalization} d={b.depth}: eta*={b.eta:g} is the {side} step size of the grid; "
                f"extend --eta {'down' if side == 'smallest' else 'up'} to be sure it is the best"
            )
    return out
