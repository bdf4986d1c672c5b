"""The documentation is executable and complete.

References: the docstring examples themselves (run by doctest, their
printed output is the expected value), and clogreg.__all__ for the list of
public names that the README's API section must cover.
"""

import doctest
import inspect
import os
import re

import pytest

import clogreg

MODULES = ["clogreg._logistic", "clogreg._functions", "clogreg._config",
           "clogreg._io", "clogreg._exceptions", "clogreg._datasets",
           "clogreg._inference", "clogreg.plot", "clogreg._cv"]
README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                      "README.md")


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples_run(module_name):
    module = __import__(module_name, fromlist=["_"])
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


def public_callables():
    for name in clogreg.__all__:
        obj = getattr(clogreg, name)
        yield name, obj
        if inspect.isclass(obj) and obj.__module__.startswith("clogreg"):
            for attr, member in vars(obj).items():
                if not attr.startswith("_") and callable(
                        getattr(member, "__func__", member)):
                    yield f"{name}.{attr}", getattr(obj, attr)


@pytest.mark.parametrize("name, obj", list(public_callables()),
                         ids=[n for n, _ in public_callables()])
def test_every_public_name_has_a_docstring_with_an_example(name, obj):
    doc = inspect.getdoc(obj) or ""
    assert doc, f"{name} has no docstring"
    assert "Examples\n--------" in doc, f"{name} has no Examples section"


def test_readme_api_section_lists_every_public_name():
    with open(README, encoding="utf-8") as f:
        text = f.read()
    match = re.search(r"^## API\n(.*?)(?=^## )", text, re.S | re.M)
    assert match, "README has no '## API' section"
    section = match.group(1)
    missing = [name for name in clogreg.__all__ if f"`{name}" not in section]
    assert missing == []
