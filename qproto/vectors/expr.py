"""The one grammar for numbers and exact expressions read from vector files
and from implementations' answers.

Text from a file is never given to ``eval`` or ``sympify``: a vector file
is untrusted input, and ``sympify`` runs Python.  Instead a small
recursive-descent parser reads this fixed grammar::

    expr   := term (("+" | "-") term)*
    term   := unary (("*" | "/") unary)*
    unary  := ("+" | "-") unary | power
    power  := atom (("^" | "**") unary)?          (right-associative)
    atom   := NUMBER | CONSTANT | FUNCTION "(" expr ")" | "(" expr ")"

    NUMBER    digits with an optional fraction and decimal exponent, and an
              optional "j" suffix (an imaginary literal, as in Python)
    CONSTANT  pi, e, E (Euler's number), i, I, j (the imaginary unit)
    FUNCTION  sqrt, exp, cos, sin

and produces an immutable tree (:class:`Node`).  The tree is turned into a
SymPy expression (:func:`to_sympy`, exact), a Python complex
(:func:`to_complex`, plain floating point, no SymPy) or a ``Fraction``
(:func:`to_fraction`, rationals only).

Every dimension of the work is bounded (the limits are stated in
``docs/vectors.md``): the text length, the nesting depth, the digits of a
literal and its decimal exponent, the exponent of a power (a rational
constant with a small numerator and denominator), an estimate of the size
in bits of every exact value, and an estimate of the number of terms
SymPy's ``expand`` could produce.  Beyond a limit the text is refused with
:class:`ExpressionError` before any arithmetic is done, so ``"9^9^9"`` is
an error, not a hang.
"""

from __future__ import annotations

import cmath
import math
import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

from qproto.spec.errors import QprotoError

#: Longest expression text accepted (characters).
MAX_LENGTH = 1000
#: Deepest nesting of parentheses, signs, powers and function calls.
MAX_DEPTH = 32
#: Tallest expression tree (``1+1+...+1`` with 100 terms is 100 levels).
MAX_HEIGHT = 100
#: Most digits in one numeric literal.
MAX_DIGITS = 200
#: Largest decimal exponent of a literal (``1e400`` is allowed, ``1e401`` not).
MAX_DECIMAL_EXPONENT = 400
#: Largest numerator and denominator of a power's exponent (``x^(64/3)``).
MAX_POWER = 64
#: Largest estimated size, in bits, of an exact value the expression builds.
MAX_BITS = 20_000
#: Largest estimated number of terms a full expansion could produce.
MAX_TERMS = 10_000
#: Largest real and imaginary part of the argument of exp, cos and sin.
MAX_FUNCTION_ARGUMENT = 1000.0

CONSTANTS = ("pi", "e", "E", "i", "I", "j")
FUNCTIONS = ("sqrt", "exp", "cos", "sin")


class ExpressionError(QprotoError, ValueError):
    """A number or expression in a vector file or an answer is not in the
    grammar, or is beyond one of its limits; the message says which."""


@dataclass(frozen=True)
class Node:
    """One node of a parsed expression.

    ``op`` is ``num`` (``value`` a Fraction, ``imag`` for a ``j`` literal),
    ``const`` (``name``), ``call`` (``name`` and one argument), ``neg``,
    or one of ``+ - * / ^`` with two arguments.  ``bits`` and ``terms`` are
    the size estimates checked against :data:`MAX_BITS` and
    :data:`MAX_TERMS`.
    """

    op: str
    args: tuple[Node, ...] = ()
    value: Fraction = Fraction(0)
    name: str = ""
    imag: bool = False
    bits: int = 1
    terms: int = 1
    height: int = 1


_TOKEN = re.compile(
    r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?j?)|(?P<name>[A-Za-z_][A-Za-z_0-9]*)|(?P<op>\*\*|[-+*/^()]))"
)


