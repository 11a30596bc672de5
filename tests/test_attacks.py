"""The attack catalogue: exact figures against an independent density-matrix
computation and against published values."""

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from qproto.models import attacks, cloning, probe
from qproto.models.eve_information import binary_entropy, helstrom_guess, holevo_information, key_model, sifted_ensemble
from qproto.spec.bb84 import BB84
from qproto.spec.qkd_variants import SIX_STATE

H = lambda p: 0.0 if p <= 0 or p >= 1 else -(p * math.log2(p) + (1 - p) * math.log2(1 - p))  # noqa: E731


def figures(spec, text):
    inst = attacks.parse_attack(text).instrument()
    return sifted_ensemble(key_model(spec), inst.numeric() if inst.exact else inst).figures()


def independent_eve_states(kraus_by_record, ancilla_dim):
    """Eve's weighted states for Alice's Z bit, BB84, Bob measuring Z and the
    round sifted — by plain density matrices, record by record."""
    out = []
    for bit in (0, 1):
        psi = np.eye(2)[bit]
        blocks = []
        for ks in kraus_by_record:
            sigma = np.zeros((ancilla_dim, ancilla_dim), complex)
            for k in ks:
                rho = np.outer(k @ psi, np.conj(k @ psi))  # signal ⊗ ancilla
                r = rho.reshape(2, ancilla_dim, 2, ancilla_dim)
                sigma += r[0, :, 0, :] + r[1, :, 1, :]  # Bob's Z outcome summed (both kept)
            blocks.append(sigma / 2)
        full = np.zeros((len(blocks) * ancilla_dim,) * 2, complex)
        for i, b in enumerate(blocks):
            full[i * ancilla_dim : (i + 1) * ancilla_dim, i * ancilla_dim : (i + 1) * ancilla_dim] = b
        out.append(full)
    return out


def test_intercept_resend_published_values():
    # Bennett et al., J. Cryptology 5, 3 (1992): QBER 1/4, Eve knows half the sifted bits
    f = figures(BB84, "intercept-resend:fraction=1")
    assert f["qber"] == pytest.approx(0.25, abs=1e-12)
    assert f["info_ae"] == pytest.approx(0.5, abs=1e-12)
    assert f["info_ab"] == pytest.approx(1 - H(0.25), abs=1e-12)


def test_breidbart_published_values():
    # Breidbart basis: QBER 1/4 and Eve guesses right with cos²(π/8)
    f = figures(BB84, "breidbart:fraction=1")
    assert f["qber"] == pytest.approx(0.25, abs=1e-12)
    assert f["info_ae"] == pytest.approx(1 - H(math.cos(math.pi / 8) ** 2), abs=1e-12)
    assert sp.simplify(sp.cos(sp.pi / 8) ** 2 - probe.BREIDBART_GUESS) == 0


@pytest.mark.parametrize("d", [0.0, 0.03, 0.1, 0.146, 0.25, 0.5])
def test_fuchs_peres_matches_published_and_independent(d):
    f = figures(BB84, f"fuchs-peres:disturbance={d}")
    guess = 0.5 + math.sqrt(d * (1 - d))
    assert f["qber"] == pytest.approx(d, abs=1e-12)
    assert f["info_ae"] == pytest.approx(1 - H(guess), abs=1e-9)  # Fuchs et al. 1997
    assert f["holevo_ae"] == pytest.approx(H(d), abs=1e-9)  # tightness of 1 − 2h(D)
    inst = cloning.fuchs_peres(d)
    e0, e1 = independent_eve_states([b.kraus for b in inst.branches], inst.ancilla_dim)
    assert helstrom_guess(e0, e1) == pytest.approx(guess, abs=1e-9)
    assert holevo_information([e0, e1]) == pytest.approx(H(d), abs=1e-9)


def test_fuchs_peres_exact_guess_probability_and_crossing():
    d = sp.Rational(1, 10)
    inst = cloning.fuchs_peres(d)
    assert inst.exact
    e0, e1 = independent_eve_states([[np.asarray(k, dtype=complex) for k in b.kraus] for b in inst.numeric().branches], 4)
    assert helstrom_guess(e0, e1) == pytest.approx(float(cloning.fuchs_peres_guess_formula(d)), abs=1e-12)
    # I(A:E) = I(A:B) exactly at D = (2 − √2)/4 ≈ 14.6 %
    x = cloning.FUCHS_PERES_CROSSING
    assert sp.simplify(sp.Rational(1, 2) - sp.sqrt(x * (1 - x)) - x) == 0
    assert float(x) == pytest.approx(0.1464466, abs=1e-7)


