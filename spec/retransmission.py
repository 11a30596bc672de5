"""Quantum retransmission by ((2,3)) secret sharing (Yu, Lai, Zhou 2021).

A qubit cannot be copied, so a sender cannot keep a copy for
retransmission as TCP does.  Instead the sender encodes the payload with a
((2,3)) threshold quantum secret-sharing scheme (any two shares recover it,
one share reveals nothing — proved in ``qproto.spec.secret_sharing``),
sends one share and keeps two: if that share is lost it decodes the payload
from the two it holds and tries again.  Once the receiver holds one share,
the sender sends a second (decode at the receiver) and keeps the third as
the reserve for that transmission.

The machine below is stop-and-wait over one quantum slot (sender →
receiver) and one classical slot (acknowledgements back), for ``packets``
packets, with an adversarial channel that may drop any message but at most
``max_losses`` per packet.  Shares and acknowledgements carry the packet
sequence number and the share index.
"""

from __future__ import annotations

from typing import Any

from .errors import ParameterError
from .protocol import Channel, Parameter, Party, Property, Reference
from .transition import Invariant, Reading, Transition, TransitionSystem, boolean, enum, integer

YU_LAI_ZHOU = Reference(
    cite="N. Yu, C.-Y. Lai, L. Zhou, Protocols for Packet Quantum Network Intercommunication, "
    "IEEE Trans. Quantum Eng. 2, 1-9 (2021)",
    doi="10.1109/TQE.2021.3112594",
    arxiv="1903.10685",
)
CLEVE_GOTTESMAN_LO = Reference(
    cite="R. Cleve, D. Gottesman, H.-K. Lo, How to share a quantum secret, Phys. Rev. Lett. 83, 648 (1999)",
    doi="10.1103/PhysRevLett.83.648",
)

PACKETS = 2
PHASES = ("READY", "HOLD", "WAIT1", "PHASE2", "WAIT2", "WAIT3", "GAVE_UP")

#: Steps from the start of a packet to its delivery without loss: encode,
#: send share 1, receive it, its ACK, send share 2, receive and decode.
STEPS_WITHOUT_LOSS = 6
#: The most steps one loss can cost: share 1 arrives but its ACK is lost
#: (receive, lose ACK, time out and decode, re-encode, resend = 5 steps
#: that end where they began).  A lost share 1 costs 4; a lost share 2
#: costs 2 (lose, send the reserve share 3); a lost ACK of share 2 costs
#: nothing (the receiver has already delivered).
STEPS_PER_LOSS = 5


def delivery_bound(max_losses: int) -> int:
    """The derived worst-case number of steps from the moment a packet is
    ready until the receiver delivers it, with at most ``max_losses``
    losses: ``6 + 5·L``.  The response property proves it; a test checks it
    is tight (one step fewer is refuted)."""
    return STEPS_WITHOUT_LOSS + STEPS_PER_LOSS * max_losses


READINGS = (
    Reading(
        topic="what the sender keeps while the second share is in flight",
        choice="the third share stays in the sender's memory until the second share's ACK arrives, then it is released",
        reason="it is the retransmission buffer of this scheme: released any earlier, a single loss destroys the "
        "payload (the flawed variant quantum-retransmission-early-release shows the trace).",
    ),
    Reading(
        topic="timeouts",
        choice="the sender times out only when neither the share nor its ACK is still in the channel",
        reason="a timeout longer than the round-trip time, as in TCP; a premature timeout would retransmit "
        "while the original is still in flight and is a tuning error, not a protocol property.",
    ),
    Reading(
        topic="a lost ACK of the first share",
        choice="the sender cannot tell it from a lost share, so it decodes from its two shares and re-encodes; "
        "the receiver discards the share it held when share 1 of a new encoding arrives",
        reason="share index 1 always starts a new encoding, so the receiver never combines shares of two "
        "encodings; the stranded share is part of a fixed junk state after the sender's decoding.",
    ),
    Reading(
        topic="recursion",
        choice="one level of the ((2,3)) scheme is modelled: the sender keeps share 3 as the reserve for share 2. "
        "The paper applies the scheme recursively (share 2 is itself shared) to survive further losses; "
        "that is the same machine run on a share and is not unrolled here",
        reason="one level already shows every mechanism (recovery after a lost first share, the reserve share, "
        "no cloning, sequence numbers); with two losses in the second phase one level gives up, which the "
        "catalogue states as a limitation instead of hiding it.",
    ),
    Reading(
        topic="duplicates",
        choice="shares and ACKs carry the packet sequence number; a share of an already delivered packet is "
        "discarded and acknowledged again",
        reason="after a lost ACK of share 2 the sender sends its reserve share 3 although the packet was "
        "delivered; without the number the receiver would take it for the next packet's share.",
    ),
)


