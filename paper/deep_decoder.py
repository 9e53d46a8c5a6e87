"""P6: the deep decoder fitting an image (their motivating example, ``normalization_deep_decoder``).

Their ``decodernw(1, [32]*5, filter_size_up=3, need_sigmoid=False, upsample_mode='none')``:
6 layers of [reflection pad 1 -> Conv2d 32 -> 32, 3x3 -> ReLU -> BatchNorm2d(32)] then a
1x1 Conv2d 32 -> 1. On a batch of one image, BatchNorm2d in training mode is channel
normalization over the H x W pixels (biased variance, eps 1e-5) with a learned gain and
bias. The no-CN variant (``bn=False, bias=True``) drops the BatchNorm and gives every conv
a bias. Input U[0, 0.1) of shape (32, H, W), fixed; MSE; SGD lr 0.1, momentum 0.9.
PyTorch's default Conv2d initialization, float32 (their GPU run's precision).

The BatchNorm gain's start (``bn_gain_init``): ``"uniform"`` draws it from U(0, 1), the
default of PyTorch <= 1.1 that the authors' 2019 notebook ran with (the default here);
``"ones"`` starts it at 1 (PyTorch >= 1.2). The bias starts at 0 either way.

Image: scikit-image's Shepp-Logan phantom (their MRI slice cannot be shipped) or any
grayscale image (``image_path``), scaled to [0, 1] and resized to size x size: 256 and 5000
steps with ``--full``, 128 and 1000 steps otherwise (``--quick`` too).

Long runs are resumable twice over: each variant and seed is one cell of the one runner
(``paper.cells``), stored when it finishes; within a cell, the run keeps its state (weights,
optimizer, curves so far) in ``<out>/p6_state/``, written atomically every
``CHECKPOINT_SECONDS``, so a rerun with the same settings continues from there, and a finished
run is reused as it is. Device (``"cpu"``/``"cuda"``): ``paper.nets``' rule, draws on the CPU.
"""

from __future__ import annotations

import hashlib
import math
import os
import sys
import time

import numpy as np
import torch
from torch import nn

from numerics.store.files import atomic_path
from paper import cells, nets, report

CHANNELS, LAYERS, LR, MOMENTUM = 32, 6, 0.1, 0.9
SIZES = {"quick": (128, 1000), "default": (128, 1000), "full": (256, 5000)}
GAIN_INITS = ("uniform", "ones")
CHECKPOINT_SECONDS = 60.0
PRINTED_EVERY = 10  # their notebook prints the loss every 10 steps; the last printed is iters - 10
AUTHORS = {
    "with_cn": {"final_loss": 3.7e-4, "first_layer_grad_norm_end": 7e-3},
    "without_cn": {"final_loss": 4.8e-2, "first_layer_grad_norm_end": 1.3e-7, "flat_from_iteration": 200},
    "size": 256,
    "iterations": 5000,
    "image": "MRI slice",
    "torch": "<= 1.1 (Python 3.6, May 2019): BatchNorm gain drawn from U(0, 1)",
}


def phantom(size: int) -> np.ndarray:
    """Scikit-image's Shepp-Logan phantom (400 x 400, values in [0, 1])."""
    from skimage.data import shepp_logan_phantom

    return shepp_logan_phantom()


def read_image(path: str) -> np.ndarray:
    """Any image file as grayscale in [0, 1]; ValueError naming ``--image`` if it cannot be read."""
    from skimage import io
    from skimage.color import rgb2gray, rgba2rgb

    try:
        img = np.asarray(io.imread(path), dtype=float)
    except Exception as err:  # skimage/imageio raise many kinds
        raise ValueError(f"--image: cannot read {path!r} as an image ({type(err).__name__}: {err})") from None
    if img.ndim == 3 and img.shape[-1] == 4:
        img = rgba2rgb(img / (img.max() or 1))
    if img.ndim == 3 and img.shape[-1] == 3:
        img = rgb2gray(img)
    if img.ndim != 2 or min(img.shape) < 2:
        raise ValueError(f"--image: expected a 2-D grayscale or RGB image, got shape {img.shape}")
    lo, hi = float(np.min(img)), float(np.max(img))
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi == lo:
        raise ValueError(f"--image: {path!r} is constant or not finite (min {lo}, max {hi})")
    return (img - lo) / (hi - lo)


