"""What the repeater family's checkers share: reading a property's args,
narrowing a spec to the class a checker is written for, and the exact
decisions (sample-point residuals, solution sets of univariate inequalities)
their proofs and refutations rest on."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import sympy as sp

from qproto.models.decide import DEFAULT_TIMEOUT as DECIDE_TIMEOUT
from qproto.models.decide import Decision, decide_zero
from qproto.spec.errors import SpecError
from qproto.spec.protocol import Property, Protocol

P = TypeVar("P", bound=Protocol)

#: Rational sample points in [0, 1] for refutations (exact, then replayed).
SAMPLES = tuple(sp.Rational(k, 8) for k in (6, 7, 3, 5, 4, 2, 1, 8, 0))


def as_spec(spec: Protocol, cls: type[P], what: str = "") -> P:
    """``spec`` as the subclass ``cls`` a hook is written for; a spec of
    another class is a spec error (one line), not an AttributeError deep
    inside a checker."""
    if not isinstance(spec, cls):
        where = f"{what}: " if what else ""
        raise SpecError(f"{where}{spec.name!r} is a {type(spec).__name__}, expected a {cls.__name__}")
    return spec


def prop_args(prop: Property, *names: str) -> list[Any]:
    missing = [n for n in names if n not in prop.args]
    if missing:
        raise SpecError(f"property {prop.id!r}: check {prop.check!r} needs args {missing}")
    return [prop.args[n] for n in names]


def decide_timeout(options: Mapping[str, Any]) -> float | None:
    """The wall-clock budget of one exact decision (``None``: no limit)."""
    timeout: float | None = options.get("decide_timeout", DECIDE_TIMEOUT)
    return timeout


def decide_at_samples(residual: sp.Expr, symbols: Sequence[sp.Symbol], options: Mapping[str, Any]) -> Decision:
    """Three-valued: exact zero, a non-zero value at a rational sample point
    (its ``assignment`` is the counterexample), or undecided — never
    "SymPy could not simplify, so false"."""
    points = [dict(zip(symbols, vals)) for vals in itertools.product(SAMPLES, repeat=len(symbols))][:81]
    return decide_zero(residual, points=points, timeout=decide_timeout(options))


def point_strings(point: Mapping[Any, Any]) -> dict[str, str]:
    return {str(k): sp.sstr(v) for k, v in point.items()}


def exact_set(condition: Any, F: sp.Symbol, domain: sp.Interval) -> sp.Set:
    """The exact solution set of a univariate inequality on ``domain``."""
    return sp.solve_univariate_inequality(condition, F, relational=False, domain=domain)


def pick_point(s: sp.Set) -> sp.Expr | None:
    """A rational point of a set of intervals (its midpoint, or an element)."""
    if s.is_empty:
        return None
    parts = s.args if isinstance(s, sp.Union) else (s,)
    for part in parts:
        if isinstance(part, sp.Interval) and part.measure > 0:
            return sp.nsimplify((part.start + part.end) / 2)
        if isinstance(part, sp.FiniteSet) and part.args:
            return part.args[0]
    return None


__all__ = [
    "SAMPLES",
    "DECIDE_TIMEOUT",
    "as_spec",
    "prop_args",
    "decide_timeout",
    "decide_at_samples",
    "point_strings",
    "exact_set",
    "pick_point",
]
