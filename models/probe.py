"""General entangling probes and measure-and-resend in any basis.

:func:`entangling_probe`: Eve lets the signal interact with a qubit ancilla
prepared in |0⟩ through the unitary U = exp(−i Σ_k θ_k P_k), where P_k runs
over the 15 non-identity two-qubit Pauli strings (signal ⊗ ancilla) and
θ_k = π·angle_k.  Every two-qubit unitary is of this form (up to a global
phase), so random angles sample every individual qubit attack with a qubit
probe.  Eve keeps the ancilla and measures it after the bases are
announced: the adversary engine gives her the Helstrom measurement on her
two conditional states (the optimal guess, Helstrom 1976) and also
reports her Holevo information, which bounds every measurement.

:func:`intercept_resend_basis`: Eve intercepts a fraction f of the qubits,
measures in the basis whose |0⟩-vector has Bloch angles (θ, φ), and
resends what she read.  θ = π/4, φ = 0 is the **Breidbart basis**, halfway
between Z and X (Bennett, Bessette, Brassard, Salvail & Smolin 1992): it
induces QBER f/4 on BB84 like the Z/X attack, but Eve's guess of every
sifted bit is right with probability cos²(π/8) = (2 + √2)/4, giving
I(A:E) = f·(1 − h(cos²(π/8))) ≈ 0.399 f instead of f/2.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from qproto.spec.errors import ParameterError
from qproto.spec.validation import check_probability

from .attacks import AttackParameter, register_attack
from .instrument import Instrument, measure_resend

_P = {
    "I": np.eye(2, dtype=complex),
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]], dtype=complex),
    "Z": np.array([[1, 0], [0, -1]], dtype=complex),
}
#: The 15 generators, in a fixed order: signal Pauli then ancilla Pauli.
GENERATORS: tuple[str, ...] = tuple(a + b for a, b in itertools.product("IXYZ", repeat=2) if a + b != "II")
N_ANGLES = len(GENERATORS)
# the fifteen two-qubit Pauli products, built once: the attack search builds ~10^4 probes
_GENERATOR_MATRICES = {g: np.kron(_P[g[0]], _P[g[1]]) for g in GENERATORS}
_GENERATOR_STACK = np.stack([_GENERATOR_MATRICES[g] for g in GENERATORS])  # (15, 4, 4): H = π Σ_k angle_k P_k in one product


def probe_unitary(angles: Sequence[float]) -> np.ndarray:
    """U = exp(−i π Σ_k angle_k P_k) on signal ⊗ ancilla (4×4, signal most
    significant).  Hermitian generator exponentiated by its eigenbasis."""
    angles = [float(a) for a in angles]
    if len(angles) != N_ANGLES:
        raise ParameterError(f"angles has {len(angles)} entries, expected {N_ANGLES} (one per generator {', '.join(GENERATORS)})")
    h = np.tensordot(np.pi * np.asarray(angles), _GENERATOR_STACK, axes=1)
    w, v = np.linalg.eigh(h)
    return (v * np.exp(-1j * w)) @ v.conj().T


def entangling_probe(**angles: Any) -> Instrument:
    """The probe of the module doc; keyword ``a1`` … ``a15`` give angle_k
    (units of π; missing ones are 0).  Numeric."""
    vals = [_angle(angles.get(f"a{k + 1}", 0)) for k in range(N_ANGLES)]
    u = probe_unitary(vals)
    # V|s⟩ = U (|s⟩ ⊗ |0⟩): the columns with ancilla 0; rows (signal, ancilla)
    k = u[:, [0, 2]]
    nz = ",".join(f"a{i + 1}={v:g}" for i, v in enumerate(vals) if v)
    return Instrument(f"entangling-probe({nz or 'identity'})", {"probe": [k]}, ancilla_dim=2)


def _angle(v: Any) -> float:
    # the attack search passes floats ~10^4 times: SymPy only for text
    return float(v) if isinstance(v, (int, float)) else float(sp.sympify(v))


def basis_vectors(theta: Any, phi: Any = 0) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    """The orthonormal pair (|b₀⟩, |b₁⟩) with |b₀⟩ = cos(θ/2)|0⟩ + e^{iφ} sin(θ/2)|1⟩."""
    exact = not isinstance(theta, float) and not isinstance(phi, float)
    if exact:
        t, p = sp.sympify(theta), sp.sympify(phi)
        # e^{iφ} as cos φ + i sin φ: SymPy keeps exp(iπr) as (−1)^r, whose
        # products it cannot simplify in bounded time
        c, s, e = sp.cos(t / 2), sp.sin(t / 2), sp.cos(p) + sp.I * sp.sin(p)
        return (c, sp.expand(e * s)), (-s, sp.expand(e * c))
    t, p = float(theta), float(phi)
    c, s, e = np.cos(t / 2), np.sin(t / 2), np.exp(1j * p)
    return (c, e * s), (-s, e * c)


def intercept_resend_basis(fraction: Any = 1, theta: Any = sp.Rational(1, 4), phi: Any = 0) -> Instrument:
    """Intercept a fraction of the qubits, measure in the basis with Bloch
    angles (π·theta, π·phi) and resend the state read.  Records
    ``("B", outcome)`` or ``"none"``.  ``theta=1/4`` is Breidbart's basis."""
    exact = not any(isinstance(v, float) for v in (fraction, theta, phi))
    f = sp.sympify(fraction) if exact else float(fraction)
    check_probability("fraction", f if isinstance(fraction, str) else fraction, symbolic=True)
    t = sp.pi * sp.sympify(theta) if exact else np.pi * float(theta)
    p = sp.pi * sp.sympify(phi) if exact else np.pi * float(phi)
    v0, v1 = basis_vectors(t, p)
    keep = sp.sqrt(1 - f) if exact else np.sqrt(1 - f)
    branches: list[tuple[Hashable, Sequence[Any]]] = [("none", [[[keep, 0], [0, keep]]])]
    branches += measure_resend("intercept-resend-basis", f, [("B", 1, (v0, v1))])
    syms = {"fraction": f} if isinstance(f, sp.Symbol) else {}
    name = f"intercept-resend-basis(fraction={fraction}, theta={theta}π, phi={phi}π)"
    if exact and basis_is_orthonormal_for_all_angles():
        # Σ K†K = (1 − f)I + f(|b₀⟩⟨b₀| + |b₁⟩⟨b₁|) = I for every f, θ, φ:
        # proved once symbolically, so no value of the angles can be rejected
        inst = Instrument(name, branches, symbols=syms, check=False)
        inst.trace_check = "exact: the factory's basis is orthonormal for all angles (proved symbolically once)"
        return inst
    return Instrument(name, branches, symbols=syms, check=not syms)


