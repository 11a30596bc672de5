"""``qproto verify``: check properties and report verdicts."""

from __future__ import annotations

import sys
import time

from qproto.loader import resolve_targets
from qproto.spec.catalogue import protocols
from qproto.spec.errors import ParameterError
from qproto.spec.protocol import ENGINES

from .. import report
from ..atomic import preflight, write_atomic
from ..replay import rendered_all
from .common import add_jobs_argument, console, nonnegative_float, nonnegative_int, positive_int, validate_input


def register(sub) -> None:
    p = sub.add_parser("verify", help="check protocol properties (all catalogue protocols by default)")
    p.add_argument(
        "targets",
        nargs="*",
        metavar="PROTOCOL",
        help="catalogue name, flawed-variant name, path/to/spec.py or module:ATTR (default: the catalogue)",
    )
    p.add_argument("--engine", action="append", choices=ENGINES, help="only properties checked by this engine (repeatable)")
    p.add_argument("--property", action="append", dest="properties", metavar="ID", help="only this property id (repeatable)")
    p.add_argument("--bound", type=positive_int("bound"), help="bounded-model-checking depth for the statemachine engine")
    p.add_argument("--budget", type=positive_int("budget"), help="number of generated cases for the adversary engine")
    p.add_argument("--seed", type=nonnegative_int("seed"), help="seed for the adversary engine")
    p.add_argument(
        "--timeout",
        type=nonnegative_float("timeout"),
        metavar="SECONDS",
        help="wall-clock budget per property (default 120; 0 = none); on expiry the verdict is inconclusive",
    )
    p.add_argument("--rlimit", type=positive_int("rlimit"), help="Z3 resource limit per solver check (statemachine engine)")
    p.add_argument(
        "--sm-engine",
        dest="sm_engine",
        choices=("auto", "explicit", "z3"),
        help="statemachine engine: explicit-state listing when finite and small (auto, the default), "
        "or force one (explicit falls back to Z3 when it cannot decide, saying why)",
    )
    p.add_argument(
        "--state-limit",
        dest="state_limit",
        type=positive_int("state-limit"),
        help="most reachable states the explicit engine lists before handing a property to Z3 (default 200000)",
    )
    add_jobs_argument(p, "protocols")
    p.add_argument(
        "--no-cache", action="store_true", help="neither read nor write the result cache (.qproto_cache/ or $QPROTO_CACHE_DIR)"
    )
    p.add_argument("--clear-cache", action="store_true", help="empty the result cache first, then verify")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.add_argument("--junit-xml", metavar="FILE", help="also write a JUnit XML report to FILE")
    p.add_argument(
        "--html", metavar="DIR", help="also write a static HTML report (index, a page per protocol, diagrams) to the folder DIR"
    )
    shown = p.add_mutually_exclusive_group()
    shown.add_argument("-v", "--verbose", action="store_true", help="show every property with its evidence")
    shown.add_argument("--failures-only", action="store_true", help="show only the properties that are not ok, and the summary")
    p.set_defaults(func=run)


def _start_workers_early(args) -> None:
    """A cold run of many specs will need worker processes: start their fork
    server (its imports) now, so that it overlaps loading the specs too, not
    only validating them.  A warm run (a result cache to read) decides
    later, once it knows what is missing, and starts none when nothing is."""
    from qproto.cache import FORMAT, cache_dir
    from qproto.parallel import default_jobs, start_server

    jobs = args.jobs or default_jobs()
    if jobs < 2 or len(args.targets or ()) == 1:
        return
    if args.no_cache or args.clear_cache or not (cache_dir() / f"v{FORMAT}").is_dir():
        start_server(jobs)


def run(args) -> int:
    if args.junit_xml:
        preflight(args.junit_xml)  # refuse an unwritable report before minutes of proofs
    if args.html:
        from qproto.html import preflight_dir

        preflight_dir(args.html)
    _start_workers_early(args)
    loaded = resolve_targets(args.targets or [])  # a designer file may declare specs it expects refuted
    specs = loaded.specs
    if not args.targets:
        specs = list(protocols())
    options = {
        k: getattr(args, k)
        for k in ("bound", "budget", "seed", "timeout", "rlimit", "sm_engine", "state_limit")
        if getattr(args, k) is not None
    }
    t0 = time.perf_counter()
    verdicts = []
    progress = None
    if not args.json and sys.stderr.isatty():
        from rich.progress import Progress

        progress = Progress(transient=True, console=console(stderr=True))
        progress.start()
        task = progress.add_task("verifying", total=len(specs))
    from qproto.cache import ResultCache
    from qproto.parallel import default_jobs, verify_specs

    cache = None if args.no_cache else ResultCache()
    if args.clear_cache:
        (cache or ResultCache()).clear()
    try:
        outcome = verify_specs(
            specs,
            args.engine,
            args.properties,
            options,
            jobs=args.jobs or default_jobs(),
            cache=cache,
            validate=validate_input,  # bad specs are reported before any proof runs
            on_done=(lambda spec: progress.advance(task)) if progress else None,
        )
        verdicts = rendered_all(outcome.verdicts)  # every output below shows replay records as command lines
    finally:
        if progress:
            progress.stop()
    if outcome.cache_warning:
        print(outcome.cache_warning, file=sys.stderr)
    seconds = time.perf_counter() - t0
    if not verdicts:
        raise ParameterError(
            "no property matches the selection "
            f"(engine={args.engine or 'any'}, property={args.properties or 'any'}) in {', '.join(s.name for s in specs)}"
        )
    if args.junit_xml:
        write_atomic(args.junit_xml, report.to_junit(verdicts, seconds))
    expected = loaded.expected_refuted
    if args.html:
        from qproto.html import write_report

        write_report(args.html, specs, verdicts, seconds, expected_refuted=expected)
    if args.json:
        sys.stdout.write(report.to_json(verdicts, seconds, expected) + "\n")
    else:
        report.render_text(
            verdicts,
            seconds,
            report.text_console(),
            verbose=args.verbose,
            failures_only=args.failures_only,
            sources=loaded.sources,
            expected_refuted=expected,
        )
        if outcome.protocols_from_cache:
            console().print(
                f"{outcome.protocols_from_cache} of {outcome.protocols} protocols from cache "
                f"({outcome.verdicts_from_cache} verdicts; --no-cache to recompute)"
            )
    return report.summary(verdicts, seconds, expected)["exit_code"]
