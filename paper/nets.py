"""The authors' one-dimensional CNNs, functionally, in PyTorch (float64 unless a setup says otherwise).

A network (their ``decnet(..., res=False)``) is ``depth`` hidden layers of

    circular padding (p = (K-1)/2 each side) -> Conv1d(k -> k, kernel K, no bias)
    -> [ReLU] -> normalization,

then a 1x1 Conv1d (k -> 1, with bias) and optionally a sigmoid. The normalization modes are
the authors' ``ChannelNormalization`` modes, per channel over the length:

* ``"cn"``        their "BN":  (v - mean v) / sqrt(var_unbiased v + eps) + beta  (beta learned, starts 0)
* ``"cn_fixed"``  their "non-learned": the same without beta
* ``"bias"``      their "only+bias": v + beta (the same parameters, no normalization)
* ``"none"``      their "linear": v

With eps = 0, "cn" is the model's CN with gain sqrt((n-1)/n): (v - mean)/sqrt(var_unbiased)
= sqrt(n-1) P v / ||P v||. Their ``gamma`` parameter is never used in the forward pass
(it gets no gradient), so it is left out here.

Initialization is PyTorch's default for Conv1d (``reset_parameters``): weights
``kaiming_uniform_(a=sqrt(5))``, i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the output
bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = k_in * K; drawn from a seeded generator.

Device (``device``, ``"cpu"`` or ``"cuda"``): every random draw is made on the CPU from the
seeded CPU generator and the tensor is then moved to the device (``Tensor.to`` returns the
tensor itself on the CPU), so a seed starts from the same numbers on every device and the
CPU path is the code it was; training then runs on the device, and recorded numbers come
back to the CPU. ``device_problem`` says why a device cannot run here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

EPS_AUTHORS = 1e-5
MODES = ("cn", "cn_fixed", "bias", "none")
DEVICES = ("cpu", "cuda")


def device_problem(device: str) -> str | None:
    """None when ``device`` (one of DEVICES) can run here; else why not, in a few words."""
    if device not in DEVICES:
        return f"expected one of {', '.join(DEVICES)}, got {device!r}"
    if device == "cuda" and not torch.cuda.is_available():
        return f"no CUDA device is present (torch {torch.__version__}: torch.cuda.is_available() is False)"
    return None


def generator(seed: int) -> torch.Generator:
    """A CPU generator seeded with ``seed`` (every random draw of a run comes from it)."""
    return torch.Generator().manual_seed(int(seed))


def default_conv_weight(shape: tuple[int, ...], gen: torch.Generator, dtype=torch.float64) -> torch.Tensor:
    """PyTorch's default Conv weight: kaiming_uniform_(a=sqrt(5)) = U(+-1/sqrt(fan_in))."""
    w = torch.empty(shape, dtype=dtype)
    torch.nn.init.kaiming_uniform_(w, a=math.sqrt(5), generator=gen)
    return w


def default_conv_bias(out_channels: int, fan_in: int, gen: torch.Generator, dtype=torch.float64):
    """PyTorch's default Conv bias: U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    bound = 1 / math.sqrt(fan_in)
    return torch.nn.init.uniform_(torch.empty(out_channels, dtype=dtype), -bound, bound, generator=gen)


def circular_conv(v: torch.Tensor, w: torch.Tensor, groups: int = 1) -> torch.Tensor:
    """Their ``conv``: circular padding by (K-1)/2 on each side, then Conv1d without bias
    (``groups`` independent networks side by side).

    out[a, j] = sum_b sum_k w[a, b, k] v[b, (j + k - p) mod n]; for k_in = k_out = 1 this is
    the model's circular convolution c * v with the length-n filter c[(p - k) mod n] = w[k].
    """
    p = (w.shape[-1] - 1) // 2
    if p:
        v = F.pad(v, (p, p), mode="circular")
    return F.conv1d(v, w, groups=groups)


def channel_norm(v: torch.Tensor, mode: str, beta: torch.Tensor | None, eps: float) -> torch.Tensor:
    """The authors' ChannelNormalization, per channel over the last axis (see module docstring)."""
    if mode in ("cn", "cn_fixed"):
        centered = v - v.mean(-1, keepdim=True)
        v = centered / torch.sqrt(v.var(-1, unbiased=True, keepdim=True) + eps)
    if mode in ("cn", "bias"):
        v = v + beta[:, None]
    return v


