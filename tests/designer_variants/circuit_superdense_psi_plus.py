"""A designer's correct superdense coding over |Ψ+⟩: Bob's decoder undoes
the source's X with one extra X on b before measuring.

Correct: every message is decoded with probability 1.
"""

from qproto.spec.circuit import ApplyGate, Prepare
from qproto.spec.superdense import SUPERDENSE

_steps = list(SUPERDENSE.steps)
_steps[0] = Prepare(party="Bob", registers=("a", "b"), state="bell:psi+", text="(a, b) start in |Ψ+⟩")
_steps.insert(7, ApplyGate(party="Bob", gate="X", targets=("b",), text="Bob undoes the source's X"))

SUPERDENSE_PSI_PLUS = SUPERDENSE.variant("designer-superdense-psi-plus", steps=tuple(_steps))
