"""The Z3 state-machine engine: proofs carry certificates, refutations replay,
non-inductive invariants are not called proved, resource limits give
inconclusive, and the spec language rejects bad input with the name."""

import doctest
import json

import numpy as np
import pytest

import qproto
import qproto.spec.transition as transition_spec
from qproto.models import transition as interp
from qproto.proofs import statemachine as engine
from qproto.proofs.runner import verify as run_verify
from qproto.spec.errors import SpecError
from qproto.spec.protocol import Property
from qproto.spec.transition import Invariant, Transition, TransitionSystem, boolean, enum, integer, real

from .helpers import assert_bad_input, cli


def prop(id, check, **args):
    return Property(id=id, statement=id, engine="statemachine", check=check, args=args)


def by_id(verdicts):
    return {v.property: v for v in verdicts}


LINK = TransitionSystem(
    name="toy-link",
    variables=(enum("phase", ("SENDING", "DONE")), integer("tries", 0, 3), boolean("delivered"), real("fidelity", 0, 1)),
    init={"phase": "SENDING", "tries": 0, "delivered": False, "fidelity": "9/10"},
    transitions=(
        Transition(
            name="lose", guard="phase == SENDING and tries < 2", update={"tries": "tries + 1", "fidelity": "fidelity * 99/100"}
        ),
        Transition(name="deliver", guard="phase == SENDING", update={"phase": "DONE", "delivered": True}),
    ),
    invariants=(Invariant(name="done-means-delivered", expr="phase == DONE implies delivered"),),
    properties=(
        prop("done-means-delivered", "statemachine.invariant", invariant="done-means-delivered"),
        prop("delivers", "statemachine.response", after="phase == SENDING", within=3, holds="delivered"),
        prop("delivers-too-fast", "statemachine.response", after="phase == SENDING", within=2, holds="delivered"),
        prop("fidelity-floor", "statemachine.invariant", invariant="fidelity >= 88/100"),
        prop("fidelity-floor-wrong", "statemachine.invariant", invariant="fidelity >= 89/100"),
        prop("non-vacuous", "statemachine.reachable", state="delivered and tries == 2"),
        prop("deadlock-free", "statemachine.deadlock-free", **{"except": "phase == DONE"}),
        prop("deadlocks", "statemachine.deadlock-free"),
    ),
)


@pytest.fixture(scope="module")
def link_verdicts():
    return by_id(qproto.verify(LINK))


def test_docstring_example_runs():
    result = doctest.testmod(transition_spec)
    assert result.attempted > 0 and result.failed == 0


def test_proofs_carry_a_k_induction_certificate(link_verdicts):
    for pid in ("done-means-delivered", "delivers", "fidelity-floor", "deadlock-free"):
        v = link_verdicts[pid]
        assert v.status.value == "proved", (pid, v.evidence)
        cert = v.evidence["certificate"]
        assert cert["k"] >= 1 and "k-induction" in cert["method"]


def test_real_valued_invariant_is_refuted_with_exact_values(link_verdicts):
    v = link_verdicts["fidelity-floor-wrong"]
    assert v.status.value == "refuted"
    last = v.evidence["trace"][-1]["state"]
    assert last["fidelity"] == "88209/100000"  # 9/10 · (99/100)², exact, not a float
    assert v.evidence["replay"]["replayed"] is True


def test_response_bound_is_tight(link_verdicts):
    assert link_verdicts["delivers"].status.value == "proved"
    v = link_verdicts["delivers-too-fast"]
    assert v.status.value == "refuted"
    states = [interp.state_from_json(LINK, st["state"]) for st in v.evidence["trace"]]
    assert interp.response_violation(states, LINK.expr("phase == SENDING"), LINK.expr("delivered"), 2) is not None


def test_witness_and_deadlock(link_verdicts):
    w = link_verdicts["non-vacuous"]
    assert w.status.value == "proved"
    assert [s["transition"] for s in w.evidence["witness"]] == [None, "lose", "lose", "deliver"]
    d = link_verdicts["deadlocks"]
    assert d.status.value == "refuted" and d.evidence["trace"][-1]["state"]["phase"] == "DONE"


def test_trace_shape_is_what_the_report_prints(link_verdicts):
    trace = link_verdicts["fidelity-floor-wrong"].evidence["trace"]
    assert [st["step"] for st in trace] == list(range(len(trace)))
    assert trace[0]["transition"] is None and all(isinstance(st["state"], dict) for st in trace)
    json.dumps(trace)  # JSON-ready