def target(size: int, image_path: str | None, dtype: torch.dtype, device: str = "cpu") -> torch.Tensor:
    """The image (phantom when ``image_path`` is None) resized to size x size, shape (1, 1, size, size),
    on ``device``."""
    from skimage.transform import resize

    img = phantom(size) if image_path is None else read_image(image_path)
    img = np.clip(resize(img, (size, size), anti_aliasing=True), 0, 1)
    return torch.tensor(img, dtype=dtype)[None, None].to(device)


def decoder(
    normalized: bool,
    gen: torch.Generator,
    bn_gain_init: str = "uniform",
    dtype=torch.float32,
    device: str = "cpu",
):
    """Their decodernw without upsampling; conv weights and biases drawn from ``gen`` with
    PyTorch's default Conv2d rule (kaiming_uniform a=sqrt(5); bias U(+-1/sqrt(fan_in))), layer
    by layer, each BatchNorm gain right after its conv (U(0, 1) or 1, per ``bn_gain_init``);
    drawn on the CPU, then moved to ``device``."""
    if bn_gain_init not in GAIN_INITS:
        raise ValueError(f"bn_gain_init must be one of {GAIN_INITS}, got {bn_gain_init!r}")
    layers: list[nn.Module] = []
    for _ in range(LAYERS):
        layers += [nn.ReflectionPad2d(1), nn.Conv2d(CHANNELS, CHANNELS, 3, bias=not normalized), nn.ReLU()]
        if normalized:
            layers.append(nn.BatchNorm2d(CHANNELS))
    layers.append(nn.Conv2d(CHANNELS, 1, 1, bias=not normalized))
    net = nn.Sequential(*layers).to(dtype)
    with torch.no_grad():
        for m in net:
            if isinstance(m, nn.Conv2d):
                m.weight.copy_(nets.default_conv_weight(tuple(m.weight.shape), gen, dtype))
                if m.bias is not None:
                    fan_in = m.weight.shape[1] * m.weight.shape[2] * m.weight.shape[3]
                    m.bias.copy_(nets.default_conv_bias(m.bias.shape[0], fan_in, gen, dtype))
            elif isinstance(m, nn.BatchNorm2d):
                if bn_gain_init == "uniform":
                    m.weight.copy_(torch.rand(m.weight.shape, generator=gen, dtype=dtype))
                else:
                    m.weight.fill_(1.0)
                m.bias.zero_()
    return net.to(device).train()


def state_path(folder: str, key: dict) -> str:
    """The checkpoint file of one run in ``folder``: a readable name plus a hash of every setting that fixes it."""
    digest = hashlib.sha256(repr(sorted(key.items())).encode()).hexdigest()[:12]
    gain = key["bn_gain_init"] if key["normalized"] else "none"
    name = f"p6_{'cn' if key['normalized'] else 'nocn'}_{gain}_s{key['seed']}_{key['size']}_{digest}.pt"
    return os.path.join(folder, name)


