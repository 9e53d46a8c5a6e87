"""Speed of the high-precision paths, against an older implementation read from git.

    python -m numerics.bench.flow               # new implementation only (median of 3)
    python -m numerics.bench.flow --old 55647a5  # also that commit's flow.py and precise.py

Cases (issue 14): ``flow_time`` at d = 1000, random complex weights, dps = 30; ``grad_norms``
at d = 10^4, n = 16, dps = 30 (plain and CN). With ``--old`` each old call runs once,
interleaved with the new ones in this process, and the agreeing digits are printed.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from numerics.gd.simulate import random_filters
from numerics.hp import flow, precise
from numerics.hp.precise import agreeing_digits
from numerics.mc import rates


def _load_old(ref: str, name: str):
    """Module numerics/<name>.py as of git ``ref``, importable next to the current package."""
    src = subprocess.run(
        ["git", "show", f"{ref}:numerics/{name}.py"], capture_output=True, text=True, check=True
    ).stdout
    path = Path(tempfile.mkdtemp()) / f"old_{name}.py"
    path.write_text(src)
    spec = importlib.util.spec_from_file_location(f"old_{name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", help="git ref whose numerics/hp/flow.py and precise.py to compare with")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    z = list(rates.complex_weights(1000, 1))
    rng = np.random.default_rng(5)
    c = random_filters(1, 10000, 16, seed=5)[0]
    x, y = rng.normal(size=16), rng.normal(size=16)
    cases = {
        "flow_time d=1000 dps=30": (lambda m: m.flow_time(z, 1, 1, dps=30)[0], flow, "flow"),
        "grad_norms d=1e4 n=16 dps=30": (lambda m: m.grad_norms(c, x, y, dps=30), precise, "precise"),
        "grad_norms CN d=1e4 n=16 dps=30": (
            lambda m: m.grad_norms(c, x, y, normalized=True, dps=30),
            precise,
            "precise",
        ),
    }
    old = {name: _load_old(args.old, name) for name in ("flow", "precise")} if args.old else {}
    for label, (call, module, name) in cases.items():
        times, value = [], None
        for _ in range(args.repeats):
            value, t = _timed(lambda call=call, module=module: call(module))
            times.append(t)
        line = f"{label}: new {statistics.median(times):.2f} s (median of {args.repeats})"
        if args.old:
            old_value, t_old = _timed(lambda call=call, name=name: call(old[name]))
            pairs = zip(value, old_value) if isinstance(value, list) else [(value, old_value)]
            digits = min(agreeing_digits(a, b) for a, b in pairs)
            line += f"; old {t_old:.2f} s; ratio {t_old / statistics.median(times):.1f}x; agreeing digits {digits:.1f}"
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
