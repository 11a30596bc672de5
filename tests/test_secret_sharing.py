"""The ((2,3)) qutrit secret-sharing scheme: any two shares decode by an
explicit permutation unitary and one share is I/3, for a symbolic payload;
a repetition 'scheme' is refuted with exact witnesses."""

import numpy as np
import pytest
import sympy as sp

import qproto
from qproto.models import secret_sharing as model
from qproto.spec.errors import NotUnitaryError
from qproto.spec.secret_sharing import CGL_2_3, REPETITION_2_3, Decoder

from .helpers import run_cli


def by_id(verdicts):
    return {v.property: v for v in verdicts}


def test_both_properties_are_proved_symbolically():
    v = by_id(qproto.verify(CGL_2_3))
    assert v["any-two-shares-decode"].status.value == "proved"
    assert v["one-share-reveals-nothing"].status.value == "proved"
    pairs = v["any-two-shares-decode"].evidence["pairs"]
    assert [p["shares"] for p in pairs] == [["s1", "s2"], ["s2", "s3"], ["s3", "s1"]]
    for p in pairs:
        assert p["others_purity"]["exact"] == "1" and p["others_state_independent_of_payload"]


def test_codewords_are_the_cleve_gottesman_lo_code():
    st = model.encode(CGL_2_3, [1, 0, 0])
    assert st.dirac() == "sqrt(3)/3 |000⟩ + sqrt(3)/3 |111⟩ + sqrt(3)/3 |222⟩"
    st = model.encode(CGL_2_3, [0, 1, 0])
    assert st.dirac() == "sqrt(3)/3 |012⟩ + sqrt(3)/3 |120⟩ + sqrt(3)/3 |201⟩"


def test_decoders_are_unitary_permutations():
    for d in CGL_2_3.decoders:
        m = model.decoder_matrix(d, 3)
        assert m * m.T == sp.eye(9)
    bad = Decoder(shares=(0, 1), table=tuple((f"{x}{y}", "00") for x in range(3) for y in range(3)), secret=1)
    with pytest.raises(NotUnitaryError):
        model.decoder_matrix(bad, 3)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_numeric_cross_check(seed):
    out = model.numeric_check(CGL_2_3, np.random.default_rng(seed))
    assert out["decode_error"] < 1e-12 and out["single_share_deviation"] < 1e-12


def test_repetition_code_is_refuted_with_exact_witnesses():
    v = by_id(qproto.verify(REPETITION_2_3))
    hide = v["one-share-reveals-nothing"]
    assert hide.status.value == "refuted"
    assert set(hide.evidence["counterexample"]) == {"alpha", "beta", "gamma"}
    assert hide.evidence["replay"]["replayed"]
    dec = v["any-two-shares-decode"]
    assert dec.status.value == "refuted"
    # the witness replays numerically: the decoded register is dephased
    w = {k: complex(sp.sympify(x)) for k, x in dec.evidence["counterexample"].items()}
    st = model.encode(REPETITION_2_3, [w["alpha"], w["beta"], w["gamma"]])
    out, reg = model.decode(REPETITION_2_3, REPETITION_2_3.decoders[0], st)
    rho = out.reduced((reg,)).matrix().astype(complex)
    psi = np.array([w["alpha"], w["beta"], w["gamma"]])
    assert np.abs(rho - np.outer(psi, psi.conj())).max() > 0.1


def test_cli_explain_and_verify():
    r = run_cli("explain", "qss-2-3")
    assert r.code == 0 and "|012⟩" in r.out
    assert run_cli("verify", "qss-repetition").code == 1
