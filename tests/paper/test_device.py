"""``--device``: one code path on the CPU and on CUDA; the CPU numbers are the ones of before the
option (bit for bit), CUDA is refused where there is none, and runs where there is."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skimage")

from paper import deep_decoder as dd  # noqa: E402
from paper import init_grads, landscape, linear_head, step_fit  # noqa: E402

#: sha256 (first 16 hex digits) of the float64 bytes of each short run's numbers, recorded on the
#: CPU (1 thread) with the code before ``--device`` existed (commit 420058f, /tmp/paperdev_ref/short.py).
BEFORE_DEVICE = {
    "P2 cn torch.float64": "e714b635b513adbb",
    "P2 cn torch.float32": "0b979b6f85fd258c",
    "P2 bias": "d0acdc367be43476",
    "P3 cn d5": "0de415d7b405646e",
    "P4 linear cn": "d9f0dfc5e95ee3c0",
    "P5 cn_fixed": "8e0356468e2e8ea1",
    "P5 none f32": "10df8a60e17683b4",
    "P6 True": "cd720d58e711158f",
    "P6 False": "c973b7363cfbc78a",
}


def _digest(*arrays) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(np.asarray(a, dtype=np.float64)).tobytes())
    return h.hexdigest()[:16]


def short_runs(device: str, monkeypatch) -> dict[str, list[np.ndarray]]:
    """A few steps of every PyTorch experiment (P2-P6) on ``device``: their recorded numbers."""
    torch.set_num_threads(1)
    out: dict[str, list[np.ndarray]] = {}
    for dt in (torch.float64, torch.float32):
        f, *_ = step_fit.fit("cn", [0, 1], iters=4, dtype=dt, device=device)
        out[f"P2 cn {dt}"] = [f.loss, f.grad_norms]
    f, *_ = step_fit.fit("bias", [2], iters=4, device=device)
    out["P2 bias"] = [f.loss, f.grad_norms]
    f = linear_head.fit("cn", 5, [0, 1], 4, device=device)
    out["P3 cn d5"] = [f.loss, f.grad_norms]
    monkeypatch.setattr(landscape, "ITERS", 3)
    rows = landscape.landscapes(landscape.SETTINGS["linear"], "cn_fixed", [0, 1], device=device)
    out["P4 linear cn"] = [np.r_[r[0], r[1].ravel(), r[2]] for r in rows]
    out["P5 cn_fixed"] = [init_grads.gradient_norms("cn_fixed", [0, 1, 2], device=device)]
    out["P5 none f32"] = [init_grads.gradient_norms("none", [3, 4], dtype=torch.float32, device=device)]
    img = dd.target(12, None, torch.float32, device)
    for norm in (True, False):
        r = dd.fit(norm, img, 4, 1, progress=False)
        out[f"P6 {norm}"] = [r["loss"], r["grad"]]
    return out


def test_device_cpu_numbers_are_bit_for_bit_those_before_the_option(monkeypatch):
    got = {name: _digest(*arrays) for name, arrays in short_runs("cpu", monkeypatch).items()}
    assert got == BEFORE_DEVICE


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")
def test_device_cuda_runs_the_same_code_and_agrees_with_the_cpu(monkeypatch):
    """The same draws (made on the CPU), trained on the GPU: float64 within 1e-10 of the CPU after
    a few steps, float32 within 1e-4 (GPU kernels sum in another order: not bit for bit)."""
    cpu, gpu = short_runs("cpu", monkeypatch), short_runs("cuda", monkeypatch)
    for name in cpu:
        rtol = 1e-4 if "32" in name or name.startswith("P6") else 1e-10
        for a, b in zip(cpu[name], gpu[name]):
            np.testing.assert_allclose(b, a, rtol=rtol, atol=0, err_msg=name)
    net = dd.decoder(True, torch.Generator().manual_seed(0), device="cuda")
    assert all(p.is_cuda for p in net.parameters())


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is present")
def test_device_cuda_refused_without_one_before_any_work(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "proofs_check", "paper", "--device", "cuda", "--out", str(tmp_path / "f")],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "--device" in lines[0] and "CUDA" in lines[0], out.stderr
    assert not (tmp_path / "f").exists()


def test_bench_prints_the_per_step_time_on_the_device_used(monkeypatch):
    from paper import bench

    monkeypatch.setattr(dd, "SIZES", {**dd.SIZES, "full": (16, 5000)})  # a small image: seconds
    monkeypatch.setattr(bench, "STEPS", 1)
    monkeypatch.setattr(bench, "REPEATS", 1)
    head, p2, p6 = bench.lines("cpu")
    assert "cpu, 1 thread" in head and "s/step" in head
    assert float(p2.split()[-1]) > 0 and float(p6.split()[-1]) > 0 and "16x16" in p6
    with pytest.raises(ValueError, match="--device"):
        bench.seconds_per_step("tpu")
