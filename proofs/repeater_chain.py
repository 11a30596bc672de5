"""Checkers for repeater chains (``repeater.chain-*``): the end-to-end
fidelity of n Werner segments joined by swaps.

``chain-closed-form`` proves, by induction on n with n symbolic, that
:func:`qproto.models.swapping.chain_closed_form` (and, for unequal segments,
:func:`~qproto.models.swapping.chain_product_form`) equals the derived swap
map iterated, and that the spec's published form is that function.  Analyses
and vectors evaluate those two functions, so what they print is what was
proved here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from qproto.models import swapping as sw
from qproto.models.bell import werner
from qproto.models.decide import decide_zero
from qproto.models.exact import exact_json
from qproto.spec.catalogue import find
from qproto.spec.circuit import CircuitProtocol
from qproto.spec.protocol import Property, Protocol
from qproto.spec.repeater import SWAP_ENDS, SWAP_PAIRS, RepeaterChain

from .algebra import parse_exact
from .registry import checker
from .repeater_common import as_spec, decide_at_samples, decide_timeout, exact_set, pick_point, point_strings, prop_args
from .swapping import replay_werner_swap
from .verdict import Status, inconclusive, proved, refuted

Result = tuple[Status, dict[str, Any]]


def swap_spec(chain: RepeaterChain) -> CircuitProtocol:
    """The swapping circuit the chain composes (``chain.swap`` in the catalogue)."""
    return as_spec(find(chain.swap), CircuitProtocol, f"{chain.name}: swap")


_swap_spec = swap_spec


@checker("repeater.chain-closed-form")
def chain_closed_form(spec: Protocol, prop: Property, options: Mapping[str, Any]) -> Result:
    chain = as_spec(spec, RepeaterChain, prop.check)
    (closed,) = prop_args(prop, "closed_form")
    swap = swap_spec(chain)
    f_map, rho = sw.derive_werner_swap(swap, SWAP_PAIRS, SWAP_ENDS)
    for r in (rho.matrix() - werner(f_map, SWAP_ENDS).matrix()).flat:
        d = decide_at_samples(r, (sw.F1, sw.F2), options)
        if d.kind == "exact_zero":
            continue
        if d.kind == "nonzero" and d.assignment:
            return refuted(
                f"the swap of {swap.name} does not map Werner pairs to a Werner pair; the chain does not compose",
                lemma="werner-closure",
                counterexample={**point_strings(d.assignment), "entry_residual": d.value},
                replay=replay_werner_swap(swap, SWAP_PAIRS, SWAP_ENDS, d.assignment),
            )
        return inconclusive(f"could not decide the Werner-closure lemma: {d.reason}", lemma="werner-closure")
    n, F, W = sw.N, sw.F, sw.W
    G = parse_exact(closed, F=F, n=n)
    model = sw.chain_closed_form(F, n)
    claim = sp.simplify(sp.expand(G - model))
    base = sp.simplify(model.subs(n, 1) - F)
    step = sp.simplify(sp.expand(f_map.subs({sw.F1: model, sw.F2: F}, simultaneous=True) - model.subs(n, n + 1)))
    # unequal segments: any prefix is the Werner pair of parameter W (the product of its
    # segments' parameters); one more segment of fidelity F must give the product form
    prefix = sw.fidelity_from_parameter(W)
    hetero_base = sp.simplify(sw.chain_product_form([F]) - F)
    hetero = sp.simplify(sp.expand(f_map.subs({sw.F1: prefix, sw.F2: F}, simultaneous=True) - sw.chain_product_form([prefix, F])))
    evidence = {
        "swap_map": exact_json(f_map),
        "lemma_werner_closure": "proved: the swapped state equals werner(F') entry by entry",
        "model_closed_form": sp.sstr(model),
        "published_minus_model": sp.sstr(claim),
        "base_case": sp.sstr(base),
        "induction_step": sp.sstr(step),
        "heterogeneous_base_case": sp.sstr(hetero_base),
        "heterogeneous_step": sp.sstr(hetero),
        "method": "induction on n: G(1) = F and F'(G(n), F) = G(n + 1) as SymPy identities with n symbolic, for "
        "G = qproto.models.swapping.chain_closed_form (and chain_product_form for unequal segments); the "
        "published form minus G reduced to 0",
    }
    if claim == 0 and base == 0 and step == 0 and hetero_base == 0 and hetero == 0:
        return proved(
            f"the chain fidelity is {closed} for every n ≥ 1 (and 1/4 + (3/4)∏(4Fi − 1)/3 for unequal segments)", **evidence
        )
    for k in (1, 2, 3, 4):
        for fv in (sp.Rational(9, 10), sp.Rational(3, 4)):
            iterated = sw.chain_fidelity([fv] * k)
            for label, form in (("the closed form", G), ("the model's closed form", model)):
                value = form.subs({n: k, F: fv})
                if decide_zero(iterated - value, timeout=decide_timeout(options)).kind == "nonzero":
                    return refuted(
                        f"for n = {k}, F = {fv} the chain gives {iterated}, {label} {value}",
                        counterexample={"n": k, "F": sp.sstr(fv), "chain": sp.sstr(iterated), "closed_form": sp.sstr(value)},
                        **evidence,
                    )
    return inconclusive("SymPy could not reduce the induction step to zero", **evidence)


@checker("repeater.chain-decreases")
def chain_decreases(spec: Protocol, prop: Property, options: Mapping[str, Any]) -> Result:
    swap = swap_spec(as_spec(spec, RepeaterChain, prop.check))
    f_map, _ = sw.derive_werner_swap(swap, SWAP_PAIRS, SWAP_ENDS)
    F, G = sw.F, sp.Symbol("G", real=True)
    # one more segment maps G ↦ F'(G, F); in Werner form (G − 1/4) ↦ r·(G − 1/4)
    ratio = sp.simplify((f_map.subs({sw.F1: G, sw.F2: F}, simultaneous=True) - sp.Rational(1, 4)) / (G - sp.Rational(1, 4)))
    if ratio.has(G):
        return inconclusive(
            "adding a segment does not scale the Werner parameter by a constant: this proof method does not apply",
            ratio=sp.sstr(ratio),
        )
    domain = sp.Interval.open(sp.Rational(1, 4), 1)
    contracting = exact_set(ratio > 0, F, sp.Interval(0, 1)).intersect(exact_set(ratio < 1, F, sp.Interval(0, 1)))
    evidence = {"ratio": sp.sstr(ratio), "contracting_for": sp.sstr(contracting)}
    if domain.is_subset(contracting):
        return proved(
            f"each segment multiplies G − 1/4 by {sp.sstr(ratio)} ∈ (0, 1) for F ∈ (1/4, 1): "
            "the chain fidelity decreases strictly and tends to 1/4",
            **evidence,
        )
    # a genuine counterexample: equal segments of fidelity F0 whose two-segment chain is not below F0
    f0 = pick_point(exact_set(ratio >= 1, F, domain))
    if f0 is None:
        return inconclusive(
            "the Werner parameter does not contract into (0, 1) on all of (1/4, 1), "
            "but no point where the chain fails to decrease was found",
            **evidence,
        )
    two = sp.nsimplify(sp.expand(f_map.subs({sw.F1: f0, sw.F2: f0}, simultaneous=True)))
    return refuted(
        "the chain fidelity does not decrease on (1/4, 1)",
        counterexample={"F": sp.sstr(f0), "two_segment_fidelity": sp.sstr(two)},
        replay=replay_werner_swap(swap, SWAP_PAIRS, SWAP_ENDS, {sw.F1: f0, sw.F2: f0}),
        **evidence,
    )


__all__ = ["chain_closed_form", "chain_decreases", "swap_spec"]
