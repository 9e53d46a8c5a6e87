"""X1: the ReLU + CN gradient rate, its two backprop paths, and the argument checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from numerics import relu_cn_rate
from numerics.gd.channel_gd import init_grad_norms
from numerics.mc import explosion as ex


def test_X1_rate_constant():
    assert ex.X1_RATE == pytest.approx(0.191590, abs=1e-6)  # THEORY writes 0.19157...
    assert ex.X1_RATE == pytest.approx(0.5 * math.log(math.pi / (math.pi - 1)), rel=1e-15)


@pytest.mark.parametrize("k, relu", [(1, True), (3, True), (2, False)])
def test_X1_time_domain_path_matches_gd_core(k, relu):
    n, d = 16, 5
    x, y = ex.problem(n, 1)
    f = ex.draw_filters(n, d, k, 1, 0)
    core = init_grad_norms(x, y, f, normalized=True, relu=relu)[0]
    direct = ex.time_domain_grad_norms([layer[0] for layer in f], x, y, relu=relu)
    np.testing.assert_allclose(direct, core, rtol=1e-12)


def test_X1_time_domain_path_matches_torch_autograd():
    torch = pytest.importorskip("torch")  # an independent autograd path; the theory needs no torch
    n, d, k = 12, 4, 2
    x, y = ex.problem(n, 2)
    f = [layer[0] for layer in ex.draw_filters(n, d, k, 2, 0)]
    params = [torch.tensor(c, dtype=torch.float64, requires_grad=True) for c in f]
    z = torch.tensor(x, dtype=torch.float64)[None, :]
    idx = torch.tensor((np.arange(n)[:, None] - np.arange(n)[None, :]) % n)
    for i, c in enumerate(params):
        v = torch.einsum("abm,bjm->aj", c, z[:, idx])
        if i < d - 1:
            v = torch.relu(v)
        p = v - v.mean(-1, keepdim=True)
        z = math.sqrt(n) * p / p.norm(dim=-1, keepdim=True)
    loss = 0.5 * ((z[0] - torch.tensor(y)) ** 2).sum()
    loss.backward()
    auto = [float(c.grad.norm()) for c in params]
    np.testing.assert_allclose(ex.time_domain_grad_norms(f, x, y), auto, rtol=1e-12)


def test_X1_rate_is_deterministic_and_paths_agree():
    a = relu_cn_rate(32, 2, depths=(3, 6), draws=4, seed=3)
    b = relu_cn_rate(32, 2, depths=(3, 6), draws=4, seed=3, path="time")
    assert a.estimate == relu_cn_rate(32, 2, depths=(3, 6), draws=4, seed=3).estimate
    assert a.estimate == pytest.approx(b.estimate, abs=1e-12)
    assert a.stderr > 0 and a.estimate == a.slope


def test_X1_linear_cn_is_flat_relu_cn_grows():
    relu = relu_cn_rate(128, 1, depths=(4, 16), draws=30, seed=0)
    linear = relu_cn_rate(128, 1, depths=(4, 16), draws=30, seed=0, relu=False)
    assert relu.estimate > 0.1
    assert abs(linear.estimate) < 0.05


def test_X1_excess_power_law_recovers_a_known_law():
    ns = [64, 128, 256, 512, 1024]
    rates = [ex.X1_RATE + 0.8 / v**1.2 for v in ns]
    law = ex.excess_power_law(ns, rates, [1e-6] * 5)
    assert law["A"] == pytest.approx(0.8, rel=1e-4) and law["p"] == pytest.approx(1.2, rel=1e-4)


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"n": 2, "k": 1}, "n"),
        ({"n": 64, "k": 0}, "k"),
        ({"n": 64, "k": 1, "draws": 1}, "draws"),
        ({"n": 64, "k": 1, "depths": (8,)}, "depths"),
        ({"n": 64, "k": 1, "depths": (8, 8)}, "distinct"),
        ({"n": 2**20, "k": 64}, "taps"),
        ({"n": 64, "k": 1, "path": "gpu"}, "path"),
        ({"n": 1024, "k": 32, "path": "time"}, "k\\^2 n\\^2"),
    ],
)
def test_X1_bad_arguments(kwargs, word):
    n, k = kwargs.pop("n"), kwargs.pop("k")
    with pytest.raises(ValueError, match=word):
        relu_cn_rate(n, k, **kwargs)


def test_X1_extrapolation_weights_by_inverse_variance():
    """rate(n) = r_inf + A/n by weighted least squares, against numpy.polyfit with weights 1/se
    (inverse-variance weighting) on rates with very unequal standard errors."""
    ns = np.array([64, 128, 256, 512, 1024])
    se = np.array([0.05, 0.002, 0.001, 0.0008, 0.0005])
    rates = 0.19159 + 1.0 / ns + np.array([0.04, -0.001, 0.0005, -0.0004, 0.0002])
    fit = ex.extrapolate_rate(ns, rates, se)
    (A, r_inf), cov = np.polyfit(1.0 / ns, rates, 1, w=1.0 / se, cov="unscaled")
    assert fit["r_inf"] == pytest.approx(r_inf, rel=1e-12) and fit["A"] == pytest.approx(A, rel=1e-10)
    assert fit["r_inf_stderr"] == pytest.approx(math.sqrt(cov[1, 1]), rel=1e-10)
