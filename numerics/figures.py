"""The figures: vanishing gradients to d = 2000+, the paper's Fig. 4 and Fig. 5 setups,
iteration counts against the exact flow time and its bound, T5's straight lines, C4.

Each figure is drawn at paper column width (3.4 in) and written as PNG and PDF through a
temporary file, so an interrupted run leaves only whole figures behind.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import mpmath  # noqa: E402
import numpy as np  # noqa: E402
from mpmath import mp  # noqa: E402

from numerics import experiments, flow, rates  # noqa: E402
from numerics.files import atomic_path  # noqa: E402
from numerics.simulate import FourierGD, random_filters, simulate_gd  # noqa: E402

WIDTH = 3.4
STYLE = {
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "legend.fontsize": 6.5,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "lines.linewidth": 1.1,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "savefig.bbox": "tight",
}
PLAIN, CN = "#c0392b", "#1f5fa8"
LOG10E = math.log10(math.e)


def _save(fig, out: str, name: str) -> list[str]:
    paths = []
    for ext in ("png", "pdf"):
        path = os.path.join(out, f"{name}.{ext}")
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=200, format=ext)
        paths.append(path)
    plt.close(fig)
    return paths


def grad_norm_vs_depth(out: str, quick: bool, seed: int) -> list[str]:
    """log10 ||grad_{c_1} L|| vs d up to 5000 (mpmath), plain and CN, with the -gamma_E/2 slope."""
    n, draws = 8, (4 if quick else 16)
    depths = [1, 2, 5, 10, 20, 50, 100, 200, 300, 500, 750] + list(range(1000, 5001, 500))
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=n), rng.normal(size=n)
    curves = {}
    for norm in (False, True):
        vals = (
            np.array(
                [
                    rates.log_grad_norm_profile(
                        random_filters(1, depths[-1], n, seed=seed + k)[0], x, y, depths, normalized=norm
                    )
                    for k in range(draws)
                ]
            )
            * LOG10E
        )
        curves[norm] = vals
    fig, ax = plt.subplots(figsize=(WIDTH, 2.5))
    for norm, color, label in ((False, PLAIN, "plain"), (True, CN, "channel normalized")):
        v = curves[norm]
        ax.fill_between(depths, v.min(0), v.max(0), color=color, alpha=0.2, lw=0)
        ax.plot(depths, np.median(v, 0), color=color, label=f"{label} (median, range of {draws})")
    anchor = np.median(curves[False][:, depths.index(500)])
    d = np.array([200, depths[-1]])
    ax.plot(
        d,
        anchor - (d - 500) * rates.GAMMA_HALF * LOG10E,
        "k--",
        lw=0.8,
        label=r"slope $-\gamma_E/2$ per layer",
    )
    ax.axhline(-308, color="0.4", lw=0.6, ls=":")
    ax.text(depths[-1], -300, "float64 underflow (1e-308)", ha="right", va="bottom", fontsize=6, color="0.3")
    ax.set_xlabel("depth $d$")
    ax.set_ylabel(r"$\log_{10}\|\nabla_{c_1} L\|$")
    ax.set_title(f"Gradient norm at initialization ($n={n}$, $\\sigma^2=1/n$, mpmath)")
    ax.legend(loc="lower left", frameon=False)
    return _save(fig, out, "grad_norm_vs_depth")


def init_histograms(out: str, quick: bool, seed: int) -> list[str]:
    """The paper's Fig. 4a/4b: ||grad_{c_1}|| at initialization, n = 100, d = 6, 20, 40."""
    draws = 4000 if quick else 20000
    depths = (6, 20, 40)
    norms, _ = experiments.gradient_norms_at_init(100, depths, draws, seed=seed)
    fig, axes = plt.subplots(1, 2, figsize=(WIDTH * 2, 2.3))
    bins = np.linspace(-5, 4, 91)
    shades = ("#444444", "#1b9e77", "#d95f02")
    for ax, norm, title in (
        (axes[0], "none", "(a) without normalization"),
        (axes[1], "channel", "(b) with channel normalization"),
    ):
        for d, color in zip(depths, shades):
            v = np.log10(norms[(norm, d)])
            ax.hist(
                v,
                bins=bins,
                histtype="step",
                color=color,
                label=f"$d={d}$ (median {10 ** np.median(v):.2g})",
                density=True,
            )
        ax.set_xlabel(r"$\log_{10}\|\nabla_{c_1} L\|$")
        ax.set_title(title)
        ax.legend(frameon=False, loc="upper left")
        ax.set_ylabel("density")
    fig.suptitle(f"Gradient norms at initialization ($n=100$, {draws} draws per depth)", fontsize=8, y=1.02)
    return _save(fig, out, "init_histograms")


