"""An independent time-domain GD for width-k networks (plain, CN, ReLU, momentum), shared by the
width-k tests: the reference the Fourier-state simulators are compared with."""

from __future__ import annotations

import math

import numpy as np

from numerics.gd.reference import circulant
from numerics.hp.channels import random_channel_filters


def _cn_forward(r, gain, bias):
    n = r.shape[-1]
    p = r - r.mean()
    s = np.linalg.norm(p)
    u = p / s
    return gain * math.sqrt(n) * u + bias, u, s


def time_domain_gd(
    x, y, filters, *, eta, steps, normalized=False, relu=False, momentum=0.0, layer_step="constant"
):
    """Plain loops over trials, layers and channels; circulant matrices; explicit backprop.
    ``layer_step="norm2"``: layer i steps with eta ||C_i||^2 (sum of its squared taps)."""
    filters = [np.array(f, float) for f in filters]
    trials, d, n = filters[0].shape[0], len(filters), len(x)
    losses = np.zeros((steps + 1, trials))
    out_filters = [f.copy() for f in filters]
    for t in range(trials):
        c = [f[t].copy() for f in filters]
        vel = [np.zeros_like(ci) for ci in c]
        gains = [np.ones(ci.shape[0]) for ci in c]
        biases = [np.zeros(ci.shape[0]) for ci in c]
        vg = [np.zeros_like(g) for g in gains]
        vb = [np.zeros_like(g) for g in gains]
        for step in range(steps + 1):
            zs, vs, us, ss = [x[None, :]], [], [], []
            for i in range(d):
                v = np.array(
                    [
                        sum(circulant(c[i][a, b]) @ zs[-1][b] for b in range(c[i].shape[1]))
                        for a in range(c[i].shape[0])
                    ]
                )
                vs.append(v)
                r = np.maximum(v, 0) if relu and i < d - 1 else v
                if normalized:
                    outs = [_cn_forward(r[a], gains[i][a], biases[i][a]) for a in range(len(r))]
                    zs.append(np.array([o[0] for o in outs]))
                    us.append([o[1] for o in outs])
                    ss.append([o[2] for o in outs])
                else:
                    zs.append(r)
            f = zs[-1][0]
            losses[step, t] = 0.5 * np.sum((y - f) ** 2)
            if step == steps:
                break
            grad = [None] * d
            g_gain, g_bias = [None] * d, [None] * d
            delta = (f - y)[None, :]  # dL/dz
            for i in range(d - 1, -1, -1):
                if normalized:
                    g_gain[i] = np.array([math.sqrt(n) * delta[a] @ us[i][a] for a in range(len(delta))])
                    g_bias[i] = delta.sum(-1)
                    new = []
                    for a in range(len(delta)):
                        u, s = us[i][a], ss[i][a]
                        P = np.eye(n) - np.ones((n, n)) / n
                        J = gains[i][a] * math.sqrt(n) / s * (P - np.outer(u, u))
                        new.append(J @ delta[a])
                    delta = np.array(new)
                if relu and i < d - 1:
                    delta = delta * (vs[i] > 0)
                z_in = zs[i]
                grad[i] = np.array(
                    [[circulant(z_in[b]).T @ delta[a] for b in range(len(z_in))] for a in range(len(delta))]
                )
                delta = np.array(
                    [
                        sum(circulant(c[i][a, b]).T @ delta[a] for a in range(len(delta)))
                        for b in range(len(z_in))
                    ]
                )
            for i in range(d):
                eta_i = eta * np.sum(c[i] ** 2) if layer_step == "norm2" else eta
                vel[i] = momentum * vel[i] - eta_i * grad[i]
                c[i] = c[i] + vel[i]
                if normalized:
                    vg[i] = momentum * vg[i] - eta * g_gain[i]
                    vb[i] = momentum * vb[i] - eta * g_bias[i]
                    gains[i] = gains[i] + vg[i]
                    biases[i] = biases[i] + vb[i]
        for i in range(d):
            out_filters[i][t] = c[i]
    return losses, out_filters


def _problem(n=6, d=3, k=2, trials=3, seed=0):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(2, n))
    return x, y, random_channel_filters(n, d, k, trials=trials, seed=seed)
