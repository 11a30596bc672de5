"""Flawed QKD variants: what the adversary engine catches.

Each is a few lines over a sound catalogue spec, carries the adversary
properties, and says in ``flawed`` what is wrong.  ``qproto verify NAME``
exits 1 on every one of them, with a minimal counterexample that replays
(an attack label for ``qproto analyze``/``qproto fuzz``, a seed, or a step
trace).  They stay out of the default catalogue (``FLAWED``), so a bare
``qproto verify`` is unaffected; ``qproto list --flawed`` lists them.

Also here (``PROTOCOLS``): decoy-state BB84 (Lo, Ma & Chen 2005), the
variant on weak coherent pulses that photon-number splitting cannot break.
"""

from __future__ import annotations

from .adversary_properties import (
    ADVERSARY_PROPERTIES_EB,
    ADVERSARY_PROPERTIES_PM,
    BB84_ATTACK_PROPERTIES,
    BELL_TEST_PROPERTIES,
    PNS_PROPERTIES,
)
from .b92 import B92
from .bb84 import BB84, BB84_BIASED, ESTIMATION_PARAMETERS, LO_CHAU_ARDEHALI_2005, PM_STEPS
from .e91 import E91
from .protocol import Parameter, Reference, Step
from .qkd import STATES, Measurement, Outcome, Signal

LO_MA_CHEN_2005 = Reference(
    cite="H.-K. Lo, X. Ma, K. Chen, Decoy state quantum key distribution, Phys. Rev. Lett. 94, 230504 (2005)",
    doi="10.1103/PhysRevLett.94.230504",
)
BRASSARD_2000 = Reference(
    cite="G. Brassard, N. Lütkenhaus, T. Mor, B. C. Sanders, Limitations on practical quantum cryptography, "
    "Phys. Rev. Lett. 85, 1330 (2000)",
    doi="10.1103/PhysRevLett.85.1330",
)


def _with(base: tuple, *extra: tuple) -> tuple:
    """``base`` plus the properties of ``extra`` whose ids it lacks (the
    catalogue specs already carry the adversary properties)."""
    have = {p.id for p in base}
    out = list(base)
    for group in extra:
        for p in group:
            if p.id not in have:
                out.append(p)
                have.add(p.id)
    return tuple(out)


_PM = _with(BB84.properties, ADVERSARY_PROPERTIES_PM, BB84_ATTACK_PROPERTIES)
_WCP = (
    Parameter(name="mean_photon_number", default=0.5, low=0, open_low=True, text="μ of the weak coherent pulses"),
    Parameter(name="transmittance", default=0.1, low=0, high=1, open_low=True, text="η of the line (detector included)"),
)


def _random_basis_measurement(plus_bit: int) -> Measurement:
    """Bob measures Z or X at random and announces nothing: one measurement
    with the four outcomes ½|0⟩⟨0|, ½|1⟩⟨1|, ½|+⟩⟨+|, ½|−⟩⟨−| (vectors
    scaled by 1/√2), each read as a key bit."""
    return Measurement(
        name="any",
        probability="1",
        outcomes=(
            Outcome(label="0", vector=("sqrt(2)/2", "0"), bit=0),
            Outcome(label="1", vector=("0", "sqrt(2)/2"), bit=1),
            Outcome(label="+", vector=("1/2", "1/2"), bit=plus_bit),
            Outcome(label="-", vector=("1/2", "-1/2"), bit=1 - plus_bit),
        ),
    )


BB84_NO_SIFTING = BB84.variant(
    "bb84-no-sifting",
    summary="BB84 where the parties skip basis sifting and keep every round.",
    flawed="mismatched-basis rounds are coin flips: QBER 1/4 with no eavesdropper, so honest parties always abort",
    signals=tuple(Signal(name=n, bit=b, basis="any", amplitudes=STATES[n]) for n, b in (("0", 0), ("1", 1), ("+", 0), ("-", 1))),
    basis_probabilities={"any": "1"},
    measurements=(_random_basis_measurement(plus_bit=0),),
    properties=ADVERSARY_PROPERTIES_PM,
)

BB84_THRESHOLD_30 = BB84.variant(
    "bb84-threshold-30",
    summary="BB84 that aborts only above a 30 % QBER.",
    flawed="a full intercept-resend (QBER 25 %) passes, and Eve then knows more than Bob: no secret key exists",
    abort_threshold="3/10",
    properties=_PM,
)

BB84_SAMPLE_IN_KEY = BB84.variant(
    "bb84-sample-in-key",
    summary="BB84 that keeps the disclosed estimation sample in the key.",
    flawed="the sample was announced in public: Eve knows a tenth of the key without touching a qubit",
    parameters=ESTIMATION_PARAMETERS
    + (Parameter(name="sample_in_key", default=1, choices=(0, 1), text="1: sample bits stay in the key"),),
    properties=_PM,
)