def iterations_vs_depth(out: str, quick: bool, seed: int) -> list[str]:
    """Exact GF time, its T6 lower bound and eta * GD steps vs depth (scalar complex nets)."""
    depths = [2, 5, 10, 20, 40, 80, 160] + ([] if quick else [320, 640, 1000])
    draws = 6 if quick else 16
    times, bounds = np.zeros((draws, len(depths))), np.zeros((draws, len(depths)))
    with mp.workdps(20):
        for k in range(draws):
            z = rates.complex_weights(depths[-1], seed + k)
            for j, d in enumerate(depths):
                fl = flow.ScalarFlow.from_weights(list(z[:d]), 1, 1)
                times[k, j] = float(mpmath.log10(flow.exact_time(fl, mpmath.mpf(0.5), fast=True)))
                bounds[k, j] = float(mpmath.log10(flow.lower_bound(fl, mpmath.mpf(0.5))[0]))
    reports, _ = experiments.t9_gd_bounds((2, 4, 6, 8, 10), (2e-3,), trials=8 if quick else 24, seed=seed)
    fig, ax = plt.subplots(figsize=(WIDTH, 2.5))
    ax.plot(depths, np.median(times, 0), "o-", color=CN, ms=3, label="exact GF time $T$ (median)")
    ax.plot(depths, np.median(bounds, 0), "s--", color="0.3", ms=3, label="T6 lower bound (median)")
    gd = [(r.depth, r.median_steps * r.eta) for r in reports if np.isfinite(r.median_steps)]
    ax.plot(
        [g[0] for g in gd],
        np.log10([g[1] for g in gd]),
        "x",
        color=PLAIN,
        ms=5,
        label=r"$\eta\,\times$ GD steps, $\eta=2\cdot10^{-3}$",
    )
    d = np.array([depths[-3], depths[-1]])
    ax.plot(
        d,
        np.median(times, 0)[-3] + (d - d[0]) * rates.GAMMA_HALF * LOG10E,
        "k:",
        lw=0.8,
        label=r"slope $\gamma_E/2$ per layer",
    )
    ax.set_xlabel("depth $d$")
    ax.set_ylabel(r"$\log_{10}$ time to $|r|\leq|b|/2$")
    ax.set_title(r"Scalar net $u=\prod z_i$, $z_i\sim\mathcal{CN}(0,1)$, $a=b=1$")
    ax.legend(frameon=False, loc="upper left")
    return _save(fig, out, "iterations_vs_depth")


