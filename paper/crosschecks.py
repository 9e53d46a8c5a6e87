"""PyTorch autograd (float64) on the paper's networks against the toolkit's closed forms.

* T1 / C4: the single-channel Conv1d network of their Fig. 5 (circular padding, kernel K,
  no head) against ``theory.networks.plain_gradient`` / ``cn_gradient``. A kernel-K conv with
  circular padding p = (K-1)/2 is the circular convolution with the length-n filter
  c[(p - k) mod n] = w[k] (``embed``), so dL/dw[k] = dL/dc[(p - k) mod n].
  Their CN with eps = 0 is the model's CN with gain sqrt((n-1)/n) (unbiased variance), and by
  C1 the intermediate CN layers and biases drop out: only the last bias is the output bias.
* P1: the normalized gradient of their Fig. 4b is C4's with gain 1/sqrt(n) (output Xw/||Xw||);
  the gradient norms also against ``numerics.hp.precise.grad_norms`` (mpmath, 30 digits).
* M1: the multi-channel linear network (widths 1 -> k -> ... -> k -> 1) against a NumPy
  implementation of M1's backward recursion
  delta_d = r,  delta_{i-1}[b] = sum_a delta_i[a] ⋆ c_i[a,b],  grad c_i[a,b] = -(delta_i[a] ⋆ z_{i-1}[b]),
  and against its Fourier norm ||grad_{C_i} L||^2 = (1/n) sum_w |r̂_w|^2 ||R_i(w)||^2 ||Q_i(w)||^2.
  (numerics/hp/channels.py, another helper's implementation of M1, was not on this branch.)
* M3: in their ReLU CN network every normalized row c_i[a, :] satisfies <grad, c_i[a,:]> = 0
  exactly when eps = 0. With their eps, scaling the row by alpha maps the CN output
  N(v) = (v - m)/sqrt(s2 + eps) (s2 the unbiased variance) to alpha (v - m)/sqrt(alpha^2 s2 + eps), so
  <grad, c_i[a,:]> = dL/dalpha = sum_j G_j (v_j - m) eps / (s2 + eps)^{3/2}, G = dL/dN(v):
  a relative deviation of about eps / s2, predicted here exactly and compared.

PyTorch is imported by the functions that run a network, not by this module: ``embed`` and
``restrict`` (the kernel-to-filter map every cross-check relies on) work on NumPy arrays
too, so the default run checks them without PyTorch
(``proofs_check.claims.torch_free.kernel_embedding``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from numerics.hp import precise
from theory import networks

if TYPE_CHECKING:
    import torch

    from paper import nets

TOL = 1e-10  # float64 autograd vs closed form: measured ~1e-15 relative


def embed(w: torch.Tensor | np.ndarray, n: int) -> list[float]:
    """The length-n filter c with c[(p - k) mod n] = w[k] (w a 1-D kernel of odd length K <= n,
    a tensor or a NumPy array): circular padding by p = (K-1)/2, then Conv1d (a correlation),
    is the circular convolution c * v."""
    p = (len(w) - 1) // 2
    c = [0.0] * n
    for k, v in enumerate(w.tolist()):
        c[(p - k) % n] = v
    return c


def restrict(grad_c: list[float], kernel: int) -> np.ndarray:
    """dL/dw[k] = dL/dc[(p - k) mod n]: the gradient of the kernel taps from the full filter's."""
    n, p = len(grad_c), (kernel - 1) // 2
    return np.array([float(grad_c[(p - k) % n]) for k in range(kernel)])


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)) / np.linalg.norm(b))


def single_channel_t1_c4(seed: int, n: int = 64, depth: int = 5, kernel: int = 15) -> dict[str, float]:
    """Max relative error of autograd against T1 (plain) and C4 (CN at every layer, eps = 0)."""
    import torch

    from paper import nets

    gen = nets.generator(seed)
    x = nets.uniform_input(1, n, [gen])
    y = torch.randn((1, 1, n), generator=gen, dtype=torch.float64)
    ws = [nets.default_conv_weight((1, 1, kernel), gen).requires_grad_(True) for _ in range(depth)]
    betas = [torch.randn(1, generator=gen, dtype=torch.float64) for _ in range(depth)]
    filters = [embed(w[0, 0].detach(), n) for w in ws]
    xs, ys = x[0, 0].tolist(), y[0, 0].tolist()
    out = {}
    for mode in ("none", "cn"):
        v = x
        for w, b in zip(ws, betas):
            v = nets.channel_norm(nets.circular_conv(v, w)[0], mode, b, 0.0)[None]
        loss = 0.5 * torch.sum((y - v) ** 2)
        grads = torch.autograd.grad(loss, ws)
        err = 0.0
        for i, g in enumerate(grads):
            if mode == "none":
                closed = networks.plain_gradient(filters, xs, ys, i)
            else:
                closed = networks.cn_gradient(filters, xs, ys, i, gain=math.sqrt((n - 1) / n), sqrt=math.sqrt)
            err = max(err, _rel(g[0, 0].numpy(), restrict(closed, kernel)))
        out["T1_max_rel_err" if mode == "none" else "C4_max_rel_err"] = err
    out.update({"n": n, "depth": depth, "kernel": kernel, "tolerance": TOL})
    return out


