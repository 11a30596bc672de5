"""The registry that maps every property's ``check`` name to its checker.

A checker is a function ``(spec, prop, options) -> (Status, evidence)``.
Modules register theirs with :func:`checker`.  The modules imported on
first use are the ``checkers`` of every family manifest
(:func:`qproto.spec.catalogue.plugin_modules`; a new family names them in its
``Family``); :data:`CHECKER_MODULES` is kept as their derived list.

Checkers and validators take the family's own ``Protocol`` subclass; the
decorators keep the function's own type, so a checker annotated with
``spec: PrepareMeasureQKD`` type-checks as it is written.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeVar

from qproto.spec.catalogue import plugin_modules
from qproto.spec.errors import UnknownNameError

from .verdict import Status

# Checkers and validators take the family's own Protocol subclass.
Checker = Callable[..., "tuple[Status, dict[str, Any]]"]
Validator = Callable[[Any], None]
_C = TypeVar("_C", bound=Checker)
_V = TypeVar("_V", bound=Validator)

_CHECKERS: dict[str, Checker] = {}
_VALIDATORS: dict[str, Validator] = {}

_imported: set[str] = set()


def checker(name: str) -> Callable[[_C], _C]:
    """Register a checker under ``name`` (e.g. ``circuit.output-equals-input``)."""

    def deco(fn: _C) -> _C:
        if name in _CHECKERS and _CHECKERS[name] is not fn:
            raise ValueError(f"checker {name!r} registered twice")
        _CHECKERS[name] = fn
        return fn

    return deco


def validator(family: str) -> Callable[[_V], _V]:
    """Register the validator run on every spec of ``family`` before proofs."""

    def deco(fn: _V) -> _V:
        _VALIDATORS[family] = fn
        return fn

    return deco


def _load() -> None:
    # a family found later (a test's fake distribution) adds modules: import only the new ones
    for mod in plugin_modules("checkers"):
        if mod not in _imported:
            importlib.import_module(mod)
            _imported.add(mod)


def get_checker(name: str) -> Checker:
    _load()
    try:
        return _CHECKERS[name]
    except KeyError:
        raise UnknownNameError(f"no checker registered as check={name!r}; known checks: {', '.join(sorted(_CHECKERS))}") from None


def get_validator(family: str) -> Validator | None:
    _load()
    return _VALIDATORS.get(family)


def checker_names() -> list[str]:
    _load()
    return sorted(_CHECKERS)


def __getattr__(name: str) -> Any:
    if name == "CHECKER_MODULES":  # was a hand-kept list; now derived from the family manifests
        return list(plugin_modules("checkers"))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["checker", "validator", "get_checker", "get_validator", "checker_names", "CHECKER_MODULES"]  # noqa: F822 (derived in the module __getattr__)
