"""Variants of BB84 written in the same DSL: six-state and SARG04.

Each is a few lines over :data:`qproto.spec.bb84.BB84`; no engine code.
"""

from __future__ import annotations

from .adversary_properties import ADVERSARY_PROPERTIES_PM, FUCHS_PERES_ZX_ONLY, without_rate
from .bb84 import BB84
from .protocol import Reference
from .qkd import (
    LO_2001,
    PublishedValue,
    Signal,
    basis_measurement,
    basis_signals,
    pm_properties,
    published_thresholds,
)

BRUSS_1998 = Reference(
    cite="D. Bruß, Optimal eavesdropping in quantum cryptography with six states, Phys. Rev. Lett. 81, 3018 (1998)",
    doi="10.1103/PhysRevLett.81.3018",
    note="intercept-resend in the three bases gives a 1/3 error rate",
)
TAMAKI_LO_2006 = Reference(
    cite="K. Tamaki, H.-K. Lo, Unconditionally secure key distillation from multiphotons, Phys. Rev. A 73, 010302(R) "
    "(2006); C.-H. F. Fung, K. Tamaki, H.-K. Lo, Phys. Rev. A 73, 012337 (2006)",
    doi="10.1103/PhysRevA.73.010302",
    note="single-photon SARG04 with one-way post-processing is secure (asymptotic, general attacks) up to a bit error "
    "rate of 10.95 %; the catalogue aborts above 10 %, which the worst-case attack search also does not break.  qproto "
    "has no proven SARG04 rate yet: the threshold check is inconclusive until a certified rate exists",
)
SARG_2004 = Reference(
    cite="V. Scarani, A. Acín, G. Ribordy, N. Gisin, Quantum cryptography protocols robust against photon number "
    "splitting attacks for weak laser pulse implementations, Phys. Rev. Lett. 92, 057901 (2004)",
    doi="10.1103/PhysRevLett.92.057901",
)

SIX_STATE = BB84.variant(
    "six-state",
    summary="BB84 with a third basis (Y): every basis is checked, so errors show sooner.",
    references=(BRUSS_1998, LO_2001),
    signals=basis_signals("Z", "X", "Y"),
    basis_probabilities={"Z": "1/3", "X": "1/3", "Y": "1/3"},
    measurements=tuple(basis_measurement(b, "1/3") for b in "ZXY"),
    abort_threshold="63/500",
    key_rates=("six-state-lo",),
    published=published_thresholds("six-state-lo")
    + (
        PublishedValue(
            quantity="qber",
            value="1/3",
            reference=BRUSS_1998,
            conditions={"attack": "intercept-resend:fraction=1,px=1/3,py=1/3"},
            text="intercept-resend in a random one of the three bases: QBER 1/3",
        ),
        PublishedValue(quantity="sift", value="1/3", reference=BRUSS_1998, text="one round in three is sifted"),
    ),
    properties=pm_properties(ir_qber="fraction/3", depolarizing_qber="p/2", reference=BRUSS_1998.cite)
    + ADVERSARY_PROPERTIES_PM
    + (FUCHS_PERES_ZX_ONLY,),
)

# SARG04: the four BB84 states; the bit is the basis (Z states: 0, X states: 1).
# Alice announces a pair {one Z state, one X state} containing hers; Bob keeps
# a result that excludes one state of the pair.
_PAIRS = {
    "0": (("0", "+"), ("0", "-")),
    "1": (("1", "+"), ("1", "-")),
    "+": (("0", "+"), ("1", "+")),
    "-": (("0", "-"), ("1", "-")),
}

SARG04 = BB84.variant(
    "sarg04",
    summary="BB84 states, bit carried by the basis; Alice announces a pair of non-orthogonal states instead of her basis.",
    references=(SARG_2004, TAMAKI_LO_2006),
    signals=tuple(
        Signal(name=s.name, bit=0 if s.basis == "Z" else 1, basis=s.basis, amplitudes=s.amplitudes, announce=_PAIRS[s.name])
        for s in basis_signals("Z", "X")
    ),
    sifting="unambiguous",
    abort_threshold="1/10",  # 11 % lies above the proven single-photon bound of 10.95 %
    key_rates=(),
    published=(
        PublishedValue(quantity="sift", value="1/4", reference=SARG_2004, text="a conclusive result in a quarter of the rounds"),
    ),
    properties=pm_properties(
        ir_qber="fraction/(fraction + 2)", depolarizing_qber="p/(p + 1)", reference=SARG_2004.cite, has_key_rate=False
    )
    + without_rate(ADVERSARY_PROPERTIES_PM),
)

PROTOCOLS = (SIX_STATE, SARG04)
FLAWED = ()
