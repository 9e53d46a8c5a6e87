"""Issue 27's hostile inputs to the certified API, as one table, and the checks that see them.

Every certified result is compared with an independent reference at twice the precision
(plain mpmath: time-domain convolutions for the gradient norms, the closed form
T = log(|r0|/(goal |b|))/|a|^2 for one layer), and must both *contain* it and have a radius
within RADIUS_FACTOR of the accuracy it states (10^-dps of the value, or of the size of the
terms for a norm that is 0). A point ball (radius dropped) misses the reference, whose
digits go far beyond the ball's midpoint error; a ball with a dropped term misses it too.
"""

from __future__ import annotations

import fractions
import math

import mpmath
import numpy as np
import pytest
from flint import acb, arb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mpmath import mp

from numerics.hp import gf_time
from numerics.hp.channels import channel_grad_norms
from numerics.hp.flow import arb_precision, flow_time, to_arb
from numerics.hp.precise import grad_norms

#: A certified radius may be at most this factor above the accuracy the function states.
RADIUS_FACTOR = 4


# ------------------------------------------------------------------ references (mpmath, 2p)
def exact_mpf(v, dps):
    """The exact value of an input at dps digits, by a route of its own (Fractions, mpmath's
    constants evaluated at dps), not theory.validation.exact."""
    with mp.workdps(dps):
        if isinstance(v, type(mpmath.pi)):
            return +v  # a constant evaluates at the working precision
        if isinstance(v, mpmath.mpf):
            return +v
        if isinstance(v, np.floating):
            p, q = v.as_integer_ratio()
            return mpmath.mpf(int(p)) / int(q)
        frac = fractions.Fraction(v)
        return mpmath.mpf(frac.numerator) / frac.denominator


def _conv(a, b):
    n = len(a)
    return [mpmath.fsum(a[k] * b[(j - k) % n] for k in range(n)) for j in range(n)]


def _corr(r, u):
    n = len(r)
    return [mpmath.fsum(r[j] * u[(j - k) % n] for j in range(n)) for k in range(n)]


def reference_grad_norms(filters, x, y, dps):
    """||grad_{c_i} L|| = ||r * u_i|| (THEORY T1) in the time domain at dps digits."""
    with mp.workdps(dps):
        c = [[exact_mpf(v, dps) for v in row] for row in filters]
        xs, ys = [exact_mpf(v, dps) for v in x], [exact_mpf(v, dps) for v in y]
        out = []
        for i in range(len(c)):
            u = xs
            for j, row in enumerate(c):
                if j != i:
                    u = _conv(row, u)
            f = _conv(c[i], u)
            r = [yj - fj for yj, fj in zip(ys, f)]
            out.append(mpmath.sqrt(mpmath.fsum(g * g for g in _corr(r, u))))
        return out


def one_layer_time(z, a, b, goal, dps):
    """d = 1: dr/dt = -|a|^2 r, so T = log(|r0|/(goal |b|))/|a|^2 (0 if already there)."""
    with mp.workdps(dps):
        z, a, b, goal = (mpmath.mpmathify(exact_mpf(v, dps)) for v in (z, a, b, goal))
        r0 = abs(b - a * z)
        return max(mpmath.log(r0 / (goal * abs(b))) / abs(a) ** 2, mpmath.mpf(0))


def assert_certified(ball, ref, dps, scale=None):
    """The ball contains ref (up to ref's own error at 2 dps) and its radius is within
    RADIUS_FACTOR of 10^-dps of the value (or of ``scale`` for a value near 0)."""
    ref_ball = to_arb(ref)
    # at the reference's precision: at the default 53 bits, ref_ball + slack would round the
    # reference to 16 digits and make any ball within 1e-16 of it "contain" it
    with arb_precision(int(2 * dps * 3.33) + 64):
        slack = abs(ref_ball) * arb(10) ** (-2 * dps + 3) if ref else arb(10) ** (-2 * dps)
        assert ball.overlaps(ref_ball + arb(0, slack.upper())), f"{ball} misses the reference {ref}"
    size = max(abs(ref_ball), arb(scale) if scale is not None else arb(0))
    allowed = RADIUS_FACTOR * size * arb(10) ** (-dps)
    assert ball.rad() <= allowed.upper(), f"radius {ball.rad()} above {allowed}"
    if ball.is_exact():
        # a point ball is right only for a value it holds exactly (0, an integer norm): the
        # 2 dps reference of an irrational value is not its midpoint
        assert ball == ref_ball, f"point ball {ball} for the value {ref}"


