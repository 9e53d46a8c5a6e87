"""Certified enclosures: flow_time / grad_norms / channel_grad_norms with certified=True (issue 22).

Every ball is compared with a reference that shares no code with it:
* GF times: THEORY T6's integral written in sigma = log s, T = int_{log s_end}^0 dsigma /
  (|f|^2 S), with x(sigma) from a Newton solve at every node, mpmath.quad at 45 digits
  (``sigma_reference`` below), and the closed form log(|r0|/(goal |b|))/|a|^2 at d = 1
  (there |f|^2 S = |a|^2, so ds/dt = -|a|^2 s);
* gradient norms: the time-domain closed forms T1/C4 in mpmath at 2 dps
  (``numerics.gd.reference``), and for width k the mpmath path at 2 dps.
"""

from __future__ import annotations

import math
import time

import mpmath
import numpy as np
import pytest
from flint import arb
from mpmath import mp

from numerics.gd.reference import grad_norms_time_domain
from numerics.hp import flow
from numerics.hp.channels import channel_grad_norms, random_channel_filters
from numerics.hp.flow import to_arb
from numerics.hp.precise import grad_norms

REF_DPS = 45


def sigma_reference(z0, a, b, goal, dps=REF_DPS):
    """T = int_{log s_end}^0 dsigma / (|f(s)|^2 sum_i 1/(g_i + x)), s = e^sigma, f = b - s r0, and
    x >= 0 the root of sum_i log(g_i + x) = log(|f|^2/|a|^2) (Newton in log x from the right:
    the left side is convex and increasing in log x). Break points around the point of the
    line closest to 0 (s_c), at distances 10^k max(h/|r0|, 1e-12 s_c) in s, and at 1 - 10^k |f0|/|r0|
    (|f| grows from |f0| there). Returns (T, quad's error estimate)."""
    with mp.workdps(dps + 5):
        a, b = mpmath.mpc(a), mpmath.mpc(b)
        z = [mpmath.mpc(v) for v in z0]
        rho2 = [abs(v) ** 2 for v in z]
        low = min(rho2)
        gaps = [r - low for r in rho2]
        r0 = b - a * mpmath.fprod(z)
        s_end = mpmath.mpf(goal) * abs(b) / abs(r0)
        if s_end >= 1:  # the start is within the goal
            return mpmath.mpf(0), mpmath.mpf(0)
        log_a2 = 2 * mpmath.log(abs(a))
        d = len(gaps)

        def x_of(target):
            v = target / d
            for _ in range(500):
                xv = mpmath.exp(v)
                phi = mpmath.fsum(mpmath.log(g + xv) for g in gaps) - target
                step = phi / mpmath.fsum(xv / (g + xv) for g in gaps)
                v -= step
                if abs(step) < mpmath.mpf(10) ** (-dps):
                    break
            return mpmath.exp(v)

        def integrand(sig):
            s = mpmath.exp(sig)
            f2 = abs(b - s * r0) ** 2
            if f2 == 0:
                return 1 / (abs(a) ** 2 * mpmath.fprod(g for g in gaps if g != 0))
            x = x_of(mpmath.log(f2) - log_a2)
            return 1 / (f2 * mpmath.fsum(1 / (g + x) for g in gaps))

        s_c = (b * mpmath.conj(r0)).real / abs(r0) ** 2
        h = abs((b * mpmath.conj(r0)).imag) / abs(r0) ** 2
        pts = {mpmath.log(s_end), mpmath.mpf(0)}
        near_start = abs(b - r0) / abs(r0)  # |f0|/|r0|: the scale in s on which |f| grows from |f0|
        while near_start < 1:
            if s_end < 1 - near_start:
                pts.add(mpmath.log(1 - near_start))
            near_start *= 10
        if s_end < s_c < 1:
            step = max(h, mpmath.mpf(10) ** -12 * s_c)  # near ties vary on the gap's scale (>= 1e-8 here)
            pts.add(mpmath.log(s_c))
            while step < 1:
                for p in (s_c - step, s_c + step):
                    if s_end < p < 1:
                        pts.add(mpmath.log(p))
                step *= 10
        val, err = mpmath.quad(integrand, sorted(pts), error=True, method="gauss-legendre", maxdegree=8)
        return +val, err


