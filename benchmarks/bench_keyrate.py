"""Benchmark: certified numerical key rates (issue 12).

    .venv/bin/python benchmarks/bench_keyrate.py [--repeat 5] [--json]

Measures, after one warm-up call (cvxpy import and compilation of the
cached SDPs; reported separately):

- one certified BB84 point (depolarizing p = 0.1, QBER 5 %) and one B92
  point (p = 0.05): median wall time of the full certified bracket;
- the same points without certification (the primal relative-entropy
  minimisation only, no dual SDP): the ratio certified / uncertified;
- a 31-point curve of the certified bracket against the QBER
  (BB84, QBER 0 … 15 %) and the certified zero-rate bracket of BB84 and B92.

Targets (issue 12): ≤ 1 s per certified point, ≤ 30 s for the 31-point curve.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any, Callable

from qproto.models import keyrate_numeric as kn
from qproto.models.keyrate_source import depolarizing_kraus, problem
from qproto.spec.b92 import B92
from qproto.spec.bb84 import BB84


def _median_seconds(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _uncertified(spec: Any, p: float) -> float:
    prob = problem(spec, depolarizing_kraus(p), "bench")
    start, _ = kn._start_point(prob, "CLARABEL")
    sigma, _ = kn._newton_primal(prob, kn.EPSILON, start)
    return kn.objective(sigma, prob.structure.blocks)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    out: dict[str, Any] = {}

    t0 = time.perf_counter()
    kn.key_rate_numeric(BB84, noise=0.1)
    kn.key_rate_numeric(B92, noise=0.05)
    out["warmup_seconds"] = time.perf_counter() - t0

    for name, spec, p in (("bb84", BB84, 0.1), ("b92", B92, 0.05)):
        cert = _median_seconds(lambda: kn.key_rate_numeric(spec, noise=p), args.repeat)
        plain = _median_seconds(lambda: _uncertified(spec, p), args.repeat)
        r = kn.key_rate_numeric(spec, noise=p)
        out[name] = {
            "noise": p, "qber": r.qber, "lower": r.lower, "upper": r.upper, "gap": r.gap,
            "certified_seconds": cert, "uncertified_seconds": plain, "ratio": cert / plain,
        }

    t0 = time.perf_counter()
    curve = []
    for i in range(31):
        q = 0.15 * i / 30
        r = kn.key_rate_numeric(BB84, noise=2 * q)
        curve.append((q, r.lower, r.upper))
    out["curve_bb84_31_points_seconds"] = time.perf_counter() - t0
    out["curve_bb84"] = curve

    for name, spec in (("bb84", BB84), ("b92", B92)):
        t0 = time.perf_counter()
        lo, hi = kn.certified_threshold(spec)
        out[f"threshold_{name}"] = {"qber_low": lo, "qber_high": hi, "seconds": time.perf_counter() - t0}

    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"warm-up (cvxpy import + SDP compilation): {out['warmup_seconds']:.2f} s")
    for name in ("bb84", "b92"):
        d = out[name]
        print(f"{name}: p={d['noise']} QBER={d['qber']:.4f} rate ∈ [{d['lower']:.6f}, {d['upper']:.6f}] "
              f"certified {d['certified_seconds'] * 1e3:.0f} ms, uncertified {d['uncertified_seconds'] * 1e3:.0f} ms, "
              f"ratio {d['ratio']:.2f}")
    print(f"31-point BB84 curve (QBER 0–15 %): {out['curve_bb84_31_points_seconds']:.2f} s")
    for name in ("bb84", "b92"):
        t = out[f"threshold_{name}"]
        print(f"zero-rate bracket {name}: QBER ∈ [{t['qber_low']:.6f}, {t['qber_high']:.6f}] in {t['seconds']:.2f} s")


if __name__ == "__main__":
    main()
