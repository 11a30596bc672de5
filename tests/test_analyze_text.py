"""``qproto analyze`` writes formulas for a person (``4/3 − log₂(3)/2``)
while ``--json`` keeps the SymPy-parsable strings a program reads."""

from __future__ import annotations

import math

import sympy as sp

from .helpers import run_cli


def test_qkd_human_output_writes_eve_information_as_math_and_json_stays_parsable():
    r = run_cli("analyze", "b92", "--attack", "intercept-resend:fraction=1")
    assert r.code == 0, r.err
    assert "4/3 − log₂(3)/2" in r.out
    assert "log(3)/(2*log(2))" not in r.out and "**" not in r.out
    doc = run_cli("analyze", "b92", "--attack", "intercept-resend:fraction=1", "--json").json()
    exact = sp.sympify(doc["eve_information"]["exact"])  # still a SymPy string, not the pretty form
    assert math.isclose(float(exact), 4 / 3 - math.log2(3) / 2, abs_tol=1e-12)
    assert doc["formulas"]["qber(fraction)"] == "fraction/(fraction + 2)"


def test_qkd_published_decimal_keeps_its_digits():
    r = run_cli("analyze", "bb84", "--attack", "intercept-resend:fraction=0.5")
    assert r.code == 0, r.err
    assert "published 0.110" in r.out and "0.110000000" not in r.out
    assert "published 1/2 − √2/4" in r.out  # (2 − √2)/4, the individual-attack threshold


def test_memory_formulas_are_written_out_and_json_keeps_them_parsable():
    r = run_cli("analyze", "quantum-memory-depolarizing")
    assert r.code == 0, r.err
    assert "F₀·η − η/4 + 1/4" in r.out and "*eta" not in r.out and "eta**" not in r.out
    doc = run_cli("analyze", "quantum-memory-depolarizing", "--json").json()
    f0, eta = sp.symbols("F0 eta")
    # one half of a Werner pair depolarised with weight η: F = η·F0 + (1 − η)/4
    assert sp.simplify(sp.sympify(doc["pair_fidelity_one_half"]) - (eta * f0 + (1 - eta) / 4)) == 0


def test_purification_fixed_points_are_listed():
    r = run_cli("analyze", "bbpssw")
    assert r.code == 0, r.err
    assert "fixed_points: 1/4, 1/2, 1" in r.out
    assert "(10·F² − 2·F + 1)/(8·F² − 4·F + 5)" in r.out
