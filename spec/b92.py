"""B92 (Bennett 1992): two non-orthogonal states.

Alice sends |0⟩ for bit 0 and |+⟩ for bit 1 and announces nothing.  Bob
measures in Z or X; reading 1 in Z rules out |0⟩ (so bit 1), reading − in X
rules out |+⟩ (so bit 0); every other result is inconclusive and dropped.
That is the ``unambiguous`` sifting rule with the candidate set {|0⟩, |+⟩}.
"""

from __future__ import annotations

import dataclasses

from .adversary_properties import ADVERSARY_PROPERTIES_PM, COMPLETENESS_WITHOUT_RATE, without_rate
from .bb84 import ESTIMATION_PARAMETERS, PM_STEPS
from .protocol import Reference
from .qkd import STATES, PrepareMeasureQKD, PublishedValue, Signal, basis_measurement, pm_properties

BENNETT_1992 = Reference(
    cite="C. H. Bennett, Quantum cryptography using any two nonorthogonal states, Phys. Rev. Lett. 68, 3121 (1992)",
    doi="10.1103/PhysRevLett.68.3121",
)

TAMAKI_LUTKENHAUS_2004 = Reference(
    cite="K. Tamaki, N. Lütkenhaus, Unconditional security of the Bennett 1992 quantum key-distribution protocol over a "
    "lossy and noisy channel, Phys. Rev. A 69, 032316 (2004); K. Tamaki, M. Koashi, N. Imoto, Phys. Rev. Lett. 90, "
    "167904 (2003)",
    doi="10.1103/PhysRevA.69.032316",
    note="single-photon B92 is secure against general attacks (one-way post-processing, asymptotic) up to a depolarizing "
    "rate of about 3.5–4.2 % in these analyses (R. Matsumoto, arXiv:1301.5083 (2013): 6.5 % numerically); the catalogue "
    "aborts above 3 % QBER, below every one of them.  qproto has no proven B92 rate yet: its soundness is the worst-case "
    "attack search's (tested), and the threshold check is inconclusive until a certified rate exists",
)

_CANDIDATES = (("0", "+"),)

#: With a 3 % threshold the finish claim is made 1 % below it, on 100 000 sifted bits.
_COMPLETENESS = dataclasses.replace(
    COMPLETENESS_WITHOUT_RATE,
    args={**COMPLETENESS_WITHOUT_RATE.args, "margin": "1/100", "sifted_bits": 100_000},
    statement=COMPLETENESS_WITHOUT_RATE.statement.replace("3 % below", "1 % below").replace("10 000 sifted", "100 000 sifted"),
)

B92 = PrepareMeasureQKD(
    name="b92",
    version="1",
    summary="Two non-orthogonal states |0⟩, |+⟩; Bob keeps only the results that exclude one of them.",
    references=(BENNETT_1992, TAMAKI_LUTKENHAUS_2004),
    steps=PM_STEPS,
    parameters=ESTIMATION_PARAMETERS,
    signals=(
        Signal(name="0", bit=0, basis="Z", amplitudes=STATES["0"], announce=_CANDIDATES),
        Signal(name="+", bit=1, basis="X", amplitudes=STATES["+"], announce=_CANDIDATES),
    ),
    basis_probabilities={"Z": "1/2", "X": "1/2"},
    measurements=(basis_measurement("Z", "1/2"), basis_measurement("X", "1/2")),
    sifting="unambiguous",
    # 11 % (BB84's) is broken: an entangling probe at QBER 0.09999 gives χ(A:E) 0.535 > I(A:B) 0.485 (issue 10)
    abort_threshold="3/100",
    key_rates=(),
    published=(
        PublishedValue(
            quantity="sift",
            value="1/4",
            reference=BENNETT_1992,
            text="a conclusive result in a quarter of the rounds (|⟨0|+⟩|² = 1/2, half the measurements can exclude)",
        ),
    ),
    properties=pm_properties(
        ir_qber="fraction/(fraction + 2)", depolarizing_qber="p/(p + 1)", reference=BENNETT_1992.cite, has_key_rate=False
    )
    + tuple(_COMPLETENESS if p.id == "completeness" else p for p in without_rate(ADVERSARY_PROPERTIES_PM)),
)

PROTOCOLS = (B92,)
FLAWED = ()
