"""The transition-system family: typed variables, an initial condition,
named guarded transitions, invariants and bounded-response properties.

A transition system is a protocol told as the states its parties can be in
and the moves between them.  The same spec is compiled to Z3 by
``qproto.proofs.statemachine`` (bounded model checking, k-induction) and
interpreted in plain Python by ``qproto.models.transition`` (which replays
every Z3 counterexample before it is reported).  Expressions are therefore
*data*, never Python callables: strings in Python syntax, parsed here into a
small AST that both sides read.

How to write a system
---------------------

>>> from qproto.spec.transition import TransitionSystem, Transition, Invariant, boolean, integer, enum, real
>>> from qproto.spec.protocol import Property
>>> LINK = TransitionSystem(
...     name="toy-link",
...     summary="A sender retries a message until it is delivered.",
...     variables=(
...         enum("phase", ("SENDING", "DONE")),
...         integer("tries", 0, 3, text="attempts so far"),
...         boolean("delivered"),
...         real("fidelity", 0, 1, text="a real-valued variable"),
...     ),
...     init={"phase": "SENDING", "tries": 0, "delivered": False, "fidelity": "9/10"},
...     transitions=(
...         Transition(name="lose", guard="phase == SENDING and tries < 2",
...                    update={"tries": "tries + 1", "fidelity": "fidelity * 99/100"}),
...         Transition(name="deliver", guard="phase == SENDING",
...                    update={"phase": "DONE", "delivered": True}),
...     ),
...     invariants=(Invariant(name="done-means-delivered", expr="phase == DONE implies delivered"),),
...     properties=(
...         Property(id="done-means-delivered", statement="...", engine="statemachine",
...                  check="statemachine.invariant", args={"invariant": "done-means-delivered"}),
...         Property(id="delivers", statement="...", engine="statemachine",
...                  check="statemachine.response",
...                  args={"after": "phase == SENDING", "within": 3, "holds": "delivered"}),
...         Property(id="fidelity-floor", statement="...", engine="statemachine",
...                  check="statemachine.invariant", args={"invariant": "fidelity >= 88/100"}),
...         Property(id="non-vacuous", statement="...", engine="statemachine",
...                  check="statemachine.reachable", args={"state": "delivered and tries == 2"}),
...     ),
... )
>>> [t.name for t in LINK.transitions]
['lose', 'deliver']
>>> str(LINK.expr("phase == DONE implies delivered"))
'(phase == DONE) implies delivered'

Variables (one of each kind; ``size=n`` makes any of them a fixed array of
``n`` elements, indexed ``a[0]`` or ``a[i]``):

- ``boolean(name)``; ``integer(name, low, high)`` (a bounded integer);
  ``enum(name, ("A", "B"))``; ``real(name, low=None, high=None)`` (exact
  rationals in Python, Z3 ``Real``; linear arithmetic is decided, products
  of two variables may leave Z3 ``unknown`` → inconclusive).

Expressions (Python syntax, in strings): names of variables, of the spec's
``parameters`` (constants: change them with ``variant``) and of enum values
(bare ``DONE`` or quoted ``'DONE'``); literals ``True``, ``3``, ``9/10``,
``0.9`` (read exactly as 9/10); ``and or not``, ``a implies b``,
``== != < <= > >=`` (chains allowed), ``+ - *``, ``/`` by a constant,
``** n`` for a constant ``n``, ``x if c else y``, ``a[i]``, and over arrays
``sum(a)``, ``count(a, v)``, ``all(a)``, ``any(a)``; ``min(x, y)``,
``max(x, y)``, ``abs(x)``.

Semantics (the same on both sides):

- ``init`` maps variables to values or expressions over parameters; a
  variable it omits starts anywhere in its domain, subject to
  ``initially`` (an extra constraint).
- A transition fires when its ``guard`` holds **and** every updated value
  lies in its variable's domain (a bounded counter at its top disables the
  move instead of wrapping).  Variables not in ``update`` keep their value;
  updates read the *old* state (simultaneous assignment).
- ``choose`` declares local values picked at each firing (a loss position,
  a measured fidelity); the guard and updates may read them.
- A run is any sequence of firings; there is no implicit idling.  A state
  with nothing enabled ends the run, so a protocol that should be live says
  so with a response property or a ``statemachine.deadlock-free`` check.
- ``within k steps after X, Y``: on every run, whenever X holds at step i,
  Y holds at some step j with i ≤ j ≤ i + k.

Where a paper leaves a detail open, a spec records the reading it chose in
``readings`` (topic, choice, reason): the document shows them.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .errors import SpecError
from .protocol import Protocol

# ---------------------------------------------------------------------------
# types and variables


@dataclass(frozen=True)
class Type:
    """The type of a scalar value: ``bool``, ``int`` (bounded by ``low``,
    ``high`` when a variable's), ``real`` (optionally bounded) or ``enum``
    (with its ``values``)."""

    kind: str
    low: Any = None
    high: Any = None
    values: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.kind == "enum":
            return "{" + ", ".join(self.values) + "}"
        if self.kind in ("int", "real") and (self.low is not None or self.high is not None):
            lo = "-inf" if self.low is None else str(self.low)
            hi = "inf" if self.high is None else str(self.high)
            return f"{self.kind} in [{lo}, {hi}]"
        return self.kind

    def contains(self, value: Any) -> bool:
        """Whether a Python value (bool, int, Fraction, enum name) lies in
        this type's domain."""
        if self.kind == "bool":
            return isinstance(value, bool)
        if self.kind == "enum":
            return isinstance(value, str) and value in self.values
        if isinstance(value, bool) or not isinstance(value, (int, Fraction)):
            return False
        if self.kind == "int" and not (isinstance(value, int) or value.denominator == 1):
            return False
        if self.low is not None and value < self.low:
            return False
        if self.high is not None and value > self.high:
            return False
        return True


BOOL = Type("bool")
INT = Type("int")
REAL = Type("real")


@dataclass(frozen=True, kw_only=True)
class Var:
    """A state variable (or a transition's local choice).

    Build one with :func:`boolean`, :func:`integer`, :func:`enum` or
    :func:`real`.  ``size`` makes it a fixed-length array of that type.
    """

    name: str
    type: Type
    size: int | None = None
    text: str = ""

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise SpecError(f"variable name={self.name!r} must be a Python identifier")
        if self.size is not None and (not isinstance(self.size, int) or self.size < 1):
            raise SpecError(f"variable {self.name}: size={self.size!r} must be a positive integer")
        t = self.type
        if t.kind == "int" and (t.low is None or t.high is None or t.low > t.high):
            raise SpecError(f"integer variable {self.name}: needs low <= high, got low={t.low!r}, high={t.high!r}")
        if t.kind == "enum" and (len(t.values) < 1 or len(set(t.values)) != len(t.values)):
            raise SpecError(f"enum variable {self.name}: values={t.values!r} must be distinct and non-empty")

    def describe(self) -> str:
        arr = f"[{self.size}] of " if self.size else ""
        return f"{self.name}: {arr}{self.type}" + (f"  — {self.text}" if self.text else "")


def boolean(name: str, text: str = "", size: int | None = None) -> Var:
    """A boolean variable (or an array of ``size`` booleans)."""
    return Var(name=name, type=BOOL, size=size, text=text)


def integer(name: str, low: int, high: int, text: str = "", size: int | None = None) -> Var:
    """An integer variable in ``[low, high]``."""
    return Var(name=name, type=Type("int", int(low), int(high)), size=size, text=text)


def enum(name: str, values: Sequence[str], text: str = "", size: int | None = None) -> Var:
    """An enumeration: one of ``values`` (upper-case names read best)."""
    values = tuple(values)
    for v in values:
        if not isinstance(v, str) or not v.isidentifier():
            raise SpecError(f"enum variable {name}: value {v!r} must be an identifier")
    return Var(name=name, type=Type("enum", values=values), size=size, text=text)


def real(name: str, low: Any = None, high: Any = None, text: str = "", size: int | None = None) -> Var:
    """A real variable, optionally bounded (bounds are exact: ``"9/10"``)."""
    lo = None if low is None else _exact_number(low, f"real variable {name}: low")
    hi = None if high is None else _exact_number(high, f"real variable {name}: high")
    if lo is not None and hi is not None and lo > hi:
        raise SpecError(f"real variable {name}: needs low <= high, got low={lo}, high={hi}")
    return Var(name=name, type=Type("real", lo, hi), size=size, text=text)


def _exact_number(value: Any, what: str) -> Fraction | int:
    try:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, float):
            f = Fraction(repr(value))
        else:
            f = Fraction(value)
    except (ValueError, TypeError, ZeroDivisionError):
        raise SpecError(f"{what}={value!r} must be an exact number (int, '9/10', Fraction)") from None
    return int(f) if f.denominator == 1 else f


