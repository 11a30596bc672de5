"""Checks of user-supplied values: the value back (normalised), or one line of
:class:`~qproto.spec.errors.ParameterError` naming the field, the value that
arrived and what was expected.

Every check in qproto words its refusal the same way, so that a user (and a
test) sees one shape whatever the layer:

- a range:        ``fraction=1.5 must lie in [0, 1]``
- a half-line:    ``rounds=0 must be > 0``
- a wrong type:   ``noise=True must be a number in [0, 1], not bool``
- a set of names: ``estimation='median' must be one of pooled, per-basis``
  (with ``; did you mean 'pooled'?`` on a near miss)

The ``name=value`` form (rather than ``name must lie in …; got value``) is
the one the CLI, the vector files and the API have printed since release
1; scripts and tests match on it.

What counts as a number: ``int``, ``float``, :class:`~fractions.Fraction`,
:class:`~decimal.Decimal`, NumPy integer and floating scalars, and SymPy
numbers (``Rational``, ``Float``, or an exact real constant such as
``sqrt(2)/2``).  Refused everywhere: ``bool`` (``True`` is never a
probability a user meant), NaN, ±∞, complex numbers, strings and ``None``.
Comparisons are exact — ``Fraction(3, 2)`` is outside [0, 1] however it
arrives — and exact values stay exact (a Fraction comes back a Fraction).

Text from a command line or a vector file goes through :func:`parse_fraction`
first; the checks never parse strings, so ``"0.5"`` passed where a number is
meant is a type error, not a silent conversion.
"""

from __future__ import annotations

import difflib
import math
import numbers
import re
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .errors import ParameterError

#: The longest number text :func:`parse_fraction` reads, and the largest
#: decimal exponent: ``1e-99999999`` would make an exact rational with a
#: hundred-million-digit denominator (issue 11, item 14).
MAX_NUMBER_TEXT = 100
MAX_EXPONENT = 400
#: Longest value text a message shows.
MAX_SHOWN = 60


# -- showing values and intervals ------------------------------------------------


def show(value: Any) -> str:
    """``value`` as it appears after ``name=`` in a message: numbers in their
    plain form (``3/2``, ``1.5``, ``sqrt(2)/2``), text quoted, all cut to
    :data:`MAX_SHOWN` characters.

    >>> show(Fraction(3, 2)), show(1.5), show("x"), show(None)
    ('3/2', '1.5', "'x'", 'None')
    """
    plain = isinstance(value, (bool, numbers.Number)) or _is_sympy(value) or getattr(value, "shape", None) == ()
    try:
        text = str(value) if plain and not isinstance(value, str) else repr(value)
    except ValueError:  # an int beyond Python's digit limit for str()
        text = f"<an integer of {value.bit_length()} bits>" if isinstance(value, int) else f"<a {type(value).__name__}>"
    # a hostile file may hold a megabyte string or a 400-digit number: one short line
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


def _show_bound(bound: Any) -> str:
    if isinstance(bound, float):
        return f"{bound:g}"
    return str(bound)


def interval(low: Any, high: Any, *, open_low: bool = False, open_high: bool = False) -> str:
    """The interval as the messages print it.

    >>> interval(0, Fraction(1, 2), open_high=True), interval(0, 1e-9)
    ('[0, 1/2)', '[0, 1e-09]')
    """
    return f"{'(' if open_low else '['}{_show_bound(low)}, {_show_bound(high)}{')' if open_high else ']'}"


def _tail(unit: str, why: str) -> str:
    return (f" {unit}" if unit else "") + (f"; {why}" if why else "")


# -- numbers -------------------------------------------------------------------


def _is_sympy(value: Any) -> bool:
    return type(value).__module__.startswith("sympy")


