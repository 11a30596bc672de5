"""Quantum channels in Kraus form, checked to be CPTP.

A channel E(ρ) = Σ K_i ρ K_i† is completely positive by construction; it
is trace preserving when Σ K_i†K_i = I.  :class:`KrausChannel` checks that
identity exactly (SymPy) or within a tolerance (floats) when it is made, and
refuses anything else with :class:`~qproto.NotCPTPError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy as sp

from qproto.spec.errors import NotCPTPError

from . import exact as _exact
from .state import NUMERIC_TOLERANCE, State, as_array, expand_array


class KrausChannel:
    """A channel given by Kraus operators.

    Args:
        name: how it is shown, e.g. ``depolarizing(p)``.
        kraus: the operators K_i, all the same square size.
        constraints: facts about the symbols needed to see Σ K†K = I.

    Raises:
        NotCPTPError: the operators are malformed or Σ K_i†K_i ≠ I.
    """

    def __init__(self, name: str, kraus: Sequence[Any], constraints: Sequence[sp.Expr] = (), check: bool = True):
        self.name = name
        if not kraus:
            raise NotCPTPError(f"channel {name}: needs at least one Kraus operator")
        self.kraus = [as_array(k) for k in kraus]
        shapes = {k.shape for k in self.kraus}
        if len(shapes) != 1 or any(len(s) != 2 or s[0] != s[1] for s in shapes):
            raise NotCPTPError(f"channel {name}: Kraus operators must be square and of one size, got shapes {sorted(shapes)}")
        self.constraints = tuple(constraints)
        if any(k.dtype != object for k in self.kraus):
            self.kraus = [np.asarray(k if k.dtype != object else k.astype(complex), dtype=complex) for k in self.kraus]
        if check:
            self._check_trace_preserving()

    @property
    def dim(self) -> int:
        return self.kraus[0].shape[0]

    @property
    def exact(self) -> bool:
        return self.kraus[0].dtype == object

    def _check_trace_preserving(self) -> None:
        total = sum(np.conj(k.T) @ k for k in self.kraus)
        eye = np.eye(self.dim, dtype=int)
        if self.exact:
            # conj(√x) = √x for real x ≥ 0: the named channels' square roots are of
            # probabilities, non-negative on the parameter domain [0, 1].
            total = np.vectorize(_real_sqrt_conjugates, otypes=[object])(total)
            roads = set()
            for i in range(self.dim):
                for j in range(self.dim):
                    ok, how = _exact.settle_zero(total[i, j] - eye[i, j], self.constraints)
                    if ok is True:
                        roads.add(how)
                        continue
                    # a proved non-zero entry, or one SymPy cannot settle: say which
                    why = f"differs by {how}" if ok is False else f"could not be established ({how})"
                    raise NotCPTPError(
                        f"channel {self.name} is not trace preserving: (Σ K†K)[{i},{j}] = "
                        f"{sp.sstr(total[i, j])}, expected {eye[i, j]} ({why}); fix the Kraus operators"
                    )
            #: how Σ K†K = I was established: "exact", or "numeric-50-digits" (evidence, not a proof)
            self.trace_preserving_road = "exact" if roads <= {"exact"} else "numeric-50-digits"
        else:
            err = float(np.max(np.abs(total - eye)))
            if err > NUMERIC_TOLERANCE:
                raise NotCPTPError(
                    f"channel {self.name} is not trace preserving: max |Σ K†K − I| = {err:.3g}; fix the Kraus operators"
                )

    def apply(self, state: State, targets: Sequence[str]) -> State:
        """E applied to ``targets`` of ``state``; the result is a density matrix."""
        rho = state.to_density()
        out = sum(rho.apply(k, targets).data for k in self.kraus)
        return State(expand_array(np.asarray(out)), rho.registers, rho.dims, "density", rho.constraints, check=False)

    def __repr__(self) -> str:
        return f"KrausChannel({self.name!r}, {len(self.kraus)} operators)"


def _real_sqrt_conjugates(e: Any) -> Any:
    return sp.sympify(e).replace(
        lambda x: isinstance(x, sp.conjugate) and x.args[0].is_Pow and x.args[0].exp == sp.S.Half and x.args[0].base.is_real,
        lambda x: x.args[0],
    )


def _probability(name: str, p: Any) -> Any:
    # exact comparison for every kind of number: a Fraction(3, 2) is out of range too
    return _exact.unit_interval(name, "p", p)


def depolarizing(p: Any) -> KrausChannel:
    """ρ ↦ (1 − p) ρ + p I/2 (p = 1 fully depolarises).  Kraus form
    √(1−3p/4) I, √(p/4) X, √(p/4) Y, √(p/4) Z."""
    p = _probability("depolarizing", p)
    s0 = sp.sqrt(1 - 3 * sp.sympify(p) / 4)
    s = sp.sqrt(sp.sympify(p) / 4)
    mats = [[[s0, 0], [0, s0]], [[0, s], [s, 0]], [[0, -sp.I * s], [sp.I * s, 0]], [[s, 0], [0, -s]]]
    return KrausChannel(f"depolarizing({p})", mats, check=False)


def dephasing(p: Any) -> KrausChannel:
    """ρ ↦ (1 − p) ρ + p ZρZ: a phase flip with probability p."""
    p = _probability("dephasing", p)
    a, b = sp.sqrt(1 - sp.sympify(p)), sp.sqrt(sp.sympify(p))
    return KrausChannel(f"dephasing({p})", [[[a, 0], [0, a]], [[b, 0], [0, -b]]], check=False)


def bit_flip(p: Any) -> KrausChannel:
    """ρ ↦ (1 − p) ρ + p XρX."""
    p = _probability("bit_flip", p)
    a, b = sp.sqrt(1 - sp.sympify(p)), sp.sqrt(sp.sympify(p))
    return KrausChannel(f"bit_flip({p})", [[[a, 0], [0, a]], [[0, b], [b, 0]]], check=False)


def amplitude_damping(gamma: Any) -> KrausChannel:
    """Energy loss |1⟩ → |0⟩ with probability γ (a lossy memory or fibre)."""
    g = _probability("amplitude_damping", gamma)
    return KrausChannel(
        f"amplitude_damping({g})",
        [[[1, 0], [0, sp.sqrt(1 - sp.sympify(g))]], [[0, sp.sqrt(sp.sympify(g))], [0, 0]]],
        check=False,
    )


__all__ = ["KrausChannel", "depolarizing", "dephasing", "bit_flip", "amplitude_damping"]
