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

PHASES = ("READY", "HOLD", "WAIT1", "PHASE2", "SUB_READY", "SUB_HOLD", "SUB_WAIT1", "SUB_PHASE2", "SUB_WAIT2",
          "SUB_WAIT3", "DONE", "GAVE_UP")

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
    Reading(topic="what is applied recursively",
            choice="the share sent after share 1 has arrived (share 2, or share 3 if share 2's transfer fails) is "
            "encoded into three sub-shares and sent by the one-level protocol; two levels are modelled",
            reason="it is the only transfer in one level whose loss cannot be recovered; two levels already "
            "survive three losses, and each further level adds more of the same."),
    Reading(topic="sub-share bookkeeping at the receiver",
            choice="sub-share 1 always starts a new inner encoding (an older held sub-share is dropped); a second "
            "sub-share decodes the payload share, which with share 1 decodes the payload",
            reason="the same rule as share 1 at the outer level: the receiver never combines two encodings."),
    Reading(topic="timeouts and ACKs",
            choice="as in the one-level protocol: a timeout fires only when the slot and the ACK slot are empty; "
            "ACKs name the level (share or sub-share) and the index",
            reason="a timeout longer than the round trip; the level in the ACK keeps the two transfers apart."),
)


def _transitions(flaw: str | None) -> tuple[Transition, ...]:
    no_fallback = flaw == "no-fallback"
    early_done = flaw == "done-on-first-sub-ack"
    ack = "bwd == ACK and bwd_kind == {k} and bwd_idx == {i}"
    return (
        Transition(name="encode", party="Alice", guard="s_phase == READY", update={"s_phase": "HOLD", "a": 3},
                   text="encode the payload into shares 1, 2, 3"),
        Transition(name="send_share1", party="Alice", guard="s_phase == HOLD and fwd == EMPTY",
                   update={"s_phase": "WAIT1", "a": "a - 1", "fwd": "SHARE", "fwd_idx": 1},
                   text="send share 1, keep shares 2 and 3"),
        Transition(name="ack1", party="Alice", guard="s_phase == WAIT1 and " + ack.format(k="SHARE", i=1),
                   update={"s_phase": "PHASE2", "bwd": "EMPTY"}, text="share 1 acknowledged"),
        Transition(name="timeout1", party="Alice", guard="s_phase == WAIT1 and fwd == EMPTY and bwd == EMPTY",
                   update={"s_phase": "READY", "a": 0}, text="no ACK: decode the payload from shares 2, 3"),
        Transition(name="sub_encode", party="Alice", guard="s_phase == PHASE2",
                   update={"s_phase": "SUB_HOLD", "a": "a - 1", "cur": 2, "sub": 3},
                   text="encode share 2 into three sub-shares (the recursion)"),
        Transition(name="sub_reencode", party="Alice", guard="s_phase == SUB_READY",
                   update={"s_phase": "SUB_HOLD", "sub": 3}, text="encode the recovered share again"),
        Transition(name="send_sub1", party="Alice", guard="s_phase == SUB_HOLD and fwd == EMPTY",
                   update={"s_phase": "SUB_WAIT1", "sub": "sub - 1", "fwd": "SUB", "fwd_idx": 1},
                   text="send sub-share 1, keep sub-shares 2 and 3"),
        Transition(name="sub_ack1", party="Alice", guard="s_phase == SUB_WAIT1 and " + ack.format(k="SUB", i=1),
                   update={"s_phase": "SUB_PHASE2", "bwd": "EMPTY"}, text="sub-share 1 acknowledged"),
        Transition(name="sub_timeout1", party="Alice", guard="s_phase == SUB_WAIT1 and fwd == EMPTY and bwd == EMPTY",
                   update={"s_phase": "SUB_READY", "sub": 0}, text="no ACK: decode the share from sub-shares 2, 3"),
        Transition(name="send_sub2", party="Alice", guard="s_phase == SUB_PHASE2 and fwd == EMPTY",
                   update={"s_phase": "SUB_WAIT2", "sub": "sub - 1", "fwd": "SUB", "fwd_idx": 2},
                   text="send sub-share 2, keep sub-share 3 as its reserve"),
        Transition(name="done", party="Alice",
                   guard="(s_phase == SUB_WAIT2 and " + ack.format(k="SUB", i=2) + ") or (s_phase == SUB_WAIT3 and "
                   + ack.format(k="SUB", i=3) + ")"
                   + (" or (s_phase == SUB_WAIT1 and " + ack.format(k="SUB", i=1) + ")" if early_done else ""),
                   update={"s_phase": "DONE", "bwd": "EMPTY", "a": 0, "sub": 0},
                   text="the receiver has decoded: release everything still held"),
        Transition(name="send_sub3", party="Alice", guard="s_phase == SUB_WAIT2 and fwd == EMPTY and bwd == EMPTY",
                   update={"s_phase": "SUB_WAIT3", "sub": "sub - 1", "fwd": "SUB", "fwd_idx": 3},
                   text="no ACK for sub-share 2: send the reserve sub-share 3"),
        Transition(name="fallback", party="Alice",
                   guard="s_phase == SUB_WAIT3 and fwd == EMPTY and bwd == EMPTY and a >= 1" + (" and False" if no_fallback else ""),
                   update={"s_phase": "SUB_HOLD", "a": "a - 1", "cur": 3, "sub": 3},
                   text="the inner transfer failed: encode the other payload share (3) and move it instead"),
        Transition(name="give_up", party="Alice",
                   guard="s_phase == SUB_WAIT3 and fwd == EMPTY and bwd == EMPTY" + ("" if no_fallback else " and a == 0"),
                   update={"s_phase": "GAVE_UP"}, text="nothing left to send: the payload is lost"),
        Transition(name="recv_share1", party="Bob", guard="fwd == SHARE and bwd == EMPTY and not delivered",
                   update={"fwd": "EMPTY", "r_held": 1, "r_sub": 0, "bwd": "ACK", "bwd_kind": "SHARE", "bwd_idx": 1},
                   text="share 1 (a new encoding): hold it, ACK"),
        Transition(name="recv_sub1", party="Bob", guard="fwd == SUB and fwd_idx == 1 and bwd == EMPTY and not delivered",
                   update={"fwd": "EMPTY", "r_sub": 1, "bwd": "ACK", "bwd_kind": "SUB", "bwd_idx": 1},
                   text="sub-share 1 (a new inner encoding): hold it, ACK"),
        Transition(name="recv_sub_second", party="Bob",
                   guard="fwd == SUB and fwd_idx >= 2 and bwd == EMPTY and not delivered and r_sub == 1 and r_held == 1",
                   update={"fwd": "EMPTY", "r_sub": 0, "r_held": 0, "delivered": True, "deliveries": "min(deliveries + 1, 2)",
                           "bwd": "ACK", "bwd_kind": "SUB", "bwd_idx": "fwd_idx"},
                   text="a second sub-share: decode the share, then with share 1 the payload; deliver, ACK"),
        Transition(name="recv_duplicate", party="Bob", guard="fwd == SUB and bwd == EMPTY and delivered",
                   update={"fwd": "EMPTY", "bwd": "ACK", "bwd_kind": "SUB", "bwd_idx": "fwd_idx"},
                   text="a share of a delivered packet: discard, ACK again"),
        Transition(name="lose_fwd", party="channel", guard="fwd != EMPTY and losses < max_losses",
                   update={"fwd": "EMPTY", "losses": "losses + 1"}, text="the quantum channel drops the (sub-)share"),
        Transition(name="lose_ack", party="channel", guard="bwd == ACK and losses < max_losses",
                   update={"bwd": "EMPTY", "losses": "losses + 1"}, text="the classical channel drops the ACK"),
    )


