"""P1: gradient-norm histograms at initialization, linear single channel (their Fig. 4a/4b).

Their notebook (``distribution_gradient_linear_network_initialization``): n = 100, depth d,
x ~ N(0, I/n) then centered, X = circ(x) circ(c_1) ... circ(c_{d-1}) with c_j ~ N(0, I/n),
the trained filter w ~ N(0, I) (note: scale 1, not 1/n), y ~ N(0, I), 20000 draws, 200 bins.

* plain:      ||X^T (y - X w)||                       (gradient of 1/2 ||y - Xw||^2)
* normalized: ||X^T (I - û û^T) y|| / ||X w||,  û = Xw/||Xw||   (gradient of 1/2 ||y - Xw/||Xw|| ||^2,
  which is C4's gradient divided by gamma sqrt(n); Xw is centered because x is)
* theirs:     their ``getNGrad`` builds ``np.eye(n) - np.dot(Xw, Xw.T)/nor**2``; for a 1-D array
  ``np.dot(Xw, Xw.T)`` is the scalar ||Xw||^2, so the "projection" is I - 11^T (1 subtracted
  from every entry), and X^T 1 = 0 because x is centered: they compute ||X^T y|| / ||X w||.

Circulant matrices are diagonal in Fourier, so each draw costs O(d n log n): with
X̂ = x̂ prod ĉ_j, X^T v has DFT conj(X̂) v̂ and norms follow from Parseval.
"""

from __future__ import annotations

import time

import numpy as np
from scipy.linalg import circulant
from scipy.stats import ks_2samp

from paper import report

N, DEPTH, DRAWS, BINS = 100, 6, 20000, 200
EXTRA_DEPTHS = (20, 40)


def draw(rng: np.random.Generator, n: int, d: int, draws: int):
    """The spectra X̂ (draws x n), ŵ, ŷ of their ``getX``, ``w`` and ``y``."""
    x = rng.standard_normal((draws, n)) / np.sqrt(n)
    x -= x.mean(axis=1, keepdims=True)
    x_hat = np.fft.fft(x)
    for _ in range(d - 1):
        x_hat = x_hat * np.fft.fft(rng.standard_normal((draws, n)) / np.sqrt(n))
    y = rng.standard_normal((draws, n))
    w = rng.standard_normal((draws, n))
    return x_hat, np.fft.fft(w), np.fft.fft(y)


def gradient_norms(x_hat: np.ndarray, w_hat: np.ndarray, y_hat: np.ndarray) -> dict[str, np.ndarray]:
    """Per draw: the plain, their normalized and the projected normalized gradient norms."""
    n = x_hat.shape[1]

    def norm(v_hat):
        return np.sqrt(np.sum(np.abs(v_hat) ** 2, axis=1) / n)

    f_hat = x_hat * w_hat
    f_norm = norm(f_hat)
    fy = np.sum((f_hat * np.conj(y_hat)).real, axis=1) / n  # <Xw, y>
    projected_y = y_hat - f_hat * (fy / f_norm**2)[:, None]  # (I - û û^T) y
    return {
        "plain": norm(np.conj(x_hat) * (y_hat - f_hat)),
        "theirs": norm(np.conj(x_hat) * y_hat) / f_norm,
        "projected": norm(np.conj(x_hat) * projected_y) / f_norm,
    }


def literal_check(rng: np.random.Generator, n: int, d: int, draws: int) -> dict[str, float]:
    """Their ``getX``/``getNGrad`` code run literally (dense circulant matrices) against our formulas.

    Returns the largest relative difference of their normalized norm from ||X^T y||/||Xw||
    (their slip: ~1e-15) and from the projected norm (the size of the slip), the largest
    |X^T 1| (0 because x is centered) and the value of their scalar ``np.dot(Xw, Xw.T)/nor**2``.
    """
    slip, change, xt1, scalar = 0.0, 0.0, 0.0, 0.0
    for _ in range(draws):
        x = rng.standard_normal(n) / np.sqrt(n)
        x = x - np.mean(x)
        X = circulant(x)
        for _ in range(d - 1):
            X = X @ circulant(rng.standard_normal(n) / np.sqrt(n))
        y, w = rng.standard_normal(n), rng.standard_normal(n)
        Xw = X @ w
        nor = np.linalg.norm(Xw)
        theirs = X.T @ ((np.eye(n) - np.dot(Xw, Xw.T) / nor**2) @ y) / nor  # their getNGrad, verbatim
        u = Xw / nor
        projected = X.T @ (y - u * (u @ y)) / nor
        g_theirs, g_xty = np.linalg.norm(theirs), np.linalg.norm(X.T @ y) / nor
        slip = max(slip, abs(g_theirs - g_xty) / g_xty)
        change = max(change, abs(g_theirs - np.linalg.norm(projected)) / np.linalg.norm(projected))
        xt1 = max(xt1, float(np.abs(X.T @ np.ones(n)).max()))
        scalar = max(scalar, abs(float(np.dot(Xw, Xw.T) / nor**2)))
    return {
        "theirs_vs_XTy_over_normXw_max_rel": slip,
        "theirs_vs_projected_max_rel": change,
        "max_abs_XT_ones": xt1,
        "their_outer_product_is_scalar": scalar,
        "draws": draws,
    }


