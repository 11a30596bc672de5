"""Checkers tying the repeater synchronisation transition system to the
physics (``repeater.sync-*``): its decay and swap updates must be the memory
and swap maps derived from the Kraus channels and the swapping circuit."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import sympy as sp

from qproto.models import memory as memory_model
from qproto.models import swapping as sw
from qproto.spec import transition as ts
from qproto.spec.errors import SpecError
from qproto.spec.protocol import Property, Protocol
from qproto.spec.transition import TransitionSystem

from .registry import checker
from .repeater_common import as_spec, decide_at_samples, point_strings, prop_args
from .verdict import Status, inconclusive, proved, refuted

Result = tuple[Status, dict[str, Any]]


def _update_expr(spec: TransitionSystem, transition: str, variable: str) -> Any:
    for t in spec.checked_transitions:
        if t.name == transition:
            for var, index, value in t.updates:
                if var == variable and index is None:
                    return value
            raise SpecError(f"{spec.name}: transition {transition!r} does not update {variable!r}")
    raise SpecError(f"{spec.name}: no transition {transition!r}")


def _to_sympy(e: Any) -> sp.Expr:
    """A transition-system expression (spec AST) as SymPy; a conditional
    update ``x if c else y`` contributes its firing branch ``x``."""
    if isinstance(e, ts.Const):
        v = e.value
        return sp.Rational(v.numerator, v.denominator) if isinstance(v, Fraction) else sp.sympify(v)
    if isinstance(e, ts.Ref):
        return sp.Symbol(e.name, real=True)
    if isinstance(e, ts.Unary) and e.op == "-":
        return -_to_sympy(e.arg)
    if isinstance(e, ts.Ite):
        return _to_sympy(e.then)
    if isinstance(e, ts.Binary) and e.op in ("+", "-", "*", "/", "**"):
        a, b = _to_sympy(e.left), _to_sympy(e.right)
        return {"+": a + b, "-": a - b, "*": a * b, "/": a / b, "**": a**b}[e.op]
    raise SpecError(f"cannot read {e} as arithmetic")


@checker("repeater.sync-decay")
def sync_decay(spec: Protocol, prop: Property, options: Mapping[str, Any]) -> Result:
    system = as_spec(spec, TransitionSystem, prop.check)
    transition, variable, kind, param = prop_args(prop, "transition", "variable", "memory", "decay_parameter")
    update = sp.expand(_to_sympy(_update_expr(system, transition, variable)))
    d = sp.nsimplify(system.defaults()[param])
    f = sp.Symbol(variable, real=True)
    derived = sp.expand(memory_model.werner_decay_map(kind).subs({memory_model.ETA**2: d}).subs(memory_model.F0, f))
    evidence = {
        "update": sp.sstr(update),
        "derived": sp.sstr(derived),
        f"{param}": sp.sstr(d),
        "method": f"{kind} Kraus channel on both halves of werner({variable}), with η² = {param}",
    }
    if sp.expand(update - derived) == 0:
        return proved(f"the {transition} update of {variable} is the derived memory map {sp.sstr(derived)}", **evidence)
    d = decide_at_samples(update - derived, (f,), options)
    if d.kind == "exact_zero":
        return proved(f"the {transition} update of {variable} is the derived memory map {sp.sstr(derived)}", **evidence)
    if d.kind != "nonzero" or not d.assignment:
        return inconclusive(f"could not decide the {transition} update against the derived map: {d.reason}", **evidence)
    point = dict(d.assignment)
    return refuted(
        f"the {transition} update {sp.sstr(update)} is not the derived memory map {sp.sstr(derived)}",
        counterexample={**point_strings(point), "update": sp.sstr(update.subs(point)), "derived": sp.sstr(derived.subs(point))},
        **evidence,
    )


@checker("repeater.sync-swap")
def sync_swap(spec: Protocol, prop: Property, options: Mapping[str, Any]) -> Result:
    system = as_spec(spec, TransitionSystem, prop.check)
    transition, variable, inputs = prop_args(prop, "transition", "variable", "inputs")
    update = sp.expand(_to_sympy(_update_expr(system, transition, variable)))
    a, b = (sp.Symbol(x, real=True) for x in inputs)
    derived = sp.expand(sw.werner_swap_map().subs({sw.F1: a, sw.F2: b}, simultaneous=True))
    evidence = {
        "update": sp.sstr(update),
        "derived": sp.sstr(derived),
        "method": "entanglement-swapping circuit run on werner(F1) ⊗ werner(F2)",
    }
    if sp.expand(update - derived) == 0:
        return proved(f"the {transition} update of {variable} is the derived swap map", **evidence)
    d = decide_at_samples(update - derived, (a, b), options)
    if d.kind == "exact_zero":
        return proved(f"the {transition} update of {variable} is the derived swap map", **evidence)
    if d.kind != "nonzero" or not d.assignment:
        return inconclusive(f"could not decide the {transition} update against the derived swap map: {d.reason}", **evidence)
    point = dict(d.assignment)
    return refuted(
        f"the {transition} update {sp.sstr(update)} is not the derived swap map",
        counterexample={**point_strings(point), "update": sp.sstr(update.subs(point)), "derived": sp.sstr(derived.subs(point))},
        **evidence,
    )


__all__ = ["sync_decay", "sync_swap"]
