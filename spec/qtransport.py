"""qTCP's two-stage transfer and qUDP's checksum path (Yu, Lai, Zhou 2021).

qUDP sends a datagram with a *quantum checksum*: redundancy (a stabiliser
check) whose syndrome the receiver measures; the datagram is accepted only
when the syndrome reads zero and is discarded otherwise, its qubits
released.  qTCP sends each packet in (at least) two stages: stage 1 is
checked by the receiver and answered with a *pseudo acknowledgement*
(carrying the window field), stage 2 completes the packet and is answered
with the real ACK; a failed check at either stage aborts the packet and
both sides release its qubits.
"""

from __future__ import annotations

from typing import Any

from .protocol import Channel, Parameter, Party, Property  # noqa: F401 - Parameter: importable from here before the move
from .qtransport_window import (  # noqa: F401 - the window builder's names stay importable from here
    OUTCOMES,
    QTCP_WINDOW_READINGS,
    WINDOW_FLAWS,
    _all,
    _qtcp_window_consistent,
    _qtcp_window_invariants,
    _qtcp_window_props,
    _qtcp_window_transitions,
    _window_sync,
    qtcp_window,
    qtcp_window_bound,
)
from .retransmission import YU_LAI_ZHOU
from .transition import Invariant, Reading, Transition, TransitionSystem, boolean, enum, integer
from .validation import check_choice, check_nonnegative_int, check_positive_int  # noqa: F401 - importable from here before the move

QTCP_READINGS = (
    Reading(
        topic="what a stage's check is",
        choice="the receiver's verification of a stage (a syndrome or test measurement) passes or fails, non-deterministically",
        reason="the acceptance rule must hold whatever the channel does to the qubits.",
    ),
    Reading(
        topic="the window field",
        choice="the pseudo-ACK and the ACK carry the receiver's free quantum-buffer slots (0 or 1); the sender "
        "starts a packet only when the last advertised window is at least 1",
        reason="as TCP's receive window; with one packet in flight the receiver always has its slot back before "
        "the ACK, so the window never blocks here, but the field is carried as the paper describes.",
    ),
    Reading(
        topic="what happens after a failed stage",
        choice="the receiver answers NACK and releases the stage-1 qubits; the sender releases the packet's qubits "
        "(recovery is the retransmission protocol's job, qproto.spec.retransmission)",
        reason="qubits that failed a check are useless and occupy scarce quantum memory.",
    ),
)


_ACCEPT = {"accepted": True, "accepts": "min(accepts + 1, 2)"}


def _qtcp_stage2_checks(flaw: str | None) -> tuple[Transition, ...]:
    """The receiver's check of stage 2 and its answer.  The flawed
    ``ack-before-check`` receiver answers ACK as soon as stage 2 arrives and
    checks it afterwards: the sender may count a packet delivered that the
    receiver then rejects."""
    single_stage = flaw == "single-stage"
    if flaw == "ack-before-check":
        return (
            Transition(
                name="ack_on_arrival",
                party="receiver",
                guard="msg == STAGE2 and r_phase == HAVE1",
                update={"r_phase": "CHECK2", "msg": "ACK"},
                text="(wrongly) ACK stage 2 as soon as it arrives, before its check",
            ),
            Transition(
                name="check_stage2_ok",
                party="receiver",
                guard="r_phase == CHECK2",
                update={"r_phase": "READY", "r_buf": False, "stage2": "OK", **_ACCEPT, "window": 1},
                text="stage 2 passes: accept the packet",
            ),
            Transition(
                name="check_stage2_fail",
                party="receiver",
                guard="r_phase == CHECK2",
                update={"r_phase": "READY", "r_buf": False, "stage2": "FAIL", "window": 1},
                text="stage 2 fails: release stage 1's qubits (the ACK has already gone)",
            ),
        )
    at = "r_phase == READY" if single_stage else "r_phase == HAVE1"
    return (
        Transition(
            name="check_stage2_ok",
            party="receiver",
            guard=f"msg == STAGE2 and {at}",
            update={"r_phase": "READY", "r_buf": False, "stage2": "OK", **_ACCEPT, "msg": "ACK", "window": 1},
            text="stage 2 passes: accept the packet (hand it to the application), ACK with window 1",
        ),
        Transition(
            name="check_stage2_fail",
            party="receiver",
            guard=f"msg == STAGE2 and {at}",
            update={"r_phase": "READY", "r_buf": False, "stage2": "FAIL", "msg": "NACK", "window": 1},
            text="stage 2 fails: release stage 1's qubits, NACK",
        ),
    )


