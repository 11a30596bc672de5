"""The executable interpretation of a transition system, in plain Python.

This is the *independent evaluator* of the state-machine engine: Z3 finds a
counterexample trace, and before it is reported this module replays it —
the first state must satisfy the initial condition, each step must be the
named transition, enabled, producing exactly the next recorded state, and
the property must fail on the trace by its *definition* (not by the
monitor the Z3 encoding uses).  It shares only the parsed AST with the Z3
compiler; arithmetic is exact (``int`` and ``Fraction``).

A state is a dict ``{variable: value}`` with bools, ints, Fractions, enum
names (``str``) and tuples for arrays.  Traces use the JSON form of the
engine's evidence: ``[{"step": i, "transition": name | None, "state":
{...}, "choice": {...}}]`` with arrays as lists and non-integral reals as
``"p/q"`` strings.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from qproto.spec.errors import InternalSignal, SpecError
from qproto.spec.transition import (
    Binary,
    BoolOp,
    Call,
    CheckedTransition,
    Const,
    Expr,
    Index,
    Ite,
    Ref,
    TransitionSystem,
    Type,
    Unary,
    Var,
)

State = dict[str, Any]

#: The name a trace gives a step where nothing was enabled and the run
#: stays in its last state (response properties extend deadlocks so).
STUTTER = "(deadlock: stays)"


class EvaluationError(InternalSignal):
    """An expression could not be evaluated on a state (a missing variable,
    a value of the wrong type): the trace is not a state of the system."""


def evaluate(expr: Expr, state: Mapping[str, Any], local: Mapping[str, Any] | None = None) -> Any:
    """The value of a resolved expression on ``state`` (and a transition's
    ``local`` choices)."""
    local = local or {}

    def ev(e: Expr) -> Any:
        if isinstance(e, Const):
            return e.value
        if isinstance(e, Ref):
            src = local if e.local else state
            if e.name not in src:
                raise EvaluationError(f"no value for {e.name!r}")
            return src[e.name]
        if isinstance(e, Index):
            arr = ev(e.array)
            i = ev(e.index)
            if not 0 <= i < len(arr):
                raise EvaluationError(f"index {i} out of range for {e.array}")
            return arr[i]
        if isinstance(e, Unary):
            v = ev(e.arg)
            return (not v) if e.op == "not" else -v
        if isinstance(e, BoolOp):
            if e.op == "and":
                return all(ev(a) for a in e.args)
            return any(ev(a) for a in e.args)
        if isinstance(e, Ite):
            return ev(e.then) if ev(e.cond) else ev(e.other)
        if isinstance(e, Binary):
            if e.op == "implies":
                return (not ev(e.left)) or bool(ev(e.right))
            a, b = ev(e.left), ev(e.right)
            if e.op == "==":
                return a == b
            if e.op == "!=":
                return a != b
            if e.op == "<":
                return a < b
            if e.op == "<=":
                return a <= b
            if e.op == ">":
                return a > b
            if e.op == ">=":
                return a >= b
            if e.op == "+":
                return _norm(a + b)
            if e.op == "-":
                return _norm(a - b)
            if e.op == "*":
                return _norm(a * b)
            if e.op == "/":
                return _norm(Fraction(a) / Fraction(b))
            if e.op == "**":
                return _norm(Fraction(a) ** int(b))
        if isinstance(e, Call):
            if e.fn == "sum":
                return _norm(sum(ev(e.args[0])))
            if e.fn == "all":
                return all(ev(e.args[0]))
            if e.fn == "any":
                return any(ev(e.args[0]))
            if e.fn == "count":
                arr, v = ev(e.args[0]), ev(e.args[1])
                return sum(1 for x in arr if x == v)
            if e.fn == "min":
                return min(ev(e.args[0]), ev(e.args[1]))
            if e.fn == "max":
                return max(ev(e.args[0]), ev(e.args[1]))
            if e.fn == "abs":
                return abs(ev(e.args[0]))
        raise EvaluationError(f"cannot evaluate {e!r}")

    return ev(expr)


def normalise(x: Any) -> Any:
    """A whole Fraction as an int (so 2 and Fraction(2) are one state value)."""
    if isinstance(x, Fraction) and x.denominator == 1:
        return int(x)
    return x


_norm = normalise


def in_domain(var: Var, value: Any) -> bool:
    if var.size is None:
        return var.type.contains(value)
    return isinstance(value, tuple) and len(value) == var.size and all(var.type.contains(v) for v in value)


def initial_ok(system: TransitionSystem, state: Mapping[str, Any]) -> str | None:
    """None when ``state`` is an initial state, else the reason it is not."""
    for var in system.variables:
        if var.name not in state:
            return f"variable {var.name} has no value"
        if not in_domain(var, state[var.name]):
            return f"{var.name}={state[var.name]!r} is outside its domain {var.type}"
    values, extra = system.checked_init
    for name, value in values:
        want = tuple(evaluate(v, state) for v in value) if isinstance(value, tuple) else evaluate(value, state)
        if state[name] != want:
            return f"{name}={state[name]!r} but the initial value is {want!r}"
    if not evaluate(extra, state):
        return f"the initial constraint {system.initially} fails"
    return None


def fire(
    system: TransitionSystem,
    state: Mapping[str, Any],
    transition: CheckedTransition | str,
    choice: Mapping[str, Any] | None = None,
) -> State | None:
    """The successor of ``state`` by ``transition`` with ``choice``, or None
    when the transition is not enabled (its guard fails or an update leaves
    its variable's domain)."""
    t = _checked(system, transition)
    choice = dict(choice or {})
    for c in t.choose:
        if c.name not in choice or not c.type.contains(choice[c.name]):
            return None
    if not evaluate(t.guard, state, choice):
        return None
    nxt = _updated(system, t, state, choice)
    for var in system.variables:
        if not in_domain(var, nxt[var.name]):
            return None
    return nxt


def _updated(
    system: TransitionSystem, t: CheckedTransition, state: Mapping[str, Any], choice: Mapping[str, Any]
) -> dict[str, Any]:
    """The state after ``t``'s updates (all read the old state), before any
    range check: shared by :func:`step` and :func:`why_blocked`."""
    nxt = dict(state)
    for name, index, value in t.updates:
        var = system.variable(name)
        if var.size is not None and index is None:
            nxt[name] = tuple(evaluate(v, state, choice) for v in value)
        elif index is not None:
            i = evaluate(index, state, choice)
            arr = list(nxt[name])
            arr[i] = evaluate(value, state, choice)
            nxt[name] = tuple(arr)
        else:
            nxt[name] = evaluate(value, state, choice)
    return nxt


def why_blocked(system: TransitionSystem, state: Mapping[str, Any], transition: CheckedTransition | str) -> str:
    """Why ``transition`` cannot fire in ``state``: its guard is false for
    every choice, or (for some choice where the guard holds) an update would
    leave its variable's range, named with the value and the range.  Empty
    when it can fire (or a choice is real: not decided here)."""
    t = _checked(system, transition)
    choices = finite_choices(t)
    if choices is None:
        return ""
    out_of_range: list[str] = []
    for ch in choices:
        if not evaluate(t.guard, state, ch):
            continue
        nxt = _updated(system, t, state, ch)
        bad = [
            f"{v.name} := {to_json_value(nxt[v.name])} leaves its range {v.type}"
            for v in system.variables
            if not in_domain(v, nxt[v.name])
        ]
        if not bad:
            return ""
        where = f" (choice {', '.join(f'{k}={to_json_value(x)}' for k, x in ch.items())})" if ch else ""
        out_of_range.append("; ".join(bad) + where)
    if out_of_range:
        return "its guard holds but " + out_of_range[0]
    return f"its guard {t.guard} is false"


def blocked_summary(system: TransitionSystem, state: Mapping[str, Any]) -> str:
    """One line naming what blocks the transitions in a deadlocked state:
    first those whose guard holds but whose update leaves a variable's
    range (the usual cause: a counter at its bound), then the rest."""
    reasons = []
    for t in system.checked_transitions:
        try:
            why = why_blocked(system, state, t)
        except (EvaluationError, ZeroDivisionError, IndexError) as exc:
            why = f"cannot be evaluated ({exc})"
        if why:
            reasons.append((not why.startswith("its guard holds"), t.name, why))
    reasons.sort(key=lambda r: r[0])
    range_blocked = [f"{n}: {w}" for first, n, w in reasons if not first]
    guard_blocked = [n for first, n, _ in reasons if first]
    parts = []
    if range_blocked:
        parts.append("blocked by a range: " + "; ".join(range_blocked))
    if guard_blocked:
        parts.append("guard false: " + ", ".join(guard_blocked))
    return " | ".join(parts)


def _checked(system: TransitionSystem, t: CheckedTransition | str | None) -> CheckedTransition:
    # ``t`` may be a name read from a JSON trace (possibly missing, so None):
    # anything that is not a known transition name raises SpecError.
    if isinstance(t, CheckedTransition):
        return t
    for ct in system.checked_transitions:
        if ct.name == t:
            return ct
    raise SpecError(f"{system.name}: unknown transition {t!r}")


def finite_choices(t: CheckedTransition) -> list[dict[str, Any]] | None:
    """Every assignment of a transition's choices, or None when one is real
    (not enumerable)."""
    out: list[dict[str, Any]] = [{}]
    for c in t.choose:
        vals = _domain_values(c.type)
        if vals is None:
            return None
        out = [{**o, c.name: v} for o in out for v in vals]
    return out


def finite_values(t: Type) -> list[Any] | None:
    """Every value of a bool, enum or bounded-int type; None for reals."""
    return _domain_values(t)


def _domain_values(t: Type) -> list[Any] | None:
    if t.kind == "bool":
        return [False, True]
    if t.kind == "enum":
        return list(t.values)
    if t.kind == "int":
        return list(range(t.low, t.high + 1))
    return None


def successors(system: TransitionSystem, state: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any], State]]:
    """(transition, choice, next state) for every enabled move with
    enumerable choices."""
    for t in system.checked_transitions:
        choices = finite_choices(t)
        if choices is None:
            continue
        for ch in choices:
            nxt = fire(system, state, t, ch)
            if nxt is not None:
                yield t.name, ch, nxt


