"""The adversary properties every QKD protocol carries.

``qproto verify --engine adversary`` runs them; ``qproto fuzz`` runs them
with a budget and a seed.  A protocol module adds them with one line::

    properties=pm_properties(...) + ADVERSARY_PROPERTIES_PM

The two known limitations the review names are declared, not hidden:
``limitation=True`` marks a claim that is false by design, whose
counterexample the engine must find (QKD alone does not authenticate; an
eavesdropper can always force an abort).
"""

from __future__ import annotations

from .protocol import Property

FUCHS_1997 = (
    "C. A. Fuchs, N. Gisin, R. B. Griffiths, C.-S. Niu, A. Peres, Optimal eavesdropping in quantum cryptography. I., "
    "Phys. Rev. A 56, 1163 (1997), doi:10.1103/PhysRevA.56.1163"
)
DEVETAK_WINTER_2005 = "I. Devetak, A. Winter, Proc. R. Soc. A 461, 207 (2005), doi:10.1098/rspa.2004.1372"
WEGMAN_CARTER_1981 = "M. N. Wegman, J. L. Carter, J. Comput. Syst. Sci. 22, 265 (1981), doi:10.1016/0022-0000(81)90033-7"
CHSH_1969 = "J. F. Clauser, M. A. Horne, A. Shimony, R. A. Holt, Phys. Rev. Lett. 23, 880 (1969), doi:10.1103/PhysRevLett.23.880"
ACIN_2007 = "A. Acín et al., Device-independent security of quantum cryptography, Phys. Rev. Lett. 98, 230501 (2007)"

_COMMON = (
    Property(
        id="soundness-abort",
        statement="Finite sample, any attack (errors at a given rate in the sifted key): with 10 000 sifted bits and the "
        "spec's sample fraction, every attack inducing QBER ≥ threshold + 5 % (in any one basis, with that basis' real "
        "share of the sample, where the spec estimates per basis) is caught with probability ≥ 0.999 (binomial and "
        "hypergeometric tails in log space).  No claim is made between the threshold and threshold + 5 %: just above the "
        "threshold the protocol accepts with probability about 1/2 (given in the evidence).",
        engine="adversary",
        check="adversary.soundness-abort",
        args={"sifted_bits": 10_000, "margin": "1/20", "min_abort": "999/1000"},
    ),
    Property(
        id="completeness",
        statement="With no eavesdropper, honest parties finish: a noiseless line gives QBER 0 exactly (and passes the "
        "spec's own Bell test, if any); depolarizing noise 3 % below the threshold lets them finish with probability "
        "≥ 0.99 (finite sample of 10 000 sifted bits, per basis where the spec estimates per basis) with the spec's own "
        "asymptotic key rate positive at those statistics.",
        engine="adversary",
        check="adversary.completeness",
        args={"sifted_bits": 10_000, "margin": "3/100", "min_finish": "99/100"},
    ),
    Property(
        id="soundness-key-rate",
        statement="Asymptotic, collective attacks from the catalogue (intercept-resend in any basis, Breidbart, "
        "Fuchs–Peres, universal cloner, Pauli and general qubit-ancilla entangling probes), trusted devices, one-way "
        "post-processing: every attack the protocol accepts leaves I(A:B) − χ(A:E) > 0 (Devetak–Winter), and the "
        "spec's own key-rate formula is non-negative there and never exceeds it.  Checked by a worst-case attack search "
        "(tested, not proved).",
        engine="adversary",
        check="adversary.soundness-key-rate",
        requires="tested",
        reference=DEVETAK_WINTER_2005,
    ),
    Property(
        id="threshold-below-rate-zero",
        statement="The abort threshold lies below the zero of the asymptotic key rate the spec relies on (its first key-rate "
        "formula, at the statistics of depolarizing noise; exact to 50 digits, the zero certified by interval arithmetic).  A "
        "spec with no closed-form rate uses the certified numerical rate (Winick, Lütkenhaus, Coles 2018; asymptotic, "
        "collective attacks, one-way post-processing, trusted devices, single photons, Eve constrained by the QBER and "
        "sift rates only): its lower bound must be positive at every depolarizing level up to the threshold.",
        engine="adversary",
        check="adversary.threshold-below-rate-zero",
    ),
    Property(
        id="mitm-authenticated",
        statement="With the authenticated classical channel (pre-shared key, Wegman–Carter tags) a man-in-the-middle is "
        "detected except with probability 1/p per forged message, and no key is used before authentication.  "
        "Established exhaustively for the tag family over GF(p) with the p in args (every key, message and "
        "substitution), not for every field size.",
        engine="adversary",
        check="adversary.mitm-authenticated",
        args={"prime": 13},
        reference=WEGMAN_CARTER_1981,
    ),
    Property(
        id="authenticates-without-preshared-key",
        statement="QKD alone authenticates the parties: without an authenticated classical channel a man-in-the-middle "
        "is detected.  False by design (the review: QKD needs a preset key or signature for authentication).",
        engine="adversary",
        check="adversary.mitm-unauthenticated",
        limitation=True,
    ),
    Property(
        id="no-forced-abort",
        statement="An eavesdropper cannot force the protocol to abort (availability).  False by design: "
        "intercepting every qubit (or flipping it) raises the QBER above the threshold — denial of service.",
        engine="adversary",
        check="adversary.denial-of-service",
        limitation=True,
        args={"sifted_bits": 10_000, "attacks": ("intercept-resend:fraction=1", "pauli-probe:py=1")},
    ),
)

