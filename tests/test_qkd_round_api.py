"""The public per-round API of :mod:`qproto.models.qkd` agrees with the
model's own joint tables (one source of physics for vectors, explain,
analyze and the checkers)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from qproto.models import qkd
from qproto.models.instrument import identity
from qproto.spec.catalogue import find
from qproto.spec.errors import SpecError
from qproto.spec.qkd import STATES


@pytest.mark.parametrize("name", ["bb84", "b92", "six-state", "sarg04"])
def test_born_probabilities_are_the_tables_outcome_distribution(name):
    spec = find(name)
    dist = qkd.outcome_distribution(spec)
    for s in spec.signals:
        for m in spec.measurements:
            exact = qkd.born_probabilities(
                tuple(sp.sympify(a, rational=True) for a in s.amplitudes), [o.vector for o in m.outcomes]
            )
            numeric = qkd.born_probabilities(
                np.array([complex(sp.N(sp.sympify(a))) for a in s.amplitudes]),
                [np.array([complex(sp.N(sp.sympify(x))) for x in o.vector]) for o in m.outcomes],
                exact=False,
            )
            for o, e, n in zip(m.outcomes, exact, numeric):
                want = dist[s.name][m.name].get(o.label, 0)
                assert sp.simplify(e - want) == 0
                assert n == pytest.approx(float(sp.N(want)), abs=1e-12)


def test_a_pauli_flips_the_born_statistics():
    zero = tuple(sp.sympify(a) for a in STATES["0"])
    z_outcomes = [STATES["0"], STATES["1"]]
    assert qkd.born_probabilities(qkd.apply_pauli("X", zero), z_outcomes) == (0, 1)
    assert qkd.born_probabilities(qkd.apply_pauli("Z", zero), z_outcomes) == (1, 0)
    assert qkd.apply_pauli("I", zero) is zero
    numeric = qkd.apply_pauli("Y", np.array([1, 0], dtype=complex), exact=False)
    assert np.allclose(numeric, [0, 1j])


@pytest.mark.parametrize("name", ["e91", "bbm92"])
def test_pair_probabilities_are_the_entanglement_table(name):
    spec = find(name)
    rows = qkd.eb_table(spec, identity())
    for x in spec.alice_settings:
        for y in spec.bob_settings:
            exact = qkd.pair_probabilities(spec.source, x.angle, y.angle)
            numeric = qkd.pair_probabilities(spec.source, x.angle, y.angle, exact=False)
            w = sp.sympify(x.probability, rational=True) * sp.sympify(y.probability, rational=True)
            for (a, b), e, n in zip(qkd.OUTCOME_PAIRS, exact, numeric):
                want = sum(
                    (
                        r.probability
                        for r in rows
                        if (r.choice, r.setting, r.alice_outcome, r.outcome) == (x.name, y.name, a, str(b))
                    ),
                    sp.Integer(0),
                )
                assert sp.simplify(e * w - want) == 0
                assert n == pytest.approx(float(sp.N(e)), abs=1e-12)
    # a bit flip on Bob's qubit turns every key pair's agreement into disagreement
    for (x, y), flip in qkd.key_flip(spec).items():
        ax = next(s.angle for s in spec.alice_settings if s.name == x)
        by = next(s.angle for s in spec.bob_settings if s.name == y)
        clean = qkd.pair_probabilities(spec.source, ax, by)
        agree = sum(p for (a, b), p in zip(qkd.OUTCOME_PAIRS, clean) if a == b ^ flip)
        assert sp.simplify(agree - 1) == 0


def test_pair_probabilities_refuse_a_source_that_is_not_a_bell_pair():
    with pytest.raises(SpecError, match="bell:NAME"):
        qkd.pair_probabilities("werner:0.9", "0", "0")


def test_the_sample_decision_is_strict_at_the_threshold():
    t = Fraction(11, 100)
    assert qkd.sample_aborts(t, 0, 0)  # nothing to estimate
    assert not qkd.sample_aborts(t, 100, 11)  # exactly at the threshold passes
    assert qkd.sample_aborts(t, 100, 12)
    # per basis: the pooled figures are not read, every basis must pass
    assert qkd.sample_aborts(t, 200, 0, {"Z": (100, 0), "X": (0, 0)})
    assert qkd.sample_aborts(t, 200, 12, {"Z": (100, 0), "X": (100, 12)})
    assert not qkd.sample_aborts(t, 200, 22, {"Z": (100, 11), "X": (100, 11)})
    assert qkd.bell_test_passes(Fraction(5, 2), Fraction(2))
    assert not qkd.bell_test_passes(Fraction(-2), Fraction(2))
    assert not qkd.bell_test_passes(None, Fraction(2))


def test_the_old_private_names_are_the_public_functions():
    assert qkd._sift_rule is qkd.sift_rule and qkd._key_flip is qkd.key_flip
    assert qkd._projector is qkd.projector and qkd._source is qkd.source_state
    assert qkd._eb_table is qkd.eb_table and qkd._pm_table is qkd.pm_table