def _transitions(flaw: str | None) -> tuple[Transition, ...]:
    keep_copy = flaw == "keeps-copy"
    early_release = flaw == "early-release"
    no_seq = flaw == "no-sequence-numbers"
    optimistic = flaw == "moves-on-without-ack"
    ack_match = "bwd == ACK" if no_seq else "bwd == ACK and bwd_pkt == s_pkt and bwd_idx == {i}"
    sender = (
        Transition(
            name="encode",
            party="Alice",
            guard="s_phase == READY and s_pkt < packets",
            update={"s_phase": "HOLD", "a": 3, "s_gen": "not s_gen"},
            text="encode the payload into three shares of the ((2,3)) code",
        ),
        Transition(
            name="send_share1",
            party="Alice",
            guard="s_phase == HOLD and fwd == EMPTY",
            update={
                "s_phase": "WAIT1",
                "a": "a" if keep_copy else "a - 1",
                "fwd": "SHARE",
                "fwd_pkt": "s_pkt",
                "fwd_idx": 1,
                "fwd_gen": "s_gen",
            },
            text="send share 1, keep shares 2 and 3" + (" (and, wrongly, a copy of share 1)" if keep_copy else ""),
        ),
        Transition(
            name="ack1",
            party="Alice",
            guard="s_phase == WAIT1 and " + ack_match.format(i=1),
            update={"s_phase": "PHASE2", "bwd": "EMPTY"},
            text="share 1 acknowledged",
        ),
        Transition(
            name="timeout1",
            party="Alice",
            guard="s_phase == WAIT1 and fwd == EMPTY and bwd == EMPTY and a >= 2",
            update={"s_phase": "READY", "a": 0},
            text="no ACK: decode the payload from the two shares still held, to retry",
        ),
        Transition(
            name="send_share2",
            party="Alice",
            guard="s_phase == PHASE2 and fwd == EMPTY",
            update={
                "s_phase": "WAIT2",
                "a": 0 if early_release else ("a" if keep_copy else "a - 1"),
                "fwd": "SHARE",
                "fwd_pkt": "s_pkt",
                "fwd_idx": 2,
                "fwd_gen": "s_gen",
            },
            text="send share 2" + (", releasing share 3 at once (wrong)" if early_release else ", keep share 3 as the reserve"),
        ),
        Transition(
            name="ack2",
            party="Alice",
            guard="s_phase == WAIT2 and " + ("fwd == EMPTY and bwd == EMPTY" if optimistic else ack_match.format(i=2)),
            update={"s_phase": "READY", "a": 0, "bwd": "EMPTY", "s_pkt": "s_pkt + 1", "losses": 0},
            text=(
                "(wrongly) share 2 has left the slot: count it delivered without an ACK"
                if optimistic
                else "share 2 acknowledged: release share 3, next packet"
            ),
        ),
        Transition(
            name="resend_share3",
            party="Alice",
            guard="s_phase == WAIT2 and fwd == EMPTY and bwd == EMPTY and a >= 1",
            update={
                "s_phase": "WAIT3",
                "a": "a" if keep_copy else "a - 1",
                "fwd": "SHARE",
                "fwd_pkt": "s_pkt",
                "fwd_idx": 3,
                "fwd_gen": "s_gen",
            },
            text="no ACK for share 2: send the reserve share 3",
        ),
        Transition(
            name="give_up2",
            party="Alice",
            guard="s_phase == WAIT2 and fwd == EMPTY and bwd == EMPTY and a == 0",
            update={"s_phase": "GAVE_UP"},
            text="no ACK and no share left: the payload is lost",
        ),
        Transition(
            name="ack3",
            party="Alice",
            guard="s_phase == WAIT3 and " + ack_match.format(i=3),
            update={"s_phase": "READY", "a": 0, "bwd": "EMPTY", "s_pkt": "s_pkt + 1", "losses": 0},
            text="share 3 acknowledged: next packet",
        ),
        Transition(
            name="give_up3",
            party="Alice",
            guard="s_phase == WAIT3 and fwd == EMPTY and bwd == EMPTY",
            update={"s_phase": "GAVE_UP"},
            text="no ACK for the reserve share: the payload is lost",
        ),
    )
    receiver: tuple[Transition, ...]
    if no_seq:
        receiver = (
            Transition(
                name="recv_first",
                party="Bob",
                guard="fwd == SHARE and bwd == EMPTY and r_held == 0",
                update={
                    "fwd": "EMPTY",
                    "r_held": 1,
                    "r_held_pkt": "fwd_pkt",
                    "r_held_gen": "fwd_gen",
                    "bwd": "ACK",
                    "bwd_pkt": "fwd_pkt",
                    "bwd_idx": "fwd_idx",
                },
                text="without sequence numbers: any share is taken as the first share of the next packet",
            ),
            Transition(
                name="recv_second",
                party="Bob",
                guard="fwd == SHARE and bwd == EMPTY and r_held == 1 and r_next < packets",
                update={
                    "fwd": "EMPTY",
                    "r_held": 0,
                    "r_next": "r_next + 1",
                    "r_ok": "r_ok and r_held_pkt == r_next and fwd_pkt == r_next and r_held_gen == fwd_gen",
                    "bwd": "ACK",
                    "bwd_pkt": "fwd_pkt",
                    "bwd_idx": "fwd_idx",
                },
                text="a second share: decode and deliver as the next packet",
            ),
        )
    else:
        receiver = (
            Transition(
                name="recv_first",
                party="Bob",
                guard="fwd == SHARE and bwd == EMPTY and fwd_pkt == r_next and fwd_idx == 1",
                update={
                    "fwd": "EMPTY",
                    "r_held": 1,
                    "r_held_pkt": "fwd_pkt",
                    "r_held_gen": "fwd_gen",
                    "bwd": "ACK",
                    "bwd_pkt": "fwd_pkt",
                    "bwd_idx": 1,
                },
                text="share 1 of the expected packet (a new encoding: drop any older share), ACK it",
            ),
            Transition(
                name="recv_second",
                party="Bob",
                guard="fwd == SHARE and bwd == EMPTY and fwd_pkt == r_next and fwd_idx >= 2 and r_held == 1",
                update={
                    "fwd": "EMPTY",
                    "r_held": 0,
                    "r_next": "r_next + 1",
                    "r_ok": "r_ok and r_held_pkt == r_next and fwd_pkt == r_next and r_held_gen == fwd_gen",
                    "bwd": "ACK",
                    "bwd_pkt": "fwd_pkt",
                    "bwd_idx": "fwd_idx",
                },
                text="a second share of the expected packet: decode, deliver in order, ACK",
            ),
            Transition(
                name="recv_duplicate",
                party="Bob",
                guard="fwd == SHARE and bwd == EMPTY and fwd_pkt < r_next",
                update={"fwd": "EMPTY", "bwd": "ACK", "bwd_pkt": "fwd_pkt", "bwd_idx": "fwd_idx"},
                text="a share of a packet already delivered: discard it, ACK again",
            ),
        )
    channel = (
        Transition(
            name="lose_share",
            party="channel",
            guard="fwd == SHARE and losses < max_losses",
            update={"fwd": "EMPTY", "losses": "losses + 1"},
            text="the quantum channel drops the share",
        ),
        Transition(
            name="lose_ack",
            party="channel",
            guard="bwd == ACK and losses < max_losses",
            update={"bwd": "EMPTY", "losses": "losses + 1"},
            text="the classical channel drops the ACK",
        ),
    )
    return sender + receiver + channel


