"""Fidelity-guaranteed routing (Li et al. 2022) as an exact search.

A *plan* is a simple path from source to target and a number of BBPSSW
rounds k_i ∈ {0, …, K} per link.  Its cost is the expected number of raw
link pairs per delivered end-to-end pair, Σ_i c_i, computed *exactly*
(Fractions: the derived BBPSSW recurrence is rational).  Its fidelity is
computed by :func:`qproto.models.network.path_figures`.

:func:`route` is a best-first (Dijkstra-style) label-setting search over
partial plans — a simple path from the source with rounds chosen on each of
its links — popped in the order of the key (cost, hops, names, rounds).
Every link adds a cost ≥ 1, so a plan is popped after each of its prefixes
and complete plans come out in exactly the order of the old exhaustive sort
(:func:`plans`).  The first complete plan whose float fidelity reaches F_th
is chosen; the answer is then *decided* rigorously with interval
arithmetic:

- the chosen plan's fidelity interval lies at or above F_th;
- every strictly cheaper plan's interval lies strictly below F_th, or the
  plan was cut by one of the two pruning rules below, each proved safe.

Why the pruning is safe (premises checked at run time on the derived maps,
:func:`_premises_hold`; when they fail, nothing is pruned).  Write a Werner
pair of fidelity F as w = (4F − 1)/3 ∈ [−1/3, 1].  The derived swap map is
w' = w1·w2; a one-half storage multiplies w by η = e^(−t/T) (depolarizing)
or by (1 + 2η)/3 (dephasing), a factor in (0, 1].  So a plan's end-to-end
fidelity is F = 1/4 + 3/4·Π_i w_i·m_i, each m_i ∈ (0, 1] the storage factor
of segment i at its two end nodes, waiting t_i = T* − τ_i for the slowest
segment (T* = max_i τ_i).

1. Fidelity bound.  |Π w_i m_i| ≤ Π_{prefix} |w_i|, so no completion of a
   prefix beats 1/4 + 3/4·Π_{prefix}|w_i|: a prefix whose bound is below
   F_th is cut.  (The bound is summed as logarithms in floats; the cut needs
   a margin of 1e-9·(1 + hops) in the log, far above the rounding error.)
2. Dominance (for F_th > 1/4 and prefixes with every w_i > 0).  Prefix P1
   dominates P2 at the same node when P1 was popped first (smaller key),
   its slowest segment is no slower (τ1 ≤ τ2), its storage decay rate is
   no larger (the largest slope of log G1 is at most the smallest of log G2,
   G(T) = Π_prefix w_i·m_i(T − τ_i)) and G1(τ2) ≥ G2(τ2) (with a margin).
   Then for any suffix S, F(P1+S) ≥ F(P2+S): T* can only be smaller for
   P1+S, every factor m falls with T*, and G1 ≥ G2 at every T ≥ τ2.  P1+S
   costs less (or ties and comes first in the key).  If P1+S is not a
   simple path, cutting its loop gives a simple plan that is cheaper still
   and no worse (the loop's factors are ≤ 1 and T* can only fall).  So the
   cheapest plan meeting F_th is never cut, and every cut plan cheaper than
   the answer is below F_th because a plan it is no better than is.

Complexity: each popped label costs O(deg·(K+1)·log Q) heap work plus a
dominance scan over the labels kept at its node.  The number of labels is
exponential in the worst case (the problem with a simple-path constraint
and two criteria is), so the search stops after :data:`MAX_LABELS` popped
labels with a :class:`ParameterError` (docs/limits.md); with the pruning,
networks of thousands of nodes route in seconds when the threshold admits
a short path.  The bound K is not a
restriction when the optimum costs less than 2^(K+1) + (hops_min − 1):
a plan with more than K rounds on some link costs at least that much.
If an interval straddles F_th the plan is reported undecided, never guessed.
"""

from __future__ import annotations

import heapq
import itertools
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from qproto.spec.errors import ParameterError
from qproto.spec.network import Network
from qproto.spec.validation import check_probability

from . import network as _net
from .links import FLOAT, INTERVAL, Arith


