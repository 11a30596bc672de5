"""The ``qproto`` command line.

Each subcommand is a small module with ``register(subparsers)``; a new
command adds its module to :data:`COMMAND_MODULES`.  Exit codes: 0 when
every selected property reaches the status its spec asks for, 1 when
something is refuted, inconclusive or an error, 2 for bad input — always
with a one-line message and no traceback (``QPROTO_DEBUG=1`` shows one).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Sequence

from qproto.spec.errors import QprotoError

COMMAND_MODULES = [
    "qproto.cli.list_cmd",
    "qproto.cli.verify_cmd",
    "qproto.cli.explain_cmd",
    "qproto.cli.analyze_cmd",
    "qproto.cli.plot_cmd",
    "qproto.cli.fuzz_cmd",
    "qproto.cli.simulate_cmd",
    "qproto.cli.vectors_cmd",
    "qproto.cli.keyrate_cmd",
]


class UsageError(QprotoError, ValueError):
    """A bad command line: unknown option, missing argument."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")

    def _get_value(self, action, arg_string):  # type: ignore[override]
        # keep the type function's own message: "argument --bound: bound=0 must be > 0"
        try:
            return super()._get_value(action, arg_string)
        except argparse.ArgumentError as exc:
            raise UsageError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    from qproto import __version__

    parser = _Parser(prog="qproto", description="Specify and verify quantum-communication protocols.")
    parser.add_argument("--version", action="version", version=f"qproto {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args) or 0)
    except QprotoError as exc:
        if os.environ.get("QPROTO_DEBUG"):
            raise
        msg = " ".join(str(exc).split())
        print(f"qproto: error: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("qproto: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug in qproto: one line, not a wall of traceback
        if os.environ.get("QPROTO_DEBUG"):
            raise
        print(f"qproto: internal error: {type(exc).__name__}: {exc} (set QPROTO_DEBUG=1 for the traceback)", file=sys.stderr)
        return 1


def run() -> None:  # console-script entry point
    sys.exit(main())


__all__ = ["main", "build_parser", "COMMAND_MODULES", "UsageError"]
