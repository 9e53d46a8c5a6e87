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

from paper import cells, crosschecks, nets, report

N, CHANNELS, DEPTH, KERNEL, LR, MOMENTUM, ITERS = 1024, 4, 12, 3, 0.1, 0.9, 2000
VARIANTS = {"with_cn": "cn", "with_cn_no_beta": "cn_fixed", "without_cn": "bias"}
LATE = 100  # "late in training": the last 100 iterations
PRINTED_EVERY = 10  # their notebook prints every 10 steps: the last printed loss is at ITERS - 10
AUTHORS = {
    "with_cn": {"final_loss": 3.7e-5, "late_grad_norm_range": [1e-4, 1e-3]},
    "with_cn_no_beta": {"final_loss": 2.9e-5},
    "without_cn": {"final_loss": 0.25, "late_grad_norm_range": [1e-9, 1e-7]},
}


def fit(
    mode: str,
    seeds: list[int],
    iters: int | None = None,
    eps: float = nets.EPS_AUTHORS,
    dtype=torch.float64,
    device: str = "cpu",
):
    """Training runs for ``seeds`` side by side (seed s draws the weights, then the input) on
    ``device``; returns (Fit, net, x, y)."""
    iters = ITERS if iters is None else iters
    gens = [nets.generator(s) for s in seeds]
    net = nets.make_net(
        DEPTH, CHANNELS, KERNEL, mode, relu=True, sigmoid=True, gens=gens, eps=eps, dtype=dtype, device=device
    )
    x = nets.uniform_input(CHANNELS, N, gens, dtype=dtype, device=device)
    y = nets.step_target(N, dtype=dtype, device=device)
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


def cell(params: dict) -> dict:
    """One cell of P2: every variant for ``params["seeds"]`` side by side (losses and gradient
    norms, packed); the cell holding seed 0 also runs M3 on the trained seed-0 CN network (float64)."""
    dtype, device = cells.prepare(params)
    seeds = params["seeds"]
    result: dict = {}
    for name, mode in VARIANTS.items():
        runs, net, x, y = fit(mode, seeds, dtype=dtype, device=device)
        result[name] = {"loss": cells.pack(runs.loss), "grad_norms": cells.pack(runs.grad_norms)}
        if name == "with_cn" and 0 in seeds:
            k = seeds.index(0)
            trained = net.network(k)
            if dtype != torch.float64 or device != "cpu":  # the cross-checks are float64 identities
                trained = nets.ConvNet(
                    *[
                        [t.detach().cpu().double().requires_grad_(True) for t in ts]
                        for ts in (trained.weights, trained.betas)
                    ],
                    trained.out_weight.detach().cpu().double().requires_grad_(True),
                    trained.out_bias.detach().cpu().double().requires_grad_(True),
                    trained.mode,
                    trained.relu,
                    trained.sigmoid,
                    1,
                    trained.eps,
                )
            xk = x[:, k * CHANNELS : (k + 1) * CHANNELS].cpu().double()
            result["m3"] = _m3(0, trained, xk, y.cpu().double())
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
    """All variants for ``seeds`` seeds as cells (``paper.cells``); the figure and the JSON entry."""
    t0 = time.time()
    precision = str(dtype).removeprefix("torch.")
    todo = [{"seeds": g, **cells.common(precision, device, threads)} for g in cells.seed_groups(seeds, full)]
    done = cells.run("P2", "step_fit", cell, todo, store=store, dask=dask)
    fits = {
        name: nets.Fit(
            np.concatenate([cells.unpack(r[name]["loss"]) for r in done]),
            np.concatenate([cells.unpack(r[name]["grad_norms"]) for r in done]),
        )
        for name in VARIANTS
    }
    m3 = next(r["m3"] for r in done if "m3" in r)
    figure = plot(fits, out, seeds, precision)
    ours = {name: summarize(runs) for name, runs in fits.items()}
    ours["crosschecks"] = {"M3_row_scale_invariance": m3}
    setup = {
        "n": N,
        "channels": CHANNELS,
        "depth": DEPTH,
        "kernel": KERNEL,
        "lr": LR,
        "momentum": MOMENTUM,
        "iterations": ITERS,
        "printed_step": ITERS - PRINTED_EVERY,
        "eps": nets.EPS_AUTHORS,
        "seeds": list(range(seeds)),
        "init": "PyTorch default Conv1d (kaiming_uniform a=sqrt(5)); output bias default; beta 0",
        "precision": precision,
        "device": device,
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


def summarize(runs: nets.Fit) -> dict:
    """Per seed and over seeds: the final loss, the loss at their last printed step, the late
    gradient norms (median over the last LATE steps, per seed and layer), divergences."""
    late = np.median(runs.grad_norms[:, :, -LATE:], axis=2)  # seeds x layers
    finals = runs.final_loss
    printed = [float(v) for v in runs.loss[:, ITERS - PRINTED_EVERY]]
    per_seed_late = np.median(late, axis=1)
    return {
        "final_loss": finals,
        "final_loss_summary": report.summary(finals),
        "median_final_loss": float(np.median(finals)),
        "loss_at_printed_step": printed,
        "loss_at_printed_step_summary": report.summary(printed),
        "diverged": runs.diverged.tolist(),
        "diverged_count": int(runs.diverged.sum()),
        "late_grad_norm_range": [float(np.nanmin(late)), float(np.nanmax(late))],
        "late_grad_norm_median": float(np.nanmedian(late)),
        "late_grad_norm_per_seed_summary": report.summary(per_seed_late),
    }


def plot(fits: dict[str, nets.Fit], out: str, seeds: int, precision: str) -> str:
    """(a) the loss of every seed (log-log); (b), (c) per-layer gradient norms of seed 0 with
    and without CN on a linear iteration axis and a log norm axis, as the authors plot them."""
    import matplotlib.pyplot as plt

    fig, (a, b, c) = plt.subplots(1, 3, figsize=(report.COLUMN * 1.6, 1.8))
    colors = {"with_cn": report.CN, "with_cn_no_beta": "#6baed6", "without_cn": report.PLAIN}
    labels = {"with_cn": "CN", "with_cn_no_beta": r"CN, no $\beta$", "without_cn": "no CN"}
    for name, runs in fits.items():
        for k, loss in enumerate(runs.loss):
            steps = np.arange(1, len(loss) + 1)
            a.loglog(
                steps, loss, color=colors[name], alpha=0.6, lw=0.6, label=labels[name] if k == 0 else None
            )
    a.set_xlabel("iteration")
    a.set_ylabel("MSE")
    a.set_title(f"(a) loss, {seeds} seeds")
    a.legend(frameon=False)
    shades = plt.cm.viridis(np.linspace(0, 0.9, DEPTH + 1))
    for ax, name, tag in ((b, "with_cn", "(b) CN"), (c, "without_cn", "(c) no CN")):
        g = fits[name].grad_norms[0]
        for layer in range(g.shape[0]):
            ax.semilogy(np.arange(1, g.shape[1] + 1), g[layer], color=shades[layer], lw=0.5)
        ax.set_xlabel("iteration (linear)")
        ax.set_title(f"{tag}: grad. norm per layer, seed 0", fontsize=6)
    b.set_ylabel(r"$\|\nabla W_l\|$ (dark: layer 1, light: output)", fontsize=5.5)
    fig.suptitle(
        f"P2: step fit, n={N}, {DEPTH} layers x {CHANNELS} channels, SGD 0.1, momentum 0.9, {precision}",
        fontsize=6.5,
    )
    fig.tight_layout()
    return report.save_figure(fig, out, "p2_step_fit")
