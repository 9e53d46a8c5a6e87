"""The hostile table of issue 27: every reproducer of the simulator, stall-floor, cost and
output-path defects, as one table of cases (fast: each runs in well under a second or two).

A case is (name, call, expected): ``expected`` is a predicate on the result, or
``Refused(pattern)``: a one-line ValueError matching ``pattern``, raised before any work.
The command-line cases run ``proofs_check`` in this process and require exit code 2, one
line on stderr and nothing written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from test_robustness import cli

from numerics.gd.channel_gd import simulate_gd_channels
from numerics.gd.simulate import random_filters, simulate_gd
from numerics.hp.allpass import allpass_filters, stall_floor
from numerics.hp.flow import flow_time
from numerics.mc.explosion import relu_cn_rate


@dataclass(frozen=True)
class Refused:
    pattern: str


N = 8
_rng = np.random.default_rng(0)
X = _rng.normal(size=N)
Y = 1.5 * X + 0.3 * _rng.normal(size=N)
DELTA, BOX = np.eye(N)[0], np.ones(N) / N


def _left(res) -> bool:
    """A start GD leaves: not underflowed, not diverged, the loss fell."""
    return not res.underflowed[0] and not res.diverged[0] and res.final_loss[0] < res.initial_loss[0]


def _one(layers, method, steps=40):
    return simulate_gd(X, Y, np.array(layers)[None], eta=0.05, max_iter=steps, tol=0.0, method=method)


def _chan(layers, method, steps=40):
    return simulate_gd_channels(
        X, Y, [a[None, None, None, :] for a in layers], eta=0.05, max_iter=steps, tol=0.0, method=method
    )


def _k1_cn(method: str):
    x, y = np.random.default_rng(12).normal(size=(2, 16))
    f = random_filters(6, 5, 16, seed=3)[4:5]
    kw = dict(eta=0.02, normalized=True, max_iter=400, tol=1e-3)
    if method in ("fourier", "fourier-numpy"):
        return simulate_gd(x, y, f, method=method, **kw)
    return simulate_gd_channels(x, y, [f[:, i][:, None, None, :] for i in range(5)], method=method, **kw)


CASES: list[tuple[str, Callable[[], Any], Any]] = [
    # stall_floor (numerics.hp.allpass)
    ("stall_floor at d = 1: a crossing is no floor (GD reaches 3e-12)",
     lambda: stall_floor([1.0, 0, 0, 0], [1.0, 1, 1, 1], [[-1.0, 0, 0, 0]]), lambda v: v == 0),
    ("stall_floor with x̂ = 0 everywhere: ½||y||² = 15 (was 13)",
     lambda: stall_floor(np.zeros(4), [1.0, 2, 3, 4], allpass_filters(4, 3, delta=True)), lambda v: v == 15),
    ("stall_floor counts tied layers whose DFT is 0 at w = 0",
     lambda: stall_floor([1, 0.5, 0.25, 0], [2.0, 1, 0, 1], [[1.0, -1, 0, 0]] * 3), lambda v: v == 2),
    # the status rule: exact zeros are not underflow, on every path
    *[(f"{start}: {api} {m} leaves it, not underflowed", (lambda s=layers, f=fn, m=m: f(s, m)), _left)
      for start, layers in (("zero filter", [np.zeros(N)]), ("zero layer beside a delta", [np.zeros(N), DELTA]),
                            ("box filter and a delta", [BOX, DELTA]))
      for api, fn, methods in (("simulate_gd", _one, ("auto", "time")),
                               ("simulate_gd_channels", _chan, ("auto", "numpy", "compiled")))
      for m in methods],
    ("phase-free method on an exact zero: refused, naming filters",
     lambda: _one([np.zeros(N)], "fourier"), Refused(r"^filters: ĉ_i,w = 0 exactly")),
    # k = 1 CN: one step on every path
    *[(f"k = 1 CN reproducer, {m}: converges at step 237", (lambda m=m: _k1_cn(m)),
       lambda r: r.converged[0] and r.iterations[0] == 237)
      for m in ("fourier", "fourier-numpy", "numpy", "compiled")],
    # costs bounded before work
    ("relu_cn_rate(4, 1): a one-line error naming n (was 'math domain error')",
     lambda: relu_cn_rate(4, 1), Refused(r"^n = 4 is too small for k = 1")),
    ("relu_cn_rate to depth 10^6: refused by the cost model",
     lambda: relu_cn_rate(16, 1, depths=(2, 10**6), draws=2), Refused(r"^max\(depths\) must be in \[2, \d+\]")),
    ("a broadcast view of 10^6 x 200 x 64 filters: refused by the memory check, not NumPy",
     lambda: simulate_gd(np.ones(64), np.ones(64), np.broadcast_to(np.zeros(1), (10**6, 200, 64)), eta=0.1),
     Refused(r"^filters of shape \(1000000, 200, 64\) needs about")),
    ("a broadcast view of width-k layers: refused before any copy",
     lambda: simulate_gd_channels(np.ones(64), np.ones(64), [np.broadcast_to(np.zeros(1), (10**8, 1, 1, 64))],
                                  eta=0.1), Refused(r"needs about .* of memory")),
    ("max_iter = 10^12: refused by the cost model, naming max_iter",
     lambda: simulate_gd(X, Y, random_filters(4, 3, N), eta=0.1, max_iter=10**12),
     Refused(r"^max_iter must be in \[1, \d+\] for simulate_gd")),
    # flow_time's goal: a residual goal |b| below 10^-dps is not resolved at dps digits
    *[(f"flow_time goal {g!r} at dps = {p}: just below 10^-dps, refused naming goal",
       (lambda g=g, p=p: flow_time([0.5, 0.5], 1, 1, goal=g, dps=p)), Refused(rf"^goal must be >= 10\^-dps = 1e-{p}"))
      for g, p in ((0.9e-20, 20), (1e-31, 30), (1e-41, 40), (1e-61, 60))],
    ("flow_time goal 1e-20 at dps = 20 (the edge): accepted, T > 0",
     lambda: flow_time([0.5, 0.5], 1, 1, goal=1e-20, dps=20), lambda r: r[0] > 0),
]  # fmt: skip


@pytest.mark.parametrize("name, call, expected", CASES, ids=[c[0] for c in CASES])
def test_hostile_case(name, call, expected):
    if isinstance(expected, Refused):
        with pytest.raises(ValueError) as err:
            call()
        text = str(err.value)
        assert "\n" not in text and re.search(expected.pattern, text), text
    else:
        assert expected(call())


# -------------------------------------------------------------------- the command line
def _cli(*args: str) -> tuple[int, str]:
    """The CLI in this process (``test_robustness.cli``): (exit code, stderr)."""
    code, _, err = cli(*args)
    return code, err


CLI_CASES = [
    ("--json /proc/x", ["--only", "T1", "--json", "/proc/x"], "--json"),
    ("--markdown to an unwritable place", ["--only", "T1", "--markdown", "/proc/x.md"], "--markdown"),
    ("--json under /sys", ["--only", "T1", "--json", "/sys/x.json"], "--json"),
]


@pytest.mark.parametrize("name, args, word", CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_hostile_output_paths_are_refused_before_any_work(name, args, word):
    code, err = _cli(*args)
    assert code == 2 and word in err and len(err.strip().splitlines()) == 1, err


def test_hostile_paper_image_is_refused_before_any_work(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("skimage")
    bad = tmp_path / "not_an_image.png"
    bad.write_text("not an image")
    out = tmp_path / "figs"
    code, err = _cli("paper", "--quick", "--only", "P1", "--out", str(out), "--image", str(bad))
    assert code == 2 and "--image" in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists()