def _random_start(rng: np.random.Generator, kind: str):
    d = int(rng.integers(1, 7))
    goal = float(10 ** rng.uniform(-12, math.log10(0.9)))
    if kind == "wrong-sign":  # real, sign(a prod z) != sign(b), unique smallest modulus
        z = list(rng.choice([-1.0, 1.0], d) * 10 ** rng.uniform(-0.5, 0.5, d))
        a = float(rng.choice([-1.0, 1.0]) * 10 ** rng.uniform(-0.3, 0.3))
        sign = math.copysign(1.0, a * math.prod(z))
        b = -sign * float(10 ** rng.uniform(-0.5, 0.5))
        return z, a, b, goal
    mods = 10 ** rng.uniform(-0.5, 0.5, d)
    if kind == "near-tie" and d >= 2:  # two smallest moduli 10^-3..10^-8 apart, path near 0
        mods[1] = mods[0] * (1 + 10 ** rng.uniform(-8, -3))
        z = list(mods * rng.choice([-1.0, 1.0], d))
        b = -math.copysign(1.0, math.prod(z)) * 2.0
        return z, 1.0, b, goal
    phases = rng.uniform(0, 2 * math.pi, d)
    z = [complex(m * math.cos(p), m * math.sin(p)) for m, p in zip(mods, phases)]
    a = complex(*rng.normal(size=2))
    b = complex(*rng.normal(size=2))
    return z, a, b, goal


def _check_start(z, a, b, goal, dps=30):
    t_ball, lb_ball = flow.flow_time(z, a, b, goal=goal, dps=dps, certified=True)
    assert isinstance(t_ball, arb) and isinstance(lb_ball, arb)
    ref, err = sigma_reference(z, a, b, goal)
    assert err <= abs(ref) * mpmath.mpf(10) ** (-38), (z, a, b, goal, err)
    assert t_ball.contains(to_arb(ref)), (z, a, b, goal, t_ball.str(40, radius=True), mpmath.nstr(ref, 40))
    assert t_ball.rad() <= abs(t_ball.mid()) * arb(10) ** (-(dps - 5))
    assert lb_ball.upper() <= t_ball.lower() or lb_ball.is_zero()  # T6: the bound is below the time
    return t_ball


_KINDS = ["generic", "wrong-sign", "near-tie"]


@pytest.mark.parametrize("seed", [0, 3, 4, 10, 2, 5])
def test_T6_certified_time_encloses_independent_reference(seed):
    """Six random starts in the default run, two of each kind (240 under -m slow: d <= 6, goals
    1e-12..0.9, wrong-signed and near-tied); the reference quadrature at 40 digits is most of
    the cost (1 to 11 s a start), so the default run keeps the starts of a few seconds."""
    rng = np.random.default_rng(1000 + seed)
    _check_start(*_random_start(rng, _KINDS[seed % 3]))


@pytest.mark.slow
def test_T6_certified_time_encloses_independent_reference_on_240_starts():
    rng = np.random.default_rng(22)
    for k in range(240):
        _check_start(*_random_start(rng, _KINDS[k % 3]))


@pytest.mark.parametrize("goal", [1e-8, 1e-30])
@pytest.mark.parametrize("z", [[0.5], [0.5j], [0.5] * 3, [0.8 + 0.3j, -0.5 + 0.9j, 1.1 - 0.4j], [0.5] * 10])
def test_T6_flow_time_at_small_goals_right_to_25_digits(z, goal):
    """Goals 1e-8 and 1e-30 (the old quadrature raised or ran on); d = 1 against the closed
    form, d = 3 and 10 against THEORY's integral in sigma."""
    t, _ = flow.flow_time(z, 1, 1, goal=goal, dps=30)
    if len(z) == 1:
        with mp.workdps(50):
            ref = mpmath.log(abs(1 - mpmath.mpc(z[0])) / mpmath.mpf(goal))
    else:
        ref, _ = sigma_reference(z, 1, 1, goal)
    with mp.workdps(50):
        assert abs(t - ref) <= abs(ref) * mpmath.mpf(10) ** (-25)


def test_issue_cases_return_the_right_time():
    """flow_time([0.5j], 1, 1, goal=1e-10) = log(sqrt(1.25) 1e10) = 23.137...; [0.5]*3 at 1e-8."""
    t, _ = flow.flow_time([0.5j], 1, 1, goal=1e-10, dps=30)
    t3, _ = flow.flow_time([0.5] * 3, 1, 1, goal=1e-8, dps=30)
    ref3, _ = sigma_reference([0.5] * 3, 1, 1, 1e-8)
    with mp.workdps(40):
        ref = mpmath.log(mpmath.sqrt(mpmath.mpf("1.25")) / mpmath.mpf(1e-10))  # the float 1e-10, exactly
        assert abs(t - ref) < mpmath.mpf(10) ** (-28)
        assert abs(t3 - ref3) < abs(ref3) * mpmath.mpf(10) ** (-28)


