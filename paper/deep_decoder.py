"""P6: the deep decoder fitting an image (their motivating example, ``normalization_deep_decoder``).

Their ``decodernw(1, [32]*5, filter_size_up=3, need_sigmoid=False, upsample_mode='none')``:
6 layers of [reflection pad 1 -> Conv2d 32 -> 32, 3x3 -> ReLU -> BatchNorm2d(32)] then a
1x1 Conv2d 32 -> 1. On a batch of one image, BatchNorm2d in training mode is channel
normalization over the H x W pixels (biased variance, eps 1e-5) with a learned gain and
bias. The no-CN variant (``bn=False, bias=True``) drops the BatchNorm and gives every conv
a bias. Input U[0, 0.1) of shape (32, H, W), fixed; MSE; SGD lr 0.1, momentum 0.9.
PyTorch's default Conv2d initialization, float32 (as their GPU run; float64 would double
the cost of the dominant 3x3 convolutions).

Image: scikit-image's Shepp-Logan phantom (shipped with the package; their MRI slice is
not), resized to H = W = 256 with ``--full`` (5000 steps), else 64 (2000 steps, 500 with ``--quick``).
"""

from __future__ import annotations

import math
import time

import numpy as np
import torch
from torch import nn

from paper import nets, report

CHANNELS, LAYERS, LR, MOMENTUM = 32, 6, 0.1, 0.9
SIZES = {"quick": (64, 500), "default": (64, 2000), "full": (256, 5000)}
AUTHORS = {
    "with_cn": {"final_loss": 3.7e-4, "first_layer_grad_norm_end": 7e-3},
    "without_cn": {"final_loss": 4.8e-2, "first_layer_grad_norm_end": 1.3e-7, "flat_from_iteration": 200},
    "size": 256,
    "iterations": 5000,
    "image": "MRI slice",
}


def phantom(size: int) -> torch.Tensor:
    """Scikit-image's Shepp-Logan phantom (400 x 400, values in [0, 1]) resized to size x size."""
    from skimage.data import shepp_logan_phantom
    from skimage.transform import resize

    img = resize(shepp_logan_phantom(), (size, size), anti_aliasing=True)
    return torch.tensor(np.clip(img, 0, 1), dtype=torch.float32)[None, None]


def decoder(normalized: bool, gen: torch.Generator) -> nn.Sequential:
    """Their decodernw without upsampling; weights and biases re-drawn from ``gen`` with
    PyTorch's default Conv2d rule (kaiming_uniform a=sqrt(5); bias U(+-1/sqrt(fan_in)))."""
    layers: list[nn.Module] = []
    for _ in range(LAYERS):
        layers += [nn.ReflectionPad2d(1), nn.Conv2d(CHANNELS, CHANNELS, 3, bias=not normalized), nn.ReLU()]
        if normalized:
            layers.append(nn.BatchNorm2d(CHANNELS))
    layers.append(nn.Conv2d(CHANNELS, 1, 1, bias=not normalized))
    net = nn.Sequential(*layers)
    with torch.no_grad():
        for m in net:
            if isinstance(m, nn.Conv2d):
                m.weight.copy_(nets.default_conv_weight(tuple(m.weight.shape), gen, torch.float32))
                if m.bias is not None:
                    fan_in = m.weight.shape[1] * m.weight.shape[2] * m.weight.shape[3]
                    m.bias.copy_(nets.default_conv_bias(m.bias.shape[0], fan_in, gen, torch.float32))
    return net.train()


def fit(normalized: bool, image: torch.Tensor, iters: int, seed: int) -> dict:
    """Train; return the loss curve, the first-layer gradient norm curve and the final numbers."""
    gen = nets.generator(seed)
    net = decoder(normalized, gen)
    x = torch.rand((1, CHANNELS, *image.shape[-2:]), generator=gen) * 0.1
    opt = torch.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM)
    first = next(m for m in net if isinstance(m, nn.Conv2d))
    loss_curve, grad_curve = np.full(iters, np.nan), np.full(iters, np.nan)
    for i in range(iters):
        opt.zero_grad()
        loss = torch.mean((net(x) - image) ** 2)
        if not torch.isfinite(loss):
            break
        loss.backward()
        loss_curve[i] = loss.item()
        grad_curve[i] = first.weight.grad.norm().item()
        opt.step()
    diverged = bool(np.isnan(loss_curve[-1]))
    final = float("inf") if diverged else float(loss_curve[-1])
    return {
        "loss": loss_curve,
        "grad": grad_curve,
        "final_loss": final,
        "psnr_db": 10 * math.log10(1 / final) if 0 < final < float("inf") else None,
        "first_layer_grad_norm_end": float(grad_curve[-1]),
        "diverged": diverged,
    }


def run(out: str, *, quick: bool, full: bool, seeds: int) -> dict:
    """Both variants on the phantom for ``seeds`` seeds at the chosen size; figure of seed 0."""
    t0 = time.time()
    size, iters = SIZES["full" if full else "quick" if quick else "default"]
    image = phantom(size)
    runs = {
        name: [fit(name == "with_cn", image, iters, s) for s in range(seeds)]
        for name in ("with_cn", "without_cn")
    }

    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(report.COLUMN, 1.6))
    colors = {"with_cn": report.CN, "without_cn": report.PLAIN}
    for name, rs in runs.items():
        for k, r in enumerate(rs):
            steps = np.arange(1, iters + 1)
            label = ("CN" if name == "with_cn" else "no CN") if k == 0 else None
            a.loglog(steps, r["loss"], color=colors[name], lw=0.7, label=label)
            b.loglog(steps, r["grad"], color=colors[name], lw=0.7)
    a.set_title(f"(a) MSE, phantom {size}$^2$")
    a.set_xlabel("iteration")
    a.legend(frameon=False)
    b.set_title("(b) first-layer grad. norm")
    b.set_xlabel("iteration")
    fig.tight_layout()
    figure = report.save_figure(fig, out, "p6_deep_decoder")

    ours = {}
    for name, rs in runs.items():
        ours[name] = {
            "final_loss": [r["final_loss"] for r in rs],
            "psnr_db": [r["psnr_db"] for r in rs],
            "first_layer_grad_norm_end": [r["first_layer_grad_norm_end"] for r in rs],
            "loss_at_200": [float(r["loss"][min(199, iters - 1)]) for r in rs],
            "diverged": [r["diverged"] for r in rs],
        }
    setup = {
        "size": size,
        "iterations": iters,
        "channels": CHANNELS,
        "layers": LAYERS,
        "lr": LR,
        "momentum": MOMENTUM,
        "input": "U[0, 0.1), (32, H, W)",
        "image": "skimage.data.shepp_logan_phantom, resized",
        "normalization": "BatchNorm2d on a batch of one (CN with gain and bias), eps 1e-5",
        "seeds": list(range(seeds)),
        "init": "PyTorch default Conv2d",
        "precision": "float32",
        "torch_threads": torch.get_num_threads(),
    }
    return report.experiment(
        "P6", "Deep decoder fitting an image", figure, setup, ours, AUTHORS, time.time() - t0
    )