def _as_number(name: str, value: Any, expected: str, symbolic: bool, error: type[Exception]) -> Any:
    """``value`` as int, Fraction, float or (irrational / symbolic) a SymPy
    expression; anything that is not a finite real number is refused with
    ``error``.  ``expected`` completes "must be …" in the message."""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        raise error(f"{name}={show(value)} must be {expected}, not bool")
    if isinstance(value, numbers.Integral) and not _is_sympy(value):
        return int(value)
    if isinstance(value, Fraction):
        return value
    if isinstance(value, (float, Decimal)) or (isinstance(value, numbers.Real) and not _is_sympy(value)):
        if not math.isfinite(value):
            raise error(f"{name}={show(value)} must be {expected}, not {'NaN' if value != value else 'infinite'}")
        return Fraction(value) if isinstance(value, Decimal) else float(value)
    if _is_sympy(value):
        import sympy as sp

        if not isinstance(value, sp.Expr):
            raise error(f"{name}={show(value)} must be {expected}, not a SymPy {type(value).__name__}")
        if value.free_symbols:
            if symbolic:
                return value
            raise error(f"{name}={show(value)} must be {expected}, not a symbolic expression")
        if value.is_Integer:
            return int(value)
        if value.is_Rational:
            return Fraction(int(value.p), int(value.q))
        if value.is_Float:
            as_float = float(value)
            if not math.isfinite(as_float):
                raise error(f"{name}={show(value)} must be {expected}, not {'NaN' if as_float != as_float else 'infinite'}")
            return value  # a SymPy Float keeps its precision for the exact models
        if value.is_real and value.is_finite:
            return value
        if value.has(sp.nan):
            defect = "NaN"
        elif value.is_finite is False or value.has(sp.zoo):
            defect = "infinite"
        else:
            defect = "complex" if value.is_real is False else "a real number SymPy can decide"
        raise error(f"{name}={show(value)} must be {expected}, not {defect}")
    what = "complex" if isinstance(value, numbers.Complex) else type(value).__name__
    raise error(f"{name}={show(value)} must be {expected}, not {what}")


def _below(a: Any, b: Any, strict: bool) -> bool:
    """a < b (``strict``) or a ≤ b, exactly, for the numbers :func:`_as_number` returns."""
    if _is_sympy(a) or _is_sympy(b):
        import sympy as sp

        rel = sp.Lt(a, b) if strict else sp.Le(a, b)
        return bool(rel == sp.true)
    return a < b if strict else a <= b


def check_fraction(
    name: str,
    value: Any,
    low: Any = 0,
    high: Any = 1,
    *,
    open_low: bool = False,
    open_high: bool = False,
    unit: str = "",
    why: str = "",
    symbolic: bool = False,
    shown: str | None = None,
    error: type[Exception] = ParameterError,
) -> Any:
    """``value`` checked to lie in [low, high] (or the half-open / open
    interval the flags say), compared exactly and returned exactly: an int,
    a Fraction, a float, or a SymPy number that is not rational (``sqrt(2)/2``,
    a SymPy ``Float``).  ``symbolic=True`` lets an expression with free
    symbols through unchecked (a model analysed for all values).  ``unit`` is
    printed after the interval, ``why`` after a semicolon; ``shown`` replaces
    the value in the message (the text the user typed, when ``value`` was
    parsed from it).

    >>> check_fraction("disturbance", Fraction(1, 4), 0, Fraction(1, 2))
    Fraction(1, 4)
    >>> check_fraction("disturbance", Fraction(3, 4), 0, Fraction(1, 2))
    Traceback (most recent call last):
    ...
    qproto.spec.errors.ParameterError: disturbance=3/4 must lie in [0, 1/2]
    >>> check_fraction("threshold", 0.5, 0, 0.5, open_high=True, why="an error rate of 1/2 is pure noise")
    Traceback (most recent call last):
    ...
    qproto.spec.errors.ParameterError: threshold=0.5 must lie in [0, 0.5); an error rate of 1/2 is pure noise
    """
    span = interval(low, high, open_low=open_low, open_high=open_high)
    x = _as_number(name, value, f"a number in {span}", symbolic, error)
    if symbolic and _is_sympy(x) and x.free_symbols:
        return x
    if not (_below(low, x, open_low) and _below(x, high, open_high)):
        raise error(f"{name}={show(value) if shown is None else shown} must lie in {span}{_tail(unit, why)}")
    return x


def check_real(
    name: str,
    value: Any,
    low: Any,
    high: Any,
    *,
    open_low: bool = False,
    open_high: bool = False,
    unit: str = "",
    why: str = "",
    error: type[Exception] = ParameterError,
) -> float:
    """:func:`check_fraction`, returned as a float (for numeric models).

    >>> check_real("mu", Fraction(1, 2), 0, 10, open_low=True)
    0.5
    >>> check_real("mu", True, 0, 10)
    Traceback (most recent call last):
    ...
    qproto.spec.errors.ParameterError: mu=True must be a number in [0, 10], not bool
    """
    return float(check_fraction(name, value, low, high, open_low=open_low, open_high=open_high, unit=unit, why=why, error=error))


