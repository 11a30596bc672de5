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


def positive_int(name: str):
    return _argtype(name, _at_least_zero(name, int, strict=True))


def nonnegative_int(name: str):
    return _argtype(name, _at_least_zero(name, int, strict=False))


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
