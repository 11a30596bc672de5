"""Checkers for quantum networks (``network.*``): the link-loss models, and
fidelity-guaranteed routing decided with rigorous interval arithmetic over
the exhaustive plan space of :mod:`qproto.models.routing`."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import sympy as sp

from qproto.models import links as links_model
from qproto.models import network as net
from qproto.models import routing
from qproto.models.exact import exact_json
from qproto.spec.network import FidelityRouting, Network
from qproto.spec.protocol import Property, Protocol

from .algebra import parse_exact
from .registry import checker
from .repeater_common import as_spec
from .verdict import Status, inconclusive, proved, refuted

Result = tuple[Status, dict[str, Any]]


@checker("network.link-budget")
def link_budget(spec: Protocol, prop: Property, options: Mapping[str, Any]) -> Result:
    task = as_spec(spec, FidelityRouting, prop.check)
    a, L1, L2, L = sp.symbols("alpha L1 L2 L", positive=True)
    # the fibre model itself, evaluated in SymPy: the identities below are about models.links
    eta = lambda length: links_model.fibre_transmittance(length, a, links_model.EXACT)
    additive = sp.simplify(sp.powsimp(eta(L1 + L2) - eta(L1) * eta(L2), force=True))
    reference = sp.nsimplify(eta(100).subs(a, sp.Rational(1, 5)))
    Dt, Dr, th = sp.symbols("D_t D_r theta", positive=True)
    slope = sp.simplify(sp.diff((Dr / (Dt + th * L)) ** 2, L))
    network = task.network
    rows, bad = [], []
    for link in network.links:
        t = float(links_model.transmittance(link))
        rows.append(
            {
                "link": f"{link.a}–{link.b}",
                "medium": link.medium,
                "length_km": link.length_km,
                "loss_db": round(links_model.loss_db(link), 6),
                "transmittance": t,
                "pair_rate_hz": float(links_model.pair_rate(link)),
                "fidelity": link.fidelity,
            }
        )
        if not 0 < t <= 1:
            bad.append(rows[-1])
    evidence = {
        "fibre_losses_add": sp.sstr(additive),
        "fibre_100km_at_0.2dB": sp.sstr(reference),
        "free_space_slope": sp.sstr(slope),
        "links": rows,
        "method": "SymPy identities for the loss models; every link of the network evaluated",
    }
    if additive != 0 or reference != sp.Rational(1, 100) or not (slope.could_extract_minus_sign()):
        return refuted(
            "a loss model identity fails",
            counterexample={
                "fibre_losses_add_residual": sp.sstr(additive),
                "fibre_100km_at_0.2dB": sp.sstr(reference),
                "free_space_slope": sp.sstr(slope),
            },
            **evidence,
        )
    if bad:
        return refuted(f"{len(bad)} link(s) have transmittance outside (0, 1]", counterexample=bad[0], **evidence)
    return proved(
        f"fibre losses add in dB (100 km at 0.2 dB/km → 1/100), free-space geometric loss decreases "
        f"with distance; all {len(rows)} links have transmittance in (0, 1]",
        **evidence,
    )


def _route(task: FidelityRouting) -> routing.RouteResult:
    return _cached_route(task.network, task.source, task.target, task.threshold, task.max_rounds)


@lru_cache(maxsize=16)
def _cached_route(network: Network, source: str, target: str, threshold: str, max_rounds: int) -> routing.RouteResult:
    return routing.route(network, source, target, parse_exact(threshold), max_rounds)


def _plan_replay(network: Network, plan: routing.Plan) -> dict[str, Any]:
    return {
        "replayed": True,
        "backend": "numeric density matrices (circuit runner, NumPy Kraus)",
        "fidelity": round(net.simulate_path(network, plan.path, plan.rounds), 12),
    }


@checker("network.route-meets-threshold")
def route_meets_threshold(spec: Protocol, prop: Property, options: Mapping[str, Any]) -> Result:
    task = as_spec(spec, FidelityRouting, prop.check)
    thr = parse_exact(task.threshold)
    network = task.network
    if task.policy == "fewest-hops":
        plan = routing.fewest_hops_plan(network, task.source, task.target)
        lo, hi, fig = routing.fidelity_interval(network, plan)
    else:
        res = _route(task)
        if res.status == "none":
            return refuted(
                f"no plan with at most {res.max_rounds} rounds per link reaches F_th = {task.threshold}",
                counterexample={
                    "threshold": str(task.threshold),
                    "max_rounds": res.max_rounds,
                    "plans_searched": res.candidates,
                },
                candidates=res.candidates,
            )
        if res.plan is None or res.interval is None or res.figures is None:
            return inconclusive("the search could not decide every plan", undecided=[p.to_json() for p in res.undecided[:5]])
        plan, (lo, hi), fig = res.plan, res.interval, res.figures
    evidence = {
        "plan": fig.to_json(),
        "fidelity_interval": [lo, hi],
        "threshold": exact_json(thr),
        "method": "derived swap/BBPSSW/memory maps composed in mpmath interval arithmetic (40 digits)",
    }
    if lo >= thr:
        return proved(
            f"path {'→'.join(plan.path)} with rounds {list(plan.rounds)} delivers fidelity ≥ {lo:.12f} ≥ F_th = {task.threshold}",
            **evidence,
        )
    if hi < thr:
        return refuted(
            f"path {'→'.join(plan.path)} with rounds {list(plan.rounds)} delivers fidelity ≤ {hi:.12f} < F_th = {task.threshold}",
            counterexample={"path": list(plan.path), "rounds": list(plan.rounds), "fidelity_at_most": hi},
            replay=_plan_replay(network, plan),
            **evidence,
        )
    return inconclusive("the fidelity interval straddles F_th", **evidence)


@checker("network.route-cheapest")
def route_cheapest(spec: Protocol, prop: Property, options: Mapping[str, Any]) -> Result:
    task = as_spec(spec, FidelityRouting, prop.check)
    res = _route(task)
    evidence: dict[str, Any] = {
        "plans_searched": res.candidates,
        "paths": res.paths,
        "max_rounds_per_link": res.max_rounds,
        "cheaper_plans_rejected": res.cheaper_rejected,
        "cost": "expected raw link pairs per end-to-end pair (exact rational)",
        "method": "best-first search over simple paths × schedules in exact cost order (models.routing); every "
        "cheaper plan's fidelity interval shown to lie below F_th, or the plan cut by a pruning proved safe",
        "pruned": {"fidelity_bound": res.pruned, "dominated": res.dominated},
    }
    if res.status == "none":
        return refuted(
            f"no plan in the space meets F_th = {task.threshold}",
            counterexample={
                "threshold": str(task.threshold),
                "max_rounds": res.max_rounds,
                "plans_searched": res.candidates,
            },
            **evidence,
        )
    if res.status != "found" or res.plan is None:
        return inconclusive(
            "some plan's fidelity interval straddles F_th", undecided=[p.to_json() for p in res.undecided[:5]], **evidence
        )
    evidence["plan"] = res.plan.to_json()
    evidence["bound_is_not_a_restriction"] = res.unbounded_optimal
    scope = (
        "over every schedule (more rounds than the bound would cost more)"
        if res.unbounded_optimal
        else f"within at most {res.max_rounds} rounds per link"
    )
    return proved(
        f"cost {float(res.plan.cost):.6g} raw pairs is the least of every plan {scope}: "
        f"{res.cheaper_rejected} cheaper plans proved below F_th by intervals, {res.pruned + res.dominated} "
        "partial plans cut by the fidelity bound or dominance",
        **evidence,
    )


__all__ = ["link_budget", "route_meets_threshold", "route_cheapest"]
