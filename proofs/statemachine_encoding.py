"""Z3 encoding of a transition system: the state at step i, Init, T(i, i+1) and expressions as terms.

``Encoding`` gives each variable one Z3 constant per step (names carry a
tag, so the base-case and step-case encodings never share a constant), the
initial condition, the transition relation (a selector per step naming the
transition taken; a deadlocked state may stutter, for response properties),
``enabled`` for deadlock freedom and the simple-path ``distinct``
constraints; ``decode`` turns a model back into the JSON trace the
interpreter replays.  ``Monitor`` is the response property's step
counter.  ``Unknown`` is the signal for Z3's ``unknown`` answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, cast

import z3

from qproto.models import transition as interp
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
)


class Unknown(InternalSignal):
    """Z3 answered ``unknown``: the reason is in ``args[0]``."""


# ---------------------------------------------------------------------------
# encoding


@dataclass
class Monitor:
    """An extra state variable the engine adds (bounded response):
    ``w`` = steps since the oldest ``after`` not yet answered by ``holds``,
    -1 when none; it saturates at ``within``."""

    name: str
    after: Expr
    holds: Expr
    within: int


class Encoding:
    """The transition system as Z3 terms, one copy of the state per step
    (created lazily), with selector variables naming the transition taken."""

    def __init__(self, system: TransitionSystem, tag: str, monitors: Sequence[Monitor] = (), stutter: bool = False) -> None:
        self.system = system
        #: extend a deadlocked state by stuttering (response properties:
        #: a run that stops before Y must not escape the claim)
        self.stutter = stutter
        self.tag = tag
        self.monitors = list(monitors)
        self.transitions = system.checked_transitions
        self._states: dict[int, dict[str, Any]] = {}
        self._choices: dict[tuple[int, str], dict[str, Any]] = {}
        self._selectors: dict[int, z3.ArithRef] = {}

    # -- variables ----------------------------------------------------------
    def _sort_var(self, name: str, t: Type) -> Any:
        if t.kind == "bool":
            return z3.Bool(name)
        if t.kind == "real":
            return z3.Real(name)
        return z3.Int(name)

    def state(self, i: int) -> dict[str, Any]:
        if i not in self._states:
            st: dict[str, Any] = {}
            for v in self.system.variables:
                if v.size is None:
                    st[v.name] = self._sort_var(f"{self.tag}{v.name}@{i}", v.type)
                else:
                    st[v.name] = [self._sort_var(f"{self.tag}{v.name}[{j}]@{i}", v.type) for j in range(v.size)]
            for m in self.monitors:
                st[m.name] = z3.Int(f"{self.tag}{m.name}@{i}")
            self._states[i] = st
        return self._states[i]

    def choices(self, i: int, t: CheckedTransition) -> dict[str, Any]:
        key = (i, t.name)
        if key not in self._choices:
            self._choices[key] = {c.name: self._sort_var(f"{self.tag}{t.name}.{c.name}@{i}", c.type) for c in t.choose}
        return self._choices[key]

    def selector(self, i: int) -> z3.ArithRef:
        if i not in self._selectors:
            self._selectors[i] = z3.Int(f"{self.tag}transition@{i}")
        return self._selectors[i]

    # -- constraints -------------------------------------------------------
    @staticmethod
    def _in_type(x: Any, t: Type) -> z3.BoolRef:
        if t.kind == "bool":
            return z3.BoolVal(True)
        if t.kind == "enum":
            return z3.And(x >= 0, x < len(t.values))
        parts = []
        if t.low is not None:
            parts.append(x >= _num(t.low))
        if t.high is not None:
            parts.append(x <= _num(t.high))
        return z3.And(*parts) if parts else z3.BoolVal(True)

    def domain(self, i: int) -> z3.BoolRef:
        st = self.state(i)
        parts = []
        for v in self.system.variables:
            xs = st[v.name] if v.size is not None else [st[v.name]]
            parts += [self._in_type(x, v.type) for x in xs]
        for m in self.monitors:
            parts.append(z3.And(st[m.name] >= -1, st[m.name] <= m.within))
        return z3.And(*parts)

    def init(self) -> z3.BoolRef:
        st = self.state(0)
        values, extra = self.system.checked_init
        parts = [self.domain(0)]
        for name, value in values:
            if isinstance(value, tuple):
                parts += [x == self.expr(v, 0) for x, v in zip(st[name], value)]
            else:
                parts.append(st[name] == self.expr(value, 0))
        parts.append(self.expr(extra, 0))
        for m in self.monitors:
            parts.append(st[m.name] == z3.If(z3.And(self.expr(m.after, 0), z3.Not(self.expr(m.holds, 0))), 0, -1))
        return z3.And(*parts)

    def trans(self, i: int) -> z3.BoolRef:
        """T(s_i, s_{i+1}): the selector names one transition, whose guard
        holds and whose updates (and frame) give s_{i+1}, inside the domain."""
        cur, nxt = self.state(i), self.state(i + 1)
        sel = self.selector(i)
        n = len(self.transitions)
        parts = [sel >= 0, sel < (n + 1 if self.stutter else n), self.domain(i + 1)]
        if self.stutter:
            same = [self.distinct(i, i + 1, only_system=True)]
            parts.append(z3.Implies(sel == n, z3.And(z3.Not(self.enabled(i)), z3.Not(same[0]))))
        for j, t in enumerate(self.transitions):
            loc = self.choices(i, t)
            body = [self._in_type(loc[c.name], c.type) for c in t.choose]
            body.append(self.expr(t.guard, i, loc))
            new: dict[str, Any] = {
                v.name: (list(cur[v.name]) if v.size is not None else cur[v.name]) for v in self.system.variables
            }
            for name, index, value in t.updates:
                var = self.system.variable(name)
                if var.size is not None and index is None:
                    new[name] = [self.expr(v, i, loc) for v in value]
                elif index is not None:
                    idx = self.expr(index, i, loc)
                    val = self.expr(value, i, loc)
                    new[name] = [z3.If(idx == e, val, x) for e, x in enumerate(new[name])]
                else:
                    new[name] = self.expr(value, i, loc)
            for v in self.system.variables:
                if v.size is None:
                    body.append(nxt[v.name] == new[v.name])
                else:
                    body += [a == b for a, b in zip(nxt[v.name], new[v.name])]
            parts.append(z3.Implies(sel == j, z3.And(*body)))
        for m in self.monitors:
            w, w2 = cur[m.name], nxt[m.name]
            holds2 = self.expr(m.holds, i + 1)
            after2 = self.expr(m.after, i + 1)
            parts.append(w2 == z3.If(holds2, -1, z3.If(w >= 0, z3.If(w + 1 > m.within, m.within, w + 1), z3.If(after2, 0, -1))))
        return z3.And(*parts)

    def enabled(self, i: int) -> z3.BoolRef:
        """Some transition can fire from s_i (with some choice, into the domain)."""
        cur = self.state(i)
        opts = []
        for t in self.transitions:
            loc = {c.name: self._sort_var(f"{self.tag}en.{t.name}.{c.name}@{i}", c.type) for c in t.choose}
            body = [self._in_type(loc[c.name], c.type) for c in t.choose] + [self.expr(t.guard, i, loc)]
            for name, index, value in t.updates:
                var = self.system.variable(name)
                if var.size is not None and index is None:
                    body += [self._in_type(self.expr(v, i, loc), var.type) for v in value]
                else:
                    body.append(self._in_type(self.expr(value, i, loc), var.type))
            f = z3.And(*body)
            if loc:
                values = [interp.finite_values(c.type) for c in t.choose]
                total = 1
                for vs in values:
                    total = total * len(vs) if vs is not None else 10**9
                if total <= 64:
                    # a small finite choice: expand the existential
                    import itertools

                    cases = []
                    # total <= 64 means every choice is finite (a real one counts 10**9)
                    for combo in itertools.product(*cast(list[list[Any]], values)):
                        subst = [(loc[c.name], _lit(c.type, v)) for c, v in zip(t.choose, combo)]
                        cases.append(z3.substitute(f, *subst))
                    f = z3.Or(*cases)
                else:
                    f = z3.Exists(list(loc.values()), f)
            opts.append(f)
        del cur
        return z3.Or(*opts) if opts else z3.BoolVal(False)

    def distinct(self, i: int, j: int, only_system: bool = False) -> z3.BoolRef:
        a, b = self.state(i), self.state(j)
        diffs = []
        monitors = {m.name for m in self.monitors}
        for k in a:
            if only_system and k in monitors:
                continue
            xs = a[k] if isinstance(a[k], list) else [a[k]]
            ys = b[k] if isinstance(b[k], list) else [b[k]]
            diffs += [x != y for x, y in zip(xs, ys)]
        return z3.Or(*diffs)

    # -- expressions ------------------------------------------------------
    def expr(self, e: Expr, i: int, local: Mapping[str, Any] | None = None) -> Any:
        st = self.state(i)
        local = local or {}

        def enum_index(c: Const) -> int:
            assert c.type is not None
            return c.type.values.index(c.value)

        def go(e: Expr) -> Any:
            if isinstance(e, Const):
                v = e.value
                if isinstance(v, bool):
                    return z3.BoolVal(v)
                if isinstance(v, str):
                    return z3.IntVal(enum_index(e))
                if isinstance(v, Fraction):
                    return z3.Q(v.numerator, v.denominator)
                return z3.IntVal(v)
            if isinstance(e, Ref):
                return local[e.name] if e.local else st[e.name]
            if isinstance(e, Index):
                arr = go(e.array)
                if isinstance(e.index, Const):
                    return arr[e.index.value]
                idx = go(e.index)
                out = arr[-1]
                for k in range(len(arr) - 2, -1, -1):
                    out = z3.If(idx == k, arr[k], out)
                return out
            if isinstance(e, Unary):
                a = go(e.arg)
                return z3.Not(a) if e.op == "not" else -a
            if isinstance(e, BoolOp):
                args = [go(a) for a in e.args]
                return z3.And(*args) if e.op == "and" else z3.Or(*args)
            if isinstance(e, Ite):
                return z3.If(go(e.cond), go(e.then), go(e.other))
            if isinstance(e, Binary):
                a, b = go(e.left), go(e.right)
                op = e.op
                if op == "implies":
                    return z3.Implies(a, b)
                if op == "==":
                    return a == b
                if op == "!=":
                    return a != b
                if op == "<":
                    return a < b
                if op == "<=":
                    return a <= b
                if op == ">":
                    return a > b
                if op == ">=":
                    return a >= b
                if op == "+":
                    return a + b
                if op == "-":
                    return a - b
                if op == "*":
                    return a * b
                if op == "/":
                    return _to_real(a) / _to_real(b)
                if op == "**":
                    assert isinstance(e.right, Const)  # resolve() admits only a constant exponent
                    n = e.right.value
                    out = z3.IntVal(1) if not z3.is_real(a) else z3.RealVal(1)
                    for _ in range(n):
                        out = out * a
                    return out
            if isinstance(e, Call):
                if e.fn == "sum":
                    return z3.Sum(*go(e.args[0]))
                if e.fn == "all":
                    return z3.And(*go(e.args[0]))
                if e.fn == "any":
                    return z3.Or(*go(e.args[0]))
                if e.fn == "count":
                    arr, v = go(e.args[0]), go(e.args[1])
                    return z3.Sum(*[z3.If(x == v, 1, 0) for x in arr])
                if e.fn in ("min", "max"):
                    a, b = go(e.args[0]), go(e.args[1])
                    return z3.If(a <= b, a, b) if e.fn == "min" else z3.If(a >= b, a, b)
                if e.fn == "abs":
                    a = go(e.args[0])
                    return z3.If(a >= 0, a, -a)
            raise SpecError(f"cannot compile {e!r} to Z3")

        return go(e)

    # -- decoding ---------------------------------------------------------
    def _value(self, model: z3.ModelRef, x: Any, t: Type) -> Any:
        v = model.eval(x, model_completion=True)
        if t.kind == "bool":
            return z3.is_true(v)
        if t.kind == "enum":
            return t.values[v.as_long()]
        if t.kind == "int":
            return v.as_long()
        if z3.is_algebraic_value(v):
            raise Unknown(f"an algebraic (irrational) value {v} in the model cannot be replayed exactly")
        f = v.as_fraction()
        return int(f) if f.denominator == 1 else f

    def decode(self, model: z3.ModelRef, depth: int) -> list[dict[str, Any]]:
        """The JSON trace s_0..s_depth (the shape ``qproto.report.render_trace`` prints)."""
        trace = []
        for i in range(depth + 1):
            st = self.state(i)
            values = {}
            for v in self.system.variables:
                if v.size is None:
                    values[v.name] = interp.to_json_value(self._value(model, st[v.name], v.type))
                else:
                    values[v.name] = [interp.to_json_value(self._value(model, x, v.type)) for x in st[v.name]]
            row: dict[str, Any] = {"step": i, "transition": None, "state": values}
            if i > 0:
                j = model.eval(self.selector(i - 1), model_completion=True).as_long()
                if j == len(self.transitions):
                    row["transition"] = interp.STUTTER
                    trace.append(row)
                    continue
                t = self.transitions[j]
                row["transition"] = t.name
                if t.choose:
                    loc = self.choices(i - 1, t)
                    row["choice"] = {c.name: interp.to_json_value(self._value(model, loc[c.name], c.type)) for c in t.choose}
            trace.append(row)
        return trace


def _lit(t: Type, v: Any) -> Any:
    """A Python value of type ``t`` as a Z3 literal (enums as their index)."""
    if t.kind == "bool":
        return z3.BoolVal(v)
    if t.kind == "enum":
        return z3.IntVal(t.values.index(v))
    return z3.IntVal(v)


def _num(v: Any) -> Any:
    if isinstance(v, Fraction):
        return z3.Q(v.numerator, v.denominator)
    return v


def _to_real(x: Any) -> Any:
    if z3.is_int(x):
        return z3.ToReal(x)
    return x
