"""Command line: ``proofs_check`` checks every claim; ``figures``, ``simulate`` and ``bench``.

Exit codes: 0 every claim passes (or the subcommand succeeded); 1 a claim fails or errs;
2 bad input: one line naming the argument, before any work is done, nothing half-written
(an output that cannot be written at the end also exits 2 naming its argument);
128 + the signal's number when a signal stops the run, as a shell reports a process killed
by it: 130 for SIGINT (Ctrl-C), 143 for SIGTERM. Either one ends the worker processes at
once, prints one line and no traceback, and keeps what had finished: the claims that had
finished are reported (table, ``--json``, ``--markdown``, with ``"interrupted": true``),
finished sweep cells stay in the database, drawn figures stay on disk.
141 standard output closed early (``proofs_check --list | head -1``).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import signal
import sys
import time
from collections.abc import Sequence

from numerics.store.files import STDOUT
from proofs_check import paper as paper_cmd
from proofs_check import simulate_cmd
from proofs_check.outputs import dedupe, distinct_outputs, write_output
from proofs_check.outputs import output_arg as _output
from theory import __version__
from theory.validation import CLI_DPS_RANGE, check_memory, memory_needed
from theory.validation.command_line import float_in, int_in

EXAMPLES = {
    "main": "example: proofs_check --only T1,C4 --json report.json --markdown report.md",
    "figures": "example: proofs_check figures --quick --out figs",
    "simulate": "example: proofs_check simulate --n 16 --depths 2:8:2 --trials 8 --eta 0.1,0.03,0.01 --tune --db sweep.sqlite",
    "bench": "example: proofs_check bench --n 64 --depth 20 --trials 256",
}

#: options of the claim check; given before a subcommand they would be ignored, so they are refused
CHECK_OPTIONS = ("list", "only", "full", "dps", "seed", "json", "markdown", "jobs", "store", "check_dask")
MAX_DEPTH = 10**4
SEED_MAX = 2**32 - 1


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread like Ctrl-C so that every clean-up for an
    interruption (ending the workers, keeping finished results) runs for it too."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated()


def _ranges(ids: Sequence[str]) -> str:
    """Claim IDs as ranges per family letter, e.g. 'T1-T9, C1-C7, X1,X3'."""
    groups: dict[str, list[int]] = {}
    for cid in ids:
        groups.setdefault(cid[0], []).append(int(cid[1:]))
    parts = []
    for letter, nums in groups.items():
        nums.sort()
        if nums == list(range(nums[0], nums[-1] + 1)):
            parts.append(f"{letter}{nums[0]}-{letter}{nums[-1]}" if len(nums) > 1 else f"{letter}{nums[0]}")
        else:
            parts.append(",".join(f"{letter}{k}" for k in nums))
    return ", ".join(parts)


def claim_families() -> str:
    """The claim IDs of the registry as ranges per family letter, then those of each extra,
    e.g. 'T1-T9, C1-C7, M1-M5; P1-P6 with the extra paper'."""
    from proofs_check.claims import CLAIMS, EXTRA_CLAIMS

    extras = [
        f"; {_ranges([c.id for c in claims])} with the extra {extra}"
        for extra, claims in EXTRA_CLAIMS.items()
    ]
    return _ranges([c.id for c in CLAIMS]) + "".join(extras)


class Parser(argparse.ArgumentParser):
    """argparse, but an error is one line and exit code 2 (no usage dump, no traceback)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(2)


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


