"""Figure ``cn_steps_vs_depth`` (claim X2): GD steps to 1e-3 L_0 against depth with CN.

``cn_steps_vs_depth_data`` runs (or reads from a resumable store) X2's measurement
(``numerics.mc.cn_depth``): per curve and depth the tuned step size, the median and
quartiles of the steps (a run that never converges counts as slower than ``max_iter``) and
the converged fraction; ``plot_cn_steps_vs_depth`` draws the medians (top, log-log, with the
best censored fit of each curve) and the converged fractions (bottom). Curves: CN at
n = 16 (a Nyquist frequency) and n = 15 (none), plain GD, and CN with the rescaled step
eta ||c_i||^2. ``FIGURES`` lists (name, data_fn, plot_fn, quick_kwargs, full_kwargs) for
``numerics.figures.one_channel.draw_all``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import matplotlib
import matplotlib.ticker
import numpy as np
from matplotlib.figure import Figure

from numerics.figures.registry import Data
from numerics.figures.style import WIDTH, styled
from numerics.mc import cn_depth

CURVES = (("cn", 16, "CN, $n=16$", "#d95f02", "-o"), ("cn", 15, "CN, $n=15$", "#1b9e77", "-s"),
          ("plain", 16, "plain, $n=16$", "#222222", "--^"),
          ("cn_rescaled", 16, "CN, step $\\eta\\|c_i\\|^2$, $n=16$", "#7570b3", ":D"))  # fmt: skip


def cn_steps_vs_depth_data(
    depths: Sequence[int] = cn_depth.DEPTHS_FULL,
    draws: int = 16,
    max_iter: int = 100_000,
    seed: int = 0,
    store: str | None = None,
) -> Data:
    """Per curve c (``CURVES``) and depth: ``{c}_median`` (NaN where over half never converge),
    ``{c}_q25``/``{c}_q75`` (inf counted for non-converged), ``{c}_converged`` (fraction),
    ``{c}_eta`` and ``{c}_eta_interior``; ``{c}_fit`` = (law index in ``cn_depth.LAWS``, a, b) of
    the censored fit with the smallest AIC; ``depths``, ``max_iter``. Plain GD stops at the
    first depth where no draw converges (NaN beyond). ``store``: a cell store path (resumable;
    default: the environment variable CN_DEPTH_STORE if set, else in memory)."""
    js = store if store is not None else os.environ.get("CN_DEPTH_STORE")
    out: Data = {"depths": np.array(depths), "max_iter": np.array(max_iter)}
    for variant, n, *_ in CURVES:
        s = cn_depth.Setting(n, 1, variant, draws, max_iter, seed=seed)
        rows = cn_depth.measure_setting(s, depths, js, stop_when_none=variant == "plain")
        key = f"{variant}_n{n}"
        med, q25, q75, conv, eta, interior = (np.full(len(depths), np.nan) for _ in range(6))
        for j, r in enumerate(rows):
            its = np.where(r["converged"], r["iterations"], np.inf)
            with np.errstate(invalid="ignore"):
                q25[j], med[j], q75[j] = np.quantile(its, [0.25, 0.5, 0.75])
            conv[j], eta[j], interior[j] = r["converged_fraction"], r["best_eta"], r["eta_interior"]
        med[~np.isfinite(med)] = np.nan
        fits = cn_depth.depth_fits(rows, max_iter)
        best = fits["best_law"]
        out[f"{key}_fit"] = (
            np.array([list(cn_depth.LAWS).index(best), fits[best]["a"], fits[best]["b"]])
            if best
            else np.full(3, np.nan)
        )
        out.update(
            {f"{key}_median": med, f"{key}_q25": q25, f"{key}_q75": q75, f"{key}_converged": conv,
             f"{key}_eta": eta, f"{key}_eta_interior": interior}
        )  # fmt: skip
    return out


@styled
def plot_cn_steps_vs_depth(data: Data) -> Figure:
    """Top: the median steps per curve (markers), its quartile band and its best censored fit
    (thin line), the step cap (dotted) and, red x, depths whose tuned step was the grid's
    edge; bottom: the converged fraction. The legend names each curve and each kind of mark."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    depths, cap = data["depths"].astype(float), float(data["max_iter"])
    fig = Figure(figsize=(WIDTH, 4.4), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(2.2, 1))
    edges = 0
    for variant, n, label, color, style in CURVES:
        key = f"{variant}_n{n}"
        med = data[f"{key}_median"]
        top.plot(depths, med, style, color=color, ms=3, label=label)
        lo, hi = data[f"{key}_q25"], np.minimum(data[f"{key}_q75"], cap)
        ok = np.isfinite(lo)
        top.fill_between(depths[ok], lo[ok], hi[ok], color=color, alpha=0.12, lw=0)
        law, a, b = data[f"{key}_fit"]
        measured = depths[np.isfinite(data[f"{key}_converged"])]
        if np.isfinite(law) and measured.size:
            dd = np.geomspace(depths.min(), measured.max(), 100)
            g = list(cn_depth.LAWS.values())[int(law)]
            top.plot(dd, np.exp(a + b * g(dd)), "-", color=color, lw=0.5, alpha=0.7)
        edge = data[f"{key}_eta_interior"] == 0
        edges += int(edge.sum())
        top.plot(depths[edge], np.where(np.isfinite(med[edge]), med[edge], cap), "x", color="red", ms=5)
        bottom.plot(depths, data[f"{key}_converged"], style, color=color, ms=3)
    top.axhline(cap, color="0.6", lw=0.6, ls=":")
    top.set(xscale="log", yscale="log", ylabel="median GD steps to $10^{-3}L_0$ (tuned $\\eta$)")
    marks = [
        Line2D([], [], color="0.3", lw=0.5, label="best censored fit"),
        Patch(color="0.3", alpha=0.2, lw=0, label="quartiles (unconverged = slowest)"),
        Line2D([], [], color="0.6", lw=0.6, ls=":", label=f"step cap {cap:.0f}"),
    ]
    if edges:
        marks.append(
            Line2D([], [], color="red", ls="", marker="x", ms=5, label="tuned $\\eta$ at the grid's edge")
        )
    handles = top.get_legend_handles_labels()[0] + marks
    fig.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=5.5)
    bottom.set(xlabel="depth $d$", ylabel="converged", ylim=(-0.05, 1.05))
    bottom.set_xticks(depths, [str(int(d)) for d in depths], minor=False)
    bottom.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    return fig


def cn_steps_vs_depth(
    depths: Sequence[int] = cn_depth.DEPTHS_FULL,
    draws: int = 16,
    max_iter: int = 100_000,
    seed: int = 0,
    store: str | None = None,
) -> Figure:
    """``plot_cn_steps_vs_depth(cn_steps_vs_depth_data(...))``."""
    return plot_cn_steps_vs_depth(cn_steps_vs_depth_data(depths, draws, max_iter, seed, store))


FIGURES = (
    (
        "cn_steps_vs_depth",
        cn_steps_vs_depth_data,
        plot_cn_steps_vs_depth,
        {"depths": (2, 4, 8, 16), "draws": 8, "max_iter": 3000},
        {},
    ),
)
