"""Resumable sweeps of ``simulate_gd`` over depths, normalizations, step sizes and seeds.

A sweep is a list of cells (normalization, depth, eta, seed); each cell runs ``trials``
random initializations (``random_filters`` with that seed) from one x, y drawn from the
sweep's seed. Every finished cell is committed to an SQLite database at once, keyed by
all of its parameters, so a sweep that is interrupted and restarted recomputes nothing
it has finished. Several processes may run sweeps on one database at once: each cell is
claimed in a write transaction before it is computed, so none is computed twice
(``Store``). ``best_step_sizes`` picks, per normalization and depth, the step size
that converges most often and then fastest (the fair comparison of THEORY C7).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import stat
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from numerics.gd.simulate import random_filters, simulate_gd
from numerics.store.files import pid_alive
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


RESULT_KEYS = ("iterations", "converged", "diverged", "underflowed", "final_loss", "seconds")
STORE_FORMAT = "proofs_check sweep store 1"
SQLITE_MAGIC = b"SQLite format 3\x00"


class StoreError(ValueError):
    """The file is not a usable sweep store (the CLI reports it against ``--db``)."""


def check_result(result: object) -> str | None:
    """Why a stored cell result is malformed, or None."""
    if not isinstance(result, dict):
        return "not a JSON object"
    missing = [k for k in RESULT_KEYS if k not in result]
    if missing:
        return f"missing {', '.join(missing)}"
    lists = [result[k] for k in RESULT_KEYS[:5]]
    if not all(isinstance(v, list) for v in lists) or len({len(v) for v in lists}) != 1:
        return "per-trial lists of unequal length"
    return None


class Store:
    """SQLite file of finished cells, safe for several processes at once.

    Table ``cells`` holds one row per finished cell (committed when the cell ends); table
    ``claims`` holds the cells a live process is computing now. A process takes a cell
    with ``claim_next`` inside an immediate (write-locked) transaction, so two sweeps on one
    file never compute the same cell: they share the work, and each one waits for the
    cells the other holds. A claim whose process died (same host) is taken over.

    ``:memory:`` gives a store private to this process. Refused with ``StoreError``: an
    empty path, a that is not a regular file, a read-only file or folder, a file that is not SQLite
    or is corrupted, an SQLite file with other tables (a foreign database is never
    modified), and rows that are not well-formed results.
    """

    def __init__(self, path: str, *, timeout: float = 60.0):
        self.path = path
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        problem = self._file_problem(path)
        if problem:
            raise StoreError(f"cannot use {path!r} as a sweep store: {problem}")
        try:
            self.db = sqlite3.connect(path, timeout=timeout, isolation_level=None)
            self._open()
        except sqlite3.DatabaseError as err:
            with contextlib.suppress(Exception):
                self.db.close()
            raise StoreError(f"cannot use {path!r} as a sweep store: {err}") from None

    @staticmethod
    def _file_problem(path: str) -> str | None:
        if path == ":memory:":
            return None  # a store for one process (claims use it); the CLI refuses it
        if not path or path.startswith("file:"):
            return "give a file path"
        real = os.path.realpath(path)
        folder = os.path.dirname(real) or "."
        if not os.path.isdir(folder):
            return f"folder {folder!r} does not exist"
        if not os.access(folder, os.W_OK | os.X_OK):
            return f"folder {folder!r} is not writable (SQLite keeps its journal there)"
        if os.path.exists(real):
            if not stat.S_ISREG(os.stat(real).st_mode):
                return "not a regular file"
            if not os.access(real, os.R_OK | os.W_OK) or not os.stat(real).st_mode & 0o222:
                return "the file is read-only"
            with open(real, "rb") as fh:
                head = fh.read(len(SQLITE_MAGIC))
            if head and head != SQLITE_MAGIC:
                return "not an SQLite database"
        return None

    def _open(self) -> None:
        tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            self.db.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (STORE_FORMAT,))
            self.db.execute("CREATE TABLE IF NOT EXISTS cells (key TEXT PRIMARY KEY, cell TEXT, result TEXT)")
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, owner TEXT, host TEXT, pid INTEGER, started REAL)"
            )
            self.db.execute("COMMIT")
            tables = {"meta", "cells", "claims"}
        foreign = tables - {"meta", "cells", "claims"}
        if foreign or "cells" not in tables:
            raise StoreError(
                f"{self.path!r} is an SQLite database but not a sweep store "
                f"(tables: {', '.join(sorted(tables))}); give another --db"
            )
        columns = [r[1] for r in self.db.execute("PRAGMA table_info(cells)")]
        if columns != ["key", "cell", "result"]:
            raise StoreError(f"{self.path!r}: table cells has columns {columns}, expected key, cell, result")
        if "claims" not in tables:  # a store written before claims existed
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, owner TEXT, host TEXT, pid INTEGER, started REAL)"
            )
        ok = self.db.execute("PRAGMA quick_check").fetchone()[0]
        if ok != "ok":
            raise StoreError(f"{self.path!r} is corrupted ({ok})")
        for key, cell, result in self.db.execute("SELECT key, cell, result FROM cells"):
            try:
                problem = check_result(json.loads(result))
                json.loads(cell)
            except (TypeError, ValueError):
                problem = "not valid JSON"
            if problem:
                raise StoreError(f"{self.path!r}: the stored row for {key[:80]} is malformed ({problem})")

    def _write(self, *statements: tuple[str, tuple]) -> None:
        """Run statements in one immediate transaction; a full disk or a read-only file is a StoreError."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
            for sql, params in statements:
                self.db.execute(sql, params)
            self.db.execute("COMMIT")
        except sqlite3.DatabaseError as err:
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
            raise StoreError(f"cannot write to {self.path!r}: {err}") from None

    def done(self) -> set[str]:
        return {k for (k,) in self.db.execute("SELECT key FROM cells")}

    def claim_next(self, cfg: SweepConfig, cells: Sequence[Cell]) -> tuple[Cell | None, int]:
        """Claim the first cell that is neither finished nor claimed (by any live process).

        Returns ``(cell, held)``: the claimed cell (None if none is free) and how many
        unfinished cells other processes hold now. Claims of dead processes on this host
        are taken over.
        """
        host = socket.gethostname()
        try:
            self.db.execute("BEGIN IMMEDIATE")
            done = self.done()
            held, claimed = {}, set()
            for key, owner, h, pid in self.db.execute("SELECT key, owner, host, pid FROM claims").fetchall():
                if h == host and owner != self.owner and not pid_alive(pid):
                    self.db.execute("DELETE FROM claims WHERE key = ?", (key,))
                    continue
                claimed.add(key)
                if owner != self.owner:
                    held[key] = owner
            chosen = None
            for cell in cells:
                k = cell.key(cfg)
                if k not in done and k not in claimed:
                    chosen = cell
                    self.db.execute(
                        "INSERT OR REPLACE INTO claims VALUES (?, ?, ?, ?, ?)",
                        (k, self.owner, host, os.getpid(), time.time()),
                    )
                    break
            self.db.execute("COMMIT")
        except sqlite3.DatabaseError as err:
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
            raise StoreError(f"cannot write to {self.path!r}: {err}") from None
        pending_held = sum(1 for c in cells if c.key(cfg) in held and c.key(cfg) not in done)
        return chosen, pending_held

    def put(self, key: str, cell: Cell, result: dict) -> None:
        """Store a finished cell and drop its claim, in one transaction."""
        self._write(
            (
                "INSERT OR REPLACE INTO cells VALUES (?, ?, ?)",
                (key, json.dumps(asdict(cell)), json.dumps(result)),
            ),
            ("DELETE FROM claims WHERE key = ?", (key,)),
        )

    def release(self) -> None:
        """Drop this process's claims (after an interruption), so others can take the cells."""
        with contextlib.suppress(StoreError, sqlite3.Error):
            self._write(("DELETE FROM claims WHERE owner = ?", (self.owner,)))

    def results(self, cfg: SweepConfig, cells: Iterable[Cell]) -> dict[Cell, dict]:
        out = {}
        for cell in cells:
            row = self.db.execute("SELECT result FROM cells WHERE key = ?", (cell.key(cfg),)).fetchone()
            if row:
                out[cell] = json.loads(row[0])
        return out

    def close(self) -> None:
        self.release()
        self.db.close()


