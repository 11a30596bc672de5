"""The public Hypothesis strategies produce replayable, physical attacks."""

import numpy as np
from hypothesis import HealthCheck, given, settings

from qproto.models.attacks import parse_attack
from qproto.strategies import attacks, noise, qubit_states


# No deadline (a deadline is a timed assertion: it failed under load outside the ci profile) and a fixed,
# small amount of work per example: one instrument built from its label, its Kraus sum, one parse.
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(attacks(threshold=0.11))
def test_attacks_are_trace_preserving_and_replay(case):
    inst = case.instrument()
    total = sum(k.conj().T @ k for b in inst.branches for k in b.kraus)
    assert np.allclose(total, np.eye(2), atol=1e-9)
    assert parse_attack(case.label).name == case.name


@settings(max_examples=15, deadline=None)
@given(noise())
def test_noise_has_no_eavesdropper(case):
    assert not case.eve


@given(qubit_states())
def test_qubit_states_are_normalised(psi):
    assert abs(np.vdot(psi, psi) - 1) < 1e-12
