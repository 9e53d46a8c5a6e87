"""The figures, each split into the numbers and the drawing.

For every figure ``<name>`` there are three functions:

* ``<name>_data(**sizes) -> dict[str, np.ndarray]`` computes the numbers (deterministic
  in ``seed``);
* ``plot_<name>(data) -> matplotlib.figure.Figure`` draws them at paper column width
  (3.4 in), without pyplot and without touching the backend;
* ``<name>(**sizes) -> Figure`` does both, for a notebook::

      from numerics.figures import one_channel as figures
      fig = figures.training_curves(depths=(2, 16), draws=4, steps=2000)
      fig  # shown inline by Jupyter; fig.savefig("curves.pdf") in a script

``FIGURES`` lists them as ``(name, data_fn, plot_fn, quick_kwargs, full_kwargs)``;
``draw_all(out, quick, seed)`` (the ``proofs_check figures`` command) computes each one,
writes ``<name>.png``, ``<name>.pdf`` and the data as ``<name>.npz`` beside them, each
through a temporary file so that an interrupted run leaves only whole files behind.
Other modules' figures with the same convention can be passed to ``draw_all``.

The figures and the claims they show (``docs/claims.md``):

* ``grad_norm_vs_depth`` (T8): log10 ||grad_{c_1} L|| at initialization to d = 5000 in
  mpmath, plain and CN, against the slope -gamma_E/2 per layer.
* ``init_histograms`` (C6; the paper's Fig. 4a/4b setup, n = 100): the distribution of
  ||grad_{c_1}|| at d = 6, 20, 40, without and with CN.
* ``iterations_vs_depth`` (T6, T9): exact gradient-flow time T of scalar complex networks
  to d = 1000, its T6 lower bound, and the ratios T / bound and eta * (GD steps) / T.
* ``training_curves`` (T8, T9, C7): GD in the theory's setting (full-length filters,
  sigma^2 = 1/n, loss 1/2||y - f||^2, no momentum), step size tuned per method and depth.
* ``straight_lines`` (T5): GD iterates of f̂_w in the complex plane against the segment.
* ``cn_gradient_bound`` (C4): ||grad_{c_i} L_CN|| against its depth-free bound, per depth.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import mpmath
import numpy as np
from matplotlib.figure import Figure
from mpmath import mp

from numerics.figures.registry import Data, Entry, draw_all, save
from numerics.figures.style import CN, DEPTH_COLORS, PLAIN, WIDTH
from numerics.figures.style import styled as _styled
from numerics.gd.simulate import FourierGD, random_filters, simulate_gd
from numerics.hp import flow
from numerics.mc import experiments, rates

LOG10E = math.log10(math.e)
GAMMA_HALF = rates.GAMMA_HALF  # gamma_E / 2


def _quartiles(values: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(25%, 50%, 75%) quantiles ignoring NaN (NaN where a slice has no number)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        q = np.nanquantile(values, [0.25, 0.5, 0.75], axis=axis)
    return q[0], q[1], q[2]


# ----------------------------------------------------------------------- T8: rate to d = 5000
GRAD_DEPTHS = (1, 2, 5, 10, 20, 50, 100, 200, 300, 500, 750, *range(1000, 5001, 500))


def grad_norm_vs_depth_data(
    n: int = 8, depths: Sequence[int] = GRAD_DEPTHS, draws: int = 16, seed: int = 0
) -> Data:
    """log10 ||grad_{c_1} L|| of nested networks (the first d filters of one iid N(0, 1/n)
    sequence per draw), plain and CN (gain 1), each value computed in mpmath.

    Keys: ``depths`` (D,), ``plain`` and ``cn`` (draws, D), ``n``.
    """
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=n), rng.normal(size=n)
    depths = sorted(depths)
    out: Data = {"depths": np.array(depths), "n": np.array(n)}
    for key, norm in (("plain", False), ("cn", True)):
        out[key] = LOG10E * np.array(
            [
                rates.log_grad_norm_profile(
                    random_filters(1, depths[-1], n, seed=seed + k)[0], x, y, depths, normalized=norm
                )
                for k in range(draws)
            ]
        )
    return out


@_styled
def plot_grad_norm_vs_depth(data: Data) -> Figure:
    depths, n = data["depths"], int(data["n"])
    draws = data["plain"].shape[0]
    fig = Figure(figsize=(WIDTH, 2.4), layout="constrained")
    ax = fig.subplots()
    for key, color, label in (("plain", PLAIN, "plain"), ("cn", CN, "channel normalized")):
        lo, med, hi = data[key].min(0), np.median(data[key], 0), data[key].max(0)
        ax.fill_between(depths, lo, hi, color=color, alpha=0.2, lw=0)
        ax.plot(depths, med, color=color, label=f"{label}: median, range of {draws}")
    mid = len(depths) // 2
    d = np.array([depths[1], depths[-1]], float)
    anchor = np.median(data["plain"][:, mid])
    ax.plot(d, anchor - (d - depths[mid]) * GAMMA_HALF * LOG10E, "k--", lw=0.7, label=r"slope $-\gamma_E/2$")
    if data["plain"].min() < -308:
        ax.axhline(-308, color="0.4", lw=0.6, ls=":")
        ax.text(depths[-1], -300, "float64 underflow", ha="right", va="bottom", fontsize=6, color="0.3")
    ax.set_xlabel("depth $d$")
    ax.set_ylabel(r"$\log_{10}\|\nabla_{c_1} L\|$")
    ax.set_title(f"T8: gradient norm at initialization ($n={n}$, mpmath)")
    ax.legend(loc="lower left")
    return fig


def grad_norm_vs_depth(
    n: int = 8, depths: Sequence[int] = GRAD_DEPTHS, draws: int = 16, seed: int = 0
) -> Figure:
    """``plot_grad_norm_vs_depth(grad_norm_vs_depth_data(...))``."""
    return plot_grad_norm_vs_depth(grad_norm_vs_depth_data(n, depths, draws, seed))


# ----------------------------------------------------------------------- C6: histograms
def init_histograms_data(
    n: int = 100, depths: Sequence[int] = (6, 20, 40), draws: int = 20000, seed: int = 0
) -> Data:
    """log10 ||grad_{c_1} L|| at initialization (the paper's Fig. 4a/4b setup: x centered
    with N(0, 1/n) entries, filters N(0, 1/n), y ~ N(0, I)), plain and CN.

    Keys: ``depths`` (D,), ``plain`` and ``cn`` (D, draws), ``n``.
    """
    norms, _ = experiments.gradient_norms_at_init(n, tuple(depths), draws, seed=seed)
    return {
        "depths": np.array(depths),
        "n": np.array(n),
        "plain": np.log10([norms[("none", d)] for d in depths]),
        "cn": np.log10([norms[("channel", d)] for d in depths]),
    }


@_styled
def plot_init_histograms(data: Data) -> Figure:
    depths, n = data["depths"], int(data["n"])
    fig = Figure(figsize=(WIDTH, 3.3), layout="constrained")
    axes = fig.subplots(2, 1, sharex=True)
    lo, hi = np.quantile(np.r_[data["plain"].ravel(), data["cn"].ravel()], [0.0005, 0.9995])
    bins = np.linspace(lo - 0.03 * (hi - lo), hi + 0.03 * (hi - lo), 90)
    for ax, key, title in (
        (axes[0], "plain", "(a) without normalization"),
        (axes[1], "cn", "(b) with channel normalization"),
    ):
        values = data[key]
        for v, d, color in zip(values, depths, DEPTH_COLORS):
            label = f"$d={d}$, median {10 ** np.median(v):.2g}"
            ax.hist(v, bins=bins, histtype="stepfilled", color=color, alpha=0.3, density=True, lw=0)
            ax.hist(v, bins=bins, histtype="step", color=color, density=True, lw=0.8, label=label)
        ax.set_xlim(bins[0], bins[-1])
        ax.set_title(title, loc="left")
        ax.set_ylabel("density")
        ax.legend(loc="upper left")
    axes[1].set_xlabel(r"$\log_{10}\|\nabla_{c_1} L\|$ at initialization")
    fig.suptitle(f"C6: $n={n}$, {data['plain'].shape[1]} draws per depth", fontsize=7.5)
    return fig


def init_histograms(
    n: int = 100, depths: Sequence[int] = (6, 20, 40), draws: int = 20000, seed: int = 0
) -> Figure:
    """``plot_init_histograms(init_histograms_data(...))``."""
    return plot_init_histograms(init_histograms_data(n, depths, draws, seed))


# ----------------------------------------------------------------------- T6/T9: times
def iterations_vs_depth_data(
    depths: Sequence[int] = (2, 5, 10, 20, 40, 80, 160, 320, 640, 1000),
    draws: int = 16,
    gd_depths: Sequence[int] = (2, 4, 6, 8, 10),
    eta: float = 2e-3,
    seed: int = 0,
) -> Data:
    """Scalar complex networks u = prod z_i, z_i iid CN(0, 1) (a = b = 1, nested in d), time
    to reach |b - u| <= |b|/2: the exact GF time T (T6 quadrature), its T6 lower bound, and
    eta * (GD steps) at step ``eta`` for the depths ``gd_depths``.

    Keys: ``depths``, ``log10_time`` and ``log10_bound`` (draws, D); ``gd_depths``,
    ``gd_time_ratio`` (draws, G) = eta * steps / T (NaN where GD did not converge or the
    start already met the goal), ``eta``. ``log10_bound`` is -inf where the T6 bound is
    trivial (0); the ratio panel leaves those draws out.
    """
    all_depths = sorted(set(depths) | set(gd_depths))
    goal = mpmath.mpf(0.5)
    log_t = np.full((draws, len(all_depths)), np.nan)
    log_b = np.full((draws, len(all_depths)), np.nan)
    z_all = np.stack([rates.complex_weights(all_depths[-1], seed + k) for k in range(draws)])
    with mp.workdps(20):
        for k in range(draws):
            for j, d in enumerate(all_depths):
                fl = flow.ScalarFlow.from_weights(list(z_all[k, :d]), 1, 1)
                if abs(fl.r0) <= goal:  # the start already meets the goal
                    continue
                log_t[k, j] = float(mpmath.log10(flow.exact_time(fl, goal, fast=True)))
                log_b[k, j] = float(mpmath.log10(flow.lower_bound(fl, goal)[0]))
    ratio = np.full((draws, len(gd_depths)), np.nan)
    for g, d in enumerate(gd_depths):
        filters, x, y = rates.scalar_network_as_filters(z_all[:, :d], 1, 1)
        r0 = np.abs(1 - np.prod(z_all[:, :d], axis=1))
        tol = np.minimum((0.5 / r0) ** 2, 0.999)
        res = simulate_gd(x, y, filters, eta=eta, max_iter=400000, tol=tol)
        t = 10.0 ** log_t[:, all_depths.index(d)]
        ok = res.converged & np.isfinite(t)
        ratio[ok, g] = eta * res.iterations[ok] / t[ok]
    keep = [all_depths.index(d) for d in depths]
    return {
        "depths": np.array(depths),
        "log10_time": log_t[:, keep],
        "log10_bound": log_b[:, keep],
        "gd_depths": np.array(gd_depths),
        "gd_time_ratio": ratio,
        "eta": np.array(eta),
    }


@_styled
def plot_iterations_vs_depth(data: Data) -> Figure:
    depths, gd_depths = data["depths"], data["gd_depths"]
    fig = Figure(figsize=(WIDTH, 3.6), layout="constrained")
    top, bottom = fig.subplots(2, 1, height_ratios=(1.5, 1))
    t25, t50, t75 = _quartiles(data["log10_time"])
    _, b50, _ = _quartiles(np.where(np.isfinite(data["log10_bound"]), data["log10_bound"], np.nan))
    top.fill_between(depths, t25, t75, color=CN, alpha=0.25, lw=0)
    top.plot(depths, t50, "o-", color=CN, ms=2.5, label="exact GF time $T$ (median, quartiles)")
    top.plot(depths, b50, "s--", color="0.35", ms=2.5, label="T6 lower bound (median)")
    d = np.array([depths[len(depths) // 2], depths[-1]], float)
    start = t50[len(depths) // 2]
    top.plot(d, start + (d - d[0]) * GAMMA_HALF * LOG10E, "k:", lw=0.9, label=r"slope $\gamma_E/2$ per layer")
    top.set_xlabel("depth $d$")
    top.set_ylabel(r"$\log_{10}$ time to $|r|\leq|b|/2$")
    top.set_title(r"T9: $u=z_1\cdots z_d$, $z_i\sim\mathcal{CN}(0,1)$, $a=b=1$", loc="left")
    top.legend(loc="upper left")

    gap = data["log10_time"] - np.where(np.isfinite(data["log10_bound"]), data["log10_bound"], np.nan)
    g25, g50, g75 = _quartiles(gap)
    bottom.fill_between(depths, 10**g25, 10**g75, color="0.35", alpha=0.2, lw=0)
    bottom.plot(depths, 10**g50, "s--", color="0.35", ms=2.5, label=r"$T$ / lower bound (median, quartiles)")
    ratio = data["gd_time_ratio"]
    eta = float(data["eta"])
    for g, dg in enumerate(gd_depths):
        v = ratio[:, g][np.isfinite(ratio[:, g])]
        jitter = dg * np.exp(np.linspace(-0.06, 0.06, v.size))
        bottom.plot(jitter, v, ".", color=PLAIN, ms=2, alpha=0.6, label="one run" if g == 0 else None)
    _, med, _ = _quartiles(ratio)
    bottom.plot(
        gd_depths,
        med,
        "x",
        color=PLAIN,
        ms=5,
        mew=1.2,
        label=rf"$\eta\cdot$GD steps / $T$ (median), $\eta={eta:g}$",
    )
    bottom.axhline(1, color="k", lw=0.6)
    bottom.set_xscale("log")
    bottom.set_yscale("log")
    bottom.set_xlabel("depth $d$ (log scale)")
    bottom.set_ylabel("ratio")
    bottom.set_ylim(0.6, 10 ** max(1.6, np.nanmax(g75) + 0.6))
    bottom.legend(loc="upper center", ncol=2, fontsize=6)
    return fig


def iterations_vs_depth(
    depths: Sequence[int] = (2, 5, 10, 20, 40, 80, 160, 320, 640, 1000),
    draws: int = 16,
    gd_depths: Sequence[int] = (2, 4, 6, 8, 10),
    eta: float = 2e-3,
    seed: int = 0,
) -> Figure:
    """``plot_iterations_vs_depth(iterations_vs_depth_data(...))``."""
    return plot_iterations_vs_depth(iterations_vs_depth_data(depths, draws, gd_depths, eta, seed))


# ----------------------------------------------------------------------- training curves
def training_curves_data(
    n: int = 16,
    depths: Sequence[int] = (2, 8, 32, 64),
    draws: int = 16,
    steps: int = 20000,
    seed: int = 0,
    max_extend: int = 6,
) -> Data:
    """GD in the theory's setting: full-length filters with iid N(0, 1/n) taps, x, y ~ N(0, I),
    L = 1/2||y - f||^2 (plain) or L_CN (trainable output gain and bias), no momentum.

    For each method and depth the step size is X2's tuned step (``numerics.mc.cn_depth.tune_depth``
    on these draws with budget ``steps``): on the grid 10^(j/2), extended up to ``max_extend``
    points until the best step is interior, the one with the fewest median steps to 1e-3 L_0
    (then the most converged, then the smallest median final loss). Keys: ``depths``,
    ``steps`` (recorded iterations), ``plain_loss``/``cn_loss`` (D, S, draws) = L_k / L_0,
    ``plain_grad``/``cn_grad`` (D, S, draws) = ||grad_{c_1} L|| at step k,
    ``plain_eta``/``cn_eta``, ``plain_eta_interior``/``cn_eta_interior`` and
    ``plain_diverged``/``cn_diverged`` (diverged draws at the chosen step) (D,), ``n``.
    """
    from numerics.mc import cn_depth

    x, y = cn_depth.problem(n, seed)
    out: Data = {"depths": np.array(depths), "n": np.array(n)}
    store = cn_depth.CellStore()  # in memory
    for key, norm in (("plain", False), ("cn", True)):
        setting = cn_depth.Setting(n, 1, "cn" if norm else "plain", draws, steps, seed=seed)
        losses, grads, chosen, interior, diverged, start = [], [], [], [], [], -5
        for d in depths:
            row = cn_depth.tune_depth(setting, d, store, start=start, max_extend=max_extend)
            start = row["best_j"]
            with np.errstate(over="ignore", invalid="ignore"):
                res = simulate_gd(
                    x,
                    y,
                    cn_depth.draws_filters(setting, d),
                    eta=row["best_eta"],
                    normalized=norm,
                    max_iter=steps,
                    tol=0,
                    record=True,
                    record_points=80,
                )
            out["steps"] = res.record["steps"]
            losses.append(res.record["loss"] / res.initial_loss)
            grads.append(res.record["grad_norms"][:, :, 0])
            chosen.append(row["best_eta"])
            interior.append(row["eta_interior"])
            diverged.append(int(res.diverged.sum()))
        out[f"{key}_loss"], out[f"{key}_grad"] = np.array(losses), np.array(grads)
        out[f"{key}_eta"], out[f"{key}_diverged"] = np.array(chosen), np.array(diverged)
        out[f"{key}_eta_interior"] = np.array(interior)
    return out


@_styled
def plot_training_curves(data: Data) -> Figure:
    depths, steps, n = data["depths"], data["steps"], int(data["n"])
    draws = data["plain_loss"].shape[-1]
    fig = Figure(figsize=(WIDTH, 3.7), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    s = np.maximum(steps, 0.7)  # step 0 drawn at the left edge of the log axis
    for j, (d, color) in enumerate(zip(depths, DEPTH_COLORS)):
        for key, ls in (("plain", "--"), ("cn", "-")):
            for ax, field in ((top, "loss"), (bottom, "grad")):
                values = data[f"{key}_{field}"][j]
                if data[f"{key}_diverged"][j]:
                    values = np.where(np.isfinite(values), values, np.nan)
                ax.plot(s, _quartiles(values, axis=-1)[1], ls, color=color)
        # a diverged draw has no finite loss: it is left out of the median, and counted here
        gone = [int(data[f"{key}_diverged"][j]) for key in ("plain", "cn")]
        top.plot(
            [],
            [],
            "-",
            color=color,
            label=f"$d={d}$ ($\\eta$ {data['plain_eta'][j]:.2g} / {data['cn_eta'][j]:.2g})"
            + (f", diverged {gone[0]} / {gone[1]} of {draws} (not in the median)" if any(gone) else ""),
        )
    top.plot([], [], "--", color="0.5", label="plain")
    top.plot([], [], "-", color="0.5", label="channel normalized")
    for ax in (top, bottom):
        ax.set_xscale("log")
        ax.set_yscale("log")
    top.set_ylabel(r"$L_k / L_0$ (median)")
    bottom.set_ylabel(r"$\|\nabla_{c_1} L\|$ (median)")
    bottom.set_xlabel("GD step $k$")
    top.set_title(
        f"Plain GD, then CN, stall as $d$ grows ($n={n}$, {draws} draws, tuned $\\eta$ plain / CN)",
        loc="left",
        fontsize=6.5,
    )
    top.set_ylim(max(1e-12, top.get_ylim()[0]), 3)
    fig.legend(loc="outside lower center", ncol=2, fontsize=6)
    return fig


def training_curves(
    n: int = 16,
    depths: Sequence[int] = (2, 8, 32, 64),
    draws: int = 16,
    steps: int = 20000,
    seed: int = 0,
) -> Figure:
    """``plot_training_curves(training_curves_data(...))``."""
    return plot_training_curves(training_curves_data(n, depths, draws, steps, seed))


# ----------------------------------------------------------------------- T5: straight lines
def straight_lines_data(
    paths: int = 6, depth: int = 3, eta: float = 2e-3, target: complex = 1.0 + 0.6j, seed: int = 0
) -> Data:
    """GD iterates of f̂_w for scalar complex networks a prod z_i (a = 1, z_i iid CN(0, 1.44))
    until |b - f̂| <= 1e-3 |b|. Keys: ``paths`` (P, L) complex, NaN after a path ends;
    ``target``, ``eta``, ``depth``."""
    rows = []
    for k in range(paths):
        z = rates.complex_weights(depth, seed + 40 + k) * 1.2
        state = FourierGD(*rates.scalar_network_as_filters(z, 1, target), False)
        path = [state.f_hat[0, 1]]
        while abs(target - path[-1]) > 1e-3 * abs(target) and len(path) < 4000:
            state.step(eta, 0.0)
            path.append(state.f_hat[0, 1])
        rows.append(path)
    table = np.full((paths, max(map(len, rows))), np.nan + 0j)
    for k, row in enumerate(rows):
        table[k, : len(row)] = row
    return {"paths": table, "target": np.array(target), "eta": np.array(eta), "depth": np.array(depth)}


@_styled
def plot_straight_lines(data: Data) -> Figure:
    b = complex(data["target"])
    fig = Figure(figsize=(WIDTH, 2.9), layout="constrained")
    ax = fig.subplots()
    for row in data["paths"]:
        path = row[np.isfinite(row)]
        ax.plot([path[0].real, b.real], [path[0].imag, b.imag], "-", lw=2.4, color="0.85", zorder=1)
        ax.plot(path.real, path.imag, ".", ms=1.0, color=CN, zorder=2)
        ax.plot(path[0].real, path[0].imag, "o", ms=3, color=PLAIN, zorder=3)
    ax.plot(b.real, b.imag, "*", ms=8, color="k", zorder=4)
    ax.plot([], [], "*", ms=6, color="k", label=r"target $\hat y_w$")
    ax.plot([], [], "o", ms=3, color=PLAIN, label=r"start $\hat f_w(0)$")
    ax.plot(
        [], [], ".", color=CN, label=rf"GD iterates ($\eta={float(data['eta']):g}$, $d={int(data['depth'])}$)"
    )
    ax.plot([], [], "-", lw=2.4, color="0.85", label="straight segment (T5)")
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel(r"Re $\hat f_w$")
    ax.set_ylabel(r"Im $\hat f_w$")
    ax.set_title(r"T5: $\hat f_w$ moves on the segment to $\hat y_w$", loc="left")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2)
    return fig


def straight_lines(
    paths: int = 6, depth: int = 3, eta: float = 2e-3, target: complex = 1.0 + 0.6j, seed: int = 0
) -> Figure:
    """``plot_straight_lines(straight_lines_data(...))``."""
    return plot_straight_lines(straight_lines_data(paths, depth, eta, target, seed))


# ----------------------------------------------------------------------- C4: the CN bound
def cn_gradient_bound_data(
    n: int = 16, depths: Sequence[int] = (1, 5, 20, 80), draws: int = 2000, seed: int = 0
) -> Data:
    """||grad_{c_i} L_CN|| (every layer i) and C4's bound n ||Py|| / min_{w != 0} |ĉ_{i,w}|
    (gain 1) at random initializations, per depth. Keys: ``depths``, ``n``, and for each
    depth d ``grad_d{d}``, ``bound_d{d}`` (draws * d,)."""
    rng = np.random.default_rng(seed)
    out: Data = {"depths": np.array(depths), "n": np.array(n)}
    for d in depths:
        c = rng.normal(0, 1 / math.sqrt(n), (draws, d, n))
        x, y = rng.normal(size=n), rng.normal(size=n)
        out[f"grad_d{d}"] = FourierGD(c, x, y, True).grad_norms().ravel()
        out[f"bound_d{d}"] = experiments.c4_bound(c, y).ravel()
    return out


@_styled
def plot_cn_gradient_bound(data: Data) -> Figure:
    depths, n = data["depths"], int(data["n"])
    fig = Figure(figsize=(WIDTH, 3.3), layout="constrained")
    axes = fig.subplots(2, 2, sharex=True, sharey=True).ravel()
    grads = np.concatenate([data[f"grad_d{d}"] for d in depths])
    bounds = np.concatenate([data[f"bound_d{d}"] for d in depths])
    lim = np.array([grads.min() / 2, bounds.max() * 2])
    for ax, d, color in zip(axes, depths, DEPTH_COLORS[1:] + DEPTH_COLORS[:1]):
        g, b = data[f"grad_d{d}"], data[f"bound_d{d}"]
        ax.loglog(b, g, ".", ms=1.2, alpha=0.35, color=color, rasterized=True, label="one layer of one draw")
        ax.plot(lim, lim, "k-", lw=0.7, label="gradient = bound")
        ax.fill_between(lim, lim, lim[1], color="0.9", lw=0, zorder=0, label="above the bound")
        ax.text(
            0.04,
            0.96,
            f"$d={d}$\nmax ratio {np.max(g / b):.2f}",
            transform=ax.transAxes,
            va="top",
            fontsize=6.5,
        )
        ax.set_xlim(lim)
        ax.set_ylim(lim)
    axes[0].legend(loc="lower right", fontsize=5.5, markerscale=4)
    for ax in axes[2:]:
        ax.set_xlabel(r"bound $n\|Py\|/\min_{w\neq0}|\hat c_{i,w}|$")
    for ax in axes[::2]:
        ax.set_ylabel(r"$\|\nabla_{c_i} L_{CN}\|$")
    fig.suptitle(f"C4: every point lies below the diagonal (gradient = bound), $n={n}$", fontsize=7.5)
    return fig


def cn_gradient_bound(
    n: int = 16, depths: Sequence[int] = (1, 5, 20, 80), draws: int = 2000, seed: int = 0
) -> Figure:
    """``plot_cn_gradient_bound(cn_gradient_bound_data(...))``."""
    return plot_cn_gradient_bound(cn_gradient_bound_data(n, depths, draws, seed))


# ----------------------------------------------------------------------- registry
FIGURES: tuple[Entry, ...] = (
    ("grad_norm_vs_depth", grad_norm_vs_depth_data, plot_grad_norm_vs_depth, {"draws": 4}, {}),
    ("init_histograms", init_histograms_data, plot_init_histograms, {"draws": 4000}, {}),
    (
        "iterations_vs_depth",
        iterations_vs_depth_data,
        plot_iterations_vs_depth,
        {"depths": (2, 5, 10, 20, 40, 80, 160), "draws": 6, "gd_depths": (2, 4, 6)},
        {},
    ),
    (
        "training_curves",
        training_curves_data,
        plot_training_curves,
        {"draws": 4, "steps": 2000},
        {},
    ),
    ("straight_lines", straight_lines_data, plot_straight_lines, {}, {}),
    ("cn_gradient_bound", cn_gradient_bound_data, plot_cn_gradient_bound, {"draws": 300}, {}),
)

__all__ = [name for name, *_ in FIGURES] + [
    *(f"{name}_data" for name, *_ in FIGURES),
    *(f"plot_{name}" for name, *_ in FIGURES),
    "FIGURES",
    "draw_all",
    "save",
]
