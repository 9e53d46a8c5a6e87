"""Figures for width-k CNNs (claims M2, M4, M5): each a ``<name>_data`` /
``plot_<name>`` / ``<name>`` triple, like :mod:`numerics.figures.one_channel`.

``<name>_data(**sizes) -> dict[str, np.ndarray]`` computes the numbers (deterministic in
``seed``); ``plot_<name>(data) -> matplotlib.figure.Figure`` draws them at paper column
width (3.4 in, :mod:`numerics.figures.style`) without touching pyplot's global state;
``<name>(**sizes)`` does both. ``FIGURES`` lists (name, data_fn, plot_fn, quick_kwargs,
full_kwargs) for :func:`numerics.figures.registry.draw_all`.

* ``rate_vs_width``: lambda_k against k, nested-draw Monte Carlo slopes with 2-SE bars,
  and -1/(4k) (M2).
* ``typical_vs_mean_square``: at width k, log E|f̂_w|^2 (= log |x̂_w|^2, flat) against
  E log|f̂_w|^2 (falls like 2 d lambda_k), complex frequency (M2).
* ``width_init_histograms``: log10 ||grad_{C_1} L|| at fan-in initialization, k in
  {1, 2, 4, 8}, with and without layerwise CN (M4).
* ``width_iterations_vs_depth``: GD steps to 1e-3 of the starting loss, step size tuned per
  method and depth, plain vs layerwise CN at width k (M5).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
from matplotlib.figure import Figure

from numerics.figures.registry import Entry
from numerics.figures.style import CN, PLAIN, WIDTH, styled
from numerics.gd.channel_gd import init_grad_norms, m5_table
from numerics.hp.channels import random_channel_filters, rate_run, width_rate

Data = dict[str, np.ndarray]


# ------------------------------------------------------------------------ rate vs width
def rate_vs_width_data(ks=(1, 2, 4, 8), draws: int = 60, max_depth: int = 200, seed: int = 0) -> Data:
    """Nested-draw Monte Carlo slopes of (1/d) log ||grad_{C_1} L|| at each width k, with
    lambda_k = (psi(k) - log k)/2 on a grid of k (M2).

    Keys: ``k``, ``estimate``, ``stderr`` (per width), ``k_grid``, ``lambda_grid``, ``draws``,
    ``depths`` (the fitted depths, ``max_depth // 8`` apart).
    """
    depths = tuple(range(max_depth // 8, max_depth + 1, max_depth // 8))
    grid = np.linspace(1, 2 * max(ks), 200)
    est, se = [], []
    for k in ks:
        run = rate_run(k, depths, draws, seed=seed + k)
        est.append(run.fit.slope)
        se.append(run.fit.stderr)
    return {
        "k": np.array(ks, float),
        "estimate": np.array(est),
        "stderr": np.array(se),
        "k_grid": grid,
        "lambda_grid": np.array([float((mpmath.digamma(v) - mpmath.log(v)) / 2) for v in grid]),
        "draws": np.array(draws),
        "depths": np.array(depths),
    }


@styled
def plot_rate_vs_width(data: Data) -> Figure:
    """Draw ``rate_vs_width_data(...)`` (or ``dict(np.load("rate_vs_width.npz"))``)."""
    fig = Figure(figsize=(WIDTH, 2.3), layout="constrained")
    ax = fig.subplots()
    g = data["k_grid"]
    ax.plot(g, data["lambda_grid"], color="k", label=r"$\lambda_k = \frac{1}{2}(\psi(k) - \log k)$")
    ax.plot(g, -1 / (4 * g), color="0.5", ls="--", label=r"$-1/(4k)$")
    ax.errorbar(
        data["k"], data["estimate"], yerr=2 * data["stderr"], fmt="o", ms=3, color=PLAIN, capsize=2,
        label="Monte Carlo slope ±2 SE",
    )  # fmt: skip
    ax.set_title(f"{int(data['draws'])} nested draws per width, d ≤ {int(data['depths'][-1])}", fontsize=7)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("hidden width k")
    ax.set_ylabel(r"$\frac{1}{d}\log\|\nabla_{C_1}L\|$")
    ax.axhline(0, color="0.8", lw=0.6)
    ax.legend(loc="lower right")
    return fig


# -------------------------------------------------------------- typical vs mean square
def typical_vs_mean_square_data(
    k: int = 4, depths=(1, 2, 4, 8, 16, 32, 64), draws: int = 2000, seed: int = 0
) -> Data:
    """Complex frequency w = 1 of n = 3 with x̂_1 = 1: per depth the Monte Carlo mean of
    log|f̂|^2 and log of the mean of |f̂|^2, with their predictions 2 d lambda-like sums and 0."""
    n = 3
    mean_log, log_mean, se_log = [], [], []
    for D in depths:
        f = random_channel_filters(n, D, k, trials=draws, seed=seed + D)
        z = np.ones((draws, 1), complex)
        for layer in f:
            z = np.einsum("tab,tb->ta", np.fft.rfft(layer, axis=-1)[..., 1], z)
        p = np.abs(z[:, 0]) ** 2
        logs = np.log(p)
        mean_log.append(logs.mean())
        se_log.append(logs.std(ddof=1) / math.sqrt(draws))
        log_mean.append(math.log(p.mean()))
    ks = lambda D: [1] + [k] * (D - 1) + [1]  # noqa: E731
    typical = [
        sum(float(mpmath.digamma(w[j])) - math.log(w[j - 1]) for j in range(1, D + 1))
        for D in depths
        for w in [ks(D)]
    ]
    return {
        "k": np.array(k),
        "depths": np.array(depths, float),
        "mean_log": np.array(mean_log),
        "stderr_log": np.array(se_log),
        "log_mean": np.array(log_mean),
        "typical_theory": np.array(typical),
        "lambda_k": np.array(float(width_rate(k))),
        "draws": np.array(draws),
    }


@styled
def plot_typical_vs_mean_square(data: Data) -> Figure:
    """Draw ``typical_vs_mean_square_data(...)`` (or ``dict(np.load("typical_vs_mean_square.npz"))``)."""
    fig = Figure(figsize=(WIDTH, 2.3), layout="constrained")
    ax = fig.subplots()
    d = data["depths"]
    k = int(data["k"])
    ax.axhline(0, color=CN, lw=1.0, label=r"$\log E|\hat f_w|^2 = \log|\hat x_w|^2$ (exact)")
    ax.plot(
        d,
        data["log_mean"],
        "s",
        ms=3,
        mfc="none",
        color=CN,
        label=r"$\log$ of the sample mean of $|\hat f_w|^2$",
    )
    ax.plot(
        d,
        data["typical_theory"],
        color=PLAIN,
        label=r"$E\log|\hat f_w|^2 = \sum_j(\psi(k_j) - \log k_{j-1})$",
    )
    ax.errorbar(
        d,
        data["mean_log"],
        yerr=2 * data["stderr_log"],
        fmt="o",
        ms=3,
        color=PLAIN,
        capsize=2,
        label=r"sample mean of $\log|\hat f_w|^2$ (±2 SE)",
    )
    ax.set_xlabel("depth d")
    ax.set_ylabel(r"$\log|\hat f_w|^2$ (complex $w$, $|\hat x_w| = 1$)")
    ax.set_title(
        f"width k = {k}, $\\lambda_k$ = {float(data['lambda_k']):.4f}, {int(data['draws'])} draws per depth",
        fontsize=7,
    )
    ax.legend(loc="lower left")
    return fig


# ------------------------------------------------------------------------- histograms
def width_init_histograms_data(
    ks=(1, 2, 4, 8), depth: int = 16, trials: int = 1000, n: int = 16, seed: int = 0
) -> Data:
    """log10 ||grad_{C_1} L|| at fan-in initialization of linear width-k networks of depth
    ``depth``, without and with layerwise CN (M4).

    Keys: ``k``, ``depth``, ``n`` and ``k<k>_plain``, ``k<k>_cn`` (``trials`` values each).
    """
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(2, n))
    out = {"k": np.array(ks), "depth": np.array(depth), "n": np.array(n)}
    for k in ks:
        f = random_channel_filters(n, depth, k, trials=trials, seed=seed + k)
        for norm in (False, True):
            out[f"k{k}_{'cn' if norm else 'plain'}"] = np.log10(
                init_grad_norms(x, y, f, normalized=norm)[:, 0]
            )
    return out


@styled
def plot_width_init_histograms(data: Data) -> Figure:
    """Draw ``width_init_histograms_data(...)`` (or ``dict(np.load("width_init_histograms.npz"))``)."""
    ks = [int(k) for k in data["k"]]
    fig = Figure(figsize=(WIDTH, 3.2), layout="constrained")
    axes = fig.subplots(len(ks), 1, sharex=True, sharey=True)
    allv = np.concatenate([data[f"k{k}_{m}"] for k in ks for m in ("plain", "cn")])
    bins = np.linspace(np.floor(allv.min()), np.ceil(allv.max()), 60)
    for ax, k in zip(axes, ks):
        ax.hist(data[f"k{k}_plain"], bins=bins, density=True, color=PLAIN, alpha=0.6, label="no CN")
        ax.hist(data[f"k{k}_cn"], bins=bins, density=True, color=CN, alpha=0.6, label="layerwise CN")
        ax.locator_params(axis="y", nbins=2)
        ax.text(0.01, 0.8, f"k = {k}", transform=ax.transAxes, fontsize=7)
    fig.supylabel("density", fontsize=7.5)
    axes[0].legend(loc="upper right")
    axes[0].set_title(
        f"linear, d = {int(data['depth'])}, n = {int(data['n'])}, fan-in initialization", fontsize=7
    )
    axes[-1].set_xlabel(r"$\log_{10}\|\nabla_{C_1}L\|$ at initialization")
    return fig


# ------------------------------------------------------------------ iterations vs depth
def width_iterations_vs_depth_data(
    k: int = 2,
    depths=(2, 3, 4),
    etas=(0.001, 0.003, 0.01, 0.03, 0.1, 0.3),
    trials: int = 4,
    max_iter: int = 2000,
    seed: int = 0,
) -> Data:
    """Median GD steps to 1e-3 of the starting loss at width k, plain and layerwise CN, the
    step size tuned per method and depth over ``etas`` (M5).

    Keys: ``k``, ``depths``, ``max_iter`` and ``<method>_median``, ``<method>_eta``,
    ``<method>_converged`` for method ``plain`` and ``CN`` (median NaN if not reached).
    """
    table = m5_table((k,), depths, etas, trials, max_iter, seed=seed)
    out = {"k": np.array(k), "depths": np.array(depths, float), "max_iter": np.array(max_iter)}
    for method in ("plain", "CN"):
        out[f"{method}_median"] = np.array([table[(k, method, D)]["median_iterations"] for D in depths])
        out[f"{method}_eta"] = np.array([table[(k, method, D)]["eta"] for D in depths])
        out[f"{method}_converged"] = np.array([table[(k, method, D)]["converged"] for D in depths])
    return out


@styled
def plot_width_iterations_vs_depth(data: Data) -> Figure:
    """Draw ``width_iterations_vs_depth_data(...)`` (or ``dict(np.load("width_iterations_vs_depth.npz"))``)."""
    fig = Figure(figsize=(WIDTH, 2.3), layout="constrained")
    ax = fig.subplots()
    d, cap = data["depths"], float(data["max_iter"])
    for method, color, label in (("plain", PLAIN, "no CN"), ("CN", CN, "layerwise CN")):
        med = data[f"{method}_median"]
        shown = np.where(np.isfinite(med), med, cap)
        ax.plot(d, shown, "o-", ms=3, color=color, label=f"{label} (median, tuned $\\eta$)")
        for D, m, eta in zip(d, med, data[f"{method}_eta"]):
            ax.annotate(
                f"{eta:g}",
                (D, m if np.isfinite(m) else cap),
                textcoords="offset points",
                xytext=(3, 3),
                fontsize=5.5,
                color=color,
            )
        lost = ~np.isfinite(med)
        if lost.any():
            ax.plot(d[lost], np.full(lost.sum(), cap), "v", color=color, ms=5, label=f"{label}: not reached")
    ax.axhline(cap, color="0.7", lw=0.6, ls=":", label=f"step cap {int(cap)}")
    ax.set_xticks(d)
    ax.set_yscale("log")
    ax.set_xlabel("depth d")
    ax.set_ylabel("GD steps to $10^{-3} L_0$")
    ax.set_title(f"width k = {int(data['k'])}; the number at each point: its tuned $\\eta$", fontsize=7)
    ax.legend()
    return fig


# ------------------------------------------------------------------ one call each
def rate_vs_width(ks=(1, 2, 4, 8), draws: int = 60, max_depth: int = 200, seed: int = 0) -> Figure:
    """``plot_rate_vs_width(rate_vs_width_data(...))``."""
    return plot_rate_vs_width(rate_vs_width_data(ks, draws, max_depth, seed))


def typical_vs_mean_square(
    k: int = 4, depths=(1, 2, 4, 8, 16, 32, 64), draws: int = 2000, seed: int = 0
) -> Figure:
    """``plot_typical_vs_mean_square(typical_vs_mean_square_data(...))``."""
    return plot_typical_vs_mean_square(typical_vs_mean_square_data(k, depths, draws, seed))


def width_init_histograms(
    ks=(1, 2, 4, 8), depth: int = 16, trials: int = 1000, n: int = 16, seed: int = 0
) -> Figure:
    """``plot_width_init_histograms(width_init_histograms_data(...))``."""
    return plot_width_init_histograms(width_init_histograms_data(ks, depth, trials, n, seed))


def width_iterations_vs_depth(
    k: int = 2,
    depths=(2, 3, 4),
    etas=(0.001, 0.003, 0.01, 0.03, 0.1, 0.3),
    trials: int = 4,
    max_iter: int = 2000,
    seed: int = 0,
) -> Figure:
    """``plot_width_iterations_vs_depth(width_iterations_vs_depth_data(...))``."""
    return plot_width_iterations_vs_depth(
        width_iterations_vs_depth_data(k, depths, etas, trials, max_iter, seed)
    )


FIGURES: tuple[Entry, ...] = (
    (
        "rate_vs_width",
        rate_vs_width_data,
        plot_rate_vs_width,
        {"draws": 60, "max_depth": 200},
        {"draws": 400, "max_depth": 1000},
    ),
    (
        "typical_vs_mean_square",
        typical_vs_mean_square_data,
        plot_typical_vs_mean_square,
        {"draws": 2000},
        {"draws": 20000, "depths": (1, 2, 4, 8, 16, 32, 64, 128)},
    ),
    (
        "width_init_histograms",
        width_init_histograms_data,
        plot_width_init_histograms,
        {"trials": 1000},
        {"trials": 20000, "depth": 32},
    ),
    (
        "width_iterations_vs_depth",
        width_iterations_vs_depth_data,
        plot_width_iterations_vs_depth,
        {},
        {"depths": (2, 4, 6, 8), "trials": 6, "max_iter": 5000},
    ),
)

__all__ = [name for name, *_ in FIGURES] + [
    *(f"{name}_data" for name, *_ in FIGURES),
    *(f"plot_{name}" for name, *_ in FIGURES),
    "FIGURES",
]
