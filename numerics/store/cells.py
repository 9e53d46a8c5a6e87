"""The one runner of long experiments: cells in one SQLite store, here or on a Dask cluster.

An experiment is a list of cells, each a JSON-ready dict of parameters (the seed is one of
them), and a module-level function ``compute(params) -> dict`` that is deterministic given
its parameters. A cell's key is

    [experiment, code version, params]     (canonical JSON: sorted keys, no spaces)

with the code version by default the first 12 hex digits of the SHA-256 of the source of
``compute``'s module, so a changed algorithm never reuses old results. ``run_cells``
computes the cells whose key is not in the store, commits each result the moment its cell
finishes, and returns every result (from the store: a resumed run returns the same JSON
as a fresh one) in the order of the cells::

    >>> run_cells("demo", _demo_square, [{"x": 3}, {"x": 4}], progress=False)
    [{'x2': 9}, {'x2': 16}]

``CellStore`` is the SQLite file (``:memory:`` for one process): table ``cells`` (key,
params, result), table ``claims`` (the cells a live process computes now). Cells are
claimed in an immediate (write-locked) transaction, so several processes on one file share
the cells and never compute one twice; a dead process's claims (same host) are taken
over; an interruption (Ctrl-C, SIGTERM) keeps the finished cells and releases the claims.

With ``dask`` (``"local"``: a ``LocalCluster`` of this machine's cores, one thread each;
``"tcp://host:port"``: an existing scheduler; or a ``distributed.Client``) this process
claims the pending cells, maps them onto the cluster and stores each result as it arrives.
Where a cell ran changes nothing: a worker runs the same ``compute`` on the same params
(and refuses to if its copy of the module differs), and nothing the project computes
depends on the thread count (the numba ``prange`` loops are per trial). Dask moves
functions and results with pickle: use only a scheduler you trust.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import json
import os
import socket
import sqlite3
import stat
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from numerics.store.files import pid_alive

STORE_FORMAT = "proofs_check cell store 2"
SQLITE_MAGIC = b"SQLite format 3\x00"
#: The store of ``proofs_check --full`` runs when ``--store`` is not given (in the current folder).
DEFAULT_STORE = "proofs_check_cells.sqlite"
#: Seconds to wait for a Dask scheduler before ``--dask`` is refused.
DASK_TIMEOUT = 5.0
_CLAIMS_TABLE = "CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, owner TEXT, host TEXT, pid INTEGER, started REAL)"


class StoreError(ValueError):
    """The file is not a usable cell store, or cannot be written (the CLI names its option)."""


def canonical(value: Any) -> str:
    """Canonical JSON (sorted keys, no spaces); ValueError if ``value`` is not JSON-ready."""
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as err:
        raise ValueError(f"cell parameters must be JSON-ready (finite numbers): {err}") from None


def cell_key(experiment: str, params: dict, version: str) -> str:
    """The key of one cell: canonical JSON of [experiment, version, params]."""
    return canonical([experiment, version, params])


@functools.cache
def _module_version(module: str) -> str:
    return hashlib.sha256(inspect.getsource(sys.modules[module]).encode()).hexdigest()[:12]


def code_version(compute: Callable) -> str:
    """The default code version of ``compute``: the first 12 hex digits of the SHA-256 of its
    module's source."""
    return _module_version(compute.__module__)


