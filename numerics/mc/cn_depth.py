"""X2: how many GD steps CN needs at depth (beyond the paper), measured honestly.

For each depth d the step size is tuned on the draws themselves, on the grid
eta_j = 10^(j/2) (0.1, 0.0316, 0.01, ...), extended one point at a time until the best
step is interior (or ``max_extend`` extensions are spent: then ``eta_interior`` is False).
The best step is the one with the smallest median step count, a run that did not reach
``tol * L_0`` within ``max_iter`` steps counting as infinitely slow (never as converged);
ties (e.g. no step gives a finite median) are broken by the larger converged fraction,
then by the smaller median final loss ratio.

Variants: ``cn`` (one GD core ``simulate_gd(normalized=True)``), ``plain`` (no CN),
``cn_rescaled`` (CN with the step of layer i rescaled by ||c_i||^2, a constant step on
the sphere; ``layer_step="norm2"`` of the GD core), and width k >= 2 CN through
``simulate_gd_channels``.

``depth_fits`` fits log(steps) = a + b g(d) for g = ln d (power law), d (exponential) and
sqrt(d) (the spread law, see docs/derivations.md X2) by maximum likelihood with right
censoring at max_iter (a Tobit model: the runs that never converge stay in the fit as
"slower than max_iter"), and reports b, its standard error (inverse observed information)
and the AIC of each. ``stall_state`` gives the exact per-frequency state of stalled runs.

The cells (setting, depth, grid point) run through the one runner,
``numerics.store.cells.run_cells`` (experiment ``"X2"``), in rounds: each round holds the
cells every setting's tuning needs next, so the settings run side by side on a Dask cluster
and the rows equal those of tuning each setting alone. Run the full measurement (resumable:
finished cells stay in the cell store, so an interrupted run recomputes nothing it has
finished)::

    nice -n 10 python -m numerics.mc.cn_depth --store proofs_check_cells.sqlite [--dask local]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Generator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import optimize

from numerics.gd.channel_gd import simulate_gd_channels
from numerics.gd.simulate import FourierGD, abs2, half_weights, random_filters, simulate_gd
from numerics.hp.channels import random_channel_filters
from numerics.store.cells import DEFAULT_STORE, CellStore, run_cells, session
from numerics.store.files import write_text
from theory.validation import check_choice, check_int, check_real

VARIANTS = ("cn", "plain", "cn_rescaled")
DEPTHS_FULL = (2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128)
DEPTHS_QUICK = (2, 3, 4, 6, 8, 12, 16)
LAWS = {"power": np.log, "exponential": lambda d: np.asarray(d, float), "sqrt": np.sqrt}


def eta_of(j: int) -> float:
    """The grid point eta_j = 10^(j/2): j = -2 is 0.1, j = -3 is 0.0316..., j = -4 is 0.01."""
    return float(10.0 ** (j / 2))


@dataclass(frozen=True)
class Setting:
    """One curve of X2: signal length n, width k, variant, draws, budget and tolerance."""

    n: int = 16
    k: int = 1
    variant: str = "cn"
    draws: int = 16
    max_iter: int = 5000
    tol: float = 1e-3
    seed: int = 0

    def __post_init__(self) -> None:
        check_choice(self.variant, "variant", VARIANTS)
        if self.k != 1 and self.variant != "cn":
            raise ValueError(f"width k >= 2 is measured with variant 'cn' only, got {self.variant!r}")
        for name, low in (("n", 2), ("k", 1), ("draws", 1), ("max_iter", 1)):
            object.__setattr__(self, name, check_int(getattr(self, name), name, low))
        check_real(self.tol, "tol", 0, 1, lo_open=True)

    def label(self) -> str:
        return f"n={self.n}, k={self.k}, {self.variant}"


def problem(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """x, y ~ N(0, I) (the setting of C7, M5 and ``training_curves``)."""
    rng = np.random.default_rng([seed, n])
    return rng.normal(size=n), rng.normal(size=n)


def draws_filters(s: Setting, d: int):
    """The s.draws initializations at depth d (fan-in, sigma^2 = 1/n): the same for every
    variant and step size, so the variants are compared on the same draws."""
    if s.k == 1:
        return random_filters(s.draws, d, s.n, seed=s.seed + 1000 * d + s.n)
    return random_channel_filters(s.n, d, s.k, trials=s.draws, seed=s.seed + 1000 * d + s.n)


def run_cell(s: Setting, d: int, j: int) -> dict:
    """GD at depth d and step eta_j on every draw: per-draw steps (-1: not converged),
    stop codes and final loss ratios (deterministic: no timings)."""
    x, y = problem(s.n, s.seed)
    f = draws_filters(s, d)
    eta = eta_of(j)
    with np.errstate(all="ignore"):
        if s.k > 1:
            r = simulate_gd_channels(x, y, f, eta=eta, normalized=True, max_iter=s.max_iter, tol=s.tol)
        else:
            extra = {"layer_step": "norm2"} if s.variant == "cn_rescaled" else {}
            r = simulate_gd(
                x, y, f, eta=eta, normalized=s.variant != "plain", max_iter=s.max_iter, tol=s.tol, **extra
            )
    ratio = r.final_loss / r.initial_loss
    return {
        "iterations": [int(v) for v in r.iterations],
        "converged": [bool(v) for v in r.converged],
        "diverged": int(r.diverged.sum()),
        "underflowed": int(r.underflowed.sum()),
        "final_ratio": [float(v) if math.isfinite(v) else None for v in ratio],
    }


#: The experiment name of X2's cells in the cell store.
EXPERIMENT = "X2"


def cell_params(s: Setting, d: int, j: int) -> dict:
    """The parameters of one X2 cell: the setting, the depth and the grid point."""
    return {**asdict(s), "depth": d, "j": j}


def x2_cell(params: dict) -> dict:
    """The runner's cell of X2: ``run_cell`` of the setting, depth and grid point in ``params``."""
    s = Setting(**{k: params[k] for k in Setting.__dataclass_fields__})
    return run_cell(s, params["depth"], params["j"])


