"""BBPSSW and DEJMPS: derived maps against the published forms and an
independent NumPy density-matrix computation; the F > 1/2 theorem; flawed
variants refuted."""

import functools
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import qproto
from qproto.models import purification as pur
from qproto.spec.repeater import BBPSSW, BBPSSW_KEEP_ON_DISAGREE, BBPSSW_UNILATERAL, DEJMPS

# --- independent NumPy model: qubit order a1 b1 a2 b2 ---------------------------

S = 1 / np.sqrt(2)
BELL = [np.array(v) * S for v in ([1, 0, 0, 1], [0, 1, -1, 0], [0, 1, 1, 0], [1, 0, 0, -1])]  # Φ+ Ψ− Ψ+ Φ−


def np_bell_diagonal(c):
    return sum(ci * np.outer(b, b) for ci, b in zip(c, BELL))


def _cnot(control, target, n=4):
    dim = 2**n
    m = np.zeros((dim, dim))
    for i in range(dim):
        bits = [(i >> (n - 1 - k)) & 1 for k in range(n)]
        if bits[control]:
            bits[target] ^= 1
        j = sum(b << (n - 1 - k) for k, b in enumerate(bits))
        m[j, i] = 1
    return m


def _rx(theta):
    return np.array([[np.cos(theta / 2), -1j * np.sin(theta / 2)], [-1j * np.sin(theta / 2), np.cos(theta / 2)]])


def np_round(c, dejmps=False):
    """One round on two Bell-diagonal pairs: returns (output Bell coefficients, success probability)."""
    rho = np.kron(np_bell_diagonal(c), np_bell_diagonal(c))  # a1 b1 a2 b2
    if dejmps:
        ra, rb = _rx(np.pi / 2), _rx(-np.pi / 2)
        u = np.kron(np.kron(ra, rb), np.kron(ra, rb))
        rho = u @ rho @ u.conj().T
    u = _cnot(0, 2) @ _cnot(1, 3)
    rho = u @ rho @ u.conj().T
    kept = np.zeros((4, 4), dtype=complex)
    r = rho.reshape([2] * 8)
    for m in (0, 1):  # a2 = b2 = m
        kept += r[:, :, m, m, :, :, m, m].reshape(4, 4)
    p = float(np.real(np.trace(kept)))
    return [float(np.real(b @ kept @ b)) / p for b in BELL], p


_BBPSSW = pur.bbpssw_map()
_BBPSSW_NUM = sp.lambdify(pur.F, (_BBPSSW.fidelity, _BBPSSW.success))


@functools.cache
def _dejmps_numeric():
    """DEJMPS's Bell-diagonal map, derived on first use (~1 s of SymPy), not at import in every xdist worker."""
    derived = pur.derive_bell_diagonal_map(DEJMPS)
    return sp.lambdify((pur.A, pur.B, pur.C, pur.D), (*derived[0], derived[1]))


def werner_coeffs(f):
    return [f, (1 - f) / 3, (1 - f) / 3, (1 - f) / 3]


def bbpssw_published(f):
    """Bennett et al. 1996 (the spec's BBPSSW_FIDELITY / BBPSSW_SUCCESS)."""
    q = (1 - f) / 3
    n = f**2 + 2 * f * (1 - f) / 3 + 5 * q**2
    return (f**2 + q**2) / n, n


@given(st.floats(0, 1))
def test_bbpssw_derived_equals_published_and_numpy(f):
    fd, pd = _BBPSSW_NUM(f)
    fp, pp = bbpssw_published(f)
    (fn, *_), pn = np_round(werner_coeffs(f))
    assert abs(fd - fp) < 1e-12 and abs(pd - pp) < 1e-12
    assert abs(fd - fn) < 1e-12 and abs(pd - pn) < 1e-12


@given(st.lists(st.floats(0.01, 1), min_size=4, max_size=4))
def test_dejmps_derived_equals_published_and_numpy(raw):
    c = np.array(raw) / sum(raw)
    *derived, success = _dejmps_numeric()(*c)
    a, b, cc, d = c
    n = (a + b) ** 2 + (cc + d) ** 2
    published = [(a * a + b * b) / n, 2 * cc * d / n, (cc * cc + d * d) / n, 2 * a * b / n]
    numeric, pn = np_round(c, dejmps=True)
    assert np.allclose(derived, published, atol=1e-12)
    assert np.allclose(derived, numeric, atol=1e-12)
    assert abs(success - n) < 1e-12 and abs(pn - n) < 1e-12


