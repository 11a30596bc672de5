"""Entanglement purification (BBPSSW, DEJMPS), derived from the circuit model.

A purification round takes two noisy pairs, (a1, b1) kept and (a2, b2)
sacrificed.  Alice and Bob apply bilateral CNOTs (a1 → a2, b1 → b2), measure
a2 and b2, compare the bits over the classical channel and keep (a1, b1)
when the spec's rule says so (BBPSSW, DEJMPS: the bits agree).  The runner
(:mod:`qproto.models.circuit`) executes the spec branch by branch on
symbolic input states; the kept branches give

- the success probability  p = Σ_kept tr ρ_branch, and
- the output fidelity      F' = ⟨Φ+| Σ_kept ρ_branch |Φ+⟩ / p,

as rational functions of the input's symbols.  Nothing is typed in: the
published forms (Bennett et al. 1996; Deutsch et al. 1996) sit in the spec
and the checkers compare them with these derivations.

Bell-diagonal states use the coefficient order of Deutsch et al.:
A, B, C, D on |Φ+⟩, |Ψ−⟩, |Ψ+⟩, |Φ−⟩.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cache, lru_cache
from typing import Any

import numpy as np
import sympy as sp

from qproto.spec.errors import ParameterError, SpecError
from qproto.spec.protocol import Protocol
from qproto.spec.repeater import PurificationProtocol

from . import circuit as _circuit
from .bell import bell, werner
from .compare import fidelity
from .memo import memo_by_value
from .state import State

F = sp.Symbol("F", real=True)
A, B, C, D = sp.symbols("A B C D", real=True)

#: Bell basis in the order of Deutsch et al. 1996.
DEJMPS_ORDER = ("phi+", "psi-", "psi+", "phi-")


def bell_diagonal(coeffs: Sequence[Any], registers: tuple[str, str]) -> State:
    """Σ_i c_i |B_i⟩⟨B_i| with the Bell states in :data:`DEJMPS_ORDER`."""
    total = None
    for c, name in zip(coeffs, DEJMPS_ORDER):
        m = bell(name, registers).to_density().data * c
        total = m if total is None else total + m
    assert total is not None  # coeffs is not empty (four Bell weights)
    return State(
        np.vectorize(sp.expand, otypes=[object])(total) if total.dtype == object else total,
        registers,
        (2, 2),
        "density",
        check=False,
    )


def bell_coefficients(rho: State) -> list[Any]:
    """⟨B_i|ρ|B_i⟩ for the Bell states in :data:`DEJMPS_ORDER`."""
    return [fidelity(bell(name, rho.registers), rho) for name in DEJMPS_ORDER]


def _kept(record: dict[str, int], records: Sequence[str], keep: str) -> bool:
    bits = [record[r] for r in records]
    same = all(b == bits[0] for b in bits)
    return same if keep == "equal" else not same


@dataclass
class RoundResult:
    """One purification round on given inputs: the kept (unnormalised)
    state of the kept pair, its success probability and the branches."""

    kept: State
    success: Any
    branches: list[dict[str, Any]]

    def normalised(self) -> State:
        s = self.success
        data = (
            self.kept.data / s
            if not isinstance(s, sp.Basic)
            else np.vectorize(lambda e: sp.cancel(e / s), otypes=[object])(self.kept.data)
        )
        return State(data, self.kept.registers, (2, 2), "density", check=False)


def run_round(spec: PurificationProtocol, inputs: Sequence[State], numeric: bool = False) -> RoundResult:
    """Run the purification circuit ``spec`` with ``inputs`` replacing its
    two prepared pairs (in the order of ``spec.pairs``)."""
    overrides = {tuple(p): s for p, s in zip(spec.pairs, inputs)}
    trace = _circuit.run(spec, overrides=overrides, numeric=numeric)
    kept = None
    success: Any = 0
    branches = []
    keep_pair = tuple(spec.pairs[0])
    for br in trace.final:
        ok = _kept(br.record, spec.records, spec.keep)
        p = _circuit.branch_probability(br)
        branches.append({"record": dict(br.record), "probability": p, "kept": ok})
        if ok:
            m = br.state.reduced(keep_pair)
            kept = m.data if kept is None else kept + m.data
            success = success + p
    if kept is None:
        raise ParameterError(f"{spec.name}: no branch is kept by keep={spec.keep!r}")
    if isinstance(success, sp.Basic):
        success = sp.factor(sp.expand(success))
    return RoundResult(State(kept, keep_pair, (2, 2), "density", check=False), success, branches)


@dataclass(frozen=True)
class WernerMap:
    """A round's derived action on Werner inputs of fidelity F."""

    fidelity: sp.Expr  # F'(F), after the round (before any twirl)
    success: sp.Expr  # p(F)
    bell: tuple[sp.Expr, ...]  # output Bell coefficients (DEJMPS order), normalised


