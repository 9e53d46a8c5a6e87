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
import torch

from paper import cells, crosschecks, nets, report

N, CHANNELS, DEPTH, KERNEL, STD, DRAWS, BINS = 256, 4, 6, 9, 1 / 8, 2000, 100
BLOCKS_FULL = 20  # --full: 20 blocks of DRAWS draws, for the distribution of the block maximum
MODES = {"with_cn": "cn_fixed", "without_cn": "none"}
AUTHORS = {
    "with_cn": {"peak": 1.0, "tail_max": 16.0},
    "without_cn": {"mass_below": 0.05},
    "draws": DRAWS,
    "bins": BINS,
}
CHUNK = 250


def gradient_norms(
    mode: str, draws: list[int], eps: float = nets.EPS_AUTHORS, dtype=torch.float64, device: str = "cpu"
) -> np.ndarray:
    """sqrt(sum over the conv weights of ||grad W||^2) for each draw (one seed per draw), on ``device``."""
    out = []
    for start in range(0, len(draws), CHUNK):
        gens = [nets.generator(s) for s in draws[start : start + CHUNK]]
        net = nets.make_net(
            DEPTH,
            CHANNELS,
            KERNEL,
            mode,
            relu=True,
            sigmoid=False,
            gens=gens,
            eps=eps,
            weight_std=STD,
            dtype=dtype,
            device=device,
        )
        x = nets.uniform_input(CHANNELS, N, gens, dtype=dtype, device=device)
        net.losses(x, nets.step_target(N, dtype=dtype, device=device)).sum().backward()
        out.append(net.grad_norms().norm(dim=1).cpu().numpy())
    return np.concatenate(out)


def histogram_peak(values: np.ndarray, bins: int = BINS) -> float:
    """The centre of the fullest of ``bins`` equal bins (their plt.hist)."""
    counts, edges = np.histogram(values, bins=bins)
    k = int(np.argmax(counts))
    return float((edges[k] + edges[k + 1]) / 2)


def cell(params: dict) -> dict:
    """One cell of P5: the gradient norms of draws ``params["draws"]`` = [first, stop) in both modes (packed)."""
    dtype, device = cells.prepare(params)
    draws = list(range(*params["draws"]))
    return {
        name: cells.pack(gradient_norms(mode, draws, dtype=dtype, device=device))
        for name, mode in MODES.items()
    }


def run(
    out: str,
    *,
    quick: bool,
    full: bool,
    seed: int = 0,
    dtype=torch.float64,
    device: str = "cpu",
    threads: int = 1,
    store: str | None = None,
    dask: object = None,
) -> dict:
    """2000 draws per mode (``full``: 20 blocks of 2000, one cell each); the figure and the JSON
    entry (with the M1 and M3 cross-checks, always float64 on the CPU)."""
    t0 = time.time()
    blocks = BLOCKS_FULL if full else 1
    draws = list(range(seed, seed + DRAWS * blocks))
    precision = str(dtype).removeprefix("torch.")
    todo = [
        {"draws": [seed + b * DRAWS, seed + (b + 1) * DRAWS], **cells.common(precision, device, threads)}
        for b in range(blocks)
    ]
    done = cells.run(
        "P5", "init_grads", cell, todo, store=store, dask=dask, label=lambda p: f"P5 draws {p['draws']}"
    )
    norms = {name: np.concatenate([cells.unpack(r[name]) for r in done]) for name in MODES}
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
    figure = plot(norms, out, blocks, precision)

    cn, plain = norms["with_cn"], norms["without_cn"]
    ours = {
        "with_cn": {**report.summary(cn), "peak": histogram_peak(cn)},
        "without_cn": {
            **report.summary(plain),
            "peak": histogram_peak(plain),
            "mass_below_0.05": float(np.mean(plain < 0.05)),
        },
        "median_ratio_cn_over_plain": float(np.median(cn) / np.median(plain)),
        "blocks": blocks,
        "block_maxima": {name: block_maxima(v, blocks) for name, v in norms.items()},
        "crosschecks": checks,
    }
    setup = {
        "n": N,
        "channels": CHANNELS,
        "depth": DEPTH,
        "kernel": KERNEL,
        "weight_std": STD,
        "draws": DRAWS,
        "blocks": blocks,
        "bins": BINS,
        "eps": nets.EPS_AUTHORS,
        "seeds": [draws[0], draws[-1]],
        "init": "conv weights N(0, 1/64); output bias PyTorch default",
        "precision": precision,
        "device": device,
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


def block_maxima(values: np.ndarray, blocks: int) -> dict:
    """The largest value of each block of DRAWS draws (their figure shows one block's maximum)
    and the summary of those maxima over the blocks."""
    maxima = [float(np.max(b)) for b in np.split(np.asarray(values), blocks)]
    return {"values": maxima, "summary": report.summary(maxima)}


def plot(norms: dict[str, np.ndarray], out: str, blocks: int, precision: str) -> str:
    """(a) CN on a linear axis, 100 bins (theirs); (b) no CN on a log x axis with log-spaced
    bins, so that the mass near 0 shows."""
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(report.COLUMN, 1.7))
    a.hist(norms["with_cn"], bins=BINS, density=True, color=report.CN)
    a.set_title("(a) CN (linear x)")
    plain = norms["without_cn"][norms["without_cn"] > 0]
    edges = np.logspace(np.log10(plain.min()), np.log10(plain.max()), BINS + 1)
    b.hist(plain, bins=edges, color=report.PLAIN)
    b.set_xscale("log")
    b.set_title("(b) no CN (log x, log bins)")
    for ax in (a, b):
        ax.set_xlabel(r"$(\sum_l \|\nabla W_l\|^2)^{1/2}$")
        ax.set_yticks([])
    fig.suptitle(
        f"P5: gradient norm at initialization, {DRAWS * blocks} draws ({blocks} x {DRAWS}), {precision}",
        fontsize=6,
    )
    fig.tight_layout()
    return report.save_figure(fig, out, "p5_init_grads")
