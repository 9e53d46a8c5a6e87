"""Cost: refuse, before any work, a job whose estimated cost exceeds a budget.

Memory is not the only thing that makes a call unusable: ``flow_time`` at d = 10^6 fits in
memory but its root finding costs about d^2 = 10^12 operations (hours), and a sweep to depth
10^6 runs Python loops per layer. A public function estimates its cost from its arguments
(a cost model: a formula in the sizes, in *elementary operations*, e.g. one layer-frequency
update, one term of a root-finding sum, one tap of a convolution) and calls

    check_cost(parameter, value, cost, what)

which raises a one-line ``ValueError`` naming the parameter and the range it may take,

    d must be in [1, 316227] for flow_time (about 1e+12 operations, the limit is 1e+11), got 1000000

before anything is computed. ``cost`` is a non-decreasing function of the one parameter
(the others fixed at the caller's values); the allowed range is found by bisection on it.
A Python-level loop iteration (one layer of a sweep) should be counted as
``PYTHON_STEP`` elementary operations, since the interpreter, not the arithmetic, sets
its speed there.

The budget ``OPERATIONS_LIMIT`` = 10^11 is about a minute to a few minutes of vectorized
NumPy on one core (measured: flow_time's d^2 root finding takes 8.5 s at d = 10^4, so
about 1e8 terms in 8.5 s; the limit is then some 2 hours of that code, 10^11 NumPy
elementary operations are a few minutes). A caller that knows better passes ``limit``.

Arrays are measured by their *logical* size, the size that a copy would have, before any
copy: ``np.broadcast_to(x, (10**6, 200, 64))`` is a view of a few bytes that a conversion to
float64 would turn into 95 GiB; ``check_array_memory`` refuses it from its shape alone.

>>> check_cost("d", 1000, lambda d: d * d, "flow_time")
>>> check_cost("d", 10**6, lambda d: d * d, "flow_time")
Traceback (most recent call last):
...
ValueError: d must be in [1, 316227] for flow_time (about 1e+12 operations, the limit is 1e+11), got 1000000
>>> logical_entries(np.broadcast_to(np.zeros(1), (10**6, 200, 64)))
12800000000
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from theory.validation.memory import check_memory

#: elementary operations a call may cost (see the module docstring for the scale).
OPERATIONS_LIMIT = 10**11

#: elementary operations one Python-level loop iteration is counted as (interpreter overhead).
PYTHON_STEP = 1000


def largest_allowed(cost: Callable[[int], float], lo: int, limit: float) -> int:
    """The largest integer v >= lo with cost(v) <= limit, for a non-decreasing ``cost``
    (lo - 1 when even cost(lo) is over the limit). Doubling, then bisection: O(log v) calls."""
    if cost(lo) > limit:
        return lo - 1
    hi = lo
    while cost(2 * hi) <= limit:
        hi *= 2
        if hi > 2**62:
            return hi
    top = 2 * hi  # cost(top) > limit >= cost(hi)
    while top - hi > 1:
        mid = (hi + top) // 2
        if cost(mid) <= limit:
            hi = mid
        else:
            top = mid
    return hi


def check_cost(
    parameter: str,
    value: int,
    cost: Callable[[int], float],
    what: str,
    lo: int = 1,
    limit: float = OPERATIONS_LIMIT,
) -> None:
    """Refuse ``what`` before any work when ``cost(value)`` (elementary operations; ``cost``
    non-decreasing in the integer ``parameter``, the other arguments fixed) exceeds ``limit``:
    a one-line ``ValueError`` naming ``parameter`` and its allowed range [lo, largest allowed].
    When even ``cost(lo)`` is over the limit the message says the other arguments are too
    large. Returns None when the job is within the budget."""
    needed = float(cost(int(value)))
    if needed <= limit:
        return
    top = largest_allowed(cost, lo, limit)
    if top < lo:
        raise ValueError(
            f"{what} would cost about {needed:.2g} operations even at {parameter} = {lo}, more than "
            f"the limit {limit:.2g}: reduce the other sizes"
        )
    raise ValueError(
        f"{parameter} must be in [{lo}, {top}] for {what} (about {needed:.2g} operations, the limit "
        f"is {limit:.2g}), got {value}"
    )


def logical_entries(values: Any) -> int:
    """The number of entries ``values`` would have as an ndarray, without copying it: the
    product of its shape (a broadcast view counts every entry it shows, not the few it stores).
    0 for something with no shape (a ragged or non-numeric input is left to the type checks)."""
    try:
        shape = np.shape(values) if not isinstance(values, np.ndarray) else values.shape
    except (ValueError, TypeError):
        return 0
    return int(np.prod(shape, dtype=object)) if shape else 1


def check_array_memory(values: Any, name: str, bytes_per_entry: int = 8, copies: int = 2) -> None:
    """Refuse an array before it is converted or copied when ``copies`` float copies of its
    logical size (``logical_entries``, ``bytes_per_entry`` bytes each) would not fit in memory;
    call it first, before ``real_array`` (whose float64 conversion and finiteness test copy)."""
    entries = logical_entries(values)
    shape = values.shape if isinstance(values, np.ndarray) else f"{entries} entries"
    check_memory(entries * bytes_per_entry * copies, f"{name} of shape {shape}")
