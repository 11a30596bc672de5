"""A designer's own spec, outside the package: teleportation with Bob's
corrections in the other order.  Run it like a catalogue entry:

    qproto verify docs/examples/my_teleportation.py
    qproto explain docs/examples/my_teleportation.py
"""

from qproto.spec import Controlled
from qproto.spec.teleportation import TELEPORTATION

MY_TELEPORTATION = TELEPORTATION.variant(
    "my-teleportation",
    summary="Bob corrects Z^m1 first, then X^m2 — equal up to a global phase.",
    steps=TELEPORTATION.steps[:8]
    + (
        Controlled(party="Bob", gate="Z", targets=("b",), when="m1", text="Bob applies Z^m1 to b"),
        Controlled(party="Bob", gate="X", targets=("b",), when="m2", text="Bob applies X^m2 to b"),
    ),
)
