"""Loading a designer's own spec: a catalogue name, a Python file (or
``file.py:NAME``), or an importable ``module:ATTRIBUTE``.

A designer file behaves like a Python script: its folder is importable while
it runs (a sibling module imports without ``PYTHONPATH=.``), and only the
specs it *defines* are verified — one it imports from a sibling or from the
catalogue is verified only when named (``file.py:NAME``).  A file may declare
its deliberately flawed specs (a regression suite of known-bad variants)::

    EXPECTED_REFUTED = {"my-broken-variant"}

``qproto verify file.py`` then exits 0 when exactly those specs are refuted
and every other spec passes, and 1 (naming it) when an expected-flawed spec
is not caught.

A load failure is bad input: :class:`LoadError` names the file and line; a
misspelt field (``abort_treshold=``) is a :class:`ParameterError` with a
did-you-mean over the spec class's fields.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import importlib.util
import os
import re
import sys
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from qproto.spec.catalogue import find
from qproto.spec.errors import LoadError, ParameterError, QprotoError, UnknownNameError
from qproto.spec.protocol import Protocol

#: The module-level name a designer file uses to declare its expected-flawed specs.
EXPECTED_REFUTED = "EXPECTED_REFUTED"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'bb84'?"`` when a choice is close to ``word``, else ``""``."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _listed(namespace: dict, key: str, origin: str) -> list[Protocol]:
    """``PROTOCOLS`` / ``FLAWED``: a tuple or list of Protocol objects, and nothing else."""
    value = namespace.get(key, ())
    if isinstance(value, Protocol):
        value = (value,)
    if not isinstance(value, (list, tuple)):
        raise LoadError(
            f"{origin}: {key} is a {type(value).__name__}; expected a tuple of Protocol objects, e.g. {key} = (MY_VARIANT,)"
        )
    for i, item in enumerate(value):
        if not isinstance(item, Protocol):
            raise LoadError(f"{origin}: {key}[{i}] is a {type(item).__name__}, not a Protocol; list only specs in {key}")
    return list(value)


def _defined_elsewhere(namespace: dict) -> set[int]:
    """Ids of the Protocol objects that some other loaded module holds at
    module level: a spec the file imported (from a sibling, the catalogue or
    a package), not one it defines."""
    from qproto.spec.catalogue import flawed, protocols

    seen = {id(s) for s in protocols() + flawed()}
    for module in list(sys.modules.values()):
        values = getattr(module, "__dict__", None)
        if not isinstance(values, dict) or values is namespace:
            continue
        seen.update(id(v) for v in list(values.values()) if isinstance(v, Protocol))
    return seen


def _specs_in(namespace: dict, origin: str, imported: set[int] | None = None) -> list[Protocol]:
    if namespace.get("PROTOCOLS") is not None:
        found = _listed(namespace, "PROTOCOLS", origin) + _listed(namespace, "FLAWED", origin)
        if not found:
            raise LoadError(f"{origin}: PROTOCOLS is empty; list at least one Protocol")
        return found
    if imported is None:  # an imported module: a package may re-export its specs, so only the catalogue's are skipped
        from qproto.spec.catalogue import flawed, protocols

        imported = {id(s) for s in protocols() + flawed()}
    found, ids = [], set()
    for k, v in namespace.items():
        if isinstance(v, Protocol) and not k.startswith("_") and id(v) not in imported and id(v) not in ids:
            found.append(v)
            ids.add(id(v))
    if not found:
        raise LoadError(f"{origin}: defines no Protocol (define one at module level, or PROTOCOLS = (...))")
    return found


def _expected_refuted(namespace: dict, specs: list[Protocol], origin: str) -> set[str]:
    """The file's ``EXPECTED_REFUTED`` names, each checked against its specs."""
    value = namespace.get(EXPECTED_REFUTED)
    if value is None:
        return set()
    if isinstance(value, str) or not isinstance(value, (set, frozenset, list, tuple)):
        raise LoadError(
            f"{origin}: {EXPECTED_REFUTED} is a {type(value).__name__}; expected a set of spec names, "
            f'e.g. {EXPECTED_REFUTED} = {{"my-variant"}}'
        )
    names = {s.name for s in specs}
    out = set()
    for item in value:
        name = item.name if isinstance(item, Protocol) else item
        if not isinstance(name, str):
            raise LoadError(f"{origin}: {EXPECTED_REFUTED} holds a {type(item).__name__}; list spec names (strings)")
        if name not in names:
            raise LoadError(
                f"{origin}: {EXPECTED_REFUTED} names {name!r}, which the file does not define"
                f"{did_you_mean(name, names)} (its specs: {', '.join(sorted(names))})"
            )
        out.add(name)
    return out


