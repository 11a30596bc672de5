"""Quantum retransmission: the properties are proved by k-induction, the
derived delivery bound is tight, the flawed variants are refuted with
traces that replay, and two independent opinions (exhaustive search on the
interpreter, a Hypothesis state machine) agree with Z3."""

import json

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import qproto
from qproto.models import transition as interp
from qproto.spec.protocol import Property
from qproto.spec.retransmission import (
    RETRANSMISSION,
    RETRANSMISSION_EARLY_RELEASE,
    RETRANSMISSION_KEEPS_COPY,
    RETRANSMISSION_NO_SEQ,
    RETRANSMISSION_TWO_LOSSES,
    delivery_bound,
)

from qproto.spec.retransmission_recursive import (
    RETRANSMISSION_RECURSIVE,
    RETRANSMISSION_RECURSIVE_NO_FALLBACK,
)
from qproto.spec.retransmission_recursive import delivery_bound as recursive_bound

from .helpers import cli


def by_id(verdicts):
    return {v.property: v for v in verdicts}


@pytest.fixture(scope="module")
def verdicts():
    return by_id(qproto.verify(RETRANSMISSION))


def test_every_property_is_proved_unboundedly(verdicts):
    for pid, v in verdicts.items():
        assert v.status.value == "proved", (pid, v.evidence)
        assert v.ok
    for pid in ("no-cloning", "lost-share-never-loses-payload", "exactly-once-in-order", "delivers-within-bound"):
        cert = verdicts[pid].evidence["certificate"]
        assert cert["k"] >= 1 and cert["inductive"]


def test_non_vacuity_runs_deliver(verdicts):
    w = verdicts["non-vacuous"].evidence["witness"]
    assert w[-1]["state"]["r_next"] == 2
    lossy = verdicts["recovers-after-loss"].evidence["witness"]
    assert any(s["transition"] in ("lose_share", "lose_ack") for s in lossy)
    assert interp.replay_run(RETRANSMISSION, lossy).ok


def test_delivery_bound_is_derived_and_tight():
    assert delivery_bound(1) == 11 and delivery_bound(2) == 16
    p = RETRANSMISSION.property("delivers-within-bound")
    tighter = RETRANSMISSION.variant(
        "retransmission-tighter",
        properties=(Property(id="too-tight", statement="one step fewer", engine="statemachine", check=p.check,
                             args={**p.args, "within": delivery_bound(1) - 1}),),
    )
    v = qproto.verify(tighter)[0]
    assert v.status.value == "refuted"
    names = [s["transition"] for s in v.evidence["trace"]]
    assert "lose_ack" in names  # the worst case is a lost ACK of share 1


@pytest.mark.parametrize(
    "spec, pid, witness",
    [
        (RETRANSMISSION_KEEPS_COPY, "no-cloning", "recv_second"),
        (RETRANSMISSION_EARLY_RELEASE, "lost-share-never-loses-payload", "lose_share"),
        (RETRANSMISSION_NO_SEQ, "exactly-once-in-order", "recv_second"),
    ],
)
def test_flawed_variants_are_refuted_with_replayed_traces(spec, pid, witness):
    v = by_id(qproto.verify(spec, properties=[pid]))[pid]
    assert v.status.value == "refuted", v.evidence
    trace = v.evidence["trace"]
    assert v.evidence["replay"]["replayed"] is True
    assert interp.replay_run(spec, trace).ok  # replays again here, independently
    assert witness in [s["transition"] for s in trace]
    # the same trace is not a run of the sound protocol
    assert not interp.replay_run(RETRANSMISSION, trace).ok


def test_two_losses_are_a_stated_limitation():
    v = by_id(qproto.verify(RETRANSMISSION_TWO_LOSSES, properties=["lost-share-never-loses-payload", "no-cloning"]))
    assert v["lost-share-never-loses-payload"].status.value == "limitation"
    assert v["lost-share-never-loses-payload"].ok
    assert v["no-cloning"].status.value == "proved"


