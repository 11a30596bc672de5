"""Checkers for circuit protocols (teleportation, superdense coding, ...).

Every checker runs the exact model, states its claim as residuals for the
algebraic engine, and on a refutation replays the counterexample on the
numeric model before reporting it.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from qproto.models import circuit as model
from qproto.models import exact as _exact
from qproto.models.bell import werner
from qproto.models.compare import fidelity, physical_difference
from qproto.models.decide import DEFAULT_TIMEOUT as DEFAULT_DECIDE_TIMEOUT
from qproto.models.decide import decide_zero
from qproto.models.state import State, qubit
from qproto.models.trace import Branch
from qproto.spec.circuit import CircuitProtocol, Prepare
from qproto.spec.errors import SpecError
from qproto.spec.protocol import Property

from .algebra import decide, parse_exact, qubit_witnesses
from .registry import checker, validator
from .verdict import inconclusive, proved, refuted, vacuous


@validator("circuit")
def _validate(spec: CircuitProtocol) -> None:
    model.validate(spec)
    # every circuit checker runs the exact model: refuse what it cannot hold before any proof
    model.check_size(spec, numeric=False)


def _args(prop: Property, *names: str) -> list[Any]:
    missing = [n for n in names if n not in prop.args]
    if missing:
        raise SpecError(f"property {prop.id!r}: check {prop.check!r} needs args {missing}")
    return [prop.args[n] for n in names]


def exact_trace(spec: CircuitProtocol, options: Mapping[str, Any], inputs: Mapping[str, int] | None = None):
    """The exact trace of ``spec``, computed once per ``verify`` call and
    shared by the checkers that read it (the runner puts a fresh cache in
    ``options``)."""
    cache = options.get("_cache")
    key = ("circuit-trace", spec.name, tuple(sorted((inputs or {}).items())))
    if cache is not None and key in cache:
        return cache[key]
    trace = model.run(spec, inputs)
    if cache is not None:
        cache[key] = trace
    return trace


def _recorded(br: Branch, records: Any, prop: Property) -> tuple[int, ...]:
    """The branch's values of ``records``; a record the spec never measures
    is a spec error naming it."""
    missing = [r for r in records if r not in br.record]
    if missing:
        raise SpecError(
            f"property {prop.id!r}: records={list(records)} expected measured bits, got {missing} never measured "
            f"(measured: {sorted(br.record)})"
        )
    return tuple(br.record[r] for r in records)


def _assignments(spec: CircuitProtocol) -> list[dict[str, int]]:
    return [dict(zip(spec.inputs, bits)) for bits in itertools.product((0, 1), repeat=len(spec.inputs))]


def conditional_ket(branch: Branch, register: str) -> State | None:
    """The branch's ket on ``register`` alone, when every other register
    has been measured (collapsed), normalised where the probability is a
    number; None when ``register`` is still entangled with others."""
    s = branch.state
    if s.kind != "ket":
        return None
    # find the collapsed value of every other register: the one index with non-zero amplitude
    other = [r for r in s.registers if r != register]
    nonzero = [i for i in np.ndindex(*s.dims) if s.data[i] != 0]
    if not nonzero:
        return None
    fixed = {}
    for r in other:
        vals = {i[s.axis(r)] for i in nonzero}
        if len(vals) != 1:
            return None
        fixed[r] = vals.pop()
    sel = tuple(fixed[r] if r != register else slice(None) for r in s.registers)
    vec = s.data[sel]
    p = _exact.reduce(branch.probability, s.constraints) if s.exact else branch.probability
    if s.exact and p.is_number and p != 0:
        vec = np.vectorize(lambda e: sp.expand(e / sp.sqrt(p)), otypes=[object])(vec)
    return State(vec, (register,), (s.dims[s.axis(register)],), "ket", s.constraints, check=False)


def _replay_teleport(
    spec: CircuitProtocol, inp: str, out: str, record: dict[str, int], witness: dict[str, Any]
) -> dict[str, Any]:
    """Re-run the numeric model with the witness input and report the
    branch's output fidelity with the input (squared convention)."""
    a = complex(sp.N(witness["alpha"]))
    b = complex(sp.N(witness["beta"]))
    psi = qubit(a, b, inp)
    trace = model.run(spec, input_state=psi, numeric=True)
    for br in trace.final:
        if all(br.record.get(k) == v for k, v in record.items()):
            rho = br.state.reduced((out,))
            rho = State(rho.data / br.probability, (out,), (2,), "density", check=False)
            target = State([a, b], (out,), (2,), "ket")
            f = fidelity(target, rho)
            return {
                "replayed": True,
                "backend": "numeric",
                "branch": record,
                "fidelity": round(f, 12),
                "fidelity_convention": "squared (as qiskit state_fidelity)",
            }
    return {"replayed": False, "reason": f"branch {record} not reached numerically"}


