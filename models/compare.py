"""Comparing states as physical states, and fidelity.

Two kets that differ by a global phase are the same physical state; a
comparison by raw vector equality would raise false alarms.  qproto compares
projectively: unnormalised kets u, v are the same ray exactly when
u u† ⟨v|v⟩ = v v† ⟨u|u⟩ — a polynomial identity, so it can be *proved*
symbolically.  Density matrices compare as ρ tr σ = σ tr ρ.

Fidelity is the squared convention, F(ρ, σ) = (tr √(√ρ σ √ρ))², as
``qiskit.quantum_info.state_fidelity``; QuTiP's ``fidelity`` is its square
root.  For a pure state ψ it is ⟨ψ|ρ|ψ⟩.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from qproto.spec.errors import DimensionError

from .state import State, expand_array


def _same_space(a: State, b: State) -> None:
    if sorted(a.registers) != sorted(b.registers):
        raise DimensionError(f"cannot compare states on {list(a.registers)} and {list(b.registers)}")


def physical_difference(a: State, b: State) -> np.ndarray:
    """A matrix that is zero exactly when ``a`` and ``b`` (either possibly
    unnormalised) are the same physical state: ρ_a tr ρ_b − ρ_b tr ρ_a."""
    _same_space(a, b)
    b = b.reorder(a.registers)
    if a.exact != b.exact:
        a, b = a.numeric(), b.numeric()
    ra, rb = a.matrix(), b.matrix()
    diff = ra * np.trace(rb) - rb * np.trace(ra)
    return expand_array(diff)


def fidelity(a: State, b: State) -> Any:
    """Squared fidelity between two normalised states (at least one pure
    when exact).  Returns a SymPy expression for exact states, a float
    otherwise."""
    _same_space(a, b)
    b = b.reorder(a.registers)
    if a.exact != b.exact:
        a, b = a.numeric(), b.numeric()
    if a.kind == "ket" or b.kind == "ket":
        pure, other = (a, b) if a.kind == "ket" else (b, a)
        v = pure.vector()
        val = np.conj(v) @ other.matrix() @ v
        return sp.expand(val) if pure.exact else float(np.real(val))
    if a.exact:
        raise DimensionError("exact fidelity of two mixed states is not implemented; use numeric() forms")
    sa = _sqrtm_psd(a.matrix())
    inner = _sqrtm_psd(sa @ b.matrix() @ sa)
    return float(np.real(np.trace(inner)) ** 2)


def _sqrtm_psd(m: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh((m + m.conj().T) / 2)
    w = np.clip(w, 0, None)
    return (v * np.sqrt(w)) @ v.conj().T


__all__ = ["physical_difference", "fidelity"]