def _depths(text: str) -> list[int]:
    """'2,4,8' or a range 'start:stop[:step]' (inclusive), each depth in [1, MAX_DEPTH]."""
    try:
        if ":" in text:
            parts = [int(p) for p in text.split(":")]
            if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] < 1):
                raise ValueError
            if parts[0] < 1 or parts[1] > MAX_DEPTH:
                raise argparse.ArgumentTypeError(f"depths must be integers in [1, {MAX_DEPTH}], got {text!r}")
            vals = list(range(parts[0], parts[1] + 1, parts[2] if len(parts) == 3 else 1))
        else:
            vals = [int(p) for p in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a list like 2,4,8 or a range like 2:40[:step], got {text!r}"
        ) from None
    if not vals or min(vals) < 1 or max(vals) > MAX_DEPTH:
        raise argparse.ArgumentTypeError(f"depths must be integers in [1, {MAX_DEPTH}], got {text!r}")
    return vals


def _normalizations(text: str) -> list[str]:
    vals = text.split(",")
    if not vals or any(v not in ("none", "channel") for v in vals):
        raise argparse.ArgumentTypeError(f"must be a list of none, channel; got {text!r}")
    return vals


def _dask_address(text: str) -> str:
    """``local`` or a scheduler address ``[scheme://]host:port``."""
    if text == "local":
        return text
    rest = text.split("://", 1)[1] if "://" in text else text
    scheme = text.split("://", 1)[0] if "://" in text else "tcp"
    host, _, port = rest.rpartition(":")
    if scheme not in ("tcp", "tls", "ws", "wss", "ucx") or not host or not port.isdigit() or " " in rest:
        raise argparse.ArgumentTypeError(
            f"expected 'local' or a scheduler address like tcp://host:8786, got {text!r}"
        )
    return text