_AUX = (
    Invariant(
        name="shares-accounted",
        expr="(s_phase == READY implies a == 0) and (s_phase == HOLD implies a == 3) "
        "and (s_phase == WAIT1 implies a == 2) and (s_phase == PHASE2 implies a == 2) "
        "and (s_phase == WAIT2 implies a == 1) and (s_phase == WAIT3 implies a == 0)",
        text="how many shares the sender holds in each phase (auxiliary: strengthens the induction)",
    ),
    Invariant(
        name="one-message-in-flight",
        expr="not (fwd == SHARE and bwd == ACK) "
        "and (fwd == SHARE implies (fwd_pkt == s_pkt and s_phase != READY and s_phase != HOLD and s_phase != PHASE2 "
        "and (s_phase == WAIT1 implies fwd_idx == 1) and (s_phase == WAIT2 implies fwd_idx == 2) "
        "and (s_phase == WAIT3 implies fwd_idx == 3) and fwd_gen == s_gen)) "
        "and (bwd == ACK implies (bwd_pkt == s_pkt and s_phase != READY and s_phase != HOLD and s_phase != PHASE2 "
        "and (s_phase == WAIT1 implies bwd_idx == 1) and (s_phase == WAIT2 implies bwd_idx == 2) "
        "and (s_phase == WAIT3 implies bwd_idx == 3)))",
        text="stop-and-wait: at most one message in the channels, and it belongs to the current share",
    ),
    Invariant(
        name="receiver-in-step",
        expr="(r_next == s_pkt or r_next == s_pkt + 1) "
        "and (r_next == s_pkt + 1 implies (s_phase == WAIT2 or s_phase == WAIT3 or s_phase == GAVE_UP)) "
        "and ((s_phase == READY or s_phase == HOLD) implies r_next == s_pkt) "
        "and (s_phase == PHASE2 implies (r_next == s_pkt and r_held == 1 and r_held_pkt == s_pkt)) "
        "and (r_held == 1 implies r_held_pkt == r_next) "
        "and (s_phase == WAIT2 and r_next == s_pkt implies (r_held == 1 and r_held_pkt == s_pkt)) "
        "and (s_phase == WAIT3 and r_next == s_pkt implies (r_held == 1 and r_held_pkt == s_pkt)) "
        "and (s_phase == WAIT1 and bwd == ACK implies r_held == 1) "
        "and (r_next == s_pkt + 1 implies r_held == 0) "
        "and (s_phase == WAIT2 and fwd == SHARE implies r_next == s_pkt) "
        "and (s_phase == WAIT2 and bwd == ACK implies r_next == s_pkt + 1) "
        "and (s_phase == WAIT3 and r_next == s_pkt + 1 implies losses >= 1) "
        "and (s_phase == WAIT3 implies losses >= 1) and (s_phase == GAVE_UP implies losses >= 2) "
        "and ((s_phase == PHASE2 or s_phase == WAIT2 or s_phase == WAIT3) and r_held == 1 implies r_held_gen == s_gen) "
        "and (s_phase == WAIT1 and bwd == ACK implies r_held_gen == s_gen)",
        text="the receiver is at most one packet ahead of the sender, and only after its second share",
    ),
)

