"""A designer's teleportation over |Φ−⟩ that keeps Bennett's corrections.

Flawed: with |Φ−⟩ Bob's qubit ends in Z·(input) for every outcome, so the
corrections are wrong and the Werner-average fidelity is (5 − 2F)/9, not
the (2F + 1)/3 the spec claims.
"""

from qproto.spec.circuit import Prepare
from qproto.spec.protocol import replace_step
from qproto.spec.teleportation import TELEPORTATION

TELEPORT_PHI_MINUS = TELEPORTATION.variant(
    "designer-teleport-phi-minus",
    summary="Teleportation over |Φ−⟩ with the |Φ+⟩ corrections.",
    steps=replace_step(
        TELEPORTATION.steps,
        1,
        Prepare(party="Alice", registers=("a", "b"), state="bell:phi-", text="a source prepares |Φ−⟩ on (a, b)"),
    ),
)
