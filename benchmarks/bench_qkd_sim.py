"""Benchmark: qproto's bit-packed BB84 simulator against a bit-packed NumPy
baseline (``baseline_qkd_numpy.py``), in the same run, interleaved.

For Eve on every round (f = 1) and on a tenth (f = 0.1), at N rounds
(default 10^8), ``--repeat`` interleaved repetitions (default 3) of:

- ``qproto``: ``simulate(BB84, N, seed, intercept-resend:fraction=f,
  keep_transcript=False)`` (the streamed summary, what ``qproto simulate``
  runs);
- ``qproto+transcript``: the same at N/10 with every round's fields kept
  (the round-by-round path), scaled to N;
- ``baseline``: the bit-packed NumPy script;
- ``floor``: drawing the minimum number of random bits a round-by-round
  simulator needs — the entropy of one round's record (Alice's bit and
  basis, Bob's basis and bit, Eve's choice and basis, the sample flag):
  3 + h(f) + f + 1/2 + f/4 + h(s)/2 bits per round — as raw 64-bit words;
- ``drawn``: drawing as many raw words as qproto's engine actually draws
  (counted).

Then, in fresh processes, the streamed runs at 10^9 and 10^10 rounds (peak
RSS from ``wait4``), the exact abort probability's share at 10^9 (its time
against the simulation's), and ``qproto simulate --rounds 10^9`` end to end.

    .venv/bin/python benchmarks/bench_qkd_sim.py [--rounds 1e8] [--repeat 3] [--big 1e9,1e10] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.append(str(ROOT))  # after site-packages: the installed qproto, not the bare source folder

import baseline_qkd_numpy as baseline  # noqa: E402
import timing  # noqa: E402

from qproto.models import qkd_sim  # noqa: E402
from qproto.models.attacks import parse_attack  # noqa: E402
from qproto.spec.bb84 import BB84  # noqa: E402

SAMPLE = 0.1


def h(p: float) -> float:
    return 0.0 if p in (0.0, 1.0) else -p * math.log2(p) - (1 - p) * math.log2(1 - p)


def round_entropy(f: float, s: float = SAMPLE) -> float:
    """Bits of randomness in one round's record (BB84, fair bases, Eve in
    Z/X with probability 1/2 each on a fraction f): Alice's bit and basis
    and Bob's basis (3), whether Eve intercepts (h(f)) and her basis (f),
    Bob's coin when his basis differs from the state's (1/2), Eve's own coin
    where it reaches Bob's bit (f/4), the sample flag on sifted rounds
    (h(s)/2)."""
    return 3 + h(f) + f + 0.5 + f / 4 + h(s) / 2


def words_drawn(rounds: int, attack) -> int:
    """Raw 64-bit words the engine draws for one run (counted)."""
    drawn = []
    real = qkd_sim.random_words
    qkd_sim.random_words = lambda rng, n: drawn.append(n) or real(rng, n)
    try:
        qkd_sim.simulate(BB84, rounds, 1, attack, keep_transcript=False)
    finally:
        qkd_sim.random_words = real
    return sum(drawn)


def draw(words: int) -> None:
    bitgen = np.random.default_rng(0).bit_generator
    chunk = 1 << 14
    for lo in range(0, words, chunk):
        bitgen.random_raw(min(chunk, words - lo))


def compare(n: int, fraction: float, repeat: int) -> dict:
    attack = parse_attack(f"intercept-resend:fraction={fraction}")
    small = max(64, n // 10)
    drawn = words_drawn(n, attack)
    floor_words = math.ceil(n * round_entropy(fraction) / 64)
    cases = {
        "qproto": lambda: qkd_sim.simulate(BB84, n, 1, attack, keep_transcript=False).summary,
        "baseline": lambda: baseline.bb84(n, 1, fraction),
        "floor": lambda: draw(floor_words),
        "drawn": lambda: draw(drawn),
        "qproto+transcript": lambda: qkd_sim.simulate(BB84, small, 1, attack, keep_transcript=True).summary,
    }
    t = timing.interleaved(cases, repeat)
    scale = n / small
    for k in ("cpu", "wall"):
        t["qproto+transcript"][k] = {m: v * scale for m, v in t["qproto+transcript"][k].items()}
    s, b = t["qproto"]["result"], t["baseline"]["result"]
    q_cpu, b_cpu = t["qproto"]["cpu"]["median"], t["baseline"]["cpu"]["median"]
    return {
        "fraction": fraction,
        "rounds": n,
        "bits_per_round_drawn": 64 * drawn / n,
        "bits_per_round_minimum": round_entropy(fraction),
        "times": {k: {"cpu": v["cpu"], "wall": v["wall"]} for k, v in t.items()},
        "rounds_per_cpu_second": {k: n / v["cpu"]["median"] for k, v in t.items()},
        "ratio_vs_baseline_cpu": b_cpu / q_cpu,
        "ratio_vs_baseline_wall": t["baseline"]["wall"]["median"] / t["qproto"]["wall"]["median"],
        "ratio_to_floor_cpu": q_cpu / t["floor"]["cpu"]["median"],
        "ratio_to_drawn_cpu": q_cpu / t["drawn"]["cpu"]["median"],
        "qber": {"qproto": s.qber, "baseline": b["sifted_errors"] / b["sifted"], "exact": fraction / 4},
    }


BIG_SCRIPT = """
import json, sys, time
sys.path.append({root!r})
from qproto.models.attacks import parse_attack
from qproto.models.qkd_sim import abort_probability, simulate
from qproto.spec.bb84 import BB84
n, f = {n}, {f}
attack = parse_attack(f"intercept-resend:fraction={{f}}")
c = time.process_time()
r = simulate(BB84, n, 2, attack, keep_transcript=False)
sim = time.process_time() - c
c = time.process_time()
p = abort_probability(n, "1/2", f / 4, r.summary.sample_fraction, r.summary.threshold)
ab = time.process_time() - c
print(json.dumps({{"sim_cpu": sim, "abort_cpu": ab, "abort": p, "qber": r.summary.qber}}))
"""


def big_run(n: int, fraction: float) -> dict:
    res = timing.child_usage([sys.executable, "-c", BIG_SCRIPT.format(root=str(ROOT), n=n, f=fraction)], cwd=str(ROOT))
    doc = json.loads(res["stdout"]) if res["returncode"] == 0 else {"error": res["stderr"][-500:]}
    return {
        "rounds": n,
        "fraction": fraction,
        "process_cpu": res["cpu"],
        "wall": res["wall"],
        "peak_rss_mib": res["rss_mib"],
        **doc,
        "abort_share": doc.get("abort_cpu", float("nan")) / doc.get("sim_cpu", float("nan")) if "sim_cpu" in doc else None,
    }


def cli_run(n: int, fraction: float) -> dict:
    argv = [
        sys.executable,
        "-m",
        "qproto",
        "simulate",
        "bb84",
        "--rounds",
        str(n),
        "--seed",
        "3",
        "--attack",
        f"intercept-resend:fraction={fraction}",
        "--json",
        "--no-progress",
    ]
    res = timing.child_usage(argv, cwd=str(ROOT))
    doc = json.loads(res["stdout"]) if res["returncode"] == 0 else {}
    return {
        "rounds": n,
        "fraction": fraction,
        "process_cpu": res["cpu"],
        "wall": res["wall"],
        "peak_rss_mib": res["rss_mib"],
        "simulation_seconds": doc.get("seconds"),
        "abort_probability": doc.get("expected", {}).get("abort_probability"),
        "returncode": res["returncode"],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=float, default=1e8)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--big", default="1e9,1e10", help="comma-separated round counts for the streamed runs ('' for none)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    doc = {"load_before": timing.load(), "cpu_count": os.cpu_count()}
    doc["compare"] = [compare(int(args.rounds), f, args.repeat) for f in (1.0, 0.1)]
    doc["streamed"] = [big_run(int(float(b)), f) for b in filter(None, args.big.split(",")) for f in (1.0, 0.1)]
    doc["cli"] = [cli_run(10**9, 1.0)] if "1e9" in args.big else []
    doc["load_after"] = timing.load()
    if args.json:
        print(json.dumps(doc, indent=1, default=str))
        return
    print(f"load average before {doc['load_before']}, after {doc['load_after']}")
    for c in doc["compare"]:
        print(
            f"f = {c['fraction']}, N = {c['rounds']:.0e}: bits/round drawn {c['bits_per_round_drawn']:.3f}, "
            f"round-by-round minimum {c['bits_per_round_minimum']:.3f}"
        )
        for k, v in c["times"].items():
            print(
                f"  {k:18s} CPU {timing.fmt(v['cpu'])}  wall {timing.fmt(v['wall'])}  "
                f"{c['rounds_per_cpu_second'][k]:.3e} rounds/CPU-s"
            )
        print(
            f"  qproto vs baseline: {c['ratio_vs_baseline_cpu']:.2f}x CPU, {c['ratio_vs_baseline_wall']:.2f}x wall; "
            f"qproto / floor {c['ratio_to_floor_cpu']:.2f}, qproto / its own draws {c['ratio_to_drawn_cpu']:.2f}; QBER {c['qber']}"
        )
    for b in doc["streamed"]:
        print(
            f"streamed N = {b['rounds']:.0e}, f = {b['fraction']}: sim {b.get('sim_cpu', float('nan')):.2f} s CPU, "
            f"abort probability {b.get('abort_cpu', float('nan')) * 1e3:.1f} ms ({(b['abort_share'] or 0) * 100:.1f} %), "
            f"peak RSS {b['peak_rss_mib']:.0f} MiB"
        )
    for c in doc["cli"]:
        print(f"qproto simulate --rounds {c['rounds']:.0e}: {c['process_cpu']:.2f} s CPU, peak RSS {c['peak_rss_mib']:.0f} MiB")


if __name__ == "__main__":
    main()
