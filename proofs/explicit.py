"""Explicit-state model checking for finite transition systems.

When every variable and every choice of a transition system has a finite,
enumerable domain (booleans, enums, bounded integers and arrays of them), its
reachable states can be listed outright, as TLC, Murφ and SPIN do.  On a
complete listing the checks below are *proofs*, push-button, with no
induction depth to tune:

- an invariant holds iff it holds in every reachable state;
- deadlock freedom holds iff every reachable state (outside the allowed
  final states) has a successor;
- "within k steps after P, Q" holds iff no reachable state starts a path of
  k steps (stuttering at deadlocks, as the Z3 encoding does) on which Q
  never holds, starting where P holds;
- a target is reachable iff some reachable state satisfies it.

The search is breadth-first with hashing of states, so every counterexample
is a shortest run from an initial state; it is emitted in the JSON trace
format of the Z3 engine and replayed on the interpreter like theirs.  When
the space exceeds ``limit`` states the search says so and the caller falls
back to Z3 (k-induction or BMC).

``explore(reduce=...)`` and ``decide`` offer a partial-order reduction
(stubborn sets: one order of independent moves) for invariants,
reachability and deadlock freedom, the properties it preserves; bounded
response is never reduced, and a counterexample found on a reduced listing
is searched again unreduced so that it is the shortest.  The soundness
argument is written above ``_Reducer`` (``explicit_reduction``); docs/transition-systems.md has the
measurements.

Cost: O(S · T · C) successor evaluations for S reachable states, T
transitions and C choice assignments; response checks add O(k · E) for E
edges.  Memory: one dict entry and one parent pointer per state.

The engine is split in reading order: ``explicit_compile`` (expressions and
moves as closures, ``NotEnumerable``), ``explicit_graph`` (``StateGraph``,
``explore``), ``explicit_reduction`` (stubborn sets), ``explicit_symmetry``
(orbits); this module holds the property checks and ``decide``, and
re-exports every name the engine had when it was one file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from qproto.models import transition as interp
from qproto.spec.transition import Expr, TransitionSystem

from .explicit_compile import (  # noqa: F401 - re-exported: the engine's names before the split
    MAX_DOMAIN,
    Fn,
    NotEnumerable,
    _and,
    _as_bool,
    _compile_moves,
    _domain_size,
    _fire,
    _Move,
    _or,
    _successors,
    compile_expr,
    enumerable,
)
from .explicit_graph import DEFAULT_STATE_LIMIT, StateGraph, explore
from .explicit_reduction import (  # noqa: F401 - re-exported (to change GIVE_UP_* or MAX_INSTANCES, patch explicit_reduction)
    GIVE_UP_AFTER,
    GIVE_UP_SHARE,
    MAX_INSTANCES,
    REDUCIBLE,
    REDUCTIONS,
    _bits,
    _conjuncts,
    _Everything,
    _Locations,
    _reads_state,
    _Reducer,
)
from .explicit_symmetry import _ORDER_FREE, _canonical, _orbit, _permutations, _permute, symmetry_problem  # noqa: F401


def _holds(expr: Expr) -> Callable[[Mapping[str, Any]], bool]:
    f = compile_expr(expr)
    return lambda s: bool(f(s, {}))


def first_violation(g: StateGraph, invariant: Expr) -> int | None:
    """The first state in BFS order (so with a shortest run) violating
    ``invariant``."""
    ok = _holds(invariant)
    return next((i for i, s in enumerate(g.states) if not all(ok(x) for x in _orbit(g, s))), None)


def first_reaching(g: StateGraph, target: Expr) -> int | None:
    hit = _holds(target)
    return next((i for i, s in enumerate(g.states) if any(hit(x) for x in _orbit(g, s))), None)


def first_deadlock(g: StateGraph, allowed: Expr) -> int | None:
    final = _holds(allowed)
    return next((i for i, s in enumerate(g.states) if not g.succ[i] and not all(final(x) for x in _orbit(g, s))), None)


def response_violation(
    g: StateGraph, after: Expr, holds: Expr, within: int
) -> tuple[int, list[tuple[str, dict[str, Any], int]]] | None:
    """A reachable state where ``after`` holds that starts a path of
    ``within`` steps (stuttering at a deadlock) on which ``holds`` never
    holds: (start, the path's steps), the start earliest in BFS order."""
    q = [_holds(holds)(s) for s in g.states]
    # bad[k][i]: a path of k steps from i avoids `holds` throughout; next_step
    # remembers one such step so the path can be written out.
    bad = [[not qi for qi in q]]
    nxt: list[list[tuple[str, dict[str, Any], int] | None]] = []
    for _ in range(1, within + 1):
        prev = bad[-1]
        row, choice = [], []
        for i in range(len(g.states)):
            step = None
            if not q[i]:
                if g.succ[i]:
                    step = next((e for e in g.succ[i] if prev[e[2]]), None)
                elif prev[i]:
                    step = (interp.STUTTER, {}, i)
            row.append(step is not None)
            choice.append(step)
        bad.append(row)
        nxt.append(choice)
    start = _holds(after)
    for i, s in enumerate(g.states):
        if bad[within][i] and start(s):
            path, j = [], i
            for k in range(within, 0, -1):
                step = nxt[k - 1][j]
                assert step is not None
                path.append(step)
                j = step[2]
            return i, path
    return None


@dataclass
class Decision:
    """What the explicit engine established for one property: ``holds``
    (on the complete state space: a proof), ``violated`` (with a shortest
    trace) or ``unknown`` (the space is too large or not enumerable).
    ``reduction`` names the partial-order reduction used (None: the full
    listing); ``states`` then counts the reduced listing."""

    status: str
    trace: list[dict[str, Any]] | None = None
    reason: str = ""
    states: int = 0
    edges: int = 0
    seconds: float = 0.0
    reduction: str | None = None


def _property_exprs(system: TransitionSystem, check: str, args: Mapping[str, Any]) -> list[Expr]:
    """What a reduced listing must keep visible for ``check``."""
    where = f"{system.name} {check}"
    if check == "statemachine.invariant":
        return [system.expr(args["invariant"], where=where)]
    if check == "statemachine.reachable":
        return [system.expr(args["state"], where=where)]
    return []


def _bad_state(system: TransitionSystem, check: str, args: Mapping[str, Any]) -> Callable[[StateGraph, int], bool]:
    """``stop`` for :func:`explore`: the state the check looks for."""
    where = f"{system.name} {check}"
    if check == "statemachine.invariant":
        ok = _holds(system.expr(args["invariant"], where=where))
        return lambda g, i: not ok(g.states[i])
    if check == "statemachine.reachable":
        hit = _holds(system.expr(args["state"], where=where))
        return lambda g, i: hit(g.states[i])
    final = _holds(system.expr(args.get("except", "False"), where=where))
    return lambda g, i: not g.succ[i] and not final(g.states[i])


def decide(
    system: TransitionSystem,
    check: str,
    args: Mapping[str, Any],
    limit: int = DEFAULT_STATE_LIMIT,
    graph: StateGraph | None = None,
    reduce: bool | None = None,
    symmetry: Sequence[str] | None = None,
) -> Decision:
    """Decide a ``statemachine.*`` property by listing the states.

    ``reduce`` (default: when no ``graph`` is given) lists a partial-order
    reduced graph for the checks in :data:`REDUCIBLE` (invariants and
    reachability keep every value of their expression, deadlock freedom
    every deadlock: the argument is at ``_Reducer``); bounded response is
    never reduced.  When the reduced listing finds the bad (or target)
    state, an unreduced breadth-first search, stopped at the first such
    state, gives the trace: the same shortest trace as the full listing.

    ``symmetry`` (default: the system's ``symmetric`` attribute, if it has
    one) lists one state per orbit instead, for the same checks; when given
    it replaces the partial-order reduction."""
    if symmetry is None:
        symmetry = tuple(getattr(system, "symmetric", ()) or ())
    sym = tuple(symmetry) if graph is None and reduce is not False and check in REDUCIBLE else ()
    mode = REDUCIBLE.get(check) if graph is None and reduce is not False and not sym else None
    try:
        g = graph or explore(
            system, limit, reduce=mode, visible=_property_exprs(system, check, args) if mode else (), symmetry=sym
        )
    except NotEnumerable as exc:
        return Decision("unknown", reason=str(exc))

    def sized(status: str, trace: list[dict[str, Any]] | None = None, reason: str = "") -> Decision:
        return Decision(
            status, trace=trace, reason=reason, states=len(g.states), edges=g.edges, seconds=g.seconds, reduction=g.reduction
        )

    def shortest(i: int) -> list[dict[str, Any]]:
        if g.reduction is None:
            return g.trace(i)
        # the reduced run to i may be longer than needed: search again
        # without reduction up to the first bad state (found quickly: it
        # is at most as deep as i)
        full = explore(system, limit, stop=_bad_state(system, check, args))
        if full.stopped_at is not None:
            return full.trace(full.stopped_at)
        return g.trace(i)  # a real run, not known to be the shortest (the unreduced search hit the limit)

    where = f"{system.name} {check}"
    if check == "statemachine.reachable":
        i = first_reaching(g, system.expr(args["state"], where=where))
        if i is not None:
            return sized("holds", trace=shortest(i))
        return sized(
            "violated" if g.complete else "unknown",
            reason="no reachable state satisfies the target" if g.complete else f"not reached among the first {limit} states",
        )
    if check == "statemachine.invariant":
        i = first_violation(g, system.expr(args["invariant"], where=where))
    elif check == "statemachine.deadlock-free":
        i = first_deadlock(g, system.expr(args.get("except", "False"), where=where))
    elif check == "statemachine.response":
        found = response_violation(
            g, system.expr(args["after"], where=where), system.expr(args["holds"], where=where), int(args["within"])
        )
        if found is not None:
            return sized("violated", trace=g.trace(found[0], found[1]))
        i = None
    else:
        return sized("unknown", reason=f"no explicit check for {check}")
    if i is not None:
        return sized("violated", trace=shortest(i))
    if not g.complete:
        return sized("unknown", reason=f"more than {limit} reachable states")
    return sized("holds")


__all__ = [
    "Decision",
    "REDUCIBLE",
    "REDUCTIONS",
    "decide",
    "compile_expr",
    "DEFAULT_STATE_LIMIT",
    "NotEnumerable",
    "StateGraph",
    "enumerable",
    "explore",
    "first_violation",
    "first_reaching",
    "first_deadlock",
    "response_violation",
    "symmetry_problem",
]
