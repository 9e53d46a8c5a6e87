"""P6's deep decoder: the BatchNorm gain start, the image reader, resuming a run exactly."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skimage")

from paper import deep_decoder as dd  # noqa: E402
from paper import nets, report  # noqa: E402


def test_P6_gain_start_uniform_is_pytorch_1_1_and_ones_is_1_2():
    uniform = dd.decoder(True, nets.generator(0), "uniform")
    ones = dd.decoder(True, nets.generator(0), "ones")
    gains = [m.weight.detach() for m in uniform if isinstance(m, torch.nn.BatchNorm2d)]
    assert len(gains) == dd.LAYERS
    g = torch.cat(gains)
    assert 0 <= g.min() and g.max() < 1 and g.std() > 0.2  # U(0, 1): std 0.29
    assert all(torch.all(m.weight == 1) for m in ones if isinstance(m, torch.nn.BatchNorm2d))
    assert all(torch.all(m.bias == 0) for m in uniform if isinstance(m, torch.nn.BatchNorm2d))
    with pytest.raises(ValueError, match="bn_gain_init"):
        dd.decoder(True, nets.generator(0), "zeros")


def test_P6_any_grayscale_or_rgb_image_scaled_to_unit_range(tmp_path):
    import matplotlib.pyplot as plt

    rgb = np.random.default_rng(0).uniform(0.2, 0.7, (20, 30, 3))
    plt.imsave(tmp_path / "x.png", rgb)
    img = dd.target(16, str(tmp_path / "x.png"), torch.float32)
    assert img.shape == (1, 1, 16, 16) and 0 <= float(img.min()) and float(img.max()) <= 1
    (tmp_path / "bad.png").write_text("not an image")
    with pytest.raises(ValueError, match="--image"):
        dd.target(16, str(tmp_path / "bad.png"), torch.float32)


def test_P6_interrupted_run_resumes_to_the_same_curves(tmp_path, monkeypatch):
    torch.set_num_threads(1)
    image = dd.target(12, None, torch.float32)
    straight = dd.fit(True, image, 8, 3, progress=False)
    path = str(tmp_path / "state" / "run.pt")
    monkeypatch.setattr(dd, "CHECKPOINT_SECONDS", -1.0)  # save after every step
    real_save = dd._save

    def save_then_stop(p, state):
        real_save(p, state)
        if state["step"] == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(dd, "_save", save_then_stop)
    with pytest.raises(KeyboardInterrupt):
        dd.fit(True, image, 8, 3, checkpoint=path, progress=False)
    monkeypatch.setattr(dd, "_save", real_save)
    resumed = dd.fit(True, image, 8, 3, checkpoint=path, progress=False)
    assert np.array_equal(resumed["loss"], straight["loss"])
    assert np.array_equal(resumed["grad"], straight["grad"])
    assert resumed["grad"].shape == (dd.LAYERS + 1, 8)
    again = dd.fit(True, image, 8, 3, checkpoint=path, progress=False)  # finished: reused, no step
    assert np.array_equal(again["loss"], straight["loss"])


def test_clusters_split_at_gaps_of_half_a_decade():
    groups = report.clusters([1.6e-3, 0.1, 1.8e-2, 5e-3, 9e-3, 0.12, float("nan")])
    assert [g["count"] for g in groups] == [4, 2]
    assert groups[1]["seeds"] == [1, 5]