@dataclass
class Plan:
    path: tuple[str, ...]
    rounds: tuple[int, ...]
    cost: Fraction
    fidelity: float = 0.0

    @property
    def key(self) -> tuple:
        return (self.cost, len(self.path), self.path, self.rounds)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": list(self.path),
            "rounds": list(self.rounds),
            "expected_raw_pairs": {"exact": str(self.cost), "value": float(self.cost)},
            "fidelity": self.fidelity,
        }


@dataclass
class RouteResult:
    """What the search established.  ``status``: ``found`` (plan proved to
    meet F_th and every cheaper plan proved not to), ``none`` (no plan in
    the space meets F_th, each rejection proved), or ``undecided``."""

    status: str
    threshold: Fraction
    max_rounds: int
    plan: Plan | None
    figures: _net.PathFigures | None
    interval: tuple[float, float] | None
    candidates: int
    cheaper_rejected: int
    undecided: list[Plan] = field(default_factory=list)
    unbounded_optimal: bool = False
    paths: int = 0
    pruned: int = 0
    dominated: int = 0
    labels: int = 0


#: The largest plan space :func:`plans` enumerates (the old exhaustive search, kept for tests).
MAX_PLANS = 200_000

#: The most labels (partial plans) :func:`route` pops before it gives up (docs/limits.md).
MAX_LABELS = 500_000

#: The most BBPSSW rounds per link :func:`route` accepts (each round about
#: doubles the digits of the exact fidelity).
MAX_ROUNDS = 12


def plans(network: Network, source: str, target: str, max_rounds: int) -> list[Plan]:
    """Every plan, cheapest first."""
    out = []
    paths = _net.simple_paths(network, source, target)
    size = sum((max_rounds + 1) ** (len(p) - 1) for p in paths)
    if size > MAX_PLANS:
        raise ParameterError(
            f"max_rounds={max_rounds} gives {size} plans over {len(paths)} paths from {source} to {target}, more than "
            f"{MAX_PLANS}; lower max_rounds or split the network"
        )
    for path in paths:
        links = list(zip(path, path[1:]))
        per_link = [[_net.purified(network.link(a, b).exact_fidelity(), k)[1] for k in range(max_rounds + 1)] for a, b in links]
        for rounds in itertools.product(range(max_rounds + 1), repeat=len(links)):
            cost = sum((per_link[i][k] for i, k in enumerate(rounds)), Fraction(0))
            out.append(Plan(path, rounds, cost))
    out.sort(key=lambda p: p.key)
    return out


def fidelity_interval(network: Network, plan: Plan) -> tuple[float, float, _net.PathFigures]:
    fig = _net.path_figures(network, plan.path, plan.rounds, INTERVAL)
    return Arith.low(fig.fidelity), Arith.high(fig.fidelity), fig


def _premises_hold() -> bool:
    """The facts the pruning rests on, read off the derived maps: the swap
    map is w1·w2 in the Werner parameter, and one-half storage multiplies w
    by η (depolarizing) or (1 + 2η)/3 (dephasing)."""
    third, quarter = Fraction(1, 3), Fraction(1, 4)
    swap = dict(_net.swap_terms())
    depol = dict(_net.memory_terms("depolarizing"))
    dephase = dict(_net.memory_terms("dephasing"))
    return (
        swap == {(1, 1): 4 * third, (1, 0): -third, (0, 1): -third, (0, 0): third}
        and depol == {(1, 1): Fraction(1), (0, 1): -quarter, (0, 0): quarter}
        and dephase == {(1, 1): 2 * third, (1, 0): third, (0, 1): -Fraction(1, 6), (0, 0): Fraction(1, 6)}
    )


@dataclass(frozen=True)
class _Segment:
    """One link of a partial plan, with what the pruning needs in floats."""

    a: str
    b: str
    rounds: int
    cost: Fraction
    w: float  # Werner parameter of the purified pair
    tau: float  # mean time to a purified pair (s)
    ends: tuple[tuple[str, float], ...]  # (memory kind, coherence time) of its two end nodes