def check_probability(
    name: str,
    value: Any,
    *,
    open_low: bool = False,
    open_high: bool = False,
    why: str = "",
    symbolic: bool = False,
    shown: str | None = None,
    error: type[Exception] = ParameterError,
) -> Any:
    """``value`` checked to lie in [0, 1] (ends open as the flags say),
    returned exactly as :func:`check_fraction` does.

    >>> check_probability("fraction", Fraction(3, 2))
    Traceback (most recent call last):
    ...
    qproto.spec.errors.ParameterError: fraction=3/2 must lie in [0, 1]
    >>> check_probability("transmittance", 0.0, open_low=True)
    Traceback (most recent call last):
    ...
    qproto.spec.errors.ParameterError: transmittance=0.0 must lie in (0, 1]
    """
    return check_fraction(
        name, value, 0, 1, open_low=open_low, open_high=open_high, why=why, symbolic=symbolic, shown=shown, error=error
    )


def check_at_least(
    name: str,
    value: Any,
    low: Any = 0,
    *,
    strict: bool = False,
    unit: str = "",
    why: str = "",
    error: type[Exception] = ParameterError,
) -> Any:
    """A finite number > low (``strict``) or ≥ low, returned as
    :func:`check_fraction` does; ∞ is refused (no parameter of qproto is
    meaningfully infinite).

    >>> check_at_least("timeout", 0.0, strict=True)
    Traceback (most recent call last):
    ...
    qproto.spec.errors.ParameterError: timeout=0.0 must be > 0
    """
    op = ">" if strict else "≥"
    x = _as_number(name, value, f"a number {op} {_show_bound(low)}", False, error)
    if not _below(low, x, strict):
        raise error(f"{name}={show(value)} must be {op} {_show_bound(low)}{_tail(unit, why)}")
    return x


# -- integers ------------------------------------------------------------------


def _as_int(name: str, value: Any, expected: str, error: type[Exception]) -> int:
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        raise error(f"{name}={show(value)} must be {expected}, not bool")
    if isinstance(value, numbers.Integral):
        return int(value)
    if _is_sympy(value) and getattr(value, "is_Integer", False):
        return int(value)
    raise error(f"{name}={show(value)} must be {expected}")


def check_int(
    name: str,
    value: Any,
    low: int | None = None,
    high: int | None = None,
    *,
    why: str = "",
    error: type[Exception] = ParameterError,
) -> int:
    """``value`` as an int in [low, high] (either end may be absent).  A
    float, even ``3.0``, is refused: a count given as a float is a bug
    upstream.

    >>> check_int("levels", 7, 1, 6)
    Traceback (most recent call last):
    ...
    qproto.spec.errors.ParameterError: levels=7 must lie in [1, 6]
    >>> check_int("levels", 3.0, 1, 6)
    Traceback (most recent call last):
    ...
    qproto.spec.errors.ParameterError: levels=3.0 must be an integer in [1, 6]
    """
    if low is not None and high is not None:
        span = f"in {interval(low, high)}"
        expected = f"an integer {span}"
    elif low is not None:
        span = f"≥ {low}"
        expected = f"an integer {span}"
    elif high is not None:
        span = f"≤ {high}"
        expected = f"an integer {span}"
    else:
        span, expected = "", "an integer"
    n = _as_int(name, value, expected, error)
    if (low is not None and n < low) or (high is not None and n > high):
        verb = "must lie" if low is not None and high is not None else "must be"
        raise error(f"{name}={n} {verb} {span}{_tail('', why)}")
    return n


def check_positive_int(name: str, value: Any, *, why: str = "", error: type[Exception] = ParameterError) -> int:
    """An int > 0 (a count of rounds, a size).

    >>> check_positive_int("rounds", 0)
    Traceback (most recent call last):
    ...
    qproto.spec.errors.ParameterError: rounds=0 must be > 0
    """
    n = _as_int(name, value, "an integer > 0", error)
    if n <= 0:
        raise error(f"{name}={n} must be > 0{_tail('', why)}")
    return n


def check_nonnegative_int(name: str, value: Any, *, why: str = "", error: type[Exception] = ParameterError) -> int:
    """An int ≥ 0 (a seed, an index).

    >>> check_nonnegative_int("seed", -1)
    Traceback (most recent call last):
    ...
    qproto.spec.errors.ParameterError: seed=-1 must be ≥ 0
    """
    n = _as_int(name, value, "an integer ≥ 0", error)
    if n < 0:
        raise error(f"{name}={n} must be ≥ 0{_tail('', why)}")
    return n


def check_count(name: str, value: Any, low: int = 1) -> int:
    """``value`` as an int ≥ ``low`` (kept for models.decoy / models.finite_key).

    >>> check_count("n", 0)
    Traceback (most recent call last):
    ...
    qproto.spec.errors.ParameterError: n=0 must be an integer ≥ 1
    """
    n = _as_int(name, value, f"an integer ≥ {low}", ParameterError)
    if n < low:
        raise ParameterError(f"{name}={n} must be an integer ≥ {low}")
    return n


