"""ReLU + CN explodes at a mean-field rate (beyond the paper, X1).

M3's network with a ReLU after every hidden convolution and CN (gain 1, bias 0) after it,
the output included, full-length circular filters at fan-in initialization, widths
1, k, ..., k, 1. The prediction (docs/derivations.md, "X1"): as n -> infinity, for every k,

    (1/d) log ||grad_{C_1} L||  ->  (1/2) ln(pi/(pi - 1)) = 0.19159...   per layer.

Backward, one hidden layer multiplies E||delta||^2 by 1 (the transposed fan-in convolution),
1/2 (the ReLU mask) and n/s^2 (the CN Jacobian (sqrt(n)/s)(P - û ûᵀ)), with
s^2 = ||P relu(v)||^2 ~ n (1/2 - 1/(2 pi)) for the unit-variance pre-activations v.

Two paths that share no code compute log ||grad_{C_1} L|| of the same draws:

* ``numerics.gd.channel_gd.init_grad_norms`` (the GD core: per-frequency matrices, ReLU in
  the time domain through inverse FFTs);
* ``time_domain_grad_norms`` below: plain NumPy in the time domain, circular convolution and
  correlation as gathers of the circulant index (j - m) mod n, no FFT anywhere.

>>> fit = relu_cn_rate(64, 1, depths=(4, 12), draws=8, seed=0)
>>> round(fit.estimate, 3), round(fit.stderr, 3)
(0.197, 0.023)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from numerics.gd.channel_gd import init_grad_norms
from numerics.hp.channels import random_channel_filters
from numerics.mc.rates import SlopeFit, fit
from theory.validation import check_choice, check_cost, checked, integer, integers

#: (1/2) ln(pi/(pi - 1)), the mean-field rate of X1 (float64).
X1_RATE = 0.5 * math.log(math.pi / (math.pi - 1.0))

#: The largest n * k^2 * d (taps of one network) that ``relu_cn_rate`` accepts: 2^31 taps
#: (16 GiB of float64) would not fit on the machine; refused before any allocation.
MAX_TAPS = 2**28


#: The largest k^2 n^2 (floats per layer of the circulant gathers) the time-domain path accepts.
MAX_TIME_DOMAIN = 2**24


def problem(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The input and target of one rate estimate: x, y iid N(0, I_n) from ``seed``."""
    x, y = np.random.default_rng([seed, n]).normal(size=(2, n))
    return x, y


def draw_filters(n: int, d: int, k: int, seed: int, draw: int) -> list[np.ndarray]:
    """Fan-in filters of one draw (trials axis of length 1); independent across (d, draw)."""
    return random_channel_filters(
        n, d, k, trials=1, seed=int(np.random.SeedSequence([seed, n, k, d, draw]).generate_state(1)[0])
    )


def log_first_layer_norms(
    n: int, k: int, d: int, draws: int, *, seed: int = 0, relu: bool = True, path: str = "fourier"
) -> np.ndarray:
    """log ||grad_{C_1} L|| of ``draws`` independent fan-in networks of depth d (CN at every
    layer; ReLU after every hidden convolution if ``relu``), float64, shape (draws,).

    ``path``: "fourier" (the GD core) or "time" (``time_domain_grad_norms``)."""
    if path not in ("fourier", "time"):
        raise ValueError(f"path must be 'fourier' or 'time', got {path!r}")
    x, y = problem(n, seed)
    out = np.empty(draws)
    for t in range(draws):
        f = draw_filters(n, d, k, seed, t)
        if path == "fourier":
            g = float(init_grad_norms(x, y, f, normalized=True, relu=relu)[0, 0])
        else:
            g = time_domain_grad_norms([layer[0] for layer in f], x, y, relu=relu)[0]
        if not (math.isfinite(g) and g > 0):
            raise ValueError(
                f"n = {n} is too small for k = {k} at depth d = {d}: draw {t} has ||grad_C1 L|| = {g} (a ReLU "
                "layer's output is constant, CN's 0/0); the log-rate needs every draw's gradient positive and "
                "finite: use a larger n or k (n >= 16 at k = 1)"
            )
        out[t] = math.log(g)
    return out


#: elementary operations one layer of one draw costs in ``relu_cn_rate`` (forward and backward
#: through ``init_grad_norms``): about 1000 NumPy calls' overhead (measured 1.1 ms a layer at
#: n = 16, k = 1) plus the FFTs and k x k products, 50 k^2 n log2(2n).
def layer_cost(n: int, k: int) -> float:
    from theory.validation import PYTHON_STEP

    return 1000 * PYTHON_STEP + 50 * k * k * n * math.log2(2 * n)