def make_cells(
    normalizations: Sequence[str], depths: Sequence[int], etas: Sequence[float], seeds: Sequence[int]
) -> list[Cell]:
    """Every combination, each once (duplicates in the inputs are dropped, order kept)."""
    cells = [
        Cell(m, int(d), float(e), int(s)) for m in normalizations for d in depths for e in etas for s in seeds
    ]
    return list(dict.fromkeys(cells))


def _bar(total: int, progress: bool):
    """A tqdm bar on stderr, shown only on a terminal (quiet in logs and pipes)."""
    from tqdm import tqdm

    return tqdm(total=total, unit="cell", file=sys.stderr, disable=None if progress else True, leave=False)


def connect_dask(address: str, timeout: float = 5.0):
    """A Dask client: ``local`` starts a local cluster; otherwise the scheduler at ``address``
    must answer within ``timeout`` seconds (ValueError naming ``--dask`` if not)."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as err:
        raise ValueError("--dask needs the optional extra: pip install '.[dask]'") from err
    if address == "local":
        return Client(LocalCluster(processes=True))
    try:
        return Client(address, timeout=f"{timeout}s")
    except (OSError, TimeoutError, ValueError) as err:
        raise ValueError(f"--dask: cannot reach a scheduler at {address!r} ({type(err).__name__})") from None


@checked(cfg=instance_of(SweepConfig), store=instance_of(Store), progress=flag)
def run_sweep(
    cfg: SweepConfig,
    cells: Sequence[Cell],
    store: Store,
    *,
    progress: bool = True,
    dask_address: str | None = None,
    dask_client: Any = None,
    on_cell: Callable[[Cell], None] | None = None,
    poll: float = 0.5,
) -> int:
    """Compute the cells not yet in ``store``; return how many this process computed.

    Cells are claimed one at a time in the store (``Store.claim_next``), so several
    processes on one store share the cells and none is computed twice; a process waits at
    the end for the cells others are still computing. With ``dask_address`` ("local" for a
    local cluster) this process claims the pending cells and maps them over a Dask cluster,
    storing each as it completes (needs the ``dask`` extra; Dask moves results with pickle,
    so the scheduler must be trusted).
    """
    cells = list(dict.fromkeys(cells))
    done = store.done()
    pending = [c for c in cells if c.key(cfg) not in done]
    if progress and len(pending) < len(cells):
        print(
            f"resuming: {len(cells) - len(pending)} of {len(cells)} cells already finished", file=sys.stderr
        )
    client = dask_client
    if client is None and dask_address is not None and pending:
        client = connect_dask(dask_address)
    computed, waiting_said = 0, False
    bar = _bar(len(pending), progress)
    try:
        if client is not None:
            from dask.distributed import as_completed

            mine = []
            while (cell := store.claim_next(cfg, pending)[0]) is not None:
                mine.append(cell)
            futures = {client.submit(run_cell, cfg, c, pure=False): c for c in mine}
            for fut in as_completed(futures):
                cell = futures[fut]
                store.put(cell.key(cfg), cell, fut.result())
                computed += 1
                bar.update()
        while True:
            cell, held = store.claim_next(cfg, pending)
            if cell is None:
                if not held:
                    break
                if not waiting_said:
                    print(
                        f"waiting for {held} cell(s) another process is computing in {store.path}",
                        file=sys.stderr,
                    )
                    waiting_said = True
                time.sleep(poll)
                continue
            if on_cell is not None:
                on_cell(cell)
            bar.set_postfix_str(f"{cell.normalization}, d={cell.depth}, eta={cell.eta:g}")
            store.put(cell.key(cfg), cell, run_cell(cfg, cell))
            computed += 1
            bar.update()
    finally:
        bar.close()
        store.release()
        if client is not None and dask_client is None:
            client.close()
    return computed


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
