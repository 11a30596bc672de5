"""The explicit-state engine (proofs/explicit.py) against the Z3 engine on
every catalogue and flawed transition system: two roads that share only the
spec, the interpreter and the trace format."""

from __future__ import annotations

import pytest

from qproto.models import transition as interp
from qproto.proofs import explicit
from qproto.proofs.runner import verify
from qproto.spec import catalogue
from qproto.spec.transition import TransitionSystem


def _systems() -> list:
    """Every catalogue machine, and every flawed one under the ``slow``
    marker (their Z3 side proves the properties the flaw leaves intact,
    seconds to a minute each)."""
    sound = [s for s in catalogue.protocols() if isinstance(s, TransitionSystem)]
    flawed = [pytest.param(s, marks=pytest.mark.slow, id=s.name)
              for s in catalogue.flawed() if isinstance(s, TransitionSystem)]
    return [pytest.param(s, id=s.name) for s in sound] + flawed


@pytest.mark.parametrize("system", _systems())
def test_explicit_and_z3_agree(system: TransitionSystem) -> None:
    if explicit.enumerable(system):
        pytest.skip(f"not enumerable: {explicit.enumerable(system)}")
    graph = explicit.explore(system)
    assert graph.complete
    for v in verify(system, engines=["statemachine"], options={"bound": 12}):
        prop = next(p for p in system.properties if p.id == v.property)
        d = explicit.decide(system, prop.check, prop.args, graph=graph)
        if d.status == "unknown":
            continue
        status = v.status.value
        if status in ("proved",):
            assert d.status == "holds", (v.property, d)
        elif status in ("refuted", "limitation"):
            assert d.status == "violated", (v.property, d)
        elif status == "bounded":
            # Z3 saw no violation up to its bound; a violation the explicit
            # engine finds must lie deeper than that bound
            if d.status == "violated":
                assert len(d.trace) - 1 > v.evidence["bound"], (v.property, d)
        if d.status == "violated" and prop.check != "statemachine.reachable":
            replay = interp.replay_run(system, d.trace)
            assert replay.ok, replay.reason


def test_counterexamples_are_shortest_and_replay() -> None:
    system = next(s for s in catalogue.flawed() if isinstance(s, TransitionSystem) and not explicit.enumerable(s))
    graph = explicit.explore(system)
    for prop in system.properties:
        d = explicit.decide(system, prop.check, prop.args, graph=graph)
        if d.status == "violated" and d.trace:
            assert interp.replay_run(system, d.trace).ok


def test_state_limit_makes_the_answer_unknown_not_proved() -> None:
    system = next(s for s in catalogue.protocols() if s.name == "qkd-session")
    graph = explicit.explore(system, limit=20)
    assert not graph.complete
    for prop in system.properties:
        if prop.check == "statemachine.invariant":
            d = explicit.decide(system, prop.check, prop.args, graph=graph)
            assert d.status in ("unknown", "violated")
