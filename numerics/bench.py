"""Throughput of ``simulate_gd`` against a batched NumPy time-domain reference and PyTorch.

Prints layer-frequency updates per second (trials x d x n per step: every (layer,
frequency) pair of every trial, w = 0..n-1) and the ratios, all measured in one run on
the same filters and step size.
"""

from __future__ import annotations

import time

import numpy as np

from numerics.reference import gd_reference
from numerics.simulate import random_filters, simulate_gd


def _torch_seconds_per_step(x, y, filters, eta: float, steps: int) -> float | None:
    """Plain-network GD with autograd (torch.fft convolutions), or None without torch."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(2)
    c = torch.tensor(filters, dtype=torch.float64, requires_grad=True)
    xt, yt = torch.tensor(x), torch.tensor(y)
    n = filters.shape[-1]
    t0 = time.perf_counter()
    for _ in range(steps):
        f = torch.fft.irfft(torch.fft.rfft(xt) * torch.prod(torch.fft.rfft(c, dim=-1), dim=1), n=n)
        loss = 0.5 * ((yt - f) ** 2).sum()
        (g,) = torch.autograd.grad(loss, c)
        with torch.no_grad():
            c -= eta * g
    return (time.perf_counter() - t0) / steps


def run_benchmark(
    n: int = 64, depth: int = 20, trials: int = 256, steps: int = 200, ref_steps: int = 5, eta: float = 1e-3
) -> dict:
    rng = np.random.default_rng(0)
    x, y = rng.normal(0, 1 / np.sqrt(n), n), rng.normal(size=n)
    filters = random_filters(trials, depth, n, seed=1)
    units = trials * depth * n
    rows = {}
    for normalized in (False, True):
        res = simulate_gd(x, y, filters, eta=eta, normalized=normalized, max_iter=steps, tol=0)
        if res.diverged.any() or res.underflowed.any():
            print(
                f"warning: {int(res.diverged.sum())} diverged trials left the batch; timing covers fewer trials"
            )
        fourier = res.seconds / steps
        t0 = time.perf_counter()
        simulate_gd(
            x, y, filters, eta=eta, normalized=normalized, max_iter=max(steps // 10, 1), tol=0, method="time"
        )
        fft_time = (time.perf_counter() - t0) / max(steps // 10, 1)
        t0 = time.perf_counter()
        gd_reference(x, y, filters, eta=eta, steps=ref_steps, normalized=normalized)
        ref = (time.perf_counter() - t0) / ref_steps
        rows["cn" if normalized else "plain"] = (fourier, fft_time, ref)
    torch_s = _torch_seconds_per_step(x, y, filters, eta, ref_steps * 4)
    print(f"n={n}, d={depth}, trials={trials}; layer-frequency updates per step = {units}")
    print(f"{'network':<6} {'method':<28} {'s/step':>10} {'updates/s':>11} {'speed-up vs reference':>22}")
    for name, (fourier, fft_time, ref) in rows.items():
        for label, sec in (
            ("phase-free Fourier (ours)", fourier),
            ("time-domain via FFT (ours)", fft_time),
            ("NumPy circulant reference", ref),
        ):
            print(f"{name:<6} {label:<28} {sec:>10.3e} {units / sec:>11.3e} {ref / sec:>21.1f}x")
        if name == "plain" and torch_s is not None:
            print(
                f"{name:<6} {'PyTorch autograd (FFT)':<28} {torch_s:>10.3e} {units / torch_s:>11.3e} {ref / torch_s:>21.1f}x"
            )
            print(f"{'':<6} ours vs PyTorch: {torch_s / fourier:.1f}x")
    if torch_s is None:
        print("PyTorch not installed: pip install '.[bench]' (or torch) to add the autograd reference")
    return {"rows": rows, "torch": torch_s, "units": units}
