"""Compiled evaluation for the explicit-state engine: expressions and moves as closures.

``interp.evaluate`` walks the AST at every call; listing thousands of states
calls it hundreds of thousands of times.  This module turns a transition
system's expressions and transitions into closures once (same semantics as
``qproto.models.transition``), fires them, and says whether a system is
enumerable at all.  ``NotEnumerable`` is the signal the engine raises when it
cannot list a system and the caller falls back to Z3.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from qproto.models import transition as interp
from qproto.spec.errors import InternalSignal
from qproto.spec.transition import Binary, BoolOp, Call, Const, Expr, Index, Ite, Ref, TransitionSystem, Unary


class NotEnumerable(InternalSignal):
    """The system has a real-valued variable or choice: no explicit listing
    (internal signal, turned into a fallback to Z3)."""


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
    norm = interp.normalise
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


def _successors(moves: Sequence[_Move], state: dict[str, Any]) -> list[tuple[_Move, dict[str, Any], dict[str, Any]]]:
    """Every (move, choice, next state) enabled in ``state``."""
    out = []
    for move in moves:
        for ch in move.choices:
            try:
                nxt = _fire(move, state, ch)
            except (interp.EvaluationError, ZeroDivisionError, IndexError, TypeError) as exc:
                # the Z3 encoding gives such terms a value (an out-of-range
                # index reads the last element): the two semantics part
                # here, so the explicit engine does not decide this system
                raise NotEnumerable(f"{move.name} cannot be evaluated in a reachable state ({exc})") from None
            if nxt is not None:
                out.append((move, ch, nxt))
    return out
