"""qTCP with a window (issue 15 item 4): W packets in flight.

The two-stage transfer of ``qtcp-two-stage`` (``qproto.spec.qtransport``)
for ``packets`` packets at once into a receiver with ``window``
quantum-buffer slots.  The catalogue entries built here (``qtcp-window-2``,
``qtcp-window-ignored``) stay in ``qtransport.PROTOCOLS`` / ``FLAWED``, and
every name is re-exported from ``qproto.spec.qtransport``.
"""

from __future__ import annotations

from typing import Any

from .protocol import Channel, Parameter, Party, Property
from .retransmission import YU_LAI_ZHOU
from .transition import Invariant, Reading, Transition, TransitionSystem, boolean, enum, integer
from .validation import check_choice, check_nonnegative_int, check_positive_int

#: A stage check's outcome (shared with ``qtransport``'s one-packet qTCP).
OUTCOMES = ("NONE", "OK", "FAIL")


QTCP_WINDOW_READINGS = (
    Reading(
        topic="what the window counts",
        choice="the receiver has W quantum-buffer slots; a packet occupies one from the arrival of its stage 1 "
        "until it is handed to the application in order (a packet completed out of order waits in its slot)",
        reason="stage 1 must be held while stage 2 travels, and an in-order transport cannot hand a later packet "
        "over before an earlier one.",
    ),
    Reading(
        topic="how the sender reads the window field",
        choice="each answer (pseudo-ACK, ACK, NACK) carries the receiver's in-order count and its free slots, "
        "relative to that count as TCP's window is relative to its ACK number; the sender may start a packet "
        "only inside [count, count + W) and only while its usable window (packets it may still start there) "
        "is at least 1; it reads the count current when the answer arrives",
        reason="free slots read on their own go stale while other stages are in flight (a sender trusting a "
        "stale count overflows the buffer); a count that only grows can be read late without harm.",
    ),
    Reading(
        topic="what happens after a failed stage",
        choice="as in qtcp-two-stage: NACK, both sides release the packet's qubits; the sender then starts the "
        "packet again (a fresh copy from its source) when the window allows; at most F stages fail in a run",
        reason="qubits that failed a check are useless; the failure bound makes the delivery bound finite.",
    ),
    Reading(
        topic="when the window opens without an answer",
        choice="handing over packets that waited out of order frees slots after their ACKs have gone; the "
        "receiver then sends a window update (as TCP does when its window opens), which the sender reads",
        reason="without it the sender can wait forever on a window the receiver has already opened: the "
        "builder's flaw='no-window-update' deadlocks from 4 packets with a window of 2.",
    ),
    Reading(
        topic="the order of packets on the channel",
        choice="every packet has its own message slot, so stages and answers of different packets overtake each other freely",
        reason="the window's point is that packets overlap; the properties must not depend on their order.",
    ),
)


#: The broken senders and receivers ``qtcp_window(flaw=...)`` can build.
WINDOW_FLAWS = ("ignores-window", "no-window-update")


def qtcp_window_bound(packets: int, max_failures: int, window: int) -> int:
    """Steps within which every packet is delivered and acknowledged.

    A packet that passes both stages takes 5 moves (stage 1, its check, the
    pseudo-ACK read and stage 2 sent, the check of stage 2, the ACK read); a
    failed attempt at most 5 (the same with a failed stage 2 and the NACK
    read; a failed stage 1 takes 3).  With W ≥ 2 a packet completed out of
    order takes 2 more: its hand-over and the sender reading the window
    update it sends (packet 0 never waits; with W = 1 no packet completes
    out of order).  Every move does one of these things, so no run is longer
    than ``5·n + 5·F`` plus ``2·(n − 1)`` when W ≥ 2; the longest run has
    exactly this length (tests/test_qtcp_window.py)."""
    return 5 * packets + 5 * max_failures + (2 * (packets - 1) if window >= 2 else 0)


def _all(packets: int, fmt: str) -> str:
    return " and ".join(f"({fmt.format(p=p)})" for p in range(packets))


