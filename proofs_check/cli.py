"""Command line: ``proofs_check`` checks every claim; ``figures``, ``simulate`` and ``bench``.

Bad input exits with code 2 and one line naming the argument; nothing is left half-written.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from numerics.validation import CLI_DPS_RANGE

EXAMPLES = {
    "main": "example: proofs_check --only T1,C4 --json report.json --markdown report.md",
    "figures": "example: proofs_check figures --quick --out figs",
    "simulate": "example: proofs_check simulate --n 16 --depths 2:8:2 --trials 8 --eta 0.1,0.03,0.01 --tune --db sweep.sqlite",
    "bench": "example: proofs_check bench --n 64 --depth 20 --trials 256",
}


class Parser(argparse.ArgumentParser):
    """argparse, but an error is one line and exit code 2 (no usage dump, no traceback)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _int_in(lo: int, hi: int | None = None):
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if v < lo or (hi is not None and v > hi):
            rng = f"an integer in [{lo}, {hi}]" if hi is not None else f"an integer >= {lo}"
            raise argparse.ArgumentTypeError(f"must be {rng}, got {v}")
        return v

    return parse


def _positive_floats(text: str) -> list[float]:
    """A comma-separated list of finite numbers > 0."""
    out = []
    for part in text.split(","):
        try:
            v = float(part)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected numbers, got {part!r}") from None
        if not 0 < v < float("inf"):  # also rejects nan
            raise argparse.ArgumentTypeError(f"must be in (0, inf), got {part!r}")
        out.append(v)
    return out


def _float_in(lo: float, hi: float):
    """One number in [lo, hi)."""

    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not lo <= v < hi:  # also rejects nan
            raise argparse.ArgumentTypeError(f"must be in [{lo}, {hi}), got {text!r}")
        return v

    return parse


def _depths(text: str) -> list[int]:
    """'2,4,8' or a range 'start:stop[:step]' (inclusive)."""
    try:
        if ":" in text:
            parts = [int(p) for p in text.split(":")]
            if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] < 1):
                raise ValueError
            vals = list(range(parts[0], parts[1] + 1, parts[2] if len(parts) == 3 else 1))
        else:
            vals = [int(p) for p in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a list like 2,4,8 or a range like 2:40[:step], got {text!r}"
        ) from None
    if not vals or min(vals) < 1:
        raise argparse.ArgumentTypeError(f"depths must be integers >= 1, got {text!r}")
    return vals


def _normalizations(text: str) -> list[str]:
    vals = text.split(",")
    if not vals or any(v not in ("none", "channel") for v in vals):
        raise argparse.ArgumentTypeError(f"must be a list of none, channel; got {text!r}")
    return vals


def _writable_file(text: str) -> str:
    folder = os.path.dirname(os.path.abspath(text)) or "."
    if not os.path.isdir(folder) or not os.access(folder, os.W_OK) or os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"cannot write {text!r} (folder missing or not writable)")
    return text


def build_parser() -> Parser:
    p = Parser(
        prog="proofs_check",
        description="Check every claim of THEORY.md (T1-T9, C1-C7) symbolically, at high precision and by simulation.",
        epilog=EXAMPLES["main"],
    )
    p.add_argument("--list", action="store_true", help="list the claims (ID, methods, title) and exit")
    p.add_argument("--only", metavar="ID[,ID]", help="check only these claims, e.g. T1,C4")
    p.add_argument(
        "--full", action="store_true", help="heavy versions: larger sizes, more draws, deeper nets"
    )
    p.add_argument(
        "--dps",
        type=_int_in(*CLI_DPS_RANGE),
        default=30,
        help=f"decimal digits for high-precision checks, {CLI_DPS_RANGE} (default 30)",
    )
    p.add_argument("--seed", type=_int_in(0, 2**32 - 1), default=0, help="random seed (default 0)")
    p.add_argument("--json", type=_writable_file, metavar="PATH", help="write the machine-readable report")
    p.add_argument("--markdown", type=_writable_file, metavar="PATH", help="write a Markdown report")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    sub = p.add_subparsers(dest="command", metavar="{figures,simulate,bench}")

    f = sub.add_parser("figures", help="draw the figures (PNG and PDF)", epilog=EXAMPLES["figures"])
    f.add_argument("--out", required=True, metavar="DIR", help="output folder (created if missing)")
    f.add_argument("--quick", action="store_true", help="fewer draws and smaller sizes (under 5 minutes)")
    f.add_argument("--seed", type=_int_in(0, 2**32 - 1), default=0, dest="fig_seed", help="random seed")

    s = sub.add_parser("simulate", help="resumable GD sweep stored in SQLite", epilog=EXAMPLES["simulate"])
    s.add_argument("--n", type=_int_in(2, 4096), default=16, help="signal length n >= 2 (default 16)")
    s.add_argument(
        "--depths", type=_depths, default=[2, 4, 6], help="depths: 2,4,8 or 2:40[:step] (default 2,4,6)"
    )
    s.add_argument(
        "--trials", type=_int_in(1, 10**6), default=8, help="random initializations per cell (default 8)"
    )
    s.add_argument(
        "--eta", type=_positive_floats, default=[0.1], help="step size(s) > 0, comma separated (default 0.1)"
    )
    s.add_argument(
        "--normalization",
        type=_normalizations,
        default=["none", "channel"],
        help="none,channel (default both)",
    )
    s.add_argument(
        "--tol",
        type=_float_in(0.0, 1.0),
        default=1e-3,
        help="stop at loss <= tol * initial loss, in [0, 1) (default 1e-3)",
    )
    s.add_argument("--max-iter", type=_int_in(1, 10**9), default=10000, help="steps per run (default 10000)")
    s.add_argument("--seeds", type=_int_in(1, 10**4), default=1, help="seeds per cell (default 1)")
    s.add_argument(
        "--seed", type=_int_in(0, 2**32 - 1), default=0, dest="sim_seed", help="base seed (default 0)"
    )
    s.add_argument("--filter-length", type=_int_in(1), default=None, help="filter length k <= n (default n)")
    s.add_argument(
        "--momentum",
        type=_float_in(0.0, 1.0),
        default=0.0,
        help="heavy-ball momentum in [0, 1)",
    )
    s.add_argument(
        "--db",
        type=_writable_file,
        default="sweep.sqlite",
        help="SQLite file; finished cells are kept and reused",
    )
    s.add_argument(
        "--tune", action="store_true", help="report the best step size per method and depth (fair comparison)"
    )
    s.add_argument(
        "--dask",
        nargs="?",
        const="local",
        metavar="ADDRESS",
        help="run cells on Dask (local cluster, or a scheduler address)",
    )

    b = sub.add_parser(
        "bench", help="throughput of the simulator against references", epilog=EXAMPLES["bench"]
    )
    b.add_argument("--n", type=_int_in(2, 4096), default=64)
    b.add_argument("--depth", type=_int_in(1, 10**4), default=20)
    b.add_argument("--trials", type=_int_in(1, 10**6), default=256)
    b.add_argument("--steps", type=_int_in(1, 10**6), default=200, help="steps timed for the simulator")
    b.add_argument("--ref-steps", type=_int_in(1, 10**4), default=5, help="steps timed for the references")
    return p


