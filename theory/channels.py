"""Multi-channel linear CNNs of docs/theory/width.md, exactly, over any number system.

Widths k_0 = 1 (input x), k_1 = ... = k_{d-1} = k (hidden), k_d = 1 (output f). Layer i
(0-based here, i = 0..d-1) has filters c_i[a][b] in R^n, a < k_{i+1} output channel,
b < k_i input channel, and computes the convolution outputs

    v_i[a] = sum_b c_i[a][b] * z_{i-1}[b],          z_{-1} = x,

then, optionally, a ReLU (hidden layers only) and CN (every layer, the output included):

    z_i[a] = gain_i[a] sqrt(n) P v_i[a] / ||P v_i[a]|| + bias_i[a] 1        (M3).

Without either, z_i = v_i and f = z_{d-1} is the plain network, L = 1/2 ||y - f||^2.

Closed-form gradient (M1), with delta the back-propagated residual, delta = -dL/d(.):

    delta at the output = y - f,  grad_{c_i[a][b]} L = -(delta v_i[a] ⋆ z_{i-1}[b]),
    delta z_{i-1}[b] = sum_a delta v_i[a] ⋆ c_i[a][b],

and through one normalized channel (M3, C4's h):  delta v = (gain sqrt(n)/s)(P - û û^T) delta z
with s = ||P v||, û = P v / s; ReLU multiplies delta by 1[v > 0].

The functions use only ring operations plus ``sqrt`` (and comparisons for ReLU), so the
same code runs on SymPy expressions, polynomial-ring elements, mpmath numbers and floats.
The symbolic proofs of M1 and M3 are in ``theory.channel_identities``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sympy

from theory.networks import cn_output
from theory.signals import center, convolve, correlate, inner

Vector = Sequence[Any]
Layers = Sequence[Sequence[Sequence[Vector]]]  # filters[i][a][b] is a length-n vector


def widths(d: int, k: int) -> list[int]:
    """k_0, ..., k_d = 1, k, ..., k, 1 (a single layer is 1 -> 1)."""
    return [1] + [k] * (d - 1) + [1]


def _add(a: Vector, b: Vector) -> list[Any]:
    return [p + q for p, q in zip(a, b, strict=True)]


def _conv_layer(layer: Sequence[Sequence[Vector]], z: Sequence[Vector]) -> list[list[Any]]:
    """v[a] = sum_b c[a][b] * z[b]."""
    out = []
    for row in layer:
        acc = convolve(row[0], z[0])
        for c, zb in zip(row[1:], z[1:], strict=True):
            acc = _add(acc, convolve(c, zb))
        out.append(acc)
    return out


def _relu(v: Vector) -> list[Any]:
    return [t if t > 0 else t * 0 for t in v]


@dataclass(frozen=True)
class Forward:
    """Per layer i: conv outputs ``v[i]``, the (ReLU'd) channels fed to CN ``r[i]``, outputs ``z[i]``."""

    v: list[list[list[Any]]]
    r: list[list[list[Any]]]
    z: list[list[list[Any]]]

    @property
    def output(self) -> list[Any]:
        return self.z[-1][0]


def channel_forward(
    filters: Layers,
    x: Vector,
    *,
    normalized: bool = False,
    relu: bool = False,
    gains: Sequence[Sequence[Any]] | None = None,
    biases: Sequence[Sequence[Any]] | None = None,
    sqrt: Callable[[Any], Any] = sympy.sqrt,
) -> Forward:
    """The forward pass of the module docstring; gains default to 1 and biases to 0."""
    z: list[list[Any]] = [list(x)]
    vs, rs, zs = [], [], []
    d = len(filters)
    for i, layer in enumerate(filters):
        v = _conv_layer(layer, z)
        r = [_relu(va) for va in v] if relu and i < d - 1 else v
        if normalized:
            g = gains[i] if gains is not None else [1] * len(r)
            b = biases[i] if biases is not None else [0] * len(r)
            z = [cn_output(ra, ga, ba, sqrt) for ra, ga, ba in zip(r, g, b, strict=True)]
        else:
            z = r
        vs.append(v)
        rs.append(r)
        zs.append(z)
    return Forward(vs, rs, zs)


def channel_loss(filters: Layers, x: Vector, y: Vector, **kw: Any) -> Any:
    """L = 1/2 ||y - f||^2 with f the network output (keywords as ``channel_forward``)."""
    e = [yj - fj for yj, fj in zip(y, channel_forward(filters, x, **kw).output, strict=True)]
    return inner(e, e) / 2


def cn_backward(
    r: Vector, delta: Vector, gain: Any = 1, sqrt: Callable[[Any], Any] = sympy.sqrt
) -> list[Any]:
    r"""delta_in = (gain sqrt(n)/s) (P - û û^T) delta_out with s = ||P r||, û = P r / s (M3).

    Notes
    -----
    The Jacobian of gain sqrt(n) P r / s + bias is symmetric, so the backward step applies it
    unchanged

    .. math::

        \delta_{\mathrm{in}} = \frac{\gamma \sqrt{n}}{s}
        \bigl(P - \hat u \hat u^{\mathsf T}\bigr)\, \delta_{\mathrm{out}} .
    """
    n = len(r)
    pr = center(r)
    s = sqrt(inner(pr, pr))
    u_hat = [t / s for t in pr]
    proj = inner(u_hat, delta)
    scale = gain * sqrt(n) / s
    return [scale * (pd - proj * u) for pd, u in zip(center(delta), u_hat, strict=True)]


@dataclass(frozen=True)
class Gradients:
    """``filters[i][a][b]``: dL/dc_i[a][b] (n entries); ``gains``/``biases[i][a]`` (CN only)."""

    filters: list[list[list[list[Any]]]]
    gains: list[list[Any]] | None
    biases: list[list[Any]] | None


def channel_gradients(
    filters: Layers,
    x: Vector,
    y: Vector,
    *,
    normalized: bool = False,
    relu: bool = False,
    gains: Sequence[Sequence[Any]] | None = None,
    biases: Sequence[Sequence[Any]] | None = None,
    sqrt: Callable[[Any], Any] = sympy.sqrt,
) -> Gradients:
    r"""M1's back-propagated residual (M3's CN backward step): every gradient of L at once.

    Notes
    -----
    Without CN or ReLU (M1), with delta the back-propagated residual

    .. math::

        \nabla_{c_i[a,b]} L = -\bigl(\delta_i[a] \star z_{i-1}[b]\bigr), \qquad
        \delta_d = y - f, \quad \delta_{i-1}[b] = \sum_a \delta_i[a] \star c_i[a,b] ;

    CN inserts ``cn_backward`` and ReLU the mask 1[v > 0] before each correlation.
    """
    fw = channel_forward(filters, x, normalized=normalized, relu=relu, gains=gains, biases=biases, sqrt=sqrt)
    d = len(filters)
    delta = [[yj - fj for yj, fj in zip(y, fw.output, strict=True)]]  # -dL/dz_{d-1}
    grads: list[Any] = [None] * d
    g_gain: list[Any] = [None] * d
    g_bias: list[Any] = [None] * d
    for i in range(d - 1, -1, -1):
        if normalized:
            g = gains[i] if gains is not None else [1] * len(delta)
            g_gain[i] = [-inner(da, cn_output(ra, 1, 0, sqrt)) for da, ra in zip(delta, fw.r[i], strict=True)]
            g_bias[i] = [-sum(da, da[0] * 0) for da in delta]
            delta = [cn_backward(ra, da, ga, sqrt) for ra, da, ga in zip(fw.r[i], delta, g, strict=True)]
        if relu and i < d - 1:
            delta = [[t if vt > 0 else t * 0 for t, vt in zip(da, va)] for da, va in zip(delta, fw.v[i])]
        z_in = fw.z[i - 1] if i > 0 else [list(x)]
        grads[i] = [[[-t for t in correlate(da, zb)] for zb in z_in] for da in delta]
        if i > 0:
            back = []
            for b in range(len(z_in)):
                acc = correlate(delta[0], filters[i][0][b])
                for a in range(1, len(delta)):
                    acc = _add(acc, correlate(delta[a], filters[i][a][b]))
                back.append(acc)
            delta = back
    return Gradients(grads, g_gain if normalized else None, g_bias if normalized else None)


# ------------------------------------------------------------------------------- symbolic
@dataclass(frozen=True)
class ChannelClosedForm:
    """A width-k network in SymPy symbols with its loss and M1's closed-form gradients.

    ``filters[i][a][b]`` is the tuple of n symbols of c_i[a,b] (layer i = 0..d-1);
    ``gradients[i][a][b]`` the n partial derivatives dL/dc_i[a,b] from the back-propagated
    residual (not ``sympy.diff``). ``normalized``: CN with gain 1 and bias 0 after every
    convolution, the output included.
    """

    n: int
    d: int
    k: int
    normalized: bool
    filters: tuple[tuple[tuple[tuple[sympy.Symbol, ...], ...], ...], ...]
    x: tuple[sympy.Symbol, ...]
    y: tuple[sympy.Symbol, ...]
    loss: sympy.Expr
    gradients: tuple[tuple[tuple[tuple[sympy.Expr, ...], ...], ...], ...]

    def __repr__(self) -> str:
        """The sizes and the number of symbols, never the expressions.

        >>> channel_closed_form(2, 2, 2)
        ChannelClosedForm(n=2, d=2, k=2, normalized=False, taps=8, symbols=12)
        """
        return (
            f"ChannelClosedForm(n={self.n}, d={self.d}, k={self.k}, normalized={self.normalized}, "
            f"taps={len(self.taps)}, symbols={len(self.symbols)})"
        )

    @property
    def taps(self) -> tuple[sympy.Symbol, ...]:
        """Every filter tap, layer by layer, row by row."""
        return tuple(s for layer in self.filters for row in layer for c in row for s in c)

    @property
    def symbols(self) -> tuple[sympy.Symbol, ...]:
        return self.taps + self.x + self.y

    def autodiff_gradients(self) -> tuple[sympy.Expr, ...]:
        """``sympy.diff`` of the loss with respect to every tap (order of ``taps``)."""
        return tuple(sympy.diff(self.loss, s) for s in self.taps)

    def closed_gradients(self) -> tuple[sympy.Expr, ...]:
        """The closed-form gradients flattened in the order of ``taps``."""
        return tuple(g for layer in self.gradients for row in layer for c in row for g in c)


def channel_symbols(n: int, d: int, k: int):
    """Real symbols c{i}_{a}_{b}_{t} (layer i = 1..d), x_t, y_t."""
    ks = widths(d, k)
    filters = tuple(
        tuple(
            tuple(
                tuple(sympy.Symbol(f"c{i + 1}_{a}_{b}_{t}", real=True) for t in range(n))
                for b in range(ks[i])
            )
            for a in range(ks[i + 1])
        )
        for i in range(d)
    )
    x = tuple(sympy.Symbol(f"x_{t}", real=True) for t in range(n))
    y = tuple(sympy.Symbol(f"y_{t}", real=True) for t in range(n))
    return filters, x, y


def channel_closed_form(n: int, d: int, k: int, normalized: bool = False) -> ChannelClosedForm:
    """Symbolic width-k network (widths 1 -> k -> ... -> k -> 1) with loss and M1 gradients.

    >>> cf = channel_closed_form(2, 2, 2)
    >>> len(cf.filters[0]), len(cf.filters[0][0]), len(cf.filters[1]), len(cf.filters[1][0])
    (2, 1, 1, 2)
    >>> cf.gradients[1][0][1][0]
    -(c1_1_0_0*x_0 + c1_1_0_1*x_1)*(-c2_0_0_0*(c1_0_0_0*x_0 + c1_0_0_1*x_1) - c2_0_0_1*(c1_0_0_0*x_1 + c1_0_0_1*x_0) - c2_0_1_0*(c1_1_0_0*x_0 + c1_1_0_1*x_1) - c2_0_1_1*(c1_1_0_0*x_1 + c1_1_0_1*x_0) + y_0) - (c1_1_0_0*x_1 + c1_1_0_1*x_0)*(-c2_0_0_0*(c1_0_0_0*x_1 + c1_0_0_1*x_0) - c2_0_0_1*(c1_0_0_0*x_0 + c1_0_0_1*x_1) - c2_0_1_0*(c1_1_0_0*x_1 + c1_1_0_1*x_0) - c2_0_1_1*(c1_1_0_0*x_0 + c1_1_0_1*x_1) + y_1)
    """
    from theory.validation import channel_closed_form_arguments

    n, d, k, normalized = channel_closed_form_arguments(n, d, k, normalized)
    filters, x, y = channel_symbols(n, d, k)
    loss = channel_loss(filters, x, y, normalized=normalized)
    g = channel_gradients(filters, x, y, normalized=normalized).filters
    grads = tuple(tuple(tuple(tuple(c) for c in row) for row in layer) for layer in g)
    return ChannelClosedForm(n, d, k, normalized, filters, x, y, loss, grads)
