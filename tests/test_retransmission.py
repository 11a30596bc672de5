"""Quantum retransmission: the properties are proved by k-induction, the
derived delivery bound is tight, the flawed variants are refuted with
traces that replay, and two independent opinions (exhaustive search on the
interpreter, a Hypothesis state machine) agree with Z3."""

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import qproto
from qproto.models import transition as interp
from qproto.proofs.runner import verify as run_verify
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


def z3_only(spec, properties=None, **options):
    return by_id(run_verify(spec, None, properties, {"sm_engine": "z3", **options}))


def test_every_property_is_proved_unboundedly(verdicts):
    states, complete = interp.reachable(RETRANSMISSION)
    assert complete
    for pid, v in verdicts.items():
        assert v.status.value == "proved", (pid, v.evidence)
        assert v.ok
        # push-button: decided on the complete listing, whose size the
        # interpreter's own breadth-first search confirms
        assert v.evidence["engine_used"] == "explicit" and v.evidence["reachable_states"] == len(states)
    pids = ["no-cloning", "lost-share-never-loses-payload", "exactly-once-in-order", "delivers-within-bound"]
    z3v = z3_only(RETRANSMISSION, pids)
    for pid in pids:
        assert z3v[pid].status.value == "proved" and z3v[pid].evidence["engine_used"] == "z3"
        cert = z3v[pid].evidence["certificate"]
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
        properties=(
            Property(
                id="too-tight",
                statement="one step fewer",
                engine="statemachine",
                check=p.check,
                args={**p.args, "within": delivery_bound(1) - 1},
            ),
        ),
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
    invs = [
        RETRANSMISSION.expr(n)
        for n in (
            "no-cloning",
            "payload-never-lost",
            "exactly-once-in-order",
            "shares-accounted",
            "one-message-in-flight",
            "receiver-in-step",
        )
    ]
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
    assert all(verdict.evidence["engine_used"] == "explicit" for verdict in v.values())
    z3v = z3_only(RETRANSMISSION_RECURSIVE, ["delivers-within-bound"])["delivers-within-bound"]
    assert z3v.status.value == "proved"
    cert = z3v.evidence["certificate"]
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
        properties=(Property(id="d", statement="s", engine="statemachine", check=p.check, args={**p.args, "progress": "20"}),),
    )
    v = z3_only(wrong)["d"]
    assert v.status.value == "proved"  # still true, proved without the hint
    assert v.evidence["progress_measure_not_inductive"] == "20"


# -- parameterised models (issue 15 item 4) ---------------------------------------

from qproto.spec.retransmission import retransmission  # noqa: E402
from qproto.spec.retransmission_recursive import losses_survived, recursive_levels  # noqa: E402


def _statuses(spec):
    vs = run_verify(spec, None, None, {})
    assert all(v.evidence["engine_used"] == "explicit" for v in vs), [v.evidence.get("engine_note") for v in vs]
    return by_id(vs)


def _check_levels(levels: int, losses: int) -> None:
    v = _statuses(recursive_levels(levels, losses))
    survives = losses <= 2**levels - 1  # derived by hand: failing a level takes twice the losses of the one below
    assert losses_survived(levels) == 2**levels - 1
    for pid, verdict in v.items():
        if pid in ("payload-never-lost", "delivers-within-bound") and not survives:
            assert verdict.status.value == "limitation", (levels, losses, pid, verdict.evidence)
        else:
            assert verdict.status.value == "proved", (levels, losses, pid, verdict.evidence)
    if not survives and losses == 2**levels:
        # the shortest run that loses the payload: F(1) = 9 steps (share 1's
        # four steps, send 2, lose, send 3, lose, give up) and
        # F(k) = 7 + 2 F(k - 1), i.e. F(k) = 8·2^k - 7
        trace = v["payload-never-lost"].evidence["counterexample"]
        assert len(trace) - 1 == 8 * 2**levels - 7
        assert sum(r["transition"].startswith("lose") for r in trace[1:]) == 2**levels


@pytest.mark.parametrize("levels, losses", [(1, 0), (1, 1), (1, 2), (2, 3), (2, 4), (3, 5)])
def test_recursive_levels_survive_exactly_2_to_the_levels_minus_1_losses(levels, losses):
    _check_levels(levels, losses)


@pytest.mark.slow
@pytest.mark.parametrize("levels", [1, 2, 3, 4])
def test_recursive_levels_every_size_up_to_the_bound(levels):
    # every loss budget up to one past what the levels survive (4 levels: 0..16)
    for losses in range(0, 2**levels + 1):
        _check_levels(levels, losses)


@pytest.mark.slow
@pytest.mark.parametrize("losses", [31, 32])
def test_five_levels_at_the_edge(losses):
    # 5 levels survive 31 losses, not 32 (about 21,000 and 24,000 states)
    _check_levels(5, losses)


def test_recursive_with_five_losses_is_proved_push_button():
    # issue 15: the two-level machine's Z3 proof hit the resource limit at 5
    # losses; three levels survive 7, and every property is decided outright
    v = _statuses(recursive_levels(3, 5))
    assert {p: x.status.value for p, x in v.items()} == dict.fromkeys(v, "proved")


def _check_packets(packets: int) -> None:
    v = _statuses(retransmission(f"quantum-retransmission-{packets}-packets", packets=packets))
    for pid, verdict in v.items():
        assert verdict.status.value == "proved", (packets, pid, verdict.evidence)
    # non-vacuity: the witness delivers every packet, each needing at least
    # the 6 lossless steps to delivery plus its ACK (7 per packet)
    assert len(v["non-vacuous"].evidence["witness"]) - 1 >= 7 * packets


@pytest.mark.parametrize("packets", [1, 3])
def test_retransmission_with_more_packets(packets):
    _check_packets(packets)


@pytest.mark.slow
def test_retransmission_every_packet_count_up_to_the_bound():
    for packets in range(1, 9):
        _check_packets(packets)


def test_catalogue_instances_are_unchanged_by_the_builders():
    # the builders' new ranges only grow past the catalogue's sizes
    assert RETRANSMISSION.variable("losses").type.high == 3
    assert RETRANSMISSION.parameter("packets").high == 3


def test_every_packet_count_at_once_with_a_symbolic_size():
    # one k-induction proof with `packets` a frozen symbolic variable in
    # [1, 2^62]: all sizes at once; the explicit engine declines (too many values)
    from qproto.spec.retransmission import retransmission_any_packets

    spec = retransmission_any_packets()
    v = by_id(run_verify(spec, None, None, {}))
    for pid, verdict in v.items():
        assert verdict.status.value == "proved", (pid, verdict.evidence)
        assert verdict.evidence["engine_used"] == "z3"
        assert f"s_pkt has {2**62 + 1} values" in verdict.evidence["engine_note"]  # 0..2^62
    assert v["no-cloning"].evidence["certificate"]["k"] >= 1
