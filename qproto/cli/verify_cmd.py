"""``qproto verify``: check properties and report verdicts."""

from __future__ import annotations

import sys
import time

from qproto.loader import resolve_many
from qproto.proofs.runner import verify
from qproto.spec.catalogue import protocols
from qproto.spec.errors import ParameterError
from qproto.spec.protocol import ENGINES

from .. import report
from ..atomic import preflight, write_atomic
from .common import console, nonnegative_float, nonnegative_int, positive_int, validate_input


def register(sub) -> None:
    p = sub.add_parser("verify", help="check protocol properties (all catalogue protocols by default)")
    p.add_argument("targets", nargs="*", metavar="PROTOCOL",
                   help="catalogue name, flawed-variant name, path/to/spec.py or module:ATTR (default: the catalogue)")
    p.add_argument("--engine", action="append", choices=ENGINES, help="only properties checked by this engine (repeatable)")
    p.add_argument("--property", action="append", dest="properties", metavar="ID", help="only this property id (repeatable)")
    p.add_argument("--bound", type=positive_int("bound"), help="bounded-model-checking depth for the statemachine engine")
    p.add_argument("--budget", type=positive_int("budget"), help="number of generated cases for the adversary engine")
    p.add_argument("--seed", type=nonnegative_int("seed"), help="seed for the adversary engine")
    p.add_argument("--timeout", type=nonnegative_float("timeout"), metavar="SECONDS",
                   help="wall-clock budget per property (default 120; 0 = none); on expiry the verdict is inconclusive")
    p.add_argument("--rlimit", type=positive_int("rlimit"), help="Z3 resource limit per solver check (statemachine engine)")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.add_argument("--junit-xml", metavar="FILE", help="also write a JUnit XML report to FILE")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.junit_xml:
        preflight(args.junit_xml)  # refuse an unwritable report before minutes of proofs
    specs = []
    for t in args.targets or []:
        specs.extend(resolve_many(t))
    if not args.targets:
        specs = list(protocols())
    for spec in specs:
        validate_input(spec)  # every bad spec is reported before any proof runs
    options = {k: getattr(args, k) for k in ("bound", "budget", "seed", "timeout", "rlimit") if getattr(args, k) is not None}
    t0 = time.perf_counter()
    verdicts = []
    progress = None
    if not args.json and sys.stderr.isatty():
        from rich.progress import Progress

        progress = Progress(transient=True, console=console(stderr=True))
        progress.start()
        task = progress.add_task("verifying", total=len(specs))
    try:
        for spec in specs:
            if progress:
                progress.update(task, description=f"verifying {spec.name}")
            verdicts.extend(verify(spec, args.engine, args.properties, options))
            if progress:
                progress.advance(task)
    finally:
        if progress:
            progress.stop()
    seconds = time.perf_counter() - t0
    if not verdicts:
        raise ParameterError(
            "no property matches the selection "
            f"(engine={args.engine or 'any'}, property={args.properties or 'any'}) in {', '.join(s.name for s in specs)}"
        )
    if args.junit_xml:
        write_atomic(args.junit_xml, report.to_junit(verdicts, seconds))
    if args.json:
        sys.stdout.write(report.to_json(verdicts, seconds) + "\n")
    else:
        report.render_text(verdicts, seconds, console())
    return report.summary(verdicts, seconds)["exit_code"]
