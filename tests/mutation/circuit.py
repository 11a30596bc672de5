"""Mutants of the circuit specs (teleportation and its z-first variant,
superdense coding, entanglement swapping, and the flawed circuit variants)
and their ground truth.

The ground truth shares no code with qproto's checkers or models: it is a
small density-matrix simulator written here in plain NumPy (gates, Bell
states and channels typed in below), run over every measurement branch on
many input states, and each property's promise is checked against it:

- ``circuit.output-equals-input``: Haar-random inputs plus the six Pauli
  eigenstates; every branch of non-zero probability must leave the output
  register in the input state (fidelity 1 − 1e-9);
- ``circuit.branch-probabilities``: the same inputs, every classical input
  assignment, every outcome's total probability equals the claimed value;
- ``circuit.reduced-state``: the register's reduced state, summed over
  branches, after every step before the first step of the named action;
- ``circuit.decodes-inputs``: for each message, P(records = message) = 1;
- ``circuit.average-fidelity``: the resource replaced by the isotropic
  (Werner) state of fidelity F around the state the spec prepares on it,
  averaged over the four tetrahedral (SIC) states, another 2-design than the
  checker's six Pauli eigenstates, at five values of F;
- ``repeater.swap-output-bell`` / ``repeater.swap-werner``: every branch's
  end state / the branch sum with Werner inputs centred on the prepared
  pairs, compared with the named Bell state and the claimed Werner output.

Noise steps use textbook Kraus operators typed here.  SymPy is used only to
read numbers and claimed formulas from the spec.

Mutation operators: drop / duplicate / move / swap steps and corrections,
change a control bit, a gate, a target (the acting party follows the
register), the prepared Bell state, the measured register, swap outcome
records, insert a gate or a noise channel, change a property's promise
(probability, formula, Bell state, reduced state, outcome order), and
combinations of two or three of these.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import sympy as sp

from qproto.spec.catalogue import find
from qproto.spec.circuit import ApplyChannel, ApplyGate, Controlled, Measure, Prepare, Send
from qproto.spec.errors import QprotoError

from .core import Mutant, Truth, dispatch

TOL = 1e-9
_R = 1 / np.sqrt(2)
ONE_QUBIT = {
    "I": np.eye(2),
    "X": np.array([[0, 1], [1, 0]]),
    "Y": np.array([[0, -1j], [1j, 0]]),
    "Z": np.diag([1, -1]),
    "H": np.array([[_R, _R], [_R, -_R]]),
    "S": np.diag([1, 1j]),
    "T": np.diag([1, np.exp(1j * np.pi / 4)]),
}
TWO_QUBIT = {
    "CNOT": np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]]),
    "CZ": np.diag([1, 1, 1, -1]),
    "SWAP": np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]]),
}
BELL = {
    "phi+": np.array([1, 0, 0, 1]) * _R,
    "phi-": np.array([1, 0, 0, -1]) * _R,
    "psi+": np.array([0, 1, 1, 0]) * _R,
    "psi-": np.array([0, 1, -1, 0]) * _R,
}
ORIGINS = (
    "teleportation",
    "teleportation-z-first",
    "superdense-coding",
    "entanglement-swapping",
    "teleportation-swapped-bits",
    "teleportation-dropped-bit",
    "superdense-coding-no-hadamard",
    "entanglement-swapping-no-z",
)


class Unsupported(Exception):
    """A step or property this simulator does not model: truth unknown."""


# ---------------------------------------------------------------------------
# the simulator: branches of (record, unnormalised density matrix)
# ---------------------------------------------------------------------------


@dataclasses.dataclass
class Sim:
    registers: list[str]
    branches: list[tuple[dict[str, int], np.ndarray]]


def _matrix(step: ApplyGate | Controlled) -> np.ndarray:
    if getattr(step, "matrix", None) is not None:
        return np.array([[complex(sp.sympify(e)) for e in row] for row in step.matrix])  # type: ignore[union-attr]
    params = getattr(step, "params", ())
    if step.gate in ("RX", "RY", "RZ") and len(params) == 1:
        t = float(sp.sympify(params[0]))
        c, s_ = np.cos(t / 2), np.sin(t / 2)
        return {
            "RX": np.array([[c, -1j * s_], [-1j * s_, c]]),
            "RY": np.array([[c, -s_], [s_, c]]),
            "RZ": np.diag([np.exp(-1j * t / 2), np.exp(1j * t / 2)]),
        }[step.gate]
    if params:
        raise Unsupported(f"parameters of {step.gate}")
    if step.gate in ONE_QUBIT:
        return ONE_QUBIT[step.gate]
    if step.gate in TWO_QUBIT:
        return TWO_QUBIT[step.gate]
    raise Unsupported(f"gate {step.gate}")


def _kraus(step: ApplyChannel) -> list[np.ndarray]:
    """Textbook Kraus operators (Nielsen & Chuang §8.3), typed here."""
    if step.kraus is not None or len(step.params) != 1:
        raise Unsupported("explicit Kraus operators")
    p = float(sp.Rational(str(step.params[0])))
    eye, x, y, z = ONE_QUBIT["I"], ONE_QUBIT["X"], ONE_QUBIT["Y"], ONE_QUBIT["Z"]
    if step.channel == "depolarizing":  # ρ ↦ (1 − p)ρ + p I/2
        return [np.sqrt(1 - 3 * p / 4) * eye, np.sqrt(p / 4) * x, np.sqrt(p / 4) * y, np.sqrt(p / 4) * z]
    if step.channel == "dephasing":
        return [np.sqrt(1 - p) * eye, np.sqrt(p) * z]
    if step.channel == "bit_flip":
        return [np.sqrt(1 - p) * eye, np.sqrt(p) * x]
    if step.channel == "amplitude_damping":
        return [np.array([[1, 0], [0, np.sqrt(1 - p)]]), np.array([[0, np.sqrt(p)], [0, 0]])]
    raise Unsupported(step.channel)


def _prepared(step: Prepare, psi: np.ndarray | None) -> np.ndarray:
    kind, _, arg = step.state.partition(":")
    if kind == "input":
        if psi is None:
            raise Unsupported("an input qubit without an input state")
        v = psi
    elif kind == "bell":
        v = BELL[arg]
    elif kind == "ket":
        v = np.zeros(2 ** len(arg))
        v[int(arg, 2)] = 1
    elif kind == "amplitudes":
        v = np.array([complex(sp.sympify(a)) for a in step.amplitudes or ()])
    else:
        raise Unsupported(step.state)
    return np.outer(v, np.conj(v))


def _apply(rho: np.ndarray, op: np.ndarray, axes: list[int], n: int) -> np.ndarray:
    """op ρ op† with op on the qubits ``axes`` of an n-qubit ρ."""
    k = len(axes)
    t = rho.reshape([2] * (2 * n))
    opt = op.reshape([2] * (2 * k))
    # left: contract op's input axes with ρ's row axes
    t = np.tensordot(opt, t, axes=(list(range(k, 2 * k)), axes))
    t = np.moveaxis(t, list(range(k)), axes)
    t = np.tensordot(t, np.conj(opt), axes=([n + a for a in axes], list(range(k, 2 * k))))
    t = np.moveaxis(t, list(range(2 * n - k, 2 * n)), [n + a for a in axes])
    return t.reshape(2**n, 2**n)


def _project(rho: np.ndarray, axis: int, value: int, n: int) -> np.ndarray:
    p = np.zeros((2, 2))
    p[value, value] = 1
    return _apply(rho, p, [axis], n)


def reduced(rho: np.ndarray, registers: list[str], keep: tuple[str, ...]) -> np.ndarray:
    n = len(registers)
    t = rho.reshape([2] * (2 * n))
    letters = "abcdefghijklmnopqrstuvwxyz"
    rows = list(letters[:n])
    cols = [rows[i] if registers[i] not in keep else letters[n + i].upper() for i in range(n)]
    out = "".join(rows[registers.index(r)] for r in keep) + "".join(cols[registers.index(r)] for r in keep)
    return np.einsum("".join(rows) + "".join(cols) + "->" + out, t).reshape(2 ** len(keep), 2 ** len(keep))


def simulate(
    spec: Any,
    inputs: dict[str, int],
    psi: np.ndarray | None,
    overrides: dict[tuple[str, ...], np.ndarray] | None = None,
    until: int | None = None,
    each_step: Callable[[int, Any, Sim], None] | None = None,
) -> Sim:
    """Run the spec's steps (all, or the first ``until``) on density matrices."""
    sim = Sim([], [({}, np.ones((1, 1), dtype=complex))])
    overrides = overrides or {}
    for i, step in enumerate(spec.steps[:until] if until is not None else spec.steps, 1):
        n = len(sim.registers)
        if isinstance(step, Prepare):
            new = overrides.get(tuple(step.registers))
            if new is None:
                new = _prepared(step, psi)
            sim.registers += list(step.registers)
            sim.branches = [(rec, np.kron(rho, new)) for rec, rho in sim.branches]
        elif isinstance(step, (ApplyGate, Controlled)):
            op = _matrix(step)
            axes = [sim.registers.index(t) for t in step.targets]
            out = []
            for rec, rho in sim.branches:
                bit = 1
                if isinstance(step, Controlled):
                    bit = rec[step.when] if step.when in rec else inputs.get(step.when)
                    if bit is None:
                        raise Unsupported(f"bit {step.when} unset")
                out.append((rec, _apply(rho, op, axes, n) if bit else rho))
            sim.branches = out
        elif isinstance(step, Measure):
            axis = sim.registers.index(step.register)
            out = []
            for rec, rho in sim.branches:
                for k in (0, 1):
                    r = _project(rho, axis, k, n)
                    if np.real(np.trace(r)) > 1e-14:
                        out.append(({**rec, step.record: k}, r))
            sim.branches = out
        elif isinstance(step, Send):
            pass
        elif isinstance(step, ApplyChannel):
            ops = _kraus(step)
            axes = [sim.registers.index(t) for t in step.targets]
            sim.branches = [(rec, sum(_apply(rho, k, axes, n) for k in ops)) for rec, rho in sim.branches]
        else:
            raise Unsupported(step.action)
        if each_step is not None:
            each_step(i, step, sim)
    return sim