DEPTHS = (DEPTH, *EXTRA_DEPTHS)


def cell(params: dict) -> dict:
    """The one cell of P1 (seed ``params["seed"]``): the gradient norms per depth (packed), the
    literal check of their code on ``params["literal_draws"]`` draws and the autograd cross-checks."""
    from paper import cells, crosschecks

    cells.prepare({**params, "dtype": "float64", "device": "cpu"})
    seed = params["seed"]
    rng = np.random.default_rng(seed)
    norms = {d: gradient_norms(*draw(rng, N, d, DRAWS)) for d in DEPTHS}
    return {
        "norms": {str(d): {k: cells.pack(v) for k, v in norms[d].items()} for d in DEPTHS},
        "literal": literal_check(np.random.default_rng(seed + 1), N, DEPTH, params["literal_draws"]),
        "crosschecks": crosschecks.p1_normalized_gradient(seed),
    }


def run(
    out: str,
    *,
    quick: bool,
    full: bool,
    seed: int,
    threads: int = 1,
    store: str | None = None,
    dask: object = None,
) -> dict:
    """Histograms at d = 6 (and 20, 40) for 20000 draws each, one cell (``paper.cells``); the
    figure and the JSON entry."""
    import torch

    from paper import cells

    t0 = time.time()
    params = {
        "seed": seed,
        "literal_draws": 200 if quick else 1000,
        "threads": threads,
        "torch": torch.__version__,
    }
    (done,) = cells.run("P1", "histograms", cell, [params], store=store, dask=dask, label=lambda p: "P1")
    depths = DEPTHS
    norms = {d: {k: cells.unpack(v) for k, v in done["norms"][str(d)].items()} for d in depths}
    literal, checks = done["literal"], done["crosschecks"]
    six = norms[DEPTH]
    ks = ks_2samp(six["theirs"], six["projected"])
    ratio = six["projected"] / six["theirs"]

    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(report.COLUMN, 3.0))
    a, b, c, e = axes.ravel()
    a.hist(
        six["plain"], bins=BINS, range=(0, np.quantile(six["plain"], 0.99)), density=True, color=report.PLAIN
    )
    a.set_title(f"(a) no CN, $d={DEPTH}$ (99% of draws)")
    a.set_xlabel(r"$\|\nabla L\|$")
    hi = np.quantile(np.r_[six["theirs"], six["projected"]], 0.995)
    rng_b = (0, hi)
    b.hist(
        six["theirs"], bins=BINS, range=rng_b, density=True, color=report.THEIRS, alpha=0.6, label="theirs"
    )
    b.hist(
        six["projected"],
        bins=BINS,
        range=rng_b,
        density=True,
        color=report.CN,
        histtype="step",
        label=r"with $I-\hat u\hat u^T$",
    )
    b.set_title(f"(b) CN, $d={DEPTH}$")
    b.set_xlabel(r"$\|\nabla L_{CN}\|$")
    b.legend(frameon=False)
    for ax, key, color, title in (
        (c, "plain", report.PLAIN, "(c) no CN"),
        (e, "projected", report.CN, "(d) CN (projected)"),
    ):
        for d, ls in zip(depths, ("-", "--", ":")):
            ax.hist(
                np.log10(norms[d][key]),
                bins=100,
                density=True,
                histtype="step",
                color=color,
                ls=ls,
                label=f"$d={d}$",
            )
        ax.set_xlabel(r"$\log_{10}$ gradient norm")
        ax.set_title(title)
        ax.legend(frameon=False)
    for ax in axes.ravel():
        ax.set_yticks([])
    fig.suptitle(
        "P1: gradient norm at initialization, linear single channel, n = 100 (density; (b) their code vs projected)",
        fontsize=5.5,
    )
    fig.tight_layout()
    figure = report.save_figure(fig, out, "p1_histograms")

    ours = {
        "plain": report.summary(six["plain"]),
        "normalized_theirs": report.summary(six["theirs"]),
        "normalized_projected": report.summary(six["projected"]),
        "projected_over_theirs": report.summary(ratio),
        "ks_theirs_vs_projected": float(ks.statistic),
        "by_depth": {str(d): {k: float(np.median(v)) for k, v in norms[d].items()} for d in depths},
        "literal_check": literal,
        "crosschecks": checks,
    }
    setup = {
        "n": N,
        "depths": list(depths),
        "draws": DRAWS,
        "bins": BINS,
        "x": "N(0, 1/n), centered",
        "filters": "N(0, 1/n)",
        "w": "N(0, 1)",
        "y": "N(0, 1)",
        "seed": seed,
        "precision": "float64 (NumPy FFT)",
    }
    authors = {"n": N, "d": DEPTH, "draws": DRAWS, "bins": BINS, "extra_depths": list(EXTRA_DEPTHS)}
    return report.experiment(
        "P1",
        "Gradient-norm histograms at initialization, linear single channel (Fig. 4a/4b)",
        figure,
        setup,
        ours,
        authors,
        time.time() - t0,
    )
