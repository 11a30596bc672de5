"""Soundness of the transition-system engine (issues 10 and 11): no proof
over an empty set of states, every refutation carries a counterexample that
replays, the promise each protocol makes its user is checked, dropped
lemmas are reported as warnings, and Z3's wall clock is bounded.

Designer variants live in tests/designer_variants/ts_*.py."""

from __future__ import annotations

import importlib

import pytest

import qproto
from qproto.models import transition as interp
from qproto.spec import catalogue
from qproto.spec.errors import SpecError
from qproto.spec.protocol import Property
from qproto.spec.transition import Transition, TransitionSystem, integer


def _variant(module: str):
    return importlib.import_module(f"tests.designer_variants.{module}").SPEC


def _by_id(verdicts):
    return {v.property: v for v in verdicts}


def _assert_replayed_counterexample(system, v):
    assert v.status.value in ("refuted", "limitation"), (v.property, v.evidence)
    trace = v.evidence["counterexample"]
    assert interp.replay_run(system, trace).ok
    assert v.evidence["replay"]["replayed"] is True


# -- issue 11 item 1: a contradictory initial state proves nothing ------------


def test_out_of_domain_initial_value_is_rejected_when_the_spec_is_built():
    with pytest.raises(SpecError, match=r"init x=5: outside the domain int in \[0, 3\]") as exc:
        TransitionSystem(name="bad-init", variables=(integer("x", 0, 3),), init={"x": 5}, transitions=(Transition(name="t"),))
    assert "\n" not in str(exc.value)


def test_out_of_domain_array_element_and_parameter_expression_are_rejected():
    from qproto.spec.protocol import Parameter

    with pytest.raises(SpecError, match=r"init a\[1\]=4"):
        TransitionSystem(
            name="bad-array", variables=(integer("a", 0, 3, size=2),), init={"a": [0, 4]}, transitions=(Transition(name="t"),)
        )
    with pytest.raises(SpecError, match="init x=4"):
        TransitionSystem(
            name="bad-param",
            parameters=(Parameter(name="n", default=2, low=0, high=9, integer=True),),
            variables=(integer("x", 0, 3),),
            init={"x": "n + 2"},
            transitions=(Transition(name="t"),),
        )


def test_contradictory_initial_condition_makes_every_verdict_vacuous():
    spec = _variant("ts_contradictory_init")
    verdicts = qproto.verify(spec)
    assert len(verdicts) == 5
    for v in verdicts:
        assert v.status.value == "error", (v.property, v.status, v.evidence)
        assert v.evidence["vacuous"] is True and "initial states are empty" in v.summary
        assert not v.ok


def test_proved_verdicts_carry_an_initial_state_witness():
    v = _by_id(qproto.verify(catalogue.find("qudp-checksum"), properties=["accepted-only-if-checksum-zero"]))
    ev = v["accepted-only-if-checksum-zero"].evidence
    state = ev["non_vacuity"]["initial_state"]
    assert (
        interp.initial_ok(catalogue.find("qudp-checksum"), interp.state_from_json(catalogue.find("qudp-checksum"), state)) is None
    )
    # the premise 'accepted' is reached by a run
    assert ev["non_vacuity"]["steps"] >= 1


def test_response_with_an_unreachable_trigger_is_vacuous_unless_allowed():
    spec = _variant("ts_vacuous_response")
    v = _by_id(qproto.verify(spec))
    bad = v["vacuous-response"]
    assert bad.status.value == "error" and bad.evidence["vacuous"] is True and "tries == 3" in bad.summary
    allowed = v["vacuous-response-allowed"]
    assert allowed.status.value == "proved"
    assert any("vacuously" in w for w in allowed.evidence["warnings"])
    good = v["delivers"]
    assert good.status.value == "proved" and good.evidence["non_vacuity"]["steps"] == 0


# -- issue 10 item 9: the promise to the user ------------------------------------


def test_qtcp_ack_before_check_is_refuted_by_a_replayed_run():
    spec = _variant("ts_qtcp_ack_before_check")
    v = _by_id(qproto.verify(spec, properties=["ack-only-if-accepted", "accepted-only-if-both-stages"]))
    # the old catalogue's only acceptance property still holds here: it cannot see the flaw
    assert v["accepted-only-if-both-stages"].status.value == "proved"
    refutation = v["ack-only-if-accepted"]
    _assert_replayed_counterexample(spec, refutation)
    last = refutation.evidence["counterexample"][-1]
    # the receiver's ACK is on its way (and the sender may count the packet
    # delivered next) while the receiver has not accepted the packet
    assert last["transition"] == "ack_on_arrival" and len(refutation.evidence["counterexample"]) == 5
    assert last["state"]["msg"] == "ACK" and last["state"]["accepted"] is False


@pytest.mark.parametrize(
    "name, prop",
    [
        ("qtcp-ack-before-check", "ack-only-if-accepted"),
        ("qtcp-accepts-after-stage1", "accepted-at-most-once"),
        ("qudp-delivers-twice", "delivered-at-most-once"),
        ("quantum-handshake-close-without-fin", "no-half-open-connection"),
        ("qkd-session-discarded-in-key", "discarded-never-in-key"),
        ("quantum-retransmission-moves-on-without-ack", "acked-only-if-delivered"),
        ("quantum-retransmission-recursive-early-done", "done-only-if-delivered"),
    ],
)
def test_each_new_promise_has_a_flawed_variant_that_breaks_it(name, prop):
    spec = catalogue.find(name)
    assert spec in catalogue.flawed()
    v = _by_id(qproto.verify(spec, properties=[prop]))[prop]
    _assert_replayed_counterexample(spec, v)