# ---------------------------------------------------------------------------
# inputs: random pure states and designs
# ---------------------------------------------------------------------------


def _haar_states(count: int, seed: int = 2024) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        v = rng.normal(size=2) + 1j * rng.normal(size=2)
        out.append(v / np.linalg.norm(v))
    return out


PAULI_STATES = [np.array(v, dtype=complex) for v in ([1, 0], [0, 1], [_R, _R], [_R, -_R], [_R, 1j * _R], [_R, -1j * _R])]
TEST_STATES = PAULI_STATES + _haar_states(6)


def _tetrahedral() -> list[np.ndarray]:
    """The four SIC (tetrahedral) states, a qubit 2-design."""
    out = [np.array([1, 0], dtype=complex)]
    for k in range(3):
        phase = np.exp(2j * np.pi * k / 3)
        out.append(np.array([1 / np.sqrt(3), np.sqrt(2 / 3) * phase]))
    return out


SIC = _tetrahedral()


def _assignments(spec: Any) -> list[dict[str, int]]:
    return [dict(zip(spec.inputs, bits)) for bits in itertools.product((0, 1), repeat=len(spec.inputs))]


def _has_input(spec: Any) -> bool:
    return any(isinstance(s, Prepare) and s.state == "input" for s in spec.steps)


def _inputs_states(spec: Any) -> list[np.ndarray | None]:
    return list(TEST_STATES) if _has_input(spec) else [None]


