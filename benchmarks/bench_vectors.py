"""Benchmark: BB84 test-vector generation speed (vectors/s).

Generates BB84 vector files (each test a full 128-round session with every
random choice explicit, plus the 116-round threshold edge cases) and
reports tests/s and rounds/s.  Baseline, measured in the same run: the same
generation with the exact Born-probability cache disabled (every round's
probabilities re-derived in SymPy), which is what a naive generator would
do.  Also times checking the file with the reference adapter.

    python benchmarks/bench_vectors.py [--count 32] [--seed 0]
"""

from __future__ import annotations

import argparse
import time

import qproto
from qproto.vectors import check, dumps, generate, reference_adapter
from qproto.vectors import qkd as qkd_vectors


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=32, help="random sessions per group (default 32)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    spec = qproto.find("bb84")

    generate(spec, seed=args.seed + 1, count=1)  # warm imports and caches of constants
    qkd_vectors._born.cache_clear()
    doc, secs = _timed(lambda: generate(spec, seed=args.seed, count=args.count))
    tests = doc["numberOfTests"]
    rounds = sum(len(t["inputs"]["signals"]) for g in doc["testGroups"] for t in g["tests"])
    text = dumps(doc)

    # baseline: no memoisation of the exact Born probabilities
    cached = qkd_vectors._born
    uncached = cached.__wrapped__
    small = max(2, args.count // 8)
    try:
        qkd_vectors._born = uncached  # type: ignore[assignment]
        base_doc, base_secs = _timed(lambda: generate(spec, seed=args.seed, count=small))
    finally:
        qkd_vectors._born = cached
    same = dumps(base_doc) == dumps(generate(spec, seed=args.seed, count=small))
    base_tests = base_doc["numberOfTests"]

    report, check_secs = _timed(lambda: check(doc, reference_adapter))

    rate, base_rate = tests / secs, base_tests / base_secs
    print(f"BB84 vectors, seed {args.seed}, count {args.count}: {tests} tests, {rounds} rounds, {len(text) / 1e6:.2f} MB")
    print(f"  generate (cached exact Born rule): {secs:.2f} s  → {rate:.1f} vectors/s, {rounds / secs:,.0f} rounds/s")
    print(f"  baseline (no cache, same run):     {base_secs:.2f} s for {base_tests} tests → {base_rate:.1f} vectors/s")
    print(f"  ratio generate/baseline: {rate / base_rate:.1f}×   (baseline output identical: {same})")
    print(
        f"  check with the reference adapter:  {check_secs:.2f} s → {tests / check_secs:.1f} vectors/s, "
        f"{report.counts['pass']}/{tests} pass"
    )


if __name__ == "__main__":
    main()
