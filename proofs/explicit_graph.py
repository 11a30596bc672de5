"""The explicit-state listing: ``StateGraph`` and the breadth-first ``explore``.

``explore`` lists the reachable states of an enumerable transition system
(optionally reduced by stubborn sets or by symmetry) into a ``StateGraph``,
which keeps, per state, how it was first reached (so a trace is a shortest
run) and its successors.  The property checks and ``decide`` are in
``qproto.proofs.explicit``.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from qproto.models import transition as interp
from qproto.spec.errors import SpecError
from qproto.spec.transition import Expr, TransitionSystem

from .explicit_compile import NotEnumerable, _compile_moves, _successors, enumerable
from .explicit_reduction import REDUCTIONS, _Reducer
from .explicit_symmetry import _canonical, symmetry_problem

#: Largest reachable state space the explicit engine lists before handing
#: the property to Z3.
DEFAULT_STATE_LIMIT = 200_000


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
    timed_out: bool = False
    seconds: float = 0.0
    #: per-listing memo of checks shared by several properties (a lemma
    #: named by each of them is checked once)
    memo: dict[Any, Any] = field(default_factory=dict, repr=False)
    #: how the listing was reduced (None: every enabled move of every state)
    reduction: str | None = None
    #: the state at which ``explore(stop=...)`` ended the search
    stopped_at: int | None = None
    #: the arrays whose positions the listing identifies (``explore(symmetry=...)``)
    symmetry: tuple[str, ...] = ()

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

    def trace(self, i: int, tail: Sequence[tuple[str, dict[str, Any], int]] = ()) -> list[dict[str, Any]]:
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
        for step, (name, choice, k) in enumerate(steps):
            # the Z3 engine's row shape: "choice" only where the transition chooses
            entry: dict[str, Any] = {"step": step, "transition": name, "state": interp.state_to_json(self.states[k])}
            if choice:
                entry["choice"] = {c: interp.to_json_value(v) for c, v in choice.items()}
            out.append(entry)
        return out

    @property
    def edges(self) -> int:
        return sum(len(s) for s in self.succ)

    def stats(self) -> dict[str, Any]:
        """The size and speed of the listing, for a verdict's evidence."""
        rate = len(self.states) / self.seconds if self.seconds > 0 else None
        if self.reduction:
            # a reduced listing holds a subset of the reachable states: its
            # size must not be read as the size of the state space
            return {
                "reduced_states": len(self.states),
                "reduction": "reduced: " + self.reduction,
                "edges": self.edges,
                "explore_seconds": round(self.seconds, 6),
                "states_per_second": round(rate) if rate else None,
                "complete": self.complete,
            }
        return {
            "reachable_states": len(self.states),
            "edges": self.edges,
            "explore_seconds": round(self.seconds, 6),
            "states_per_second": round(rate) if rate else None,
            "complete": self.complete,
        }


def explore(
    system: TransitionSystem,
    limit: int = DEFAULT_STATE_LIMIT,
    seconds: float | None = None,
    *,
    reduce: str | None = None,
    visible: Expr | Sequence[Expr] = (),
    stop: Callable[[StateGraph, int], bool] | None = None,
    symmetry: Sequence[str] = (),
) -> StateGraph:
    """Breadth-first listing of the reachable states (at most ``limit``, and
    for at most ``seconds`` of wall-clock time; an unfinished listing has
    ``complete=False``).

    ``reduce`` (default None: every enabled move from every state) selects a
    partial-order reduction (the argument is above ``_Reducer`` in
    ``explicit_reduction``): ``"deadlock"`` keeps every reachable deadlock,
    ``"safety"`` also keeps the truth of every expression in ``visible`` on
    some state of each run.  A reduced listing
    is a subset of the reachable states: it decides only the properties
    named in :data:`REDUCIBLE`, and ``stats()`` says "reduced".

    ``stop(g, i)``, called once state ``i`` has been expanded (its
    successors listed), ends the search when it returns True (``stopped_at``
    is then ``i``); states are expanded in index order, so the first state
    it accepts is the first in breadth-first order that satisfies it.

    ``symmetry`` names arrays whose positions are interchangeable (see
    :func:`symmetry_problem`, which must find none): each state is stored
    as the representative of its orbit (positions sorted), so the listing
    holds one state per orbit.  Its parent links are not runs: a trace is
    searched again without reduction (``decide``)."""
    why = enumerable(system)
    if why:
        raise NotEnumerable(why)
    canon: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    if symmetry:
        if reduce:
            raise ValueError("symmetry and partial-order reduction are not combined")
        problem = symmetry_problem(system, symmetry)
        if problem:
            raise ValueError(f"{system.name}: positions of {', '.join(symmetry)} are not interchangeable: {problem}")
        canon = _canonical(tuple(symmetry))
    if reduce not in (None, *REDUCTIONS):
        raise ValueError(f"reduce={reduce!r}: choose None or one of {', '.join(REDUCTIONS)}")
    t0 = time.perf_counter()
    g = StateGraph(system, [v.name for v in system.variables])
    try:
        inits = interp.initial_states(system)
    except SpecError as exc:
        raise NotEnumerable(str(exc)) from None
    queue: deque[int] = deque()
    for s in inits:
        before = len(g.states)
        i = g._add(canon(s) if canon else s, None)
        if len(g.states) > before:
            queue.append(i)
    moves = _compile_moves(system)
    reducer = _Reducer(system, moves, reduce, [visible] if isinstance(visible, Expr) else list(visible)) if reduce else None
    if reducer is not None and reducer.active:
        g.reduction = reducer.describe()
    else:
        reducer = None  # nothing to choose between: the full listing
    if canon is not None:
        g.reduction = f"symmetry: one state per permutation of the positions of {', '.join(symmetry)}"
        g.symmetry = tuple(symmetry)
    stop_at = t0 + seconds if seconds is not None else None
    popped = 0
    while queue:
        if stop_at is not None and popped % 256 == 0 and time.perf_counter() > stop_at:
            g.complete, g.timed_out = False, True
            break
        popped += 1
        i = queue.popleft()
        state = g.states[i]
        if reducer is not None:
            succ = reducer.successors(g, state)
        else:
            succ = [(move.name, ch, nxt) for move, ch, nxt in _successors(moves, state)]
        for name, ch, nxt in succ:
            if canon is not None:
                nxt = canon(nxt)
            before = len(g.states)
            j = g._add(nxt, (i, name, ch))
            g.succ[i].append((name, ch, j))
            if len(g.states) > before:
                if len(g.states) > limit:
                    g.complete = False
                    g.seconds = time.perf_counter() - t0
                    if reducer is not None:
                        g.reduction = reducer.describe()
                    return g
                queue.append(j)
        if stop is not None and stop(g, i):
            g.stopped_at = i
            g.complete = False
            break
    g.seconds = time.perf_counter() - t0
    if reducer is not None:
        g.reduction = reducer.describe()
    return g
