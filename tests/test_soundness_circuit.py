"""Soundness of the circuit, repeater and secret-sharing algebra checkers
(issue 10 items 1, 11, 13, 19; issue 11 item 12).

Designer variants live in tests/designer_variants/circuit_*.py and are
loaded as a designer would load them.  Every refutation here must carry a
counterexample, and the counterexample must replay on the numeric model.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from qproto.loader import load_file
from qproto.models import circuit as circuit_model
from qproto.models.decide import decide_zero
from qproto.proofs import circuit as circuit_proofs
from qproto.proofs.algebra import Outcome, decide
from qproto.proofs.runner import verify
from qproto.spec.catalogue import find, flawed, protocols
from qproto.spec.circuit import CircuitProtocol, Measure, Prepare, Register
from qproto.spec.errors import ParameterError
from qproto.spec.protocol import Party
from qproto.spec.superdense import SUPERDENSE
from tests.mutation import circuit as brute

from .helpers import run_cli

VARIANTS = Path(__file__).parent / "designer_variants"
F = sp.Symbol("F")


def _load(name: str):
    (spec,) = load_file(str(VARIANTS / name))
    return spec


def _by_id(verdicts):
    return {v.property: v for v in verdicts}


# --- item 1: the noisy resource is centred on the state the spec prepares ---


def test_teleportation_over_phi_minus_with_unchanged_corrections_is_refuted():
    spec = _load("circuit_teleport_phi_minus.py")
    v = _by_id(verify(spec))["werner-average-fidelity"]
    assert v.status.value == "refuted"
    derived = sp.sympify(v.evidence["derived"]["exact"], locals={"F": F})
    assert sp.simplify(derived - (5 - 2 * F) / 9) == 0  # the true value, not (2F + 1)/3
    ce = v.evidence["counterexample"]
    at = sp.Rational(ce["F"])
    assert sp.Rational(ce["derived"]) == (5 - 2 * at) / 9 != sp.Rational(ce["expected"])
    # the counterexample replays on the numeric model
    assert v.evidence["replay"]["replayed"]
    assert abs(v.evidence["replay"]["average_fidelity"] - float((5 - 2 * at) / 9)) < 1e-9


def test_correct_teleportation_over_psi_plus_with_an_extra_x_is_proved():
    spec = _load("circuit_teleport_psi_plus.py")
    assert {v.property: v.status.value for v in verify(spec)} == {
        "correction-restores-input": "proved",
        "outcomes-uniform": "proved",
        "no-signalling": "proved",
        "werner-average-fidelity": "proved",
    }


def test_swapping_with_a_phi_minus_segment_is_refuted_not_proved():
    spec = _load("circuit_swap_phi_minus.py")
    v = _by_id(verify(spec))["werner-swap-fidelity"]
    assert v.status.value == "refuted"
    ce = v.evidence["counterexample"]
    assert ce["derived"] != ce["expected"]
    assert abs(v.evidence["replay"]["fidelity"] - float(sp.Rational(ce["derived"]))) < 1e-9


def test_correct_superdense_coding_over_psi_plus_is_proved():
    spec = _load("circuit_superdense_psi_plus.py")
    assert [v.status.value for v in verify(spec)] == ["proved"]


@pytest.mark.parametrize(
    "name",
    [
        "circuit_teleport_phi_minus.py",
        "circuit_teleport_psi_plus.py",
        "circuit_swap_phi_minus.py",
        "circuit_superdense_psi_plus.py",
    ],
)
def test_every_verdict_on_a_designer_variant_agrees_with_brute_force(name):
    spec = _load(name)
    props = {p.id: p for p in spec.properties}
    for v in verify(spec):
        truth = brute.ground_truth(spec, props[v.property]).value
        assert (v.status.value, truth) in {("proved", "holds"), ("refuted", "violated")}, (v.property, v.status, truth)


# --- item 13: every refutation carries a counterexample that replays --------


CIRCUITS = [s for s in protocols() + flawed() if s.family == "circuit"]


@pytest.mark.parametrize("spec", CIRCUITS, ids=lambda s: s.name)
def test_every_refutation_has_a_counterexample(spec):
    for v in verify(spec):
        if v.status.value in ("refuted", "limitation"):
            assert v.evidence.get("counterexample"), (spec.name, v.property)
            replay = v.evidence.get("replay")
            if replay is not None:
                assert replay.get("replayed") is True, (spec.name, v.property, replay)


@pytest.mark.parametrize("name", ["teleportation-swapped-bits", "teleportation-dropped-bit"])
def test_teleportation_witness_replays_to_a_wrong_state(name):
    v = _by_id(verify(find(name)))["correction-restores-input"]
    assert v.status.value == "refuted"
    assert {"alpha", "beta"} <= set(v.evidence["counterexample"]["input"])
    assert v.evidence["replay"]["fidelity"] < 1 - 1e-9


def test_a_wrong_dejmps_coefficient_is_refuted_with_a_point():
    spec = find("dejmps")
    prop = spec.properties[0]
    coeffs = ("(A**2 + B**2)/N", "2*C*D/N", "(C**2 + D**2)/N", "3*A*B/N")  # 2AB → 3AB
    bad = spec.variant(
        "dejmps-wrong-coefficient", properties=(dataclasses.replace(prop, args={**prop.args, "coefficients": coeffs}),)
    )
    (v,) = verify(bad)
    assert v.status.value == "refuted"
    ce = v.evidence["counterexample"]
    assert set("ABCD") <= set(ce) and ce["derived"] != ce["expected"]


# --- item 11: undecided is not false ----------------------------------------


def test_decide_zero_separates_exact_numeric_and_nonzero():
    x = sp.Symbol("x")
    assert decide_zero(sp.sqrt(2) * sp.sqrt(3) - sp.sqrt(6)).kind == "exact_zero"
    # true, but beyond cheap simplification: numeric evidence only, never a proof
    d = decide_zero(sp.atan(sp.Rational(1, 2)) + sp.atan(sp.Rational(1, 3)) - sp.pi / 4)
    assert d.kind == "numeric_zero" and d.road == "numeric-50-digits" and d.is_zero is None
    # a value of 1e-60 is not zero: 50 certified digits see it
    d = decide_zero(sp.Rational(1, 10**60) + sp.sqrt(2) * sp.sqrt(3) - sp.sqrt(6))
    assert d.kind == "nonzero" and d.is_zero is False
    d = decide_zero(x**2 - x, points=[{x: sp.Rational(1, 2)}])
    assert d.kind == "nonzero" and d.point == {"x": "1/2"} and d.road == "numeric-50-digits"


def test_the_algebra_engine_reads_an_undecided_residual_as_inconclusive():
    out = decide([sp.atan(sp.Rational(1, 2)) + sp.atan(sp.Rational(1, 3)) - sp.pi / 4])
    assert out.status == "inconclusive" and out.numeric_zero and out.road == "numeric-50-digits"


def test_decodes_inputs_does_not_refute_what_it_could_not_decide(monkeypatch):
    # The old checker turned every non-proved decision into a refutation.
    monkeypatch.setattr(circuit_proofs, "decide", lambda *a, **k: Outcome("inconclusive", reason="undecided"))
    (v,) = verify(SUPERDENSE)
    assert v.status.value == "inconclusive"


# --- issue 11 item 12: a stated qubit limit ----------------------------------


def _wide(n: int) -> CircuitProtocol:
    regs = tuple(Register(name=f"q{i}", owner="A") for i in range(n))
    steps = tuple(Prepare(party="A", registers=(f"q{i}",), state="ket:0") for i in range(n)) + (
        Measure(party="A", register="q0", record="m0"),
    )
    return CircuitProtocol(name=f"wide-{n}", parties=(Party("A", "only party"),), registers=regs, steps=steps)


def test_the_exact_engine_refuses_beyond_its_qubit_limit():
    n = circuit_model.EXACT_QUBIT_LIMIT + 1
    with pytest.raises(
        ParameterError,
        match=rf"qubits={n} exceeds the exact circuit limit of "
        rf"{circuit_model.EXACT_QUBIT_LIMIT} qubits; the numeric engine",
    ):
        verify(_wide(n))
    # the numeric engine takes it
    trace = circuit_model.run(_wide(n), numeric=True)
    assert len(trace.final) == 1


def test_nothing_beyond_the_numeric_limit_is_run():
    n = circuit_model.NUMERIC_QUBIT_LIMIT + 1
    with pytest.raises(
        ParameterError,
        match=rf"qubits={n} exceeds the numeric circuit limit of "
        rf"{circuit_model.NUMERIC_QUBIT_LIMIT} qubits; no qproto engine",
    ):
        circuit_model.run(_wide(n), numeric=True)


def test_cli_refuses_a_wide_circuit_with_exit_2(tmp_path):
    f = tmp_path / "wide.py"
    f.write_text("from tests.test_soundness_circuit import _wide\nWIDE = _wide(30)\n")
    r = run_cli("verify", str(f), cwd=str(Path(__file__).parent.parent))
    assert r.code == 2 and "qubits=30" in r.err and len(r.err.strip().splitlines()) == 1, r.err


# --- the mutation campaign (CI sample; the full run is a benchmark) -----------


def test_brute_force_agrees_with_the_catalogue():
    for spec in CIRCUITS:
        for p in spec.properties:
            truth = brute.ground_truth(spec, p).value
            assert truth == ("violated" if spec.flawed and p.id in _FLAWED_PROPS.get(spec.name, ()) else "holds"), (
                spec.name,
                p.id,
                truth,
            )


_FLAWED_PROPS = {
    "teleportation-swapped-bits": ("correction-restores-input", "werner-average-fidelity"),
    "teleportation-dropped-bit": ("correction-restores-input", "werner-average-fidelity"),
    "superdense-coding-no-hadamard": ("decodes-both-bits",),
    "entanglement-swapping-no-z": ("ends-in-phi-plus", "werner-swap-fidelity"),
    "entanglement-swapping-swapped-bits": ("ends-in-phi-plus", "werner-swap-fidelity"),
}


def test_a_seeded_sample_of_circuit_mutants_agrees_with_brute_force():
    from tests.mutation import core

    report = core.run_slice("circuit", brute, seed=3, share=40, worker=0, workers=1)
    assert report.generated == 40 and report.killed > 20
    assert not report.disagreements, [(d.mutant.description, d.property, d.status, d.truth) for d in report.disagreements]
    assert not report.missing_counterexamples
    assert np.isfinite(report.seconds)


# --- vacuity: a property over an empty set is never proved -------------------


def test_a_reduced_state_claim_over_no_step_is_vacuous():
    from qproto.spec.teleportation import TELEPORTATION

    prop = next(p for p in TELEPORTATION.properties if p.id == "no-signalling")
    spec = TELEPORTATION.variant(
        "teleportation-empty-window", properties=(dataclasses.replace(prop, args={**prop.args, "before": "prepare"}),)
    )
    (v,) = verify(spec)
    assert v.status.value == "error" and v.evidence["vacuous"] is True


def test_a_decoding_claim_naming_no_input_bit_is_vacuous():
    prop = SUPERDENSE.properties[0]
    spec = SUPERDENSE.variant(
        "superdense-no-bits", properties=(dataclasses.replace(prop, args={**prop.args, "inputs": (), "records": ()}),)
    )
    (v,) = verify(spec)
    assert v.status.value == "error" and v.evidence["vacuous"] is True
