"""Every public function goes through ``theory.validation`` (issue 18), and the layer's rules."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import numerics
import theory
from theory import validation

#: public functions whose checks are a ``theory.validation.*_arguments`` call at their top
#: (they take tables of several shapes that no per-name rule describes)
BY_ARGUMENTS_FUNCTION = {
    "grad_norms": "grad_norms_arguments",
    "channel_grad_norms": "channel_grad_norms_arguments",
    "random_filters": "random_filters_arguments",
    "random_channel_filters": "random_channel_filters_arguments",
    "width_rate": "width_rate_arguments",
    "width_rate_quadrature": "width_rate_arguments",
    "flow_time": "flow_time_arguments",
    "simulate_gd": "simulate_gd_arguments",
    "closed_form_gradients": "closed_form_arguments",
    "channel_closed_form": "channel_closed_form_arguments",
    "t7_constants": "check_dps",
    "simulate_gd_channels": "simulate_gd_channels_arguments",
    "init_grad_norms": "simulate_gd_channels_arguments",
    "trainability_map": "trainability_map_arguments",
}


def _public_functions():
    for module, names in (
        (numerics, numerics.__all__),
        (theory, ["closed_form_gradients", "channel_closed_form"]),
    ):
        for name in names:
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                yield name, obj


@pytest.mark.parametrize(
    ("name", "fn"), list(_public_functions()), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_public_function_goes_through_the_layer(name, fn):
    if hasattr(fn, "__wrapped__"):  # @checked
        return
    assert name in BY_ARGUMENTS_FUNCTION, f"{name} is neither @checked nor listed with its argument function"
    assert BY_ARGUMENTS_FUNCTION[name] in inspect.getsource(fn)


@pytest.mark.parametrize(
    ("name", "fn"), list(_public_functions()), ids=lambda v: v if isinstance(v, str) else ""
)
def test_named_parameters_refuse_a_string_naming_themselves(name, fn):
    """Through the decorator, every parameter with a rule refuses a string with a TypeError
    naming it, whatever the other arguments (nothing runs before the checks)."""
    if not hasattr(fn, "__wrapped__"):
        pytest.skip("checked by an argument function")
    sig = inspect.signature(fn)
    for pname in sig.parameters:
        if pname not in validation.RULES:
            continue
        args = {p: 1 for p, par in sig.parameters.items() if par.default is inspect.Parameter.empty}
        args[pname] = "bad"
        ordered = {p: args[p] for p in sig.parameters if p in args}  # the rules run in order
        bad_first = {p: v for p, v in ordered.items() if p == pname or p not in validation.RULES}
        with pytest.raises((TypeError, ValueError)) as info:
            fn(**bad_first)
        if pname in str(info.value):
            assert isinstance(info.value, TypeError), info.value


@pytest.mark.parametrize(
    ("value", "ok"),
    [(True, True), (np.bool_(False), True), ("no", False), (1, False), (0.0, False), (None, False)],
)
def test_flags_are_strictly_bool(value, ok):
    if ok:
        assert validation.check_flag(value, "normalized") is bool(value)
    else:
        with pytest.raises(TypeError, match="normalized must be True or False"):
            validation.check_flag(value, "normalized")


@pytest.mark.parametrize("value", [np.int8(5), np.int64(5), np.uint32(5), 5])
def test_numpy_integers_are_integers(value):
    assert validation.check_int(value, "n", 2) == 5 and type(validation.check_int(value, "n", 2)) is int


@pytest.mark.parametrize(
    ("value", "exc"), [(5.0, TypeError), (True, TypeError), ("5", TypeError), (1, ValueError)]
)
def test_integers_refuse_floats_bools_strings_and_range(value, exc):
    with pytest.raises(exc, match=r"n must be an integer >= 2, got"):
        validation.check_int(value, "n", 2)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int8, np.int64, np.uint16, bool])
def test_real_dtypes_are_exact_values(dtype):
    raw = np.array([[0, 1, 3], [1, 0, 2]], dtype=dtype)
    assert np.array_equal(validation.real_array(raw, "filters", (2,)), raw.astype(float))
    assert validation.as_filters(raw) == raw.astype(np.int64 if dtype is bool else raw.dtype).tolist()


def test_complex_is_refused_not_truncated():
    with pytest.raises(TypeError, match="x must contain real numbers, found complex"):
        validation.real_array(np.array([1 + 0j, 2]), "x", (1,))
    with pytest.raises(TypeError, match="x must contain real numbers"):
        validation.as_signal([1, 2j], 2, "x")


def test_two_dimensional_input_is_named_as_such():
    with pytest.raises(ValueError, match=r"x must be a vector of length n = 3, got a 2-D"):
        validation.as_signal([[1, 2, 3], [4, 5, 6]], 3, "x")
    with pytest.raises(ValueError, match=r"x must have shape \(n,\), got a 2-D array of shape \(2, 3\)"):
        validation.real_array(np.ones((2, 3)), "x", (1,), "(n,)")


def test_memory_error_names_what_it_would_take():
    with pytest.raises(ValueError, match=r"random_channel_filters\(n=8, d=3, k=100000.*needs about .* TiB"):
        numerics.random_channel_filters(8, 3, 10**5, trials=10**4)
    with pytest.raises(ValueError, match=r"n, d, k must satisfy .* terms \(SymPy would need about"):
        theory.channel_closed_form(8, 4, 30)


@pytest.mark.parametrize(
    ("call", "exc", "message"),
    [
        (lambda: numerics.relu_cn_rate(3, 1), ValueError, r"n must be an integer >= 4, got 3"),
        (lambda: numerics.relu_cn_rate(8, 1, draws=1), ValueError, r"draws must be an integer >= 2, got 1"),
        (
            lambda: numerics.relu_cn_rate(8, 1, depths=(1, 4)),
            ValueError,
            r"each entry of depths .* >= 2, got 1",
        ),
        (lambda: numerics.relu_cn_rate(8, 1, depths=(4, 4)), ValueError, r"depths must be .* distinct"),
        (lambda: numerics.relu_cn_rate(8, 1, path="x"), ValueError, r"path must be one of 'fourier', 'time'"),
        (lambda: numerics.allpass_filters(4.0, 2), TypeError, r"n must be an integer >= 2, got 4.0"),
        (
            lambda: numerics.allpass_filters(4, 2, seed=-1),
            ValueError,
            r"seed must be an integer >= 0, got -1",
        ),
        (lambda: numerics.allpass_filters(4, 2, delta="yes"), TypeError, r"delta must be True or False"),
        (
            lambda: numerics.stall_floor([1, 2], [1, 2, 3], np.ones((2, 2))),
            ValueError,
            r"y must have length n = 2",
        ),
        (
            lambda: numerics.stall_floor([1, np.nan], [1, 2], np.ones((2, 2))),
            ValueError,
            r"x must contain only finite",
        ),
        (
            lambda: numerics.balanced_time_complex(0, 1, 1, 2),
            ValueError,
            r"x_hat must be a finite nonzero number",
        ),
        (
            lambda: numerics.balanced_time_complex(1, 1, 1, 2, goal=1.5),
            ValueError,
            r"goal must be a real number in \(0, 1\)",
        ),
    ],
)
def test_new_public_functions_name_the_parameter_range_and_value(call, exc, message):
    """relu_cn_rate, allpass_filters, stall_floor, balanced_time_complex check through the layer."""
    with pytest.raises(exc, match=message):
        call()


def test_cn_depth_setting_checks_through_the_layer():
    from numerics.mc.cn_depth import Setting

    with pytest.raises(ValueError, match=r"n must be an integer >= 2, got 1"):
        Setting(1)
    with pytest.raises(ValueError, match=r"tol must be a real number in \(0, 1\), got 0.0"):
        Setting(16, tol=0.0)
    assert type(Setting(np.int64(16)).n) is int
