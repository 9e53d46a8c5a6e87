"""The arguments of the high-precision functions of one-channel networks (``grad_norms``, ``flow_time``)."""

from __future__ import annotations

import math
from typing import Any

from theory.validation.arrays import as_complex_vector_entries, as_filters, as_signal
from theory.validation.memory import check_memory
from theory.validation.primitives import _plain, check_dps, check_flag, check_number, check_real


def grad_norms_arguments(
    filters: Any, x: Any, y: Any, normalized: Any = False, dps: Any = 50, certified: Any = False, **_: Any
) -> tuple[list[list[Any]], list[Any], list[Any], bool]:
    """``numerics.grad_norms``: a d x n table, x and y of length n (real numbers, mpf or
    decimal strings), ``normalized`` and ``certified`` bools, dps in DPS_RANGE; returns
    filters, x, y (NumPy scalars made Python numbers) and ``certified``."""
    rows = as_filters(filters)
    check_flag(normalized, "normalized")
    dps = check_dps(dps)
    n = len(rows[0])
    limbs = 8 * (int(3.33 * (dps + 20)) // 64 + 1)  # an arb's mantissa, bytes
    check_memory(
        2 * n * n * (48 + limbs), f"filters of length n = {n} at dps = {dps} (two n x n arb DFT tables)"
    )
    return rows, as_signal(x, n, "x"), as_signal(y, n, "y"), check_flag(certified, "certified")


def flow_time_arguments(
    z0: Any, a: Any, b: Any, goal: Any = 0.5, dps: Any = 30, certified: Any = False, **_: Any
) -> tuple[list[Any], Any, Any, float, int, bool]:
    """``numerics.flow_time``: z0 a non-empty vector of finite numbers, a and b finite and
    nonzero, dps in DPS_RANGE, 10^-dps <= goal < 1 (a smaller residual goal |b| is not resolved
    at dps digits: refused before any work), certified a bool; returns z0, a, b, goal, dps,
    certified with NumPy scalars made Python numbers."""
    z = [_plain(v) for v in as_complex_vector_entries(z0, "z0")]
    a, b = check_number(a, "a", nonzero=True), check_number(b, "b", nonzero=True)
    goal, dps = check_real(goal, "goal", 0, 1, lo_open=True), check_dps(dps)
    if goal < 10.0 ** (-dps):
        raise ValueError(
            f"goal must be >= 10^-dps = 1e-{dps} at dps = {dps} (a smaller residual goal |b| is not "
            f"resolved at dps digits), got {goal!r}; raise dps to at least {math.ceil(-math.log10(goal))}"
        )
    return z, a, b, goal, dps, check_flag(certified, "certified")
