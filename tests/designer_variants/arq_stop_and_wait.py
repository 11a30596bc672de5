"""A designer's stop-and-wait ARQ with the alternating bit (Bartlett, Scantlebury,
Wilkinson 1969), over a lossy channel: the small machine that stayed
``bounded`` under Z3 until ``max_k`` was guessed, and that the explicit-state
engine now proves push-button.

The sender sends message i with bit b = i mod 2 and waits; the receiver
delivers a DATA whose bit is the one it expects (then flips its bit) and
acknowledges every DATA with its bit; a DATA with the other bit is a
retransmission of what it already delivered: it re-acknowledges it only.  The
sender moves on at an ACK with its bit.  Each direction is one slot; a
timeout (retransmission) fires only when both slots are empty, i.e. the
timer is longer than the round trip.  The channel may drop at most
``max_losses`` messages (DATA or ACK) in the whole run.

Delivery bound, derived by hand: without loss each message costs 3 steps
(send, receive, ACK), and the last one is delivered at its receive, so all
``n`` are delivered by step 3n - 1.  A lost DATA costs 2 steps (the loss,
the timeout); a lost ACK costs 3 (the loss, the timeout, the receipt of the
duplicate, which is re-acknowledged) — but only before the last message
is delivered, i.e. an ACK of one of the first n - 1 messages: ``3n - 1 + 3L``
for n ≥ 2 (lose L ACKs of message 1), ``2 + 2L`` for n = 1 (only DATA
losses delay it); both tight.

``flaw="no-bit-check"``: the receiver delivers every DATA — a lost ACK makes
it deliver a message twice.
"""

from __future__ import annotations

from qproto.spec.protocol import Parameter, Property
from qproto.spec.transition import Invariant, Transition, TransitionSystem, boolean, enum, integer


def delivery_bound(messages: int, max_losses: int) -> int:
    """Worst-case steps until every message is delivered: 3n - 1 + 3L
    (n ≥ 2), 2 + 2L (n = 1)."""
    return 2 + 2 * max_losses if messages == 1 else 3 * messages - 1 + 3 * max_losses