def _qtcp_transitions(flaw: str | None) -> tuple[Transition, ...]:
    single_stage = flaw == "single-stage"
    return (
        (
            Transition(
                name="send_stage1",
                party="sender",
                guard="s_phase == IDLE and msg == NONE and window >= 1",
                update={
                    "s_phase": "WAIT_PSEUDO",
                    "s_buf": True,
                    "msg": "STAGE1",
                    "stage1": "NONE",
                    "stage2": "NONE",
                    "accepted": False,
                    "accepts": 0,
                    "s_delivered": False,
                },
                text="send stage 1 of the packet, keep the rest",
            ),
            Transition(
                name="check_stage1_ok",
                party="receiver",
                guard="r_phase == READY and msg == STAGE1",
                update=(
                    {"stage1": "OK", "msg": "PSEUDO_ACK", **_ACCEPT, "window": 1}
                    if single_stage
                    else {"r_phase": "HAVE1", "r_buf": True, "stage1": "OK", "msg": "PSEUDO_ACK", "window": 0}
                ),
                text="stage 1 passes its check: "
                + ("(wrongly) accept the packet already" if single_stage else "hold it, pseudo-ACK with window 0"),
            ),
            Transition(
                name="check_stage1_fail",
                party="receiver",
                guard="r_phase == READY and msg == STAGE1",
                update={"stage1": "FAIL", "msg": "NACK", "window": 1},
                text="stage 1 fails its check: discard it, NACK",
            ),
            Transition(
                name="pseudo_ack",
                party="sender",
                guard="s_phase == WAIT_PSEUDO and msg == PSEUDO_ACK",
                update={"s_phase": "WAIT_ACK", "msg": "STAGE2"},
                text="pseudo-ACK: send stage 2",
            ),
        )
        + _qtcp_stage2_checks(flaw)
        + (
            Transition(
                name="ack",
                party="sender",
                guard="s_phase == WAIT_ACK and msg == ACK",
                update={"s_phase": "IDLE", "s_buf": False, "msg": "NONE", "packets": "min(packets + 1, 3)", "s_delivered": True},
                text="ACK: the packet counts as delivered, release it",
            ),
            Transition(
                name="nack",
                party="sender",
                guard="(s_phase == WAIT_PSEUDO or s_phase == WAIT_ACK) and msg == NACK",
                update={"s_phase": "IDLE", "s_buf": False, "msg": "NONE"},
                text="NACK: release the packet's qubits",
            ),
        )
    )


_QTCP_INVARIANTS = (
    Invariant(
        name="accepted-only-if-both-stages",
        expr="accepted implies (stage1 == OK and stage2 == OK)",
        text="a packet reaches the application only when both stages passed their checks",
    ),
    Invariant(
        name="ack-only-if-accepted",
        expr="(msg == ACK or s_delivered) implies accepted",
        text="the sender's promise to its user: an ACK is sent, and a packet counted delivered, only when the "
        "receiver has accepted it",
    ),
    Invariant(
        name="accepted-at-most-once", expr="accepts <= 1", text="the receiver hands each packet to its application at most once"
    ),
    Invariant(
        name="qtcp-consistent",
        expr="(msg == STAGE1 implies (s_phase == WAIT_PSEUDO and r_phase == READY and stage1 == NONE and not accepted)) "
        "and (msg == PSEUDO_ACK implies (s_phase == WAIT_PSEUDO and stage1 == OK and stage2 == NONE and r_phase == HAVE1)) "
        "and (msg == STAGE2 implies (s_phase == WAIT_ACK and stage1 == OK and stage2 == NONE and r_phase == HAVE1)) "
        "and (msg == ACK implies (s_phase == WAIT_ACK and r_phase == READY)) "
        "and (msg == NACK implies (r_phase == READY and not r_buf and (stage1 == FAIL or stage2 == FAIL))) "
        "and (r_phase == HAVE1 implies (r_buf and stage1 == OK and stage2 == NONE and not accepted)) "
        "and (r_phase == READY implies not r_buf) "
        "and (s_phase == WAIT_PSEUDO implies (s_buf and not accepted and stage2 == NONE)) "
        "and (s_phase == WAIT_ACK implies (s_buf and stage1 == OK)) "
        "and (s_phase == IDLE implies (msg == NONE and not s_buf and r_phase == READY)) "
        "and (stage1 == FAIL implies stage2 == NONE) "
        "and (stage2 != NONE implies stage1 == OK) "
        "and (msg == ACK implies (accepted and stage2 == OK)) "
        "and (s_delivered implies (s_phase == IDLE and accepted)) "
        "and (s_phase != IDLE implies not s_delivered) "
        "and (accepted == (accepts == 1)) and accepts <= 1",
        text="(auxiliary) which message flies in which states: strengthens the induction",
    ),
)

