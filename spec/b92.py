"""B92 (Bennett 1992): two non-orthogonal states.

Alice sends |0⟩ for bit 0 and |+⟩ for bit 1 and announces nothing.  Bob
measures in Z or X; reading 1 in Z rules out |0⟩ (so bit 1), reading − in X
rules out |+⟩ (so bit 0); every other result is inconclusive and dropped.
That is the ``unambiguous`` sifting rule with the candidate set {|0⟩, |+⟩}.
"""

from __future__ import annotations

from .adversary_properties import ADVERSARY_PROPERTIES_PM
from .bb84 import ESTIMATION_PARAMETERS, PM_STEPS
from .protocol import Reference
from .qkd import STATES, PrepareMeasureQKD, PublishedValue, Signal, basis_measurement, pm_properties

BENNETT_1992 = Reference(
    cite="C. H. Bennett, Quantum cryptography using any two nonorthogonal states, Phys. Rev. Lett. 68, 3121 (1992)",
    doi="10.1103/PhysRevLett.68.3121",
)

_CANDIDATES = (("0", "+"),)

B92 = PrepareMeasureQKD(
    name="b92",
    version="1",
    summary="Two non-orthogonal states |0⟩, |+⟩; Bob keeps only the results that exclude one of them.",
    references=(BENNETT_1992,),
    steps=PM_STEPS,
    parameters=ESTIMATION_PARAMETERS,
    signals=(
        Signal(name="0", bit=0, basis="Z", amplitudes=STATES["0"], announce=_CANDIDATES),
        Signal(name="+", bit=1, basis="X", amplitudes=STATES["+"], announce=_CANDIDATES),
    ),
    basis_probabilities={"Z": "1/2", "X": "1/2"},
    measurements=(basis_measurement("Z", "1/2"), basis_measurement("X", "1/2")),
    sifting="unambiguous",
    key_rates=(),
    published=(
        PublishedValue(
            quantity="sift", value="1/4", reference=BENNETT_1992,
            text="a conclusive result in a quarter of the rounds (|⟨0|+⟩|² = 1/2, half the measurements can exclude)",
        ),
    ),
    properties=pm_properties(ir_qber="fraction/(fraction + 2)", depolarizing_qber="p/(p + 1)", reference=BENNETT_1992.cite, has_key_rate=False)
    + ADVERSARY_PROPERTIES_PM,
)

PROTOCOLS = (B92,)
FLAWED = ()