class CellStore:
    """SQLite file of finished cells, safe for several processes at once (see the module).

    Refused with ``StoreError``: an empty path, a path that is not a regular file, a read-only
    file or folder, a file that is not SQLite or is corrupted, an SQLite file with other
    tables (a foreign database is never modified), rows that are not JSON objects.
    ``computed`` counts the cells this object stored.
    """

    def __init__(self, path: str | os.PathLike = ":memory:", *, timeout: float = 60.0):
        self.path = os.fspath(path)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.computed = 0
        problem = self.file_problem(self.path)
        if problem:
            raise StoreError(f"cannot use {self.path!r} as a cell store: {problem}")
        try:
            self.db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
            self._open()
        except sqlite3.DatabaseError as err:
            with contextlib.suppress(Exception):
                self.db.close()
            raise StoreError(f"cannot use {self.path!r} as a cell store: {err}") from None

    @staticmethod
    def file_problem(path: str) -> str | None:
        """Why ``path`` cannot hold a cell store (before opening it), or None."""
        if path == ":memory:":
            return None
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
            self.db.execute(_CLAIMS_TABLE)
            self.db.execute("COMMIT")
            tables = {"meta", "cells", "claims"}
        foreign = tables - {"meta", "cells", "claims"}
        if foreign or "cells" not in tables:
            raise StoreError(
                f"{self.path!r} is an SQLite database but not a cell store "
                f"(tables: {', '.join(sorted(tables))}); give another file"
            )
        columns = [r[1] for r in self.db.execute("PRAGMA table_info(cells)")]
        if columns != ["key", "cell", "result"]:
            raise StoreError(f"{self.path!r}: table cells has columns {columns}, expected key, cell, result")
        if "claims" not in tables:  # a store written before claims existed
            self.db.execute(_CLAIMS_TABLE)
        ok = self.db.execute("PRAGMA quick_check").fetchone()[0]
        if ok != "ok":
            raise StoreError(f"{self.path!r} is corrupted ({ok})")
        for key, cell, result in self.db.execute("SELECT key, cell, result FROM cells"):
            try:
                json.loads(cell)
                problem = None if isinstance(json.loads(result), dict) else "not a JSON object"
            except (TypeError, ValueError):
                problem = "not valid JSON"
            if problem:
                raise StoreError(f"{self.path!r}: the stored row for {key[:80]} is malformed ({problem})")

    def _write(self, *statements: tuple[str, tuple]) -> None:
        """Run statements in one immediate transaction; a full disk or read-only file is a StoreError."""
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
        """The keys of every finished cell."""
        return {k for (k,) in self.db.execute("SELECT key FROM cells")}

    def claim(self, keys: Sequence[str], limit: int | None = 1) -> tuple[list[str], int]:
        """Claim up to ``limit`` (None: all) of ``keys`` that are neither finished nor claimed by
        a live process, in one write transaction. Returns ``(claimed, held)``: the claimed keys
        in the order given and how many unfinished ``keys`` other processes hold now. Claims of
        dead processes on this host are taken over."""
        host = socket.gethostname()
        try:
            self.db.execute("BEGIN IMMEDIATE")
            done = self.done()
            claimed, held = set(), set()
            for key, owner, h, pid in self.db.execute("SELECT key, owner, host, pid FROM claims").fetchall():
                if h == host and owner != self.owner and not pid_alive(pid):
                    self.db.execute("DELETE FROM claims WHERE key = ?", (key,))
                    continue
                claimed.add(key)
                if owner != self.owner:
                    held.add(key)
            chosen: list[str] = []
            now = time.time()
            for k in dict.fromkeys(keys):
                if limit is not None and len(chosen) >= limit:
                    break
                if k not in done and k not in claimed:
                    chosen.append(k)
                    self.db.execute(
                        "INSERT OR REPLACE INTO claims VALUES (?, ?, ?, ?, ?)",
                        (k, self.owner, host, os.getpid(), now),
                    )
            self.db.execute("COMMIT")
        except sqlite3.DatabaseError as err:
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
            raise StoreError(f"cannot write to {self.path!r}: {err}") from None
        return chosen, sum(1 for k in set(keys) if k in held and k not in done)

    def put(self, key: str, params: dict, result: dict) -> None:
        """Store a finished cell and drop its claim, in one transaction."""
        self._write(
            ("INSERT OR REPLACE INTO cells VALUES (?, ?, ?)", (key, canonical(params), json.dumps(result))),
            ("DELETE FROM claims WHERE key = ?", (key,)),
        )
        self.computed += 1

    def get(self, key: str) -> dict | None:
        """The stored result of one cell, or None."""
        row = self.db.execute("SELECT result FROM cells WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def release(self) -> None:
        """Drop this object's claims (after an interruption), so others can take the cells."""
        with contextlib.suppress(StoreError, sqlite3.Error):
            self._write(("DELETE FROM claims WHERE owner = ?", (self.owner,)))

    def close(self) -> None:
        self.release()
        self.db.close()

    def __enter__(self) -> CellStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ------------------------------------------------------------------------------ Dask
def connect_dask(address: str, timeout: float = DASK_TIMEOUT):
    """A ``distributed.Client``: ``local`` starts a ``LocalCluster`` on 127.0.0.1 (one
    single-threaded worker process per core, no dashboard; closed with the client); otherwise
    the scheduler at ``address`` must answer within ``timeout`` seconds (ValueError naming
    ``--dask`` if not, or if the ``dask`` extra is missing)."""
    try:
        from dask.distributed import Client
    except ImportError as err:
        raise ValueError("--dask needs the optional extra: pip install '.[dask]'") from err
    if address == "local":
        return Client(
            processes=True, threads_per_worker=1, host="127.0.0.1", dashboard_address=None, silence_logs=40
        )
    try:
        return Client(address, timeout=f"{timeout}s")
    except (OSError, TimeoutError, ValueError) as err:
        raise ValueError(
            f"--dask: cannot reach a scheduler at {address!r} within {timeout:g} s ({type(err).__name__})"
        ) from None


@contextlib.contextmanager
def session(
    store: str | os.PathLike | CellStore | None = None, dask: Any = None
) -> Iterator[tuple[CellStore, Any]]:
    """One store and one cluster for an experiment that calls ``run_cells`` in several rounds
    (the next cells depend on the last ones' results): yields ``(CellStore, client or None)``,
    opening what is given as a path or address and closing only what it opened."""
    db = store if isinstance(store, CellStore) else CellStore(":memory:" if store is None else store)
    try:
        client = connect_dask(dask) if isinstance(dask, str) else dask
        try:
            yield db, client
        finally:
            if client is not None and client is not dask:
                client.close()
    finally:
        if db is not store:
            db.close()


def _on_worker(compute: Callable[[dict], dict], params: dict, version: str | None) -> dict:
    """Run one cell on a Dask worker; with the default version, refuse if the worker's copy of
    ``compute``'s module differs from the client's (it would store another code's result)."""
    if version is not None and code_version(compute) != version:
        raise RuntimeError(
            f"a Dask worker has another version of {compute.__module__} ({code_version(compute)}, "
            f"client {version}): install the same code on every worker"
        )
    return compute(params)


def _bar(total: int, progress: bool):
    """A tqdm bar on stderr, shown only on a terminal (quiet in logs and pipes)."""
    from tqdm import tqdm

    return tqdm(total=total, unit="cell", file=sys.stderr, disable=None if progress else True, leave=False)


def run_cells(
    experiment: str,
    compute: Callable[[dict], dict],
    cells: Sequence[dict],
    *,
    store: str | os.PathLike | CellStore | None = None,
    dask: Any = None,
    progress: bool = True,
    version: str | None = None,
    label: Callable[[dict], str] | None = None,
    poll: float = 0.5,
) -> list[dict]:
    """Compute the cells of ``experiment`` not yet in ``store``; every result in the order of ``cells``.

    ``compute``: a module-level function params -> JSON-ready dict, deterministic given params.
    ``store``: a path (opened and closed here), a ``CellStore``, or None (in memory).
    ``dask``: None (here, one cell at a time), ``"local"``, a scheduler address, or a Client.
    ``version``: part of the key; default ``code_version(compute)``. ``label``: progress text.
    Other processes on the same store share the cells; this one waits at the end for cells
    they hold (checking every ``poll`` seconds). Interrupted, it keeps what finished.
    """
    if not isinstance(experiment, str) or not experiment:
        raise ValueError(f"experiment must be a non-empty string, got {experiment!r}")
    default_version = version is None
    version = code_version(compute) if version is None else str(version)
    params = {cell_key(experiment, p, version): p for p in cells}
    keys = [cell_key(experiment, p, version) for p in cells]
    own_store = not isinstance(store, CellStore)
    db = CellStore(":memory:" if store is None else store) if own_store else store
    client = None
    try:
        done = db.done()
        pending = [k for k in params if k not in done]
        if progress and len(pending) < len(params) and pending:
            print(f"resuming: {len(params) - len(pending)} of {len(params)} cells done", file=sys.stderr)
        if dask is not None and pending:
            client = connect_dask(dask) if isinstance(dask, str) else dask
        bar = _bar(len(pending), progress)
        stored: set[str] = set()  # the cells this call stored: never claimed again
        try:
            if client is not None:
                stored = _run_on_dask(
                    db, client, compute, params, pending, version if default_version else None, bar
                )
            waiting_said = False
            while True:
                mine, held = db.claim(pending, 1)
                if not mine:
                    if not held:
                        break
                    if not waiting_said and progress:
                        print(
                            f"waiting for {held} cell(s) another process computes in {db.path}",
                            file=sys.stderr,
                        )
                    waiting_said = True
                    time.sleep(poll)
                    continue
                if mine[0] in stored:  # a store that loses finished cells would recompute them forever
                    raise StoreError(
                        f"{db.path!r}: cell {mine[0][:80]} was stored, yet is not reported finished"
                    )
                stored.add(mine[0])
                p = params[mine[0]]
                if label is not None:
                    bar.set_postfix_str(label(p))
                db.put(mine[0], p, compute(p))
                bar.update()
        finally:
            bar.close()
            db.release()
            if client is not None and client is not dask:
                client.close()
        out = []
        for k in keys:
            got = db.get(k)
            if got is None:  # only if another process wrote a row and it vanished
                raise StoreError(f"{db.path!r}: cell {k[:80]} is missing after the run")
            out.append(got)
        return out
    finally:
        if own_store:
            db.close()


def _run_on_dask(
    db: CellStore, client: Any, compute: Callable, params: dict, pending: list[str], version, bar
) -> set[str]:
    """Claim every free pending cell, submit them, store each result as it arrives (a worker
    that dies has its cells run again elsewhere by the scheduler; each is stored once). Returns
    the keys it stored."""
    from dask.distributed import as_completed

    mine, _ = db.claim(pending, None)
    futures = {
        client.submit(_on_worker, compute, params[k], version, pure=False, key=f"cell-{uuid.uuid4().hex}"): k
        for k in mine
    }
    try:
        for fut in as_completed(futures):
            k = futures[fut]
            db.put(k, params[k], fut.result())
            bar.update()
    except BaseException:
        with contextlib.suppress(Exception):
            client.cancel(list(futures))
        raise
    return set(mine)


def _demo_square(params: dict) -> dict:
    """The doctest's cell: x -> x^2."""
    return {"x2": params["x"] ** 2}
