"""Monte Carlo over random initializations, each draw evaluated exactly (T8, T9).

T8: (1/d) log ||grad_{c_i} L|| -> -gamma_E/2 (sigma^2 = 1/n, n >= 3). The slope is measured
on nested networks (the first D filters of one long iid sequence, T8's almost-sure
setting), with each draw's log-norms computed in mpmath, and a per-draw least-squares
slope; the draws are iid, so their mean has an honest standard error. At n = 3 there is a
single complex frequency pair and E log||grad|| is linear in D up to exponentially small
terms; larger n adds the slowly vanishing sqrt(D log n)/D correction of T8.

T9: exact GF times (``numerics.hp.flow``) of scalar networks with iid complex N(0, 1)
weights at nested depths, and the fitted growth rate of log T against gamma_E/2.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
from mpmath import mp

from numerics.gd.simulate import FourierGD, random_filters
from numerics.hp.flow import ScalarFlow, exact_time, lower_bound
from numerics.hp.precise import guard_digits, output_error_spectrum, spectrum, twiddles
from theory.validation import check_memory, checked, filter_table, memory_needed, reals, same_length, vector

GAMMA_HALF = 0.5 * 0.57721566490153286061  # gamma_E / 2


@dataclass(frozen=True)
class SlopeFit:
    """Mean of per-draw least-squares slopes with its standard error."""

    slope: float
    stderr: float
    draws: int
    depths: tuple[int, ...]

    @property
    def estimate(self) -> float:
        """The slope, under the name every rate estimate shares (``estimate``, ``stderr``)."""
        return self.slope

    def z_score(self, target: float) -> float:
        return (self.slope - target) / self.stderr if self.stderr > 0 else math.inf


def ols_slopes(depths: Sequence[float], values: np.ndarray) -> np.ndarray:
    """Least-squares slope of each row of ``values`` (draws x depths) against ``depths``."""
    x = np.asarray(depths, float)
    xc = x - x.mean()
    return (values - values.mean(1, keepdims=True)) @ xc / (xc @ xc)


def fit(depths: Sequence[int], values: np.ndarray) -> SlopeFit:
    s = ols_slopes(depths, values)
    return SlopeFit(float(s.mean()), float(s.std(ddof=1) / math.sqrt(len(s))), len(s), tuple(depths))


@checked(filters=filter_table, x=vector, y=vector)
def log_grad_norm_profile(
    filters: Any, x: Any, y: Any, depths: Sequence[int], *, dps: int = 20, normalized: bool = False
) -> list[float]:
    """log ||grad_{c_1} L|| (plain, or CN with gain 1) of the networks made of the first D
    filters, for each D in depths.

    One pass over the layers in mpmath: running products of f̂ and of prod_{j>=2} |ĉ_j|^2.
    """
    rows = filters
    if rows.ndim != 2:
        raise ValueError(f"filters must have shape (d, n), got shape {rows.shape}")
    n = rows.shape[1]
    same_length(n, x=x, y=y)
    if max(depths) > rows.shape[0]:
        raise ValueError(
            f"depths must be at most the number of filters d = {rows.shape[0]}, got {max(depths)}"
        )
    wanted = set(depths)
    out = {}
    with mp.workdps(dps + guard_digits(max(depths), n)):
        cos_t, sin_t = twiddles(n)
        x_hat, y_hat = spectrum(list(x), cos_t, sin_t), spectrum(list(y), cos_t, sin_t)
        f_hat = list(x_hat)
        others = [abs(v) ** 2 for v in x_hat]  # |x̂|^2 prod_{j=2..D} |ĉ_j|^2
        for D in range(1, max(depths) + 1):
            ch = spectrum(list(rows[D - 1]), cos_t, sin_t)
            f_hat = [f * c for f, c in zip(f_hat, ch)]
            if D >= 2:
                others = [o * abs(c) ** 2 for o, c in zip(others, ch)]
            if D in wanted:
                e_hat = output_error_spectrum(f_hat, y_hat, normalized)
                sq = mpmath.fsum(abs(e) ** 2 * o for e, o in zip(e_hat, others)) / n
                out[D] = float(mpmath.log(sq) / 2)
    return [out[D] for D in depths]


@checked()
def t8_slope(
    n: int = 3, depths: Sequence[int] = tuple(range(250, 2001, 250)), draws: int = 60, seed: int = 0
) -> SlopeFit:
    r"""Mean slope of log||grad_{c_1} L|| vs depth over ``draws`` nested networks (sigma^2 = 1/n).

    Notes
    -----
    The slope estimates T8's rate, E log|Z| of a standard complex Gaussian (T7)

    .. math::

        \frac{1}{d} \log \lVert \nabla_{c_1} L \rVert \;\to\; -\frac{\gamma_E}{2}
        = -0.28860783\ldots \qquad (d \to \infty) .
    """
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=n), rng.normal(size=n)
    values = np.array(
        [
            log_grad_norm_profile(random_filters(1, max(depths), n, seed=seed + 1 + k)[0], x, y, depths)
            for k in range(draws)
        ]
    )
    return fit(depths, values)


@checked(x=vector, y=vector)
def second_moment_exact(x: np.ndarray, y: np.ndarray, d: int) -> float:
    r"""E||grad_{c_i} L||^2 = (1/n) sum_w |x̂_w|^2 (|ŷ_w|^2 + |x̂_w|^2 m_w^{d-1}) at sigma^2 = 1/n.

    m_w = 2 for complex frequencies, 3 for the real ones (w = 0 and w = n/2).

    Notes
    -----
    From E|ĉ|^2 = 1 and E|ĉ|^4 = m_w, the cross term vanishing because E ĉ = 0 (T8)

    .. math::

        \mathbb{E} \lVert \nabla_{c_i} L \rVert^2 = \frac{1}{n} \sum_{w} \lvert \hat x_w \rvert^2
        \Bigl(\lvert \hat y_w \rvert^2 + \lvert \hat x_w \rvert^2 m_w^{\,d-1}\Bigr) .
    """
    n = len(x)
    same_length(n, y=y)
    xh, yh = np.fft.fft(x), np.fft.fft(y)
    m = np.full(n, 2.0)
    m[0] = 3.0
    if n % 2 == 0:
        m[n // 2] = 3.0
    return float(np.sum(np.abs(xh) ** 2 * (np.abs(yh) ** 2 + np.abs(xh) ** 2 * m ** (d - 1))) / n)


@checked(x=vector, y=vector)
def second_moment_mc(
    x: np.ndarray, y: np.ndarray, d: int, draws: int, seed: int = 0, chunk: int = 50000
) -> tuple[float, float]:
    """Monte Carlo mean of ||grad_{c_1} L||^2 and its standard error (float64, Fourier formula)."""
    n = len(x)
    same_length(n, y=y)
    check_memory(
        memory_needed(min(chunk, draws), d, n), f"second_moment_mc: chunk {min(chunk, draws)} x d {d} x n {n}"
    )
    vals = []
    for k, start in enumerate(range(0, draws, chunk)):
        c = random_filters(min(chunk, draws - start), d, n, seed=seed + k)
        vals.append(FourierGD(c, x, y, False).grad_norms()[:, 0] ** 2)
    v = np.concatenate(vals)
    return float(v.mean()), float(v.std(ddof=1) / math.sqrt(len(v)))


@checked()
def complex_weights(d: int, seed: int) -> np.ndarray:
    """iid complex Gaussian weights with E|z|^2 = 1 (the law of ĉ_{i,w} at sigma^2 = 1/n)."""
    g = np.random.default_rng(seed).normal(size=(2, d)) / math.sqrt(2)
    return g[0] + 1j * g[1]


@checked()
def t9_growth(
    depths: Sequence[int], draws: int, seed: int = 0, goal: float = 0.5
) -> tuple[SlopeFit, SlopeFit]:
    """Growth rates of log T (exact GF time) and log of the T6 bound vs depth, a = b = 1.

    Nested draws: depth D uses the first D weights of one sequence per draw.
    """
    times, bounds = [], []
    with mp.workdps(20):
        for k in range(draws):
            z = complex_weights(max(depths), seed + k)
            row_t, row_b = [], []
            for D in depths:
                flow = ScalarFlow.from_weights(list(z[:D]), 1, 1)
                row_t.append(float(mpmath.log(exact_time(flow, mpmath.mpf(goal), fast=True))))
                row_b.append(float(mpmath.log(lower_bound(flow, mpmath.mpf(goal))[0])))
            times.append(row_t)
            bounds.append(row_b)
    return fit(depths, np.array(times)), fit(depths, np.array(bounds))


def scalar_network_as_filters(
    z: np.ndarray, a: complex, b: complex
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Embed scalar complex networks (rows of z: trials x d) as n = 3 real filters.

    Frequency 1 carries the scalar network (ĉ_{i,1} = z_i, x̂_1 = a, ŷ_1 = b); frequency 0
    has x̂_0 = ŷ_0 = 0 and never moves. GD on these filters is GD on u = a prod z_i with
    loss 1/2 |b - u|^2 (T2: the frequencies decouple).
    """
    z = np.atleast_2d(z)
    spec = np.zeros(z.shape + (2,), complex)
    spec[..., 0], spec[..., 1] = 1.0, z
    filters = np.fft.irfft(spec, n=3, axis=-1)
    x = np.fft.irfft(np.array([0, a]), n=3)
    y = np.fft.irfft(np.array([0, b]), n=3)
    return filters, x, y


