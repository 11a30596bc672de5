"""Reference test vectors: format, determinism, the checker and its
robustness, on the circuit family (the QKD and transition families have
their own test files)."""

from __future__ import annotations

import copy
import json
import re
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import qproto
from qproto.vectors import check, dumps, generate, load, validate
from qproto.vectors.adapters import InProcessAdapter
from qproto.vectors.compare import first_difference
from qproto.vectors.randomness import below, bits, make_rng, sample_indices
from qproto.vectors.reference import adapter as reference

from .helpers import assert_bad_input, run_cli

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "vector_impl.py"


@pytest.fixture(scope="module")
def tele():
    return generate(qproto.find("teleportation"), seed=5, count=2)


@pytest.fixture(scope="module")
def sdc():
    return generate(qproto.find("superdense-coding"), seed=5)


# -- format and determinism --------------------------------------------------------
def test_documents_validate_and_count_their_tests(tele, sdc):
    for doc in (tele, sdc):
        validate(doc)
        assert doc["numberOfTests"] == sum(len(g["tests"]) for g in doc["testGroups"])
        assert [t["tcId"] for g in doc["testGroups"] for t in g["tests"]] == list(range(1, doc["numberOfTests"] + 1))
        assert dumps(doc).endswith("}\n") and "\n\n" not in dumps(doc)


def test_same_seed_same_bytes_other_seed_other_bytes(tele):
    again = generate(qproto.find("teleportation"), seed=5, count=2)
    assert dumps(again) == dumps(tele)
    other = generate(qproto.find("teleportation"), seed=6, count=2)
    assert dumps(other) != dumps(tele)


def test_random_stream_is_pinned():
    """The stream comes from PCG64's raw words, fixed by its definition: if
    this changes, every vector file changes — bump the generator version."""
    assert bits(make_rng(0, "pin"), 16) == bits(make_rng(0, "pin"), 16)
    assert bits(make_rng(0, "pin"), 16) == [0, 0, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1]
    assert below(make_rng(3, "pin"), 1000) == 986
    assert sample_indices(make_rng(1, "pin"), 10, 3) == [2, 3, 9]


def test_every_teleportation_outcome_is_covered_and_flagged(tele):
    tests = tele["testGroups"][0]["tests"]
    by_input: dict[str, set] = {}
    for t in tests:
        assert "EveryOutcome" in t["flags"]
        key = json.dumps(t["inputs"]["input"], sort_keys=True)
        by_input.setdefault(key, set()).add((t["inputs"]["outcomes"]["m1"], t["inputs"]["outcomes"]["m2"]))
    assert all(v == {(0, 0), (0, 1), (1, 0), (1, 1)} for v in by_input.values())
    assert len(by_input) == 4 + 2  # four edge inputs and count=2 random ones
    for t in tests:
        assert t["outputs"]["probability"] == {"exact": "1/4", "value": 0.25}
        assert len(t["outputs"]["states"]) == len(qproto.find("teleportation").steps)


def test_global_phase_cases_flagged_only_when_the_phase_is_not_one():
    zf = generate(qproto.find("teleportation-z-first"), seed=5, count=0)
    flagged = {
        (t["inputs"]["outcomes"]["m1"], t["inputs"]["outcomes"]["m2"])
        for g in zf["testGroups"]
        for t in g["tests"]
        if "GlobalPhase" in t["flags"]
    }
    assert flagged == {(1, 1)}  # Z then X on outcome (1,1) gives −(α|0⟩ + β|1⟩)


def test_superdense_impossible_outcomes_are_invalid(sdc):
    tests = sdc["testGroups"][0]["tests"]
    valid = [t for t in tests if t["result"] == "valid"]
    assert len(tests) == 16 and len(valid) == 4
    for t in valid:
        assert [t["inputs"]["bits"][k] for k in ("x1", "x2")] == [t["outputs"]["records"][k] for k in ("y1", "y2")]
    assert all("ImpossibleOutcome" in t["flags"] for t in tests if t["result"] == "invalid")


