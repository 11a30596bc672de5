"""QKD vectors: edge cases on purpose, the reference and the standalone
example pass, and deliberately wrong implementations (one that forgets to
sift, one that pools the error estimate of a per-basis protocol) are caught
with the first differing field named."""

from __future__ import annotations

import hashlib
import sys
from fractions import Fraction

import pytest

import qproto
from qproto.vectors import check, dumps, generate, validate
from qproto.vectors import qkd as qkd_vectors
from qproto.vectors.reference import adapter as reference

from .helpers import run_cli
from .vector_impls import forgets_to_sift

#: sha256 of bb84's vectors (seed 11, count 3, ``source`` removed) as the
#: qkd-pm-1 generator wrote them before per-basis estimation existed: pooled
#: files must keep these bytes (the compatibility promise).
POOLED_BB84_SHA256 = "4313baed8ba81aee240b02192ab104736b4db2830c9d9e251fa852c60e1b98c2"


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


@pytest.mark.parametrize("name", ["bb84", "b92", "six-state", "sarg04", "bb84-biased", "bb84-biased-pooled-estimate"])
def test_reference_adapter_passes_every_pm_protocol(name):
    doc = generate(qproto.find(name), seed=4, count=2)
    validate(doc)
    report = check(doc, reference)
    assert report.exit_code == 0, [(o.tcId, o.field, o.message) for o in report.outcomes if o.status != "pass"][:3]
    if qproto.find(name).estimation == "per-basis":
        assert doc["generatorVersion"] == qkd_vectors.VERSION
        assert {
            "EmptySiftedKey",
            "BasisQberAtThreshold",
            "BasisQberAboveThreshold",
            "EmptyBasisSample",
            "KeyBasisAttack",
            "PooledEstimateHides",
        } <= set(doc["notes"])
    else:
        assert doc["generatorVersion"] == qkd_vectors.POOLED_VERSION
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
    r = run_cli("vectors", "generate", "bb84", "--seed", "1", "--count", "1", "--out", str(tmp_path))
    assert r.code == 0, r.err
    r = run_cli("vectors", "check", str(tmp_path / "bb84.json"), "--impl", "tests.vector_impls:forgets_to_sift")
    assert r.code == 1 and "Traceback" not in r.err
    fails = [line for line in r.out.splitlines() if "FAIL" in line]
    assert fails and all("outputs.sifted: bit" in line for line in fails)
    assert "first failure tc" in r.out.splitlines()[-1] and "outputs.sifted" in r.out.splitlines()[-1]


# -- per-basis estimation (Lo–Chau–Ardehali) ------------------------------------------


@pytest.fixture(scope="module")
def biased():
    return generate(qproto.find("bb84-biased"), seed=11, count=3)


def _rate(entry):
    return Fraction(entry["sampleErrors"], entry["sampleSize"])


def test_pooled_files_keep_their_qkd_pm_1_bytes(bb84):
    doc = {k: v for k, v in bb84.items() if k != "source"}
    assert bb84["generatorVersion"] == "qkd-pm-1"
    assert hashlib.sha256(dumps(doc).encode("utf-8")).hexdigest() == POOLED_BB84_SHA256
    assert not any(
        "estimation" in g["parameters"] or "sampleByBasis" in t["outputs"] for g in bb84["testGroups"] for t in g["tests"]
    )


def test_per_basis_groups_state_the_rule_and_every_verdict_follows_it(biased):
    validate(biased)
    assert dumps(generate(qproto.find("bb84-biased"), seed=11, count=3)) == dumps(biased)
    assert biased["generatorVersion"] == "qkd-pm-2"
    for g in biased["testGroups"]:
        p = g["parameters"]
        assert p["estimation"] == "per-basis" and p["estimationBases"] == ["Z", "X"]
        assert "any basis" in p["decisionRule"] and g["model"]["decisionRule"] == p["decisionRule"]
        t_ = Fraction(p["abortThreshold"]["exact"])
        for t in g["tests"]:
            o, by = t["outputs"], t["outputs"]["sampleByBasis"]
            assert set(by) == {"Z", "X"}
            assert sum(v["sampleSize"] for v in by.values()) == o["sampleSize"]
            assert sum(v["sampleErrors"] for v in by.values()) == o["sampleErrors"]
            aborts = any(v["sampleSize"] == 0 or _rate(v) > t_ for v in by.values())
            assert o["abort"] is aborts and t["result"] == ("invalid" if aborts else "valid")
            pooled_accepts = o["sampleSize"] > 0 and _rate(o) <= t_
            assert ("PooledEstimateHides" in t["flags"]) == (aborts and pooled_accepts)