_QTCP_PROPS = (
    Property(
        id="accepted-only-if-both-stages",
        engine="statemachine",
        check="statemachine.invariant",
        statement="qTCP: a packet is accepted only when both of its stages passed their checks.",
        args={"invariant": "accepted-only-if-both-stages", "strengthen": ("qtcp-consistent",)},
        reference=YU_LAI_ZHOU.cite,
    ),
    Property(
        id="ack-only-if-accepted",
        engine="statemachine",
        check="statemachine.invariant",
        statement="qTCP: the receiver's ACK, and the sender counting a packet delivered, imply that the receiver "
        "accepted the packet (delivered ⇒ accepted).",
        args={"invariant": "ack-only-if-accepted", "strengthen": ("qtcp-consistent",)},
    ),
    Property(
        id="accepted-at-most-once",
        engine="statemachine",
        check="statemachine.invariant",
        statement="qTCP: the receiver hands each packet to its application at most once.",
        args={"invariant": "accepted-at-most-once", "strengthen": ("qtcp-consistent",)},
    ),
    Property(
        id="failed-stage-releases",
        engine="statemachine",
        check="statemachine.response",
        statement="qTCP: within 1 step after a stage fails its check, neither side holds the packet's qubits.",
        args={
            "after": "stage1 == FAIL or stage2 == FAIL",
            "within": 1,
            "holds": "not s_buf and not r_buf",
            "strengthen": ("qtcp-consistent",),
        },
    ),
    Property(
        id="deadlock-free",
        engine="statemachine",
        check="statemachine.deadlock-free",
        statement="qTCP: some party can always move.",
        args={"strengthen": ("qtcp-consistent",)},
    ),
    Property(
        id="non-vacuous-accept",
        engine="statemachine",
        check="statemachine.reachable",
        statement="Non-vacuity: a run accepts a packet and has it acknowledged.",
        args={"state": "accepted and packets >= 1"},
    ),
    Property(
        id="non-vacuous-failure",
        engine="statemachine",
        check="statemachine.reachable",
        statement="Non-vacuity: a run fails stage 2 (so the release property is exercised).",
        args={"state": "stage2 == FAIL"},
    ),
)


def qtcp(name: str, flaw: str | None = None, **changes) -> TransitionSystem:
    fields: dict[str, Any] = dict(
        summary="qTCP two-stage transfer: stage 1, pseudo-ACK with window, stage 2, ACK; failures release qubits."
    )
    fields.update(changes)
    return TransitionSystem(
        name=name,
        references=(YU_LAI_ZHOU,),
        parties=(Party("sender"), Party("receiver")),
        channels=(
            Channel(source="sender", target="receiver", kind="quantum", note="the packet's two stages"),
            Channel(
                source="receiver", target="sender", kind="classical", authenticated=True, note="pseudo-ACK, ACK, NACK with window"
            ),
        ),
        variables=(
            enum("s_phase", ("IDLE", "WAIT_PSEUDO", "WAIT_ACK"), text="the sender"),
            enum(
                "r_phase", ("READY", "HAVE1", "CHECK2") if flaw == "ack-before-check" else ("READY", "HAVE1"), text="the receiver"
            ),
            enum("msg", ("NONE", "STAGE1", "PSEUDO_ACK", "STAGE2", "ACK", "NACK"), text="the message in flight"),
            enum("stage1", OUTCOMES, text="the check of stage 1 for the current packet"),
            enum("stage2", OUTCOMES, text="the check of stage 2 for the current packet"),
            boolean("s_buf", text="the sender holds the packet's qubits"),
            boolean("r_buf", text="the receiver holds stage 1's qubits"),
            integer("window", 0, 1, text="the receiver's last advertised free buffer slots"),
            boolean("accepted", text="the current packet was handed to the application"),
            integer("accepts", 0, 2, text="(bookkeeping) times the current packet was handed over, saturating"),
            boolean("s_delivered", text="the sender counts the current packet delivered (it got the ACK)"),
            integer("packets", 0, 3, text="(bookkeeping) packets completed, saturating at 3"),
        ),
        init={
            "s_phase": "IDLE",
            "r_phase": "READY",
            "msg": "NONE",
            "stage1": "NONE",
            "stage2": "NONE",
            "s_buf": False,
            "r_buf": False,
            "window": 1,
            "accepted": False,
            "accepts": 0,
            "s_delivered": False,
            "packets": 0,
        },
        transitions=_qtcp_transitions(flaw),
        invariants=_QTCP_INVARIANTS,
        readings=QTCP_READINGS,
        properties=_QTCP_PROPS,
        **fields,
    )


