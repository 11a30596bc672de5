"""Named gates, exact, with their numeric forms.

A :class:`Gate` is checked to be unitary when it is made: exactly (U†U − I
reduces to zero) for SymPy matrices, within a tolerance for floats.  The
catalogue holds I, X, Y, Z, H, S, T, CNOT, CZ, SWAP and the rotations
RX(θ), RY(θ), RZ(θ), with θ a number or a SymPy symbol.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

import numpy as np
import sympy as sp

from qproto.spec.errors import DimensionError, NotUnitaryError, UnknownNameError

from . import exact as _exact
from .state import NUMERIC_TOLERANCE, as_array


class Gate:
    """A unitary on one or more qubits (or qudits).

    Args:
        name: how the gate is shown (``CNOT``, ``RY(theta)``).
        matrix: the matrix, exact (SymPy entries) or numeric.
        dims: the dimensions of the registers it acts on.  Defaults to
            qubits, as many as the matrix size requires.

    Raises:
        NotUnitaryError: U†U ≠ I.

    >>> Gate("X", [[0, 1], [1, 0]]).arity
    1
    """

    def __init__(self, name: str, matrix: Any, dims: tuple[int, ...] | None = None, check: bool = True):
        self.name = name
        self.matrix = as_array(matrix)
        if self.matrix.ndim != 2 or self.matrix.shape[0] != self.matrix.shape[1]:
            raise DimensionError(f"gate {name}: matrix must be square, got shape {self.matrix.shape}")
        n = self.matrix.shape[0]
        if dims is None:
            q = int(round(np.log2(n))) if n > 0 else 0
            if 2**q != n:
                raise DimensionError(f"gate {name}: size {n} is not a power of 2; give dims=")
            dims = (2,) * q
        if int(np.prod(dims)) != n:
            raise DimensionError(f"gate {name}: dims {dims} do not multiply to the matrix size {n}")
        self.dims = tuple(dims)
        if check:
            self._check_unitary()

    @property
    def arity(self) -> int:
        return len(self.dims)

    @property
    def exact(self) -> bool:
        return self.matrix.dtype == object

    def _check_unitary(self) -> None:
        m = self.matrix
        prod = np.conj(m.T) @ m
        eye = np.eye(m.shape[0], dtype=int)
        if self.exact:
            bad = [
                (i, j) for i in range(m.shape[0]) for j in range(m.shape[0]) if _exact.is_zero(prod[i, j] - eye[i, j]) is not True
            ]
            if bad:
                i, j = bad[0]
                raise NotUnitaryError(
                    f"gate {self.name} is not unitary: (U†U)[{i},{j}] = {sp.simplify(prod[i, j])}, expected {eye[i, j]}; "
                    "fix the matrix (rows and columns must be orthonormal)"
                )
        else:
            err = float(np.max(np.abs(prod - eye)))
            if err > NUMERIC_TOLERANCE:
                raise NotUnitaryError(
                    f"gate {self.name} is not unitary: max |U†U − I| = {err:.3g} > {NUMERIC_TOLERANCE}; "
                    "fix the matrix (rows and columns must be orthonormal)"
                )

    @cached_property
    def numeric(self) -> np.ndarray:
        """The complex128 matrix (symbols must not remain)."""
        if not self.exact:
            return self.matrix
        return np.vectorize(lambda e: complex(sp.N(e)), otypes=[complex])(self.matrix)

    def power(self, k: int) -> Gate:
        """U^k for a classical bit or count ``k`` (U^0 = I)."""
        m = np.linalg.matrix_power(self.matrix, int(k)) if not self.exact else _matpow(self.matrix, int(k))
        return Gate(f"{self.name}^{k}", m, self.dims, check=False)

    def dagger(self) -> Gate:
        return Gate(f"{self.name}†", np.conj(self.matrix.T), self.dims, check=False)

    def __repr__(self) -> str:
        return f"Gate({self.name!r}, {self.matrix.tolist()!r})"


def _matpow(m: np.ndarray, k: int) -> np.ndarray:
    out = np.eye(m.shape[0], dtype=int).astype(object)
    for _ in range(k):
        out = np.vectorize(sp.expand, otypes=[object])(out @ m)
    return out


_r = sp.sqrt(2) / 2
I, Z0, O = sp.I, sp.Integer(0), sp.Integer(1)

_FIXED: dict[str, list[list[Any]]] = {
    "I": [[1, 0], [0, 1]],
    "X": [[0, 1], [1, 0]],
    "Y": [[0, -I], [I, 0]],
    "Z": [[1, 0], [0, -1]],
    "H": [[_r, _r], [_r, -_r]],
    "S": [[1, 0], [0, I]],
    "T": [[1, 0], [0, sp.exp(I * sp.pi / 4)]],
    "CNOT": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]],
    "CZ": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, -1]],
    "SWAP": [[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]],
}


def _rx(t: Any) -> list[list[Any]]:
    return [[sp.cos(t / 2), -I * sp.sin(t / 2)], [-I * sp.sin(t / 2), sp.cos(t / 2)]]


def _ry(t: Any) -> list[list[Any]]:
    return [[sp.cos(t / 2), -sp.sin(t / 2)], [sp.sin(t / 2), sp.cos(t / 2)]]


def _rz(t: Any) -> list[list[Any]]:
    return [[sp.exp(-I * t / 2), 0], [0, sp.exp(I * t / 2)]]


_ROTATIONS: dict[str, Callable[[Any], list[list[Any]]]] = {"RX": _rx, "RY": _ry, "RZ": _rz}
_CACHE: dict[str, Gate] = {}

#: Names :func:`gate` knows, for error messages and ``qproto list``.
GATE_NAMES = tuple(_FIXED) + tuple(f"{r}(theta)" for r in _ROTATIONS)


def gate(name: str, *params: Any) -> Gate:
    """A catalogue gate by name: ``gate("H")``, ``gate("RY", theta)``.

    Raises:
        UnknownNameError: the name is not in the catalogue; the message
            lists the names that are.
    """
    key = name.upper()
    if key in _FIXED and not params:
        if key not in _CACHE:
            _CACHE[key] = Gate(key, _FIXED[key], check=False)  # verified once in the tests
        return _CACHE[key]
    if key in _ROTATIONS and len(params) == 1:
        theta = sp.sympify(params[0]) if not isinstance(params[0], float) else params[0]
        mat = _ROTATIONS[key](theta if isinstance(theta, sp.Basic) else sp.Float(theta))
        return Gate(f"{key}({theta})", mat, check=False)
    raise UnknownNameError(f"unknown gate {name!r} with {len(params)} parameter(s); known gates: {', '.join(GATE_NAMES)}")


def check_catalogue() -> None:
    """Verify every catalogue gate is unitary (run by the tests)."""
    for name in _FIXED:
        Gate(name, _FIXED[name])
    theta = sp.Symbol("theta", real=True)
    for rot in _ROTATIONS:
        Gate(rot, _ROTATIONS[rot](theta))


__all__ = ["Gate", "gate", "GATE_NAMES", "check_catalogue"]