def p1_normalized_gradient(seed: int, n: int = 100, depth: int = 6) -> dict[str, float]:
    """P1's setting: autograd of 1/2||y - Xw/||Xw|| ||^2 against the projected formula, C4 and theirs.

    Also T1 and C4 on the Conv1d network of Fig. 5 (``single_channel_t1_c4``).
    """
    import torch

    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n) / np.sqrt(n)
    x -= x.mean()
    filters = [list(rng.standard_normal(n) / np.sqrt(n)) for _ in range(depth - 1)]
    w = rng.standard_normal(n)
    y = rng.standard_normal(n)
    x_hat = np.fft.fft(x) * np.prod([np.fft.fft(c) for c in filters], axis=0)

    def apply(v_hat):
        return np.fft.ifft(v_hat).real

    wt = torch.tensor(w, requires_grad=True)
    f = torch.fft.ifft(torch.tensor(x_hat) * torch.fft.fft(wt)).real
    loss_cn = 0.5 * torch.sum((torch.tensor(y) - f / f.norm()) ** 2)
    (g_auto,) = torch.autograd.grad(loss_cn, wt)
    fn = apply(x_hat * np.fft.fft(w))
    u = fn / np.linalg.norm(fn)
    projected = -apply(np.conj(x_hat) * np.fft.fft(y - u * (u @ y))) / np.linalg.norm(fn)
    theirs = -apply(np.conj(x_hat) * np.fft.fft(y)) / np.linalg.norm(fn)
    c4 = networks.cn_gradient(
        [*filters, list(w)], list(x), list(y), depth - 1, gain=1 / math.sqrt(n), sqrt=math.sqrt
    )
    wt_plain = torch.tensor(w, requires_grad=True)
    f_plain = torch.fft.ifft(torch.tensor(x_hat) * torch.fft.fft(wt_plain)).real
    (g_plain,) = torch.autograd.grad(0.5 * torch.sum((torch.tensor(y) - f_plain) ** 2), wt_plain)
    rows = [*filters, list(w)]
    precise_plain = float(precise.grad_norms(rows, list(x), list(y), normalized=False, dps=30)[-1])
    precise_cn = float(precise.grad_norms(rows, list(x), list(y), normalized=True, dps=30)[-1])
    out = {
        "autograd_plain_norm_vs_precise_T1_rel_err": abs(float(g_plain.norm()) - precise_plain)
        / precise_plain,
        # C4's CN output has gain sqrt(n) relative to Xw/||Xw|| (Xw is centered)
        "autograd_cn_norm_vs_precise_C4_rel_err": abs(math.sqrt(n) * float(g_auto.norm()) - precise_cn)
        / precise_cn,
        "autograd_vs_projected_rel_err": _rel(g_auto.numpy(), projected),
        "autograd_vs_C4_rel_err": _rel(g_auto.numpy(), np.array(c4, dtype=float)),
        "autograd_vs_theirs_rel_diff": _rel(g_auto.numpy(), theirs),
    }
    for k, v in single_channel_t1_c4(seed).items():
        out[f"fig5_net_{k}"] = v
    return out


