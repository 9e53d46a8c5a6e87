"""Vectorized gradient descent on width-k CNNs (the width-k theory), plain, ReLU and layerwise CN.

The state is exact and lives in the Fourier domain (M1): per trial, layer and frequency
w = 0..n/2 the k_i x k_{i-1} matrix Ĉ_i(w). GD on the time-domain taps is GD on these
matrices, because the DFT is linear and the DFT of grad_{c_i[a,b]} L is ê_i[a] conj(ẑ_{i-1}[b])
with ê_i = DFT of dL/dv_i (M1). One step:

    forward   v̂_i = Ĉ_i ẑ_{i-1};  ReLU (hidden layers, optional) in the time domain;
              CN (optional, every layer, the output included):
              ẑ_i = gain sqrt(n) P r̂/s + n bias [w = 0],  s = ||P r||;
    backward  ê = f̂ - ŷ at the output; through CN: d gain = <e, sqrt(n) û>, d bias = ê_0,
              ê <- (gain sqrt(n)/s)(ê - <û, e> û) off w = 0 (M3); ReLU: multiply by 1[v > 0]
              in the time domain; grad Ĉ_i[a,b] = ê[a] conj(ẑ_{i-1}[b]); ê <- Ĉ_i^H ê;
    update    (momentum) GD on Ĉ_i, gains and biases with the same eta and momentum.

Inner products use Parseval with the half-spectrum weights. Every trial stops by the one
rule of ``numerics.gd.status`` under the driver of ``numerics.gd.core``, with small = (a
layer's activations of norm in (0, 1e-290), a CN channel's ||P r||^2 below the smallest
normal float64 (0 included: CN's 0/0), or for linear networks |f̂_w| < 1e-290 at a frequency
where x̂_w != 0) and overflow = (a CN channel's ||P r||^2 = inf).

``simulate_gd_channels`` runs width-1 linear networks in ``simulate_gd``'s phase-free kernel
(the fast path), wider linear networks (with or without CN) in the compiled kernel of
``numerics.gd.compiled_channels`` (the same step, to rounding), ReLU networks here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numerics.gd import core
from numerics.gd.compiled import Options, Target
from numerics.gd.core import GDResult, abs2, half_weights
from numerics.gd.simulate import FourierGD, phase_free, zero_spectrum
from numerics.gd.status import TINY, UNDERFLOW
from numerics.hp.channels import random_channel_filters


class ChannelGD:
    """Exact Fourier-domain state of GD on one batch of width-k networks."""

    def __init__(self, filters: list[np.ndarray], x: np.ndarray, y: np.ndarray, normalized: bool, relu: bool):
        self.n = filters[0].shape[-1]
        self.d = len(filters)
        self.normalized, self.relu = normalized, relu
        self.mult = half_weights(self.n)
        self.c_hat = [np.fft.rfft(f, axis=-1) for f in filters]  # (T, k_out, k_in, F)
        self.v_c = [np.zeros_like(c) for c in self.c_hat]
        trials = filters[0].shape[0]
        self.x_hat, self.y_hat = np.fft.rfft(x), np.fft.rfft(y)
        if normalized:
            self.gains = [np.ones((trials, c.shape[1])) for c in self.c_hat]
            self.biases = [np.zeros((trials, c.shape[1])) for c in self.c_hat]
            self.v_g = [np.zeros_like(g) for g in self.gains]
            self.v_b = [np.zeros_like(g) for g in self.gains]
        self.evaluate()

    # ------------------------------------------------------------------ helpers
    def inner(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """<a, b> of real signals from half spectra (last axis): (1/n) sum_w m_w Re(â conj b̂)."""
        return (self.mult * (a * np.conj(b)).real).sum(-1) / self.n

    def to_time(self, a: np.ndarray) -> np.ndarray:
        return np.fft.irfft(a, n=self.n, axis=-1)

    # ------------------------------------------------------------ forward/backward
    def evaluate(self) -> None:
        """Loss, output, every gradient and the underflow flags at the current state."""
        n, d = self.n, self.d
        trials = self.c_hat[0].shape[0]
        z = np.broadcast_to(self.x_hat, (trials, 1, len(self.mult))).astype(complex)
        cache = []
        self.small, self.overflow = np.zeros(trials, bool), np.zeros(trials, bool)
        with np.errstate(all="ignore"):
            for i in range(d):
                v = np.einsum("tabw,tbw->taw", self.c_hat[i], z)
                size = np.sqrt(self.inner(v, v).sum(-1))
                self.small |= (size > 0) & (size < UNDERFLOW)
                mask = None
                r = v
                if self.relu and i < d - 1:
                    vt = self.to_time(v)
                    mask = vt > 0
                    r = np.fft.rfft(vt * mask, axis=-1)
                entry = {"z_in": z, "mask": mask}
                if self.normalized:
                    s2 = self._centered_sq(r)
                    self.small |= (s2 < TINY).any(-1)  # CN's 1/s lost (0/0 at s = 0)
                    self.overflow |= (s2 == np.inf).any(-1)
                    s = np.sqrt(s2)
                    u = r / s[..., None]
                    u[..., 0] = 0.0
                    z = self.gains[i][..., None] * np.sqrt(n) * u
                    z[..., 0] = n * self.biases[i]
                    entry.update(s=s, u=u)
                else:
                    z = r
                cache.append(entry)
            self.f_hat = z[:, 0, :]
            if not self.normalized and not self.relu:  # a tiny product of nonzero factors
                live = np.abs(self.x_hat) > 0
                exact_zero = np.zeros(self.f_hat.shape, bool)
                for c in self.c_hat:
                    exact_zero |= (c == 0).all((1, 2))
                self.small |= ((np.abs(self.f_hat) < UNDERFLOW) & live & ~exact_zero).any(-1)
            err = self.f_hat - self.y_hat
            self.loss = (self.mult * abs2(err)).sum(-1) / (2 * n)
            e = err[:, None, :]
            self.grad_c: list[Any] = [None] * d
            self.grad_g: list[Any] = [None] * d
            self.grad_b: list[Any] = [None] * d
            for i in range(d - 1, -1, -1):
                entry = cache[i]
                if self.normalized:
                    u, s = entry["u"], entry["s"]
                    self.grad_g[i] = np.sqrt(n) * self.inner(e, u)
                    self.grad_b[i] = e[..., 0].real
                    proj = self.inner(u, e)
                    e = (self.gains[i] * np.sqrt(n) / s)[..., None] * (e - proj[..., None] * u)
                    e[..., 0] = 0.0
                if entry["mask"] is not None:
                    e = np.fft.rfft(self.to_time(e) * entry["mask"], axis=-1)
                self.grad_c[i] = e[:, :, None, :] * np.conj(entry["z_in"][:, None, :, :])
                if i > 0:
                    e = np.einsum("tabw,taw->tbw", np.conj(self.c_hat[i]), e)

    def _centered_sq(self, r: np.ndarray) -> np.ndarray:
        """||P r||^2 per channel: (1/n) sum_{w != 0} m_w |r̂_w|^2."""
        return (self.mult[1:] * abs2(r[..., 1:])).sum(-1) / self.n

    def step(self, eta: float, mu: float, norm2: bool = False) -> None:
        """One (momentum) GD step; with ``norm2`` layer i steps with eta ||C_i||^2."""
        etas = [eta * r.sum(-1)[:, None, None, None] for r in self.row_norm_sq()] if norm2 else [eta] * self.d
        for i in range(self.d):
            self.v_c[i] = mu * self.v_c[i] - etas[i] * self.grad_c[i]
            self.c_hat[i] = self.c_hat[i] + self.v_c[i]
            if self.normalized:
                self.v_g[i] = mu * self.v_g[i] - eta * self.grad_g[i]
                self.v_b[i] = mu * self.v_b[i] - eta * self.grad_b[i]
                self.gains[i] = self.gains[i] + self.v_g[i]
                self.biases[i] = self.biases[i] + self.v_b[i]
        self.evaluate()

    def take(self, idx: np.ndarray) -> None:
        for name in ("c_hat", "v_c", "grad_c") + (
            ("gains", "biases", "v_g", "v_b", "grad_g", "grad_b") if self.normalized else ()
        ):
            setattr(self, name, [a[idx] for a in getattr(self, name)])
        self.f_hat, self.loss = self.f_hat[idx], self.loss[idx]
        self.small, self.overflow = self.small[idx], self.overflow[idx]

    def snapshot(self) -> dict[str, list[np.ndarray]]:
        """What ``simulate_gd_channels`` keeps of a trial that stops: filters (gains, biases)."""
        snap = {"filters": self.filters()}
        if self.normalized:
            snap.update(gains=self.gains, biases=self.biases)
        return snap

    # --------------------------------------------------------------------- views
    def grad_norms(self) -> np.ndarray:
        """||grad_{C_i} L|| over all taps of layer i, (trials, d)."""
        return np.stack([np.sqrt((self.mult * abs2(g)).sum((-3, -2, -1)) / self.n) for g in self.grad_c], -1)

    def row_grad_sq(self) -> list[np.ndarray]:
        """||grad_{c_i[a,:]} L||^2 per row, list of (trials, k_i)."""
        return [(self.mult * abs2(g)).sum((-2, -1)) / self.n for g in self.grad_c]

    def row_norm_sq(self) -> list[np.ndarray]:
        """||c_i[a,:]||^2 per row, list of (trials, k_i)."""
        return [(self.mult * abs2(c)).sum((-2, -1)) / self.n for c in self.c_hat]

    def filter_norms(self) -> np.ndarray:
        return np.stack([np.sqrt(r.sum(-1)) for r in self.row_norm_sq()], -1)

    def filters(self) -> list[np.ndarray]:
        """The time-domain taps, layer i of shape (trials, k_i, k_{i-1}, n)."""
        return [self.to_time(c) for c in self.c_hat]


def simulate_gd_channels(
    x: Any,
    y: Any,
    filters: Any,
    *,
    eta: float,
    normalized: bool = False,
    relu: bool = False,
    max_iter: int = 10000,
    tol: float | np.ndarray = 1e-3,
    momentum: float = 0.0,
    record: bool = False,
    record_points: int = 40,
    diverge_factor: float = 1e8,
    method: str = "auto",
    layer_step: str = "constant",
    threads: int | None = None,
) -> GDResult:
    """GD with constant step ``eta`` on every trial of a width-k network at once.

    ``filters``: d arrays, layer i of shape (trials, k_i, k_{i-1}, n) (or (k_i, k_{i-1}, n)
    for one trial), e.g. ``random_channel_filters(n, d, k, trials=T)``. ``normalized``: CN
    after every convolution (the output included), gains (start 1) and biases (start 0)
    trained by the same GD; ``relu``: ReLU after every hidden convolution, before its CN.
    Returns ``GDResult`` (``iterations`` = first step with loss <= tol * loss_0, -1 if none;
    the states and stopping rule of ``numerics.gd.status``); ``extra`` holds each trial's
    final ``filters`` (and ``gains``, ``biases`` with CN) as they were when it stopped.

    ``method``: "compiled" runs each trial alone in a numba kernel on ``threads`` threads
    (default: every core; the numbers do not depend on it): at width 1 (every k_i = 1) the
    phase-free kernel of ``simulate_gd`` (the fast path: the numbers are ``simulate_gd``'s),
    else ``numerics.gd.compiled_channels`` (linear networks, with or without CN; no ReLU);
    "numpy" the trial-vectorized ``ChannelGD``; "auto" (the default) takes "compiled" where
    it applies. At width 1 layerwise CN is output CN: a hidden layer's gain and bias do not
    change the output (the next CN removes scale and mean), so their gradients are 0. All
    paths give the same numbers to rounding (``tests/numerics/gd/test_channels_compiled.py``,
    ``test_width_one.py``). ``layer_step``: "constant" (eta for every layer) or "norm2" (layer
    i steps with eta ||C_i||^2, the sum of its squared taps at the current step; X2).
    """
    from theory.validation import simulate_gd_channels_arguments

    layers, ks, x, y, eta, max_iter, tol, momentum, threads = simulate_gd_channels_arguments(**locals())
    trials, d, n = layers[0].shape[0], len(layers), len(x)
    if normalized and not np.any(np.abs(np.fft.rfft(x)[1:]) > 0):
        raise ValueError("x is constant: with CN the centered output Pz is 0 for every filter (0/0)")
    opt = Options(
        float(n), eta, momentum, layer_step == "norm2", normalized, float(diverge_factor), max_iter, False
    )
    rec_steps = core.log_steps(max_iter, record_points) if record else np.array([], np.int64)
    phase_free_start = max(ks) == 1 and not relu and zero_spectrum(_stacked(layers)) is None
    if method == "numpy" or relu:
        with np.errstate(all="ignore"):
            if phase_free_start:  # width 1: the one phase-free step, as the compiled path
                state = FourierGD(_stacked(layers), x, y, normalized, keep_filters=True)
            else:
                state = ChannelGD(layers, x, y, normalized, relu)
        return core.run_numpy(state, tol, opt, rec_steps, False, {"path": "numpy"})
    if phase_free_start:
        return _width_one(layers, x, y, tol, opt, rec_steps, threads)
    return _compiled(layers, ks, x, y, tol, opt, rec_steps, threads)


def _stacked(layers: list[np.ndarray]) -> np.ndarray:
    """Width-1 layers (trials, 1, 1, n) as one (trials, d, n) array of filters."""
    return np.concatenate([a[:, 0] for a in layers], axis=1)


def _width_one(layers, x, y, tol, opt, rec_steps, threads) -> GDResult:
    """Width 1: ``simulate_gd``'s phase-free kernel, carrying the filter spectra along."""
    f = _stacked(layers)  # (trials, d, n)
    with np.errstate(all="ignore"):
        state = FourierGD(f, x, y, opt.normalized)
    res = phase_free(state, tol, opt, rec_steps, threads, False, np.fft.rfft(f, axis=-1))
    c_hat = res.extra.pop("c_hat")
    n, d = len(x), f.shape[1]
    res.extra["filters"] = [np.fft.irfft(c_hat[:, i], n=n, axis=-1)[:, None, None, :] for i in range(d)]
    if opt.normalized:  # hidden gains stay 1 and biases 0 (zero gradients); the output's
        gain, bias = res.extra.pop("gain"), res.extra.pop("bias")
        res.extra["gains"] = [np.ones((len(gain), 1)) for _ in range(d - 1)] + [gain[:, None]]
        res.extra["biases"] = [np.zeros((len(bias), 1)) for _ in range(d - 1)] + [bias[:, None]]
    res.extra["path"] = "compiled"
    return res


def _compiled(layers, ks, x, y, tol, opt, rec_steps, threads) -> GDResult:
    """Width k: every trial alone in ``numerics.gd.compiled_channels.channel_gd``."""
    import time

    from numerics.gd import compiled_channels as cc

    t0 = time.perf_counter()
    trials, d, n = layers[0].shape[0], len(layers), len(x)
    c_hat, ks = cc.pad_layers([np.fft.rfft(f, axis=-1) for f in layers])
    start = ((np.ascontiguousarray(c_hat.real), np.ascontiguousarray(c_hat.imag)), ks)
    x_hat, y_hat = np.fft.rfft(x), np.fft.rfft(y)
    target = Target(
        x_hat.real.copy(), x_hat.imag.copy(), y_hat.real.copy(), y_hat.imag.copy(),
        np.abs(x_hat) > 0, half_weights(n), np.ascontiguousarray(tol, float), np.asarray(rec_steps, np.int64),
    )  # fmt: skip
    out = core.new_outputs(trials, d, rec_steps, c_hat.shape, c_hat.shape[:3])
    core.check_compiled_start(cc.channel_gd, start, target, opt, out)
    core.run_compiled(cc.channel_gd, start, target, opt, out, threads or core.all_cores(), False)
    final_c = out.final_re + 1j * out.final_im
    extra: dict[str, Any] = {"path": "compiled"}
    extra["filters"] = [np.fft.irfft(c, n=n, axis=-1) for c in cc.unpad_layers(final_c, ks)]
    if opt.normalized:
        extra.update(
            gains=[out.final_gain[:, i, : ks[i + 1]] for i in range(d)],
            biases=[out.final_bias[:, i, : ks[i + 1]] for i in range(d)],
        )
    return core.compiled_result(out, rec_steps, t0, False, extra)


def init_grad_norms(
    x: Any, y: Any, filters: list[np.ndarray], *, normalized: bool = False, relu: bool = False
) -> np.ndarray:
    """||grad_{C_i} L|| at the given filters (trials, d), float64 (M4's statistic)."""
    from theory.validation import simulate_gd_channels_arguments

    layers, _, x, y, *_ = simulate_gd_channels_arguments(x, y, filters, 1.0, normalized, relu)
    return ChannelGD(layers, x, y, normalized, relu).grad_norms()


# ------------------------------------------------------------- measured tables (M4, M5)
M4_CONFIGS = (
    ("linear", False, False),
    ("linear + CN", True, False),
    ("ReLU", False, True),
    ("ReLU + CN", True, True),
)


def m4_table(depths, trials: int, n: int = 16, seed: int = 0) -> dict:
    """log10 ||grad_{C_1} L|| quantiles (10, 50, 90 %) at fan-in initialization, per (k, config, depth)."""
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(2, n))
    table = {}
    for k in (1, 2, 4, 8):
        for label, normalized, relu in M4_CONFIGS:
            rows = []
            for D in depths:
                f = random_channel_filters(n, D, k, trials=trials, seed=seed + 1000 * k + D)
                g = init_grad_norms(x, y, f, normalized=normalized, relu=relu)[:, 0]
                finite = g[np.isfinite(g) & (g > 0)]
                rows.append(
                    np.quantile(np.log10(finite), [0.1, 0.5, 0.9]) if finite.size else np.full(3, np.nan)
                )
            table[(k, label)] = np.array(rows)
    return table