@checker("circuit.output-equals-input")
def output_equals_input(spec: CircuitProtocol, prop: Property, options: Mapping[str, Any]):
    """Runs the spec's own steps exactly on the symbolic input α|0⟩ + β|1⟩ and
    compares every branch's output register with the input as density
    matrices (global phase ignored), modulo |α|² + |β|² = 1.  Covers every
    branch of non-zero probability and every normalised input."""
    inp, out = _args(prop, "input", "output")
    trace = exact_trace(spec, options)
    if not trace.final:
        return vacuous("no measurement branch has non-zero probability: there is no output to compare")
    target = model.symbolic_input(out)
    branches = []
    for br in trace.final:
        rho = br.state.reduced((out,))
        res = decide(physical_difference(rho, target).flat, br.state.constraints, qubit_witnesses(model.ALPHA, model.BETA))
        k = conditional_ket(br, out)
        entry = {
            "branch": br.record,
            "probability": _exact.exact_json(model.branch_probability(br)),
            "output": k.dirac() if k is not None else rho.dirac(),
            "status": res.status,
        }
        branches.append(entry)
        if res.status == "refuted":
            # a residual that is a non-zero number fails for every input: show the first witness
            point = res.witness or {str(k_): v for k_, v in qubit_witnesses(model.ALPHA, model.BETA)[0].items()}
            witness = {k_: sp.sstr(v) for k_, v in point.items() if "conjugate" not in k_}
            replay = _replay_teleport(spec, inp, out, br.record, point)
            return refuted(
                f"branch {br.label()}: {out} holds {entry['output']}, not the input α|0⟩ + β|1⟩",
                branch=br.record,
                counterexample={"input": witness, "output_state": entry["output"]},
                replay=replay,
                branches=branches,
            )
        if res.status == "inconclusive":
            return inconclusive(
                f"branch {br.label()}: SymPy could not reduce the difference to zero and no witness refuted it"
                + (" (zero to 50 digits at every witness: evidence, not a proof)" if res.numeric_zero else ""),
                residuals=[sp.sstr(r) for r in res.undecided[:4]],
                branches=branches,
            )
    return proved(
        f"all {len(branches)} branches leave {out} in the input state (compared as density matrices, "
        "so global phases are ignored)",
        branches=branches,
        method="ρ_out·tr ρ_in − ρ_in·tr ρ_out reduced to 0 modulo |α|²+|β|²−1",
    )


@checker("circuit.branch-probabilities")
def branch_probabilities(spec: CircuitProtocol, prop: Property, options: Mapping[str, Any]):
    """Sums the exact branch probabilities of the named records, for every
    classical input assignment and every symbolic input state, and compares
    each outcome with the spec's claimed probability."""
    records, expected = _args(prop, "records", "probability")
    p_expected = parse_exact(expected)
    out = []
    for inputs in _assignments(spec) or [{}]:
        trace = exact_trace(spec, options, inputs)
        totals: dict[tuple[int, ...], Any] = {}
        for br in trace.final:
            key = _recorded(br, records, prop)
            totals[key] = totals.get(key, 0) + br.probability
        constraints = trace.final[0].state.constraints if trace.final else ()
        for key in itertools.product((0, 1), repeat=len(records)):
            p = _exact.reduce(totals.get(key, sp.Integer(0)), constraints)
            res = decide([p - p_expected], constraints, qubit_witnesses(model.ALPHA, model.BETA))
            out.append({"inputs": inputs, "outcome": dict(zip(records, key)), "probability": _exact.exact_json(p)})
            if res.status == "refuted":
                return refuted(
                    f"outcome {dict(zip(records, key))} has probability {sp.sstr(p)}, not {expected}",
                    counterexample={
                        "outcome": dict(zip(records, key)),
                        "input": {k: sp.sstr(v) for k, v in (res.witness or {}).items() if "conjugate" not in k},
                        "probability": sp.sstr(sp.expand(p.subs(res.witness or {}, simultaneous=True))),
                    },
                    outcomes=out,
                )
            if res.status == "inconclusive":
                return inconclusive(f"could not reduce P{key} − {expected} to zero", outcomes=out)
    return proved(f"every outcome of {', '.join(records)} has probability {expected} for all inputs", outcomes=out)