QUDP_READINGS = (
    Reading(
        topic="what the checksum can detect",
        choice="a clean datagram always measures zero; a corrupted one may measure non-zero or, for an error the "
        "code cannot see, zero",
        reason="a syndrome measurement detects only the errors its code detects; the property is about the "
        "acceptance rule, which must not assume a perfect code.",
    ),
)


def _qudp_transitions(flaw: str | None) -> tuple[Transition, ...]:
    no_check = flaw == "no-check"
    keeps = flaw == "keeps-buffer"
    twice = flaw == "delivers-twice"
    handed = {"accepted": True, "deliveries": "min(deliveries + 1, 2)"}
    return (
        Transition(
            name="arrive_clean",
            party="receiver",
            guard="u_phase == IDLE",
            update={
                "u_phase": "ARRIVED",
                "u_buf": True,
                "checksum": "UNMEASURED",
                "corrupted": False,
                "accepted": False,
                "deliveries": 0,
            },
            text="a datagram arrives intact and is buffered",
        ),
        Transition(
            name="arrive_corrupted",
            party="receiver",
            guard="u_phase == IDLE",
            update={
                "u_phase": "ARRIVED",
                "u_buf": True,
                "checksum": "UNMEASURED",
                "corrupted": True,
                "accepted": False,
                "deliveries": 0,
            },
            text="a datagram arrives corrupted by the channel and is buffered",
        ),
        Transition(
            name="measure_zero",
            party="receiver",
            guard="u_phase == ARRIVED",
            update={"u_phase": "CHECKED", "checksum": "ZERO"},
            text="the checksum syndrome measures zero (always for a clean datagram)",
        ),
        Transition(
            name="measure_nonzero",
            party="receiver",
            guard="u_phase == ARRIVED and corrupted",
            update={"u_phase": "CHECKED", "checksum": "NONZERO"},
            text="the checksum syndrome measures non-zero (only for a corrupted datagram)",
        ),
        Transition(
            name="accept",
            party="receiver",
            guard="u_phase == ARRIVED" if no_check else "u_phase == CHECKED and checksum == ZERO",
            update=handed if twice else {"u_phase": "IDLE", "u_buf": False, **handed},
            text="hand the datagram to the application"
            + (" (wrongly) without measuring the checksum" if no_check else " (wrongly) keeping it buffered" if twice else ""),
        ),
        Transition(
            name="discard",
            party="receiver",
            guard="u_phase == CHECKED and checksum == NONZERO",
            update={"u_phase": "DISCARDED"} if keeps else {"u_phase": "IDLE", "u_buf": False},
            text="discard the datagram" + (" (wrongly) keeping its qubits in memory" if keeps else " and release its qubits"),
        ),
    )


_QUDP_INVARIANTS = (
    Invariant(
        name="accepted-only-if-zero",
        expr="accepted implies checksum == ZERO",
        text="a datagram reaches the application only when its checksum measured zero",
    ),
    Invariant(
        name="clean-never-discarded",
        expr="checksum == NONZERO implies corrupted",
        text="no false alarms: a non-zero checksum always means a corrupted datagram",
    ),
    Invariant(name="delivered-at-most-once", expr="deliveries <= 1", text="each datagram reaches the application at most once"),
)

_QUDP_PROPS = (
    Property(
        id="accepted-only-if-checksum-zero",
        engine="statemachine",
        check="statemachine.invariant",
        statement="qUDP: a datagram is accepted only when its quantum checksum measures zero.",
        args={"invariant": "accepted-only-if-zero"},
        reference=YU_LAI_ZHOU.cite,
    ),
    Property(
        id="failed-check-releases",
        engine="statemachine",
        check="statemachine.response",
        statement="qUDP: within 1 step after the checksum measures non-zero, the datagram's qubits are released.",
        args={"after": "checksum == NONZERO and u_phase != IDLE", "within": 1, "holds": "not u_buf"},
    ),
    Property(
        id="clean-never-discarded",
        engine="statemachine",
        check="statemachine.invariant",
        statement="qUDP: an intact datagram is never rejected (the checksum raises no false alarm).",
        args={"invariant": "clean-never-discarded"},
    ),
    Property(
        id="delivered-at-most-once",
        engine="statemachine",
        check="statemachine.invariant",
        statement="qUDP: each datagram reaches the application at most once.",
        args={"invariant": "delivered-at-most-once"},
    ),
    Property(
        id="non-vacuous",
        engine="statemachine",
        check="statemachine.reachable",
        statement="Non-vacuity: a run accepts a datagram.",
        args={"state": "accepted"},
    ),
    Property(
        id="non-vacuous-discard",
        engine="statemachine",
        check="statemachine.reachable",
        statement="Non-vacuity: a run measures a non-zero checksum and releases the datagram.",
        args={"state": "checksum == NONZERO and u_phase == IDLE and not u_buf"},
    ),
)