def _rank_key(cell: dict) -> tuple[float, float, float]:
    its = np.array([i if c else np.inf for i, c in zip(cell["iterations"], cell["converged"])], float)
    ratios = np.array([np.inf if r is None else r for r in cell["final_ratio"]])
    return float(np.median(its)), -float(np.mean(cell["converged"])), float(np.median(ratios))


Request = list[dict]


def _tuning(s: Setting, d: int, start: int, max_extend: int) -> Generator[Request, list[dict], dict]:
    """The step tuning at depth d as a generator: it yields the cells it needs next (their
    params), is sent their results, and returns the X2 row of this depth. Start from
    eta_{start-1..start+1}, extend the grid until the best step is interior or ``max_extend``
    points were added."""
    js = [start - 1, start, start + 1]
    tried = dict(zip(js, (yield [cell_params(s, d, j) for j in js])))
    extensions = 0
    while True:
        best = min(tried, key=lambda j: (_rank_key(tried[j]), -j))
        if min(tried) < best < max(tried) or extensions >= max_extend:
            break
        nxt = best - 1 if best == min(tried) else best + 1
        tried[nxt] = (yield [cell_params(s, d, nxt)])[0]
        extensions += 1
    c = tried[best]
    conv = np.array(c["converged"])
    its = np.array(c["iterations"])
    med, _, med_ratio = _rank_key(c)
    return {
        "depth": d,
        "median_steps": med if math.isfinite(med) else None,
        "best_eta": eta_of(best),
        "best_j": best,
        "eta_interior": bool(min(tried) < best < max(tried)),
        "converged_fraction": float(conv.mean()),
        "never_converged": int((~conv).sum()),
        "diverged": c["diverged"],
        "underflowed": c["underflowed"],
        "median_final_ratio": med_ratio,
        "etas_tried": [eta_of(j) for j in sorted(tried)],
        "max_extend": max_extend,
        "iterations": [int(i) for i in its],
        "converged": [bool(v) for v in conv],
    }


