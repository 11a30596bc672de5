"""Every exception class qproto defines is a QprotoError, an InternalSignal
or one of the few BaseException signals listed here with the reason
(qproto.spec.errors explains the three kinds).

The modules are found by walking the packages, not listed by hand, so a
new ``class Foo(Exception)`` anywhere in qproto fails this test until it is
placed in the tree.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import qproto
from qproto.spec.errors import InternalSignal, QprotoError

#: Modules that cannot be imported in a test process on purpose.
NOT_IMPORTED = {
    "qproto.__main__": "runs the CLI and exits on import",
}

#: BaseException subclasses that are deliberately outside ``Exception``: they
#: unwind like Ctrl-C, so no ``except Exception`` on the way may stop them.
BASE_EXCEPTION_SIGNALS = {
    "qproto.cli.Interrupted": "SIGTERM turned into a KeyboardInterrupt so cleanup written for Ctrl-C runs",
    "qproto.cli.vectors_cmd._Terminated": "stops a vector check on a signal through any except-Exception in the adapter",
    "qproto.models.decide.BudgetExpired": "a wall-clock budget expiring must cross a checker's except-Exception",
}

#: Classes whose module is owned elsewhere and whose base change is pending
#: (issue 13, item 4): each must become an InternalSignal, except
#: QprotoFailure, a QprotoError.  strict xfail, so the entry has to be
#: removed once the change lands.
PENDING_INTERNAL = {}


def _module_names() -> list[str]:
    """Every module of the installed packages.  ``qproto.__path__`` also
    holds the repository root (source folders mapped as subpackages), so
    each real package is walked from its own folder."""
    names = ["qproto"]
    roots = [("qproto.", [str(Path(qproto.__file__).parent)])]
    for sub in ("spec", "models", "proofs"):
        pkg = importlib.import_module(f"qproto.{sub}")
        names.append(pkg.__name__)
        roots.append((f"{pkg.__name__}.", list(pkg.__path__)))
    for prefix, path in roots:
        names += [m.name for m in pkgutil.walk_packages(path, prefix, onerror=lambda name: None)]
    return sorted(set(names) - set(NOT_IMPORTED))


def _defined_exceptions() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for name in _module_names():
        module = importlib.import_module(name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, BaseException) and obj.__module__ == name:
                found[f"{name}.{obj.__qualname__}"] = obj
    return found


DEFINED = _defined_exceptions()


def test_the_walk_finds_every_layer() -> None:
    # a walk that silently found nothing would make the tests below vacuous
    layers = {name.split(".")[1] for name in DEFINED}
    assert {"spec", "models", "proofs", "vectors", "cli"} <= layers
    assert "qproto.vectors.compare.Mismatch" in DEFINED and "qproto.spec.errors.ParameterError" in DEFINED


def _case(name: str):
    if name in PENDING_INTERNAL:
        return pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=f"pending: {PENDING_INTERNAL[name]}"))
    return name


@pytest.mark.parametrize("name", [_case(n) for n in sorted(DEFINED) if n not in BASE_EXCEPTION_SIGNALS])
def test_every_exception_is_in_the_tree(name: str) -> None:
    cls = DEFINED[name]
    assert issubclass(cls, (QprotoError, InternalSignal)), (
        f"{name} derives from {[b.__name__ for b in cls.__mro__[1:]]}: make it a QprotoError (a user-facing error) "
        "or an InternalSignal (control flow qproto raises and catches itself)"
    )


def test_the_two_roots_are_disjoint() -> None:
    # an InternalSignal caught by `except QprotoError` would become a user message
    both = [n for n, c in DEFINED.items() if issubclass(c, QprotoError) and issubclass(c, InternalSignal)]
    assert both == []


def test_base_exception_signals_are_exactly_the_listed_ones() -> None:
    outside = {n for n, c in DEFINED.items() if not issubclass(c, Exception)}
    assert outside == set(BASE_EXCEPTION_SIGNALS)


def test_pending_entries_exist() -> None:
    # a stale entry (a renamed or removed class) must not linger here
    assert set(PENDING_INTERNAL) <= set(DEFINED)