def _window_sync(window: int, packets: int) -> dict[str, str]:
    """The sender learns the receiver's in-order count; packets entering the
    usable range [count, count + W) are new ones, never started."""
    return {
        "s_next": "r_next",
        "window": f"window + min(r_next + {window}, {packets}) - min(s_next + {window}, {packets})",
    }


def _qtcp_window_transitions(window: int, packets: int, flaw: str | None) -> tuple[Transition, ...]:
    p = (integer("p", 0, packets - 1, text="the packet that moves"),)
    sync = _window_sync(window, packets)
    may_start = "" if flaw == "ignores-window" else f" and window >= 1 and p < s_next + {window}"
    deliver_now = "p == r_next"
    return (
        Transition(
            name="send_stage1",
            party="sender",
            choose=p,
            guard=f"s[p] == IDLE and m[p] == NONE{may_start}",
            update={"s[p]": "WAIT_PSEUDO", "m[p]": "STAGE1", "stage1[p]": "NONE", "stage2[p]": "NONE", "window": "window - 1"},
            text="start packet p: send its stage 1, keep the rest"
            + (" (wrongly) whatever the window says" if flaw == "ignores-window" else ""),
        ),
        Transition(
            name="check_stage1_ok",
            party="receiver",
            choose=p,
            guard="m[p] == STAGE1 and r[p] == READY",
            update={"r[p]": "HAVE1", "stage1[p]": "OK", "m[p]": "PSEUDO_ACK"},
            text="stage 1 passes: hold it in a slot, pseudo-ACK",
        ),
        Transition(
            name="check_stage1_fail",
            party="receiver",
            choose=p,
            guard="m[p] == STAGE1 and r[p] == READY and fails < max_failures",
            update={"stage1[p]": "FAIL", "m[p]": "NACK", "fails": "fails + 1"},
            text="stage 1 fails: discard it, NACK",
        ),
        Transition(
            name="pseudo_ack",
            party="sender",
            choose=p,
            guard="s[p] == WAIT_PSEUDO and m[p] == PSEUDO_ACK",
            update={"s[p]": "WAIT_ACK", "m[p]": "STAGE2", **sync},
            text="pseudo-ACK: send stage 2",
        ),
        Transition(
            name="check_stage2_ok",
            party="receiver",
            choose=p,
            guard="m[p] == STAGE2 and r[p] == HAVE1",
            update={
                "r[p]": f"DELIVERED if {deliver_now} else HELD",
                "accepts[p]": f"min(accepts[p] + 1, 2) if {deliver_now} else accepts[p]",
                "r_next": f"r_next + 1 if {deliver_now} else r_next",
                "stage2[p]": "OK",
                "m[p]": "ACK",
            },
            text="stage 2 passes: hand the packet over if it is the next in order (else hold it), ACK",
        ),
        Transition(
            name="check_stage2_fail",
            party="receiver",
            choose=p,
            guard="m[p] == STAGE2 and r[p] == HAVE1 and fails < max_failures",
            update={"r[p]": "READY", "stage2[p]": "FAIL", "m[p]": "NACK", "fails": "fails + 1"},
            text="stage 2 fails: release stage 1's slot, NACK",
        ),
        Transition(
            name="deliver_held",
            party="receiver",
            choose=p,
            guard="r[p] == HELD and p == r_next",
            update={"r[p]": "DELIVERED", "accepts[p]": "min(accepts[p] + 1, 2)", "r_next": "r_next + 1"}
            | ({} if flaw == "no-window-update" else {"w_update": True}),
            text="a packet completed out of order is now next: hand it over, free its slot"
            + (" (wrongly) telling the sender nothing" if flaw == "no-window-update" else ", send a window update"),
        ),
        Transition(
            name="window_update",
            party="sender",
            guard="w_update",
            update={"w_update": False, **sync},
            text="read the receiver's window update: the window opens",
        ),
        Transition(
            name="ack",
            party="sender",
            choose=p,
            guard="s[p] == WAIT_ACK and m[p] == ACK",
            update={"s[p]": "DONE", "m[p]": "NONE", **sync},
            text="ACK: the packet counts as delivered, release it",
        ),
        Transition(
            name="nack",
            party="sender",
            choose=p,
            guard="(s[p] == WAIT_PSEUDO or s[p] == WAIT_ACK) and m[p] == NACK",
            update={"s[p]": "IDLE", "m[p]": "NONE", **sync, "window": sync["window"] + " + 1"},
            text="NACK: release the packet's qubits; it waits to be started again",
        ),
    )