def test_per_basis_edge_cases_mean_what_their_flags_say(biased):
    t_ = Fraction(biased["testGroups"][0]["parameters"]["abortThreshold"]["exact"])

    def split(test, flag):  # (the basis the edge case is about, the others)
        by = test["outputs"]["sampleByBasis"]
        (b,) = [x for x, v in by.items() if (v["sampleSize"] == 0 if flag == "EmptyBasisSample" else v["sampleErrors"] > 0)]
        return by[b], [v for x, v in by.items() if x != b]

    at = _flagged(biased, "BasisQberAtThreshold")
    assert len(at) == 2  # one per basis
    for t in at:
        hit, clean = split(t, "BasisQberAtThreshold")
        assert _rate(hit) == t_ and all(v["sampleErrors"] == 0 and v["sampleSize"] > 0 for v in clean)
        assert t["result"] == "valid" and t["outputs"]["finalKeyLength"] > 0
        assert t["outputs"]["keyAlice"] == t["outputs"]["keyBob"]

    above = _flagged(biased, "BasisQberAboveThreshold")
    assert len(above) == 2
    for t in above:
        hit, clean = split(t, "BasisQberAboveThreshold")
        assert hit["sampleErrors"] == t_ * hit["sampleSize"] + 1 and all(v["sampleErrors"] == 0 for v in clean)
        assert t["result"] == "invalid" and "PooledEstimateHides" in t["flags"]  # the pooled rate is within the threshold

    crafted = [
        t
        for t in _flagged(biased, "EmptyBasisSample")
        if "HonestRun" not in t["flags"] and "InterceptResend" not in t["flags"] and "noisy" not in t["comment"]
    ]
    assert len(crafted) == 2
    for t in crafted:
        hit, clean = split(t, "EmptyBasisSample")
        basis = next(b for b, v in t["outputs"]["sampleByBasis"].items() if v is hit)
        i = t["inputs"]
        sifted_in_basis = sum(a == b == basis for a, b in zip(i["aliceBases"], i["bobSettings"]))
        assert sifted_in_basis > 0 and all(v["sampleSize"] > 0 and v["sampleErrors"] == 0 for v in clean)
        assert t["result"] == "invalid" and t["outputs"]["keyAlice"] == ""

    (attack,) = _flagged(biased, "KeyBasisAttack")
    by = attack["outputs"]["sampleByBasis"]
    assert set(attack["inputs"]["eve"]["bases"]) == {"Z"} and set(attack["inputs"]["eve"]["intercept"]) == {"1"}
    assert by["Z"]["sampleErrors"] == 0 and _rate(by["X"]) > t_ and _rate(attack["outputs"]) <= t_
    assert attack["result"] == "invalid" and "PooledEstimateHides" in attack["flags"]


def _pooled_case(case):
    """The case as a pooled-estimation implementation reads it."""
    drop = ("estimation", "estimationBases", "decisionRule")
    return {**case, "parameters": {k: v for k, v in case["parameters"].items() if k not in drop}}


def pools_the_estimate(case):
    """The insecure rule for a biased basis choice: counts the sample per
    basis (and reports it) but decides on the pooled error rate."""
    ans = reference(_pooled_case(case))
    if case["parameters"].get("estimation") == "per-basis":
        ans["outputs"]["sampleByBasis"] = reference(case)["outputs"]["sampleByBasis"]
    return ans


def test_an_implementation_that_pools_the_estimate_is_caught_at_the_abort(biased):
    report = check(biased, pools_the_estimate)
    assert report.exit_code == 1
    bad = [o for o in report.outcomes if o.status == "fail"]
    assert {o.field for o in bad} == {"outputs.abort"}
    assert all(o.message == "expected True, got False" for o in bad)
    # it fails exactly where the flag says, the key-basis attack included
    assert {o.tcId for o in bad} == {t["tcId"] for t in _flagged(biased, "PooledEstimateHides")}
    assert any("KeyBasisAttack" in o.flags for o in bad)
    # and it passes every pooled vector: the difference is the estimation rule alone
    assert check(generate(qproto.find("bb84"), seed=11, count=1), pools_the_estimate).exit_code == 0


def test_an_implementation_unaware_of_estimation_is_caught_at_sample_by_basis(biased):
    report = check(biased, lambda case: reference(_pooled_case(case)))
    bad = [o for o in report.outcomes if o.status == "fail"]
    assert len(bad) == len(report.outcomes)
    assert {(o.field, o.message) for o in bad} == {("outputs.sampleByBasis", "missing from the answer")}


def test_a_designers_per_basis_variant_gets_per_basis_vectors():
    six = qproto.find("six-state").variant("six-state-per-basis", estimation="per-basis")
    doc = generate(six, seed=3, count=1)
    validate(doc)
    assert doc["generatorVersion"] == "qkd-pm-2" and len(_flagged(doc, "BasisQberAtThreshold")) == 3
    assert check(doc, reference).exit_code == 0
    (attack,) = _flagged(doc, "KeyBasisAttack")
    assert set(attack["outputs"]["sampleByBasis"]) == {"Z", "X", "Y"} and attack["result"] == "invalid"


def test_cli_checks_per_basis_vectors_with_the_standalone_example(tmp_path):
    r = run_cli("vectors", "generate", "bb84-biased", "--seed", "1", "--count", "1", "--out", str(tmp_path))
    assert r.code == 0, r.err
    r = run_cli("vectors", "check", str(tmp_path / "bb84-biased.json"), "--cmd", f"{sys.executable} docs/examples/vector_impl.py")
    assert r.code == 0, r.out[-500:] + r.err
    assert "0 failed, 0 errors" in r.out.splitlines()[-1]
