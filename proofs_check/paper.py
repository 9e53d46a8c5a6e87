"""``proofs_check paper``: the paper's experiments P1-P6 (THEORY section 5) in PyTorch.

    proofs_check paper [--quick | --full] --out DIR [--json PATH|-] [--seeds N] [--only P1,P2]
                       [--threads T] [--dtype float32|float64] [--bn-gain-init uniform|ones] [--image PATH]

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
        description="Reproduce the paper's experiments (THEORY section 5, P1-P6) with PyTorch.",
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


def _missing_dependency() -> str | None:
    """None when torch and scikit-image import; else the install line."""
    from paper import INSTALL_HINT

    try:
        import skimage  # noqa: F401
        import torch  # noqa: F401
    except ImportError:
        return INSTALL_HINT
    return None


def seeds_for(eid: str, args) -> int:
    """The seeds of one experiment (module docstring)."""
    if args.seeds is not None:
        return args.seeds
    if eid in ("P2", "P3"):
        return 20 if args.paper_full else 3
    if eid == "P4":
        return 1 if args.quick else 3
    return 1 if args.quick or args.paper_full else 3


def _kwargs(eid: str, args) -> dict:
    import torch

    kw: dict = {"quick": args.quick, "full": args.paper_full}
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
        "load_average_at_end": load,
        "quick": args.quick,
        "seeds": {eid: seeds_for(eid, args) for eid in args.paper_only if eid not in ("P1", "P5")},
        "dtype": args.paper_dtype,
        "bn_gain_init": args.bn_gain_init,
        "image": args.image,
    }


def run(args) -> int:
    """Run the chosen experiments; print one line each, the figures and any failing check."""
    missing = _missing_dependency()
    if missing:
        print(f"proofs_check paper: error: {missing}", file=sys.stderr)
        return 2
    check_paths(args)

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
        entry = runner(eid)(args.out, **_kwargs(eid, args))
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