# -- names ---------------------------------------------------------------------


def did_you_mean(word: Any, choices: Iterable[str]) -> str:
    """``"; did you mean 'bb84'?"`` when one of ``choices`` is close to
    ``word``, else ``""``.

    >>> did_you_mean("pooledd", ["pooled", "per-basis"]), did_you_mean("zzz", ["pooled"])
    ("; did you mean 'pooled'?", '')
    """
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def check_choice(name: str, value: Any, choices: Iterable[Any], *, error: type[Exception] = ParameterError) -> Any:
    """``value`` if it is one of ``choices``; otherwise the choices, and the
    closest one on a near miss.

    >>> check_choice("estimation", "pooled", ("pooled", "per-basis"))
    'pooled'
    >>> check_choice("estimation", "per_basis", ("pooled", "per-basis"))
    Traceback (most recent call last):
    ...
    qproto.spec.errors.ParameterError: estimation='per_basis' must be one of pooled, per-basis; did you mean 'per-basis'?
    """
    options = tuple(choices)
    try:
        if not isinstance(value, bool) and value in options:  # True == 1 must not select a choice 1
            return value
    except TypeError:  # a value that cannot be compared with the choices is not one of them
        pass
    listed = ", ".join(str(c) for c in options)
    raise error(f"{name}={show(value)} must be one of {listed}{did_you_mean(value, [str(c) for c in options])}")


# -- text ----------------------------------------------------------------------

_NUMBER_TEXT = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?(\s*/\s*[+-]?\d+)?\s*")


def check_number_text(name: str, text: str, *, error: type[Exception] = ParameterError) -> str:
    """Refuse number text that would make exact arithmetic unbounded: longer
    than :data:`MAX_NUMBER_TEXT` or with an exponent beyond ±:data:`MAX_EXPONENT`.

    >>> check_number_text("p", "1e-99999999")
    Traceback (most recent call last):
    ...
    qproto.spec.errors.ParameterError: p='1e-99999999': exponent -99999999 is outside ±400; give a number between 1e-400 and 1e400 (or 0)
    """
    if len(text) > MAX_NUMBER_TEXT:
        raise error(f"{name}: {len(text)} characters is longer than {MAX_NUMBER_TEXT}; give a plain number")
    for exp in re.findall(r"[eE]\s*([+-]?\d+)", text):
        if abs(int(exp)) > MAX_EXPONENT:
            raise error(
                f"{name}={text.strip()!r}: exponent {exp} is outside ±{MAX_EXPONENT}; "
                "give a number between 1e-400 and 1e400 (or 0)"
            )
    return text


def parse_fraction(text: str, name: str = "value", *, error: type[Exception] = ParameterError) -> Fraction:
    """Number text as an exact Fraction: ``"1/4"``, ``"0.25"``, ``"-3"``,
    ``"2.5e-3"``; a decimal is read exactly (``"0.1"`` is 1/10, not the
    float nearest it).  Anything else — ``"1/0"``, ``"nan"``, ``"inf"``,
    ``"sqrt(2)"``, ``""`` — is one line of ``error``.

    >>> parse_fraction("1/4"), parse_fraction(" 0.25 "), parse_fraction("-2.5e-3")
    (Fraction(1, 4), Fraction(1, 4), Fraction(-1, 400))
    >>> parse_fraction("1/0", "sample-fraction")
    Traceback (most recent call last):
    ...
    qproto.spec.errors.ParameterError: sample-fraction='1/0' must be a number like 1/4 or 0.25
    """
    if not isinstance(text, str):
        raise error(f"{name}={show(text)} must be number text like 1/4 or 0.25, not {type(text).__name__}")
    check_number_text(name, text, error=error)
    bad = error(f"{name}={text!r} must be a number like 1/4 or 0.25")
    if not _NUMBER_TEXT.fullmatch(text):
        raise bad
    try:
        return Fraction(text.replace(" ", "").replace("\t", ""))
    except (ValueError, ZeroDivisionError):
        raise bad from None


__all__ = [
    "MAX_EXPONENT",
    "MAX_NUMBER_TEXT",
    "check_at_least",
    "check_choice",
    "check_count",
    "check_fraction",
    "check_int",
    "check_nonnegative_int",
    "check_number_text",
    "check_positive_int",
    "check_probability",
    "check_real",
    "did_you_mean",
    "interval",
    "parse_fraction",
    "show",
]
