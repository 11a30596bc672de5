"""Vectors of the entanglement-QKD and transition-system families, and the
catalogue-wide promise: every protocol whose family has a generator gets
vectors that validate and that qproto's reference adapter passes."""

from __future__ import annotations

import copy
import sys
from fractions import Fraction
from pathlib import Path

import pytest

import qproto
from qproto.spec.circuit import CircuitProtocol
from qproto.vectors import check, dumps, generate, validate
from qproto.vectors.adapters import CommandAdapter
from qproto.vectors.reference import adapter as reference
from qproto.vectors.registry import NoGeneratorError, generator_for, has_generator

from .helpers import assert_bad_input, run_cli


def _tests(doc):
    return [t for g in doc["testGroups"] for t in g["tests"]]


_DOCS: dict[str, dict] = {}
COVERED = [p for p in qproto.catalogue() if has_generator(p)]
EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "vector_impl.py"
#: The families the standalone example implements (docs/examples/vector_impl.py).
EXAMPLE_FAMILIES = {"circuit", "qkd-pm", "qkd-eb", "relay", "transition", "memory", "repeater"}


def _doc(spec):
    if spec.name not in _DOCS:
        _DOCS[spec.name] = generate(spec, seed=7, count=1)
    return _DOCS[spec.name]


@pytest.mark.parametrize("spec", COVERED, ids=lambda p: p.name)
def test_every_covered_catalogue_protocol_validates_and_passes_the_reference(spec):
    doc = _doc(spec)
    validate(doc)
    assert doc["numberOfTests"] > 0
    report = check(doc, reference)
    assert report.exit_code == 0, [(o.tcId, o.field, o.message) for o in report.outcomes if o.status != "pass"][:3]


def test_standalone_example_passes_every_family_it_implements():
    """An independent implementation (plain Python, no qproto) agrees with
    every vector of its families — for repeaters it uses the published
    BBPSSW formula, so qproto's derived map is checked against it too."""
    adapter = CommandAdapter(f"{sys.executable} {EXAMPLE}", timeout=30)
    seen = set()
    try:
        for spec in COVERED:
            family = generator_for(spec).families[0]
            if family not in EXAMPLE_FAMILIES:
                continue
            seen.add(family)
            report = check(_doc(spec), adapter)
            assert report.exit_code == 0, (
                spec.name,
                [(o.tcId, o.field, o.message) for o in report.outcomes if o.status != "pass"][:3],
            )
    finally:
        adapter.close()
    assert seen == EXAMPLE_FAMILIES


def test_protocols_without_a_generator_are_named_not_skipped():
    missing = [p for p in qproto.catalogue() if not has_generator(p)]
    for p in missing:
        with pytest.raises(NoGeneratorError, match=f"no vector generator for family {p.family}"):
            generator_for(p)
    if missing:
        r = run_cli("vectors", "generate", missing[0].name, "--out", "/nonexistent-dir-for-qproto-test")
        assert_bad_input(r, f"no vector generator for family {missing[0].family}")


def test_a_subclass_with_its_own_family_name_gets_circuit_vectors():
    base = qproto.find("superdense-coding")
    assert isinstance(base, CircuitProtocol)
    mine = base.variant("my-sdc", family="my-own-family")
    doc = generate(mine, seed=1)
    assert doc["testGroups"][0]["family"] == "circuit"
    assert check(doc, reference).exit_code == 0


# -- entanglement-based QKD ------------------------------------------------------------
@pytest.fixture(scope="module")
def e91():
    return generate(qproto.find("e91"), seed=3, count=2)


def test_e91_edge_cases_and_bell_test(e91):
    tests = _tests(e91)
    (at,) = [t for t in tests if "QberAtThreshold" in t["flags"]]
    assert Fraction(at["outputs"]["qber"]["exact"]) == Fraction("71/1000") and at["result"] == "valid"
    assert abs(Fraction(at["outputs"]["chsh"]["value"]["exact"])) > 2
    (none,) = [t for t in tests if "AllBasesMismatched" in t["flags"]]
    assert none["outputs"]["siftedKeyAlice"] == "" and none["result"] == "invalid"
    for t in tests:
        if "HonestRun" in t["flags"]:
            assert t["outputs"]["siftedKeyAlice"] == t["outputs"]["siftedKeyBob"]


