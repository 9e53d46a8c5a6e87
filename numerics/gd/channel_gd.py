"""Vectorized gradient descent on width-k CNNs (THEORY section 4), plain, ReLU and layerwise CN.

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

Inner products use Parseval with the half-spectrum weights. Each trial stops at the first
step with loss <= tol * loss_0, or when it diverges (non-finite loss, e.g. a CN channel
that became constant, or loss > diverge_factor * loss_0), or when an activation
underflows (a layer's activations below 1e-290 without being exactly 0, or, for linear
networks, |f̂_w| < 1e-290 at a frequency where x̂_w != 0): float64 cannot follow it, and
it is never counted as converged.

``simulate_gd_channels`` runs linear networks (with or without CN) by default in the compiled
loop of ``numerics.gd.compiled_channels`` (the same step, to rounding), ReLU networks here.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from numerics.gd.simulate import UNDERFLOW, GDResult, abs2, half_weights, log_steps
from numerics.hp.channels import check_channel_filters, random_channel_filters
from theory.validation import check_positive


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
        self.underflow = np.zeros(trials, bool)
        with np.errstate(all="ignore"):
            for i in range(d):
                v = np.einsum("tabw,tbw->taw", self.c_hat[i], z)
                size = np.sqrt(self.inner(v, v).sum(-1))
                self.underflow |= (size > 0) & (size < UNDERFLOW)
                mask = None
                r = v
                if self.relu and i < d - 1:
                    vt = self.to_time(v)
                    mask = vt > 0
                    r = np.fft.rfft(vt * mask, axis=-1)
                entry = {"z_in": z, "mask": mask}
                if self.normalized:
                    s = np.sqrt(self._centered_sq(r))
                    u = r / s[..., None]
                    u[..., 0] = 0.0
                    z = self.gains[i][..., None] * np.sqrt(n) * u
                    z[..., 0] = n * self.biases[i]
                    entry.update(s=s, u=u)
                else:
                    z = r
                cache.append(entry)
            self.f_hat = z[:, 0, :]
            if not self.normalized and not self.relu:
                live = np.abs(self.x_hat) > 0
                self.underflow |= (np.abs(self.f_hat[:, live]) < UNDERFLOW).any(-1)
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
        self.f_hat, self.loss, self.underflow = self.f_hat[idx], self.loss[idx], self.underflow[idx]

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


def _validate(x, y, filters, eta, max_iter, tol, momentum):
    f = list(filters) if isinstance(filters, (list, tuple)) else filters
    if isinstance(f, list) and f and np.ndim(f[0]) == 3:
        f = [np.asarray(layer, float)[None] for layer in f]
    layers, ks, n = check_channel_filters(f, batched=True)
    layers = [np.asarray(a, float) for a in layers]
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.shape != (n,) or y.shape != (n,):
        raise ValueError(f"x and y must be vectors of length n = {n}")
    for name, arr in (("x", x), ("y", y)):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be finite")
    check_positive(eta, "eta")
    check_positive(max_iter, "max_iter", integer=True)
    tol = np.asarray(tol, dtype=float)
    if np.any(~np.isfinite(tol)) or np.any(tol < 0) or np.any(tol >= 1):
        raise ValueError(f"tol must be in [0, 1), got {tol!r}")
    if not (isinstance(momentum, (int, float)) and not isinstance(momentum, bool) and 0 <= momentum < 1):
        raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
    return layers, x, y, tol


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
) -> GDResult:
    """GD with constant step ``eta`` on every trial of a width-k network at once.

    ``filters``: d arrays, layer i of shape (trials, k_i, k_{i-1}, n) (or (k_i, k_{i-1}, n)
    for one trial), e.g. ``random_channel_filters(n, d, k, trials=T)``. ``normalized``: CN
    after every convolution (the output included), gains (start 1) and biases (start 0)
    trained by the same GD; ``relu``: ReLU after every hidden convolution, before its CN.
    Returns ``GDResult`` (``iterations`` = first step with loss <= tol * loss_0, -1 if none);
    ``extra`` holds each trial's final ``filters`` (and ``gains``, ``biases`` with CN) as
    they were when it stopped. ``method``: "compiled" runs each trial alone in the numba
    loop of ``numerics.gd.compiled_channels`` (linear networks, with or without CN; no ReLU), "numpy" the
    trial-vectorized ``ChannelGD``; "auto" (the default) takes "compiled" where it applies.
    Both give the same numbers to rounding (``tests/numerics/gd/test_channels_compiled.py``).
    ``layer_step``: "constant" (eta for every layer) or "norm2" (layer i steps with
    eta ||C_i||^2, the sum of its squared taps at the current step; THEORY X2).
    """
    layers, x, y, tol = _validate(x, y, filters, eta, max_iter, tol, momentum)
    check_positive(record_points, "record_points", integer=True)
    check_positive(diverge_factor, "diverge_factor")
    if method not in ("auto", "compiled", "numpy"):
        raise ValueError(f"method must be 'auto', 'compiled' or 'numpy', got {method!r}")
    if method == "compiled" and relu:
        raise ValueError("method 'compiled' runs linear networks only (relu = False)")
    if layer_step not in ("constant", "norm2"):
        raise ValueError(f"layer_step must be 'constant' or 'norm2', got {layer_step!r}")
    norm2 = layer_step == "norm2"
    trials, d = layers[0].shape[0], len(layers)
    tol = np.broadcast_to(tol, (trials,)).astype(float)
    rec_steps = log_steps(max_iter, record_points) if record else np.array([], int)
    if method == "compiled" or (method == "auto" and not relu):
        return _run_compiled(
            layers, x, y, normalized, eta, momentum, max_iter, tol, rec_steps, diverge_factor, norm2
        )
    state = ChannelGD(layers, x, y, normalized, relu)
    l0 = state.loss.copy()
    iterations = np.full(trials, -1)
    converged = np.zeros(trials, bool)
    diverged = np.zeros(trials, bool)
    underflowed = np.zeros(trials, bool)
    final = np.full(trials, np.nan)
    final_filters = [np.full_like(a, np.nan) for a in layers]
    final_gains = [np.full(a.shape[:2], np.nan) for a in layers] if normalized else None
    final_biases = [np.full(a.shape[:2], np.nan) for a in layers] if normalized else None
    active = np.arange(trials)
    rec = {"steps": rec_steps} if record else None
    if record:
        for key, shape in (("loss", (trials,)), ("grad_norms", (trials, d)), ("filter_norms", (trials, d))):
            rec[key] = np.full((len(rec_steps),) + shape, np.nan)
    t0, k = time.perf_counter(), 0
    while True:
        loss = state.loss
        if record and k in rec_steps:
            j = int(np.searchsorted(rec_steps, k))
            rec["loss"][j, active] = loss
            rec["grad_norms"][j, active] = state.grad_norms()
            rec["filter_norms"][j, active] = state.filter_norms()
        with np.errstate(invalid="ignore"):
            done_conv = (loss <= tol[active] * l0[active]) & (tol[active] > 0)
            done_div = ~np.isfinite(loss) | (loss > diverge_factor * l0[active])
        done_div &= ~done_conv
        done_under = state.underflow & ~done_conv & ~done_div
        finished = done_conv | done_div | done_under
        if k == max_iter:
            finished[:] = True
        if finished.any():
            ids = active[finished]
            converged[active[done_conv]] = True
            iterations[active[done_conv]] = k
            diverged[active[done_div]] = True
            underflowed[active[done_under]] = True
            final[ids] = loss[finished]
            for i, c in enumerate(state.filters()):
                final_filters[i][ids] = c[finished]
                if normalized:
                    final_gains[i][ids] = state.gains[i][finished]
                    final_biases[i][ids] = state.biases[i][finished]
            keep = ~finished
            active = active[keep]
            if not active.size:
                break
            state.take(np.flatnonzero(keep))
        with np.errstate(all="ignore"):
            state.step(eta, momentum, norm2)
        k += 1
    extra: dict[str, Any] = {"filters": final_filters}
    if normalized:
        extra.update(gains=final_gains, biases=final_biases)
    return GDResult(
        iterations=iterations,
        converged=converged,
        diverged=diverged,
        underflowed=underflowed,
        initial_loss=l0,
        final_loss=final,
        steps_run=k,
        seconds=time.perf_counter() - t0,
        record=rec,
        extra=extra,
    )


def _new_record(rec_steps: np.ndarray, trials: int, d: int) -> dict | None:
    if not len(rec_steps):
        return None
    rec = {"steps": rec_steps}
    for key, shape in (("loss", (trials,)), ("grad_norms", (trials, d)), ("filter_norms", (trials, d))):
        rec[key] = np.full((len(rec_steps),) + shape, np.nan)
    return rec


def _run_compiled(
    layers, x, y, normalized, eta, momentum, max_iter, tol, rec_steps, diverge_factor, norm2
) -> GDResult:
    """Each trial runs alone in ``numerics.gd.compiled_channels.channel_gd`` until it stops."""
    from numerics.gd import compiled_channels as cc

    trials, d, n = layers[0].shape[0], len(layers), x.shape[0]
    c_hat, ks = cc.pad_layers([np.fft.rfft(f, axis=-1) for f in layers])
    x_hat, y_hat = np.fft.rfft(x), np.fft.rfft(y)
    status = np.zeros(trials, np.int64)
    iterations = np.full(trials, -1, np.int64)
    l0, final = np.full(trials, np.nan), np.full(trials, np.nan)
    stop_step = np.zeros(trials, np.int64)
    final_re, final_im = np.full(c_hat.shape, np.nan), np.full(c_hat.shape, np.nan)
    final_gain, final_bias = np.full(c_hat.shape[:3], np.nan), np.full(c_hat.shape[:3], np.nan)
    rec = _new_record(rec_steps, trials, d)
    empty = np.empty((0, trials, d))
    t0 = time.perf_counter()
    cc.channel_gd(
        np.ascontiguousarray(c_hat.real), np.ascontiguousarray(c_hat.imag), ks,
        x_hat.real.copy(), x_hat.imag.copy(), y_hat.real.copy(), y_hat.imag.copy(),
        np.abs(x_hat) > 0, half_weights(n), float(n), float(eta), float(momentum), bool(norm2),
        tol, float(diverge_factor), UNDERFLOW, int(max_iter), bool(normalized),
        np.asarray(rec_steps, np.int64), status, iterations, l0, final, stop_step, final_re, final_im, final_gain, final_bias,
        rec["loss"] if rec else empty[..., 0], rec["grad_norms"] if rec else empty, rec["filter_norms"] if rec else empty,
    )  # fmt: skip
    final_c = final_re + 1j * final_im
    filters = [np.fft.irfft(c, n=n, axis=-1) for c in cc.unpad_layers(final_c, ks)]
    res = GDResult(
        iterations=iterations,
        converged=status == cc.CONVERGED,
        diverged=status == cc.DIVERGED,
        underflowed=status == cc.UNDERFLOWED,
        initial_loss=l0,
        final_loss=final,
        steps_run=int(stop_step.max()),
        seconds=time.perf_counter() - t0,
        record=rec,
        extra={"filters": filters},
    )
    if normalized:
        res.extra.update(
            gains=[final_gain[:, i, : ks[i + 1]] for i in range(d)],
            biases=[final_bias[:, i, : ks[i + 1]] for i in range(d)],
        )
    return res


def init_grad_norms(
    x: Any, y: Any, filters: list[np.ndarray], *, normalized: bool = False, relu: bool = False
) -> np.ndarray:
    """||grad_{C_i} L|| at the given filters (trials, d), float64 (M4's statistic)."""
    layers, x, y, _ = _validate(x, y, filters, 1.0, 1, 0.0, 0.0)
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
    count (non-converged runs count as infinite), that median, and the converged fraction."""
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(2, n))
    table = {}
    for k in ks:
        for method, normalized in (("plain", False), ("CN", True)):
            for D in depths:
                f = random_channel_filters(n, D, k, trials=trials, seed=seed + 100 * k + D)
                best = None
                for eta in etas:
                    res = simulate_gd_channels(
                        x, y, f, eta=eta, normalized=normalized, max_iter=max_iter, tol=tol
                    )
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
                }
    return table
