"""Bell states and the Werner family of noisy pairs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy as sp

from qproto.spec.errors import DimensionError, UnknownNameError

from . import exact as _exact
from .state import State

_r = sp.sqrt(2) / 2
_BELL = {
    "phi+": [_r, 0, 0, _r],
    "phi-": [_r, 0, 0, -_r],
    "psi+": [0, _r, _r, 0],
    "psi-": [0, _r, -_r, 0],
}
BELL_NAMES = tuple(_BELL)


def bell(name: str, registers: Sequence[str]) -> State:
    """One of the four Bell states, exact: ``bell("phi+", ("a", "b"))`` is
    (|00⟩ + |11⟩)/√2."""
    key = name.lower().replace("plus", "+").replace("minus", "-").replace("_", "")
    if key not in _BELL:
        raise UnknownNameError(f"unknown Bell state {name!r}; known: {', '.join(BELL_NAMES)}")
    return State(_BELL[key], registers, (2, 2), "ket")


def werner(fidelity: Any, registers: Sequence[str], centre: str | State = "phi+") -> State:
    """The Werner (isotropic) state of fidelity F with a pure two-qubit state
    |ψ⟩, by default |Φ+⟩: ρ = F |ψ⟩⟨ψ| + (1 − F)/3 (I − |ψ⟩⟨ψ|).

    ``centre`` is a Bell-state name or a normalised two-qubit ket: a circuit
    whose source prepares |Ψ+⟩ is made noisy around |Ψ+⟩, not |Φ+⟩.  F may be
    a symbol; any concrete F (Fraction included) must lie in [0, 1].  A float F
    enters as a SymPy Float, and the trace is then checked within the float
    tolerance (F = 0.16605840102145053 is not rejected for rounding).
    """
    F = _exact.unit_interval("werner", "fidelity", fidelity)
    if isinstance(F, float):
        F = sp.Float(F)  # kept in the exact form; its normalisation is checked with the float tolerance
    psi = _centre_vector(centre)
    proj = np.outer(psi, np.vectorize(sp.conjugate, otypes=[object])(psi))
    eye = np.eye(4, dtype=int).astype(object)
    rho = F * proj + (1 - F) / 3 * (eye - proj)
    rho = np.vectorize(sp.expand, otypes=[object])(rho)
    return State(rho, registers, (2, 2), "density")


def _centre_vector(centre: str | State) -> np.ndarray:
    if isinstance(centre, State):
        if centre.kind != "ket" or centre.size != 4:
            raise DimensionError(f"werner: centre must be a two-qubit ket, got a {centre.kind} of dimension {centre.size}")
        return np.array(centre.vector(), dtype=object)
    return np.array(bell(centre, ("_a", "_b")).vector(), dtype=object)


__all__ = ["bell", "werner", "BELL_NAMES"]
