"""Checkers for quantum memories (``memory.*``): the stored pair's fidelity,
the average storage fidelity and Markovian composition, derived from the
memory's Kraus channel (:mod:`qproto.models.memory`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from qproto.models import memory as memory_model
from qproto.models.decide import decide_zero
from qproto.models.exact import exact_json
from qproto.spec.protocol import Property, Protocol
from qproto.spec.repeater import QuantumMemory

from .algebra import decide, parse_exact
from .registry import checker
from .repeater_common import as_spec, decide_at_samples, decide_timeout, point_strings, prop_args
from .verdict import Status, inconclusive, proved, refuted

Result = tuple[Status, dict[str, Any]]


@checker("memory.pair-fidelity")
def memory_pair_fidelity(spec: Protocol, prop: Property, options: Mapping[str, Any]) -> Result:
    memory = as_spec(spec, QuantumMemory, prop.check)
    stored, expected = prop_args(prop, "stored", "expected")
    kind = memory.kind
    eta = memory_model.ETA
    got = memory_model.pair_fidelity(kind, int(stored))
    want = parse_exact(expected, eta=eta)
    evidence = {
        "derived": exact_json(got),
        "expected": exact_json(want),
        "decay": "eta = exp(-t/T)",
        "method": f"{kind} Kraus channel applied to {stored} half(s) of |Φ+⟩, then ⟨Φ+|ρ|Φ+⟩",
    }
    if sp.expand(got - want) == 0:
        return proved(f"F(t) = {sp.sstr(got)} with η = exp(−t/T)", **evidence)
    d = decide_at_samples(got - want, (eta,), options)
    if d.kind == "exact_zero":
        return proved(f"F(t) = {sp.sstr(got)} with η = exp(−t/T)", **evidence)
    if d.kind != "nonzero" or not d.assignment:
        return inconclusive(f"could not decide derived F(t) = {sp.sstr(got)} against {expected}: {d.reason}", **evidence)
    point = dict(d.assignment)
    return refuted(
        f"derived F(t) = {sp.sstr(got)} differs from {expected}",
        counterexample={
            **point_strings(point or {}),
            "derived": sp.sstr(got.subs(point or {})),
            "numeric": memory_model.numeric_pair_fidelity(
                kind, -float(sp.log(point[eta])) if point and point[eta] > 0 else 0.0, 1.0, stored=int(stored)
            ),
        },
        **evidence,
    )


@checker("memory.markovian")
def memory_markovian(spec: Protocol, prop: Property, options: Mapping[str, Any]) -> Result:
    memory = as_spec(spec, QuantumMemory, prop.check)
    kind = memory.kind
    residuals = memory_model.compose_check(kind)
    res = decide(residuals)
    if res.status == "proved":
        return proved(
            f"E(η2)∘E(η1) = E(η1·η2) for the {kind} memory: exp(−t1/T)·exp(−t2/T) = exp(−(t1+t2)/T)",
            method="Kraus channels composed on half of |Φ+⟩ with symbols η1, η2; 16 entries reduced to 0",
        )
    for r in residuals:
        d = decide_zero(r, timeout=decide_timeout(options))
        if d.kind == "nonzero" and d.point is not None:
            return refuted(
                f"the {kind} memory is not Markovian in η",
                counterexample={**d.point, "entry_residual": d.value},
                residuals=[sp.sstr(x) for x in residuals if x != 0][:4],
            )
    return inconclusive(
        f"could not decide that the {kind} memory composes: {res.reason}", residuals=[sp.sstr(x) for x in residuals if x != 0][:4]
    )


@checker("memory.storage-fidelity")
def memory_storage_fidelity(spec: Protocol, prop: Property, options: Mapping[str, Any]) -> Result:
    memory = as_spec(spec, QuantumMemory, prop.check)
    expected, published, pair_expected = prop_args(prop, "expected", "published", "pair_expected")
    kind = memory.kind
    eta = memory_model.ETA
    avg = memory_model.storage_fidelity(kind)
    want = parse_exact(expected, eta=eta)
    evidence: dict[str, Any] = {
        "derived": exact_json(avg),
        "expected": exact_json(want),
        "method": "exact average of ⟨ψ|E(ψ)|ψ⟩ over the six Pauli eigenstates (a 2-design)",
    }
    if sp.expand(avg - want) != 0:
        d = decide_at_samples(avg - want, (eta,), options)
        if d.kind == "nonzero" and d.assignment:
            point = dict(d.assignment)
            return refuted(
                f"derived average storage fidelity {sp.sstr(avg)} differs from {expected}",
                counterexample={
                    **point_strings(point),
                    "derived": sp.sstr(avg.subs(point)),
                    "expected": sp.sstr(want.subs(point)),
                },
                **evidence,
            )
        if d.kind != "exact_zero":
            return inconclusive(f"could not decide {sp.sstr(avg)} = {expected}: {d.reason}", **evidence)
    f_pub = parse_exact(published)
    sols = memory_model.decay_for_storage_fidelity(kind, f_pub)
    if len(sols) != 1:
        return inconclusive(f"no unique decay factor in (0, 1] gives storage fidelity {published}", **evidence)
    eta_pub = sols[0]
    pair = sp.nsimplify(memory_model.pair_fidelity(kind, 1).subs(eta, eta_pub))
    evidence.update(
        {
            "published_storage_fidelity": exact_json(f_pub),
            "implied_decay_factor": exact_json(eta_pub),
            "implied_wait_over_T": exact_json(-sp.log(eta_pub)),
            "pair_fidelity": exact_json(pair),
            "pair_expected": exact_json(parse_exact(pair_expected)),
        }
    )
    settled = decide_zero(pair - parse_exact(pair_expected), timeout=decide_timeout(options))
    if settled.kind in ("numeric_zero", "undecided"):
        return inconclusive(
            f"could not decide the implied pair fidelity {sp.sstr(pair)} = {pair_expected}: {settled.reason}",
            decision=settled.to_json(),
            **evidence,
        )
    if settled.kind == "exact_zero":
        return proved(
            f"storage fidelity {sp.sstr(avg)}; {published} implies η = {sp.sstr(eta_pub)} "
            f"(t/T = {float(-sp.log(eta_pub)):.5f}) and a stored Bell pair of fidelity {sp.sstr(pair)}",
            **evidence,
        )
    return refuted(
        f"the review's {published} implies a pair fidelity {sp.sstr(pair)}, not {pair_expected}",
        counterexample={
            "storage_fidelity": published,
            "eta": sp.sstr(eta_pub),
            "pair_fidelity": sp.sstr(pair),
            "pair_expected": str(pair_expected),
        },
        **evidence,
    )


__all__ = ["memory_pair_fidelity", "memory_markovian", "memory_storage_fidelity"]
