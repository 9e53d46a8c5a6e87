"""P4: loss landscapes after training (their Fig. 3, ``visualize_loss_function_landscape``).

Train, then evaluate the MSE on the plane W + a D1 + b D2, a, b in linspace(-2, 2, 30),
where D1, D2 are the hidden conv weights of two freshly default-initialized networks (the
1x1 output conv keeps its trained weights). SGD lr 0.1, momentum 0, 2000 iterations, no
sigmoid; "CN" is their "non-learned" (no beta), "no CN" their "linear" (nothing).

* multi-channel: n = 256, 4 channels, 10 layers, kernel 9, ReLU, step target (first half 1),
  input U[0,1) of shape (4, n);
* linear: n = 64, one channel, 10 layers, kernel 9, no activation, target with the first
  int(n/3) samples 1, input U[0,1) of shape (1, n).

The 900 grid networks of one landscape are evaluated at once as groups of one grouped conv.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from paper import cells, nets, report

GRID = np.linspace(-2, 2, 30)
LR, MOMENTUM, ITERS, DEPTH, KERNEL = 0.1, 0.0, 2000, 10, 9
SETTINGS = {
    "multichannel": {"n": 256, "channels": 4, "relu": True, "fraction": 0.5},
    "linear": {"n": 64, "channels": 1, "relu": False, "fraction": 1 / 3},
}
MODES = {"with_cn": "cn_fixed", "without_cn": "none"}
AUTHORS = {
    "with_cn_landscape_range": [0.3, 0.6],
    "final_train_loss_notebook": {
        "multichannel": {"with_cn": 1.0e-5, "without_cn": 0.249998},
        "linear": {"with_cn": 0.001316, "without_cn": 0.220416},
    },
    "grid": [-2.0, 2.0, 30],
    "iterations": ITERS,
}


def plane(net: nets.ConvNet, d1: list[torch.Tensor], d2: list[torch.Tensor]) -> nets.ConvNet:
    """The 900 networks W + a D1 + b D2 (a over rows, b over columns), as one batch."""
    a, b = np.meshgrid(GRID, GRID, indexing="ij")
    a = torch.tensor(a.ravel()).to(net.out_weight.device)[:, None, None, None]
    b = torch.tensor(b.ravel()).to(net.out_weight.device)[:, None, None, None]
    m = a.shape[0]
    weights = []
    for w, u, v in zip(net.weights, d1, d2):
        stacked = w.detach()[None] + a * u[None] + b * v[None]
        weights.append(stacked.reshape(m * w.shape[0], *w.shape[1:]))
    betas = [beta.detach().repeat(m) for beta in net.betas]
    out_w = net.out_weight.detach().repeat(m, 1, 1)
    out_b = net.out_bias.detach().repeat(m)
    return nets.ConvNet(weights, betas, out_w, out_b, net.mode, net.relu, net.sigmoid, m, net.eps)


def landscapes(
    setting: dict, mode: str, seeds: list[int], device: str = "cpu"
) -> list[tuple[float, np.ndarray, float]]:
    """Per seed: (final training loss, 30 x 30 loss grid, loss at the trained weights), on ``device``.

    The seeds train side by side; seed s then draws its directions D1, D2 from its own
    generator (after the weights and the input).
    """
    gens = [nets.generator(s) for s in seeds]
    kwargs = dict(relu=setting["relu"], sigmoid=False, device=device)
    c, n = setting["channels"], setting["n"]
    net = nets.make_net(DEPTH, c, KERNEL, mode, gens=gens, **kwargs)
    x = nets.uniform_input(c, n, gens, device=device)
    y = nets.step_target(n, setting["fraction"], device=device)
    fit = nets.train(net, x, y, lr=LR, momentum=MOMENTUM, iters=ITERS)
    rows = []
    for k, gen in enumerate(gens):
        d1 = nets.make_net(DEPTH, c, KERNEL, mode, gens=[gen], **kwargs).weights
        d2 = nets.make_net(DEPTH, c, KERNEL, mode, gens=[gen], **kwargs).weights
        trained, xk = net.network(k), x[:, k * c : (k + 1) * c]
        grid = plane(trained, [w.detach() for w in d1], [w.detach() for w in d2])
        with torch.no_grad():
            z = grid.losses(xk.repeat(1, grid.batch, 1), y).cpu().numpy().reshape(len(GRID), len(GRID))
            center = float(trained.losses(xk, y)[0])
        rows.append((fit.final_loss[k], z, center))
    return rows


def describe(z: np.ndarray, center: float) -> dict:
    """Numbers for a landscape: quantiles, the trained point, the plateau fraction and the slopes.

    plateau_fraction: grid points within 0.01 of the median loss; median_slope: median of
    |grad Z| (finite differences on the grid, loss per unit of a or b).
    """
    finite = np.isfinite(z)
    if not finite.any():
        return {**report.summary(z.ravel()), "center": center}
    slope = np.hypot(*np.gradient(z, GRID, GRID))
    slope = slope[np.isfinite(slope)]
    return {
        **report.summary(z.ravel()),
        "center": center,
        "plateau_fraction": float(np.mean(np.abs(z[finite] - np.median(z[finite])) < 0.01)),
        "median_slope": float(np.median(slope)) if slope.size else None,
        "max_slope": float(np.max(slope)) if slope.size else None,
    }


def cell(params: dict) -> dict:
    """One cell of P4: the four landscapes for ``params["seeds"]`` (final training losses, grids
    and centres, packed; seed by seed)."""
    _, device = cells.prepare(params)
    result: dict = {}
    for sname, setting in SETTINGS.items():
        result[sname] = {}
        for name, mode in MODES.items():
            rows = landscapes(setting, mode, params["seeds"], device)
            result[sname][name] = {
                "final_train_loss": cells.pack([r[0] for r in rows]),
                "grid": cells.pack(np.stack([r[1] for r in rows])),
                "center": cells.pack([r[2] for r in rows]),
            }
    return result


def run(
    out: str,
    *,
    quick: bool,
    full: bool,
    seeds: int,
    device: str = "cpu",
    threads: int = 1,
    store: str | None = None,
    dask: object = None,
) -> dict:
    """Four landscapes (multi-channel/linear, with/without CN) for ``seeds`` seeds as cells
    (``paper.cells``); figure of seed 0."""
    t0 = time.time()
    todo = [{"seeds": g, **cells.common("float64", device, threads)} for g in cells.seed_groups(seeds, full)]
    done = cells.run("P4", "landscape", cell, todo, store=store, dask=dask)
    ours, first = {}, {}
    for sname in SETTINGS:
        ours[sname] = {}
        for name in MODES:
            parts = {
                key: np.concatenate([cells.unpack(r[sname][name][key]) for r in done])
                for key in ("final_train_loss", "grid", "center")
            }
            rows = [
                (float(f), z, float(c))
                for f, z, c in zip(parts["final_train_loss"], parts["grid"], parts["center"])
            ]
            first[sname, name] = rows[0][1]
            ours[sname][name] = {
                "final_train_loss": [r[0] for r in rows],
                "diverged": [not np.isfinite(r[0]) for r in rows],
                "landscape": [describe(r[1], r[2]) for r in rows],
            }

    import matplotlib.pyplot as plt
    from matplotlib.colors import Normalize

    fig = plt.figure(figsize=(report.COLUMN, 3.4))
    a, b = np.meshgrid(GRID, GRID, indexing="ij")
    logs = {key: np.log10(np.where(z > 0, z, np.nan)) for key, z in first.items()}
    lo = min(np.nanmin(z) for z in logs.values())
    hi = max(np.nanmax(z) for z in logs.values())
    norm = Normalize(lo, hi)  # one colour scale and one z range for all four panels, nothing clipped
    for k, (key, title) in enumerate(
        (
            (("multichannel", "with_cn"), "(a) multi-channel, CN"),
            (("multichannel", "without_cn"), "(b) multi-channel, no CN"),
            (("linear", "with_cn"), "(c) linear, CN"),
            (("linear", "without_cn"), "(d) linear, no CN"),
        )
    ):
        ax = fig.add_subplot(2, 2, k + 1, projection="3d")
        surf = ax.plot_surface(
            a, b, logs[key], cmap="viridis", norm=norm, edgecolor="none", rstride=1, cstride=1
        )
        ax.set_zlim(lo, hi)
        ax.set_title(title, pad=0)
        ax.tick_params(labelsize=4.5, pad=0)
        ax.set_xlabel("a", fontsize=5, labelpad=-8)
        ax.set_ylabel("b", fontsize=5, labelpad=-8)
        ax.set_zlabel(r"$\log_{10}$ MSE", fontsize=5, labelpad=-8)
    fig.subplots_adjust(wspace=0.05, hspace=0.15, left=0, right=0.88, top=0.9, bottom=0.02)
    cax = fig.add_axes([0.9, 0.15, 0.02, 0.65])
    fig.colorbar(surf, cax=cax).set_label(r"$\log_{10}$ MSE (all panels)", fontsize=5)
    cax.tick_params(labelsize=4.5)
    fig.suptitle(
        "P4: MSE on the plane W + a D1 + b D2 after training, seed 0 (log scale shared by all panels, not clipped)",
        fontsize=5.5,
    )
    figure = report.save_figure(fig, out, "p4_landscape")
    setup = {
        "settings": SETTINGS,
        "depth": DEPTH,
        "kernel": KERNEL,
        "lr": LR,
        "momentum": MOMENTUM,
        "iterations": ITERS,
        "grid": [-2.0, 2.0, len(GRID)],
        "directions": "hidden conv weights of two fresh default-initialized networks",
        "seeds": list(range(seeds)),
        "eps": nets.EPS_AUTHORS,
        "precision": "float64",
        "device": device,
        "figure_seed": 0,
        "figure_z": "log10 MSE, one scale for all panels, not clipped",
    }
    return report.experiment(
        "P4", "Loss landscapes after training (Fig. 3)", figure, setup, ours, AUTHORS, time.time() - t0
    )