def _select(only: str | None):
    from proofs_check.claims import CLAIMS

    if only is None:
        return list(CLAIMS)
    wanted = [s.strip().upper() for s in only.split(",") if s.strip()]
    known = {c.id: c for c in CLAIMS}
    unknown = [w for w in wanted if w not in known]
    if unknown or not wanted:
        raise ValueError(
            f"--only: unknown claim ID(s) {', '.join(unknown) or only!r}; known: {', '.join(known)}"
        )
    return [known[w] for w in wanted]


def cmd_check(args) -> int:
    from proofs_check.claims import CLAIMS, Context
    from proofs_check.report import build_report, markdown, run_claims, table, write_atomic, write_json

    if args.list:
        for c in CLAIMS:
            print(f"{c.id}\t{c.methods}\t{c.title}")
        return 0
    claims = _select(args.only)
    ctx = Context(dps=args.dps, seed=args.seed, full=args.full)
    report = build_report(run_claims(claims, ctx, progress=not args.quiet), ctx)
    print(table(report))
    if args.json:
        write_json(args.json, report)
    if args.markdown:
        write_atomic(args.markdown, markdown(report))
    return 0 if report["summary"]["all_pass"] else 1


def cmd_figures(args) -> int:
    from numerics.figures import draw_all

    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as err:
        raise ValueError(f"--out: cannot create folder {args.out!r} ({err.strerror})") from None
    if not os.access(args.out, os.W_OK):
        raise ValueError(f"--out: folder {args.out!r} is not writable")
    for path in draw_all(args.out, quick=args.quick, seed=args.fig_seed):
        print(path)
    return 0


def cmd_simulate(args) -> int:
    from numerics.sweep import Store, SweepConfig, best_step_sizes, make_cells, run_sweep, summarize

    if args.filter_length is not None and args.filter_length > args.n:
        raise ValueError(f"--filter-length must be in [1, n = {args.n}], got {args.filter_length}")
    cfg = SweepConfig(
        n=args.n,
        trials=args.trials,
        tol=args.tol,
        max_iter=args.max_iter,
        seed=args.sim_seed,
        filter_length=args.filter_length,
        momentum=args.momentum,
    )
    seeds = [args.sim_seed + k for k in range(args.seeds)]
    cells = make_cells(args.normalization, args.depths, args.eta, seeds)
    store = Store(args.db)
    try:
        computed = run_sweep(cfg, cells, store, dask_address=args.dask)
        summaries = summarize(cfg, store.results(cfg, cells))
    finally:
        store.close()
    print(f"{len(cells)} cells ({computed} computed now, {len(cells) - computed} reused from {args.db})")
    print(
        f"{'normalization':<13} {'d':>4} {'eta':>8} {'conv':>9} {'div':>4} {'median':>8} {'q10':>8} {'q90':>8}"
    )
    for s in summaries:
        print(
            f"{s.normalization:<13} {s.depth:>4} {s.eta:>8g} {s.converged:>4}/{s.trials:<4} {s.diverged:>4} {s.median:>8g} {s.q10:>8g} {s.q90:>8g}"
        )
    if args.tune:
        print("\nbest step size per method and depth (most converged, then lowest median):")
        for s in best_step_sizes(summaries):
            print(
                f"{s.normalization:<13} d={s.depth:<4} eta*={s.eta:<8g} converged {s.converged}/{s.trials}, median {s.median:g} steps"
            )
    return 0


def cmd_bench(args) -> int:
    from numerics.bench import run_benchmark

    run_benchmark(args.n, args.depth, args.trials, args.steps, args.ref_steps)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handlers = {None: cmd_check, "figures": cmd_figures, "simulate": cmd_simulate, "bench": cmd_bench}
    try:
        return handlers[args.command](args)
    except ValueError as err:
        print(f"proofs_check: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nproofs_check: interrupted (finished sweep cells and figures are kept)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