def initial_states(system: TransitionSystem, limit: int = 10_000) -> list[State]:
    """The initial states, when every variable the init leaves open has an
    enumerable domain (up to ``limit`` of them)."""
    values, _ = system.checked_init
    fixed = {n for n, _ in values}
    partial: list[State] = [{}]
    for var in system.variables:
        if var.name in fixed:
            continue
        dom = _domain_values(var.type)
        if dom is None:
            raise SpecError(f"{system.name}: {var.name} starts anywhere in a real domain; cannot enumerate initial states")
        if var.size is not None:
            import itertools

            dom = [tuple(p) for p in itertools.product(dom, repeat=var.size)]
        partial = [{**p, var.name: v} for p in partial for v in dom]
        if len(partial) > limit:
            raise SpecError(f"{system.name}: more than {limit} initial states")
    out = []
    for p in partial:
        s = dict(p)
        for name, value in values:
            s[name] = tuple(evaluate(v, p) for v in value) if isinstance(value, tuple) else evaluate(value, p)
        if initial_ok(system, s) is None:
            out.append(s)
    return out


def reachable(system: TransitionSystem, limit: int = 200_000) -> tuple[set[tuple], bool]:
    """Breadth-first exploration of the reachable states (as frozen
    tuples); the flag says whether the space was exhausted within
    ``limit`` states.  A finite cross-check for small systems."""
    names = [v.name for v in system.variables]
    frontier = initial_states(system)
    seen = {tuple(s[n] for n in names) for s in frontier}
    while frontier:
        nxt_frontier = []
        for s in frontier:
            for _, _, n in successors(system, s):
                key = tuple(n[x] for x in names)
                if key not in seen:
                    seen.add(key)
                    if len(seen) > limit:
                        return seen, False
                    nxt_frontier.append(n)
        frontier = nxt_frontier
    return seen, True