def test_goal_below_what_dps_resolves_is_refused_before_any_work():
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=r"goal.*dps"):
        flow.flow_time([0.5] * 3, 1, 1, goal=1e-300)
    with pytest.raises(ValueError, match=r"goal.*dps = 20"):
        flow.flow_time([0.5j], 1, 1, goal=1e-25, dps=20)
    assert time.perf_counter() - t0 < 1.0  # refused, not computed (the check is before any work)


def test_certified_stall_and_zero_time():
    t, lb = flow.flow_time([0.5, -0.5, 2.0], 1, 1, certified=True)
    assert not t.is_finite() and t > 0 and lb.is_zero()
    t0, lb0 = flow.flow_time([1.0, 0.9], 1, 1, goal=0.5, certified=True)  # |r0| = 0.1 <= goal |b|
    assert t0.is_zero() and lb0.is_zero()


@pytest.mark.parametrize("seed", range(9))
def test_fast_default_agrees_with_the_certified_ball_to_the_claimed_digits(seed):
    """The default flow_time (computed at p, checked at 2p; not certified) against the certified
    ball: within 10^-dps of it relatively (its claim) plus the rounding to dps digits; the lower
    bound is the midpoint of the certified T6 ball."""
    rng = np.random.default_rng(2000 + seed)
    z, a, b, goal = _random_start(rng, _KINDS[seed % 3])
    dps = 25
    t, lb = flow.flow_time(z, a, b, goal=goal, dps=dps)
    tb, lbb = flow.flow_time(z, a, b, goal=goal, dps=dps, certified=True)
    assert isinstance(t, mpmath.mpf) and isinstance(lb, mpmath.mpf)
    if not tb.is_finite():
        assert mpmath.isinf(t)
        return
    claimed = abs(tb.mid()) * 2 * arb(10) ** -dps + tb.rad()
    assert abs(to_arb(t) - tb.mid()) <= claimed, (z, a, b, goal, mpmath.nstr(t, 30), tb.str(30))
    assert abs(to_arb(lb) - lbb.mid()) <= abs(lbb.mid()) * arb(10) ** -(dps - 1)


@pytest.mark.parametrize("d", [100, 1000])
def test_fast_default_agrees_with_the_certified_ball_at_depth(d):
    """The benchmark's cases (issue 27): d = 100 and 1000, complex weights, dps = 30."""
    from numerics.mc import rates

    z = list(rates.complex_weights(d, 1))
    t, _ = flow.flow_time(z, 1, 1, dps=30)
    tb, _ = flow.flow_time(z, 1, 1, dps=30, certified=True)
    assert abs(to_arb(t) - tb.mid()) <= abs(tb.mid()) * 2 * arb(10) ** -30 + tb.rad()


def test_fast_default_check_at_2p_can_fail(monkeypatch):
    """The 2p check sees a time that moves with the precision. At dps = 20 it claims 2^-66
    (p = 70 bits): a time that moves by 2^-60 up and down at every doubling is refused, one that
    moves by 2^-p is accepted (and then agrees with the certified ball)."""
    real_time = flow.heuristic_time

    def drifting(shift):
        def fake(scalar_flow, goal, bits, log2_goal):
            ball = real_time(scalar_flow, goal, bits, log2_goal)
            sign = (-1) ** bits.bit_length()  # p, 2p, 4p, 8p alternate
            with flow.arb_precision(4 * bits):  # 1 + 2^-bits is not a 53-bit number
                return ball * (1 + sign * arb(2) ** shift(bits))

        return fake

    z = [0.5 + 0.5j, 0.6 - 0.2j, 0.9 + 0.1j, 1.2j]
    monkeypatch.setattr(flow, "heuristic_time", drifting(lambda bits: -60))
    with pytest.raises(ArithmeticError, match="never agree"):
        flow.flow_time(z, 1, 1, dps=20)
    monkeypatch.setattr(flow, "heuristic_time", drifting(lambda bits: -bits))
    t, _ = flow.flow_time(z, 1, 1, dps=20)
    tb, _ = flow.flow_time(z, 1, 1, dps=20, certified=True)
    assert abs(to_arb(t) - tb.mid()) <= abs(tb.mid()) * arb(10) ** -19