def _setting_rows(
    s: Setting, depths: Sequence[int], stop_when_none: bool
) -> Generator[Request, list[dict], list[dict]]:
    """X2 rows for every depth (a generator like ``_tuning``); the start of each depth's grid is
    the previous best. ``stop_when_none``: stop after the first depth where no draw converges."""
    rows, start = [], -5
    for d in depths:
        row = yield from _tuning(s, d, start, 5)
        rows.append(row)
        start = row["best_j"]
        if stop_when_none and row["converged_fraction"] == 0:
            break
    return rows


def _drive(gens: Sequence[Generator], store: Any, dask: Any, progress: bool) -> list:
    """Run measurement generators to the end in rounds: each round, the cells every unfinished
    generator asks for go to ``run_cells`` as one batch (so independent settings run side by
    side on a cluster); the results go back to their generators. The rows are those of running
    each generator alone: a generator sees only its own cells' results."""
    out: list = [None] * len(gens)
    asks: dict[int, Request] = {}

    def advance(i: int, sent: list[dict] | None) -> None:
        try:
            asks[i] = next(gens[i]) if sent is None else gens[i].send(sent)
        except StopIteration as stop:
            out[i] = stop.value

    for i in range(len(gens)):
        advance(i, None)
    with session(store, dask) as (db, client):
        while asks:
            batch = [p for req in asks.values() for p in req]
            results = run_cells(
                EXPERIMENT,
                x2_cell,
                batch,
                store=db,
                dask=client,
                progress=progress,
                label=lambda p: (
                    f"n={p['n']}, k={p['k']}, {p['variant']}, d={p['depth']}, eta={eta_of(p['j']):.3g}"
                ),
            )
            current, asks, at = asks, {}, 0
            for i, req in current.items():
                advance(i, results[at : at + len(req)])
                at += len(req)
    return out


def tune_depth(
    s: Setting,
    d: int,
    store: str | CellStore | None = None,
    *,
    dask: Any = None,
    start: int = -5,
    max_extend: int = 5,
    progress: bool = False,
) -> dict:
    """The X2 row of depth d, eta tuned from ``start`` (see ``_tuning``); cells through ``run_cells``."""
    return _drive([_tuning(s, d, start, max_extend)], store, dask, progress)[0]


def measure_setting(
    s: Setting,
    depths: Sequence[int],
    store: str | CellStore | None = None,
    *,
    dask: Any = None,
    stop_when_none: bool = False,
    progress: bool = False,
) -> list[dict]:
    """X2 rows for every depth (see ``_setting_rows``); cells through ``run_cells``."""
    return _drive([_setting_rows(s, depths, stop_when_none)], store, dask, progress)[0]


def measure_settings(
    settings: Sequence[tuple[Setting, Sequence[int], bool]],
    store: str | CellStore | None = None,
    *,
    dask: Any = None,
    progress: bool = True,
) -> list[list[dict]]:
    """``measure_setting`` of every (setting, depths, stop_when_none), the settings side by side."""
    return _drive([_setting_rows(s, depths, stop) for s, depths, stop in settings], store, dask, progress)


# ------------------------------------------------------------------------------ fits
@dataclass(frozen=True)
class LawFit:
    """log(steps) = a + b g(d) + sigma eps, censored at max_iter; b's standard error from
    the inverse observed information; aic = 2*3 - 2 log L."""

    law: str
    a: float
    b: float
    b_stderr: float
    sigma: float
    log_likelihood: float
    aic: float
    draws: int
    censored: int

    def predict(self, d: float) -> float:
        return float(np.exp(self.a + self.b * LAWS[self.law](d)))


def _nll(theta: np.ndarray, g: np.ndarray, obs: np.ndarray, censored: np.ndarray) -> float:
    a, b, log_sigma = theta
    sigma = math.exp(log_sigma)
    z = (obs - a - b * g) / sigma
    from scipy import stats  # lazy: scipy.stats is slow to import and the CLI should start fast

    ll = np.where(censored, stats.norm.logsf(z), stats.norm.logpdf(z) - log_sigma)
    return -float(ll.sum())