def test_a_tampered_trace_does_not_replay(link_verdicts):
    trace = json.loads(json.dumps(link_verdicts["fidelity-floor-wrong"].evidence["trace"]))
    assert interp.replay_run(LINK, trace).ok
    trace[1]["state"]["fidelity"] = "9/10"  # claims a loss without its decay
    r = interp.replay_run(LINK, trace)
    assert not r.ok and "different state" in r.reason
    trace = json.loads(json.dumps(link_verdicts["fidelity-floor-wrong"].evidence["trace"]))
    trace[0]["state"]["tries"] = 1
    assert not interp.replay_run(LINK, trace).ok


# -- a true invariant that is not inductive ----------------------------------

CLIMB = TransitionSystem(
    name="toy-climb",
    variables=(integer("x", 0, 30),),
    init={"x": 0},
    transitions=(
        Transition(name="idle", guard="x == 0", update={"x": 0}),
        # unreachable from x = 0, but a long chain k-induction must rule out
        Transition(name="climb", guard="x >= 1 and x < 30", update={"x": "x + 1"}),
    ),
    invariants=(Invariant(name="at-rest", expr="x == 0", text="the auxiliary invariant that makes it inductive"),),
    properties=(
        prop("never-30", "statemachine.invariant", invariant="x != 30"),
        prop("never-30-strengthened", "statemachine.invariant", invariant="x != 30", strengthen=("at-rest",)),
    ),
)


def z3_only(spec, properties=None, **options):
    """The Z3 path alone (``sm_engine="z3"``): what k-induction and BMC say."""
    return by_id(run_verify(spec, None, properties, {"sm_engine": "z3", **options}))


def test_non_inductive_invariant_is_bounded_not_proved():
    v = z3_only(CLIMB, ["never-30"], bound=8, max_k=5)["never-30"]
    assert v.status.value == "bounded", v.evidence
    assert v.evidence["bound"] == 8 and "not a proof" in v.summary
    assert not v.ok  # the spec asks for proved
    assert v.evidence["engine_used"] == "z3"


def test_the_explicit_engine_proves_it_push_button():
    # x stays 0 (idle loops), so the listing has exactly one state; the
    # chain x = 1..30 that defeats k-induction is unreachable and never listed
    v = by_id(qproto.verify(CLIMB, properties=["never-30"], bound=8, max_k=5))["never-30"]
    assert v.status.value == "proved", v.evidence
    assert v.evidence["engine_used"] == "explicit" and v.evidence["reachable_states"] == 1
    assert v.evidence["edges"] == 1 and v.evidence["certificate"]["complete"] is True


def test_auxiliary_invariant_makes_it_inductive():
    v = z3_only(CLIMB, ["never-30-strengthened"])["never-30-strengthened"]
    assert v.status.value == "proved"
    assert v.evidence["certificate"]["strengthened_with"] == ["at-rest"]
    assert v.evidence["certificate"]["k"] == 1


def test_a_false_lemma_is_not_trusted():
    wrong = CLIMB.variant("toy-climb-bad-lemma", invariants=(Invariant(name="at-rest", expr="x == 1"),))
    v = z3_only(wrong, ["never-30-strengthened"], bound=6, max_k=4)["never-30-strengthened"]
    assert v.status.value != "proved"
    assert v.evidence["false_lemma"] == "at-rest"
    # the explicit engine needs no lemma: it proves the property and still
    # reports the false lemma (with the state that violates it: x = 0 at start)
    e = by_id(qproto.verify(wrong, properties=["never-30-strengthened"]))["never-30-strengthened"]
    assert e.status.value == "proved" and e.evidence["engine_used"] == "explicit"
    assert e.evidence["false_lemma"] == "at-rest" and e.evidence["certificate"]["strengthened_with"] == []
    assert e.evidence["lemma_counterexample"] == [{"step": 0, "transition": None, "state": {"x": 0}}]
    assert any("at-rest" in w and "dropped" in w for w in e.evidence["warnings"])


# -- resource limits -----------------------------------------------------------

HARD = TransitionSystem(
    name="toy-nonlinear",
    variables=(real("a"), real("b"), real("c")),
    init={},
    initially="a > 1 and b > 1 and c > 1",
    transitions=(Transition(name="grow", guard="True", update={"a": "a * b", "b": "b * c", "c": "c * a"}),),
    properties=(prop("no-cube-identity", "statemachine.invariant", invariant="a * a * a + b * b * b != c * c * c"),),
)


def test_resource_limit_gives_inconclusive_with_reason():
    v = qproto.verify(HARD, rlimit=2000)[0]
    assert v.status.value == "inconclusive", v.evidence
    assert "unknown" in v.summary and "rlimit=2000" in v.summary


