"""Cells per second of the one runner (``numerics.store.cells.run_cells``): here, and on a local
Dask cluster of 1 and 2 single-threaded worker processes.

Two kinds of cell, each run on every path from an empty in-memory store:

* ``x1``: one X1 rate estimate, ``numerics.mc.explosion.rate_cell`` at n = 128, k = 4,
  12 draws per depth at d = 8 and 32, one cell per seed (about 0.3 s of CPU each on a
  quiet core): a real cell, so the table shows what a cluster buys;
* ``empty``: ``cells._demo_square``, no work: the runner's own cost per cell (the SQLite
  commit, and on Dask the round trip through the scheduler).

Both clusters are started (their start-up is printed apart) and warmed before any timing;
the paths then run in turn, ``--reps`` times (interleaved, so a change of load on a shared
machine hits them alike), and the table shows medians. Every path must return the serial
run's results bit for bit ("same bits"; exit 1 if not). Run::

    nice -n 10 python -m numerics.bench.cells [--cells 16] [--empty 400] [--reps 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable

from numerics.mc import explosion as ex
from numerics.store import cells as C
from theory.validation.command_line import int_in


def _x1_cells(count: int) -> list[dict]:
    return [ex.rate_params(128, 4, 12, seed) for seed in range(count)]


def _empty_cells(count: int) -> list[dict]:
    return [{"x": i} for i in range(count)]


def _timed(compute: Callable, cells: list[dict], dask: object) -> tuple[float, list[dict]]:
    t0 = time.perf_counter()
    got = C.run_cells("bench", compute, cells, dask=dask, progress=False, version="bench")
    return time.perf_counter() - t0, got


def run(args: argparse.Namespace) -> int:
    import statistics

    from dask.distributed import Client, LocalCluster

    kinds = {"x1": (ex.rate_cell, _x1_cells(args.cells)), "empty": (C._demo_square, _empty_cells(args.empty))}
    print(f"# {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} at the start")
    paths: dict[str, object] = {"serial (here)": None}
    clusters = []
    try:
        for workers in (1, 2):
            t0 = time.perf_counter()
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            clusters.append(cluster)
            paths[f"dask, {workers} worker(s)"] = client = Client(cluster)
            print(f"# LocalCluster of {workers} worker(s) started in {time.perf_counter() - t0:.1f} s")
        serial = {}
        for kind, (compute, cells) in kinds.items():  # imports and numba compilation out of the timing
            compute(cells[0])
            serial[kind] = C.run_cells("bench", compute, cells, progress=False, version="warm")
            for client in list(paths.values())[1:]:
                client.run(compute, cells[0])
        times: dict[tuple[str, str], list[float]] = {}
        same: dict[tuple[str, str], bool] = {}
        for _ in range(args.reps):  # interleaved: a change of load hits every path alike
            for kind, (compute, cells) in kinds.items():
                for where, dask in paths.items():
                    seconds, got = _timed(compute, cells, dask)
                    times.setdefault((kind, where), []).append(seconds)
                    same[(kind, where)] = same.get((kind, where), True) and got == serial[kind]
    finally:
        for client in list(paths.values())[1:]:
            client.close()
        for cluster in clusters:
            cluster.close()
    print(f"median of {args.reps} interleaved repetitions")
    print(f"{'cell':<6} {'where':<20} {'cells':>6} {'seconds':>8} {'cells/s':>8} {'vs serial':>9}  same bits")
    for kind, (_, cells) in kinds.items():
        base = statistics.median(times[(kind, "serial (here)")])
        for where in paths:
            seconds = statistics.median(times[(kind, where)])
            print(
                f"{kind:<6} {where:<20} {len(cells):>6} {seconds:>8.2f} {len(cells) / seconds:>8.2f} "
                f"{base / seconds:>8.2f}x  {same[(kind, where)]}"
            )
    print(f"# load {os.getloadavg()[0]:.1f} at the end")
    return 0 if all(same.values()) else 1


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m numerics.bench.cells", description=__doc__.split("\n")[0])
    p.add_argument("--cells", type=int_in(2, 10_000), default=16, help="X1 cells (default 16)")
    p.add_argument("--empty", type=int_in(2, 100_000), default=400, help="empty cells (default 400)")
    p.add_argument("--reps", type=int_in(1, 100), default=3, help="interleaved repetitions (default 3)")
    return run(p.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
