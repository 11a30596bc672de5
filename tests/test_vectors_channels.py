"""Circuit vectors for a circuit with a noise channel: a mixed state is
generated as a density matrix, checked as one, and a wrong implementation
(one that drops the channel or gets its strength wrong) is caught.

The expected physics is re-derived here with plain NumPy: teleportation
through a depolarizing channel of strength p on Bob's qubit (ρ ↦ (1 − p) ρ
+ p I/2) leaves Bob, for every outcome (probability 1/4 each), with
(1 − p)|ψ⟩⟨ψ| + p I/2 — the channel commutes with Bob's Pauli corrections.
"""

from __future__ import annotations

import copy
import textwrap

import numpy as np
import pytest

import qproto
from qproto.spec.circuit import ApplyChannel
from qproto.vectors import check, dumps, generate, load, validate
from qproto.vectors.reference import adapter as reference

from .helpers import run_cli

P = 0.25  # the channel's strength in the spec below ("1/4")
SPEC_SOURCE = textwrap.dedent(
    """
    from qproto.spec.circuit import ApplyChannel
    from qproto.spec.teleportation import TELEPORTATION

    NOISY = TELEPORTATION.variant(
        "teleportation-noisy",
        summary="Teleportation with depolarizing noise on Bob's qubit in transit.",
        steps=TELEPORTATION.steps[:3]
        + (ApplyChannel(party="Bob", channel="depolarizing", targets=("b",), params=("1/4",), text="noise on b"),)
        + TELEPORTATION.steps[3:],
    )
    """
)


def _noisy(p: str = "1/4"):
    tele = qproto.find("teleportation")
    noise = ApplyChannel(party="Bob", channel="depolarizing", targets=("b",), params=(p,), text="noise on b")
    return tele.variant("teleportation-noisy", steps=tele.steps[:3] + (noise,) + tele.steps[3:])


@pytest.fixture(scope="module")
def noisy_doc():
    return generate(_noisy(), seed=3, count=1)


def _value(e) -> complex:
    v = e["value"]
    return complex(v[0], v[1]) if isinstance(v, list) else complex(v)


def _density(state: dict) -> np.ndarray:
    return np.array([[_value(x) for x in row] for row in state["density"]], dtype=complex)