@lru_cache(maxsize=1)
def basis_is_orthonormal_for_all_angles() -> bool:
    """|b₀⟩⟨b₀| + |b₁⟩⟨b₁| = I for symbolic real θ, φ (SymPy, exact): the
    completeness of :func:`basis_vectors` for every angle."""
    from .exact import reduce

    t, p = sp.symbols("theta phi", real=True)
    v0, v1 = (sp.Matrix(v) for v in basis_vectors(t, p))
    total = v0 * v0.H + v1 * v1.H - sp.eye(2)
    # polynomial in sin and cos of θ/2 and φ: reduce modulo sin² + cos² = 1
    s1, c1, s2, c2 = sp.symbols("s1 c1 s2 c2", real=True)
    poly = {sp.sin(t / 2): s1, sp.cos(t / 2): c1, sp.sin(p): s2, sp.cos(p): c2}
    constraints = (s1**2 + c1**2 - 1, s2**2 + c2**2 - 1)
    return all(reduce(sp.expand(e).xreplace(poly), constraints) == 0 for e in total)


def breidbart(fraction: Any = 1) -> Instrument:
    """Intercept-resend in the Breidbart basis (θ = π/4)."""
    return intercept_resend_basis(fraction, sp.Rational(1, 4), 0)


#: cos²(π/8): Eve's probability of guessing a sifted bit right in the
#: Breidbart basis (Bennett et al., J. Cryptology 5, 3 (1992)).
BREIDBART_GUESS = (2 + sp.sqrt(2)) / 4


register_attack(
    "entangling-probe",
    entangling_probe,
    tuple(
        AttackParameter(
            name=f"a{k + 1}", default=sp.Integer(0), low=-1, high=1, text=f"angle of generator {GENERATORS[k]} in units of π"
        )
        for k in range(N_ANGLES)
    ),
    text="a general two-qubit unitary between the signal and Eve's qubit probe; Eve measures later",
)
register_attack(
    "intercept-resend-basis",
    intercept_resend_basis,
    (
        AttackParameter(name="fraction", default=sp.Integer(1), low=0, high=1, text="probability Eve intercepts"),
        AttackParameter(
            name="theta", default=sp.Rational(1, 4), low=0, high=1, text="Bloch polar angle of her basis, units of π"
        ),
        AttackParameter(name="phi", default=sp.Integer(0), low=0, high=2, text="Bloch azimuth of her basis, units of π"),
    ),
    text="measure-and-resend in any one basis (theta=1/4: Breidbart)",
)
register_attack(
    "breidbart",
    breidbart,
    (AttackParameter(name="fraction", default=sp.Integer(1), low=0, high=1, text="probability Eve intercepts"),),
    text="intercept-resend in the Breidbart basis, halfway between Z and X",
)

__all__ = [
    "GENERATORS",
    "N_ANGLES",
    "probe_unitary",
    "entangling_probe",
    "basis_vectors",
    "intercept_resend_basis",
    "breidbart",
    "BREIDBART_GUESS",
]