def _quote(text: str, limit: int = 40) -> str:
    """A short, escaped quotation of hostile text for an error message."""
    shown = text if len(text) <= limit else text[: limit - 3] + "..."
    return ascii(shown)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = self._lex(text)
        self.pos = 0
        self.depth = 0

    def _lex(self, text: str) -> list[tuple[str, str]]:
        out, i = [], 0
        while i < len(text):
            if text[i:].isspace():
                break
            m = _TOKEN.match(text, i)
            if m is None:
                raise ExpressionError(
                    f"expression {_quote(self.text)}: unexpected character {text[i:].lstrip()[:1]!r} at {i}; "
                    f"allowed: numbers, + - * / ^ ( ), {', '.join(CONSTANTS)}, {', '.join(FUNCTIONS)}"
                )
            kind = m.lastgroup or "op"
            out.append((kind, m.group(kind)))
            i = m.end()
        return out

    def fail(self, why: str) -> ExpressionError:
        return ExpressionError(f"expression {_quote(self.text)}: {why}")

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, value: str) -> bool:
        tok = self.peek()
        if tok is not None and tok[0] == "op" and tok[1] == value:
            self.pos += 1
            return True
        return False

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"nested deeper than {MAX_DEPTH} levels")

    def parse(self) -> Node:
        if not self.tokens:
            raise self.fail("empty; expected a number")
        node = self.expr()
        extra = self.peek()
        if extra is not None:
            raise self.fail(f"unexpected {extra[1]!r} after a complete expression")
        return node

    def expr(self) -> Node:
        node = self.term()
        while True:
            if self.take("+"):
                node = _binary("+", node, self.term(), self)
            elif self.take("-"):
                node = _binary("-", node, self.term(), self)
            else:
                return node

    def term(self) -> Node:
        node = self.unary()
        while True:
            if self.take("*"):
                node = _binary("*", node, self.unary(), self)
            elif self.take("/"):
                node = _binary("/", node, self.unary(), self)
            else:
                return node

    def unary(self) -> Node:
        if self.take("-"):
            self.enter()
            arg = self.unary()
            self.depth -= 1
            return Node("neg", (arg,), bits=arg.bits, terms=arg.terms, height=arg.height + 1)
        if self.take("+"):
            self.enter()
            arg = self.unary()
            self.depth -= 1
            return arg
        return self.power()

    def power(self) -> Node:
        base = self.atom()
        if self.take("^") or self.take("**"):
            self.enter()
            exponent = self.unary()
            self.depth -= 1
            return _power(base, exponent, self)
        return base

    def atom(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise self.fail("ends early; expected a number, a constant or '('")
        kind, text = tok
        self.pos += 1
        if kind == "num":
            return _number(text, self)
        if kind == "name":
            if text in CONSTANTS:
                return Node("const", name=text, bits=4)
            if text in FUNCTIONS:
                if not self.take("("):
                    raise self.fail(f"{text} must be followed by '('")
                self.enter()
                arg = self.expr()
                self.depth -= 1
                if not self.take(")"):
                    raise self.fail(f"missing ')' after the argument of {text}")
                _check_argument(text, arg, self)
                return Node("call", (arg,), name=text, bits=arg.bits + 4, terms=1, height=arg.height + 1)
            raise self.fail(f"unknown name {text!r}; allowed: {', '.join(CONSTANTS + FUNCTIONS)}")
        if text == "(":
            self.enter()
            node = self.expr()
            self.depth -= 1
            if not self.take(")"):
                raise self.fail("missing ')'")
            return node
        raise self.fail(f"unexpected {text!r}")


def _check_argument(name: str, arg: Node, p: _Parser) -> None:
    """exp, cos and sin of a huge argument would send SymPy's evaluation
    (mpmath) after a number with an astronomically large exponent:
    ``exp(exp(exp(100)))``.  The argument's size is bounded first."""
    if name == "sqrt":
        return
    try:
        z = _complex(arg)
    except (ZeroDivisionError, OverflowError, ValueError):
        raise p.fail(f"the argument of {name} cannot be evaluated (too large or undefined)") from None
    limit = MAX_FUNCTION_ARGUMENT
    if not (math.isfinite(z.real) and math.isfinite(z.imag)) or abs(z.real) > limit or abs(z.imag) > limit:
        raise p.fail(f"the argument of {name} must lie within ±{limit:g} (real and imaginary parts)")


def _number(text: str, p: _Parser) -> Node:
    imag = text.endswith("j")
    body = text[:-1] if imag else text
    mantissa, _, exp_text = body.lower().partition("e")
    if len(mantissa.replace(".", "")) > MAX_DIGITS:
        raise p.fail(f"a literal has more than {MAX_DIGITS} digits")
    exponent = int(exp_text) if exp_text else 0  # at most MAX_LENGTH digits; checked before it is used
    if abs(exponent) > MAX_DECIMAL_EXPONENT:
        raise p.fail(f"decimal exponent {exponent} is beyond ±{MAX_DECIMAL_EXPONENT}")
    value = Fraction(mantissa) * Fraction(10) ** exponent
    return Node("num", value=value, imag=imag, bits=_bits(value))


def _bits(q: Fraction) -> int:
    return max(1, q.numerator.bit_length() + q.denominator.bit_length())


def _binary(op: str, a: Node, b: Node, p: _Parser) -> Node:
    if op in "+-":
        bits, terms = max(a.bits, b.bits) + 1, a.terms + b.terms
    else:
        bits, terms = a.bits + b.bits, a.terms * b.terms if op == "*" else a.terms
    return _bounded(Node(op, (a, b), bits=bits, terms=terms, height=1 + max(a.height, b.height)), p)


def _power(base: Node, exponent: Node, p: _Parser) -> Node:
    q = _rational(exponent)
    if q is None:
        raise p.fail("the exponent of a power must be a rational constant (e.g. 2, -1/2)")
    if abs(q.numerator) > MAX_POWER or q.denominator > MAX_POWER:
        raise p.fail(f"exponent {q} is beyond the limit (numerator and denominator at most {MAX_POWER})")
    if q < 0 and base.op == "num" and base.value == 0:
        raise p.fail("zero to a negative power")
    n = abs(q.numerator)
    terms = base.terms**n if base.terms > 1 else 1
    if terms > MAX_TERMS:  # checked before the product below could get large
        raise p.fail(f"a power whose expansion could exceed {MAX_TERMS} terms")
    height = 1 + max(base.height, exponent.height)
    return _bounded(Node("^", (base, exponent), bits=base.bits * max(n, 1), terms=terms, height=height), p)


def _bounded(node: Node, p: _Parser) -> Node:
    if node.height > MAX_HEIGHT:  # the evaluators recurse over the tree
        raise p.fail(f"more than {MAX_HEIGHT} operations deep")
    if node.bits > MAX_BITS:
        raise p.fail(f"the value could need more than {MAX_BITS} bits; numbers in vectors are far smaller")
    if node.terms > MAX_TERMS:
        raise p.fail(f"the expansion could exceed {MAX_TERMS} terms")
    return node


def _rational(node: Node) -> Fraction | None:
    """The exact value of a tree made only of real literals and + - * /,
    else None (used for exponents and :func:`to_fraction`)."""
    if node.op == "num":
        return None if node.imag else node.value
    if node.op == "neg":
        v = _rational(node.args[0])
        return None if v is None else -v
    if node.op in ("+", "-", "*", "/"):
        a, b = _rational(node.args[0]), _rational(node.args[1])
        if a is None or b is None:
            return None
        if node.op == "+":
            return a + b
        if node.op == "-":
            return a - b
        if node.op == "*":
            return a * b
        return None if b == 0 else a / b
    if node.op == "^":
        a, e = _rational(node.args[0]), _rational(node.args[1])
        if a is None or e is None or e.denominator != 1 or (a == 0 and e < 0):
            return None
        return a ** int(e)  # |e| <= MAX_POWER and a's size is bounded by MAX_BITS
    return None


@lru_cache(maxsize=8192)
def parse(text: str) -> Node:
    """Parse ``text`` with the grammar above.

    Raises:
        ExpressionError: not a string in the grammar, or beyond a limit.
    """
    if not isinstance(text, str):
        raise ExpressionError(f"expected an expression string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression of {len(text)} characters; the limit is {MAX_LENGTH}")
    return _Parser(text).parse()


# -- evaluation ---------------------------------------------------------------------------
def to_sympy(text: str) -> Any:
    """The exact SymPy value of ``text`` (built node by node, no sympify)."""
    return _sympy(parse(text))


@lru_cache(maxsize=8192)
def _sympy(node: Node) -> Any:
    import sympy as sp

    if node.op == "num":
        v = sp.Rational(node.value.numerator, node.value.denominator)
        return v * sp.I if node.imag else v
    if node.op == "const":
        return {"pi": sp.pi, "e": sp.E, "E": sp.E, "i": sp.I, "I": sp.I, "j": sp.I}[node.name]
    args = [_sympy(a) for a in node.args]
    if node.op == "call":
        return {"sqrt": sp.sqrt, "exp": sp.exp, "cos": sp.cos, "sin": sp.sin}[node.name](args[0])
    if node.op == "neg":
        return -args[0]
    a, b = args
    if node.op == "+":
        return a + b
    if node.op == "-":
        return a - b
    if node.op == "*":
        return a * b
    if node.op == "/":
        if b == 0:
            raise ExpressionError("division by zero")
        return a / b
    return sp.Pow(a, b)


def to_complex(text: str) -> complex:
    """The value of ``text`` in double precision (no SymPy).

    Raises:
        ExpressionError: not in the grammar, beyond a limit, a division by
            zero, or a value that is not finite in double precision.
    """
    node = parse(text)
    try:
        value = _complex(node)
    except (ZeroDivisionError, OverflowError, ValueError) as exc:
        raise ExpressionError(f"expression {_quote(text)} cannot be evaluated: {exc}") from None
    if not (math.isfinite(value.real) and math.isfinite(value.imag)):
        raise ExpressionError(f"expression {_quote(text)} is not a finite number")
    return value


def _complex(node: Node) -> complex:
    if node.op == "num":
        v = float(node.value)  # OverflowError beyond double range: reported
        return complex(0, v) if node.imag else complex(v)
    if node.op == "const":
        return {"pi": complex(math.pi), "e": complex(math.e), "E": complex(math.e)}.get(node.name, 1j)
    args = [_complex(a) for a in node.args]
    if node.op == "call":
        return {"sqrt": cmath.sqrt, "exp": cmath.exp, "cos": cmath.cos, "sin": cmath.sin}[node.name](args[0])
    if node.op == "neg":
        return -args[0]
    a, b = args
    if node.op == "+":
        return a + b
    if node.op == "-":
        return a - b
    if node.op == "*":
        return a * b
    if node.op == "/":
        return a / b
    q = _rational(node.args[1])
    if q is not None and q.denominator == 1:
        return a ** int(q)  # integer powers exactly as written: (-8)^2, not via logs
    return a**b


def to_fraction(text: str) -> Fraction:
    """The exact rational value of ``text`` (``"11/100"``, ``"0.11"``).

    Raises:
        ExpressionError: not in the grammar, beyond a limit, or not a
            rational number (names, functions and imaginary literals are not).
    """
    value = _rational(parse(text))
    if value is None:
        raise ExpressionError(f"expression {_quote(text)} must be an exact rational number (like 11/100)")
    return value


def safe_text(text: Any, where: str = "value") -> str:
    """``text`` re-printed by SymPy from its parsed tree, for spec
    constructors that ``sympify`` strings later: what they get is built
    from the grammar's atoms only.  Non-strings (ints) pass as their text.

    Raises:
        ExpressionError: naming ``where``.
    """
    import sympy as sp

    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise ExpressionError(f"{where}: expected a number or an expression string, got {type(text).__name__}")
    try:
        return sp.sstr(to_sympy(str(text)))
    except ExpressionError as exc:
        raise ExpressionError(f"{where}: {exc}") from None


def safe_tree(value: Any, where: str, max_items: int = 4096) -> Any:
    """:func:`safe_text` over a nested list of entries (a gate matrix, Kraus
    operators, an amplitude vector), returned as nested tuples; finite
    floats pass through as floats.

    Raises:
        ExpressionError: naming ``where`` and the entry's index.
    """
    count = 0

    def walk(v: Any, path: str, depth: int) -> Any:
        nonlocal count
        count += 1
        if count > max_items or depth > 4:
            raise ExpressionError(f"{where}: more than {max_items} entries or nested deeper than 4 levels")
        if isinstance(v, list):
            return tuple(walk(x, f"{path}[{i}]", depth + 1) for i, x in enumerate(v))
        if isinstance(v, float) and math.isfinite(v):
            return v
        return safe_text(v, path)

    return walk(value, where, 0)


__all__ = [
    "MAX_LENGTH",
    "MAX_DEPTH",
    "MAX_HEIGHT",
    "MAX_DIGITS",
    "MAX_DECIMAL_EXPONENT",
    "MAX_POWER",
    "MAX_BITS",
    "MAX_TERMS",
    "MAX_FUNCTION_ARGUMENT",
    "ExpressionError",
    "Node",
    "parse",
    "to_sympy",
    "to_complex",
    "to_fraction",
    "safe_text",
    "safe_tree",
]
