"""numerics.hp.flow: exact gradient-flow times (T6), their lower bound, and T9's crossing and stall.

Every exact time is compared with something that shares no code with ``flow.exact_time``:
the closed form of balanced starts, THEORY T6's integral in s (plain mpmath, a root per
node), mpmath's Taylor ODE solver, or GD.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from mpmath import mp

from numerics.gd.simulate import simulate_gd
from numerics.hp import flow
from numerics.hp.precise import agreeing_digits
from numerics.mc import rates


def ode_residual(z0, a, b, t, dps=30):
    """|b - a prod z(t)| from mpmath's Taylor ODE solver."""
    with mp.workdps(dps):
        z_end = flow.gf_solution(z0, a, b)(t)
        return abs(mpmath.mpc(b) - mpmath.mpc(a) * mpmath.fprod(z_end))


# ------------------------------------------------------------------ T6: exact time, every path
@pytest.mark.parametrize(
    "z0,a,b",
    [
        ([0.5, 0.6], 1, 1),  # same sign: the path never turns
        ([0.8 + 0.3j, -0.5 + 0.9j, 1.1 - 0.4j], 1 + 0.5j, -1 + 2j),  # closest point to 0 on the path
        ([1.3, -0.4, 0.9], 1, 1),  # through 0
        ([1.0, 1.4 + 0.9j], 1, 1),  # closest point to 0 after the goal
        ([3.0, 3.0, 1.4 + 0.9j], 1, 1),  # the same, shrinking by more than 1/sum(1/rho^2)
        ([0.0, 1.0], 1, 1),  # one zero layer: only its gradient is 0 at the start
        ([1.0, -0.5 * complex(math.cos(1e-8), math.sin(1e-8))], 1, 1),  # nearly collinear
    ],
)
def test_T6_flow_time_matches_mpmath_ode(z0, a, b):
    t, lb = flow.flow_time(z0, a, b, dps=25)
    assert isinstance(t, mpmath.mpf) and isinstance(lb, mpmath.mpf) and lb <= t
    with mp.workdps(25):
        half_b = abs(mpmath.mpc(b)) / 2
    assert agreeing_digits(ode_residual(z0, a, b, t, 25), half_b) > 20


@pytest.mark.parametrize("d", [1, 2, 3, 5, 40])
@pytest.mark.parametrize("z0", ["1e-300", "1e-5", "0.3", "1.2", "1e8", "1e9", "1e300"])
def test_T6_flow_time_matches_closed_form_of_balanced_starts(d, z0):
    """Far above the target (|f0| >> |b|) and far below it, at any depth."""
    if d == 40 and z0 == "1e-300":
        pytest.skip("T ~ 1e11398: the closed form's series is the same as at 1e-5")
    with mp.workdps(45):
        z = mpmath.mpf(z0)
        ref = flow.balanced_time(d, z)
    t, _ = flow.flow_time([z] * d, 1, 1, dps=30)
    assert isinstance(t, mpmath.mpf)
    assert agreeing_digits(t, ref) >= 30


def test_T6_far_above_cases_from_the_issue():
    """flow_time([1e8]*3, 1, 1) gave 0.1956, [1e9]*3 a complex number, [1e300]*3 raised."""
    for z in ([1e8] * 3, [1e9] * 3, [1e300] * 3):
        t, _ = flow.flow_time(z, 1, 1, dps=20)
        assert agreeing_digits(t, "0.2572117656503326616503251680") >= 19
    t20, _ = flow.flow_time([1], 1e9, 1, dps=20)
    t40, _ = flow.flow_time([1], 1e9, 1, dps=40)
    assert isinstance(t20, mpmath.mpf) and agreeing_digits(t20, t40) >= 19
    # d = 1: T = int dz / ((b - a z) a) from z0 = 1 to |b - a z| = |b|/2, i.e. log(2 |b - a z0|/|b|)/a^2
    with mp.workdps(40):
        ref = mpmath.log(2 * (mpmath.mpf(1e9) - 1)) / mpmath.mpf(1e9) ** 2
    assert agreeing_digits(t40, ref) >= 38


@pytest.mark.parametrize("d,seed", [(3, 7), (12, 8)])
def test_T6_flow_time_matches_theory_s_integral(d, seed):
    z = list(rates.complex_weights(d, seed))
    t, _ = flow.flow_time(z, 1, 1, dps=30)
    with mp.workdps(30):
        ref = flow.time_by_s_integral(z, 1, 1)
    assert agreeing_digits(t, ref) >= 28


def test_T6_flow_time_at_depth_200_agrees_with_twice_the_digits():
    z = list(rates.complex_weights(200, 1))
    t30, _ = flow.flow_time(z, 1, 1, dps=30)
    t60, _ = flow.flow_time(z, 1, 1, dps=60)
    assert agreeing_digits(t30, t60) >= 30


