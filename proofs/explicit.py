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

Cost: O(S · T · C) successor evaluations for S reachable states, T
transitions and C choice assignments; response checks add O(k · E) for E
edges.  Memory: one dict entry and one parent pointer per state.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from qproto.models import transition as interp
from qproto.spec.errors import SpecError
from qproto.spec.transition import Expr, TransitionSystem

#: Largest reachable state space the explicit engine lists before handing
#: the property to Z3.
DEFAULT_STATE_LIMIT = 200_000


class NotEnumerable(Exception):
    """The system has a real-valued variable or choice: no explicit listing
    (internal signal, turned into a fallback to Z3)."""


@dataclass
class StateGraph:
    """Every reachable state (BFS order), how each was first reached, and
    the successor lists."""

    system: TransitionSystem
    names: list[str]
    states: list[dict[str, Any]] = field(default_factory=list)
    index: dict[tuple, int] = field(default_factory=dict)
    parent: list[tuple[int, str, dict[str, Any]] | None] = field(default_factory=list)
    succ: list[list[tuple[str, dict[str, Any], int]]] = field(default_factory=list)
    complete: bool = True
    seconds: float = 0.0

    def _add(self, state: dict[str, Any], parent: tuple[int, str, dict[str, Any]] | None) -> int:
        key = tuple(state[n] for n in self.names)
        i = self.index.get(key)
        if i is None:
            i = len(self.states)
            self.index[key] = i
            self.states.append(state)
            self.parent.append(parent)
            self.succ.append([])
        return i

    def trace(self, i: int, tail: list[tuple[str, dict[str, Any], int]] = ()) -> list[dict[str, Any]]:  # type: ignore[assignment]
        """The shortest run to state ``i`` (then along ``tail``) as a JSON
        trace: [{"state": ..., "transition": ..., "choice": ...}, ...]."""
        steps: list[tuple[str | None, dict[str, Any], int]] = []
        j: int | None = i
        while j is not None:
            p = self.parent[j]
            steps.append((p[1] if p else None, p[2] if p else {}, j))
            j = p[0] if p else None
        steps.reverse()
        steps += list(tail)
        out = []
        for name, choice, k in steps:
            entry: dict[str, Any] = {"state": interp.state_to_json(self.states[k])}
            if name is not None:
                entry["transition"] = name
                entry["choice"] = {c: interp.to_json_value(v) for c, v in choice.items()}
            out.append(entry)
        return out

    @property
    def edges(self) -> int:
        return sum(len(s) for s in self.succ)


def enumerable(system: TransitionSystem) -> str | None:
    """None when the explicit engine applies, else why not."""
    for var in system.variables:
        if interp.finite_values(var.type) is None:
            return f"variable {var.name} is real-valued"
    for t in system.checked_transitions:
        if interp.finite_choices(t) is None:
            return f"transition {t.name} chooses a real value"
    return None


def explore(system: TransitionSystem, limit: int = DEFAULT_STATE_LIMIT) -> StateGraph:
    """Breadth-first listing of the reachable states (at most ``limit``)."""
    why = enumerable(system)
    if why:
        raise NotEnumerable(why)
    t0 = time.perf_counter()
    g = StateGraph(system, [v.name for v in system.variables])
    try:
        inits = interp.initial_states(system)
    except SpecError as exc:
        raise NotEnumerable(str(exc)) from None
    queue: deque[int] = deque()
    for s in inits:
        before = len(g.states)
        i = g._add(s, None)
        if len(g.states) > before:
            queue.append(i)
    transitions = [(t, interp.finite_choices(t) or [{}]) for t in system.checked_transitions]
    while queue:
        i = queue.popleft()
        state = g.states[i]
        for t, choices in transitions:
            for ch in choices:
                nxt = interp.fire(system, state, t, ch)
                if nxt is None:
                    continue
                before = len(g.states)
                j = g._add(nxt, (i, t.name, ch))
                g.succ[i].append((t.name, ch, j))
                if len(g.states) > before:
                    if len(g.states) > limit:
                        g.complete = False
                        g.seconds = time.perf_counter() - t0
                        return g
                    queue.append(j)
    g.seconds = time.perf_counter() - t0
    return g


