"""The docstring examples are documentation: they must run as written.

One sweep over every module of the package (``qproto`` and the
``qproto.spec``, ``qproto.models``, ``qproto.proofs`` layers), found with
``pkgutil.walk_packages``, so a new module's examples run without editing
this file.  A module whose optional dependency is missing is skipped with
the reason.
"""

from __future__ import annotations

import doctest
import importlib
import os
import pkgutil

import pytest

import qproto

#: ``python -m qproto`` runs the CLI when imported: not a library module.
NOT_IMPORTABLE = {"qproto.__main__"}
LAYERS = ("qproto.spec", "qproto.models", "qproto.proofs")


def _walk(package_name: str, path: list[str]) -> list[str]:
    return [info.name for info in pkgutil.walk_packages(path, prefix=package_name + ".")]


def discover() -> list[str]:
    """Every module name under qproto, each layer walked from its own folder
    (qproto's ``__path__`` also lists the source root in a checkout, which
    holds ``tests/`` and ``benchmarks/``: not part of the package)."""
    names = ["qproto"]
    names += _walk("qproto", [os.path.dirname(qproto.__file__)])
    for layer in LAYERS:
        names.append(layer)
        names += _walk(layer, list(importlib.import_module(layer).__path__))
    return sorted(n for n in set(names) if n not in NOT_IMPORTABLE and not n.endswith(".__main__"))


MODULES = discover()


def _import(name: str):
    try:
        return importlib.import_module(name)
    except ImportError as exc:  # an optional extra (cvxpy for the certified key rates, ...)
        missing = getattr(exc, "name", None) or ""
        if missing and not missing.startswith("qproto"):
            pytest.skip(f"{name} needs the optional dependency {missing!r}: {exc}")
        raise


def test_the_sweep_finds_every_layer():
    for layer in ("qproto.cli", "qproto.vectors", *LAYERS):
        assert any(n == layer or n.startswith(layer + ".") for n in MODULES), layer
    assert not any(n.startswith(("qproto.tests", "qproto.benchmarks")) for n in MODULES)
    # the modules whose examples a hand-kept list used to miss
    assert {"qproto.models.instrument", "qproto.models.qkd", "qproto.spec.transition"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = _import(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    tests = [t for t in finder.find(module, name) if t.examples]
    if not tests:
        return  # nothing to run; importing it is the check
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    for t in tests:
        runner.run(t)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name} (output above)"
