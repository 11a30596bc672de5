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
from qproto.spec.errors import InternalSignal, SpecError
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
    """The exact solution set of a univariate inequality on ``domain``.

    The same set as ``sympy.solve_univariate_inequality(condition, F,
    relational=False, domain=domain)``: for a rational function of ``F``
    with rational coefficients whose numerator and denominators have only
    rational real roots, :func:`_rational_inequality_set` follows that
    function's own steps with the critical points found by factoring over
    QQ (no ``periodicity``/``simplify``, ``solvify``, ``continuous_domain``);
    anything else goes to SymPy unchanged."""
    fast = _rational_inequality_set(condition, F, domain)
    if fast is not None:
        return fast
    return sp.solve_univariate_inequality(condition, F, relational=False, domain=domain)


_RELATIONS = (sp.StrictGreaterThan, sp.StrictLessThan, sp.GreaterThan, sp.LessThan)


def rational_real_roots(expr: sp.Expr, F: sp.Symbol) -> list[sp.Rational] | None:
    """The real roots of the polynomial ``expr`` in ``F`` when its
    coefficients are rational and it factors over QQ into linear factors and
    quadratics without real roots (counted exactly by Sturm sequences);
    otherwise ``None``."""
    try:
        poly = sp.Poly(expr, F)
    except sp.PolynomialError:
        return None
    if not (poly.domain.is_ZZ or poly.domain.is_QQ) or poly.is_zero:
        return None
    roots = []
    for factor, _ in poly.factor_list()[1]:
        if factor.degree() == 1:
            a, b = factor.all_coeffs()
            roots.append(sp.Rational(-b, a))
        elif factor.degree() > 2 or factor.count_roots() != 0:
            return None  # an irrational real root, or a factor SymPy's solver may not resolve
    return roots


def _rational_inequality_set(condition: Any, F: sp.Symbol, domain: Any) -> sp.Set | None:
    """``solve_univariate_inequality`` (SymPy 1.14's algorithm, relational=False,
    a domain other than the reals) for a non-constant rational function with
    rational coefficients and rational critical points, or ``None`` when the
    condition is outside that case.  Same sample points, same validity test
    and the same set operations in the same order as SymPy, so the same set."""
    from sympy.core.function import expand_mul
    from sympy.solvers.inequalities import _pt
    from sympy.solvers.solvers import denoms

    if not isinstance(condition, _RELATIONS) or F.is_extended_real is not True:
        return None
    if not isinstance(domain, sp.Interval) or domain == sp.S.Reals or domain.is_subset(sp.S.Reals) is not True:
        return None
    e = condition.lhs - condition.rhs
    if e.free_symbols != {F} or not e.is_rational_function(F):
        return None
    num, den = sp.fraction(sp.cancel(sp.together(e)))
    if not num.has(F) and not den.has(F):
        return None  # constant: SymPy's periodicity-zero branch
    expanded_e = expand_mul(e)
    # where the expression is undefined: SymPy's singularities (zeros of denoms(condition))
    # and discontinuities (the boundary of continuous_domain(expanded_e), zeros of its denominators)
    sing_polys = list(denoms(condition, F))
    disc_polys = list(denoms(expanded_e, F)) + [p.base for p in expanded_e.atoms(sp.Pow) if p.exp.is_negative]
    if any(not (p.exp.is_Integer) for p in expanded_e.atoms(sp.Pow) if p.has(F)):
        return None
    singular: set[sp.Expr] = set()
    discontinuous: set[sp.Expr] = set()
    for polys, into in ((sing_polys, singular), (disc_polys, discontinuous)):
        for p in polys:
            if not p.has(F):
                continue
            roots = rational_real_roots(p, F)
            if roots is None:
                return None
            into.update(roots)
    joint_den = sp.fraction(sp.together(e))[1]
    together_den = rational_real_roots(joint_den, F) if joint_den.has(F) else []
    num_roots = rational_real_roots(num, F)
    if num_roots is None or together_den is None:
        return None
    undefined = singular | discontinuous | set(together_den)
    solutions = {r for r in num_roots if r not in undefined}
    reals = sorted(solutions | singular | discontinuous)

    def valid(x: sp.Expr) -> Any:  # SymPy's own test, at rational points
        v = expanded_e.subs(F, expand_mul(x))
        try:
            r = condition.func(v, 0)
        except TypeError:
            r = sp.S.false
        if r in (sp.S.true, sp.S.false):
            return r
        raise _Fallback

    include_x = "=" in condition.rel_op
    try:
        sol_sets: list[sp.Set] = [sp.S.EmptySet]
        start = sp.S.NegativeInfinity
        for x in reals:
            end = x
            if valid(_pt(start, end)):
                sol_sets.append(sp.Interval(start, end, True, True))
            if x in singular:
                pass
            elif x in discontinuous:
                if valid(x):
                    sol_sets.append(sp.FiniteSet(x))
            elif include_x:
                sol_sets.append(sp.FiniteSet(x))
            start = end
        if valid(_pt(start, sp.S.Infinity)):
            sol_sets.append(sp.Interval.open(start, sp.S.Infinity))
    except _Fallback:
        return None
    rv = sp.Intersection(sp.Union(*sol_sets), sp.S.Reals, sp.S.Reals)
    return rv.intersection(domain)


class _Fallback(InternalSignal):
    """A point where SymPy's validity test would not settle at once: leave the set to SymPy."""


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
    "rational_real_roots",
    "pick_point",
]