def test_universal_cloner_gives_depolarizing_qber_in_every_basis():
    f = figures(SIX_STATE, "universal-cloner:disturbance=0.12")
    assert f["qber"] == pytest.approx(0.12, abs=1e-12)
    # Lo's rate is the Devetak–Winter rate of this attack
    from qproto.models.keyrate import key_rate

    assert f["devetak_winter_rate"] == pytest.approx(key_rate("six-state-lo")(0.12), abs=1e-9)


def test_noise_gives_eve_nothing():
    f = figures(BB84, "depolarizing=0.2")
    assert f["qber"] == pytest.approx(0.1, abs=1e-12)
    assert f["holevo_ae"] == 0 and f["info_ae"] == 0


def test_our_qber_agrees_with_the_qkd_model():
    from qproto.models import qkd

    for text in ["intercept-resend:fraction=1/3,px=1/4", "fuchs-peres:disturbance=1/8", "breidbart:fraction=1/2"]:
        inst = attacks.parse_attack(text).instrument()
        exact = qkd.qber(BB84, inst)
        assert float(exact) == pytest.approx(figures(BB84, text)["qber"], abs=1e-12)


@given(st.lists(st.floats(-1, 1, allow_nan=False), min_size=15, max_size=15))
def test_general_probe_obeys_the_entropic_uncertainty_bound(angles):
    # Berta et al. 2010: χ(Z:E) ≤ h(e_X); averaged over the bases for BB84
    inst = probe.entangling_probe(**{f"a{i + 1}": a for i, a in enumerate(angles)})
    ens = sifted_ensemble(key_model(BB84), inst)
    q = ens.qber_by_public()
    f = ens.figures()
    assert f["info_ae"] <= f["holevo_ae"] + 1e-9
    assert f["holevo_ae"] <= (H(q["Z/Z"]) + H(q["X/X"])) / 2 + 1e-9


def test_attack_parameters_are_checked():
    from qproto import ParameterError

    with pytest.raises(ParameterError):
        attacks.parse_attack("fuchs-peres:disturbance=0.7")
    with pytest.raises(ParameterError):
        cloning.pauli_attack(0.6, 0.3, 0.3)
    assert binary_entropy(sp.Rational(1, 2)) == 1


def test_pns_and_decoys():
    from qproto.models import pns

    atk = pns.pns_attack(0.5, 0.05)
    assert pns.pns_undetectable(0.5, 0.05)
    assert atk.gain(0.5) == pytest.approx(pns.honest_gain(0.5, 0.05), rel=1e-9)
    assert atk.eve_known_fraction(0.5) == pytest.approx(1.0, abs=1e-9)
    r = pns.decoy_rate(atk, 0.5, 0.1)
    assert r["y1_lower"] <= r["y1_true"] + 1e-12 and r["rate"] == 0.0
    # honest line: the decoy bound is close to the true single-photon yield η
    honest = pns.PNSAttack(0.5, 0.05, tuple(1 - (1 - 0.05) ** n for n in range(31)))
    hr = pns.decoy_rate(honest, 0.5, 0.1)
    assert 0 < hr["y1_lower"] <= 0.05 + 1e-12 and hr["rate"] > 0


def test_wegman_carter_forgery_is_exactly_one_over_p():
    from fractions import Fraction

    from qproto.models.mitm import forgery_probability, run_mitm

    assert forgery_probability(5)["worst_success"] == Fraction(1, 5)
    tr = run_mitm(np.random.default_rng(1), authenticated=False)
    assert tr.eve_reads_message and tr.message_delivered_intact and not tr.detected


def test_information_disturbance_curves_cross_where_published():
    from qproto.proofs.adversary import information_disturbance_curve

    pts = information_disturbance_curve(BB84, "fuchs-peres", "disturbance", np.linspace(0.1, 0.2, 101))
    cross = next(p["disturbance"] for p in pts if p["info_ae"] >= p["info_ab"])
    assert abs(cross - 0.1464466) <= 0.001 + 1e-9
    ir = information_disturbance_curve(BB84, "intercept-resend", "fraction", [0, 0.5, 1])
    assert [round(p["qber"], 12) for p in ir] == [0, 0.125, 0.25]
    assert all(abs(p["info_ae"] - 2 * p["qber"]) < 1e-12 for p in ir)  # I(A:E) = 2·QBER for the whole family


def test_pytest_plugin_exposes_strategies(qproto_attack_strategies):
    assert hasattr(qproto_attack_strategies, "attacks")
