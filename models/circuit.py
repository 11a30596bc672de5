"""Executing circuit protocols: a spec in, a trace out.

The runner follows the spec's steps over every measurement branch.  The
same code runs exactly (SymPy amplitudes, the symbolic input α|0⟩ + β|1⟩)
or numerically (given amplitudes), so that a refutation found symbolically
is replayed on the numeric model with concrete values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from qproto.spec.circuit import ApplyChannel, ApplyGate, CircuitProtocol, Controlled, Measure, Prepare, Send
from qproto.spec.errors import ParameterError, SpecError, UnknownNameError

from . import channels as _channels
from . import exact as _exact
from .bell import bell
from .gates import Gate, gate
from .state import State, ket, qubit
from .trace import Branch, Trace, TraceStep

ALPHA, BETA = sp.Symbol("alpha"), sp.Symbol("beta")
INPUT_CONSTRAINT = ALPHA * sp.conjugate(ALPHA) + BETA * sp.conjugate(BETA) - 1


def symbolic_input(register: str) -> State:
    """α|0⟩ + β|1⟩ with the constraint |α|² + |β|² = 1."""
    return qubit(ALPHA, BETA, register, (INPUT_CONSTRAINT,))


def prepared_state(step: Prepare, input_state: State | None = None) -> State:
    """The state a :class:`Prepare` step names."""
    kind, _, arg = step.state.partition(":")
    regs = step.registers
    if kind == "input":
        if len(regs) != 1:
            raise SpecError(f"prepare 'input' takes one register, got {regs}")
        if input_state is None:
            return symbolic_input(regs[0])
        return State(input_state.data, regs, input_state.dims, input_state.kind, input_state.constraints, check=False)
    if kind == "bell":
        if len(regs) != 2:
            raise SpecError(f"prepare 'bell:{arg}' takes two registers, got {regs}")
        return bell(arg, (regs[0], regs[1]))
    if kind == "ket":
        return ket(arg, regs)
    if kind == "amplitudes":
        if step.amplitudes is None:
            raise SpecError(f"prepare 'amplitudes' on {regs} needs Prepare(amplitudes=(...))")
        amps = [sp.sympify(a) if isinstance(a, str) else a for a in step.amplitudes]
        return State(amps, regs)
    raise UnknownNameError(
        f"unknown prepared state {step.state!r}; use 'input', 'bell:phi+|phi-|psi+|psi-', 'ket:BITS' or 'amplitudes'"
    )


_NAMED_CHANNELS = {
    "depolarizing": _channels.depolarizing,
    "dephasing": _channels.dephasing,
    "bit_flip": _channels.bit_flip,
    "amplitude_damping": _channels.amplitude_damping,
}


def resolve_channel(step: ApplyChannel) -> _channels.KrausChannel:
    """The channel a step names, or its explicit Kraus operators (checked CPTP)."""
    if step.kraus is not None:
        ops = [[[sp.sympify(x) if isinstance(x, str) else x for x in row] for row in k] for k in step.kraus]
        return _channels.KrausChannel(step.channel, ops)
    fn = _NAMED_CHANNELS.get(step.channel)
    if fn is None:
        raise UnknownNameError(f"unknown channel {step.channel!r}; known: {', '.join(_NAMED_CHANNELS)} (or give kraus=...)")
    if len(step.params) != 1:
        raise SpecError(f"channel {step.channel} takes one parameter, got params={step.params}")
    p = step.params[0]
    return fn(sp.sympify(p) if isinstance(p, str) else p)


def resolve_gate(step: ApplyGate | Controlled) -> Gate:
    """The gate a step names, or its explicit matrix (checked unitary)."""
    matrix = getattr(step, "matrix", None)
    if matrix is not None:
        rows = [[sp.sympify(x) if isinstance(x, str) else x for x in row] for row in matrix]
        return Gate(step.gate, rows)
    return gate(step.gate, *getattr(step, "params", ()))


#: Largest circuit the exact (SymPy) runner takes, in qubits: measured at
#: 3.4 s for one plain run of 12 qubits and 16 s for 14 (each checker runs
#: several); see docs/limits.md.
EXACT_QUBIT_LIMIT = 12
#: Largest circuit the numeric (complex128 state) runner takes: 7 s for one
#: run of 20 qubits, 23 s for 22, and memory doubling per qubit.
NUMERIC_QUBIT_LIMIT = 20


def qubit_count(spec: CircuitProtocol) -> float:
    """log2 of the circuit's Hilbert-space dimension (its qubit count when
    every register is a qubit)."""
    return sum(math.log2(r.dim) for r in spec.registers)


def check_size(spec: CircuitProtocol, numeric: bool) -> None:
    """Refuse a circuit beyond the runner's stated limit, naming the count,
    the limit and the engine that goes further."""
    n = qubit_count(spec)
    limit = NUMERIC_QUBIT_LIMIT if numeric else EXACT_QUBIT_LIMIT
    if n > limit:
        shown = f"{n:g}"
        further = (
            f"the numeric engine (numeric=True, used by qproto vectors) takes up to {NUMERIC_QUBIT_LIMIT}"
            if not numeric
            else "no qproto engine goes further (a stabilizer or tensor-network simulator may, outside qproto)"
        )
        raise ParameterError(
            f"{spec.name}: qubits={shown} exceeds the {'numeric' if numeric else 'exact'} circuit limit of "
            f"{limit} qubits; {further} (docs/limits.md)"
        )


def validate(spec: CircuitProtocol) -> None:
    """Resolve every gate and prepared state, so that a bad name or a
    non-unitary matrix is reported before any proof starts, and refuse a
    circuit no runner can hold (over :data:`NUMERIC_QUBIT_LIMIT`)."""
    check_size(spec, numeric=True)
    for step in spec.steps:
        if isinstance(step, (ApplyGate, Controlled)):
            g = resolve_gate(step)
            if g.arity != len(step.targets):
                raise SpecError(f"{spec.name}: gate {step.gate} acts on {g.arity} qubit(s) but targets {list(step.targets)}")
        elif isinstance(step, Prepare):
            prepared_state(step)
        elif isinstance(step, ApplyChannel):
            ch = resolve_channel(step)
            if ch.dim != 2 ** len(step.targets):
                raise SpecError(f"{spec.name}: channel {ch.name} acts on dimension {ch.dim} but targets {list(step.targets)}")


def run(
    spec: CircuitProtocol,
    inputs: Mapping[str, int] | None = None,
    *,
    input_state: State | None = None,
    overrides: Mapping[tuple[str, ...], State] | None = None,
    numeric: bool = False,
) -> Trace:
    """Run ``spec`` and return its trace.

    Args:
        inputs: values of the spec's classical input bits.  Defaults to all 0.
        input_state: the qubit for a ``Prepare(state="input")``.  Defaults
            to the symbolic α|0⟩ + β|1⟩.
        overrides: states that replace prepared ones, keyed by the prepared
            registers (a noisy Werner pair instead of |Φ+⟩).
        numeric: evolve complex128 arrays instead of SymPy expressions
            (requires a numeric ``input_state`` when the spec has one).
    """
    check_size(spec, numeric)
    inputs = {name: int((inputs or {}).get(name, 0)) for name in spec.inputs}
    overrides = dict(overrides or {})
    branches = [
        Branch(
            {},
            sp.Integer(1) if not numeric else 1.0,
            State(
                np.array(sp.Integer(1) if not numeric else 1.0 + 0j, dtype=object if not numeric else complex),
                (),
                (),
                "ket",
                check=False,
            ),
        )
    ]
    steps: list[TraceStep] = []
    for i, step in enumerate(spec.steps, 1):
        if isinstance(step, Prepare):
            new = overrides.get(tuple(step.registers)) or prepared_state(step, input_state)
            if numeric:
                new = new.numeric()
            branches = [Branch(b.record, b.probability, b.state.tensor(new)) for b in branches]
        elif isinstance(step, ApplyGate):
            g = resolve_gate(step)
            branches = [Branch(b.record, b.probability, b.state.apply(g, step.targets)) for b in branches]
        elif isinstance(step, Controlled):
            g = resolve_gate(step)
            out = []
            for b in branches:
                bit = b.record.get(step.when, inputs.get(step.when))
                if bit is None:
                    raise SpecError(f"{spec.name} step {i}: bit {step.when!r} has no value")
                out.append(Branch(b.record, b.probability, b.state.apply(g, step.targets) if bit else b.state))
            branches = out
        elif isinstance(step, Measure):
            out = []
            for b in branches:
                for k in range(b.state.dims[b.state.axis(step.register)]):
                    s = b.state.project(step.register, k)
                    p = s.norm2()
                    if (numeric and p < 1e-15) or (not numeric and p == 0):
                        continue
                    out.append(Branch({**b.record, step.record: k}, p, s))
            branches = out
        elif isinstance(step, ApplyChannel):
            ch = resolve_channel(step)
            branches = [Branch(b.record, b.probability, ch.apply(b.state, step.targets)) for b in branches]
        elif isinstance(step, Send):
            pass  # a message moves information, not amplitudes; ownership is in the spec
        else:
            raise SpecError(f"{spec.name} step {i}: the circuit runner cannot execute action {step.action!r}")
        steps.append(TraceStep(i, step.describe(), step.action, step.party, branches))
    return Trace(spec.name, "numeric" if numeric else "exact", inputs, steps)


def output_state(branch: Branch, registers: tuple[str, ...]) -> State:
    """The branch's (unnormalised) reduced state on ``registers``."""
    return branch.state.reduced(registers)


def branch_probability(branch: Branch) -> Any:
    p = branch.probability
    return _exact.reduce(p, branch.state.constraints) if isinstance(p, sp.Basic) else p


__all__ = [
    "ALPHA",
    "BETA",
    "INPUT_CONSTRAINT",
    "symbolic_input",
    "prepared_state",
    "resolve_gate",
    "validate",
    "run",
    "check_size",
    "qubit_count",
    "EXACT_QUBIT_LIMIT",
    "NUMERIC_QUBIT_LIMIT",
    "output_state",
    "branch_probability",
]