@dataclass
class ConvNet:
    """S independent networks (one per seed) run side by side as groups of one grouped Conv1d.

    Tensors hold the S networks stacked along the channel axis: hidden weights
    (S*k, k_in, K), betas (S*k,), output weight (S, k, 1) and bias (S,). Because the
    loss is the sum of the S per-network MSEs and SGD acts entrywise, each network trains
    exactly as it would alone.
    """

    weights: list[torch.Tensor]
    betas: list[torch.Tensor]
    out_weight: torch.Tensor
    out_bias: torch.Tensor
    mode: str
    relu: bool
    sigmoid: bool
    batch: int
    eps: float = EPS_AUTHORS
    record: list[torch.Tensor] = field(default_factory=list, repr=False)

    def parameters(self) -> list[torch.Tensor]:
        """Every trainable tensor (betas only where the mode uses them), as torch.optim wants."""
        learned_beta = self.mode in ("cn", "bias")
        return [*self.weights, *(self.betas if learned_beta else []), self.out_weight, self.out_bias]

    def conv_weights(self) -> list[torch.Tensor]:
        """The conv weights (the authors' "parameters with more than two dimensions"): hidden, then output."""
        return [*self.weights, self.out_weight]

    def __call__(self, x: torch.Tensor, keep: bool = False) -> torch.Tensor:
        """Forward pass on x of shape (1, S*k_0, n) -> (1, S, n); ``keep`` stores each layer's
        pre-norm and post-norm output (with their gradients after backward)."""
        self.record = []
        v = x
        for w, beta in zip(self.weights, self.betas):
            v = circular_conv(v, w, self.batch)
            if self.relu:
                v = torch.relu(v)
            if keep:
                v.retain_grad()
                self.record.append(v)
            v = channel_norm(v[0], self.mode, beta, self.eps)[None]
            if keep:
                v.retain_grad()
                self.record.append(v)
        out = F.conv1d(v, self.out_weight, self.out_bias, groups=self.batch)
        return torch.sigmoid(out) if self.sigmoid else out

    def losses(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The S per-network MSEs (their torch.nn.MSELoss()), shape (S,)."""
        return torch.mean((self(x) - y) ** 2, dim=-1)[0]

    def grad_norms(self) -> torch.Tensor:
        """||grad W|| per network and conv layer, shape (S, layers)."""
        return torch.stack([w.grad.reshape(self.batch, -1).norm(dim=1) for w in self.conv_weights()], dim=1)

    def network(self, s: int) -> ConvNet:
        """Network s alone (a detached copy of its slices)."""
        k = self.weights[0].shape[0] // self.batch
        return ConvNet(
            [w.detach()[s * k : (s + 1) * k].clone().requires_grad_(True) for w in self.weights],
            [b.detach()[s * k : (s + 1) * k].clone().requires_grad_(True) for b in self.betas],
            self.out_weight.detach()[s : s + 1].clone().requires_grad_(True),
            self.out_bias.detach()[s : s + 1].clone().requires_grad_(True),
            self.mode,
            self.relu,
            self.sigmoid,
            1,
            self.eps,
        )


def make_net(
    depth: int,
    channels: int,
    kernel: int,
    mode: str,
    *,
    relu: bool,
    sigmoid: bool,
    gens: list[torch.Generator],
    in_channels: int | None = None,
    eps: float = EPS_AUTHORS,
    dtype=torch.float64,
    weight_std: float | None = None,
    device: str = "cpu",
) -> ConvNet:
    """One network per generator, PyTorch's default initialization (or N(0, weight_std^2) for
    every conv weight, their Fig. 4c/4d). Each network's weights come from its own generator
    in a fixed order (hidden layers, output weight, output bias), so network s is the same
    whatever the batch; drawn on the CPU, then moved to ``device``.

    Example: ``make_net(12, 4, 3, "cn", relu=True, sigmoid=True, gens=[generator(0)])`` is their
    step-fit network of Figs. 1-2.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if depth < 1 or channels < 1 or kernel < 1 or kernel % 2 == 0:
        raise ValueError(
            f"need depth >= 1, channels >= 1 and an odd kernel, got {depth}, {channels}, {kernel}"
        )
    k_in = channels if in_channels is None else in_channels

    def weight(shape, gen):
        if weight_std is None:
            return default_conv_weight(shape, gen, dtype)
        return torch.randn(shape, generator=gen, dtype=dtype) * weight_std

    per = []
    for gen in gens:
        ws = [weight((channels, k_in if i == 0 else channels, kernel), gen) for i in range(depth)]
        per.append((ws, weight((1, channels, 1), gen), default_conv_bias(1, channels, gen, dtype)))
    weights = [torch.cat([p[0][i] for p in per]).to(device) for i in range(depth)]
    out_weight = torch.cat([p[1] for p in per]).to(device)
    out_bias = torch.cat([p[2] for p in per]).to(device)
    betas = [torch.zeros(channels * len(gens), dtype=dtype).to(device) for _ in range(depth)]
    for t in [*weights, *betas, out_weight, out_bias]:
        t.requires_grad_(True)
    return ConvNet(weights, betas, out_weight, out_bias, mode, relu, sigmoid, len(gens), eps)


