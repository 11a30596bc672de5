"""Types and variables of the transition-system language: the first part
of :mod:`qproto.spec.transition` (read next: ``transition_syntax``).

A variable has a scalar :class:`Type` (bool, bounded int, enum, optionally
bounded real) and may be a fixed-size array; the builders
:func:`boolean`, :func:`integer`, :func:`enum` and :func:`real` check it when
the spec is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .errors import SpecError


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


__all__ = ["Type", "Var", "BOOL", "INT", "REAL", "boolean", "integer", "enum", "real"]