# ------------------------------------------------------------------------ the table
with mp.workdps(80):
    GOAL_80 = mpmath.mpf("1e-40")  # made at 80 digits, used at dps = 60

LONG = np.array([[1, 2, 3]], dtype=np.longdouble) / 3  # 64-bit mantissas, not float64

GRAD_CASES = {
    "constants pi, e at dps 50": ([[mpmath.pi, 1], [mpmath.e, 0.5]], [1, 0], [0, 1], 50),
    "longdouble filters": (LONG, [1, 0, 0], [0, 1, 0], 30),
    "real negative DFT values (sqrt 2)": ([[1, 1, 0, 0, 1]], [1, 0, 0, 0, 0], [0, 1, 0, 0, 0], 30),
    "0/1 filters": ([[1, 0, 1, 0], [0, 1, 1, 0]], [1, 1, 0, 0], [0, 0, 1, 1], 30),
    "0/1 filters, zero DFT values": (
        [[1, 1, 1, 1, 1], [1, 0, 0, 1, 0]],
        [1, 0, 1, 0, 0],
        [0, 1, 0, 0, 1],
        30,
    ),
    "decimal strings summing to 0": (
        [["0.1", "-0.1", "0.3", "-0.3"], ["0.2", "0.1", "-0.2", "-0.1"]],
        ["1", "0", "0.5", "0"],
        ["0", "1", "0", "-1"],
        30,
    ),
    "exact fit (norm 0)": ([[1, 0, 0, 0, 0]], [1, 0, 0, 0, 0], [1, 0, 0, 0, 0], 30),
    "exact fit at depth 2": ([[0, 1, 0], [0, 0, 1]], [1, 2, 3], [2, 3, 1], 30),
    "big ints": ([[2**70 + 1, -(2**70)]], [1, 0], [0, 2**71 + 3], 40),
}


@pytest.mark.parametrize("certified", [True, False])
@pytest.mark.parametrize("case", list(GRAD_CASES))
def test_grad_norms_hostile_table(case, certified):
    filters, x, y, dps = GRAD_CASES[case]
    ref = reference_grad_norms(
        filters.tolist() if isinstance(filters, np.ndarray) else filters, x, y, 2 * dps
    )
    if isinstance(filters, np.ndarray):
        ref = reference_grad_norms(list(filters), x, y, 2 * dps)
    got = grad_norms(filters, x, y, dps=dps, certified=certified)
    scale = max(mpmath.mpf(1), *ref)
    for g, r in zip(got, ref):
        if certified:
            assert_certified(g, r, dps, scale=scale)
        else:
            assert abs(g - r) <= scale * mpmath.mpf(10) ** (-dps + 1)


def test_longdouble_and_constants_are_not_rounded_to_64_or_53_bits():
    """The float64 cut of the longdouble and the 64-bit pi differ from the exact inputs at
    1e-17..1e-20: their norms fall outside the certified balls."""
    for filters, x, y, dps, rounded in (
        (LONG, [1, 0, 0], [0, 1, 0], 30, LONG.astype(float)),
        (
            [[mpmath.pi, 1], [mpmath.e, 0.5]],
            [1, 0],
            [0, 1],
            50,
            [[float(mpmath.pi), 1], [float(mpmath.e), 0.5]],
        ),
    ):
        balls = grad_norms(filters, x, y, dps=dps, certified=True)
        cut = reference_grad_norms(list(rounded), x, y, 2 * dps)
        assert not all(b.contains(to_arb(c)) for b, c in zip(balls, cut))


