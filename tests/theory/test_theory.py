"""theory/: the exact model, closed forms against sympy.diff, and checks that can fail."""

from __future__ import annotations

import random

import pytest
import sympy

from theory import closed_form_gradients, convolve, correlate
from theory import identities as ident
from theory.networks import all_but, cn_gradient, network_output, plain_gradient, residual


@pytest.mark.parametrize("n,d", [(2, 1), (3, 2), (4, 3), (6, 2), (5, 4)])
def test_T1_closed_form_equals_diff_at_random_rationals(n, d):
    cf = closed_form_gradients(n, d)
    rng = random.Random(n * 10 + d)
    vals = {s: sympy.Rational(rng.randint(-20, 20), rng.randint(1, 7)) for s in cf.symbols}
    for g, a in zip(cf.gradients, cf.autodiff_gradients_at(vals)):
        assert list(g.xreplace(vals)) == list(a)


@pytest.mark.parametrize("n,d", [(3, 1), (3, 2), (4, 2)])
def test_C4_cn_closed_form_equals_diff_at_random_rationals(n, d):
    cf = closed_form_gradients(n, d, normalized=True)
    vals = ident._cn_point(cf, random.Random(n + d))
    for g, a in zip(cf.gradients, cf.autodiff_gradients_at(vals)):
        for p, q in zip(g.xreplace(vals), a):
            assert ident._is_zero(p - q)


@pytest.mark.parametrize("normalized", [False, True])
def test_diff_on_the_line_equals_diff_of_the_whole_loss(normalized):
    """``autodiff_gradients_at`` (sympy.diff of the loss restricted to each tap's line) gives
    exactly ``autodiff_gradients()`` (sympy.diff of the whole loss) at the point."""
    cf = closed_form_gradients(3, 2, normalized=normalized)
    vals = ident._cn_point(cf, random.Random(7))
    for whole, line in zip(cf.autodiff_gradients(), cf.autodiff_gradients_at(vals)):
        for p, q in zip(whole.xreplace(vals), line):
            assert ident._is_zero(p - q)


def test_closed_form_api_shapes():
    cf = closed_form_gradients(4, 3)
    assert len(cf.filters) == 3 and all(len(c) == 4 for c in cf.filters)
    assert len(cf.x) == len(cf.y) == 4
    assert all(g.shape == (4, 1) for g in cf.gradients)
    assert cf.loss.free_symbols == set(cf.symbols)


@pytest.mark.parametrize("n,d", [(1, 1), (2, 0), (2.5, 1), (True, 2)])
def test_closed_form_rejects_bad_sizes(n, d):
    with pytest.raises(ValueError, match="must be an integer"):
        closed_form_gradients(n, d)


def test_convolution_conventions():
    a, b = [1, 2, 0], [0, 1, 0]  # b is a delayed delta: a * b shifts a by one
    assert convolve(a, b) == [0, 1, 2]
    assert correlate([0, 1, 2], b) == [1, 2, 0]


def _wrong_sign(filters, x, y, i):
    return [-g for g in plain_gradient(filters, x, y, i)]


def _wrong_index(filters, x, y, i):
    u = all_but(filters, x, i)
    return [-g for g in convolve(residual(filters, x, y), u)]  # convolution instead of correlation


@pytest.mark.parametrize("wrong", [_wrong_sign, _wrong_index])
def test_T1_check_fails_for_a_wrong_formula(wrong):
    checks = ident.t1_gradient(gradient=wrong, sizes=[(3, 2), (4, 1)], points=1)
    assert not any(c.passed for c in checks)


def test_C4_check_fails_for_a_wrong_formula():
    def half(filters, x, y, i, **kw):
        return [g / 2 for g in cn_gradient(filters, x, y, i)]

    assert not ident.c4_gradient(gradient=half, sizes=[(3, 1)]).passed
    assert not ident.c4_output_gradient(output_gradient=lambda z, y: [0 * v for v in z], lengths=[3]).passed


def test_C2_euler_check_fails_for_a_wrong_formula():
    def shifted(filters, x, y, i, **kw):
        return [g + 1 for g in cn_gradient(filters, x, y, i)]

    assert not ident.c2_euler(gradient=shifted, sizes=[(3, 1)])[0].passed


@pytest.mark.parametrize(
    "check",
    [
        ident.t1_jacobian,
        lambda: ident.t2_convolution_theorem(sizes=[(n, d) for n in range(2, 5) for d in range(1, 3)]),
        ident.t2_parseval,
        ident.t2_gradient_dft,
        lambda: ident.multiplicative_step(+1),
        lambda: ident.multiplicative_step(-1),
        ident.t5_straight_line,
        ident.c1_centering_commutes,
        lambda: ident.c1_affine_invariance(lengths=range(2, 4)),
        ident.c3_norm_growth,
    ],
)
def test_symbolic_identities_hold(check):
    result = check()
    for c in result if isinstance(result, list) else [result]:
        assert c.passed, c.detail


def test_T4_and_C1_C2_identities_hold():
    checks = [
        *ident.t4_balancedness(),
        *ident.c1_layerwise(sizes=[(3, 2)]),
        *ident.c2_scale_invariance(lengths=range(2, 4), sizes=[(3, 2)]),
    ]
    assert all(c.passed for c in checks)


def test_plain_gradient_on_floats_matches_output():
    filters, x, y = [[1.0, 2.0], [0.5, -1.0]], [1.0, 0.0], [0.0, 1.0]
    assert network_output(filters, x) == [-1.5, 0.0]
    # r = y - f = [1.5, 1], u_1 = c_2 * x = [0.5, -1], -(r ⋆ u_1)_k = -sum_j r_j u_{j-k}
    assert plain_gradient(filters, x, y, 0) == [0.25, 1.0]
