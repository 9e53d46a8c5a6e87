"""Figures for the claims beyond the paper (X1, X3), each a ``<name>_data`` / ``plot_<name>`` / ``<name>``
triple like ``numerics.figures.one_channel`` (same style, same width); ``FIGURES`` lists
(name, data_fn, plot_fn, quick_kwargs, full_kwargs).

* ``explosion_vs_depth`` (X1): mean log ||grad_{C_1} L|| at fan-in initialization against
  depth, ReLU + CN at widths k and the linear CN network, with the mean-field slope
  (1/2) ln(pi/(pi - 1)) = 0.19159 per layer.
* ``allpass_stall`` (X3): GD from delta filters with a wrong-signed w = 0: the loss minus the
  stall floor against GF time, falling like t^(-d/(d-2)), beside the large-step escape.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from numerics.figures.registry import Data
from numerics.figures.style import CN, DEPTH_COLORS, PLAIN, WIDTH, styled
from numerics.gd.simulate import simulate_gd
from numerics.hp.allpass import allpass_filters, stall_floor
from numerics.mc import explosion as ex


# ----------------------------------------------------------------------- X1: explosion
def explosion_vs_depth_data(
    n: int = 256,
    ks: Sequence[int] = (1, 4, 16),
    depths: Sequence[int] = (2, 4, 8, 16, 32),
    draws: int = 20,
    seed: int = 0,
) -> Data:
    """Mean and standard error of log ||grad_{C_1} L|| per depth (ReLU + CN at each k in ``ks``,
    and linear CN at k = 1). Keys: ``depths``, ``ks``, ``n``, ``relu_mean`` / ``relu_se``
    (len(ks), len(depths)), ``linear_mean`` / ``linear_se`` (len(depths),), ``rate``."""
    depths = np.array(depths)
    mean, se = np.zeros((len(ks), len(depths))), np.zeros((len(ks), len(depths)))
    for a, k in enumerate(ks):
        for j, d in enumerate(depths):
            v = ex.log_first_layer_norms(n, k, int(d), draws, seed=seed)
            mean[a, j], se[a, j] = v.mean(), v.std(ddof=1) / np.sqrt(draws)
    lin = [ex.log_first_layer_norms(n, 1, int(d), draws, seed=seed, relu=False) for d in depths]
    return {
        "depths": depths,
        "ks": np.array(ks),
        "n": np.array(n),
        "relu_mean": mean,
        "relu_se": se,
        "linear_mean": np.array([v.mean() for v in lin]),
        "linear_se": np.array([v.std(ddof=1) / np.sqrt(draws) for v in lin]),
        "rate": np.array(ex.X1_RATE),
    }


@styled
def plot_explosion_vs_depth(data: Data) -> Figure:
    fig = Figure(figsize=(WIDTH, 2.6), layout="constrained")
    ax = fig.subplots()
    d = data["depths"]
    for a, (k, color) in enumerate(zip(data["ks"], DEPTH_COLORS[1:])):
        ax.errorbar(
            d,
            data["relu_mean"][a],
            2 * data["relu_se"][a],
            fmt="o-",
            ms=2.5,
            color=color,
            label=f"ReLU + CN, $k={k}$" + (" (mean, ±2 SE)" if a == 0 else ""),
        )
    ax.errorbar(
        d, data["linear_mean"], 2 * data["linear_se"], fmt="s-", ms=2.5, color=CN, label="linear CN, $k=1$"
    )
    ref = data["relu_mean"][0]
    line = ref[0] + float(data["rate"]) * (d - d[0])
    ax.plot(d, line, "k--", lw=0.8, label=r"slope $\frac{1}{2}\ln\frac{\pi}{\pi-1}=0.1916$")
    ax.set_xlabel("depth $d$")
    ax.set_ylabel(r"mean $\log\|\nabla_{C_1}L\|$")
    ax.set_title(f"X1: ReLU + CN explodes at the mean-field rate, $n={int(data['n'])}$", loc="left")
    ax.legend(loc="upper left")
    return fig


def explosion_vs_depth(
    n: int = 256,
    ks: Sequence[int] = (1, 4, 16),
    depths: Sequence[int] = (2, 4, 8, 16, 32),
    draws: int = 20,
    seed: int = 0,
) -> Figure:
    """``plot_explosion_vs_depth(explosion_vs_depth_data(...))``."""
    return plot_explosion_vs_depth(explosion_vs_depth_data(n, ks, depths, draws, seed))


# ----------------------------------------------------------------------- X3: the stall
def allpass_stall_data(
    depths: Sequence[int] = (2, 3, 4, 8), eta: float = 0.02, steps: int = 40000, seed: int = 0
) -> Data:
    """GD from delta filters on n = 2, x = (1, 1), y = (-1, -1) (w = 0 wrong-signed, floor 1):
    loss - floor at log-spaced steps per depth, and an escape run at d = 3 with a step that
    flips the tied layers. Keys: ``depths``, ``eta``, ``steps`` (S,), ``excess`` (len(depths), S),
    ``escape_steps``, ``escape_loss``, ``escape_eta``, ``floor``."""
    del seed  # deterministic problem
    x, y = np.array([1.0, 1.0]), np.array([-1.0, -1.0])
    floor = float(stall_floor(x, y, allpass_filters(2, 2, delta=True)))
    rows = []
    for d in depths:
        r = simulate_gd(
            x,
            y,
            allpass_filters(2, d, delta=True),
            eta=eta,
            max_iter=steps,
            tol=0,
            record=True,
            record_points=50,
        )
        rows.append(r.record["loss"][:, 0] - floor)
    big = 0.15  # eta |r̂_0||x̂_0| = 0.15 * 4 * 2 > 1: the three tied layers flip in one step
    esc = simulate_gd(
        x, y, allpass_filters(2, 3, delta=True), eta=big, max_iter=2000, tol=0, record=True, record_points=50
    )
    return {
        "depths": np.array(depths),
        "eta": np.array(eta),
        "steps": r.record["steps"],
        "excess": np.array(rows),
        "escape_steps": esc.record["steps"],
        "escape_loss": esc.record["loss"][:, 0],
        "escape_eta": np.array(big),
        "floor": np.array(floor),
    }


@styled
def plot_allpass_stall(data: Data) -> Figure:
    fig = Figure(figsize=(WIDTH, 2.5), layout="constrained")
    ax, bx = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
    t = data["steps"] * float(data["eta"])
    for d, ex_, color in zip(data["depths"], data["excess"], DEPTH_COLORS[1:] + DEPTH_COLORS[:1]):
        keep = (ex_ > 0) & (t > 0)
        ax.loglog(
            t[keep],
            ex_[keep],
            "-",
            color=color,
            label=f"$d={d}$" + ("" if d == 2 else f", slope $-{d}/{d - 2}$"),
        )
    ax.set_xlabel(r"GF time $t=\eta\cdot$steps")
    ax.set_ylabel("loss $-$ floor")
    ax.set_title("X3: stall at a wrong-signed $w=0$", loc="left")
    ax.legend(loc="lower left", fontsize=5.5)
    bx.semilogy(
        data["escape_steps"],
        data["escape_loss"],
        "-",
        color=PLAIN,
        label=rf"$\eta={float(data['escape_eta']):g}$, $d=3$",
    )
    bx.axhline(float(data["floor"]), color="k", ls="--", lw=0.8, label="floor")
    bx.set_xlabel("GD steps")
    bx.set_ylabel("loss")
    bx.set_title("large step escapes", loc="left")
    bx.legend(loc="center right", fontsize=5.5)
    return fig


def allpass_stall(
    depths: Sequence[int] = (2, 3, 4, 8), eta: float = 0.02, steps: int = 40000, seed: int = 0
) -> Figure:
    """``plot_allpass_stall(allpass_stall_data(...))``."""
    return plot_allpass_stall(allpass_stall_data(depths, eta, steps, seed))


FIGURES = (
    (
        "explosion_vs_depth",
        explosion_vs_depth_data,
        plot_explosion_vs_depth,
        {"n": 64, "ks": (1, 4), "depths": (2, 8, 16), "draws": 8},
        {"n": 1024, "ks": (1, 4, 16), "depths": (2, 4, 8, 16, 32, 64), "draws": 40},
    ),
    (
        "allpass_stall",
        allpass_stall_data,
        plot_allpass_stall,
        {"depths": (2, 3, 4), "steps": 5000},
        {"depths": (2, 3, 4, 6, 8, 16), "steps": 200000},
    ),
)
