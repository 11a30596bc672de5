"""Quantum retransmission with the ((2,3)) scheme applied recursively
(Yu, Lai, Zhou 2021), one packet.

One level (``qproto.spec.retransmission``) survives the loss of share 1 any
number of times, but gives up when both share 2 and its reserve share 3
are lost.  The published protocol applies the scheme *recursively*: the
share that must cross the channel after share 1 has arrived is itself
encoded with the ((2,3)) scheme into three sub-shares and sent the same
way — sub-share 1 (recoverable from the two sub-shares kept), then
sub-share 2 with sub-share 3 as its reserve.  If that inner transfer fails,
the sender still holds the other payload share and moves it by a fresh
inner transfer.  Two levels therefore survive any three losses: losing the
payload takes both tail sub-shares of both inner transfers.

The worst case costs 5 steps per loss (a lost ACK of a first share or
first sub-share: receive, lose the ACK, time out and decode, re-encode,
resend), on top of 10 steps without loss — derived in the module text of
``delivery_bound`` and proved (and shown tight) by the engine.
"""

from __future__ import annotations

from typing import Any

from .protocol import Channel, Parameter, Party, Property
from .retransmission import CLEVE_GOTTESMAN_LO, YU_LAI_ZHOU
from .transition import Invariant, Reading, Transition, TransitionSystem, boolean, enum, integer
from .validation import check_int

PHASES = (
    "READY",
    "HOLD",
    "WAIT1",
    "PHASE2",
    "SUB_READY",
    "SUB_HOLD",
    "SUB_WAIT1",
    "SUB_PHASE2",
    "SUB_WAIT2",
    "SUB_WAIT3",
    "DONE",
    "GAVE_UP",
)

#: Steps without loss: encode, send share 1, receive, ACK, encode share 2
#: into sub-shares, send sub-share 1, receive, ACK, send sub-share 2,
#: receive and decode (share 2, then the payload).
STEPS_WITHOUT_LOSS = 10
#: The most one loss can cost (a lost ACK of share 1 or of sub-share 1).  A
#: lost sub-share 2 costs 2 (send the reserve); a lost reserve costs 6 (move
#: the other payload share by a fresh inner transfer) but needs the 2-step
#: loss before it, 8 for two losses, less than 2 × 5.
STEPS_PER_LOSS = 5


def delivery_bound(max_losses: int) -> int:
    """Worst-case steps from a ready packet to its delivery: ``10 + 5·L``."""
    return STEPS_WITHOUT_LOSS + STEPS_PER_LOSS * max_losses


READINGS = (
    Reading(
        topic="what is applied recursively",
        choice="the share sent after share 1 has arrived (share 2, or share 3 if share 2's transfer fails) is "
        "encoded into three sub-shares and sent by the one-level protocol; two levels are modelled",
        reason="it is the only transfer in one level whose loss cannot be recovered; two levels already "
        "survive three losses, and each further level adds more of the same.",
    ),
    Reading(
        topic="sub-share bookkeeping at the receiver",
        choice="sub-share 1 always starts a new inner encoding (an older held sub-share is dropped); a second "
        "sub-share decodes the payload share, which with share 1 decodes the payload",
        reason="the same rule as share 1 at the outer level: the receiver never combines two encodings.",
    ),
    Reading(
        topic="timeouts and ACKs",
        choice="as in the one-level protocol: a timeout fires only when the slot and the ACK slot are empty; "
        "ACKs name the level (share or sub-share) and the index",
        reason="a timeout longer than the round trip; the level in the ACK keeps the two transfers apart.",
    ),
)


