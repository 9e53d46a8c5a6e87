"""Branches of the validation layer and of ``stall_floor`` that no other test reaches (issue 27;
``tools/branch_coverage.sh`` reports the coverage): one table, each case a call and what it
must give (a one-line error matching a pattern, or a value)."""

from __future__ import annotations

import re

import mpmath
import numpy as np
import pytest

import theory.validation as V
from numerics.hp.allpass import allpass_filters, stall_floor
from theory.validation import memory
from theory.validation.arrays import as_filters, as_signal, real_array

ERR = (ValueError, TypeError)

CASES = [
    # arrays: object arrays (big ints, mpf), strings, ragged rows, complex, infinities
    ("object array of big ints beyond 1.8e308", lambda: real_array(np.array([10**400], dtype=object), "x", (1,)),
     "beyond 1.8e308"),
    ("object array with a complex entry", lambda: real_array(np.array([1, 1j], dtype=object), "x", (1,)),
     "complex numbers"),
    ("object array of mpf", lambda: real_array(np.array([mpmath.mpf(1), 2], dtype=object), "x", (1,)), None),
    ("a string is not an array", lambda: real_array("abc", "x", (1,)), "array of real numbers"),
    ("ragged rows", lambda: real_array([[1, 2], [3]], "x", (2,)), "rectangular|ragged"),
    ("strings inside", lambda: real_array(np.array(["a", "b"]), "x", (1,)), "strings"),
    ("ints beyond 2^53", lambda: real_array(np.array([2**60]), "x", (1,)), "2\\^53"),
    ("an infinity", lambda: real_array([1.0, np.inf], "x", (1,)), "finite"),
    ("filters as a 1-D list", lambda: as_filters([1.0, 2.0]), "2-D"),
    ("filters empty", lambda: as_filters([]), "non-empty"),
    ("filters ragged", lambda: as_filters([[1, 2], [1]]), "equal length"),
    ("filters ndarray 1-D", lambda: as_filters(np.ones(3)), "d x n"),
    ("filters with a decimal string", lambda: as_filters([["1.5", "2"]]), None),
    ("filters with a bad string", lambda: as_filters([["x", "2"]]), "decimal strings"),
    ("filters with a complex entry", lambda: as_filters([[1j, 2]]), "complex"),
    ("filters with a nested entry", lambda: as_filters([[[1], 2]]), "one dimension too many"),
    ("filters with None", lambda: as_filters([[None, 2]]), "real numbers"),
    ("filters with an mpf infinity", lambda: as_filters([[mpmath.inf, 2]]), "finite"),
    ("filters with a float nan", lambda: as_filters([[float("nan"), 2]]), "finite"),
    ("signal ndarray 2-D", lambda: as_signal(np.ones((2, 2)), 2, "x"), "vector of length"),
    ("signal ndarray wrong length", lambda: as_signal(np.ones(3), 2, "x"), "length n = 2"),
    ("signal nested list", lambda: as_signal([[1, 2]], 2, "x"), "vector of length"),
    ("signal wrong length list", lambda: as_signal([1, 2, 3], 2, "x"), "length n = 2"),
    ("complex vector empty", lambda: V.as_complex_vector([], "z0"), "non-empty"),
    ("complex vector nested", lambda: V.as_complex_vector([[1]], "z0"), "vector"),
    ("complex vector of strings", lambda: V.as_complex_vector(["a"], "z0"), "numbers"),
    ("complex vector with inf", lambda: V.as_complex_vector([complex("inf")], "z0"), "finite"),
    # scalars
    ("check_int of a float", lambda: V.check_int(1.0, "d", 1), "integer"),
    ("check_int above", lambda: V.check_int(10**20, "d", 1, 5), "in \\[1, 5\\]"),
    ("check_real complex", lambda: V.check_real(1j, "eta", 0), "real"),
    ("check_real nan", lambda: V.check_real(float("nan"), "eta", 0), "eta"),
    ("check_choice", lambda: V.check_choice("x", "method", ("a", "b")), "one of"),
    ("check_dps", lambda: V.check_dps(3), "dps"),
    # simulators
    ("simulate_gd filters 4-D", lambda: V.simulate_gd_arguments(np.ones(4), np.ones(4), np.ones((1, 1, 1, 4)), 0.1),
     "shape"),
    ("simulate_gd x of wrong length", lambda: V.simulate_gd_arguments(np.ones(3), np.ones(4), np.ones((1, 4)), 0.1),
     "length n = 4"),
    ("simulate_gd tol per trial of wrong length",
     lambda: V.simulate_gd_arguments(np.ones(4), np.ones(4), np.ones((2, 1, 4)), 0.1, tol=[0.1, 0.1, 0.1]),
     "one per trial"),
    ("simulate_gd tol per trial out of range",
     lambda: V.simulate_gd_arguments(np.ones(4), np.ones(4), np.ones((2, 1, 4)), 0.1, tol=[0.1, 1.5]), "\\[0, 1\\)"),
    ("simulate_gd tol per trial", lambda: V.simulate_gd_arguments(np.ones(4), np.ones(4), np.ones((2, 1, 4)), 0.1,
                                                                   tol=np.array([0.1, 0.2])), None),
    ("simulate_gd threads", lambda: V.simulate_gd_arguments(np.ones(4), np.ones(4), np.ones((1, 4)), 0.1, threads=2),
     None),
    ("simulate_gd filter_length", lambda: V.simulate_gd_arguments(np.ones(4), np.ones(4), np.ones((1, 4)), 0.1,
                                                                   filter_length=9), "filter_length"),
    ("random_filters sigma2 and length", lambda: V.random_filters_arguments(1, 1, 4, sigma2=0.5, length=2), None),
    ("channel layers not a list", lambda: V.channel_layers(np.ones((1, 1, 4))), "list of d arrays"),
    ("channel layers mixed dims", lambda: V.channel_layers([np.ones((1, 1, 4)), np.ones((1, 1, 1, 4))]),
     "every layer"),
    ("channel layers trials differ", lambda: V.channel_layers([np.ones((2, 1, 1, 4)), np.ones((1, 1, 1, 4))]),
     "same number of trials"),
    ("channel layers n differ", lambda: V.channel_layers([np.ones((1, 1, 4)), np.ones((1, 1, 5))]), "same length"),
    ("channel layers widths do not chain", lambda: V.channel_layers([np.ones((2, 1, 4)), np.ones((1, 3, 4))]),
     "expected"),
    ("channel layers last width", lambda: V.channel_layers([np.ones((2, 1, 4))]), "one output channel"),
    ("channels compiled with relu", lambda: V.simulate_gd_channels_arguments(
        np.ones(4), np.ones(4), [np.ones((1, 1, 4))], 0.1, relu=True, method="compiled"), "linear networks only"),
    # budget
    ("largest_allowed of a free cost", lambda: V.largest_allowed(lambda v: 0, 1, 1) > 2**62, None),
    # stall_floor: shapes and the tie
    ("stall_floor filters 3-D of two trials", lambda: stall_floor([1.0, 0], [1.0, 0], np.ones((2, 1, 2))),
     "shape \\(d, n\\)"),
    ("stall_floor zero target: no floor", lambda: stall_floor([1.0, 0, 0, 0], [0.0] * 4, [[1.0, 0, 0, 0]] * 2), None),
    # stall_floor: a residue with zero coefficients (x̂ = 0 on the orbit w = 1, 3), no layers
    ("stall_floor: x̂ = 0 on w = 1, 3 with ŷ_1 = ŷ_3 = 1", lambda: stall_floor([1.0, 0, 1, 0], [1.0, 0, 0, 0],
                                                                             [[1.0, 0, 0, 0]] * 2) == 0.25, None),
    ("stall_floor with no layers", lambda: stall_floor([1.0, 0], [1.0, 0], np.ones((0, 2))), "d >= 1"),
    # rules
    ("real rule: an mpf", lambda: V.real(0, 1)(mpmath.mpf("0.5"), "p"), None),
    ("real rule: an mpf infinity", lambda: V.real(0, 1)(mpmath.inf, "p"), "finite"),
    ("real rule: a numpy float", lambda: V.real(0, 1)(np.float32(0.5), "p") == 0.5, None),
    ("integers rule: a range", lambda: V.integers(1)(range(1, 4), "depths"), None),
    ("integers rule: empty", lambda: V.integers(1)([], "depths"), "non-empty"),
    ("integers rule: bounded and empty", lambda: V.integers(1, 5)([], "depths"), "in \\[1, 5\\]"),
    ("reals rule", lambda: V.reals(0, 1)([0.5, 0.25], "etas"), None),
    ("reals rule: empty", lambda: V.reals(0, 1)([], "etas"), "non-empty"),
    ("mp_number: a list", lambda: V.mp_number([1], "a"), "mpf or a decimal string"),
    ("mp_number: a string", lambda: V.mp_number("1.5", "a"), None),
    ("function: not callable", lambda: V.function(3, "f"), "function"),
    ("vector: too short", lambda: V.vector([1.0], "x"), "n >= 2"),
    ("choices: a single string", lambda: V.choices("a", "b")("a", "which"), None),
    ("choices: empty", lambda: V.choices("a", "b")([], "which"), "non-empty"),
    ("filter_table: 1-D", lambda: V.filter_table(np.ones(3), "filters"), "shape"),
    ("instance_of: wrong class", lambda: V.instance_of(dict)([], "config"), "must be a dict"),
    ("sequence_of: a string", lambda: V.sequence_of(int)("ab", "items"), "sequence of int"),
    ("sequence_of: a wrong entry", lambda: V.sequence_of(int)([1, "a"], "items"), "each entry"),
    ("sequence_of: fine", lambda: V.sequence_of(int)([1, 2], "items"), None),
    # primitives
    ("a long repr is shortened", lambda: V.check_int("x" * 100, "d", 1), "\\.\\.\\."),
    ("an int beyond the float range", lambda: V.check_real(10**400, "eta", 0), "eta"),
    ("check_positive integer", lambda: V.check_positive(3, "k", upper=5, integer=True), None),
    ("check_positive real", lambda: V.check_positive(0.0, "eta"), "eta"),
    ("check_choice: not a string", lambda: V.check_choice(3, "method", ("a",)), "one of"),
    ("check_number: a string", lambda: V.check_number("1", "a"), "finite number"),
    ("check_number: inf", lambda: V.check_number(complex("inf"), "a"), "finite number"),
    ("check_number: zero", lambda: V.check_number(0, "a", nonzero=True), "nonzero|not 0|!= 0"),
    # width
    ("channel filters: not a list", lambda: V.as_channel_filters(np.ones((1, 1, 4))), "list of d arrays"),
    ("channel filters: empty", lambda: V.as_channel_filters([]), "non-empty"),
    ("channel filters: object array of mpf", lambda: V.as_channel_filters(
        [np.array([[[mpmath.mpf(1), "2"]]], dtype=object)]), None),
    ("channel filters: object array of the wrong shape", lambda: V.as_channel_filters(
        [np.array([[mpmath.mpf(1), 2]], dtype=object)]), "shape"),
    ("channel filters: n differs", lambda: V.as_channel_filters([np.ones((2, 1, 4)), np.ones((1, 2, 5))]),
     "same length"),
    ("channel filters: widths", lambda: V.as_channel_filters([np.ones((2, 1, 4)), np.ones((1, 3, 4))]),
     "input channels"),
    ("channel filters: trials", lambda: V.as_channel_filters([np.ones((1, 2, 1, 4)), np.ones((2, 1, 2, 4))],
                                                              batched=True), "trials"),
    ("channel filters: last width", lambda: V.as_channel_filters([np.ones((2, 1, 4))]), "1 output channel"),
    # high precision (flow_time's arguments)
    ("flow_time: goal below 10^-dps", lambda: V.flow_time_arguments([0.5], 1, 2, goal=1e-40, dps=30), "raise dps"),
    ("flow_time: fine", lambda: V.flow_time_arguments([0.5], 1, 2), None),
    # the last ones: all-pass filters (random and refused), plain values, shapes
    ("allpass_filters random: unit moduli",
     lambda: bool(np.allclose(np.abs(np.fft.fft(allpass_filters(6, 2, trials=2, seed=1), axis=-1)), 1)), None),
    ("allpass_filters too large", lambda: allpass_filters(2**14, 2**7, trials=64), "trials \\* d \\* n"),
    ("a float nan entry of a signal list", lambda: as_signal([float("nan"), 1.0], 2, "x"), "finite"),
    ("a signal given as an ndarray of objects", lambda: as_signal(np.array([1, "2"], dtype=object), 2, "x"), None),
    ("a bool becomes 0/1", lambda: V.check_number(np.bool_(True), "a"), "finite number"),
    ("function: callable", lambda: V.function(len, "f"), None),
    ("filter_table: fine", lambda: V.filter_table(np.ones((2, 3)), "filters"), None),
    ("instance_of: fine", lambda: V.instance_of(dict)({}, "config"), None),
    ("simulate_gd: no trials", lambda: V.simulate_gd_arguments(np.ones(4), np.ones(4), np.ones((0, 1, 4)), 0.1),
     "trials >= 1"),
    ("stall_floor at odd n (no w = n/2): x = 0 keeps ½||y||^2",
     lambda: stall_floor(np.zeros(5), [1.0, 2, 3, 4, 5], allpass_filters(5, 2, seed=0)) == 27.5, None),
]  # fmt: skip


@pytest.mark.parametrize("name, call, pattern", CASES, ids=[c[0] for c in CASES])
def test_branch(name, call, pattern):
    if pattern is None:
        call()
        return
    with pytest.raises(ERR) as err:
        call()
    text = str(err.value)
    assert "\n" not in text and re.search(pattern, text), text


def test_memory_fallbacks(monkeypatch):
    """/proc/meminfo unreadable: total RAM from sysconf, then 8 GiB; an address-space limit caps it."""

    def no_file(*a, **k):
        raise OSError("no meminfo")

    monkeypatch.setattr("builtins.open", no_file)
    assert memory.available_memory() > 0
    monkeypatch.setattr(memory.os, "sysconf", lambda name: (_ for _ in ()).throw(ValueError("no")))
    assert memory.available_memory() <= 8 * 2**30
    import resource

    monkeypatch.setattr(resource, "getrlimit", lambda what: (2**20, resource.RLIM_INFINITY))
    assert memory.available_memory() == 2**20
    assert memory._bytes(512) == "0.5 KiB" and memory._bytes(3 * 2**40).endswith("TiB")
