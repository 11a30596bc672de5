"""The docstring examples are documentation: they must run as written."""

import doctest
import importlib

import pytest

MODULES = [
    "qproto",
    "qproto.models.exact",
    "qproto.models.state",
    "qproto.models.gates",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
