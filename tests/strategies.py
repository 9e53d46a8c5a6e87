"""Hypothesis strategies for the objects of THEORY, shared by every property test.

Filter stacks have random depth and length (n = 2, even and odd n), per-layer scales
from 0.1 to 10, and sometimes a nearly vanishing frequency; inputs and targets are
Gaussian; step sizes are small enough that one GD step stays finite.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st


@dataclass(frozen=True)
class Net:
    filters: np.ndarray  # (d, n)
    x: np.ndarray
    y: np.ndarray

    @property
    def n(self) -> int:
        return self.filters.shape[1]

    @property
    def d(self) -> int:
        return self.filters.shape[0]


@st.composite
def nets(draw, min_n: int = 2, max_n: int = 9, max_d: int = 5, near_zero: bool = True) -> Net:
    n = draw(st.integers(min_n, max_n))
    d = draw(st.integers(1, max_d))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scales = np.array(draw(st.lists(st.sampled_from([0.1, 0.5, 1.0, 2.0, 10.0]), min_size=d, max_size=d)))
    c = rng.normal(0, 1 / np.sqrt(n), (d, n)) * scales[:, None]
    if near_zero and draw(st.booleans()):
        i = draw(st.integers(0, d - 1))
        w = draw(st.integers(0, n // 2))
        spec = np.fft.rfft(c[i])
        spec[w] *= 1e-4
        c[i] = np.fft.irfft(spec, n=n)
    x, y = rng.normal(size=n), rng.normal(size=n)
    return Net(c, x, y)


def cn_nets(**kw):
    """Networks whose output is not constant (P z != 0), so the CN loss is defined."""
    from numerics.gd.simulate import FourierGD

    return nets(**kw).filter(
        lambda net: np.abs(FourierGD(net.filters[None], net.x, net.y, False).f_hat[0, 1:]).max() > 1e-8
    )


etas = st.sampled_from([1e-4, 1e-3, 3e-3, 1e-2])
alphas = st.floats(0.05, 20.0)