def test_unknown_is_never_proved_under_a_generous_limit_either():
    # The invariant is false already in an initial state (a = b = 2,
    # c = ∛16), so "bounded" (no violation up to the bound) would be false:
    # the only honest answers are refuted (with a replayed counterexample)
    # or inconclusive (Z3 unknown, or an irrational model that cannot be
    # replayed exactly).
    v = qproto.verify(HARD, rlimit=200_000, bound=2, max_k=2)[0]
    assert v.status.value in ("inconclusive", "refuted"), v.evidence
    if v.status.value == "refuted":
        assert interp.replay_run(HARD, v.evidence["counterexample"]).ok
    else:
        assert "unknown" in v.summary


LINEAR_FALSE_AT_START = TransitionSystem(
    name="toy-false-at-start",
    variables=(integer("x", 0, 5),),
    init={},
    initially="x <= 2",
    transitions=(Transition(name="up", guard="x < 5", update={"x": "x + 1"}),),
    properties=(prop("never-two", "statemachine.invariant", invariant="x != 2"),),
)


def test_an_invariant_false_in_an_initial_state_is_refuted_at_depth_zero_never_bounded():
    v = qproto.verify(LINEAR_FALSE_AT_START, bound=3, max_k=1)[0]
    assert v.status.value == "refuted", v.evidence
    assert v.evidence["depth"] == 0 and v.evidence["counterexample"][0]["state"]["x"] == 2


# -- the spec language -----------------------------------------------------------


def test_parser_and_printer():
    e = LINK.expr("phase == DONE implies (delivered and tries <= 2)")
    assert str(e) == "(phase == DONE) implies (delivered and (tries <= 2))"
    assert interp.evaluate(e, {"phase": "DONE", "delivered": True, "tries": 1, "fidelity": 1})


@pytest.mark.parametrize(
    "expr, fragment",
    [
        ("phase == DELIVERD", "DELIVERD"),
        ("tries + delivered > 1", "needs numbers"),
        ("triess < 2", "triess"),
        ("fidelity / tries > 0", "constant divisor"),
        ("lambda: 1", "not supported"),
    ],
)
def test_bad_expressions_name_the_problem(expr, fragment):
    with pytest.raises(SpecError, match=fragment):
        LINK.expr(expr)


def test_bad_update_is_rejected_when_the_spec_is_written():
    with pytest.raises(SpecError, match="assigns"):
        TransitionSystem(
            name="bad",
            variables=(integer("n", 0, 3), boolean("b")),
            init={"n": 0, "b": False},
            transitions=(Transition(name="t", update={"n": "b"}),),
        )


def test_arrays_and_choices_agree_between_z3_and_interpreter():
    i = integer("i", 0, 2)
    sys_ = TransitionSystem(
        name="toy-array",
        variables=(integer("a", 0, 2, size=3), integer("total", 0, 6)),
        init={"a": 0, "total": 0},
        transitions=(Transition(name="bump", guard="a[i] < 2", choose=(i,), update={"a[i]": "a[i] + 1", "total": "total + 1"}),),
        properties=(
            prop("sum", "statemachine.invariant", invariant="sum(a) == total"),
            prop("wrong", "statemachine.invariant", invariant="count(a, 2) <= 1"),
        ),
    )
    v = by_id(qproto.verify(sys_))
    assert v["sum"].status.value == "proved"
    assert v["wrong"].status.value == "refuted" and v["wrong"].evidence["replay"]["replayed"]
    # exhaustive cross-check on the interpreter: 27 reachable states, invariant everywhere
    states, complete = interp.reachable(sys_)
    assert complete and len(states) == 27


def test_random_runs_respect_proved_invariants():
    rng = np.random.default_rng(5)
    inv = LINK.expr("done-means-delivered")
    for _ in range(30):
        for _, _, st in interp.random_run(LINK, rng, 6):
            assert interp.evaluate(inv, st)


def test_bound_zero_is_bad_input():
    assert_bad_input(cli("verify", "quantum-retransmission", "--bound", "0"), "bound=0")


def test_engine_defaults_are_stated():
    assert engine.DEFAULT_BOUND >= 10 and engine.DEFAULT_MAX_K >= 10 and engine.DEFAULT_RLIMIT > 0


def test_docs_page_example_is_proved():
    import pathlib
    import re

    src = (pathlib.Path(__file__).resolve().parents[1] / "docs" / "transition-systems.md").read_text()
    code = re.search(r"```python\n(.*?)```", src, re.S).group(1)
    namespace: dict = {}
    exec(code, namespace)
    for v in qproto.verify(namespace["LINK"]):
        assert v.status.value == "proved", (v.property, v.evidence)