def m5_table(
    ks, depths, etas, trials: int, max_iter: int, n: int = 16, tol: float = 1e-3, seed: int = 0
) -> dict:
    """Per (k, method, depth): the step size from ``etas`` with the smallest median iteration
    count (non-converged runs count as infinite; ties go to the larger converged fraction, then
    the first in ``etas``), that median, the converged fraction, and under ``runs`` the raw
    outcome of every step tried: eta -> (converged, iterations), per trial."""
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(2, n))
    table = {}
    for k in ks:
        for method, normalized in (("plain", False), ("CN", True)):
            for D in depths:
                f = random_channel_filters(n, D, k, trials=trials, seed=seed + 100 * k + D)
                best, runs = None, {}
                for eta in etas:
                    res = simulate_gd_channels(
                        x, y, f, eta=eta, normalized=normalized, max_iter=max_iter, tol=tol
                    )
                    runs[eta] = (res.converged.copy(), res.iterations.copy())
                    its = np.where(res.converged, res.iterations, np.inf)
                    key = (float(np.median(its)), -float(res.converged.mean()))
                    if best is None or key < best[0]:
                        best = (key, eta, res)
                (med, negfrac), eta, res = best
                table[(k, method, D)] = {
                    "eta": eta,
                    "median_iterations": med,
                    "converged": -negfrac,
                    "diverged": float(res.diverged.mean()),
                    "underflowed": float(res.underflowed.mean()),
                    "runs": runs,
                }
    return table
