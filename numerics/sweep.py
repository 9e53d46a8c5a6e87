"""Resumable sweeps of ``simulate_gd`` over depths, normalizations, step sizes and seeds.

A sweep is a list of cells (normalization, depth, eta, seed); each cell runs ``trials``
random initializations (``random_filters`` with that seed) from one x, y drawn from the
sweep's seed. Every finished cell is committed to an SQLite database at once, keyed by
all of its parameters, so a sweep that is interrupted and restarted recomputes nothing
it has finished. ``best_step_sizes`` picks, per normalization and depth, the step size
that converges most often and then fastest (the fair comparison of THEORY C7).
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from numerics.simulate import random_filters, simulate_gd

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

    def key(self, cfg: SweepConfig) -> str:
        return json.dumps({**asdict(cfg), **asdict(self)}, sort_keys=True)


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
        "seconds": res.seconds,
    }


class Store:
    """SQLite table of finished cells (one row per cell, committed when the cell ends)."""

    def __init__(self, path: str):
        self.db = sqlite3.connect(path)
        self.db.execute("CREATE TABLE IF NOT EXISTS cells (key TEXT PRIMARY KEY, cell TEXT, result TEXT)")
        self.db.commit()

    def done(self) -> set[str]:
        return {k for (k,) in self.db.execute("SELECT key FROM cells")}

    def put(self, key: str, cell: Cell, result: dict) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO cells VALUES (?, ?, ?)",
            (key, json.dumps(asdict(cell)), json.dumps(result)),
        )
        self.db.commit()

    def results(self, cfg: SweepConfig, cells: Iterable[Cell]) -> dict[Cell, dict]:
        out = {}
        for cell in cells:
            row = self.db.execute("SELECT result FROM cells WHERE key = ?", (cell.key(cfg),)).fetchone()
            if row:
                out[cell] = json.loads(row[0])
        return out

    def close(self) -> None:
        self.db.close()


def make_cells(
    normalizations: Sequence[str], depths: Sequence[int], etas: Sequence[float], seeds: Sequence[int]
) -> list[Cell]:
    return [Cell(m, d, float(e), s) for m in normalizations for d in depths for e in etas for s in seeds]


def _progress(done: int, total: int, cell: Cell, seconds: float, started: float) -> None:
    width = 30
    filled = int(width * done / total) if total else width
    eta_left = (time.perf_counter() - started) / max(done, 1) * (total - done)
    print(
        f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} cells "
        f"({cell.normalization}, d={cell.depth}, eta={cell.eta:g}: {seconds:.1f} s; ~{eta_left:.0f} s left)",
        end="",
        file=sys.stderr,
        flush=True,
    )


def run_sweep(
    cfg: SweepConfig,
    cells: Sequence[Cell],
    store: Store,
    *,
    progress: bool = True,
    dask_address: str | None = None,
    on_cell: Callable[[Cell], None] | None = None,
) -> int:
    """Run the cells not yet in ``store``; return how many were computed now.

    With ``dask_address`` ("local" for a local cluster) the pending cells are mapped over a
    Dask cluster and stored as they complete (needs the ``dask`` extra).
    """
    done = store.done()
    pending = [c for c in cells if c.key(cfg) not in done]
    if progress and len(pending) < len(cells):
        print(
            f"resuming: {len(cells) - len(pending)} of {len(cells)} cells already finished", file=sys.stderr
        )
    started = time.perf_counter()
    if dask_address is not None:
        try:
            from dask.distributed import Client, LocalCluster, as_completed
        except ImportError as err:
            raise ValueError("--dask needs the optional extra: pip install '.[dask]'") from err
        client = Client(LocalCluster(processes=True)) if dask_address == "local" else Client(dask_address)
        try:
            futures = {client.submit(run_cell, cfg, c, pure=False): c for c in pending}
            for k, fut in enumerate(as_completed(futures), 1):
                cell = futures[fut]
                result = fut.result()
                store.put(cell.key(cfg), cell, result)
                if progress:
                    _progress(k, len(pending), cell, result["seconds"], started)
        finally:
            client.close()
    else:
        for k, cell in enumerate(pending, 1):
            if on_cell is not None:
                on_cell(cell)
            result = run_cell(cfg, cell)
            store.put(cell.key(cfg), cell, result)
            if progress:
                _progress(k, len(pending), cell, result["seconds"], started)
    if progress and pending:
        print(file=sys.stderr)
    return len(pending)


@dataclass(frozen=True)
class Summary:
    normalization: str
    depth: int
    eta: float
    trials: int
    converged: int
    diverged: int
    median: float
    q10: float
    q90: float


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
                med,
                q10,
                q90,
            )
        )
    return out


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
