"""Name resolution and type checking (fourth part of
:mod:`qproto.spec.transition`; read next: the system in ``transition``).

:func:`resolve` turns a parsed tree into one whose names are resolved
(variables to :class:`~qproto.spec.transition_syntax.Ref`, parameters and
enum values to constants) and returns its type, or raises a one-line
:class:`~qproto.spec.errors.SpecError` naming where the expression came from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from .errors import SpecError
from .transition_parser import parse
from .transition_syntax import Binary, BoolOp, Call, Const, Expr, Index, Ite, Name, Ref, Unary, _show
from .transition_types import BOOL, INT, REAL, Type, Var, _exact_number


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


def check_value(value: Any, var: Var, scope: Scope, where: str) -> Expr:
    """``value`` (an expression or a constant) resolved as a value of
    ``var``: a bare enum name is read as one of its values, and the type
    must fit (an int may be assigned to a real, not the other way)."""
    node = parse(value)
    if var.type.kind == "enum" and isinstance(node, Name) and node.id in var.type.values:
        node = Const(node.id)
    resolved, t = resolve(node, scope, where, expect=var.type if var.type.kind == "enum" else None)
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


def check_initial_value(system: str, var: Var, value: Any) -> None:
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
            f"{system} init {var.name}{at}={_show(c)}: outside the domain {var.type}; give an initial value in {var.type}"
        )


__all__ = ["Scope", "resolve", "check_value", "check_initial_value"]
