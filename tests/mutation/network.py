"""Mutants of the fidelity-routing spec and their ground truth.

The ground truth recomputes every plan's end-to-end fidelity from the
published formulas the spec cites, written out here in floats — fibre
10^(−αL/10), free space (D_r/(D_t + θL))²·10^(−A/10) capped at 1, the
BBPSSW recurrence of Bennett et al. 1996, the memory maps of a Werner pair
with one half stored (depolarizing ηF + (1 − η)/4; dephasing
F(1 + η)/2 + (1 − F)(1 − η)/6) and the swap map F1F2 + (1 − F1)(1 − F2)/3
— and searches every simple path and schedule by brute force.  It calls
nothing in ``qproto.proofs`` nor ``qproto.models``.

``route-cheapest`` is about which plan the router chose, which the ground
truth cannot see: it is left UNKNOWN (not compared).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from qproto.spec.catalogue import find
from qproto.spec.errors import QprotoError

from .core import Mutant, Truth

MARGIN = 1e-9


def transmittance(link: Any) -> float:
    if link.medium == "fibre":
        return 10 ** (-link.loss_db_per_km * link.length_km / 10)
    beam = link.tx_aperture_m + link.divergence_urad * link.length_km / 1000
    geometric = 1.0 if beam <= 0 else min((link.rx_aperture_m / beam) ** 2, 1.0)
    return geometric * 10 ** (-link.atmosphere_db / 10)


def bbpssw(f: float, rounds: int) -> tuple[float, float]:
    cost = 1.0
    for _ in range(rounds):
        e = (1 - f) / 3
        p = f * f + 2 * f * e + 5 * e * e
        f = (f * f + e * e) / p
        cost = 2 * cost / p
    return f, cost


def stored(kind: str, f: float, eta: float) -> float:
    if kind == "depolarizing":
        return eta * f + (1 - eta) / 4
    return f * (1 + eta) / 2 + (1 - f) * (1 - eta) / 6


def swap(f1: float, f2: float) -> float:
    return f1 * f2 + (1 - f1) * (1 - f2) / 3


def plan_fidelity(net: Any, path: tuple[str, ...], rounds: tuple[int, ...]) -> float:
    nodes = {n.name: n for n in net.nodes}
    links = {frozenset((l.a, l.b)): l for l in net.links}
    segs = []
    for (a, b), k in zip(zip(path, path[1:]), rounds):
        link = links[frozenset((a, b))]
        f, cost = bbpssw(float(link.fidelity), k)
        rate = link.attempt_rate * transmittance(link) * link.detector_efficiency
        segs.append((a, b, f, cost / rate))
    slowest = max(t for *_, t in segs)
    end = None
    for a, b, f, t in segs:
        for name in (a, b):
            node = nodes[name]
            if not math.isinf(node.coherence_time):
                f = stored(node.memory, f, math.exp(-(slowest - t) / node.coherence_time))
        end = f if end is None else swap(end, f)
    assert end is not None
    return end


def simple_paths(net: Any, source: str, target: str) -> list[tuple[str, ...]]:
    adj: dict[str, set[str]] = {}
    for l in net.links:
        adj.setdefault(l.a, set()).add(l.b)
        adj.setdefault(l.b, set()).add(l.a)
    out = []

    def walk(path: list[str]) -> None:
        if path[-1] == target:
            out.append(tuple(path))
            return
        for m in sorted(adj.get(path[-1], ())):
            if m not in path:
                walk(path + [m])

    walk([source])
    return sorted(out, key=lambda p: (len(p), p))


def _compare(f: float, threshold: float) -> Truth:
    if abs(f - threshold) < MARGIN:
        return Truth.UNKNOWN
    return Truth.HOLDS if f > threshold else Truth.VIOLATED


def ground_truth(spec: Any, prop: Any) -> Truth:
    net = spec.network
    thr = float(eval_fraction(spec.threshold))
    if prop.check == "network.link-budget":
        return Truth.HOLDS if all(0 < transmittance(l) <= 1 for l in net.links) else Truth.VIOLATED
    if prop.check != "network.route-meets-threshold":
        return Truth.UNKNOWN
    paths = simple_paths(net, spec.source, spec.target)
    if not paths:
        return Truth.UNKNOWN
    if spec.policy == "fewest-hops":
        return _compare(plan_fidelity(net, paths[0], (0,) * (len(paths[0]) - 1)), thr)
    best = max(plan_fidelity(net, p, r) for p in paths for r in itertools.product(range(spec.max_rounds + 1), repeat=len(p) - 1))
    return _compare(best, thr)


def eval_fraction(text: Any) -> float:
    from fractions import Fraction

    return float(Fraction(str(text)))


def _make(spec: Any, operator: str, description: str, serial: int, **changes: Any) -> Mutant:
    try:
        m = spec.variant(f"{spec.name}-m-{operator}-{serial}", **changes)
        from qproto.proofs.runner import validate

        validate(m)
    except QprotoError as exc:
        return Mutant(spec.family, spec.name, operator, description, None, str(exc))
    return Mutant(spec.family, spec.name, operator, description, m)


def _mutant(spec: Any, rng: np.random.Generator, serial: int) -> Mutant:
    net = spec.network
    op = str(rng.choice(["link-fidelity", "threshold", "max-rounds", "coherence", "length", "policy"]))
    if op == "link-fidelity":
        i = int(rng.integers(len(net.links)))
        link = net.links[i]
        f = round(min(1.0, max(0.3, float(link.fidelity) + float(rng.choice([-0.08, -0.04, -0.02, 0.02, 0.03])))), 4)
        links = net.links[:i] + (dataclasses.replace(link, fidelity=f),) + net.links[i + 1 :]
        return _make(
            spec, op, f"{link.a}–{link.b} fidelity {link.fidelity} -> {f}", serial, network=dataclasses.replace(net, links=links)
        )
    if op == "threshold":
        from fractions import Fraction

        t = Fraction(spec.threshold) + Fraction(int(rng.choice([-6, -3, -1, 1, 2, 4])), 100)
        t = min(max(t, Fraction(1, 2)), Fraction(99, 100))
        return _make(spec, op, f"threshold {spec.threshold} -> {t}", serial, threshold=str(t))
    if op == "max-rounds":
        k = int(rng.integers(0, 4))
        return _make(spec, op, f"max_rounds {spec.max_rounds} -> {k}", serial, max_rounds=k)
    if op == "coherence":
        i = int(rng.integers(len(net.nodes)))
        node = net.nodes[i]
        t = float(node.coherence_time) * float(rng.choice([0.01, 0.1, 10.0]))
        nodes = net.nodes[:i] + (dataclasses.replace(node, coherence_time=t),) + net.nodes[i + 1 :]
        return _make(
            spec, op, f"{node.name} coherence {node.coherence_time} -> {t}", serial, network=dataclasses.replace(net, nodes=nodes)
        )
    if op == "length":
        i = int(rng.integers(len(net.links)))
        link = net.links[i]
        length = float(link.length_km) * float(rng.choice([0.5, 2.0, 5.0]))
        links = net.links[:i] + (dataclasses.replace(link, length_km=length),) + net.links[i + 1 :]
        return _make(
            spec,
            op,
            f"{link.a}–{link.b} length {link.length_km} -> {length}",
            serial,
            network=dataclasses.replace(net, links=links),
        )
    other = "fewest-hops" if spec.policy == "fidelity-guaranteed" else "fidelity-guaranteed"
    props = tuple(p for p in spec.properties if other == "fidelity-guaranteed" or p.id != "route-cheapest")
    return _make(spec, op, f"policy {spec.policy} -> {other}", serial, policy=other, properties=props)


def mutants(rng: np.random.Generator) -> Iterator[Mutant]:
    origins = ["fidelity-routing", "fidelity-routing-fewest-hops"]
    serial = 0
    while True:
        serial += 1
        yield _mutant(find(origins[int(rng.integers(len(origins)))]), rng, serial)