@checker("circuit.reduced-state")
def reduced_state(spec: CircuitProtocol, prop: Property, options: Mapping[str, Any]):
    """The register's reduced state, summed over branches, after every step
    before the first step of the named action, compared exactly with the
    claimed matrix (dimension from the spec's register), for every input."""
    register, before, equals = _args(prop, "register", "before", "equals")
    trace = exact_trace(spec, options)
    stop = next((s.index for s in trace.steps if s.action == before), None)
    if stop is None:
        raise SpecError(f"property {prop.id!r}: no step with action {before!r} in {spec.name}")
    dim = spec.register(register).dim  # from the spec, not an assumed qubit
    target = sp.Matrix(parse_exact(equals, I=sp.eye(dim))) if "I" in str(equals) else sp.Matrix(parse_exact(equals))
    checked = []
    for step in trace.steps[: stop - 1]:
        if not step.branches or register not in step.branches[0].state.registers:
            continue
        total = sum(br.state.reduced((register,)).matrix() for br in step.branches)
        assert isinstance(total, np.ndarray)
        constraints = step.branches[0].state.constraints
        residuals = [total[i, j] - target[i, j] for i in range(dim) for j in range(dim)]
        res = decide(residuals, constraints, qubit_witnesses(model.ALPHA, model.BETA))
        shown = "[" + "; ".join(", ".join(sp.sstr(_exact.reduce(x, constraints)) for x in row) for row in total) + "]"
        checked.append({"after_step": step.index, "step": step.text, "state": shown})
        if res.status == "refuted":
            point = res.witness or {str(k): v for k, v in qubit_witnesses(model.ALPHA, model.BETA)[0].items()}
            return refuted(
                f"after step {step.index} ({step.text}) {register}'s state is {shown}, not {equals}",
                counterexample={
                    "after_step": step.index,
                    "input": {k: sp.sstr(v) for k, v in point.items() if "conjugate" not in k},
                },
                replay=_replay_reduced(spec, step.index, register, point),
                checked=checked,
            )
        if res.status == "inconclusive":
            return inconclusive(f"after step {step.index}: could not reduce {register}'s state to {equals}", checked=checked)
    if not checked:
        return vacuous(f"register {register!r} does not exist before the first {before!r} step: no state to check")
    return proved(
        f"{register}'s reduced state is {equals} after every step before the first '{before}' "
        f"({len(checked)} steps), for every input",
        checked=checked,
    )


def _replay_reduced(spec: CircuitProtocol, upto: int, register: str, witness: Mapping[str, Any]) -> dict[str, Any]:
    """The numeric model run to step ``upto`` at the witness input: the
    register's reduced state summed over branches."""
    psi = None
    if any(isinstance(s, Prepare) and s.state == "input" for s in spec.steps):
        psi = qubit(complex(sp.N(witness["alpha"])), complex(sp.N(witness["beta"])), "q")
    trace = model.run(spec.variant(spec.name, steps=spec.steps[:upto]), input_state=psi, numeric=True)
    rho = sum(br.state.reduced((register,)).matrix() for br in trace.final)
    return {
        "replayed": True,
        "backend": "numeric",
        "after_step": upto,
        "state": [[[round(x.real, 12), round(x.imag, 12)] for x in row] for row in np.asarray(rho).tolist()],
        "state_format": "rows of [real, imaginary]",
    }