def build_parser() -> Parser:
    p = Parser(
        prog="proofs_check",
        description=f"Check every claim of the theory ({claim_families()}) symbolically, at high precision "
        "and by simulation.",
        epilog=EXAMPLES["main"],
    )
    p.add_argument("--version", action="version", version=f"proofs_check {__version__}")
    p.add_argument(
        "--list", action="store_true", default=None, help="list the claims (ID, methods, title) and exit"
    )
    p.add_argument("--only", metavar="ID[,ID]", help="check only these claims, e.g. T1,C4 (repeats ignored)")
    p.add_argument(
        "--full",
        action="store_true",
        default=None,
        help="heavy versions: larger sizes, more draws, deeper nets",
    )
    p.add_argument(
        "--dps",
        type=int_in(*CLI_DPS_RANGE),
        metavar="DIGITS",
        help=f"decimal digits for high-precision checks, {CLI_DPS_RANGE[0]} to {CLI_DPS_RANGE[1]} (default 30)",
    )
    p.add_argument("--seed", type=int_in(0, SEED_MAX), metavar="SEED", help="random seed (default 0)")
    p.add_argument(
        "--jobs",
        type=int_in(1, 64),
        metavar="N",
        help="claims checked in parallel worker processes (default: the cores, at most 2)",
    )
    p.add_argument(
        "--json",
        type=_output,
        metavar="PATH",
        help="write the machine-readable report ('-': standard output)",
    )
    p.add_argument(
        "--markdown", type=_output, metavar="PATH", help="write a Markdown report ('-': standard output)"
    )
    p.add_argument(
        "--store",
        metavar="PATH",
        help="SQLite cell store of the --full experiments: finished cells are kept, reused and shared "
        "by concurrent runs (default with --full: proofs_check_cells.sqlite in the current folder)",
    )
    p.add_argument(
        "--dask",
        dest="check_dask",
        type=_dask_address,
        metavar="ADDRESS",
        help="run the cells of the --full experiments on Dask: 'local' (a local cluster) or a scheduler "
        "address you trust, e.g. tcp://host:8786 (results travel by pickle)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress or notes on stderr (any subcommand)")
    sub = p.add_subparsers(dest="command", metavar="{figures,simulate,bench,paper}")

    f = sub.add_parser("figures", help="draw the figures (PNG and PDF)", epilog=EXAMPLES["figures"])
    f.add_argument("--out", required=True, metavar="DIR", help="output folder (created if missing)")
    f.add_argument("--quick", action="store_true", help="fewer draws and smaller sizes (under 5 minutes)")
    f.add_argument(
        "--seed", type=int_in(0, SEED_MAX), default=0, dest="fig_seed", help="random seed (default 0)"
    )
    f.add_argument("--quiet", action="store_true", dest="sub_quiet", help="no progress lines")

    s = sub.add_parser("simulate", help="resumable GD sweep stored in SQLite", epilog=EXAMPLES["simulate"])
    s.add_argument("--n", type=int_in(2, 4096), default=16, help="signal length n in [2, 4096] (default 16)")
    s.add_argument(
        "--depths",
        type=_depths,
        default=[2, 4, 6],
        help=f"depths in [1, {MAX_DEPTH}]: 2,4,8 or 2:40[:step], stop included (default 2,4,6)",
    )
    s.add_argument(
        "--trials", type=int_in(1, 10**6), default=8, help="random initializations per cell (default 8)"
    )
    s.add_argument(
        "--eta", type=_positive_floats, default=[0.1], help="step size(s) > 0, comma separated (default 0.1)"
    )
    s.add_argument(
        "--normalization",
        type=_normalizations,
        default=["none", "channel"],
        help="none, channel or none,channel (default both)",
    )
    s.add_argument(
        "--tol",
        type=float_in(0.0, 1.0),
        default=1e-3,
        help="stop at loss <= tol * initial loss, in [0, 1) (default 1e-3)",
    )
    s.add_argument(
        "--max-iter", type=int_in(1, 10**9), default=10000, help="steps per run, at most 1e9 (default 10000)"
    )
    s.add_argument("--seeds", type=int_in(1, 10**4), default=1, help="seeds per cell (default 1)")
    s.add_argument(
        "--seed", type=int_in(0, SEED_MAX), default=0, dest="sim_seed", help="base seed (default 0)"
    )
    s.add_argument(
        "--filter-length", type=int_in(1), default=None, help="filter length k in [1, n] (default n)"
    )
    s.add_argument(
        "--momentum", type=float_in(0.0, 1.0), default=0.0, help="heavy-ball momentum in [0, 1) (default 0)"
    )
    s.add_argument(
        "--db",
        default="sweep.sqlite",
        help="SQLite file; finished cells are kept and reused, concurrent runs share the cells (default sweep.sqlite)",
    )
    s.add_argument(
        "--tune", action="store_true", help="report the best step size per method and depth (fair comparison)"
    )
    s.add_argument(
        "--json",
        type=_output,
        dest="sim_json",
        metavar="PATH",
        help="write the summary table as JSON ('-': stdout)",
    )
    s.add_argument(
        "--csv",
        type=_output,
        dest="sim_csv",
        metavar="PATH",
        help="write the summary table as CSV ('-': stdout)",
    )
    s.add_argument(
        "--dask",
        nargs="?",
        const="local",
        type=_dask_address,
        metavar="ADDRESS",
        help="run cells on Dask: a local cluster, or a scheduler address you trust (results travel by pickle)",
    )
    s.add_argument("--quiet", action="store_true", dest="sub_quiet", help="no progress or notes")

    b = sub.add_parser(
        "bench", help="throughput of the simulator against references", epilog=EXAMPLES["bench"]
    )
    from numerics.bench.simulator import add_arguments

    add_arguments(b)
    b.add_argument(
        "--device",
        choices=paper_cmd.DEVICES,
        default="cpu",
        help="device of the paper's per-step line (default cpu; cuda refused where none is present)",
    )
    paper_cmd.add_parser(sub)
    return p


def _select(only: str | None, quiet: bool) -> list:
    from proofs_check.claims import CLAIMS, EXTRA_CLAIMS

    if only is None:
        return list(CLAIMS)
    wanted = dedupe([s.strip().upper() for s in only.split(",") if s.strip()], "--only", quiet)
    known = {c.id: c for c in (*CLAIMS, *(c for extra in EXTRA_CLAIMS.values() for c in extra))}
    unknown = [w for w in wanted if w not in known]
    if unknown or not wanted:
        raise ValueError(
            f"--only: unknown claim ID(s) {', '.join(unknown) or only!r}; known: {', '.join(known)}"
        )
    return [known[w] for w in wanted]


