"""Cross-check of the OpenQASM 3 export on an independent simulator (Qiskit Aer).

Every circuit protocol of the catalogue (the flawed variants included) is
exported with :func:`qproto.qasm.export_qasm`, read by Qiskit's OpenQASM 3
importer and run shot by shot on Aer, which shares no code with qproto.
Two comparisons:

1. branch by branch: every shot's measured record is a branch qproto's
   model has, Aer's final state for that shot equals the branch state
   (fidelity, squared convention, > 1 − 1e-9), and the record frequencies
   match qproto's branch probabilities within five standard deviations;
2. verdict by verdict: for the properties Aer can decide from final states
   (Bob's qubit equals the input, the end nodes hold |Φ+⟩, Bob decodes the
   message, outcome probabilities), Aer agrees with qproto's verdict —
   every shot satisfies a proved claim, and some shot breaks a refuted one.

Optional: skipped unless the ``qasm`` extra (qiskit, qiskit-aer,
qiskit-qasm3-import) is installed.

The exported feed-forward (``if (m) { … }``) is read by Qiskit's importer
as written.  One adaptation of the text remains, forced by the importer: an
``input bit x`` — which it cannot initialise — is fixed to the case's value
by keeping or dropping the gates it controls.  The
symbolic input qubit (``pragma qproto.input q``) becomes ``ry(θ) q; p(φ) q;``,
that is cos(θ/2)|0⟩ + e^{iφ} sin(θ/2)|1⟩.
"""

from __future__ import annotations

import itertools
import math
import re
from fractions import Fraction

import numpy as np
import pytest

pytest.importorskip("qiskit", reason="the qasm extra (qiskit) is not installed")
pytest.importorskip("qiskit_aer", reason="the qasm extra (qiskit-aer) is not installed")
pytest.importorskip("qiskit_qasm3_import", reason="the qasm extra (qiskit-qasm3-import) is not installed")

from qiskit import qasm3  # noqa: E402
from qiskit_aer import AerSimulator  # noqa: E402

from qproto.models import circuit as model  # noqa: E402
from qproto.models.state import qubit  # noqa: E402
from qproto.proofs.runner import verify  # noqa: E402
from qproto.qasm import export_qasm  # noqa: E402
from qproto.spec.catalogue import flawed, protocols  # noqa: E402
from qproto.spec.circuit import Prepare  # noqa: E402

CIRCUITS = [s for s in protocols() + flawed() if s.family == "circuit"]
#: input qubits (θ, φ): |0⟩, |1⟩, |+⟩, |+i⟩ and a generic state
INPUT_STATES = [(0.0, 0.0), (math.pi, 0.0), (math.pi / 2, 0.0), (math.pi / 2, math.pi / 2), (1.1, 0.7)]
SHOTS = 400
SEED = 20261130


def _has_input_qubit(spec) -> bool:
    return any(isinstance(s, Prepare) and s.state == "input" for s in spec.steps)


def _cases(spec):
    states = INPUT_STATES if _has_input_qubit(spec) else [None]
    for bits in itertools.product((0, 1), repeat=len(spec.inputs)):
        for st in states:
            yield dict(zip(spec.inputs, bits)), st


def for_qiskit(program: str, inputs: dict[str, int], angles) -> tuple[str, list[str], list[str]]:
    """The exported program as Qiskit's importer takes it, with the qubit and
    bit names in declaration order (Aer's qubit and clbit indices)."""
    out, qubits, bits = [], [], []
    for line in program.splitlines():
        code = line.split("//")[0].strip()
        m = re.match(r"pragma qproto\.input (\w+)", code)
        if m:
            theta, phi = angles
            out.append(f"ry({theta!r}) {m.group(1)}; p({phi!r}) {m.group(1)};")
            continue
        if code.startswith("pragma"):
            continue
        m = re.match(r"if \((\w+)\) \{ (.*) \}$", code)
        if m and m.group(1) in inputs:
            if inputs[m.group(1)]:
                out.append(m.group(2))
            continue
        if re.match(r"input bit \w+;", code):
            continue
        if m := re.match(r"qubit (\w+);", code):
            qubits.append(m.group(1))
        if m := re.match(r"bit (\w+);", code):
            bits.append(m.group(1))
        out.append(code)
    return "\n".join(out), qubits, bits


def aer_shots(text: str, qubits: list[str], bits: list[str]) -> list[tuple[dict[str, int], np.ndarray]]:
    """(record, final state as a tensor indexed by qubits in declaration order) per shot."""
    circ = qasm3.loads(text)
    assert circ.num_qubits == len(qubits) and circ.num_clbits == len(bits)
    circ.save_statevector(pershot=True)
    result = AerSimulator(method="statevector").run(circ, shots=SHOTS, memory=True, seed_simulator=SEED).result()
    memory = result.get_memory()
    states = result.data(0)["statevector"]
    n = len(qubits)
    out = []
    for word, sv in zip(memory, states):
        word = word.replace(" ", "")
        record = {name: int(word[len(bits) - 1 - i]) for i, name in enumerate(bits)}  # clbit 0 is rightmost
        tensor = np.asarray(sv).reshape([2] * n)  # axis 0 is the last qubit (little-endian)
        out.append((record, np.transpose(tensor, list(range(n - 1, -1, -1)))))
    return out


