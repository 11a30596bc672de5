"""The public Hypothesis strategies produce replayable, physical attacks."""

import numpy as np
from hypothesis import given, settings

from qproto.models.attacks import parse_attack
from qproto.strategies import attacks, noise, qubit_states


@settings(max_examples=25)
@given(attacks(threshold=0.11))
def test_attacks_are_trace_preserving_and_replay(case):
    inst = case.instrument()
    total = sum(k.conj().T @ k for b in inst.branches for k in b.kraus)
    assert np.allclose(total, np.eye(2), atol=1e-9)
    assert parse_attack(case.label).name == case.name


@settings(max_examples=15)
@given(noise())
def test_noise_has_no_eavesdropper(case):
    assert not case.eve


@given(qubit_states())
def test_qubit_states_are_normalised(psi):
    assert abs(np.vdot(psi, psi) - 1) < 1e-12
