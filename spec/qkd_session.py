"""The session of prepare-and-measure QKD as a transition system, and the
key's use as a one-time pad.

Phases: quantum transmission → sifting → parameter estimation →
reconciliation → privacy amplification → key released; an abort is
final.  Each raw position (``POSITIONS`` of them, enough to show every
interleaving) moves RAW → KEPT or DISCARDED (sifting) → SAMPLE (revealed
for the estimate) or KEY (privacy amplification).  Once released, Alice
encrypts message bits with key bits (one-time pad, c = m ⊕ k_A) and Bob
decrypts (m' = c ⊕ k_B).

This is the control flow only: the error-rate statistics and the
abort threshold are the QKD family's (``qproto.spec.bb84``); here the
estimate's verdict is the adversary's choice, so the properties hold
whatever the estimate says.
"""

from __future__ import annotations

from typing import Any

from .protocol import Channel, Party, Property, Reference
from .transition import Invariant, Reading, Transition, TransitionSystem, boolean, enum, integer

BENNETT_BRASSARD_1984 = Reference(
    cite="C. H. Bennett, G. Brassard, Quantum cryptography: public key distribution and coin tossing, "
    "Proc. IEEE ICCSSP, 175-179 (1984)",
    doi="10.1016/j.tcs.2014.05.025",
)
SHANNON_1949 = Reference(
    cite="C. E. Shannon, Communication theory of secrecy systems, Bell Syst. Tech. J. 28, 656-715 (1949): "
    "the one-time pad, each key bit used once",
    doi="10.1002/j.1538-7305.1949.tb00928.x",
)

POSITIONS = 3
PHASES = ("TRANSMIT", "SIFT", "ESTIMATE", "RECONCILE", "AMPLIFY", "KEY_READY", "ABORTED")
#: BMC depth for this machine: the longest run that matters (transmit, sift
#: every position, sample, estimate, reconcile, amplify, release, encrypt
#: every key bit) is 2 + 2·POSITIONS + 3 + POSITIONS + 1 = 15 steps for 3 positions.
BOUND = 16
ROLES = ("RAW", "KEPT", "DISCARDED", "SAMPLE", "KEY")

READINGS = (
    Reading(
        topic="the estimate's outcome",
        choice="pass or fail is chosen by the adversary once at least one sifted bit has been sampled",
        reason="the session's guarantees (no key before a passing estimate, abort is final) must hold for "
        "every outcome; how the outcome depends on the error rate is the QKD family's business.",
    ),
    Reading(
        topic="reconciliation",
        choice="it may fail (leakage budget exceeded) and then aborts; after it Alice's and Bob's key bits are "
        "still modelled separately, so a residual error is possible and the one-time pad's correctness is "
        "stated conditionally on the bits agreeing",
        reason="error correction succeeds with high probability, not certainty; the pad's claim is exact.",
    ),
    Reading(
        topic="one-time pad",
        choice="each key bit encrypts at most one message bit; the session keeps a use counter per key bit",
        reason="reusing a pad bit reveals m1 ⊕ m2 to anyone holding both ciphertexts (Shannon 1949).",
    ),
)


def _all(template: str) -> str:
    return " and ".join(f"({template.format(i=i)})" for i in range(POSITIONS))