def _hessian(fun, theta: np.ndarray, h: float = 1e-4) -> np.ndarray:
    k = len(theta)
    H = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            e_i, e_j = np.eye(k)[i] * h, np.eye(k)[j] * h
            H[i, j] = (
                fun(theta + e_i + e_j)
                - fun(theta + e_i - e_j)
                - fun(theta - e_i + e_j)
                + fun(theta - e_i - e_j)
            ) / (4 * h * h)
    return H


def censored_fit(rows: Sequence[dict], max_iter: int, law: str) -> LawFit:
    """Maximum-likelihood fit of one law to every draw of ``rows`` at its tuned step."""
    g, obs, cens = [], [], []
    for r in rows:
        for i, c in zip(r["iterations"], r["converged"]):
            g.append(LAWS[law](r["depth"]))
            obs.append(math.log(max(i, 1)) if c else math.log(max_iter + 1))
            cens.append(not c)
    g, obs, cens = np.array(g, float), np.array(obs), np.array(cens)
    if (~cens).sum() < 3:
        raise ValueError("censored_fit needs at least 3 converged draws")
    A = np.vstack([np.ones_like(g), g]).T
    a0, b0 = np.linalg.lstsq(A, obs, rcond=None)[0]
    res = optimize.minimize(
        _nll, [a0, b0, math.log(max(np.std(obs), 0.1))], args=(g, obs, cens), method="Nelder-Mead",
        options={"xatol": 1e-9, "fatol": 1e-10, "maxiter": 20000, "maxfev": 40000},
    )  # fmt: skip
    theta = res.x
    H = _hessian(lambda t: _nll(t, g, obs, cens), theta)
    try:
        cov = np.linalg.inv(H)
        se = float(math.sqrt(cov[1, 1])) if cov[1, 1] > 0 else math.nan
    except np.linalg.LinAlgError:
        se = math.nan
    ll = -float(res.fun)
    return LawFit(
        law, float(theta[0]), float(theta[1]), se, math.exp(theta[2]), ll, 6 - 2 * ll, len(g), int(cens.sum())
    )


def median_fit(rows: Sequence[dict], law: str) -> dict:
    """Least squares of ln(median steps) on g(d) over the depths with a finite median (an
    independent, simpler fit): slope, its standard error, RMS residual."""
    pts = [(LAWS[law](r["depth"]), math.log(r["median_steps"])) for r in rows if r["median_steps"]]
    if len(pts) < 3:
        return {"law": law, "points": len(pts)}
    g, v = np.array(pts).T
    from scipy import stats

    fit = stats.linregress(g, v)
    resid = v - (fit.intercept + fit.slope * g)
    return {
        "law": law,
        "points": len(pts),
        "slope": float(fit.slope),
        "slope_stderr": float(fit.stderr),
        "intercept": float(fit.intercept),
        "rms_residual": float(np.sqrt(np.mean(resid**2))),
    }


def depth_fits(rows: Sequence[dict], max_iter: int) -> dict:
    """Both fits per law and the verdict: the law with the smallest AIC of the censored fit."""
    out = {}
    for law in LAWS:
        try:
            out[law] = {**asdict(censored_fit(rows, max_iter, law)), "median_fit": median_fit(rows, law)}
        except ValueError as err:
            out[law] = {"law": law, "error": str(err)}
    aics = {k: v["aic"] for k, v in out.items() if "aic" in v}
    out["best_law"] = min(aics, key=aics.get) if aics else None
    return out