def _cell_store(path: str | None, full: bool) -> str | None:
    """The --store of the --full experiments (default ``DEFAULT_STORE`` with --full), checked
    before any work: an existing file must be a cell store; a new one is created only by a run."""
    from numerics.store.cells import DEFAULT_STORE, CellStore, StoreError

    if path is None:
        path = DEFAULT_STORE if full else None
    if path is None:
        return None
    if path in ("", ":memory:") or path.startswith("file:"):
        raise ValueError(f"--store: give a file path; {path!r} would keep nothing")
    problem = CellStore.file_problem(path)
    if problem is None and os.path.exists(path):
        try:
            CellStore(path).close()
        except StoreError as err:
            problem = str(err)
    if problem:
        raise ValueError(f"--store: cannot use {path!r}: {problem}")
    return path


@contextlib.contextmanager
def _dask_for_claims(address: str | None, full: bool, quiet: bool):
    """The --dask address the claims get, its scheduler checked now (one line, exit 2, if it does
    not answer). ``local`` with --full starts one local cluster here for the whole run and
    yields its address, so every claim's cells share it."""
    from numerics.store.cells import connect_dask

    if address is None:
        yield None
        return
    if not full:
        if not quiet:
            print("proofs_check: note: --dask changes only the --full experiments", file=sys.stderr)
        yield address
        return
    client = connect_dask(address)
    try:
        yield client.scheduler.address if address == "local" else address
    finally:
        client.close()


def cmd_check(args: argparse.Namespace) -> int:
    from proofs_check.claims import CLAIMS, EXTRA_CLAIMS, Context
    from proofs_check.report import default_jobs

    if args.list:
        for c in CLAIMS:
            print(f"{c.id}\t{c.methods}\t{c.title}")
        for extra, claims in EXTRA_CLAIMS.items():
            for c in claims:
                print(f"{c.id}\t{c.methods}\t{c.title} (needs the extra '{extra}'; not in the default run)")
        return 0
    distinct_outputs([("--json", args.json), ("--markdown", args.markdown)])
    claims = _select(args.only, args.quiet)
    needs_torch = [c.id for c in claims if c in EXTRA_CLAIMS["paper"]]
    if needs_torch:
        from paper import missing_dependency

        missing = missing_dependency()
        if missing:  # refused before any work, as `proofs_check paper` does
            raise ValueError(f"--only {','.join(needs_torch)}: {missing}")
    store = _cell_store(args.store, bool(args.full))
    with _dask_for_claims(args.check_dask, bool(args.full), args.quiet) as dask:
        ctx = Context(dps=args.dps or 30, seed=args.seed or 0, full=bool(args.full), store=store, dask=dask)
        # with a cluster the claims run here one by one (their cells run on the cluster)
        return _check(claims, ctx, args, jobs=1 if dask and args.full else args.jobs or default_jobs())


def _check(claims: list, ctx: object, args: argparse.Namespace, jobs: int) -> int:
    from proofs_check.report import build_report, markdown, run_claims, table, to_json

    t0 = time.perf_counter()
    try:
        results = run_claims(claims, ctx, progress=not args.quiet, jobs=jobs)
    except KeyboardInterrupt as stop:  # Ctrl-C or SIGTERM: report the claims that finished
        finished = getattr(stop, "finished", [])
        report = build_report(finished, ctx, wall_seconds=time.perf_counter() - t0, interrupted=True)
        if finished:
            print(table(report), file=sys.stderr)
        with contextlib.suppress(ValueError):
            if args.json:
                write_output("--json", args.json, to_json(report))
            if args.markdown:
                write_output("--markdown", args.markdown, markdown(report))
        stop.note = f"{len(finished)} of {len(claims)} claims had finished and are reported"  # type: ignore[attr-defined]
        raise
    report = build_report(results, ctx, wall_seconds=time.perf_counter() - t0)
    to_stdout = STDOUT in (args.json, args.markdown)
    print(table(report), file=sys.stderr if to_stdout else sys.stdout)
    if args.json:
        write_output("--json", args.json, to_json(report))
    if args.markdown:
        write_output("--markdown", args.markdown, markdown(report))
    return 0 if report["summary"]["all_pass"] else 1


