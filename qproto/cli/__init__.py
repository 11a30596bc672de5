"""The ``qproto`` command line.

Each subcommand is a small module with ``register(subparsers)``; a new
command adds its module to :data:`COMMAND_MODULES`.  Exit codes: 0 when
every selected property reaches the status its spec asks for, 1 when
something is refuted, inconclusive or an error, 2 for bad input — always
with a one-line message and no traceback (``QPROTO_DEBUG=1`` shows one).

Signals: SIGINT exits 130 and SIGTERM exits 143 (128 + the signal number),
both by the same clean path: the signal raises :class:`Interrupted` (a
``KeyboardInterrupt``) in the main thread, so every ``finally`` runs —
temporary files are removed, child processes are terminated — and nothing
half-written is left.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from qproto.spec.errors import InternalSignal, QprotoError

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
    "qproto.cli.export_cmd",
    "qproto.cli.docs_cmd",
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


class Interrupted(KeyboardInterrupt):
    """SIGTERM (or SIGINT) received: unwinds like Ctrl-C, so cleanup code
    written for ``KeyboardInterrupt`` covers both."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_interrupted(signum: int, frame: Any) -> None:
    raise Interrupted(signum)


@contextmanager
def _signals_as_interrupts() -> Iterator[None]:
    """Turn SIGTERM into :class:`Interrupted` while ``main`` runs, and put the
    previous handler back afterwards (``main`` may be called in-process).
    Handlers can only be installed from the main thread; elsewhere the
    default handling stays."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Announced(InternalSignal):
    """Raised by :class:`_Announcer` to stop a ``register`` once the
    command's name and help line are known."""


class _Announcer:
    """A stand-in for the subparsers object that records what a command
    module's ``register`` would add (name, help, aliases) and stops it there,
    so a command that is not being run costs nothing but its module import."""

    def __init__(self) -> None:
        self.name = ""
        self.kwargs: dict[str, Any] = {}

    def add_parser(self, name: str, **kwargs: Any) -> Any:
        self.name, self.kwargs = name, kwargs
        raise _Announced


def _announce(module: Any) -> tuple[str, dict[str, Any]]:
    announcer = _Announcer()
    try:
        module.register(announcer)
    except _Announced:
        return announcer.name, announcer.kwargs
    raise RuntimeError(f"{module.__name__}.register() added no command")


def _read_announcement(module_name: str) -> tuple[str, dict[str, Any]] | None:
    """The same as :func:`_announce` without importing the module: the
    literal arguments of the first ``<subparsers>.add_parser(...)`` call in
    its ``register`` source.  None when they are not literals (the module is
    then imported and asked)."""
    import ast
    import importlib.util

    try:
        found = importlib.util.find_spec(module_name)
        origin = found.origin if found is not None else None
        if origin is None or not origin.endswith(".py"):
            return None
        with open(origin, encoding="utf-8") as fh:
            tree = ast.parse(fh.read())
    except (OSError, SyntaxError, ValueError, ImportError):
        return None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "register" and node.args.args:
            sub = node.args.args[0].arg
            for call in ast.walk(node):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "add_parser"
                    and isinstance(call.func.value, ast.Name)
                    and call.func.value.id == sub
                ):
                    try:
                        args = [ast.literal_eval(a) for a in call.args]
                        kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg is not None}
                    except ValueError:
                        return None
                    if len(args) != 1 or len(kwargs) != len(call.keywords) or not isinstance(args[0], str):
                        return None
                    return args[0], kwargs
    return None


def _command_word(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line (the top-level parser has
    only flags, so it is the first word that is not one)."""
    for word in argv:
        if word == "--":
            return None
        if not word.startswith("-"):
            return word
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The full parser; given ``argv``, only the command it names is built in
    full (its options, its imports) and the others get a placeholder with
    their help line — enough for ``qproto --help`` and for refusing an
    unknown command.  The others' name and help line are read from their
    source (:func:`_read_announcement`: ``sub.add_parser("name",
    help="...")`` with literal arguments, as every command module writes
    it) without importing them; failing that, the module is imported and
    its ``register`` stopped at ``add_parser`` (:func:`_announce`).  So a
    new command needs only its module in :data:`COMMAND_MODULES`; keep
    heavy imports (SymPy, NumPy, Z3, rich) inside the functions that run
    the command all the same, as ``qproto COMMAND --help`` imports it."""
    from qproto import __version__

    parser = _Parser(prog="qproto", description="Specify and verify quantum-communication protocols.")
    parser.add_argument("--version", action="version", version=f"qproto {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    wanted = None if argv is None else _command_word(argv)
    for name in COMMAND_MODULES:
        if argv is None:
            importlib.import_module(name).register(sub)
            continue
        command, kwargs = _read_announcement(name) or _announce(importlib.import_module(name))
        if wanted in (command, *kwargs.get("aliases", ())):
            importlib.import_module(name).register(sub)
        else:
            sub.add_parser(command, **kwargs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    with _signals_as_interrupts():
        try:
            return _main(argv)
        except KeyboardInterrupt as exc:  # a second signal during cleanup lands here
            return _interrupted(exc)


def _interrupted(exc: KeyboardInterrupt) -> int:
    signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
    name = "terminated" if signum == signal.SIGTERM else "interrupted"
    print(f"qproto: {name}", file=sys.stderr)
    return 128 + int(signum)


def _main(argv: list[str]) -> int:
    try:
        args = build_parser(argv).parse_args(argv)
        return int(args.func(args) or 0)
    except QprotoError as exc:
        if os.environ.get("QPROTO_DEBUG"):
            raise
        msg = " ".join(str(exc).split())
        print(f"qproto: error: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        return _interrupted(exc)
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug in qproto: one line, not a wall of traceback
        if os.environ.get("QPROTO_DEBUG"):
            raise
        print(f"qproto: internal error: {type(exc).__name__}: {exc} (set QPROTO_DEBUG=1 for the traceback)", file=sys.stderr)
        return 1


def run() -> None:  # console-script entry point
    sys.exit(main())


__all__ = ["main", "build_parser", "COMMAND_MODULES", "UsageError", "Interrupted"]