#: A ranking function for the delivery bound (the most steps still needed,
#: by phase and what is in flight, plus 5 per loss still allowed); checked
#: by the engine to drop on every step, never trusted.
PROGRESS = ("(10 if s_phase == READY else 9 if s_phase == HOLD else "
            "(8 if fwd == SHARE else 7 if bwd == ACK else 11) if s_phase == WAIT1 else "
            "6 if s_phase == PHASE2 else 5 if s_phase == SUB_HOLD else "
            "(4 if fwd == SUB else 3 if bwd == ACK else 7) if s_phase == SUB_WAIT1 else "
            "6 if s_phase == SUB_READY else 2 if s_phase == SUB_PHASE2 else "
            "(1 if fwd == SUB else 5) if s_phase == SUB_WAIT2 else "
            "(4 if fwd == SUB else 8) if s_phase == SUB_WAIT3 else 1) + 5 * (max_losses - losses)")

_ALICE_DECODES = "(s_phase == READY or a + (1 if sub >= 2 else 0) >= 2)"

_INVARIANTS = (
    Invariant(name="no-cloning", expr=f"not ({_ALICE_DECODES} and delivered)",
              text="the sender can never still decode the payload once the receiver has"),
    Invariant(name="payload-never-lost", expr="not (s_phase == GAVE_UP and not delivered)",
              text="the sender never runs out of (sub-)shares while the receiver lacks the payload"),
    Invariant(name="delivered-once", expr="deliveries <= 1", text="the packet is delivered exactly once"),
    Invariant(name="done-only-if-delivered", expr="s_phase == DONE implies delivered",
              text="the sender releases everything and counts the packet delivered only once the receiver has it"),
    Invariant(name="recursive-consistent",
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
              text="(auxiliary) shares held in each phase, what is in flight, and the losses the fallback costs"),
)

