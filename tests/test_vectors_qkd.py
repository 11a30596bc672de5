"""QKD vectors: edge cases on purpose, the reference and the standalone
example pass, and a deliberately wrong implementation (one that forgets to
sift) is caught with the first differing field named."""

from __future__ import annotations

from fractions import Fraction

import pytest

import qproto
from qproto.vectors import check, dumps, generate, validate
from qproto.vectors.reference import adapter as reference

from .helpers import cli
from .vector_impls import forgets_to_sift



@pytest.fixture(scope="module")
def bb84():
    return generate(qproto.find("bb84"), seed=11, count=3)


def _tests(doc):
    return [t for g in doc["testGroups"] for t in g["tests"]]


def _flagged(doc, flag):
    return [t for t in _tests(doc) if flag in t["flags"]]


def test_bb84_vectors_validate_and_repeat_byte_for_byte(bb84):
    validate(bb84)
    assert dumps(generate(qproto.find("bb84"), seed=11, count=3)) == dumps(bb84)


def test_edge_cases_are_present_and_mean_what_their_flags_say(bb84):
    (mismatch,) = _flagged(bb84, "AllBasesMismatched")
    i = mismatch["inputs"]
    assert all(a != b for a, b in zip(i["aliceBases"], i["bobSettings"]))
    assert "EmptySiftedKey" in mismatch["flags"] and mismatch["result"] == "invalid"
    assert mismatch["outputs"]["siftedKeyAlice"] == "" and mismatch["outputs"]["qber"] is None

    (at,) = _flagged(bb84, "QberAtThreshold")
    (above,) = _flagged(bb84, "QberAboveThreshold")
    threshold = Fraction(bb84["testGroups"][0]["parameters"]["abortThreshold"]["exact"])
    assert Fraction(at["outputs"]["qber"]["exact"]) == threshold and at["result"] == "valid"
    assert at["outputs"]["finalKeyLength"] > 0 and at["outputs"]["keyAlice"] == at["outputs"]["keyBob"]
    assert Fraction(above["outputs"]["qber"]["exact"]) > threshold and above["result"] == "invalid"

    for t in _flagged(bb84, "HonestRun"):
        assert t["outputs"]["siftedKeyAlice"] == t["outputs"]["siftedKeyBob"]
    for t in _flagged(bb84, "InterceptResend"):
        assert "eve" in t["inputs"] and len(t["inputs"]["eve"]["draws"]) == len(t["inputs"]["signals"])


@pytest.mark.parametrize("name", ["bb84", "b92", "six-state", "sarg04", "bb84-biased"])
def test_reference_adapter_passes_every_pm_protocol(name):
    doc = generate(qproto.find(name), seed=4, count=2)
    validate(doc)
    report = check(doc, reference)
    assert report.exit_code == 0, [(o.tcId, o.field, o.message) for o in report.outcomes if o.status != "pass"][:3]
    assert {"EmptySiftedKey", "QberAtThreshold", "QberAboveThreshold"} <= set(doc["notes"])


def test_an_implementation_that_forgets_to_sift_is_caught_at_the_sift(bb84):
    report = check(bb84, forgets_to_sift)
    assert report.exit_code == 1
    bad = [o for o in report.outcomes if o.status == "fail"]
    assert bad and {o.field for o in bad} == {"outputs.sifted"}
    assert "differs" in bad[0].message


def test_abort_decision_and_threshold_rule_are_checked(bb84):
    def aborts_at_threshold(case):  # uses ≥ where the spec says "exceeds"
        ans = reference(case)
        out = ans["outputs"]
        t = Fraction(case["parameters"]["abortThreshold"]["exact"])
        if out["sampleSize"] and Fraction(out["sampleErrors"], out["sampleSize"]) >= t and not out["abort"]:
            out.update(abort=True, keyAlice="", keyBob="", finalKeyLength=0)
            ans["result"] = "invalid"
        return ans

    report = check(bb84, aborts_at_threshold)
    bad = [o for o in report.outcomes if o.status == "fail"]
    assert [o.field for o in bad] == ["outputs.abort"]
    assert "QberAtThreshold" in bad[0].flags


def test_cli_names_the_sift_as_the_first_difference(tmp_path):
    r = cli("vectors", "generate", "bb84", "--seed", "1", "--count", "1", "--out", str(tmp_path))
    assert r.code == 0, r.err
    r = cli("vectors", "check", str(tmp_path / "bb84.json"), "--impl", "tests.vector_impls:forgets_to_sift")
    assert r.code == 1 and "Traceback" not in r.err
    fails = [line for line in r.out.splitlines() if "FAIL" in line]
    assert fails and all("outputs.sifted: bit" in line for line in fails)
    assert "first failure tc" in r.out.splitlines()[-1] and "outputs.sifted" in r.out.splitlines()[-1]
