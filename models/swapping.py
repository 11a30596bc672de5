"""Entanglement swapping, derived from the circuit model.

The repeater node holds one half of each of two pairs, (a, r1) and (r2, c).
A Bell measurement on (r1, r2) and a Pauli correction at c leave (a, c)
entangled.  Everything here is *derived* by running the swapping circuit
(:mod:`qproto.models.circuit`) branch by branch: the corrected end state for
each outcome, and the end state when the inputs are Werner states of
symbolic fidelities F1, F2.  Nothing is typed in; the published forms live
in the spec and are compared with these derivations.

The Werner parameter w = (4F − 1)/3 turns the swap map into a product
(w' = w1·w2), which is why a chain composes in closed form; see
:func:`chain_fidelity`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import sympy as sp

from qproto.spec.circuit import CircuitProtocol
from qproto.spec.errors import ParameterError

from . import circuit as _circuit
from .bell import bell, werner
from .compare import fidelity
from .state import State

F1, F2 = sp.symbols("F1 F2", real=True)
F, W = sp.symbols("F W", real=True)
N = sp.Symbol("n", integer=True, positive=True)


def branch_end_states(spec: CircuitProtocol, ends: tuple[str, str], overrides: dict | None = None, numeric: bool = False):
    """``[(record, probability, unnormalised end state)]`` for every final branch."""
    trace = _circuit.run(spec, overrides=overrides, numeric=numeric)
    return [(br.record, _circuit.branch_probability(br), br.state.reduced(ends)) for br in trace.final]


def averaged_end_state(
    spec: CircuitProtocol, ends: tuple[str, str], overrides: dict | None = None, numeric: bool = False
) -> State:
    """The end pair's state averaged over outcomes (each branch corrected):
    what the two end nodes hold once the correction is applied."""
    total = None
    for _, _, rho in branch_end_states(spec, ends, overrides, numeric):
        total = rho.data if total is None else total + rho.data
    return State(total, ends, (2, 2), "density", check=False)


def prepared_pair(spec: CircuitProtocol, pair: tuple[str, ...]) -> State | str:
    """The pure state ``spec`` prepares on ``pair`` (the centre of its noisy
    copy); ``"phi+"`` when no single step prepares exactly that pair."""
    from qproto.spec.circuit import Prepare

    for step in spec.steps:
        if isinstance(step, Prepare) and tuple(step.registers) == tuple(pair):
            state = _circuit.prepared_state(step)
            if state.kind == "ket" and state.size == 4:
                return state
    return "phi+"


def werner_overrides(pairs: Sequence[tuple[str, str]], fidelities: Sequence[Any], spec: CircuitProtocol | None = None) -> dict:
    """Werner copies of the pairs, each centred on the state ``spec``
    prepares on it (|Φ+⟩ when no spec is given)."""
    return {
        tuple(p): werner(f, tuple(p), centre=prepared_pair(spec, tuple(p)) if spec is not None else "phi+")
        for p, f in zip(pairs, fidelities)
    }


def derive_werner_swap(
    spec: CircuitProtocol, pairs: Sequence[tuple[str, str]], ends: tuple[str, str], target: str = "phi+"
) -> tuple[sp.Expr, State]:
    """Swap Werner states of symbolic fidelities F1, F2 through ``spec``;
    each input is centred on the pair the spec itself prepares.

    Returns ``(F', ρ_out)``: the end state's fidelity with the Bell state
    ``target`` (squared convention) and the averaged end state itself."""
    rho = averaged_end_state(spec, ends, werner_overrides(pairs, (F1, F2), spec))
    f_out = sp.factor(sp.expand(fidelity(bell(target, ends), rho)))
    return f_out, rho


@lru_cache(maxsize=1)
def werner_swap_map() -> sp.Expr:
    """F'(F1, F2) derived from the catalogue swapping circuit (cached)."""
    from qproto.spec.repeater import ENTANGLEMENT_SWAPPING, SWAP_ENDS, SWAP_PAIRS

    f_out, _ = derive_werner_swap(ENTANGLEMENT_SWAPPING, SWAP_PAIRS, SWAP_ENDS)
    return f_out


def werner_parameter(fid: Any) -> Any:
    """w = (4F − 1)/3: the weight of |Φ+⟩⟨Φ+| against I/4 in a Werner state."""
    return (4 * fid - 1) / 3


def fidelity_from_parameter(w: Any) -> Any:
    return (1 + 3 * w) / 4


def chain_fidelity(fidelities: Sequence[Any]) -> Any:
    """End-to-end fidelity of a chain of Werner segments swapped in order,
    by iterating the derived two-segment map (exact for SymPy/Fraction
    inputs, float otherwise).  Swapping order does not matter: the map is
    a product in the Werner parameter."""
    if not fidelities:
        raise ParameterError("chain_fidelity: fidelities=() must name at least one segment")
    f_map = werner_swap_map()
    out = fidelities[0]
    for nxt in fidelities[1:]:
        out = _eval_map(f_map, out, nxt)
    return out


def chain_closed_form(fidelity: Any, segments: Any) -> Any:
    """End-to-end fidelity of ``segments`` equal Werner segments of fidelity
    F: 1/4 + (3/4)·((4F − 1)/3)ⁿ.  Exact for SymPy or Fraction inputs (``n``
    may be a symbol), float otherwise.  ``qproto.proofs.repeater_chain``
    proves it equal to :func:`chain_fidelity` (the derived map iterated) for
    every n by induction, so callers may use it in place of the fold."""
    return fidelity_from_parameter(werner_parameter(fidelity) ** segments)


def chain_product_form(fidelities: Sequence[Any]) -> Any:
    """End-to-end fidelity of Werner segments of unequal fidelities F1..Fn:
    1/4 + (3/4)·∏(4Fi − 1)/3, the Werner parameters multiplied (proved equal
    to :func:`chain_fidelity` alongside :func:`chain_closed_form`)."""
    if not fidelities:
        raise ParameterError("chain_product_form: fidelities=() must name at least one segment")
    w: Any = 1
    for f in fidelities:
        w = w * werner_parameter(f)
    return fidelity_from_parameter(w)


def _eval_map(expr: sp.Expr, a: Any, b: Any) -> Any:
    if isinstance(a, sp.Basic) or isinstance(b, sp.Basic):
        return sp.expand(expr.subs({F1: a, F2: b}, simultaneous=True))
    num, den = sp.fraction(sp.together(expr))
    return _poly2(num, a, b) / _poly2(den, a, b)


def _poly2(poly: sp.Expr, a: Any, b: Any) -> Any:
    from fractions import Fraction

    total: Any = 0
    for (i, j), c in sp.Poly(poly, F1, F2).terms():
        coeff = Fraction(int(c.p), int(c.q)) if isinstance(a, Fraction) or isinstance(b, Fraction) else float(c)
        total = total + coeff * a**i * b**j
    return total


__all__ = [
    "F1",
    "F2",
    "branch_end_states",
    "averaged_end_state",
    "werner_overrides",
    "prepared_pair",
    "derive_werner_swap",
    "werner_swap_map",
    "werner_parameter",
    "fidelity_from_parameter",
    "chain_fidelity",
    "chain_closed_form",
    "chain_product_form",
]
