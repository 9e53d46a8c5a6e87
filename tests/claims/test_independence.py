"""The independence rows: a reference that calls what it checks is caught, statically
(``crossings``) and dynamically (``disabled``)."""

from __future__ import annotations

import math

import mpmath
import pytest

from proofs_check.claims import independence
from proofs_check.claims.base import compared
from proofs_check.claims.independence import crossings, disabled, independence_check, reach

HERE = __name__


def checked_value(x: float) -> float:
    return math.exp(x)


def honest_reference(x: float) -> float:
    return float(mpmath.quad(mpmath.exp, [0, x])) + 1


def lazy_reference(x: float) -> float:
    return _helper(x)


def _helper(x: float) -> float:
    return checked_value(x)


def dispatcher(x: float, path: str) -> float:
    return checked_value(x) if path == "checked" else honest_reference(x)


class Model:
    def closed(self) -> float:
        return 1.0

    def reference(self) -> float:
        return self.closed()


@pytest.fixture(autouse=True)
def _tests_count_as_project(monkeypatch):
    monkeypatch.setattr(independence, "PROJECT", (*independence.PROJECT, HERE.split(".")[0]))


def test_independent_sides_have_no_crossings():
    assert crossings((f"{HERE}.checked_value", f"{HERE}.honest_reference (mpmath.quad)")) == []


def test_a_reference_calling_the_checked_function_through_a_helper_is_caught():
    found = crossings((f"{HERE}.checked_value", f"{HERE}.lazy_reference"))
    assert found == [f"{HERE}.lazy_reference calls {HERE}.checked_value"]
    assert f"{HERE}._helper" in reach(lazy_reference)[0]


def test_a_method_calling_its_sibling_through_self_is_caught():
    assert crossings((f"{HERE}.Model.closed", f"{HERE}.Model.reference"))


def test_a_named_primitive_that_is_never_called_is_caught():
    found = crossings((f"{HERE}.honest_reference", f"{HERE}.lazy_reference (mpmath.quad)"))
    assert f"{HERE}.lazy_reference names mpmath.quad but never calls it" in found


def test_disabled_makes_the_checked_function_raise_and_restores_it():
    assert dispatcher(0.5, "reference") == pytest.approx(math.exp(0.5))
    with disabled(checked_value):
        assert dispatcher(0.5, "reference") == pytest.approx(math.exp(0.5))
        with pytest.raises(RuntimeError, match="disabled"):
            dispatcher(0.5, "checked")
    assert checked_value(0.0) == 1.0


def test_disabled_refuses_what_it_cannot_disable():
    with pytest.raises(ValueError, match="cannot disable"):
        with disabled(math.exp):
            pass


def test_the_row_fails_on_a_tied_check_and_can_fail_by_moving():
    tied = compared(
        "x", "float64", 1.0, 1.0, 1e-12, sides=(f"{HERE}.checked_value", f"{HERE}.lazy_reference")
    )
    free = compared(
        "y", "float64", 1.0, 1.0, 1e-12, sides=(f"{HERE}.checked_value", f"{HERE}.honest_reference")
    )
    assert independence_check("Z1", [free]).passed
    row = independence_check("Z1", [free, tied])
    assert not row.passed and row.lhs == 1 and "x: " in row.detail
    ok = independence_check("Z1", [free])
    assert not ok.moved("lhs").passed and not ok.moved("rhs").passed


def test_a_claim_of_measurements_only_stays_a_measurement():
    from proofs_check.claims.base import Claim, Context, measurement

    rows = [measurement("steps", "measured", {"steps": 3})]
    only = Claim("Z9", "t", "m", "s", "a", lambda ctx: rows)
    assert only.checks(Context()) == rows
    free = compared(
        "y", "float64", 1.0, 1.0, 1e-12, sides=(f"{HERE}.checked_value", f"{HERE}.honest_reference")
    )
    mixed = Claim("Z9", "t", "m", "s", "a", lambda ctx: [*rows, free])
    assert mixed.checks(Context())[-1].name.startswith("Z9: the sides of every check")