def prepared_bell(spec: Protocol, pair: tuple[str, str]) -> str:
    """The Bell state the spec's own source prepares on ``pair`` (the centre
    of its Werner copy and the target of the kept pair); |Φ+⟩ when the pair
    is not prepared as a Bell state."""
    from qproto.spec.circuit import Prepare

    for step in spec.steps:
        if isinstance(step, Prepare) and tuple(step.registers) == tuple(pair):
            kind, _, name = step.state.partition(":")
            if kind == "bell" and name in DEJMPS_ORDER:
                return name
    return "phi+"


@memo_by_value(32)  # the checkers of one spec, and the reports after them, derive the same round map
def derive_werner_map(spec: PurificationProtocol) -> WernerMap:
    """Run ``spec`` on two Werner pairs of symbolic fidelity F, each centred
    on the Bell state the spec prepares on it; F' is the kept pair's
    fidelity with the Bell state prepared on it."""
    res = run_round(spec, [werner(F, (a, b), centre=prepared_bell(spec, (a, b))) for a, b in spec.pairs])
    coeffs = [sp.factor(sp.cancel(c / res.success)) for c in bell_coefficients(res.kept)]
    kept_a, kept_b = spec.pairs[0]
    target = DEJMPS_ORDER.index(prepared_bell(spec, (kept_a, kept_b)))
    return WernerMap(coeffs[target], res.success, tuple(coeffs))


@memo_by_value(32)  # the checkers of one spec, and the reports after them, derive the same round map
def derive_bell_diagonal_map(spec: PurificationProtocol) -> tuple[tuple[sp.Expr, ...], sp.Expr]:
    """Run ``spec`` on two identical Bell-diagonal pairs (A, B, C, D);
    returns the normalised output coefficients and the success probability
    (homogeneous of degree 2: for A + B + C + D = 1 it is the probability)."""
    res = run_round(spec, [bell_diagonal((A, B, C, D), (a, b)) for a, b in spec.pairs])
    # homogeneous of degree 2 in (A, B, C, D): equal to the normalised value when A + B + C + D = 1
    coeffs = tuple(sp.factor(sp.cancel(c / res.success)) for c in bell_coefficients(res.kept))
    return coeffs, res.success


@cache
def _catalogue_map(name: str) -> WernerMap:
    from qproto.spec.catalogue import find

    spec = find(name)
    if not isinstance(spec, PurificationProtocol):
        raise SpecError(f"catalogue entry {name!r} is a {type(spec).__name__}, expected a PurificationProtocol")
    return derive_werner_map(spec)


def bbpssw_map() -> WernerMap:
    """The derived BBPSSW round on Werner inputs (cached)."""
    return _catalogue_map("bbpssw")


def rational_function(expr: sp.Expr, sym: sp.Symbol = F) -> tuple[list[Fraction], list[Fraction]]:
    """Numerator and denominator coefficients (highest power first) of a
    rational function of one symbol, as exact Fractions: the derived map
    can then be evaluated on Fractions, floats or intervals."""
    num, den = sp.fraction(sp.cancel(sp.together(expr)))
    conv = lambda p: [Fraction(int(sp.Rational(c).p), int(sp.Rational(c).q)) for c in sp.Poly(p, sym).all_coeffs()]
    return conv(num), conv(den)


def horner(coeffs: Sequence[Fraction], x: Any) -> Any:
    out: Any = 0
    for c in coeffs:
        out = out * x + (c if isinstance(x, Fraction) else _lift(c, x))
    return out


def _lift(c: Fraction, like: Any) -> Any:
    """``c`` in the number type of ``like``: exact for ints and Fractions, float otherwise."""
    return c if isinstance(like, (int, Fraction)) else float(c)


