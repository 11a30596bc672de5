"""Cloning attacks: Eve keeps the purification of a Pauli channel.

Every individual attack that treats the BB84 states symmetrically leaves
Bob a Pauli channel ρ ↦ Σ_i p_i σ_i ρ σ_i (Pauli twirl).  Eve's strongest
version keeps its purification: the isometry

    V|ψ⟩ = Σ_i √p_i (σ_i|ψ⟩) ⊗ |e_i⟩,   i ∈ {I, X, Y, Z},

with orthonormal |e_i⟩ in a four-dimensional ancilla.  Bob's error rate in
the Z basis is p_X + p_Y, in the X basis p_Z + p_Y, in the Y basis p_X + p_Z.

- :func:`fuchs_peres` (the optimal individual attack on BB84, realised by
  the phase-covariant cloner; Fuchs, Gisin, Griffiths, Niu & Peres 1997,
  Bruß et al. 2000): a bit flip and an independent phase flip, each with
  probability D — weights ((1−D)², D(1−D), D², D(1−D)).  QBER D in Z and
  X; Eve's Helstrom guess of Alice's sifted bit is ½ + √(D(1−D)), so
  I(A:E) = 1 − h(½ + √(D(1−D))), equal to I(A:B) = 1 − h(D) at
  D = (2 − √2)/4 ≈ 14.6 %.  Her Holevo information is h(D), which is why
  the Shor–Preskill rate 1 − 2h(D) is tight.
- :func:`universal_cloner`: the purification of the depolarizing channel
  with QBER D in all three bases (Bužek–Hillery / Cerf asymmetric universal
  cloning; the natural attack on the six-state protocol): weights
  (1 − 3D/2, D/2, D/2, D/2).
- :func:`pauli_attack`: any weights, for fuzzing.

All three are exact (SymPy) for exact or symbolic parameters and numeric
for floats, as :class:`~qproto.models.instrument.Instrument` with one
record (``"probe"``) and ancilla dimension 4.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from qproto.spec.errors import ParameterError
from qproto.spec.validation import check_fraction

from .attacks import AttackParameter, register_attack
from .instrument import Instrument

_PAULI = {
    "I": ((1, 0), (0, 1)),
    "X": ((0, 1), (1, 0)),
    "Y": ((0, -sp.I), (sp.I, 0)),
    "Z": ((1, 0), (0, -1)),
}


def _value(name: str, v: Any) -> Any:
    if isinstance(v, float):
        return v
    return sp.sympify(v)


def _check_disturbance(given: Any, d: Any, high: Fraction) -> None:
    """D in [0, high], compared exactly; a symbol passes (the analysis is for
    every D).  The message shows the value as given, not its SymPy form."""
    check_fraction("disturbance", d if isinstance(given, str) else given, 0, high, symbolic=True)


def _nonnegative(name: str, v: Any) -> None:
    if isinstance(v, sp.Basic) and not v.is_number:
        return
    if float(v) < -1e-15:
        raise ParameterError(f"{name}={v} must be ≥ 0 (a probability)")


def pauli_attack(px: Any = 0, py: Any = 0, pz: Any = 0, name: str | None = None) -> Instrument:
    """Eve keeps the purification of the Pauli channel with weights
    (1 − px − py − pz, px, py, pz).  Exact for exact arguments.

    >>> round(float(np.real(pauli_attack(0.1, 0, 0).channel_kraus()[1][0, 1])), 6)
    0.316228
    """
    px, py, pz = (_value(n, v) for n, v in (("px", px), ("py", py), ("pz", pz)))
    pi = 1 - px - py - pz
    for n, v in (("px", px), ("py", py), ("pz", pz), ("1-px-py-pz", pi)):
        _nonnegative(n, v)
    exact = not any(isinstance(v, float) for v in (px, py, pz))
    weights = {"I": pi, "X": px, "Y": py, "Z": pz}
    k = np.zeros((8, 2), dtype=object if exact else complex)
    for idx, (label, w) in enumerate(weights.items()):
        amp = sp.sqrt(w) if exact else np.sqrt(max(float(w), 0.0))
        m = _PAULI[label]
        for s_out in range(2):
            for s_in in range(2):
                entry = m[s_out][s_in]
                k[s_out * 4 + idx, s_in] = sp.expand(amp * entry) if exact else amp * complex(entry)
    syms = (
        {str(s): s for s in set().union(*(sp.sympify(v).free_symbols for v in (px, py, pz) if isinstance(v, sp.Basic)))}
        if exact
        else {}
    )
    label = name or f"pauli-probe(px={px}, py={py}, pz={pz})"
    return Instrument(label, {"probe": [k]}, ancilla_dim=4, symbols=syms, check=not syms)


def fuchs_peres_weights(disturbance: Any) -> tuple[Any, Any, Any]:
    """(p_X, p_Y, p_Z) of the optimal individual attack on BB84 at
    disturbance D: a bit flip and a phase flip, independent, each with
    probability D."""
    d = _value("disturbance", disturbance)
    return d * (1 - d), d * d, d * (1 - d)


def fuchs_peres(disturbance: Any = sp.Rational(1, 10)) -> Instrument:
    """The Fuchs–Peres optimal individual attack at disturbance D ∈ [0, 1/2]
    (see module doc)."""
    d = _value("disturbance", disturbance)
    _check_disturbance(disturbance, d, Fraction(1, 2))
    inst = pauli_attack(*fuchs_peres_weights(d), name=f"fuchs-peres(disturbance={d})")
    if isinstance(d, sp.Symbol):
        inst.symbols = {"disturbance": d}
    return inst


def universal_cloner(disturbance: Any = sp.Rational(1, 10)) -> Instrument:
    """Eve keeps the purification of the depolarizing channel that gives
    QBER D in every basis, D ∈ [0, 2/3]."""
    d = _value("disturbance", disturbance)
    _check_disturbance(disturbance, d, Fraction(2, 3))
    inst = pauli_attack(d / 2, d / 2, d / 2, name=f"universal-cloner(disturbance={d})")
    if isinstance(d, sp.Symbol):
        inst.symbols = {"disturbance": d}
    return inst


def pauli_probe_amplitudes(
    amplitudes: dict[str, Any], name: str, constraints: tuple[Any, ...] = (), symbols: dict[str, Any] | None = None
) -> Instrument:
    """The purification V|ψ⟩ = Σ_i c_i σ_i|ψ⟩ ⊗ |e_i⟩ written with the
    amplitudes c_i themselves (not their squares): symbolic proofs use
    polynomial amplitudes (c_X = √(D(1−D)) written as a·b with a = √D,
    b = √(1−D), a² + b² = 1) so that no square root has to be simplified."""
    k = np.zeros((8, 2), dtype=object)
    for idx, lab in enumerate("IXYZ"):
        amp = sp.sympify(amplitudes.get(lab, 0))
        m = _PAULI[lab]
        for s_out in range(2):
            for s_in in range(2):
                k[s_out * 4 + idx, s_in] = sp.expand(amp * m[s_out][s_in])
    return Instrument(name, {"probe": [k]}, ancilla_dim=4, constraints=constraints, symbols=symbols or {}, check=False)


def fuchs_peres_polynomial() -> tuple[Instrument, sp.Symbol, sp.Symbol]:
    """The Fuchs–Peres probe in a = √D, b = √(1−D) (positive symbols, with
    the constraint a² + b² − 1 = 0): amplitudes (b², ab, a², ab)."""
    a, b = sp.symbols("a b", positive=True)
    inst = pauli_probe_amplitudes(
        {"I": b**2, "X": a * b, "Y": a**2, "Z": a * b},
        "fuchs-peres(D=a²)",
        constraints=(a**2 + b**2 - 1,),
        symbols={"sqrt_disturbance": a, "sqrt_fidelity": b},
    )
    return inst, a, b


# -- published closed forms (compared with the derivation, never used by it) ---
def fuchs_peres_guess_formula(d: Any) -> Any:
    """½ + √(D(1−D)) (Fuchs et al. 1997, eq. for the optimal Shannon attack)."""
    return sp.Rational(1, 2) + sp.sqrt(d * (1 - d)) if isinstance(d, sp.Basic) else 0.5 + float(np.sqrt(d * (1 - d)))


#: Where I(A:E) of the optimal individual attack meets I(A:B) = 1 − h(D).
FUCHS_PERES_CROSSING = (2 - sp.sqrt(2)) / 4


register_attack(
    "fuchs-peres",
    fuchs_peres,
    (
        AttackParameter(
            name="disturbance",
            default=sp.Rational(1, 10),
            low=0,
            high=sp.Rational(1, 2),
            text="QBER D the attack induces in Z and X",
        ),
    ),
    text="optimal individual attack on BB84 (phase-covariant cloner; Eve keeps a 4-dim probe)",
)
register_attack(
    "universal-cloner",
    universal_cloner,
    (
        AttackParameter(
            name="disturbance",
            default=sp.Rational(1, 10),
            low=0,
            high=sp.Rational(2, 3),
            text="QBER D the attack induces in every basis",
        ),
    ),
    text="purification of the depolarizing channel (universal cloning; six-state attack)",
)
register_attack(
    "pauli-probe",
    pauli_attack,
    (
        AttackParameter(name="px", default=sp.Integer(0), low=0, high=1, text="weight of X (bit flip)"),
        AttackParameter(name="py", default=sp.Integer(0), low=0, high=1, text="weight of Y"),
        AttackParameter(name="pz", default=sp.Integer(0), low=0, high=1, text="weight of Z (phase flip)"),
    ),
    text="Eve keeps the purification of a Pauli channel (px + py + pz ≤ 1)",
)

__all__ = [
    "pauli_attack",
    "pauli_probe_amplitudes",
    "fuchs_peres_polynomial",
    "fuchs_peres",
    "fuchs_peres_weights",
    "universal_cloner",
    "fuchs_peres_guess_formula",
    "FUCHS_PERES_CROSSING",
]
