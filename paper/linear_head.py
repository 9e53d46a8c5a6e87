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
import torch

from paper import cells, nets, report

N, KERNEL, LR, MOMENTUM = 128, 15, 0.1, 0.9
PRINTED_EVERY = 10  # their notebook prints every 10 steps: the last printed loss is at iterations - 10
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


def fit(
    mode: str, depth: int, seeds: list[int], iters: int, dtype=torch.float64, device: str = "cpu"
) -> nets.Fit:
    """Runs for ``seeds`` side by side on ``device``: seed s draws the weights, then the input."""
    gens = [nets.generator(s) for s in seeds]
    net = nets.make_net(
        depth, 1, KERNEL, mode, relu=False, sigmoid=True, gens=gens, dtype=dtype, device=device
    )
    x = nets.uniform_input(1, N, gens, dtype=dtype, device=device)
    y = nets.step_target(N, dtype=dtype, device=device)
    return nets.train(net, x, y, lr=LR, momentum=MOMENTUM, iters=iters)


def cell(params: dict) -> dict:
    """One cell of P3: every variant and depth for ``params["seeds"]`` side by side (losses and
    gradient norms, packed)."""
    dtype, device = cells.prepare(params)
    result: dict = {name: {} for name in MODES}
    for name, mode in MODES.items():
        for d in DEPTHS:
            runs = fit(mode, d, params["seeds"], ITERS[name][d], dtype, device)
            result[name][str(d)] = {"loss": cells.pack(runs.loss), "grad_norms": cells.pack(runs.grad_norms)}
    return result


def run(
    out: str,
    *,
    quick: bool,
    full: bool,
    seeds: int,
    dtype=torch.float64,
    device: str = "cpu",
    threads: int = 1,
    store: str | None = None,
    dask: object = None,
) -> dict:
    """Every depth and variant for ``seeds`` seeds as cells (``paper.cells``), their figure and the
    toolkit's; the JSON entry."""
    from numerics.figures.one_channel import FIGURES, draw_all

    t0 = time.time()
    precision = str(dtype).removeprefix("torch.")
    todo = [{"seeds": g, **cells.common(precision, device, threads)} for g in cells.seed_groups(seeds, full)]
    done = cells.run("P3", "linear_head", cell, todo, store=store, dask=dask)
    fits = {
        name: {
            d: nets.Fit(
                *[
                    np.concatenate([cells.unpack(r[name][str(d)][key]) for r in done])
                    for key in ("loss", "grad_norms")
                ]
            )
            for d in DEPTHS
        }
        for name in MODES
    }
    figure = plot(fits, out, seeds, precision)
    toolkit = draw_all(out, quick, 0, figures=[f for f in FIGURES if f[0] == "training_curves"])
    ours = {name: {str(d): summarize(fits[name][d]) for d in DEPTHS} for name in MODES}
    setup = {
        "n": N,
        "kernel": KERNEL,
        "depths": list(DEPTHS),
        "iterations": AUTHORS["iterations"],
        "printed_step": {k: {str(d): v - PRINTED_EVERY for d, v in it.items()} for k, it in ITERS.items()},
        "lr": LR,
        "momentum": MOMENTUM,
        "eps": nets.EPS_AUTHORS,
        "head": "1x1 conv with bias, sigmoid",
        "seeds": list(range(seeds)),
        "init": "PyTorch default Conv1d; beta 0",
        "precision": precision,
        "device": device,
        "clusters": "final losses sorted in log10 and split at gaps > 0.5 decades",
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


def summarize(runs: nets.Fit) -> dict:
    """Over seeds: final losses (summary and clusters), the loss at their last printed step,
    gradient norms at iteration 0 (every layer and seed)."""
    g0 = runs.grad_norms[:, :, 0]
    finals = runs.final_loss
    printed = [float(v) for v in runs.loss[:, runs.loss.shape[1] - PRINTED_EVERY]]
    return {
        "final_loss": finals,
        "final_loss_summary": report.summary(finals),
        "median_final_loss": float(np.median(finals)),
        "final_loss_clusters": report.clusters(finals),
        "loss_at_printed_step": printed,
        "loss_at_printed_step_summary": report.summary(printed),
        "diverged_count": int(runs.diverged.sum()),
        "grad_norm_iter0_range": [float(np.nanmin(g0)), float(np.nanmax(g0))],
        "grad_norm_iter0_median": float(np.nanmedian(g0)),
    }


def plot(fits: dict, out: str, seeds: int, precision: str) -> str:
    """Top row: the loss per depth, every seed its own shade (CN blues, no CN reds); bottom
    row: every layer's gradient norm per depth, seed 0 (CN solid, no CN dashed)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(DEPTHS), figsize=(report.COLUMN * 1.6, 3.0), sharey="row")
    maps = {"with_cn": plt.cm.Blues, "without_cn": plt.cm.Reds}
    for col, d in enumerate(DEPTHS):
        top, bottom = axes[0, col], axes[1, col]
        for name, cmap in maps.items():
            loss = fits[name][d].loss
            shades = cmap(np.linspace(0.35, 0.95, len(loss)))
            for k, curve in enumerate(loss):
                top.loglog(np.arange(1, len(curve) + 1), curve, color=shades[k], lw=0.5)
            g = fits[name][d].grad_norms[0]
            layer_shades = cmap(np.linspace(0.35, 0.95, g.shape[0]))
            style = "-" if name == "with_cn" else "--"
            for layer in range(g.shape[0]):
                bottom.loglog(
                    np.arange(1, g.shape[1] + 1), g[layer], style, color=layer_shades[layer], lw=0.4
                )
        top.set_title(f"({'abc'[col]}) loss, $d={d}$", fontsize=6)
        bottom.set_title(f"({'def'[col]}) grad. norm per layer, $d={d}$, seed 0", fontsize=5.5)
        bottom.set_xlabel("iteration")
    axes[0, 0].set_ylabel("MSE (sigmoid head)")
    axes[1, 0].set_ylabel(r"$\|\nabla W_l\|$")
    fig.suptitle(
        f"P3: linear CNN, n={N}, kernel {KERNEL}, {seeds} seeds (one shade each), {precision}; "
        "blue: CN, red (dashed below): no CN; light to dark: seed (top) or layer (bottom)",
        fontsize=5.5,
    )
    fig.tight_layout()
    return report.save_figure(fig, out, "p3_linear_head")