@dataclass(order=True)
class _Label:
    key: tuple
    segments: tuple[_Segment, ...] = field(compare=False)
    log_abs_w: float = field(compare=False)  # Σ log|w_i| over the prefix
    tau_max: float = field(compare=False)
    slope_lo: float = field(compare=False)
    slope_hi: float = field(compare=False)
    positive: bool = field(compare=False)  # every w_i > 0


def _log_g(segments: tuple[_Segment, ...], T: float) -> float:
    """log Π w_i·m_i(T − τ_i) for positive w_i (see the module docs)."""
    total = 0.0
    for s in segments:
        total += math.log(s.w)
        wait = max(T - s.tau, 0.0)
        for kind, coherence in s.ends:
            if math.isinf(coherence):
                continue
            eta = math.exp(-wait / coherence)
            total += -wait / coherence if kind == "depolarizing" else math.log((1 + 2 * eta) / 3)
    return total


def _slopes(segments: tuple[_Segment, ...]) -> tuple[float, float]:
    """(smallest, largest) |d log G / dT|: a depolarizing end decays at rate
    1/T exactly, a dephasing one at a rate in [0, 2/(3T)]."""
    lo = hi = 0.0
    for s in segments:
        for kind, coherence in s.ends:
            if math.isinf(coherence):
                continue
            if kind == "depolarizing":
                lo += 1 / coherence
                hi += 1 / coherence
            else:
                hi += 2 / (3 * coherence)
    return lo, hi


def _dominates(p1: _Label, p2: _Label) -> bool:
    """P1 (popped first) dominates P2 at the same node (module docs, rule 2)."""
    if not (p1.positive and p2.positive) or p1.tau_max > p2.tau_max or p1.slope_hi > p2.slope_lo:
        return False
    g1, g2 = _log_g(p1.segments, p2.tau_max), _log_g(p2.segments, p2.tau_max)
    margin = 1e-9 * (1 + abs(g1) + abs(g2) + len(p1.segments) + len(p2.segments))
    return g1 >= g2 + margin


def _extend(label: _Label | None, seg: _Segment, key: tuple) -> _Label:
    lo, hi = _slopes((seg,))
    if label is None:
        return _Label(key, (seg,), _log_abs(seg.w), seg.tau, lo, hi, seg.w > 0)
    return _Label(
        key,
        label.segments + (seg,),
        label.log_abs_w + _log_abs(seg.w),
        max(label.tau_max, seg.tau),
        label.slope_lo + lo,
        label.slope_hi + hi,
        label.positive and seg.w > 0,
    )


def _log_bound(label: _Label, h: int, log_w_best: float) -> float:
    """log of an upper bound on |Π w_i m_i| over every completion (rule 1):
    the prefix's |w_i| with the waits it already forces (T* ≥ its slowest
    segment, and m falls with the wait), times the best |w| any link can
    give for each of the ≥ h hops still to go."""
    waits = _log_g_abs(label.segments, label.tau_max)
    return waits + h * log_w_best


def _log_g_abs(segments: tuple[_Segment, ...], T: float) -> float:
    total = 0.0
    for s in segments:
        if s.w == 0:
            return -math.inf
        total += math.log(abs(s.w))
        wait = max(T - s.tau, 0.0)
        for kind, coherence in s.ends:
            if not math.isinf(coherence):
                total += -wait / coherence if kind == "depolarizing" else math.log((1 + 2 * math.exp(-wait / coherence)) / 3)
    return total


class _LinkOptions:
    """(cost, w, τ) of each link at each number of rounds, computed once."""

    def __init__(self, network: Network, max_rounds: int) -> None:
        self.network = network
        self.max_rounds = max_rounds
        self._cache: dict[tuple[str, str], list[_Segment]] = {}

    def __call__(self, a: str, b: str) -> list[_Segment]:
        key = (a, b)
        if key not in self._cache:
            link = self.network.link(a, b)
            rate = float(_links_rate(link))
            ends = tuple((self.network.node(n).memory, float(self.network.node(n).coherence_time)) for n in (a, b))
            out = []
            for k in range(self.max_rounds + 1):
                f_k, cost = _net.purified(link.exact_fidelity(), k)
                w = float((4 * f_k - 1) / 3)
                out.append(_Segment(a, b, k, cost, w, float(cost) / rate, ends))
            self._cache[key] = out
        return self._cache[key]


