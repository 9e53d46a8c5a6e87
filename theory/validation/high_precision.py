"""The arguments of the high-precision functions of one-channel networks (``grad_norms``, ``flow_time``)."""

from __future__ import annotations

from typing import Any

from theory.validation.arrays import as_complex_vector_entries, as_filters, as_signal
from theory.validation.memory import check_memory
from theory.validation.primitives import _plain, check_dps, check_flag, check_number, check_real


def grad_norms_arguments(
    filters: Any, x: Any, y: Any, normalized: Any = False, dps: Any = 50, **_: Any
) -> tuple[list[list[Any]], list[Any], list[Any]]:
    """``numerics.grad_norms``: a d x n table, x and y of length n (real numbers, mpf or
    decimal strings), ``normalized`` a bool, dps in DPS_RANGE; returns filters, x, y with
    NumPy scalars made Python numbers."""
    rows = as_filters(filters)
    check_flag(normalized, "normalized")
    dps = check_dps(dps)
    n = len(rows[0])
    limbs = 8 * (int(3.33 * (dps + 20)) // 64 + 1)  # an arb's mantissa, bytes
    check_memory(
        2 * n * n * (48 + limbs), f"filters of length n = {n} at dps = {dps} (two n x n arb DFT tables)"
    )
    return rows, as_signal(x, n, "x"), as_signal(y, n, "y")


def flow_time_arguments(
    z0: Any, a: Any, b: Any, goal: Any = 0.5, dps: Any = 30, **_: Any
) -> tuple[list[Any], Any, Any, float, int]:
    """``numerics.flow_time``: z0 a non-empty vector of finite numbers, a and b finite and
    nonzero, 0 < goal < 1, dps in DPS_RANGE; returns z0, a, b, goal, dps with NumPy
    scalars made Python numbers."""
    z = [_plain(v) for v in as_complex_vector_entries(z0, "z0")]
    a, b = check_number(a, "a", nonzero=True), check_number(b, "b", nonzero=True)
    return z, a, b, check_real(goal, "goal", 0, 1, lo_open=True), check_dps(dps)