def _transitions(flaw: str | None) -> tuple[Transition, ...]:
    no_fallback = flaw == "no-fallback"
    early_done = flaw == "done-on-first-sub-ack"
    ack = "bwd == ACK and bwd_kind == {k} and bwd_idx == {i}"
    return (
        Transition(
            name="encode",
            party="Alice",
            guard="s_phase == READY",
            update={"s_phase": "HOLD", "a": 3},
            text="encode the payload into shares 1, 2, 3",
        ),
        Transition(
            name="send_share1",
            party="Alice",
            guard="s_phase == HOLD and fwd == EMPTY",
            update={"s_phase": "WAIT1", "a": "a - 1", "fwd": "SHARE", "fwd_idx": 1},
            text="send share 1, keep shares 2 and 3",
        ),
        Transition(
            name="ack1",
            party="Alice",
            guard="s_phase == WAIT1 and " + ack.format(k="SHARE", i=1),
            update={"s_phase": "PHASE2", "bwd": "EMPTY"},
            text="share 1 acknowledged",
        ),
        Transition(
            name="timeout1",
            party="Alice",
            guard="s_phase == WAIT1 and fwd == EMPTY and bwd == EMPTY",
            update={"s_phase": "READY", "a": 0},
            text="no ACK: decode the payload from shares 2, 3",
        ),
        Transition(
            name="sub_encode",
            party="Alice",
            guard="s_phase == PHASE2",
            update={"s_phase": "SUB_HOLD", "a": "a - 1", "cur": 2, "sub": 3},
            text="encode share 2 into three sub-shares (the recursion)",
        ),
        Transition(
            name="sub_reencode",
            party="Alice",
            guard="s_phase == SUB_READY",
            update={"s_phase": "SUB_HOLD", "sub": 3},
            text="encode the recovered share again",
        ),
        Transition(
            name="send_sub1",
            party="Alice",
            guard="s_phase == SUB_HOLD and fwd == EMPTY",
            update={"s_phase": "SUB_WAIT1", "sub": "sub - 1", "fwd": "SUB", "fwd_idx": 1},
            text="send sub-share 1, keep sub-shares 2 and 3",
        ),
        Transition(
            name="sub_ack1",
            party="Alice",
            guard="s_phase == SUB_WAIT1 and " + ack.format(k="SUB", i=1),
            update={"s_phase": "SUB_PHASE2", "bwd": "EMPTY"},
            text="sub-share 1 acknowledged",
        ),
        Transition(
            name="sub_timeout1",
            party="Alice",
            guard="s_phase == SUB_WAIT1 and fwd == EMPTY and bwd == EMPTY",
            update={"s_phase": "SUB_READY", "sub": 0},
            text="no ACK: decode the share from sub-shares 2, 3",
        ),
        Transition(
            name="send_sub2",
            party="Alice",
            guard="s_phase == SUB_PHASE2 and fwd == EMPTY",
            update={"s_phase": "SUB_WAIT2", "sub": "sub - 1", "fwd": "SUB", "fwd_idx": 2},
            text="send sub-share 2, keep sub-share 3 as its reserve",
        ),
        Transition(
            name="done",
            party="Alice",
            guard="(s_phase == SUB_WAIT2 and "
            + ack.format(k="SUB", i=2)
            + ") or (s_phase == SUB_WAIT3 and "
            + ack.format(k="SUB", i=3)
            + ")"
            + (" or (s_phase == SUB_WAIT1 and " + ack.format(k="SUB", i=1) + ")" if early_done else ""),
            update={"s_phase": "DONE", "bwd": "EMPTY", "a": 0, "sub": 0},
            text="the receiver has decoded: release everything still held",
        ),
        Transition(
            name="send_sub3",
            party="Alice",
            guard="s_phase == SUB_WAIT2 and fwd == EMPTY and bwd == EMPTY",
            update={"s_phase": "SUB_WAIT3", "sub": "sub - 1", "fwd": "SUB", "fwd_idx": 3},
            text="no ACK for sub-share 2: send the reserve sub-share 3",
        ),
        Transition(
            name="fallback",
            party="Alice",
            guard="s_phase == SUB_WAIT3 and fwd == EMPTY and bwd == EMPTY and a >= 1" + (" and False" if no_fallback else ""),
            update={"s_phase": "SUB_HOLD", "a": "a - 1", "cur": 3, "sub": 3},
            text="the inner transfer failed: encode the other payload share (3) and move it instead",
        ),
        Transition(
            name="give_up",
            party="Alice",
            guard="s_phase == SUB_WAIT3 and fwd == EMPTY and bwd == EMPTY" + ("" if no_fallback else " and a == 0"),
            update={"s_phase": "GAVE_UP"},
            text="nothing left to send: the payload is lost",
        ),
        Transition(
            name="recv_share1",
            party="Bob",
            guard="fwd == SHARE and bwd == EMPTY and not delivered",
            update={"fwd": "EMPTY", "r_held": 1, "r_sub": 0, "bwd": "ACK", "bwd_kind": "SHARE", "bwd_idx": 1},
            text="share 1 (a new encoding): hold it, ACK",
        ),
        Transition(
            name="recv_sub1",
            party="Bob",
            guard="fwd == SUB and fwd_idx == 1 and bwd == EMPTY and not delivered",
            update={"fwd": "EMPTY", "r_sub": 1, "bwd": "ACK", "bwd_kind": "SUB", "bwd_idx": 1},
            text="sub-share 1 (a new inner encoding): hold it, ACK",
        ),
        Transition(
            name="recv_sub_second",
            party="Bob",
            guard="fwd == SUB and fwd_idx >= 2 and bwd == EMPTY and not delivered and r_sub == 1 and r_held == 1",
            update={
                "fwd": "EMPTY",
                "r_sub": 0,
                "r_held": 0,
                "delivered": True,
                "deliveries": "min(deliveries + 1, 2)",
                "bwd": "ACK",
                "bwd_kind": "SUB",
                "bwd_idx": "fwd_idx",
            },
            text="a second sub-share: decode the share, then with share 1 the payload; deliver, ACK",
        ),
        Transition(
            name="recv_duplicate",
            party="Bob",
            guard="fwd == SUB and bwd == EMPTY and delivered",
            update={"fwd": "EMPTY", "bwd": "ACK", "bwd_kind": "SUB", "bwd_idx": "fwd_idx"},
            text="a share of a delivered packet: discard, ACK again",
        ),
        Transition(
            name="lose_fwd",
            party="channel",
            guard="fwd != EMPTY and losses < max_losses",
            update={"fwd": "EMPTY", "losses": "losses + 1"},
            text="the quantum channel drops the (sub-)share",
        ),
        Transition(
            name="lose_ack",
            party="channel",
            guard="bwd == ACK and losses < max_losses",
            update={"bwd": "EMPTY", "losses": "losses + 1"},
            text="the classical channel drops the ACK",
        ),
    )