# -- checking ----------------------------------------------------------------------
def test_reference_adapter_passes(tele, sdc):
    for doc in (tele, sdc):
        report = check(doc, reference)
        assert report.counts == {"pass": doc["numberOfTests"], "fail": 0, "error": 0}
        assert report.exit_code == 0


def _rotate_phase(answer, phase):
    for s in answer["outputs"].get("states", []):
        s["ket"] = [[(complex(*a) * phase).real, (complex(*a) * phase).imag] for a in s["ket"]]
    return answer


def test_states_compare_up_to_global_phase_not_as_raw_vectors(tele):
    phased = lambda case: _rotate_phase(reference(case), np.exp(0.7j))  # noqa: E731
    assert check(tele, phased).exit_code == 0


def test_wrong_correction_is_caught_with_the_first_differing_state(tele):
    def no_z_correction(case):
        case = copy.deepcopy(case)
        case["model"]["steps"] = case["model"]["steps"][:-1]  # Bob forgets Z^m1
        ans = reference(case)
        ans["outputs"]["states"].append(ans["outputs"]["states"][-1])
        return ans

    report = check(tele, no_z_correction)
    fails = [o for o in report.outcomes if o.status == "fail"]
    assert report.exit_code == 1
    # only outcomes with m1 = 1 need the Z correction; the last state differs
    assert {o.field for o in fails} == {"outputs.states[9]"}
    assert "different physical state" in fails[0].message
    # Z^m1 matters only when m1 = 1, and not on |0⟩ or |1⟩ (Z changes them by a global phase at most)
    assert all("m1=1" in o.comment and "BasisInput" not in o.flags for o in fails)
    assert len(fails) == 2 * (2 + 2)  # (m1=1, m2=0|1) × (|+⟩, |−i⟩ and the two random inputs)


def test_wrong_probability_and_invented_branch_are_caught(sdc):
    def invents_states(case):
        ans = reference(case)
        if ans["result"] == "invalid":  # claims the impossible outcome happened
            return {"result": "valid", "outputs": {**ans["outputs"], "probability": 0.25}}
        return ans

    report = check(sdc, invents_states)
    bad = [o for o in report.outcomes if o.status != "pass"]
    assert len(bad) == 12 and {o.field for o in bad} == {"outputs.probability"}


def test_result_is_compared_after_the_outputs(sdc):
    report = check(sdc, lambda case: {**reference(case), "result": "valid"})
    bad = [o for o in report.outcomes if o.status != "pass"]
    assert len(bad) == 12 and {o.field for o in bad} == {"result"}


def test_crash_timeout_and_garbage_from_a_python_impl_are_per_test(sdc):
    calls = {"n": 0}

    def flaky(case):
        calls["n"] += 1
        if case["tcId"] == 1:
            raise RuntimeError("boom")
        if case["tcId"] == 2:
            import time

            time.sleep(5)
        if case["tcId"] == 3:
            return {"result": object()}
        return reference(case)

    adapter = InProcessAdapter.__new__(InProcessAdapter)
    adapter.name, adapter.timeout, adapter.fn = "flaky", 0.3, flaky
    report = check(sdc, adapter)
    kinds = {o.tcId: (o.status, o.kind) for o in report.outcomes}
    assert kinds[1] == ("error", "crash") and kinds[2] == ("error", "timeout") and kinds[3] == ("error", "garbage")
    assert all(o.status == "pass" for o in report.outcomes[3:])


