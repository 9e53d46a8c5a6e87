"""The paper's benchmark line: seconds per training step of its longest runs on a device.

``proofs_check bench [--device cpu|cuda]`` prints, after the simulator's tables,

    paper (PyTorch 2.13.0+cpu, cpu, 1 thread), s/step, median of 3 runs of 5 steps:
      P2 step fit (n 1024, 12 layers x 4 channels, float64, 1 seed)   4.1e-02
      P6 deep decoder (256x256, 6 layers x 32 channels, float32, CN)  2.9e-01

timed through the experiments' own training functions (``step_fit.fit``, ``deep_decoder.fit``,
the code ``proofs_check paper --device`` runs), each run from its start (network drawn,
moved to the device) to its last recorded number back on the CPU, divided by its steps.
"""

from __future__ import annotations

import statistics
import time

import torch

from paper import deep_decoder, nets, step_fit

REPEATS, STEPS = 3, 5


def _per_step(run, steps: int, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run(steps)
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        times.append((time.perf_counter() - t0) / steps)
    return statistics.median(times)


def seconds_per_step(device: str, threads: int = 1, steps: int = STEPS, repeats: int = REPEATS) -> dict:
    """Median seconds per step of P2 (float64, one seed) and P6 (256^2, float32, CN) on ``device``."""
    why = nets.device_problem(device)
    if why:
        raise ValueError(f"--device: {device!r}: {why}")
    torch.set_num_threads(threads)
    image = deep_decoder.target(deep_decoder.SIZES["full"][0], None, torch.float32, device)
    return {
        "P2": _per_step(lambda k: step_fit.fit("cn", [0], iters=k, device=device), steps, repeats),
        "P6": _per_step(lambda k: deep_decoder.fit(True, image, k, 0, progress=False), steps, repeats),
    }


def lines(device: str, threads: int = 1) -> list[str]:
    """The benchmark's lines (module docstring)."""
    sec = seconds_per_step(device, threads)
    size = deep_decoder.SIZES["full"][0]
    layers = f"{step_fit.DEPTH} layers x {step_fit.CHANNELS} channels"
    return [
        f"paper (PyTorch {torch.__version__}, {device}, {threads} thread{'s' if threads > 1 else ''}),"
        f" s/step, median of {REPEATS} runs of {STEPS} steps:",
        f"  P2 step fit (n {step_fit.N}, {layers}, float64, 1 seed)   {sec['P2']:.1e}",
        f"  P6 deep decoder ({size}x{size}, {deep_decoder.LAYERS} layers x {deep_decoder.CHANNELS} channels,"
        f" float32, CN)  {sec['P6']:.1e}",
    ]
