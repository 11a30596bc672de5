"""Baseline: teleportation of N random qubit states, vectorised NumPy.

What a competent engineer writes without qproto: all N runs as one
(N, 8) complex array, the circuit (CNOT from the input onto Alice's half of
|Φ+⟩, then H on the input) as one 8×8 matrix applied with a single matrix
product, the Born probabilities of Alice's two outcomes summed over Bob's
qubit, one uniform per run to pick the outcome pair from their cumulative
sum, Bob's conditional state read off by fancy indexing and corrected in
closed form (X^m2 then Z^m1: swap the amplitudes where m2 = 1, negate the
second where m1 = 1).  It returns Bob's corrected state and the outcomes.

    .venv/bin/python benchmarks/baseline_teleport_numpy.py --runs 1000000
"""

from __future__ import annotations

import argparse
import time

import numpy as np

CHUNK = 1 << 15

_H = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
_CNOT = np.eye(4)[[0, 1, 3, 2]]
#: qubit order (input q, Alice's a, Bob's b), q most significant
CIRCUIT = np.kron(_H, np.eye(4)) @ np.kron(_CNOT, np.eye(2))
BELL = np.array([1, 0, 0, 1]) / np.sqrt(2)


def haar(n: int, rng: np.random.Generator) -> np.ndarray:
    v = rng.normal(size=(n, 2)) + 1j * rng.normal(size=(n, 2))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def teleport(psi: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bob's corrected states (N, 2) and Alice's outcomes m1 (from q), m2 (from a)."""
    n = psi.shape[0]
    out = np.empty((n, 2), dtype=complex)
    m1 = np.empty(n, dtype=np.int8)
    m2 = np.empty(n, dtype=np.int8)
    ut = CIRCUIT.T.astype(complex)
    for lo in range(0, n, CHUNK):
        hi = min(n, lo + CHUNK)
        s = (psi[lo:hi, :, None] * BELL[None, None, :]).reshape(-1, 8) @ ut
        s = s.reshape(-1, 4, 2)  # (run, outcome pair 2·m1 + m2, Bob's amplitude)
        p = (s.real**2 + s.imag**2).sum(axis=2)
        cum = np.cumsum(p, axis=1)
        k = np.minimum((cum <= rng.random(hi - lo)[:, None]).sum(axis=1), 3)
        rows = np.arange(hi - lo)
        b = s[rows, k] / np.sqrt(p[rows, k])[:, None]
        x_fix = (k & 1).astype(bool)
        b[x_fix] = b[x_fix, ::-1]  # X: swap amplitudes
        b[:, 1] *= 1 - 2 * (k >> 1)  # Z: negate |1⟩ where m1 = 1
        out[lo:hi] = b
        m1[lo:hi], m2[lo:hi] = k >> 1, k & 1
    return out, m1, m2


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1_000_000)
    args = ap.parse_args()
    rng = np.random.default_rng(1)
    psi = haar(args.runs, rng)
    t = time.process_time()
    bob, _, _ = teleport(psi, rng)
    dt = time.process_time() - t
    fid = np.abs(np.sum(np.conj(psi) * bob, axis=1)) ** 2
    print(f"{args.runs} runs: {dt:.3f} s CPU = {args.runs / dt:,.0f} runs/s; min fidelity {fid.min():.12f}")


if __name__ == "__main__":
    main()
