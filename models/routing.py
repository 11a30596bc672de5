"""Fidelity-guaranteed routing (Li et al. 2022) as an exact search.

A *plan* is a simple path from source to target and a number of BBPSSW
rounds k_i ∈ {0, …, K} per link.  Its cost is the expected number of raw
link pairs per delivered end-to-end pair, Σ_i c_i, computed *exactly*
(Fractions: the derived BBPSSW recurrence is rational).  Its fidelity is
computed by :func:`qproto.models.network.path_figures`.

:func:`route` enumerates every plan in cost order (ties: fewer hops, then
names), ranks them with fast floats, and then *decides* the answer
rigorously with interval arithmetic:

- the chosen plan's fidelity interval lies at or above F_th;
- every strictly cheaper plan's interval lies strictly below F_th.

The search space is finite and covered entirely, so the result is a proof
that no cheaper plan in the space meets F_th.  The bound K is not a
restriction when the optimum costs less than 2^(K+1) + (hops_min − 1):
a plan with more than K rounds on some link costs at least that much.
If an interval straddles F_th the plan is reported undecided, never guessed.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from qproto.spec.errors import ParameterError
from qproto.spec.network import Network

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
        return {"path": list(self.path), "rounds": list(self.rounds),
                "expected_raw_pairs": {"exact": str(self.cost), "value": float(self.cost)},
                "fidelity": self.fidelity}


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


#: The largest plan space :func:`route` enumerates (an exact search must be finite and small).
MAX_PLANS = 200_000


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


def route(network: Network, source: str, target: str, threshold: Fraction | str | float, max_rounds: int = 3) -> RouteResult:
    """The cheapest plan meeting ``threshold``, decided rigorously (see module docs)."""
    thr = Fraction(str(threshold)) if not isinstance(threshold, Fraction) else threshold
    if not 0 <= thr <= 1:
        raise ParameterError(f"threshold={threshold} must lie in [0, 1]")
    if max_rounds < 0:
        raise ParameterError(f"max_rounds={max_rounds} must be ≥ 0")
    candidates = plans(network, source, target, max_rounds)
    for p in candidates:
        p.fidelity = float(_net.path_figures(network, p.path, p.rounds, FLOAT).fidelity)
    chosen = next((p for p in candidates if p.fidelity >= float(thr)), None)
    # decide rigorously: the chosen plan meets F_th, every cheaper one does not
    limit = chosen.cost if chosen else None
    undecided: list[Plan] = []
    rejected = 0
    for p in candidates:
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
    n_paths = len({p.path for p in candidates})
    if chosen is None:
        status = "undecided" if undecided else "none"
        return RouteResult(status, thr, max_rounds, None, None, None, len(candidates), rejected, undecided, paths=n_paths)
    lo, hi, fig = fidelity_interval(network, chosen)
    status = "found" if lo >= thr and not undecided else "undecided"
    hops_min = min(len(p.path) - 1 for p in candidates)
    unbounded = chosen.cost < 2 ** (max_rounds + 1) + (hops_min - 1)
    return RouteResult(status, thr, max_rounds, chosen, fig, (lo, hi), len(candidates), rejected, undecided, unbounded, n_paths)


def fewest_hops_plan(network: Network, source: str, target: str) -> Plan:
    """The hop-count router's plan: the shortest path, no purification."""
    path = _net.simple_paths(network, source, target)[0]
    rounds = (0,) * (len(path) - 1)
    cost = Fraction(len(rounds))
    return Plan(path, rounds, cost, float(_net.path_figures(network, path, rounds).fidelity))


__all__ = ["Plan", "RouteResult", "plans", "fidelity_interval", "route", "fewest_hops_plan"]
