"""Every branch of the one stopping rule (``numerics.gd.status``), by hand (issue 27)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from numerics.gd.status import CONVERGED, DIVERGED, RUNNING, UNDERFLOWED, check_start, classify, classify_all

INF, NAN = math.inf, math.nan

RULE = [
    # (loss, l0, tol, diverge_factor, small, overflow, state)
    (0.1, 1.0, 0.5, 1e8, True, True, CONVERGED),  # converged beats everything
    (0.5, 1.0, 0.5, 1e8, False, False, CONVERGED),  # at exactly tol L_0
    (0.1, 1.0, 0.0, 1e8, False, False, RUNNING),  # tol = 0 never converges
    (NAN, 1.0, 0.5, 1e8, False, False, DIVERGED),  # a NaN is never converged
    (INF, INF, 0.5, 1e8, False, False, DIVERGED),
    (INF, 1.0, 0.5, 1e8, True, False, DIVERGED),  # growth beats underflow
    (0.9, 1.0, 0.5, 1e8, True, True, DIVERGED),  # overflow
    (2e8, 1.0, 0.5, 1e8, True, False, DIVERGED),  # grew past the factor
    (1e8, 1.0, 0.5, 1e8, False, False, RUNNING),  # at exactly the factor: still running
    (NAN, 1.0, 0.5, 1e8, True, False, UNDERFLOWED),  # a NaN that underflow explains
    (0.9, 1.0, 0.5, 1e8, True, False, UNDERFLOWED),
    (0.9, 1.0, 0.5, 1e8, False, False, RUNNING),
]


@pytest.mark.parametrize("loss, l0, tol, factor, small, overflow, state", RULE)
def test_classify_every_branch(loss, l0, tol, factor, small, overflow, state):
    assert classify(loss, l0, tol, factor, small, overflow) == state


def test_classify_all_is_classify_per_trial():
    cols = [np.array(c) for c in zip(*RULE)]
    loss, l0, tol, factor, small, overflow, state = cols
    got = classify_all(loss.astype(float), l0.astype(float), tol.astype(float), 1e8, small.astype(bool),
                       overflow.astype(bool))  # fmt: skip
    want = [classify(a, b, c, 1e8, s, o) for a, b, c, s, o in zip(loss, l0, tol, small, overflow)]
    assert list(got) == want


def test_check_start_accepts_finite_and_underflowed_starts_and_names_the_first_bad_trial():
    check_start(np.array([1.0, NAN]), np.array([False, True]), np.array([False, False]))
    with pytest.raises(
        ValueError, match=r"^the initial loss is not finite \(inf\) in 2 of 3 trials \(first: trial 1\)"
    ):
        check_start(
            np.array([1.0, INF, NAN]), np.array([False, False, False]), np.array([False, False, False])
        )
