"""The quantum three-way handshake of qTCP (Yu, Lai, Zhou 2021).

TCP opens a connection with SYN, SYN-ACK, ACK.  The quantum version also
certifies each direction of the quantum channel with EPR pairs: the client
sends halves of a batch of EPR pairs with its SYN, the server tests them
(measuring a sample in random bases and comparing with the client's
announced outcomes); if the test passes it answers SYN-ACK with a batch of
its own, which the client tests before its ACK.  A failed test aborts the
attempt with RST.  The machine tracks, for each party, whether it holds its
halves of the forward (client → server) and backward batches, so that
"termination releases every EPR pair" is a state property.
"""

from __future__ import annotations

from typing import Any

from .protocol import Channel, Party, Property
from .retransmission import YU_LAI_ZHOU
from .transition import Invariant, Reading, Transition, TransitionSystem, boolean, enum

TESTS = ("UNTESTED", "PASS", "FAIL")
MESSAGES = ("NONE", "SYN", "SYNACK", "ACK", "RST_TO_CLIENT", "RST_TO_SERVER", "FIN", "FINACK")

READINGS = (
    Reading(
        topic="what an EPR test is",
        choice="its outcome is left to the adversary (pass or fail, non-deterministically) at each test",
        reason="the handshake's guarantees must hold whatever the channel and an eavesdropper do; the test's "
        "statistics (a CHSH or fidelity estimate) belong to the QKD/entanglement models, not to the control flow.",
    ),
    Reading(
        topic="the classical control messages",
        choice="SYN, SYN-ACK, ACK, RST, FIN travel on an authenticated, reliable classical channel, one at a time",
        reason="their loss is handled by classical TCP retransmission; the quantum-specific question is what "
        "happens to the EPR pairs, which this machine tracks.",
    ),
    Reading(
        topic="a failed test",
        choice="the tester sends RST and both sides release every EPR pair of the attempt; the client may retry with fresh pairs",
        reason="pairs that failed a test carry unknown correlations (possibly with an eavesdropper) and must not "
        "be used for the connection; keeping them occupies quantum memory for nothing.",
    ),
    Reading(
        topic="who closes",
        choice="the client closes with FIN; the server releases its halves and answers FIN-ACK, then the client releases its own",
        reason="a half-close by either side is symmetric; one direction is enough to check that termination releases every pair.",
    ),
)