def test_e91_forgetting_bobs_flip_is_caught(e91):
    def no_flip(case):
        case = copy.deepcopy(case)
        for k in case["model"]["keyPairs"]:
            k["bobFlips"] = False
        ans = reference(case)
        out = ans["outputs"]
        out["siftedKeyBob"] = "".join(b for b, s in zip(out["bobOutcomes"], out["sifted"]) if s == "1")
        return ans

    report = check(e91, no_flip)
    bad = [o for o in report.outcomes if o.status == "fail"]
    assert bad and {o.field for o in bad} == {"outputs.siftedKeyBob"}


# -- transition systems ------------------------------------------------------------------
@pytest.fixture(scope="module")
def retransmission():
    return generate(qproto.find("quantum-retransmission-two-losses"), seed=3, count=2)


def test_a_lost_share_at_each_retransmission_stage(retransmission):
    lost = [
        t
        for t in _tests(retransmission)
        if "LossAtStage" in t["flags"] and t["inputs"]["steps"][-1]["transition"] == "lose_share"
    ]
    phases = {t["comment"].split("s_phase=")[1].split()[0] for t in lost}
    assert {"WAIT1", "WAIT2", "WAIT3"} <= phases
    assert all(t["result"] == "valid" for t in lost)


def test_disabled_steps_must_be_rejected(retransmission):
    bad = [t for t in _tests(retransmission) if "DisabledTransition" in t["flags"]]
    assert bad and all(t["result"] == "invalid" for t in bad)
    for t in bad:
        assert t["outputs"]["rejectedStep"] == len(t["inputs"]["steps"]) - 1

    def accepts_everything(case):  # an implementation that never checks guards
        ans = reference(case)
        if ans["result"] == "invalid":
            ans = {"result": "valid", "outputs": {**ans["outputs"], "rejectedStep": None}}
        return ans

    report = check(retransmission, accepts_everything)
    fails = [o for o in report.outcomes if o.status == "fail"]
    assert {o.field for o in fails} == {"outputs.rejectedStep"} and len(fails) == len(bad)


def test_a_receiver_that_delivers_twice_is_caught_at_the_first_differing_state(retransmission):
    def double_delivery(case):
        ans = reference(case)
        for i, st in enumerate(ans["outputs"]["states"]):
            if case["inputs"]["steps"][i]["transition"] == "recv_duplicate":
                st["r_next"] = st["r_next"] + 1  # treats a duplicate as a new packet
                return ans
        return ans

    report = check(retransmission, double_delivery)
    fails = [o for o in report.outcomes if o.status == "fail"]
    assert fails and all(o.field.startswith("outputs.states[") and o.field.endswith("].r_next") for o in fails)


def test_transition_vectors_are_byte_identical(retransmission):
    assert dumps(generate(qproto.find("quantum-retransmission-two-losses"), seed=3, count=2)) == dumps(retransmission)


def test_bare_generate_covers_the_catalogue_byte_identically(tmp_path):
    """The issue's acceptance: every catalogue protocol gets a file, the
    files validate against the shipped schema, and two runs with the same
    seed give the same bytes."""
    from qproto.vectors import load

    a, b = tmp_path / "a", tmp_path / "b"
    r = run_cli("vectors", "generate", "--out", str(a), "--count", "1", "--seed", "5", "--json")
    assert r.code == 0, r.err
    doc = r.json()
    assert run_cli("vectors", "generate", "--out", str(b), "--count", "1", "--seed", "5").code == 0
    written = {f["protocol"] for f in doc["files"]}
    covered = {p.name for p in qproto.catalogue() if has_generator(p)}
    assert written == covered, (sorted(written - covered), sorted(covered - written))
    assert {x["protocol"] for x in doc["noGenerator"]} == {p.name for p in qproto.catalogue()} - covered
    for f in sorted(a.iterdir()):
        assert f.read_bytes() == (b / f.name).read_bytes(), f.name
        load(f)


def test_flawed_variants_get_vectors_or_a_clear_no_generator():
    """Vectors describe what a spec does, flawed or not: every flawed
    variant either generates (and qproto's model answers it) or is refused
    with the one-line reason."""
    from qproto.spec.catalogue import flawed

    for spec in flawed():
        if not has_generator(spec):
            with pytest.raises(NoGeneratorError, match="no vector generator for family"):
                generator_for(spec)
            continue
        doc = generate(spec, seed=2, count=1)
        assert check(doc, reference).exit_code == 0, spec.name
