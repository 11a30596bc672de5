"""End-to-end fidelity and rate of a path, with purification, memory and swapping.

The model of a path (u0, u1, ..., un) with BBPSSW rounds k_i on link i:

1. link i delivers Werner pairs of fidelity F_i at rate r_i = R_i·η_i·η_det
   (:mod:`qproto.models.links`);
2. k_i rounds of BBPSSW (the derived recurrence,
   :mod:`qproto.models.purification`) raise the fidelity to F_i^(k) at an
   expected cost c_i raw pairs per purified pair (c_j = 2c_{j−1}/p_j), so a
   purified pair takes τ_i = c_i / r_i seconds on average;
3. segments finish at different times (the review: 0.1 s and 0.05 s); each
   purified pair waits t_i = max_j τ_j − τ_i in the memories at both of its
   ends, whose decay exp(−t/T) acts through the derived memory map (pairs
   are twirled to Werner form, which keeps the fidelity);
4. the repeaters swap along the path (the derived swap map, which takes
   Werner pairs to a Werner pair).

End-to-end rate ≈ 1/max_i τ_i (one delivery per slowest-segment cycle,
deterministic swaps); the cost of a plan is Σ_i c_i raw pairs.  Decoherence
during purification and classical signalling time are not modelled.

Every map is the derived one (polynomial coefficients read off the SymPy
derivations); :func:`simulate_path` recomputes a plan with numeric density
matrices and the numeric circuit runner, an independent path for the tests.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cache, lru_cache
from typing import Any

import sympy as sp

from qproto.spec.errors import ParameterError, SpecError
from qproto.spec.network import Network

from . import links as _links
from . import memory as _memory
from . import purification as _pur
from . import swapping as _swap
from .links import FLOAT, Arith


def _poly_terms(expr: sp.Expr, symbols: Sequence[sp.Symbol]) -> tuple[tuple[tuple[int, ...], Fraction], ...]:
    poly = sp.Poly(sp.expand(expr), *symbols)
    return tuple((m, Fraction(int(sp.Rational(c).p), int(sp.Rational(c).q))) for m, c in poly.terms())


@lru_cache(maxsize=1)
def swap_terms() -> tuple:
    """The derived swap map F'(F1, F2) as exact polynomial terms."""
    return _poly_terms(_swap.werner_swap_map(), (_swap.F1, _swap.F2))


@cache
def memory_terms(kind: str) -> tuple:
    """The derived one-half storage map F'(F0, η) as exact polynomial terms."""
    return _poly_terms(_memory.pair_fidelity(kind, 1, _memory.F0), (_memory.F0, _memory.ETA))


def swap_exact(a: Any, b: Any) -> Any:
    """The derived swap map F'(a, b) on its exact polynomial terms: a
    Fraction for Fraction inputs, a float for floats (the coefficients stay
    exact until they meet a float)."""
    total: Any = Fraction(0)
    for (i, j), c in swap_terms():
        total += c * a**i * b**j
    return total


def eval_terms(terms: tuple, values: Sequence[Any], arith: Arith) -> Any:
    total = arith.num(0)
    for powers, c in terms:
        term = arith.num(c)
        for v, k in zip(values, powers):
            if k:
                term = term * v**k
        total = total + term
    return total


_QUARTER = Fraction(1, 4)


@cache
def _factored(kind: str) -> bool:
    """True when the derived map's terms equal its factored Werner form:
    swap F' = 1/4 + 3/4·w1·w2 (w = (4F − 1)/3), depolarizing storage
    F' = 1/4 + η(F − 1/4), dephasing F' = 1/4 + (1 + 2η)/3·(F − 1/4)."""
    third = Fraction(1, 3)
    if kind == "swap":
        return dict(swap_terms()) == {(1, 1): 4 * third, (1, 0): -third, (0, 1): -third, (0, 0): third}
    if kind == "depolarizing":
        return dict(memory_terms(kind)) == {(1, 1): Fraction(1), (0, 1): -_QUARTER, (0, 0): _QUARTER}
    return dict(memory_terms(kind)) == {(1, 1): 2 * third, (1, 0): third, (0, 1): -Fraction(1, 6), (0, 0): Fraction(1, 6)}


def swap_map(a: Any, b: Any, arith: Arith) -> Any:
    """The derived swap map F'(a, b).  With intervals it is evaluated in
    its factored form (each variable once), identical by the check in
    :func:`_factored`: the expanded polynomial names each fidelity twice,
    and over hundreds of swaps the interval width blew up to 10^107."""
    if arith.kind == "interval" and _factored("swap"):
        q = arith.num(_QUARTER)
        return q + (a - q) * (b - q) * arith.num(Fraction(4, 3))  # 3/4·w1·w2 with w = (4/3)(F − 1/4)
    return eval_terms(swap_terms(), (a, b), arith)