@given(st.lists(st.tuples(st.floats(-1, 1), st.floats(-1, 1)), min_size=4, max_size=4), st.floats(0, 6.3))
def test_comparator_accepts_any_global_phase_and_rejects_other_states(amps, phase):
    v = np.array([complex(a, b) for a, b in amps])
    if np.linalg.norm(v) < 1e-3:
        return
    v = v / np.linalg.norm(v)
    expected = {"registers": ["a", "b"], "dims": [2, 2], "ket": [{"exact": "x", "value": [z.real, z.imag]} for z in v]}
    rotated = [[z.real, z.imag] for z in v * np.exp(1j * phase)]
    assert first_difference(expected, {"ket": rotated}, 1e-9) is None
    w = v.copy()
    w[0], w[3] = v[3], -v[0]  # a different ray unless the two amplitudes agree
    if np.linalg.norm(np.abs(w) - np.abs(v)) + abs(abs(np.vdot(v, w)) - 1) > 1e-6:
        assert first_difference(expected, {"ket": [[z.real, z.imag] for z in w]}, 1e-9) is not None


def test_register_order_of_the_answer_is_respected():
    expected = {"registers": ["a", "b"], "dims": [2, 2], "ket": [0.0, 1.0, 0.0, 0.0]}  # |01⟩
    assert first_difference(expected, {"registers": ["b", "a"], "ket": [0, 0, 1, 0]}, 1e-9) is None  # |10⟩ in (b, a)
    assert first_difference(expected, {"registers": ["b", "a"], "ket": [0, 1, 0, 0]}, 1e-9) is not None


# -- the command line --------------------------------------------------------------
def test_cli_generate_writes_what_the_api_generates_and_checks_clean(tmp_path):
    r = run_cli(
        "vectors", "generate", "superdense-coding", "teleportation-z-first", "--seed", "9", "--count", "1", "--out", str(tmp_path)
    )
    assert r.code == 0, r.err
    for name in ("superdense-coding", "teleportation-z-first"):
        assert (tmp_path / f"{name}.json").read_text(encoding="utf-8") == dumps(generate(qproto.find(name), seed=9, count=1))
        load(tmp_path / f"{name}.json")
    r = run_cli(
        "vectors", "check", str(tmp_path / "superdense-coding.json"), "--impl", "qproto.vectors.reference:adapter", "--json"
    )
    assert r.code == 0, r.out
    assert r.json()["summary"]["pass"] == 16


def test_standalone_example_implementation_passes_through_the_cli(tmp_path):
    path = tmp_path / "teleportation.json"
    path.write_text(dumps(generate(qproto.find("teleportation"), seed=2, count=2)), encoding="utf-8")
    r = run_cli(
        "vectors", "check", str(path), "--cmd", f"{sys.executable} {EXAMPLE}", "--json", "--report", str(tmp_path / "rep.json")
    )
    assert r.code == 0, r.out[-2000:]
    assert json.loads((tmp_path / "rep.json").read_text())["summary"] == {**r.json()["summary"]}
    assert r.json()["summary"]["pass"] == 24
    assert not re.search(r"^\s*(import|from)\s+qproto", EXAMPLE.read_text(), re.M)


@pytest.fixture(scope="module")
def sdc_file(tmp_path_factory):
    d = tmp_path_factory.mktemp("v")
    path = d / "superdense-coding.json"
    path.write_text(dumps(generate(qproto.find("superdense-coding"), seed=1)))
    return path


def _script(tmp_path, body):
    p = tmp_path / "impl.py"
    p.write_text(textwrap.dedent(body))
    return f"{sys.executable} {p}"


def test_misbehaving_program_is_reported_per_test_never_a_traceback(tmp_path, sdc_file):
    prog = _script(
        tmp_path,
        """
        import json, sys, time
        for line in sys.stdin:
            case = json.loads(line)
            n = case["tcId"]
            if n == 1:
                print("this is not json", flush=True)
            elif n == 2:
                time.sleep(30)
            elif n == 3:
                print("dying", file=sys.stderr); sys.exit(3)
            else:
                print(json.dumps({"tcId": n, "result": "valid", "outputs": {}}), flush=True)
    """,
    )
    r = run_cli("vectors", "check", str(sdc_file), "--cmd", prog, "--timeout", "4", "--json")
    assert r.code == 1 and "Traceback" not in r.err
    tests = {t["tcId"]: t for t in r.json()["tests"]}
    assert tests[1]["kind"] == "garbage" and "not JSON" in tests[1]["message"]
    assert tests[2]["kind"] == "timeout"
    assert tests[3]["kind"] == "crash" and "exit code 3" in tests[3]["message"] and "dying" in tests[3]["message"]
    assert tests[4]["status"] == "fail" and tests[4]["field"].startswith("outputs.")


