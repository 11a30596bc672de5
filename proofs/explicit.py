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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from qproto.models import transition as interp
from qproto.spec.errors import SpecError
from qproto.spec.transition import Binary, BoolOp, Call, Const, Expr, Index, Ite, Ref, TransitionSystem, Unary

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
    timed_out: bool = False
    seconds: float = 0.0
    #: per-listing memo of checks shared by several properties (a lemma
    #: named by each of them is checked once)
    memo: dict[Any, Any] = field(default_factory=dict, repr=False)

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
        return {
            "reachable_states": len(self.states),
            "edges": self.edges,
            "explore_seconds": round(self.seconds, 6),
            "states_per_second": round(rate) if rate else None,
            "complete": self.complete,
        }


# ---------------------------------------------------------------------------
# compiled evaluation: the interpreter's semantics, as closures built once
#
# ``interp.evaluate`` walks the AST at every call; listing thousands of
# states calls it hundreds of thousands of times.  ``compile_expr`` turns an
# expression into nested closures with exactly the interpreter's semantics
# (exact arithmetic, short-circuit and/or, EvaluationError on an index out
# of range); tests check the two agree on every reachable state of the
# catalogue, and every counterexample is still replayed by ``interp``.

Fn = Callable[[Mapping[str, Any], Mapping[str, Any]], Any]


def _as_bool(f: Fn) -> Fn:
    return lambda s, c: bool(f(s, c))


def _and(f: Fn, g: Fn) -> Fn:
    return lambda s, c: bool(f(s, c)) and g(s, c)


def _or(f: Fn, g: Fn) -> Fn:
    return lambda s, c: bool(f(s, c)) or g(s, c)


def compile_expr(e: Expr) -> Fn:  # noqa: C901 - one case per node type, as in interp.evaluate
    """``f(state, local)`` == ``interp.evaluate(e, state, local)``."""
    norm = interp._norm
    if isinstance(e, Const):
        v = e.value
        return lambda s, c: v
    if isinstance(e, Ref):
        name = e.name
        if e.local:
            return lambda s, c: c[name]
        return lambda s, c: s[name]
    if isinstance(e, Index):
        arr, idx, label = compile_expr(e.array), compile_expr(e.index), str(e.array)

        def index(s: Any, c: Any) -> Any:
            a, i = arr(s, c), idx(s, c)
            if not 0 <= i < len(a):
                raise interp.EvaluationError(f"index {i} out of range for {label}")
            return a[i]

        return index
    if isinstance(e, Unary):
        a = compile_expr(e.arg)
        if e.op == "not":
            return lambda s, c: not a(s, c)
        return lambda s, c: -a(s, c)
    if isinstance(e, BoolOp):
        parts = [compile_expr(x) for x in e.args]
        # folded pairwise: short-circuits like all()/any(), returns a bool like them
        acc_b = _as_bool(parts[-1])
        for f in reversed(parts[:-1]):
            acc_b = _and(f, acc_b) if e.op == "and" else _or(f, acc_b)
        return acc_b
    if isinstance(e, Ite):
        cond, then, other = compile_expr(e.cond), compile_expr(e.then), compile_expr(e.other)
        return lambda s, c: then(s, c) if cond(s, c) else other(s, c)
    if isinstance(e, Binary):
        l, r, op = compile_expr(e.left), compile_expr(e.right), e.op
        if op == "implies":
            return lambda s, c: (not l(s, c)) or bool(r(s, c))
        table: dict[str, Fn] = {
            "==": lambda s, c: l(s, c) == r(s, c),
            "!=": lambda s, c: l(s, c) != r(s, c),
            "<": lambda s, c: l(s, c) < r(s, c),
            "<=": lambda s, c: l(s, c) <= r(s, c),
            ">": lambda s, c: l(s, c) > r(s, c),
            ">=": lambda s, c: l(s, c) >= r(s, c),
            "+": lambda s, c: norm(l(s, c) + r(s, c)),
            "-": lambda s, c: norm(l(s, c) - r(s, c)),
            "*": lambda s, c: norm(l(s, c) * r(s, c)),
            "/": lambda s, c: norm(Fraction(l(s, c)) / Fraction(r(s, c))),
            "**": lambda s, c: norm(Fraction(l(s, c)) ** int(r(s, c))),
        }
        if op in table:
            return table[op]
    if isinstance(e, Call):
        args = [compile_expr(x) for x in e.args]
        fn = e.fn
        if fn == "sum":
            return lambda s, c: norm(sum(args[0](s, c)))
        if fn == "all":
            return lambda s, c: all(args[0](s, c))
        if fn == "any":
            return lambda s, c: any(args[0](s, c))
        if fn == "count":
            return lambda s, c: sum(1 for x in args[0](s, c) if x == args[1](s, c))
        if fn == "min":
            return lambda s, c: min(args[0](s, c), args[1](s, c))
        if fn == "max":
            return lambda s, c: max(args[0](s, c), args[1](s, c))
        if fn == "abs":
            return lambda s, c: abs(args[0](s, c))
    raise interp.EvaluationError(f"cannot evaluate {e!r}")