def memory_map(kind: str, f: Any, eta: Any, arith: Arith) -> Any:
    """The derived one-half storage map F'(F, η) (factored with intervals,
    as :func:`swap_map`)."""
    if arith.kind == "interval" and _factored(kind):
        q = arith.num(_QUARTER)
        factor = eta if kind == "depolarizing" else (1 + 2 * eta) / 3
        return q + factor * (f - q)
    return eval_terms(memory_terms(kind), (f, eta), arith)


@dataclass
class SegmentFigures:
    link: tuple[str, str]
    rounds: int
    raw_fidelity: Fraction
    purified_fidelity: Fraction
    cost: Fraction
    rate: Any
    generation_time: Any
    wait: Any = None
    stored_fidelity: Any = None


@dataclass
class PathFigures:
    path: tuple[str, ...]
    rounds: tuple[int, ...]
    fidelity: Any
    rate: Any
    cost: Fraction
    segments: list[SegmentFigures]

    def to_json(self) -> dict[str, Any]:
        lo, hi = Arith.low(self.fidelity), Arith.high(self.fidelity)
        return {
            "path": list(self.path),
            "rounds": list(self.rounds),
            "fidelity": lo if lo == hi else {"low": lo, "high": hi},
            "rate_hz": Arith.low(self.rate),
            "expected_raw_pairs": {"exact": str(self.cost), "value": float(self.cost)},
            "segments": [
                {
                    "link": "–".join(s.link),
                    "rounds": s.rounds,
                    "raw_fidelity": float(s.raw_fidelity),
                    "purified_fidelity": float(s.purified_fidelity),
                    "expected_raw_pairs": float(s.cost),
                    "pair_rate_hz": Arith.low(s.rate),
                    "generation_time_s": Arith.low(s.generation_time),
                    "wait_s": Arith.low(s.wait),
                    "fidelity_after_wait": Arith.low(s.stored_fidelity),
                }
                for s in self.segments
            ],
        }


def check_path(network: Network, path: Sequence[str]) -> None:
    if len(path) < 2:
        raise ParameterError(f"path={list(path)} must name at least two nodes")
    if len(set(path)) != len(path):
        raise ParameterError(f"path={list(path)} visits a node twice")
    for a, b in zip(path, path[1:]):
        network.link(a, b)


@lru_cache(maxsize=4096)
def purified(fidelity: Fraction, rounds: int) -> tuple[Fraction, Fraction]:
    """(F^(k), expected raw pairs) after ``rounds`` BBPSSW rounds, exact."""
    return _pur.bbpssw_schedule().rounds(fidelity, rounds)


def segment_figures(network: Network, a: str, b: str, rounds: int, arith: Arith = FLOAT) -> SegmentFigures:
    link = network.link(a, b)
    f_raw = link.exact_fidelity()
    f_k, cost = purified(f_raw, rounds)
    rate = _links.pair_rate(link, arith)
    return SegmentFigures((a, b), rounds, f_raw, f_k, cost, rate, arith.num(cost) / rate)


def path_figures(
    network: Network,
    path: Sequence[str],
    rounds: Sequence[int] | None = None,
    arith: Arith = FLOAT,
    segments: list[SegmentFigures] | None = None,
) -> PathFigures:
    """End-to-end figures of ``path`` with ``rounds[i]`` BBPSSW rounds on link i."""
    path = tuple(path)
    check_path(network, path)
    rounds = tuple(rounds) if rounds is not None else (0,) * (len(path) - 1)
    if len(rounds) != len(path) - 1:
        raise ParameterError(f"rounds={list(rounds)} must give one count per link ({len(path) - 1})")
    if any(k < 0 for k in rounds):
        raise ParameterError(f"rounds={list(rounds)} must be ≥ 0")
    segs = segments or [segment_figures(network, a, b, k, arith) for (a, b), k in zip(zip(path, path[1:]), rounds)]
    slowest = arith.max([s.generation_time for s in segs])
    end = None
    for s in segs:
        s.wait = arith.nonnegative(slowest - s.generation_time)  # ≥ 0: slowest is the maximum
        f = arith.num(s.purified_fidelity)
        for node in s.link:
            n = network.node(node)
            if math.isinf(n.coherence_time):
                continue
            eta = arith.exp(-s.wait / arith.num(n.coherence_time))
            f = memory_map(n.memory, f, eta, arith)
        s.stored_fidelity = f
        end = f if end is None else swap_map(end, f, arith)
    return PathFigures(path, rounds, end, 1 / slowest, sum((s.cost for s in segs), Fraction(0)), segs)


#: The most simple paths :func:`simple_paths` lists (their number grows
#: exponentially with the graph; routing does not enumerate them).
MAX_SIMPLE_PATHS = 100_000


def check_endpoints(network: Network, source: str, target: str) -> None:
    """Both nodes exist, differ and are connected (else a one-line error)."""
    network.node(source)
    network.node(target)
    if source == target:
        raise ParameterError(f"source={source!r} and target={target!r} must differ")
    if not network.connected(source, target):
        raise SpecError(f"network {network.name}: {source} and {target} are disconnected; add a link between their components")