def random_run(system: TransitionSystem, rng: np.random.Generator, steps: int) -> list[tuple[str | None, dict[str, Any], State]]:
    """A random run of at most ``steps`` moves (seeded)."""
    inits = initial_states(system)
    state = inits[int(rng.integers(len(inits)))]
    run: list[tuple[str | None, dict[str, Any], State]] = [(None, {}, state)]
    for _ in range(steps):
        moves = list(successors(system, state))
        if not moves:
            break
        name, ch, state = moves[int(rng.integers(len(moves)))]
        run.append((name, ch, state))
    return run


# ---------------------------------------------------------------------------
# JSON values and replay


def to_json_value(value: Any) -> Any:
    """A state value as JSON: arrays as lists, non-integral reals as "p/q"."""
    if isinstance(value, tuple):
        return [to_json_value(v) for v in value]
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    return value


def from_json_value(var: Var | Type, value: Any) -> Any:
    t = var.type if isinstance(var, Var) else var
    if isinstance(var, Var) and var.size is not None:
        if not isinstance(value, list):
            raise EvaluationError(f"{var.name} should be a list, got {value!r}")
        return tuple(from_json_value(t, v) for v in value)
    if t.kind == "real" or (t.kind == "int" and isinstance(value, str)):
        f = Fraction(value) if not isinstance(value, bool) else value
        return int(f) if isinstance(f, Fraction) and f.denominator == 1 else f
    return value


