"""Entanglement-based QKD: E91 (Ekert 1991) with Ekert's settings, and BBM92.

E91: a source emits singlets |Ψ−⟩; Alice measures along Bloch directions
0, π/4, π/2 and Bob along π/4, π/2, 3π/4 (in the X–Z plane).  Equal
directions (Alice π/4 with Bob π/4, Alice π/2 with Bob π/2) give perfectly
anticorrelated bits, so Bob flips his; the pairs (0, π/4), (0, 3π/4),
(π/2, π/4), (π/2, 3π/4) feed the CHSH test, whose value −2√2 certifies the
pairs.  BBM92 is the entanglement version of BB84: |Φ+⟩, both parties in Z
or X, no Bell test.
"""

from __future__ import annotations

from .adversary_properties import ADVERSARY_PROPERTIES_EB, BELL_TEST_PROPERTIES
from .protocol import Parameter, Reference, Step
from .qkd import (
    ACIN_2007,
    SHOR_PRESKILL_2000,
    TSIRELSON_1980,
    EntanglementQKD,
    PublishedValue,
    Setting,
    eb_properties,
    published_thresholds,
)

EKERT_1991 = Reference(
    cite="A. K. Ekert, Quantum cryptography based on Bell's theorem, Phys. Rev. Lett. 67, 661 (1991)",
    doi="10.1103/PhysRevLett.67.661",
)
BBM_1992 = Reference(
    cite="C. H. Bennett, G. Brassard, N. D. Mermin, Quantum cryptography without Bell's theorem, Phys. Rev. Lett. 68, 557 (1992)",
    doi="10.1103/PhysRevLett.68.557",
)

_DECIDE_DI = Step(
    party="Bob",
    action="decide",
    text="abort unless the device-independent key rate of Acín et al. (2007) at the measured QBER and CHSH value "
    "is positive (|S| > 2 alone is not enough), and the QBER is below the abort threshold",
)

EB_STEPS = (
    Step(party="Source", action="prepare", text="the source prepares an entangled pair and sends one qubit to each party"),
    Step(party="Alice", action="measure", text="Alice picks a setting and measures her qubit"),
    Step(party="Bob", action="measure", text="Bob picks a setting and measures his qubit"),
    Step(party="Alice", action="announce", text="they announce their settings on the authenticated channel"),
    Step(party="Bob", action="sift", text="key setting pairs give the raw key (Bob flips for anticorrelated pairs)"),
    Step(party="Alice", action="estimate", text="the other pairs give the CHSH value; a sample of key bits gives the QBER"),
    Step(
        party="Bob", action="decide", text="abort unless |S| exceeds the Bell threshold and the QBER is below the abort threshold"
    ),
)

_third = "1/3"

E91 = EntanglementQKD(
    name="e91",
    version="1",
    summary="Singlet pairs, three settings each (Ekert's angles); the CHSH test certifies the key pairs.",
    references=(EKERT_1991, ACIN_2007, TSIRELSON_1980),
    steps=EB_STEPS[:-1] + (_DECIDE_DI,),
    parameters=(
        Parameter(name="sample_fraction", default=0.1, low=0, high=1, open_low=True, text="share of key bits disclosed"),
        Parameter(name="abort_threshold", default=0.071, low=0, high=0.5, open_high=True, text="abort above this QBER"),
    ),
    source="bell:psi-",
    alice_settings=(
        Setting(name="a1", angle="0", probability=_third),
        Setting(name="a2", angle="pi/4", probability=_third),
        Setting(name="a3", angle="pi/2", probability=_third),
    ),
    bob_settings=(
        Setting(name="b1", angle="pi/4", probability=_third),
        Setting(name="b2", angle="pi/2", probability=_third),
        Setting(name="b3", angle="3*pi/4", probability=_third),
    ),
    key_pairs=(("a2", "b1"), ("a3", "b2")),
    chsh=(("a1", "b1", 1), ("a1", "b3", -1), ("a3", "b1", 1), ("a3", "b3", 1)),
    chsh_threshold="2",
    abort_threshold="71/1000",
    key_rates=("di-chsh-acin",),
    published=published_thresholds("di-chsh-acin")
    + (
        PublishedValue(
            quantity="chsh",
            value="-2*sqrt(2)",
            reference=EKERT_1991,
            text="S = −2√2 for the singlet with Ekert's settings (|S| at Tsirelson's bound)",
        ),
        PublishedValue(quantity="sift", value="2/9", reference=EKERT_1991, text="two of the nine setting pairs give key"),
    ),
    properties=eb_properties(depolarizing_qber="p/2", chsh="-2*sqrt(2)", reference=EKERT_1991.cite)
    + ADVERSARY_PROPERTIES_EB
    + BELL_TEST_PROPERTIES,
)

BBM92 = EntanglementQKD(
    name="bbm92",
    version="1",
    summary="Entanglement-based BB84: |Φ+⟩ pairs, both parties measure in Z or X, matching bases give key.",
    references=(BBM_1992, SHOR_PRESKILL_2000),
    steps=EB_STEPS,
    parameters=E91.parameters,
    source="bell:phi+",
    alice_settings=(Setting(name="Z", angle="0", probability="1/2"), Setting(name="X", angle="pi/2", probability="1/2")),
    bob_settings=(Setting(name="Z", angle="0", probability="1/2"), Setting(name="X", angle="pi/2", probability="1/2")),
    key_pairs=(("Z", "Z"), ("X", "X")),
    chsh=(),
    abort_threshold="11/100",
    key_rates=("shor-preskill",),
    published=published_thresholds("shor-preskill")
    + (PublishedValue(quantity="sift", value="1/2", reference=BBM_1992, text="matching settings in half the rounds"),),
    properties=eb_properties(depolarizing_qber="p/2", chsh=None, reference=BBM_1992.cite) + ADVERSARY_PROPERTIES_EB,
)

PROTOCOLS = (E91, BBM92)
FLAWED = ()