BB84_SIX_STATE_THRESHOLD = BB84.variant(
    "bb84-six-state-threshold",
    summary="BB84 that borrows the six-state protocol's abort threshold of 12.6 %.",
    flawed="BB84's one-way threshold is 11 %: between 11 % and 12.6 % the optimal attack leaves Eve as much as Bob",
    abort_threshold="63/500",
    properties=_PM,
)

BB84_WCP_NO_DECOYS = BB84.variant(
    "bb84-wcp-no-decoys",
    summary="BB84 on weak coherent pulses (μ = 0.5) with no decoy states, every detection counted as a single photon.",
    flawed="photon-number splitting: Eve keeps a photon of every multi-photon pulse, blocks single photons, "
    "and knows the whole key at QBER 0 and the honest gain",
    references=BB84.references + (BRASSARD_2000,),
    parameters=ESTIMATION_PARAMETERS + _WCP,
    properties=_with(_PM, PNS_PROPERTIES),
)

BB84_KEY_BEFORE_AUTH = BB84.variant(
    "bb84-key-before-authentication",
    summary="A BB84 session that encrypts with the key before the sifting transcript's tags are checked.",
    flawed="a man-in-the-middle's forged sifting messages are only rejected after the key has encrypted data she can read",
    steps=PM_STEPS
    + (
        Step(party="Alice", action="use-key", text="Alice one-time-pads her message with the fresh key and sends it"),
        Step(party="Bob", action="verify-authentication", text="Bob checks the tags of the sifting transcript"),
    ),
    properties=_PM,
)

B92_INCONCLUSIVE = B92.variant(
    "b92-accepts-inconclusive",
    summary="B92 where Bob keeps his inconclusive results too, guessing the bit.",
    flawed="an inconclusive result carries no information: QBER 1/4 with no eavesdropper, so honest parties abort",
    signals=(
        Signal(name="0", bit=0, basis="any", amplitudes=STATES["0"]),
        Signal(name="+", bit=1, basis="any", amplitudes=STATES["+"]),
    ),
    basis_probabilities={"any": "1"},
    sifting="basis-match",
    measurements=(_random_basis_measurement(plus_bit=1),),
    properties=ADVERSARY_PROPERTIES_PM,
)

E91_NO_BELL_TEST = E91.variant(
    "e91-no-bell-test",
    summary="E91 that claims device-independent security but checks only the QBER.",
    flawed="devices pre-programmed with classical outputs agree on every key pair: QBER 0, and Eve knows the key",
    chsh=(),
    properties=ADVERSARY_PROPERTIES_EB + tuple(p for p in BELL_TEST_PROPERTIES if p.id == "programmed-devices-rejected"),
)

BB84_BIASED_POOLED = BB84_BIASED.variant(
    "bb84-biased-pooled-estimate",
    summary="Biased BB84 (Z with probability 9/10) that estimates one QBER pooled over both bases.",
    flawed="81 of every 82 sifted bits are Z bits, so Eve intercepting every qubit in Z only "
    "(intercept-resend:fraction=1,px=0) causes errors only in the rare X rounds: pooled QBER 1/164 ≈ 0.6 %, which passes, "
    "while she knows every Z key bit; Shor–Preskill at 0.6 % then claims ≈ 0.89 secret bits per sifted bit. "
    "Lo–Chau–Ardehali estimate each basis separately (the X QBER here is 1/2: abort)",
    references=(LO_CHAU_ARDEHALI_2005,) + BB84_BIASED.references[1:],
    estimation="pooled",
    properties=BB84_BIASED.properties,
)

BB84_DECOY = BB84.variant(
    "bb84-decoy",
    summary="Decoy-state BB84 on weak coherent pulses: signal μ = 0.5, decoy ν = 0.1, vacuum; Lo–Ma–Chen bounds on Y₁.",
    references=BB84.references + (LO_MA_CHEN_2005, BRASSARD_2000),
    parameters=ESTIMATION_PARAMETERS
    + _WCP
    + (Parameter(name="decoy_intensity", default=0.1, low=0, open_low=True, text="ν of the weak decoy"),),
    properties=_with(_PM, PNS_PROPERTIES),
)

PROTOCOLS = (BB84_DECOY,)
FLAWED = (
    BB84_NO_SIFTING,
    BB84_THRESHOLD_30,
    BB84_SAMPLE_IN_KEY,
    BB84_SIX_STATE_THRESHOLD,
    BB84_BIASED_POOLED,
    BB84_WCP_NO_DECOYS,
    BB84_KEY_BEFORE_AUTH,
    B92_INCONCLUSIVE,
    E91_NO_BELL_TEST,
)
