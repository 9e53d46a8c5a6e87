"""Symbolic sizes: refuse, before any SymPy work, a network SymPy could not build in seconds;
the arguments of ``theory.closed_form_gradients`` and ``theory.channel_closed_form``."""

from __future__ import annotations

from typing import Any

from theory.validation.memory import _bytes
from theory.validation.primitives import check_flag, check_int
from theory.validation.width import channel_size_arguments

#: closed_form_gradients builds d convolutions of n symbolic taps: about n^2 d terms.
SYMBOLIC_MAX_TERMS = 20_000


#: channel_closed_form: about n^2 sum_i k_i k_{i-1} terms (widths 1, k, ..., k, 1), and its
#: M1 gradients cost more per term (measured on the shared 2-core machine, under load:
#: (n, d, k) = (16, 3, 2), 2048 terms, 3.1 s; (8, 4, 4), 2560 terms, 7.7 s; (10, 4, 4),
#: 4000 terms, about 4 min under tracemalloc): the bound keeps a call to about 10 s.
CHANNEL_SYMBOLIC_MAX_TERMS = 3_000


#: peak Python heap per term of those expressions (tracemalloc: channel_closed_form(8, 3, 4),
#: 1536 terms, 4.0 MB; (10, 4, 4), 4000 terms, 3.0 MB)
SYMBOLIC_BYTES_PER_TERM = 3_000


def symbolic_terms(n: int, d: int, k: int = 1) -> int:
    """Terms of the SymPy network of length n, depth d and width k: n^2 sum_i k_i k_{i-1}
    with widths 1, k, ..., k, 1 (n^2 d at k = 1)."""
    widths = [1] + [k] * (d - 1) + [1]
    return n * n * sum(a * b for a, b in zip(widths, widths[1:]))


def check_symbolic_size(n: int, d: int, k: int | None = None) -> None:
    """Refuse, before any SymPy work, a network SymPy could not build in seconds (``k``
    None: the one-channel ``closed_form_gradients``; else ``channel_closed_form``)."""
    terms = symbolic_terms(n, d, k or 1)
    limit = SYMBOLIC_MAX_TERMS if k is None else CHANNEL_SYMBOLIC_MAX_TERMS
    if terms > limit:
        dims = "n^2 d" if k is None else "n^2 (2k + (d - 2) k^2)"
        raise ValueError(
            f"n, d{', k' if k is not None else ''} must satisfy {dims} <= {limit}, got {terms:.3g} terms "
            f"(SymPy would need about {_bytes(terms * SYMBOLIC_BYTES_PER_TERM)} of memory and minutes); "
            f"use numerics.{'grad_norms' if k is None else 'channel_grad_norms'} for large sizes"
        )


def closed_form_arguments(n: Any, d: Any, normalized: Any = False, **_: Any) -> tuple[int, int]:
    """``theory.closed_form_gradients``: 2 <= n, 1 <= d, n^2 d <= SYMBOLIC_MAX_TERMS."""
    n, d = check_int(n, "n", 2), check_int(d, "d", 1)
    check_flag(normalized, "normalized")
    check_symbolic_size(n, d)
    return n, d


def channel_closed_form_arguments(
    n: Any, d: Any, k: Any, normalized: Any = False, **_: Any
) -> tuple[int, int, int, bool]:
    """``theory.channel_closed_form``: n >= 2, d >= 1, k >= 1, n^2 sum k_i k_{i-1} <= CHANNEL_SYMBOLIC_MAX_TERMS."""
    n, d, k, _t = channel_size_arguments(n, d, k)
    normalized = check_flag(normalized, "normalized")
    check_symbolic_size(n, d, k)
    return n, d, k, normalized