def test_exhaustive_search_agrees():
    """Independent of Z3: every reachable state of the interpreter satisfies
    the proved invariants (a finite, complete enumeration)."""
    states, complete = interp.reachable(RETRANSMISSION)
    assert complete
    names = [v.name for v in RETRANSMISSION.variables]
    invs = [RETRANSMISSION.expr(n) for n in ("no-cloning", "payload-never-lost", "exactly-once-in-order",
                                              "shares-accounted", "one-message-in-flight", "receiver-in-step")]
    for key in states:
        s = dict(zip(names, key))
        assert all(interp.evaluate(e, s) for e in invs), s
    assert 50 < len(states) < 5000


def test_cli_prints_the_trace_and_exits_1():
    r = cli("verify", "quantum-retransmission-early-release", "--property", "lost-share-never-loses-payload")
    assert r.code == 1, r.err
    assert "counterexample trace" in r.out and "give_up2" in r.out
    j = cli("verify", "quantum-retransmission-early-release", "--property", "lost-share-never-loses-payload", "--json")
    doc = j.json()
    assert doc["verdicts"][0]["evidence"]["trace"][0]["step"] == 0


def test_bound_option_reaches_the_engine():
    r = cli("verify", "quantum-retransmission", "--property", "exactly-once-in-order", "--bound", "7", "--json")
    assert r.code == 0, r.err
    assert r.json()["verdicts"][0]["status"] == "proved"


# -- a third opinion: Hypothesis drives the interpreter ---------------------------------

_INVARIANTS = [RETRANSMISSION.expr(n) for n in ("no-cloning", "payload-never-lost", "exactly-once-in-order")]
_NAMES = [t.name for t in RETRANSMISSION.transitions]


class RetransmissionMachine(RuleBasedStateMachine):
    """Random schedules of the sound protocol never break its invariants,
    and never get stuck before every packet is acknowledged."""

    def __init__(self):
        super().__init__()
        self.state = interp.initial_states(RETRANSMISSION)[0]

    @precondition(lambda self: self.state["s_pkt"] < RETRANSMISSION.constants()["packets"])
    @rule(pick=st.integers(min_value=0, max_value=len(_NAMES) - 1))
    def move(self, pick):
        moves = list(interp.successors(RETRANSMISSION, self.state))
        assert moves, f"stuck in {self.state}"
        self.state = moves[pick % len(moves)][2]

    @precondition(lambda self: self.state["s_pkt"] == RETRANSMISSION.constants()["packets"])
    @rule()
    def restart(self):
        self.state = interp.initial_states(RETRANSMISSION)[0]

    @invariant()
    def holds(self):
        for e in _INVARIANTS:
            assert interp.evaluate(e, self.state), (str(e), self.state)


TestRetransmissionMachine = RetransmissionMachine.TestCase


def test_recursive_scheme_survives_three_losses():
    v = by_id(qproto.verify(RETRANSMISSION_RECURSIVE))
    for pid, verdict in v.items():
        assert verdict.status.value == "proved", (pid, verdict.evidence)
    assert recursive_bound(3) == 25
    cert = v["delivers-within-bound"].evidence["certificate"]
    assert cert["progress_measure"]  # the ranking function was checked, and used
    fallback = v["non-vacuous-fallback"].evidence["witness"]
    assert "fallback" in [s["transition"] for s in fallback]


def test_recursive_without_fallback_loses_the_payload():
    pid = "three-losses-never-lose-payload"
    v = by_id(qproto.verify(RETRANSMISSION_RECURSIVE_NO_FALLBACK, properties=[pid]))[pid]
    assert v.status.value == "refuted" and v.evidence["replay"]["replayed"]
    assert v.evidence["trace"][-1]["state"]["losses"] == 2


def test_a_wrong_progress_measure_is_not_trusted():
    p = RETRANSMISSION.property("delivers-within-bound")
    wrong = RETRANSMISSION.variant(
        "retransmission-wrong-ranking",
        properties=(Property(id="d", statement="s", engine="statemachine", check=p.check,
                             args={**p.args, "progress": "20"}),),
    )
    v = qproto.verify(wrong)[0]
    assert v.status.value == "proved"  # still true, proved without the hint
    assert v.evidence["progress_measure_not_inductive"] == "20"
