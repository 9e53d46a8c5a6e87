"""Cell functions for the runner's tests: module-level, so Dask workers import them too
(the test cluster's workers have tests/ on their path)."""

from __future__ import annotations

import os
import time

import numpy as np


def noisy_sum(params: dict) -> dict:
    """A deterministic cell: the sum and a matrix product of draws from the cell's seed, and
    (if asked) a pause of ``sleep`` seconds, so a cell can be caught running."""
    time.sleep(params.get("sleep", 0.0))
    rng = np.random.default_rng(params["seed"])
    a = rng.normal(size=(40, 40))
    return {"sum": float(a.sum()), "trace": float(np.trace(a @ a @ a)), "pid_parity": 0}


def where(params: dict) -> dict:
    """The process a cell ran in (to see that a cluster really did the work)."""
    return {"pid": os.getpid()}
