"""The algebraic engine: identities proved for all symbolic parameters.

A claim is a list of *residuals*, expressions that must vanish.  Each is
reduced modulo the constraints its symbols obey (for the input qubit,
|α|² + |β|² = 1).  All residuals zero: **proved**.  Otherwise the engine
looks for concrete values that make a residual non-zero, evaluating
*exactly* at rational points of the constraint set; one found: **refuted**
with those values.  Neither: **inconclusive** — SymPy failing to simplify is
never taken for a proof.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from qproto.models import exact as _exact
from qproto.models.decide import DEFAULT_TIMEOUT, decide_zero

#: Rational points (α, β) on the unit sphere |α|²+|β|² = 1, from Pythagorean
#: quadruples a²+b²+c²+d² = n²: exact witnesses for refutations.
RATIONAL_QUBITS: tuple[tuple[sp.Expr, sp.Expr], ...] = tuple(
    ((sp.Integer(a) + sp.I * b) / n, (sp.Integer(c) + sp.I * d) / n)
    for a, b, c, d, n in [
        (1, 2, 2, 4, 5),
        (2, 3, 6, 0, 7),
        (1, 1, 1, 1, 2),
        (4, 0, 3, 0, 5),
        (0, 3, 0, 4, 5),
        (1, 4, 8, 0, 9),
        (2, 6, 0, 9, 11),
        (1, 0, 0, 1, 1),
    ]
)

#: Sample values for real parameters in [0, 1] (fidelities, probabilities).
RATIONAL_UNIT: tuple[sp.Expr, ...] = tuple(sp.Rational(k, 7) for k in range(8))


@dataclass
class Outcome:
    """What the engine established for a set of residuals.

    ``road`` says how: ``exact`` (every residual reduced to zero, or a
    non-zero value found exactly) or ``numeric-50-digits`` (a certified
    non-zero value at a witness).  ``numeric_zero`` lists residuals that are
    zero to 50 digits at every witness but were not proved: evidence only,
    and the status stays ``inconclusive``.
    """

    status: str  # proved | refuted | inconclusive
    undecided: list[sp.Expr] = field(default_factory=list)
    witness: dict[str, Any] | None = None
    value: Any = None
    road: str = "exact"
    reason: str = ""
    numeric_zero: list[sp.Expr] = field(default_factory=list)


def decide(
    residuals: Iterable[Any],
    constraints: Sequence[sp.Expr] = (),
    witnesses: Sequence[Mapping[sp.Symbol, Any]] = (),
    timeout: float | None = DEFAULT_TIMEOUT,
) -> Outcome:
    """Prove that every residual vanishes under ``constraints``, or find a
    witness (an assignment from ``witnesses``) where one does not.

    ``witnesses`` must satisfy the constraints; values are exact, so a
    non-zero residual at a witness is a genuine counterexample.  A residual
    SymPy cannot decide goes to :func:`qproto.models.decide.decide_zero`
    (certified 50-digit numerics at the witnesses, then a time-limited
    ``simplify``): undecided is never read as false.
    """
    undecided: list[sp.Expr] = []
    numeric: list[sp.Expr] = []
    reasons: list[str] = []
    for r in residuals:
        red = _exact.reduce(r, constraints)
        if red == 0:
            continue
        d = decide_zero(red, points=list(witnesses) if not red.is_number else None, timeout=timeout)
        if d.kind == "exact_zero":
            continue
        if d.kind == "nonzero":
            witness = dict(d.assignment or {})
            if red.is_number or not witness:
                return Outcome("refuted", [red], {}, red, road=d.road)
            value = red.subs(witness, simultaneous=True)
            return Outcome("refuted", [red], {str(k): v for k, v in witness.items()}, value, road=d.road)
        if d.kind == "numeric_zero":
            numeric.append(red)
        reasons.append(d.reason)
        undecided.append(red)
    if not undecided:
        return Outcome("proved")
    return Outcome(
        "inconclusive",
        undecided,
        road="numeric-50-digits" if numeric else "none",
        reason=reasons[0] if reasons else "",
        numeric_zero=numeric,
    )


def qubit_witnesses(alpha: sp.Symbol, beta: sp.Symbol) -> list[dict[sp.Symbol, sp.Expr]]:
    """Witness assignments for a symbolic qubit, conjugates included."""
    return [
        {alpha: a, beta: b, sp.conjugate(alpha): sp.conjugate(a), sp.conjugate(beta): sp.conjugate(b)} for a, b in RATIONAL_QUBITS
    ]


def parse_exact(text: Any, **locals_: Any) -> sp.Expr:
    """A spec's expected value (``"1/4"``, ``"(2*F + 1)/3"``) as SymPy."""
    if isinstance(text, sp.Basic):
        return text
    return sp.sympify(text, locals=locals_ or None, rational=True)


__all__ = ["Outcome", "decide", "qubit_witnesses", "parse_exact", "RATIONAL_QUBITS", "RATIONAL_UNIT"]
