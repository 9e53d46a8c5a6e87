"""``proofs_check paper``'s contract: bad outputs are one line and exit 2 before any work,
no import cycle between the CLI and the paper command, the paper claims need no torch to list."""

from __future__ import annotations

import subprocess
import sys

import pytest
from cli_runner import cli


def run_cli(*args):
    """``proofs_check paper ARGS`` in this process (``cli_runner``: no new interpreter, torch
    imported once): every case below is refused before any work."""
    return cli("paper", *args)


@pytest.mark.parametrize(
    "args",
    [
        ["--out", ""],
        ["--out", "/proc/x"],
        ["--out", "/proc/x/y"],
        ["--out", "{tmp}/file.txt"],
        ["--out", "{tmp}/figs", "--json", "{tmp}/figs/p5_init_grads.png"],
        ["--out", "{tmp}/figs", "--json", "{tmp}/figs/p6_deep_decoder.pdf"],
        ["--out", "{tmp}/figs", "--json", "{tmp}/figs/p6_state/x.json"],
        ["--out", "{tmp}/figs", "--json", "{tmp}/missing/p.json"],
        ["--out", "{tmp}/figs", "--json", ""],
        ["--out", "{tmp}/figs", "--image", "{tmp}/no.png"],
        ["--out", "{tmp}/figs", "--bn-gain-init", "zeros"],
        ["--out", "{tmp}/figs", "--dtype", "float16"],
        ["--out", "{tmp}/figs", "--device", "tpu"],
        ["--out", "{tmp}/figs", "--store", "{tmp}/file.txt"],
        ["--out", "{tmp}/figs", "--store", ""],
        ["--out", "{tmp}/figs", "--dask", "no address"],
    ],
)
def test_paper_bad_outputs_exit_2_one_line_nothing_written(tmp_path, args):
    (tmp_path / "file.txt").write_text("x")
    out = run_cli(*[a.format(tmp=tmp_path) for a in args])
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
    assert not (tmp_path / "figs" / "p5_init_grads.png").exists()


def test_paper_json_inside_out_is_allowed_when_it_is_no_figure(tmp_path):
    from proofs_check.paper import check_paths

    class Args:
        out = str(tmp_path / "figs")
        paper_json = str(tmp_path / "figs" / "report.json")
        image = None

    check_paths(Args)  # the folder is made, nothing else
    assert (tmp_path / "figs").is_dir() and not (tmp_path / "figs" / "report.json").exists()


def test_cli_and_paper_do_not_import_each_other():
    code = (
        "import sys; import proofs_check.paper; "
        "assert 'proofs_check.cli' not in sys.modules, 'paper imports cli'; "
        "assert 'torch' not in sys.modules; import proofs_check.cli; assert 'torch' not in sys.modules"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_list_shows_paper_claims_without_torch():
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from proofs_check.cli import main; r = main(['--list']); "
            "assert 'torch' not in sys.modules; sys.exit(r)",
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    rows = [line for line in out.stdout.splitlines() if line.startswith("P")]
    assert [r.split("\t")[0] for r in rows] == ["P1", "P2", "P3", "P4", "P5", "P6"]
    assert all("extra 'paper'" in r for r in rows)


def test_P6_checks_need_both_ratios_of_ten():
    from proofs_check.claims.paper import checks

    def entry(grad_cn, loss_cn):
        return {
            "id": "P6",
            "ours": {
                "with_cn": {
                    "bn_gain_init": "uniform",
                    "first_layer_grad_norm_end": [grad_cn],
                    "final_loss": [loss_cn],
                },
                "without_cn": {
                    "bn_gain_init": None,
                    "first_layer_grad_norm_end": [1e-5],
                    "final_loss": [4e-2],
                },
            },
        }

    assert all(c.passed for c in checks(entry(8e-3, 6e-5)))
    assert [c.passed for c in checks(entry(3.2e-6, 6e-5))] == [False, True]  # the old 64^2 reading
    assert [c.passed for c in checks(entry(8e-3, 1e-2))] == [True, False]


def test_paper_json_keeps_every_finished_experiment_of_a_long_run(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    pytest.importorskip("skimage")
    import json

    import proofs_check.paper as cmd
    from proofs_check.cli import build_parser

    path = tmp_path / "r.json"
    seen = []

    def fake(eid):
        def run(out, **kwargs):
            if seen:  # the file already holds the finished experiment, marked incomplete
                partial = json.loads(path.read_text())
                assert [e["id"] for e in partial["experiments"]] == seen
                assert partial["environment"]["complete"] is False
            seen.append(eid)
            ours = {"seconds": 0.0, "crosschecks": {"T1_max_rel_err": 1e-16}}
            return {"id": eid, "title": "t", "figure": "f", "setup": {}, "ours": ours, "authors": {}}

        return run

    monkeypatch.setattr(cmd, "runner", fake)
    args = build_parser().parse_args(
        ["paper", "--only", "P1,P5", "--out", str(tmp_path), "--json", str(path)]
    )
    assert cmd.run(args) == 0
    final = json.loads(path.read_text())
    assert [e["id"] for e in final["experiments"]] == ["P1", "P5"] and final["environment"]["complete"]


def test_only_P1_without_torch_is_refused_up_front_with_the_install_command(tmp_path):
    fake = tmp_path / "torch"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError('torch hidden by the test')\n")
    env = {**__import__("os").environ, "PYTHONPATH": f"{tmp_path}:{__import__('os').getcwd()}"}
    out = subprocess.run(
        [sys.executable, "-m", "proofs_check", "--only", "T1,P1", "--json", str(tmp_path / "r.json")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 2, out.stderr
    (line,) = out.stderr.strip().splitlines()
    assert "--only P1" in line and 'pip install ".[paper]"' in line and "Traceback" not in out.stderr
    assert not (tmp_path / "r.json").exists()
