"""Seeded choices whose stream is stable across NumPy versions.

Test vectors promise byte-identical files for a seed within a generator
version.  ``numpy.random.Generator`` methods (``integers``, ``choice``) may
change their algorithms between NumPy releases, but the raw output of a bit
generator (PCG64) is fixed by its definition.  So every choice here is
derived from ``rng.bit_generator.random_raw()`` words by explicit rules
(rejection sampling for a bounded integer), and nothing else of NumPy's
sampling machinery is used.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

from qproto.spec.validation import check_int

T = TypeVar("T")


def make_rng(seed: int, *labels: str) -> np.random.Generator:
    """A PCG64 generator for ``seed`` and a label path (protocol, group), so
    that adding a protocol or a group never shifts another one's stream."""
    digest = hashlib.sha256("/".join(labels).encode("utf-8")).digest()
    entropy = [int(seed)] + [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 32, 4)]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))


def raw_words(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` raw 64-bit words from the bit generator (a stable stream)."""
    return np.asarray(rng.bit_generator.random_raw(n), dtype=np.uint64)


def bits(rng: np.random.Generator, n: int) -> list[int]:
    """``n`` fair bits, the low bits of raw words taken 64 at a time."""
    if n <= 0:
        return []
    words = raw_words(rng, (n + 63) // 64)
    shifts = np.arange(64, dtype=np.uint64)
    out = ((words[:, None] >> shifts[None, :]) & np.uint64(1)).astype(np.int8).reshape(-1)
    return [int(b) for b in out[:n]]


def below(rng: np.random.Generator, k: int) -> int:
    """A uniform integer in [0, k), by rejection on raw words."""
    if k <= 0:
        raise ValueError(f"below: k={k} must be > 0")
    if k == 1:
        return 0
    limit = (1 << 64) - ((1 << 64) % k)
    while True:
        w = int(raw_words(rng, 1)[0])
        if w < limit:
            return w % k


def pick(rng: np.random.Generator, options: Sequence[T]) -> T:
    """One element of ``options``, uniformly."""
    return options[below(rng, len(options))]


def bernoulli(rng: np.random.Generator, n: int, numerator: int, denominator: int) -> list[int]:
    """``n`` independent events of exact probability numerator/denominator."""
    return [1 if below(rng, denominator) < numerator else 0 for _ in range(n)]


def sample_indices(rng: np.random.Generator, n: int, k: int) -> list[int]:
    """``k`` distinct indices of range(n), sorted (a partial Fisher–Yates)."""
    check_int("sample_indices: k", k, 0, n, why="a sample of distinct indices of range(n)", error=ValueError)
    pool = list(range(n))
    for i in range(k):
        j = i + below(rng, n - i)
        pool[i], pool[j] = pool[j], pool[i]
    return sorted(pool[:k])


__all__ = ["make_rng", "raw_words", "bits", "below", "pick", "bernoulli", "sample_indices"]
