"""A designer's correct teleportation over |Ψ+⟩: the source's X is undone
by one extra, unconditional X on Bob's qubit before the usual corrections.

Correct: every property, including the Werner-average fidelity (2F + 1)/3
for a Werner resource centred on the |Ψ+⟩ the source prepares, holds.
"""

from qproto.spec.circuit import ApplyGate, Prepare
from qproto.spec.teleportation import TELEPORTATION

_steps = list(TELEPORTATION.steps)
_steps[1] = Prepare(party="Alice", registers=("a", "b"), state="bell:psi+", text="a source prepares |Ψ+⟩ on (a, b)")
_steps.insert(8, ApplyGate(party="Bob", gate="X", targets=("b",), text="Bob undoes the source's X"))

TELEPORT_PSI_PLUS = TELEPORTATION.variant(
    "designer-teleport-psi-plus",
    summary="Teleportation over |Ψ+⟩ with an extra X on Bob's side.",
    steps=tuple(_steps),
)
