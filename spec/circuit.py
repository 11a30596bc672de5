"""The circuit-protocol family: registers, gates, measurements, classical
messages and classically controlled corrections.

Teleportation, superdense coding and entanglement swapping are circuit
protocols.  A spec lists its registers (each owned by a party), then its
steps in order; the models layer executes them branch by branch.  Gates and
states are named by strings (``"CNOT"``, ``"bell:phi+"``) so that the spec
stays plain data; a designer may also give a gate's matrix explicitly.

Initial states (``Prepare.state``):

- ``input``: the symbolic qubit α|0⟩ + β|1⟩ (|α|² + |β|² = 1) to be sent;
- ``bell:phi+`` (``phi-``, ``psi+``, ``psi-``): a Bell pair on two registers;
- ``ket:0101``: a computational-basis state;
- ``amplitudes``: the explicit amplitudes given in ``Prepare.amplitudes``
  (numbers or strings SymPy parses, e.g. ``("sqrt(2)/2", "I*sqrt(2)/2")``),
  checked to be normalised.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import SpecError
from .protocol import Protocol, Step


@dataclass(frozen=True, kw_only=True)
class Register:
    """A quantum register (a qubit by default) held by ``owner``."""

    name: str
    owner: str
    dim: int = 2
    text: str = ""


@dataclass(frozen=True, kw_only=True)
class Prepare(Step):
    """``party`` prepares ``registers`` in ``state``."""

    registers: tuple[str, ...]
    state: str
    amplitudes: tuple[Any, ...] | None = None
    action: str = "prepare"


@dataclass(frozen=True, kw_only=True)
class ApplyGate(Step):
    """``party`` applies ``gate`` to ``targets`` (in order: control first).

    ``params`` feed rotations (``RY`` with ``("theta",)``); ``matrix`` gives
    a designer's own gate as rows of entries SymPy can parse.
    """

    gate: str
    targets: tuple[str, ...]
    params: tuple[Any, ...] = ()
    matrix: tuple[tuple[Any, ...], ...] | None = None
    action: str = "gate"


@dataclass(frozen=True, kw_only=True)
class ApplyChannel(Step):
    """Noise on ``targets``: a named channel (``depolarizing``,
    ``dephasing``, ``bit_flip``, ``amplitude_damping``) with its parameter
    in ``params``, or explicit ``kraus`` operators (rows of entries SymPy
    parses), checked to be completely positive and trace preserving."""

    channel: str
    targets: tuple[str, ...]
    params: tuple[Any, ...] = ()
    kraus: tuple[tuple[tuple[Any, ...], ...], ...] | None = None
    action: str = "noise"


@dataclass(frozen=True, kw_only=True)
class Measure(Step):
    """``party`` measures ``register`` in the computational basis and keeps
    the outcome as the classical bit ``record``."""

    register: str
    record: str
    action: str = "measure"


@dataclass(frozen=True, kw_only=True)
class Send(Step):
    """``party`` sends classical ``records`` and/or quantum ``registers`` to
    ``to``.  A sent register changes owner; a sent record becomes known to
    the receiver."""

    to: str
    records: tuple[str, ...] = ()
    registers: tuple[str, ...] = ()
    action: str = "send"


@dataclass(frozen=True, kw_only=True)
class Controlled(Step):
    """``party`` applies ``gate`` to ``targets`` when the classical bit
    ``when`` is 1 (that is, applies gate^bit).  ``when`` names a measured
    record or a classical input.  ``action`` is ``correct`` (a Pauli
    correction) or ``encode`` (superdense coding's message)."""

    gate: str
    targets: tuple[str, ...]
    when: str
    action: str = "correct"


@dataclass(frozen=True, kw_only=True)
class CircuitProtocol(Protocol):
    """A protocol written as a circuit over named registers.

    Args:
        registers: the quantum registers and their first owners.
        inputs: classical input bits (superdense coding's message), each
            ranging over {0, 1}; every assignment is analysed.
        input_party: the party that knows the inputs (defaults to every
            party).
    """

    family: str = "circuit"
    registers: tuple[Register, ...] = ()
    inputs: tuple[str, ...] = ()
    input_party: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        self._check_steps()

    def register(self, name: str) -> Register:
        for r in self.registers:
            if r.name == name:
                return r
        raise SpecError(f"{self.name}: unknown register {name!r}; registers are {[r.name for r in self.registers]}")

    def _check_steps(self) -> None:
        """Static checks a reader would make: every name is declared, a party
        acts only on registers it holds, and a correction uses only bits its
        party knows (measured itself, received, or a classical input)."""
        owner = {r.name: r.owner for r in self.registers}
        if len(owner) != len(self.registers):
            raise SpecError(f"{self.name}: a register name appears twice")
        parties = {p.name for p in self.parties}
        known: dict[str, set[str]] = {p: set() for p in parties | set(owner.values())}
        for inp in self.inputs:
            for p in known:
                if not self.input_party or p == self.input_party:
                    known[p].add(inp)
        measured: set[str] = set()
        prepared: set[str] = set()
        for i, step in enumerate(self.steps, 1):
            where = f"{self.name} step {i} ({step.action} by {step.party})"
            if parties and step.party not in parties:
                raise SpecError(f"{where}: unknown party {step.party!r}; parties are {sorted(parties)}")
            regs: tuple[str, ...] = ()
            if isinstance(step, Prepare):
                regs = step.registers
                prepared.update(regs)
            elif isinstance(step, (ApplyGate, Controlled, ApplyChannel)):
                regs = step.targets
            elif isinstance(step, Measure):
                regs = (step.register,)
            elif isinstance(step, Send):
                regs = step.registers
            for r in regs:
                if r not in owner:
                    raise SpecError(f"{where}: unknown register {r!r}; registers are {sorted(owner)}")
                if r not in prepared:
                    raise SpecError(f"{where}: register {r!r} is used before it is prepared")
                if owner[r] != step.party:
                    raise SpecError(
                        f"{where}: register {r!r} is held by {owner[r]}, not {step.party}; send it first or let its holder act"
                    )
            if isinstance(step, Measure):
                measured.add(step.record)
                known.setdefault(step.party, set()).add(step.record)
            if isinstance(step, Send):
                for rec in step.records:
                    if rec not in known.get(step.party, set()):
                        raise SpecError(f"{where}: {step.party} sends bit {rec!r} it does not know")
                    known.setdefault(step.to, set()).add(rec)
                for r in step.registers:
                    owner[r] = step.to
            if isinstance(step, Controlled):
                if step.when not in measured and step.when not in self.inputs:
                    raise SpecError(f"{where}: condition bit {step.when!r} is neither a measured record nor an input")
                if step.when not in known.get(step.party, set()):
                    raise SpecError(
                        f"{where}: {step.party} uses bit {step.when!r} before it is received (causality: send it first)"
                    )

    def owner_at(self, index: int) -> dict[str, str]:
        """Who holds each register just before step ``index`` (0-based)."""
        owner = {r.name: r.owner for r in self.registers}
        for step in self.steps[:index]:
            if isinstance(step, Send):
                for r in step.registers:
                    owner[r] = step.to
        return owner


__all__ = ["Register", "Prepare", "ApplyGate", "ApplyChannel", "Measure", "Send", "Controlled", "CircuitProtocol"]