_INVARIANTS = (
    Invariant(
        name="no-cloning",
        expr="not ((s_phase == READY or a >= 2) and r_next > s_pkt and r_ok and s_pkt < packets)",
        text="never may the sender still be able to decode a packet (payload in the clear, or two shares) "
        "that the receiver has decoded: two copies of one qubit",
    ),
    Invariant(
        name="payload-never-lost",
        expr="not (s_phase == GAVE_UP and r_next == s_pkt)",
        text="the payload is never destroyed: the sender never runs out of shares to retransmit while the "
        "receiver has not decoded the packet",
    ),
    Invariant(
        name="acked-only-if-delivered",
        expr="s_pkt <= r_next",
        text="the sender moves past a packet (counts it delivered) only once the receiver has delivered it",
    ),
    Invariant(
        name="exactly-once-in-order",
        expr="r_ok and r_next <= s_pkt + 1",
        text="every delivery decodes two shares of the packet the receiver expects next, so packets are "
        "delivered once each and in order",
    ),
) + _AUX

_STRENGTHEN = ("shares-accounted", "one-message-in-flight", "receiver-in-step")


#: A ranking function for the delivery bound: the most steps still needed
#: before the receiver delivers the current packet, by the sender's phase
#: and what is in flight, plus STEPS_PER_LOSS for every loss still allowed.
#: The engine checks that it drops by at least one on every step (so it is
#: a hint that speeds the proof, never trusted).
PROGRESS = (
    "0 if s_pkt == packets else (6 if s_phase == READY else 5 if s_phase == HOLD else "
    "(4 if fwd == SHARE else 3 if bwd == ACK else 7) if s_phase == WAIT1 else "
    "2 if s_phase == PHASE2 else (1 if fwd == SHARE else 5) if s_phase == WAIT2 else "
    "4 if s_phase == WAIT3 else 1) + 5 * (max_losses - losses)"
)
# (no packet left: nothing to wait for, so a pending claim cannot exist there)