def _transitions(flaw: str | None) -> tuple[Transition, ...]:
    early = flaw == "release-before-estimate"
    sample_in_key = flaw == "sample-in-key"
    reuse = flaw == "reuses-key"
    discarded_in_key = flaw == "discarded-in-key"
    amplify_from = (
        "(role[i] == KEPT or role[i] == SAMPLE)"
        if sample_in_key
        else "(role[i] == KEPT or role[i] == DISCARDED)"
        if discarded_in_key
        else "role[i] == KEPT"
    )
    i = integer("i", 0, POSITIONS - 1, text="a raw position")
    return (
        Transition(
            name="transmit",
            party="Alice",
            guard="phase == TRANSMIT",
            update={"phase": "SIFT"},
            text="send the qubits; Bob measures each in a random basis",
        ),
        Transition(
            name="sift_keep",
            party="Alice",
            guard="phase == SIFT and role[i] == RAW",
            choose=(i,),
            update={"role[i]": "KEPT"},
            text="bases agree at position i: keep it",
        ),
        Transition(
            name="sift_drop",
            party="Alice",
            guard="phase == SIFT and role[i] == RAW",
            choose=(i,),
            update={"role[i]": "DISCARDED", "dropped[i]": True},
            text="bases differ at position i: discard it",
        ),
        Transition(
            name="end_sift",
            party="Alice",
            guard="phase == SIFT and count(role, RAW) == 0",
            update={"phase": "ESTIMATE"},
            text="sifting done",
        ),
        Transition(
            name="sample",
            party="Alice",
            guard="phase == ESTIMATE and role[i] == KEPT",
            choose=(i,),
            update={"role[i]": "SAMPLE", "sampled[i]": True},
            text="reveal the bit at position i for the error estimate",
        ),
        Transition(
            name="estimate_pass",
            party="Bob",
            guard="phase == ESTIMATE and count(role, SAMPLE) >= 1",
            update={"phase": "RECONCILE", "estimate": "PASS"},
            text="the estimated error rate is below the threshold",
        ),
        Transition(
            name="estimate_fail",
            party="Bob",
            guard="phase == ESTIMATE and count(role, SAMPLE) >= 1",
            update={"phase": "ABORTED", "estimate": "FAIL", "was_aborted": True},
            text="the estimated error rate is above the threshold: abort",
        ),
        Transition(
            name="reconcile",
            party="Alice",
            guard="phase == RECONCILE",
            update={"phase": "AMPLIFY"},
            text="error correction succeeds",
        ),
        Transition(
            name="reconcile_fail",
            party="Alice",
            guard="phase == RECONCILE",
            update={"phase": "ABORTED", "was_aborted": True},
            text="error correction fails: abort",
        ),
        Transition(
            name="amplify",
            party="Alice",
            guard="phase == AMPLIFY and " + amplify_from,
            choose=(i,),
            update={"role[i]": "KEY"},
            text="privacy amplification takes position i into the key"
            + (" (wrongly, sampled bits too)" if sample_in_key else " (wrongly, discarded bits too)" if discarded_in_key else ""),
        ),
        Transition(
            name="release",
            party="Alice",
            guard=("phase == ESTIMATE" if early else "phase == AMPLIFY and count(role, KEPT) == 0 and count(role, KEY) >= 1"),
            update={"phase": "KEY_READY", "key_released": True},
            text="release the key to the application" + (" (wrongly) before the estimate" if early else ""),
        ),
        Transition(
            name="abort_empty",
            party="Alice",
            guard="phase == AMPLIFY and count(role, KEPT) == 0 and count(role, KEY) == 0",
            update={"phase": "ABORTED", "was_aborted": True},
            text="no key bit left: abort",
        ),
        Transition(
            name="encrypt",
            party="Alice",
            guard="phase == KEY_READY and role[i] == KEY" + ("" if reuse else " and uses[i] == 0"),
            choose=(
                i,
                boolean("m", text="the message bit"),
                boolean("ka", text="Alice's key bit"),
                boolean("kb", text="Bob's key bit at the same position"),
            ),
            update={
                "uses[i]": "min(uses[i] + 1, 2)",
                "otp_done": True,
                "m_bit": "m",
                "ka_bit": "ka",
                "kb_bit": "kb",
                "cipher": "m != ka",
                "decrypted": "(m != ka) != kb",
            },
            text="Alice sends c = m ⊕ k_A over the classical channel; Bob decrypts m' = c ⊕ k_B",
        ),
    )