def test_text_report_names_the_first_differing_field(sdc_file):
    r = run_cli("vectors", "check", str(sdc_file), "--impl", "tests.vector_impls:forgets_hadamard")
    assert r.code == 1
    assert "FAIL" in r.out and "outputs." in r.out and "first failure tc" in r.out.splitlines()[-1]


@pytest.mark.parametrize(
    "mutate, fragments",
    [
        (lambda text: text[:200], ["malformed JSON at line"]),
        (lambda text: text.replace('"tcId": 3\n', '"tcId": "three"\n', 1), ["does not match the vector schema", "tcId"]),
        (lambda text: text.replace('"numberOfTests": 16', '"numberOfTests": 17'), ["numberOfTests=17"]),
        (lambda text: text.replace('"tcId": 3\n', '"tcId": 2\n', 1), ["tcId 2 appears twice"]),
    ],
)
def test_unusable_vector_files_exit_2(tmp_path, sdc_file, mutate, fragments):
    bad = tmp_path / "bad.json"
    bad.write_text(mutate(sdc_file.read_text()))
    assert_bad_input(run_cli("vectors", "check", str(bad), "--impl", "qproto.vectors.reference:adapter"), *fragments)


@pytest.mark.parametrize(
    "args, fragments",
    [
        (("--impl", "no_such_module_xyz:fn"), ["unknown implementation", "no_such_module_xyz"]),
        (("--impl", "qproto.vectors.reference:nope"), ["has no attribute 'nope'"]),
        (("--impl", "justamodule"), ["must be MODULE:FUNCTION"]),
        (("--cmd", "/no/such/program --flag"), ["unknown implementation", "/no/such/program"]),
        (("--impl", "a:b", "--timeout", "0"), ["timeout=0 must be > 0"]),
    ],
)
def test_unknown_implementations_exit_2(sdc_file, args, fragments):
    assert_bad_input(run_cli("vectors", "check", str(sdc_file), *args), *fragments)


def test_missing_file_and_family_without_generator_exit_2(tmp_path):
    assert_bad_input(run_cli("vectors", "check", str(tmp_path / "nope.json"), "--impl", "a:b"), "no such vector file")
    spec = tmp_path / "mystery.py"
    spec.write_text("from qproto.spec.protocol import Protocol\nMYSTERY = Protocol(name='mystery', family='mystery-family')\n")
    out = tmp_path / "out"
    r = run_cli("vectors", "generate", "superdense-coding", str(spec), "--out", str(out))
    assert_bad_input(r, "no vector generator for family mystery-family")
    assert not out.exists() or not any(out.iterdir())  # nothing written, not even the good protocol


def test_designer_variant_gets_vectors_without_new_code(tmp_path):
    spec = tmp_path / "variant.py"
    spec.write_text(
        textwrap.dedent("""
        from qproto.spec.circuit import ApplyGate
        from qproto.spec.teleportation import TELEPORTATION
        # Bob undoes a Hadamard he applied: a longer but equivalent correction
        MY_TELEPORT = TELEPORTATION.variant("my-teleport", steps=TELEPORTATION.steps + (
            ApplyGate(party="Bob", gate="H", targets=("b",)), ApplyGate(party="Bob", gate="H", targets=("b",))))
    """)
    )
    r = run_cli("vectors", "generate", str(spec), "--count", "1", "--out", str(tmp_path / "v"))
    assert r.code == 0, r.err
    r = run_cli("vectors", "check", str(tmp_path / "v" / "my-teleport.json"), "--cmd", f"{sys.executable} {EXAMPLE}")
    assert r.code == 0, r.out[-1500:]
