"""Teleportation: every property proved, flawed variants refuted, no false alarms."""

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import qproto
from qproto.models import circuit as model
from qproto.models.compare import fidelity
from qproto.models.state import State, qubit
from qproto.spec.teleportation import (
    TELEPORTATION,
    TELEPORTATION_DROPPED_BIT,
    TELEPORTATION_SWAPPED_BITS,
    TELEPORTATION_Z_FIRST,
)

from .helpers import run_cli


def by_property(verdicts):
    return {v.property: v for v in verdicts}


def test_every_teleportation_property_is_proved():
    verdicts = by_property(qproto.verify(TELEPORTATION))
    assert set(verdicts) == {"correction-restores-input", "outcomes-uniform", "no-signalling", "werner-average-fidelity"}
    for v in verdicts.values():
        assert v.status.value == "proved", (v.property, v.evidence)
        assert v.ok


def test_each_branch_is_reported_with_probability_one_quarter():
    v = by_property(qproto.verify(TELEPORTATION))["correction-restores-input"]
    branches = v.evidence["branches"]
    assert sorted((b["branch"]["m1"], b["branch"]["m2"]) for b in branches) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert all(b["probability"]["exact"] == "1/4" for b in branches)


def test_werner_fidelity_is_derived_not_typed_in():
    v = by_property(qproto.verify(TELEPORTATION))["werner-average-fidelity"]
    F = sp.Symbol("F")
    assert sp.simplify(sp.sympify(v.evidence["derived"]["exact"], locals={"F": F}) - (2 * F + 1) / 3) == 0
    # a wrong expectation is refuted, with a concrete F
    wrong = TELEPORTATION.variant(
        "tele-wrong-fidelity",
        properties=tuple(
            p
            if p.id != "werner-average-fidelity"
            else qproto.spec.Property(
                id=p.id, statement=p.statement, engine=p.engine, check=p.check, args={**p.args, "expected": "(F + 1)/2"}
            )
            for p in TELEPORTATION.properties
        ),
    )
    v2 = by_property(qproto.verify(wrong, properties=["werner-average-fidelity"]))["werner-average-fidelity"]
    assert v2.status.value == "refuted"
    assert "F" in v2.evidence["counterexample"]


def test_werner_fidelity_matches_numeric_haar_average():
    # independent check: Monte Carlo over Haar-random inputs with a numeric Werner resource
    rng = np.random.default_rng(7)
    F = 0.8
    from qproto.models.bell import werner

    res = werner(F, ("a", "b")).numeric()
    fids = []
    for _ in range(200):
        v = rng.normal(size=2) + 1j * rng.normal(size=2)
        v /= np.linalg.norm(v)
        trace = model.run(
            TELEPORTATION, input_state=qubit(complex(v[0]), complex(v[1]), "q"), overrides={("a", "b"): res}, numeric=True
        )
        rho = sum(br.state.reduced(("b",)).matrix() for br in trace.final)
        fids.append(fidelity(State(v, ("b",)), State(rho, ("b",), kind="density", check=False)))
    assert abs(np.mean(fids) - (2 * F + 1) / 3) < 0.03


def test_z_first_order_is_not_a_false_alarm():
    for v in qproto.verify(TELEPORTATION_Z_FIRST):
        assert v.status.value == "proved", (v.property, v.evidence)
    # ... even though the raw vectors differ by -1 on outcome (1, 1)
    trace = model.run(TELEPORTATION_Z_FIRST)
    br = [b for b in trace.final if b.record == {"m1": 1, "m2": 1}][0]
    assert "-alpha" in br.state.dirac()


@pytest.mark.parametrize(
    "spec, branch, out_state",
    [
        (TELEPORTATION_SWAPPED_BITS, {"m1": 0, "m2": 1}, "beta |0⟩ - alpha |1⟩"),
        (TELEPORTATION_DROPPED_BIT, {"m1": 1, "m2": 0}, "alpha |0⟩ - beta |1⟩"),
    ],
)
def test_flawed_variants_are_refuted_with_a_replayed_branch(spec, branch, out_state):
    v = by_property(qproto.verify(spec))["correction-restores-input"]
    assert v.status.value == "refuted"
    assert v.evidence["branch"] == branch
    assert v.evidence["counterexample"]["output_state"] == out_state
    replay = v.evidence["replay"]
    assert replay["replayed"] and replay["fidelity"] < 1 - 1e-6
    # the concrete input replays by hand, too
    a = complex(sp.N(sp.sympify(v.evidence["counterexample"]["input"]["alpha"])))
    b = complex(sp.N(sp.sympify(v.evidence["counterexample"]["input"]["beta"])))
    trace = model.run(spec, input_state=qubit(a, b, "q"), numeric=True)
    br = [x for x in trace.final if x.record == branch][0]
    rho = br.state.reduced(("b",)).matrix() / br.probability
    assert abs(np.vdot([a, b], rho @ np.array([a, b])) - replay["fidelity"]) < 1e-9