# ------------------------------------------------------------------------------ stalls
def stall_state(x: np.ndarray, y: np.ndarray, filters: np.ndarray, *, eta: float, steps: int) -> dict:
    """Run CN GD (the phase-free state ``FourierGD``, exact to rounding) for ``steps`` steps and
    return, per draw, the loss ratio L_k/L_0, each frequency's share of the remaining loss
    (w = 0..n/2; conjugate pairs counted twice), and at w = n/2 (n even) whether the output
    has the target's sign and ``nyquist_output_ratio`` = ô_{n/2}/ŷ_{n/2}; also ``rel0`` = |f̂_w(0)|/max_w |f̂_w(0)| at the start."""
    n = filters.shape[-1]
    with np.errstate(all="ignore"):
        state = FourierGD(np.asarray(filters, float), x, y, True)
        rel0 = np.abs(state.f_hat) / np.abs(state.f_hat[:, 1:]).max(-1, keepdims=True)
        l0 = state.loss.copy()
        for _ in range(steps):
            state.step(eta, 0.0)
    w = half_weights(n)
    s = np.sqrt((w[1:] * abs2(state.f_hat[:, 1:])).sum(-1) / n)
    o = (state.head.gain * math.sqrt(n) / s)[:, None] * state.f_hat
    o[:, 0] = n * state.head.bias
    per_w = w * abs2(state.y_hat - o) / (2 * n)
    share = per_w / per_w.sum(-1, keepdims=True)
    out = {"ratio": state.loss / l0, "share": share, "rel0": rel0}
    if n % 2 == 0:
        out["nyquist_share"] = share[:, -1]
        out["nyquist_sign_right"] = np.sign(o[:, -1].real) == np.sign(state.y_hat[-1].real)
        out["nyquist_output_ratio"] = o[:, -1].real / state.y_hat[-1].real
    return out


def stall_times(x: np.ndarray, y: np.ndarray, filters: np.ndarray) -> np.ndarray:
    """Per draw and frequency w = 1..n/2 the gradient-flow time a small output frequency
    needs to grow under CN, from the start (docs/derivations.md X2):

        tau_w = s / (sqrt(n) |ŷ_w| S_w |f̂_w|),   S_w = sum_i 1/|ĉ_{i,w}|^2,  s = ||Pz||,

    the time in which d|f̂_w|/dt = S_w |f̂_w|^2 sqrt(n)|ŷ_w|/s (the C5 step at gain 1 while
    |f̂_w| << s) blows up. Shape (draws, n//2). Assumes the rest of the spectrum keeps s and
    the gain of order their start, and ignores the sign (a wrong sign is slower still)."""
    n = x.size
    w = half_weights(n)
    c_hat = np.fft.rfft(np.asarray(filters, float), axis=-1)
    f_hat = np.fft.rfft(x) * np.prod(c_hat, axis=1)
    s = np.sqrt((w[1:] * abs2(f_hat[:, 1:])).sum(-1) / n)
    S = (1.0 / abs2(c_hat)).sum(1)[:, 1:]
    y_hat = np.abs(np.fft.rfft(y))[1:]
    with np.errstate(divide="ignore"):
        return s[:, None] / (math.sqrt(n) * y_hat * S * np.abs(f_hat[:, 1:]))


def law_check(s: Setting, rows: Sequence[dict]) -> dict:
    """Does tau_max / eta (``stall_times`` at the start, the tuned eta) predict the measured steps?
    Over every draw of ``rows``: the least-squares slope of ln(steps) on ln(tau_max/eta) for the
    converged draws, Spearman's rank correlation over all draws (non-converged ranked last), and
    how often "tau_max/eta > max_iter" agrees with "did not converge"."""
    x, y = problem(s.n, s.seed)
    pred, its, conv = [], [], []
    for r in rows:
        tau = stall_times(x, y, draws_filters(s, r["depth"])).max(-1)
        pred += list(np.log(tau / r["best_eta"]))
        its += r["iterations"]
        conv += r["converged"]
    from scipy import stats

    pred, conv = np.array(pred), np.array(conv)
    steps = np.where(conv, np.maximum(np.array(its), 1), np.inf)
    out = {"draws": int(len(pred)), "converged": int(conv.sum())}
    if conv.sum() >= 3:
        fit = stats.linregress(pred[conv], np.log(steps[conv]))
        out.update(slope=float(fit.slope), slope_stderr=float(fit.stderr), intercept=float(fit.intercept))
    out["spearman"] = float(stats.spearmanr(pred, np.where(conv, np.log(steps), 1e300)).statistic)
    predicted_stall = pred > math.log(s.max_iter)
    out["agree"] = int(np.sum(predicted_stall == ~conv))
    out["predicted_stall"] = int(predicted_stall.sum())
    return out


