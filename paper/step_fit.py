"""P2: the multi-channel ReLU CNN fitting a step (their Figs. 1-2, ``one_dim_net_convergence_paper``).

n = 1024, input U[0,1) of shape (4, n) fixed per seed, 12 hidden layers of
[circular conv 4 -> 4, kernel 3, no bias -> ReLU -> normalization], then a 1x1 conv (4 -> 1,
with bias) and a sigmoid; target: first half 1, second half 0; MSE; SGD lr 0.1, momentum
0.9, 2000 iterations. Three variants: "cn" (their "BN": CN + learned beta), "cn_fixed"
(their "non-learned") and "bias" (their "only+bias": same parameters, no normalization).
PyTorch's default Conv1d initialization, float64, one seed per run (seed s draws the
weights, then the input).
"""

from __future__ import annotations

import time

import numpy as np
import torch

from paper import crosschecks, nets, report

N, CHANNELS, DEPTH, KERNEL, LR, MOMENTUM, ITERS = 1024, 4, 12, 3, 0.1, 0.9, 2000
VARIANTS = {"with_cn": "cn", "with_cn_no_beta": "cn_fixed", "without_cn": "bias"}
LATE = 100  # "late in training": the last 100 iterations
AUTHORS = {
    "with_cn": {"final_loss": 3.7e-5, "late_grad_norm_range": [1e-4, 1e-3]},
    "with_cn_no_beta": {"final_loss": 2.9e-5},
    "without_cn": {"final_loss": 0.25, "late_grad_norm_range": [1e-9, 1e-7]},
}


def fit(mode: str, seeds: list[int], iters: int = ITERS, eps: float = nets.EPS_AUTHORS):
    """Training runs for ``seeds`` side by side (seed s draws the weights, then the input);
    returns (Fit, net, x, y)."""
    gens = [nets.generator(s) for s in seeds]
    net = nets.make_net(DEPTH, CHANNELS, KERNEL, mode, relu=True, sigmoid=True, gens=gens, eps=eps)
    x = nets.uniform_input(CHANNELS, N, gens)
    y = nets.step_target(N)
    return nets.train(net, x, y, lr=LR, momentum=MOMENTUM, iters=iters), net, x, y


def _m3(seed: int, trained: nets.ConvNet, x: torch.Tensor, y: torch.Tensor) -> dict:
    """M3 on this network: at initialization (random betas) with eps = 0 and 1e-5, and after training."""
    out = {}
    for eps in (0.0, nets.EPS_AUTHORS):
        gen = nets.generator(seed)
        net = nets.make_net(DEPTH, CHANNELS, KERNEL, "cn", relu=True, sigmoid=True, gens=[gen], eps=eps)
        for b in net.betas:
            b.data.normal_(generator=gen)
        out[f"init_eps_{eps:g}"] = crosschecks.m3_scale_invariance(net, x, y)
    for eps in (0.0, nets.EPS_AUTHORS):
        trained.eps = eps
        for p in trained.parameters():
            p.grad = None
        out[f"trained_eps_{eps:g}"] = crosschecks.m3_scale_invariance(trained, x, y)
    return out


def run(out: str, *, quick: bool, full: bool, seeds: int) -> dict:
    """All variants for ``seeds`` seeds; the figure and the JSON entry."""
    t0 = time.time()
    fits = {}
    for name, mode in VARIANTS.items():
        fits[name], net, x, y = fit(mode, list(range(seeds)))
        if name == "with_cn":
            m3 = _m3(0, net.network(0), x[:, :CHANNELS], y)

    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(report.COLUMN, 1.7))
    colors = {"with_cn": report.CN, "with_cn_no_beta": "#6baed6", "without_cn": report.PLAIN}
    labels = {"with_cn": "CN", "with_cn_no_beta": r"CN, no $\beta$", "without_cn": "no CN"}
    for name, runs in fits.items():
        for k, loss in enumerate(runs.loss):
            a.loglog(
                np.arange(1, len(loss) + 1),
                loss,
                color=colors[name],
                alpha=0.8,
                lw=0.7,
                label=labels[name] if k == 0 else None,
            )
    a.set_xlabel("iteration")
    a.set_ylabel("MSE")
    a.set_title(f"(a) loss, {seeds} seeds")
    a.legend(frameon=False)
    for name in ("with_cn", "without_cn"):
        g = fits[name].grad_norms[0]
        for layer in range(g.shape[0]):
            b.loglog(np.arange(1, g.shape[1] + 1), g[layer], color=colors[name], alpha=0.5, lw=0.5)
    b.set_xlabel("iteration")
    b.set_title("(b) per-layer grad. norms, seed 0")
    b.text(0.02, 0.02, "blue: CN, red: no CN", transform=b.transAxes, fontsize=5.5)
    fig.tight_layout()
    figure = report.save_figure(fig, out, "p2_step_fit")

    ours = {}
    for name, runs in fits.items():
        late = np.median(runs.grad_norms[:, :, -LATE:], axis=2)  # seeds x layers
        finals = runs.final_loss
        ours[name] = {
            "final_loss": finals,
            "median_final_loss": float(np.median(finals)),
            "diverged": runs.diverged.tolist(),
            "late_grad_norm_range": [float(late.min()), float(late.max())],
            "late_grad_norm_median": float(np.median(late)),
        }
    ours["crosschecks"] = {"M3_row_scale_invariance": m3}
    setup = {
        "n": N,
        "channels": CHANNELS,
        "depth": DEPTH,
        "kernel": KERNEL,
        "lr": LR,
        "momentum": MOMENTUM,
        "iterations": ITERS,
        "eps": nets.EPS_AUTHORS,
        "seeds": list(range(seeds)),
        "init": "PyTorch default Conv1d (kaiming_uniform a=sqrt(5)); output bias default; beta 0",
        "precision": "float64",
        "late_window": LATE,
    }
    return report.experiment(
        "P2",
        "Multi-channel ReLU CNN fitting a step (Figs. 1-2)",
        figure,
        setup,
        ours,
        AUTHORS,
        time.time() - t0,
    )
