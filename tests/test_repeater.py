"""Entanglement swapping and repeater chains: proofs, flawed variants, and the
derived maps against an independent NumPy density-matrix computation."""

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import qproto
from qproto.models import swapping as sw
from qproto.spec.protocol import Property
from qproto.spec.repeater import ENTANGLEMENT_SWAPPING, REPEATER_CHAIN, SWAPPING_NO_Z, SWAPPING_SWAPPED_BITS

from .helpers import assert_bad_input, run_cli

# --- an independent NumPy model (no qproto code) -----------------------------

PHI = np.array([1, 0, 0, 1]) / np.sqrt(2)
BELL = {  # (m1, m2) -> Bell state measured on (r1, r2) by CNOT, H, measure
    (0, 0): np.array([1, 0, 0, 1]) / np.sqrt(2),
    (0, 1): np.array([0, 1, 1, 0]) / np.sqrt(2),
    (1, 0): np.array([1, 0, 0, -1]) / np.sqrt(2),
    (1, 1): np.array([0, 1, -1, 0]) / np.sqrt(2),
}
X = np.array([[0, 1], [1, 0]])
Z = np.diag([1, -1])


def np_werner(f):
    proj = np.outer(PHI, PHI)
    return f * proj + (1 - f) / 3 * (np.eye(4) - proj)


def np_swap(f1, f2):
    """Swap two Werner pairs with plain NumPy: project (r1, r2) on each Bell
    state, correct c with X^m2 Z^m1 (Z applied last), sum the branches."""
    rho = np.kron(np_werner(f1), np_werner(f2)).reshape([2] * 8)  # a r1 r2 c | a' r1' r2' c'
    out = np.zeros((4, 4), dtype=complex)
    for (m1, m2), b in BELL.items():
        bm = b.reshape(2, 2)
        # ⟨b|_{r1 r2} ρ |b⟩_{r1 r2}, indices a r1 r2 c | a' r1' r2' c'
        branch = np.einsum("xy,axycbzwd,zw->acbd", bm.conj(), rho, bm).reshape(4, 4)
        u = np.kron(np.eye(2), np.linalg.matrix_power(Z, m1) @ np.linalg.matrix_power(X, m2))
        out += u @ branch @ u.conj().T
    return out


def test_independent_numpy_swap_of_perfect_pairs_gives_phi_plus():
    rho = np_swap(1.0, 1.0)
    assert abs(np.trace(rho) - 1) < 1e-12
    assert abs(PHI @ rho @ PHI - 1) < 1e-12


_SWAP_MAP = sp.lambdify((sw.F1, sw.F2), sw.werner_swap_map())


@given(st.floats(0, 1), st.floats(0, 1))
def test_derived_swap_map_matches_numpy_and_the_published_form(f1, f2):
    derived = float(_SWAP_MAP(f1, f2))
    published = f1 * f2 + (1 - f1) * (1 - f2) / 3
    rho = np_swap(f1, f2)
    assert abs(derived - published) < 1e-12
    assert abs(derived - float(np.real(PHI @ rho @ PHI))) < 1e-12
    # and the output is a Werner state (Briegel et al.): the swap preserves the family
    assert np.allclose(rho, np_werner(derived), atol=1e-12)


def test_every_swapping_property_is_proved_with_four_branches():
    verdicts = {v.property: v for v in qproto.verify(ENTANGLEMENT_SWAPPING)}
    assert {k: v.status.value for k, v in verdicts.items()} == {
        "ends-in-phi-plus": "proved",
        "outcomes-uniform": "proved",
        "werner-swap-fidelity": "proved",
    }
    branches = verdicts["ends-in-phi-plus"].evidence["branches"]
    assert sorted((b["branch"]["m1"], b["branch"]["m2"]) for b in branches) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert all(b["end_state"] == "phi+" and b["probability"]["exact"] == "1/4" for b in branches)
    ev = verdicts["werner-swap-fidelity"].evidence
    assert ev["werner_closure"] == "proved"
    F1, F2 = sp.symbols("F1 F2")
    assert sp.expand(sp.sympify(ev["derived"]["exact"]) - (F1 * F2 + (1 - F1) * (1 - F2) / 3)) == 0


