"""Helpers the subcommands share."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from typing import Any

from qproto.spec.errors import ParameterError
from qproto.spec.validation import (
    MAX_EXPONENT,
    MAX_NUMBER_TEXT,
    check_at_least,
    check_int,
    check_nonnegative_int,
    check_number_text,
    check_positive_int,
    check_probability,
)


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


# The number-text bounds and checks are qproto.spec.validation's; they are
# re-exported here for the subcommands that import them from this module.


def positive_int(name: str):
    return _argtype(name, _integer(name, check_positive_int))


def nonnegative_int(name: str):
    return _argtype(name, _integer(name, check_nonnegative_int))


def bounded_int(name: str, low: int, high: int, why: str = ""):
    """An integer in [low, high]; ``why`` says where the upper limit comes
    from (docs/limits.md)."""
    return _argtype(name, _integer(name, lambda n, v: check_int(n, v, low, high, why=why)))


def positive_float(name: str):
    return _argtype(name, _real(name, "a number > 0", lambda n, v: check_at_least(n, v, 0, strict=True), allow_inf=True))


def nonnegative_float(name: str):
    return _argtype(name, _real(name, "a number ≥ 0", lambda n, v: check_at_least(n, v, 0), allow_inf=True))


def probability(name: str):
    """A float in [0, 1] (a fraction, a noise level)."""
    return _argtype(name, _real(name, "a number in [0, 1]", check_probability))


def _integer(name: str, check: Callable[[str, int], int]):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise ParameterError(f"{name}={text!r} must be an integer") from None
        return check(name, value)

    return parse


def _real(name: str, what: str, check: Callable[[str, float], Any], allow_inf: bool = False):
    """Parse a float and check it.  ``allow_inf``: +inf passes (an ideal
    memory's coherence time, no time limit), as these options always allowed;
    the central checks refuse it because no API parameter means infinity."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise ParameterError(f"{name}={text!r} must be {what}") from None
        if allow_inf and value == math.inf:
            return value
        return float(check(name, value))

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


def add_jobs_argument(parser: Any, what: str) -> None:
    """``-j/--jobs N``: ``what`` in N worker processes (default: all cores; 1 = in this process)."""
    parser.add_argument(
        "-j",
        "--jobs",
        type=positive_int("jobs"),
        default=None,
        metavar="N",
        help=f"check {what} in N worker processes (default: all cores; 1 = in this process)",
    )


def add_scheduler_argument(parser: Any, what: str) -> None:
    """``--scheduler tcp://HOST:PORT``: ``what`` on an existing Dask cluster."""
    parser.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help=f"run {what} on this Dask distributed scheduler's cluster instead of local processes "
        "(pip install 'qproto[cluster]'); the same results",
    )


def check_scheduler_option(args: Any, workers_do: str) -> None:
    """With ``--scheduler``: no ``-j`` beside it, and an address Dask can
    read — both refused before any work (one line, exit 2)."""
    if args.scheduler is None:
        return
    if args.jobs is not None:
        raise ParameterError(f"-j/--jobs sets local processes; with --scheduler the cluster's workers {workers_do}: drop one")
    from qproto.parallel import check_scheduler

    check_scheduler(args.scheduler)


__all__ = [
    "add_jobs_argument",
    "add_scheduler_argument",
    "check_scheduler_option",
    "MAX_EXPONENT",
    "MAX_NUMBER_TEXT",
    "bounded_int",
    "check_number_text",
    "console",
    "nonnegative_float",
    "nonnegative_int",
    "positive_float",
    "positive_int",
    "print_json",
    "probability",
    "validate_input",
]
