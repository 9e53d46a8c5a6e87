"""Input validation shared by the numerics and the CLI: one-line errors naming the parameter.

Every public function of the toolkit starts with one call into this module, which checks
all of its arguments before any work is done. An argument of the wrong type gives an
``ArgumentTypeError`` (a ``TypeError``, and also a ``ValueError`` so that code written for
the earlier all-``ValueError`` API keeps working, as NumPy's ``AxisError`` is both), a value
out of range gives a ``ValueError``; both name the parameter, the allowed range and what was
received, never an error from deep inside NumPy or mpmath and never a silently converted value.
The rules:

* flags are ``bool`` or ``np.bool_`` only (``normalized='no'`` is a TypeError);
* integers are ``int`` or NumPy integers (``np.int64(8)``), never ``bool`` or ``float``;
* real numbers are ``int``/``float`` or their NumPy scalars; ``bool``, strings, complex
  numbers and ``None`` are refused, complex numbers are never truncated to their real part;
* arrays must be rectangular (not ragged), of a real dtype (bool, int, float16/32/64: read
  as the exact real values they hold), finite, of the stated shape; a string is never read as
  a sequence of characters;
* sizes are bounded before anything is allocated (``memory_needed`` against
  ``available_memory``; the error says how much memory the request would take; arrays by
  their logical size, before any copy), costs are bounded before any work (``check_cost``: a
  cost model in elementary operations against ``OPERATIONS_LIMIT``), and SymPy is
  never asked for an expression it cannot build in seconds.

>>> check_int(np.int64(3), "d", 1)
3
>>> check_real(True, "momentum", 0, 1)
Traceback (most recent call last):
...
theory.validation.ArgumentTypeError: momentum must be a real number in [0, 1), got True (bool)
"""

from __future__ import annotations

import numpy as np  # noqa: F401  (the examples above)

from theory.validation.arrays import (
    as_complex_vector,
    as_complex_vector_entries,
    as_filters,
    as_signal,
    real_array,
)
from theory.validation.budget import (
    OPERATIONS_LIMIT,
    PYTHON_STEP,
    check_array_memory,
    check_cost,
    largest_allowed,
    logical_entries,
)
from theory.validation.high_precision import flow_time_arguments, grad_norms_arguments
from theory.validation.memory import SIM_BYTES_PER_ENTRY, available_memory, check_memory, memory_needed
from theory.validation.primitives import (
    CLI_DPS_RANGE,
    DPS_RANGE,
    ArgumentTypeError,
    check_choice,
    check_dps,
    check_flag,
    check_int,
    check_number,
    check_positive,
    check_real,
)
from theory.validation.rules import (
    RULES,
    Rule,
    checked,
    choices,
    complex_vector,
    filter_table,
    flag,
    function,
    instance_of,
    integer,
    integers,
    mp_number,
    nonzero_number,
    number,
    optional,
    real,
    reals,
    same_length,
    sequence_of,
    vector,
)
from theory.validation.simulators import (
    SIM_CHANNEL_BYTES_PER_ENTRY,
    channel_layers,
    random_filters_arguments,
    simulate_gd_arguments,
    simulate_gd_channels_arguments,
    t9_weights_arguments,
    trainability_map_arguments,
)
from theory.validation.symbolic import (
    CHANNEL_SYMBOLIC_MAX_TERMS,
    SYMBOLIC_BYTES_PER_TERM,
    SYMBOLIC_MAX_TERMS,
    channel_closed_form_arguments,
    check_symbolic_size,
    closed_form_arguments,
    symbolic_terms,
)
from theory.validation.width import (
    as_channel_filters,
    channel_entries,
    channel_grad_norms_arguments,
    channel_size_arguments,
    random_channel_filters_arguments,
    width_rate_arguments,
)

__all__ = [
    "OPERATIONS_LIMIT",
    "PYTHON_STEP",
    "check_cost",
    "t9_weights_arguments",
    "trainability_map_arguments",
    "check_array_memory",
    "largest_allowed",
    "logical_entries",
    "instance_of",
    "sequence_of",
    "DPS_RANGE",
    "CLI_DPS_RANGE",
    "ArgumentTypeError",
    "check_flag",
    "check_int",
    "check_real",
    "check_positive",
    "check_dps",
    "check_choice",
    "check_number",
    "real_array",
    "as_filters",
    "as_signal",
    "as_complex_vector_entries",
    "as_complex_vector",
    "SIM_BYTES_PER_ENTRY",
    "available_memory",
    "memory_needed",
    "check_memory",
    "SYMBOLIC_MAX_TERMS",
    "CHANNEL_SYMBOLIC_MAX_TERMS",
    "SYMBOLIC_BYTES_PER_TERM",
    "symbolic_terms",
    "check_symbolic_size",
    "closed_form_arguments",
    "channel_closed_form_arguments",
    "random_filters_arguments",
    "SIM_CHANNEL_BYTES_PER_ENTRY",
    "simulate_gd_arguments",
    "channel_layers",
    "simulate_gd_channels_arguments",
    "grad_norms_arguments",
    "flow_time_arguments",
    "channel_entries",
    "channel_size_arguments",
    "random_channel_filters_arguments",
    "as_channel_filters",
    "channel_grad_norms_arguments",
    "width_rate_arguments",
    "Rule",
    "integer",
    "real",
    "flag",
    "optional",
    "integers",
    "reals",
    "complex_vector",
    "mp_number",
    "function",
    "nonzero_number",
    "number",
    "vector",
    "choices",
    "same_length",
    "filter_table",
    "RULES",
    "checked",
]
