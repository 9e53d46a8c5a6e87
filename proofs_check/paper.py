"""``proofs_check paper``: the paper's experiments P1-P6 (THEORY section 5) in PyTorch.

    proofs_check paper [--quick] [--full] --out DIR [--json PATH] [--seeds N] [--only P1,P2] [--threads T]

Writes one figure per experiment (PNG + PDF) into DIR and, with --json, the report
``{"experiments": [...], "environment": {...}}``. Exit code 0 when every autograd-versus-
closed-form cross-check holds, 1 when one does not, 2 on bad input or when PyTorch (the
extra ``paper``) is missing, with one line saying how to install it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

EXPERIMENTS = ("P1", "P2", "P3", "P4", "P5", "P6")
EXAMPLE = "example: proofs_check paper --quick --out figs --json paper.json"
TOL_EXACT = 1e-10  # float64 autograd vs closed form (measured ~1e-15)
TOL_EPS_PREDICTION = 1e-6  # M3 with eps: measured <grad,row> vs its predicted eps term (measured ~1e-9)


def _seeds(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if not 1 <= v <= 100:
        raise argparse.ArgumentTypeError(f"must be an integer in [1, 100], got {v}")
    return v


def _threads(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if not 1 <= v <= 256:
        raise argparse.ArgumentTypeError(f"must be an integer in [1, 256], got {v}")
    return v


def _only(text: str) -> list[str]:
    wanted = [s.strip().upper() for s in text.split(",") if s.strip()]
    bad = [w for w in wanted if w not in EXPERIMENTS]
    if bad or not wanted:
        raise argparse.ArgumentTypeError(
            f"unknown experiment(s) {', '.join(bad) or text!r}; known: {', '.join(EXPERIMENTS)}"
        )
    return [e for e in EXPERIMENTS if e in wanted]


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``paper`` on the main parser's subparsers."""
    from proofs_check.cli import _output  # the check every output path gets (cli imports this module)

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
        help="one seed for P4 and P6, P6 at 64x64 for 500 steps (about 10 minutes)",
    )
    size.add_argument(
        "--full",
        action="store_true",
        dest="paper_full",
        help="the authors' sizes everywhere (P6 at 256x256, 5000 steps: hours)",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the figures (created if missing)")
    p.add_argument(
        "--json", type=_output, metavar="PATH", dest="paper_json", help="write the JSON report here"
    )
    p.add_argument("--seeds", type=_seeds, default=3, help="seeds per training experiment, 1-100 (default 3)")
    p.add_argument(
        "--only",
        type=_only,
        default=list(EXPERIMENTS),
        dest="paper_only",
        metavar="P1,P2",
        help="run only these experiments",
    )
    p.add_argument(
        "--threads", type=_threads, default=1, help="torch threads (default 1: fastest on a shared machine)"
    )
    return p


def _check_paths(args) -> None:
    """Bad --out or --json: ValueError naming the argument, before any work."""
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        raise ValueError(f"--out: {args.out!r} exists and is not a folder")
    parent = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(args.out) and not (os.path.isdir(parent) and os.access(parent, os.W_OK)):
        raise ValueError(f"--out: cannot create folder {args.out!r}")
    if os.path.isdir(args.out) and not os.access(args.out, os.W_OK):
        raise ValueError(f"--out: folder {args.out!r} is not writable")
    if args.paper_json:
        folder = os.path.dirname(os.path.abspath(args.paper_json))
        if os.path.isdir(args.paper_json) or not os.path.isdir(folder) or not os.access(folder, os.W_OK):
            raise ValueError(f"--json: cannot write {args.paper_json!r} (folder missing or not writable)")


def _missing_dependency() -> str | None:
    """None when torch and scikit-image import; else the install line."""
    from paper import INSTALL_HINT

    try:
        import skimage  # noqa: F401
        import torch  # noqa: F401
    except ImportError:
        return INSTALL_HINT
    return None


def crosscheck_failures(experiments: list[dict]) -> list[str]:
    """Every cross-check of the report against its tolerance; the failing ones, named."""
    bad = []
    for e in experiments:
        for key, value in _flatten(e["ours"].get("crosschecks", {})):
            name = f"{e['id']} {key}"
            exact = key.endswith(("_rel_err", "max_abs_cos_grad_row")) and "1e-05" not in key
            if "prediction" in key:
                exact = False
            if exact and not (value is not None and value <= TOL_EXACT):
                bad.append(f"{name} = {value} > {TOL_EXACT}")
            if (
                key.endswith("max_rel_err_vs_eps_prediction")
                and value is not None
                and not value <= TOL_EPS_PREDICTION
            ):
                bad.append(f"{name} = {value} > {TOL_EPS_PREDICTION}")
        literal = e["ours"].get("literal_check")
        if literal and not literal["theirs_vs_XTy_over_normXw_max_rel"] <= TOL_EXACT:
            bad.append(
                f"{e['id']} their code != X^T y/||Xw||: {literal['theirs_vs_XTy_over_normXw_max_rel']}"
            )
    return bad


def _flatten(d: dict, prefix: str = ""):
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            yield from _flatten(v, key + ".")
        elif isinstance(v, (int, float)) and not isinstance(v, bool) or v is None:
            yield key, v


def run(args) -> int:
    """Run the chosen experiments; print one line each, the figures and any failing cross-check."""
    missing = _missing_dependency()
    if missing:
        print(f"proofs_check paper: error: {missing}", file=sys.stderr)
        return 2
    _check_paths(args)
    os.makedirs(args.out, exist_ok=True)

    import torch

    from paper import deep_decoder, histograms, init_grads, landscape, linear_head, report, step_fit

    torch.set_num_threads(args.threads)
    flags = {"quick": args.quick, "full": args.paper_full}
    runners = {
        "P1": lambda: histograms.run(args.out, seed=0, **flags),
        "P2": lambda: step_fit.run(args.out, seeds=args.seeds, **flags),
        "P3": lambda: linear_head.run(args.out, seeds=args.seeds, **flags),
        "P4": lambda: landscape.run(args.out, seeds=1 if args.quick else args.seeds, **flags),
        "P5": lambda: init_grads.run(args.out, seed=0, **flags),
        "P6": lambda: deep_decoder.run(args.out, seeds=1 if args.quick else args.seeds, **flags),
    }
    results = []
    t0 = time.time()
    for eid in args.paper_only:
        entry = runners[eid]()
        results.append(entry)
        print(f"{eid}  {entry['ours']['seconds']:8.1f} s  {entry['figure']}  {entry['title']}", flush=True)
    failures = crosscheck_failures(results)
    env = report.environment(args.threads, args.quick, args.paper_full, args.seeds)
    env["seconds"] = round(time.time() - t0, 1)
    env["crosscheck_failures"] = failures
    if args.paper_json:
        report.write_json(args.paper_json, results, env)
    for f in failures:
        print(f"cross-check FAILED: {f}")
    print(
        f"{len(results)} experiments in {env['seconds']} s; cross-checks {'FAILED' if failures else 'all hold'}"
    )
    return 1 if failures else 0