def _properties(max_losses: int, packets: int) -> tuple[Property, ...]:
    bound = delivery_bound(max_losses)
    return (
        Property(
            id="no-cloning",
            engine="statemachine",
            check="statemachine.invariant",
            statement="At no step do two parties hold enough to decode the same packet: once the receiver "
            "has decoded a packet, the sender holds fewer than two of its shares and not the payload.",
            args={"invariant": "no-cloning", "strengthen": _STRENGTHEN},
            reference=YU_LAI_ZHOU.cite,
        ),
        Property(
            id="lost-share-never-loses-payload",
            engine="statemachine",
            check="statemachine.invariant",
            statement=f"With at most {max_losses} lost message(s) per packet, a lost share never loses the payload: "
            "the sender always holds two shares to recover from, or a reserve share to resend.",
            args={"invariant": "payload-never-lost", "strengthen": _STRENGTHEN},
        ),
        Property(
            id="exactly-once-in-order",
            engine="statemachine",
            check="statemachine.invariant",
            statement="The receiver delivers packets in order and never twice: every delivery decodes two "
            "shares of the one packet it expects next (with delivers-within-bound, each packet exactly once).",
            args={"invariant": "exactly-once-in-order", "strengthen": _STRENGTHEN},
        ),
        Property(
            id="acked-only-if-delivered",
            engine="statemachine",
            check="statemachine.invariant",
            statement="The sender counts a packet delivered (moves to the next) only when the receiver has "
            "delivered it (acknowledged ⇒ delivered).",
            args={"invariant": "acked-only-if-delivered", "strengthen": _STRENGTHEN},
        ),
        Property(
            id="delivers-within-bound",
            engine="statemachine",
            check="statemachine.response",
            statement=f"With at most L = {max_losses} losses per packet, within {bound} = 6 + 5·L steps after the "
            "sender has a packet ready, the receiver has delivered it (derivation in the module docstring).",
            args={
                "after": "s_phase == READY and s_pkt < packets",
                "within": bound,
                "holds": "r_next > s_pkt",
                "strengthen": _STRENGTHEN,
                "progress": PROGRESS,
            },
        ),
        Property(
            id="deadlock-free",
            engine="statemachine",
            check="statemachine.deadlock-free",
            statement="Until every packet is acknowledged, some party can always move.",
            args={"except": "s_pkt == packets", "strengthen": _STRENGTHEN},
        ),
        Property(
            id="non-vacuous",
            engine="statemachine",
            check="statemachine.reachable",
            statement=f"Non-vacuity: a run delivers all {packets} packets and has them acknowledged.",
            args={"state": "r_next == packets and s_pkt == packets and r_ok"},
        ),
        Property(
            id="recovers-after-loss",
            engine="statemachine",
            check="statemachine.reachable",
            statement="Non-vacuity of the loss properties: a run loses a message of packet 0 and still delivers it.",
            args={"state": "s_pkt == 0 and losses == 1 and r_next == 1"},
        ),
    )


