"""``qproto fuzz PROTOCOL``: run the adversary engine on one QKD protocol.

Every adversary property of the spec is checked with Hypothesis-generated
attacks, ``--budget`` cases each, seeded by ``--seed`` so a run replays
exactly.  Refutations show the minimal attack.  The catalogue's QKD specs
carry their adversary properties themselves (so ``qproto verify --engine
adversary`` runs the same checks); a designer's QKD spec that carries none
is given the standard set of :mod:`qproto.spec.adversary_properties` here.
"""

from __future__ import annotations

import sys
import time

from qproto.loader import resolve
from qproto.proofs.runner import validate, verify
from qproto.replay import rendered_all
from qproto.spec.errors import ParameterError

from .. import report
from .common import console, nonnegative_int, positive_int


def register(sub) -> None:
    p = sub.add_parser("fuzz", help="fuzz a QKD protocol's security properties with generated attacks")
    p.add_argument("protocol", metavar="PROTOCOL", help="catalogue or flawed-variant name, path/to/spec.py or module:ATTR")
    p.add_argument(
        "--budget", type=positive_int("budget"), default=None, help="generated attacks per property (default: the engine's)"
    )
    p.add_argument(
        "--seed", type=nonnegative_int("seed"), default=0, help="Hypothesis seed (default 0); the same seed replays the run"
    )
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.set_defaults(func=run)


def adversary_spec(spec):
    """The spec itself when it has adversary properties, else the spec with
    the standard ones for its QKD family added."""
    if any(p.engine == "adversary" for p in spec.properties):
        return spec
    from qproto.spec.adversary_properties import ADVERSARY_PROPERTIES_EB, ADVERSARY_PROPERTIES_PM, BELL_TEST_PROPERTIES

    if spec.family == "qkd-pm":
        extra = ADVERSARY_PROPERTIES_PM
    elif spec.family == "qkd-eb":
        extra = ADVERSARY_PROPERTIES_EB + (BELL_TEST_PROPERTIES if spec.chsh else ())
    else:
        raise ParameterError(
            f"{spec.name} is a {spec.family} protocol; qproto fuzz needs a QKD protocol (family qkd-pm or qkd-eb)"
        )
    have = {p.id for p in spec.properties}
    return spec.variant(
        spec.name, properties=spec.properties + tuple(p for p in extra if p.id not in have), variant_of=spec.variant_of
    )


def run(args) -> int:
    spec = adversary_spec(resolve(args.protocol))
    validate(spec)
    props = [p for p in spec.properties if p.engine == "adversary"]
    options = {"seed": args.seed}
    if args.budget:
        options["budget"] = args.budget
    t0 = time.perf_counter()
    verdicts = []
    progress = None
    if not args.json and sys.stderr.isatty():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), transient=True, console=console(stderr=True)
        )
        progress.start()
        task = progress.add_task("fuzzing", total=len(props))
    try:
        for prop in props:
            if progress:
                progress.update(task, description=f"fuzzing {spec.name}/{prop.id}")
                options["progress"] = lambda n, _d=prop.id: progress.update(
                    task, description=f"fuzzing {spec.name}/{_d} · case {n}"
                )
            verdicts.extend(verify(spec, ["adversary"], [prop.id], options))
            if progress:
                progress.advance(task)
    finally:
        if progress:
            progress.stop()
    seconds = time.perf_counter() - t0
    verdicts = rendered_all(verdicts)  # replay records as command lines, in JSON and text alike
    if args.json:
        import json

        doc = {
            "protocol": spec.name,
            "seed": args.seed,
            "budget": args.budget,
            "verdicts": [v.to_json() for v in verdicts],
            "summary": report.summary(verdicts, seconds),
        }
        sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n")
    else:
        out = console()
        report.render_text(verdicts, seconds, out)
        for v in verdicts:
            ce = v.evidence.get("counterexample")
            if v.status.value in ("refuted", "limitation") and isinstance(ce, dict) and ce.get("attack"):
                out.print(
                    f"[bold]{v.property}[/]: minimal attack [cyan]{ce['attack']}[/] (seed {v.evidence.get('seed', args.seed)})"
                )
    return report.summary(verdicts, seconds)["exit_code"]