# ---------------------------------------------------------------------------
# expressions: a small AST shared by the Z3 compiler and the Python interpreter


class Expr:
    """Base of expression nodes.  Nodes are immutable and print as the
    expression they stand for."""

    __slots__ = ()


@dataclass(frozen=True)
class Const(Expr):
    """A literal: bool, int, Fraction, or an enum value (``str``)."""

    value: Any
    type: Type | None = None

    def __str__(self) -> str:
        return str(self.value)


@dataclass(frozen=True)
class Name(Expr):
    """An unresolved name (before :meth:`TransitionSystem.expr`)."""

    id: str

    def __str__(self) -> str:
        return self.id


@dataclass(frozen=True)
class Ref(Expr):
    """A resolved state variable, choice or array (``type`` is the
    element type; ``size`` is set for an array used whole)."""

    name: str
    type: Type
    size: int | None = None
    local: bool = False

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Index(Expr):
    array: Expr
    index: Expr

    def __str__(self) -> str:
        return f"{self.array}[{self.index}]"


@dataclass(frozen=True)
class Unary(Expr):
    op: str  # "not" | "-"
    arg: Expr

    def __str__(self) -> str:
        return f"not {_wrap(self.arg)}" if self.op == "not" else f"-{_wrap(self.arg)}"


@dataclass(frozen=True)
class Binary(Expr):
    op: str  # + - * / ** == != < <= > >= implies
    left: Expr
    right: Expr

    def __str__(self) -> str:
        return f"{_wrap(self.left)} {self.op} {_wrap(self.right)}"


