"""A designer's qTCP whose receiver answers ACK as soon as stage 2 arrives
and checks it afterwards (issue 10 item 9).

Flawed: a replayed run of 4 steps (stage 1, its check, pseudo-ACK, stage 2
ACKed on arrival) ends with an ACK in flight for a packet the receiver has
not accepted (one more step and the sender counts it delivered; the
receiver may then reject it).  Before the fix the catalogue had no "ACK ⇒ accepted" property and
this variant verified OK.
"""

from qproto.spec.qtransport import qtcp

SPEC = qtcp(
    "designer-qtcp-ack-before-check",
    flaw="ack-before-check",
    flawed="ACK before stage 2's check",
    variant_of="qtcp-two-stage",
)
