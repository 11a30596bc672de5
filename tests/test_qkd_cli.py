"""The QKD command line: verify, analyze, simulate, plot, explain, bad input."""

from __future__ import annotations

import argparse

import numpy as np
import pytest
import sympy as sp

from qproto.analyze_qkd import analyze
from qproto.cli import main
from qproto.spec.catalogue import find

from .helpers import assert_bad_input, run_cli

QKD = ["bb84", "bb84-biased", "b92", "six-state", "sarg04", "e91", "bbm92"]


def test_verify_proves_every_qkd_property():
    r = run_cli("verify", *QKD, "--engine", "algebra", "--json")
    assert r.code == 0, r.out[-3000:] + r.err
    doc = r.json()
    assert {v["protocol"] for v in doc["verdicts"]} == set(QKD)
    assert all(v["status"] == "proved" for v in doc["verdicts"]), [
        (v["protocol"], v["property"], v["status"]) for v in doc["verdicts"] if v["status"] != "proved"
    ]
    by = {(v["protocol"], v["property"]): v for v in doc["verdicts"]}
    ev = by[("e91", "chsh-measure-resend-local")]["evidence"]
    assert ev["vertex_lemma_max"] == 2 and ev["max_abs_S_projective"]["exact"] == "sqrt(2)"
    th = by[("bb84", "threshold-where-rate-vanishes")]["evidence"]["thresholds"][0]
    assert th["formula"] == "shor-preskill" and abs(th["threshold"] - 0.1100278644) < 1e-9


def test_flawed_variant_is_refuted_with_a_replayed_counterexample():
    r = run_cli("verify", "bb84-swapped-x-labels", "--property", "sifted-bits-agree", "--json")
    assert r.code == 1
    (v,) = r.json()["verdicts"]
    assert v["status"] == "refuted"
    cx = v["evidence"]["counterexample"]
    assert cx["setting"] == "X" and cx["alice_bit"] != cx["bob_bit"]
    assert v["evidence"]["replay"]["numeric_probability"] == pytest.approx(float(sp.Rational(cx["probability"]["exact"])))


def run(capsys, *argv):
    """The CLI in-process (cheaper than a subprocess): (exit code, stdout, stderr)."""
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _args(**kw):
    return argparse.Namespace(**({"attack": None, "noise": None, "rounds": None} | kw))


EXPECTED_IR_FULL = {
    "bb84": "1/4",
    "bb84-biased": "1/4",
    "b92": "1/3",
    "six-state": "1/3",
    "sarg04": "1/3",
    "e91": "1/4",
    "bbm92": "1/4",
}


@pytest.mark.parametrize("name", QKD)
def test_analyze_gives_exact_values_under_attack_and_noise(name):
    spec = find(name)
    doc = analyze(spec, _args(attack="intercept-resend:fraction=1"))
    assert doc["qber"]["exact"] == EXPECTED_IR_FULL[name]
    assert doc["qber"]["value"] == pytest.approx(float(sp.Rational(EXPECTED_IR_FULL[name])))
    noisy = analyze(spec, _args(noise="depolarizing=0.1", rounds=1000))
    want = {"b92": "1/11", "sarg04": "1/11"}.get(name, "1/20")
    assert noisy["qber"]["exact"] == want
    assert 0 <= noisy["estimation"]["abort_probability"]["value"] <= 1
    for r in noisy["key_rates"]:
        assert r["threshold"]["certified"]
    if name == "e91":
        assert noisy["chsh"]["exact"] == "-9*sqrt(2)/5"
        assert doc["bell_test_passes"] is False  # full intercept-resend: |S| = √2/… ≤ 2


def test_analyze_cli_json_shape():
    r = run_cli("analyze", "bb84", "--attack", "intercept-resend:fraction=0.5", "--noise", "depolarizing=0.05", "--json")
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["qber"] == {"exact": "23/160", "value": 0.14375}
    assert doc["sift_probability"] == {"exact": "1/2", "value": 0.5}
    assert doc["eve_information"] == {"exact": "1/4", "value": 0.25}
    assert doc["formulas"]["qber(fraction)"] == "fraction/4"
    assert doc["key_rates"][0]["published_threshold"]["value"] == "0.110"


