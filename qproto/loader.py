"""Loading a designer's own spec: a catalogue name, a Python file, or an
importable ``module:ATTRIBUTE``.

A load failure is bad input: :class:`LoadError` names the file and line.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import traceback
from pathlib import Path

from qproto.spec.catalogue import find
from qproto.spec.errors import LoadError, QprotoError
from qproto.spec.protocol import Protocol


def _listed(namespace: dict, key: str, origin: str) -> list[Protocol]:
    """``PROTOCOLS`` / ``FLAWED``: a tuple or list of Protocol objects, and nothing else."""
    value = namespace.get(key, ())
    if isinstance(value, Protocol):
        value = (value,)
    if not isinstance(value, (list, tuple)):
        raise LoadError(f"{origin}: {key} is a {type(value).__name__}; expected a tuple of Protocol objects, "
                        f"e.g. {key} = (MY_VARIANT,)")
    for i, item in enumerate(value):
        if not isinstance(item, Protocol):
            raise LoadError(f"{origin}: {key}[{i}] is a {type(item).__name__}, not a Protocol; list only specs in {key}")
    return list(value)


def _specs_in(namespace: dict, origin: str) -> list[Protocol]:
    if namespace.get("PROTOCOLS") is not None:
        found = _listed(namespace, "PROTOCOLS", origin) + _listed(namespace, "FLAWED", origin)
        if not found:
            raise LoadError(f"{origin}: PROTOCOLS is empty; list at least one Protocol")
        return found
    from qproto.spec.catalogue import flawed, protocols

    shipped = {id(s) for s in protocols() + flawed()}  # imported to build a variant, not defined here
    found = [v for k, v in namespace.items() if isinstance(v, Protocol) and not k.startswith("_") and id(v) not in shipped]
    if not found:
        raise LoadError(f"{origin}: defines no Protocol (define one at module level, or PROTOCOLS = (...))")
    return found


def _where(exc: BaseException, path: str) -> str:
    if isinstance(exc, SyntaxError) and exc.lineno:
        return f"{path}:{exc.lineno}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if os.path.abspath(f.filename) == os.path.abspath(path)]
    return f"{path}:{frames[-1].lineno}" if frames else path


def load_file(path: str) -> list[Protocol]:
    """Every Protocol a Python file defines (or its ``PROTOCOLS``)."""
    p = Path(path)
    if p.is_dir():
        raise LoadError(f"{path}: is a directory, not a Python file")
    if not p.exists():
        raise LoadError(f"{path}: no such file")
    if not p.is_file():
        raise LoadError(f"{path}: not a regular file")
    if not os.access(p, os.R_OK):
        raise LoadError(f"{path}: permission denied (make the file readable)")
    name = f"qproto_user_spec_{abs(hash(str(p.resolve())))}"
    spec = importlib.util.spec_from_file_location(name, p)
    if spec is None or spec.loader is None:
        raise LoadError(f"{path}: not a loadable Python file")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except QprotoError as exc:
        raise LoadError(f"{_where(exc, path)}: {exc}") from None
    except BaseException as exc:  # a designer's file may raise anything
        raise LoadError(f"{_where(exc, path)}: {type(exc).__name__}: {exc}") from None
    return _specs_in(vars(module), path)


def load_module(target: str) -> list[Protocol]:
    """``package.module:ATTR`` (one spec or a sequence) or ``package.module``."""
    modname, _, attr = target.partition(":")
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())  # as `python -m` would: the designer's package is here
    try:
        module = importlib.import_module(modname)
    except QprotoError as exc:
        raise LoadError(f"{modname}: {exc}") from None
    except BaseException as exc:
        where = getattr(exc, "filename", None) or modname
        line = getattr(exc, "lineno", None)
        raise LoadError(f"{where}{':' + str(line) if line else ''}: {type(exc).__name__}: {exc}") from None
    if not attr:
        return _specs_in(vars(module), modname)
    if not hasattr(module, attr):
        raise LoadError(f"{modname} has no attribute {attr!r}")
    obj = getattr(module, attr)
    if isinstance(obj, Protocol):
        return [obj]
    if isinstance(obj, (list, tuple)) and all(isinstance(o, Protocol) for o in obj):
        return list(obj)
    raise LoadError(f"{target} is a {type(obj).__name__}, not a Protocol")


def resolve_many(target: str) -> list[Protocol]:
    """All specs a command-line argument names."""
    if target.endswith(".qasm"):
        from qproto.qasm import load_qasm

        return [load_qasm(target)]
    if target.endswith(".py") or os.sep in target:
        return load_file(target)
    if ":" in target:
        return load_module(target)
    return [find(target)]


def resolve(target: str) -> Protocol:
    specs = resolve_many(target)
    if len(specs) != 1:
        raise LoadError(f"{target} defines {len(specs)} protocols; name one with module:ATTR")
    return specs[0]


__all__ = ["load_file", "load_module", "resolve", "resolve_many"]