_check_endpoints = check_endpoints


def paths_in_order(network: Network, source: str, target: str) -> Iterator[tuple[str, ...]]:
    """Simple paths from ``source`` to ``target`` lazily, in (hops, names)
    order: a best-first search on partial paths keyed (length, names).
    Extending a path makes its key larger, so every path comes out after
    every path with a smaller key.  No recursion: thousands of nodes are fine."""
    check_endpoints(network, source, target)
    heap: list[tuple[int, tuple[str, ...]]] = [(1, (source,))]
    while heap:
        n, path = heapq.heappop(heap)
        if path[-1] == target:
            yield path
            continue
        seen = set(path)
        for m in network.neighbours(path[-1]):
            if m not in seen:
                heapq.heappush(heap, (n + 1, path + (m,)))


def simple_paths(
    network: Network, source: str, target: str, max_hops: int | None = None, limit: int = MAX_SIMPLE_PATHS
) -> list[tuple[str, ...]]:
    """Every simple path from ``source`` to ``target`` (sorted by hops, then
    names).  More than ``limit`` paths is a :class:`ParameterError`: their
    number is exponential in the graph (iterative, no recursion limit)."""
    check_endpoints(network, source, target)
    hops = max_hops or len(network.nodes)
    out: list[tuple[str, ...]] = []
    stack: list[tuple[str, ...]] = [(source,)]
    steps = 0
    while stack:  # depth-first with an explicit stack
        path = stack.pop()
        steps += 1
        if steps > 100 * limit:  # dead ends can be exponential too
            raise ParameterError(
                f"listing the simple paths from {source} to {target} in network {network.name} took more "
                f"than {100 * limit} steps; list them on a smaller network (routing does not need them)"
            )
        if path[-1] == target:
            out.append(path)
            if len(out) > limit:
                raise ParameterError(
                    f"more than {limit} simple paths from {source} to {target} in network {network.name}; "
                    "list them on a smaller network (routing does not need them)"
                )
            continue
        if len(path) > hops:
            continue
        seen = set(path)
        stack.extend(path + (m,) for m in network.neighbours(path[-1]) if m not in seen)
    return sorted(out, key=lambda p: (len(p), p))


def simulate_path(network: Network, path: Sequence[str], rounds: Sequence[int] | None = None) -> float:
    """Independent numeric recomputation of a plan's end-to-end fidelity:
    NumPy density matrices through the numeric circuit runner (purification
    and swapping circuits) and NumPy Kraus operators for the memories."""
    import numpy as np

    from qproto.spec.catalogue import find
    from qproto.spec.repeater import ENTANGLEMENT_SWAPPING, SWAP_ENDS, SWAP_PAIRS, PurificationProtocol

    from .bell import bell, werner
    from .compare import fidelity

    path = tuple(path)
    rounds = tuple(rounds) if rounds is not None else (0,) * (len(path) - 1)
    bbpssw = find("bbpssw")
    if not isinstance(bbpssw, PurificationProtocol):
        raise SpecError(f"catalogue entry 'bbpssw' is a {type(bbpssw).__name__}, expected a PurificationProtocol")
    fids, costs, times = [], [], []
    for (a, b), k in zip(zip(path, path[1:]), rounds):
        link = network.link(a, b)
        f, cost = float(link.fidelity), 1.0
        for _ in range(k):
            res = _pur.run_round(bbpssw, [werner(f, tuple(p)).numeric() for p in bbpssw.pairs], numeric=True)
            p = float(res.success)
            f = float(np.real(fidelity(bell("phi+", res.kept.registers).numeric(), res.kept))) / p
            cost = 2 * cost / p
        fids.append(f)
        costs.append(cost)
        times.append(cost / _links.pair_rate(link))
    slowest = max(times)
    stored = []
    for (a, b), f, t in zip(zip(path, path[1:]), fids, times):
        for node in (a, b):
            n = network.node(node)
            if not math.isinf(n.coherence_time):
                f = _memory.numeric_pair_fidelity(n.memory, slowest - t, n.coherence_time, initial=f, stored=1)
        stored.append(f)
    end = stored[0]
    for f in stored[1:]:
        ov = {tuple(p): werner(x, tuple(p)).numeric() for p, x in zip(SWAP_PAIRS, (end, f))}
        rho = _swap.averaged_end_state(ENTANGLEMENT_SWAPPING, SWAP_ENDS, ov, numeric=True)
        end = float(np.real(fidelity(bell("phi+", SWAP_ENDS).numeric(), rho)))
    return end


__all__ = [
    "swap_terms",
    "memory_terms",
    "swap_exact",
    "eval_terms",
    "swap_map",
    "memory_map",
    "SegmentFigures",
    "PathFigures",
    "check_path",
    "check_endpoints",
    "purified",
    "segment_figures",
    "path_figures",
    "simple_paths",
    "paths_in_order",
    "MAX_SIMPLE_PATHS",
    "simulate_path",
]