#: A ranking function for the delivery bound (the most steps still needed,
#: by phase and what is in flight, plus 5 per loss still allowed); checked
#: by the engine to drop on every step, never trusted.
PROGRESS = (
    "(10 if s_phase == READY else 9 if s_phase == HOLD else "
    "(8 if fwd == SHARE else 7 if bwd == ACK else 11) if s_phase == WAIT1 else "
    "6 if s_phase == PHASE2 else 5 if s_phase == SUB_HOLD else "
    "(4 if fwd == SUB else 3 if bwd == ACK else 7) if s_phase == SUB_WAIT1 else "
    "6 if s_phase == SUB_READY else 2 if s_phase == SUB_PHASE2 else "
    "(1 if fwd == SUB else 5) if s_phase == SUB_WAIT2 else "
    "(4 if fwd == SUB else 8) if s_phase == SUB_WAIT3 else 1) + 5 * (max_losses - losses)"
)

_ALICE_DECODES = "(s_phase == READY or a + (1 if sub >= 2 else 0) >= 2)"

_INVARIANTS = (
    Invariant(
        name="no-cloning",
        expr=f"not ({_ALICE_DECODES} and delivered)",
        text="the sender can never still decode the payload once the receiver has",
    ),
    Invariant(
        name="payload-never-lost",
        expr="not (s_phase == GAVE_UP and not delivered)",
        text="the sender never runs out of (sub-)shares while the receiver lacks the payload",
    ),
    Invariant(name="delivered-once", expr="deliveries <= 1", text="the packet is delivered exactly once"),
    Invariant(
        name="done-only-if-delivered",
        expr="s_phase == DONE implies delivered",
        text="the sender releases everything and counts the packet delivered only once the receiver has it",
    ),
    Invariant(
        name="recursive-consistent",
        expr="(s_phase == READY implies (a == 0 and sub == 0)) and (s_phase == HOLD implies (a == 3 and sub == 0)) "
        "and (s_phase == WAIT1 implies (a == 2 and sub == 0)) and (s_phase == PHASE2 implies (a == 2 and sub == 0)) "
        "and (s_phase == SUB_READY implies sub == 0) and (s_phase == SUB_HOLD implies sub == 3) "
        "and ((s_phase == SUB_WAIT1 or s_phase == SUB_PHASE2) implies sub == 2) "
        "and (s_phase == SUB_WAIT2 implies sub == 1) and (s_phase == SUB_WAIT3 implies sub == 0) "
        "and (s_phase == DONE implies (a == 0 and sub == 0 and delivered)) "
        "and ((s_phase == SUB_READY or s_phase == SUB_HOLD or s_phase == SUB_WAIT1 or s_phase == SUB_PHASE2 "
        "or s_phase == SUB_WAIT2 or s_phase == SUB_WAIT3) implies ((cur == 2 and a == 1) or (cur == 3 and a == 0))) "
        "and ((s_phase == READY or s_phase == HOLD or s_phase == WAIT1 or s_phase == PHASE2) implies not delivered) "
        "and (not (fwd != EMPTY and bwd == ACK)) "
        "and (fwd == SHARE implies (s_phase == WAIT1 and fwd_idx == 1)) "
        "and (fwd == SUB implies ((s_phase == SUB_WAIT1 and fwd_idx == 1) or (s_phase == SUB_WAIT2 and fwd_idx == 2) "
        "or (s_phase == SUB_WAIT3 and fwd_idx == 3))) "
        "and (bwd == ACK and bwd_kind == SHARE implies (s_phase == WAIT1 and bwd_idx == 1 and r_held == 1)) "
        "and (bwd == ACK and bwd_kind == SUB implies ((s_phase == SUB_WAIT1 and bwd_idx == 1) "
        "or (s_phase == SUB_WAIT2 and bwd_idx == 2) or (s_phase == SUB_WAIT3 and bwd_idx == 3))) "
        "and (bwd == ACK and bwd_kind == SUB and bwd_idx == 1 and not delivered implies r_sub == 1) "
        "and (bwd == ACK and bwd_kind == SUB and bwd_idx >= 2 implies delivered) "
        "and ((s_phase == PHASE2 or s_phase == SUB_READY or s_phase == SUB_HOLD or s_phase == SUB_WAIT1 "
        "or s_phase == SUB_PHASE2 or s_phase == SUB_WAIT2 or s_phase == SUB_WAIT3) and not delivered implies r_held == 1) "
        "and ((s_phase == SUB_PHASE2 or s_phase == SUB_WAIT2 or s_phase == SUB_WAIT3) and not delivered implies r_sub == 1) "
        "and (delivered implies (r_held == 0 and r_sub == 0 and deliveries == 1)) "
        "and (not delivered implies deliveries == 0) "
        "and ((s_phase == SUB_WAIT3 and not delivered) implies losses >= 1) "
        "and ((s_phase == SUB_WAIT3 and cur == 3 and not delivered) implies losses >= 3) "
        "and ((s_phase == SUB_WAIT2 and cur == 3 and not delivered) implies losses >= 2) "
        "and ((cur == 3 and not delivered and s_phase != GAVE_UP) implies losses >= 2) "
        "and (s_phase == GAVE_UP implies losses >= 4 or delivered)",
        text="(auxiliary) shares held in each phase, what is in flight, and the losses the fallback costs",
    ),
)

