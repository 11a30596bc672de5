"""The expression AST of the transition-system language (second part of
:mod:`qproto.spec.transition`; read next: ``transition_parser``).

Expressions are data, never Python callables: the Z3 compiler
(``qproto.proofs.statemachine``), the explicit engine and the interpreter
(``qproto.models.transition``) all read these immutable nodes, which print
as the expression they stand for.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .transition_types import Type


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


def _show(v: Any) -> str:
    return str(v) if not isinstance(v, (list, tuple)) else "[" + ", ".join(map(str, v)) + "]"


__all__ = ["Expr", "Const", "Name", "Ref", "Index", "Unary", "Binary", "BoolOp", "Ite", "Call", "names_in"]