@pytest.mark.slow
def test_T6_flow_time_at_depth_1000_agrees_with_twice_the_digits():
    z = list(rates.complex_weights(1000, 1))
    t30, _ = flow.flow_time(z, 1, 1, dps=30)
    t60, _ = flow.flow_time(z, 1, 1, dps=60)
    assert agreeing_digits(t30, t60) >= 30
    # today's value; main's mpmath implementation (47-266 s) printed the same 30 digits
    assert agreeing_digits(t30, "1.59219650525269897783921733327e+119") >= 29


@pytest.mark.parametrize("eps", ["1e-8", "1e-12", "1e-20"])
def test_T6_nearly_collinear_start_is_real_and_right_to_its_digits(eps):
    """z0 = (1, -0.5 e^{i eps}): the path passes near 0 without being collinear."""
    z = [1, -mpmath.mpf("0.5") * mpmath.expj(mpmath.mpf(eps))]
    t20, lb = flow.flow_time(z, 1, 1, dps=20)
    t40, _ = flow.flow_time(z, 1, 1, dps=40)
    assert isinstance(t20, mpmath.mpf) and lb <= t20
    assert agreeing_digits(t20, t40) >= 19


def test_T6_lower_bound_and_large_depth():
    z = rates.complex_weights(300, 11)
    t, lb = flow.flow_time(list(z), 1, 1, dps=15)
    assert 0 < lb <= t and t > mpmath.mpf("1e30")


def test_T6_lower_bound_matches_independent_maximization():
    """lower_bound against a scipy maximization of THEORY's delta_1/(2R|a|P(delta_1)^(1/2)).

    The maximum is interior (flat to second order: agreement ~1e-12) or on the constraint
    delta_1 < delta*, where lower_bound stays 1e-9 inside (slope < 1, so < 1e-9); allowed: 1e-8.
    """
    from scipy.optimize import brentq, minimize_scalar

    for d, seed in ((3, 1), (12, 2), (40, 3)):
        z = rates.complex_weights(d, seed)
        with mp.workdps(20):
            fl = flow.ScalarFlow.from_weights(list(z), 1, 1)
            lb, _ = flow.lower_bound(fl, mpmath.mpf(0.5))
        rho2, r0 = np.abs(z) ** 2, abs(1 - np.prod(z))

        def log_p(v, rho2=rho2):
            return float(np.sum(np.log(rho2 + math.exp(v))))

        def neg_log_bound(v, r0=r0, log_p=log_p):
            return -(v - math.log(2 * r0) - 0.5 * log_p(v))

        v_star = brentq(lambda v, log_p=log_p: log_p(v) - 2 * math.log(0.5), -60, 5, xtol=1e-14)

        best = minimize_scalar(
            neg_log_bound, bounds=(v_star - 30, v_star), method="bounded", options={"xatol": 1e-12}
        )
        independent = max(-best.fun, -neg_log_bound(v_star))  # the optimum may sit on the constraint
        assert abs(float(mpmath.log(lb)) - independent) < 1e-8


@given(st.integers(1, 60), st.integers(0, 10**6))
def test_T6_lower_bound_never_exceeds_flow_time_checked_by_ode(d, seed):
    """lb <= T where T is not taken from flow: at t = lb the ODE's residual is still above goal."""
    z = list(rates.complex_weights(d, seed))
    _, lb = flow.flow_time(z, 1, 1, dps=15)
    if lb == 0:  # nothing forces delta to grow (e.g. the start is already within the goal)
        return
    if d <= 6:  # the Taylor ODE is cheap only at small depth
        assert ode_residual(z, 1, 1, lb, 20) >= 0.5 * (1 - 1e-15)
    else:
        t, _ = flow.flow_time(z, 1, 1, dps=15)
        assert lb <= t


def test_flow_time_matches_gd_as_eta_shrinks():
    z = rates.complex_weights(4, 7)
    filters, x, y = rates.scalar_network_as_filters(z, 1, 1)
    t, _ = flow.flow_time(list(z), 1, 1, dps=20)
    r0 = abs(1 - np.prod(z))
    gaps = []
    for eta in (4e-3, 1e-3, 2.5e-4):
        res = simulate_gd(x, y, filters, eta=eta, max_iter=10**6, tol=(0.5 / r0) ** 2)
        gaps.append(abs(eta * res.iterations[0] - float(t)) / float(t))
    # GD's time is T + O(eta): the gap must shrink about 4x per step of eta
    assert gaps[2] < gaps[1] < gaps[0] and gaps[2] < 2e-3


def test_fast_flow_time_agrees_with_exact():
    z = rates.complex_weights(120, 5)
    with mp.workdps(20):
        fl = flow.ScalarFlow.from_weights(list(z), 1, 1)
        fast = flow.exact_time(fl, mpmath.mpf(0.5), fast=True)
    exact, _ = flow.flow_time(list(z), 1, 1, dps=20)
    assert agreeing_digits(fast, exact) > 17  # fast: 64 bits


