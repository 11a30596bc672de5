"""Baseline: entanglement swapping, N runs, vectorised NumPy.

What a competent engineer writes without qproto: the four qubits
(a, r1, r2, c) of |Φ+⟩_{a,r1} ⊗ |Φ+⟩_{r2,c} as a (N, 16) complex array, the
Bell measurement's circuit (CNOT r1→r2, then H on r1) as one 16×16 matrix
product, the Born probabilities of the outcome pair (m1, m2) summed over a
and c, one uniform per run, the collapsed state picked by fancy indexing
and normalised, and the corrections X^m2 then Z^m1 on c in closed form
(swap c's amplitudes where m2 = 1, negate c = 1 where m1 = 1).  It returns
the final (N, 16) states and the outcomes, as ``qproto``'s batch runner does.

    .venv/bin/python benchmarks/baseline_swapping_numpy.py --runs 250000
"""

from __future__ import annotations

import argparse
import time

import numpy as np

CHUNK = 1 << 15

_H = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
_CNOT = np.eye(4)[[0, 1, 3, 2]]
_I2 = np.eye(2)
#: qubit order (a, r1, r2, c), a most significant
CIRCUIT = np.kron(np.kron(_I2, _H), np.eye(4)) @ np.kron(np.kron(_I2, _CNOT), _I2)
PHI = np.array([1, 0, 0, 1]) / np.sqrt(2)
START = np.kron(PHI, PHI) @ CIRCUIT.T


def swap(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Final states (N, 16) and the outcomes m1 (r1), m2 (r2)."""
    out = np.empty((n, 16), dtype=complex)
    m1 = np.empty(n, dtype=np.int8)
    m2 = np.empty(n, dtype=np.int8)
    v = START.reshape(2, 2, 2, 2)  # (a, r1, r2, c) after the circuit: the same for every run
    p = (np.abs(v) ** 2).sum(axis=(0, 3)).reshape(4)  # outcome pair 2·m1 + m2
    cum = np.cumsum(p)
    for lo in range(0, n, CHUNK):
        hi = min(n, lo + CHUNK)
        k = np.minimum((cum[None, :] <= rng.random(hi - lo)[:, None]).sum(axis=1), 3)
        s = np.zeros((hi - lo, 2, 2, 2, 2), dtype=complex)
        r1, r2 = k >> 1, k & 1
        rows = np.arange(hi - lo)
        sub = v[:, r1, r2, :].transpose(1, 0, 2) / np.sqrt(p[k])[:, None, None]  # (run, a, c)
        flip = r2.astype(bool)
        sub[flip] = sub[flip][:, :, ::-1]  # X on c
        sub[:, :, 1] *= (1 - 2 * r1)[:, None]  # Z on c
        s[rows, :, r1, r2, :] = sub
        out[lo:hi] = s.reshape(hi - lo, 16)
        m1[lo:hi], m2[lo:hi] = r1, r2
    return out, m1, m2


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=250_000)
    args = ap.parse_args()
    rng = np.random.default_rng(1)
    t = time.process_time()
    states, _, _ = swap(args.runs, rng)
    dt = time.process_time() - t
    ac = states.reshape(-1, 2, 2, 2, 2)
    print(f"{args.runs} runs: {dt:.3f} s CPU = {args.runs / dt:,.0f} runs/s; norm {np.abs(ac).max():.3f}")


if __name__ == "__main__":
    main()
