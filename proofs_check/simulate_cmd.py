"""``proofs_check simulate``: a resumable GD sweep stored in SQLite, its summaries and the
best step size per depth and normalization, as a table, JSON or CSV."""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Sequence

from numerics.store.files import STDOUT
from proofs_check.outputs import dedupe, distinct_outputs, write_output
from theory.validation import check_memory, memory_needed

#: Above this many layer-frequency updates a sweep prints a note on how long it may take.
LONG_SWEEP_UPDATES = 10**12


def _summary_rows(summaries: Sequence, best: Sequence) -> list[dict]:
    best_keys = {(b.normalization, b.depth, b.eta) for b in best}
    rows = []
    for s in summaries:
        row = {k: getattr(s, k) for k in s.__dataclass_fields__}
        row["best"] = (s.normalization, s.depth, s.eta) in best_keys
        rows.append(row)
    return rows


def _csv(rows: Sequence[dict]) -> str:
    import csv

    buf = io.StringIO()
    if rows:
        w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return buf.getvalue()


def run(args: argparse.Namespace) -> int:
    from numerics.store.cells import CellStore, StoreError, connect_dask
    from numerics.store.sweep import (
        SweepConfig,
        best_step_sizes,
        edge_warnings,
        make_cells,
        run_sweep,
        summarize,
    )
    from proofs_check.report import strict, to_json

    quiet = args.quiet or args.sub_quiet
    if args.filter_length is not None and args.filter_length > args.n:
        raise ValueError(f"--filter-length must be in [1, n = {args.n}], got {args.filter_length}")
    distinct_outputs([("--json", args.sim_json), ("--csv", args.sim_csv)])
    depths = dedupe(args.depths, "--depths", quiet)
    etas = dedupe(args.eta, "--eta", quiet)
    norms = dedupe(args.normalization, "--normalization", quiet)
    try:
        check_memory(
            memory_needed(args.trials, max(depths), args.n),
            f"--trials {args.trials} x --depths {max(depths)} x --n {args.n}",
        )
    except ValueError as err:
        raise ValueError(f"--trials/--depths/--n: {err}") from None
    seeds = [args.sim_seed + k for k in range(args.seeds)]
    cells = make_cells(norms, depths, etas, seeds)
    updates = sum(args.trials * c.depth * args.n for c in cells) * args.max_iter
    if updates > LONG_SWEEP_UPDATES and not quiet:
        print(
            f"proofs_check: note: up to {updates:.2g} layer-frequency updates "
            f"(about {updates / 1e8 / 3600:.2g} h at 1e8 updates/s); finished cells are kept if you stop it",
            file=sys.stderr,
        )
    cfg = SweepConfig(
        n=args.n,
        trials=args.trials,
        tol=args.tol,
        max_iter=args.max_iter,
        seed=args.sim_seed,
        filter_length=args.filter_length,
        momentum=args.momentum,
    )
    if args.db in ("", ":memory:") or args.db.startswith("file:"):
        raise ValueError(f"--db: give a file path; {args.db!r} would keep nothing")
    client = connect_dask(args.dask) if args.dask else None
    try:
        try:
            store = CellStore(args.db)
        except StoreError as err:
            raise ValueError(f"--db: {err}") from None
        try:
            summaries = summarize(cfg, run_sweep(cfg, cells, store, progress=not quiet, dask=client))
            computed = store.computed
        except StoreError as err:
            raise ValueError(f"--db: {err}") from None
        finally:
            store.close()
    finally:
        if client is not None:
            client.close()
    best = best_step_sizes(summaries) if args.tune else []
    out = sys.stderr if STDOUT in (args.sim_json, args.sim_csv) else sys.stdout
    print(
        f"{len(cells)} cells ({computed} computed now, {len(cells) - computed} reused from {args.db})",
        file=out,
    )
    print(
        f"{'normalization':<13} {'d':>4} {'eta':>8} {'conv':>9} {'div':>4} {'under':>5} {'median':>8} {'q10':>8} {'q90':>8}",
        file=out,
    )
    for s in summaries:
        print(
            f"{s.normalization:<13} {s.depth:>4} {s.eta:>8g} {s.converged:>4}/{s.trials:<4} {s.diverged:>4} "
            f"{s.underflowed:>5} {s.median:>8g} {s.q10:>8g} {s.q90:>8g}",
            file=out,
        )
    if args.tune:
        print("\nbest step size per method and depth (most converged, then lowest median):", file=out)
        for s in best:
            print(
                f"{s.normalization:<13} d={s.depth:<4} eta*={s.eta:<8g} converged {s.converged}/{s.trials}, median {s.median:g} steps",
                file=out,
            )
        for warning in edge_warnings(summaries):
            print(f"proofs_check: warning: {warning}", file=sys.stderr)
    rows = _summary_rows(summaries, best)
    if args.sim_json:
        doc = {"config": {**strict(vars(cfg)), "db": args.db}, "cells": len(cells), "computed": computed}
        write_output("--json", args.sim_json, to_json({**doc, "summaries": rows}))
    if args.sim_csv:
        write_output("--csv", args.sim_csv, _csv(strict(rows)))
    return 0
