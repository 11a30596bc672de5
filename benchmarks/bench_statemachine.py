"""The state-machine engines side by side, in one run: explicit-state listing
vs Z3 BMC at depth 50 vs Z3 k-induction, on every enumerable catalogue
machine plus the push-button targets (the designer's ARQ, the recursive
retransmission with 5 losses: two levels and three).

For each machine, interleaved (explicit, BMC, k-induction, explicit, ...),
``--repeat`` times (default 3), it reports medians (min–max) of wall and
CPU seconds:

- ``explicit``: ``qproto`` verify of every property with
  ``sm_engine="explicit"`` (listing included), plus the listing alone:
  reachable states, edges, states/s;
- ``bmc50``: incremental BMC of the machine's first invariant property to
  depth 50 (no induction): what a bounded check costs;
- ``kind``: every property with ``sm_engine="z3"`` (k-induction + BMC, the
  default limits, ``--z3-timeout`` seconds per property), and how many
  came out proved.

Figures, not tests (no assertions).  Load average is printed: the machine
is shared, compare ratios within one run.

    .venv/bin/python benchmarks/bench_statemachine.py [--repeat 3] [--depth 50] [--only NAME]
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.append(str(Path(__file__).resolve().parents[1]))  # tests.designer_variants (after site-packages)

from qproto.proofs import explicit  # noqa: E402
from qproto.proofs.runner import verify  # noqa: E402
from qproto.proofs.statemachine import Limits, prove_invariant  # noqa: E402
from qproto.spec import catalogue  # noqa: E402
from qproto.spec.retransmission_recursive import recursive, recursive_levels  # noqa: E402
from qproto.spec.transition import TransitionSystem  # noqa: E402


def machines() -> list[TransitionSystem]:
    out = [s for s in catalogue.protocols() if isinstance(s, TransitionSystem) and explicit.enumerable(s) is None]
    out.append(importlib.import_module("tests.designer_variants.arq_stop_and_wait").SPEC)
    out.append(recursive("quantum-retransmission-recursive-5-losses", max_losses=5))
    out.append(recursive_levels(3, 5))
    return out


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - w, time.process_time() - c, out


def med(xs: list[float]) -> str:
    return f"{statistics.median(xs):.3f} ({min(xs):.3f}–{max(xs):.3f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--depth", type=int, default=50)
    ap.add_argument("--only", help="one machine (name substring)")
    ap.add_argument(
        "--z3-timeout",
        type=float,
        default=60.0,
        help="wall-clock seconds per property for the Z3 k-induction run (default 60; expiry: inconclusive)",
    )
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} (2-core machine shared); medians (min–max) of {args.repeat} runs")
    header = (
        f"{'machine':44} {'states':>7} {'edges':>7} {'states/s':>9} | {'explicit wall s':>22} "
        f"{'cpu s':>7} | {'BMC' + str(args.depth) + ' wall s':>22} | {'k-ind wall s':>22} {'proved':>7} | "
        f"{'BMC/expl':>8} {'kind/expl':>9}"
    )
    print(header)
    for spec in machines():
        if args.only and args.only not in spec.name:
            continue
        inv = next((p for p in spec.properties if p.check == "statemachine.invariant"), None)
        goal = [(inv.id, spec.expr(inv.args["invariant"]))] if inv else []
        ex_w, ex_c, bmc_w, kind_w, rates = [], [], [], [], []
        proved = (0, 0)
        graph = None
        # warm-up: parse and resolve the spec's expressions (memoised), so
        # neither engine pays for it inside the timings
        verify(spec, ["statemachine"], None, {"sm_engine": "explicit"})
        for _ in range(args.repeat):
            w, c, graph = timed(lambda: explicit.explore(spec))
            rates.append(len(graph.states) / graph.seconds)
            w, c, vs = timed(lambda: verify(spec, ["statemachine"], None, {"sm_engine": "explicit"}))
            ex_w.append(w)
            ex_c.append(c)
            if goal:
                w, _, _ = timed(lambda: prove_invariant(spec, goal, Limits(bound=args.depth), induction=False))
                bmc_w.append(w)
            w, _, zs = timed(lambda: verify(spec, ["statemachine"], None, {"sm_engine": "z3", "timeout": args.z3_timeout}))
            kind_w.append(w)
            proved = (sum(v.status.value == "proved" for v in zs), len(zs))
        assert graph is not None
        e = statistics.median(ex_w)
        bmc = med(bmc_w) if bmc_w else "-"
        r_bmc = f"{statistics.median(bmc_w) / e:8.0f}" if bmc_w else f"{'-':>8}"
        print(
            f"{spec.name[:44]:44} {len(graph.states):7d} {graph.edges:7d} {statistics.median(rates):9.0f} | "
            f"{med(ex_w):>22} {statistics.median(ex_c):7.3f} | {bmc:>22} | {med(kind_w):>22} "
            f"{proved[0]:>3}/{proved[1]:<3} | {r_bmc} {statistics.median(kind_w) / e:9.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