@checked(n=integer(4), draws=integer(2), depths=integers(2))
def relu_cn_rate(
    n: int,
    k: int,
    *,
    depths: Sequence[int] = (8, 32),
    draws: int = 20,
    seed: int = 0,
    relu: bool = True,
    path: str = "fourier",
) -> SlopeFit:
    """Slope of mean log ||grad_{C_1} L|| in d for ReLU + CN at fan-in initialization (X1).

    ``draws`` independent networks per depth (x, y ~ N(0, I_n) fixed by ``seed``); draw j of
    every depth forms one row, whose least-squares slope over ``depths`` is one sample: the
    estimate is their mean, ``stderr`` its standard error (rows are iid). ``relu=False`` gives
    the linear CN network (flat, M4). Prediction as n -> infinity: ``X1_RATE`` = 0.19159...
    Cost: n = 1024, k = 1: 0.1 s for the defaults; k = 32, n = 128: 3 s. The cost model
    draws * sum(depths) * ``layer_cost(n, k)`` is checked against the validation layer's budget
    before any work (``max(depths)`` named with its allowed range). A draw whose gradient is 0
    (a dead ReLU layer: small n) is a one-line ValueError naming n, never a log of 0.
    """
    check_choice(path, "path", ("fourier", "time"))
    ds = list(depths)  # integers >= 2 (checked)
    if len(ds) < 2 or len(set(ds)) != len(ds):
        raise ValueError(f"depths must be a sequence of >= 2 distinct integers >= 2, got {depths!r}")
    if n * k * k * max(ds) > MAX_TAPS:
        raise ValueError(f"n k^2 max(depths) must be <= {MAX_TAPS} taps, got {n * k * k * max(ds)}")
    if path == "time" and n * n * k * k > MAX_TIME_DOMAIN:
        raise ValueError(
            f"path 'time' holds k^2 n^2 floats per layer: must be <= {MAX_TIME_DOMAIN}, got {n * n * k * k}"
        )
    per_layer, rest = draws * layer_cost(n, k), sum(ds) - max(ds)
    check_cost(
        "max(depths)",
        max(ds),
        lambda D: per_layer * (rest + D),
        f"relu_cn_rate(n={n}, k={k}, draws={draws})",
        lo=2,
    )
    values = np.stack([log_first_layer_norms(n, k, D, draws, seed=seed, relu=relu, path=path) for D in ds], 1)
    return fit(ds, values)


# ------------------------------------------------------------- the time-domain path
def _circulant_index(n: int) -> np.ndarray:
    j = np.arange(n)
    return (j[:, None] - j[None, :]) % n  # idx[j, m] = (j - m) mod n


def time_domain_grad_norms(
    filters: Sequence[np.ndarray], x: Any, y: Any, *, relu: bool = True
) -> list[float]:
    """||grad_{C_i} L||, i = 1..d, by backpropagation in the time domain (plain NumPy, no FFT).

    ``filters``: d arrays, layer i of shape (k_i, k_{i-1}, n). Forward, per layer:
    v[a]_j = sum_b sum_m c[a,b]_m z[b]_{(j-m) mod n}; ReLU on hidden layers if ``relu``; CN
    z = sqrt(n) P r / ||P r|| (every layer, gain 1, bias 0). Loss 1/2 ||y - z_d||^2.
    Backward: through CN delta_r = (sqrt(n)/s)(P - û ûᵀ) delta_z, û = P r/s; through ReLU
    multiply by 1[v > 0]; grad c[a,b]_m = sum_j delta_v[a]_j z[b]_{(j-m) mod n};
    delta_z[b]_t = sum_a sum_j delta_v[a]_j c[a,b]_{(j-t) mod n}. Memory k^2 n^2 floats per
    layer: meant for n <= 256.
    """
    x = np.asarray(x, float)
    n = len(x)
    k_max = max(max(c.shape[0], c.shape[1]) for c in filters)
    if n * n * k_max * k_max > MAX_TIME_DOMAIN:
        raise ValueError(
            f"time_domain_grad_norms: k^2 n^2 must be <= {MAX_TIME_DOMAIN}, got {n * n * k_max * k_max}"
        )
    idx = _circulant_index(n)
    z = x[None, :]
    cache = []
    d = len(filters)
    for i, c in enumerate(filters):
        zg = z[:, idx]  # (k_in, j, m): z[b, (j - m) mod n]
        v = np.einsum("abm,bjm->aj", c, zg)
        mask = v > 0 if (relu and i < d - 1) else None
        r = v * mask if mask is not None else v
        pr = r - r.mean(-1, keepdims=True)
        s = np.sqrt((pr * pr).sum(-1))
        u = pr / s[:, None]
        cache.append((zg, mask, s, u))
        z = math.sqrt(n) * u
    delta = z[0] - np.asarray(y, float)
    delta = delta[None, :]
    norms = [0.0] * d
    for i in range(d - 1, -1, -1):
        zg, mask, s, u = cache[i]
        pd = delta - delta.mean(-1, keepdims=True)
        delta = (math.sqrt(n) / s)[:, None] * (pd - (pd * u).sum(-1, keepdims=True) * u)
        if mask is not None:
            delta = delta * mask
        grad = np.einsum("aj,bjm->abm", delta, zg)
        norms[i] = float(np.sqrt((grad * grad).sum()))
        if i > 0:
            cg = filters[i][:, :, idx]  # (a, b, j, t): c[a,b,(j - t) mod n]
            delta = np.einsum("aj,abjt->bt", delta, cg)
    return norms