@dataclass
class _Move:
    """One transition, compiled: guard, updates, and the variables whose
    domain must be checked after it (only the updated ones: the others keep
    a value already in range)."""

    name: str
    choices: list[dict[str, Any]]
    guard: Fn
    updates: list[tuple[str, Fn | None, Any, bool]]  # (variable, index, value(s), whole array)
    checks: list[Any]  # the updated variables (Var)


def _compile_moves(system: TransitionSystem) -> list[_Move]:
    moves = []
    for t in system.checked_transitions:
        ups: list[tuple[str, Fn | None, Any, bool]] = []
        touched = []
        for name, index, value in t.updates:
            var = system.variable(name)
            touched.append(var)
            if var.size is not None and index is None:
                ups.append((name, None, [compile_expr(v) for v in value], True))
            else:
                ups.append((name, compile_expr(index) if index is not None else None, compile_expr(value), False))
        uniq = list({v.name: v for v in touched}.values())
        moves.append(_Move(t.name, interp.finite_choices(t) or [{}], compile_expr(t.guard), ups, uniq))
    return moves


def _fire(move: _Move, state: dict[str, Any], choice: Mapping[str, Any]) -> dict[str, Any] | None:
    """``interp.fire`` for a compiled move (same semantics: simultaneous
    updates read the old state; out of a domain means not enabled)."""
    if not move.guard(state, choice):
        return None
    nxt = dict(state)
    for name, index, value, whole in move.updates:
        if whole:
            nxt[name] = tuple(f(state, choice) for f in value)
        elif index is not None:
            i = index(state, choice)
            arr = list(nxt[name])
            arr[i] = value(state, choice)
            nxt[name] = tuple(arr)
        else:
            nxt[name] = value(state, choice)
    for var in move.checks:
        if not interp.in_domain(var, nxt[var.name]):
            return None
    return nxt


def _domain_size(t: Any) -> int | None:
    """How many values a type has (None: real), without listing them."""
    if t.kind == "bool":
        return 2
    if t.kind == "enum":
        return len(t.values)
    if t.kind == "int":
        return t.high - t.low + 1
    return None


#: A variable or choice with more values than this is not listed (a
#: symbolic size such as ``integer("packets", 1, 10**6)`` is Z3's job).
MAX_DOMAIN = 10_000


def enumerable(system: TransitionSystem) -> str | None:
    """None when the explicit engine applies, else why not."""
    for var in system.variables:
        n = _domain_size(var.type)
        if n is None:
            return f"variable {var.name} is real-valued"
        if n > MAX_DOMAIN:
            return f"variable {var.name} has {n} values (more than {MAX_DOMAIN})"
    for t in system.checked_transitions:
        for c in t.choose:
            n = _domain_size(c.type)
            if n is None:
                return f"transition {t.name} chooses a real value"
            if n > MAX_DOMAIN:
                return f"transition {t.name} chooses among {n} values (more than {MAX_DOMAIN})"
    return None


def explore(system: TransitionSystem, limit: int = DEFAULT_STATE_LIMIT, seconds: float | None = None) -> StateGraph:
    """Breadth-first listing of the reachable states (at most ``limit``, and
    for at most ``seconds`` of wall-clock time; an unfinished listing has
    ``complete=False``)."""
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
    moves = _compile_moves(system)
    stop = t0 + seconds if seconds is not None else None
    popped = 0
    while queue:
        if stop is not None and popped % 256 == 0 and time.perf_counter() > stop:
            g.complete, g.timed_out = False, True
            break
        popped += 1
        i = queue.popleft()
        state = g.states[i]
        for move in moves:
            for ch in move.choices:
                try:
                    nxt = _fire(move, state, ch)
                except (interp.EvaluationError, ZeroDivisionError, IndexError, TypeError) as exc:
                    # the Z3 encoding gives such terms a value (an out-of-range
                    # index reads the last element): the two semantics part
                    # here, so the explicit engine does not decide this system
                    raise NotEnumerable(f"{move.name} cannot be evaluated in a reachable state ({exc})") from None
                if nxt is None:
                    continue
                before = len(g.states)
                j = g._add(nxt, (i, move.name, ch))
                g.succ[i].append((move.name, ch, j))
                if len(g.states) > before:
                    if len(g.states) > limit:
                        g.complete = False
                        g.seconds = time.perf_counter() - t0
                        return g
                    queue.append(j)
    g.seconds = time.perf_counter() - t0
    return g


def _holds(expr: Expr) -> Callable[[Mapping[str, Any]], bool]:
    f = compile_expr(expr)
    return lambda s: bool(f(s, {}))


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
    trace) or ``unknown`` (the space is too large or not enumerable)."""

    status: str
    trace: list[dict[str, Any]] | None = None
    reason: str = ""
    states: int = 0
    edges: int = 0
    seconds: float = 0.0


def decide(
    system: TransitionSystem,
    check: str,
    args: Mapping[str, Any],
    limit: int = DEFAULT_STATE_LIMIT,
    graph: StateGraph | None = None,
) -> Decision:
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
        return Decision(
            "violated" if g.complete else "unknown",
            reason="no reachable state satisfies the target" if g.complete else f"not reached among the first {limit} states",
            **size,
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
    "Decision",
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
]