def _qtcp_window_invariants(window: int, packets: int) -> tuple[Invariant, ...]:
    occupied = "count(r, HAVE1) + count(r, HELD)"
    usable = " + ".join(f"(1 if s[{p}] == IDLE and {p} < s_next + {window} else 0)" for p in range(packets))
    return (
        Invariant(
            name="accepted-only-if-both-stages",
            expr=_all(packets, "(r[{p}] == HELD or r[{p}] == DELIVERED) implies (stage1[{p}] == OK and stage2[{p}] == OK)"),
            text="a packet is accepted (held complete or handed over) only when both its stages passed their checks",
        ),
        Invariant(
            name="ack-only-if-accepted",
            expr=_all(packets, "(m[{p}] == ACK or s[{p}] == DONE) implies (r[{p}] == HELD or r[{p}] == DELIVERED)"),
            text="an ACK is sent, and a packet counted delivered, only when the receiver has accepted it",
        ),
        Invariant(
            name="buffer-never-overflows",
            expr=f"{occupied} <= {window}",
            text="the packets whose qubits the receiver holds fit in its W slots (no qubit is dropped or overwritten)",
        ),
        Invariant(
            name="window-in-range",
            expr=f"window >= 0 and window <= {window}",
            text="the sender's usable window is never negative nor above W",
        ),
        Invariant(
            name="window-counts-startable",
            expr=f"window == {usable}",
            text="the usable window is the number of packets the sender may start: not yet started (or NACKed) "
            "and inside [count, count + W)",
        ),
        Invariant(
            name="delivered-in-order-once",
            expr=_all(packets, "(r[{p}] == DELIVERED) == ({p} < r_next) and accepts[{p}] == (1 if r[{p}] == DELIVERED else 0)"),
            text="the application receives exactly the packets 0 .. r_next − 1, in order, each once",
        ),
        Invariant(
            name="failed-stage-releases",
            expr=_all(
                packets,
                "(stage1[{p}] == FAIL or stage2[{p}] == FAIL) implies (r[{p}] == READY and (m[{p}] == NACK or s[{p}] == IDLE))",
            ),
            text="after a failed check the receiver holds nothing of the packet and the sender keeps its qubits "
            "only until it reads the NACK",
        ),
        _qtcp_window_consistent(window, packets),
    )


