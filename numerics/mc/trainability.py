"""X4: what trains at depth (beyond the paper), one map of configurations x depths, measured.

A *row* is (n, k, config) with config one of ``CONFIGS``: the start (``fanin``: iid taps
N(0, 1/(n k_in)); ``allpass``: every Ĉ_i(w) a Haar-random unitary block, conjugate symmetric,
real orthogonal at w = 0, n/2, the first layer a unit column and the last a unit row; k = 1:
X3's random phases and signs) times the normalization (none, or CN after every convolution,
M3). A *cell* is a row at one depth d: GD steps to ``tol`` L_0 (1e-3) on ``draws`` draws.

Per cell (``cell_result``, a plain module-level function of JSON-ready parameters, run by the one
runner ``numerics.store.cells.run_cells``):

1. tune the step on the first ``tune_draws`` draws over the grid eta_j = scale 10^(j/2)
   (``numerics.mc.cn_depth.eta_of``; scale 1 for fan-in starts, 1/d for all-pass starts, X3(b)),
   starting at j0 - 1, j0, j0 + 1 and extending one point at a time toward the better side until
   the best step is interior or ``max_extend`` points were added (then ``eta_interior`` is False);
   the ranking is X2's (``cn_depth._rank_key``: median steps with non-converged runs as infinitely
   slow, then the converged fraction, then the median final loss ratio);
2. run the remaining draws at the best step (a trial's numbers do not depend on its batch, so the
   tuning draws' runs at that step are reused bit for bit);
3. read the cause of every run that did not converge from its exact final per-frequency state
   (``causes``, the order of ``CAUSES``):

   * ``diverged``: the GD core's DIVERGED state (loss grew past 1e8 L_0, inf or NaN);
   * ``tied_stall``: k = 1, the frequency holding most of the remaining loss is real (w = 0 without
     CN, w = n/2 for n even), the output there has the wrong sign (or is 0) and the layers' moduli
     |ĉ_(i,w)| are tied (relative spread <= ``TIE_RTOL``, or all below the final filters'
     resolution ``RESOLUTION``): X3(c), the flow cannot cross (before ``vanished``: at d = 2 the
     tied layers shrink to 0 exponentially and may underflow);
   * ``vanished``: the GD core's UNDERFLOWED state, or every layer's step at every frequency is
     below float64's rounding of that layer's Fourier block: max_(i,w) eta ||∇Ĉ_i(w)||/||Ĉ_i(w)||
     < 2^-53 (GD can no longer move the filters; the T family);
   * ``smallest_frequency_stall``: the frequency holding most of the remaining loss is the one whose
     output |ô_w(0)| started smallest relative to the largest (w >= 1 with CN, x̂_w != 0): X2's stall
     (the definitions of ``numerics.mc.cn_depth.stall_state``);
   * ``still_falling``: out of steps with the loss still falling: the final loss is below
     (1 - ``FALLING``) times the recorded loss at half the run;
   * ``held_other``: none of these (out of steps, the loss held at another frequency).

``row_fit`` fits log(steps) against depth by X2's censored maximum likelihood
(``cn_depth.depth_fits``: power law in d, exponential in d, exponential in sqrt d; runs that never
converge censored at the cap) and names the law with the smallest AIC; a power-law exponent
near 0 is a depth-free row.

``trainability_map(n, widths, depths, configs, draws=..., seed=..., store=..., dask=...)``
returns ``{"cells": [...], "rows": [...]}``: one record per cell with exactly ``median_steps``
(None when over half the draws never converge), ``converged_fraction``, ``best_eta``,
``eta_interior`` and ``causes`` plus the cell's identity and the per-draw data; one fit per row.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from numerics.gd.channel_gd import ChannelGD, simulate_gd_channels
from numerics.hp.channels import random_channel_filters
from numerics.mc import cn_depth
from theory.validation import check_int, trainability_map_arguments

CONFIGS = ("fanin", "fanin+cn", "allpass", "allpass+cn")
CAUSES = ("vanished", "tied_stall", "smallest_frequency_stall", "diverged", "still_falling", "held_other")
DEPTHS_FULL = (2, 4, 8, 16, 32, 64, 128)
DEPTHS_QUICK = (2, 4, 8, 16)

#: relative spread of the layers' moduli at a real frequency below which they count as tied
#: (FFT-built all-pass moduli agree to ~1e-16 and stay tied under GD: T4/C5 scale them alike)
TIE_RTOL = 1e-9
#: moduli below this times the layer's largest |ĉ| are not resolved by the final filters (taps
#: from irfft carry an absolute rounding of ~1e-16 of the largest): tied at 0 (X3(c) at d = 2
#: drives the tied layers to 0 exponentially)
RESOLUTION = 1e-12
#: float64's rounding of a number: a relative change below it leaves the number unchanged
ROUNDING = 2.0**-53
#: "still falling": the loss fell by more than this fraction over the second half of the run
FALLING = 0.05
#: step caps of ``--full`` per width (the budget: ``docs/findings.md``, X4); the statement asks up to 1e6
MAX_ITER_FULL = {1: 20_000, 2: 3_000, 4: 1_500}
#: the first grid index tried (eta_j = scale 10^(j/2)) per start: fan-in 10^-2.5, all-pass 10^-2/d
J0 = {"fanin": -5, "allpass": -4}


def _split(config: str) -> tuple[str, bool]:
    start, _, norm = config.partition("+")
    return start, norm == "cn"


def allpass_channels(n: int, d: int, k: int, *, trials: int = 1, seed: int = 0) -> list[np.ndarray]:
    """All-pass start at width k: widths 1, k, ..., k, 1; for every trial, layer and w = 0..n/2 a
    Haar unitary m x m block (m = max(k_out, k_in); QR of a complex Gaussian with the phases of R's
    diagonal divided out; real orthogonal at w = 0 and n/2) of which the top-left k_out x k_in part is
    Ĉ_i(w): a unitary k x k block for hidden layers, a unit column (first layer) and a unit row
    (last layer). Filters are irfft of the half spectrum (conjugate symmetric: real taps). k = 1 is
    X3's random all-pass (random phases, signs at the real frequencies). Layer i has shape
    (trials, k_(i+1), k_i, n). The draws run trial, layer, frequency in that order from
    ``numpy.random.default_rng(seed)``; the same seed gives the same filters.

    >>> c = allpass_channels(6, 3, 2, seed=1)
    >>> [a.shape for a in c]
    [(1, 2, 1, 6), (1, 2, 2, 6), (1, 1, 2, 6)]
    >>> block = np.fft.rfft(c[1][0], axis=-1)[:, :, 1]
    >>> bool(np.allclose(block.conj().T @ block, np.eye(2)))
    True
    """
    n, d, k = check_int(n, "n", 2), check_int(d, "d", 1), check_int(k, "k", 1)
    trials = check_int(trials, "trials", 1)
    rng = np.random.default_rng(seed)
    F = n // 2 + 1
    ks = [1] + [k] * (d - 1) + [1]
    spec = [np.empty((trials, ks[i + 1], ks[i], F), complex) for i in range(d)]
    for t in range(trials):
        for i in range(d):
            ko, ki = ks[i + 1], ks[i]
            m = max(ko, ki)
            for w in range(F):
                real = w == 0 or 2 * w == n
                z = (
                    rng.normal(size=(m, m))
                    if real
                    else rng.normal(size=(m, m)) + 1j * rng.normal(size=(m, m))
                )
                q, r = np.linalg.qr(z)
                q = q * (np.diag(r) / np.abs(np.diag(r)))
                spec[i][t, :, :, w] = q[:ko, :ki]
    return [np.fft.irfft(s, n=n, axis=-1) for s in spec]


def start_filters(n: int, d: int, k: int, config: str, draws: int, seed: int) -> list[np.ndarray]:
    """The ``draws`` starts of a cell, the same for both normalizations of a start. Fan-in uses X2's
    seeds (``cn_depth.draws_filters``: the k = 1 fan-in + CN cells are X2's draws)."""
    start, _ = _split(config)
    if start == "fanin":
        return random_channel_filters(n, d, k, trials=draws, seed=seed + 1000 * d + n)
    return allpass_channels(n, d, k, trials=draws, seed=seed + 1000 * d + n + 7)


def eta_of(config: str, d: int, j: int) -> float:
    """The grid's step: 10^(j/2) for fan-in starts, 10^(j/2)/d for all-pass starts (X3(b))."""
    return cn_depth.eta_of(j) / (d if _split(config)[0] == "allpass" else 1)


# ------------------------------------------------------------------------------ causes
def _state(
    x: np.ndarray, y: np.ndarray, filters: list[np.ndarray], normalized: bool, extra=None
) -> ChannelGD:
    """The exact Fourier-domain state at ``filters`` (with CN: the final gains and biases)."""
    with np.errstate(all="ignore"):
        st = ChannelGD(filters, x, y, normalized, False)
        if normalized and extra is not None:
            st.gains = [np.asarray(g, float) for g in extra["gains"]]
            st.biases = [np.asarray(b, float) for b in extra["biases"]]
            st.evaluate()
    return st


def frequency_shares(st: ChannelGD) -> np.ndarray:
    """Each frequency's share of the remaining loss, w = 0..n/2 (conjugate pairs counted twice),
    (trials, n//2 + 1); the definition of ``cn_depth.stall_state``."""
    with np.errstate(all="ignore"):  # a diverged run (read as such first) overflows here: inf/NaN shares
        per_w = st.mult * np.abs(st.y_hat - st.f_hat) ** 2 / (2 * st.n)
        return per_w / per_w.sum(-1, keepdims=True)


def relative_step(st: ChannelGD, eta: float) -> np.ndarray:
    """Per trial: max over layers i and frequencies w of eta ||∇Ĉ_i(w)|| / ||Ĉ_i(w)|| (Frobenius)."""
    worst = np.zeros(st.c_hat[0].shape[0])
    with np.errstate(all="ignore"):
        for g, c in zip(st.grad_c, st.c_hat):
            num = np.sqrt((np.abs(g) ** 2).sum((1, 2)))
            den = np.sqrt((np.abs(c) ** 2).sum((1, 2)))
            ratio = np.where(den > 0, eta * num / den, np.where(num > 0, np.inf, 0.0))
            worst = np.maximum(worst, ratio.max(-1))
    return worst


def classify_causes(
    x: np.ndarray,
    y: np.ndarray,
    start: list[np.ndarray],
    res: Any,
    *,
    eta: float,
    normalized: bool,
) -> list[str | None]:
    """The cause of each trial of ``res`` (a ``GDResult`` of ``simulate_gd_channels`` from the
    filters ``start``, run with ``record=True``), None where it converged; the rules and their
    order are the module docstring's."""
    n = len(x)
    k = max(a.shape[1] for a in start)
    end = _state(x, y, res.extra["filters"], normalized, res.extra)
    begin = _state(x, y, start, normalized)
    share = frequency_shares(end)
    top = np.nan_to_num(share, nan=-1.0).argmax(-1)
    live = np.abs(begin.x_hat) > 0
    if normalized:
        live[0] = False
    with np.errstate(all="ignore"):
        size0 = np.abs(begin.f_hat) / np.abs(begin.f_hat[:, live]).max(-1, keepdims=True)
    weakest = np.where(live, size0, np.inf).argmin(-1)
    step = relative_step(end, eta)
    real = ([] if normalized else [0]) + ([n // 2] if n % 2 == 0 else [])
    rec = res.record
    res.extra["top_frequency"] = [int(v) for v in top]
    res.extra["relative_step"] = [float(v) for v in step]
    out: list[str | None] = []
    for t in range(len(res.converged)):
        if res.converged[t]:
            out.append(None)
        elif res.diverged[t]:
            out.append("diverged")
        elif k == 1 and top[t] in real and _tied_wrong(end, t, int(top[t])):
            out.append("tied_stall")
        elif res.underflowed[t] or step[t] < ROUNDING:
            out.append("vanished")
        elif top[t] == weakest[t] and share[t, top[t]] > 0.5:
            out.append("smallest_frequency_stall")
        elif _falling(rec, t):
            out.append("still_falling")
        else:
            out.append("held_other")
    return out


def _tied_wrong(st: ChannelGD, t: int, w: int) -> bool:
    """At real frequency w of trial t (k = 1): the output has the wrong sign (or is 0) and the
    layers' moduli are tied."""
    out, target = st.f_hat[t, w].real, st.y_hat[w].real
    if target == 0 or out * target > 0:
        return False
    mods = np.array([abs(c[t, 0, 0, w]) for c in st.c_hat])
    scale = max(float(np.abs(c[t]).max()) for c in st.c_hat)
    return bool((mods.max() - mods.min()) <= TIE_RTOL * mods.max() + RESOLUTION * scale)


def _falling(rec: dict | None, t: int) -> bool:
    if rec is None:
        return False
    steps, loss = rec["steps"], rec["loss"][:, t]
    ok = np.isfinite(loss)
    if ok.sum() < 2:
        return False
    last = int(np.flatnonzero(ok)[-1])
    half = int(np.searchsorted(steps, steps[last] // 2))
    return bool(loss[last] < (1 - FALLING) * loss[min(half, last)])


# ------------------------------------------------------------------------------ one cell
def _run(x, y, filters, normalized: bool, eta: float, max_iter: int, tol: float):
    with np.errstate(all="ignore"):
        return simulate_gd_channels(
            x, y, filters, eta=eta, normalized=normalized, max_iter=max_iter, tol=tol, record=True,
            record_points=24, threads=1,
        )  # fmt: skip


def _summary(res: Any) -> dict:
    ratio = res.final_loss / res.initial_loss
    return {
        "iterations": [int(v) for v in res.iterations],
        "converged": [bool(v) for v in res.converged],
        "final_ratio": [float(v) if math.isfinite(v) else None for v in ratio],
    }


def _finite(v: float) -> float | None:
    """v, or None where it is not finite (a cell's JSON holds finite numbers only)."""
    return float(v) if math.isfinite(v) else None


def _take(filters: list[np.ndarray], idx: slice) -> list[np.ndarray]:
    return [np.ascontiguousarray(a[idx]) for a in filters]


def cell_result(params: dict) -> dict:
    """One cell of the map (JSON in, JSON out; deterministic in ``params``): tune, run, classify.

    ``params``: n, k, config, depth, draws, tune_draws, seed, max_iter, tol, j0, max_extend."""
    t0 = time.perf_counter()
    n, k, d = params["n"], params["k"], params["depth"]
    config, draws, tune = params["config"], params["draws"], min(params["tune_draws"], params["draws"])
    max_iter, tol = params["max_iter"], params["tol"]
    _, normalized = _split(config)
    x, y = cn_depth.problem(n, params["seed"])
    filters = start_filters(n, d, k, config, draws, params["seed"])
    head = _take(filters, slice(0, tune))

    runs: dict[int, Any] = {}

    def tried(j: int) -> dict:
        if j not in runs:
            runs[j] = _run(x, y, head, normalized, eta_of(config, d, j), max_iter, tol)
        return _summary(runs[j])

    j0 = params["j0"]
    table = {j: tried(j) for j in (j0 - 1, j0, j0 + 1)}
    extensions = 0
    while True:
        best = min(table, key=lambda j: (cn_depth._rank_key(table[j]), -j))
        if min(table) < best < max(table) or extensions >= params["max_extend"]:
            break
        nxt = best - 1 if best == min(table) else best + 1
        table[nxt] = tried(nxt)
        extensions += 1
    eta = eta_of(config, d, best)
    first = runs[best]
    causes = classify_causes(x, y, head, first, eta=eta, normalized=normalized)
    its, conv = list(first.iterations), list(first.converged)
    tops, rel = list(first.extra["top_frequency"]), list(first.extra["relative_step"])
    if draws > tune:
        tail = _take(filters, slice(tune, draws))
        rest = _run(x, y, tail, normalized, eta, max_iter, tol)
        causes += classify_causes(x, y, tail, rest, eta=eta, normalized=normalized)
        its += list(rest.iterations)
        conv += list(rest.converged)
        tops += rest.extra["top_frequency"]
        rel += rest.extra["relative_step"]
    steps = np.where(np.array(conv), np.array(its, float), np.inf)
    median = float(np.median(steps))
    return {
        "n": n, "k": k, "config": config, "depth": d, "draws": draws, "max_iter": max_iter,
        "median_steps": median if math.isfinite(median) else None,
        "converged_fraction": float(np.mean(conv)),
        "best_eta": eta,
        "eta_interior": bool(min(table) < best < max(table)),
        "causes": {c: sum(1 for v in causes if v == c) for c in CAUSES},
        "best_j": int(best),
        "etas_tried": [eta_of(config, d, j) for j in sorted(table)],
        "tune_medians": {str(j): _finite(cn_depth._rank_key(table[j])[0]) for j in sorted(table)},
        "iterations": [int(v) for v in its],
        "converged": [bool(v) for v in conv],
        "cause_per_draw": [v or "converged" for v in causes],
        "top_frequency": tops,
        "relative_step": [_finite(v) for v in rel],
        "seconds": time.perf_counter() - t0,
    }  # fmt: skip


# ------------------------------------------------------------------------------ the map
def cells_of(
    n: Sequence[int],
    widths: Sequence[int],
    depths: Sequence[int],
    configs: Sequence[str],
    *,
    draws: int,
    seed: int,
    max_iter: int | dict[int, int],
    tune_draws: int = 4,
    tol: float = 1e-3,
    max_extend: int = 4,
) -> list[dict]:
    """The parameter dicts of every cell, row by row (n, k, config), depths inside."""
    cells = []
    for nn in n:
        for k in widths:
            cap = max_iter[k] if isinstance(max_iter, dict) else max_iter
            for config in configs:
                for d in depths:
                    cells.append(
                        {"n": nn, "k": k, "config": config, "depth": d, "draws": draws, "tune_draws": tune_draws,
                         "seed": seed, "max_iter": cap, "tol": tol, "j0": J0[_split(config)[0]],
                         "max_extend": max_extend}
                    )  # fmt: skip
    return cells


def row_fit(cells: Sequence[dict]) -> dict:
    """X2's censored fits over the depths of one row and the law with the smallest AIC: ``law``,
    ``exponent`` (its b) and ``stderr``; ``power_exponent`` always (near 0: depth-free)."""
    rows = sorted(cells, key=lambda c: c["depth"])
    fits = cn_depth.depth_fits(rows, rows[0]["max_iter"])
    best = fits["best_law"]
    power = fits.get("power", {})
    out: dict[str, Any] = {
        "law": best or "none",
        "exponent": fits[best]["b"] if best else None,
        "stderr": fits[best]["b_stderr"] if best else None,
        "power_exponent": power.get("b"),
        "power_stderr": power.get("b_stderr"),
        "fits": {
            law: {key: fits[law][key] for key in ("b", "b_stderr", "aic", "sigma") if key in fits[law]}
            | ({"error": fits[law]["error"]} if "error" in fits[law] else {})
            for law in cn_depth.LAWS
        },
    }
    return out


def law_sentence(row: dict) -> str:
    """One sentence per row: the fitted law, its exponent and standard error."""
    what = {"power": "steps ~ d^b", "exponential": "steps ~ e^(b d)", "sqrt": "steps ~ e^(b sqrt d)"}
    head = f"n={row['n']}, k={row['k']}, {row['config']}"
    if row["law"] == "none":
        return f"{head}: no law fitted (fewer than 3 converged runs)"
    text = f"{head}: {what[row['law']]} with b = {row['exponent']:.3g} ± {row['stderr']:.2g} (smallest AIC)"
    if row["law"] != "power" and row["power_exponent"] is not None:
        text += f"; power law b = {row['power_exponent']:.3g} ± {row['power_stderr']:.2g}"
    return text


def trainability_map(
    n: int | Sequence[int],
    widths: Sequence[int],
    depths: Sequence[int],
    configs: Sequence[str],
    *,
    draws: int,
    seed: int,
    store: Any = None,
    dask: Any = None,
    max_iter: int | dict[int, int] | None = None,
    tune_draws: int = 4,
    tol: float = 1e-3,
    max_extend: int = 4,
    progress: bool = False,
) -> dict:
    """X4's map: every (n, k, config, depth) cell through the one runner
    (``numerics.store.cells.run_cells``, experiment "X4"; ``store`` a SQLite path for resumable
    runs, ``dask`` a scheduler address or "local"), and the fit of every row.

    Returns ``{"cells": [...], "rows": [...]}``: a cell record has ``median_steps`` (None when over
    half the draws never converge), ``converged_fraction``, ``best_eta``, ``eta_interior``,
    ``causes`` (counts per ``CAUSES``) and n, k, config, depth; a row has n, k, config, ``law``,
    ``exponent``, ``stderr`` (``row_fit``) and ``sentence``. ``max_iter``: one cap or a cap per
    width (default ``MAX_ITER_FULL``).
    """
    ns = [n] if isinstance(n, (int, np.integer)) else list(n)
    caps = MAX_ITER_FULL if max_iter is None else max_iter
    # grid: the tuning draws at up to 2 + max_extend steps, then the other draws at one
    trainability_map_arguments(
        ns, widths, depths, configs, CONFIGS, draws, tune_draws, seed, tol, caps, grid_points=3 + max_extend
    )
    cells = cells_of(
        ns, widths, depths, configs, draws=draws, seed=seed, max_iter=caps, tune_draws=tune_draws, tol=tol,
        max_extend=max_extend,
    )  # fmt: skip
    results = _run_cells(cells, store=store, dask=dask, progress=progress)
    rows = []
    for nn in ns:
        for k in widths:
            for config in configs:
                mine = [c for c in results if (c["n"], c["k"], c["config"]) == (nn, k, config)]
                row = {"n": nn, "k": k, "config": config, **row_fit(mine)}
                row["sentence"] = law_sentence(row)
                rows.append(row)
    return {"cells": results, "rows": rows}


def _label(params: dict) -> str:
    return f"X4 n={params['n']} k={params['k']} {params['config']} d={params['depth']}"


def _run_cells(cells: list[dict], *, store: Any, dask: Any, progress: bool) -> list[dict]:
    """The cells through the one runner, the costliest first (k d large: a short tail on a cluster),
    the results back in the order of ``cells``."""
    from numerics.store.cells import run_cells

    order = sorted(
        range(len(cells)), key=lambda i: -(cells[i]["k"] ** 2) * cells[i]["depth"] * cells[i]["max_iter"]
    )
    got = run_cells("X4", cell_result, [cells[i] for i in order], store=store, dask=dask, progress=progress,
                    label=_label)  # fmt: skip
    out: list[dict] = [{}] * len(cells)
    for i, r in zip(order, got):
        out[i] = r
    return out


# ------------------------------------------------------------------------------ planted causes
def planted_runs(seed: int = 0) -> list[dict]:
    """One short GD run of each cause, each built so that its cause is known in advance: dicts with
    ``cause`` (the planted one) and the arguments of ``classify_causes`` (x, y, start, res, eta,
    normalized):

    * vanished: fan-in, n = 16, d = 24, taps scaled by 0.05 (|f̂| ~ 1e-30: every step rounds away);
    * tied_stall: delta filters (tied), n = 8, d = 4, ŷ_0 = -n sign(x̂_0) (wrong-signed, X3(c));
    * smallest_frequency_stall: CN, fan-in n = 16, d = 4, x̂_(n/2) scaled by 1e-6 (the Nyquist output
      starts smallest and holds the loss, X2);
    * diverged: fan-in, n = 16, d = 4, eta = 10;
    * still_falling: fan-in, n = 16, d = 4, eta = 0.01, 40 steps (far from converged, falling).
    """
    out = []
    n = 16
    x, y = cn_depth.problem(n, seed)

    def one(cause, xx, yy, filters, eta, normalized, steps):
        res = _run(xx, yy, filters, normalized, eta, steps, 1e-3)
        out.append({"cause": cause, "x": xx, "y": yy, "start": filters, "res": res, "eta": eta,
                    "normalized": normalized})  # fmt: skip

    small = [0.05 * a for a in random_channel_filters(n, 24, 1, trials=1, seed=seed + 1)]
    one("vanished", x, y, small, 1e-3, False, 50)
    n8 = 8
    x8, y8 = cn_depth.problem(n8, seed)
    y8 = y8 - y8.mean() - np.sign(x8.sum())
    delta = [np.zeros((1, 1, 1, n8)) for _ in range(4)]
    for a in delta:
        a[..., 0] = 1.0
    one("tied_stall", x8, y8, delta, 0.02, False, 3000)
    xh = np.fft.rfft(x)
    xh[-1] *= 1e-6
    one("smallest_frequency_stall", np.fft.irfft(xh, n=n), y, random_channel_filters(n, 4, 1, trials=1, seed=seed + 2),
        0.01, True, 3000)  # fmt: skip
    f4 = random_channel_filters(n, 4, 1, trials=1, seed=seed + 3)
    one("diverged", x, y, f4, 10.0, False, 200)
    one("still_falling", x, y, f4, 0.01, False, 40)
    return out