def training_curves(out: str, quick: bool, seed: int) -> list[str]:
    """The paper's Fig. 5 setup: n = 128, filter length 15, step target, lr 0.1, momentum 0.9."""
    n, k = 128, 15
    steps = 300 if quick else 3000
    y = np.r_[np.ones(n // 2), np.zeros(n - n // 2)]
    x = np.random.default_rng(seed).normal(size=n)
    eta = 0.1 * 2 / n  # mean-squared loss (1/n)||y - o||^2 has gradients 2/n times ours
    fig, axes = plt.subplots(1, 2, figsize=(WIDTH * 2, 2.3), sharey=True)
    trials = 3
    for ax, norm, title in (
        (axes[0], False, "(a) without normalization"),
        (axes[1], True, "(b) with channel normalization"),
    ):
        for d, color in zip((5, 10, 30), ("#444444", "#1b9e77", "#d95f02")):
            filt = random_filters(trials, d, n, seed=seed + d, length=k, sigma2=1 / k)
            res = simulate_gd(
                x,
                y,
                filt,
                eta=eta,
                normalized=norm,
                max_iter=steps,
                tol=0,
                momentum=0.9,
                filter_length=k,
                record=True,
                record_points=60,
            )
            steps_rec = res.record["steps"][1:]
            mse = res.record["loss"][1:] * 2 / n
            ok = ~res.diverged
            label = f"$d={d}$" + (
                f" ({int(res.diverged.sum())}/{trials} diverged)" if res.diverged.any() else ""
            )
            if ok.any():
                ax.plot(steps_rec, np.median(mse[:, ok], 1), color=color, label=label)
            else:
                ax.plot([], [], color=color, label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylim(1e-3, 10)
        ax.set_xlabel("iteration")
        ax.set_title(title)
        ax.legend(frameon=False, loc="lower left")
    axes[0].set_ylabel(r"MSE $\frac{1}{n}\|y-o\|^2$ (median)")
    fig.suptitle(
        f"GD with momentum 0.9, lr 0.1 on the MSE ($n={n}$, filter length {k}, step target)",
        fontsize=8,
        y=1.02,
    )
    return _save(fig, out, "training_curves")


def straight_lines(out: str, quick: bool, seed: int) -> list[str]:
    """T5: under GF (GD with a small step) f̂ moves on the straight segment to ŷ."""
    b = 1.0 + 0.6j
    fig, ax = plt.subplots(figsize=(WIDTH, 2.8))
    for k in range(6):
        z = rates.complex_weights(3, seed + 40 + k) * 1.2
        state = FourierGD(*rates.scalar_network_as_filters(z, 1, b), False)
        path = [state.f_hat[0, 1]]
        while abs(b - path[-1]) > 1e-3 * abs(b) and len(path) < 4000:
            state.step(2e-3, 0.0)
            path.append(state.f_hat[0, 1])
        path = np.array(path)
        ax.plot(path.real, path.imag, ".", ms=1.2, color=CN)
        ax.plot([path[0].real, b.real], [path[0].imag, b.imag], "--", lw=0.6, color="0.3")
        ax.plot(path[0].real, path[0].imag, "o", ms=3, color=PLAIN)
    ax.plot(b.real, b.imag, "*", ms=8, color="k", label=r"target $\hat y_w$")
    ax.plot([], [], ".", color=CN, label=r"GD iterates $\hat f_w$ ($\eta=2\cdot10^{-3}$, $d=3$)")
    ax.plot([], [], "--", color="0.3", label="straight segment (T5)")
    ax.plot([], [], "o", ms=3, color=PLAIN, label="start")
    ax.set_aspect("equal")
    ax.set_xlabel(r"Re $\hat f_w$")
    ax.set_ylabel(r"Im $\hat f_w$")
    ax.set_title("T5: output frequency under gradient descent")
    ax.legend(frameon=False, fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
    return _save(fig, out, "straight_lines")


def cn_bound(out: str, quick: bool, seed: int) -> list[str]:
    """C4: ||grad_{c_i} L_CN|| against n ||Py|| / min_{w != 0} |ĉ_{i,w}| over depths."""
    rng = np.random.default_rng(seed)
    fig, ax = plt.subplots(figsize=(WIDTH, 2.6))
    for d, color in zip((1, 5, 20, 80), ("#444444", "#1b9e77", "#d95f02", "#7570b3")):
        n = 16
        draws = 300 if quick else 2000
        c = rng.normal(0, 1 / math.sqrt(n), (draws, d, n))
        x, y = rng.normal(size=n), rng.normal(size=n)
        g = FourierGD(c, x, y, True).grad_norms()
        bound = experiments.c4_bound(c, y)
        ax.loglog(
            bound.ravel(), g.ravel(), ".", ms=1.5, alpha=0.5, color=color, label=f"$d={d}$", rasterized=True
        )
    lim = np.array([ax.get_xlim()[0], ax.get_xlim()[1]])
    ax.plot(lim, lim, "k-", lw=0.8, label="gradient = bound")
    ax.set_xlabel(r"bound $n\,|\gamma|\,\|Py\| / \min_{w\neq 0}|\hat c_{i,w}|$")
    ax.set_ylabel(r"$\|\nabla_{c_i} L_{CN}\|$")
    ax.set_title("C4: the CN gradient is bounded, at any depth ($n=16$)")
    ax.legend(frameon=False, markerscale=4, loc="upper left")
    return _save(fig, out, "cn_gradient_bound")


FIGURES: tuple[Callable[[str, bool, int], list[str]], ...] = (
    grad_norm_vs_depth,
    init_histograms,
    iterations_vs_depth,
    training_curves,
    straight_lines,
    cn_bound,
)


def draw_all(out: str, quick: bool = False, seed: int = 0) -> list[str]:
    paths = []
    with plt.rc_context(STYLE):
        for k, fig in enumerate(FIGURES, 1):
            print(f"[{k}/{len(FIGURES)}] {fig.__name__} ...", file=sys.stderr, flush=True)
            paths += fig(out, quick, seed)
    return paths