def _transitions(flaw: str | None) -> tuple[Transition, ...]:
    ignore_test = flaw == "ignores-failed-test"
    leak = flaw == "leaks-pairs"
    no_fin = flaw == "close-without-fin"
    return (
        Transition(
            name="open",
            party="client",
            guard="c_state == CLOSED and msg == NONE",
            update={"c_state": "SYN_SENT", "c_fwd": True, "fwd_test": "UNTESTED", "bwd_test": "UNTESTED", "msg": "SYN"},
            text="prepare a batch of EPR pairs, keep one half of each, send the other halves with SYN",
        ),
        Transition(
            name="server_test_pass",
            party="server",
            guard="s_state == LISTEN and msg == SYN",
            update={"s_state": "SYN_RCVD", "s_fwd": True, "fwd_test": "PASS", "s_bwd": True, "msg": "SYNACK"},
            text="the forward batch passes the test: prepare the backward batch, send halves with SYN-ACK",
        ),
        Transition(
            name="server_test_fail",
            party="server",
            guard="s_state == LISTEN and msg == SYN",
            update={"fwd_test": "FAIL", "s_fwd": False, "msg": "RST_TO_CLIENT"},
            text="the forward batch fails the test: discard it, send RST",
        ),
        Transition(
            name="client_test_pass",
            party="client",
            guard="c_state == SYN_SENT and msg == SYNACK",
            update={"c_state": "ESTABLISHED", "c_bwd": True, "bwd_test": "PASS", "msg": "ACK"},
            text="the backward batch passes the test: ESTABLISHED, send ACK",
        ),
        Transition(
            name="client_test_fail",
            party="client",
            guard="c_state == SYN_SENT and msg == SYNACK",
            update=(
                {"c_state": "ESTABLISHED", "c_bwd": True, "bwd_test": "FAIL", "msg": "ACK"}
                if ignore_test
                else {"c_state": "CLOSED", "c_fwd": False, "c_bwd": False, "bwd_test": "FAIL", "msg": "RST_TO_SERVER"}
            ),
            text="the backward batch fails the test: "
            + ("(wrongly) establish anyway" if ignore_test else "release every pair, send RST"),
        ),
        Transition(
            name="server_established",
            party="server",
            guard="s_state == SYN_RCVD and msg == ACK",
            update={"s_state": "ESTABLISHED", "msg": "NONE"},
            text="ACK received: ESTABLISHED",
        ),
        Transition(
            name="client_reset",
            party="client",
            guard="c_state == SYN_SENT and msg == RST_TO_CLIENT",
            update={"c_state": "CLOSED", "c_fwd": False, "c_bwd": False, "msg": "NONE"},
            text="RST: release the halves kept, back to CLOSED",
        ),
        Transition(
            name="server_reset",
            party="server",
            guard="s_state == SYN_RCVD and msg == RST_TO_SERVER",
            update={"s_state": "LISTEN", "s_fwd": False, "s_bwd": False, "msg": "NONE"},
            text="RST: release both batches' halves, back to LISTEN",
        ),
        Transition(
            name="close",
            party="client",
            guard="c_state == ESTABLISHED and msg == NONE",
            update={"c_state": "CLOSED", "c_fwd": False, "c_bwd": False} if no_fin else {"c_state": "FIN_WAIT", "msg": "FIN"},
            text="the client closes: "
            + ("(wrongly) releases its halves and drops the connection without FIN" if no_fin else "FIN"),
        ),
        Transition(
            name="server_close",
            party="server",
            guard="s_state == ESTABLISHED and msg == FIN",
            update={"s_state": "LISTEN", "msg": "FINACK"}
            if leak
            else {"s_state": "LISTEN", "s_fwd": False, "s_bwd": False, "msg": "FINACK"},
            text="FIN: " + ("(wrongly) keep the pairs in memory" if leak else "release its halves") + ", FIN-ACK, listen again",
        ),
        Transition(
            name="client_closed",
            party="client",
            guard="c_state == FIN_WAIT and msg == FINACK",
            update={"c_state": "CLOSED", "c_fwd": False, "c_bwd": False, "msg": "NONE"},
            text="FIN-ACK: release its halves, CLOSED",
        ),
    )


