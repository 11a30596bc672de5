"""The Z3 checkers of the state-machine engine: invariant, response, reachable, deadlock-free.

Each ``_z3_*`` function decides one ``statemachine.*`` property from the
spec alone with the engines of ``statemachine_engines`` (the spec's lemmas
are checked, never trusted; a false one is dropped with a warning) and
turns the outcome into a verdict with ``statemachine_evidence``.  The
registered checkers in ``qproto.proofs.statemachine`` call them when the
explicit engine does not apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import z3

from qproto.models import transition as interp
from qproto.spec.errors import SpecError
from qproto.spec.protocol import Property, Protocol
from qproto.spec.transition import Expr, TransitionSystem

from .statemachine_encoding import Encoding, Monitor
from .statemachine_engines import DEFAULT_BOUND, Limits, find_run, prove_invariant
from .statemachine_evidence import (
    _after_reachability,
    _antecedent,
    _antecedent_witness,
    _certificate,
    _deadlock_what,
    _dropped_lemma_warning,
    _goals,
    _precheck,
    _refutation,
    _system,
    _undecided,
    _with,
)
from .verdict import Status, inconclusive, proved, vacuous


def _z3_invariant(spec: Protocol, prop: Property, options: Mapping[str, Any]):
    """Claims: the expression holds in every reachable state.  Derived from
    the spec alone (its init, transitions, domains, the named lemmas, which
    are checked, never trusted)."""
    system = _system(spec)
    text = prop.args["invariant"]
    main = (str(text), system.expr(text, where=f"{system.name} property {prop.id!r}"))
    goals = _goals(system, prop, main)
    limits = Limits.from_options(prop.args, options)
    early, initial = _precheck(system, limits, options)
    if early is not None:
        return early
    out = prove_invariant(system, goals, limits)
    note: dict[str, Any] = {}
    if out.status == "refuted" and out.failed != main[0]:
        # the spec's lemma is false: decide the property on its own
        note = {
            "false_lemma": out.failed,
            "lemma_counterexample": out.trace,
            "warnings": [_dropped_lemma_warning(out.failed, out.trace)],
        }
        goals = [main]
        out = prove_invariant(system, goals, limits)
    if out.status == "refuted":
        replay = interp.replay_invariant_violation(system, out.trace or [], main[1])
        return _with(_refutation(system, out, replay, f"invariant {text} fails", limits), **note)
    if out.status != "proved":
        return _with(_undecided(out, f"invariant {text}", limits, goals), **note)
    lemmas = [n for n, _ in goals[1:]]
    dropped = f" (the spec's auxiliary invariant {note['false_lemma']!r} is false and was dropped)" if note else ""
    verdict = proved(
        f"invariant holds on every run: {out.k}-inductive" + (f" together with {', '.join(lemmas)}" if lemmas else "") + dropped,
        certificate=_certificate(system, out, goals, limits),
    )
    premise = _antecedent(main[1])
    witness = _antecedent_witness(system, premise, limits) if premise is not None else {}
    warnings = list(note.pop("warnings", [])) + list(witness.get("warnings", []))
    return _with(
        verdict, non_vacuity={"initial_state": initial, **witness.get("antecedent_reached", {})}, warnings=warnings, **note
    )


def _z3_response(spec: Protocol, prop: Property, options: Mapping[str, Any]):
    """Claims: on every run, whenever ``after`` holds, ``holds`` holds within
    ``within`` steps (a deadlock stutters).  A trigger that no run reaches
    makes the claim vacuous: an error verdict, unless the spec allows it
    with ``allow_vacuous``."""
    system = _system(spec)
    after = system.expr(prop.args["after"], where=f"{system.name} property {prop.id!r} after")
    holds = system.expr(prop.args["holds"], where=f"{system.name} property {prop.id!r} holds")
    within = prop.args["within"]
    if not isinstance(within, int) or isinstance(within, bool) or within < 0:
        raise SpecError(f"{system.name} property {prop.id!r}: within={within!r} must be an integer >= 0")
    mon = Monitor("pending", after, holds, within)
    goals = _goals(system, prop, None)
    name = f"within {within} steps after {after}, {holds}"
    extra = [(name, lambda enc, i: enc.state(i)["pending"] < within)]
    limits = Limits.from_options(prop.args, options)
    early, initial = _precheck(system, limits, options)
    if early is not None:
        return early
    note: dict[str, Any] = {}
    verdict = None
    if "progress" in prop.args:
        # a ranking function R (worst-case steps still needed) turns the
        # monitor's bound into a 1- or 2-inductive claim: pending + R <= within
        rank = system.expr(prop.args["progress"], where=f"{system.name} property {prop.id!r} progress", want="int")
        pname = f"progress: pending >= 0 implies pending + ({rank}) <= {within} and ({rank}) >= 1"

        def progress(enc: Encoding, i: int) -> Any:
            w, r = enc.state(i)["pending"], enc.expr(rank, i)
            return z3.Implies(w >= 0, z3.And(w + r <= within, r >= 1))

        quick = Limits(bound=0, max_k=limits.max_k, rlimit=limits.rlimit, timeout=limits.timeout, deadline=limits.deadline)
        out = prove_invariant(system, goals, quick, monitors=[mon], extra_goals=extra + [(pname, progress)], stutter=True)
        shown = [(name, f"pending < {within}"), (pname, pname)] + [(n, g) for n, g in goals]
        if out.status == "proved":
            verdict = _response_verdict(system, out, name, shown, limits, after, holds, within)
            verdict[1]["certificate"]["progress_measure"] = str(rank)
        elif out.status == "refuted" and out.failed == name:
            return _response_verdict(system, out, name, shown, limits, after, holds, within)
        else:
            note = {
                "progress_measure_not_inductive": str(rank),
                "progress_attempt": out.status,
                "warnings": [
                    f"progress measure {rank} is not a ranking function here ({out.status}"
                    + (f": {out.failed}" if out.failed else "")
                    + "); it was dropped"
                ],
            }
    if verdict is None:
        # a violation needs a run of within+1 states, and the monitor's bound is
        # at best (within+1)-inductive: search at least that far
        limits.bound = max(limits.bound, within + 1)
        limits.max_k = max(limits.max_k, within + 2)
        out = prove_invariant(system, goals, limits, monitors=[mon], extra_goals=extra, stutter=True)
        shown = [(name, f"pending < {within}")] + [(n, g) for n, g in goals]
        if out.status == "refuted" and out.failed != name:
            # the spec's lemma is false: decide the property on its own
            warnings = note.get("warnings", []) + [_dropped_lemma_warning(out.failed, out.trace)]
            note = {**note, "false_lemma": out.failed, "lemma_counterexample": out.trace, "warnings": warnings}
            out = prove_invariant(system, [], limits, monitors=[mon], extra_goals=extra, stutter=True)
            shown = shown[:1]
        verdict = _response_verdict(system, out, name, shown, limits, after, holds, within)
    if verdict[0] not in (Status.PROVED, Status.BOUNDED):
        return _with(verdict, **note)
    return _with(_response_non_vacuity(system, prop, verdict, after, limits, initial), **note)


def _response_non_vacuity(
    system: TransitionSystem, prop: Property, verdict: tuple[Status, dict[str, Any]], after: Expr, limits: Limits, initial: Any
) -> tuple[Status, dict[str, Any]]:
    """A proved (or bounded) response claim is only as good as its trigger:
    show a run that reaches ``after``; if none can, the claim is vacuous."""
    reach = _after_reachability(system, after, limits)
    if reach.status == "refuted":
        return _with(
            verdict,
            non_vacuity={
                "initial_state": initial,
                "after_reached": str(after),
                "steps": len(reach.trace or []) - 1,
                "witness": reach.trace,
            },
        )
    if reach.status == "proved":
        reason = (
            f"no reachable state satisfies the trigger {after} (proved: 'not ({after})' is "
            f"{reach.k}-inductive), so 'after {after}, ...' constrains no run"
        )
        allowed = prop.args.get("allow_vacuous")
        if allowed:
            return _with(
                verdict,
                non_vacuity={"initial_state": initial, "after_reachable": False},
                warnings=[f"holds vacuously (allowed by the spec: {allowed}): {reason}"],
            )
        return vacuous(reason, after=str(after), initial_state=initial)
    why = reach.reason or f"no run of up to {reach.bound} steps reaches it"
    return _with(
        verdict,
        non_vacuity={"initial_state": initial, "after_reachable": None},
        warnings=[f"the trigger {after} was not shown reachable ({why}): the claim may hold vacuously"],
    )


def _response_verdict(system, out, name, shown, limits, after, holds, within):
    if out.status == "proved":
        return proved(
            f"{name}: on every run ({out.k}-induction over the system with a response monitor)",
            certificate={
                **_certificate(system, out, shown, limits),
                "monitor": "pending = steps since the oldest unanswered 'after' (-1: none), saturating at within",
            },
        )
    if out.status == "refuted":
        replay = interp.replay_response_violation(system, out.trace or [], after, holds, within)
        return _refutation(system, out, replay, f"{name} fails", limits)
    return _undecided(out, name, limits, shown)


def _z3_reachable(spec: Protocol, prop: Property, options: Mapping[str, Any]):
    """Claims: some run reaches the state (a replayed witness).  Not finding
    one within the bound is inconclusive, never a refutation."""
    system = _system(spec)
    target = system.expr(prop.args["state"], where=f"{system.name} property {prop.id!r}")
    limits = Limits.from_options(prop.args, options)
    # a witness search is not weakened by a small --bound: the spec's own
    # depth (or the default) is the floor
    limits.bound = max(limits.bound, int(prop.args.get("bound") or DEFAULT_BOUND))
    early, _ = _precheck(system, limits, options)
    if early is not None:
        return early
    out = find_run(system, target, limits)
    if out.status == "reached":
        replay = interp.replay_reaches(system, out.trace or [], target)
        if not replay.ok:
            return Status.ERROR, {"summary": f"witness does not replay: {replay.reason}", "witness": out.trace}
        return proved(
            f"reachable (non-vacuity): a run of {len(out.trace or []) - 1} steps reaches {target}, replayed on the interpreter",
            witness=out.trace,
            replay=replay.to_json(),
        )
    if out.status == "inconclusive":
        return inconclusive(out.reason, rlimit=limits.rlimit, timeout=limits.timeout)
    return inconclusive(f"no run of up to {out.bound} steps reaches {target}", bound=out.bound)


def _z3_deadlock_free(spec: Protocol, prop: Property, options: Mapping[str, Any]):
    """Claims: in every reachable state outside ``except`` some transition
    is enabled (with some choice, into the domain)."""
    system = _system(spec)
    final = system.expr(prop.args.get("except", "False"), where=f"{system.name} property {prop.id!r} except")
    goals = _goals(system, prop, None)
    name = "some transition is enabled" + ("" if prop.args.get("except") in (None, "False") else f" unless {final}")
    extra = [(name, lambda enc, i: z3.Or(enc.expr(final, i), enc.enabled(i)))]
    limits = Limits.from_options(prop.args, options)
    early, initial = _precheck(system, limits, options)
    if early is not None:
        return early
    out = prove_invariant(system, goals, limits, extra_goals=extra)
    shown = [(name, name)] + list(goals)
    note: dict[str, Any] = {}
    if out.status == "refuted" and out.failed != name:
        note = {
            "false_lemma": out.failed,
            "lemma_counterexample": out.trace,
            "warnings": [_dropped_lemma_warning(out.failed, out.trace)],
        }
        out = prove_invariant(system, [], limits, extra_goals=extra)
        shown = shown[:1]
    if out.status == "proved":
        verdict = proved(
            f"{name} in every reachable state ({out.k}-induction)", certificate=_certificate(system, out, shown, limits)
        )
        return _with(verdict, non_vacuity={"initial_state": initial}, **note)
    if out.status == "refuted":
        replay = interp.replay_deadlock(system, out.trace or [])
        return _with(_refutation(system, out, replay, _deadlock_what(system, out.trace or []), limits), **note)
    return _with(_undecided(out, name, limits, shown), **note)
