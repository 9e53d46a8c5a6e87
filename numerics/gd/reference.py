"""Straightforward time-domain GD: the independent reference and the benchmark baseline.

Everything is done with circulant matrices in the time domain, exactly as the model states
the model: u_i = (c_d * ... * c_{i+1}) * (c_{i-1} * ... * c_1 * x) from prefix and suffix
products (3d circular convolutions per step), the gradient by T1 (-(r ⋆ u_i)) or C4
(h ⋆ u_i), no Fourier transforms anywhere. Batched over trials with NumPy, O(d n^2) per
step and trial: the baseline ``numerics.gd.simulate`` is measured against.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
from mpmath import mp

from theory.networks import cn_gradient, cn_loss, plain_gradient, plain_loss
from theory.validation import checked, integer


def circulant(c: np.ndarray) -> np.ndarray:
    """Matrices M with M v = c * v (circular convolution), for c of shape (..., n)."""
    n = c.shape[-1]
    idx = (np.arange(n)[:, None] - np.arange(n)[None, :]) % n
    return c[..., idx]


def conv(c: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Batched (c * v)_j = sum_k c_k v_{j-k}."""
    return np.einsum("...jk,...k->...j", circulant(c), v)


def corr(r: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Batched (r ⋆ u)_k = sum_j r_j u_{j-k} = (C_u^T r)_k."""
    return np.einsum("...jk,...j->...k", circulant(u), r)


@dataclass(frozen=True)
class ReferenceStep:
    """The state of time-domain GD before step ``k``: losses, filters and gradients (trials first)."""

    k: int
    loss: np.ndarray
    filters: np.ndarray
    grads: np.ndarray


def gd_reference_path(
    x: np.ndarray,
    y: np.ndarray,
    filters: np.ndarray,
    *,
    eta: float,
    steps: int,
    normalized: bool = False,
    momentum: float = 0.0,
    filter_length: int | None = None,
    layer_step: str = "constant",
) -> Iterator[ReferenceStep]:
    """Yield the state at k = 0, ..., steps of (momentum) GD; the last one's ``grads`` are
    computed too. Gains and biases (CN) are trained as in ``numerics.gd.simulate``.
    ``layer_step="norm2"`` steps layer i with eta ||c_i||^2 (the sum of its squared taps at
    the current step); gains and biases keep eta."""
    from theory.validation import check_choice

    check_choice(layer_step, "layer_step", ("constant", "norm2"))
    c = np.array(filters, dtype=float)
    trials, d, n = c.shape
    mask = np.zeros(n)
    mask[: filter_length or n] = 1.0
    c *= mask
    v = np.zeros_like(c)
    gain, bias, vg, vb = np.ones(trials), np.zeros(trials), np.zeros(trials), np.zeros(trials)
    xs = np.broadcast_to(x, (trials, n))
    for k in range(steps + 1):
        grads = np.empty_like(c)
        z = xs
        for i in range(d):
            z = conv(c[:, i], z)
        if normalized:
            pz = z - z.mean(-1, keepdims=True)
            s = np.linalg.norm(pz, axis=-1, keepdims=True)
            u_hat = pz / s
            o = gain[:, None] * np.sqrt(n) * u_hat + bias[:, None]
            loss = 0.5 * ((y - o) ** 2).sum(-1)
            proj = (u_hat * y).sum(-1, keepdims=True)
            e = -(gain[:, None] * np.sqrt(n) / s) * ((y - y.mean()) - proj * u_hat)
            g_gain = n * gain - np.sqrt(n) * proj[:, 0]
            g_bias = n * bias - y.sum()
        else:
            loss = 0.5 * ((y - z) ** 2).sum(-1)
            e = -(y - z)
        prefix = [xs]  # c_{i-1} * ... * c_1 * x
        for i in range(d - 1):
            prefix.append(conv(c[:, i], prefix[-1]))
        suffix = None  # c_d * ... * c_{i+1}
        for i in range(d - 1, -1, -1):
            u = prefix[i] if suffix is None else conv(suffix, prefix[i])
            grads[:, i] = corr(e, u) * mask
            suffix = c[:, i] if suffix is None else conv(suffix, c[:, i])
        yield ReferenceStep(k, loss, c, grads)
        if k == steps:
            break
        etas = eta * (c**2).sum(-1, keepdims=True) if layer_step == "norm2" else eta
        v = momentum * v - etas * grads
        c = c + v
        if normalized:
            vg, vb = momentum * vg - eta * g_gain, momentum * vb - eta * g_bias
            gain, bias = gain + vg, bias + vb


@checked()
def gd_reference(
    x: np.ndarray,
    y: np.ndarray,
    filters: np.ndarray,
    *,
    eta: float,
    steps: int,
    normalized: bool = False,
    momentum: float = 0.0,
    filter_length: int | None = None,
    layer_step: str = "constant",
) -> tuple[np.ndarray, np.ndarray]:
    """Run ``steps`` steps of (momentum) GD; return (losses of shape (steps+1, trials), filters)."""
    path = list(
        gd_reference_path(
            x,
            y,
            filters,
            eta=eta,
            steps=steps,
            normalized=normalized,
            momentum=momentum,
            filter_length=filter_length,
            layer_step=layer_step,
        )
    )
    return np.array([s.loss for s in path]), path[-1].filters


def second_moment_time_domain(
    x: np.ndarray, y: np.ndarray, d: int, draws: int, seed: int = 0
) -> tuple[float, float]:
    """E||grad_{c_1} L||^2 at sigma^2 = 1/n by Monte Carlo in the time domain (T1, circulants).

    With u = c_d * ... * c_2 * x and C_u its circulant, f = C_u c_1 and grad = -C_u^T (y - C_u c_1),
    so the expectation over c_1 ~ N(0, I/n) is exact: ||C_u^T y||^2 + ||C_u^T C_u||_F^2 / n.
    Only c_2..c_d are drawn (conditional Monte Carlo: a smaller variance than drawing c_1 too).
    No Fourier transform is used. Returns (mean, standard error); at d = 1 nothing is random
    and the standard error is 0.
    """
    n = len(x)
    rng = np.random.default_rng(seed)
    vals = []
    for start in range(0, draws, 20000):
        m = 1 if d == 1 else min(20000, draws - start)
        u = np.broadcast_to(np.asarray(x, float), (m, n))
        for _ in range(d - 1):
            u = conv(rng.normal(0, 1 / np.sqrt(n), (m, n)), u)
        cu = circulant(u)
        gram = np.einsum("...jk,...jl->...kl", cu, cu)
        vals.append(np.sum(np.einsum("...jk,j->...k", cu, y) ** 2, -1) + np.sum(gram**2, (-2, -1)) / n)
        if d == 1:
            return float(vals[0][0]), 0.0  # nothing random at d = 1
    v = np.concatenate(vals)
    return float(v.mean()), float(v.std(ddof=1) / np.sqrt(len(v)))


def to_mpf(values: Any) -> Any:
    """Nested lists/arrays of reals as mpf (exact for floats), at the current precision."""
    if np.ndim(values) == 0:
        return mpmath.mpf(values)
    return [to_mpf(v) for v in values]


def _mp_formulas(normalized: bool):
    if normalized:
        return (lambda F, X, Y: cn_loss(F, X, Y, sqrt=mpmath.sqrt)), (
            lambda F, X, Y, i: cn_gradient(F, X, Y, i, sqrt=mpmath.sqrt)
        )
    return plain_loss, plain_gradient


@checked(dps=integer(1))
def grad_norms_time_domain(filters: Any, x: Any, y: Any, normalized: bool, dps: int) -> list:
    """||grad_{c_i} L|| from the time-domain closed forms T1/C4 in mpmath at ``dps`` digits."""
    _, gradient = _mp_formulas(normalized)
    with mp.workdps(dps):
        F, X, Y = to_mpf(filters), to_mpf(x), to_mpf(y)
        return [mpmath.sqrt(mpmath.fsum(v**2 for v in gradient(F, X, Y, i))) for i in range(len(F))]


def central_difference_gap(filters: Any, x: Any, y: Any, normalized: bool, dps: int, step: Any) -> Any:
    """max_{i,k} |central difference of the loss - closed-form gradient| / max |gradient|.

    Works at ``dps`` digits with step ``step``: truncation error ~ step^2, rounding ~ 10^-dps/step.
    """
    loss, gradient = _mp_formulas(normalized)
    with mp.workdps(dps):
        F, X, Y = to_mpf(filters), to_mpf(x), to_mpf(y)
        h = mpmath.mpf(step)
        worst = mpmath.mpf(0)
        for i in range(len(F)):
            g = gradient(F, X, Y, i)
            scale = max(abs(v) for v in g) or 1
            for k in range(len(F[i])):
                up, down = [list(r) for r in F], [list(r) for r in F]
                up[i][k] += h
                down[i][k] -= h
                worst = max(worst, abs((loss(up, X, Y) - loss(down, X, Y)) / (2 * h) - g[k]) / scale)
        return worst
