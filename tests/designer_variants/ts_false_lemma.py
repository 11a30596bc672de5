"""A designer's qUDP that strengthens a true property with a false auxiliary
invariant ("a datagram is never corrupted").

The lemma is dropped (never trusted) and the property is decided on its
own; the verdict's evidence lists the dropped lemma under ``warnings`` so
that the summary line can show it.
"""

from qproto.spec.protocol import Property
from qproto.spec.qtransport import QUDP
from qproto.spec.transition import Invariant

SPEC = QUDP.variant(
    "designer-qudp-false-lemma",
    invariants=QUDP.invariants + (Invariant(name="never-corrupted", expr="not corrupted"),),
    properties=(
        Property(
            id="accepted-only-if-checksum-zero",
            statement="accepted only on a zero checksum",
            engine="statemachine",
            check="statemachine.invariant",
            args={"invariant": "accepted-only-if-zero", "strengthen": ("never-corrupted",)},
        ),
    ),
)
