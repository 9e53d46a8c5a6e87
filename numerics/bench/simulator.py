"""Throughput of ``simulate_gd`` against a fused compiled loop, careful NumPy, and PyTorch.

An *update* is one (trial, layer, frequency) pair per GD step, w = 0..n-1: trials·d·n per
step. ``run`` times, at each shape, the same plain GD (and CN for the simulator's paths):

* ``fourier``: ``simulate_gd`` on the compiled phase-free path (``numerics.gd.compiled``),
  with its stopping rule and bookkeeping, on every core (and on one thread);
* ``fused``: ``numerics.gd.compiled.fused_plain_steps``, the plain phase-free step as one compiled
  loop over trial (numba ``prange``: every core), step, frequency and layer and nothing else:
  the machine's limit for this step (and the same loop on one thread, the yardstick of
  issue 14);
* ``fourier-numpy`` and ``time``: ``simulate_gd``'s NumPy paths (phase-free state, and
  time-domain taps via FFT);
* ``careful NumPy``: ``numpy_time_gd``, batched time-domain GD with FFT convolutions and
  prefix/suffix products, what a careful NumPy user writes;
* ``torch``: the same time-domain GD with PyTorch autograd, when torch is importable.

Every repetition times each path once, in turn (A/B interleaved in one process, so a load
change on a shared machine hits all paths alike), on the same filters and step size; the
table shows medians over the repetitions. Steps per timing are calibrated so that one
timing takes about ``--seconds``. The ratios are stated against both yardsticks, and the
simulator's loss is compared with the fused loop's after the same steps ("agree").
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable

import numpy as np

from numerics.gd.core import all_cores
from numerics.gd.simulate import FourierGD, half_weights, random_filters, simulate_gd
from theory.validation.command_line import float_in, int_in


def fused_run(
    x: np.ndarray, y: np.ndarray, filters: np.ndarray, eta: float, steps: int, threads: int | None = None
) -> np.ndarray:
    """The fused loop from the filters (setup included), on every core or on ``threads``;
    returns the final f̂, (trials, n//2+1)."""
    import numba

    from numerics.gd.compiled import fused_plain_steps

    state = FourierGD(filters, x, y, False)
    rho2 = np.ascontiguousarray(state.rho2.transpose(0, 2, 1))
    f_re, f_im = np.ascontiguousarray(state.f_hat.real), np.ascontiguousarray(state.f_hat.imag)
    y_re, y_im = np.ascontiguousarray(state.y_hat.real), np.ascontiguousarray(state.y_hat.imag)
    before = numba.get_num_threads()
    numba.set_num_threads(threads or numba.config.NUMBA_NUM_THREADS)
    try:
        fused_plain_steps(rho2, f_re, f_im, y_re, y_im, float(eta), int(steps))
    finally:
        numba.set_num_threads(before)
    return f_re + 1j * f_im


def agreement(x: np.ndarray, y: np.ndarray, filters: np.ndarray, eta: float, steps: int) -> float:
    """max over trials of |L_simulate_gd - L_fused| / L_fused after ``steps`` plain steps."""
    f_hat = fused_run(x, y, filters, eta, steps)
    n = len(x)
    w = half_weights(n)
    r = np.fft.rfft(y) - f_hat
    fused = (w * (r.real**2 + r.imag**2)).sum(-1) / (2 * n)
    sim = simulate_gd(x, y, filters, eta=eta, max_iter=steps, tol=0).final_loss
    return float(np.max(np.abs(sim - fused) / fused))


def numpy_time_gd(x: np.ndarray, y: np.ndarray, filters: np.ndarray, eta: float, steps: int) -> np.ndarray:
    """Plain GD on the taps, batched over trials with FFTs; returns the losses, (steps+1, trials).

    Per step: ĉ = rfft(c); prefix P_i = x̂ Π_{j<i} ĉ_j and suffix S_i = Π_{j>i} ĉ_j by
    cumulative products; f̂ = P_d ĉ_d; grad_i = irfft(-r̂ conj(P_i S_i)) (T1/T2); c -= eta grad.
    """
    c = np.array(filters, dtype=float)
    trials, d, n = c.shape
    x_hat, y_hat = np.fft.rfft(x), np.fft.rfft(y)
    w = np.full(n // 2 + 1, 2.0)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    ones = np.ones((trials, 1, n // 2 + 1), complex)
    losses = []
    for k in range(steps + 1):
        c_hat = np.fft.rfft(c, axis=-1)
        prefix = np.cumprod(np.concatenate([ones * x_hat, c_hat[:, :-1]], axis=1), axis=1)
        suffix = np.cumprod(np.concatenate([ones, c_hat[:, :0:-1]], axis=1), axis=1)[:, ::-1]
        r = y_hat - prefix[:, -1] * c_hat[:, -1]
        losses.append((w * (r.real**2 + r.imag**2)).sum(-1) / (2 * n))
        if k == steps:
            break
        c -= eta * np.fft.irfft(-r[:, None] * np.conj(prefix * suffix), n=n, axis=-1)
    return np.array(losses)


def torch_time_gd(x: np.ndarray, y: np.ndarray, filters: np.ndarray, eta: float, steps: int) -> None:
    """Plain GD with PyTorch autograd (torch.fft convolutions, float64)."""
    import torch

    torch.set_num_threads(1)  # as every other path; several threads only contend on a shared machine
    c = torch.tensor(filters, dtype=torch.float64, requires_grad=True)
    xt, yt = torch.tensor(x), torch.tensor(y)
    n = filters.shape[-1]
    for _ in range(steps):
        f = torch.fft.irfft(torch.fft.rfft(xt) * torch.prod(torch.fft.rfft(c, dim=-1), dim=1), n=n)
        loss = 0.5 * ((yt - f) ** 2).sum()
        (g,) = torch.autograd.grad(loss, c)
        with torch.no_grad():
            c -= eta * g


def _torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def machine(torch: bool = False) -> dict[str, str]:
    """CPU model, cores, Python and library versions (torch's when ``torch``)."""
    import numba

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    info = {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "threads": f"{all_cores()} (simulate_gd), {numba.config.NUMBA_NUM_THREADS} (numba)",
    }
    if torch:
        import torch as _torch

        info["torch"] = _torch.__version__
    return info


def _load() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def problem(n: int, depth: int, trials: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.normal(0, 1 / np.sqrt(n), n), rng.normal(size=n), random_filters(trials, depth, n, seed=1)


def _paths(x, y, filters, eta: float, torch: bool) -> dict[str, Callable[[int], object]]:
    """name -> a function running that path for a number of steps."""

    def sim(method: str, normalized: bool, threads: int | None = None):
        def go(steps: int):
            res = simulate_gd(
                x,
                y,
                filters,
                eta=eta,
                normalized=normalized,
                max_iter=steps,
                tol=0,
                method=method,
                threads=threads,
            )
            if res.diverged.any() or res.underflowed.any():
                raise RuntimeError(f"bench: {method} stopped early; lower eta")
            return res

        return go

    paths = {
        "plain fourier": sim("fourier", False),
        "plain fused loop": lambda s: fused_run(x, y, filters, eta, s),
        "plain fourier, 1 thread": sim("fourier", False, 1),
        "plain fused, 1 thread": lambda s: fused_run(x, y, filters, eta, s, 1),
        "plain fourier-numpy": sim("fourier-numpy", False),
        "plain time (FFT)": sim("time", False),
        "plain careful NumPy": lambda s: numpy_time_gd(x, y, filters, eta, s),
        "CN fourier": sim("fourier", True),
        "CN fourier-numpy": sim("fourier-numpy", True),
    }
    if torch:
        paths["plain torch autograd"] = lambda s: torch_time_gd(x, y, filters, eta, s)
    return paths


def calibrate(go: Callable[[int], object], seconds: float, min_steps: int = 2) -> int:
    """Steps that make one timing of ``go`` last about ``seconds`` (doubling from 2), at least
    ``min_steps`` (so that a path's setup stays a small part of a timing)."""
    steps = 2
    while True:
        t0 = time.perf_counter()
        go(steps)
        elapsed = time.perf_counter() - t0
        if elapsed > seconds / 8 or steps >= 2**24:
            return max(min_steps, int(steps * seconds / max(elapsed, 1e-9)))
        steps *= 2


def interleaved_medians(
    paths: dict[str, Callable[[int], object]], repeats: int, seconds: float, min_steps: int = 2
) -> dict[str, float]:
    """Median seconds per step of every path, warmed up, calibrated, then A/B interleaved
    over ``repeats`` rounds (so a load that changes during the run hits every path alike)."""
    for go in paths.values():  # compile or load the kernels, warm every path up
        go(2)
    steps = {name: calibrate(go, seconds, min_steps) for name, go in paths.items()}
    times: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(repeats):
        for name, go in paths.items():
            t0 = time.perf_counter()
            go(steps[name])
            times[name].append((time.perf_counter() - t0) / steps[name])
    return {name: float(np.median(v)) for name, v in times.items()}


def measure(
    n: int, depth: int, trials: int, eta: float, repeats: int, seconds: float, torch: bool = True
) -> dict[str, float]:
    """Median seconds per step of every path at one shape, A/B interleaved over ``repeats``."""
    x, y, filters = problem(n, depth, trials)
    return interleaved_medians(_paths(x, y, filters, eta, torch), repeats, seconds)


def parse_shapes(text: str) -> list[tuple[int, int, int]]:
    """'16:12:16,16:4:64' -> [(n, d, trials), ...]."""
    out = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        try:
            n, d, t = (int(v) for v in part.split(":"))
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected n:d:trials[,n:d:trials...], got {part!r}") from None
        if not (2 <= n <= 4096 and 1 <= d <= 10**4 and 1 <= t <= 10**6):
            raise argparse.ArgumentTypeError(
                f"need 2 <= n <= 4096, 1 <= d <= 1e4, 1 <= trials <= 1e6: {part!r}"
            )
        out.append((n, d, t))
    return out


def add_timing_arguments(parser: argparse.ArgumentParser, *, eta: float) -> None:
    """--repeats, --seconds and --eta, shared by the benchmarks."""
    parser.add_argument(
        "--repeats",
        type=int_in(3, 100),
        default=3,
        help="interleaved repetitions, >= 3; medians are shown (3)",
    )
    parser.add_argument(
        "--seconds",
        type=float_in(0.0, 60.0, lo_open=True, hi_open=False),
        default=0.3,
        help="target seconds per timing (0.3)",
    )
    parser.add_argument(
        "--eta",
        type=float_in(0.0, 1.0, lo_open=True, hi_open=False),
        default=eta,
        help=f"step size ({eta:g})",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``proofs_check bench``."""
    parser.add_argument("--n", type=int_in(2, 4096), default=64, help="signal length of the main shape (64)")
    parser.add_argument("--depth", type=int_in(1, 10**4), default=20, help="depth of the main shape (20)")
    parser.add_argument("--trials", type=int_in(1, 10**6), default=256, help="trials of the main shape (256)")
    parser.add_argument(
        "--small",
        type=parse_shapes,
        default=[(16, 12, 16), (16, 4, 64)],
        metavar="n:d:trials,...",
        help="further shapes, the small batches of sweeps (default 16:12:16,16:4:64; '' for none)",
    )
    add_timing_arguments(parser, eta=1e-3)
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch autograd path")


def run(args: argparse.Namespace) -> int:
    """Print the machine, a table per shape, and the two ratios of issue 14."""
    torch = not args.no_torch and _torch_available()
    info = machine(torch)
    print("machine: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    print(f"load average before: {_load()} (the machine may be shared: ratios are A/B interleaved)")
    print(
        f"medians of {args.repeats} interleaved repetitions, ~{args.seconds:g} s per timing, eta = {args.eta:g}"
    )
    shapes = list(args.small) + [(args.n, args.depth, args.trials)]
    summary = []
    for n, d, trials in shapes:
        sec = measure(n, d, trials, args.eta, args.repeats, args.seconds, torch)
        units = trials * d * n
        base = sec["plain fourier"]
        print(f"\nn = {n}, d = {d}, trials = {trials}: {units} updates per step")
        print(f"  {'path':<22} {'s/step':>10} {'updates/s':>10} {'time / fourier':>15}")
        for name, s in sec.items():
            print(f"  {name:<22} {s:>10.3e} {units / s:>10.3e} {s / base:>14.2f}x")
        x, y, filters = problem(n, d, trials)
        agree = agreement(x, y, filters, args.eta, 200)
        summary.append(
            (n, d, trials, base / sec["plain fused loop"], sec["plain careful NumPy"] / base, sec, agree)
        )
    print(f"\nratios (plain network; {all_cores()} cores; 'agree': max relative loss gap after 200 steps):")
    print(
        f"  {'shape n:d:trials':<18} {'fourier / fused loop':>21} {'fourier / fused 1 thread':>25}"
        f" {'(1 thread / 1 thread)':>22} {'agree':>8} {'careful NumPy / fourier':>24}",
        end="",
    )
    print(f" {'torch / fourier':>16}" if torch else "")
    for n, d, trials, fused, careful, sec, agree in summary:
        one = sec["plain fourier"] / sec["plain fused, 1 thread"]
        base_one = sec["plain fourier, 1 thread"] / sec["plain fused, 1 thread"]
        line = (
            f"  {f'{n}:{d}:{trials}':<18} {fused:>20.2f}x {one:>24.2f}x {base_one:>21.2f}x {agree:>8.1e}"
            f" {careful:>23.1f}x"
        )
        if torch:
            line += f" {sec['plain torch autograd'] / sec['plain fourier']:>15.1f}x"
        print(line)
    if not torch and not args.no_torch:
        print("  PyTorch not importable: pip install '.[bench]' (or torch) adds the autograd ratio")
    print(f"load average after: {_load()}")
    return 0