def stall_time_growth(n: int, depths: Sequence[int], draws: int = 400, seed: int = 0) -> np.ndarray:
    """Median over ``draws`` initializations of ln max_w tau_w (``stall_times``) per depth.

    Leading order (docs/derivations.md X2): ln tau_max ~ (ln 2 / 2) d with a Nyquist frequency
    (n even: the real frequency's T7 constant -(gamma_E + ln 2)/2 against the complex -gamma_E/2),
    and ~ (pi / sqrt(24)) E[range of (n-1)/2 standard normals] sqrt(d) without (n odd)."""
    x, y = problem(n, seed)
    return np.array(
        [
            float(np.median(np.log(stall_times(x, y, random_filters(draws, d, n, seed=seed + d)).max(-1))))
            for d in depths
        ]
    )


def expected_normal_range(m: int) -> float:
    """E[max - min] of m iid standard normals, 2 * integral of x m phi(x) Phi(x)^(m-1) (quadrature)."""
    from scipy import integrate, stats

    val, _ = integrate.quad(lambda t: t * m * stats.norm.pdf(t) * stats.norm.cdf(t) ** (m - 1), -12, 12)
    return 2 * val


# ------------------------------------------------------------------------------ CLI
def full_settings(draws: int = 16, max_iter: int = 100_000) -> list[tuple[Setting, tuple[int, ...], bool]]:
    """(setting, depths, stop_when_none) of the full X2 measurement."""
    return [
        (Setting(16, 1, "cn", draws, max_iter), DEPTHS_FULL, False),
        (Setting(15, 1, "cn", draws, max_iter), DEPTHS_FULL, False),
        (Setting(16, 1, "plain", draws, max_iter), DEPTHS_FULL, True),
        (Setting(16, 1, "cn_rescaled", draws, max_iter), DEPTHS_FULL, False),
        (Setting(16, 2, "cn", draws, max_iter // 10), (2, 4, 8, 16, 32, 64, 128), False),
        (Setting(16, 4, "cn", draws, max_iter // 10), (2, 4, 8, 16, 32, 64, 128), False),
    ]


def summarize(
    settings, store: str | CellStore | None = None, *, dask: Any = None, progress: bool = True
) -> dict:
    out = {}
    for (s, _, _), rows in zip(settings, measure_settings(settings, store, dask=dask, progress=progress)):
        out[s.label()] = {"setting": asdict(s), "rows": rows, "fits": depth_fits(rows, s.max_iter)}
    return out


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m numerics.mc.cn_depth", description=__doc__.split("\n")[0])
    p.add_argument(
        "--store", default=DEFAULT_STORE, help=f"the SQLite cell store, resumable (default {DEFAULT_STORE})"
    )
    p.add_argument("--dask", default=None, help="run the cells on Dask: 'local' or a scheduler address")
    p.add_argument("--out", default=None, help="write the summary JSON here (default: stdout)")
    p.add_argument("--draws", type=int, default=16)
    p.add_argument("--max-iter", type=int, default=100_000)
    p.add_argument(
        "--only", default=None, help="comma-separated variants and widths to run, e.g. cn,plain or k2,k4"
    )
    p.add_argument("--n", type=int, default=None, help="only the settings with this signal length")
    p.add_argument("--max-depth", type=int, default=None, help="only depths up to this one")
    args = p.parse_args(argv)
    if args.draws < 1 or args.max_iter < 1:
        print("cn_depth: --draws and --max-iter must be >= 1", file=sys.stderr)
        return 2
    settings = full_settings(args.draws, args.max_iter)
    if args.only:
        keep = set(args.only.split(","))
        settings = [t for t in settings if (t[0].k == 1 and t[0].variant in keep) or f"k{t[0].k}" in keep]
    if args.n is not None:
        settings = [t for t in settings if t[0].n == args.n]
    if args.max_depth is not None:
        settings = [
            (s, tuple(d for d in depths if d <= args.max_depth), stop) for s, depths, stop in settings
        ]
    t0 = time.perf_counter()
    try:
        summary = summarize(settings, args.store, dask=args.dask)
    except ValueError as err:  # a store that is not one, a scheduler that does not answer
        print(f"cn_depth: {err}", file=sys.stderr)
        return 2
    summary["wall_seconds"] = time.perf_counter() - t0
    text = json.dumps(summary, indent=1)
    write_text(args.out or "-", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
