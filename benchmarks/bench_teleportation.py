"""Teleportation: proof obligations and vectorised numeric runs.

Run: ``python benchmarks/bench_teleportation.py [--runs N] [--repeat R] [--json]``.
Prints figures and ratios against baselines measured in the same run on the
same machine, interleaved; nothing here asserts a time.

1. The four teleportation proof obligations (``qproto.verify``): the first
   call after import (cold: SymPy caches empty) and the median of repeated
   calls (warm).
2. Numeric teleportation of N Haar-random states: the batch runner
   (``run_batch``, branch maps) against the vectorised NumPy baseline
   (``baseline_teleport_numpy.py``), interleaved, ``--repeat`` times, CPU and
   wall medians (min–max); for reference the batch runner's step-by-step
   path; and the other circuit protocols it runs (entanglement swapping,
   against ``baseline_swapping_numpy.py``; BBPSSW) by branch maps and step
   by step, at N/4.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.append(str(HERE.parent))  # after site-packages: the installed qproto

import baseline_swapping_numpy as baseline_swap  # noqa: E402
import baseline_teleport_numpy as baseline  # noqa: E402
import timing  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    doc: dict = {"load_before": timing.load(), "runs": args.runs}

    t0 = time.perf_counter()
    import qproto
    from qproto.models.batch import haar_qubits, run_batch, run_batch_stepwise
    from qproto.proofs import registry
    from qproto.spec.catalogue import find
    from qproto.spec.teleportation import TELEPORTATION

    registry.get_checker("circuit.output-equals-input")  # import the checkers too
    doc["import_seconds"] = time.perf_counter() - t0

    t = time.perf_counter()
    verdicts = qproto.verify(TELEPORTATION)
    doc["verify_cold_seconds"] = time.perf_counter() - t
    assert all(v.status.value == "proved" for v in verdicts)
    warm = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        qproto.verify(TELEPORTATION)
        warm.append(time.perf_counter() - t)
    doc["verify_warm_median_seconds"] = statistics.median(warm)

    rng = np.random.default_rng(2026)
    x = haar_qubits(args.runs, rng)
    cases = {
        "qproto run_batch": lambda: run_batch(TELEPORTATION, x, rng),
        "numpy baseline": lambda: baseline.teleport(x, rng),
        "qproto stepwise": lambda: run_batch_stepwise(TELEPORTATION, x, rng),
    }
    tel = timing.interleaved(cases, args.repeat)
    r = tel["qproto run_batch"]["result"]
    fid = np.abs(np.sum(np.conj(x) * r.conditional("b"), axis=1)) ** 2
    doc["teleportation"] = {
        k: {"cpu": v["cpu"], "wall": v["wall"], "runs_per_cpu_second": args.runs / v["cpu"]["median"]} for k, v in tel.items()
    }
    doc["teleportation_min_fidelity"] = float(fid.min())
    doc["ratio_batch_vs_numpy_cpu"] = tel["numpy baseline"]["cpu"]["median"] / tel["qproto run_batch"]["cpu"]["median"]
    doc["ratio_batch_vs_numpy_wall"] = tel["numpy baseline"]["wall"]["median"] / tel["qproto run_batch"]["wall"]["median"]

    others = {}
    n_other = max(1000, args.runs // 4)
    for name in ("entanglement-swapping", "bbpssw"):
        spec = find(name)
        xo = x[:n_other]
        cases = {"branch maps": lambda: run_batch(spec, xo, rng), "stepwise": lambda: run_batch_stepwise(spec, xo, rng)}
        if name == "entanglement-swapping":
            cases["numpy baseline"] = lambda: baseline_swap.swap(n_other, rng)
        res = timing.interleaved(cases, args.repeat)
        others[name] = {
            k: {"cpu": v["cpu"], "wall": v["wall"], "runs_per_cpu_second": n_other / v["cpu"]["median"]} for k, v in res.items()
        }
    doc["other_protocols"] = others
    doc["other_runs"] = n_other
    sw = others["entanglement-swapping"]
    doc["ratio_swapping_vs_numpy_cpu"] = sw["numpy baseline"]["cpu"]["median"] / sw["branch maps"]["cpu"]["median"]
    doc["load_after"] = timing.load()

    if args.json:
        print(json.dumps(doc, indent=1))
        return
    print(f"load average before {doc['load_before']}, after {doc['load_after']}")
    print(
        f"import: {doc['import_seconds']:.3f} s; teleportation proof obligations (4): cold {doc['verify_cold_seconds'] * 1e3:.1f} ms, "
        f"warm median {doc['verify_warm_median_seconds'] * 1e3:.1f} ms"
    )
    for k, v in doc["teleportation"].items():
        print(
            f"  {k:18s} N={args.runs}: CPU {timing.fmt(v['cpu'])}  wall {timing.fmt(v['wall'])}  {v['runs_per_cpu_second']:,.0f} runs/CPU-s"
        )
    print(
        f"  batch runner vs vectorised NumPy: {doc['ratio_batch_vs_numpy_cpu']:.2f}x CPU, {doc['ratio_batch_vs_numpy_wall']:.2f}x wall "
        f"(min fidelity {doc['teleportation_min_fidelity']:.12f})"
    )
    for name, res in others.items():
        print(f"  {name}, N={n_other}: " + ", ".join(f"{k} {v['runs_per_cpu_second']:,.0f} runs/CPU-s" for k, v in res.items()))
    print(f"  entanglement swapping, batch runner vs vectorised NumPy: {doc['ratio_swapping_vs_numpy_cpu']:.2f}x CPU")


if __name__ == "__main__":
    main()