def test_channel_grad_norms_reads_exact_inputs():
    """Width 1 of channel_grad_norms: the same hostile inputs, the same references."""
    cases = [
        (
            [np.array([[[mpmath.pi, 1]]], dtype=object), np.array([[[mpmath.e, 0.5]]], dtype=object)],
            [1, 0],
            [0, 1],
            50,
        ),
        ([LONG.reshape(1, 1, 3)], [1, 0, 0], [0, 1, 0], 30),
        ([np.array([[[1.0, 1, 0, 0, 1]]])], [1, 0, 0, 0, 0], [0, 1, 0, 0, 0], 30),
        (
            [np.array([[["0.1", "-0.1", "0.3", "-0.3"]]], dtype=object)],
            ["1", "0", "0.5", "0"],
            ["0", "1", "0", "-1"],
            30,
        ),
    ]
    for layers, x, y, dps in cases:
        rows = [list(f[0, 0]) for f in layers]
        ref = reference_grad_norms(rows, x, y, 2 * dps)
        got = channel_grad_norms(layers, x, y, dps=dps, certified=True)
        for g, r in zip(got, ref):
            assert_certified(g, r, dps)


FLOW_CASES = {
    "big ints (2^160 + 2^62 + 1)": ([2**160 + 2**62 + 1], 1, 2**160, 1e-30, 30),
    "mpf goal made at 80 digits, dps 60": ([0.5], 1, 1, GOAL_80, 60),
    "goal 1e-230 at dps 240 through 0": ([0.5], 1.5, -2, 1e-230, 240),
    "mpf weight at its own 60 digits": ([mpmath.mpf(1) / 3 if False else None], 1, 1, 1e-20, 30),
}


def _mpf_weight():
    with mp.workdps(60):
        return mpmath.mpf(1) / 3


FLOW_CASES["mpf weight at its own 60 digits"] = ([_mpf_weight()], 2, 1, 1e-20, 30)


@pytest.mark.parametrize("case", list(FLOW_CASES))
def test_flow_time_hostile_table(case):
    z, a, b, goal, dps = FLOW_CASES[case]
    t, lb = flow_time(z, a, b, goal=goal, dps=dps, certified=True)
    ref = one_layer_time(z[0], a, b, goal, 2 * dps)
    assert_certified(t, ref, dps)
    assert lb.upper() <= t.lower() or lb.is_zero()
    mid, _ = flow_time(z, a, b, goal=goal, dps=dps)
    assert abs(mid - ref) <= ref * mpmath.mpf(10) ** (-dps + 1)


def test_rounded_big_int_is_outside_the_ball():
    """The old reading (the weight rounded to dps + 15 digits) gives a time the ball excludes."""
    t, _ = flow_time([2**160 + 2**62 + 1], 1, 2**160, goal=1e-30, dps=30, certified=True)
    with mp.workdps(45):
        rounded = +mpmath.mpf(2**160 + 2**62 + 1)
    wrong = one_layer_time(int(rounded), 1, 2**160, 1e-30, 60)
    assert not t.contains(to_arb(wrong))


@pytest.mark.parametrize(
    "call, parameter",
    [
        (lambda: flow_time([0.999] * 10**6, 1, 1), "d must be in [1, "),
        (lambda: flow_time([mpmath.pi], 1, 1), "z0 must be"),
        (lambda: flow_time([0.5], mpmath.e, 1), "a must be"),
        (lambda: grad_norms([[object(), 1]], [1, 0], [0, 1]), "filters"),
        (lambda: grad_norms([[mpmath.mertens, 1]], [1, 0], [0, 1]), "filters"),
        (lambda: grad_norms([["1e99999999", 1]], [1, 0], [0, 1]), "filters"),
    ],
)
def test_what_cannot_be_held_exactly_is_refused_in_one_line(call, parameter):
    with pytest.raises(ValueError) as err:
        call()
    assert parameter in str(err.value) and "\n" not in str(err.value)


# ------------------------------------------------------------------ the end-ball term
def test_integral_to_a_ball_end_adds_the_end_term():
    """int_0^W 1 dw for W = 1 +- 1/4 must contain 3/4 and 5/4: dropping the (W - mid W) f(W)
    term of ``gf_time._integrate`` gives the point 1."""
    one = lambda w, analytic: acb(1)  # noqa: E731
    total = gf_time._integrate(one, arb(1, 0.25), gf_time.Tolerance(60, arb(0)))
    assert total.contains(arb(0.75)) and total.contains(arb(1.25))