def retransmission(
    name: str, *, flaw: str | None = None, max_losses: int = 1, packets: int = PACKETS, **changes: Any
) -> TransitionSystem:
    """The retransmission machine (``flaw`` selects a broken variant)."""
    fields: dict[str, Any] = dict(
        summary="Quantum retransmission: ((2,3)) secret sharing replaces the copy TCP would keep.",
    )
    fields.update(changes)
    return TransitionSystem(
        name=name,
        version="1",
        references=(YU_LAI_ZHOU, CLEVE_GOTTESMAN_LO),
        parties=(Party("Alice", "sender"), Party("Bob", "receiver"), Party("channel", "lossy channel")),
        channels=(
            Channel(source="Alice", target="Bob", kind="quantum", note="carries one share at a time; may drop it"),
            Channel(
                source="Bob", target="Alice", kind="classical", authenticated=True, note="ACKs (packet, share); may drop them"
            ),
        ),
        parameters=(
            # the ranges grow with a larger instance (the catalogue's stay 3)
            Parameter(name="packets", default=packets, low=1, high=max(3, packets), integer=True, text="packets to transfer"),
            Parameter(
                name="max_losses",
                default=max_losses,
                low=0,
                high=max(3, max_losses),
                integer=True,
                text="messages the channel may drop per packet (shares or ACKs)",
            ),
        ),
        variables=(
            integer("s_pkt", 0, packets, text="the packet the sender is working on"),
            enum("s_phase", PHASES, text="the sender's phase for that packet"),
            integer("a", 0, 3, text="shares of the current packet in the sender's memory"),
            integer("losses", 0, max(3, max_losses), text="messages lost for the current packet"),
            enum("fwd", ("EMPTY", "SHARE"), text="the quantum slot Alice → Bob"),
            integer("fwd_pkt", 0, packets - 1, text="sequence number of the share in the slot"),
            integer("fwd_idx", 1, 3, text="which share is in the slot"),
            enum("bwd", ("EMPTY", "ACK"), text="the classical slot Bob → Alice"),
            integer("bwd_pkt", 0, packets - 1, text="sequence number the ACK names"),
            integer("bwd_idx", 1, 3, text="share index the ACK names"),
            integer("r_next", 0, packets, text="the next packet the receiver will deliver"),
            integer("r_held", 0, 1, text="shares the receiver holds toward it"),
            integer("r_held_pkt", 0, packets - 1, text="(bookkeeping) the packet the held share really belongs to"),
            boolean("s_gen", text="(bookkeeping) parity of the sender's current encoding of the packet"),
            boolean("fwd_gen", text="(bookkeeping) the encoding the share in the slot belongs to"),
            boolean("r_held_gen", text="(bookkeeping) the encoding the held share belongs to"),
            boolean("r_ok", text="(bookkeeping) every delivery so far decoded two shares of the expected packet"),
        ),
        init={
            "s_pkt": 0,
            "s_phase": "READY",
            "a": 0,
            "losses": 0,
            "fwd": "EMPTY",
            "fwd_pkt": 0,
            "fwd_idx": 1,
            "bwd": "EMPTY",
            "bwd_pkt": 0,
            "bwd_idx": 1,
            "r_next": 0,
            "r_held": 0,
            "r_held_pkt": 0,
            "r_ok": True,
            "s_gen": False,
            "fwd_gen": False,
            "r_held_gen": False,
        },
        transitions=_transitions(flaw),
        invariants=_INVARIANTS,
        readings=READINGS,
        properties=_properties(max_losses, packets),
        **fields,
    )


RETRANSMISSION = retransmission("quantum-retransmission")

RETRANSMISSION_TWO_LOSSES = retransmission(
    "quantum-retransmission-two-losses",
    max_losses=2,
    summary="The same machine with two losses per packet: one level of the ((2,3)) scheme gives up when both the "
    "second share and the reserve are lost, which is why the paper applies the scheme recursively.",
    variant_of="quantum-retransmission",
)
RETRANSMISSION_TWO_LOSSES = RETRANSMISSION_TWO_LOSSES.variant(
    "quantum-retransmission-two-losses",
    properties=tuple(
        Property(
            id=p.id,
            statement=p.statement
            + (
                " [limitation of one level: two losses in the second phase defeat it]"
                if p.id in ("lost-share-never-loses-payload", "delivers-within-bound")
                else ""
            ),
            engine=p.engine,
            check=p.check,
            requires=p.requires,
            # a ranking function cannot exist for a claim that is false here
            args={k: v for k, v in p.args.items() if k != "progress"},
            limitation=p.id in ("lost-share-never-loses-payload", "delivers-within-bound"),
            reference=p.reference,
        )
        for p in RETRANSMISSION_TWO_LOSSES.properties
        if p.id != "deadlock-free"
    ),
)

