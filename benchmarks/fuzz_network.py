"""Fuzz the network-file reader with ≥ 10,000 seeded inputs (issue 11).

    .venv/bin/python benchmarks/fuzz_network.py [--inputs 10000] [--seed 0]

Inputs, a quarter each: well-formed documents with hostile values put into
known fields, byte-level mutations of a good file, documents built from
random JSON values, and in-range numbers drawn log-uniformly up to the
limits of docs/limits.md (inputs that pass validation must not break the
model).  Each goes through
``parse_network``; an accepted network must give finite, positive link
rates and a fidelity in [0, 1] (``tests/test_network_fuzz.check_reader``).
Anything else than a Network or a QprotoError is a crash.  Prints the
counts, the crashes (must be 0) and the time; exit 1 on any crash.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT))  # after site-packages: the installed qproto, not the bare source folder

from tests.test_network_fuzz import check_reader  # noqa: E402

GOOD = {
    "name": "campus",
    "nodes": [
        {"name": "A", "kind": "ground", "coherence_time": 1.0},
        {"name": "D", "kind": "drone", "coherence_time": 0.1},
        {"name": "B", "coherence_time": "inf", "memory": "dephasing"},
    ],
    "links": [
        {"a": "A", "b": "D", "medium": "free-space", "length_km": 1, "fidelity": 0.95},
        {"a": "D", "b": "B", "medium": "fibre", "length_km": 10, "fidelity": 0.96, "attempt_rate": 1e4},
    ],
}
HOSTILE = [
    None,
    True,
    False,
    0,
    -1,
    1,
    2,
    0.5,
    -0.0,
    1e-300,
    5e-324,
    1e300,
    1e308,
    10**400,
    float("inf"),
    float("-inf"),
    float("nan"),
    "",
    "A",
    "B",
    "Z",
    "inf",
    "nan",
    "0.9",
    "fibre",
    "free-space",
    "satellite",
    "dephasing",
    [],
    ["A"],
    {},
    {"a": 1},
    "x" * 1000,
    100_000,
    1_000_000,
    36_000,
    1e9,
]
NODE_KEYS = ["name", "kind", "coherence_time", "memory", "colour"]
LINK_KEYS = [
    "a",
    "b",
    "medium",
    "length_km",
    "fidelity",
    "attempt_rate",
    "detector_efficiency",
    "loss_db_per_km",
    "divergence_urad",
    "tx_aperture_m",
    "rx_aperture_m",
    "atmosphere_db",
    "colour",
]


def random_json(rng: random.Random, depth: int = 0):
    r = rng.random()
    if depth > 3 or r < 0.6:
        return rng.choice(HOSTILE)
    if r < 0.8:
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(["nodes", "links", "name", "a", "b"]): random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))}


def field_mutation(rng: random.Random) -> str:
    doc = json.loads(json.dumps(GOOD))
    for _ in range(rng.randint(1, 3)):
        if rng.random() < 0.4:
            node = rng.choice(doc["nodes"])
            node[rng.choice(NODE_KEYS)] = rng.choice(HOSTILE)
        else:
            link = rng.choice(doc["links"])
            link[rng.choice(LINK_KEYS)] = rng.choice(HOSTILE)
    return json.dumps(doc, allow_nan=True)


def byte_mutation(rng: random.Random) -> bytes:
    data = bytearray(json.dumps(GOOD).encode())
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(data))
        op = rng.random()
        if op < 0.4:
            data[i] = rng.randrange(256)
        elif op < 0.7:
            del data[i]
        else:
            data[i:i] = rng.choice([b"[", b"{", b"9" * 50, b"\xff", b",", b"NaN", b"Infinity", b'"'])
    return bytes(data)


def edge_values(rng: random.Random) -> str:
    """Numbers that pass the range checks, log-uniform up to the limits: the
    inputs that used to break the model (a zero pair rate, an overflow)."""
    doc = json.loads(json.dumps(GOOD))
    for link in doc["links"]:
        link["length_km"] = 10 ** rng.uniform(-3, 6)
        link["fidelity"] = rng.choice([0, 0.25, 0.5, 1, rng.random()])
        link["attempt_rate"] = 10 ** rng.uniform(-6, 15)
        link["detector_efficiency"] = 10 ** rng.uniform(-100, 0)
        link["loss_db_per_km"] = 10 ** rng.uniform(-3, 3)
        link["divergence_urad"] = 10 ** rng.uniform(-3, 9)
        link["rx_aperture_m"] = 10 ** rng.uniform(-9, 6)
        link["atmosphere_db"] = rng.uniform(0, 1000)
    for node in doc["nodes"]:
        node["coherence_time"] = rng.choice(["inf", 10 ** rng.uniform(-300, 12)])
    return json.dumps(doc)


def structure(rng: random.Random) -> str:
    return json.dumps(
        {"nodes": random_json(rng), "links": random_json(rng), **({"name": random_json(rng)} if rng.random() < 0.3 else {})},
        allow_nan=True,
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inputs", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    makers = [field_mutation, byte_mutation, structure, edge_values]
    counts = {"ok": 0, "refused": 0}
    crashes = []
    t0 = time.perf_counter()
    for i in range(args.inputs):
        raw = makers[i % len(makers)](rng)
        try:
            counts[check_reader(raw)] += 1
        except Exception as exc:  # noqa: BLE001 - a crash is what we count
            crashes.append((i, raw[:200], f"{type(exc).__name__}: {exc}", traceback.format_exc(limit=3)))
    seconds = time.perf_counter() - t0
    print(
        f"network reader: {args.inputs} inputs (seed {args.seed}) in {seconds:.1f} s "
        f"({args.inputs / seconds:.0f}/s): {counts['ok']} accepted, {counts['refused']} refused, {len(crashes)} crashes"
    )
    for i, raw, what, tb in crashes[:10]:
        print(f"  input {i}: {what}\n    {raw!r}\n{tb}")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