def real_scalar_network_as_filters(
    z: np.ndarray, a: float, b: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Embed real scalar networks (rows of z) as n = 2 filters: frequency 0 carries them
    (ĉ_{i,0} = z_i, x̂_0 = a, ŷ_0 = b), frequency 1 has x̂_1 = ŷ_1 = 0 and never moves."""
    filters = np.stack([(z + 1) / 2, (z - 1) / 2], axis=-1)  # ĉ_0 = z, ĉ_1 = 1
    return filters, np.array([a / 2, a / 2]), np.array([b / 2, b / 2])


@checked()
def t9_fixed_delta_slope(delta_1: float, depths: Sequence[int], draws: int, seed: int = 0) -> SlopeFit:
    """Slope in d of log of the T6 bound at a fixed delta_1 (a = b = 1, nested draws).

    log bound = log(delta_1/(2|r0|)) - sum_i log(rho_i^2 + delta_1)/2, evaluated in float64
    logs (no products are formed); its expected slope is ``flow.typical_rate(delta_1)``.
    """
    values = []
    for k in range(draws):
        z = complex_weights(max(depths), seed + k)
        logs = np.log(np.abs(z) ** 2 + delta_1)
        log_f0 = np.cumsum(np.log(np.abs(z)))  # log|prod z_i|, no underflow
        r0 = np.abs(1 - np.exp(log_f0 + 1j * np.cumsum(np.angle(z))))
        values.append([math.log(delta_1 / (2 * r0[D - 1])) - 0.5 * logs[:D].sum() for D in depths])
    return fit(depths, np.array(values))


@dataclass(frozen=True)
class CrossingLaw:
    """Fit of T(g) = A log(1/g) + B over exact crossing times, against the predicted A."""

    slope: float
    intercept: float
    predicted: float
    gaps: tuple[float, ...]
    times: tuple[float, ...]


@checked(others=reals(0, lo_open=True, empty=True))
def crossing_time_law(
    others: Sequence[float], small: float = 0.5, exponents: Sequence[int] = range(8, 41, 4)
) -> CrossingLaw:
    r"""Exact GF times from z0 = (small, -sqrt(small^2 + g), *others) (a = b = 1, the sign is wrong)
    for g = 10^-k, and the least-squares line of T against log(1/g).

    docs/derivations.md (T9): near the crossing, |f|^2 = x (x + g) prod_{j>=3} (g_j + x) with
    x = min |z|^2 and g_j = rho_j^2 - small^2, and dx/dt = -2 |r| |f| with |r| -> |b|, so each side
    of the crossing contributes log(1/g)/(2|a b| prod_j g_j^{1/2}) + O(1): the predicted slope is
    A = 1/(|a b| prod_{j>=3} g_j^{1/2}), with corrections O(g log g).

    Notes
    -----
    The law fitted (T9, two nearly tied layers, the others O(1) above them)

    .. math::

        T(g) = A \log \frac{1}{g} + B + O\Bigl(g \log \frac{1}{g}\Bigr), \qquad
        A = \frac{1}{\lvert a b \rvert \prod_{j \ge 3} (\rho_j^2 - \rho_1^2)^{1/2}} .
    """
    gaps, times = [], []
    for k in exponents:
        with mp.workdps(k + 40):  # the start carries the digits that resolve the gap
            g = mpmath.mpf(10) ** (-k)
            z = [mpmath.mpf(small), -mpmath.sqrt(mpmath.mpf(small) ** 2 + g)] + [
                mpmath.mpf(v) for v in others
            ]
        with mp.workdps(25):
            fl = ScalarFlow.from_weights(z, 1, 1)
            times.append(float(exact_time(fl, mpmath.mpf("0.5"))))
        gaps.append(float(g))
    slope, intercept = np.polyfit(np.log(1 / np.array(gaps)), np.array(times), 1)
    predicted = 1 / math.prod(math.sqrt(v * v - small * small) for v in others) if others else 1.0
    return CrossingLaw(float(slope), float(intercept), predicted, tuple(gaps), tuple(times))


@dataclass(frozen=True)
class Slowdown:
    """Per-pair ratios T(mismatched start) / T(the same moduli with the sign fixed)."""

    depth: int
    pairs: int
    quantiles: dict[str, float]  # q10, q25, median, q75, q90 of the per-pair ratio
    ratio_of_medians: float
    median_matched: float
    median_mismatched: float


@checked()
def mismatch_slowdown(depth: int, pairs: int, seed: int = 0) -> Slowdown:
    """How much slower a wrong-signed real frequency is (T9, corrected).

    Draw z ~ N(0, 1)^d (a = b = 1) until ``pairs`` starts have the wrong sign; pair each with the
    start whose smallest layer has its sign flipped (same moduli, right sign), and compute both
    exact GF times (fast mode, ~19 digits). A tie in the smallest modulus has probability 0.
    """
    rng = np.random.default_rng([seed, depth])
    ratios, matched, mismatched = [], [], []
    goal = mpmath.mpf("0.5")
    with mp.workdps(20):
        while len(ratios) < pairs:
            z = rng.normal(size=depth)
            if np.prod(z) > 0:
                continue
            fixed = z.copy()
            fixed[np.argmin(np.abs(z))] *= -1
            t_bad = float(exact_time(ScalarFlow.from_weights(list(z), 1, 1), goal, fast=True))
            t_good = float(exact_time(ScalarFlow.from_weights(list(fixed), 1, 1), goal, fast=True))
            if t_good == 0:  # the matched start is already within the goal: no ratio
                continue
            ratios.append(t_bad / t_good)
            matched.append(t_good)
            mismatched.append(t_bad)
    r = np.array(ratios)
    qs = dict(
        zip(("q10", "q25", "median", "q75", "q90"), np.quantile(r, [0.1, 0.25, 0.5, 0.75, 0.9]).tolist())
    )
    return Slowdown(
        depth,
        pairs,
        qs,
        float(np.median(mismatched) / np.median(matched)),
        float(np.median(matched)),
        float(np.median(mismatched)),
    )
