"""Every example in a docstring and the README's API section run and print what they show."""

from __future__ import annotations

import doctest
import importlib
import pathlib
import re

import pytest

MODULES = [
    "theory.networks",
    "theory.channels",
    "numerics",
    "numerics.hp.precise",
    "numerics.hp.constants",
    "numerics.hp.flow",
]
README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0


def api_section() -> str:
    """The ```pycon blocks of the README's "Python API" section, in order."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Python API", 1)[1].split("\n## ", 1)[0]
    return "\n".join(re.findall(r"```pycon\n(.*?)```", section, flags=re.S))


def test_readme_api_section_runs_verbatim():
    source = api_section()
    assert source.count(">>>") >= 10
    test = doctest.DocTestParser().get_doctest(source, {}, "README.md: Python API", str(README), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    result = runner.run(test)
    assert result.attempted > 0 and result.failed == 0