@checker("circuit.decodes-inputs")
def decodes_inputs(spec: CircuitProtocol, prop: Property, options: Mapping[str, Any]):
    """For every assignment of the spec's classical inputs, the exact
    probability that the named records equal the named inputs must be 1;
    undecided is inconclusive, never a refutation."""
    inputs, records = _args(prop, "inputs", "records")
    unknown = [i for i in inputs if i not in spec.inputs]
    if unknown:
        raise SpecError(
            f"property {prop.id!r}: inputs={list(inputs)} expected classical inputs of the spec "
            f"{list(spec.inputs)}, got {unknown} undeclared"
        )
    if not inputs:
        return vacuous("the property names no input bits: there is no message to decode")
    results = []
    for assign in _assignments(spec):
        trace = exact_trace(spec, options, assign)
        want = tuple(assign[i] for i in inputs)
        dist: dict[str, Any] = {}
        p_ok = sp.Integer(0)
        for br in trace.final:
            got = _recorded(br, records, prop)
            dist["".join(map(str, got))] = dist.get("".join(map(str, got)), 0) + br.probability
            if got == want:
                p_ok += br.probability
        p_ok = _exact.reduce(p_ok, ())
        results.append({"message": assign, "p_correct": _exact.exact_json(p_ok)})
        res = decide([p_ok - 1], (), qubit_witnesses(model.ALPHA, model.BETA) if p_ok.free_symbols else ())
        if res.status == "inconclusive":
            return inconclusive(
                f"message {assign}: could not decide P(correct) = {sp.sstr(p_ok)} equals 1 ({res.reason})",
                messages=results,
                road=res.road,
            )
        if res.status == "refuted":
            return refuted(
                f"message {assign} is decoded correctly with probability {sp.sstr(p_ok)}, not 1",
                counterexample={"message": assign, "decoded_distribution": {k: _exact.exact_json(v) for k, v in dist.items()}},
                replay=_replay_decode(spec, assign, inputs, records),
                messages=results,
            )
    return proved(f"all {len(results)} messages decode with probability 1", messages=results)


def _replay_decode(spec: CircuitProtocol, assign: dict[str, int], inputs: Any, records: Any) -> dict[str, Any]:
    trace = model.run(spec, assign, numeric=True)
    want = tuple(assign[i] for i in inputs)
    p = sum(br.probability for br in trace.final if tuple(br.record[r] for r in records) == want)
    return {"replayed": True, "backend": "numeric", "p_correct": round(float(p), 12)}


#: The six Pauli eigenstates: a qubit 2-design (Renes et al. 2004).
_r = sp.sqrt(2) / 2
PAULI_EIGENSTATES = (
    (sp.Integer(1), sp.Integer(0)),
    (sp.Integer(0), sp.Integer(1)),
    (_r, _r),
    (_r, -_r),
    (_r, sp.I * _r),
    (_r, -sp.I * _r),
)


def prepared_resource(spec: CircuitProtocol, resource: tuple[str, ...]) -> State:
    """The pure state the spec's own source prepares on ``resource``: the
    centre of the noisy resource (never a catalogue |Φ+⟩)."""
    for step in spec.steps:
        if isinstance(step, Prepare) and tuple(step.registers) == resource:
            state = model.prepared_state(step)
            if state.kind != "ket" or state.size != 4 or (state.exact and _exact.free_symbols(state.data.flat)):
                raise SpecError(
                    f"{spec.name}: resource={list(resource)} must be prepared as a fixed two-qubit pure state, got {step.state!r}"
                )
            return state
    raise SpecError(
        f"{spec.name}: resource={list(resource)} expected registers prepared together by one prepare step, "
        f"got none; prepared: {[list(s.registers) for s in spec.steps if isinstance(s, Prepare)]}"
    )


