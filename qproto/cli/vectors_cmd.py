"""``qproto vectors``: generate reference test vectors, and check an
implementation against them.

``generate`` writes one Wycheproof-style file per protocol (every catalogue
protocol whose family has a generator, by default); ``check`` runs a Python
callable (``--impl MODULE:FUNCTION``) or a program speaking one JSON line
per test (``--cmd``) through a file.  Exit codes: 0 every test passes, 1 a
mismatch or an implementation failure, 2 unusable input (malformed or
schema-invalid file, unknown implementation, a protocol whose family has no
generator).
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from qproto.loader import resolve_many
from qproto.proofs.runner import validate
from qproto.spec.catalogue import protocols
from qproto.spec.errors import ParameterError

from ..atomic import write_atomic
from .common import console

#: Largest --seed (PCG64 takes any integer; files store it as a JSON integer).
MAX_SEED = 2**63 - 1
#: Largest --count (random cases per group); files stay under the size limit.
MAX_COUNT = 1000
#: Largest --timeout in seconds (one day).
MAX_TIMEOUT = 86400.0


class _Terminated(BaseException):
    """SIGTERM arrived: unwind (closing the implementation, removing
    temporary files) like Ctrl-C does.  A BaseException, so no
    ``except Exception`` on the way swallows it."""


@contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):  # noqa: ARG001 - the signal API's signature
        raise _Terminated()

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def _bounded_int(name: str, low: int, high: int):
    import argparse

    def parse(text: str) -> int:
        text = text.strip()
        if not text.isdigit() or len(text) > 30:  # int() of a huge string is slow; the limits are far below 30 digits
            raise argparse.ArgumentTypeError(f"{name}={text[:40]!r} must be an integer in [{low}, {high}]")
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{name}={value} must be an integer in [{low}, {high}]")
        return value

    return parse


def _positive_float(name: str):
    import argparse

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name}={text!r} must be a number of seconds") from None
        if not value > 0 or value != value or value == float("inf"):
            raise argparse.ArgumentTypeError(f"{name}={text[:40]} must be > 0 (and finite)")
        if value > MAX_TIMEOUT:
            raise argparse.ArgumentTypeError(f"{name}={text[:40]} must be at most {MAX_TIMEOUT:g} seconds")
        return value

    return parse


def register(sub) -> None:
    p = sub.add_parser("vectors", help="generate reference test vectors, or check an implementation against them")
    vsub = p.add_subparsers(dest="vectors_command", metavar="ACTION", parser_class=type(p))
    vsub.required = True

    g = vsub.add_parser("generate", help="write one vector file per protocol")
    g.add_argument(
        "targets",
        nargs="*",
        metavar="PROTOCOL",
        help="catalogue name, flawed-variant name, path/to/spec.py or module:ATTR "
        "(default: every catalogue protocol whose family has a generator)",
    )
    g.add_argument("--seed", type=_bounded_int("seed", 0, MAX_SEED), default=0, help="seed of every random choice (default 0)")
    g.add_argument("--out", required=True, metavar="DIR", help="folder for the files (created if missing)")
    g.add_argument(
        "--count",
        type=_bounded_int("count", 1, MAX_COUNT),
        default=None,
        help="random cases per group beyond the edge cases (default 8)",
    )
    g.add_argument("--json", action="store_true", help="list the written files as JSON")
    g.set_defaults(func=run_generate)

    c = vsub.add_parser("check", help="check an implementation against a vector file")
    c.add_argument("file", metavar="FILE", help="a vector file written by 'qproto vectors generate'")
    who = c.add_mutually_exclusive_group(required=True)
    who.add_argument("--impl", metavar="MODULE:FUNCTION", help="a Python callable: case dict in, response dict out")
    who.add_argument(
        "--cmd", metavar='"PROGRAM ARGS"', help="a program reading one JSON case per line, writing one JSON response per line"
    )
    c.add_argument(
        "--timeout",
        type=_positive_float("timeout"),
        default=None,
        help="seconds per test before the implementation counts as hung (default 10)",
    )
    c.add_argument("--json", action="store_true", help="one JSON document on stdout")
    c.add_argument("--report", metavar="FILE", help="also write the JSON report to FILE (atomically)")
    c.set_defaults(func=run_check)


def run_generate(args) -> int:
    from qproto.vectors.generate import DEFAULT_COUNT, file_name, generate_files
    from qproto.vectors.registry import generator_for, has_generator

    if args.targets:
        specs = []
        for t in args.targets:
            specs.extend(resolve_many(t))
        for spec in specs:
            generator_for(spec)  # "no vector generator for family X" before any work
        skipped: list = []
    else:
        specs = [s for s in protocols() if has_generator(s)]
        skipped = [s for s in protocols() if not has_generator(s)]
        if not specs:
            raise ParameterError("no catalogue protocol has a vector generator")
    unique: list = []
    for spec in specs:  # the same protocol named twice is written once
        if not any(u is spec or u == spec for u in unique):
            unique.append(spec)
    specs = unique
    for spec in specs:
        file_name(spec)  # an unsafe name is refused before any work
    for spec in specs:
        validate(spec)
    try:
        with _sigterm_unwinds():
            written = generate_files(specs, args.seed, args.count or DEFAULT_COUNT, args.out)
    except _Terminated:  # nothing was moved into place; the staging folder is gone
        print("qproto: terminated; no vector files written", file=sys.stderr)
        return 143
    by_family: dict[str, list[str]] = {}
    for spec in skipped:  # said, never silently left out
        by_family.setdefault(spec.family, []).append(spec.name)
    for family, names in sorted(by_family.items()):
        print(f"qproto: note: no vector generator for family {family}: {', '.join(names)} not generated", file=sys.stderr)
    if args.json:
        doc = {
            "seed": args.seed,
            "files": [{"file": str(p), "protocol": s.name, "numberOfTests": n} for (p, n), s in zip(written, specs)],
            "noGenerator": [{"protocol": s.name, "family": s.family} for s in skipped],
        }
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    else:
        from rich.markup import escape

        from qproto.vectors.format import printable

        out = console()
        for (path, n), spec in zip(written, specs):
            out.print(escape(printable(f"{path}  {n} tests  ({spec.name})", 400)))
        out.print(f"{len(written)} file(s), {sum(n for _, n in written)} tests, seed {args.seed}")
    return 0


def run_check(args) -> int:
    try:
        with _sigterm_unwinds():
            return _run_check(args)
    except _Terminated:  # the implementation was stopped on the way out (adapter.close)
        print("qproto: terminated", file=sys.stderr)
        return 143


def _run_check(args) -> int:
    from qproto.vectors.adapters import DEFAULT_TIMEOUT, make_adapter
    from qproto.vectors.check import check
    from qproto.vectors.format import load, printable

    doc = load(args.file)  # malformed or schema-invalid: VectorFileError, exit 2
    out = None if args.json else console()

    from rich.markup import escape

    def text(x: object, limit: int = 400) -> str:  # a file's text never drives the terminal
        return escape(printable(x, limit))

    def show(o) -> None:
        if out is None:
            return
        flags = text(f" [{', '.join(o.flags)}]") if o.flags else ""
        comment = text(o.comment)
        if o.status == "pass":
            out.print(f"tc {o.tcId:>4}  [green]pass[/]  {comment}{flags}", markup=True)
        elif o.status == "fail":
            out.print(f"tc {o.tcId:>4}  [red]FAIL[/]  {text(o.field)}: {text(o.message)}  — {comment}{flags}", markup=True)
        else:
            out.print(f"tc {o.tcId:>4}  [red]ERROR[/] {text(o.kind)}: {text(o.message)}  — {comment}{flags}", markup=True)

    adapter = make_adapter(args.impl, args.cmd, args.timeout or DEFAULT_TIMEOUT)
    try:
        report = check(doc, adapter, name=args.impl or args.cmd, file=args.file, progress=show)
    finally:
        adapter.close()
    data = report.to_dict()
    if args.report:
        try:
            write_atomic(args.report, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise ParameterError(
                f"--report {printable(args.report, 200)}: cannot write ({exc.strerror or exc}); choose a writable file path"
            ) from None
    if args.json:
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    else:
        c = report.counts
        first = next((o for o in report.outcomes if o.status != "pass"), None)
        line = f"{report.algorithm}: {len(report.outcomes)} tests, {c['pass']} passed, {c['fail']} failed, {c['error']} errors"
        if first is not None:
            line += f"; first failure tc {first.tcId}: {first.field or first.kind}"
        assert out is not None  # not --json, so a console was made
        out.print(text(line, 600), markup=True)
    return report.exit_code