def _number(text: Any) -> complex:
    return complex(sp.sympify(text, rational=True))


# ---------------------------------------------------------------------------
# ground truth per check
# ---------------------------------------------------------------------------


def _output_equals_input(spec: Any, prop: Any) -> Truth:
    out = prop.args["output"]
    for psi in _inputs_states(spec):
        if psi is None:
            raise Unsupported("no input qubit")
        for assign in _assignments(spec) or [{}]:
            sim = simulate(spec, assign, psi)
            for _rec, rho in sim.branches:
                p = np.real(np.trace(rho))
                if p < 1e-12:
                    continue
                r = reduced(rho, sim.registers, (out,)) / p
                if abs(np.real(np.conj(psi) @ r @ psi) - 1) > TOL:
                    return Truth.VIOLATED
    return Truth.HOLDS


def _branch_probabilities(spec: Any, prop: Any) -> Truth:
    records = tuple(prop.args["records"])
    want = _number(prop.args["probability"])
    for psi in _inputs_states(spec):
        for assign in _assignments(spec) or [{}]:
            sim = simulate(spec, assign, psi)
            totals: dict[tuple[int, ...], float] = {}
            for rec, rho in sim.branches:
                if any(r not in rec for r in records):
                    raise Unsupported("a record is never measured")
                key = tuple(rec[r] for r in records)
                totals[key] = totals.get(key, 0.0) + float(np.real(np.trace(rho)))
            for key in itertools.product((0, 1), repeat=len(records)):
                if abs(totals.get(key, 0.0) - want) > TOL:
                    return Truth.VIOLATED
    return Truth.HOLDS