def _holds(expr: Expr) -> Callable[[Mapping[str, Any]], bool]:
    return lambda s: bool(interp.evaluate(expr, s))


def first_violation(g: StateGraph, invariant: Expr) -> int | None:
    """The first state in BFS order (so with a shortest run) violating
    ``invariant``."""
    ok = _holds(invariant)
    return next((i for i, s in enumerate(g.states) if not ok(s)), None)


def first_reaching(g: StateGraph, target: Expr) -> int | None:
    hit = _holds(target)
    return next((i for i, s in enumerate(g.states) if hit(s)), None)


def first_deadlock(g: StateGraph, allowed: Expr) -> int | None:
    final = _holds(allowed)
    return next((i for i, s in enumerate(g.states) if not g.succ[i] and not final(s)), None)


def response_violation(g: StateGraph, after: Expr, holds: Expr, within: int) -> tuple[int, list[tuple[str, dict[str, Any], int]]] | None:
    """A reachable state where ``after`` holds that starts a path of
    ``within`` steps (stuttering at a deadlock) on which ``holds`` never
    holds: (start, the path's steps), the start earliest in BFS order."""
    q = [_holds(holds)(s) for s in g.states]
    # bad[k][i]: a path of k steps from i avoids `holds` throughout; next_step
    # remembers one such step so the path can be written out.
    bad = [[not qi for qi in q]]
    nxt: list[list[tuple[str, dict[str, Any], int] | None]] = []
    for k in range(1, within + 1):
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
    trace) or ``unknown`` (the space is too large or not enumerable)."""

    status: str
    trace: list[dict[str, Any]] | None = None
    reason: str = ""
    states: int = 0
    edges: int = 0
    seconds: float = 0.0


def decide(system: TransitionSystem, check: str, args: Mapping[str, Any], limit: int = DEFAULT_STATE_LIMIT,
           graph: StateGraph | None = None) -> Decision:
    """Decide a ``statemachine.*`` property by listing the states."""
    try:
        g = graph or explore(system, limit)
    except NotEnumerable as exc:
        return Decision("unknown", reason=str(exc))
    size = {"states": len(g.states), "edges": g.edges, "seconds": g.seconds}
    where = f"{system.name} {check}"
    if check == "statemachine.reachable":
        i = first_reaching(g, system.expr(args["state"], where=where))
        if i is not None:
            return Decision("holds", trace=g.trace(i), **size)
        return Decision("violated" if g.complete else "unknown",
                        reason="no reachable state satisfies the target" if g.complete else
                        f"not reached among the first {limit} states", **size)
    if check == "statemachine.invariant":
        i = first_violation(g, system.expr(args["invariant"], where=where))
    elif check == "statemachine.deadlock-free":
        i = first_deadlock(g, system.expr(args.get("except", "False"), where=where))
    elif check == "statemachine.response":
        found = response_violation(g, system.expr(args["after"], where=where), system.expr(args["holds"], where=where),
                                   int(args["within"]))
        if found is not None:
            return Decision("violated", trace=g.trace(found[0], found[1]), **size)
        i = None
    else:
        return Decision("unknown", reason=f"no explicit check for {check}", **size)
    if i is not None:
        return Decision("violated", trace=g.trace(i), **size)
    if not g.complete:
        return Decision("unknown", reason=f"more than {limit} reachable states", **size)
    return Decision("holds", **size)


__all__ = [
    "Decision", "decide",
    "DEFAULT_STATE_LIMIT", "NotEnumerable", "StateGraph", "enumerable", "explore", "first_violation",
    "first_reaching", "first_deadlock", "response_violation",
]