def qproto_branches(spec, inputs, angles, qubits):
    """qproto's model: record -> (probability, normalised state tensor indexed by ``qubits``)."""
    kwargs = {}
    if angles is not None:
        theta, phi = angles
        kwargs["input_state"] = qubit(math.cos(theta / 2), complex(np.exp(1j * phi)) * math.sin(theta / 2), "in").numeric()
    trace = model.run(spec, inputs, numeric=True, **kwargs)
    out = {}
    for br in trace.steps[-1].branches:
        state = br.state
        assert sorted(state.registers) == sorted(qubits)
        tensor = np.asarray(state.vector(), dtype=complex).reshape([2] * len(qubits))
        tensor = np.transpose(tensor, [state.registers.index(q) for q in qubits])
        p = float(np.real(model.branch_probability(br)))
        out[tuple(sorted(br.record.items()))] = (p, tensor / math.sqrt(p))
    return out


def fidelity(a: np.ndarray, b: np.ndarray) -> float:
    return abs(np.vdot(a.ravel(), b.ravel())) ** 2


@pytest.mark.parametrize("spec", CIRCUITS, ids=lambda s: s.name)
def test_aer_reproduces_every_branch(spec):
    program = export_qasm(spec)
    for inputs, angles in _cases(spec):
        text, qubits, bits = for_qiskit(program, inputs, angles or (0.0, 0.0))
        expected = qproto_branches(spec, inputs, angles, qubits)
        counts: dict[tuple, int] = {}
        for record, state in aer_shots(text, qubits, bits):
            key = tuple(sorted(record.items()))
            assert key in expected, (spec.name, inputs, angles, record, sorted(expected))
            assert fidelity(state, expected[key][1]) > 1 - 1e-9, (spec.name, inputs, angles, record)
            counts[key] = counts.get(key, 0) + 1
        for key, (p, _) in expected.items():
            freq = counts.get(key, 0) / SHOTS
            assert abs(freq - p) <= 5 * math.sqrt(max(p * (1 - p), 0.0) / SHOTS) + 1e-9, (spec.name, inputs, angles, key, p, freq)


# ---------------------------------------------------------------------------
# verdict by verdict


def _reduced(state: np.ndarray, qubits: list[str], keep: tuple[str, ...]) -> np.ndarray:
    """The density matrix of ``keep`` (in that order), by partial trace."""
    idx = [qubits.index(k) for k in keep]
    rest = [i for i in range(len(qubits)) if i not in idx]
    psi = np.transpose(state, idx + rest).reshape(2 ** len(keep), -1)
    return psi @ psi.conj().T


BELL = {
    "phi+": np.array([1, 0, 0, 1]) / math.sqrt(2),
    "phi-": np.array([1, 0, 0, -1]) / math.sqrt(2),
    "psi+": np.array([0, 1, 1, 0]) / math.sqrt(2),
    "psi-": np.array([0, 1, -1, 0]) / math.sqrt(2),
}


def _shot_holds(prop, inputs, angles, record, state, qubits) -> bool:
    """Whether one Aer shot satisfies ``prop`` (None: not decidable from one shot)."""
    args = prop.args
    if prop.check == "circuit.output-equals-input":
        theta, phi = angles
        want = np.array([math.cos(theta / 2), np.exp(1j * phi) * math.sin(theta / 2)])
        rho = _reduced(state, qubits, (args["output"],))
        return float(np.real(want.conj() @ rho @ want)) > 1 - 1e-9
    if prop.check == "repeater.swap-output-bell":
        want = BELL[args["bell"]]
        rho = _reduced(state, qubits, tuple(args["ends"]))
        return float(np.real(want.conj() @ rho @ want)) > 1 - 1e-9
    if prop.check == "circuit.decodes-inputs":
        return all(record[r] == inputs[i] for i, r in zip(args["inputs"], args["records"]))
    return None  # type: ignore[return-value]


CHECKS = ("circuit.output-equals-input", "repeater.swap-output-bell", "circuit.decodes-inputs", "circuit.branch-probabilities")
CLAIMS = [(s, p) for s in CIRCUITS for p in s.properties if p.check in CHECKS]


@pytest.mark.parametrize("spec,prop", CLAIMS, ids=lambda x: getattr(x, "name", None) or getattr(x, "id", ""))
def test_aer_agrees_with_the_verdict(spec, prop):
    (verdict,) = verify(spec, None, [prop.id], {})
    assert verdict.status.value in ("proved", "refuted"), verdict.status
    program = export_qasm(spec)
    broken = []
    for inputs, angles in _cases(spec):
        text, qubits, bits = for_qiskit(program, inputs, angles or (0.0, 0.0))
        shots = aer_shots(text, qubits, bits)
        if prop.check == "circuit.branch-probabilities":
            p = float(Fraction(str(prop.args["probability"])))  # "1/4"
            for values in itertools.product((0, 1), repeat=len(prop.args["records"])):
                hits = sum(all(rec[r] == v for r, v in zip(prop.args["records"], values)) for rec, _ in shots)
                if abs(hits / SHOTS - p) > 5 * math.sqrt(p * (1 - p) / SHOTS):
                    broken.append((inputs, angles, values, hits))
            continue
        for record, state in shots:
            if not _shot_holds(prop, inputs, angles, record, state, qubits):
                broken.append((inputs, angles, record))
                break
    if verdict.status.value == "proved":
        assert not broken, (spec.name, prop.id, "qproto proved it, Aer found", broken[:3])
    else:
        assert broken, (spec.name, prop.id, "qproto refuted it, but every Aer shot satisfies it")