def _reduced_state(spec: Any, prop: Any) -> Truth:
    register, before, equals = prop.args["register"], prop.args["before"], prop.args["equals"]
    stop = next((i for i, s in enumerate(spec.steps, 1) if s.action == before), None)
    if stop is None:
        raise Unsupported(f"no {before} step")
    target = np.array(sp.Matrix(sp.sympify(equals, locals={"I": sp.eye(2)})).tolist(), dtype=complex)
    verdict = [Truth.HOLDS]
    checked = [0]

    def look(i: int, step: Any, sim: Sim) -> None:
        if register not in sim.registers:
            return
        checked[0] += 1
        total = sum(reduced(rho, sim.registers, (register,)) for _, rho in sim.branches)
        if np.max(np.abs(total - target)) > TOL:
            verdict[0] = Truth.VIOLATED

    for psi in _inputs_states(spec):
        for assign in _assignments(spec) or [{}]:
            simulate(spec, assign, psi, until=stop - 1, each_step=look)
            if verdict[0] is Truth.VIOLATED:
                return verdict[0]
    if not checked[0]:
        raise Unsupported("nothing to check")
    return verdict[0]


def _decodes_inputs(spec: Any, prop: Any) -> Truth:
    inputs, records = tuple(prop.args["inputs"]), tuple(prop.args["records"])
    for psi in _inputs_states(spec):
        for assign in _assignments(spec):
            sim = simulate(spec, assign, psi)
            want = tuple(assign[i] for i in inputs)
            p = 0.0
            for rec, rho in sim.branches:
                if any(r not in rec for r in records):
                    raise Unsupported("a record is never measured")
                if tuple(rec[r] for r in records) == want:
                    p += float(np.real(np.trace(rho)))
            if abs(p - 1) > TOL:
                return Truth.VIOLATED
    return Truth.HOLDS


def _prepared_on(spec: Any, registers: tuple[str, ...]) -> np.ndarray:
    for s in spec.steps:
        if isinstance(s, Prepare) and tuple(s.registers) == registers:
            kind = s.state.partition(":")[0]
            if kind == "input":
                raise Unsupported("resource is the input")
            rho = _prepared(s, None)
            return rho
    raise Unsupported(f"{registers} not prepared together")


def _isotropic(f: float, centre: np.ndarray) -> np.ndarray:
    return f * centre + (1 - f) / 3 * (np.eye(4) - centre)


def _average_fidelity(spec: Any, prop: Any) -> Truth:
    out, resource = prop.args["output"], tuple(prop.args["resource"])
    F = sp.Symbol(prop.args["symbol"])
    claim = sp.sympify(prop.args["expected"], locals={prop.args["symbol"]: F}, rational=True)
    centre = _prepared_on(spec, resource)
    for f in (0.0, 0.2, 0.5, 0.8, 1.0):
        noisy = _isotropic(f, centre)
        total = 0.0
        for psi in SIC:
            sim = simulate(spec, {}, psi, overrides={resource: noisy})
            rho = sum(reduced(r, sim.registers, (out,)) for _, r in sim.branches)
            total += float(np.real(np.conj(psi) @ rho @ psi))
        if abs(total / len(SIC) - complex(claim.subs(F, sp.Rational(str(f))))) > TOL:
            return Truth.VIOLATED
    return Truth.HOLDS