def _reduce_to(rho: np.ndarray, registers: list[str], keep: str) -> np.ndarray:
    n = len(registers)
    t = rho.reshape([2] * (2 * n))
    k = registers.index(keep)
    for i in sorted((i for i in range(n) if i != k), reverse=True):
        t = np.trace(t, axis1=i, axis2=i + t.ndim // 2)
    return t


def test_noisy_circuit_vectors_are_density_matrices_with_the_depolarized_output(noisy_doc):
    validate(noisy_doc)
    (group,) = noisy_doc["testGroups"]
    assert group["parameters"]["noise"]["kind"] == "channels"
    assert group["parameters"]["noise"]["channels"] == [{"step": 3, "channel": "depolarizing", "targets": ["b"]}]
    assert "MixedState" in noisy_doc["notes"]
    assert len(group["tests"]) == 4 * 5  # 4 edge inputs + 1 random, 4 outcomes each
    for test in group["tests"]:
        assert test["result"] == "valid" and "MixedState" in test["flags"]
        assert abs(_value(test["outputs"]["probability"]) - 0.25) < 1e-12
        states = test["outputs"]["states"]
        assert all("ket" in s for s in states[:3]) and all("density" in s for s in states[3:])
        alpha, beta = (_value(test["inputs"]["input"][k]) for k in ("alpha", "beta"))
        psi = np.array([alpha, beta])
        want = (1 - P) * np.outer(psi, psi.conj()) + P * np.eye(2) / 2
        for s in states[3:]:
            rho = _density(s)
            assert abs(np.trace(rho) - 1) < 1e-12  # normalised by the branch probability, not its square root
            assert np.allclose(rho, rho.conj().T, atol=1e-12)
        final = states[-1]
        got = _reduce_to(_density(final), final["registers"], "b")
        assert np.allclose(got, want, atol=1e-12), (test["comment"], got, want)


def test_noisy_vectors_are_deterministic(noisy_doc):
    assert dumps(generate(_noisy(), seed=3, count=1)) == dumps(noisy_doc)


def test_reference_implementation_passes_the_noisy_vectors(noisy_doc):
    report = check(noisy_doc, reference)
    assert report.counts == {"pass": 20, "fail": 0, "error": 0}, [o for o in report.outcomes if o.status != "pass"][:2]


def _without_channel(case):
    """Runs the channel step as the identity gate: pure kets throughout."""
    case = copy.deepcopy(dict(case))
    steps = case["model"]["steps"]
    for i, s in enumerate(steps):
        if s["kind"] == "ApplyChannel":
            steps[i] = {"kind": "ApplyGate", "party": s["party"], "gate": "I", "targets": s["targets"], "text": "no noise"}
    return reference(case)


def _stronger_channel(case):
    case = copy.deepcopy(dict(case))
    for s in case["model"]["steps"]:
        if s["kind"] == "ApplyChannel":
            s["params"] = ["1/2"]
    return reference(case)


def _unnormalised_by_sqrt(case):
    """Divides the mixed branch (trace p = 1/4) by √p as for a ket, leaving
    √p·ρ = ρ/2: the normalisation bug this file guards."""
    ans = reference(case)
    for s in ans["outputs"]["states"]:
        if "density" in s:
            s["density"] = [[[re * 0.5, im * 0.5] for re, im in row] for row in s["density"]]
    return ans


@pytest.mark.parametrize("wrong", [_without_channel, _stronger_channel, _unnormalised_by_sqrt])
def test_a_wrong_implementation_is_caught(noisy_doc, wrong):
    report = check(noisy_doc, wrong)
    assert report.counts["pass"] == 0 and report.counts["error"] == 0
    first = report.outcomes[0]
    assert first.status == "fail" and first.field.startswith("outputs.states[3]"), first


def test_a_pure_answer_to_a_mixed_state_is_rejected(noisy_doc):
    """Answering the final state as the noiseless ket is a different physical state."""
    group = noisy_doc["testGroups"][0]
    test = group["tests"][0]
    from qproto.vectors.compare import first_difference

    clean = generate(qproto.find("teleportation"), seed=3, count=1)["testGroups"][0]["tests"][0]
    assert clean["inputs"] == test["inputs"]
    answer = {
        "records": test["outputs"]["records"],
        "probability": 0.25,
        "states": test["outputs"]["states"][:3] + clean["outputs"]["states"][2:],
    }
    miss = first_difference(test["outputs"], answer, group["tolerance"])
    assert miss is not None and "density" in miss.reason


def _density_throughout(case):
    """A density-matrix simulator answers every step as ρ, the pure ones too."""
    ans = reference(case)
    for s in ans["outputs"]["states"]:
        if "ket" in s:
            v = np.array([complex(re, im) for re, im in s.pop("ket")])
            s["density"] = [[[z.real, z.imag] for z in row] for row in np.outer(v, v.conj())]
    return ans


def test_a_density_matrix_answer_to_a_pure_step_is_accepted(noisy_doc):
    report = check(noisy_doc, _density_throughout)
    assert report.counts == {"pass": 20, "fail": 0, "error": 0}


def test_catalogue_teleportation_is_unchanged_by_the_channel_support():
    doc = generate(qproto.find("teleportation"), seed=3, count=1)
    (group,) = doc["testGroups"]
    assert group["parameters"]["noise"] == {"kind": "none"}
    assert "MixedState" not in doc["notes"]
    assert all("ket" in s for t in group["tests"] for s in t["outputs"]["states"])


def test_cli_round_trip_on_a_designer_file_with_a_channel(tmp_path):
    spec = tmp_path / "noisy_specs.py"
    spec.write_text(SPEC_SOURCE, encoding="utf-8")
    out = tmp_path / "out"
    r = run_cli("vectors", "generate", f"{spec}:NOISY", "--seed", "3", "--count", "1", "--out", str(out))
    assert r.code == 0, r.err
    path = out / "teleportation-noisy.json"
    load(path)
    r = run_cli("vectors", "check", str(path), "--impl", "qproto.vectors.reference:adapter", "--json")
    assert r.code == 0, r.out
    assert r.json()["summary"]["pass"] == 20
    r = run_cli("vectors", "check", str(path), "--impl", "tests.test_vectors_channels:_without_channel", "--json")
    assert r.code == 1 and r.json()["summary"]["fail"] == 20