def _average_output_fidelity(spec: CircuitProtocol, inp: str, out: str, resource: tuple[str, ...], noisy: State) -> sp.Expr:
    # The protocol is linear in the input: run it once on a symbolic input
    # density matrix and evaluate the output at each design state.
    r00, r01, r10, r11 = sp.symbols("r00 r01 r10 r11")
    rho_in = State([[r00, r01], [r10, r11]], (inp,), (2,), "density", (r00 + r11 - 1,))
    trace = model.run(spec, input_state=rho_in, overrides={resource: noisy})
    rho_out = None
    for br in trace.final:
        m = br.state.reduced((out,)).matrix()
        rho_out = m if rho_out is None else rho_out + m
    fids = []
    for a, b in PAULI_EIGENSTATES:
        v = np.array([a, b], dtype=object)
        sub = {r00: a * sp.conjugate(a), r01: a * sp.conjugate(b), r10: b * sp.conjugate(a), r11: b * sp.conjugate(b)}
        out_at = np.vectorize(lambda e: e.xreplace(sub), otypes=[object])(rho_out)
        fids.append(sp.expand(np.conj(v) @ out_at @ v))
    return sp.factor(sp.expand(sum(fids) / len(fids)))


def _replay_average_fidelity(
    spec: CircuitProtocol, inp: str, out: str, resource: tuple[str, ...], centre: State, value: sp.Expr
) -> dict[str, Any]:
    """The numeric model at F = value: each Pauli eigenstate teleported over
    a complex128 Werner resource, fidelities averaged (squared convention)."""
    noisy = werner(float(value), resource, centre=centre)
    total = 0.0
    for a, b in PAULI_EIGENSTATES:
        psi = qubit(complex(sp.N(a)), complex(sp.N(b)), inp)
        trace = model.run(spec, input_state=psi, overrides={resource: noisy}, numeric=True)
        rho = sum(br.state.reduced((out,)).matrix() for br in trace.final)
        v = np.array([complex(sp.N(a)), complex(sp.N(b))])
        total += float(np.real(np.conj(v) @ rho @ v))
    return {"replayed": True, "backend": "numeric", "average_fidelity": round(total / len(PAULI_EIGENSTATES), 12)}


@checker("circuit.average-fidelity")
def average_fidelity(spec: CircuitProtocol, prop: Property, options: Mapping[str, Any]):
    """Average output fidelity (Haar, via the six Pauli eigenstates) when the
    resource the spec prepares, |ψ⟩, is replaced by the Werner state of
    fidelity F around that same |ψ⟩; compared exactly with the spec's
    expected formula in F.  Covers exactly this noise family."""
    inp, out, resource, symbol, expected = _args(prop, "input", "output", "resource", "symbol", "expected")
    resource = tuple(resource)
    F = sp.Symbol(symbol, real=True)
    expect = parse_exact(expected, **{symbol: F})
    centre = prepared_resource(spec, resource)
    derived = _average_output_fidelity(spec, inp, out, resource, werner(F, resource, centre=centre))
    evidence = {
        "derived": _exact.exact_json(derived),
        "expected": _exact.exact_json(expect),
        "resource_centre": centre.dirac(),
        "method": "exact average over the six Pauli eigenstates, a 2-design: equal to the Haar average "
        "for the degree-(2,2) fidelity polynomial (Renes et al. 2004); the Werner resource is centred "
        "on the state the spec prepares",
        "fidelity_convention": "squared (as qiskit state_fidelity)",
    }
    points = [{F: v} for v in (sp.Rational(1, 2), sp.Rational(3, 4), sp.Integer(1), sp.Integer(0), sp.Rational(1, 3))]
    d = decide_zero(derived - expect, points=points, timeout=options.get("decide_timeout", DEFAULT_DECIDE_TIMEOUT))
    if d.kind == "exact_zero":
        return proved(
            f"average fidelity with a Werner resource of fidelity {symbol} around {centre.dirac()} is {sp.sstr(derived)}",
            **evidence,
        )
    if d.kind == "nonzero" and d.assignment:
        val = d.assignment[F]
        return refuted(
            f"derived average fidelity {sp.sstr(derived)} differs from {expected}",
            counterexample={
                symbol: sp.sstr(val),
                "derived": sp.sstr(derived.subs(F, val)),
                "expected": sp.sstr(expect.subs(F, val)),
            },
            replay=_replay_average_fidelity(spec, inp, out, resource, centre, val),
            decision=d.to_json(),
            **evidence,
        )
    return inconclusive(f"could not decide derived == expected: {d.reason}", decision=d.to_json(), **evidence)
