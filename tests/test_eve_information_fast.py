"""The attack search's fast paths against the plain computations they replace.

The worst-case search evaluates ~10^3 attacks per spec, so the sifted
ensemble, χ and I(A:B) are computed with stacked arrays, closed forms and
plain floats; each must agree with the textbook computation (a loop over
symbols, detections and Kraus operators; LAPACK eigenvalues; NumPy entropies)
to floating-point accuracy, and the float-built intercept-resend instrument
with the exact factory's.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from qproto.models import attacks
from qproto.models import eve_information as E
from qproto.proofs import attack_search
from qproto.proofs.adversary_figures import AttackCase, _numeric_instrument, label, numeric_key_model
from qproto.spec.catalogue import find
from qproto.spec.errors import QprotoError


def _entropy(p):
    p = np.asarray(p, dtype=float).ravel()
    p = p[p > E.EIGEN_TOLERANCE]
    return float(-(p * np.log2(p)).sum())


def _holevo_reference(states):
    weights = [float(np.trace(s).real) for s in states]
    total = sum(weights)
    avg = sum(states) / total
    chi = _entropy(np.clip(np.linalg.eigvalsh((avg + avg.conj().T) / 2), 0, None))
    for s, w in zip(states, weights):
        if w > E.EIGEN_TOLERANCE:
            m = s / w
            chi -= w / total * _entropy(np.clip(np.linalg.eigvalsh((m + m.conj().T) / 2), 0, None))
    return max(0.0, chi)


def _ensemble_reference(model, inst):
    """The sifted ensemble by the module doc's sums, one term at a time."""
    d, records = inst.ancilla_dim, len(inst.branches)
    size = records * d
    joint, eve = {}, {}
    for prep in model.preparations:
        psi = E.as_numeric(prep.state).reshape(2)
        p = float(prep.probability)
        for j, det in enumerate(model.detections):
            hit = model.rule.get((prep.public, j))
            if hit is None:
                continue
            bob_bit, bob_public = hit
            key = (prep.public, bob_public)
            joint.setdefault(key, np.zeros((2, 2)))
            eve.setdefault(key, [np.zeros((size, size), complex), np.zeros((size, size), complex)])
            m = E.as_numeric(det.element)
            for r, br in enumerate(inst.branches):
                for k in br.kraus:
                    big = np.outer(k @ psi, np.conj(k @ psi))  # (signal ⊗ ancilla)²
                    t = np.kron(m, np.eye(d)) @ big
                    sigma = p * np.einsum("sase->ae", t.reshape(2, d, 2, d))  # tr over the signal
                    joint[key][prep.bit, bob_bit] += float(np.trace(sigma).real)
                    eve[key][prep.bit][r * d : (r + 1) * d, r * d : (r + 1) * d] += sigma
    return joint, eve


def _points(seed=0, per_family=6):
    rng = np.random.default_rng(seed)
    for dom in attack_search.domains():
        low, high = np.array(dom.low), np.array(dom.high)
        for _ in range(per_family):
            yield dom.label(dom.clip(low + rng.random(len(low)) * (high - low)))


@pytest.mark.parametrize("name", ["bb84", "six-state", "sarg04", "b92", "bb84-biased"])
def test_sifted_ensemble_matches_the_term_by_term_sums(name):
    model = numeric_key_model(find(name))
    checked = 0
    for lab in _points():
        try:
            inst = AttackCase(lab).instrument()
        except QprotoError:
            continue
        ens = E.sifted_ensemble(model, inst)
        joint, eve = _ensemble_reference(model, inst)
        assert [s.public for s in ens.slices] == list(joint)
        for s in ens.slices:
            assert np.allclose(s.joint, joint[s.public], atol=1e-13)
            for a in (0, 1):
                assert np.allclose(s.eve[a], eve[s.public][a], atol=1e-13)
        expect = sum(s.weight * _holevo_reference([s.eve[0] / s.weight, s.eve[1] / s.weight]) for s in ens.slices)
        assert ens.holevo_ae == pytest.approx(expect / ens.sift_probability, abs=1e-12)
        checked += 1
    assert checked >= 20


def test_closed_form_eigenvalues_match_lapack():
    rng = np.random.default_rng(1)
    m = rng.normal(size=(500, 2, 2)) + 1j * rng.normal(size=(500, 2, 2))
    m[:100] = m[:100] @ np.conj(np.swapaxes(m[:100], 1, 2))  # some positive semidefinite ...
    m[100:150, 1] = 0  # ... some rank one, some degenerate
    m[150:200] = np.eye(2)
    h = (m + np.conj(np.swapaxes(m, 1, 2))) / 2
    assert np.allclose(E.hermitian_eigenvalues(m), np.linalg.eigvalsh(h), atol=1e-12)
    big = rng.normal(size=(20, 3, 3)) + 0j
    assert np.array_equal(E.hermitian_eigenvalues(big), np.linalg.eigvalsh((big + np.swapaxes(big, 1, 2)) / 2))


def test_two_by_two_mutual_information_matches_the_entropies():
    rng = np.random.default_rng(2)
    for j in list(rng.random((200, 2, 2))) + [np.array([[0.5, 0.0], [0.0, 0.5]]), np.array([[1.0, 0.0], [0.0, 0.0]])]:
        p = j / j.sum()
        expect = max(0.0, _entropy(p.sum(axis=1)) + _entropy(p.sum(axis=0)) - _entropy(p))
        assert E.mutual_information(j) == pytest.approx(expect, abs=1e-13)


def test_numeric_intercept_resend_is_the_exact_factory_evaluated():
    rng = np.random.default_rng(3)
    agreed = refused = 0
    for _ in range(150):
        f, x, y = (round(float(v), 6) for v in rng.random(3))
        if rng.random() < 0.3:
            y = round(1 - x, 6)  # on the constraint px + py = 1 exactly
        lab = label("intercept-resend", fraction=f, px=x, py=y)
        try:
            exact = attacks.intercept_resend(*(sp.Rational(str(v)) for v in (f, x, y))).numeric()
        except QprotoError as exc:
            with pytest.raises(type(exc)):
                _numeric_instrument.__wrapped__(lab)
            refused += 1
            continue
        fast = _numeric_instrument.__wrapped__(lab)
        assert fast.records == exact.records
        for a, b in zip(fast.branches, exact.branches):
            for ka, kb in zip(a.kraus, b.kraus):
                assert np.allclose(ka, kb, atol=1e-15)
        agreed += 1
    assert agreed > 50 and refused > 20
    # omitted parameters take the factory's defaults (fraction 1, px 1/2, py 0)
    default = attacks.intercept_resend().numeric()
    fast = _numeric_instrument.__wrapped__("intercept-resend")
    assert fast.records == default.records
    assert attacks.intercept_resend_numeric(Fraction(1), Fraction(1, 2), Fraction(0)).records == default.records