@dataclass(frozen=True)
class BoolOp(Expr):
    op: str  # "and" | "or"
    args: tuple[Expr, ...]

    def __str__(self) -> str:
        return f" {self.op} ".join(_wrap(a) for a in self.args)


@dataclass(frozen=True)
class Ite(Expr):
    cond: Expr
    then: Expr
    other: Expr

    def __str__(self) -> str:
        return f"{_wrap(self.then)} if {_wrap(self.cond)} else {_wrap(self.other)}"


@dataclass(frozen=True)
class Call(Expr):
    fn: str  # sum count all any min max abs
    args: tuple[Expr, ...]

    def __str__(self) -> str:
        return f"{self.fn}({', '.join(map(str, self.args))})"


def _wrap(e: Expr) -> str:
    return f"({e})" if isinstance(e, (Binary, BoolOp, Ite)) else str(e)


_CMP = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
_ARITH = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_FUNCS = {"sum": 1, "count": 2, "all": 1, "any": 1, "min": 2, "max": 2, "abs": 1}


def parse(text: Any) -> Expr:
    """An expression string (Python syntax, plus ``implies``) as an AST.

    Non-string values become constants (``3``, ``True``, ``Fraction(9, 10)``).

    >>> str(parse("a and not b implies c[i] >= 2"))
    '(a and not b) implies (c[i] >= 2)'
    """
    if isinstance(text, Expr):
        return text
    if isinstance(text, (bool, int, Fraction)):
        return Const(text)
    if isinstance(text, float):
        return Const(_exact_number(text, "literal"))
    if not isinstance(text, str):
        raise SpecError(f"expression {text!r} must be a string or a number, got {type(text).__name__}")
    groups: dict[str, Expr] = {}
    text = _hide_implies_groups(text, groups)
    parts = _split_implies(text)
    if len(parts) > 1:
        # right-associative: a implies b implies c == a implies (b implies c)
        node = _parse_plain(parts[-1], groups)
        for p in reversed(parts[:-1]):
            node = Binary("implies", _parse_plain(p, groups), node)
        return node
    return _parse_plain(text, groups)


def _parse_plain(text: str, groups: Mapping[str, Expr]) -> Expr:
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise SpecError(f"cannot parse expression {text.strip()!r}: {exc.msg}") from None
    return _from_ast(tree.body, text.strip(), groups)


def _is_word_at(text: str, i: int, word: str) -> bool:
    if not text.startswith(word, i):
        return False
    before = text[i - 1] if i > 0 else " "
    j = i + len(word)
    after = text[j] if j < len(text) else " "
    return not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_")


def _hide_implies_groups(text: str, groups: dict[str, Expr]) -> str:
    """Replace each bracketed group that contains ``implies`` by a
    placeholder name (``implies`` is not Python, so such a group is parsed
    on its own)."""
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "(":
            depth, j = 1, i + 1
            while j < len(text) and depth:
                depth += {"(": 1, ")": -1}.get(text[j], 0)
                j += 1
            inner = text[i + 1 : j - 1]
            if any(_is_word_at(inner, k, "implies") for k in range(len(inner))):
                key = f"__group{len(groups)}__"
                groups[key] = parse(inner)
                out.append(key)
                i = j
                continue
        out.append(c)
        i += 1
    return "".join(out)


def _split_implies(text: str) -> list[str]:
    """Split on the word ``implies`` outside brackets."""
    out, depth, start, i = [], 0, 0, 0
    while i < len(text):
        c = text[i]
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif depth == 0 and _is_word_at(text, i, "implies"):
            out.append(text[start:i])
            i += len("implies")
            start = i
            continue
        i += 1
    out.append(text[start:])
    return out