@pytest.fixture(scope="module")
def bbpssw_verdicts():
    return {v.property: v for v in qproto.verify(BBPSSW)}


def test_every_purification_property_is_proved(bbpssw_verdicts):
    for v in list(bbpssw_verdicts.values()) + qproto.verify(DEJMPS):
        assert v.status.value == "proved", (v.protocol, v.property, v.evidence)


def test_improvement_theorem_states_the_exact_sets(bbpssw_verdicts):
    v = bbpssw_verdicts["improves-iff-above-half"]
    assert v.evidence["improves_on_domain"] == "Interval.open(1/2, 1)"
    # below 1/4 (not a Werner state with positive weight) the map still raises F, but never past 1/2
    assert v.evidence["improves_on_0_1"] == "Union(Interval.Ropen(0, 1/4), Interval.open(1/2, 1))"
    assert v.evidence["gain"] == "-(F - 1)*(2*F - 1)*(4*F - 1)/(8*F**2 - 4*F + 5)"


@given(st.fractions(Fraction(1, 4), Fraction(1)))
def test_one_round_improves_exactly_above_one_half_on_fractions(f):
    new, _ = pur.bbpssw_schedule().step(f)
    assert (new > f) == (Fraction(1, 2) < f < 1)


def test_fixed_points_and_convergence(bbpssw_verdicts):
    v = bbpssw_verdicts["fixed-points"]
    assert v.evidence["fixed_points"] == "{1/4, 1/2, 1}"
    f = 0.6  # floats: exact Fractions double their digits every round
    seq = [f]
    for _ in range(30):
        f, _ = pur.bbpssw_schedule().step(f)
        seq.append(f)
    assert all(a < b <= 1 for a, b in zip(seq[:12], seq[1:13]))
    assert 1 - seq[-1] < 1e-3


def test_rounds_cost_follows_the_success_probability():
    f, cost = pur.bbpssw_schedule().rounds(Fraction(9, 10), 2)
    f1, p1 = pur.bbpssw_schedule().step(Fraction(9, 10))
    f2, p2 = pur.bbpssw_schedule().step(f1)
    assert f == f2 and cost == 2 * (2 / p1) / p2


@pytest.mark.parametrize("spec", [BBPSSW_KEEP_ON_DISAGREE, BBPSSW_UNILATERAL])
def test_flawed_purification_is_refuted_with_a_numeric_replay(spec):
    verdicts = {v.property: v for v in qproto.verify(spec)}
    v = verdicts["improves-iff-above-half"]
    assert v.status.value == "refuted"
    f = float(sp.Rational(v.evidence["counterexample"]["F"]))
    assert 0.5 < f < 1 and v.evidence["counterexample"]["improves"] is False
    replay = v.evidence["replay"]
    assert replay["replayed"] and replay["output_fidelity"] <= f
    assert verdicts["werner-round"].status.value == "refuted"


def test_keep_on_disagree_replays_in_numpy():
    # independent: keep the a2 != b2 branches by hand
    f = 0.75
    rho = np.kron(np_bell_diagonal(werner_coeffs(f)), np_bell_diagonal(werner_coeffs(f)))
    u = _cnot(0, 2) @ _cnot(1, 3)
    r = (u @ rho @ u.T).reshape([2] * 8)
    kept = r[:, :, 0, 1, :, :, 0, 1].reshape(4, 4) + r[:, :, 1, 0, :, :, 1, 0].reshape(4, 4)
    fid = float(BELL[0] @ kept @ BELL[0]) / float(np.trace(kept))
    v = {x.property: x for x in qproto.verify(BBPSSW_KEEP_ON_DISAGREE, properties=["werner-round"])}["werner-round"]
    assert abs(fid - 0.25) < 1e-12
    assert v.evidence["derived_fidelity"]["exact"] == "1/4"