@pytest.mark.parametrize(
    "spec, branch, holds",
    [
        (SWAPPING_NO_Z, {"m1": 1, "m2": 0}, "phi-"),
        (SWAPPING_SWAPPED_BITS, {"m1": 0, "m2": 1}, "psi-"),
    ],
)
def test_flawed_swaps_are_refuted_on_a_replayed_branch(spec, branch, holds):
    v = {x.property: x for x in qproto.verify(spec)}["ends-in-phi-plus"]
    assert v.status.value == "refuted"
    assert v.evidence["branch"] == branch and v.evidence["counterexample"]["end_state"] == holds
    assert v.evidence["replay"]["replayed"] and v.evidence["replay"]["fidelity"] < 1e-9


def test_a_wrong_published_swap_formula_is_refuted_with_concrete_fidelities():
    wrong = ENTANGLEMENT_SWAPPING.variant(
        "swap-wrong-formula",
        properties=(
            Property(
                id="w",
                statement="wrong",
                engine="algebra",
                check="repeater.swap-werner",
                args={"pairs": (("a", "r1"), ("r2", "c")), "ends": ("a", "c"), "expected": "F1*F2"},
            ),
        ),
    )
    (v,) = qproto.verify(wrong)
    assert v.status.value == "refuted"
    ce = v.evidence["counterexample"]
    f1, f2 = float(sp.Rational(ce["F1"])), float(sp.Rational(ce["F2"]))
    assert abs(v.evidence["replay"]["fidelity"] - float(np.real(PHI @ np_swap(f1, f2) @ PHI))) < 1e-9
    assert abs(f1 * f2 - float(sp.Rational(ce["expected"]))) < 1e-12


def test_chain_closed_form_is_proved_by_induction_and_matches_repeated_numpy_swaps():
    verdicts = {v.property: v for v in qproto.verify(REPEATER_CHAIN)}
    assert all(v.status.value == "proved" for v in verdicts.values()), verdicts
    ev = verdicts["chain-closed-form"].evidence
    assert ev["base_case"] == "0" and ev["induction_step"] == "0" and ev["heterogeneous_step"] == "0"
    rng = np.random.default_rng(3)
    fids = rng.uniform(0.5, 1, size=6)
    f = fids[0]
    for g in fids[1:]:
        rho = np_swap(f, g)
        f = float(np.real(PHI @ rho @ PHI))
    product = 0.25 + 0.75 * np.prod((4 * fids - 1) / 3)
    assert abs(f - product) < 1e-12
    assert abs(float(sw.chain_fidelity(list(fids))) - product) < 1e-12


def test_chain_fidelity_is_exact_on_fractions():
    assert sw.chain_fidelity([Fraction(19, 20)] * 4) == Fraction(55291, 67500)


def test_cli_analyze_repeater_chain_json_matches_the_closed_form():
    r = run_cli("analyze", "repeater-chain", "--segments", "4", "--fidelity", "0.95", "--json")
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["end_to_end_fidelity"]["exact"] == "55291/67500"
    assert [row["segments"] for row in doc["by_segments"]] == [1, 2, 3, 4]
    ys = [row["fidelity"] for row in doc["by_segments"]]
    assert all(a > b for a, b in zip(ys, ys[1:]))


def test_cli_analyze_rejects_bad_chain_options_in_one_line():
    assert_bad_input(run_cli("analyze", "repeater-chain", "--fidelity", "1.5"), "fidelity=1.5", "[0, 1]")
    assert_bad_input(run_cli("analyze", "repeater-chain", "--segments", "0"), "segments=0")


def test_plots_write_png_and_svg(tmp_path):
    r = run_cli("plot", "repeater-hops", "--out", str(tmp_path / "hops.png"), "--segments", "6", "--purify", "1")
    assert r.code == 0, r.err
    assert (tmp_path / "hops.png").read_bytes()[:4] == b"\x89PNG"
    r = run_cli("plot", "memory-wait", "--out", str(tmp_path / "mem.svg"), "--coherence-time", "0.5")
    assert r.code == 0, r.err
    assert "<svg" in (tmp_path / "mem.svg").read_text()
