"""Baseline: BB84 with an intercept-resend eavesdropper, bit-packed NumPy.

What a competent engineer writes in an hour without qproto: 64 rounds per
``uint64`` word, every random field of every round drawn as a word of fair
coins from the bit generator's raw output (``random_raw``, the fastest way
NumPy gives uniform bits), the protocol done with bitwise operations, the
counts with ``np.bitwise_count``.  Bernoulli(q) masks for a dyadic q = k/2^m
use the standard exact trick: m words combined with AND/OR from the least
significant digit of q up (bit = [U < q]).  Same semantics and parameters as
``qproto.models.qkd_sim.simulate`` (Eve on a fraction f of rounds, her basis
X with probability 1/2, the sample an independent Bernoulli(s) per sifted
bit, f truncated to 24 binary digits and s to 16), streamed in chunks of
2^20 rounds.

    .venv/bin/python benchmarks/baseline_qkd_numpy.py --rounds 1e8 --fraction 1
"""

from __future__ import annotations

import argparse
import math
import time
from fractions import Fraction

import numpy as np

CHUNK = 1 << 20


def dyadic(q: float | Fraction, bits: int) -> Fraction:
    return Fraction(math.floor(Fraction(q) * (1 << bits)), 1 << bits)


def bernoulli(bitgen, q: Fraction, n: int) -> np.ndarray:
    """n words of independent Bernoulli(q) bits, q = num/2^m exactly:
    digit by digit from the least significant, L ← u | L where q has a 1,
    u & L where it has a 0 (u a word of fair coins)."""
    if q <= 0:
        return np.zeros(n, np.uint64)
    if q >= 1:
        return np.full(n, np.uint64(0xFFFFFFFFFFFFFFFF))
    m = q.denominator.bit_length() - 1
    out = np.zeros(n, np.uint64)
    for j in range(m):  # least significant digit first
        u = bitgen.random_raw(n)
        if (q.numerator >> j) & 1:
            np.bitwise_or(out, u, out=out)
        else:
            np.bitwise_and(out, u, out=out)
    return out


def count(words: np.ndarray) -> int:
    return int(np.bitwise_count(words).sum())


def bb84(rounds: int, seed: int, fraction: float = 1.0, sample_fraction: float = 0.1) -> dict[str, int]:
    """Counts of one run: sifted bits, errors among them, sample and its
    errors, and the rounds Eve intercepted."""
    bitgen = np.random.default_rng(seed).bit_generator
    f, s = dyadic(fraction, 24), dyadic(sample_fraction, 16)
    totals = dict(sifted=0, sifted_errors=0, sample_size=0, sample_errors=0, intercepted=0)
    done = 0
    while done < rounds:
        m = min(CHUNK, rounds - done)
        n = (m + 63) // 64
        valid = np.full(n, np.uint64(0xFFFFFFFFFFFFFFFF))
        if m % 64:
            valid[-1] = np.uint64((1 << (m % 64)) - 1)
        a, alpha, beta = bitgen.random_raw(n), bitgen.random_raw(n), bitgen.random_raw(n)
        if f:
            e = bernoulli(bitgen, f, n) & valid
            gamma, r1 = bitgen.random_raw(n), bitgen.random_raw(n)
            wrong = e & (gamma ^ alpha)  # Eve measured in the other basis: her outcome is a coin
            bit = (a & ~wrong) | (r1 & wrong)
            basis = (alpha & ~e) | (gamma & e)
            totals["intercepted"] += count(e)
        else:
            bit, basis = a, alpha
        coin = beta ^ basis  # Bob measures in the other basis than the state's
        b = (bit & ~coin) | (bitgen.random_raw(n) & coin)
        sifted = ~(alpha ^ beta) & valid
        sample = bernoulli(bitgen, s, n) & sifted
        err = a ^ b
        totals["sifted"] += count(sifted)
        totals["sifted_errors"] += count(sifted & err)
        totals["sample_size"] += count(sample)
        totals["sample_errors"] += count(sample & err)
        done += m
    return totals


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=float, default=1e8)
    ap.add_argument("--fraction", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    n = int(args.rounds)
    t = time.process_time()
    out = bb84(n, args.seed, args.fraction)
    dt = time.process_time() - t
    print(
        f"{n:.0e} rounds, f={args.fraction}: {dt:.3f} s CPU = {n / dt:.3e} rounds/s; QBER {out['sifted_errors'] / out['sifted']:.6f}; {out}"
    )


if __name__ == "__main__":
    main()