def test_analyze_gives_holevo_for_an_attack_with_a_quantum_ancilla():
    import math

    h = lambda x: -x * math.log2(x) - (1 - x) * math.log2(1 - x)  # noqa: E731
    d = 0.1
    doc = analyze(find("bb84"), _args(attack=f"fuchs-peres:disturbance={d}"))
    # Fuchs et al. 1997: I(A:E) = 1 − h(1/2 + √(D(1−D))); the phase-covariant probe's χ(A:E) = h(D)
    assert doc["eve_information"]["value"] == pytest.approx(1 - h(0.5 + math.sqrt(d * (1 - d))), abs=1e-9)
    assert doc["eve_holevo_information"]["value"] == pytest.approx(h(d), abs=1e-9)
    assert "Holevo" in doc["eve_holevo_information"]["measure"] and "Helstrom" in doc["eve_information_measure"]
    assert doc["devetak_winter_rate"]["value"] == pytest.approx(1 - 2 * h(d), abs=1e-9)
    assert "eve_information_note" not in doc
    # a classical record: I(A:E) stays exact and χ equals it
    ir = analyze(find("bb84"), _args(attack="intercept-resend:fraction=1"))
    assert ir["eve_information"]["exact"] == "1/2" and ir["eve_holevo_information"]["value"] == pytest.approx(0.5)


def test_analyze_per_basis_estimation():
    doc = analyze(find("bb84-biased"), _args(attack="intercept-resend:fraction=1,px=0,py=0", rounds=10_000))
    est = doc["estimation"]
    assert est["rule"] == "per-basis" and est["accepted_asymptotically"] is False
    assert est["qber_per_basis"] == {"Z": {"exact": "0", "value": 0.0}, "X": {"exact": "1/2", "value": 0.5}}
    assert est["key_basis"] == "Z" and est["e_phase"]["value"] == 0.5
    assert est["abort_probability"]["low"] <= est["abort_probability"]["high"] and est["abort_probability"]["low"] > 0.99
    sp_rate = doc["key_rates"][0]
    assert sp_rate["formula"] == "shor-preskill" and "e_phase" in sp_rate["rate"] and "Ardehali" in sp_rate["reference"]
    assert sp_rate["key_rate"]["value"] == 0.0
    pooled = analyze(find("bb84"), _args(noise="depolarizing=0.1"))
    assert pooled["estimation"]["rule"] == "pooled" and "qber_per_basis" not in pooled["estimation"]


def test_simulate_cli_json_and_transcript(tmp_path, capsys):
    out = tmp_path / "t.npz"
    r = run_cli(
        "simulate",
        "bb84",
        "--rounds",
        "100000",
        "--seed",
        "3",
        "--attack",
        "intercept-resend:fraction=1",
        "--json",
        "--transcript",
        str(out),
    )
    assert r.code == 0, r.err
    doc = r.json()
    s = doc["summary"]
    assert s["engine"] == "bitpacked" and s["rounds"] == 100000 and s["decision"] == "abort"
    assert abs(s["qber"] - 0.25) < 0.01
    assert doc["expected"]["qber"] == {"exact": "1/4", "value": 0.25}
    assert doc["expected"]["abort_probability"] == pytest.approx(1.0)
    data = np.load(out)
    assert len(data["alice_bit"]) == 100000 and int(data["sifted"].sum()) == s["sifted"]
    import json

    code, out, _ = run(
        capsys, "simulate", "bb84", "--rounds", "100000", "--seed", "3", "--attack", "intercept-resend:fraction=1", "--json"
    )
    assert code == 0 and json.loads(out)["summary"] == s


def test_simulate_unknown_attack_is_bad_input():
    assert_bad_input(
        run_cli("simulate", "bb84", "--rounds", "100", "--seed", "1", "--attack", "teleport:fraction=1"), "unknown attack"
    )


@pytest.mark.parametrize(
    "args,fragment",
    [
        (("--attack", "intercept-resend:fraction=1.3"), "fraction=1.3 must lie in [0, 1]"),
        (("--attack", "intercept-resend:fraction=-1"), "fraction=-1 must lie in [0, 1]"),
        (("--threshold", "0.5"), "threshold=0.5 must lie in [0, 0.5)"),
        (("--rounds", "0"), "rounds=0 must be > 0"),
        (("--rounds", "-4"), "rounds=-4 must be > 0"),
        (("--seed", "1.5"), "seed='1.5' must be an integer"),
        (("--noise", "depolarizing=7"), "p=7 must lie in [0, 1]"),
    ],
)
def test_simulate_bad_input(capsys, args, fragment):
    base = {"--rounds": "100", "--seed": "1"}
    argv = ["simulate", "bb84"]
    given = dict(zip(args[::2], args[1::2]))
    for k, v in base.items():
        if k not in given:
            argv += [k, v]
    code, _, err = run(capsys, *argv, *args)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and fragment in lines[0] and "Traceback" not in err


