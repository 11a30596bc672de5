"""Verdicts from Z3 outcomes for transition systems: certificates, replayed traces, non-vacuity.

A counterexample decoded from a Z3 model becomes a refutation only once it
replays on the interpreter (``_refutation``); a proof carries its
certificate (``_certificate``) and the evidence that it is not vacuous (an
initial state, a run reaching an implication's premise or a response
trigger).  Shared by the Z3 and explicit checkers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

import z3

from qproto.models import transition as interp
from qproto.spec.errors import SpecError
from qproto.spec.protocol import Property, Protocol
from qproto.spec.transition import Binary, Expr, TransitionSystem, Unary

from .statemachine_encoding import Encoding, Unknown
from .statemachine_engines import Limits, Outcome, _check, _solver, find_run, prove_invariant
from .verdict import Status, bounded, inconclusive, refuted, vacuous


def _system(spec: Protocol) -> TransitionSystem:
    if not isinstance(spec, TransitionSystem):
        raise SpecError(f"{spec.name}: statemachine checks need a TransitionSystem spec, got {type(spec).__name__}")
    return spec


def _goals(system: TransitionSystem, prop: Property, main: tuple[str, Expr] | None) -> list[tuple[str, Expr]]:
    goals = [main] if main else []
    for name in prop.args.get("strengthen", ()):
        goals.append((name, system.expr(system.invariant(name).expr, where=f"{system.name} invariant {name!r}")))
    return goals


def _certificate(system: TransitionSystem, out: Outcome, goals: Sequence[tuple[str, Any]], limits: Limits) -> dict[str, Any]:
    return {
        "method": "k-induction with simple-path constraints (Z3), base case by incremental BMC",
        "k": out.k,
        "base_depth": out.bound,
        "inductive": " and ".join(f"({g})" for _, g in goals),
        "strengthened_with": [n for n, _ in goals[1:]],
        "rlimit": limits.rlimit,
        "timeout": limits.timeout,
        "checks": out.checks,
        "z3": z3.get_version_string(),
    }


def _refutation(system: TransitionSystem, out: Outcome, replay: interp.Replay, what: str, limits: Limits):
    assert out.trace is not None
    if not replay.ok:
        return Status.ERROR, {
            "summary": f"Z3 found a counterexample that does not replay on the interpreter ({replay.reason}); "
            "an engine bug, not a verdict",
            "trace": out.trace,
            "replay": replay.to_json(),
        }
    return refuted(
        f"{what}: counterexample of {len(out.trace) - 1} steps, replayed on the Python interpreter",
        counterexample=out.trace,
        trace=out.trace,
        replay=replay.to_json(),
        depth=len(out.trace) - 1,
        rlimit=limits.rlimit,
    )


def _undecided(out: Outcome, what: str, limits: Limits, goals: Sequence[tuple[str, Any]]):
    if out.status == "inconclusive":
        return inconclusive(out.reason, rlimit=limits.rlimit, timeout=limits.timeout, checks=out.checks)
    why = out.reason or f"k-induction did not close up to k={limits.max_k}"
    assert out.bound is not None  # a bounded outcome always records its depth
    return bounded(
        f"{what} holds on every run of up to {out.bound} steps (BMC); {why}, so this is not a proof for longer runs",
        bound=out.bound,
        max_k=limits.max_k,
        inductive_candidate=" and ".join(f"({g})" for _, g in goals),
        checks=out.checks,
    )


# ---------------------------------------------------------------------------
# non-vacuity: a property over an empty set of states is never proved


def _initial_state(system: TransitionSystem, limits: Limits, options: Mapping[str, Any]) -> tuple[str, Any]:
    """Whether Init ∧ domains is satisfiable, before any proof: ("ok", one
    initial state as JSON), ("empty", reason) or ("unknown", reason).
    Cached per spec for one run (``options["_cache"]``)."""
    cache = options.get("_cache")
    key = ("statemachine.initial-state", system.name, id(system))
    if isinstance(cache, dict) and key in cache:
        return cast(tuple[str, Any], cache[key])
    enc = Encoding(system, "i.")
    solver = _solver(limits)
    solver.add(enc.init())
    try:
        if _check(solver):
            answer: tuple[str, Any] = ("ok", enc.decode(solver.model(), 0)[0]["state"])
        else:
            answer = (
                "empty",
                "the initial states are empty: the init values, the initial constraint "
                f"({system.initially}) and the variable domains contradict each other, so every claim "
                "about the runs would hold vacuously",
            )
    except Unknown as exc:
        answer = (
            "unknown",
            f"Z3 returned unknown ({exc.args[0]}) while checking that an initial state exists ({limits.describe()})",
        )
    if isinstance(cache, dict):
        cache[key] = answer
    return answer


def _precheck(system: TransitionSystem, limits: Limits, options: Mapping[str, Any]) -> tuple[Any, Any]:
    """(verdict to return at once, None) when there is no initial state (or
    Z3 cannot tell), else (None, the witness initial state)."""
    status, detail = _initial_state(system, limits, options)
    if status == "empty":
        return vacuous(detail, initially=str(system.initially)), None
    if status == "unknown":
        return inconclusive(detail, rlimit=limits.rlimit, timeout=limits.timeout), None
    return None, detail


def _with(verdict: tuple[Status, dict[str, Any]], **extra: Any) -> tuple[Status, dict[str, Any]]:
    """The verdict with extra evidence; ``warnings`` lists are joined."""
    st, ev = verdict
    ev = dict(ev)
    warnings = list(ev.get("warnings", [])) + list(extra.pop("warnings", []))
    ev.update({k: v for k, v in extra.items() if v is not None})
    if warnings:
        ev["warnings"] = warnings
    return st, ev


def _dropped_lemma_warning(lemma: str | None, trace: list[dict[str, Any]] | None) -> str:
    steps = f"a run of {len(trace) - 1} steps" if trace else "a run"
    return (
        f"auxiliary invariant {lemma!r} is false ({steps} violates it) and was dropped: "
        "the verdict does not rely on it; fix or remove it in the spec"
    )


def _antecedent(expr: Expr) -> Expr | None:
    """The left side of a top-level ``A implies B`` (where vacuity hides)."""
    return expr.left if isinstance(expr, Binary) and expr.op == "implies" else None


def _antecedent_witness(system: TransitionSystem, antecedent: Expr, limits: Limits) -> dict[str, Any]:
    """A short run reaching ``antecedent`` (BMC up to the bound): evidence
    that an implication invariant is not vacuous, or a warning that it may be."""
    probe = Limits(bound=limits.bound, max_k=limits.max_k, rlimit=limits.rlimit, timeout=limits.timeout, deadline=limits.deadline)
    out = find_run(system, antecedent, probe)
    if out.status == "reached":
        return {"antecedent_reached": {"state": str(antecedent), "steps": len(out.trace or []) - 1}}
    why = out.reason if out.status == "inconclusive" else f"no run of up to {out.bound} steps reaches it"
    return {"warnings": [f"the invariant's premise {antecedent} may never hold ({why}): the invariant may hold vacuously"]}


def _after_reachability(system: TransitionSystem, after: Expr, limits: Limits) -> Outcome:
    """Decide whether a response property's trigger ``after`` is reachable:
    refuted (a run reaches it), proved (it is unreachable), or neither."""
    probe = Limits(bound=limits.bound, max_k=limits.max_k, rlimit=limits.rlimit, timeout=limits.timeout, deadline=limits.deadline)
    return prove_invariant(system, [(f"never {after}", Unary("not", after))], probe)


def _deadlock_what(system: TransitionSystem, trace: Sequence[Mapping[str, Any]]) -> str:
    """ "deadlock", naming what blocks each transition in the last state
    (a guard, or an update that would leave a variable's range)."""
    try:
        last = interp.state_from_json(system, trace[-1]["state"])
        why = interp.blocked_summary(system, last)
    except (interp.EvaluationError, SpecError, ValueError, IndexError, KeyError):
        why = ""
    return f"deadlock ({why})" if why else "deadlock"
