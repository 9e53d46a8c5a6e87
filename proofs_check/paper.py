"""``proofs_check paper``: the paper's experiments P1-P6 (the paper's setup) in PyTorch.

    proofs_check paper [--quick | --full] --out DIR [--json PATH|-] [--seeds N] [--only P1,P2]
                       [--threads T] [--dtype float32|float64] [--bn-gain-init uniform|ones] [--image PATH]
                       [--device cpu|cuda] [--store PATH] [--dask ADDRESS]

Writes one figure per experiment (PNG + PDF) into DIR and, with --json, the report
``{"experiments": [...], "environment": {...}}`` (``-``: standard output, the progress lines
then go to standard error). Exit code 0 when every check of ``proofs_check.claims.paper``
holds (autograd against the closed forms; P6's CN-versus-no-CN ratios), 1 when one does
not, 2 on bad input (one line, before any work) or when PyTorch (the extra ``paper``) is
missing, with one line saying how to install it.

Seeds when ``--seeds`` is not given: P2 and P3 20 with ``--full``, else 3; P4 1 with
``--quick``, else 3; P6 1 with ``--quick`` or ``--full`` (a 256^2 seed of the three
variants is about 1.1 hours of one idle core), else 3. P5 draws 2000 networks per mode,
20 blocks of 2000 with ``--full``.

Every experiment runs as cells of the one runner (``paper.cells``, ``numerics.store.cells``):
with ``--full`` one cell per experiment and seed (P5: per block of draws; P6: per variant and
seed), otherwise one per experiment. ``--store PATH`` keeps each cell in that SQLite file as it
finishes (a rerun reuses it; with ``--full`` the main command's default store),
``--dask ADDRESS`` (``local``: a LocalCluster) maps the cells onto
a Dask cluster; the numbers do not depend on where a cell ran. ``--device cuda`` trains P2-P6 on
the GPU by the same code (P1 and the float64 cross-checks stay NumPy/CPU); it is refused before
any work, exit 2, where no CUDA device is present.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from proofs_check.claims.paper import EXPERIMENTS, IDS, failures, runner
from proofs_check.outputs import STDOUT, folder_problem, inside_folder, output_problem
from theory.validation.command_line import int_in

EXAMPLE = "example: proofs_check paper --quick --out figs --json paper.json"
DTYPES = ("float32", "float64")
GAIN_INITS = ("uniform", "ones")  # paper.deep_decoder.GAIN_INITS (not imported: it needs torch)
DEVICES = ("cpu", "cuda")  # paper.nets.DEVICES (not imported: it needs torch)


def _only(text: str) -> list[str]:
    wanted = [s.strip().upper() for s in text.split(",") if s.strip()]
    bad = [w for w in wanted if w not in IDS]
    if bad or not wanted:
        raise argparse.ArgumentTypeError(
            f"unknown experiment(s) {', '.join(bad) or text!r}; known: {', '.join(IDS)}"
        )
    return [e for e in IDS if e in wanted]


def _image(text: str) -> str:
    if not text or not os.path.isfile(text) or not os.access(text, os.R_OK):
        raise argparse.ArgumentTypeError(f"expected a readable image file, got {text!r}")
    return text


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``paper`` on the main parser's subparsers."""
    p = subparsers.add_parser(
        "paper",
        help="the paper's experiments P1-P6 in PyTorch (needs the extra 'paper')",
        description="Reproduce the paper's experiments (the paper's setup, P1-P6) with PyTorch.",
        epilog=EXAMPLE,
    )
    size = p.add_mutually_exclusive_group()
    size.add_argument(
        "--quick",
        action="store_true",
        help="one seed for P4 and P6, P6 at 128x128 for 1000 steps (under 10 minutes)",
    )
    size.add_argument(
        "--full",
        action="store_true",
        dest="paper_full",
        help="the authors' sizes, 20 seeds (P6 at 256x256, 5000 steps, both gain starts: hours; resumable)",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the figures (created if missing)")
    p.add_argument(
        "--json",
        metavar="PATH",
        dest="paper_json",
        help="write the JSON report here ('-': stdout)",
    )
    p.add_argument("--seeds", type=int_in(1, 100), default=None, help="seeds per training experiment, 1-100")
    p.add_argument(
        "--only",
        type=_only,
        default=list(IDS),
        dest="paper_only",
        metavar="P1,P2",
        help="run only these experiments",
    )
    p.add_argument(
        "--threads",
        type=int_in(1, 256),
        default=1,
        help="torch threads (default 1: fastest on a shared machine)",
    )
    p.add_argument(
        "--dtype",
        choices=DTYPES,
        default=None,
        dest="paper_dtype",
        help="precision of P2, P3, P5 and P6 (default: float64, and float32 for P6 as the authors)",
    )
    p.add_argument(
        "--bn-gain-init",
        choices=GAIN_INITS,
        default="uniform",
        help="P6 BatchNorm gain start: uniform = U(0,1), PyTorch <= 1.1 (default); ones = PyTorch >= 1.2",
    )
    p.add_argument(
        "--device",
        choices=DEVICES,
        default="cpu",
        help="where PyTorch trains P2-P6 (default cpu; cuda: the GPU, refused where none is present)",
    )
    p.add_argument(
        "--store",
        metavar="PATH",
        default=None,
        dest="paper_store",
        help="SQLite file of finished cells, reused by a rerun (as the main command's --store; "
        "default with --full: proofs_check_cells.sqlite in the current folder)",
    )
    from proofs_check.cli import _dask_address  # build_parser calls this: the command line is loaded

    p.add_argument(
        "--dask",
        type=_dask_address,
        metavar="ADDRESS",
        default=None,
        dest="paper_dask",
        help="run the cells on Dask: 'local' or a scheduler address you trust (as the main command's --dask)",
    )
    p.add_argument(
        "--image",
        type=_image,
        default=None,
        metavar="PATH",
        help="P6 image (any grayscale image; default the phantom)",
    )
    return p


def check_paths(args) -> None:
    """Bad --out, --json or --image: ValueError naming the argument, before any work; then make --out."""
    problem = folder_problem(args.out)
    if problem:
        raise ValueError(f"--out: {args.out!r}: {problem}")
    if args.paper_json and inside_folder(args.paper_json, args.out):
        name = os.path.basename(args.paper_json)
        stems = {stem for _, _, stems in EXPERIMENTS.values() for stem in stems}
        inside_state = inside_folder(args.paper_json, os.path.join(args.out, "p6_state"))
        if inside_state or name.endswith((".png", ".pdf")) or os.path.splitext(name)[0] in stems:
            raise ValueError(f"--json: {args.paper_json!r} would overwrite a figure or state file in --out")
    if args.paper_json is not None and args.paper_json != STDOUT:
        folder = os.path.dirname(os.path.abspath(args.paper_json))
        fresh = not os.path.exists(folder) and os.path.realpath(folder) == os.path.realpath(args.out)
        problem = folder_problem(folder) if fresh else output_problem(args.paper_json)
        if problem:
            raise ValueError(f"--json: cannot write {args.paper_json!r}: {problem}")
    if args.image is not None:  # read now: a bad image is refused before any work, nothing written
        from paper.deep_decoder import read_image

        try:
            read_image(args.image)
        except ValueError as err:  # imageio's reasons run over several lines: keep the first
            raise ValueError(str(err).splitlines()[0].rstrip(" :")) from None
    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as err:
        raise ValueError(f"--out: cannot create folder {args.out!r} ({err.strerror or err})") from None


def seeds_for(eid: str, args) -> int:
    """The seeds of one experiment (module docstring)."""
    if args.seeds is not None:
        return args.seeds
    if eid in ("P2", "P3"):
        return 20 if args.paper_full else 3
    if eid == "P4":
        return 1 if args.quick else 3
    return 1 if args.quick or args.paper_full else 3


def device_problem(args) -> None:
    """``--device cuda`` where no CUDA device is present: ValueError naming the option, before any work."""
    from paper.nets import device_problem as problem

    why = problem(args.device)
    if why:
        raise ValueError(f"--device: {args.device!r}: {why}; use --device cpu")


def _kwargs(eid: str, args) -> dict:
    import torch

    kw: dict = {
        "quick": args.quick,
        "full": args.paper_full,
        "threads": args.threads,
        "store": args.paper_store,
    }
    if eid != "P1":
        kw["device"] = args.device
    if eid in ("P1", "P5"):
        kw["seed"] = 0
    else:
        kw["seeds"] = seeds_for(eid, args)
    if args.paper_dtype and eid in ("P2", "P3", "P5", "P6"):
        kw["dtype"] = getattr(torch, args.paper_dtype)
    if eid == "P6":
        kw.update(bn_gain_init=args.bn_gain_init, image_path=args.image)
    return kw


def environment(args) -> dict:
    """The main report's environment (version, commit, timestamp, versions) plus torch and this run's settings."""
    import torch

    from proofs_check.claims import Context
    from proofs_check.report import environment as main_environment

    env = main_environment(Context(full=bool(args.paper_full)))
    for key in ("seed", "dps"):
        env.pop(key, None)
    try:
        load = list(os.getloadavg())
    except OSError:
        load = []
    return {
        **env,
        "torch": torch.__version__,
        "cpus": os.cpu_count(),
        "torch_threads": args.threads,
        "device": args.device,
        "cuda_device": torch.cuda.get_device_name() if args.device == "cuda" else None,
        "store": args.paper_store,
        "dask": args.paper_dask,
        "load_average_at_end": load,
        "quick": args.quick,
        "seeds": {eid: seeds_for(eid, args) for eid in args.paper_only if eid not in ("P1", "P5")},
        "dtype": args.paper_dtype,
        "bn_gain_init": args.bn_gain_init,
        "image": args.image,
    }


def run(args) -> int:
    """Run the chosen experiments; print one line each, the figures and any failing check."""
    from paper import missing_dependency

    missing = missing_dependency()
    if missing:
        print(f"proofs_check paper: error: {missing}", file=sys.stderr)
        return 2
    device_problem(args)
    store_problem(args)
    check_paths(args)
    client = _connect(args)
    try:
        return _run(args, client)
    finally:
        if client is not None:
            client.close()


def store_problem(args) -> None:
    """--store as the main command's (``proofs_check.cli._cell_store``: with --full the default
    store, an existing file must be a cell store), checked before any work; sets ``args.paper_store``."""
    from proofs_check.cli import _cell_store  # the command line is loaded: it called this

    args.paper_store = _cell_store(args.paper_store, bool(args.paper_full))


def _connect(args):
    """The Dask client of --dask (one for every experiment), or None; an unreachable scheduler is
    a ValueError naming --dask (``numerics.store.cells.connect_dask``)."""
    if args.paper_dask is None:
        return None
    from numerics.store.cells import connect_dask

    return connect_dask(args.paper_dask)


def _run(args, client) -> int:
    import torch

    from paper import report

    torch.set_num_threads(args.threads)
    say = sys.stderr if args.paper_json == STDOUT else sys.stdout
    results: list[dict] = []
    t0 = time.time()

    def write(complete: bool) -> list[str]:
        bad = failures(results)
        env = {**environment(args), "seconds": round(time.time() - t0, 1), "crosscheck_failures": bad}
        env["complete"] = complete  # a long run's file holds every finished experiment so far
        if args.paper_json is not None and (complete or args.paper_json != STDOUT):
            try:
                report.write_json(args.paper_json, results, env)
            except OSError as err:
                raise ValueError(
                    f"--json: cannot write {args.paper_json!r} ({err.strerror or err})"
                ) from None
        return bad

    for eid in args.paper_only:
        entry = runner(eid)(args.out, **{**_kwargs(eid, args), "dask": client})
        results.append(entry)
        print(
            f"{eid}  {entry['ours']['seconds']:8.1f} s  {entry['figure']}  {entry['title']}",
            file=say,
            flush=True,
        )
        if eid != args.paper_only[-1]:
            write(complete=False)
    bad = write(complete=True)
    for f in bad:
        print(f"check FAILED: {f}", file=say)
    seconds = round(time.time() - t0, 1)
    print(f"{len(results)} experiments in {seconds} s; checks {'FAILED' if bad else 'all hold'}", file=say)
    return 1 if bad else 0