def test_flawed_variants_stay_out_of_the_default_catalogue():
    names = {s.name for s in qproto.catalogue()}
    assert "teleportation" in names and "teleportation-z-first" in names
    assert "teleportation-swapped-bits" not in names and "teleportation-dropped-bit" not in names


@given(st.floats(0, np.pi), st.floats(0, 2 * np.pi))
def test_numeric_model_teleports_every_sampled_state(theta, phi):
    a, b = np.cos(theta / 2), np.exp(1j * phi) * np.sin(theta / 2)
    trace = model.run(TELEPORTATION, input_state=qubit(complex(a), complex(b), "q"), numeric=True)
    assert abs(sum(br.probability for br in trace.final) - 1) < 1e-9
    for br in trace.final:
        rho = br.state.reduced(("b",)).matrix() / br.probability
        assert abs(np.vdot([a, b], rho @ np.array([a, b])) - 1) < 1e-9


def test_cli_json_lists_each_property_as_proved():
    r = run_cli("verify", "--json", "teleportation")
    assert r.code == 0, r.err
    doc = r.json()
    assert {v["property"]: v["status"] for v in doc["verdicts"]} == {
        "correction-restores-input": "proved",
        "outcomes-uniform": "proved",
        "no-signalling": "proved",
        "werner-average-fidelity": "proved",
    }
    probs = {b["probability"]["exact"] for b in doc["verdicts"][0]["evidence"]["branches"]}
    assert probs == {"1/4"}
    assert doc["summary"]["exit_code"] == 0


def test_cli_verify_on_a_flawed_variant_exits_1_with_its_refutation():
    r = run_cli("verify", "teleportation-swapped-bits", "--json")
    assert r.code == 1
    doc = r.json()
    refuted = [v for v in doc["verdicts"] if v["status"] == "refuted"]
    assert any(v["property"] == "correction-restores-input" for v in refuted)


def test_explain_shows_dirac_states_step_by_step():
    r = run_cli("explain", "teleportation")
    assert r.code == 0, r.err
    assert "[m1=1, m2=1] p=1/4: |qab⟩ = α|110⟩ − β|111⟩" in r.out.replace("\n      ", " ")
    doc = run_cli("explain", "teleportation", "--json").json()
    last = doc["steps"][-1]
    assert len(last["branches"]) == 4
    assert all(b["probability"]["exact"] == "1/4" for b in last["branches"])


def test_noise_on_bobs_qubit_is_refuted_and_the_noisy_average_is_derived():
    from qproto.spec import ApplyChannel

    noisy = TELEPORTATION.variant(
        "tele-noisy",
        steps=TELEPORTATION.steps + (ApplyChannel(party="Bob", channel="depolarizing", targets=("b",), params=("1/10",)),),
    )
    v = by_property(qproto.verify(noisy))
    assert v["correction-restores-input"].status.value == "refuted"
    assert v["outcomes-uniform"].status.value == "proved"
    # depolarizing(p) after a Werner(F) resource: average fidelity is no longer (2F+1)/3
    assert v["werner-average-fidelity"].status.value == "refuted"


def test_prepared_amplitudes_run_exactly():
    from qproto.spec import Prepare

    plus = TELEPORTATION.variant(
        "tele-plus",
        steps=(Prepare(party="Alice", registers=("q",), state="amplitudes", amplitudes=("sqrt(2)/2", "sqrt(2)/2")),)
        + TELEPORTATION.steps[1:],
        properties=(),
    )
    trace = model.run(plus)
    for br in trace.final:
        assert br.state.reduced(("b",)).matrix().tolist() == [
            [sp.Rational(1, 8), sp.Rational(1, 8)],
            [sp.Rational(1, 8), sp.Rational(1, 8)],
        ]
