"""qproto.spec — the specification language and the protocol catalogue."""

from .circuit import ApplyChannel, ApplyGate, CircuitProtocol, Controlled, Measure, Prepare, Register, Send
from .errors import QprotoError
from .protocol import Channel, Parameter, Party, Property, Protocol, Reference, Step, replace_step

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
