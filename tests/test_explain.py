"""``qproto explain`` reads like a textbook (issue 14, item 6): steps told
from their fields when they carry no text, states in Dirac notation with
Greek letters and √, Eve's information as a short exact formula and its
value at the spec's operating point."""

from __future__ import annotations

import dataclasses

import sympy as sp

from qproto.explain import describe_step, dirac_text, explain, math_text
from qproto.spec.bb84 import BB84
from qproto.spec.teleportation import TELEPORTATION

from .helpers import run_cli


def test_steps_without_text_are_told_from_the_step():
    bare = TELEPORTATION.variant("teleportation-bare", steps=tuple(dataclasses.replace(s, text="") for s in TELEPORTATION.steps))
    texts = [st["text"] for st in explain(bare)["steps"]]
    assert "Alice applies H to q" in texts
    assert "Alice applies CNOT(q → a)" in texts
    assert "Alice measures q in Z → m1" in texts
    assert "if m1: Bob applies Z to b" in texts
    assert "Alice sends m1, m2 to Bob" in texts
    assert not any(t.endswith((": gate", ": measure", ": correct")) for t in texts)


def test_a_generic_step_gets_a_verb():
    from qproto.spec.protocol import Step

    assert describe_step(Step(party="Bob", action="sift")) == "Bob sifts"
    assert describe_step(Step(party="Alice", action="estimate")) == "Alice estimates"


def test_states_in_dirac_notation():
    r2 = sp.sqrt(2) / 2
    assert dirac_text([r2, 0, 0, r2], ["00", "01", "10", "11"]) == "|00⟩/√2 + |11⟩/√2"
    assert dirac_text([r2, -sp.I * r2], ["0", "1"]) == "|0⟩/√2 − i|1⟩/√2"
    assert dirac_text([sp.Rational(1, 2), sp.sqrt(3) / 2], ["0", "1"]) == "|0⟩/2 + √3/2|1⟩"
    alpha, beta = sp.symbols("alpha beta")
    assert dirac_text([alpha * r2, 0, 0, -beta * r2], ["00", "01", "10", "11"]) == "α|00⟩/√2 − β|11⟩/√2"


def test_teleportation_explained_without_sympy_syntax():
    r = run_cli("explain", "teleportation")
    assert r.code == 0, r.err
    # after the Bell pair is prepared: (α|0⟩ + β|1⟩) ⊗ (|00⟩ + |11⟩)/√2, worked out by hand
    assert "|qab⟩ = α|000⟩/√2 + α|011⟩/√2 + β|100⟩/√2 + β|111⟩/√2" in r.out
    steps = r.out.split("\nproperties")[0]
    assert "sqrt(" not in steps and "alpha" not in steps and "*" not in steps


def test_eve_information_at_the_operating_point_bb84():
    # intercept-resend of a fraction f: QBER = f/4 and Eve knows the sifted bit
    # when she guessed the basis (probability 1/2): I(A:E) = f/2.  At the abort
    # threshold Q = 11/100: f* = 11/25, I = 11/50.
    doc = explain(BB84)
    decide = next(s for s in doc["steps"] if s["action"] == "decide")
    assert "f* = 11/25 (QBER = 11/100, the abort threshold)" in decide["eve_information"]
    assert "I(A:E) = 11/50 ≈ 0.22 bits" in decide["eve_information"]


def test_eve_information_follows_a_designers_threshold():
    mine = BB84.variant("bb84-strict", abort_threshold="1/20")
    decide = next(s for s in explain(mine)["steps"] if s["action"] == "decide")
    assert "f* = 1/5" in decide["eve_information"] and "I(A:E) = 1/10" in decide["eve_information"]


def test_log_formula_is_short_and_readable():
    # I = 44/61 − (33/122)·log₂3, written the way a paper would
    expr = sp.Rational(44, 61) - 33 * sp.log(3) / (122 * sp.log(2))
    assert math_text(expr) == "44/61 − 33·log₂(3)/122"
    assert math_text(2 * sp.sqrt(2) * (1 - 2 * sp.Symbol("Q"))) == "2·√2·(1 − 2·Q)"
    assert math_text(sp.pi / 4) == "π/4"
