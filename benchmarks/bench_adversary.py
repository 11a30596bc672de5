"""The adversary engine: how many attacks per second it evaluates.

Run: ``python benchmarks/bench_adversary.py [--cases N]``.  Prints figures
and ratios against baselines measured in the same run; asserts no time.

1. Figures of one attack on BB84 (QBER, I(A:B), I(A:E), χ(A:E)) from the
   numeric instrument the fuzzer uses, against the exact route (the
   catalogue's exact instrument, then evaluated numerically) that a replay
   takes.
2. One fuzzed property (``soundness-key-rate``) at a budget, cases/s.
3. The exact binomial tail for the abort bound, at growing sample sizes.
"""

from __future__ import annotations

import argparse
import time
from fractions import Fraction

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=200)
    args = ap.parse_args()

    from qproto.cli.fuzz_cmd import adversary_spec
    from qproto.models.attacks import parse_attack
    from qproto.proofs.adversary import AttackCase, binomial_upper_tail, figures
    from qproto.proofs.runner import verify
    from qproto.spec.bb84 import BB84

    rng = np.random.default_rng(0)
    labels = [f"fuchs-peres:disturbance={d:.3f}" for d in rng.uniform(0, 0.5, args.cases)]
    probes = [
        AttackCase("entangling-probe:" + ",".join(f"a{k + 1}={x:.3f}" for k, x in enumerate(rng.uniform(-1, 1, 15))))
        for _ in range(args.cases)
    ]

    t = time.perf_counter()
    for lab in labels:
        inst = parse_attack(lab).instrument()
        figures(BB84, inst.numeric(), acceptance=False)
    exact_s = time.perf_counter() - t
    t = time.perf_counter()
    for lab in labels:
        figures(BB84, AttackCase(lab).instrument(), acceptance=False)
    numeric_s = time.perf_counter() - t
    t = time.perf_counter()
    for c in probes:
        figures(BB84, c.instrument(), acceptance=False)
    probe_s = time.perf_counter() - t
    print(f"fuchs-peres figures, exact route (replay): {args.cases / exact_s:9.1f} attacks/s")
    print(f"fuchs-peres figures, numeric route (fuzz): {args.cases / numeric_s:9.1f} attacks/s  ratio {exact_s / numeric_s:.1f}x")
    print(f"general entangling probes, numeric:        {args.cases / probe_s:9.1f} attacks/s")

    spec = adversary_spec(BB84)
    for budget in (30, 300):
        t = time.perf_counter()
        (v,) = verify(spec, ["adversary"], ["soundness-key-rate"], {"budget": budget, "seed": 1})
        s = time.perf_counter() - t
        print(
            f"soundness-key-rate, budget {budget:4d}: {v.status.value}, {v.evidence.get('cases')} cases in {s:.2f} s "
            f"({v.evidence.get('cases', 0) / s:.0f} cases/s)"
        )

    for n in (100, 1000, 10000):
        t = time.perf_counter()
        binomial_upper_tail(n, Fraction(16, 100), n * 11 // 100 + 1)
        print(f"exact binomial tail, n = {n:5d}: {1e3 * (time.perf_counter() - t):8.1f} ms")


if __name__ == "__main__":
    main()
