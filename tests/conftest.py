import os
import sys

from hypothesis import HealthCheck, settings

sys.path.insert(0, os.path.dirname(__file__))
# Derandomized: the suite draws the same examples on every run (the project's determinism
# rule), so a CI result is reproducible; `--hypothesis-seed=N` or the "explore" profile
# (HYPOTHESIS_PROFILE=explore) searches new examples.
settings.register_profile(
    "ci",
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.register_profile("explore", parent=settings.get_profile("ci"), derandomize=False, max_examples=200)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# ----------------------------------------------------------------------------- Dask
# A real cluster for the --dask tests: `dask scheduler` and `dask worker` processes on
# 127.0.0.1 only (free ports: the scheduler picks one and writes it to a scheduler file),
# started with bounded waits and ended at teardown even when a test fails. The workers
# import this checkout (PYTHONPATH: the repository and tests/), as the test process does.
import contextlib  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import pytest  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DASK_START_SECONDS = 60


class DaskCluster:
    """A scheduler and its workers (subprocesses); ``address`` is the scheduler's tcp address."""

    def __init__(self, workers: int = 2):
        self.folder = tempfile.mkdtemp(prefix="dask-test-")
        self.file = os.path.join(self.folder, "scheduler.json")
        self.procs: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []
        self.env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                [REPO, os.path.join(REPO, "tests"), os.environ.get("PYTHONPATH", "")]
            ),
            "DASK_DISTRIBUTED__WORKER__DAEMON": "False",
        }
        self.address = ""
        try:
            self._start(
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                self.file,
            )
            deadline = time.monotonic() + DASK_START_SECONDS
            while not os.path.exists(self.file):
                if time.monotonic() > deadline or self.procs[0].poll() is not None:
                    raise RuntimeError("the dask scheduler did not start")
                time.sleep(0.1)
            time.sleep(0.2)  # the file is written whole; give the writer a moment
            import json

            self.address = json.load(open(self.file))["address"]
            assert self.address.startswith("tcp://127.0.0.1:"), self.address
            for _ in range(workers):
                self.add_worker()
            self.wait_for_workers(workers)
        except BaseException:
            self.close()
            raise

    def _start(self, *args: str) -> subprocess.Popen:
        proc = subprocess.Popen(
            [shutil.which("dask") or "dask", *args],
            env=self.env,
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(self.folder, f"log-{len(self.procs)}.txt"), "w"),
        )
        self.procs.append(proc)
        return proc

    def add_worker(self) -> subprocess.Popen:
        """One more single-threaded worker without a nanny (killing it really loses it)."""
        w = self._start(
            "worker", "--scheduler-file", self.file, "--host", "127.0.0.1", "--nthreads", "1",
            "--no-nanny", "--no-dashboard", "--memory-limit", "0", "--death-timeout", "30",
        )  # fmt: skip
        self.workers.append(w)
        return w

    def wait_for_workers(self, count: int) -> None:
        from dask.distributed import Client

        with Client(self.address, timeout="30s") as client:
            client.wait_for_workers(count, timeout=DASK_START_SECONDS)

    def close(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def dask_cluster_running(workers: int = 2):
    """A fresh ``DaskCluster`` for one test (e.g. one that ends a worker), closed after it."""
    pytest.importorskip("dask.distributed")
    cluster = DaskCluster(workers)
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.fixture(scope="session")
def dask_cluster():
    """A scheduler and two workers on 127.0.0.1 shared by the session's --dask tests: pass
    ``dask_cluster.address`` as --dask (or to ``run_cells(dask=...)``); do not end its workers."""
    with dask_cluster_running(2) as cluster:
        yield cluster
