"""qproto — formal specification and verification of quantum-communication protocols.

The high-level recipes are here; the layers underneath (``qproto.spec``,
``qproto.models``, ``qproto.proofs``) are public for designers who need them.

>>> import qproto
>>> [v.status.value for v in qproto.verify(qproto.find("superdense-coding"))]
['proved']
"""

from __future__ import annotations

import os as _os
from typing import TYPE_CHECKING, Any

# In a source checkout the layer folders (spec/, models/, proofs/) sit beside
# this package rather than inside it; let `python -m pytest` or `python -c`
# run from the repository root find them as qproto.spec and so on.  An
# installed copy has them inside and skips this.
_here = _os.path.dirname(_os.path.abspath(__file__))
_root = _os.path.dirname(_here)
if not _os.path.isdir(_os.path.join(_here, "spec")) and _os.path.isfile(_os.path.join(_root, "spec", "__init__.py")):
    __path__.append(_root)  # type: ignore[name-defined]

from qproto.spec.errors import (
    DimensionError,
    LoadError,
    NotCPTPError,
    NotNormalisedError,
    NotUnitaryError,
    ParameterError,
    PhysicsError,
    QprotoError,
    SpecError,
    UnknownNameError,
    VectorFileError,
)

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from qproto.proofs.verdict import Status, Verdict
    from qproto.spec.protocol import Protocol


def verify(spec: "Protocol | str", engines: Any = None, properties: Any = None, **options: Any) -> "list[Verdict]":
    """Check every property of ``spec`` (a Protocol, a catalogue name, a
    ``path.py`` or ``module:ATTR``) and return the verdicts."""
    from qproto.loader import resolve
    from qproto.proofs.runner import verify as _verify

    return _verify(resolve(spec) if isinstance(spec, str) else spec, engines, properties, options)


def find(name: str) -> "Protocol":
    """A catalogue protocol (or flawed variant) by name."""
    from qproto.spec.catalogue import find as _find

    return _find(name)


def catalogue() -> "tuple[Protocol, ...]":
    """The sound protocol catalogue."""
    from qproto.spec.catalogue import protocols

    return protocols()


def __getattr__(name: str) -> Any:
    if name in ("Status", "Verdict"):
        from qproto.proofs import verdict

        return getattr(verdict, name)
    raise AttributeError(f"module 'qproto' has no attribute {name!r}")


__all__ = [
    "verify",
    "find",
    "catalogue",
    "Status",
    "Verdict",
    "QprotoError",
    "SpecError",
    "ParameterError",
    "PhysicsError",
    "NotUnitaryError",
    "NotNormalisedError",
    "NotCPTPError",
    "DimensionError",
    "UnknownNameError",
    "LoadError",
    "VectorFileError",
    "__version__",
]
