"""Benchmark of the Z3 state-machine engine on quantum retransmission.

Times (1) each retransmission proof (k-induction; target ≤ 5 s each on one
core), (2) an incremental BMC of the no-cloning invariant to depth 50
(target ≤ 10 s), and, as the baseline measured in the same run, (3) the
Python interpreter's exhaustive enumeration of the same machine's
reachable states.  Prints seconds and ratios to the baseline; no
assertions (figures, not tests).

    .venv/bin/python benchmarks/bench_statemachine.py [--depth 50] [--repeat 1]
"""

from __future__ import annotations

import argparse
import time

import qproto
from qproto.models import transition as interp
from qproto.proofs.statemachine import Limits, prove_invariant
from qproto.spec.retransmission import RETRANSMISSION
from qproto.spec.retransmission_recursive import RETRANSMISSION_RECURSIVE


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--depth", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()

    base_s, (states, complete) = min((_timed(lambda: interp.reachable(RETRANSMISSION)) for _ in range(args.repeat)),
                                     key=lambda x: x[0])
    print(f"baseline: interpreter enumerates {len(states)} reachable states (complete={complete}) in {base_s:.3f} s")
    print()
    print(f"{'protocol / property':58} {'status':10} {'k':>3} {'seconds':>8} {'× baseline':>11}")
    for spec in (RETRANSMISSION, RETRANSMISSION_RECURSIVE):
        for prop in spec.properties:
            best = None
            for _ in range(args.repeat):
                s, verdicts = _timed(lambda: qproto.verify(spec, properties=[prop.id]))
                best = s if best is None else min(best, s)
            v = verdicts[0]
            k = v.evidence.get("certificate", {}).get("k", "")
            label = f"{spec.name} / {prop.id}"
            print(f"{label:58} {v.status.value:10} {k!s:>3} {best:8.3f} {best / base_s:11.1f}")
    print()
    goal = [("no-cloning", RETRANSMISSION.expr("no-cloning"))]
    s, out = _timed(lambda: prove_invariant(RETRANSMISSION, goal, Limits(bound=args.depth), induction=False))
    print(f"BMC of no-cloning to depth {args.depth}: {out.status} (bound {out.bound}, {out.checks} incremental checks) "
          f"in {s:.3f} s = {s / base_s:.1f} × baseline")


if __name__ == "__main__":
    main()
