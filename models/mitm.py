"""Man-in-the-middle on the classical channel, with and without authentication.

QKD assumes an authenticated classical channel; it does not provide one
(the review: "QKD itself cannot provide identity authentication ...
an asymmetric cipher or preset key is also required").  This module makes
both sides of that statement executable.

**Without authentication** Eve cuts both channels and runs the protocol
twice, as "Bob" with Alice and as "Alice" with Bob.  Each run is an honest,
noiseless run, so each passes its error estimate (QBER 0) and each pair
ends with a shared key: Alice with Eve (k_AE), Eve with Bob (k_EB).  When
Alice one-time-pads a message with her key, Eve decrypts it, reads it and
re-encrypts it for Bob: undetected, full disclosure.  :func:`run_mitm`
executes this with a seeded generator and returns the transcript.

**With authentication** every classical message carries a tag
t = a·m + b (mod p) under a fresh pre-shared key (a, b) — a strongly
universal hash family (Wegman & Carter 1981).  A substituted message m′ ≠ m
is accepted only if Eve guesses its tag; whatever she saw, exactly one key
in p of those consistent with (m, t) gives her tag, so she succeeds with
probability 1/p.  :func:`forgery_probability` establishes this by
enumerating every key, message pair and tag of a small field — an
exhaustive finite check, not a sample.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from typing import Any

import numpy as np

from qproto.spec.errors import ParameterError


def wegman_carter_tag(message: int, key: tuple[int, int], p: int) -> int:
    """t = a·m + b mod p."""
    a, b = key
    return (a * message + b) % p


def forgery_probability(p: int) -> dict[str, Any]:
    """Eve's best substitution success against the tag t = a·m + b (mod p),
    by exhaustive enumeration over the p² keys, every observed (m, t) and
    every forgery (m′, t′) with m′ ≠ m.  Returns the worst case as an exact
    fraction and the number of cases enumerated."""
    if p < 2 or any(p % q == 0 for q in range(2, int(p**0.5) + 1)):
        raise ParameterError(f"p={p} must be a prime (the hash family needs a field)")
    worst, cases = _worst_forgery(p)
    return {"prime": p, "worst_success": worst, "cases": cases}


@cache  # every QKD spec's check asks for the same field: enumerated once per process
def _worst_forgery(p: int) -> tuple[Fraction, int]:
    worst = Fraction(0)
    cases = 0
    for m in range(p):
        for t in range(p):
            consistent = [(a, b) for a in range(p) for b in range(p) if (a * m + b) % p == t]
            for m2 in range(p):
                if m2 == m:
                    continue
                # the keys consistent with (m, t), counted by the tag each gives m2: a forgery
                # (m2, t2) succeeds on hits[t2] of them (0 for a tag no key gives)
                hits = Counter((a * m2 + b) % p for a, b in consistent)
                cases += p  # every t2 in the field is a forgery considered
                worst = max(worst, Fraction(max(hits.values()), len(consistent)))
    return worst, cases


@dataclass
class MitmTranscript:
    """What happened in one man-in-the-middle session."""

    authenticated: bool
    alice_accepts: bool
    bob_accepts: bool
    qber_alice_side: float
    qber_bob_side: float
    eve_reads_message: bool
    message_delivered_intact: bool
    detected: bool
    events: list[str] = field(default_factory=list)


def run_mitm(
    rng: np.random.Generator, rounds: int = 256, authenticated: bool = False, prime: int = 13, message_bits: int = 16
) -> MitmTranscript:
    """One session: Eve runs BB84 with Alice and with Bob separately (both
    noiseless), then relays a one-time-padded message.  With
    ``authenticated`` each of her classical messages must carry a valid tag
    she does not know; a wrong tag makes the receiver abort."""
    if rounds < 4 * message_bits:
        raise ParameterError(f"rounds={rounds} must be ≥ {4 * message_bits} to carry a {message_bits}-bit message")
    events: list[str] = []

    def bb84_leg(label: str) -> tuple[np.ndarray, np.ndarray, float]:
        bits = rng.integers(0, 2, rounds)
        bases_a = rng.integers(0, 2, rounds)
        bases_b = rng.integers(0, 2, rounds)
        # a noiseless honest leg: equal bases give equal bits
        bob = np.where(bases_a == bases_b, bits, rng.integers(0, 2, rounds))
        keep = bases_a == bases_b
        ka, kb = bits[keep], bob[keep]
        qber = float(np.mean(ka != kb)) if ka.size else 0.0
        events.append(f"{label}: {int(keep.sum())} sifted bits, QBER {qber:.3f}")
        return ka, kb, qber

    k_ae_alice, k_ae_eve, q1 = bb84_leg("Alice ↔ Eve (posing as Bob)")
    k_eb_eve, k_eb_bob, q2 = bb84_leg("Eve (posing as Alice) ↔ Bob")
    detected = False
    if authenticated:
        # Eve must forge the tag of her first sifting message to Bob; she guesses
        key = (int(rng.integers(0, prime)), int(rng.integers(0, prime)))
        m_forged = int(rng.integers(0, prime))
        guess = int(rng.integers(0, prime))
        ok = wegman_carter_tag(m_forged, key, prime) == guess
        events.append(
            f"Eve's forged sifting message m′={m_forged} with tag {guess}: {'accepted' if ok else 'rejected, Bob aborts'}"
        )
        detected = not ok
    alice_accepts = q1 <= 0.11
    bob_accepts = q2 <= 0.11 and not detected
    n = message_bits
    msg = rng.integers(0, 2, n)
    reads = False
    intact = False
    if alice_accepts and bob_accepts and k_ae_alice.size >= n and k_eb_eve.size >= n:
        cipher = msg ^ k_ae_alice[:n]
        plain_at_eve = cipher ^ k_ae_eve[:n]
        reads = bool(np.array_equal(plain_at_eve, msg))
        relayed = plain_at_eve ^ k_eb_eve[:n]
        at_bob = relayed ^ k_eb_bob[:n]
        intact = bool(np.array_equal(at_bob, msg))
        events.append(f"message relayed: Eve reads it ({reads}); Bob decrypts it intact ({intact})")
    return MitmTranscript(authenticated, alice_accepts, bob_accepts, q1, q2, reads, intact, detected, events)


__all__ = ["wegman_carter_tag", "forgery_probability", "MitmTranscript", "run_mitm"]