_INVARIANTS = (
    Invariant(
        name="established-only-if-both-pass",
        expr="(c_state == ESTABLISHED or s_state == ESTABLISHED) implies (fwd_test == PASS and bwd_test == PASS)",
        text="a connection exists only over a channel certified in both directions",
    ),
    Invariant(
        name="failed-test-never-established",
        expr="(fwd_test == FAIL or bwd_test == FAIL) implies (c_state != ESTABLISHED and s_state != ESTABLISHED "
        "and c_state != FIN_WAIT)",
        text="after a failed test in this attempt, neither side is (or was) ESTABLISHED",
    ),
    Invariant(
        name="no-half-open",
        expr="s_state == ESTABLISHED implies (c_state == ESTABLISHED or c_state == FIN_WAIT)",
        text="both ends agree: the server never holds a connection the client has dropped",
    ),
    Invariant(
        name="closed-holds-no-pairs",
        expr="(c_state == CLOSED implies not (c_fwd or c_bwd)) and (s_state == LISTEN implies not (s_fwd or s_bwd))",
        text="termination (and abort) releases every EPR pair a side held",
    ),
    Invariant(
        name="handshake-consistent",
        expr="(s_state == ESTABLISHED implies (c_state == ESTABLISHED or c_state == FIN_WAIT)) "
        "and (s_state == SYN_RCVD implies (fwd_test == PASS and (c_state == SYN_SENT or c_state == ESTABLISHED "
        "or (c_state == CLOSED and msg == RST_TO_SERVER)))) "
        "and (c_state == ESTABLISHED implies (s_state == SYN_RCVD or s_state == ESTABLISHED)) "
        "and (c_state == FIN_WAIT implies (s_state == ESTABLISHED or (s_state == LISTEN and msg == FINACK))) "
        "and (msg == SYN implies (c_state == SYN_SENT and s_state == LISTEN and fwd_test == UNTESTED)) "
        "and (msg == SYNACK implies (c_state == SYN_SENT and s_state == SYN_RCVD and bwd_test == UNTESTED)) "
        "and (msg == ACK implies (c_state == ESTABLISHED and s_state == SYN_RCVD)) "
        "and (msg == RST_TO_CLIENT implies (c_state == SYN_SENT and s_state == LISTEN and fwd_test == FAIL)) "
        "and (msg == RST_TO_SERVER implies (c_state == CLOSED and s_state == SYN_RCVD and bwd_test == FAIL)) "
        "and (msg == FIN implies (c_state == FIN_WAIT and s_state == ESTABLISHED)) "
        "and (msg == FINACK implies (c_state == FIN_WAIT and s_state == LISTEN)) "
        "and (c_state == SYN_SENT implies bwd_test == UNTESTED) "
        "and (c_state == SYN_SENT and s_state == LISTEN implies (msg == SYN or msg == RST_TO_CLIENT)) "
        "and (c_state == CLOSED implies (s_state == LISTEN or msg == RST_TO_SERVER)) "
        "and (s_state == SYN_RCVD implies (s_fwd and s_bwd)) "
        "and (msg == NONE implies (c_state == CLOSED or c_state == ESTABLISHED)) "
        "and (msg == NONE and c_state == CLOSED implies s_state == LISTEN) "
        "and (msg == NONE and c_state == ESTABLISHED implies s_state == ESTABLISHED)",
        text="(auxiliary) which message is in flight in which pair of states: strengthens the induction",
    ),
)

_STRENGTHEN = ("handshake-consistent",)


