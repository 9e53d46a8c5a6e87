"""P5: gradient norms at initialization of the multi-channel ReLU CNN (their Fig. 4c/4d).

Their ``distribution_gradient_CNN_initialization``: n = 256, 4 channels, 6 hidden layers of
[circular conv 4 -> 4, kernel 9, no bias -> ReLU -> CN without learned parameters (their
"non-learned") or nothing (their "linear")], a 1x1 conv 4 -> 1 with bias, no sigmoid; every
conv weight N(0, 1/64) (their ``init_normal``; the output bias keeps PyTorch's default
U(-1/2, 1/2)); step target; a fresh U[0,1) input per draw; MSE. Statistic: the square
root of the sum over all 7 conv weights of ||grad W||^2; 2000 draws, 100 bins.

Draw k uses generator(seed + k) (weights, then input); draws are evaluated in chunks as
groups of one grouped conv.
"""

from __future__ import annotations

import time

import numpy as np

from paper import crosschecks, nets, report

N, CHANNELS, DEPTH, KERNEL, STD, DRAWS, BINS = 256, 4, 6, 9, 1 / 8, 2000, 100
MODES = {"with_cn": "cn_fixed", "without_cn": "none"}
AUTHORS = {
    "with_cn": {"peak": 1.0, "tail_max": 16.0},
    "without_cn": {"mass_below": 0.05},
    "draws": DRAWS,
    "bins": BINS,
}
CHUNK = 250


def gradient_norms(mode: str, draws: list[int], eps: float = nets.EPS_AUTHORS) -> np.ndarray:
    """sqrt(sum over the conv weights of ||grad W||^2) for each draw (one seed per draw)."""
    out = []
    for start in range(0, len(draws), CHUNK):
        gens = [nets.generator(s) for s in draws[start : start + CHUNK]]
        net = nets.make_net(
            DEPTH, CHANNELS, KERNEL, mode, relu=True, sigmoid=False, gens=gens, eps=eps, weight_std=STD
        )
        x = nets.uniform_input(CHANNELS, N, gens)
        net.losses(x, nets.step_target(N)).sum().backward()
        out.append(net.grad_norms().norm(dim=1).numpy())
    return np.concatenate(out)


def histogram_peak(values: np.ndarray, bins: int = BINS) -> float:
    """The centre of the fullest of ``bins`` equal bins (their plt.hist)."""
    counts, edges = np.histogram(values, bins=bins)
    k = int(np.argmax(counts))
    return float((edges[k] + edges[k + 1]) / 2)


def run(out: str, *, quick: bool, full: bool, seed: int = 0) -> dict:
    """2000 draws per mode; the figure and the JSON entry (with the M1 and M3 cross-checks)."""
    t0 = time.time()
    draws = list(range(seed, seed + DRAWS))
    norms = {name: gradient_norms(mode, draws) for name, mode in MODES.items()}
    gens = [nets.generator(seed)]
    checks = {}
    for eps in (0.0, nets.EPS_AUTHORS):
        net = nets.make_net(
            DEPTH, CHANNELS, KERNEL, "cn_fixed", relu=True, sigmoid=False, gens=gens, eps=eps, weight_std=STD
        )
        checks[f"M3_eps_{eps:g}"] = crosschecks.m3_scale_invariance(
            net, nets.uniform_input(CHANNELS, N, gens), nets.step_target(N)
        )
        gens = [nets.generator(seed)]
    checks["M1_multichannel_linear"] = crosschecks.multichannel_m1(seed)

    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(report.COLUMN, 1.5))
    a.hist(norms["with_cn"], bins=BINS, density=True, color=report.CN)
    a.set_title("(a) CN")
    b.hist(norms["without_cn"], bins=BINS, density=True, color=report.PLAIN)
    b.set_title("(b) no CN")
    for ax in (a, b):
        ax.set_xlabel(r"$(\sum_l \|\nabla W_l\|^2)^{1/2}$")
        ax.set_yticks([])
    fig.tight_layout()
    figure = report.save_figure(fig, out, "p5_init_grads")

    cn, plain = norms["with_cn"], norms["without_cn"]
    ours = {
        "with_cn": {**report.summary(cn), "peak": histogram_peak(cn)},
        "without_cn": {
            **report.summary(plain),
            "peak": histogram_peak(plain),
            "mass_below_0.05": float(np.mean(plain < 0.05)),
        },
        "median_ratio_cn_over_plain": float(np.median(cn) / np.median(plain)),
        "crosschecks": checks,
    }
    setup = {
        "n": N,
        "channels": CHANNELS,
        "depth": DEPTH,
        "kernel": KERNEL,
        "weight_std": STD,
        "draws": DRAWS,
        "bins": BINS,
        "eps": nets.EPS_AUTHORS,
        "seeds": [draws[0], draws[-1]],
        "init": "conv weights N(0, 1/64); output bias PyTorch default",
        "precision": "float64",
    }
    return report.experiment(
        "P5",
        "Gradient norms at initialization, multi-channel ReLU CNN (Fig. 4c/4d)",
        figure,
        setup,
        ours,
        AUTHORS,
        time.time() - t0,
    )
