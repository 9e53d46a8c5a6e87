"""Speed of the high-precision paths: the fast default ``flow_time`` against the certified one,
side by side in one process, and ``grad_norms`` at depth.

    python -m numerics.bench.flow              # flow_time fast vs certified at d = 100, 1000; grad_norms
    python -m numerics.bench.flow --repeats 5 --depths 100,1000,3000

``flow_time`` cases (issue 27): random complex weights ``rates.complex_weights(d, 1)``,
a = b = 1, goal 0.5, dps = 30. "fast" is the default ``flow_time(...)`` (computed at p digits,
checked at 2p: ``numerics.hp.gf_fast``); "certified" is ``flow_time(..., certified=True)``
(Arb balls: ``numerics.hp.gf_time``). The two calls alternate (fast, certified, fast, ...)
so that a change in the machine's load hits both; each time is the median of ``repeats``
calls, in CPU seconds of this process (``time.process_time``: what an idle core would take;
the wall time on a shared machine is longer) and wall seconds. The certified ball is checked
to contain the fast value to its ~30 digits (agreeing digits printed). ``grad_norms`` at
d = 10^4, n = 16, dps = 30 (plain and CN).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np

from numerics.gd.simulate import random_filters
from numerics.hp import flow, precise
from numerics.hp.precise import agreeing_digits
from numerics.mc import rates

#: Depths of the flow-time comparison (issue 27).
FLOW_DEPTHS = (100, 1000)


@dataclass(frozen=True)
class Timing:
    """Median CPU and wall seconds of repeated calls, and the last value."""

    cpu: float
    wall: float
    value: Any


def timed(call: Callable[[], Any]) -> tuple[Any, float, float]:
    cpu0, wall0 = time.process_time(), time.perf_counter()
    out = call()
    return out, time.process_time() - cpu0, time.perf_counter() - wall0


def interleaved(calls: dict[str, Callable[[], Any]], repeats: int) -> dict[str, Timing]:
    """Each call ``repeats`` times, alternating between them; medians."""
    cpu: dict[str, list[float]] = {k: [] for k in calls}
    wall: dict[str, list[float]] = {k: [] for k in calls}
    values: dict[str, Any] = {}
    for _ in range(repeats):
        for name, call in calls.items():
            values[name], c, w = timed(call)
            cpu[name].append(c)
            wall[name].append(w)
    return {k: Timing(statistics.median(cpu[k]), statistics.median(wall[k]), values[k]) for k in calls}


@dataclass(frozen=True)
class FlowComparison:
    """One depth: certified and fast timings, and the digits on which they agree."""

    d: int
    certified: Timing
    fast: Timing
    contains: bool  # the certified ball contains the fast value to its digits
    digits: float

    @property
    def ratio(self) -> float:
        return self.certified.cpu / self.fast.cpu


def compare_flow(d: int, repeats: int = 3, dps: int = 30) -> FlowComparison:
    """Time ``flow_time(certified=True)`` and the fast default ``flow_time`` at depth d."""
    z = list(rates.complex_weights(d, 1))
    res = interleaved(
        {
            "fast": lambda: flow.flow_time(z, 1, 1, dps=dps)[0],
            "certified": lambda: flow.flow_time(z, 1, 1, dps=dps, certified=True)[0],
        },
        repeats,
    )
    ball, old = res["certified"].value, res["fast"].value
    with mpmath.workdps(dps):
        digits = agreeing_digits(+flow.to_mpf(ball), old)
    # the fast value is right to about dps digits: the ball, widened by 10^-(dps-2)
    # of its size, must hold it
    widened = ball + type(ball)(0, abs(ball.mid()) * 10.0 ** (2 - dps))
    return FlowComparison(d, res["certified"], res["fast"], widened.contains(flow.to_arb(old)), digits)


def flow_line(comparisons: Sequence[FlowComparison]) -> str:
    """The bench's flow-time line: both times at every depth, and their ratio."""
    parts = [
        f"d = {c.d}: fast {c.fast.cpu:.2f} s, certified {c.certified.cpu:.2f} s "
        f"({c.ratio:.1f}x; wall {c.fast.wall:.2f} s vs {c.certified.wall:.2f} s; "
        f"{'agree' if c.contains else 'DISAGREE'} to {c.digits:.0f} digits)"
        for c in comparisons
    ]
    return (
        "flow_time, fast default (p digits, checked at 2p) vs certified=True, "
        "dps = 30, cpu seconds (median): " + "; ".join(parts)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--depths", default=",".join(map(str, FLOW_DEPTHS)), help="flow_time depths (100,1000)"
    )
    parser.add_argument("--no-grad-norms", action="store_true", help="skip the grad_norms cases")
    args = parser.parse_args(argv)
    depths = [int(v) for v in args.depths.split(",") if v]
    print(flow_line([compare_flow(d, args.repeats) for d in depths]), flush=True)
    if args.no_grad_norms:
        return 0
    rng = np.random.default_rng(5)
    c = random_filters(1, 10000, 16, seed=5)[0]
    x, y = rng.normal(size=16), rng.normal(size=16)
    for label, normalized in (
        ("grad_norms d=1e4 n=16 dps=30", False),
        ("grad_norms CN d=1e4 n=16 dps=30", True),
    ):
        t = interleaved(
            {"new": lambda normalized=normalized: precise.grad_norms(c, x, y, normalized=normalized, dps=30)},
            args.repeats,
        )
        print(
            f"{label}: {t['new'].cpu:.2f} s cpu, {t['new'].wall:.2f} s wall (median of {args.repeats})",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
