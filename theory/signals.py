"""Circular convolution, correlation and centering over any commutative ring.

The functions take plain Python sequences and use only ``+``, ``-`` and ``*``, so the
same code runs on SymPy expressions, on elements of a SymPy polynomial ring (where the
identities of the theory are *proved* by expansion), on Fractions and on floats.

Conventions (docs/theory/model.md), with indices taken mod n:

* convolution   (a * b)_j = sum_k a_k b_{j-k}
* correlation   (r ⋆ u)_k = sum_j r_j u_{j-k}
* centering     P v = v - mean(v) 1
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce
from operator import add
from typing import Any

Vector = Sequence[Any]


def total(terms: Sequence[Any]) -> Any:
    """Sum of a non-empty sequence without a numeric start value (ring friendly)."""
    return reduce(add, terms)


def convolve(a: Vector, b: Vector) -> list[Any]:
    """Circular convolution ``(a * b)_j = sum_k a_k b_{(j-k) mod n}``."""
    n = len(a)
    if len(b) != n:
        raise ValueError(f"convolve: b must have the length of a, n = {n}, got length {len(b)}")
    return [total([a[k] * b[(j - k) % n] for k in range(n)]) for j in range(n)]


def correlate(r: Vector, u: Vector) -> list[Any]:
    """Circular correlation ``(r ⋆ u)_k = sum_j r_j u_{(j-k) mod n}`` (adjoint of ``c -> c * u``)."""
    n = len(r)
    if len(u) != n:
        raise ValueError(f"correlate: u must have the length of r, n = {n}, got length {len(u)}")
    return [total([r[j] * u[(j - k) % n] for j in range(n)]) for k in range(n)]


def inner(a: Vector, b: Vector) -> Any:
    """Euclidean inner product ``<a, b>``."""
    if len(b) != len(a):
        raise ValueError(f"inner: b must have the length of a, n = {len(a)}, got length {len(b)}")
    return total([ai * bi for ai, bi in zip(a, b, strict=True)])


def center(v: Vector) -> list[Any]:
    """Centering ``P v = v - (1/n) (1^T v) 1`` with ``P = I - 11^T/n``."""
    n = len(v)
    mean = total(list(v)) * _reciprocal(v[0], n)
    return [vi - mean for vi in v]


def _reciprocal(sample: Any, n: int) -> Any:
    """``1/n`` in the number system of ``sample``: exact for SymPy, Fractions and ring
    elements, correctly rounded at the working precision for mpmath and floats."""
    ring = getattr(sample, "ring", None)
    if ring is not None:  # sympy.polys PolyElement
        return ring.domain.convert(1) / n * ring.one
    if isinstance(sample, int):
        from fractions import Fraction

        return Fraction(1, n)
    return 1 / (sample * 0 + n)
