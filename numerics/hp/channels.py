"""Width-k linear CNNs in numbers: exact gradient norms (mpmath), the rate lambda_k, and
the Monte Carlo of the width-k theory (M2).

Per frequency w the network is a product of matrices (M1): ẑ_i(w) = Ĉ_i(w) ẑ_{i-1}(w), and

    ||grad_{C_i} L||^2 = (1/n) sum_w ||ê_i(w)||^2 ||ẑ_{i-1}(w)||^2,

with ê_i(w) the DFT of dL/dv_i (the back-propagated residual, ê_{i-1} = Ĉ_i^H ê_i) and
ẑ_{i-1} the layer's input spectrum. Layerwise CN (M3) acts per channel in the Fourier
domain too: it zeroes w = 0, divides by s = ||P v|| = ((1/n) sum_{w != 0} |v̂_w|^2)^(1/2) and
multiplies by sqrt(n); its backward step is (sqrt(n)/s)(ê - <û, ê> û) for w != 0.

Fan-in initialization: the taps of c_i are iid N(0, 1/(n k_{i-1})), so at a complex
frequency Ĉ_i(w) has iid circular complex Gaussian entries with E|.|^2 = 1/k_{i-1} (real
Gaussian at w = 0, n/2). By rotation invariance every factor ||Ĉ v||^2/||v||^2 is an
independent Gamma(k_out, 1)/k_in (chi^2_{k_out}/k_in for real frequencies), whence

    (1/d) log ||grad|| -> lambda_k = (psi(k) - log k)/2   (psi(k/2) - log(k/2) over 2, real).

>>> from numerics.hp.channels import width_rate
>>> float(width_rate(1))  # -gamma_E/2
-0.28860783245076643
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
from mpmath import mp

from numerics.hp.channel_balls import certified_channel_grad_norms
from numerics.hp.precise import guard_digits
from numerics.mc.rates import SlopeFit, fit
from theory.validation.exact import exact_real, exact_table


# ------------------------------------------------------------------------- the rate
def _asymptotic_rate(m: Any, eps: Any) -> tuple[Any, Any]:
    """psi(m) - log m = -1/(2m) - sum_{j>=1} B_{2j}/(2j m^{2j}) for real m > 0, summed until a
    term is below ``eps`` relative; returns (value, bound on the error). For real m > 0 the
    remainder after any term has the sign of, and is at most, the first omitted term (the
    enveloping property of Stirling's series), so the bound is that term's modulus. The terms
    decrease while j < pi m and their smallest is about exp(-2 pi m); for m >= WIDTH_SERIES_FROM
    that is far below any eps the dps range asks for."""
    value = -1 / (2 * m)
    m2 = m * m
    power = m2
    for j in range(1, 100000):
        term = mpmath.bernoulli(2 * j) / (2 * j * power)
        next_term = abs(mpmath.bernoulli(2 * j + 2) / ((2 * j + 2) * power * m2))
        value -= term
        if next_term <= eps * abs(value):
            return value, next_term
        power *= m2
    raise ArithmeticError(
        f"asymptotic series of psi(m) - log m did not converge at m = {m}"
    )  # pragma: no cover


#: ``width_rate`` uses the asymptotic series for m = k (or k/2) >= dps + WIDTH_SERIES_FROM;
#: below, psi(m) and log m cancel by at most log10(2 m log m) < log10(dps) + 4 digits, which
#: the working precision covers.
WIDTH_SERIES_FROM = 10


def width_rate(k: int, *, real: bool = False, dps: int = 30) -> Any:
    """lambda_k = (psi(k) - log k)/2 (complex frequencies) or (psi(k/2) - log(k/2))/2 (real),
    right to ``dps`` significant digits for every k >= 1.

    The mean of log of one layer's factor (Gamma(k)/k, or chi^2_k/k), halved: the per-layer
    rate of the typical gradient norm. lambda_1 = -gamma_E/2; real lambda_1 = -(gamma_E + ln 2)/2.
    psi(m) and log m cancel for large m (lambda_k ~ -1/(4k)): for m = k or k/2 below
    dps + WIDTH_SERIES_FROM mpmath's digamma runs with log10(2 m log m) + 10 guard digits;
    from there on the asymptotic series -1/(2m) - sum_j B_{2j}/(2j m^{2j}) is summed at
    dps + 10 digits until the first omitted term (which bounds the error) is below
    10^-(dps + 5) of the value. Checked against mpmath at 2 dps in tests/numerics/hp.

    >>> mpmath.nstr(width_rate(10**50), 20)
    '-2.5e-51'
    >>> mpmath.nstr(width_rate(10**30, dps=40), 40)  # -1/(4k) - 1/(24 k^2) + ...
    '-2.500000000000000000000000000000416666667e-31'
    """
    from theory.validation import width_rate_arguments

    k, real, dps = width_rate_arguments(k, real, dps)
    with mp.workdps(dps + 10):
        m = mpmath.mpf(k) / 2 if real else mpmath.mpf(k)
        if m >= dps + WIDTH_SERIES_FROM:
            value, _ = _asymptotic_rate(m, mpmath.mpf(10) ** -(dps + 5))
            value /= 2
        else:
            guard = int(mpmath.log10(2 * m * (abs(mpmath.log(m)) + 1))) + 1
            with mp.workdps(dps + 10 + max(guard, 0)):
                value = (mpmath.digamma(m) - mpmath.log(m)) / 2
    with mp.workdps(dps):
        return +value


def width_rate_quadrature(k: int, *, real: bool = False, dps: int = 30) -> Any:
    """The same rate as (1/2) E log(G/m), G ~ Gamma(m, 1), m = k (or k/2), by quadrature:
    an independent route to ``width_rate`` (no digamma)."""
    from theory.validation import width_rate_arguments

    k, real, dps = width_rate_arguments(k, real, dps)
    with mp.workdps(dps + 10):
        m = mpmath.mpf(k) / 2 if real else mpmath.mpf(k)
        # t = s^2: E log(G/m) = int_0^inf log(s^2/m) 2 s^(2m-1) exp(-s^2) ds / Gamma(m)
        integrand = lambda s: mpmath.log(s * s / m) * 2 * s ** (2 * m - 1) * mpmath.exp(-s * s)  # noqa: E731
        value = mpmath.quad(integrand, [0, mpmath.sqrt(m), mpmath.inf]) / (2 * mpmath.gamma(m))
    with mp.workdps(dps):
        return +value


def spread(depth_factors: int, k: int, *, real: bool = False) -> float:
    """Standard deviation of log ||grad|| from ``depth_factors`` Gamma factors:
    (1/2)(sum_j psi'(k_j))^(1/2) with psi' at k (complex) or k/2 (real)."""
    m = k / 2 if real else k
    return 0.5 * math.sqrt(depth_factors * float(mpmath.psi(1, m)))


# ------------------------------------------------------------------- initialization
def random_channel_filters(
    n: int, d: int, k: int, *, trials: int | None = None, seed: int = 0
) -> list[np.ndarray]:
    """Fan-in initialization: layer i (0-based) has shape (k_{i+1}, k_i, n) with iid
    N(0, 1/(n k_i)) taps, widths 1, k, ..., k, 1; with ``trials`` a leading axis."""
    from theory.validation import random_channel_filters_arguments

    n, d, k, trials, seed = random_channel_filters_arguments(n, d, k, trials, seed)
    ks = [1] + [k] * (d - 1) + [1]
    rng = np.random.default_rng(seed)
    lead = () if trials is None else (trials,)
    return [rng.normal(0.0, 1.0 / math.sqrt(n * ks[i]), size=lead + (ks[i + 1], ks[i], n)) for i in range(d)]


def check_channel_filters(filters: Any, batched: bool = False) -> tuple[list[np.ndarray], list[int], int]:
    """Validate a list of d layers of shape ([trials,] k_i, k_{i-1}, n) chaining 1 -> ... -> 1
    (``theory.validation.as_channel_filters``)."""
    from theory.validation import as_channel_filters

    return as_channel_filters(filters, batched=batched)


# ------------------------------------------------------------- exact gradient norms
def _half_spectrum(values: Sequence[Any], n: int, cos_t, sin_t) -> list[Any]:
    a = [mpmath.mpf(v) for v in values]
    return [mpmath.mpc(mpmath.fdot(a, cw), -mpmath.fdot(a, sw)) for cw, sw in zip(cos_t, sin_t)]


def _half_weights(n: int) -> list[int]:
    return [1 if (w == 0 or 2 * w == n) else 2 for w in range(n // 2 + 1)]


def _matvec(m: list[list[Any]], v: list[Any]) -> list[Any]:
    return [mpmath.fdot(row, v) for row in m]


def _rmatvec(m: list[list[Any]], e: list[Any]) -> list[Any]:
    """Ĉ^H e."""
    cols = len(m[0])
    return [mpmath.fdot([mpmath.conj(m[a][b]) for a in range(len(m))], e) for b in range(cols)]


def _sq(v: list[Any]) -> Any:
    return mpmath.fsum(abs(t) ** 2 for t in v)


def channel_grad_norms(
    filters: Any, x: Any, y: Any, *, normalized: bool = False, dps: int = 50, certified: bool = False
) -> list[Any]:
    """||grad_{C_i} L|| (over all taps of layer i), i = 1..d, to ``dps`` digits.

    ``filters``: d arrays, layer i of shape (k_i, k_{i-1}, n), widths chaining 1 -> ... -> 1;
    ``normalized``: CN (gain 1, bias 0) after every convolution, the output included.
    Frequencies w = 0..n/2 (conjugate pairs counted twice), mpmath at dps + guard digits;
    mpmath exponents are unbounded, so the products of d matrices never underflow.
    k = 1 gives ``numerics.hp.precise.grad_norms``. Computed at dps + guard digits and
    checked (by ``precision_guard`` in the claims) at 2 dps: not an enclosure.

    ``certified=True`` runs the same formulas in arb ball arithmetic instead
    (``channel_grad_norm_balls``; the precision doubles until every radius is below 10^-dps
    relative) and returns ``flint.arb`` balls that contain the exact norms of the inputs
    (their binary values).
    """
    from theory.validation import channel_grad_norms_arguments

    layers, ks, n, xs, ys, normalized, dps, certified = channel_grad_norms_arguments(
        filters, x, y, normalized, dps, certified
    )
    d = len(layers)
    if certified:  # the inputs as the exact numbers they hold (a longdouble layer is not cut)
        exact = [
            _exact_layer(f, layer, f"filters layer {i + 1}")
            for i, (f, layer) in enumerate(zip(filters, layers))
        ]
        xs, ys = exact_table(x, "x"), exact_table(y, "y")
        return certified_channel_grad_norms(exact, ks, n, xs, ys, normalized, dps)
    F = n // 2 + 1
    mult = _half_weights(n)
    with mp.workdps(dps + guard_digits(d * max(ks), n)):
        cos_t = [[mpmath.cospi(mpmath.mpf(2 * j * w) / n) for j in range(n)] for w in range(F)]
        sin_t = [[mpmath.sinpi(mpmath.mpf(2 * j * w) / n) for j in range(n)] for w in range(F)]
        # c_hat[i][w] = the k_i x k_{i-1} matrix Ĉ_i(w)
        c_hat = []
        for f in layers:
            spec = [
                [_half_spectrum(f[a, b], n, cos_t, sin_t) for b in range(f.shape[1])]
                for a in range(f.shape[0])
            ]
            c_hat.append(
                [[[spec[a][b][w] for b in range(f.shape[1])] for a in range(f.shape[0])] for w in range(F)]
            )
        x_hat, y_hat = _half_spectrum(xs, n, cos_t, sin_t), _half_spectrum(ys, n, cos_t, sin_t)
        inputs: list[list[list[Any]]] = []  # inputs[i][w]: ẑ_{i-1}(w)
        pre: list[list[list[Any]]] = []  # pre[i][w]: v̂_i(w)
        scales: list[list[Any]] = []  # s per channel (CN)
        z = [[xw] for xw in x_hat]
        for i in range(d):
            inputs.append(z)
            v = [_matvec(c_hat[i][w], z[w]) for w in range(F)]
            pre.append(v)
            if normalized:
                s = [_channel_norm([v[w][a] for w in range(F)], mult, n) for a in range(ks[i + 1])]
                scales.append(s)
                z = [[mpmath.mpc(0)] * ks[i + 1]] + [
                    [mpmath.sqrt(n) * v[w][a] / s[a] for a in range(ks[i + 1])] for w in range(1, F)
                ]
            else:
                z = v
        # e = DFT of dL/d(output z): -r̂ (plain), ô - ŷ (CN, gain 1, bias 0)
        e = [[zw[0] - yw] for zw, yw in zip(z, y_hat)]
        norms: list[Any] = [None] * d
        for i in range(d - 1, -1, -1):
            if normalized:
                e = _cn_backward(pre[i], e, scales[i], mult, n)
            norms[i] = mpmath.sqrt(
                mpmath.fsum(m * _sq(ew) * _sq(zw) for m, ew, zw in zip(mult, e, inputs[i])) / n
            )
            if i > 0:
                e = [_rmatvec(c_hat[i][w], e[w]) for w in range(F)]
    with mp.workdps(dps):
        return [+v for v in norms]


def _exact_layer(given: Any, checked_layer: np.ndarray, name: str) -> np.ndarray:
    """The layer as given, entry by entry exact (``theory.validation.exact``), in the shape
    the validation layer checked."""
    flat = np.asarray(given, dtype=object)  # NumPy scalars of every width stay as they are
    out = np.empty(checked_layer.shape, dtype=object)
    out.ravel()[:] = [exact_real(v, name) for v in flat.ravel()]
    return out


def _channel_norm(v: list[Any], mult: list[int], n: int) -> Any:
    """s = ||P v|| = ((1/n) sum_{w != 0} |v̂_w|^2)^(1/2) (Parseval)."""
    s2 = mpmath.fsum(m * abs(t) ** 2 for m, t in zip(mult[1:], v[1:])) / n
    if s2 == 0:
        raise ValueError("filters give a constant channel (P v = 0): the CN network is undefined")
    return mpmath.sqrt(s2)


def _cn_backward(
    v: list[list[Any]], e: list[list[Any]], s: list[Any], mult: list[int], n: int
) -> list[list[Any]]:
    """Per channel a: ê_in = (sqrt(n)/s)(ê - <û, e> û) for w != 0, 0 at w = 0 (M3, gain 1)."""
    F = len(v)
    out = [[mpmath.mpc(0)] * len(s)] + [[None] * len(s) for _ in range(F - 1)]
    for a, sa in enumerate(s):
        u = [v[w][a] / sa for w in range(F)]
        proj = mpmath.fsum(mult[w] * (u[w] * mpmath.conj(e[w][a])).real for w in range(1, F)) / n
        for w in range(1, F):
            out[w][a] = mpmath.sqrt(n) / sa * (e[w][a] - proj * u[w])
    return out


# ------------------------------------------------------------------- Monte Carlo (M2)
@dataclass(frozen=True)
class RateRun:
    """Nested-draw Monte Carlo of log ||grad_{C_1} L|| at one frequency."""

    k: int
    real: bool
    depths: tuple[int, ...]
    log_norms: np.ndarray  # (draws, depths)
    fit: SlopeFit
    rate: float  # lambda_k (or its real version)

    @property
    def z_score(self) -> float:
        return self.fit.z_score(self.rate)

    def spread_check(self) -> tuple[float, float, float]:
        """(sample sd at the deepest depth, its standard error, the predicted spread)."""
        v = self.log_norms[:, -1]
        dev = v - v.mean()
        var = float(np.mean(dev**2) * len(v) / (len(v) - 1))
        se_var = float(math.sqrt(max(np.mean(dev**4) - var**2, 0.0) / len(v)))
        sd = math.sqrt(var)
        return sd, se_var / (2 * sd), spread(self.depths[-1] - 1, self.k, real=self.real)


def single_frequency_problem(real: bool) -> tuple[int, int, np.ndarray, np.ndarray]:
    """(n, w, x, y) with x̂ supported on one frequency w: a conjugate pair (n = 3, x centered)
    or w = 0 (n = 2, x constant). |x̂_w| = 1 and |ŷ_w| = 100, so |f̂| << |ŷ| on almost every
    draw and log|r̂| adds no spread."""
    if real:
        return 2, 0, np.array([0.5, 0.5]), np.array([50.0, 50.0])
    n = 3
    x = np.fft.irfft(np.array([0.0, 1.0 + 0.0j]), n=n)
    y = np.fft.irfft(np.array([0.0, 100.0 * np.exp(0.7j)]), n=n)
    return n, 1, x, y


def nested_log_grad_norms(
    k: int, depths: Sequence[int], draws: int, *, real: bool = False, seed: int = 0, chunk: int = 64
) -> np.ndarray:
    """log ||grad_{C_1} L|| of nested fan-in networks, for each depth D (float64 with
    log-domain scale factors: no underflow at any depth).

    Draw an iid sequence of k x k filter blocks W_1, W_2, ... (taps N(0, 1/(n k))). The
    depth-D network has output layer row 0 of W_1, hidden layers W_2, ..., W_{D-1} and first
    layer sqrt(k) W_D[:, 0]: an exact fan-in network for every D, and the row
    R = Ĉ_D ... Ĉ_2 of M1 grows by one right factor per D. Then
    ||grad_{C_1}||^2 = (m_w/n) |r̂_w|^2 |x̂_w|^2 ||R||^2 with m_w = 2 (conjugate pair) or 1.
    """
    n, w, x, y = single_frequency_problem(real)
    x_hat, y_hat = np.fft.rfft(x)[w], np.fft.rfft(y)[w]
    mult = 1.0 if real else 2.0
    depths = sorted(set(int(D) for D in depths))
    if depths[0] < 2:
        raise ValueError("depths must be >= 2")
    rng = np.random.default_rng(seed)
    sd = 1.0 / math.sqrt(n * k)

    def blocks(count: int) -> np.ndarray:
        taps = rng.normal(0.0, sd, size=(draws, count, k, k, n))
        return np.fft.rfft(taps, axis=-1)[..., w]

    out = np.empty((draws, len(depths)))
    wanted = {D: j for j, D in enumerate(depths)}
    row = blocks(1)[:, 0, 0, :]  # R after the output layer (row 0 of W_1), (draws, k)
    norm = np.linalg.norm(row, axis=-1)  # R = exp(log_scale) row at every D, D = 2 included
    row = row / norm[:, None]
    log_scale = np.log(norm)
    buf, pos = blocks(chunk), 0
    for D in range(2, depths[-1] + 1):
        if pos == buf.shape[1]:
            buf, pos = blocks(chunk), 0
        W = buf[:, pos]
        pos += 1
        if D in wanted:  # W_D as the first layer: the column sqrt(k) W_D[:, 0]
            col = math.sqrt(k) * W[:, :, 0]
            f_hat = (
                np.exp(log_scale) * np.einsum("ta,ta->t", row, col) * x_hat
            )  # may underflow to 0: harmless
            r_hat = y_hat - f_hat
            out[:, wanted[D]] = (
                0.5 * math.log(mult / n) + math.log(abs(x_hat)) + np.log(np.abs(r_hat)) + log_scale
            )
        row = np.einsum("ta,tab->tb", row, W)  # W_D as a hidden layer of the deeper networks
        norm = np.linalg.norm(row, axis=-1)
        row = row / norm[:, None]
        log_scale = log_scale + np.log(norm)
    return out


def rate_run(k: int, depths: Sequence[int], draws: int, *, real: bool = False, seed: int = 0) -> RateRun:
    values = nested_log_grad_norms(k, depths, draws, real=real, seed=seed)
    return RateRun(
        k,
        real,
        tuple(sorted(set(depths))),
        values,
        fit(sorted(set(depths)), values),
        float(width_rate(k, real=real)),
    )


@dataclass(frozen=True)
class MeanSquare:
    """Monte Carlo mean of |f̂_w|^2 (w = 0..n/2) with the exact target |x̂_w|^2 and standard error."""

    mean: np.ndarray
    target: np.ndarray
    stderr: np.ndarray
    draws: int


def fourth_moment_factor(d: int, k: int, real: bool) -> float:
    """E|f̂_w|^4 / |x̂_w|^4 = prod_j k_j (k_j + c)/k_{j-1}^2, c = 1 (complex) or 2 (real):
    the second moment of Gamma(k_j)/k_{j-1} (or chi^2_{k_j}/k_{j-1}) per layer."""
    ks = [1] + [k] * (d - 1) + [1]
    c = 2 if real else 1
    return math.prod(ks[j] * (ks[j] + c) / ks[j - 1] ** 2 for j in range(1, d + 1))


def mean_square_output(x: Any, d: int, k: int, draws: int, *, seed: int = 0, chunk: int = 4000) -> MeanSquare:
    """E|f̂_w|^2 over fan-in initializations (float64, independent draws per call) vs |x̂_w|^2 (M2)."""
    x = np.asarray(x, float)
    n = len(x)
    x_hat = np.fft.rfft(x)
    total = np.zeros(n // 2 + 1)
    for s, start in enumerate(range(0, draws, chunk)):
        f = random_channel_filters(n, d, k, trials=min(chunk, draws - start), seed=seed + s)
        z = np.broadcast_to(x_hat, (f[0].shape[0], 1, len(x_hat))).astype(complex)
        for layer in f:
            z = np.einsum("tabw,tbw->taw", np.fft.rfft(layer, axis=-1), z)
        total += (np.abs(z[:, 0, :]) ** 2).sum(0)
    target = np.abs(x_hat) ** 2
    real = np.array([w == 0 or 2 * w == n for w in range(len(x_hat))])
    m4 = np.array([fourth_moment_factor(d, k, r) for r in real]) * target**2
    return MeanSquare(total / draws, target, np.sqrt((m4 - target**2) / draws), draws)