_INVARIANTS = (
    Invariant(
        name="key-only-after-estimate",
        expr="key_released implies estimate == PASS",
        text="no key is released before the estimate has passed",
    ),
    Invariant(
        name="abort-is-final",
        expr="was_aborted implies (phase == ABORTED and not key_released)",
        text="after an abort the session stays aborted and releases nothing",
    ),
    Invariant(
        name="sample-never-in-key",
        expr=_all("not (sampled[{i}] and role[{i}] == KEY)"),
        text="a bit revealed for the estimate never enters the key",
    ),
    Invariant(
        name="discarded-never-in-key",
        expr=_all("not (dropped[{i}] and role[{i}] == KEY)"),
        text="a position whose bases differed (discarded at sifting) never enters the key",
    ),
    Invariant(name="pad-bit-used-once", expr="count(uses, 2) == 0", text="no key bit encrypts two message bits"),
    Invariant(
        name="decrypts-iff-keys-agree",
        expr="otp_done implies ((decrypted == m_bit) == (ka_bit == kb_bit))",
        text="Bob's decryption equals Alice's message exactly when their key bits agree",
    ),
    Invariant(
        name="session-consistent",
        expr=_all("(role[{i}] == SAMPLE) == sampled[{i}]")
        + " and "
        + _all("(role[{i}] == DISCARDED) == dropped[{i}]")
        + " and "
        + "((phase == TRANSMIT or phase == SIFT) implies (count(role, SAMPLE) == 0 and count(role, KEY) == 0)) and "
        + f"(phase == TRANSMIT implies count(role, RAW) == {POSITIONS}) and "
        + "((phase == ESTIMATE or phase == RECONCILE or phase == AMPLIFY or phase == KEY_READY) implies count(role, RAW) == 0) and "
        + "((phase != AMPLIFY and phase != KEY_READY and phase != ABORTED) implies count(role, KEY) == 0) and "
        + "((phase == RECONCILE or phase == AMPLIFY or phase == KEY_READY) implies estimate == PASS) and "
        + f"(phase != KEY_READY implies (count(uses, 0) == {POSITIONS} and not otp_done and not key_released)) and "
        + "(phase == KEY_READY implies key_released) and "
        + "((phase == ABORTED) == was_aborted) and "
        + _all("uses[{i}] >= 1 implies role[{i}] == KEY"),
        text="(auxiliary) which roles exist in which phase: strengthens the induction",
    ),
)

_S = ("session-consistent",)