def _where(exc: BaseException, path: str) -> str:
    if isinstance(exc, SyntaxError) and exc.lineno:
        return f"{path}:{exc.lineno}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if os.path.abspath(f.filename) == os.path.abspath(path)]
    return f"{path}:{frames[-1].lineno}" if frames else path


_UNEXPECTED_KEYWORD = re.compile(r"^(?:(?P<cls>[\w.]+)\.__init__\(\) )?got an unexpected keyword argument '(?P<kw>\w+)'$")


def _misspelt_field(exc: TypeError) -> str | None:
    """For ``PrepareMeasureQKD(abort_treshold=...)``: the message ``unknown
    field abort_treshold= of PrepareMeasureQKD; did you mean
    'abort_threshold'?``, or None when the TypeError is something else."""
    m = _UNEXPECTED_KEYWORD.match(str(exc))
    if not m:
        return None
    kw, cls_name = m.group("kw"), (m.group("cls") or "").rsplit(".", 1)[-1]
    cls = _spec_class(cls_name)
    if cls is None:
        return f"unknown keyword argument {kw}=" + (f" of {cls_name}" if cls_name else "")
    fields = [f.name for f in dataclasses.fields(cls) if f.init]
    hint = did_you_mean(kw, fields) or f"; its fields are {', '.join(fields)}"
    return f"{cls_name} has no field {kw}={hint}"


def _spec_class(name: str) -> type | None:
    """The dataclass of the spec language called ``name`` (any family)."""
    if not name:
        return None
    from qproto.families import families
    from qproto.spec.catalogue import plugin_modules

    # the spec language, then every family's spec classes and catalogue modules (a third-party one too)
    declared = [t.partition(":")[0] for fam in families() for t in fam.spec_types]
    modules = list(dict.fromkeys(["qproto.spec.protocol", *declared, *plugin_modules("specs")]))
    for modname in modules:
        try:
            module = importlib.import_module(modname)
        except Exception:  # a catalogue module that fails to import is reported elsewhere
            continue
        obj = getattr(module, name, None)
        if isinstance(obj, type) and dataclasses.is_dataclass(obj):
            return obj
    return None


@dataclass
class Loaded:
    """What command-line targets name: the specs, the target each came from
    (so a reproduce command can name it) and the specs expected flawed."""

    specs: list[Protocol] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    expected_refuted: set[str] = field(default_factory=set)


def load_file_declared(path: str) -> Loaded:
    """The specs a Python file defines (or its ``PROTOCOLS``) and the names
    its ``EXPECTED_REFUTED`` declares; ``path.py:NAME`` picks one spec (a
    module-level attribute or a spec name), imported or not."""
    path, name = _split_file_target(path)
    namespace, imported = _exec_file(path)
    if name:
        spec = _pick(namespace, name, path)
        declared = _expected_refuted(namespace, [v for v in namespace.values() if isinstance(v, Protocol)], path)
        return Loaded([spec], {spec.name: f"{path}:{name}"}, declared & {spec.name})
    specs = _specs_in(namespace, path, imported)
    return Loaded(specs, {s.name: f"{path}:{s.name}" for s in specs}, _expected_refuted(namespace, specs, path))


def _split_file_target(target: str) -> tuple[str, str]:
    head, sep, tail = target.rpartition(":")
    if sep and head.endswith(".py") and tail and os.sep not in tail:
        return head, tail
    return target, ""


def _pick(namespace: dict, name: str, path: str) -> Protocol:
    obj = namespace.get(name)
    if isinstance(obj, Protocol):
        return obj
    specs = {v.name: v for v in namespace.values() if isinstance(v, Protocol)}
    if name in specs:
        return specs[name]
    known = sorted(set(specs) | {k for k, v in namespace.items() if isinstance(v, Protocol)})
    raise LoadError(f"{path} has no spec {name!r}{did_you_mean(name, known)} (it has {', '.join(known) or 'none'})")


def _exec_file(path: str) -> tuple[dict, set[int]]:
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
    folder = str(p.resolve().parent)
    saved_path, saved_modules = list(sys.path), set(sys.modules)
    sys.path.insert(0, folder)  # as `python file.py` would: a sibling module imports
    try:
        spec.loader.exec_module(module)
        imported = _defined_elsewhere(vars(module))
    except TypeError as exc:
        misspelt = _misspelt_field(exc)
        if misspelt:
            raise ParameterError(f"{_where(exc, path)}: {misspelt}") from None
        raise LoadError(f"{_where(exc, path)}: TypeError: {exc}") from None
    except QprotoError as exc:
        raise LoadError(f"{_where(exc, path)}: {exc}") from None
    except BaseException as exc:  # a designer's file may raise anything
        raise LoadError(f"{_where(exc, path)}: {type(exc).__name__}: {exc}") from None
    finally:
        sys.path[:] = saved_path
        _forget_siblings(saved_modules, folder)
    return vars(module), imported