def _links_rate(link: Any) -> float:
    from .links import pair_rate

    return pair_rate(link)


def _complete(label: _Label) -> Plan:
    segs = label.segments
    return Plan(tuple([segs[0].a] + [s.b for s in segs]), tuple(s.rounds for s in segs), sum((s.cost for s in segs), Fraction(0)))


def _hop_distances(network: Network, target: str) -> dict[str, int]:
    """Fewest hops from every node to ``target`` (breadth-first)."""
    dist = {target: 0}
    frontier = [target]
    while frontier:
        nxt = []
        for u in frontier:
            for m in network.neighbours(u):
                if m not in dist:
                    dist[m] = dist[u] + 1
                    nxt.append(m)
        frontier = nxt
    return dist


def _search(network: Network, source: str, target: str, thr: Fraction, max_rounds: int, stats: dict[str, int]):
    """Complete plans in key order, except those cut by the safe pruning.

    The heap key of a partial plan is (cost + h, hops + h, names, rounds)
    with h its node's fewest hops to the target (A*: every link costs ≥ 1
    raw pair, so h never overestimates, and it changes by at most 1 per
    link).  Hence a child's key is never below its parent's, a complete
    plan (h = 0) has the key (cost, hops, names, rounds), and each of its
    prefixes has a key no larger: complete plans come out in exactly the
    exhaustive search's order.  Costs are compared as floats first and as
    exact fractions on a tie (float() is monotone, so the order is exact)."""
    options = _LinkOptions(network, max_rounds)
    dist = _hop_distances(network, target)
    prune = _premises_hold() and thr > Fraction(1, 4)
    log_wthr = math.log(float((4 * thr - 1) / 3)) if prune else -math.inf
    log_w_best = 0.0
    if prune:  # the best |w| any link reaches with any number of rounds ≤ K
        best = max(abs(seg.w) for l in network.links for seg in options(l.a, l.b))
        log_w_best = _log_abs(min(best, 1.0))

    def key(cost: Fraction, hops: int, path: tuple[str, ...], rounds: tuple[int, ...]) -> tuple:
        h = dist[path[-1]]
        return (float(cost) + h, cost + h, hops + h, path, rounds)

    heap: list[_Label] = []
    for m in network.neighbours(source):
        if m in dist:
            for seg in options(source, m):
                heapq.heappush(heap, _extend(None, seg, key(seg.cost, 2, (source, m), (seg.rounds,))))
    kept: dict[str, list[_Label]] = {}
    while heap:
        label = heapq.heappop(heap)
        stats["labels"] += 1
        if stats["labels"] > MAX_LABELS:
            raise ParameterError(
                f"routing from {source} to {target} popped more than {MAX_LABELS} partial plans without an answer; "
                "lower max_rounds, raise the threshold or route on a smaller network (docs/limits.md)"
            )
        node = label.segments[-1].b
        hops = len(label.segments)
        if prune and _log_bound(label, dist[node], log_w_best) < log_wthr - 1e-9 * (1 + hops):
            stats["pruned"] += 1
            continue
        if prune:
            here = kept.setdefault(node, [])
            if any(_dominates(other, label) for other in here):
                stats["dominated"] += 1
                continue
            here.append(label)
        if node == target:
            yield _complete(label)
            continue
        _, cost, _, path, rounds = label.key
        cost -= dist[node]
        visited = set(path)
        for m in network.neighbours(node):
            if m in visited or m not in dist:
                continue
            for seg in options(node, m):
                heapq.heappush(heap, _extend(label, seg, key(cost + seg.cost, hops + 2, path + (m,), rounds + (seg.rounds,))))


def _log_abs(w: float) -> float:
    return math.log(abs(w)) if w != 0 else -math.inf


def _hops_min(network: Network, source: str, target: str) -> int:
    """Fewest hops from source to target (links are undirected, so the
    breadth-first distances to ``target`` serve)."""
    return _hop_distances(network, target)[source]


