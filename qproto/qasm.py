"""OpenQASM 3 out and in for circuit protocols.

:func:`export_qasm` writes a :class:`~qproto.spec.circuit.CircuitProtocol`
as an OpenQASM 3 program with mid-circuit measurements and classical
feed-forward (``if (m1) { z b; }``: a bit is its own condition, the form
OpenQASM 3 importers such as qiskit-qasm3-import accept), which any
OpenQASM 3 tool can run.  What OpenQASM has no words for travels in ``pragma qproto.*`` lines
that other tools ignore:

- ``pragma qproto.spec {...}``: the spec's identity, parties, channels,
  registers and properties (one JSON line);
- ``pragma qproto.input q``: register ``q`` holds the symbolic input
  α|0⟩ + β|1⟩ (a program cannot state "for every input");
- ``pragma qproto.prepare PARTY r1 r2`` … ``pragma qproto.end``: the gates
  between them prepare the registers from |0…0⟩ (a Bell pair is
  ``h a; cx a, b;``);
- ``pragma qproto.send FROM TO bits m1 m2 qubits b``: a message.

:func:`import_qasm` reads such a program back.  Its *gates* are the
semantics: a prepare block is simulated from |0…0⟩ and recognised as a Bell
or basis state, so an edited program is verified as written, never as its
comments say.  A step's text rides in a trailing comment (``// (encode)
Alice applies …`` keeps a non-default action).

Supported: qubits (no arrays), bits, ``input bit``, the gates x y z h s t
id cx cz swap rx ry rz, ``measure``, ``if (bit) { gate; }`` (also read as
``if (bit == true)`` and, as older exports wrote it, ``if (bit == 1)``).  Noise
channels, explicit matrices and explicit amplitudes have no OpenQASM 3 form
here and are refused on export with one line.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction
from typing import Any

import numpy as np

from qproto.spec.circuit import ApplyChannel, ApplyGate, CircuitProtocol, Controlled, Measure, Prepare, Register, Send
from qproto.spec.errors import LoadError, SpecError
from qproto.spec.protocol import Channel, Parameter, Party, Property, Reference

#: qproto gate name -> OpenQASM 3 (stdgates.inc) name.
GATES = {
    "I": "id",
    "X": "x",
    "Y": "y",
    "Z": "z",
    "H": "h",
    "S": "s",
    "T": "t",
    "CNOT": "cx",
    "CZ": "cz",
    "SWAP": "swap",
    "RX": "rx",
    "RY": "ry",
    "RZ": "rz",
}
QPROTO_GATE = {v: k for k, v in GATES.items()}
_BELL_GATES = {
    "phi+": ("h {0};", "cx {0}, {1};"),
    "phi-": ("x {0};", "h {0};", "cx {0}, {1};"),
    "psi+": ("h {0};", "cx {0}, {1};", "x {1};"),
    "psi-": ("x {0};", "h {0};", "cx {0}, {1};", "x {1};"),
}
_R = 1 / np.sqrt(2)
_BELL_VECTORS = {
    "phi+": np.array([1, 0, 0, 1]) * _R,
    "phi-": np.array([1, 0, 0, -1]) * _R,
    "psi+": np.array([0, 1, 1, 0]) * _R,
    "psi-": np.array([0, 1, -1, 0]) * _R,
}
#: Size limits on an imported program: a file is read whole.
MAX_PROGRAM_BYTES = 1_000_000
MAX_QUBITS = 24


# ---------------------------------------------------------------------------
# export
# ---------------------------------------------------------------------------


def _plain(x: Any) -> Any:
    if isinstance(x, Fraction):
        return {"fraction": str(x)}
    if isinstance(x, (tuple, list)):
        return [_plain(v) for v in x]
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    return x


def _metadata(spec: CircuitProtocol) -> dict[str, Any]:
    return {
        "name": spec.name,
        "version": spec.version,
        "summary": spec.summary,
        "flawed": spec.flawed,
        "variant_of": spec.variant_of,
        "references": [_plain(vars(r)) for r in spec.references],
        "parties": [[p.name, p.role] for p in spec.parties],
        "channels": [_plain(vars(c)) for c in spec.channels],
        "parameters": [_plain(vars(p)) for p in spec.parameters],
        "properties": [_plain({k: v for k, v in vars(p).items()}) for p in spec.properties],
        "registers": [_plain(vars(r)) for r in spec.registers],
        "inputs": list(spec.inputs),
        "input_party": spec.input_party,
    }


def _comment(step: Any, default_action: str) -> str:
    action = "" if step.action == default_action else f"({step.action}) "
    text = (action + step.text).replace("\n", " ")
    return f" // {text}" if text else ""


def _param(p: Any) -> str:
    text = str(p).replace("**", "^")
    if not re.fullmatch(r"[0-9pi+\-*/^(). ]+", text):
        raise SpecError(f"rotation parameter {p!r} is not a number or an expression of pi; OpenQASM export needs a value")
    return text


def _gate_line(gate: str, params: tuple[Any, ...], targets: tuple[str, ...]) -> str:
    if gate not in GATES:
        raise SpecError(f"gate {gate!r} has no OpenQASM 3 name here; supported: {', '.join(GATES)}")
    args = f"({', '.join(_param(p) for p in params)})" if params else ""
    return f"{GATES[gate]}{args} {', '.join(targets)};"


def export_qasm(spec: Any) -> str:
    """The spec as an OpenQASM 3 program (a string).  Raises
    :class:`SpecError` naming the step that OpenQASM cannot express."""
    if type(spec) is not CircuitProtocol:
        raise SpecError(
            f"{spec.name}: OpenQASM export covers plain circuit protocols; family {spec.family!r} "
            f"({type(spec).__name__}) is not one"
        )
    for r in spec.registers:
        if r.dim != 2:
            raise SpecError(f"{spec.name}: register {r.name} has dim={r.dim}; OpenQASM qubits have dim 2")
    out = [
        "OPENQASM 3.0;",
        'include "stdgates.inc";',
        f"// {spec.name} (version {spec.version}), exported by qproto: the pragma lines carry what OpenQASM cannot say.",
        "pragma qproto.spec " + json.dumps(_metadata(spec), ensure_ascii=False, sort_keys=True),
    ]
    for name in spec.inputs:
        out.append(f"input bit {name};")
    for r in spec.registers:
        out.append(f"qubit {r.name};" + (f" // {r.text}" if r.text else ""))
    records = [s.record for s in spec.steps if isinstance(s, Measure)]
    for rec in dict.fromkeys(records):
        out.append(f"bit {rec};")
    for i, step in enumerate(spec.steps, 1):
        where = f"{spec.name} step {i} ({step.action} by {step.party})"
        if isinstance(step, Prepare):
            if step.state == "input":
                out.append(f"pragma qproto.input {' '.join(step.registers)}" + _comment(step, "prepare"))
                continue
            out.append(f"pragma qproto.prepare {step.party} {' '.join(step.registers)}" + _comment(step, "prepare"))
            if step.state.startswith("bell:") and step.state[5:] in _BELL_GATES and len(step.registers) == 2:
                out += [g.format(*step.registers) for g in _BELL_GATES[step.state[5:]]]
            elif step.state.startswith("ket:") and len(step.state) - 4 == len(step.registers):
                out += [f"x {r};" for r, b in zip(step.registers, step.state[4:]) if b == "1"]
            else:
                raise SpecError(f"{where}: state {step.state!r} has no OpenQASM 3 preparation here")
            out.append("pragma qproto.end")
        elif isinstance(step, ApplyGate):
            if step.matrix is not None:
                raise SpecError(f"{where}: an explicit gate matrix has no OpenQASM 3 form here")
            out.append(_gate_line(step.gate, tuple(step.params), tuple(step.targets)) + _comment(step, "gate"))
        elif isinstance(step, Controlled):
            out.append(f"if ({step.when}) {{ {_gate_line(step.gate, (), tuple(step.targets))} }}" + _comment(step, "correct"))
        elif isinstance(step, Measure):
            out.append(f"{step.record} = measure {step.register};" + _comment(step, "measure"))
        elif isinstance(step, Send):
            parts = [f"pragma qproto.send {step.party} {step.to}"]
            if step.records:
                parts.append("bits " + " ".join(step.records))
            if step.registers:
                parts.append("qubits " + " ".join(step.registers))
            out.append(" ".join(parts) + _comment(step, "send"))
        elif isinstance(step, ApplyChannel):
            raise SpecError(f"{where}: noise channel {step.channel!r} has no OpenQASM 3 form")
        else:
            raise SpecError(f"{where}: step type {type(step).__name__} has no OpenQASM 3 form")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------
# import
# ---------------------------------------------------------------------------


def _tuples(x: Any) -> Any:
    if isinstance(x, list):
        return tuple(_tuples(v) for v in x)
    if isinstance(x, dict):
        if set(x) == {"fraction"}:
            return Fraction(x["fraction"])
        return {k: _tuples(v) for k, v in x.items()}
    return x


_GATE_RE = re.compile(r"^([a-z]+)(?:\(([^)]*)\))?\s+([A-Za-z_][\w]*(?:\s*,\s*[A-Za-z_][\w]*)*)$")
_IF_RE = re.compile(r"^if\s*\(\s*([A-Za-z_]\w*)\s*(?:==\s*(?:1|true)\s*)?\)\s*\{?\s*(.*?)\s*;?\s*\}?$")
_MEASURE_RE = re.compile(r"^([A-Za-z_]\w*)\s*=\s*measure\s+([A-Za-z_]\w*)$")


def _action_field(action: str) -> dict[str, Any]:
    """``action=`` for a step whose comment names a non-default action."""
    return {"action": action} if action else {}


def _split_comment(line: str) -> tuple[str, str, str]:
    code, _, comment = line.partition("//")
    comment = comment.strip()
    m = re.match(r"^\((\w+)\) (.*)$", comment)
    action, text = (m.group(1), m.group(2)) if m else ("", comment)
    return code.strip().rstrip(";").strip(), action, text


def _gate_of(code: str, where: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    m = _GATE_RE.match(code)
    if not m or m.group(1) not in QPROTO_GATE:
        raise LoadError(f"{where}: {code!r} is not a supported statement (gates: {', '.join(sorted(QPROTO_GATE))})")
    params = tuple(p.strip().replace("^", "**") for p in m.group(2).split(",")) if m.group(2) else ()
    return QPROTO_GATE[m.group(1)], params, tuple(t.strip() for t in m.group(3).split(","))


def _gate_matrix(gate: str, params: tuple[str, ...]) -> np.ndarray:
    from qproto.models.gates import gate as catalogue_gate

    return np.asarray(catalogue_gate(gate, *params).numeric, dtype=complex)


def _recognise(block: list[tuple[str, tuple[str, ...], tuple[str, ...]]], regs: tuple[str, ...], where: str) -> str:
    """The state a prepare block makes from |0…0⟩: a Bell pair or a basis
    state (simulated, so the gates decide, not the comments)."""
    n = len(regs)
    psi = np.zeros(2**n, dtype=complex)
    psi[0] = 1
    for gate, params, targets in block:
        if any(t not in regs for t in targets):
            raise LoadError(f"{where}: the prepare block acts on {targets}, outside its registers {regs}")
        u = _gate_matrix(gate, params)
        idx = [regs.index(t) for t in targets]
        t = np.moveaxis(psi.reshape((2,) * n), idx, list(range(len(idx))))
        t = (u @ t.reshape(2 ** len(idx), -1)).reshape(t.shape)
        psi = np.moveaxis(t, list(range(len(idx))), idx).reshape(-1)
    if n == 2:
        for name, v in _BELL_VECTORS.items():
            if abs(abs(np.vdot(v, psi)) - 1) < 1e-9:
                return f"bell:{name}"
    k = int(np.argmax(np.abs(psi)))
    if abs(abs(psi[k]) - 1) < 1e-9:
        return "ket:" + format(k, f"0{n}b")
    raise LoadError(f"{where}: the prepare block makes neither a Bell pair nor a basis state")


def import_qasm(text: str, origin: str = "<qasm>") -> CircuitProtocol:
    """A circuit protocol from an OpenQASM 3 program written by
    :func:`export_qasm` (or by hand in the same subset)."""
    if len(text.encode()) > MAX_PROGRAM_BYTES:
        raise LoadError(f"{origin}: program larger than {MAX_PROGRAM_BYTES} bytes")
    meta: dict[str, Any] | None = None
    owner: dict[str, str] = {}
    qubits: list[str] = []
    steps: list[Any] = []
    block: tuple[str, tuple[str, ...], str, str, list] | None = None
    for lineno, raw in enumerate(text.splitlines(), 1):
        where = f"{origin}:{lineno}"
        line = raw.strip()
        if line.startswith("pragma qproto.spec "):
            try:
                meta = json.loads(line[len("pragma qproto.spec ") :])
            except json.JSONDecodeError as exc:
                raise LoadError(f"{where}: pragma qproto.spec is not JSON ({exc.msg})") from None
            owner = {r["name"]: r["owner"] for r in meta.get("registers", [])}
            continue
        code, action, step_text = _split_comment(line)
        if not code or code.startswith("OPENQASM") or code.startswith("include"):
            continue
        if block is not None and not code.startswith("pragma qproto.end"):
            block[4].append(_gate_of(code, where))
            continue
        words = code.split()
        if code.startswith("pragma qproto.input"):
            regs = tuple(words[2:])
            steps.append(
                Prepare(party=owner.get(regs[0], ""), registers=regs, state="input", text=step_text, **_action_field(action))
            )
        elif code.startswith("pragma qproto.prepare"):
            block = (words[2], tuple(words[3:]), action, step_text, [])
        elif code.startswith("pragma qproto.end"):
            if block is None:
                raise LoadError(f"{where}: pragma qproto.end without a prepare block")
            party, regs, act, txt, gates = block
            steps.append(
                Prepare(party=party, registers=regs, state=_recognise(gates, regs, where), text=txt, **_action_field(act))
            )
            block = None
        elif code.startswith("pragma qproto.send"):
            src, dst = words[2], words[3]
            records: list[str] = []
            regs_sent: list[str] = []
            into = None
            for w in words[4:]:
                if w in ("bits", "qubits"):
                    into = records if w == "bits" else regs_sent
                elif into is None:
                    raise LoadError(f"{where}: pragma qproto.send FROM TO bits ... qubits ...; got {w!r}")
                else:
                    into.append(w)
            steps.append(
                Send(
                    party=src, to=dst, records=tuple(records), registers=tuple(regs_sent), text=step_text, **_action_field(action)
                )
            )
            for r in regs_sent:
                owner[r] = dst
        elif code.startswith("pragma"):
            continue  # another tool's pragma
        elif re.match(r"^qubit\b", code):
            if "[" in code:
                raise LoadError(f"{where}: qubit arrays are not supported; declare one qubit per register")
            qubits.append(words[1])
            if len(qubits) > MAX_QUBITS:
                raise LoadError(f"{where}: more than {MAX_QUBITS} qubits")
        elif re.match(r"^(bit|input)\b", code):
            continue
        elif code.startswith("if"):
            m = _IF_RE.match(code)
            if not m:
                raise LoadError(f"{where}: {code!r}: expected if (bit) {{ gate qubit; }}")
            gate, params, targets = _gate_of(m.group(2).strip().rstrip(";").strip(), where)
            if params:
                raise LoadError(f"{where}: a classically controlled rotation is not supported")
            steps.append(
                Controlled(
                    party=owner.get(targets[0], ""),
                    gate=gate,
                    targets=targets,
                    when=m.group(1),
                    text=step_text,
                    **_action_field(action),
                )
            )
        elif _MEASURE_RE.match(code):
            m = _MEASURE_RE.match(code)
            assert m is not None
            steps.append(
                Measure(
                    party=owner.get(m.group(2), ""),
                    register=m.group(2),
                    record=m.group(1),
                    text=step_text,
                    **_action_field(action),
                )
            )
        else:
            gate, params, targets = _gate_of(code, where)
            steps.append(
                ApplyGate(
                    party=owner.get(targets[0], ""),
                    gate=gate,
                    params=params,
                    targets=targets,
                    text=step_text,
                    **_action_field(action),
                )
            )
    if block is not None:
        raise LoadError(f"{origin}: a prepare block is not closed by pragma qproto.end")
    if meta is None:
        raise LoadError(
            f"{origin}: no 'pragma qproto.spec' line: qproto needs the parties and properties "
            "(export a spec with `qproto export SPEC --qasm` to see the header)"
        )
    missing = [r["name"] for r in meta.get("registers", []) if r["name"] not in qubits]
    if missing:
        raise LoadError(f"{origin}: registers {missing} are named in the header but not declared as qubits")
    try:
        return CircuitProtocol(
            name=meta["name"],
            version=meta.get("version", "1"),
            summary=meta.get("summary", ""),
            flawed=meta.get("flawed"),
            variant_of=meta.get("variant_of"),
            references=tuple(Reference(**_tuples(r)) for r in meta.get("references", [])),
            parties=tuple(Party(n, role) for n, role in meta.get("parties", [])),
            channels=tuple(Channel(**_tuples(c)) for c in meta.get("channels", [])),
            parameters=tuple(Parameter(**_tuples(p)) for p in meta.get("parameters", [])),
            properties=tuple(Property(**_tuples(p)) for p in meta.get("properties", [])),
            registers=tuple(Register(**_tuples(r)) for r in meta.get("registers", [])),
            inputs=tuple(meta.get("inputs", ())),
            input_party=meta.get("input_party", ""),
            steps=tuple(steps),
        )
    except (TypeError, KeyError) as exc:
        raise LoadError(f"{origin}: the qproto.spec header is malformed ({type(exc).__name__}: {exc})") from None


def load_qasm(path: str) -> CircuitProtocol:
    from pathlib import Path

    p = Path(path)
    try:
        if p.stat().st_size > MAX_PROGRAM_BYTES:
            raise LoadError(f"{path}: program larger than {MAX_PROGRAM_BYTES} bytes")
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise LoadError(f"{path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise LoadError(f"{path}: not UTF-8 text") from None
    return import_qasm(text, origin=path)


__all__ = ["export_qasm", "import_qasm", "load_qasm", "GATES"]