def test_fast_default_exact_decisions_and_small_goal_fallback():
    """Stall (inf) and start at the goal (0) decided exactly on the fast path too; at a goal
    where the heuristic quadrature does not converge the default is the certified midpoint."""
    t, lb = flow.flow_time([0.5, -0.5, 2.0], 1, 1)
    assert mpmath.isinf(t) and t > 0 and lb == 0
    assert flow.flow_time([1.0, 0.9], 1, 1, goal=0.5) == (0, 0)
    t, _ = flow.flow_time([0.5, -0.3], 1, 1, goal=1e-10, dps=25)
    tb, _ = flow.flow_time([0.5, -0.3], 1, 1, goal=1e-10, dps=25, certified=True)
    assert abs(to_arb(t) - tb.mid()) <= abs(tb.mid()) * arb(10) ** -24


# ------------------------------------------------------------------------ gradient norms
def _random_problem(rng: np.random.Generator, normalized: bool):
    """n = 2 is left out for CN: one nonzero frequency makes the CN gradient vanish identically,
    and a zero has no relative enclosure."""
    d, n = int(rng.integers(1, 7)), int(rng.integers(3 if normalized else 2, 9))
    return rng.normal(0, 0.6, (d, n)), rng.normal(size=n), rng.normal(size=n)


@pytest.mark.parametrize("normalized", [False, True])
def test_grad_norms_certified_encloses_2dps_reference(normalized):
    """100 random cases (d <= 6, n <= 8), dps = 20 or 30; the reference is the time-domain
    mpmath code at 2 dps, whose own error (below 10^-(2 dps - 10)) is added to the comparison."""
    rng = np.random.default_rng(7 if normalized else 8)
    checked = 0
    for _ in range(60):
        c, x, y = _random_problem(rng, normalized)
        dps = int(rng.choice([20, 30]))
        try:
            balls = grad_norms(c, x, y, normalized=normalized, dps=dps, certified=True)
        except ValueError:  # CN with a constant output: undefined
            continue
        ref = grad_norms_time_domain(c, x, y, normalized, 2 * dps)
        for ball, r in zip(balls, ref):
            r_arb = to_arb(r)
            with flow.arb_precision(8 * dps):  # at 53 bits r_arb + slack would round r to 16 digits
                slack = abs(r_arb) * arb(10) ** (-(2 * dps - 10))
                assert ball.overlaps(r_arb + arb(0, slack.upper())), (ball, r)
            assert ball.rad() <= abs(ball.mid()) * arb(10) ** (-dps)
        checked += 1
    assert checked >= 50


@pytest.mark.parametrize("normalized", [False, True])
def test_channel_grad_norms_certified_encloses_2dps_reference(normalized):
    rng = np.random.default_rng(3)
    for seed in range(8):
        d, k, n = int(rng.integers(1, 6)), int(rng.integers(1, 4)), int(rng.integers(3, 8))
        filt = random_channel_filters(n, d, k, seed=seed)
        x, y = rng.normal(size=n), rng.normal(size=n)
        balls = channel_grad_norms(filt, x, y, normalized=normalized, dps=25, certified=True)
        ref = channel_grad_norms(filt, x, y, normalized=normalized, dps=50)
        for ball, r in zip(balls, ref):
            r_arb = to_arb(r)
            with flow.arb_precision(256):  # at 53 bits r_arb + slack would round r to 16 digits
                assert ball.overlaps(r_arb + arb(0, (abs(r_arb) * arb(10) ** (-40)).upper())), (ball, r)
            assert ball.rad() <= abs(ball.mid()) * arb(10) ** (-25)
    # k = 1 against the scalar time-domain formulas
    filt = random_channel_filters(6, 4, 1, seed=1)
    x, y = rng.normal(size=6), rng.normal(size=6)
    balls = channel_grad_norms(filt, x, y, normalized=normalized, dps=25, certified=True)
    ref = grad_norms_time_domain([f[0, 0] for f in filt], x, y, normalized, 50)
    with flow.arb_precision(256):
        assert all(b.overlaps(to_arb(r) + arb(0, 1e-40)) for b, r in zip(balls, ref))


def test_certified_flag_is_validated():
    with pytest.raises(ValueError, match="certified"):
        flow.flow_time([0.5], 1, 1, certified="yes")
    with pytest.raises(ValueError, match="certified"):
        grad_norms([[1.0, 2.0]], [1.0, 0.0], [0.0, 1.0], certified=1)