def _save(path: str, state: dict) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def fit(
    normalized: bool,
    image: torch.Tensor,
    iters: int,
    seed: int,
    *,
    bn_gain_init: str = "uniform",
    checkpoint: str | None = None,
    label: str = "",
    progress: bool = True,
) -> dict:
    """Train on ``image``'s device and dtype (resuming from ``checkpoint`` if it holds a run of the
    same settings); return the loss curve and every conv layer's weight-gradient norm (layers x
    iters), both recorded before each step, and the final numbers. A non-finite loss stops the
    run as diverged."""
    dtype, device = image.dtype, image.device
    gen = nets.generator(seed)
    net = decoder(normalized, gen, bn_gain_init, dtype, device)
    x = (torch.rand((1, CHANNELS, *image.shape[-2:]), generator=gen, dtype=dtype) * 0.1).to(device)
    opt = torch.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM)
    convs = [m for m in net if isinstance(m, nn.Conv2d)]
    loss_curve, grad_curve = np.full(iters, np.nan), np.full((len(convs), iters), np.nan)
    start, diverged = 0, False
    if checkpoint and os.path.exists(checkpoint):
        st = torch.load(checkpoint, weights_only=False, map_location=device)
        net.load_state_dict(st["net"])
        opt.load_state_dict(st["opt"])
        start, diverged = st["step"], st["diverged"]
        loss_curve[:start], grad_curve[:, :start] = st["loss"][:start], st["grad"][:, :start]

    def save(step: int) -> None:
        if checkpoint:
            state = {"net": net.state_dict(), "opt": opt.state_dict(), "step": step, "diverged": diverged}
            _save(checkpoint, {**state, "loss": loss_curve, "grad": grad_curve})

    t0, last_save, i = time.time(), time.time(), start
    report_every = max(1, iters // 20)
    for i in range(start, iters):
        if diverged:
            break
        opt.zero_grad()
        loss = torch.mean((net(x) - image) ** 2)
        if not torch.isfinite(loss):
            diverged = True
            break
        loss.backward()
        loss_curve[i] = loss.item()
        grad_curve[:, i] = [c.weight.grad.norm().item() for c in convs]
        opt.step()
        done = i + 1 - start
        if progress and (i + 1) % report_every == 0:
            per = (time.time() - t0) / done
            print(
                f"P6 {label} step {i + 1}/{iters}: loss {loss_curve[i]:.3g}, {per:.3f} s/step, "
                f"about {per * (iters - i - 1) / 60:.1f} min left",
                file=sys.stderr,
                flush=True,
            )
        if time.time() - last_save > CHECKPOINT_SECONDS:
            save(i + 1)
            last_save = time.time()
    else:
        i = iters
    save(iters if not diverged else i)
    seconds_per_step = (time.time() - t0) / max(1, i - start) if i > start else None
    return readings(loss_curve, grad_curve, diverged, seconds_per_step)


def readings(loss: np.ndarray, grad: np.ndarray, diverged: bool, seconds_per_step: float | None) -> dict:
    """A run's curves (loss per step, layers x steps gradient norms) and the numbers read from
    them: the final loss (inf when diverged), the loss at their last printed step, the PSNR and
    the gradient norms at the end."""
    iters = len(loss)
    final = float("inf") if diverged else float(loss[-1])
    printed = iters - PRINTED_EVERY
    return {
        "loss": loss,
        "grad": grad,
        "final_loss": final,
        "loss_at_printed_step": float(loss[printed]) if printed >= 0 else None,
        "printed_step": printed,
        "psnr_db": 10 * math.log10(1 / final) if 0 < final < float("inf") else None,
        "first_layer_grad_norm_end": float(grad[0, -1]),
        "grad_norm_end": grad[:, -1].tolist(),
        "diverged": diverged,
        "seconds_per_step": seconds_per_step,
    }


def variants(bn_gain_init: str, full: bool) -> dict[str, tuple[bool, str]]:
    """Name -> (normalized, gain start): CN with the chosen gain start and no CN; with
    ``full`` also CN with the other gain start (``with_cn_gain_<other>``)."""
    out = {"with_cn": (True, bn_gain_init), "without_cn": (False, bn_gain_init)}
    if full:
        other = next(g for g in GAIN_INITS if g != bn_gain_init)
        out[f"with_cn_gain_{other}"] = (True, other)
    return out


def _label(name: str, gain: str) -> str:
    return (
        f"CN, gain start {'U(0,1)' if gain == 'uniform' else '1'}" if name.startswith("with_cn") else "no CN"
    )


def plot(runs: dict[str, list[dict]], gains: dict[str, str], out: str, title: str) -> str:
    """Their reading: (a) the loss on a semilog-x axis, then one panel per variant with every
    conv layer's weight-gradient norm (log-log), seed 0; the gain start is in each label."""
    import matplotlib.pyplot as plt

    names = list(runs)
    fig, axes = plt.subplots(1, 1 + len(names), figsize=(report.COLUMN * (1 + len(names)) / 2, 1.9))
    colors = {"with_cn": report.CN, "without_cn": report.PLAIN}
    for name, rs in runs.items():
        color = colors.get(name, "#6baed6")
        for k, r in enumerate(rs):
            steps = np.arange(1, len(r["loss"]) + 1)
            axes[0].semilogx(
                steps,
                r["loss"],
                color=color,
                lw=0.7,
                alpha=0.8,
                label=_label(name, gains[name]) if k == 0 else None,
            )
    axes[0].set_xlabel("iteration")
    axes[0].set_ylabel("MSE")
    axes[0].set_title("(a) loss (semilog-x)")
    axes[0].legend(frameon=False, fontsize=5)
    shades = plt.cm.viridis(np.linspace(0, 0.9, LAYERS + 1))
    for ax, name, tag in zip(axes[1:], names, "bcdef"):
        g = runs[name][0]["grad"]
        for layer in range(g.shape[0]):
            ax.loglog(
                np.arange(1, g.shape[1] + 1),
                g[layer],
                color=shades[layer],
                lw=0.6,
                label=f"layer {layer + 1}",
            )
        ax.set_xlabel("iteration")
        ax.set_title(f"({tag}) grad. norms, {_label(name, gains[name])}", fontsize=6)
    axes[1].set_ylabel(r"$\|\nabla W_l\|$, seed 0")
    axes[-1].legend(frameon=False, fontsize=4.5, ncol=2)
    fig.suptitle(title, fontsize=7)
    fig.tight_layout()
    return report.save_figure(fig, out, "p6_deep_decoder")


def _summary(rs: list[dict], gain: str, normalized: bool) -> dict:
    finals = [r["final_loss"] for r in rs]
    first = [r["first_layer_grad_norm_end"] for r in rs]
    return {
        "bn_gain_init": gain if normalized else None,
        "final_loss": finals,
        "final_loss_summary": report.summary(finals),
        "loss_at_printed_step": [r["loss_at_printed_step"] for r in rs],
        "printed_step": rs[0]["printed_step"],
        "psnr_db": [r["psnr_db"] for r in rs],
        "first_layer_grad_norm_end": first,
        "first_layer_grad_norm_end_summary": report.summary(first),
        "grad_norm_end_per_layer": [r["grad_norm_end"] for r in rs],
        "loss_at_200": [float(r["loss"][min(199, len(r["loss"]) - 1)]) for r in rs],
        "diverged": [r["diverged"] for r in rs],
        "seconds_per_step": [r["seconds_per_step"] for r in rs],
    }


def checkpoint_key(params: dict) -> dict:
    """The settings that fix one run's state file (``state_path``): a cell's parameters without its
    state folder; device and threads only where they are not the default cpu and 1."""
    key = {
        "normalized": params["normalized"],
        "bn_gain_init": params["bn_gain_init"],
        "seed": params["seed"],
        "size": params["size"],
        "iters": params["iters"],
        "dtype": f"torch.{params['dtype']}",
        "image": params["image_sha256"],
        "torch": params["torch"],
    }
    if params["device"] != "cpu":
        key["device"] = params["device"]
    if params["threads"] != 1:
        key["threads"] = params["threads"]
    return key


def cell(params: dict) -> dict:
    """One cell of P6: one variant (``normalized``, BatchNorm gain start) and seed, trained with its
    state file in ``params["state_dir"]`` (None: none), so that a run stopped mid-way resumes there;
    the curves packed."""
    dtype, device = cells.prepare(params)
    normalized = params["normalized"]
    gain = params["bn_gain_init"] if normalized else GAIN_INITS[0]  # no BatchNorm: the gain is unused
    image = target(params["size"], params["image"], dtype, device)
    folder = params["state_dir"]
    r = fit(
        normalized,
        image,
        params["iters"],
        params["seed"],
        bn_gain_init=gain,
        checkpoint=folder and state_path(folder, checkpoint_key(params)),
        label=f"{_label('with_cn' if normalized else 'without_cn', gain)}, seed {params['seed']}",
    )
    return {
        "loss": cells.pack(r["loss"]),
        "grad": cells.pack(r["grad"]),
        "diverged": r["diverged"],
        "seconds_per_step": r["seconds_per_step"],
    }


def run(
    out: str,
    *,
    quick: bool,
    full: bool,
    seeds: int,
    bn_gain_init: str = "uniform",
    image_path: str | None = None,
    dtype: torch.dtype = torch.float32,
    device: str = "cpu",
    threads: int = 1,
    store: str | None = None,
    dask: object = None,
) -> dict:
    """Both variants (with ``full`` also the other gain start) for ``seeds`` seeds, one cell per
    variant and seed (``paper.cells``), state files in ``<out>/p6_state``; the figure (seed 0) and
    the JSON entry. Seed 0 of every variant runs first."""
    t0 = time.time()
    size, iters = SIZES["full" if full else "quick" if quick else "default"]
    precision = str(dtype).removeprefix("torch.")
    todo = variants(bn_gain_init, full)
    sha = image_path and hashlib.sha256(open(image_path, "rb").read()).hexdigest()
    state_dir = os.path.abspath(os.path.join(out, "p6_state"))
    params = [
        {
            "normalized": normalized,
            "bn_gain_init": gain if normalized else "none",
            "seed": s,
            "size": size,
            "iters": iters,
            "image": image_path and os.path.abspath(image_path),
            "image_sha256": sha,
            "state_dir": state_dir,
            **cells.common(precision, device, threads),
        }
        for s in range(seeds)
        for normalized, gain in todo.values()
    ]
    done = cells.run(
        "P6", "deep_decoder", cell, params, store=store, dask=dask,
        label=lambda p: f"P6 {'CN' if p['normalized'] else 'no CN'} {p['bn_gain_init']}, seed {p['seed']}",
    )  # fmt: skip
    runs: dict[str, list[dict]] = {name: [] for name in todo}
    for k, r in enumerate(done):
        name = list(todo)[k % len(todo)]
        runs[name].append(
            readings(cells.unpack(r["loss"]), cells.unpack(r["grad"]), r["diverged"], r["seconds_per_step"])
        )
    gains = {name: gain for name, (_, gain) in todo.items()}
    what = "phantom" if image_path is None else os.path.basename(image_path)
    title = (
        f"P6 deep decoder, {what} {size}$^2$, {iters} steps, {precision}; "
        f"BatchNorm gain start: {', '.join(sorted({g for n, g in gains.items() if n.startswith('with_cn')}))}"
    )
    figure = plot(runs, gains, out, title)
    ours = {name: _summary(rs, gains[name], todo[name][0]) for name, rs in runs.items()}
    cn, plain = ours["with_cn"], ours["without_cn"]
    ours["ratios_seed0"] = {
        "first_layer_grad_end_cn_over_plain": cn["first_layer_grad_norm_end"][0]
        / plain["first_layer_grad_norm_end"][0],
        "final_loss_plain_over_cn": plain["final_loss"][0] / cn["final_loss"][0],
    }
    setup = {
        "size": size,
        "iterations": iters,
        "channels": CHANNELS,
        "layers": LAYERS,
        "lr": LR,
        "momentum": MOMENTUM,
        "input": "U[0, 0.1), (32, H, W)",
        "image": "skimage.data.shepp_logan_phantom, resized"
        if image_path is None
        else f"{image_path}, grayscale, resized",
        "normalization": "BatchNorm2d on a batch of one (CN with gain and bias), eps 1e-5",
        "bn_gain_init": bn_gain_init,
        "bn_gain_init_meaning": {"uniform": "U(0, 1), PyTorch <= 1.1", "ones": "1, PyTorch >= 1.2"},
        "seeds": list(range(seeds)),
        "init": "PyTorch default Conv2d",
        "precision": precision,
        "device": device,
        "torch_threads": threads,
        "state_folder": os.path.join(out, "p6_state"),
    }
    return report.experiment(
        "P6", "Deep decoder fitting an image", figure, setup, ours, AUTHORS, time.time() - t0
    )