def route(network: Network, source: str, target: str, threshold: Fraction | str | float, max_rounds: int = 3) -> RouteResult:
    """The cheapest plan meeting ``threshold``, decided rigorously (see module docs)."""
    thr = Fraction(str(threshold)) if not isinstance(threshold, Fraction) else threshold
    check_probability("threshold", thr if isinstance(threshold, str) else threshold)
    if isinstance(max_rounds, bool) or not isinstance(max_rounds, int) or not 0 <= max_rounds <= MAX_ROUNDS:
        raise ParameterError(f"max_rounds={max_rounds!r} must be an integer in [0, {MAX_ROUNDS}]")
    _net.check_endpoints(network, source, target)
    stats = {"labels": 0, "pruned": 0, "dominated": 0}
    evaluated: list[Plan] = []  # popped complete plans whose float fidelity is below F_th, in key order
    chosen: Plan | None = None
    for p in _search(network, source, target, thr, max_rounds, stats):
        p.fidelity = float(_net.path_figures(network, p.path, p.rounds, FLOAT).fidelity)
        if p.fidelity >= float(thr):
            chosen = p
            break
        evaluated.append(p)
    # decide rigorously, as the exhaustive search did: every plan strictly cheaper than the choice
    limit = chosen.cost if chosen else None
    undecided: list[Plan] = []
    rejected = 0
    for p in evaluated:
        if limit is not None and p.cost >= limit:
            break
        lo, hi, _ = fidelity_interval(network, p)
        if hi < thr:
            rejected += 1
        elif lo >= thr:  # floats said no, intervals say yes: a cheaper plan exists after all
            chosen, limit = p, p.cost
            break
        else:
            undecided.append(p)
    n_candidates = len(evaluated) + (chosen is not None and chosen not in evaluated)
    n_paths = len({p.path for p in evaluated} | ({chosen.path} if chosen else set()))
    if chosen is None:
        status = "undecided" if undecided else "none"
        return RouteResult(
            status,
            thr,
            max_rounds,
            None,
            None,
            None,
            n_candidates,
            rejected,
            undecided,
            paths=n_paths,
            pruned=stats["pruned"],
            dominated=stats["dominated"],
            labels=stats["labels"],
        )
    lo, hi, fig = fidelity_interval(network, chosen)
    status = "found" if lo >= thr and not undecided else "undecided"
    unbounded = chosen.cost < 2 ** (max_rounds + 1) + (_hops_min(network, source, target) - 1)
    return RouteResult(
        status,
        thr,
        max_rounds,
        chosen,
        fig,
        (lo, hi),
        n_candidates,
        rejected,
        undecided,
        unbounded,
        n_paths,
        pruned=stats["pruned"],
        dominated=stats["dominated"],
        labels=stats["labels"],
    )


def fewest_hops_plan(network: Network, source: str, target: str) -> Plan:
    """The hop-count router's plan: the shortest path (first by names among
    the shortest), no purification."""
    path = _fewest_hops_path(network, source, target)
    rounds = (0,) * (len(path) - 1)
    cost = Fraction(len(rounds))
    return Plan(path, rounds, cost, float(_net.path_figures(network, path, rounds).fidelity))


def _fewest_hops_path(network: Network, source: str, target: str) -> tuple[str, ...]:
    """The first path in (hops, names) order, in O(V + E): distances to the
    target by breadth-first search, then the smallest name that gets one hop
    closer at every step (which is the lexicographically first shortest path)."""
    _net.check_endpoints(network, source, target)
    dist = {target: 0}
    frontier = [target]
    while frontier:
        nxt = []
        for u in frontier:
            for m in network.neighbours(u):
                if m not in dist:
                    dist[m] = dist[u] + 1
                    nxt.append(m)
        frontier = nxt
    path = [source]
    while path[-1] != target:
        here = dist[path[-1]]
        path.append(min(m for m in network.neighbours(path[-1]) if dist.get(m) == here - 1))
    return tuple(path)


__all__ = ["Plan", "RouteResult", "plans", "fidelity_interval", "route", "fewest_hops_plan", "MAX_LABELS", "MAX_ROUNDS"]