def _from_ast(node: ast.AST, text: str, groups: Mapping[str, Expr] = {}) -> Expr:
    def bad(what: str) -> SpecError:
        return SpecError(f"expression {text!r}: {what} is not supported (see qproto.spec.transition)")

    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, (bool, int)) or isinstance(v, str):
            return Const(v)
        if isinstance(v, float):
            return Const(_exact_number(v, f"literal in {text!r}"))
        raise bad(f"literal {v!r}")
    if isinstance(node, ast.Name):
        return groups[node.id] if node.id in groups else Name(node.id)
    if isinstance(node, ast.BoolOp):
        op = "and" if isinstance(node.op, ast.And) else "or"
        return BoolOp(op, tuple(_from_ast(v, text, groups) for v in node.values))
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.Not):
            return Unary("not", _from_ast(node.operand, text, groups))
        if isinstance(node.op, ast.USub):
            return Unary("-", _from_ast(node.operand, text, groups))
        if isinstance(node.op, ast.UAdd):
            return _from_ast(node.operand, text, groups)
        raise bad("that unary operator")
    if isinstance(node, ast.BinOp):
        arith = _ARITH.get(type(node.op))
        if arith is None:
            raise bad(f"operator {type(node.op).__name__}")
        return Binary(arith, _from_ast(node.left, text, groups), _from_ast(node.right, text, groups))
    if isinstance(node, ast.Compare):
        left = _from_ast(node.left, text, groups)
        parts = []
        for cmp_op, comp in zip(node.ops, node.comparators):
            sym = _CMP.get(type(cmp_op))
            if sym is None:
                raise bad(f"comparison {type(cmp_op).__name__}")
            right = _from_ast(comp, text, groups)
            parts.append(Binary(sym, left, right))
            left = right
        return parts[0] if len(parts) == 1 else BoolOp("and", tuple(parts))
    if isinstance(node, ast.IfExp):
        return Ite(_from_ast(node.test, text, groups), _from_ast(node.body, text, groups), _from_ast(node.orelse, text, groups))
    if isinstance(node, ast.Subscript):
        return Index(_from_ast(node.value, text, groups), _from_ast(node.slice, text, groups))
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCS or node.keywords:
            raise bad(f"call {ast.unparse(node)!r} (known: {', '.join(_FUNCS)})")
        if len(node.args) != _FUNCS[node.func.id]:
            raise bad(f"{node.func.id}() with {len(node.args)} arguments (expected {_FUNCS[node.func.id]})")
        return Call(node.func.id, tuple(_from_ast(a, text, groups) for a in node.args))
    if isinstance(node, (ast.List, ast.Tuple)):
        return Call("array", tuple(_from_ast(a, text, groups) for a in node.elts))
    raise bad(f"syntax {type(node).__name__}")


# ---------------------------------------------------------------------------
# resolution and type checking


class Scope:
    """What names mean inside a system: variables, parameters (constants),
    enum values and a transition's local choices."""

    def __init__(self, variables: Sequence[Var], constants: Mapping[str, Any], locals_: Sequence[Var] = ()) -> None:
        self.vars = {v.name: v for v in variables}
        self.locals = {v.name: v for v in locals_}
        self.constants = dict(constants)
        self.enum_values: dict[str, Type] = {}
        for v in list(variables) + list(locals_):
            if v.type.kind == "enum":
                for val in v.type.values:
                    self.enum_values.setdefault(val, v.type)

    def with_locals(self, locals_: Sequence[Var]) -> Scope:
        s = Scope(list(self.vars.values()), self.constants, locals_)
        return s


def _numeric(t: Type) -> bool:
    return t.kind in ("int", "real")


def _join_numeric(a: Type, b: Type) -> Type:
    return REAL if "real" in (a.kind, b.kind) else INT


