"""qproto.models — states, operators, measurements, channels and protocol models."""

from .bell import bell, werner
from .channels import KrausChannel, amplitude_damping, bit_flip, dephasing, depolarizing
from .compare import fidelity, physical_difference
from .gates import Gate, gate
from .state import State, ket, qubit
from .trace import Branch, Trace, TraceStep

__all__ = [
    "bell",
    "werner",
    "KrausChannel",
    "amplitude_damping",
    "bit_flip",
    "dephasing",
    "depolarizing",
    "fidelity",
    "physical_difference",
    "Gate",
    "gate",
    "State",
    "ket",
    "qubit",
    "Branch",
    "Trace",
    "TraceStep",
]
