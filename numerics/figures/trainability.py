"""Figure ``trainability_map`` (X4): what trains at depth, one map.

``trainability_map_data`` runs (or reads from a cell store, ``store``) X4's map
(``numerics.mc.trainability.trainability_map``) and packs it into arrays;
``plot_trainability_map`` draws one panel per signal length n (16: a Nyquist frequency; 15:
none), a row per (configuration, width k) and a column per depth, each cell coloured by
log10 of the median GD steps to 1e-3 L_0 (grey hatched: over half the draws never converge
within the cap), and labelled with the non-converged count and its causes (v vanished,
t tied stall, s smallest-frequency stall, x diverged, f still falling, o held elsewhere).
``trainability_map`` does both. ``FIGURES`` lists (name, data_fn, plot_fn, quick_kwargs,
full_kwargs) for the registry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from numerics.figures.registry import Data
from numerics.figures.style import WIDTH, styled
from numerics.mc import trainability as tr

#: one letter per cause, in the order of ``trainability.CAUSES``
LETTERS = "vtsxfo"


def trainability_map_data(
    n: Sequence[int] = (16, 15),
    widths: Sequence[int] = (1, 2, 4),
    depths: Sequence[int] = tr.DEPTHS_FULL,
    draws: int = 16,
    seed: int = 0,
    store: str | None = None,
    max_iter: Any = None,
    tune_draws: int = 4,
) -> Data:
    """Arrays over (n, row, depth) with row = (config, k) in ``configs`` x ``widths`` order:
    ``log10_median`` (NaN where over half never converge), ``converged``, ``eta``, ``eta_interior``,
    ``causes`` (..., len(CAUSES)) counts, ``max_iter`` per (n, row); per (n, row) the fit
    ``law`` (index in cn_depth.LAWS, -1: none), ``exponent``, ``stderr``; and ``n``, ``widths``,
    ``depths``, ``draws``. ``store``: a cell store (a finished ``--full`` run is read, not rerun)."""
    from numerics.mc import cn_depth

    out = tr.trainability_map(
        n, widths, depths, tr.CONFIGS, draws=draws, seed=seed, store=store, max_iter=max_iter,
        tune_draws=tune_draws,
    )  # fmt: skip
    rows = [(c, k) for c in tr.CONFIGS for k in widths]
    shape = (len(n), len(rows), len(depths))
    med, conv, eta, interior = (np.full(shape, np.nan) for _ in range(4))
    causes = np.zeros(shape + (len(tr.CAUSES),), int)
    cap = np.zeros(shape[:2])
    for c in out["cells"]:
        a, b, j = list(n).index(c["n"]), rows.index((c["config"], c["k"])), list(depths).index(c["depth"])
        med[a, b, j] = np.log10(c["median_steps"]) if c["median_steps"] else np.nan
        conv[a, b, j], eta[a, b, j], interior[a, b, j] = (
            c["converged_fraction"],
            c["best_eta"],
            c["eta_interior"],
        )
        causes[a, b, j] = [c["causes"][k] for k in tr.CAUSES]
        cap[a, b] = c["max_iter"]
    law, expo, se = (np.full(shape[:2], np.nan) for _ in range(3))
    for r in out["rows"]:
        a, b = list(n).index(r["n"]), rows.index((r["config"], r["k"]))
        law[a, b] = list(cn_depth.LAWS).index(r["law"]) if r["law"] in cn_depth.LAWS else -1
        expo[a, b] = r["exponent"] if r["exponent"] is not None else np.nan
        se[a, b] = r["stderr"] if r["stderr"] is not None else np.nan
    return {
        "n": np.array(n), "widths": np.array(widths), "depths": np.array(depths), "draws": np.array(draws),
        "log10_median": med, "converged": conv, "eta": eta, "eta_interior": interior, "causes": causes,
        "max_iter": cap, "law": law, "exponent": expo, "stderr": se,
    }  # fmt: skip


@styled
def plot_trainability_map(data: Data) -> Figure:
    import matplotlib

    ns, widths, depths = data["n"], data["widths"], data["depths"]
    draws = int(data["draws"])
    labels = [f"{c}, k={k}" for c in tr.CONFIGS for k in widths]
    rows = len(labels)
    fig = Figure(figsize=(WIDTH, 0.9 + 0.19 * rows * len(ns)), layout="constrained")
    axes = fig.subplots(len(ns), 1, squeeze=False)[:, 0]
    top = np.nanmax(data["log10_median"]) if np.isfinite(data["log10_median"]).any() else 1.0
    norm = matplotlib.colors.Normalize(vmin=1.0, vmax=max(top, np.log10(data["max_iter"].max())))
    cmap = matplotlib.colormaps["viridis"]
    laws = ("power", "exp", "exp sqrt")
    for a, ax in enumerate(axes):
        med = data["log10_median"][a]
        image = ax.imshow(np.ma.masked_invalid(med), cmap=cmap, norm=norm, aspect="auto")
        for b in range(rows):
            for j in range(len(depths)):
                if not np.isfinite(med[b, j]):
                    ax.add_patch(matplotlib.patches.Rectangle((j - 0.5, b - 0.5), 1, 1, facecolor="0.85",
                                                              hatch="///", edgecolor="0.6", lw=0))  # fmt: skip
                failed = (
                    int(round((1 - data["converged"][a, b, j]) * draws))
                    if np.isfinite(data["converged"][a, b, j])
                    else 0
                )
                why = "".join(f"{LETTERS[i]}{v}" for i, v in enumerate(data["causes"][a, b, j]) if v)
                text = f"{failed}/{draws}\n{why}" if failed else ""
                if data["eta_interior"][a, b, j] == 0:
                    text += "*"
                light = np.isfinite(med[b, j]) and norm(med[b, j]) < 0.55
                ax.text(
                    j, b, text, ha="center", va="center", fontsize=3.6, color="white" if light else "black"
                )
        row_labels = []
        for b, lab in enumerate(labels):
            law = int(data["law"][a, b]) if np.isfinite(data["law"][a, b]) else -1
            fit = (
                f" [{laws[law]} {data['exponent'][a, b]:.2g}±{data['stderr'][a, b]:.1g}]" if law >= 0 else ""
            )
            row_labels.append(lab + fit)
        ax.set_yticks(range(rows), row_labels, fontsize=4.5)
        ax.set_xticks(range(len(depths)), [str(int(d)) for d in depths])
        caps = ", ".join(f"k={int(k)}: {int(c)}" for k, c in zip(widths, data["max_iter"][a][: len(widths)]))
        ax.set_title(f"n = {int(ns[a])}  (caps {caps})", loc="left", fontsize=6)
    axes[-1].set_xlabel("depth d", fontsize=6)
    fig.colorbar(image, ax=list(axes), orientation="horizontal", location="bottom", shrink=0.5, aspect=40,
                 label="log10 median GD steps to 1e-3 L0 (hatched: over half never converge)")  # fmt: skip
    fig.suptitle(
        "X4: cell text = non-converged/draws and causes (v vanished, t tied stall, s smallest-frequency stall, "
        "x diverged, f still falling, o held elsewhere); * best step at the grid's edge; [law exponent±SE]",
        fontsize=4.5,
    )
    return fig


def trainability_map(
    n: Sequence[int] = (16, 15),
    widths: Sequence[int] = (1, 2, 4),
    depths: Sequence[int] = tr.DEPTHS_FULL,
    draws: int = 16,
    seed: int = 0,
    store: str | None = None,
    max_iter: Any = None,
    tune_draws: int = 4,
) -> Figure:
    """``plot_trainability_map(trainability_map_data(...))``."""
    return plot_trainability_map(
        trainability_map_data(n, widths, depths, draws, seed, store, max_iter, tune_draws)
    )


FIGURES = (
    (
        "trainability_map",
        trainability_map_data,
        plot_trainability_map,
        {"n": (16, 15), "widths": (1, 2), "depths": tr.DEPTHS_QUICK, "draws": 4, "max_iter": {1: 2000, 2: 500},
         "tune_draws": 2},
        {},
    ),
)  # fmt: skip