#: Completeness for a spec that names no key rate (B92, SARG04): the finish
#: probability only — a positive key rate would need a rate to stand on.
COMPLETENESS_WITHOUT_RATE = Property(
    id="completeness",
    statement="With no eavesdropper, honest parties finish: a noiseless line gives QBER 0 exactly, and depolarizing noise "
    "3 % below the threshold lets them finish with probability ≥ 0.99 (finite sample of 10 000 sifted bits).  No key-rate "
    "claim: the spec names no proven rate.",
    engine="adversary",
    check="adversary.completeness",
    args={"sifted_bits": 10_000, "margin": "3/100", "min_finish": "99/100", "key_rate": False},
)


def without_rate(props: tuple[Property, ...]) -> tuple[Property, ...]:
    """``props`` with the completeness claim that needs no key rate."""
    return tuple(COMPLETENESS_WITHOUT_RATE if p.id == "completeness" else p for p in props)


#: For prepare-and-measure protocols (BB84, B92, six-state, SARG04, ...).
ADVERSARY_PROPERTIES_PM: tuple[Property, ...] = (
    Property(
        id="intercept-resend-detected",
        statement="Every intercept-resend attack raises the QBER: Eve intercepting any fraction f in (0, 1] of the qubits, "
        "measuring each in any basis (or any random mixture of bases) and resending what she read, induces a sifted QBER "
        "> 0 (the error weight is a quadratic form in her Bloch direction: its least eigenvalue is positive); the "
        "random-basis family is checked exactly in f (for BB84 QBER(f) = f/4).",
        engine="adversary",
        check="adversary.intercept-resend-family",
    ),
    Property(
        id="information-disturbance",
        statement="An attack that gives Eve information raises the QBER (collective attacks from the catalogue, trusted "
        "devices): no fuzzed attack (catalogue, Fuchs–Peres, cloners, general qubit-ancilla entangling probes) gives "
        "χ(A:E) > 1e-6 at QBER 0.",
        engine="adversary",
        check="adversary.information-disturbance",
        requires="tested",
        reference=FUCHS_1997,
    ),
) + _COMMON

#: For entanglement-based protocols (E91, BBM92).
ADVERSARY_PROPERTIES_EB: tuple[Property, ...] = (
    Property(
        id="information-disturbance",
        statement="An attack on Bob's half that gives Eve information raises the QBER (fuzzed catalogue attacks and "
        "qubit-ancilla probes on Bob's half only; trusted source and devices).",
        engine="adversary",
        check="adversary.information-disturbance",
        requires="tested",
        reference=FUCHS_1997,
    ),
) + _COMMON

#: Extra properties for protocols with a Bell test (E91).
BELL_TEST_PROPERTIES: tuple[Property, ...] = (
    Property(
        id="entanglement-breaking-chsh",
        statement="Any measure-and-resend attack on Bob's half breaks the entanglement, and then |S| ≤ 2 (fuzzed over "
        "Eve's measurement basis and the two states she resends).",
        engine="adversary",
        check="adversary.chsh-entanglement-breaking",
        requires="tested",
        reference=CHSH_1969,
    ),
    Property(
        id="programmed-devices-rejected",
        statement="Device independence: devices pre-programmed by Eve with classical outputs either disagree on the key "
        "or fail the Bell test (every local deterministic strategy has |S| ≤ 2).",
        engine="adversary",
        check="adversary.programmed-devices",
        reference=ACIN_2007,
    ),
)

#: For BB84-like protocols (key in the Z and X bases): the optimal
#: individual attack's published figures, proved for every disturbance.
BB84_ATTACK_PROPERTIES: tuple[Property, ...] = (
    Property(
        id="fuchs-peres-figures",
        statement="Individual attacks: under the Fuchs–Peres probe of disturbance D (BB84's optimal individual attack), in "
        "each of the Z and X bases the QBER is D and Eve's Helstrom measurement guesses each sifted bit with probability "
        "1/2 + √(D(1−D)), so I(A:E) = 1 − h(1/2 + √(D(1−D))) meets I(A:B) at D = (2 − √2)/4.  Exact for every D.",
        engine="adversary",
        check="adversary.fuchs-peres-exact",
        args={"bases": ("Z", "X")},
        reference=FUCHS_1997,
    ),
)

#: The same identity for a spec with more bases than Z and X (six-state): the
#: probe is *not* optimal there (Bruß 1998) and only the Z and X rounds are covered.
FUCHS_PERES_ZX_ONLY = Property(
    id="fuchs-peres-figures",
    statement="Individual attacks, Z and X rounds only: under the Fuchs–Peres probe of disturbance D (optimal for BB84, "
    "not for this protocol: Bruß, PRL 81, 3018 (1998)), the Z- and X-basis QBER is D and Eve's Helstrom guess of those "
    "sifted bits is 1/2 + √(D(1−D)).  The pooled QBER (Y rounds included) is not D, and no optimality is claimed.",
    engine="adversary",
    check="adversary.fuchs-peres-exact",
    args={"bases": ("Z", "X")},
    reference=FUCHS_1997,
)

#: For protocols on weak coherent pulses (photon-number splitting).
PNS_PROPERTIES: tuple[Property, ...] = (
    Property(
        id="photon-number-splitting",
        statement="Under photon-number splitting the key claimed per pulse never exceeds the detections Eve did not split.",
        engine="adversary",
        check="adversary.photon-number-splitting",
        requires="tested",
        reference="G. Brassard, N. Lütkenhaus, T. Mor, B. C. Sanders, Phys. Rev. Lett. 85, 1330 (2000)",
    ),
)

__all__ = [
    "FUCHS_PERES_ZX_ONLY",
    "COMPLETENESS_WITHOUT_RATE",
    "without_rate",
    "BB84_ATTACK_PROPERTIES",
    "ADVERSARY_PROPERTIES_PM",
    "ADVERSARY_PROPERTIES_EB",
    "BELL_TEST_PROPERTIES",
    "PNS_PROPERTIES",
]