def _swap_output_bell(spec: Any, prop: Any) -> Truth:
    ends, name = tuple(prop.args["ends"]), prop.args["bell"]
    target = np.outer(BELL[name], BELL[name])
    for psi in _inputs_states(spec):
        sim = simulate(spec, {}, psi)
        for _rec, rho in sim.branches:
            p = np.real(np.trace(rho))
            if p < 1e-12:
                continue
            if np.max(np.abs(reduced(rho, sim.registers, ends) / p - target)) > TOL:
                return Truth.VIOLATED
    return Truth.HOLDS


def _swap_werner(spec: Any, prop: Any) -> Truth:
    pairs = [tuple(p) for p in prop.args["pairs"]]
    ends = tuple(prop.args["ends"])
    name = prop.args.get("bell", "phi+")
    F1, F2 = sp.symbols("F1 F2")
    claim = sp.sympify(prop.args["expected"], locals={"F1": F1, "F2": F2}, rational=True)
    centres = [_prepared_on(spec, p) for p in pairs]
    target = np.outer(BELL[name], BELL[name])
    for f1, f2 in ((0.3, 0.9), (0.75, 0.6), (1.0, 0.5), (0.0, 1.0)):
        ov = {p: _isotropic(f, c) for p, f, c in zip(pairs, (f1, f2), centres)}
        sim = simulate(spec, {}, None, overrides=ov)
        rho = sum(reduced(r, sim.registers, ends) for _, r in sim.branches)
        fo = complex(claim.subs({F1: sp.Rational(str(f1)), F2: sp.Rational(str(f2))})).real
        if np.max(np.abs(rho - _isotropic(fo, target))) > TOL:
            return Truth.VIOLATED
    return Truth.HOLDS


TRUTHS: dict[str, Callable[[Any, Any], Truth]] = {
    "circuit.output-equals-input": _output_equals_input,
    "circuit.branch-probabilities": _branch_probabilities,
    "circuit.reduced-state": _reduced_state,
    "circuit.decodes-inputs": _decodes_inputs,
    "circuit.average-fidelity": _average_fidelity,
    "repeater.swap-output-bell": _swap_output_bell,
    "repeater.swap-werner": _swap_werner,
}


def ground_truth(spec: Any, prop: Any) -> Truth:
    return dispatch(TRUTHS, spec, prop, (Unsupported, KeyError, ValueError))


# ---------------------------------------------------------------------------
# mutation operators: each takes (steps, spec, rng) and returns (steps, what)
# ---------------------------------------------------------------------------

Steps = list[Any]


def _owner(spec: Any, steps: Steps, index: int, register: str) -> str:
    owner = {r.name: r.owner for r in spec.registers}
    for s in steps[:index]:
        if isinstance(s, Send):
            for r in s.registers:
                owner[r] = s.to
    return owner.get(register, "")


def _pick(rng: np.random.Generator, items: list[Any]) -> Any:
    return items[int(rng.integers(len(items)))]


def _idx(steps: Steps, kinds: tuple[type, ...]) -> list[int]:
    return [i for i, s in enumerate(steps) if isinstance(s, kinds)]


def op_drop(steps: Steps, spec: Any, rng: np.random.Generator) -> tuple[Steps, str]:
    cand = _idx(steps, (ApplyGate, Controlled)) or list(range(len(steps)))
    i = _pick(rng, cand)
    return steps[:i] + steps[i + 1 :], f"drop step {i + 1} ({steps[i].describe()})"


def op_drop_any(steps: Steps, spec: Any, rng: np.random.Generator) -> tuple[Steps, str]:
    i = int(rng.integers(len(steps)))
    return steps[:i] + steps[i + 1 :], f"drop step {i + 1} ({steps[i].describe()})"