def resolve(expr: Expr, scope: Scope, where: str, expect: Type | None = None) -> tuple[Expr, Type]:
    """The expression with names resolved, and its type; a
    :class:`SpecError` naming ``where`` for unknown names or type errors."""

    def err(msg: str) -> SpecError:
        return SpecError(f"{where}: {msg} in {expr}")

    def go(e: Expr, expect: Type | None = None) -> tuple[Expr, Type]:
        if isinstance(e, Const):
            v = e.value
            if isinstance(v, bool):
                return Const(v, BOOL), BOOL
            if isinstance(v, int):
                return Const(v, INT), INT
            if isinstance(v, Fraction):
                return (Const(int(v), INT), INT) if v.denominator == 1 else (Const(v, REAL), REAL)
            if isinstance(v, str):
                t = expect if expect is not None and expect.kind == "enum" else scope.enum_values.get(v)
                if t is None or v not in t.values:
                    raise err(
                        f"unknown enum value {v!r}"
                        + (f" (expected one of {', '.join(expect.values)})" if expect and expect.kind == "enum" else "")
                    )
                return Const(v, t), t
            raise err(f"unsupported literal {v!r}")
        if isinstance(e, Name):
            n = e.id
            if n in scope.locals:
                var = scope.locals[n]
                return Ref(n, var.type, var.size, local=True), var.type
            if n in scope.vars:
                var = scope.vars[n]
                return Ref(n, var.type, var.size), var.type
            if n in scope.constants:
                return go(
                    parse(scope.constants[n])
                    if not isinstance(scope.constants[n], str)
                    else Const(_exact_number(scope.constants[n], n))
                )
            if n in ("True", "False"):
                return Const(n == "True", BOOL), BOOL
            if n in scope.enum_values or (expect is not None and expect.kind == "enum" and n in expect.values):
                return go(Const(n), expect)
            known = sorted(scope.vars) + sorted(scope.locals) + sorted(scope.constants)
            raise err(f"unknown name {n!r} (variables, choices and parameters: {', '.join(known) or 'none'})")
        if isinstance(e, Index):
            arr, t = go(e.array)
            if not isinstance(arr, Ref) or arr.size is None:
                raise err(f"{e.array} is not an array")
            idx, it = go(e.index)
            if it.kind != "int":
                raise err(f"index {e.index} must be an integer")
            if isinstance(idx, Const):
                if not 0 <= idx.value < arr.size:
                    raise err(f"index {idx.value} out of range for {arr.name}[{arr.size}]")
            elif not (
                isinstance(idx, Ref)
                and idx.size is None
                and idx.type.low is not None
                and 0 <= idx.type.low
                and idx.type.high < arr.size
            ):
                raise err(f"index {e.index} must be a constant or a variable whose domain lies within 0..{arr.size - 1}")
            return Index(arr, idx), t
        if isinstance(e, Unary):
            a, t = go(e.arg)
            if e.op == "not":
                if t.kind != "bool":
                    raise err(f"'not' needs a boolean, got {t}")
                return Unary("not", a), BOOL
            if not _numeric(t):
                raise err(f"'-' needs a number, got {t}")
            return Unary("-", a), _join_numeric(t, t)
        if isinstance(e, BoolOp):
            args = []
            for x in e.args:
                a, t = go(x)
                if t.kind != "bool":
                    raise err(f"'{e.op}' needs booleans, got {x}: {t}")
                args.append(a)
            return BoolOp(e.op, tuple(args)), BOOL
        if isinstance(e, Binary):
            if e.op == "implies":
                a, ta = go(e.left)
                b, tb = go(e.right)
                if ta.kind != "bool" or tb.kind != "bool":
                    raise err("'implies' needs booleans")
                return Binary("implies", a, b), BOOL
            if e.op in ("==", "!="):
                # let an enum side tell a bare/quoted literal on the other side its type
                a, ta = go(e.left, None)
                b, tb = go(e.right, ta if ta.kind == "enum" else None)
                if ta.kind == "enum" and isinstance(a, Const) and tb.kind == "enum":
                    a, ta = go(e.left, tb)
                if ta.kind == "enum" or tb.kind == "enum":
                    if ta.values != tb.values:
                        raise err(f"compares {ta} with {tb}")
                elif ta.kind == "bool" or tb.kind == "bool":
                    if ta.kind != tb.kind:
                        raise err(f"compares {ta.kind} with {tb.kind}")
                elif not (_numeric(ta) and _numeric(tb)):
                    raise err(f"cannot compare {ta} with {tb}")
                return Binary(e.op, a, b), BOOL
            a, ta = go(e.left)
            b, tb = go(e.right)
            if e.op in ("<", "<=", ">", ">="):
                if not (_numeric(ta) and _numeric(tb)):
                    raise err(f"'{e.op}' needs numbers, got {ta} and {tb}")
                return Binary(e.op, a, b), BOOL
            if not (_numeric(ta) and _numeric(tb)):
                raise err(f"'{e.op}' needs numbers, got {ta} and {tb}")
            if e.op == "/":
                if not isinstance(b, Const) or b.value == 0:
                    raise err("'/' needs a non-zero constant divisor (write a * x instead of a / x)")
                return Binary("/", a, b), REAL
            if e.op == "**":
                if not (isinstance(b, Const) and tb.kind == "int" and b.value >= 0):
                    raise err("'**' needs a non-negative integer constant exponent")
                return Binary("**", a, b), _join_numeric(ta, ta)
            return Binary(e.op, a, b), _join_numeric(ta, tb)
        if isinstance(e, Ite):
            c, tc = go(e.cond)
            if tc.kind != "bool":
                raise err("the condition of 'if' must be boolean")
            a, ta = go(e.then, expect)
            b, tb = go(e.other, ta if ta.kind == "enum" else expect)
            if ta.kind == "enum" and isinstance(a, Const) and tb.kind == "enum":
                a, ta = go(e.then, tb)
            if _numeric(ta) and _numeric(tb):
                return Ite(c, a, b), _join_numeric(ta, tb)
            if ta.kind != tb.kind or ta.values != tb.values:
                raise err(f"the branches of 'if' have types {ta} and {tb}")
            return Ite(c, a, b), Type(ta.kind, values=ta.values)
        if isinstance(e, Call):
            if e.fn == "array":
                raise err("an array literal is only allowed as an update of a whole array")
            if e.fn in ("sum", "all", "any", "count"):
                arr, t = go(e.args[0])
                if not isinstance(arr, Ref) or arr.size is None:
                    raise err(f"{e.fn}() needs an array variable")
                if e.fn == "sum":
                    if not _numeric(t):
                        raise err("sum() needs a numeric array")
                    return Call("sum", (arr,)), _join_numeric(t, t)
                if e.fn in ("all", "any"):
                    if t.kind != "bool":
                        raise err(f"{e.fn}() needs a boolean array")
                    return Call(e.fn, (arr,)), BOOL
                val, tv = go(e.args[1], t)
                if tv.kind != t.kind or tv.values != t.values:
                    if not (_numeric(tv) and _numeric(t)):
                        raise err(f"count() compares {t} elements with {tv}")
                return Call("count", (arr, val)), INT
            if e.fn in ("min", "max"):
                a, ta = go(e.args[0])
                b, tb = go(e.args[1])
                if not (_numeric(ta) and _numeric(tb)):
                    raise err(f"{e.fn}() needs numbers")
                return Call(e.fn, (a, b)), _join_numeric(ta, tb)
            if e.fn == "abs":
                a, ta = go(e.args[0])
                if not _numeric(ta):
                    raise err("abs() needs a number")
                return Call("abs", (a,)), _join_numeric(ta, ta)
        if isinstance(e, Ref):
            return e, e.type
        raise err(f"unexpected node {type(e).__name__}")

    out, t = go(expr, expect)
    if isinstance(out, Ref) and out.size is not None:
        raise SpecError(f"{where}: array {out.name} used where a single value is needed")
    return out, t