def _qtcp_window_consistent(window: int, packets: int) -> Invariant:
    accepted = "(r[{p}] == HELD or r[{p}] == DELIVERED)"
    per_packet = (
        "(m[{p}] == STAGE1 implies (s[{p}] == WAIT_PSEUDO and r[{p}] == READY and stage1[{p}] == NONE and stage2[{p}] == NONE))",
        "(m[{p}] == PSEUDO_ACK implies (s[{p}] == WAIT_PSEUDO and r[{p}] == HAVE1 and stage1[{p}] == OK and stage2[{p}] == NONE))",
        "(m[{p}] == STAGE2 implies (s[{p}] == WAIT_ACK and r[{p}] == HAVE1 and stage1[{p}] == OK and stage2[{p}] == NONE))",
        "(m[{p}] == ACK implies (s[{p}] == WAIT_ACK and " + accepted + " and stage1[{p}] == OK and stage2[{p}] == OK))",
        "(m[{p}] == NACK implies ((s[{p}] == WAIT_PSEUDO or s[{p}] == WAIT_ACK) and r[{p}] == READY "
        "and (stage1[{p}] == FAIL or stage2[{p}] == FAIL)))",
        "(m[{p}] == NONE implies (s[{p}] == IDLE or s[{p}] == DONE))",
        "(s[{p}] == IDLE implies (r[{p}] == READY and m[{p}] == NONE))",
        "(s[{p}] == DONE implies (" + accepted + " and stage1[{p}] == OK and stage2[{p}] == OK))",
        "(s[{p}] == WAIT_PSEUDO implies (m[{p}] == STAGE1 or m[{p}] == PSEUDO_ACK or m[{p}] == NACK))",
        "(s[{p}] == WAIT_ACK implies (m[{p}] == STAGE2 or m[{p}] == ACK or m[{p}] == NACK))",
        "(r[{p}] == HAVE1 implies (stage1[{p}] == OK and stage2[{p}] == NONE))",
        "(stage1[{p}] != OK implies stage2[{p}] == NONE)",
        "(s[{p}] != IDLE implies {p} < s_next + " + str(window) + ")",
        "(r[{p}] == HELD implies {p} >= r_next)",
        "((r[{p}] == DELIVERED) == ({p} < r_next))",
        "(accepts[{p}] == (1 if r[{p}] == DELIVERED else 0))",
    )
    usable = " + ".join(f"(1 if s[{p}] == IDLE and {p} < s_next + {window} else 0)" for p in range(packets))
    return Invariant(
        name="qtcp-window-consistent",
        expr=_all(packets, " and ".join(per_packet)) + f" and s_next <= r_next and window == {usable}",
        text="(auxiliary) which message flies in which states, per packet: strengthens the induction",
    )


def _qtcp_window_props(window: int, packets: int, max_failures: int) -> tuple[Property, ...]:
    lemma = ("qtcp-window-consistent",)

    def inv(pid: str, statement: str) -> Property:
        return Property(
            id=pid,
            engine="statemachine",
            check="statemachine.invariant",
            statement=statement,
            args={"invariant": pid, "strengthen": lemma},
        )

    done = f"r_next == {packets} and count(s, DONE) == {packets}"
    bound = qtcp_window_bound(packets, max_failures, window)
    props = [
        inv(
            "accepted-only-if-both-stages", "qTCP window: a packet is accepted only when both of its stages passed their checks."
        ),
        inv("ack-only-if-accepted", "qTCP window: an ACK, and the sender counting a packet delivered, imply acceptance."),
        inv("buffer-never-overflows", f"qTCP window: the receiver never holds more than W = {window} packets."),
        inv("window-in-range", f"qTCP window: the usable window stays in [0, {window}]."),
        inv("window-counts-startable", "qTCP window: the usable window counts the packets the sender may start."),
        inv("delivered-in-order-once", "qTCP window: packets reach the application in order, each exactly once."),
        inv("failed-stage-releases", "qTCP window: a failed stage's qubits are released (receiver at once, sender on the NACK)."),
        Property(
            id="deadlock-free",
            engine="statemachine",
            check="statemachine.deadlock-free",
            statement="qTCP window: some party can move until every packet is delivered and acknowledged.",
            args={"except": done, "strengthen": lemma},
        ),
        Property(
            id="all-delivered",
            engine="statemachine",
            check="statemachine.response",
            statement=f"qTCP window: within {bound} steps of the start every packet is delivered and acknowledged "
            f"(at most {max_failures} failed stages).",
            args={
                "after": "r_next == 0 and fails == 0 and count(s, IDLE) == " + str(packets),
                "within": bound,
                "holds": done,
                "strengthen": lemma,
            },
        ),
        Property(
            id="non-vacuous-full-window",
            engine="statemachine",
            check="statemachine.reachable",
            statement="Non-vacuity: the receiver's slots all fill up.",
            args={"state": f"count(r, HAVE1) + count(r, HELD) == {min(window, packets)}"},
        ),
    ]
    if window >= 2 and packets >= 2:
        props.append(
            Property(
                id="non-vacuous-out-of-order",
                engine="statemachine",
                check="statemachine.reachable",
                statement="Non-vacuity: a packet completes out of order and waits for an earlier one.",
                args={"state": "count(r, HELD) >= 1"},
            )
        )
    if max_failures >= 1:
        props.append(
            Property(
                id="non-vacuous-failure",
                engine="statemachine",
                check="statemachine.reachable",
                statement="Non-vacuity: a stage 2 fails (so the release property is exercised).",
                args={"state": " or ".join(f"stage2[{p}] == FAIL" for p in range(packets))},
            )
        )
    return tuple(props)