def state_to_json(state: Mapping[str, Any]) -> dict[str, Any]:
    return {k: to_json_value(v) for k, v in state.items()}


def state_from_json(system: TransitionSystem, doc: Mapping[str, Any]) -> State:
    out = {}
    for var in system.variables:
        if var.name not in doc:
            raise EvaluationError(f"the trace has no value for {var.name}")
        out[var.name] = from_json_value(var, doc[var.name])
    return out


@dataclass
class Replay:
    """The result of replaying a JSON trace on the interpreter."""

    ok: bool
    reason: str = ""
    states: list[State] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"replayed": self.ok, "by": "qproto.models.transition (Python interpreter)", "detail": self.reason}


def replay_run(system: TransitionSystem, trace: Sequence[Mapping[str, Any]]) -> Replay:
    """Check that ``trace`` is a run: an initial state, then each step the
    named transition, enabled, with its recorded choice, producing exactly
    the recorded next state."""
    if not trace:
        return Replay(False, "empty trace")
    try:
        states = [state_from_json(system, st["state"]) for st in trace]
    except (EvaluationError, ValueError, ZeroDivisionError) as exc:
        return Replay(False, f"bad state in trace: {exc}")
    why = initial_ok(system, states[0])
    if why:
        return Replay(False, f"step 0 is not an initial state: {why}", states)
    for i in range(1, len(states)):
        name = trace[i].get("transition")
        if name == STUTTER:
            if any(finite_choices(t) is None for t in system.checked_transitions):
                return Replay(False, f"step {i}: a deadlock with real choices cannot be replayed exhaustively", states)
            if any(True for _ in successors(system, states[i - 1])):
                return Replay(False, f"step {i}: stutters although a transition is enabled", states)
            if states[i] != states[i - 1]:
                return Replay(False, f"step {i}: a stutter step changes the state", states)
            continue
        try:
            t = _checked(system, name)
        except SpecError:
            return Replay(False, f"step {i}: unknown transition {name!r}", states)
        choice = {c.name: from_json_value(c, trace[i].get("choice", {}).get(c.name)) for c in t.choose}
        try:
            nxt = fire(system, states[i - 1], t, choice)
        except EvaluationError as exc:
            return Replay(False, f"step {i}: {exc}", states)
        if nxt is None:
            return Replay(False, f"step {i}: {name} is not enabled", states)
        if nxt != states[i]:
            diff = {k: (to_json_value(nxt[k]), to_json_value(states[i][k])) for k in nxt if nxt[k] != states[i][k]}
            return Replay(False, f"step {i}: {name} gives a different state (interpreter, trace): {diff}", states)
    return Replay(True, f"a run of {len(states) - 1} steps", states)