def names_in(expr: Expr) -> Iterator[str]:
    """Every variable name an expression reads."""
    if isinstance(expr, Ref):
        yield expr.name
    for f in ("arg", "left", "right", "cond", "then", "other", "array", "index"):
        sub = getattr(expr, f, None)
        if isinstance(sub, Expr):
            yield from names_in(sub)
    for sub in getattr(expr, "args", ()) or ():
        if isinstance(sub, Expr):
            yield from names_in(sub)


# ---------------------------------------------------------------------------
# the spec objects


@dataclass(frozen=True, kw_only=True)
class Transition:
    """A named guarded move: when ``guard`` holds, assign ``update``
    simultaneously (keys are variables, ``a[i]`` elements or whole arrays;
    values are expressions).  ``party`` says who moves; ``choose`` declares
    values picked at each firing."""

    name: str
    guard: Any = "True"
    update: Mapping[str, Any] = field(default_factory=dict)
    choose: tuple[Var, ...] = ()
    party: str = ""
    text: str = ""

    def __hash__(self) -> int:
        return hash(self.name)


@dataclass(frozen=True, kw_only=True)
class Invariant:
    """A named claim that must hold in every reachable state.  Properties
    refer to it by name; ``text`` says why it matters."""

    name: str
    expr: Any
    text: str = ""


@dataclass(frozen=True, kw_only=True)
class Reading:
    """An engineering choice where the source paper leaves a detail open:
    what was chosen and why a network engineer would choose it."""

    topic: str
    choice: str
    reason: str


@dataclass(frozen=True)
class CheckedTransition:
    """A transition with its guard and updates resolved against the
    system (the form both the Z3 compiler and the interpreter read)."""

    name: str
    guard: Expr
    #: (variable, index or None, value); index None on an array means a
    #: whole-array assignment whose value is a tuple of expressions.
    updates: tuple[tuple[str, Expr | None, Any], ...]
    choose: tuple[Var, ...]
    source: Transition