def op_duplicate(steps: Steps, spec: Any, rng: np.random.Generator) -> tuple[Steps, str]:
    cand = _idx(steps, (ApplyGate, Controlled, Measure))
    if not cand:
        return op_drop_any(steps, spec, rng)
    i = _pick(rng, cand)
    return steps[: i + 1] + [steps[i]] + steps[i + 1 :], f"duplicate step {i + 1}"


def op_swap_adjacent(steps: Steps, spec: Any, rng: np.random.Generator) -> tuple[Steps, str]:
    i = int(rng.integers(len(steps) - 1))
    out = list(steps)
    out[i], out[i + 1] = out[i + 1], out[i]
    return out, f"swap steps {i + 1} and {i + 2}"


def op_swap_corrections(steps: Steps, spec: Any, rng: np.random.Generator) -> tuple[Steps, str]:
    cand = _idx(steps, (Controlled,))
    if len(cand) < 2:
        return op_swap_adjacent(steps, spec, rng)
    i, j = sorted(rng.choice(cand, 2, replace=False))
    out = list(steps)
    out[i], out[j] = out[j], out[i]
    return out, f"swap corrections {i + 1} and {j + 1}"


def op_control_bit(steps: Steps, spec: Any, rng: np.random.Generator) -> tuple[Steps, str]:
    cand = _idx(steps, (Controlled,))
    if not cand:
        return op_change_gate(steps, spec, rng)
    i = _pick(rng, cand)
    bits = sorted({s.record for s in steps if isinstance(s, Measure)} | set(spec.inputs))
    others = [b for b in bits if b != steps[i].when] or bits
    new = _pick(rng, others)
    out = list(steps)
    out[i] = dataclasses.replace(steps[i], when=new)
    return out, f"step {i + 1}: control bit {steps[i].when} -> {new}"


def op_change_gate(steps: Steps, spec: Any, rng: np.random.Generator) -> tuple[Steps, str]:
    cand = _idx(steps, (ApplyGate, Controlled))
    if not cand:
        return op_drop_any(steps, spec, rng)
    i = _pick(rng, cand)
    s = steps[i]
    pool = list(ONE_QUBIT) if len(s.targets) == 1 else list(TWO_QUBIT)
    new = _pick(rng, [g for g in pool if g != s.gate])
    out = list(steps)
    out[i] = dataclasses.replace(s, gate=new)
    return out, f"step {i + 1}: gate {s.gate} -> {new}"


def op_change_bell(steps: Steps, spec: Any, rng: np.random.Generator) -> tuple[Steps, str]:
    cand = [i for i, s in enumerate(steps) if isinstance(s, Prepare) and s.state.startswith("bell:")]
    if not cand:
        return op_change_gate(steps, spec, rng)
    i = _pick(rng, cand)
    s = steps[i]
    options = [f"bell:{b}" for b in BELL if f"bell:{b}" != s.state] + ["ket:00", "ket:01"]
    new = _pick(rng, options)
    out = list(steps)
    out[i] = dataclasses.replace(s, state=new)
    return out, f"step {i + 1}: prepared {s.state} -> {new}"


def op_change_target(steps: Steps, spec: Any, rng: np.random.Generator) -> tuple[Steps, str]:
    cand = _idx(steps, (ApplyGate, Controlled))
    if not cand:
        return op_drop_any(steps, spec, rng)
    i = _pick(rng, cand)
    s = steps[i]
    spare = [r.name for r in spec.registers if r.name not in s.targets]
    if len(s.targets) == 2 and (rng.random() < 0.5 or not spare):
        new_t = (s.targets[1], s.targets[0])
    else:
        if not spare:
            return op_change_gate(steps, spec, rng)
        k = int(rng.integers(len(s.targets)))
        choice = _pick(rng, spare)
        new_t = tuple(choice if j == k else t for j, t in enumerate(s.targets))
    # the acting party is whoever holds the new targets (else the spec is rejected: also a mutant)
    party = _owner(spec, steps, i, new_t[0]) if rng.random() < 0.8 else s.party
    out = list(steps)
    out[i] = dataclasses.replace(s, targets=new_t, party=party or s.party)
    return out, f"step {i + 1}: targets {list(s.targets)} -> {list(new_t)}"