@pytest.mark.parametrize(
    "kwargs,match", [({"goal": 1.5}, "goal"), ({"dps": 2}, "dps"), ({"a": 0}, "a must"), ({"b": 0}, "b must")]
)
def test_flow_time_rejects_bad_input(kwargs, match):
    args = {"a": 1, "b": 1, **kwargs}
    with pytest.raises(ValueError, match=match):
        flow.flow_time([0.5j, 1], args.pop("a"), args.pop("b"), **args)


# ------------------------------------------------------------------ T9: crossing 0 and stalling
def test_T9_one_zero_layer_converges_two_stall():
    t, _ = flow.flow_time([0.0, 1.0], 1, 1, dps=30)
    assert agreeing_digits(t, "0.598029508775338268417671846365") >= 29
    assert agreeing_digits(ode_residual([0.0, 1.0], 1, 1, t), 0.5) >= 25
    assert flow.flow_time([0.0, 0.0, 1.0], 1, 1)[0] == mpmath.inf
    assert flow.flow_time([0.0, 0.0], 1, 1)[0] == mpmath.inf
    assert agreeing_digits(flow.flow_time([1e-30, 1.0], 1, 1, dps=30)[0], t) >= 28


def test_T9_mismatched_start_crosses_zero_in_finite_time():
    t, _ = flow.flow_time([1, -0.5], 1, 1, dps=30)
    assert agreeing_digits(t, "1.19122424894692423481705887331") >= 29
    assert agreeing_digits(ode_residual([1, -0.5], 1, 1, t), 0.5) >= 25
    with mp.workdps(30):
        assert agreeing_digits(flow.time_by_s_integral([1, -0.5], 1, 1), t) >= 28


def test_T9_tied_smallest_moduli_stall_at_the_predicted_rate():
    """z0 = (0.5, -0.5, 2): T = inf, and the ODE's |f(t)| decays like exp(-kappa t) with
    kappa = 2 |a||b| (rho_3^2 - rho_1^2)^(1/2) = 2 sqrt(3.75) (docs/derivations.md, T9)."""
    tie = [0.5, -0.5, 2.0]
    assert flow.flow_time(tie, 1, 1)[0] == mpmath.inf
    with mp.workdps(25):
        sol = flow.gf_solution(tie, 1, 1)
        f10, f20 = (mpmath.fprod(sol(t)).real for t in (10, 20))
        slope = (mpmath.log(-f20) - mpmath.log(-f10)) / 10
    assert f10 < 0 and f20 < 0
    assert abs(slope + 2 * math.sqrt(3.75)) < 1e-6  # corrections are O(x) ~ e^-38


def test_T9_crossing_time_grows_like_log_of_the_gap():
    """T(g) = A log(1/g) + B + O(g log g), A = 1/(|a b| prod_{j>=3} (rho_j^2 - rho_1^2)^(1/2))."""
    gaps, times = [], []
    for k in range(6, 31, 4):
        with mp.workdps(60):  # the input carries its own precision
            g = mpmath.mpf(10) ** (-k)
            s2 = -mpmath.sqrt(mpmath.mpf("0.25") + g)  # moduli^2: 0.25 and 0.25 + g
            gaps.append(float(s2**2 - mpmath.mpf("0.25")))
        times.append(float(flow.flow_time([mpmath.mpf("0.5"), s2, mpmath.mpf(3)], 1, 1, dps=20)[0]))
    slope = np.polyfit(np.log(1 / np.array(gaps)), times, 1)[0]
    assert abs(slope - 1 / math.sqrt(9 - 0.25)) < 1e-5


def test_T9_sign_mismatch_detects_wrong_sign():
    assert flow.sign_mismatch([1, -0.5], 1, 1)
    assert not flow.sign_mismatch([1, 0.5], 1, 1)


_moduli = st.one_of(st.just(0.0), st.floats(-60, 60).map(lambda k: 10.0**k))
_weights = st.tuples(_moduli, st.floats(0, 2 * math.pi), st.booleans()).map(
    lambda t: t[0] * (complex(math.cos(t[1]), math.sin(t[1])) if t[2] else (1 if t[1] < math.pi else -1))
)


@given(st.lists(_weights, min_size=1, max_size=6), st.sampled_from([1, 2j, -0.5 + 0.1j]))
def test_T6_every_path_returns_real_mpf(z, b):
    """Any moduli from 1e-60 to 1e60, zero layers, real or complex: a real mpf time >= lb,
    and inf exactly when two or more layers share a zero crossing."""
    t, lb = flow.flow_time(z, 1, b, dps=20)
    assert isinstance(t, mpmath.mpf) and isinstance(lb, mpmath.mpf)
    assert t >= 0 and lb >= 0 and lb <= t


def test_lower_bound_grid_is_deprecated_and_ignored():
    """``grid`` never changed the bound (it is found by root finding): passing it warns."""
    import warnings

    fl = flow.ScalarFlow.from_weights([0.5 + 0.5j] * 4, 1, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plain = flow.lower_bound(fl, mpmath.mpf(0.5))
    with pytest.warns(DeprecationWarning, match="grid is unused"):
        assert flow.lower_bound(fl, mpmath.mpf(0.5), 17) == plain
