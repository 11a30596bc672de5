"""Quantum memory: fidelity vs waiting time derived from the Kraus channels,
checked against a hand-written NumPy channel and the closed forms."""

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import qproto
from qproto import ParameterError
from qproto.models import memory as mem
from qproto.spec.repeater import MEMORY_DEPHASING, MEMORY_DEPOLARIZING

PHI = np.array([1, 0, 0, 1]) / np.sqrt(2)


def np_store_one_half(kind, eta, f0=1.0):
    """Independent: ρ ↦ η ρ + (1 − η) (I/2 ⊗ tr_a ρ) for depolarizing,
    off-diagonals of qubit a scaled by η for dephasing."""
    proj = np.outer(PHI, PHI)
    rho = f0 * proj + (1 - f0) / 3 * (np.eye(4) - proj)
    if kind == "depolarizing":
        rb = rho.reshape(2, 2, 2, 2).trace(axis1=0, axis2=2)
        return eta * rho + (1 - eta) * np.kron(np.eye(2) / 2, rb)
    r = rho.reshape(2, 2, 2, 2).copy()
    r[0, :, 1, :] *= eta
    r[1, :, 0, :] *= eta
    return r.reshape(4, 4)


@pytest.mark.parametrize("kind, closed", [("depolarizing", lambda e: (1 + 3 * e) / 4), ("dephasing", lambda e: (1 + e) / 2)])
@given(t=st.floats(0, 5), T=st.floats(0.01, 10), f0=st.floats(0.25, 1))
def test_pair_fidelity_vs_wait_matches_numpy(kind, closed, t, T, f0):
    eta = math.exp(-t / T)
    derived = float(mem.pair_fidelity(kind, 1, mem.F0).subs({mem.F0: f0, mem.ETA: eta}))
    independent = float(PHI @ np_store_one_half(kind, eta, f0) @ PHI)
    assert abs(derived - independent) < 1e-12
    assert abs(derived - mem.numeric_pair_fidelity(kind, t, T, initial=f0)) < 1e-12
    if f0 == 1:
        assert abs(derived - closed(eta)) < 1e-12


def test_memory_properties_are_proved_and_the_review_figure_is_reproduced():
    for spec in (MEMORY_DEPOLARIZING, MEMORY_DEPHASING):
        verdicts = {v.property: v for v in qproto.verify(spec)}
        assert all(v.status.value == "proved" for v in verdicts.values()), verdicts
        ev = verdicts["storage-fidelity"].evidence
        assert ev["pair_fidelity"]["exact"] == "1979/2000"
    dep = {v.property: v for v in qproto.verify(MEMORY_DEPOLARIZING)}["storage-fidelity"].evidence
    assert dep["implied_decay_factor"]["exact"] == "493/500"
    assert abs(dep["implied_wait_over_T"]["value"] - (-math.log(0.986))) < 1e-12


def test_storage_fidelity_is_the_haar_average():
    rng = np.random.default_rng(11)
    eta = 0.7
    avg = {"depolarizing": [], "dephasing": []}
    for _ in range(4000):
        v = rng.normal(size=2) + 1j * rng.normal(size=2)
        v /= np.linalg.norm(v)
        rho = np.outer(v, v.conj())
        avg["depolarizing"].append(np.real(v.conj() @ (eta * rho + (1 - eta) * np.eye(2) / 2) @ v))
        deph = rho.copy()
        deph[0, 1] *= eta
        deph[1, 0] *= eta
        avg["dephasing"].append(np.real(v.conj() @ deph @ v))
    for kind in avg:
        exact = float(mem.storage_fidelity(kind).subs(mem.ETA, eta))
        assert abs(np.mean(avg[kind]) - exact) < 0.01


def test_wrong_closed_form_is_refuted():
    from qproto.spec.protocol import Property

    wrong = MEMORY_DEPOLARIZING.variant(
        "mem-wrong",
        properties=(
            Property(
                id="w",
                statement="wrong",
                engine="algebra",
                check="memory.pair-fidelity",
                args={"stored": 1, "expected": "(1 + eta)/2"},
            ),
        ),
    )
    (v,) = qproto.verify(wrong)
    assert v.status.value == "refuted"
    eta = float(sp.Rational(v.evidence["counterexample"]["eta"]))
    assert abs(float(sp.Rational(v.evidence["counterexample"]["derived"])) - (1 + 3 * eta) / 4) < 1e-12


def test_bad_memory_arguments():
    with pytest.raises(ParameterError, match="wait=-1"):
        mem.decay(-1, 1)
    with pytest.raises(ParameterError, match="coherence_time=0"):
        mem.decay(1, 0)
    with pytest.raises(ParameterError, match="kind='lossy'"):
        mem.memory_channel("lossy")


def test_chain_rows_computed_one_swap_per_row_equal_the_full_fold():
    """analyze repeater-chain builds row m from row m − 1 (O(n), issue 11
    item 14); the rows must equal folding the derived swap map m times."""
    from argparse import Namespace
    from fractions import Fraction

    from qproto.analyze_repeater import analyze_chain
    from qproto.models import swapping as sw
    from qproto.spec.catalogue import find

    args = Namespace(segments=6, fidelity=0.93, purify=1, wait=0.01, coherence_time=1.0, memory="depolarizing")
    doc = analyze_chain(find("repeater-chain"), args)
    f = Fraction("0.93")
    for row in doc["by_segments"]:
        assert row["fidelity_exact"] == str(sw.chain_fidelity([f] * row["segments"]))
    assert doc["by_segments"][-1]["fidelity_exact"] == str(Fraction(doc["end_to_end_fidelity"]["exact"]))
