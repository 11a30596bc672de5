"""Benchmark: the bit-packed BB84 simulator against a naive per-element
NumPy version, measured in the same run.

Prints qubits/s with and without an intercept-resend eavesdropper (f = 1/2)
at N = 10^8, the ratio to the naive version (one bool/float per round,
measured at N = 10^7 to keep its memory reasonable, extrapolated per
qubit), and the peak memory of a streamed N = 10^9 run (tracemalloc for
NumPy allocations, and the process's max RSS).

    .venv/bin/python benchmarks/bench_qkd_sim.py [--rounds 1e8] [--naive-rounds 1e7] [--big 1e9] [--skip-big]
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np

from qproto.models.attacks import parse_attack
from qproto.models.qkd_sim import simulate
from qproto.spec.bb84 import BB84


def naive_bb84(rounds: int, seed: int, fraction: float, sample_fraction: float = 0.1) -> dict[str, int]:
    """One array element per round, the textbook way: the baseline."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 2, rounds, dtype=np.uint8)
    alpha = rng.integers(0, 2, rounds, dtype=np.uint8)
    beta = rng.integers(0, 2, rounds, dtype=np.uint8)
    state_bit, state_basis = a.copy(), alpha.copy()
    if fraction:
        e = rng.random(rounds) < fraction
        gamma = rng.integers(0, 2, rounds, dtype=np.uint8)
        eve_bit = np.where(gamma == alpha, a, rng.integers(0, 2, rounds, dtype=np.uint8))
        state_bit = np.where(e, eve_bit, a)
        state_basis = np.where(e, gamma, alpha)
    b = np.where(beta == state_basis, state_bit, rng.integers(0, 2, rounds, dtype=np.uint8))
    sifted = alpha == beta
    sample = sifted & (rng.random(rounds) < sample_fraction)
    err = a != b
    return {"sifted": int(sifted.sum()), "sample": int(sample.sum()), "sample_errors": int((sample & err).sum())}


def timed(fn, *args, repeat: int = 1, **kw):
    best = float("inf")
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn(*args, **kw)
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=float, default=1e8)
    ap.add_argument("--naive-rounds", type=float, default=1e7)
    ap.add_argument("--big", type=float, default=1e9)
    ap.add_argument("--skip-big", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    n, nn = int(args.rounds), int(args.naive_rounds)
    ir = parse_attack("intercept-resend:fraction=1/2")

    simulate(BB84, 10**6, 0, ir, keep_transcript=False)  # warm-up
    t_eve, r_eve = timed(simulate, BB84, n, 1, ir, keep_transcript=False, repeat=args.repeat)
    t_clean, _ = timed(simulate, BB84, n, 1, None, keep_transcript=False, repeat=args.repeat)
    t_naive, r_naive = timed(naive_bb84, nn, 1, 0.5, repeat=1)
    t_packed_small, _ = timed(simulate, BB84, nn, 1, ir, keep_transcript=False, repeat=args.repeat)

    eve_rate = n / t_eve
    print(f"bit-packed BB84 with intercept-resend f=1/2, N={n:.0e}: {t_eve:.3f} s = {eve_rate:.3e} qubits/s "
          f"(target ≥ 2e8: {'met' if eve_rate >= 2e8 else 'NOT met'})")
    print(f"bit-packed BB84 without Eve,               N={n:.0e}: {t_clean:.3f} s = {n / t_clean:.3e} qubits/s")
    print(f"naive per-element NumPy with Eve,          N={nn:.0e}: {t_naive:.3f} s = {nn / t_naive:.3e} qubits/s")
    print(f"bit-packed with Eve at the same N={nn:.0e}: {t_packed_small:.3f} s; "
          f"ratio naive/bit-packed = {t_naive / t_packed_small:.1f}x")
    s = r_eve.summary
    print(f"  check: sift rate {s.sift_rate:.6f} (exact 1/2), QBER {s.qber:.6f} (exact 1/8); "
          f"naive sift rate {r_naive['sifted'] / nn:.6f}")

    if not args.skip_big:
        big = int(args.big)
        tracemalloc.start()
        t = time.perf_counter()
        r = simulate(BB84, big, 2, ir, keep_transcript=False)
        dt = time.perf_counter() - t
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"streamed N={big:.0e} with Eve: {dt:.2f} s = {big / dt:.3e} qubits/s; peak traced memory "
              f"{peak / 2**20:.1f} MiB (process max RSS {rss:.0f} MiB, includes the naive baseline above); "
              f"QBER {r.summary.qber:.6f}")


if __name__ == "__main__":
    main()