def replay_invariant_violation(system: TransitionSystem, trace: Sequence[Mapping[str, Any]], invariant: Expr) -> Replay:
    """The trace is a run and its last state violates ``invariant``."""
    r = replay_run(system, trace)
    if not r.ok:
        return r
    if evaluate(invariant, r.states[-1]):
        return Replay(False, "the last state satisfies the invariant", r.states)
    return Replay(True, f"a run of {len(r.states) - 1} steps whose last state violates {invariant}", r.states)


def response_violation(states: Sequence[State], after: Expr, holds: Expr, within: int) -> int | None:
    """The first step i where ``after`` holds and ``holds`` does not hold at
    any step i..i+within, all of which lie on the run; None if there is
    none.  This is the definition of "within k steps after X, Y"."""
    for i, s in enumerate(states):
        if i + within >= len(states):
            break
        if evaluate(after, s) and not any(evaluate(holds, states[j]) for j in range(i, i + within + 1)):
            return i
    return None


def replay_response_violation(
    system: TransitionSystem, trace: Sequence[Mapping[str, Any]], after: Expr, holds: Expr, within: int
) -> Replay:
    r = replay_run(system, trace)
    if not r.ok:
        return r
    i = response_violation(r.states, after, holds, within)
    if i is None:
        return Replay(False, f"no step where {after} holds without {holds} within {within} steps", r.states)
    return Replay(True, f"{after} holds at step {i} and {holds} fails at steps {i}..{i + within}", r.states)


def replay_reaches(system: TransitionSystem, trace: Sequence[Mapping[str, Any]], target: Expr) -> Replay:
    r = replay_run(system, trace)
    if not r.ok:
        return r
    if not evaluate(target, r.states[-1]):
        return Replay(False, f"the last state does not satisfy {target}", r.states)
    return Replay(True, f"a run of {len(r.states) - 1} steps reaching {target}", r.states)


def replay_deadlock(system: TransitionSystem, trace: Sequence[Mapping[str, Any]]) -> Replay:
    """The trace is a run and no transition is enabled in its last state
    (only decidable here when every choice is enumerable)."""
    r = replay_run(system, trace)
    if not r.ok:
        return r
    for t in system.checked_transitions:
        if finite_choices(t) is None:
            return Replay(False, f"{t.name} has a real choice; deadlock cannot be replayed exhaustively", r.states)
    if any(True for _ in successors(system, r.states[-1])):
        return Replay(False, "a transition is enabled in the last state", r.states)
    return Replay(True, f"a run of {len(r.states) - 1} steps ending where nothing is enabled", r.states)


__all__ = [
    "STUTTER",
    "State",
    "EvaluationError",
    "evaluate",
    "in_domain",
    "normalise",
    "initial_ok",
    "fire",
    "finite_choices",
    "finite_values",
    "successors",
    "initial_states",
    "reachable",
    "random_run",
    "to_json_value",
    "from_json_value",
    "state_to_json",
    "state_from_json",
    "Replay",
    "replay_run",
    "replay_invariant_violation",
    "response_violation",
    "replay_response_violation",
    "replay_reaches",
    "replay_deadlock",
    "why_blocked",
    "blocked_summary",
]
