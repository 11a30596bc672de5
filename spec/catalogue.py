"""The catalogue: every protocol qproto ships, and the flawed variants.

Each protocol module defines ``PROTOCOLS`` (sound specs, run by a bare
``qproto verify``) and ``FLAWED`` (deliberately broken examples, listed by
``qproto list --flawed`` and run only when named).  A new module adds one
line to :data:`SPEC_MODULES`.
"""

from __future__ import annotations

import importlib

from .errors import UnknownNameError
from .protocol import Protocol

SPEC_MODULES = [
    "qproto.spec.teleportation",
    "qproto.spec.retransmission",
    "qproto.spec.retransmission_recursive",
    "qproto.spec.secret_sharing",
    "qproto.spec.handshake",
    "qproto.spec.qtransport",
    "qproto.spec.qkd_session",
    "qproto.spec.causality",
    "qproto.spec.superdense",
    "qproto.spec.bb84",
    "qproto.spec.b92",
    "qproto.spec.qkd_variants",
    "qproto.spec.e91",
    "qproto.spec.qkd_flawed",
    "qproto.spec.repeater",
    "qproto.spec.network",
    "qproto.spec.trusted_relay",
    "qproto.spec.repeater_sync",
]


def _collect(attr: str) -> tuple[Protocol, ...]:
    out: list[Protocol] = []
    for mod in SPEC_MODULES:
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


__all__ = ["SPEC_MODULES", "protocols", "flawed", "find"]
