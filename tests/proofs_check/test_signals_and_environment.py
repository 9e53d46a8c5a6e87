"""proofs_check: --help follows the claim registry; SIGTERM/SIGINT end the workers and keep
finished results; the environment block's git commit and dirty flag (issue 18)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from proofs_check import report
from proofs_check.claims import CLAIMS
from proofs_check.cli import build_parser

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_help_lists_the_claim_families_of_the_registry():
    """Every family letter of the registry appears in --help with its first and last claim,
    so adding a family (or a claim at either end) without --help following it fails here."""
    text = " ".join(build_parser().format_help().split())
    letters = dict.fromkeys(c.id[0] for c in CLAIMS)
    for letter in letters:
        nums = sorted(int(c.id[1:]) for c in CLAIMS if c.id[0] == letter)
        assert f"{letter}{nums[0]}-{letter}{nums[-1]}" in text or len(nums) == 1, (letter, text)
    assert "(T1-T9, C1-C7)" not in text


#: A stand-in registry: a claim that finishes at once, then one that would run for 1000 s.
#: The slow one writes its worker's pid, so the test can see that the worker is gone.
SCRIPT = textwrap.dedent(
    """
    import os, sys, time
    import proofs_check.claims as registry
    from proofs_check.claims.base import Claim
    from theory.checks import Check
    folder = sys.argv[1]

    def fast(ctx):
        return [Check("quick", "exact", True, "done", 0.0, 0.0)]

    def slow(ctx):
        with open(os.path.join(folder, "worker.pid"), "w") as fh:
            fh.write(str(os.getpid()))
        time.sleep(1000)
        return []

    registry.CLAIMS = (
        Claim("T1", "fast", "exact", "s", "a", fast),
        Claim("T2", "slow", "exact", "s", "a", slow),
    )
    from proofs_check.cli import main
    sys.exit(main(["--jobs", sys.argv[2], "--quiet", "--json", os.path.join(folder, "r.json")]))
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as fh:  # a zombie is gone for our purpose
        return fh.read().split()[2] != "Z"


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
@pytest.mark.parametrize("jobs", ["2", "1"])
def test_signal_ends_workers_without_traceback_and_keeps_finished_claims(tmp_path, sig, code, jobs):
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path), jobs],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    pid_file = tmp_path / "worker.pid"
    deadline = time.monotonic() + 120
    while not pid_file.exists() or not pid_file.read_text():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the slow claim never started"
        time.sleep(0.1)
    time.sleep(0.5)  # the fast claim has finished by now (it started first)
    worker = int(pid_file.read_text())
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert f"interrupted by {sig.name}" in err
    for _ in range(50):  # the worker is terminated with the pool, not left to run 1000 s
        if not _alive(worker):
            break
        time.sleep(0.1)
    assert not _alive(worker), f"worker {worker} still running after {sig.name}"
    doc = json.loads((tmp_path / "r.json").read_text())
    assert doc["summary"]["interrupted"] is True and doc["summary"]["all_pass"] is False
    assert [c["id"] for c in doc["claims"]] == ["T1"]  # the finished claim is kept
    assert doc["claims"][0]["status"] == "pass"


def _git(cwd, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")
    return subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True, text=True, env=env)


def test_git_state_only_for_the_packages_own_work_tree(tmp_path):
    """A package folder inside some other repository (site-packages under a project) reports
    no commit; a package folder that is the work tree's top reports its commit, and dirty
    when a tracked file changed."""
    outer = tmp_path / "project"
    site = outer / "venv" / "site-packages"
    site.mkdir(parents=True)
    (outer / "README").write_text("x")
    _git(outer, "init", "-q")
    _git(outer, "add", "README")
    _git(outer, "commit", "-qm", "outer")
    assert report.git_state(str(site)) == (None, None)

    own = tmp_path / "checkout"
    own.mkdir()
    (own / "module.py").write_text("x = 1\n")
    _git(own, "init", "-q")
    _git(own, "add", "module.py")
    _git(own, "commit", "-qm", "own")
    head = _git(own, "rev-parse", "HEAD").stdout.strip()
    assert report.git_state(str(own)) == (head, False)
    (own / "untracked.txt").write_text("report output")
    assert report.git_state(str(own)) == (head, False)  # untracked files do not count
    (own / "module.py").write_text("x = 2\n")
    assert report.git_state(str(own)) == (head, True)

    assert report.git_state(str(tmp_path)) == (None, None)  # not a repository at all


def test_environment_block_has_commit_and_dirty():
    from proofs_check.claims import Context

    env = report.environment(Context())
    assert set(env) >= {"git_commit", "dirty", "version", "timestamp"}
    assert env["dirty"] in (True, False, None)
    assert (env["git_commit"] is None) == (env["dirty"] is None)