@dataclass(frozen=True, kw_only=True)
class TransitionSystem(Protocol):
    """A protocol as a transition system.

    Args:
        variables: the state variables (see :func:`boolean`, :func:`integer`,
            :func:`enum`, :func:`real`).
        init: initial values (constants or expressions over parameters);
            arrays take a list or one value for every element.
        initially: an extra initial constraint.  Defaults to ``"True"``.
        transitions: the moves, each named.
        invariants: named claims, referred to by properties.
        readings: engineering choices made where the source is silent.
    """

    family: str = "transition"
    variables: tuple[Var, ...] = ()
    init: Mapping[str, Any] = field(default_factory=dict)
    initially: Any = "True"
    transitions: tuple[Transition, ...] = ()
    invariants: tuple[Invariant, ...] = ()
    readings: tuple[Reading, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        names = [v.name for v in self.variables]
        if len(set(names)) != len(names):
            raise SpecError(f"{self.name}: a variable name appears twice in {names}")
        tnames = [t.name for t in self.transitions]
        if len(set(tnames)) != len(tnames):
            raise SpecError(f"{self.name}: a transition name appears twice in {tnames}")
        inames = [i.name for i in self.invariants]
        if len(set(inames)) != len(inames):
            raise SpecError(f"{self.name}: an invariant name appears twice in {inames}")
        clash = set(names) & {p.name for p in self.parameters}
        if clash:
            raise SpecError(f"{self.name}: {sorted(clash)} are both variables and parameters")
        # resolve everything now so a bad spec fails when it is written
        self.checked_transitions  # noqa: B018
        self.checked_init  # noqa: B018
        for inv in self.invariants:
            self.expr(inv.expr, where=f"{self.name} invariant {inv.name!r}")

    def __hash__(self) -> int:
        return hash((self.name, self.version))

    # -- resolution -------------------------------------------------------
    def constants(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.parameters}

    def scope(self, locals_: Sequence[Var] = ()) -> Scope:
        return Scope(self.variables, self.constants(), locals_)

    def variable(self, name: str) -> Var:
        for v in self.variables:
            if v.name == name:
                return v
        raise SpecError(f"{self.name}: unknown variable {name!r}; variables are {[v.name for v in self.variables]}")

    def transition(self, name: str) -> Transition:
        for t in self.transitions:
            if t.name == name:
                return t
        raise SpecError(f"{self.name}: unknown transition {name!r}; transitions are {[t.name for t in self.transitions]}")

    def invariant(self, name: str) -> Invariant:
        for i in self.invariants:
            if i.name == name:
                return i
        raise SpecError(f"{self.name}: unknown invariant {name!r}; invariants are {[i.name for i in self.invariants]}")

    def expr(self, text: Any, where: str | None = None, locals_: Sequence[Var] = (), want: str | None = "bool") -> Expr:
        """``text`` resolved in this system's scope.  A name of one of the
        spec's invariants stands for its expression.  ``want`` is the kind
        the value must have (``bool`` by default, None for any)."""
        where = where or f"{self.name}: expression"
        if isinstance(text, str) and text in {i.name for i in self.invariants} and text not in {v.name for v in self.variables}:
            text = self.invariant(text).expr
        node, t = resolve(parse(text), self.scope(locals_), where)
        if want is not None and t.kind != want and not (want == "real" and t.kind == "int"):
            raise SpecError(f"{where}: {text!r} has type {t}, expected {want}")
        return node

    @functools.cached_property
    def checked_transitions(self) -> tuple[CheckedTransition, ...]:
        out = []
        for t in self.transitions:
            where = f"{self.name} transition {t.name!r}"
            for c in t.choose:
                if c.size is not None:
                    raise SpecError(f"{where}: choice {c.name} must be a scalar")
                if c.name in {v.name for v in self.variables}:
                    raise SpecError(f"{where}: choice {c.name} shadows a state variable")
            guard = self.expr(t.guard, where=f"{where} guard", locals_=t.choose)
            ups: list[tuple[str, Expr | None, Any]] = []
            seen: set[str] = set()
            for target, value in t.update.items():
                var, index = self._target(target, where, t.choose)
                key = f"{var.name}[{index}]" if index is not None else var.name
                if var.name in seen or key in seen:
                    raise SpecError(f"{where}: {target!r} is assigned twice")
                seen.add(key)
                if var.size is not None and index is None:
                    vals = value if isinstance(value, (list, tuple)) else [value] * var.size
                    if isinstance(value, str) and value.strip().startswith("["):
                        node = parse(value)
                        vals = list(node.args) if isinstance(node, Call) and node.fn == "array" else vals
                    if len(vals) != var.size:
                        raise SpecError(f"{where}: {var.name} has {var.size} elements, update gives {len(vals)}")
                    ups.append((var.name, None, tuple(self._value(v, var, f"{where} update {target!r}", t.choose) for v in vals)))
                else:
                    ups.append((var.name, index, self._value(value, var, f"{where} update {target!r}", t.choose)))
            out.append(CheckedTransition(t.name, guard, tuple(ups), tuple(t.choose), t))
        return tuple(out)

    def _target(self, target: str, where: str, locals_: Sequence[Var]) -> tuple[Var, Expr | None]:
        node = parse(target)
        if isinstance(node, Name):
            return self.variable(node.id), None
        if isinstance(node, Index) and isinstance(node.array, Name):
            var = self.variable(node.array.id)
            if var.size is None:
                raise SpecError(f"{where}: {target!r} indexes {var.name}, which is not an array")
            resolved, _ = resolve(node, self.scope(locals_), f"{where} update target {target!r}")
            assert isinstance(resolved, Index)
            return var, resolved.index
        raise SpecError(f"{where}: update target {target!r} must be a variable or an element a[i]")

    def _value(self, value: Any, var: Var, where: str, locals_: Sequence[Var]) -> Expr:
        node = parse(value)
        if var.type.kind == "enum" and isinstance(node, Name) and node.id in var.type.values:
            node = Const(node.id)
        resolved, t = resolve(node, self.scope(locals_), where, expect=var.type if var.type.kind == "enum" else None)
        if var.type.kind == "enum":
            if isinstance(resolved, Const) and isinstance(resolved.value, str) and resolved.value not in var.type.values:
                raise SpecError(f"{where}: {resolved.value!r} is not a value of {var.name} ({var.type})")
            if t.kind != "enum" or t.values != var.type.values:
                raise SpecError(f"{where}: assigns {t} to {var.name} of type {var.type}")
            return Const(resolved.value, var.type) if isinstance(resolved, Const) else resolved
        if var.type.kind == "bool" and t.kind != "bool":
            raise SpecError(f"{where}: assigns {t} to boolean {var.name}")
        if var.type.kind == "int" and t.kind != "int":
            raise SpecError(f"{where}: assigns {t} to integer {var.name}")
        if var.type.kind == "real" and not _numeric(t):
            raise SpecError(f"{where}: assigns {t} to real {var.name}")
        return resolved

    @functools.cached_property
    def checked_init(self) -> tuple[tuple[tuple[str, Any], ...], Expr]:
        """((variable, value-expr or tuple of them), ...) and the extra
        initial constraint."""
        out: list[tuple[str, Any]] = []
        for name, value in self.init.items():
            var = self.variable(name)
            where = f"{self.name} init {name!r}"
            if var.size is not None:
                vals = value if isinstance(value, (list, tuple)) else [value] * var.size
                if len(vals) != var.size:
                    raise SpecError(f"{where}: {name} has {var.size} elements, init gives {len(vals)}")
                out.append((name, tuple(self._value(v, var, where, ()) for v in vals)))
            else:
                out.append((name, self._value(value, var, where, ())))
        for name, value in out:
            self._check_initial_domain(self.variable(name), value)
        extra = self.expr(self.initially, where=f"{self.name} initially")
        return tuple(out), extra

    def _check_initial_domain(self, var: Var, value: Any) -> None:
        """An initial value that is a constant (after parameters are
        substituted) must lie in its variable's domain: ``x = 5`` for
        ``integer("x", 0, 3)`` would otherwise make the initial state set
        empty and every property vacuously true."""
        values = value if isinstance(value, tuple) else (value,)
        for k, v in enumerate(values):
            c = _fold_constant(v)
            if c is _NOT_CONSTANT or var.type.contains(c):
                continue
            at = f"[{k}]" if isinstance(value, tuple) else ""
            raise SpecError(
                f"{self.name} init {var.name}{at}={_show(c)}: outside the domain {var.type}; give an initial value in {var.type}"
            )

    def describe(self) -> list[str]:
        """The system as lines of text: a document a reviewer can read."""
        lines = ["variables:"]
        lines += [f"  {v.describe()}" for v in self.variables]
        lines.append(
            "initially: "
            + ", ".join(f"{k} = {_show(v)}" for k, v in self.init.items())
            + ("" if self.initially == "True" else f"; {self.initially}")
        )
        lines.append("transitions:")
        for t in self.transitions:
            ch = f" choosing {', '.join(c.describe() for c in t.choose)}" if t.choose else ""
            who = f"{t.party}: " if t.party else ""
            ups = ", ".join(f"{k} := {_show(v)}" for k, v in t.update.items()) or "(no change)"
            lines.append(f"  {who}{t.name}{ch}: when {t.guard} do {ups}" + (f"  — {t.text}" if t.text else ""))
        if self.invariants:
            lines.append("invariants:")
            lines += [f"  {i.name}: {i.expr}" + (f"  — {i.text}" if i.text else "") for i in self.invariants]
        return lines


_NOT_CONSTANT = object()


def _fold_constant(e: Expr) -> Any:
    """The value of a resolved expression that reads no variable (its
    parameters are already constants), or ``_NOT_CONSTANT``.  Exact, like
    the interpreter; used only to check initial values when a spec is built
    (the spec layer does not import the models layer)."""
    if isinstance(e, Const):
        return e.value
    if isinstance(e, Unary):
        a = _fold_constant(e.arg)
        if a is _NOT_CONSTANT:
            return a
        return (not a) if e.op == "not" else -a
    if isinstance(e, Binary) and e.op in ("+", "-", "*", "/"):
        a, b = _fold_constant(e.left), _fold_constant(e.right)
        if a is _NOT_CONSTANT or b is _NOT_CONSTANT or isinstance(a, (bool, str)) or isinstance(b, (bool, str)):
            return _NOT_CONSTANT
        if e.op == "/":
            if b == 0:
                return _NOT_CONSTANT
            r = Fraction(a) / Fraction(b)
        else:
            r = {"+": a + b, "-": a - b, "*": a * b}[e.op]
        return int(r) if isinstance(r, Fraction) and r.denominator == 1 else r
    return _NOT_CONSTANT


def _show(v: Any) -> str:
    return str(v) if not isinstance(v, (list, tuple)) else "[" + ", ".join(map(str, v)) + "]"


__all__ = [
    "Type",
    "Var",
    "boolean",
    "integer",
    "enum",
    "real",
    "Expr",
    "Const",
    "Name",
    "Ref",
    "Index",
    "Unary",
    "Binary",
    "BoolOp",
    "Ite",
    "Call",
    "parse",
    "resolve",
    "names_in",
    "Scope",
    "Transition",
    "Invariant",
    "Reading",
    "CheckedTransition",
    "TransitionSystem",
]
