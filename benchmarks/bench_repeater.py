"""Repeaters and routing: what the rigorous answers cost.

Run: ``python benchmarks/bench_repeater.py [--runs N]``.  Prints figures and
ratios against baselines measured in the same run on the same machine;
nothing here asserts a time.

1. Fidelity-guaranteed routing on the review's Figure 1 network: the
   rigorous search (float ranking + interval decisions for every cheaper
   plan) against the baseline of ranking every plan with floats only
   (no guarantee), for K = 1, 2, 3 rounds per link.
2. Path fidelity: the derived closed-form maps (``path_figures``) against
   the independent density-matrix simulation (``simulate_path``).
3. The repeater proofs (``qproto.verify``) cold, and warm.
"""

from __future__ import annotations

import argparse
import statistics
import time
from fractions import Fraction


def timed(fn, runs: int) -> float:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return statistics.median(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    runs = ap.parse_args().runs

    t0 = time.perf_counter()
    import qproto
    from qproto.models import network as net
    from qproto.models import routing
    from qproto.spec.network import REVIEW_NETWORK as N

    net.path_figures(N, ("Alice", "Satellite", "Bob"))  # derive the maps once
    print(f"import + first derivation: {time.perf_counter() - t0:.2f} s")

    thr = Fraction(23, 25)
    for k in (1, 2, 3):

        def floats_only() -> None:
            for p in routing.plans(N, "Alice", "Bob", k):
                net.path_figures(N, p.path, p.rounds)

        base = timed(floats_only, runs)
        rig = timed(lambda: routing.route(N, "Alice", "Bob", thr, k), runs)
        res = routing.route(N, "Alice", "Bob", thr, k)
        print(
            f"routing K={k}: {res.candidates} plans, status {res.status}; rigorous {rig * 1e3:.1f} ms, "
            f"float-only ranking {base * 1e3:.1f} ms, ratio {rig / base:.2f}x"
        )

    path, rounds = ("Alice", "CityA", "CityB", "Bob"), (1, 1, 1)
    closed = timed(lambda: net.path_figures(N, path, rounds), runs * 10)
    sim = timed(lambda: net.simulate_path(N, path, rounds), runs)
    print(
        f"path fidelity: derived maps {closed * 1e6:.0f} µs, density-matrix simulation {sim * 1e3:.1f} ms, "
        f"speed-up {sim / closed:.0f}x"
    )

    names = [
        "entanglement-swapping",
        "bbpssw",
        "dejmps",
        "repeater-chain",
        "quantum-memory-depolarizing",
        "fidelity-routing",
        "trusted-relay-qkd",
        "repeater-sync-cutoff",
    ]
    t0 = time.perf_counter()
    for n in names:
        qproto.verify(n)
    cold = time.perf_counter() - t0
    warm = timed(lambda: [qproto.verify(n) for n in names], runs)
    print(f"verify {len(names)} repeater protocols: cold {cold:.2f} s, warm {warm:.2f} s, ratio {cold / warm:.2f}x")


if __name__ == "__main__":
    main()