def session(name: str, flaw: str | None = None, **changes) -> TransitionSystem:
    fields: dict[str, Any] = dict(
        summary="A QKD session's control flow (transmit, sift, estimate, reconcile, amplify, release) and "
        "one-time-pad use of the key."
    )
    fields.update(changes)
    return TransitionSystem(
        name=name,
        references=(BENNETT_BRASSARD_1984, SHANNON_1949),
        parties=(Party("Alice", "sender"), Party("Bob", "receiver")),
        channels=(
            Channel(source="Alice", target="Bob", kind="quantum", note="BB84 states"),
            Channel(source="Alice", target="Bob", kind="classical", authenticated=True, note="sifting, estimate, ciphertext"),
        ),
        variables=(
            enum("phase", PHASES, text="the session's phase"),
            enum("role", ROLES, size=POSITIONS, text="what each raw position has become"),
            boolean("sampled", size=POSITIONS, text="(bookkeeping) the position was ever revealed for the estimate"),
            boolean("dropped", size=POSITIONS, text="(bookkeeping) the position was discarded at sifting"),
            enum("estimate", ("NONE", "PASS", "FAIL"), text="the parameter estimate's verdict"),
            boolean("key_released", text="the key was handed to the application"),
            boolean("was_aborted", text="(bookkeeping) the session aborted at some point"),
            integer("uses", 0, 2, size=POSITIONS, text="how many message bits each key bit has encrypted (saturating)"),
            boolean("otp_done", text="a message bit has been encrypted and decrypted"),
            boolean("m_bit", text="the last message bit"),
            boolean("ka_bit", text="Alice's pad bit for it"),
            boolean("kb_bit", text="Bob's pad bit for it"),
            boolean("cipher", text="the ciphertext bit on the classical channel"),
            boolean("decrypted", text="Bob's decryption"),
        ),
        init={
            "phase": "TRANSMIT",
            "role": "RAW",
            "sampled": False,
            "dropped": False,
            "estimate": "NONE",
            "key_released": False,
            "was_aborted": False,
            "uses": 0,
            "otp_done": False,
            "m_bit": False,
            "ka_bit": False,
            "kb_bit": False,
            "cipher": False,
            "decrypted": False,
        },
        transitions=_transitions(flaw),
        invariants=_INVARIANTS,
        readings=READINGS,
        properties=(
            Property(
                id="no-key-before-estimate",
                engine="statemachine",
                check="statemachine.invariant",
                statement="No key is released before the parameter estimate passes.",
                args={"invariant": "key-only-after-estimate", "strengthen": _S, "bound": BOUND},
            ),
            Property(
                id="abort-is-final",
                engine="statemachine",
                check="statemachine.invariant",
                statement="An abort is final: the session stays ABORTED and never releases a key.",
                args={"invariant": "abort-is-final", "strengthen": _S, "bound": BOUND},
            ),
            Property(
                id="sample-never-in-key",
                engine="statemachine",
                check="statemachine.invariant",
                statement="Bits revealed for the estimate never enter the key.",
                args={"invariant": "sample-never-in-key", "strengthen": _S, "bound": BOUND},
            ),
            Property(
                id="discarded-never-in-key",
                engine="statemachine",
                check="statemachine.invariant",
                statement="Positions discarded at sifting (bases differ) never enter the key.",
                args={"invariant": "discarded-never-in-key", "strengthen": _S, "bound": BOUND},
            ),
            Property(
                id="pad-bit-used-once",
                engine="statemachine",
                check="statemachine.invariant",
                statement="One-time pad: no key bit is ever used twice.",
                args={"invariant": "pad-bit-used-once", "strengthen": _S, "bound": BOUND},
                reference=SHANNON_1949.cite,
            ),
            Property(
                id="decrypts-iff-keys-agree",
                engine="statemachine",
                check="statemachine.invariant",
                statement="Bob's decryption recovers Alice's message bit exactly when their key bits agree "
                "(for every message and key bit).",
                args={"invariant": "decrypts-iff-keys-agree", "strengthen": _S, "bound": BOUND},
                reference=SHANNON_1949.cite,
            ),
            Property(
                id="non-vacuous-key",
                engine="statemachine",
                check="statemachine.reachable",
                statement="Non-vacuity: a run releases a key after sampling and encrypts a bit with it.",
                args={"state": "key_released and otp_done and count(role, SAMPLE) >= 1", "bound": BOUND},
            ),
            Property(
                id="non-vacuous-abort",
                engine="statemachine",
                check="statemachine.reachable",
                statement="Non-vacuity: a run aborts on a failed estimate.",
                args={"state": "phase == ABORTED and estimate == FAIL", "bound": BOUND},
            ),
        ),
        **fields,
    )


QKD_SESSION = session("qkd-session")
QKD_SESSION_EARLY_KEY = session(
    "qkd-session-key-before-estimate",
    flaw="release-before-estimate",
    flawed="the key is released as soon as sifting ends, before the estimate",
    variant_of="qkd-session",
)
QKD_SESSION_SAMPLE_IN_KEY = session(
    "qkd-session-sample-in-key",
    flaw="sample-in-key",
    flawed="privacy amplification also takes the revealed sample bits into the key",
    variant_of="qkd-session",
)
QKD_SESSION_REUSES_PAD = session(
    "qkd-session-reuses-pad",
    flaw="reuses-key",
    flawed="the one-time pad reuses key bits: two ciphertexts reveal m1 ⊕ m2",
    variant_of="qkd-session",
)

QKD_SESSION_DISCARDED_IN_KEY = session(
    "qkd-session-discarded-in-key",
    flaw="discarded-in-key",
    flawed="privacy amplification also takes positions discarded at sifting (bases differ, uncorrelated bits) into the key",
    variant_of="qkd-session",
)

PROTOCOLS = (QKD_SESSION,)
FLAWED = (QKD_SESSION_EARLY_KEY, QKD_SESSION_SAMPLE_IN_KEY, QKD_SESSION_REUSES_PAD, QKD_SESSION_DISCARDED_IN_KEY)