def handshake(name: str, flaw: str | None = None, **changes) -> TransitionSystem:
    fields: dict[str, Any] = dict(
        summary="qTCP's quantum three-way handshake: SYN / SYN-ACK / ACK, each direction certified by EPR pairs.",
        flawed=None,
    )
    fields.update(changes)
    return TransitionSystem(
        name=name,
        version="1",
        references=(YU_LAI_ZHOU,),
        parties=(Party("client", "opens the connection"), Party("server", "listens")),
        channels=(
            Channel(source="client", target="server", kind="quantum", note="EPR halves of the forward batch"),
            Channel(source="server", target="client", kind="quantum", note="EPR halves of the backward batch"),
            Channel(source="client", target="server", kind="classical", authenticated=True, note="SYN, ACK, RST, FIN"),
            Channel(source="server", target="client", kind="classical", authenticated=True, note="SYN-ACK, RST, FIN-ACK"),
        ),
        variables=(
            enum("c_state", ("CLOSED", "SYN_SENT", "ESTABLISHED", "FIN_WAIT"), text="the client's connection state"),
            enum("s_state", ("LISTEN", "SYN_RCVD", "ESTABLISHED"), text="the server's connection state"),
            enum("fwd_test", TESTS, text="the server's test of the client → server batch, this attempt"),
            enum("bwd_test", TESTS, text="the client's test of the server → client batch, this attempt"),
            enum("msg", MESSAGES, text="the control message in flight"),
            boolean("c_fwd", text="the client holds its halves of the forward batch"),
            boolean("c_bwd", text="the client holds its halves of the backward batch"),
            boolean("s_fwd", text="the server holds its halves of the forward batch"),
            boolean("s_bwd", text="the server holds its halves of the backward batch"),
        ),
        init={
            "c_state": "CLOSED",
            "s_state": "LISTEN",
            "fwd_test": "UNTESTED",
            "bwd_test": "UNTESTED",
            "msg": "NONE",
            "c_fwd": False,
            "c_bwd": False,
            "s_fwd": False,
            "s_bwd": False,
        },
        transitions=_transitions(flaw),
        invariants=_INVARIANTS,
        readings=READINGS,
        properties=(
            Property(
                id="established-only-if-both-pass",
                engine="statemachine",
                check="statemachine.invariant",
                statement="The connection is ESTABLISHED (at either side) only if both directions' EPR tests passed.",
                args={"invariant": "established-only-if-both-pass", "strengthen": _STRENGTHEN},
                reference=YU_LAI_ZHOU.cite,
            ),
            Property(
                id="failed-test-never-established",
                engine="statemachine",
                check="statemachine.invariant",
                statement="A failed EPR test never leads to ESTABLISHED in that attempt.",
                args={"invariant": "failed-test-never-established", "strengthen": _STRENGTHEN},
            ),
            Property(
                id="termination-releases-pairs",
                engine="statemachine",
                check="statemachine.invariant",
                statement="Termination (FIN or RST) releases every EPR pair: a CLOSED client and a LISTENing server hold none.",
                args={"invariant": "closed-holds-no-pairs", "strengthen": _STRENGTHEN},
            ),
            Property(
                id="no-half-open-connection",
                engine="statemachine",
                check="statemachine.invariant",
                statement="Both ends agree: whenever the server is ESTABLISHED, the client is ESTABLISHED or "
                "closing with FIN (no half-open connection holding the server's EPR halves).",
                args={"invariant": "no-half-open", "strengthen": _STRENGTHEN},
            ),
            Property(
                id="deadlock-free",
                engine="statemachine",
                check="statemachine.deadlock-free",
                statement="Some move is always possible (the handshake never hangs).",
                args={"strengthen": _STRENGTHEN},
            ),
            Property(
                id="non-vacuous-established",
                engine="statemachine",
                check="statemachine.reachable",
                statement="Non-vacuity: a run establishes the connection at both sides.",
                args={"state": "c_state == ESTABLISHED and s_state == ESTABLISHED"},
            ),
            Property(
                id="non-vacuous-closed-after-use",
                engine="statemachine",
                check="statemachine.reachable",
                statement="Non-vacuity of release: a run establishes, closes, and ends with both sides idle.",
                args={
                    "state": "c_state == CLOSED and s_state == LISTEN and msg == NONE and fwd_test == PASS and bwd_test == PASS"
                },
            ),
        ),
        **fields,
    )


HANDSHAKE = handshake("quantum-three-way-handshake")
HANDSHAKE_IGNORES_TEST = handshake(
    "quantum-handshake-ignores-failed-test",
    flaw="ignores-failed-test",
    flawed="the client establishes the connection even when the backward EPR test fails",
    variant_of="quantum-three-way-handshake",
)
HANDSHAKE_LEAKS_PAIRS = handshake(
    "quantum-handshake-leaks-pairs",
    flaw="leaks-pairs",
    flawed="on FIN the server forgets to release its EPR halves: quantum memory leaks across connections",
    variant_of="quantum-three-way-handshake",
)

HANDSHAKE_CLOSE_WITHOUT_FIN = handshake(
    "quantum-handshake-close-without-fin",
    flaw="close-without-fin",
    flawed="the client drops the connection without FIN: the server stays ESTABLISHED on a half-open connection",
    variant_of="quantum-three-way-handshake",
)

PROTOCOLS = (HANDSHAKE,)
FLAWED = (HANDSHAKE_IGNORES_TEST, HANDSHAKE_LEAKS_PAIRS, HANDSHAKE_CLOSE_WITHOUT_FIN)
