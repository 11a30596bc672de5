"""The parser of the transition-system language (third part of
:mod:`qproto.spec.transition`; read next: ``transition_typecheck``).

Expressions are strings in Python syntax plus the word ``implies`` (which
Python lacks, so it is split off before :mod:`ast` reads the rest); the
result is an unresolved :mod:`~qproto.spec.transition_syntax` tree.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from fractions import Fraction
from functools import lru_cache
from typing import Any

from .errors import SpecError
from .transition_syntax import Binary, BoolOp, Call, Const, Expr, Index, Ite, Name, Unary
from .transition_types import _exact_number

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
    return _parse_text(text)


@lru_cache(maxsize=8192)
def _parse_text(text: str) -> Expr:
    # a machine's guards and updates are read by the type checker, the compiler and every engine:
    # parsed once per text (the trees are frozen, so sharing them is safe)
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


__all__ = ["parse"]
