"""The catalogue: every protocol qproto ships, and the flawed variants.

Each protocol module defines ``PROTOCOLS`` (sound specs, run by a bare
``qproto verify``) and ``FLAWED`` (deliberately broken examples, listed by
``qproto list --flawed`` and run only when named).

Which modules those are is not kept here: each protocol family states its
modules in one manifest (``qproto.family.Family``; the list is in
``qproto/families.py``), and the glue installs a *module source* with
:func:`set_module_source`.  Every layer asks it through
:func:`plugin_modules` (``"specs"`` here, ``"checkers"`` in
``proofs/registry.py``, ``"attacks"`` in ``models/attacks.py``, ...), so the
lower layers keep their registries without importing the glue.  When no
source is installed yet, the first call imports ``qproto.families`` by name,
which installs itself: a lookup at run time, so that ``import
qproto.spec.catalogue`` alone still finds the whole catalogue.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import UnknownNameError

if TYPE_CHECKING:  # pragma: no cover
    from .protocol import Protocol

#: ``kind -> modules``: installed by the glue (``qproto.families.install``).
ModuleSource = Callable[[str], "tuple[str, ...]"]

#: The glue module that installs the source when imported.
_DEFAULT_SOURCE = "qproto.families"

_source: ModuleSource | None = None


def set_module_source(source: ModuleSource) -> None:
    """Install the function that names each layer's plug-in modules."""
    global _source
    _source = source


def plugin_modules(kind: str) -> tuple[str, ...]:
    """The modules whose import registers one kind of plug-in: ``"specs"``,
    ``"checkers"``, ``"explainers"``, ``"analyzers"``, ``"plots"``,
    ``"vectors"`` or ``"attacks"``, in a stable order."""
    if _source is None:
        importlib.import_module(_DEFAULT_SOURCE)
    assert _source is not None, f"{_DEFAULT_SOURCE} did not install a module source"
    return _source(kind)


def _collect(attr: str) -> tuple[Protocol, ...]:
    out: list[Protocol] = []
    for mod in plugin_modules("specs"):
        out.extend(getattr(importlib.import_module(mod), attr, ()))
    return tuple(out)


def protocols() -> tuple[Protocol, ...]:
    """The sound catalogue, in a stable order."""
    return _collect("PROTOCOLS")


def flawed() -> tuple[Protocol, ...]:
    """The flawed variants (examples of what qproto catches)."""
    return _collect("FLAWED")


def find(name: str) -> Protocol:
    """A catalogue or flawed spec by name (case-insensitive)."""
    everything = protocols() + flawed()
    for spec in everything:
        if spec.name.lower() == name.lower():
            return spec
    raise UnknownNameError(
        f"unknown protocol {name!r}; known: {', '.join(s.name for s in protocols())} "
        f"(flawed: {', '.join(s.name for s in flawed())})"
    )


def __getattr__(name: str) -> Any:
    # SPEC_MODULES was a hand-kept list; it is now derived from the family manifests
    if name == "SPEC_MODULES":
        return list(plugin_modules("specs"))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["SPEC_MODULES", "protocols", "flawed", "find", "plugin_modules", "set_module_source"]  # noqa: F822 (derived in the module __getattr__)
