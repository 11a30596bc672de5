"""Helpers the subcommands share."""

from __future__ import annotations

import json
import sys
from typing import Any

from qproto.spec.errors import ParameterError


def console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 160)


def print_json(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n")


def _argtype(name: str, fn):
    """argparse turns a ValueError from ``type=`` into its own vague
    message; an ArgumentTypeError keeps ours (``bound=0 must be > 0``)."""
    import argparse

    def parse(text: str):
        try:
            return fn(text)
        except ParameterError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = name
    return parse


#: The longest number text accepted on the command line, and the largest
#: decimal exponent: ``1e-99999999`` would make an exact rational with a
#: hundred-million-digit denominator (issue 11, item 14).
MAX_NUMBER_TEXT = 100
MAX_EXPONENT = 400


def check_number_text(name: str, text: str) -> str:
    """Refuse number text that would make exact arithmetic unbounded."""
    import re

    if len(text) > MAX_NUMBER_TEXT:
        raise ParameterError(f"{name}: {len(text)} characters is longer than {MAX_NUMBER_TEXT}; give a plain number")
    for exp in re.findall(r"[eE]\s*([+-]?\d+)", text):
        if abs(int(exp)) > MAX_EXPONENT:
            raise ParameterError(
                f"{name}={text.strip()!r}: exponent {exp} is outside ±{MAX_EXPONENT}; "
                "give a number between 1e-400 and 1e400 (or 0)"
            )
    return text


def positive_int(name: str):
    return _argtype(name, _at_least_zero(name, int, strict=True))


def nonnegative_int(name: str):
    return _argtype(name, _at_least_zero(name, int, strict=False))


def bounded_int(name: str, low: int, high: int, why: str = ""):
    """An integer in [low, high]; ``why`` says where the upper limit comes
    from (docs/limits.md)."""

    def parse(text: str) -> int:
        value = _at_least_zero(name, int, strict=low > 0)(text)
        if not low <= value <= high:
            raise ParameterError(f"{name}={value} must lie in [{low}, {high}]" + (f" ({why})" if why else ""))
        return value

    return _argtype(name, parse)


def positive_float(name: str):
    return _argtype(name, _at_least_zero(name, float, strict=True))


def nonnegative_float(name: str):
    return _argtype(name, _at_least_zero(name, float, strict=False))


def probability(name: str):
    """A float in [0, 1] (a fraction, a noise level)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise ParameterError(f"{name}={text!r} must be a number in [0, 1]") from None
        if not 0 <= value <= 1:
            raise ParameterError(f"{name}={value} must lie in [0, 1]")
        return value

    return _argtype(name, parse)


def _at_least_zero(name: str, convert, strict: bool):
    """Parse ``convert(text)`` and require it > 0 (``strict``) or ≥ 0;
    NaN fails both comparisons and is refused."""
    op = ">" if strict else "≥"
    what = "an integer" if convert is int else f"a number {op} 0"

    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            raise ParameterError(f"{name}={text!r} must be {what}") from None
        if not (value > 0 if strict else value >= 0):
            raise ParameterError(f"{name}={value} must be {op} 0")
        return value

    return parse


def validate_input(spec: Any) -> None:
    """Validate a spec the user gave: a value SymPy cannot parse (an
    amplitude ``"1/"``) is bad input, named, not an internal error."""
    import sympy as sp

    from qproto.proofs.runner import validate
    from qproto.spec.errors import SpecError

    try:
        validate(spec)
    except sp.SympifyError as exc:
        text = str(exc.expr)
        what = text if text.startswith("could not parse") else f"cannot parse {text!r}"
        raise SpecError(f"{spec.name}: {what} as a number or expression; write a number like 1/2 or sqrt(2)/2") from None