# --------------------------------------------------------------------- the excess
def excess_power_law(ns: Sequence[int], rates: Sequence[float], stderrs: Sequence[float]) -> dict[str, float]:
    """Weighted least squares of rate(n) - X1_RATE = A n^(-p): A, p and their standard errors
    (scipy ``curve_fit`` with absolute sigma = the rates' standard errors) and chi^2/dof."""
    from scipy.optimize import curve_fit

    ns_a, r, se = np.asarray(ns, float), np.asarray(rates, float), np.asarray(stderrs, float)
    excess = r - X1_RATE

    def model(v: np.ndarray, a: float, p: float) -> np.ndarray:
        return a * v ** (-p)

    start = (max(float(excess[0]), 1e-3) * ns_a[0], 1.0)
    params, cov = curve_fit(model, ns_a, excess, p0=start, sigma=se, absolute_sigma=True, maxfev=20000)
    chi2 = float(np.sum(((excess - model(ns_a, *params)) / se) ** 2))
    dof = max(len(ns_a) - 2, 1)
    return {
        "A": float(params[0]),
        "A_stderr": float(math.sqrt(cov[0, 0])),
        "p": float(params[1]),
        "p_stderr": float(math.sqrt(cov[1, 1])),
        "chi2_per_dof": chi2 / dof,
    }


def extrapolate_rate(ns: Sequence[int], rates: Sequence[float], stderrs: Sequence[float]) -> dict[str, float]:
    """Weighted least squares of rate(n) = r_inf + A/n (the O(1/n) correction of
    docs/derivations.md, X1): r_inf, A, their standard errors, and chi^2/dof (NaN for 2 points)."""
    n_a, r, se = np.asarray(ns, float), np.asarray(rates, float), np.asarray(stderrs, float)
    if len(n_a) < 2:
        raise ValueError(f"need >= 2 sizes n to extrapolate, got {len(n_a)}")
    X = np.stack([np.ones_like(n_a), 1.0 / n_a], 1)
    W = 1.0 / se**2
    cov = np.linalg.inv(X.T @ (X * W[:, None]))
    beta = cov @ (X.T @ (W * r))
    dof = len(n_a) - 2
    chi2 = float(np.sum(W * (r - X @ beta) ** 2) / dof) if dof > 0 else math.nan
    return {
        "r_inf": float(beta[0]),
        "r_inf_stderr": float(math.sqrt(cov[0, 0])),
        "A": float(beta[1]),
        "A_stderr": float(math.sqrt(cov[1, 1])),
        "chi2_per_dof": chi2,
    }


# ------------------------------------------------------------------ X1 as cells
#: The experiment name of X1's cells in the cell store (``numerics.store.cells``).
EXPERIMENT = "X1"


def rate_params(
    n: int, k: int, draws: int, seed: int, relu: bool = True, depths: Sequence[int] = (8, 32)
) -> dict:
    """The parameters of one X1 cell: one ``relu_cn_rate`` estimate."""
    return {"n": n, "k": k, "draws": draws, "seed": seed, "relu": relu, "depths": [int(d) for d in depths]}


def rate_cell(params: dict) -> dict:
    """The runner's cell of X1: ``relu_cn_rate`` of ``params`` (``rate_params``) as JSON,
    ``{"estimate": ..., "stderr": ...}``."""
    f = relu_cn_rate(
        params["n"],
        params["k"],
        depths=tuple(params["depths"]),
        draws=params["draws"],
        seed=params["seed"],
        relu=params["relu"],
    )
    return {"estimate": float(f.estimate), "stderr": float(f.stderr)}
