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
import sys

from qproto.loader import resolve_many
from qproto.proofs.runner import validate
from qproto.spec.catalogue import protocols
from qproto.spec.errors import ParameterError

from ..atomic import write_atomic
from .common import console, nonnegative_int, positive_int


def _positive_float(name: str):
    import argparse

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name}={text!r} must be a number of seconds") from None
        if not value > 0 or value != value or value == float("inf"):
            raise argparse.ArgumentTypeError(f"{name}={text} must be > 0 (and finite)")
        return value

    return parse


def register(sub) -> None:
    p = sub.add_parser("vectors", help="generate reference test vectors, or check an implementation against them")
    vsub = p.add_subparsers(dest="vectors_command", metavar="ACTION", parser_class=type(p))
    vsub.required = True

    g = vsub.add_parser("generate", help="write one vector file per protocol")
    g.add_argument("targets", nargs="*", metavar="PROTOCOL",
                   help="catalogue name, flawed-variant name, path/to/spec.py or module:ATTR "
                   "(default: every catalogue protocol whose family has a generator)")
    g.add_argument("--seed", type=nonnegative_int("seed"), default=0, help="seed of every random choice (default 0)")
    g.add_argument("--out", required=True, metavar="DIR", help="folder for the files (created if missing)")
    g.add_argument("--count", type=positive_int("count"), default=None,
                   help="random cases per group beyond the edge cases (default 8)")
    g.add_argument("--json", action="store_true", help="list the written files as JSON")
    g.set_defaults(func=run_generate)

    c = vsub.add_parser("check", help="check an implementation against a vector file")
    c.add_argument("file", metavar="FILE", help="a vector file written by 'qproto vectors generate'")
    who = c.add_mutually_exclusive_group(required=True)
    who.add_argument("--impl", metavar="MODULE:FUNCTION", help="a Python callable: case dict in, response dict out")
    who.add_argument("--cmd", metavar="\"PROGRAM ARGS\"", help="a program reading one JSON case per line, writing one JSON response per line")
    c.add_argument("--timeout", type=_positive_float("timeout"), default=None, help="seconds per test before the implementation counts as hung (default 10)")
    c.add_argument("--json", action="store_true", help="one JSON document on stdout")
    c.add_argument("--report", metavar="FILE", help="also write the JSON report to FILE (atomically)")
    c.set_defaults(func=run_check)


def run_generate(args) -> int:
    from qproto.vectors.generate import DEFAULT_COUNT, generate_files
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
    for spec in specs:
        validate(spec)
    written = generate_files(specs, args.seed, args.count or DEFAULT_COUNT, args.out)
    by_family: dict[str, list[str]] = {}
    for spec in skipped:  # said, never silently left out
        by_family.setdefault(spec.family, []).append(spec.name)
    for family, names in sorted(by_family.items()):
        print(f"qproto: note: no vector generator for family {family}: {', '.join(names)} not generated", file=sys.stderr)
    if args.json:
        doc = {"seed": args.seed, "files": [{"file": str(p), "protocol": s.name, "numberOfTests": n} for (p, n), s in zip(written, specs)],
               "noGenerator": [{"protocol": s.name, "family": s.family} for s in skipped]}
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    else:
        out = console()
        for (path, n), spec in zip(written, specs):
            out.print(f"{path}  {n} tests  ({spec.name})")
        out.print(f"{len(written)} file(s), {sum(n for _, n in written)} tests, seed {args.seed}")
    return 0


def run_check(args) -> int:
    from qproto.vectors.adapters import DEFAULT_TIMEOUT, make_adapter
    from qproto.vectors.check import check
    from qproto.vectors.format import load

    doc = load(args.file)  # malformed or schema-invalid: VectorFileError, exit 2
    adapter = make_adapter(args.impl, args.cmd, args.timeout or DEFAULT_TIMEOUT)
    out = None if args.json else console()

    from rich.markup import escape

    def show(o) -> None:
        if out is None:
            return
        flags = escape(f" [{', '.join(o.flags)}]") if o.flags else ""
        comment = escape(o.comment)
        if o.status == "pass":
            out.print(f"tc {o.tcId:>4}  [green]pass[/]  {comment}{flags}", markup=True)
        elif o.status == "fail":
            out.print(f"tc {o.tcId:>4}  [red]FAIL[/]  {escape(str(o.field))}: {escape(str(o.message))}  — {comment}{flags}", markup=True)
        else:
            out.print(f"tc {o.tcId:>4}  [red]ERROR[/] {o.kind}: {escape(str(o.message))}  — {comment}{flags}", markup=True)

    try:
        report = check(doc, adapter, name=args.impl or args.cmd, file=args.file, progress=show)
    finally:
        adapter.close()
    data = report.to_dict()
    if args.report:
        write_atomic(args.report, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    if args.json:
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    else:
        c = report.counts
        first = next((o for o in report.outcomes if o.status != "pass"), None)
        line = f"{report.algorithm}: {len(report.outcomes)} tests, {c['pass']} passed, {c['fail']} failed, {c['error']} errors"
        if first is not None:
            line += f"; first failure tc {first.tcId}: {first.field or first.kind}"
        assert out is not None  # not --json, so a console was made
        out.print(escape(line), markup=True)
    return report.exit_code