@pytest.mark.parametrize(
    "name, prop",
    [
        ("qtcp-two-stage", "ack-only-if-accepted"),
        ("qtcp-two-stage", "accepted-at-most-once"),
        ("qudp-checksum", "delivered-at-most-once"),
        ("quantum-three-way-handshake", "no-half-open-connection"),
        ("qkd-session", "discarded-never-in-key"),
        ("quantum-retransmission", "acked-only-if-delivered"),
        ("quantum-retransmission-recursive", "done-only-if-delivered"),
    ],
)
def test_each_new_promise_is_proved_for_the_catalogue_protocol(name, prop):
    v = _by_id(qproto.verify(catalogue.find(name), properties=[prop]))[prop]
    assert v.status.value == "proved", v.evidence
    assert "warnings" not in v.evidence


def test_a_dropped_false_lemma_is_a_warning():
    spec = _variant("ts_false_lemma")
    v = qproto.verify(spec)[0]
    assert v.status.value == "proved"
    assert v.evidence["false_lemma"] == "never-corrupted"
    assert any("never-corrupted" in w and "dropped" in w for w in v.evidence["warnings"])


# -- issue 11 item 15: Z3's wall clock ----------------------------------------------

FERMAT = TransitionSystem(
    name="toy-fermat-3",
    variables=(integer("x", 1, 10**6), integer("y", 1, 10**6), integer("z", 1, 10**6)),
    init={},
    transitions=(Transition(name="rotate", update={"x": "y", "y": "z", "z": "x"}),),
    properties=(
        Property(
            id="no-cube-sum",
            statement="x³ + y³ ≠ z³",
            engine="statemachine",
            check="statemachine.invariant",
            args={"invariant": "x*x*x + y*y*y != z*z*z"},
        ),
    ),
)


def test_wall_clock_timeout_gives_inconclusive_with_the_reason_and_the_run_goes_on():
    # a huge rlimit: only the wall clock can stop Z3 here
    v = qproto.verify(FERMAT, rlimit=10**12, timeout=1)[0]
    assert v.status.value == "inconclusive", v.evidence
    assert "timeout" in v.summary


def test_limits_read_the_timeout_option():
    from qproto.proofs.statemachine import Limits

    lim = Limits.from_options({}, {"timeout": 3, "rlimit": 5})
    assert lim.timeout == 3.0 and lim.rlimit == 5 and lim.deadline is not None
    assert Limits.from_options({}, {"timeout": 0}).deadline is None


# -- every refutation replays --------------------------------------------------------


def test_every_refutation_of_a_small_flawed_variant_carries_a_replayed_counterexample():
    for name in (
        "teleportation-corrects-early",
        "qudp-no-checksum",
        "qudp-keeps-buffer",
        "quantum-handshake-ignores-failed-test",
    ):
        spec = catalogue.find(name)
        verdicts = qproto.verify(spec)
        assert any(v.status.value == "refuted" for v in verdicts), name
        for v in verdicts:
            if v.status.value in ("refuted", "limitation"):
                _assert_replayed_counterexample(spec, v)


# -- the mutation campaign's ground truth on the catalogue ------------------------


def test_ground_truth_agrees_with_what_the_catalogue_declares():
    """The enumeration (tests/mutation/transition.py) says every catalogue
    property holds, except the declared limitations, which it finds violated."""
    from tests.mutation import transition as mt
    from tests.mutation.core import Truth

    for spec in catalogue.protocols():
        if not isinstance(spec, TransitionSystem):
            continue
        for prop in spec.properties:
            truth = mt.ground_truth(spec, prop)
            if not prop.check.startswith("statemachine."):
                assert truth is Truth.UNKNOWN
            elif prop.limitation:
                assert truth is Truth.VIOLATED, (spec.name, prop.id)
            else:
                assert truth is Truth.HOLDS, (spec.name, prop.id)


@pytest.mark.parametrize(
    "name, prop",
    [
        ("qtcp-ack-before-check", "ack-only-if-accepted"),
        ("qudp-delivers-twice", "delivered-at-most-once"),
        ("quantum-handshake-close-without-fin", "no-half-open-connection"),
        ("qkd-session-discarded-in-key", "discarded-never-in-key"),
        ("quantum-retransmission-moves-on-without-ack", "acked-only-if-delivered"),
        ("quantum-retransmission-recursive-early-done", "done-only-if-delivered"),
        ("repeater-sync-no-cutoff", "no-low-fidelity-delivery"),
        ("teleportation-corrects-early", "corrected-qubit-is-input"),
    ],
)
def test_ground_truth_finds_each_flaw(name, prop):
    from tests.mutation import transition as mt
    from tests.mutation.core import Truth

    spec = catalogue.find(name)
    assert mt.ground_truth(spec, next(p for p in spec.properties if p.id == prop)) is Truth.VIOLATED


def test_mutant_stream_is_seeded_and_covers_every_operator():
    import numpy as np

    from tests.mutation import transition as mt

    def first(seed):
        return [(m.origin, m.operator, m.description) for _, m in zip(range(120), mt.mutants(np.random.default_rng(seed)))]

    a = first(3)
    assert a == first(3)
    assert {op for _, op, _ in a} == set(mt.OPERATORS)
    assert {o for o, _, _ in a} == set(mt.ORIGINS)


def test_a_dropped_false_lemma_shows_in_the_summary_line(capsys) -> None:
    from pathlib import Path

    from qproto.cli import main

    spec = Path(__file__).parent / "designer_variants" / "ts_false_lemma.py"
    assert main(["verify", str(spec)]) == 0
    out = capsys.readouterr().out
    # the warnings follow the summary line (however the console wraps them)
    assert "warning(s)" in out
    assert "never-corrupted" in out[out.index("warning(s)") :]