_S = ("recursive-consistent",)


def recursive(name: str, flaw: str | None = None, max_losses: int = 3, **changes) -> TransitionSystem:
    fields: dict[str, Any] = dict(
        summary="Quantum retransmission with the ((2,3)) scheme applied recursively (two levels): "
        "any three losses leave the payload recoverable."
    )
    fields.update(changes)
    bound = delivery_bound(max_losses)
    return TransitionSystem(
        name=name,
        references=(YU_LAI_ZHOU, CLEVE_GOTTESMAN_LO),
        parties=(Party("Alice", "sender"), Party("Bob", "receiver"), Party("channel", "lossy channel")),
        channels=(
            Channel(source="Alice", target="Bob", kind="quantum", note="one share or sub-share at a time; may drop it"),
            Channel(
                source="Bob", target="Alice", kind="classical", authenticated=True, note="ACKs (level, index); may drop them"
            ),
        ),
        parameters=(
            Parameter(
                name="max_losses",
                default=max_losses,
                low=0,
                high=5,
                integer=True,
                text="messages the channel may drop for the packet",
            ),
        ),
        variables=(
            enum("s_phase", PHASES, text="the sender's phase"),
            integer("a", 0, 3, text="whole payload shares the sender holds"),
            integer("cur", 2, 3, text="the payload share being moved by the inner transfer"),
            integer("sub", 0, 3, text="sub-shares of that share the sender holds"),
            integer("losses", 0, 5, text="messages lost so far"),
            enum("fwd", ("EMPTY", "SHARE", "SUB"), text="the quantum slot: a payload share or a sub-share"),
            integer("fwd_idx", 1, 3, text="its index"),
            enum("bwd", ("EMPTY", "ACK"), text="the classical slot"),
            enum("bwd_kind", ("SHARE", "SUB"), text="the level the ACK names"),
            integer("bwd_idx", 1, 3, text="the index the ACK names"),
            integer("r_held", 0, 1, text="payload shares the receiver holds (share 1)"),
            integer("r_sub", 0, 1, text="sub-shares the receiver holds"),
            boolean("delivered", text="the receiver has decoded and delivered the payload"),
            integer("deliveries", 0, 2, text="(bookkeeping) deliveries so far, saturating"),
        ),
        init={
            "s_phase": "READY",
            "a": 0,
            "cur": 2,
            "sub": 0,
            "losses": 0,
            "fwd": "EMPTY",
            "fwd_idx": 1,
            "bwd": "EMPTY",
            "bwd_kind": "SHARE",
            "bwd_idx": 1,
            "r_held": 0,
            "r_sub": 0,
            "delivered": False,
            "deliveries": 0,
        },
        transitions=_transitions(flaw),
        invariants=_INVARIANTS,
        readings=READINGS,
        properties=(
            Property(
                id="no-cloning",
                engine="statemachine",
                check="statemachine.invariant",
                statement="The sender can never still decode the payload (two payload shares, counting a share "
                "of which it holds two sub-shares) once the receiver has decoded it.",
                args={"invariant": "no-cloning", "strengthen": _S},
                reference=YU_LAI_ZHOU.cite,
            ),
            Property(
                id="three-losses-never-lose-payload",
                engine="statemachine",
                check="statemachine.invariant",
                statement=f"With at most {max_losses} lost messages, the payload is never lost.",
                args={"invariant": "payload-never-lost", "strengthen": _S},
            ),
            Property(
                id="delivered-exactly-once",
                engine="statemachine",
                check="statemachine.invariant",
                statement="The packet is delivered at most once (and, by delivers-within-bound, at least once).",
                args={"invariant": "delivered-once", "strengthen": _S},
            ),
            Property(
                id="done-only-if-delivered",
                engine="statemachine",
                check="statemachine.invariant",
                statement="The sender counts the packet delivered (DONE, every share released) only when the "
                "receiver has delivered it.",
                args={"invariant": "done-only-if-delivered", "strengthen": _S},
            ),
            Property(
                id="delivers-within-bound",
                engine="statemachine",
                check="statemachine.response",
                statement=f"With at most L = {max_losses} losses, the receiver delivers within {bound} = 10 + 5·L "
                "steps of the packet being ready.",
                args={"after": "s_phase == READY", "within": bound, "holds": "delivered", "strengthen": _S, "progress": PROGRESS},
            ),
            Property(
                id="non-vacuous-fallback",
                engine="statemachine",
                check="statemachine.reachable",
                statement="Non-vacuity: a run loses both tail sub-shares of share 2, falls back to share 3, and still delivers.",
                args={"state": "delivered and cur == 3 and losses == 2", "bound": 24},
            ),
        ),
        **fields,
    )


