"""numerics.bench.simulator: the yardsticks compute the same GD as the simulator; the report has its parts.

No timings are asserted (speed is measured by ``proofs_check bench``, never by tests).
"""

from __future__ import annotations

import argparse

import numpy as np
import pytest

from numerics.bench import simulator as bench
from numerics.gd.simulate import FourierGD, random_filters, simulate_gd


def _problem(n=12, d=4, trials=5):
    return bench.problem(n, d, trials)


def test_careful_numpy_reference_is_the_same_gd():
    x, y, c = _problem()
    losses = bench.numpy_time_gd(x, y, c, 0.01, 40)
    res = simulate_gd(x, y, c, eta=0.01, max_iter=40, tol=0, record=True, record_points=100)
    steps = res.record["steps"]
    assert np.allclose(losses[steps], res.record["loss"], rtol=1e-10, atol=0)


def test_fused_loop_is_the_same_plain_step():
    x, y, c = _problem()
    state = FourierGD(c, x, y, False)
    for _ in range(25):
        state.step(0.01, 0.0)
    assert np.allclose(bench.fused_run(x, y, c, 0.01, 25), state.f_hat, rtol=1e-12, atol=1e-15)


def test_parse_shapes():
    assert bench.parse_shapes("16:12:16, 16:4:64") == [(16, 12, 16), (16, 4, 64)]
    assert bench.parse_shapes("") == []
    for bad in ("16:12", "1:2:3", "a:b:c"):
        with pytest.raises(argparse.ArgumentTypeError):
            bench.parse_shapes(bad)


def test_run_prints_machine_paths_and_ratios(capsys):
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    args = parser.parse_args(["--n", "8", "--depth", "2", "--trials", "3", "--small", "8:3:2", "--no-torch"])
    args.seconds, args.repeats = 0.002, 1  # a smoke test, not a measurement
    assert bench.run(args) == 0
    out = capsys.readouterr().out
    for part in ("cpu", "cores", "numpy", "numba", "load average", "plain fourier", "plain fused loop"):
        assert part in out
    assert "careful NumPy / fourier" in out and "fourier / fused loop" in out
    assert "8:2:3" in out and "8:3:2" in out


def test_bench_does_not_touch_the_filters():
    x, y, c = _problem()
    before = c.copy()
    bench.fused_run(x, y, c, 0.01, 3)
    bench.numpy_time_gd(x, y, c, 0.01, 3)
    assert np.array_equal(c, before) and np.array_equal(random_filters(5, 4, 12, seed=1), before)


def test_flow_line_times_fast_and_certified_and_they_agree():
    """The flow-time line of ``proofs_check bench``: the fast default and certified side by side."""
    from numerics.bench import flow as flow_bench

    comparison = flow_bench.compare_flow(8, repeats=1)
    assert comparison.contains and comparison.digits >= 25
    assert comparison.certified.cpu > 0 and comparison.fast.cpu > 0
    line = flow_bench.flow_line([comparison])
    assert "d = 8: fast" in line and "certified" in line and "checked at 2p" in line
