"""The explicit-state checkers of the state-machine engine: the same four properties on a complete listing.

Each ``_explicit_*`` function decides one ``statemachine.*`` property on a
complete ``explicit.StateGraph`` (a proof, or a shortest counterexample
replayed on the interpreter), checks the spec's lemmas on the same listing
and gives the same evidence shape as the Z3 path.  The registered checkers
in ``qproto.proofs.statemachine`` choose between the two.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qproto.models import transition as interp
from qproto.spec.errors import SpecError
from qproto.spec.protocol import Property
from qproto.spec.transition import TransitionSystem

from . import explicit
from .statemachine_evidence import _antecedent, _deadlock_what, _dropped_lemma_warning, _with
from .verdict import Status, inconclusive, proved, refuted, vacuous

_EMPTY_INIT = (
    "the initial states are empty: the init values, the initial constraint ({initially}) and the variable "
    "domains contradict each other, so every claim about the runs would hold vacuously"
)


def _explicit_info(g: explicit.StateGraph) -> str:
    return f"all {len(g.states)} reachable states listed ({g.edges} transitions, {g.seconds:.3g} s)"


def _explicit_certificate(g: explicit.StateGraph, lemmas: Sequence[str], what: str) -> dict[str, Any]:
    return {
        "method": "explicit-state: complete breadth-first listing of the reachable states (hashing), " + what,
        "states": len(g.states),
        "edges": g.edges,
        "complete": g.complete,
        # the spec's lemmas are checked on the same listing (and hold): the
        # proof does not need them, but they are not left untested either
        "strengthened_with": list(lemmas),
    }


def _explicit_lemmas(system: TransitionSystem, prop: Property, g: explicit.StateGraph) -> tuple[list[str], dict[str, Any]]:
    """Check the spec's ``strengthen`` lemmas on the listing: (the ones that
    hold, evidence about a false one: warnings, as the Z3 path gives)."""
    good: list[str] = []
    note: dict[str, Any] = {}
    for name in prop.args.get("strengthen", ()):
        key = ("lemma", name)
        if key not in g.memo:
            expr = system.expr(system.invariant(name).expr, where=f"{system.name} invariant {name!r}")
            g.memo[key] = explicit.first_violation(g, expr)
        i = g.memo[key]
        if i is None:
            good.append(name)
            continue
        trace = g.trace(i)
        note.setdefault("false_lemma", name)
        note.setdefault("lemma_counterexample", trace)
        note.setdefault("warnings", []).append(_dropped_lemma_warning(name, trace))
    return good, note


def _explicit_refutation(
    system: TransitionSystem, trace: list[dict[str, Any]], replay: interp.Replay, what: str, g: explicit.StateGraph
):
    if not replay.ok:
        return Status.ERROR, {
            "summary": f"the explicit engine found a counterexample that does not replay on the interpreter "
            f"({replay.reason}); an engine bug, not a verdict",
            "trace": trace,
            "replay": replay.to_json(),
        }
    return refuted(
        f"{what}: shortest counterexample, {len(trace) - 1} steps (breadth-first search), replayed on the Python interpreter",
        counterexample=trace,
        trace=trace,
        replay=replay.to_json(),
        depth=len(trace) - 1,
    )


def _explicit_invariant(system: TransitionSystem, prop: Property, g: explicit.StateGraph):
    text = prop.args["invariant"]
    inv = system.expr(text, where=f"{system.name} property {prop.id!r}")
    if not g.states:
        return vacuous(_EMPTY_INIT.format(initially=system.initially), initially=str(system.initially))
    lemmas, note = _explicit_lemmas(system, prop, g)
    i = explicit.first_violation(g, inv)
    if i is not None:
        trace = g.trace(i)
        replay = interp.replay_invariant_violation(system, trace, inv)
        return _with(_explicit_refutation(system, trace, replay, f"invariant {text} fails", g), **note)
    dropped = f" (the spec's auxiliary invariant {note['false_lemma']!r} is false and was dropped)" if note else ""
    verdict = proved(
        f"invariant holds on every run: {_explicit_info(g)}, none violates it" + dropped,
        certificate=_explicit_certificate(g, lemmas, f"the invariant {inv} holds in each"),
    )
    nonvac: dict[str, Any] = {"initial_state": interp.state_to_json(g.states[0])}
    warnings = list(note.pop("warnings", []))
    premise = _antecedent(inv)
    if premise is not None:
        j = explicit.first_reaching(g, premise)
        if j is not None:
            nonvac.update(state=str(premise), steps=len(g.trace(j)) - 1)
        else:
            warnings.append(
                f"the invariant's premise {premise} holds in no reachable state (complete listing): the invariant holds vacuously"
            )
    return _with(verdict, non_vacuity=nonvac, warnings=warnings, **note)


def _explicit_response(system: TransitionSystem, prop: Property, g: explicit.StateGraph):
    after = system.expr(prop.args["after"], where=f"{system.name} property {prop.id!r} after")
    holds = system.expr(prop.args["holds"], where=f"{system.name} property {prop.id!r} holds")
    within = prop.args["within"]
    if not isinstance(within, int) or isinstance(within, bool) or within < 0:
        raise SpecError(f"{system.name} property {prop.id!r}: within={within!r} must be an integer >= 0")
    if not g.states:
        return vacuous(_EMPTY_INIT.format(initially=system.initially), initially=str(system.initially))
    name = f"within {within} steps after {after}, {holds}"
    lemmas, note = _explicit_lemmas(system, prop, g)
    found = explicit.response_violation(g, after, holds, within)
    if found is not None:
        trace = g.trace(found[0], found[1])
        replay = interp.replay_response_violation(system, trace, after, holds, within)
        return _with(_explicit_refutation(system, trace, replay, f"{name} fails", g), **note)
    verdict = proved(
        f"{name}: on every run ({_explicit_info(g)}; no state where {after} holds starts a path of "
        f"{within} steps avoiding {holds}, a deadlock stuttering)",
        certificate=_explicit_certificate(
            g, lemmas, "backward search for a path of `within` steps avoiding `holds` from a state where `after` holds"
        ),
    )
    if "progress" in prop.args:
        note["progress_measure"] = "not needed by the explicit engine (not checked)"
    initial = interp.state_to_json(g.states[0])
    j = explicit.first_reaching(g, after)
    if j is not None:
        witness = g.trace(j)
        return _with(
            verdict,
            non_vacuity={"initial_state": initial, "after_reached": str(after), "steps": len(witness) - 1, "witness": witness},
            **note,
        )
    reason = (
        f"no reachable state satisfies the trigger {after} (complete listing of {len(g.states)} states), "
        f"so 'after {after}, ...' constrains no run"
    )
    allowed = prop.args.get("allow_vacuous")
    if allowed:
        return _with(
            verdict,
            non_vacuity={"initial_state": initial, "after_reachable": False},
            warnings=[f"holds vacuously (allowed by the spec: {allowed}): {reason}"],
            **note,
        )
    return _with(vacuous(reason, after=str(after), initial_state=initial), **note)


def _explicit_reachable(system: TransitionSystem, prop: Property, g: explicit.StateGraph):
    target = system.expr(prop.args["state"], where=f"{system.name} property {prop.id!r}")
    if not g.states:
        return vacuous(_EMPTY_INIT.format(initially=system.initially), initially=str(system.initially))
    i = explicit.first_reaching(g, target)
    if i is None:
        # The listing proves the target unreachable, but "refuted" promises a
        # replayable run and none exists: the claim fails as inconclusive,
        # with the proof of unreachability as its reason.
        return inconclusive(
            f"unreachable: {_explicit_info(g)}, none satisfies {target}; the reachability claim is "
            "false (no run to show, so not reported as refuted)",
            unreachable=True,
            target=str(target),
        )
    witness = g.trace(i)
    replay = interp.replay_reaches(system, witness, target)
    if not replay.ok:
        return Status.ERROR, {"summary": f"witness does not replay: {replay.reason}", "witness": witness}
    return proved(
        f"reachable (non-vacuity): a shortest run of {len(witness) - 1} steps reaches {target} "
        "(breadth-first search), replayed on the interpreter",
        witness=witness,
        replay=replay.to_json(),
    )


def _explicit_deadlock_free(system: TransitionSystem, prop: Property, g: explicit.StateGraph):
    final = system.expr(prop.args.get("except", "False"), where=f"{system.name} property {prop.id!r} except")
    if not g.states:
        return vacuous(_EMPTY_INIT.format(initially=system.initially), initially=str(system.initially))
    name = "some transition is enabled" + ("" if prop.args.get("except") in (None, "False") else f" unless {final}")
    lemmas, note = _explicit_lemmas(system, prop, g)
    i = explicit.first_deadlock(g, final)
    if i is not None:
        trace = g.trace(i)
        replay = interp.replay_deadlock(system, trace)
        return _with(_explicit_refutation(system, trace, replay, _deadlock_what(system, trace), g), **note)
    verdict = proved(
        f"{name} in every reachable state ({_explicit_info(g)})",
        certificate=_explicit_certificate(g, lemmas, "each state has a successor or satisfies `except`"),
    )
    return _with(verdict, non_vacuity={"initial_state": interp.state_to_json(g.states[0])}, **note)
