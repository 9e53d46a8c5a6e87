"""Every example in a docstring runs and prints what it shows."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["theory.networks", "numerics.precise", "numerics.constants", "numerics.flow"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
