"""Teleportation: proof obligations and vectorised numeric runs.

Run: ``python benchmarks/bench_teleportation.py [--runs N]``.  Prints
figures and ratios against baselines measured in the same run on the same
machine; nothing here asserts a time.

1. The four teleportation proof obligations (``qproto.verify``): the first
   call after import (cold: SymPy caches empty) and the median of repeated
   calls (warm).
2. Numeric teleportation of N Haar-random states with the batch runner,
   against two per-run baselines: the branch-following numeric model
   (``models.circuit.run(numeric=True)``) and a plain per-run NumPy loop.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def per_run_numpy(inputs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The naive baseline: one 8-amplitude state vector per run, in a loop."""
    h = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
    cnot = np.eye(4)[[0, 1, 3, 2]]
    u = np.kron(cnot, np.eye(2))
    u = np.kron(h, np.eye(4)) @ u
    bell = np.array([1, 0, 0, 1]) / np.sqrt(2)
    x = np.array([[0, 1], [1, 0]])
    z = np.diag([1, -1])
    out = np.empty_like(inputs)
    for i, psi in enumerate(inputs):
        s = u @ np.kron(psi, bell)
        s = s.reshape(2, 2, 2)
        p = np.sum(np.abs(s) ** 2, axis=2).ravel()
        k = rng.choice(4, p=p / p.sum())
        m1, m2 = divmod(k, 2)
        b = s[m1, m2] / np.sqrt(p[k])
        if m2:
            b = x @ b
        if m1:
            b = z @ b
        out[i] = b
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    t0 = time.perf_counter()
    import qproto
    from qproto.models import circuit as model
    from qproto.models.batch import haar_qubits, run_batch
    from qproto.models.state import qubit
    from qproto.proofs import registry
    from qproto.spec.teleportation import TELEPORTATION

    registry.get_checker("circuit.output-equals-input")  # import the checkers too
    print(f"import: {time.perf_counter() - t0:.3f} s")

    t = time.perf_counter()
    verdicts = qproto.verify(TELEPORTATION)
    cold = time.perf_counter() - t
    assert all(v.status.value == "proved" for v in verdicts)
    per = {v.property: v.seconds for v in verdicts}
    warm = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        qproto.verify(TELEPORTATION)
        warm.append(time.perf_counter() - t)
    print(f"teleportation proof obligations (4): cold {cold * 1e3:.1f} ms, warm median {statistics.median(warm) * 1e3:.1f} ms")
    for k, v in per.items():
        print(f"  {k:28s} {v * 1e3:7.1f} ms (cold)")

    rng = np.random.default_rng(2026)
    x = haar_qubits(args.runs, rng)
    t = time.perf_counter()
    r = run_batch(TELEPORTATION, x, rng)
    dt = time.perf_counter() - t
    fid = np.abs(np.sum(np.conj(x) * r.conditional("b"), axis=1)) ** 2
    batch_rate = args.runs / dt
    print(f"batch numeric teleportation: {args.runs} runs in {dt:.3f} s = {batch_rate:,.0f} runs/s (min fidelity {fid.min():.12f})")

    n_loop = 20_000
    xs = x[:n_loop]
    t = time.perf_counter()
    per_run_numpy(xs, rng)
    loop_rate = n_loop / (time.perf_counter() - t)
    print(f"per-run NumPy loop baseline: {loop_rate:,.0f} runs/s -> batch is {batch_rate / loop_rate:.0f}x")

    n_model = 300
    t = time.perf_counter()
    for psi in xs[:n_model]:
        model.run(TELEPORTATION, input_state=qubit(complex(psi[0]), complex(psi[1]), "q"), numeric=True)
    model_rate = n_model / (time.perf_counter() - t)
    print(f"branch-following numeric model (all 4 branches per run): {model_rate:,.0f} runs/s -> batch is {batch_rate / model_rate:.0f}x")


if __name__ == "__main__":
    main()