def arq(messages: int = 3, max_losses: int = 2, flaw: str | None = None, within: int | None = None) -> TransitionSystem:
    n = messages
    bound = delivery_bound(n, max_losses) if within is None else within
    fresh = "fwd_bit == r_bit" if flaw != "no-bit-check" else "True"
    return TransitionSystem(
        name=f"designer-arq-stop-and-wait-{n}-msgs-{max_losses}-losses" + (f"-{flaw}" if flaw else ""),
        summary="Stop-and-wait ARQ with the alternating bit over a lossy channel (a designer's machine).",
        parameters=(
            Parameter(name="n", default=n, low=1, high=50, integer=True, text="messages to send"),
            Parameter(
                name="max_losses",
                default=max_losses,
                low=0,
                high=20,
                integer=True,
                text="messages the channel may drop in the whole run",
            ),
        ),
        variables=(
            integer("s_next", 0, n, text="the sender's next message (n: all acknowledged)"),
            integer("s_bit", 0, 1, text="the sender's bit"),
            boolean("s_waiting", text="the sender waits for the ACK of s_next"),
            enum("fwd", ("EMPTY", "DATA"), text="the data slot"),
            integer("fwd_bit", 0, 1),
            integer("fwd_msg", 0, max(n - 1, 0)),
            enum("bwd", ("EMPTY", "ACK"), text="the ACK slot"),
            integer("bwd_bit", 0, 1),
            integer("r_bit", 0, 1, text="the bit the receiver expects"),
            integer("delivered", 0, n, text="messages delivered to the receiver's user"),
            boolean("duplicate", text="(bookkeeping) a message was delivered twice"),
            boolean("out_of_order", text="(bookkeeping) a message was delivered before its predecessor"),
            integer("losses", 0, max_losses),
        ),
        init={
            "s_next": 0,
            "s_bit": 0,
            "s_waiting": False,
            "fwd": "EMPTY",
            "fwd_bit": 0,
            "fwd_msg": 0,
            "bwd": "EMPTY",
            "bwd_bit": 0,
            "r_bit": 0,
            "delivered": 0,
            "duplicate": False,
            "out_of_order": False,
            "losses": 0,
        },
        transitions=(
            Transition(
                name="send",
                party="sender",
                guard="s_next < n and not s_waiting and fwd == EMPTY",
                update={"fwd": "DATA", "fwd_bit": "s_bit", "fwd_msg": "s_next", "s_waiting": True},
            ),
            Transition(
                name="timeout",
                party="sender",
                guard="s_waiting and fwd == EMPTY and bwd == EMPTY",
                update={"fwd": "DATA", "fwd_bit": "s_bit", "fwd_msg": "s_next"},
                text="retransmit",
            ),
            Transition(
                name="deliver",
                party="receiver",
                guard=f"fwd == DATA and bwd == EMPTY and {fresh}",
                update={
                    "delivered": "min(delivered + 1, n)",
                    "duplicate": "duplicate or fwd_msg < delivered",
                    "out_of_order": "out_of_order or fwd_msg > delivered",
                    "r_bit": "1 - r_bit",
                    "bwd": "ACK",
                    "bwd_bit": "fwd_bit",
                    "fwd": "EMPTY",
                },
            ),
            Transition(
                name="reack",
                party="receiver",
                guard="fwd == DATA and bwd == EMPTY and fwd_bit != r_bit" + (" and False" if flaw else ""),
                update={"bwd": "ACK", "bwd_bit": "fwd_bit", "fwd": "EMPTY"},
                text="a retransmission: ACK again",
            ),
            Transition(
                name="ack",
                party="sender",
                guard="bwd == ACK and s_waiting and bwd_bit == s_bit",
                update={"s_next": "s_next + 1", "s_bit": "1 - s_bit", "s_waiting": False, "bwd": "EMPTY"},
            ),
            Transition(
                name="stale_ack",
                party="sender",
                guard="bwd == ACK and not (s_waiting and bwd_bit == s_bit)",
                update={"bwd": "EMPTY"},
            ),
            Transition(
                name="lose_data",
                party="channel",
                guard="fwd == DATA and losses < max_losses",
                update={"fwd": "EMPTY", "losses": "losses + 1"},
            ),
            Transition(
                name="lose_ack",
                party="channel",
                guard="bwd == ACK and losses < max_losses",
                update={"bwd": "EMPTY", "losses": "losses + 1"},
            ),
        ),
        invariants=(Invariant(name="no-duplicate", expr="not duplicate"), Invariant(name="in-order", expr="not out_of_order")),
        properties=(
            Property(
                id="no-duplicate-delivery",
                statement="No message is delivered twice.",
                engine="statemachine",
                check="statemachine.invariant",
                args={"invariant": "no-duplicate"},
            ),
            Property(
                id="in-order",
                statement="Messages are delivered in order.",
                engine="statemachine",
                check="statemachine.invariant",
                args={"invariant": "in-order"},
            ),
            Property(
                id="eventually-delivered",
                engine="statemachine",
                check="statemachine.response",
                statement=f"With at most L = {max_losses} losses, all {n} messages are delivered within "
                f"{bound} steps of the start (3n - 1 + 3L; 2 + 2L for one message).",
                args={"after": "s_next == 0 and not s_waiting and delivered == 0", "within": bound, "holds": f"delivered == {n}"},
            ),
            Property(
                id="live",
                statement="Nothing blocks before every message is acknowledged.",
                engine="statemachine",
                check="statemachine.deadlock-free",
                args={"except": "s_next == n"},
            ),
            Property(
                id="non-vacuous",
                statement="A run loses max_losses messages and still delivers everything.",
                engine="statemachine",
                check="statemachine.reachable",
                args={"state": f"losses == max_losses and delivered == {n}"},
            ),
        ),
    )


SPEC = arq()
