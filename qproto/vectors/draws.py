"""Explicit quantum randomness for session vectors (the QKD families).

A session file spells out every random choice: a detector's outcome is the
first k with u < p₀ + … + p_k for a listed draw u (the "draw rule"), and the
generator picks u so that the outcome is never in doubt.  These helpers are
the file format's side of that rule, shared by the prepare-and-measure and
the entanglement-based generators; the probabilities themselves come from
:mod:`qproto.models.qkd`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from . import randomness

#: Depolarizing noise of the noisy groups: X, Y, Z each with probability p/3.
NOISE_P = Fraction(3, 100)
PAULIS = ("I", "X", "Y", "Z")
#: A draw keeps at least this distance from every outcome boundary.
MARGIN = 1e-9


@cache
def parse_exact(text: str) -> sp.Expr:
    """A spec's number (``"1/2"``, ``"sqrt(2)/2"``) as an exact SymPy value."""
    return sp.sympify(text, rational=True)


def cumulative(probabilities: Sequence[Any]) -> tuple[float, ...]:
    """The draw boundaries p₀, p₀ + p₁, …: summed exactly, then rounded
    from 30 digits to floats (so a boundary is the float nearest its exact
    value)."""
    cum, out = sp.Integer(0), []
    for p in probabilities:
        cum = cum + p
        out.append(float(sp.N(cum, 30)))
    return tuple(out)


def pick(cum: Sequence[float], u: float) -> int:
    """The outcome the draw ``u`` selects: the first k with u < cum[k]."""
    for k, c in enumerate(cum):
        if u < c:
            return k
    return len(cum) - 1


def draw(rng: np.random.Generator, avoid: Sequence[float] = ()) -> float:
    """A dyadic draw (2r+1)/2³³, exact as a float, at least :data:`MARGIN`
    from every boundary in ``avoid``."""
    while True:
        u = (2 * randomness.below(rng, 1 << 32) + 1) / float(1 << 33)
        if all(abs(u - c) > MARGIN for c in avoid):
            return u


def midpoint(cum: Sequence[float], k: int) -> float:
    """A dyadic draw inside outcome k's interval (away from its ends)."""
    lo = 0.0 if k == 0 else cum[k - 1]
    u = (lo + cum[k]) / 2
    return (2 * int(u * (1 << 32)) + 1) / float(1 << 33)


def weighted(rng: np.random.Generator, weights: Sequence[tuple[Any, Fraction]]) -> Any:
    """One item by exact probabilities (rejection on a common denominator)."""
    den = math.lcm(*(Fraction(w).denominator for _, w in weights))
    r = randomness.below(rng, den)
    acc = 0
    for item, w in weights:
        acc += int(Fraction(w) * den)
        if r < acc:
            return item
    return weights[-1][0]


def pauli_event(rng: np.random.Generator, noise_p: Fraction) -> str:
    """One round of depolarizing noise as an explicit Pauli letter."""
    return weighted(rng, [("I", 1 - noise_p), ("X", noise_p / 3), ("Y", noise_p / 3), ("Z", noise_p / 3)])


def fraction(text: Any) -> Fraction:
    """An exact probability or threshold as a Fraction ("11/100", "1")."""
    if isinstance(text, Fraction):
        return text
    return _fraction_of(str(text))


@cache
def _fraction_of(text: str) -> Fraction:
    try:
        return Fraction(text.replace(" ", ""))
    except ValueError:
        value = parse_exact(text)
        if not value.is_Rational:
            raise ValueError(f"{text!r} must be an exact rational (a probability or threshold)") from None
        return Fraction(int(value.p), int(value.q))


__all__ = [
    "NOISE_P",
    "PAULIS",
    "MARGIN",
    "parse_exact",
    "cumulative",
    "pick",
    "draw",
    "midpoint",
    "weighted",
    "pauli_event",
    "fraction",
]