def _forget_siblings(before: set[str], folder: str) -> None:
    """Drop the modules this load imported from the file's folder, so the
    next file's sibling of the same name is its own, not this one's."""
    for name in set(sys.modules) - before:
        if name.partition(".")[0] in before:
            continue  # a submodule of a package loaded before (qproto's own): shared, keep it
        origin = getattr(sys.modules.get(name), "__file__", None) or ""
        if origin and os.path.abspath(origin).startswith(folder + os.sep):
            del sys.modules[name]


def load_file(path: str) -> list[Protocol]:
    """Every Protocol a Python file defines (or its ``PROTOCOLS``)."""
    return load_file_declared(path).specs


def load_module(target: str) -> list[Protocol]:
    """``package.module:ATTR`` (one spec or a sequence) or ``package.module``."""
    modname, _, attr = target.partition(":")
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())  # as `python -m` would: the designer's package is here
    try:
        module = importlib.import_module(modname)
    except TypeError as exc:
        misspelt = _misspelt_field(exc)
        if misspelt:
            frames = traceback.extract_tb(exc.__traceback__)
            where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else modname
            user = [f for f in frames if "qproto" not in Path(f.filename).parts and "importlib" not in f.filename]
            if user:
                where = f"{user[-1].filename}:{user[-1].lineno}"
            raise ParameterError(f"{where}: {misspelt}") from None
        raise LoadError(f"{modname}: TypeError: {exc}") from None
    except QprotoError as exc:
        raise LoadError(f"{modname}: {exc}") from None
    except BaseException as exc:
        where = getattr(exc, "filename", None) or modname
        line = getattr(exc, "lineno", None)
        raise LoadError(f"{where}{':' + str(line) if line else ''}: {type(exc).__name__}: {exc}") from None
    if not attr:
        return _specs_in(vars(module), modname)
    if not hasattr(module, attr):
        known = [k for k, v in vars(module).items() if isinstance(v, Protocol)]
        raise LoadError(f"{modname} has no attribute {attr!r}{did_you_mean(attr, known)}")
    obj = getattr(module, attr)
    if isinstance(obj, Protocol):
        return [obj]
    if isinstance(obj, (list, tuple)) and all(isinstance(o, Protocol) for o in obj):
        return list(obj)
    raise LoadError(f"{target} is a {type(obj).__name__}, not a Protocol")


def find_by_name(name: str) -> Protocol:
    """A catalogue or flawed spec by name, with a did-you-mean for a typo."""
    try:
        return find(name)
    except UnknownNameError:
        from qproto.spec.catalogue import flawed, protocols

        names = [s.name for s in protocols() + flawed()]
        hint = did_you_mean(name.lower(), names)
        if hint:
            raise UnknownNameError(f"unknown protocol {name!r}{hint} ('qproto list' shows them all)") from None
        raise


def _is_file_target(target: str) -> bool:
    path, _ = _split_file_target(target)
    return path.endswith(".py") or os.sep in target


def resolve_many(target: str) -> list[Protocol]:
    """All specs a command-line argument names."""
    return resolve_targets([target]).specs


def resolve_targets(targets: Iterable[str]) -> Loaded:
    """Everything a list of command-line arguments names, with where each
    spec came from and which specs a designer file expects to be refuted."""
    out = Loaded()
    for target in targets:
        if target.endswith(".qasm"):
            from qproto.qasm import load_qasm

            spec: Protocol = load_qasm(target)
            out.specs.append(spec)
            out.sources[spec.name] = target
        elif _is_file_target(target):
            loaded = load_file_declared(target)
            out.specs += loaded.specs
            out.sources.update(loaded.sources)
            out.expected_refuted |= loaded.expected_refuted
        elif ":" in target:
            specs = load_module(target)
            out.specs += specs
            out.sources.update({s.name: target for s in specs})
        else:
            out.specs.append(find_by_name(target))
    return out


def resolve(target: str) -> Protocol:
    specs = resolve_many(target)
    if len(specs) != 1:
        raise LoadError(f"{target} defines {len(specs)} protocols; name one with file.py:NAME or module:ATTR")
    return specs[0]


__all__ = [
    "EXPECTED_REFUTED",
    "Loaded",
    "did_you_mean",
    "find_by_name",
    "load_file",
    "load_file_declared",
    "load_module",
    "resolve",
    "resolve_many",
    "resolve_targets",
]
