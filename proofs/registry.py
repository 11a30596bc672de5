"""The registry that maps every property's ``check`` name to its checker.

A checker is a function ``(spec, prop, options) -> (Status, evidence)``.
Modules register theirs with :func:`checker`; :data:`CHECKER_MODULES` lists
the modules that are imported on first use, so a new family adds one line
here and its own module.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from qproto.spec.errors import UnknownNameError

from .verdict import Status

# Checkers and validators take the family's own Protocol subclass.
Checker = Callable[..., "tuple[Status, dict[str, Any]]"]
Validator = Callable[[Any], None]

_CHECKERS: dict[str, Checker] = {}
_VALIDATORS: dict[str, Validator] = {}

#: Modules whose import registers checkers and validators.
CHECKER_MODULES = [
    "qproto.proofs.circuit",
    "qproto.proofs.adversary",
    "qproto.proofs.qkd",
    "qproto.proofs.repeater",
    "qproto.proofs.statemachine",
    "qproto.proofs.secret_sharing",
    "qproto.proofs.keyrate",
    "qproto.proofs.finite_key",
]
_loaded = False


def checker(name: str) -> Callable[[Checker], Checker]:
    """Register a checker under ``name`` (e.g. ``circuit.output-equals-input``)."""

    def deco(fn: Checker) -> Checker:
        if name in _CHECKERS and _CHECKERS[name] is not fn:
            raise ValueError(f"checker {name!r} registered twice")
        _CHECKERS[name] = fn
        return fn

    return deco


def validator(family: str) -> Callable[[Validator], Validator]:
    """Register the validator run on every spec of ``family`` before proofs."""

    def deco(fn: Validator) -> Validator:
        _VALIDATORS[family] = fn
        return fn

    return deco


def _load() -> None:
    global _loaded
    if not _loaded:
        for mod in CHECKER_MODULES:
            importlib.import_module(mod)
        _loaded = True


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


__all__ = ["checker", "validator", "get_checker", "get_validator", "checker_names", "CHECKER_MODULES"]
