"""Bell states and the Werner family of noisy pairs."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import sympy as sp

from qproto.spec.errors import ParameterError, UnknownNameError

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


def werner(fidelity: Any, registers: Sequence[str]) -> State:
    """The Werner state of fidelity F with |Φ+⟩:
    ρ = F |Φ+⟩⟨Φ+| + (1 − F)/3 (I − |Φ+⟩⟨Φ+|).  F may be a symbol."""
    if isinstance(fidelity, (int, float)) and not 0 <= fidelity <= 1:
        raise ParameterError(f"werner: fidelity={fidelity!r} must lie in [0, 1]")
    F = sp.sympify(fidelity) if not isinstance(fidelity, float) else sp.Float(fidelity)
    phi = np.array(_BELL["phi+"], dtype=object)
    proj = np.outer(phi, phi)
    eye = np.eye(4, dtype=int).astype(object)
    rho = F * proj + (1 - F) / 3 * (eye - proj)
    rho = np.vectorize(sp.expand, otypes=[object])(rho)
    return State(rho, registers, (2, 2), "density")


__all__ = ["bell", "werner", "BELL_NAMES"]