def qudp(name: str, flaw: str | None = None, **changes) -> TransitionSystem:
    fields: dict[str, Any] = dict(
        summary="qUDP checksum path: measure the quantum checksum, accept on zero, discard and release otherwise."
    )
    fields.update(changes)
    return TransitionSystem(
        name=name,
        references=(YU_LAI_ZHOU,),
        parties=(Party("sender"), Party("receiver")),
        channels=(Channel(source="sender", target="receiver", kind="quantum", note="datagrams with a quantum checksum"),),
        variables=(
            enum("u_phase", ("IDLE", "ARRIVED", "CHECKED", "DISCARDED"), text="the receiver's handling of the datagram"),
            enum("checksum", ("UNMEASURED", "ZERO", "NONZERO"), text="the checksum's measured syndrome"),
            boolean("u_buf", text="the datagram's qubits occupy the receiver's memory"),
            boolean("corrupted", text="(environment) the channel corrupted this datagram"),
            boolean("accepted", text="the datagram was handed to the application"),
            integer("deliveries", 0, 2, text="(bookkeeping) times this datagram was handed over, saturating"),
        ),
        init={
            "u_phase": "IDLE",
            "checksum": "UNMEASURED",
            "u_buf": False,
            "corrupted": False,
            "accepted": False,
            "deliveries": 0,
        },
        transitions=_qudp_transitions(flaw),
        invariants=_QUDP_INVARIANTS,
        readings=QUDP_READINGS,
        properties=_QUDP_PROPS,
        **fields,
    )


QTCP = qtcp("qtcp-two-stage")
QTCP_SINGLE_STAGE = qtcp(
    "qtcp-accepts-after-stage1",
    flaw="single-stage",
    flawed="the receiver accepts the packet as soon as stage 1 passes, before stage 2 is checked",
    variant_of="qtcp-two-stage",
)
QTCP_ACK_BEFORE_CHECK = qtcp(
    "qtcp-ack-before-check",
    flaw="ack-before-check",
    flawed="the receiver ACKs stage 2 as soon as it arrives and checks it afterwards: the sender "
    "counts a packet delivered that the receiver then rejects",
    variant_of="qtcp-two-stage",
)
QUDP = qudp("qudp-checksum")
QUDP_NO_CHECK = qudp(
    "qudp-no-checksum",
    flaw="no-check",
    flawed="the receiver accepts datagrams without measuring the checksum",
    variant_of="qudp-checksum",
)
QUDP_KEEPS_BUFFER = qudp(
    "qudp-keeps-buffer",
    flaw="keeps-buffer",
    flawed="a datagram with a non-zero checksum is discarded but its qubits are never released",
    variant_of="qudp-checksum",
)

QUDP_DELIVERS_TWICE = qudp(
    "qudp-delivers-twice",
    flaw="delivers-twice",
    flawed="an accepted datagram stays buffered and can be handed to the application again",
    variant_of="qudp-checksum",
)

#: Two packets in flight, two packets, one failed stage: the smallest
#: machine where packets overlap and complete out of order (158 states).
QTCP_WINDOW_2 = qtcp_window("qtcp-window-2", window=2, packets=2, max_failures=1)
#: Three packets for a window of two, so that a sender ignoring the window
#: has a third packet to push into a full buffer.
QTCP_WINDOW_IGNORED = qtcp_window(
    "qtcp-window-ignored",
    window=2,
    packets=3,
    max_failures=0,
    flaw="ignores-window",
    flawed="the sender starts packets whatever the advertised window says: a third packet's stage 1 arrives at a "
    "receiver whose two quantum-buffer slots are full (three packets, window two)",
    variant_of="qtcp-window-2",
)

PROTOCOLS = (QTCP, QUDP, QTCP_WINDOW_2)
FLAWED = (QTCP_SINGLE_STAGE, QTCP_ACK_BEFORE_CHECK, QUDP_NO_CHECK, QUDP_KEEPS_BUFFER, QUDP_DELIVERS_TWICE, QTCP_WINDOW_IGNORED)