def op_relabel_outcomes(steps: Steps, spec: Any, rng: np.random.Generator) -> tuple[Steps, str]:
    cand = _idx(steps, (Measure,))
    if len(cand) < 2:
        return op_control_bit(steps, spec, rng)
    i, j = sorted(rng.choice(cand, 2, replace=False))
    out = list(steps)
    out[i] = dataclasses.replace(steps[i], record=steps[j].record)
    out[j] = dataclasses.replace(steps[j], record=steps[i].record)
    return out, f"measures {i + 1} and {j + 1} swap records"


def op_measure_register(steps: Steps, spec: Any, rng: np.random.Generator) -> tuple[Steps, str]:
    cand = _idx(steps, (Measure,))
    if not cand:
        return op_change_gate(steps, spec, rng)
    i = _pick(rng, cand)
    s = steps[i]
    regs = [r.name for r in spec.registers if r.name != s.register]
    new = _pick(rng, regs)
    out = list(steps)
    out[i] = dataclasses.replace(s, register=new, party=_owner(spec, steps, i, new) or s.party)
    return out, f"step {i + 1}: measure {s.register} -> {new}"


def op_insert_gate(steps: Steps, spec: Any, rng: np.random.Generator) -> tuple[Steps, str]:
    if not any(isinstance(s, Prepare) for s in steps):
        return op_swap_adjacent(steps, spec, rng)
    first = min(i for i, s in enumerate(steps) if isinstance(s, Prepare))
    prepared_at = {}
    for i, s in enumerate(steps):
        if isinstance(s, Prepare):
            for r in s.registers:
                prepared_at.setdefault(r, i)
    i = int(rng.integers(first + 1, len(steps) + 1))
    regs = [r for r, k in prepared_at.items() if k < i]
    reg = _pick(rng, regs)
    g = _pick(rng, ["X", "Y", "Z", "H", "S"])
    party = _owner(spec, steps, i, reg)
    new = ApplyGate(party=party, gate=g, targets=(reg,), text=f"inserted {g} on {reg}")
    return steps[:i] + [new] + steps[i:], f"insert {g} on {reg} before step {i + 1}"


def op_insert_noise(steps: Steps, spec: Any, rng: np.random.Generator) -> tuple[Steps, str]:
    """Noise on one register somewhere after it is prepared (p = 0 is the
    identity channel: an equivalent mutant the checkers must still prove)."""
    if not any(isinstance(s, Prepare) for s in steps):
        return op_swap_adjacent(steps, spec, rng)
    prepared_at: dict[str, int] = {}
    for i, s in enumerate(steps):
        if isinstance(s, Prepare):
            for r in s.registers:
                prepared_at.setdefault(r, i)
    first = min(prepared_at.values())
    i = int(rng.integers(first + 1, len(steps) + 1))
    reg = _pick(rng, [r for r, k in prepared_at.items() if k < i])
    channel = _pick(rng, ["depolarizing", "dephasing", "bit_flip", "amplitude_damping"])
    p = _pick(rng, ["0", "1/3", "1"])
    new = ApplyChannel(
        party=_owner(spec, steps, i, reg), channel=channel, params=(p,), targets=(reg,), text=f"{channel}({p}) on {reg}"
    )
    return steps[:i] + [new] + steps[i:], f"insert {channel}({p}) on {reg} before step {i + 1}"


def op_reorder_block(steps: Steps, spec: Any, rng: np.random.Generator) -> tuple[Steps, str]:
    """Move one step to another position (reordered protocol)."""
    i = int(rng.integers(len(steps)))
    s = steps[i]
    rest = steps[:i] + steps[i + 1 :]
    j = int(rng.integers(len(rest) + 1))
    return rest[:j] + [s] + rest[j:], f"move step {i + 1} to position {j + 1}"


_CLAIMS = {
    "probability": ("1/4", "1/2", "1/3", "1/8", "0"),
    "expected": ("(2*F + 1)/3", "(5 - 2*F)/9", "(F + 1)/2", "F", "F1*F2 + (1 - F1)*(1 - F2)/3", "F1*F2", "(F1 + F2)/2"),
    "bell": tuple(BELL),
    "equals": ("I/2", "Matrix([[1, 0], [0, 0]])", "Matrix([[1/2, 1/2], [1/2, 1/2]])"),
}


