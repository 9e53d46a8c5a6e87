"""The one stopping rule of every GD simulator (one and k channels, NumPy and compiled).

A trial is classified after the forward pass of step k from its loss L_k, its initial
loss L_0, its ``tol``, ``diverge_factor`` and two flags the simulator computes:

* ``small``: float64 has lost the state's scale by underflow, i.e. a product of nonzero
  factors could not be represented: an output frequency |f̂_w| < UNDERFLOW where x̂_w != 0
  and no layer is exactly 0 at w (linear networks: then 1/|ĉ_i|^2 or the phase is lost), a
  layer's activations of norm in (0, UNDERFLOW), or with CN a centered ||P z||^2 below the
  smallest normal float64 (then 1/s, and so the loss, is lost; exactly 0 included: CN's 0/0
  has no finite step out). An exact zero of a linear network (a zero filter, a zero layer
  beside a delta, a box filter's zero DFT values) is not underflow: it is a state GD can leave
  (one layer moves off 0 additively) or a stationary point (two zero layers at w), which runs
  out of steps. The phase-free state (width 1) cannot move a layer off an exact 0, so such
  starts run on the taps (``simulate_gd`` 'time', ``simulate_gd_channels``' width-k code);
* ``overflow``: an intermediate quantity is infinite (CN's ||P z||^2 = inf makes the
  output gain/s = 0 and the loss a wrong finite number).

The states, in this order of precedence (the first that applies):

1. CONVERGED: tol > 0, L_k finite and L_k <= tol L_0;
2. DIVERGED: L_k = +inf, ``overflow``, or L_k > diverge_factor L_0 (the run grew);
3. UNDERFLOWED: ``small``, whatever the loss (a NaN loss that underflow explains,
   e.g. a CN start scaled by 1e-300, or zero filters, is underflowed, not diverged);
4. DIVERGED: L_k is NaN (not finite, and no underflow explains it);
5. RUNNING: none of these (out of steps when k = max_iter).

Growth beats underflow because an output that overflows somewhere while a frequency
underflows elsewhere is a diverging run; underflow beats a NaN because 0/0 and inf * 0
are what an underflowed state produces next. A NaN or infinite loss is never converged.
A start (k = 0) classified DIVERGED is not finite: the simulators raise ValueError
(``check_start``) before any step.

>>> int(classify(float("inf"), 1.0, 0.5, 1e8, True, False)) == DIVERGED
True
>>> int(classify(float("nan"), float("nan"), 0.5, 1e8, True, False)) == UNDERFLOWED
True
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

RUNNING, CONVERGED, DIVERGED, UNDERFLOWED = 0, 1, 2, 3
NAMES = ("running", "converged", "diverged", "underflowed")

#: |f̂_w| or an activation norm below this is lost to float64 (with d factors to multiply).
UNDERFLOW = 1e-290
#: the smallest normal float64: CN's ||P z||^2 below it leaves 1/s imprecise or infinite.
TINY = float(np.finfo(np.float64).tiny)


@njit(cache=True, nogil=True)
def classify(loss: float, l0: float, tol: float, diverge_factor: float, small: bool, overflow: bool) -> int:
    """The state of one trial after step k's forward pass (the order of the module docstring)."""
    if tol > 0.0 and math.isfinite(loss) and loss <= tol * l0:
        return CONVERGED
    if loss == math.inf or overflow or loss > diverge_factor * l0:
        return DIVERGED
    if small:
        return UNDERFLOWED
    if not math.isfinite(loss):
        return DIVERGED
    return RUNNING


@njit(cache=True, nogil=True)
def classify_all(loss, l0, tol, diverge_factor, small, overflow) -> np.ndarray:
    """``classify`` per trial, for the vectorized NumPy simulators (arrays of one length)."""
    out = np.empty(loss.shape[0], np.int64)
    for t in range(loss.shape[0]):
        out[t] = classify(loss[t], l0[t], tol[t], diverge_factor, small[t], overflow[t])
    return out


def check_start(loss: np.ndarray, small: np.ndarray, overflow: np.ndarray) -> None:
    """Refuse a start that is not finite (DIVERGED at k = 0), naming the first such trial."""
    loss = np.asarray(loss, float)
    ones = np.ones_like(loss)
    codes = classify_all(loss, loss, 0.0 * ones, 1e300, np.asarray(small, bool), np.asarray(overflow, bool))
    bad = codes == DIVERGED
    if bad.any():
        t = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"the initial loss is not finite ({loss[t]}) in {int(bad.sum())} of {len(loss)} trials "
            f"(first: trial {t}): the network output x̂·Πĉ (or ||Pz||^2 with CN) or the target y "
            "overflows float64; rescale x, y or the filters"
        )