RETRANSMISSION_RECURSIVE = recursive("quantum-retransmission-recursive")
RETRANSMISSION_RECURSIVE_NO_FALLBACK = recursive(
    "quantum-retransmission-recursive-no-fallback",
    flaw="no-fallback",
    flawed="when the inner transfer of share 2 fails, the sender gives up instead of moving share 3: "
    "two losses destroy the payload although it holds a share",
    variant_of="quantum-retransmission-recursive",
)

RETRANSMISSION_RECURSIVE_EARLY_DONE = recursive(
    "quantum-retransmission-recursive-early-done",
    flaw="done-on-first-sub-ack",
    flawed="the sender takes the ACK of sub-share 1 for the end of the transfer and releases everything: the "
    "receiver never gets the payload",
    variant_of="quantum-retransmission-recursive",
)

PROTOCOLS = (RETRANSMISSION_RECURSIVE,)
FLAWED = (RETRANSMISSION_RECURSIVE_NO_FALLBACK, RETRANSMISSION_RECURSIVE_EARLY_DONE)


# ---------------------------------------------------------------------------
# any number of levels (a parameterised model; the catalogue keeps the
# two-level machine above)

LEVEL_PHASES = ("IDLE", "READY", "HOLD", "WAIT1", "PHASE2", "INNER", "WAIT2", "WAIT3", "DONE", "FAILED")