def step_target(n: int, fraction: float = 0.5, dtype=torch.float64, device: str = "cpu") -> torch.Tensor:
    """Their step: the first int(n * fraction) samples 1, the rest 0; shape (1, 1, n)."""
    y = torch.zeros((1, 1, n), dtype=dtype)
    y[..., : int(n * fraction)] = 1
    return y.to(device)


def uniform_input(
    channels: int,
    n: int,
    gens: list[torch.Generator],
    scale: float = 1.0,
    dtype=torch.float64,
    device: str = "cpu",
):
    """Their input: U[0, scale) of shape (1, channels, n) per generator, stacked to (1, S*channels, n)."""
    draws = [torch.rand((1, channels, n), generator=g, dtype=dtype) * scale for g in gens]
    return torch.cat(draws, dim=1).to(device)


def mse(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """torch.nn.MSELoss(): the mean of the squared errors (their loss)."""
    return torch.mean((out - y) ** 2)


@dataclass
class Fit:
    """Training runs of S networks: the loss before every step (S x steps) and the conv-weight
    gradient norms (S x layers x steps); a network whose loss turned non-finite is diverged."""

    loss: np.ndarray
    grad_norms: np.ndarray

    @property
    def diverged(self) -> np.ndarray:
        return ~np.all(np.isfinite(self.loss), axis=1)

    @property
    def final_loss(self) -> list[float]:
        """The loss before the last step (their ``mse[-1]``) per network; inf when it diverged."""
        return [float("inf") if bad else float(v) for v, bad in zip(self.loss[:, -1], self.diverged)]


def train(net: ConvNet, x: torch.Tensor, y: torch.Tensor, *, lr: float, momentum: float, iters: int) -> Fit:
    """Their ``fit``: torch.optim.SGD(lr, momentum) on the sum of the S MSEs for ``iters`` steps.

    Records each network's loss and conv-weight gradient norms before each step. A
    non-finite loss marks that network diverged (a NaN run is never converged); the others
    are unaffected (the groups do not mix).
    """
    opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=momentum)
    losses = np.full((net.batch, iters), np.nan)
    grads = np.full((net.batch, len(net.conv_weights()), iters), np.nan)
    for i in range(iters):
        opt.zero_grad()
        per = net.losses(x, y)
        per.sum().backward()
        losses[:, i] = per.detach().cpu().numpy()
        with torch.no_grad():
            grads[:, :, i] = net.grad_norms().cpu().numpy()
        opt.step()
    return Fit(losses, grads)
