"""P3: the linear single-channel CNN with the authors' head (their Fig. 5, as they ran it).

n = 128, input U[0,1) of shape (1, n), d hidden layers of [circular conv 1 -> 1, kernel 15,
no bias -> normalization] (no activation), a 1x1 conv (1 -> 1, with bias) and a sigmoid;
target: first half 1; MSE; SGD lr 0.1, momentum 0.9. "cn" is their "BN" (CN + learned
beta), "bias" their "only+bias". Iterations as in their notebook: with CN 2000, 2000, 3000
for d = 5, 10, 30; without CN 1000, 1000, 5000. PyTorch default init, float64.

Beside it, the toolkit's own theory-setting figure (``numerics.figures.one_channel.training_curves``)
is drawn into the same folder. It differs: loss 1/2||y - o||^2 (plotted as MSE), no sigmoid
and no output 1x1 conv, CN once at the output with gain and bias (the same as every layer,
by C1) and eps = 0, input N(0, 1), filters N(0, 1/15) on the first 15 taps, and its step
size 0.1 * 2/n matches the MSE's gradient scale. Without the sigmoid the plain network is
not confined to (0, 1), so a large step can diverge where the paper's saturates.
"""

from __future__ import annotations

import time

import numpy as np

from paper import nets, report

N, KERNEL, LR, MOMENTUM = 128, 15, 0.1, 0.9
DEPTHS = (5, 10, 30)
ITERS = {"with_cn": {5: 2000, 10: 2000, 30: 3000}, "without_cn": {5: 1000, 10: 1000, 30: 5000}}
MODES = {"with_cn": "cn", "without_cn": "bias"}
AUTHORS = {
    "with_cn": {"final_loss": {"5": 2.3e-4, "10": 1.9e-3, "30": 0.114}, "grad_norm_iter0_typical": 1e-2},
    "without_cn": {
        "final_loss": {"5": 0.5, "10": 0.25, "30": 0.25},
        "grad_norm_iter0_range": {"5": [2e-4, 3e-3], "10": [1e-6, 1.6e-5], "30": [4e-11, 1.3e-9]},
    },
    "iterations": {k: {str(d): v for d, v in it.items()} for k, it in ITERS.items()},
}


def fit(mode: str, depth: int, seeds: list[int], iters: int) -> nets.Fit:
    """Runs for ``seeds`` side by side: seed s draws the weights, then the input."""
    gens = [nets.generator(s) for s in seeds]
    net = nets.make_net(depth, 1, KERNEL, mode, relu=False, sigmoid=True, gens=gens)
    x = nets.uniform_input(1, N, gens)
    return nets.train(net, x, nets.step_target(N), lr=LR, momentum=MOMENTUM, iters=iters)


def run(out: str, *, quick: bool, full: bool, seeds: int) -> dict:
    """Every depth and variant for ``seeds`` seeds, their figure and the toolkit's; the JSON entry."""
    from numerics.figures.one_channel import FIGURES, draw_all

    t0 = time.time()
    fits = {
        name: {d: fit(MODES[name], d, list(range(seeds)), ITERS[name][d]) for d in DEPTHS} for name in MODES
    }

    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(report.COLUMN, 1.7), sharey=True)
    shades = dict(zip(DEPTHS, ("#444444", "#1b9e77", "#d95f02")))
    for ax, name, title in ((axes[0], "without_cn", "(a) no CN"), (axes[1], "with_cn", "(b) CN")):
        for d in DEPTHS:
            for k, loss in enumerate(fits[name][d].loss):
                ax.loglog(
                    np.arange(1, len(loss) + 1),
                    loss,
                    color=shades[d],
                    lw=0.7,
                    alpha=0.8,
                    label=f"$d={d}$" if k == 0 else None,
                )
        ax.set_title(title)
        ax.set_xlabel("iteration")
        ax.legend(frameon=False, loc="lower left")
    axes[0].set_ylabel("MSE (sigmoid head)")
    fig.tight_layout()
    figure = report.save_figure(fig, out, "p3_linear_head")
    toolkit = draw_all(out, quick, 0, figures=[f for f in FIGURES if f[0] == "training_curves"])

    ours = {}
    for name in MODES:
        ours[name] = {}
        for d in DEPTHS:
            runs = fits[name][d]
            g0 = runs.grad_norms[:, :, 0]
            finals = runs.final_loss
            ours[name][str(d)] = {
                "final_loss": finals,
                "median_final_loss": float(np.median(finals)),
                "grad_norm_iter0_range": [float(g0.min()), float(g0.max())],
                "grad_norm_iter0_median": float(np.median(g0)),
            }
    setup = {
        "n": N,
        "kernel": KERNEL,
        "depths": list(DEPTHS),
        "iterations": AUTHORS["iterations"],
        "lr": LR,
        "momentum": MOMENTUM,
        "eps": nets.EPS_AUTHORS,
        "head": "1x1 conv with bias, sigmoid",
        "seeds": list(range(seeds)),
        "init": "PyTorch default Conv1d; beta 0",
        "precision": "float64",
        "toolkit_figure": {
            "figure": toolkit[0],
            "loss": "1/2||y-o||^2, plotted as MSE",
            "head": "none",
            "normalization": "CN at the output with gain and bias, eps 0",
            "input": "N(0,1)",
            "filters": "N(0,1/15), first 15 taps",
            "lr": "0.1*2/n",
            "momentum": MOMENTUM,
            "steps": 300 if quick else 3000,
        },
    }
    return report.experiment(
        "P3",
        "Linear single-channel CNN with the authors' sigmoid head (Fig. 5)",
        figure,
        setup,
        ours,
        AUTHORS,
        time.time() - t0,
    )