def op_change_claim(spec: Any, rng: np.random.Generator) -> tuple[tuple[Any, ...], str]:
    """A property's promise changed (a probability, a formula, a target Bell
    state, a reduced state): the checker must compare with what the spec says."""
    props = list(spec.properties)
    cands = [(i, k) for i, p in enumerate(props) for k in p.args if k in _CLAIMS]
    if not cands or rng.random() < 0.15:
        # relabel the outcomes the promise reads: (y1, y2) -> (y2, y1)
        tuples = [(i, k) for i, p in enumerate(props) for k in ("records", "inputs") if k in p.args and len(p.args[k]) > 1]
        if tuples:
            i, key = _pick(rng, tuples)
            old_t = tuple(props[i].args[key])
            props[i] = dataclasses.replace(props[i], args={**props[i].args, key: old_t[::-1]})
            return tuple(props), f"{props[i].id}.{key}: {old_t} -> {old_t[::-1]}"
        if not cands:
            return tuple(props), "claim unchanged"
    i, key = _pick(rng, cands)
    old = props[i].args[key]
    symbols = {"F"} if "F" in str(old) and "F1" not in str(old) else ({"F1", "F2"} if "F1" in str(old) else set())
    options = [c for c in _CLAIMS[key] if c != old and (key != "expected" or _symbols_of(c) == symbols)]
    if not options:
        return tuple(props), "claim unchanged"
    new = _pick(rng, options)
    props[i] = dataclasses.replace(props[i], args={**props[i].args, key: new})
    return tuple(props), f"{props[i].id}.{key}: {old} -> {new}"


def _symbols_of(text: str) -> set[str]:
    return {str(x) for x in sp.sympify(text).free_symbols}


SINGLE = (
    op_drop,
    op_drop_any,
    op_duplicate,
    op_swap_adjacent,
    op_swap_corrections,
    op_control_bit,
    op_change_gate,
    op_change_bell,
    op_change_target,
    op_relabel_outcomes,
    op_measure_register,
    op_insert_gate,
    op_reorder_block,
    op_insert_noise,
)


def _make(origin: Any, operator: str, what: str, steps: Steps, serial: int, properties: Any = None) -> Mutant:
    name = f"{origin.name}-m{serial}"
    try:
        spec = dataclasses.replace(
            origin,
            name=name,
            steps=tuple(steps),
            variant_of=origin.name,
            properties=origin.properties if properties is None else properties,
        )
    except QprotoError as exc:
        return Mutant("circuit", origin.name, operator, what, None, rejected=str(exc))
    return Mutant("circuit", origin.name, operator, what, spec)


def mutants(rng: np.random.Generator) -> Iterator[Mutant]:
    origins = [find(n) for n in ORIGINS]
    serial = 0
    while True:
        origin = origins[int(rng.integers(len(origins)))]
        steps = list(origin.steps)
        serial += 1
        roll = rng.random()
        if roll < 0.12:
            props, what = op_change_claim(origin, rng)
            if rng.random() < 0.3:  # and a step mutation on top
                op = SINGLE[int(rng.integers(len(SINGLE)))]
                steps, more = op(steps, origin, rng)
                what = f"{what}; {more}"
            yield _make(origin, "change_claim", what, steps, serial, props)
        elif roll < 0.3:
            k = int(rng.integers(2, 4))
            names, whats = [], []
            for _ in range(k):
                op = SINGLE[int(rng.integers(len(SINGLE)))]
                steps, what = op(steps, origin, rng)
                names.append(op.__name__[3:])
                whats.append(what)
            yield _make(origin, "combined:" + "+".join(names), "; ".join(whats), steps, serial)
        else:
            op = SINGLE[int(rng.integers(len(SINGLE)))]
            steps, what = op(steps, origin, rng)
            yield _make(origin, op.__name__[3:], what, steps, serial)


__all__ = ["mutants", "ground_truth", "simulate", "Truth"]