_S = ("recursive-consistent",)


def recursive(name: str, flaw: str | None = None, max_losses: int = 3, **changes) -> TransitionSystem:
    fields: dict[str, Any] = dict(summary="Quantum retransmission with the ((2,3)) scheme applied recursively (two levels): "
                  "any three losses leave the payload recoverable.")
    fields.update(changes)
    bound = delivery_bound(max_losses)
    return TransitionSystem(
        name=name,
        references=(YU_LAI_ZHOU, CLEVE_GOTTESMAN_LO),
        parties=(Party("Alice", "sender"), Party("Bob", "receiver"), Party("channel", "lossy channel")),
        channels=(
            Channel(source="Alice", target="Bob", kind="quantum", note="one share or sub-share at a time; may drop it"),
            Channel(source="Bob", target="Alice", kind="classical", authenticated=True, note="ACKs (level, index); may drop them"),
        ),
        parameters=(Parameter(name="max_losses", default=max_losses, low=0, high=5, integer=True,
                              text="messages the channel may drop for the packet"),),
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
        init={"s_phase": "READY", "a": 0, "cur": 2, "sub": 0, "losses": 0, "fwd": "EMPTY", "fwd_idx": 1, "bwd": "EMPTY",
              "bwd_kind": "SHARE", "bwd_idx": 1, "r_held": 0, "r_sub": 0, "delivered": False, "deliveries": 0},
        transitions=_transitions(flaw),
        invariants=_INVARIANTS,
        readings=READINGS,
        properties=(
            Property(id="no-cloning", engine="statemachine", check="statemachine.invariant",
                     statement="The sender can never still decode the payload (two payload shares, counting a share "
                     "of which it holds two sub-shares) once the receiver has decoded it.",
                     args={"invariant": "no-cloning", "strengthen": _S}, reference=YU_LAI_ZHOU.cite),
            Property(id="three-losses-never-lose-payload", engine="statemachine", check="statemachine.invariant",
                     statement=f"With at most {max_losses} lost messages, the payload is never lost.",
                     args={"invariant": "payload-never-lost", "strengthen": _S}),
            Property(id="delivered-exactly-once", engine="statemachine", check="statemachine.invariant",
                     statement="The packet is delivered at most once (and, by delivers-within-bound, at least once).",
                     args={"invariant": "delivered-once", "strengthen": _S}),
            Property(id="done-only-if-delivered", engine="statemachine", check="statemachine.invariant",
                     statement="The sender counts the packet delivered (DONE, every share released) only when the "
                     "receiver has delivered it.",
                     args={"invariant": "done-only-if-delivered", "strengthen": _S}),
            Property(id="delivers-within-bound", engine="statemachine", check="statemachine.response",
                     statement=f"With at most L = {max_losses} losses, the receiver delivers within {bound} = 10 + 5·L "
                     "steps of the packet being ready.",
                     args={"after": "s_phase == READY", "within": bound, "holds": "delivered", "strengthen": _S,
                           "progress": PROGRESS}),
            Property(id="non-vacuous-fallback", engine="statemachine", check="statemachine.reachable",
                     statement="Non-vacuity: a run loses both tail sub-shares of share 2, falls back to share 3, and "
                     "still delivers.",
                     args={"state": "delivered and cur == 3 and losses == 2", "bound": 24}),
        ),
        **fields,
    )


RETRANSMISSION_RECURSIVE = recursive("quantum-retransmission-recursive")
RETRANSMISSION_RECURSIVE_NO_FALLBACK = recursive(
    "quantum-retransmission-recursive-no-fallback", flaw="no-fallback",
    flawed="when the inner transfer of share 2 fails, the sender gives up instead of moving share 3: "
    "two losses destroy the payload although it holds a share",
    variant_of="quantum-retransmission-recursive")

RETRANSMISSION_RECURSIVE_EARLY_DONE = recursive(
    "quantum-retransmission-recursive-early-done", flaw="done-on-first-sub-ack",
    flawed="the sender takes the ACK of sub-share 1 for the end of the transfer and releases everything: the "
    "receiver never gets the payload",
    variant_of="quantum-retransmission-recursive")

PROTOCOLS = (RETRANSMISSION_RECURSIVE,)
FLAWED = (RETRANSMISSION_RECURSIVE_NO_FALLBACK, RETRANSMISSION_RECURSIVE_EARLY_DONE)