@pytest.mark.parametrize("e", [6, 10])
def test_flow_time_just_above_the_goal_contains_the_closed_form(e):
    """goal |b| = |r0| (1 - 10^-e): the end of the integral is a difference that cancels e
    digits, so its ball is wide and the end term carries the radius until the precision rises;
    a ball without it is returned too early and misses T = log(|r0|/(goal |b|))."""
    dps = 30
    with mp.workdps(2 * dps):  # the reference reads the goal at 2 dps: exactly this mpf
        goal = mpmath.mpf(0.5) * (1 - mpmath.mpf(10) ** -e)
    t, _ = flow_time([0.5], 1, 1, goal=goal, dps=dps, certified=True)
    assert_certified(t, one_layer_time(0.5, 1, 1, goal, 2 * dps), dps)


# --------------------------------------------------- property: random exact inputs, 2p
def _kinds():
    ints = st.integers(-5, 5)
    big = st.integers(-(2**80), 2**80).map(lambda v: v if abs(v) > 2**64 else v + 2**70)
    mpfs = st.tuples(st.integers(-(10**30), 10**30), st.integers(20, 60)).map(lambda t: _mpf_at(t[0], t[1]))
    longs = st.integers(-1000, 1000).map(lambda v: np.longdouble(v) / 7)
    consts = st.sampled_from([mpmath.pi, mpmath.e, mpmath.euler, mpmath.ln2, mpmath.catalan, mpmath.phi])
    decimals = st.tuples(st.integers(-999, 999), st.integers(0, 6)).map(lambda t: f"{t[0]}e-{t[1]}")
    return st.one_of(ints, big, mpfs, longs, consts, decimals)


def _mpf_at(k, dps):
    with mp.workdps(dps):
        return mpmath.mpf(k) / 10**30 / 3


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 3), st.integers(2, 4), st.data())
def test_random_exact_inputs_are_enclosed_with_small_radius(d, n, data):
    dps = 20
    kinds = _kinds()
    filters = [[data.draw(kinds) for _ in range(n)] for _ in range(d)]
    x = [data.draw(kinds) for _ in range(n)]
    y = [data.draw(kinds) for _ in range(n)]
    ref = reference_grad_norms(filters, x, y, 2 * dps)
    scale = _term_scale(filters, x, y, 2 * dps)
    for ball, r in zip(grad_norms(filters, x, y, dps=dps, certified=True), ref):
        assert_certified(ball, r, dps, scale=scale)


def _term_scale(filters, x, y, dps):
    """A size of the terms of the norms (for a norm that cancels to 0): the norms of the
    filters, x and y multiplied, and ||y|| ||x|| prod ||c_j||."""
    with mp.workdps(dps):
        norm = lambda v: mpmath.sqrt(mpmath.fsum(exact_mpf(t, dps) ** 2 for t in v))  # noqa: E731
        n = len(x)
        prod = mpmath.fprod(norm(row) for row in filters)
        return (norm(y) + norm(x) * prod * n ** (len(filters) / 2)) * norm(x) * prod * n ** (
            len(filters) / 2
        ) + 1


@settings(max_examples=25, deadline=None)
@given(
    st.one_of(st.integers(-(2**90), 2**90).filter(bool), st.sampled_from([mpmath.pi, "0.25", "-1.5"])),
    st.one_of(st.integers(1, 2**70), st.sampled_from(["0.5", "3"])),
    st.integers(1, 60),
)
def test_one_layer_flow_time_encloses_the_closed_form(z, b, goal_exp):
    """d = 1 with exact ints and strings (constants are refused by flow_time: see the table)."""
    if isinstance(z, type(mpmath.pi)):
        z = mpmath.mpf(z)  # its binary value at 53 bits: exact
    if isinstance(z, str):
        z = fractions.Fraction(z)
        z = mpmath.mpf(z.numerator) / z.denominator
    if isinstance(b, str):
        b = mpmath.mpf(b)
    goal = mpmath.mpf(2) ** -goal_exp
    dps = 25
    t, _ = flow_time([z], 1, b, goal=goal, dps=dps, certified=True)
    ref = one_layer_time(z, 1, b, goal, 2 * dps)
    if ref == 0:
        assert t.is_zero()
    else:
        assert_certified(t, ref, dps)
    assert math.isfinite(float(t.mid()))