RETRANSMISSION_KEEPS_COPY = retransmission(
    "quantum-retransmission-keeps-copy",
    flaw="keeps-copy",
    flawed="the sender keeps its shares when sending (a classical sender keeps a copy): once the receiver decodes, "
    "the sender can still decode — a cloned qubit, which no device can do",
    variant_of="quantum-retransmission",
)
RETRANSMISSION_EARLY_RELEASE = retransmission(
    "quantum-retransmission-early-release",
    flaw="early-release",
    flawed="the sender releases its reserve share when it sends share 2, before the ACK: one lost share destroys the payload",
    variant_of="quantum-retransmission",
)
RETRANSMISSION_NO_SEQ = retransmission(
    "quantum-retransmission-no-sequence-numbers",
    flaw="no-sequence-numbers",
    flawed="shares carry no sequence number: after a lost ACK the reserve share of a delivered packet is taken for "
    "the next packet's share, and the receiver delivers a wrong (duplicate-derived) packet",
    variant_of="quantum-retransmission",
)

RETRANSMISSION_MOVES_ON = retransmission(
    "quantum-retransmission-moves-on-without-ack",
    flaw="moves-on-without-ack",
    flawed="the sender counts packet delivered as soon as share 2 has left the channel, without its ACK: a lost "
    "share 2 is counted delivered",
    variant_of="quantum-retransmission",
)

PROTOCOLS = (RETRANSMISSION, RETRANSMISSION_TWO_LOSSES)
FLAWED = (RETRANSMISSION_KEEPS_COPY, RETRANSMISSION_EARLY_RELEASE, RETRANSMISSION_NO_SEQ, RETRANSMISSION_MOVES_ON)


def retransmission_any_packets(
    name: str = "quantum-retransmission-any-packets", *, max_losses: int = 1, max_packets: int = 2**62
) -> TransitionSystem:
    """The machine with the packet count as a *symbolic* constant: a state
    variable ``packets`` in [1, max_packets] that no transition changes and
    the initial state leaves open, so one k-induction proof (Z3) covers every
    packet count up to ``max_packets`` at once.  The explicit engine cannot
    list it (``packets`` has too many values) and says so; Z3 proves each
    property 2- to 12-inductive with the same lemmas as for two packets
    (the packets go strictly one after another and the per-packet state is
    reset, so nothing in the induction depends on their number)."""
    if not isinstance(max_packets, int) or max_packets < 1:
        raise ParameterError(f"retransmission_any_packets: max_packets={max_packets!r} must be an integer >= 1")
    base = retransmission(name, max_losses=max_losses)
    wide = {
        "s_pkt": (0, max_packets),
        "r_next": (0, max_packets),
        "fwd_pkt": (0, max_packets - 1),
        "bwd_pkt": (0, max_packets - 1),
        "r_held_pkt": (0, max_packets - 1),
    }
    variables = tuple(integer(v.name, *wide[v.name], text=v.text) if v.name in wide else v for v in base.variables)
    variables += (integer("packets", 1, max_packets, text="packets to transfer (symbolic: any value, fixed for the run)"),)
    properties = tuple(
        Property(
            id=p.id,
            statement=p.statement.replace("all 2 packets", "all the packets"),
            engine=p.engine,
            check=p.check,
            args=p.args,
            requires=p.requires,
            limitation=p.limitation,
            reference=p.reference,
        )
        for p in base.properties
    )
    return base.variant(
        name,
        parameters=tuple(p for p in base.parameters if p.name != "packets"),
        variables=variables,
        properties=properties,
        summary=f"Quantum retransmission for any number of packets up to {max_packets} (symbolic).",
    )