def losses_survived(levels: int) -> int:
    """The most losses ``levels`` levels always survive: 2^levels - 1.

    The innermost level fails only when its share 2 and its reserve share 3
    are both lost (2 losses; a lost share 1 or ACK is recovered by decoding
    shares 2 and 3, at the price of a loss but never of the payload).  A
    level above fails only when the inner transfers of both its share 2 and
    its share 3 fail: twice what one inner transfer needs.  So failing
    ``levels`` levels takes 2^levels losses (2 for one level: Yu, Lai, Zhou
    2021's one-level scheme; 4 for two: "any three losses")."""
    return 2**levels - 1


def levels_delivery_bound(levels: int, max_losses: int) -> int:
    """An upper bound on the steps from a ready payload to its delivery:
    ``5·D + 1 + 8·L`` for D levels and L losses.

    Without loss each level costs encode, send share 1, receive, ACK (4
    steps) and each level but the innermost one more to start its inner
    transfer; the innermost then sends share 2 and the receiver decodes (2):
    4D + (D - 1) + 2 = 5D + 1.  A lost share 1 or its ACK costs at most 5
    (lose, time out, re-encode, resend, receive).  A failed inner transfer of
    depth k costs F(k) + 1 steps (+1: the fallback), with F(1) = 9 (the four
    steps of share 1, send 2, lose, send 3, lose, give up) and
    F(k) = 7 + 2·F(k - 1) (share 1, start, a failed inner transfer, fallback,
    another failed one, give up), so F(k) + 1 = 8·2^k - 6 < 8 × the 2^k
    losses it took.  Not tight (the failed attempt's own progress is counted
    as waste); the exact worst case is what the explicit engine measures."""
    return 5 * levels + 1 + 8 * max_losses


