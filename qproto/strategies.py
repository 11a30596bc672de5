"""Public Hypothesis strategies for downstream suites.

    from hypothesis import given
    from qproto.strategies import attacks, general_probes, noise_channels, qubit_states

    @given(attacks())
    def test_my_qkd_stack_detects(attack):
        instrument = attack.instrument()      # a qproto Instrument (numeric)
        ...                                   # attack.label replays: parse_attack(attack.label)

- :func:`attacks`: catalogued attacks with parameters from their domains
  (intercept-resend in Z/X/Y mixtures, measure-and-resend in any basis
  including Breidbart, Fuchs–Peres, universal cloning, Pauli probes) and
  random general entangling probes, as :class:`AttackCase` (``label`` +
  ``instrument()``);
- :func:`catalogue_attacks`, :func:`general_probes`, :func:`noise_channels`:
  the same parts as replayable labels (``"fuchs-peres:disturbance=0.12"``);
- :func:`qubit_states`: normalised random qubit kets (NumPy).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from qproto.proofs.adversary import AttackCase, attacks_near, catalogue_attacks, general_probes, noise_channels


def attacks(threshold: float | None = None) -> st.SearchStrategy[AttackCase]:
    """Attacks from the catalogue and general probes (and, given a QBER
    threshold, the optimal attacks just below it)."""
    from qproto.proofs.adversary import attacks_and_probes

    return attacks_and_probes(threshold)


def noise(max_p: float = 1.0) -> st.SearchStrategy[AttackCase]:
    """Line noise without an eavesdropper, as :class:`AttackCase`."""
    return noise_channels(max_p).map(AttackCase)


def qubit_states() -> st.SearchStrategy[np.ndarray]:
    """Random normalised qubit kets cos(θ/2)|0⟩ + e^{iφ} sin(θ/2)|1⟩."""
    return st.builds(
        lambda t, p: np.array([np.cos(t / 2), np.exp(1j * p) * np.sin(t / 2)]),
        st.floats(0, np.pi, allow_nan=False),
        st.floats(0, 2 * np.pi, allow_nan=False),
    )


__all__ = [
    "AttackCase",
    "attacks",
    "attacks_near",
    "catalogue_attacks",
    "general_probes",
    "noise_channels",
    "noise",
    "qubit_states",
]
