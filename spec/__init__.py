"""qproto.spec — the specification language and the protocol catalogue."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import QprotoError

# The names below are loaded on first use (PEP 562): importing
# ``qproto.spec.errors`` (every layer does, and ``qproto --help``) need not
# load the specification language (dataclasses and all: ~30 ms a start).
_LAZY = {
    "ApplyChannel": "circuit",
    "ApplyGate": "circuit",
    "CircuitProtocol": "circuit",
    "Controlled": "circuit",
    "Measure": "circuit",
    "Prepare": "circuit",
    "Register": "circuit",
    "Send": "circuit",
    "Channel": "protocol",
    "Parameter": "protocol",
    "Party": "protocol",
    "Property": "protocol",
    "Protocol": "protocol",
    "Reference": "protocol",
    "Step": "protocol",
    "replace_step": "protocol",
}

if TYPE_CHECKING:  # pragma: no cover
    from .circuit import ApplyChannel, ApplyGate, CircuitProtocol, Controlled, Measure, Prepare, Register, Send
    from .protocol import Channel, Parameter, Party, Property, Protocol, Reference, Step, replace_step


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ApplyChannel",
    "ApplyGate",
    "CircuitProtocol",
    "Controlled",
    "Measure",
    "Prepare",
    "Register",
    "Send",
    "QprotoError",
    "Channel",
    "Parameter",
    "Party",
    "Property",
    "Protocol",
    "Reference",
    "Step",
    "replace_step",
]