def recursive_levels(levels: int = 3, max_losses: int = 5, name: str | None = None) -> TransitionSystem:
    """The ((2,3)) retransmission applied recursively ``levels`` times, one
    packet, the channel dropping at most ``max_losses`` messages: level 0
    moves the payload; level l moves the share of level l - 1 being
    transferred; the innermost level sends its share 2 with share 3 as the
    reserve.  The receiver holds share 1 of the current encoding at each
    level; a share 2 or 3 of the innermost level then decodes every level
    at once.  ``levels=2`` is the catalogue machine's protocol (with one
    extra step to start each inner transfer and to report its end)."""
    levels = check_int("recursive_levels: levels", levels, 1, 6)
    max_losses = check_int("recursive_levels: max_losses", max_losses, 0, 40)
    D, leaf = levels, levels - 1
    ack = "bwd == ACK and bwd_lvl == {l} and bwd_idx == {i}"
    ts: list[Transition] = []
    for l in range(D):
        ph = f"ph{l}"
        ts += [
            Transition(
                name=f"encode{l}",
                party="Alice",
                guard=f"{ph} == READY",
                update={ph: "HOLD"},
                text=f"level {l}: encode the item into shares 1, 2, 3",
            ),
            Transition(
                name=f"send1_{l}",
                party="Alice",
                guard=f"{ph} == HOLD and fwd == EMPTY",
                update={ph: "WAIT1", "fwd": "SHARE", "fwd_lvl": l, "fwd_idx": 1},
                text=f"level {l}: send share 1, keep shares 2 and 3",
            ),
            Transition(
                name=f"ack1_{l}",
                party="Alice",
                guard=f"{ph} == WAIT1 and " + ack.format(l=l, i=1),
                update={ph: "PHASE2", "bwd": "EMPTY"},
            ),
            Transition(
                name=f"timeout1_{l}",
                party="Alice",
                guard=f"{ph} == WAIT1 and fwd == EMPTY and bwd == EMPTY",
                update={ph: "READY"},
                text=f"level {l}: no ACK, decode the item from shares 2 and 3",
            ),
        ]
        if l < leaf:
            nxt = f"ph{l + 1}"
            ts += [
                Transition(
                    name=f"inner{l}",
                    party="Alice",
                    guard=f"{ph} == PHASE2",
                    update={ph: "INNER", f"cur{l}": 2, nxt: "READY"},
                    text=f"level {l}: move share 2 by an inner transfer (level {l + 1})",
                ),
                Transition(
                    name=f"inner_done{l}",
                    party="Alice",
                    guard=f"{ph} == INNER and {nxt} == DONE",
                    update={ph: "DONE", nxt: "IDLE"},
                ),
                Transition(
                    name=f"fallback{l}",
                    party="Alice",
                    guard=f"{ph} == INNER and {nxt} == FAILED and cur{l} == 2",
                    update={f"cur{l}": 3, nxt: "READY"},
                    text=f"level {l}: the inner transfer failed, move share 3 instead",
                ),
                Transition(
                    name=f"fail{l}",
                    party="Alice",
                    guard=f"{ph} == INNER and {nxt} == FAILED and cur{l} == 3",
                    update={ph: "FAILED", nxt: "IDLE"},
                    text=f"level {l}: both inner transfers failed",
                ),
            ]
        else:
            ts += [
                Transition(
                    name="send2",
                    party="Alice",
                    guard=f"{ph} == PHASE2 and fwd == EMPTY",
                    update={ph: "WAIT2", "fwd": "SHARE", "fwd_lvl": l, "fwd_idx": 2},
                    text="innermost level: send share 2, keep share 3 as its reserve",
                ),
                Transition(
                    name="ack_last",
                    party="Alice",
                    guard=f"({ph} == WAIT2 and {ack.format(l=l, i=2)}) or ({ph} == WAIT3 and {ack.format(l=l, i=3)})",
                    update={ph: "DONE", "bwd": "EMPTY"},
                ),
                Transition(
                    name="send3",
                    party="Alice",
                    guard=f"{ph} == WAIT2 and fwd == EMPTY and bwd == EMPTY",
                    update={ph: "WAIT3", "fwd": "SHARE", "fwd_lvl": l, "fwd_idx": 3},
                    text="no ACK for share 2: send the reserve share 3",
                ),
                Transition(
                    name="give_up", party="Alice", guard=f"{ph} == WAIT3 and fwd == EMPTY and bwd == EMPTY", update={ph: "FAILED"}
                ),
            ]
        deeper = {f"r1_{m}": 0 for m in range(l + 1, D)}
        ts.append(
            Transition(
                name=f"recv1_{l}",
                party="Bob",
                guard=f"fwd == SHARE and fwd_lvl == {l} and fwd_idx == 1 and bwd == EMPTY and not delivered",
                update={"fwd": "EMPTY", f"r1_{l}": 1, **deeper, "bwd": "ACK", "bwd_lvl": l, "bwd_idx": 1},
                text=f"share 1 of a new level-{l} encoding: hold it (drop deeper ones), ACK",
            )
        )
    all_held = " and ".join(f"r1_{m} == 1" for m in range(D))
    ts += [
        Transition(
            name="recv_last",
            party="Bob",
            guard=f"fwd == SHARE and fwd_lvl == {leaf} and fwd_idx >= 2 and bwd == EMPTY and not delivered and {all_held}",
            update={
                "fwd": "EMPTY",
                **{f"r1_{m}": 0 for m in range(D)},
                "delivered": True,
                "deliveries": "min(deliveries + 1, 2)",
                "bwd": "ACK",
                "bwd_lvl": leaf,
                "bwd_idx": "fwd_idx",
            },
            text="a second innermost share: decode every level up to the payload; deliver, ACK",
        ),
        Transition(
            name="recv_duplicate",
            party="Bob",
            guard="fwd == SHARE and bwd == EMPTY and delivered",
            update={"fwd": "EMPTY", "bwd": "ACK", "bwd_lvl": "fwd_lvl", "bwd_idx": "fwd_idx"},
            text="a share of a delivered packet: discard, ACK again",
        ),
        Transition(
            name="lose_fwd",
            party="channel",
            guard="fwd != EMPTY and losses < max_losses",
            update={"fwd": "EMPTY", "losses": "losses + 1"},
        ),
        Transition(
            name="lose_ack",
            party="channel",
            guard="bwd == ACK and losses < max_losses",
            update={"bwd": "EMPTY", "losses": "losses + 1"},
        ),
    ]
    # the sender can still rebuild level l's item: it holds it whole or two
    # of its shares, or (moving share 2 while keeping share 3) can rebuild
    # share 2 one level down
    can = "False"
    for l in range(leaf, -1, -1):
        whole = f"(ph{l} == READY or ph{l} == HOLD or ph{l} == WAIT1 or ph{l} == PHASE2)"
        can = whole if l == leaf else f"({whole} or (ph{l} == INNER and cur{l} == 2 and {can}))"
    survived = losses_survived(D)
    bound = levels_delivery_bound(D, max_losses)
    variables = [enum(f"ph{l}", LEVEL_PHASES, text=f"the sender's phase at level {l}") for l in range(D)]
    variables += [integer(f"cur{l}", 2, 3, text=f"the level-{l} share its inner transfer moves") for l in range(leaf)]
    variables += [integer(f"r1_{l}", 0, 1, text=f"the receiver holds share 1 of level {l}'s current encoding") for l in range(D)]
    variables += [
        integer("losses", 0, max_losses, text="messages lost so far"),
        enum("fwd", ("EMPTY", "SHARE"), text="the quantum slot"),
        integer("fwd_lvl", 0, leaf),
        integer("fwd_idx", 1, 3),
        enum("bwd", ("EMPTY", "ACK"), text="the classical slot"),
        integer("bwd_lvl", 0, leaf),
        integer("bwd_idx", 1, 3),
        boolean("delivered"),
        integer("deliveries", 0, 2, text="(bookkeeping) deliveries, saturating"),
    ]
    init: dict[str, Any] = {f"ph{l}": ("READY" if l == 0 else "IDLE") for l in range(D)}
    init.update({f"cur{l}": 2 for l in range(leaf)})
    init.update({f"r1_{l}": 0 for l in range(D)})
    init.update(
        {
            "losses": 0,
            "fwd": "EMPTY",
            "fwd_lvl": 0,
            "fwd_idx": 1,
            "bwd": "EMPTY",
            "bwd_lvl": 0,
            "bwd_idx": 1,
            "delivered": False,
            "deliveries": 0,
        }
    )
    return TransitionSystem(
        name=name or f"quantum-retransmission-{D}-levels-{max_losses}-losses",
        summary=f"Quantum retransmission with the ((2,3)) scheme applied recursively ({D} levels), at most {max_losses} losses.",
        references=(YU_LAI_ZHOU, CLEVE_GOTTESMAN_LO),
        parties=(Party("Alice", "sender"), Party("Bob", "receiver"), Party("channel", "lossy channel")),
        parameters=(
            Parameter(
                name="max_losses",
                default=max_losses,
                low=0,
                high=40,
                integer=True,
                text="messages the channel may drop for the packet",
            ),
        ),
        variables=tuple(variables),
        init=init,
        transitions=tuple(ts),
        invariants=(
            Invariant(name="no-cloning", expr=f"not ({can} and delivered)"),
            Invariant(name="payload-never-lost", expr="not (ph0 == FAILED and not delivered)"),
            Invariant(name="delivered-once", expr="deliveries <= 1"),
            Invariant(name="done-only-if-delivered", expr="ph0 == DONE implies delivered"),
        ),
        properties=(
            Property(
                id="no-cloning",
                engine="statemachine",
                check="statemachine.invariant",
                statement="The sender can never still rebuild the payload once the receiver has decoded it.",
                args={"invariant": "no-cloning"},
                reference=YU_LAI_ZHOU.cite,
            ),
            Property(
                id="payload-never-lost",
                engine="statemachine",
                check="statemachine.invariant",
                statement=f"With at most {max_losses} losses the payload is never lost ({D} levels survive "
                f"any {survived}: 2^levels - 1).",
                args={"invariant": "payload-never-lost"},
                limitation=max_losses > survived,
            ),
            Property(
                id="delivered-once",
                engine="statemachine",
                check="statemachine.invariant",
                statement="The packet is delivered at most once.",
                args={"invariant": "delivered-once"},
            ),
            Property(
                id="done-only-if-delivered",
                engine="statemachine",
                check="statemachine.invariant",
                statement="The sender finishes only when the receiver has delivered.",
                args={"invariant": "done-only-if-delivered"},
            ),
            Property(
                id="delivers-within-bound",
                engine="statemachine",
                check="statemachine.response",
                statement=f"Within {bound} = 5·levels + 1 + 8·losses steps of a ready payload, it is delivered.",
                args={"after": "ph0 == READY", "within": bound, "holds": "delivered"},
                limitation=max_losses > survived,
            ),
            Property(
                id="deadlock-free",
                engine="statemachine",
                check="statemachine.deadlock-free",
                statement="Until the sender finishes, some party can move.",
                args={"except": "ph0 == DONE or ph0 == FAILED"},
            ),
            Property(
                id="non-vacuous",
                engine="statemachine",
                check="statemachine.reachable",
                statement="A run loses every message it may and still delivers.",
                args={"state": f"delivered and losses == {min(max_losses, survived)}"},
            ),
        ),
    )