def cmd_figures(args: argparse.Namespace) -> int:
    from numerics.figures import draw_all

    problem = None
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        problem = "exists and is not a folder"
    else:
        try:
            os.makedirs(args.out, exist_ok=True)
        except OSError as err:
            problem = f"cannot create folder ({err.strerror})"
    if problem is None and not os.access(args.out, os.W_OK | os.X_OK):
        problem = "folder is not writable"
    if problem:
        raise ValueError(f"--out: {args.out!r} {problem}")
    quiet = args.quiet or args.sub_quiet
    with contextlib.redirect_stderr(io.StringIO()) if quiet else contextlib.nullcontext():
        paths = draw_all(args.out, quick=args.quick, seed=args.fig_seed, figures=None)
    for path in paths:
        print(path)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from numerics.bench.simulator import run

    need = memory_needed(args.trials, args.depth, args.n) + 24 * args.trials * args.n * args.n
    try:
        check_memory(need, f"bench at --n {args.n}, --depth {args.depth}, --trials {args.trials}")
    except ValueError as err:
        raise ValueError(f"--n/--depth/--trials: {err}") from None
    from paper import missing_dependency

    missing = missing_dependency()
    if args.device != "cpu":  # refused before any work, as `proofs_check paper --device`
        if missing:
            raise ValueError(f"--device: {missing}")
        paper_cmd.device_problem(args)
    paper_line = not args.no_torch and missing is None
    code = run(args)
    from numerics.bench.flow import FLOW_DEPTHS, compare_flow, flow_line

    print("\n" + flow_line([compare_flow(d, args.repeats) for d in FLOW_DEPTHS]), flush=True)
    if paper_line:
        from paper.bench import lines

        print("\n" + "\n".join(lines(args.device)))
    return code


def _misplaced(args: argparse.Namespace) -> str | None:
    """A claim-check option given before a subcommand (it would be ignored there)."""
    for name in CHECK_OPTIONS:
        if getattr(args, name, None) is not None:
            return f"--{name.removeprefix('check_')} is an option of the claim check, not of '{args.command}'; put subcommand options after the subcommand"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    in_main_thread = _is_main_thread()
    previous = signal.signal(signal.SIGTERM, _raise_terminated) if in_main_thread else None
    try:
        return _main(argv)
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)


def _is_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _main(argv: Sequence[str] | None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command is not None:
            misplaced = _misplaced(args)
            if misplaced:
                print(f"proofs_check: error: {misplaced}", file=sys.stderr)
                return 2
        handlers = {
            None: cmd_check,
            "figures": cmd_figures,
            "simulate": simulate_cmd.run,
            "bench": cmd_bench,
            "paper": paper_cmd.run,
        }
        try:
            code = handlers[args.command](args)
            sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
            return code
        except ValueError as err:
            print(f"proofs_check: error: {err}", file=sys.stderr)
            return 2
    except KeyboardInterrupt as stop:
        name, code = ("SIGTERM", 143) if isinstance(stop, Terminated) else ("SIGINT", 130)
        kept = getattr(stop, "note", "finished sweep cells and figures are kept")
        with contextlib.suppress(OSError, ValueError):
            print(f"\nproofs_check: interrupted by {name} ({kept})", file=sys.stderr)
        return code
    except BrokenPipeError:
        # the reader went away (e.g. `| head`): stop quietly, as a SIGPIPE'd tool would
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
