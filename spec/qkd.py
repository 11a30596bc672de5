"""The two QKD families: prepare-and-measure and entanglement-based.

A QKD spec is data.  The models layer (:mod:`qproto.models.qkd`) derives
every figure from it by the Born rule — sift probability, QBER per basis,
Bob's outcome distribution, CHSH value — for any attack or noise given as
an instrument on the signal qubit (:mod:`qproto.models.attacks`).  A variant
is therefore a few lines and needs no engine code::

    from qproto.spec.bb84 import BB84
    from qproto.spec.qkd import basis_signals, basis_measurement

    SIX_STATE = BB84.variant(
        "six-state",
        signals=basis_signals("Z", "X", "Y"),
        basis_probabilities={"Z": "1/3", "X": "1/3", "Y": "1/3"},
        measurements=tuple(basis_measurement(b, "1/3") for b in "ZXY"),
        key_rates=("six-state-lo",),
    )

    from qproto.models import qkd
    from qproto.models.attacks import parse_attack
    qkd.qber(SIX_STATE, parse_attack("intercept-resend:fraction=1").instrument())

Prepare-and-measure fields (:class:`PrepareMeasureQKD`):

- ``signals``: Alice's state alphabet, each a :class:`Signal` (name, key
  bit, basis label, amplitudes as SymPy-parsable strings, and optionally
  the candidate sets she may announce, as in SARG04);
- ``basis_probabilities``: Alice's basis choice; within a basis the bit is
  uniform;
- ``measurements``: Bob's measurements, each a :class:`Measurement` chosen
  with its probability, with rank-one outcomes (:class:`Outcome`);
- ``sifting``: ``"basis-match"`` (keep when Bob's measurement has the name
  of Alice's basis; Bob's bit is the outcome's ``bit``) or
  ``"unambiguous"`` (keep when, among the states Alice's announcement
  allows, only states of one bit value can give Bob's outcome — B92 and
  SARG04; Bob's bit is that value);
- ``sample_fraction``, ``abort_threshold``: parameter estimation (each sifted
  bit is disclosed with probability ``sample_fraction``; abort when the
  sample's error rate exceeds ``abort_threshold``);
- ``estimation``: how the sample's error rate is estimated.  ``"pooled"``
  (the default): one error rate over the whole sample, whatever the basis.
  ``"per-basis"`` (basis-match sifting only): one error rate per basis of
  the sifted rounds; the protocol aborts when *any* of them exceeds the
  threshold (or a basis has no sample bit), and a BB84-style rate is
  1 − h(e_bit) − h(e_phase), with e_bit the key basis' error rate and
  e_phase the other basis' (Lo, Chau & Ardehali, J. Cryptology 18, 133
  (2005), doi:10.1007/s00145-004-0142-y).  With a biased basis choice the
  pooled rate is dominated by the likely basis, so an eavesdropper who
  attacks only that basis hides in it: per-basis estimation is what makes
  the biased protocol secure;
- ``key_rates``: names of asymptotic key-rate formulas in
  :mod:`qproto.models.keyrate` (the first is the protocol's own);
- ``published``: values from the literature, with references, that the
  tests and proofs compare with the derivation.

Entanglement-based fields (:class:`EntanglementQKD`): ``source`` (a Bell
state on Alice's and Bob's qubits), ``alice_settings`` / ``bob_settings``
(measurement directions as Bloch angles in the X–Z plane with their
probabilities), ``key_pairs`` (setting pairs whose outcomes form the key),
``chsh`` (the four ``(alice, bob, sign)`` terms of the Bell test) and
``chsh_threshold`` (the test passes when |S| exceeds it), plus the same
estimation, key-rate and published fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import SpecError
from .protocol import Channel, Party, Property, Protocol, Reference
from .validation import check_choice

#: Named qubit states (amplitudes as strings SymPy parses).
STATES: dict[str, tuple[str, str]] = {
    "0": ("1", "0"),
    "1": ("0", "1"),
    "+": ("sqrt(2)/2", "sqrt(2)/2"),
    "-": ("sqrt(2)/2", "-sqrt(2)/2"),
    "+i": ("sqrt(2)/2", "I*sqrt(2)/2"),
    "-i": ("sqrt(2)/2", "-I*sqrt(2)/2"),
}

#: The eigenstates of each named basis, bit 0 first.
BASIS_STATES: dict[str, tuple[str, str]] = {"Z": ("0", "1"), "X": ("+", "-"), "Y": ("+i", "-i")}

#: Key-rate formulas the spec may name (implemented in qproto.models.keyrate).
KEY_RATE_NAMES = ("shor-preskill", "csiszar-korner-individual", "six-state-lo", "di-chsh-acin")

SIFTING_RULES = ("basis-match", "unambiguous")

#: How parameter estimation reads the sample (see the module docstring).
ESTIMATION_RULES = ("pooled", "per-basis")


@dataclass(frozen=True, kw_only=True)
class Signal:
    """One entry of Alice's alphabet.

    Args:
        name: how the state is called (``"0"``, ``"+"``).
        bit: the key bit it carries.
        basis: the basis label Alice announces (``"Z"``).
        amplitudes: (⟨0|ψ⟩, ⟨1|ψ⟩) as strings SymPy parses.
        announce: the candidate sets (tuples of signal names, each containing
            this one) Alice may announce instead of her basis, one chosen
            uniformly (SARG04).  Defaults to () — she announces her basis, so
            the candidates are the signals of that basis.
    """

    name: str
    bit: int
    basis: str
    amplitudes: tuple[str, str]
    announce: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """A rank-one outcome |v⟩⟨v| of Bob's measurement.  ``bit`` is the key
    bit it stands for under basis-match sifting (None: not a key outcome)."""

    label: str
    vector: tuple[str, str]
    bit: int | None = None


@dataclass(frozen=True, kw_only=True)
class Measurement:
    """One of Bob's measurements (a setting), chosen with ``probability``;
    its outcomes must form a complete measurement (Σ |v⟩⟨v| = I)."""

    name: str
    probability: str
    outcomes: tuple[Outcome, ...]


@dataclass(frozen=True, kw_only=True)
class Setting:
    """A measurement direction of the entanglement family: the observable
    cos θ·Z + sin θ·X with θ = ``angle`` (a Bloch angle, SymPy string such as
    ``"pi/4"``); outcome 0 is the +1 eigenvector."""

    name: str
    angle: str
    probability: str


@dataclass(frozen=True, kw_only=True)
class PublishedValue:
    """A number from the literature that the derivation must reproduce.

    ``quantity`` names what is compared: ``threshold:<key-rate>``,
    ``qber``, ``chsh``; ``conditions`` gives the line (``{"attack":
    "intercept-resend:fraction=1"}``, ``{"noise": "depolarizing=0"}``).
    ``tolerance`` is how far the derivation may be (the paper's rounding).
    """

    quantity: str
    value: str
    tolerance: str = "0"
    reference: Reference
    conditions: Mapping[str, str] = field(default_factory=dict)
    text: str = ""

    def __hash__(self) -> int:
        return hash((self.quantity, self.value, tuple(sorted(self.conditions.items()))))


def basis_signals(*bases: str) -> tuple[Signal, ...]:
    """The eigenstates of the named bases (``"Z"``, ``"X"``, ``"Y"``) as
    signals: bit 0 for the first eigenstate, bit 1 for the second."""
    out = []
    for b in bases:
        if b not in BASIS_STATES:
            raise SpecError(f"basis_signals: unknown basis {b!r}; known: {', '.join(BASIS_STATES)}")
        for bit, name in enumerate(BASIS_STATES[b]):
            out.append(Signal(name=name, bit=bit, basis=b, amplitudes=STATES[name]))
    return tuple(out)


def basis_measurement(basis: str, probability: str) -> Measurement:
    """Bob's projective measurement in a named basis, outcome k ↦ bit k."""
    if basis not in BASIS_STATES:
        raise SpecError(f"basis_measurement: unknown basis {basis!r}; known: {', '.join(BASIS_STATES)}")
    return Measurement(
        name=basis,
        probability=probability,
        outcomes=tuple(Outcome(label=n, vector=STATES[n], bit=k) for k, n in enumerate(BASIS_STATES[basis])),
    )


QKD_PARTIES = (Party("Alice", "sender"), Party("Bob", "receiver"), Party("Eve", "eavesdropper"))
QKD_CHANNELS = (
    Channel(source="Alice", target="Bob", kind="quantum", note="the signal qubits; Eve may act on them"),
    Channel(source="Alice", target="Bob", kind="classical", authenticated=True, note="sifting and estimation"),
    Channel(source="Bob", target="Alice", kind="classical", authenticated=True, note="sifting and estimation"),
)


@dataclass(frozen=True, kw_only=True)
class _QKDCommon(Protocol):
    sample_fraction: str = "1/10"
    abort_threshold: str = "11/100"
    key_rates: tuple[str, ...] = ()
    published: tuple[PublishedValue, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in self.key_rates:
            if name not in KEY_RATE_NAMES:
                raise SpecError(f"{self.name}: key_rates names {name!r}; known formulas: {', '.join(KEY_RATE_NAMES)}")


@dataclass(frozen=True, kw_only=True)
class PrepareMeasureQKD(_QKDCommon):
    """A prepare-and-measure QKD protocol (BB84, B92, six-state, SARG04).
    Fields are described in the module docstring."""

    family: str = "qkd-pm"
    parties: tuple[Party, ...] = QKD_PARTIES
    channels: tuple[Channel, ...] = QKD_CHANNELS
    signals: tuple[Signal, ...] = ()
    basis_probabilities: Mapping[str, str] = field(default_factory=dict)
    measurements: tuple[Measurement, ...] = ()
    sifting: str = "basis-match"
    estimation: str = "pooled"

    def __post_init__(self) -> None:
        super().__post_init__()
        check_choice(f"{self.name}: sifting", self.sifting, SIFTING_RULES, error=SpecError)
        check_choice(f"{self.name}: estimation", self.estimation, ESTIMATION_RULES, error=SpecError)
        if self.estimation == "per-basis" and self.sifting != "basis-match":
            raise SpecError(
                f"{self.name}: estimation='per-basis' needs sifting='basis-match' (got sifting={self.sifting!r}): "
                "the error rate is estimated per announced basis; use estimation='pooled'"
            )

    @property
    def key_basis(self) -> str:
        """The basis the key mostly comes from: the most likely one (the
        first listed on a tie).  Per-basis rates take e_bit from it."""
        from fractions import Fraction

        def prob(b: str) -> Fraction:
            try:
                return Fraction(str(self.basis_probabilities[b]))
            except (ValueError, ZeroDivisionError):
                return Fraction(0)

        bases = list(self.basis_probabilities)
        return max(bases, key=lambda b: (prob(b), -bases.index(b))) if bases else ""

    def __hash__(self) -> int:
        return hash((self.name, self.version, self.family))


@dataclass(frozen=True, kw_only=True)
class EntanglementQKD(_QKDCommon):
    """An entanglement-based QKD protocol (E91, BBM92).  Fields are
    described in the module docstring."""

    family: str = "qkd-eb"
    parties: tuple[Party, ...] = (Party("Source", "pair source"),) + QKD_PARTIES
    channels: tuple[Channel, ...] = (
        Channel(source="Source", target="Alice", kind="quantum", note="Alice's half of each pair"),
        Channel(source="Source", target="Bob", kind="quantum", note="Bob's half; Eve may act on it"),
    ) + QKD_CHANNELS[1:]
    source: str = "bell:psi-"
    alice_settings: tuple[Setting, ...] = ()
    bob_settings: tuple[Setting, ...] = ()
    key_pairs: tuple[tuple[str, str], ...] = ()
    chsh: tuple[tuple[str, str, int], ...] = ()
    chsh_threshold: str = "2"

    def __hash__(self) -> int:
        return hash((self.name, self.version, self.family))


QKD_FAMILIES = ("qkd-pm", "qkd-eb")

# -- references shared by the QKD specs ------------------------------------------

SHOR_PRESKILL_2000 = Reference(
    cite="P. W. Shor, J. Preskill, Simple proof of security of the BB84 quantum key distribution protocol, "
    "Phys. Rev. Lett. 85, 441 (2000)",
    doi="10.1103/PhysRevLett.85.441",
    note="asymptotic rate 1 − 2h(Q) against general (coherent) attacks, one-way post-processing, trusted qubit "
    "devices; positive below Q ≈ 11.0028 %",
)
FUCHS_1997 = Reference(
    cite="C. A. Fuchs, N. Gisin, R. B. Griffiths, C.-S. Niu, A. Peres, Optimal eavesdropping in quantum "
    "cryptography. I. Information bound and optimal strategy, Phys. Rev. A 56, 1163 (1997)",
    doi="10.1103/PhysRevA.56.1163",
    note="optimal individual attack on BB84 (individual attacks only, asymptotic, trusted devices); with the "
    "Csiszár–Körner one-way rate positive below (2 − √2)/4 ≈ 14.6%",
)
CSISZAR_KORNER_1978 = Reference(
    cite="I. Csiszár, J. Körner, Broadcast channels with confidential messages, IEEE Trans. Inf. Theory 24, 339 (1978)",
    doi="10.1109/TIT.1978.1055892",
)
LO_2001 = Reference(
    cite="H.-K. Lo, Proof of unconditional security of six-state quantum key distribution scheme, "
    "Quantum Inf. Comput. 1, 81 (2001)",
    arxiv="quant-ph/0102138",
    note="asymptotic one-way rate 1 + (3Q/2) log2(Q/2) + (1 − 3Q/2) log2(1 − 3Q/2) against general attacks, trusted "
    "qubit devices; the abstract quotes a 12.7 % threshold, the zero of this formula is 12.619 % (KATO_TAMAKI_2010)",
)
KATO_TAMAKI_2010 = Reference(
    cite="G. Kato, K. Tamaki, Security of six-state quantum key distribution protocol with threshold detectors, "
    "arXiv:1008.4663 (2010); Sci. Rep. 6, 30044 (2016)",
    doi="10.1038/srep30044",
    note="the qubit-based six-state one-way threshold (the zero of Lo's rate) is 12.619 %; 12.611 % with threshold detectors",
)
ACIN_2007 = Reference(
    cite="A. Acín, N. Brunner, N. Gisin, S. Massar, S. Pironio, V. Scarani, Device-independent security of "
    "quantum cryptography against collective attacks, Phys. Rev. Lett. 98, 230501 (2007)",
    doi="10.1103/PhysRevLett.98.230501",
    note="rate 1 − h(Q) − h((1 + √((S/2)² − 1))/2) against collective attacks, asymptotic, one-way post-processing, "
    "untrusted (device-independent) devices; with S = 2√2(1 − 2Q) positive below Q ≈ 7.1%",
)
CHSH_1969 = Reference(
    cite="J. F. Clauser, M. A. Horne, A. Shimony, R. A. Holt, Proposed experiment to test local hidden-variable "
    "theories, Phys. Rev. Lett. 23, 880 (1969)",
    doi="10.1103/PhysRevLett.23.880",
    note="|S| ≤ 2 for every local (separable) model",
)
TSIRELSON_1980 = Reference(
    cite="B. S. Cirel'son, Quantum generalizations of Bell's inequality, Lett. Math. Phys. 4, 93 (1980)",
    doi="10.1007/BF00417500",
    note="|S| ≤ 2√2 in quantum theory, reached by a maximally entangled pair",
)
BENNETT_1992_EXPERIMENT = Reference(
    cite="C. H. Bennett, F. Bessette, G. Brassard, L. Salvail, J. Smolin, Experimental quantum cryptography, "
    "J. Cryptology 5, 3 (1992)",
    doi="10.1007/BF00191318",
    note="intercept-resend on every qubit causes a 25% error rate in the sifted key",
)

#: The published zero-rate thresholds, one per key-rate formula.
PUBLISHED_THRESHOLDS: dict[str, PublishedValue] = {
    "shor-preskill": PublishedValue(
        quantity="threshold:shor-preskill",
        value="0.110",
        tolerance="0.0005",
        reference=SHOR_PRESKILL_2000,
        text="asymptotic, general attacks, one-way post-processing, trusted devices: rate 1 − 2h(Q) positive below 11% QBER",
    ),
    "csiszar-korner-individual": PublishedValue(
        quantity="threshold:csiszar-korner-individual",
        value="(2 - sqrt(2))/4",
        tolerance="1e-9",
        reference=FUCHS_1997,
        text="individual attacks only, asymptotic, one-way: positive rate below (2 − √2)/4 ≈ 14.6%",
    ),
    "six-state-lo": PublishedValue(
        quantity="threshold:six-state-lo",
        value="0.12619",
        tolerance="0.000005",
        reference=KATO_TAMAKI_2010,
        text="asymptotic, general attacks, one-way post-processing, trusted qubit devices: Lo's six-state rate vanishes "
        "at 12.619 % (Lo 2001's abstract rounds it to 12.7 %)",
    ),
    "di-chsh-acin": PublishedValue(
        quantity="threshold:di-chsh-acin",
        value="0.071",
        tolerance="0.0005",
        reference=ACIN_2007,
        text="device-independent, collective attacks, asymptotic, one-way: rate positive below 7.1% QBER when S = 2√2(1 − 2Q)",
    ),
}


def published_thresholds(*rates: str) -> tuple[PublishedValue, ...]:
    return tuple(PUBLISHED_THRESHOLDS[r] for r in rates)


# -- the properties every QKD spec carries ------------------------------------------

#: Shared by both families: the key rate's zero is the threshold.
THRESHOLD_PROPERTY = Property(
    id="threshold-where-rate-vanishes",
    statement="Each key-rate formula the spec names (asymptotic, one-way post-processing; attack class and device "
    "assumptions as in its reference) is positive below its threshold QBER and vanishes there (certified to 1e-9), "
    "and the threshold agrees with the published value. A statement about the formula as a function of the QBER, "
    "not a security proof of the protocol.",
    engine="algebra",
    check="qkd.threshold",
)


def pm_properties(
    *, ir_qber: str, depolarizing_qber: str, reference: str = "", has_key_rate: bool = True
) -> tuple[Property, ...]:
    """The standard property list of a prepare-and-measure protocol.
    ``ir_qber``/``depolarizing_qber`` are the expected QBER as expressions in
    ``fraction`` (intercept-resend, Eve in Z or X) and ``p``."""
    props = [
        Property(
            id="sifted-bits-agree",
            statement="With no noise and no eavesdropper, Bob's sifted bit equals Alice's in every sifted round "
            "(QBER = 0), and some rounds are sifted.",
            engine="algebra",
            check="qkd.sifted-bits-agree",
            reference=reference,
        ),
        Property(
            id="mismatched-bases-uniform",
            statement="When Bob measures in a basis other than the one Alice prepared in, each of his outcomes has "
            "probability 1/2.",
            engine="algebra",
            check="qkd.mismatched-bases-uniform",
            reference=reference,
        ),
        Property(
            id="intercept-resend-qber",
            statement=f"Under intercept-resend of a fraction f of the qubits (Eve measures in Z or X with probability 1/2 "
            f"each and resends what she read; expected value, no noise), QBER = {ir_qber} for all f in [0, 1].",
            engine="algebra",
            check="qkd.qber-formula",
            args={"attack": "intercept-resend", "symbol": "fraction", "expected": ir_qber},
        ),
        Property(
            id="depolarizing-qber",
            statement=f"Under depolarizing noise p and no eavesdropper, QBER = {depolarizing_qber} for all p in [0, 1] "
            "(expected value).",
            engine="algebra",
            check="qkd.qber-formula",
            args={"noise": "depolarizing", "symbol": "p", "expected": depolarizing_qber},
        ),
    ]
    if has_key_rate:
        props.append(THRESHOLD_PROPERTY)
    props.append(
        Property(
            id="published-values",
            statement="Every published value in the spec is reproduced by the Born-rule derivation.",
            engine="algebra",
            check="qkd.published-values",
        )
    )
    return tuple(props)


def eb_properties(*, depolarizing_qber: str, chsh: str | None, reference: str = "") -> tuple[Property, ...]:
    """The standard property list of an entanglement-based protocol."""
    props = [
        Property(
            id="sifted-bits-agree",
            statement="With no noise and no eavesdropper, Alice's and Bob's key bits agree on every key setting pair "
            "(QBER = 0), and some pairs give key.",
            engine="algebra",
            check="qkd.sifted-bits-agree",
            reference=reference,
        ),
        Property(
            id="mismatched-bases-uniform",
            statement="For setting pairs along orthogonal Bloch directions, the four joint outcomes have probability "
            "1/4 each (the bits agree with probability 1/2).",
            engine="algebra",
            check="qkd.mismatched-bases-uniform",
            reference=reference,
        ),
        Property(
            id="depolarizing-qber",
            statement=f"Under depolarizing noise p on Bob's qubit and no eavesdropper, QBER = {depolarizing_qber} for "
            "all p in [0, 1] (expected value).",
            engine="algebra",
            check="qkd.qber-formula",
            args={"noise": "depolarizing", "symbol": "p", "expected": depolarizing_qber},
        ),
        THRESHOLD_PROPERTY,
    ]
    if chsh is not None:
        props += [
            Property(
                id="chsh-maximal",
                statement=f"With no noise the CHSH value is S = {chsh}, so |S| = 2√2 (Tsirelson's bound).",
                engine="algebra",
                check="qkd.chsh",
                args={"expected": chsh},
                reference=TSIRELSON_1980.cite,
            ),
            Property(
                id="chsh-depolarizing",
                statement=f"Under depolarizing noise p on Bob's qubit, S = ({chsh})·(1 − p) for all p.",
                engine="algebra",
                check="qkd.chsh",
                args={"expected": f"({chsh})*(1 - p)", "noise": "depolarizing"},
            ),
            Property(
                id="chsh-measure-resend-local",
                statement="Every measure-and-resend attack on Bob's qubit (any measurement direction, any POVM, any "
                "resent states; an entanglement-breaking individual attack) leaves |S| ≤ 2 in expectation, so the "
                "asymptotic Bell test detects it.",
                engine="algebra",
                check="qkd.chsh-measure-resend",
                reference=CHSH_1969.cite,
            ),
        ]
    props.append(
        Property(
            id="published-values",
            statement="Every published value in the spec is reproduced by the Born-rule derivation.",
            engine="algebra",
            check="qkd.published-values",
        )
    )
    return tuple(props)


#: For prepare-and-measure specs on the Z and X bases: the estimate the abort
#: rule reads must see every intercept-resend (see ``estimation``).
ESTIMATE_SEES_INTERCEPT_RESEND = Property(
    id="estimate-sees-intercept-resend",
    statement="Every intercept-resend in the Z–X plane (fraction f, Eve in X with probability px, else Z) raises the "
    "expected error rate the abort rule reads (pooled QBER, or the largest per-basis QBER; asymptotic, no sampling "
    "fluctuation) to at least f/4, for all f, px in [0, 1].",
    engine="algebra",
    check="qkd.estimate-sees-intercept-resend",
    args={"slope": "1/4"},
    reference="H.-K. Lo, H. F. Chau, M. Ardehali, J. Cryptology 18, 133 (2005), doi:10.1007/s00145-004-0142-y",
)


def is_qkd(spec: Any) -> bool:
    return getattr(spec, "family", None) in QKD_FAMILIES


__all__ = [
    "STATES",
    "BASIS_STATES",
    "KEY_RATE_NAMES",
    "SIFTING_RULES",
    "ESTIMATION_RULES",
    "Signal",
    "Outcome",
    "Measurement",
    "Setting",
    "PublishedValue",
    "basis_signals",
    "basis_measurement",
    "PrepareMeasureQKD",
    "EntanglementQKD",
    "QKD_FAMILIES",
    "is_qkd",
    "PUBLISHED_THRESHOLDS",
    "published_thresholds",
    "pm_properties",
    "ESTIMATE_SEES_INTERCEPT_RESEND",
    "eb_properties",
]