def test_analyze_bad_noise_is_one_line(capsys):
    assert main(["analyze", "bb84", "--noise", "depolarizing=1.5"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "p=1.5 must lie in [0, 1]" in err[0]


@pytest.mark.parametrize("kind,ext", [("qber-vs-interception", "png"), ("keyrate-vs-qber", "svg"), ("chsh-vs-noise", "png")])
def test_plots_are_written(tmp_path, kind, ext, capsys):
    out = tmp_path / f"{kind}.{ext}"
    assert main(["plot", kind, "--out", str(out)]) == 0
    assert out.stat().st_size > 1000
    head = out.read_bytes()[:8]
    assert head.startswith(b"\x89PNG") if ext == "png" else b"<svg" in out.read_bytes()[:2000]


def test_explain_shows_the_derived_sifting(capsys):
    assert main(["explain", "b92", "--json"]) == 0
    import json

    doc = json.loads(capsys.readouterr().out)
    sift = next(s for s in doc["steps"] if s["action"] == "sift")
    assert sift["sift_probability"] == "1/4" and "Bob Z reads 1 → bit 1" in sift["kept"]


def test_designer_variant_file_gets_every_analysis(tmp_path, capsys):
    f = tmp_path / "my_qkd.py"
    f.write_text(
        "from qproto.spec.bb84 import BB84\n"
        "from qproto.spec.qkd import basis_measurement\n"
        "MY = BB84.variant('bb84-z-heavy', basis_probabilities={'Z': '3/4', 'X': '1/4'},\n"
        "                  measurements=(basis_measurement('Z', '3/4'), basis_measurement('X', '1/4')),\n"
        "                  published=BB84.published[:3], estimation='per-basis')\n"
    )
    import json

    code, out, err = run(capsys, "analyze", str(f), "--attack", "intercept-resend:fraction=1", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["protocol"] == "bb84-z-heavy" and doc["sift_probability"]["exact"] == "5/8" and doc["qber"]["exact"] == "1/4"
    # the algebra engine: the adversary engine rightly refutes soundness-abort for this small-sample design
    # (about 100 X-basis sample bits; issue 10, item 17)
    code, out, _ = run(capsys, "verify", str(f), "--engine", "algebra", "--json")
    assert code == 0, out[-2000:]
    code, out, _ = run(capsys, "simulate", str(f), "--rounds", "1000", "--seed", "1", "--json")
    assert code == 0 and json.loads(out)["summary"]["engine"] == "bitpacked"
    # the same design with a pooled estimate: Eve hides in the likely basis, and the engine says so
    pooled = tmp_path / "my_pooled.py"
    pooled.write_text(f.read_text().replace("estimation='per-basis'", "estimation='pooled'"))
    code, out, _ = run(capsys, "verify", str(pooled), "--property", "soundness-key-rate", "--json")
    assert code == 1
    (v,) = json.loads(out)["verdicts"]
    assert v["status"] == "refuted" and v["evidence"]["counterexample"]["attack"] == "intercept-resend:fraction=1,px=0,py=0"


def test_spec_with_threshold_at_one_half_is_bad_input(tmp_path):
    f = tmp_path / "bad_qkd.py"
    f.write_text("from qproto.spec.bb84 import BB84\nBAD = BB84.variant('bb84-lax', abort_threshold='1/2')\n")
    assert_bad_input(run_cli("verify", str(f)), "abort_threshold=1/2 must lie in [0, 0.5)")


def test_simulate_expects_the_per_basis_abort_of_a_per_basis_spec():
    """bb84-biased estimates per basis: Eve measuring only in Z leaves the
    pooled QBER at 1/164 but the X basis at 1/2, so the run aborts and the
    exact expectation says so too."""
    r = run_cli(
        "simulate", "bb84-biased", "--rounds", "100000", "--seed", "1", "--attack", "intercept-resend:fraction=1,px=0", "--json"
    )
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["summary"]["decision"] == "abort"
    assert doc["expected"]["abort_probability"] > 0.999
