"""The full spec-mutation campaign (issue 10): mutate every catalogue spec,
verify each mutant and compare every verdict with an independent ground
truth.  A disagreement is a bug in qproto (or in the ground truth).

    python benchmarks/mutation_campaign.py                 # the full run (>= 2,000 mutants)
    python benchmarks/mutation_campaign.py --count 300 --families circuit,transition
    python benchmarks/mutation_campaign.py --json > campaign.json

Runs on every local core (``--jobs``); a worker takes every ``jobs``-th
mutant of each family's seeded stream, so the mutants and verdicts do not
depend on the number of workers.  With ``--scheduler tcp://host:port`` the
same work units go to an existing Dask distributed cluster instead
(``pip install 'qproto[cluster]'``; the workers need this repository at the
same path, or on their ``PYTHONPATH``): the same seeds give the same
mutants and the same totals.  Exit 1 when there is a disagreement or a
refutation without a counterexample.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT))  # after site-packages: the installed qproto, not the bare source folder

from qproto.parallel import map_on_cluster  # noqa: E402
from qproto.spec.errors import QprotoError  # noqa: E402
from tests.mutation import core  # noqa: E402

#: Share of the mutants per family in the full run; QKD mutants cost the most.
DEFAULT_SHARES = {"circuit": 700, "transition": 700, "qkd": 600, "physics": 300, "network": 100}


def _module(name: str):
    return importlib.import_module(f"tests.mutation.{name}")


def _work(args: tuple[str, int, int, int, int, dict]) -> core.Report:
    name, seed, share, worker, workers, options = args
    return core.run_slice(name, _module(name), seed, share, worker, workers, options)


def _cluster_work(args: tuple[str, int, int, int, int, dict]) -> core.Report:
    """:func:`_slice` on a Dask worker, in the main thread of a child
    process there (:func:`qproto.parallel.in_main_thread`), so each
    property's time budget holds as it does in local workers."""
    from qproto.parallel import in_main_thread

    return in_main_thread(_slice, args)


def _slice(args: tuple[str, int, int, int, int, dict], root: str = str(ROOT)) -> core.Report:
    """:func:`_work` where ``tests.mutation`` may not be importable: the
    repository's root goes on the path first (it is not an installed package)."""
    if root not in sys.path:
        sys.path.append(root)  # after site-packages: the installed qproto
    from tests.mutation import core as worker_core

    name, seed, share, worker, workers, options = args
    module = importlib.import_module(f"tests.mutation.{name}")
    return worker_core.run_slice(name, module, seed, share, worker, workers, options)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--families", default=",".join(DEFAULT_SHARES))
    p.add_argument("--count", type=int, default=None, help="total mutants (default: the full shares, 2,400)")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="local worker processes; with --scheduler, the work units per family (default: the cores here)",
    )
    p.add_argument("--budget", type=int, default=10, help="adversary cases per property (default 10)")
    p.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="run the work units on this Dask distributed scheduler instead of local processes",
    )
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)
    names = [n for n in a.families.split(",") if n]
    shares = {n: DEFAULT_SHARES.get(n, 100) for n in names}
    if a.count is not None:
        total = sum(shares.values())
        shares = {n: max(1, round(a.count * s / total)) for n, s in shares.items()}
    options = {"budget": a.budget, "seed": a.seed}
    tasks = [(n, a.seed, shares[n], w, a.jobs, options) for n in names for w in range(a.jobs)]
    t0 = time.perf_counter()
    if a.scheduler:
        try:
            reports = map_on_cluster(_cluster_work, tasks, a.scheduler)
        except QprotoError as exc:
            print(f"mutation_campaign: error: {exc}", file=sys.stderr)
            return 2
    elif a.jobs == 1:
        reports = [_work(t) for t in tasks]
    else:
        with ProcessPoolExecutor(a.jobs) as pool:
            reports = list(pool.map(_work, tasks))
    report = core.merge(reports)
    report.seconds = time.perf_counter() - t0
    bad = report.disagreements or report.missing_counterexamples
    if a.json:
        print(
            json.dumps(
                {
                    "summary": report.summary(),
                    "by_family": report.by_family,
                    "disagreements": [
                        {
                            "mutant": d.mutant.spec.name if d.mutant.spec else d.mutant.origin,
                            "operator": d.mutant.operator,
                            "description": d.mutant.description,
                            "property": d.property,
                            "status": d.status,
                            "truth": d.truth,
                            "detail": d.detail,
                        }
                        for d in report.disagreements
                    ],
                    "missing_counterexamples": report.missing_counterexamples,
                    "errors": report.errors[:50],
                },
                indent=2,
            )
        )
    else:
        print(report.summary())
        for fam, counts in sorted(report.by_family.items()):
            print(f"  {fam:12} " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        for d in report.disagreements:
            print(
                f"DISAGREE {d.mutant.origin} [{d.mutant.operator}: {d.mutant.description}] "
                f"{d.property}: qproto {d.status}, ground truth {d.truth} — {d.detail}"
            )
        for name, prop in report.missing_counterexamples:
            print(f"NO COUNTEREXAMPLE {name} {prop}")
        for name, prop, summary in report.errors[:20]:
            print(f"ERROR {name} {prop}: {summary}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