def _conv(c: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.fft.ifft(np.fft.fft(c) * np.fft.fft(v)).real


def _corr(r: np.ndarray, u: np.ndarray) -> np.ndarray:
    """(r ⋆ u)_k = sum_j r_j u_{(j-k) mod n}: DFT r̂ conj(û)."""
    return np.fft.ifft(np.fft.fft(r) * np.conj(np.fft.fft(u))).real


def m1_gradients(filters: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """M1 in NumPy: filters[i] has shape (k_i, k_{i-1}, n); returns grad_{C_i} L for each layer."""
    zs = [x[None, :]]
    for c in filters:
        zs.append(
            np.stack([sum(_conv(c[a, b], zs[-1][b]) for b in range(c.shape[1])) for a in range(c.shape[0])])
        )
    delta = y[None, :] - zs[-1]
    grads = [None] * len(filters)
    for i in range(len(filters) - 1, -1, -1):
        c, z = filters[i], zs[i]
        grads[i] = np.stack(
            [np.stack([-_corr(delta[a], z[b]) for b in range(c.shape[1])]) for a in range(c.shape[0])]
        )
        delta = np.stack(
            [sum(_corr(delta[a], c[a, b]) for a in range(c.shape[0])) for b in range(c.shape[1])]
        )
    return grads


def m1_fourier_norms(filters: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """||grad_{C_i} L|| = ((1/n) sum_w |r̂_w|^2 ||R_i(w)||^2 ||Q_i(w)||^2)^{1/2} (M1)."""
    n = len(x)
    mats = [np.moveaxis(np.fft.fft(c, axis=-1), -1, 0) for c in filters]  # (n, k_i, k_{i-1})
    f_hat = np.fft.fft(x)[:, None, None]
    for m in mats:
        f_hat = m @ f_hat
    r_hat = np.fft.fft(y) - f_hat[:, 0, 0]
    norms = []
    for i in range(len(mats)):
        q = np.fft.fft(x)[:, None, None]
        for m in mats[:i]:
            q = m @ q
        r = np.ones((n, 1, 1))
        for m in reversed(mats[i + 1 :]):
            r = r @ m
        rq = np.sum(np.abs(r) ** 2, axis=(1, 2)) * np.sum(np.abs(q) ** 2, axis=(1, 2))
        norms.append(math.sqrt(float(np.sum(np.abs(r_hat) ** 2 * rq)) / n))
    return np.array(norms)


def multichannel_m1(
    seed: int, n: int = 32, width: int = 4, depth: int = 4, kernel: int = 5
) -> dict[str, float]:
    """Autograd of a multi-channel linear Conv1d network (widths 1 -> k ... k -> 1) against M1."""
    import torch

    from paper import nets

    gen = nets.generator(seed)
    shapes = [(width, 1, kernel)] + [(width, width, kernel)] * (depth - 2) + [(1, width, kernel)]
    ws = [nets.default_conv_weight(s, gen).requires_grad_(True) for s in shapes]
    x = nets.uniform_input(1, n, [gen])
    y = torch.randn((1, 1, n), generator=gen, dtype=torch.float64)
    v = x
    for w in ws:
        v = nets.circular_conv(v, w)
    grads = torch.autograd.grad(0.5 * torch.sum((y - v) ** 2), ws)
    full = []
    for w in ws:
        c = np.zeros((w.shape[0], w.shape[1], n))
        for a in range(w.shape[0]):
            for b in range(w.shape[1]):
                c[a, b] = embed(w[a, b].detach(), n)
        full.append(c)
    xs, ys = x[0, 0].numpy(), y[0, 0].numpy()
    ref = m1_gradients(full, xs, ys)
    err = 0.0
    for g, r in zip(grads, ref):
        taps = np.stack(
            [[restrict(list(r[a, b]), kernel) for b in range(r.shape[1])] for a in range(r.shape[0])]
        )
        err = max(err, _rel(g.numpy(), taps))
    full_norms = np.array([np.linalg.norm(r) for r in ref])
    fourier = m1_fourier_norms(full, xs, ys)
    return {
        "M1_recursion_max_rel_err": err,
        "M1_fourier_norm_max_rel_err": float(np.max(np.abs(fourier - full_norms) / full_norms)),
        "n": n,
        "width": width,
        "depth": depth,
        "kernel": kernel,
        "tolerance": TOL,
    }


def m3_scale_invariance(net: nets.ConvNet, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
    """Row-wise <grad, c_i[a,:]> of a CN network: measured against the eps term predicted above.

    Returns the largest |cos(grad, row)| and the largest relative error of the measured
    <grad, row> against the prediction sum_j G_j (v_j - m) eps/(s2 + eps)^{3/2}, and the median eps/s2.
    Rows of dead ReLU channels (zero variance) get no gradient and are skipped (counted in
    ``dead_rows``); with eps = 0 such a channel makes the loss 0/0 and the check not applicable.
    """
    import torch

    from paper import nets

    loss = nets.mse(net(x, keep=True), y)
    dead = sum(int((r.detach()[0].var(dim=-1, unbiased=True) == 0).sum()) for r in net.record[::2])
    if not torch.isfinite(loss):  # eps = 0 and a dead ReLU channel: CN of it is 0/0
        return {"eps": net.eps, "applicable": False, "dead_rows": dead}
    loss.backward()
    cos, pred_err, ratio, inner_abs = 0.0, 0.0, [], 0.0
    for i, w in enumerate(net.weights):
        pre, post = net.record[2 * i], net.record[2 * i + 1]
        for a in range(w.shape[0]):
            g, row = w.grad[a].flatten(), w.detach()[a].flatten()
            v = pre.detach()[0, a]
            s2 = float(v.var(unbiased=True))
            if s2 == 0:  # dead channel: the row gets no gradient, <0, row> = 0 trivially
                continue
            inner = float(g @ row)
            cos = max(cos, abs(inner) / float(g.norm() * row.norm()))
            predicted = float(post.grad[0, a] @ (v - v.mean())) * net.eps / (s2 + net.eps) ** 1.5
            inner_abs = max(inner_abs, abs(inner))
            if net.eps > 0:
                pred_err = max(pred_err, abs(inner - predicted) / abs(predicted))
            ratio.append(net.eps / s2)
    return {
        "eps": net.eps,
        "applicable": True,
        "max_abs_cos_grad_row": cos,
        "max_abs_inner_grad_row": inner_abs,
        "max_rel_err_vs_eps_prediction": pred_err if net.eps > 0 else None,
        "median_eps_over_variance": float(np.median(ratio)),
        "rows": len(ratio),
        "dead_rows": dead,
    }