def qtcp_window(
    name: str, *, window: int = 2, packets: int = 2, max_failures: int = 1, flaw: str | None = None, **changes: Any
) -> TransitionSystem:
    """qTCP with ``window`` packets in flight: ``packets`` packets, each sent
    in two stages as in ``qtcp-two-stage``, into a receiver with ``window``
    quantum-buffer slots; at most ``max_failures`` stage checks fail.
    ``flaw="ignores-window"`` is a sender that starts packets whatever the
    window says; ``flaw="no-window-update"`` a receiver that frees slots
    without telling the sender."""
    window = check_positive_int("window", window)
    packets = check_positive_int("packets", packets)
    max_failures = check_nonnegative_int("max_failures", max_failures)
    check_choice("flaw", flaw, (None, *WINDOW_FLAWS))
    fields: dict[str, Any] = dict(
        summary=f"qTCP with a window of {window}: {packets} packets, two stages each, W-slot receiver buffer, "
        "in-order delivery; failures release qubits."
    )
    fields.update(changes)
    phases = ("IDLE", "WAIT_PSEUDO", "WAIT_ACK", "DONE")
    n = packets
    return TransitionSystem(
        name=name,
        references=(YU_LAI_ZHOU,),
        parties=(Party("sender"), Party("receiver")),
        channels=(
            Channel(source="sender", target="receiver", kind="quantum", note="the packets' stages, one slot per packet"),
            Channel(
                source="receiver", target="sender", kind="classical", authenticated=True, note="pseudo-ACK, ACK, NACK with window"
            ),
        ),
        parameters=(
            Parameter(
                name="max_failures",
                default=max_failures,
                low=0,
                high=max(3, max_failures),
                integer=True,
                text="stage checks that may fail in a run",
            ),
        ),
        variables=(
            enum("s", phases, size=n, text="the sender's phase for each packet"),
            enum("m", ("NONE", "STAGE1", "PSEUDO_ACK", "STAGE2", "ACK", "NACK"), size=n, text="each packet's message in flight"),
            enum("r", ("READY", "HAVE1", "HELD", "DELIVERED"), size=n, text="the receiver's state for each packet"),
            enum("stage1", OUTCOMES, size=n, text="the check of stage 1 of each packet's current attempt"),
            enum("stage2", OUTCOMES, size=n, text="the check of stage 2 of each packet's current attempt"),
            integer("accepts", 0, 2, size=n, text="(bookkeeping) times each packet was handed over, saturating"),
            integer("r_next", 0, n, text="packets handed to the application (the next one in order)"),
            integer("s_next", 0, n, text="the receiver's in-order count as the sender last read it"),
            # wide enough that a sender ignoring the window shows up as a value, not a blocked move
            integer("window", -n, window + n, text="the sender's usable window"),
            integer("fails", 0, max(3, max_failures), text="stage checks failed so far"),
            boolean("w_update", text="a window update (the receiver freed slots without an answer) is in flight"),
        ),
        init={
            "s": "IDLE",
            "m": "NONE",
            "r": "READY",
            "stage1": "NONE",
            "stage2": "NONE",
            "accepts": 0,
            "r_next": 0,
            "s_next": 0,
            "window": min(window, n),
            "fails": 0,
            "w_update": False,
        },
        transitions=_qtcp_window_transitions(window, n, flaw),
        invariants=_qtcp_window_invariants(window, n),
        readings=QTCP_WINDOW_READINGS,
        properties=_qtcp_window_props(window, n, max_failures),
        **fields,
    )