@dataclass(frozen=True)
class PurificationSchedule:
    """Evaluating k rounds of the derived BBPSSW recurrence (with the
    twirl back to Werner form between rounds, as Bennett et al. do)."""

    fidelity_coeffs: tuple[tuple[Fraction, ...], tuple[Fraction, ...]]
    success_coeffs: tuple[Fraction, ...]

    @classmethod
    def bbpssw(cls) -> PurificationSchedule:
        m = bbpssw_map()
        num, den = rational_function(m.fidelity)
        succ, one = rational_function(m.success)
        assert one == [1], one  # the success probability is a polynomial in F
        return cls((tuple(num), tuple(den)), tuple(succ))

    def step(self, fid: Any) -> tuple[Any, Any]:
        """(F', p) after one round on two pairs of fidelity ``fid``."""
        num, den = self.fidelity_coeffs
        return horner(num, fid) / horner(den, fid), horner(self.success_coeffs, fid)

    def rounds(self, fid: Any, k: int) -> tuple[Any, Any]:
        """(fidelity, expected raw pairs per output pair) after ``k`` rounds.

        A round consumes two pairs of the previous level and succeeds with
        probability p, so the expected cost obeys c_j = 2 c_{j−1} / p_j."""
        cost: Any = Fraction(1) if isinstance(fid, Fraction) else _lift(Fraction(1), fid)
        for _ in range(k):
            new, p = self.step(fid)
            cost = 2 * cost / p
            fid = new
        return fid, cost


@lru_cache(maxsize=1)
def bbpssw_schedule() -> PurificationSchedule:
    return PurificationSchedule.bbpssw()


@dataclass(frozen=True)
class RoundFigures:
    """One round of an iterated purification, exact."""

    round: int
    fidelity: Fraction  # of the kept pair
    success: Fraction  # probability that this round keeps its pair
    cost: Fraction  # expected raw pairs per output pair after this round


def iterate_rounds(spec: PurificationProtocol, fidelity: Fraction, rounds: int) -> list[RoundFigures]:
    """``rounds`` rounds of ``spec`` from Werner pairs of ``fidelity``, each
    round fed two outputs of the previous one.  With a twirl between rounds
    (``spec.twirl``, BBPSSW) the derived Werner map is iterated; without it
    (DEJMPS) the derived Bell-diagonal map follows all four coefficients."""
    m = derive_werner_map(spec)
    num, den = rational_function(m.fidelity)
    succ, _ = rational_function(m.success)
    rows, cost, fid = [], Fraction(1), fidelity
    coeffs = None
    if not spec.twirl:
        c, s = derive_bell_diagonal_map(spec)
        coeffs = [fidelity, (1 - fidelity) / 3, (1 - fidelity) / 3, (1 - fidelity) / 3]
    for r in range(1, rounds + 1):
        if coeffs is None:
            p = horner(succ, fid)
            fid = horner(num, fid) / horner(den, fid)
        else:
            subs = dict(zip((A, B, C, D), [sp.Rational(x.numerator, x.denominator) for x in coeffs]))
            p_exact = s.subs(subs)
            coeffs = [Fraction(str(sp.Rational(x.subs(subs)))) for x in c]
            p, fid = Fraction(str(sp.Rational(p_exact))), coeffs[0]
        cost = 2 * cost / p
        rows.append(RoundFigures(r, fid, p, cost))
    return rows


def werner_fixed_points(m: WernerMap) -> list[sp.Expr]:
    """The fidelities in [0, 1] that one round maps to themselves, ascending."""
    return sorted(sp.solveset(sp.Eq(sp.cancel(m.fidelity - F), 0), F, sp.Interval(0, 1)))


__all__ = [
    "F",
    "A",
    "B",
    "C",
    "D",
    "DEJMPS_ORDER",
    "bell_diagonal",
    "bell_coefficients",
    "run_round",
    "RoundResult",
    "WernerMap",
    "derive_werner_map",
    "derive_bell_diagonal_map",
    "bbpssw_map",
    "rational_function",
    "horner",
    "PurificationSchedule",
    "bbpssw_schedule",
    "RoundFigures",
    "iterate_rounds",
    "werner_fixed_points",
]
