"""``qproto fuzz PROTOCOL``: run the adversary engine on one QKD protocol.

Every adversary property of the spec is checked with Hypothesis-generated
attacks, ``--budget`` cases each, seeded by ``--seed`` so a run replays
exactly.  Refutations show the minimal attack.  The catalogue's QKD specs
carry their adversary properties themselves (so ``qproto verify --engine
adversary`` runs the same checks); a designer's QKD spec that carries none
is given the standard set of :mod:`qproto.spec.adversary_properties` here.

The properties are checked in parallel, one per work unit: on ``-j N``
local worker processes (default all cores; :mod:`qproto.parallel`'s
workers, so each property's time budget holds and a worker that dies costs
only its property), or with ``--scheduler tcp://HOST:PORT`` on an existing
Dask distributed cluster, where each unit checks its property in a child
process of the Dask worker (a Dask task runs in a thread, where the
runner's SIGALRM budget cannot fire).  Each property's Hypothesis run is
seeded by ``--seed`` alone, so the verdicts, their order and the output are
those of ``-j 1`` (the serial path, in this process) apart from the times.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from qproto.loader import resolve
from qproto.proofs.runner import validate, verify
from qproto.replay import rendered_all
from qproto.spec.errors import ParameterError

from .. import report
from .common import add_jobs_argument, add_scheduler_argument, check_scheduler_option, console, nonnegative_int, positive_int


def register(sub) -> None:
    p = sub.add_parser("fuzz", help="fuzz a QKD protocol's security properties with generated attacks")
    p.add_argument("protocol", metavar="PROTOCOL", help="catalogue or flawed-variant name, path/to/spec.py or module:ATTR")
    p.add_argument(
        "--budget", type=positive_int("budget"), default=None, help="generated attacks per property (default: the engine's)"
    )
    p.add_argument(
        "--seed", type=nonnegative_int("seed"), default=0, help="Hypothesis seed (default 0); the same seed replays the run"
    )
    add_jobs_argument(p, "the properties")
    add_scheduler_argument(p, "the properties' checks")
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
    check_scheduler_option(args, "check the properties")
    spec = adversary_spec(resolve(args.protocol))
    validate(spec)
    props = [p for p in spec.properties if p.engine == "adversary"]
    options = {"seed": args.seed}
    if args.budget:
        options["budget"] = args.budget
    t0 = time.perf_counter()
    from qproto.parallel import default_jobs, picklable

    jobs = args.jobs or default_jobs()
    if (args.scheduler is not None or jobs > 1) and len(props) > 1 and picklable(spec):
        verdicts = _run_parallel(spec, [p.id for p in props], options, jobs, args.scheduler, show=not args.json)
    else:
        verdicts = _run_serial(spec, props, options, show=not args.json)
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


def _progress(show: bool, total: int) -> Any:
    """A transient progress bar on stderr when ``show`` and stderr is a terminal, else None."""
    if not show or not sys.stderr.isatty():
        return None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), transient=True, console=console(stderr=True)
    )
    progress.start()
    progress.add_task("fuzzing", total=total)
    return progress


def _run_serial(spec, props, options, show: bool) -> list:
    """Each property in turn, in this process (``-j 1``), with the current case on the bar."""
    verdicts = []
    progress = _progress(show, len(props))
    task = progress.task_ids[0] if progress else None
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
    return verdicts


def _run_parallel(spec, prop_ids: list[str], options: dict, jobs: int, scheduler: str | None, show: bool) -> list:
    """One work unit per property, on ``jobs`` local worker processes or
    on the Dask cluster at ``scheduler``; the verdicts in ``prop_ids``'
    order whatever the completion order."""
    progress = _progress(show, len(prop_ids))
    if progress:
        progress.update(progress.task_ids[0], description=f"fuzzing {spec.name}")
    try:
        if scheduler is not None:
            from qproto.parallel import map_on_cluster

            units = [(spec, pid, options) for pid in prop_ids]
            per_unit = map_on_cluster(_cluster_unit, units, scheduler)
            return [v for verdicts in per_unit for v in verdicts]
        return _run_local(spec, prop_ids, options, jobs, progress)
    finally:
        if progress:
            progress.stop()


def _run_local(spec, prop_ids: list[str], options: dict, jobs: int, progress: Any) -> list:
    """:mod:`qproto.parallel`'s worker pool, one property per task."""
    from qproto.parallel import check_properties

    return check_properties(spec, prop_ids, options, jobs, (lambda: progress.advance(progress.task_ids[0])) if progress else None)


def _check(unit: tuple[Any, str, dict]) -> list:
    spec, pid, options = unit
    return verify(spec, ["adversary"], [pid], options)


def _cluster_unit(unit: tuple[Any, str, dict]) -> list:
    """One property on a Dask worker, in the main thread of a child process
    there (:func:`qproto.parallel.in_main_thread`: the property's time budget
    holds, as in ``-j`` workers).  A child that dies gives the property an
    ``error`` verdict saying how."""
    from qproto.parallel import ChildProcessDied, error_verdicts, in_main_thread

    try:
        return in_main_thread(_check, unit)
    except ChildProcessDied as exc:
        spec, pid, _ = unit
        return error_verdicts(spec, [pid], f"{exc} while checking this property")
