"""The paper's experiments (P1-P6): autograd against the closed forms T1, C4, M1 and M3's
row-wise scale invariance, the authors' dropped projection, the CLI contract.

Tests that need PyTorch skip cleanly without it (``pytest.importorskip``); the one that
checks the message for a missing PyTorch runs everywhere.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from cli_runner import cli


def _torch():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch


def run_cli(*args, env=None):
    """``proofs_check paper ARGS``: in this process (``cli_runner``) unless ``env`` asks for
    another environment (a subprocess, as for the test that hides torch)."""
    if env is None:
        return cli("paper", *args)
    return subprocess.run(
        [sys.executable, "-m", "proofs_check", "paper", *args], capture_output=True, text=True, env=env
    )


def test_paper_without_torch_exits_2_with_install_line(tmp_path):
    fake = tmp_path / "torch"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError('torch hidden by the test')\n")
    import os

    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.getcwd()}"}
    out = run_cli("--out", str(tmp_path / "figs"), env=env)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and 'pip install ".[paper]"' in lines[0] and "on this machine" not in lines[0]
    assert not (tmp_path / "figs").exists()


@pytest.mark.parametrize("args", [["--seeds", "0"], ["--only", "P9"], ["--quick", "--full"], []])
def test_paper_bad_arguments_exit_2_one_line(tmp_path, args):
    extra = [] if args == [] else ["--out", str(tmp_path / "f")]
    out = run_cli(*extra, *args)
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1


def test_T1_C4_autograd_of_the_fig5_network_equals_closed_forms():
    _torch()
    from paper import crosschecks

    r = crosschecks.single_channel_t1_c4(seed=3, n=33, depth=3, kernel=7)
    assert r["T1_max_rel_err"] < 1e-12
    assert r["C4_max_rel_err"] < 1e-12


def test_C4_autograd_in_P1_setting_is_the_projected_gradient_not_theirs():
    _torch()
    from paper import crosschecks

    r = crosschecks.p1_normalized_gradient(seed=1, n=40, depth=4)
    assert r["autograd_plain_norm_vs_precise_T1_rel_err"] < 1e-12
    assert r["autograd_cn_norm_vs_precise_C4_rel_err"] < 1e-12
    assert r["autograd_vs_projected_rel_err"] < 1e-12
    assert r["autograd_vs_C4_rel_err"] < 1e-12
    assert r["autograd_vs_theirs_rel_diff"] > 1e-3  # the dropped projection is a real change


def test_P1_their_code_computes_XTy_over_norm():
    from paper import histograms

    r = histograms.literal_check(np.random.default_rng(0), n=30, d=4, draws=20)
    assert r["their_outer_product_is_scalar"] == pytest.approx(1.0, abs=1e-12)
    assert r["max_abs_XT_ones"] < 1e-12
    assert r["theirs_vs_XTy_over_normXw_max_rel"] < 1e-12
    assert r["theirs_vs_projected_max_rel"] > 1e-3


def test_P1_fourier_norms_equal_dense_matrices():
    from scipy.linalg import circulant

    from paper import histograms

    rng = np.random.default_rng(5)
    n, d = 12, 3
    x_hat, w_hat, y_hat = histograms.draw(rng, n, d, 4)
    got = histograms.gradient_norms(x_hat, w_hat, y_hat)
    for k in range(4):
        X = circulant(np.fft.ifft(x_hat[k]).real)  # X = circ(x) circ(c_1)... is circulant too
        w, y = np.fft.ifft(w_hat[k]).real, np.fft.ifft(y_hat[k]).real
        f = X @ w
        u = f / np.linalg.norm(f)
        assert got["plain"][k] == pytest.approx(np.linalg.norm(X.T @ (y - f)), rel=1e-12)
        assert got["theirs"][k] == pytest.approx(np.linalg.norm(X.T @ y) / np.linalg.norm(f), rel=1e-12)
        assert got["projected"][k] == pytest.approx(
            np.linalg.norm(X.T @ (y - u * (u @ y))) / np.linalg.norm(f), rel=1e-12
        )


def test_M1_autograd_equals_numpy_backward_recursion_and_fourier_norm():
    _torch()
    from paper import crosschecks

    r = crosschecks.multichannel_m1(seed=2, n=16, width=3, depth=3, kernel=3)
    assert r["M1_recursion_max_rel_err"] < 1e-12
    assert r["M1_fourier_norm_max_rel_err"] < 1e-12


def test_M1_numpy_recursion_equals_finite_differences():
    """The NumPy M1 reference itself, against central differences of the loss."""
    from paper import crosschecks

    rng = np.random.default_rng(0)
    n = 6
    filters = [rng.standard_normal((2, 1, n)), rng.standard_normal((2, 2, n)), rng.standard_normal((1, 2, n))]
    x, y = rng.standard_normal(n), rng.standard_normal(n)

    def loss(fs):
        z = x[None]
        for c in fs:
            z = np.stack(
                [sum(crosschecks._conv(c[a, b], z[b]) for b in range(c.shape[1])) for a in range(c.shape[0])]
            )
        return 0.5 * np.sum((y - z[0]) ** 2)

    grads = crosschecks.m1_gradients(filters, x, y)
    h = 1e-6
    for i, c in enumerate(filters):
        for idx in [(0, 0, 0), (c.shape[0] - 1, c.shape[1] - 1, n - 1)]:
            plus = [f.copy() for f in filters]
            minus = [f.copy() for f in filters]
            plus[i][idx] += h
            minus[i][idx] -= h
            assert grads[i][idx] == pytest.approx((loss(plus) - loss(minus)) / (2 * h), rel=1e-6, abs=1e-8)


def test_M3_row_scale_invariance_exact_without_eps_and_predicted_with_eps():
    _torch()
    from paper import crosschecks, nets

    for eps in (0.0, nets.EPS_AUTHORS):
        gen = nets.generator(2)  # seed 2: no dead ReLU channel (seed 0 has one, see below)
        net = nets.make_net(4, 3, 3, "cn", relu=True, sigmoid=True, gens=[gen], eps=eps)
        for b in net.betas:
            b.data.normal_(generator=gen)
        r = crosschecks.m3_scale_invariance(net, nets.uniform_input(3, 64, [gen]), nets.step_target(64))
        assert r["applicable"] and r["rows"] == 12
        if eps == 0:
            assert r["max_abs_cos_grad_row"] < 1e-12
        else:
            assert r["max_abs_cos_grad_row"] > 1e-9  # eps breaks the invariance measurably...
            assert r["max_rel_err_vs_eps_prediction"] < 1e-6  # ...by exactly the predicted term


def test_M3_dead_relu_channel_makes_eps0_cn_undefined():
    _torch()
    from paper import crosschecks, nets

    gen = nets.generator(0)
    net = nets.make_net(4, 3, 3, "cn", relu=True, sigmoid=True, gens=[gen], eps=0.0)
    for b in net.betas:
        b.data.normal_(generator=gen)
    r = crosschecks.m3_scale_invariance(net, nets.uniform_input(3, 64, [gen]), nets.step_target(64))
    assert r == {"eps": 0.0, "applicable": False, "dead_rows": 1}


def test_authors_cn_is_theory_cn_with_gain_sqrt_n_minus_1_over_n():
    torch = _torch()
    from paper import nets
    from theory import networks

    v = torch.tensor([[0.3, -1.2, 2.0, 0.7, 0.1]], dtype=torch.float64)
    ours = nets.channel_norm(v, "cn", torch.tensor([0.4], dtype=torch.float64), 0.0)[0].tolist()
    theirs = networks.cn_output(v[0].tolist(), gain=math.sqrt(4 / 5), bias=0.4, sqrt=math.sqrt)
    assert ours == pytest.approx(theirs, rel=1e-14)


def test_default_init_is_pytorchs_conv1d_init():
    torch = _torch()
    from paper import nets

    torch.manual_seed(11)
    conv = torch.nn.Conv1d(4, 4, 3, bias=True, dtype=torch.float64)
    ours_w = nets.default_conv_weight((4, 4, 3), nets.generator(11))
    assert torch.equal(conv.weight.detach(), ours_w)
    bound = 1 / math.sqrt(12)
    assert conv.bias.detach().abs().max() <= bound


def test_batched_networks_train_exactly_like_single_ones():
    _torch()
    from paper import step_fit

    both, _, _, _ = step_fit.fit("cn", [0, 1], iters=15)
    alone, _, _, _ = step_fit.fit("cn", [1], iters=15)
    assert np.array_equal(both.loss[1], alone.loss[0])
    assert np.allclose(both.grad_norms[1], alone.grad_norms[0], rtol=1e-12, atol=0)


def test_cli_P5_json_to_stdout_with_environment(tmp_path):
    _torch()
    pytest.importorskip("skimage")
    out = subprocess.run(
        [sys.executable, "-m", "proofs_check", "paper", "--only", "P5", "--out", "figs", "--json", "-"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**__import__("os").environ, "PYTHONPATH": __import__("os").getcwd()},
    )
    assert out.returncode == 0, out.stderr
    assert not (tmp_path / "-").exists()
    report = json.loads(out.stdout)
    assert set(report) == {"experiments", "environment"}
    (p5,) = report["experiments"]
    assert set(p5) == {"id", "title", "figure", "setup", "ours", "authors"}
    assert p5["id"] == "P5" and (tmp_path / "figs" / "p5_init_grads.png").exists()
    assert (tmp_path / "figs" / "p5_init_grads.pdf").exists()
    ratio = p5["ours"]["with_cn"]["median"] / p5["ours"]["without_cn"]["median"]
    assert ratio >= 10  # the P5 criterion
    env = report["environment"]
    assert env["crosscheck_failures"] == []
    assert env["version"] and env["timestamp"] and "git_commit" in env and env["torch"]
    assert p5["ours"]["block_maxima"]["with_cn"]["summary"]["count"] == 1


def test_crosscheck_failures_flag_a_wrong_closed_form():
    from proofs_check.claims.paper import failures as crosscheck_failures

    good = {
        "id": "P9",
        "ours": {
            "crosschecks": {
                "T1_max_rel_err": 1e-15,
                "M3": {
                    "init_eps_1e-05": {"max_abs_cos_grad_row": 1e-3, "max_rel_err_vs_eps_prediction": 1e-9}
                },
            }
        },
    }
    assert crosscheck_failures([good]) == []
    bad = {
        "id": "P9",
        "ours": {
            "crosschecks": {"T1_max_rel_err": 1e-3, "M3": {"init_eps_0": {"max_abs_cos_grad_row": 1e-4}}}
        },
    }
    assert len(crosscheck_failures([bad])) == 2
    drift = {
        "id": "P9",
        "ours": {"crosschecks": {"M3": {"init_eps_1e-05": {"max_rel_err_vs_eps_prediction": 1e-2}}}},
    }
    assert len(crosscheck_failures([drift])) == 1


# ---------------------------------------------- the derivations the default run checks (C4, M3)
def test_C4_TOL_EXACT_meets_its_rounding_derivation_and_1000x_looser_or_tighter_fails():
    from proofs_check.claims import paper
    from proofs_check.claims.torch_free import exact_tolerance

    assert all(c.passed for c in exact_tolerance())
    for wrong in (1000 * paper.TOL_EXACT, paper.TOL_EXACT / 1000):
        assert not all(c.passed for c in exact_tolerance(wrong)), wrong


def test_M3_TOL_EPS_PREDICTION_meets_its_derivation_and_1000x_looser_or_tighter_fails():
    from proofs_check.claims import paper
    from proofs_check.claims.torch_free import eps_prediction_tolerance

    assert all(c.passed for c in eps_prediction_tolerance())
    for wrong in (1000 * paper.TOL_EPS_PREDICTION, paper.TOL_EPS_PREDICTION / 1000):
        assert not all(c.passed for c in eps_prediction_tolerance(wrong)), wrong


def test_C4_M3_derivation_sizes_are_the_experiments_sizes():
    _torch()
    import inspect

    from paper import crosschecks, init_grads, step_fit
    from proofs_check.claims import paper

    def default(f, *names):
        return tuple(inspect.signature(f).parameters[k].default for k in names)

    n, d = default(crosschecks.p1_normalized_gradient, "n", "depth")
    n5, d5, k5 = default(crosschecks.single_channel_t1_c4, "n", "depth", "kernel")
    nm, wm, dm, km = default(crosschecks.multichannel_m1, "n", "width", "depth", "kernel")
    p2 = (step_fit.N, step_fit.DEPTH, step_fit.CHANNELS, step_fit.KERNEL)
    p5 = (init_grads.N, init_grads.DEPTH, init_grads.CHANNELS, init_grads.KERNEL)
    assert list(paper.EXACT_SIZES.values()) == [(n, d, 1, n), (n5, d5, 1, k5), (nm, dm, wm, km), p2, p5]
    # PyTorch's default init: U(+-1/sqrt(fan_in)), variance 1/(3 fan_in); P5: N(0, STD^2)
    assert list(paper.EPS_NETS.values()) == [(*p2, 1 / (3 * p2[2] * p2[3])), (*p5, init_grads.STD**2)]


@pytest.mark.parametrize("seed", [0, 1])
def test_M3_largest_pre_norm_variance_is_at_most_twice_conv_variance(seed):
    _torch()
    from paper import init_grads, nets, step_fit
    from proofs_check.claims import paper

    gens = [nets.generator(seed)]
    g = init_grads
    p5 = nets.make_net(
        g.DEPTH, g.CHANNELS, g.KERNEL, "cn_fixed", relu=True, sigmoid=False, gens=gens, weight_std=g.STD
    )
    p5(nets.uniform_input(g.CHANNELS, g.N, gens), keep=True)
    gen = nets.generator(seed)
    s = step_fit
    p2 = nets.make_net(s.DEPTH, s.CHANNELS, s.KERNEL, "cn", relu=True, sigmoid=True, gens=[gen])
    for b in p2.betas:
        b.data.normal_(generator=gen)  # as step_fit's M3 check
    p2(nets.uniform_input(s.CHANNELS, s.N, [gen]), keep=True)
    for net, key in ((p2, "paper.step_fit (P2)"), (p5, "paper.init_grads (P5)")):
        largest = max(float(r.detach()[0].var(dim=-1).max()) for r in net.record[::2])
        assert 0.3 < largest / paper.conv_variance(*paper.EPS_NETS[key][2:]) <= 2.0, key


def test_M3_authors_eps_is_theorys_and_pytorchs_batchnorm_default():
    torch = _torch()
    from paper import nets
    from proofs_check.claims.paper import EPS_THEORY
    from proofs_check.claims.torch_free import module_constant

    assert nets.EPS_AUTHORS == EPS_THEORY == torch.nn.BatchNorm1d(1).eps
    assert module_constant("paper.nets", "EPS_AUTHORS") == nets.EPS_AUTHORS
    with pytest.raises(ValueError, match="name"):
        module_constant("paper.nets", "NO_SUCH_CONSTANT")
    with pytest.raises(ValueError, match="module"):
        module_constant("paper.no_such_module", "EPS_AUTHORS")


@pytest.mark.parametrize("mode", ["cn", "cn_fixed"])
def test_C4_authors_cn_with_eps_equals_numpy_reference_from_theory(mode):
    torch = _torch()
    from paper import nets

    rng = np.random.default_rng(5)
    v, beta = rng.standard_normal((3, 7)), rng.standard_normal(3)
    v[1] *= 1e-3  # variance ~1e-6: the eps matters
    ours = nets.channel_norm(torch.tensor(v), mode, torch.tensor(beta), nets.EPS_AUTHORS).numpy()
    # THEORY section 5: (v - mean)/sqrt(unbiased variance + 1e-5) (+ beta)
    ref = (v - v.mean(-1, keepdims=True)) / np.sqrt(v.var(-1, ddof=1, keepdims=True) + 1e-5)
    ref += beta[:, None] if mode == "cn" else 0
    assert np.allclose(ours, ref, rtol=1e-13, atol=0)


def test_T1_C4_torch_circular_conv_is_convolution_with_the_embedded_filter_non_symmetric():
    torch = _torch()
    from paper import crosschecks, nets

    rng = np.random.default_rng(6)
    n = 11
    for kernel in (3, 5, 9):
        w, v = rng.standard_normal(kernel), rng.standard_normal(n)
        ours = nets.circular_conv(torch.tensor(v)[None, None], torch.tensor(w)[None, None])[0, 0].numpy()
        c = np.array(crosschecks.embed(torch.tensor(w), n))
        assert np.allclose(ours, np.fft.ifft(np.fft.fft(c) * np.fft.fft(v)).real, rtol=0, atol=1e-13)


@pytest.mark.parametrize("n,fraction", [(256, 0.5), (64, 1 / 3), (100, 0.5), (10, 0.25), (7, 0.5)])
def test_P2_P3_P4_step_target_is_their_step(n, fraction):
    """Their step (P2-P4's target): the first floor(n * fraction) samples 1, the rest 0, shape (1, 1, n)."""
    _torch()
    from paper import nets

    y = nets.step_target(n, fraction).numpy()
    ones = math.floor(n * fraction)
    assert y.shape == (1, 1, n)
    np.testing.assert_array_equal(y[0, 0], np.r_[np.ones(ones), np.zeros(n - ones)])


def test_P1_every_draw_is_centered():
    """x is centered per draw (their ``getX``): X^T 1 = 0 for every draw, so their getNGrad, run
    verbatim on each draw's dense X, equals the histograms' ||X^T y|| / ||Xw||. A mean over all
    draws would leave each draw's X^T 1 != 0."""
    from scipy.linalg import circulant

    from paper import histograms

    n, draws = 10, 6
    x_hat, w_hat, y_hat = histograms.draw(np.random.default_rng(3), n, 3, draws)
    got = histograms.gradient_norms(x_hat, w_hat, y_hat)["theirs"]
    for k in range(draws):
        X = circulant(np.fft.ifft(x_hat[k]).real)
        w, y = np.fft.ifft(w_hat[k]).real, np.fft.ifft(y_hat[k]).real
        Xw = X @ w
        nor = np.linalg.norm(Xw)
        assert np.abs(X.T @ np.ones(n)).max() < 1e-12
        verbatim = X.T @ ((np.eye(n) - np.dot(Xw, Xw.T) / nor**2) @ y) / nor  # their getNGrad
        assert got[k] == pytest.approx(np.linalg.norm(verbatim), rel=1e-12)
