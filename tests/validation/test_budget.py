"""The cost model of the validation layer: refused before any work, one line, the range named."""

from __future__ import annotations

import numpy as np
import pytest

from theory.validation import check_array_memory, check_cost, largest_allowed, logical_entries


def test_within_the_budget_passes_and_beyond_names_the_parameter_and_range():
    check_cost("d", 10**5, lambda d: d * d, "flow_time", limit=10**10)
    with pytest.raises(ValueError, match=r"^d must be in \[1, 100000\] for flow_time .*got 100001$"):
        check_cost("d", 100001, lambda d: d * d, "flow_time", limit=10**10)


def test_a_job_over_budget_at_the_smallest_value_blames_the_other_sizes():
    with pytest.raises(ValueError, match="even at depth = 2.*reduce the other sizes"):
        check_cost("depth", 5, lambda d: 1e20, "a sweep", lo=2)


@pytest.mark.parametrize("limit", [0, 1, 7, 8, 10**6, 2**40 + 3])
def test_largest_allowed_is_the_exact_boundary(limit):
    top = largest_allowed(lambda v: v**3, 1, limit)
    assert top**3 <= limit < (top + 1) ** 3 or (top == 0 and limit < 1)


def test_broadcast_views_are_measured_by_their_logical_size_before_any_copy():
    view = np.broadcast_to(np.zeros(1), (10**6, 200, 64))
    assert logical_entries(view) == 10**6 * 200 * 64
    assert logical_entries([[1, 2], [3, 4]]) == 4 and logical_entries(3.0) == 1
    assert logical_entries([[1, 2], [3]]) == 0  # ragged: left to the type checks
    with pytest.raises(ValueError, match=r"filters of shape \(1000000, 200, 64\) needs about .* GiB"):
        check_array_memory(view, "filters")
    check_array_memory(np.zeros((3, 4)), "filters")
