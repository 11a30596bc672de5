"""A seeded, vectorised simulator of QKD rounds, and exact abort statistics.

Two engines, one interface (:func:`simulate`):

- **bit-packed** (BB84-type specs: Z/X signals, basis-match sifting, under
  intercept-resend in Z/X and/or depolarizing noise): 64 rounds per
  ``uint64`` word, the protocol done with bitwise operations — bases match
  where ``~(α ^ β)``, Eve resends her own outcome where her basis differs
  from Alice's, Bob reads a fresh coin where his basis differs from the
  state's.  Random words are the bit generator's raw 64-bit outputs.  A
  Bernoulli(q) mask compares uniform U = 0.u₁u₂… with the binary expansion
  of q (q truncated to ``precision`` bits; the effective q is reported and
  used by the exact statistics) from the most significant digit, and only
  the words with an undecided lane draw again (:func:`bernoulli_words`).

  Only what the counts depend on is drawn, and every count has exactly the
  law of the round-by-round protocol:

  * on a sifted round Bob's bit differs from Alice's exactly when the state
    reaching him was re-prepared in the other basis or depolarized *and* a
    fair coin says so, so Alice's bit and Bob's coin enter the counts only
    through their XOR (one word); with fair basis choices, "sifted" and
    "Eve's basis differs from Alice's" are independent fair coins, drawn
    as such;
  * rounds are independent and identically distributed, so the counts are
    unchanged in law by any reordering of a chunk's rounds.  An independent
    Bernoulli(f) choice of Eve's rounds is a uniformly random set of
    Bin(N, f) rounds; reordered, it is the chunk's *first* Bin(N, f) rounds.
    So Eve's rounds (without Eve: the depolarized ones) are a prefix of
    the chunk whose length is drawn with NumPy's binomial sampler, and her
    basis and the error coin are drawn for those words only;
  * the disclosed sample is a classical choice independent of the round:
    its size among the n correct and the e erroneous sifted bits of a
    chunk is Bin(n, s) and Bin(e, s), split per basis by the hypergeometric
    law when the spec estimates per basis.

  NumPy's binomial and hypergeometric samplers are exact up to double
  rounding; f, p and s are dyadic with ≤ 52 significant bits, so doubles
  hold them exactly.  With ``keep_transcript`` the rest of each round
  (Alice's bit, Eve's resent bit, the sampled positions — a uniform subset
  of each class, of the drawn size) comes from a second stream spawned from
  the seed, and the chunk's rounds are put in a uniformly random order, so
  that every field has its round-by-round law and a run's summary does not
  depend on whether its transcript is kept.  Random bits per round (fair
  bases, pooled estimate): 3 with Eve on every round, 1 + 2f with Eve on a
  fraction f (up to 1/64 more for the last partial word), 1 + p with noise
  p only, 2 + f + about 7.5 (the dense noise mask) with both, 1 with
  neither.
- **table** (any spec, any instrument): each round is drawn from the exact
  joint distribution of (Alice's choice, announcement, Bob's setting and
  outcome, Eve's record) computed by :mod:`qproto.models.qkd`.  Rounds are
  independent and identically distributed, so this samples the protocol
  exactly.

Both stream in chunks, so memory stays bounded for N = 10⁹ when the
transcript is not kept.  Randomness comes only from the seeded
``numpy.random.Generator``; the same seed, rounds and chunk size give the
same transcript.

Estimation rule (shared with the exact statistics): every sifted bit is
disclosed with probability ``sample_fraction``; with e errors among n
disclosed bits the protocol aborts when e/n > threshold (exact integer
comparison) or when n = 0.  A spec with ``estimation="per-basis"``
(Lo–Chau–Ardehali) counts the sample per basis of Alice and aborts when any
basis has no sample bit or its e_b/n_b exceeds the threshold.

:func:`abort_probability` gives P(abort) for N rounds from the exact
binomial law (sample size ~ Bin(N, sift·s), errors | n ~ Bin(n, Q)), and
:func:`abort_probability_given_sifted` the hypergeometric law for a fixed
sample drawn without replacement from a sifted string with known errors.

>>> from qproto.spec.bb84 import BB84
>>> run = simulate(BB84, 6400, seed=1)
>>> run.summary.decision, run.summary.sifted_errors
('accept', 0)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from qproto.spec.errors import ParameterError
from qproto.spec.qkd import STATES, PrepareMeasureQKD
from qproto.spec.validation import check_fraction

from . import qkd as exact_model
from .abort_statistics import (  # noqa: F401  (re-exported: moved to abort_statistics)
    _STIRLERR,
    _WINDOW_MASS,
    _abort_sum,
    _bd0,
    _lgamma,
    _log_binom_pmf,
    _log_binom_pmf_run,
    _log_pmf_path,
    _stirlerr,
    _tails_along,
    _window,
    abort_probability,
    abort_probability_exact,
    abort_probability_given_sifted,
    abort_probability_per_basis,
)
from .abort_statistics import binomial_survival as binomial_tail
from .attacks import Attack, line

WORD = 64
#: Rounds per chunk (a multiple of 64): 1 Mi rounds, 128 KiB per packed array
#: (a chunk's few arrays stay in cache).
CHUNK_ROUNDS = 1 << 20
_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)


# -- parameters ----------------------------------------------------------------


def as_fraction(name: str, value: Any, low: Fraction = Fraction(0), high: Fraction = Fraction(1)) -> Fraction:
    """An exact fraction from a number, string or SymPy rational."""
    try:
        if isinstance(value, sp.Basic):
            value = sp.simplify(value)
            if not value.is_Rational:
                raise ValueError
            f = Fraction(int(value.p), int(value.q))
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise ValueError
            f = Fraction(value).limit_denominator(10**12)
        else:
            f = Fraction(str(value))
    except (ValueError, ZeroDivisionError, TypeError):
        raise ParameterError(f"{name}={value!r} must be a number in [{low}, {high}]") from None
    return check_fraction(name, f, low, high, shown=str(value))


def check_threshold(value: Any) -> Fraction:
    t = as_fraction("threshold", value, Fraction(0), Fraction(1))
    return check_fraction("threshold", t, 0, 0.5, open_high=True, why="an error rate of 1/2 is pure noise", shown=str(value))


def check_rounds(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ParameterError(f"rounds={value!r} must be an integer > 0")
    return int(value)


def check_seed(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ParameterError(f"seed={value!r} must be a non-negative integer")
    return int(value)


def dyadic(q: Fraction, precision: int) -> Fraction:
    """q rounded down to ``precision`` binary digits (exact when q is dyadic)."""
    if q >= 1:
        return Fraction(1)
    return Fraction(math.floor(q * (1 << precision)), 1 << precision)


# -- bit-packed primitives -----------------------------------------------------


def random_words(rng: np.random.Generator, n: int) -> np.ndarray:
    """n uniformly random 64-bit words: the bit generator's raw outputs
    (PCG64 words are uniform on [0, 2^64)), without the Generator's
    range-reduction layer."""
    return rng.bit_generator.random_raw(n)


#: Digits of q compared on every word before only the words that still
#: hold an undecided lane draw: after 6 digits a lane is undecided with
#: probability 1/64, so about 63 % of words still draw, then 39 %, 22 % ...
_DENSE_DIGITS = 6


def bernoulli_words(rng: np.random.Generator, q: Fraction, n: int) -> np.ndarray:
    """n words whose bits are independent Bernoulli(q) for a dyadic q = k/2^m.

    Bit = [U < q] for a uniform U = 0.u₁u₂…: compared with q = 0.q₁…q_m from
    the most significant digit, a lane is decided at the first digit j with
    u_j ≠ q_j (its bit is q_j: U < q when u_j = 0 < q_j = 1); a lane still
    undecided after digit m has U ≥ q (bit 0).  So P(bit = 1) =
    Σ_{j: q_j=1} 2^-j = q exactly, and lanes are independent (each reads
    its own bit of each word).  Digit j costs one random word per word
    that still holds an undecided lane, so a word costs about
    6 + Σ_{j≥6} 1 − (1 − 2^-j)^64 ≈ 7.5 random words on average whatever m
    is (m when m is smaller), instead of m.  Here u_j is taken as the complement of the
    drawn bit w_j (both are fair coins)."""
    if q <= 0:
        return np.zeros(n, dtype=np.uint64)
    if q >= 1:
        return np.full(n, _ONES, dtype=np.uint64)
    den = q.denominator
    m = den.bit_length() - 1
    if den != 1 << m:
        raise ParameterError(f"bernoulli_words needs a dyadic probability, got {q}; round it with dyadic()")
    if m == 1:
        return random_words(rng, n)
    num = q.numerator
    out = np.zeros(n, dtype=np.uint64)
    live = np.full(n, _ONES, dtype=np.uint64)  # lanes not yet decided
    where: np.ndarray | None = None  # indices (into out) of the words still drawing; None = all
    o = out
    decided = np.empty(n, dtype=np.uint64)
    for j in range(1, m + 1):
        if j > _DENSE_DIGITS:
            keep = np.flatnonzero(live)
            if keep.size == 0:
                break
            if keep.size < live.size:  # gather the words that still draw
                if where is not None:
                    out[where] = o
                where = keep if where is None else where[keep]
                o, live = out[where], live[keep]
                decided = decided[: keep.size]
        w = random_words(rng, live.size)
        if (num >> (m - j)) & 1:  # q_j = 1: lanes with u_j = 0 (w_j = 1) are decided 1
            np.bitwise_and(live, w, out=decided)
            np.bitwise_or(o, decided, out=o)
            np.bitwise_xor(live, decided, out=live)
        else:  # q_j = 0: lanes with u_j = 1 (w_j = 0) are decided 0
            np.bitwise_and(live, w, out=live)
    if where is not None:
        out[where] = o
    return out


def popcount(words: np.ndarray) -> int:
    return int(np.bitwise_count(words).sum(dtype=np.int64))


def unpack(words: np.ndarray, rounds: int) -> np.ndarray:
    """Packed words → one uint8 (0/1) per round, round i at bit i % 64 of word i // 64."""
    return np.unpackbits(words.view(np.uint8), bitorder="little")[:rounds]


def _tail_mask(valid: int, n_words: int) -> np.ndarray:
    m = np.full(n_words, _ONES, dtype=np.uint64)
    rem = valid % WORD
    if rem:
        m[-1] = np.uint64((1 << rem) - 1)
    return m


# -- results -----------------------------------------------------------------


@dataclass
class Summary:
    """What a run produced: counts, the estimate and the decision."""

    protocol: str
    rounds: int
    seed: int
    engine: str
    sifted: int = 0
    sample_size: int = 0
    sample_errors: int = 0
    key_length: int = 0
    key_errors: int = 0
    sifted_errors: int = 0
    intercepted: int | None = None
    sample_fraction: Fraction = Fraction(1, 10)
    threshold: Fraction = Fraction(11, 100)
    effective: dict[str, str] = field(default_factory=dict)
    chunk_rounds: int = CHUNK_ROUNDS
    #: ``"pooled"`` or ``"per-basis"`` (the spec's estimation rule).
    estimation: str = "pooled"
    #: per-basis estimation: Alice's basis → [sample size, sample errors].
    sample_by_basis: dict[str, list[int]] = field(default_factory=dict)

    @property
    def estimate(self) -> float | None:
        return self.sample_errors / self.sample_size if self.sample_size else None

    def _exceeds(self, errors: int, size: int) -> bool:
        t = self.threshold
        return size == 0 or errors * t.denominator > t.numerator * size

    @property
    def decision(self) -> str:
        if self.estimation == "per-basis":
            if not self.sample_by_basis:
                return "abort"
            return "abort" if any(self._exceeds(e, n) for n, e in self.sample_by_basis.values()) else "accept"
        return "abort" if self._exceeds(self.sample_errors, self.sample_size) else "accept"

    @property
    def sift_rate(self) -> float:
        return self.sifted / self.rounds

    @property
    def qber(self) -> float | None:
        return self.sifted_errors / self.sifted if self.sifted else None

    def to_json(self) -> dict[str, Any]:
        return {
            "protocol": self.protocol,
            "rounds": self.rounds,
            "seed": self.seed,
            "engine": self.engine,
            "chunk_rounds": self.chunk_rounds,
            "sifted": self.sifted,
            "sift_rate": self.sift_rate,
            "sifted_errors": self.sifted_errors,
            "qber": self.qber,
            "sample_fraction": str(self.sample_fraction),
            "sample_size": self.sample_size,
            "sample_errors": self.sample_errors,
            "estimate": self.estimate,
            "threshold": str(self.threshold),
            "decision": self.decision,
            "key_length": self.key_length if self.decision == "accept" else 0,
            "raw_key_length": self.key_length,
            "key_errors": self.key_errors,
            "intercepted": self.intercepted,
            "effective_parameters": self.effective,
            "estimation": self.estimation,
            **(
                {
                    "sample_by_basis": {
                        b: {"sample_size": n, "sample_errors": e, "estimate": e / n if n else None}
                        for b, (n, e) in self.sample_by_basis.items()
                    }
                }
                if self.estimation == "per-basis"
                else {}
            ),
        }


@dataclass
class Transcript:
    """Every round of a run.  Fields hold one entry per round (``packed``:
    64 rounds per uint64 word — use :meth:`column`).

    Bit-packed engine fields: ``alice_bit``, ``alice_basis`` (1 = X),
    ``bob_basis``, ``bob_bit``, ``eve_intercepted``, ``eve_basis`` (0 on
    rounds Eve leaves alone), ``sifted``, ``sample``.  Table engine fields:
    ``event`` (row index into ``rows``) and ``sample``; :meth:`column`
    derives the rest.
    """

    rounds: int
    packed: bool
    fields: dict[str, np.ndarray]
    rows: list[exact_model.Row] | None = None

    #: The columns a table-engine transcript derives, in the order they are read out.
    TABLE_COLUMNS = (
        "alice_choice",
        "alice_basis",
        "bob_setting",
        "bob_outcome",
        "eve_record",
        "sifted",
        "alice_bit",
        "bob_bit",
        "sample",
    )

    @property
    def column_names(self) -> tuple[str, ...]:
        """What :meth:`column` can give: the stored fields when bit-packed,
        else :data:`TABLE_COLUMNS`."""
        return tuple(self.fields) if self.packed else self.TABLE_COLUMNS

    def column(self, name: str) -> np.ndarray:
        if self.packed:
            return unpack(self.fields[name], self.rounds)
        if name in self.fields:
            return self.fields[name]
        ev = self.fields["event"]
        assert self.rows is not None
        attr = {
            "alice_choice": "choice",
            "bob_setting": "setting",
            "bob_outcome": "outcome",
            "eve_record": "record",
            "alice_basis": "basis",
        }.get(name, name)
        if name in ("sifted", "alice_bit", "bob_bit"):
            attr = {"sifted": "kept"}.get(name, name)
            lut = np.array([(getattr(r, attr) if getattr(r, attr) is not None else -1) for r in self.rows], dtype=np.int8)
            return lut[ev]
        lut = np.array([str(getattr(r, attr)) for r in self.rows], dtype=object)
        return lut[ev]

    def sifted_keys(self) -> tuple[np.ndarray, np.ndarray]:
        """Alice's and Bob's sifted bits (sample included), in round order."""
        k = self.column("sifted").astype(bool)
        return self.column("alice_bit")[k].astype(np.uint8), self.column("bob_bit")[k].astype(np.uint8)

    def keys(self) -> tuple[np.ndarray, np.ndarray]:
        """Alice's and Bob's raw keys: sifted bits not disclosed in the sample."""
        k = self.column("sifted").astype(bool) & ~self.column("sample").astype(bool)
        return self.column("alice_bit")[k].astype(np.uint8), self.column("bob_bit")[k].astype(np.uint8)

    def round(self, i: int) -> dict[str, Any]:
        """Round i as a dict (for reading and for test vectors)."""
        return {
            n: (int(self.column(n)[i]) if self.packed or n in ("sifted", "alice_bit", "bob_bit", "sample") else self.column(n)[i])
            for n in self.column_names
        }


@dataclass
class Simulation:
    summary: Summary
    transcript: Transcript | None


# -- engine choice -------------------------------------------------------------


@lru_cache(maxsize=256)
def _standard(amps: tuple[str, str], name: str) -> bool:
    return tuple(sp.sympify(a) for a in amps) == tuple(sp.sympify(a) for a in STATES[name])


def bitpacked_supported(spec: Any, attack: Attack | None, noise: Attack | None) -> bool:
    """True when the bit-packed engine models this run exactly."""
    if attack is not None and not (
        attack.name == "none" or (attack.name == "intercept-resend" and sp.sympify(attack.values.get("py", 0)) == 0)
    ):
        return False
    if noise is not None and noise.name != "depolarizing":
        return False
    return _bb84_shaped(spec)


@lru_cache(maxsize=64)
def _bb84_shaped(spec: Any) -> bool:
    if not isinstance(spec, PrepareMeasureQKD) or spec.sifting != "basis-match":
        return False
    want = {("0", 0, "Z"), ("1", 1, "Z"), ("+", 0, "X"), ("-", 1, "X")}
    if {(s.name, s.bit, s.basis) for s in spec.signals} != want or any(s.announce for s in spec.signals):
        return False
    if not all(_standard(s.amplitudes, s.name) for s in spec.signals):
        return False
    if {m.name for m in spec.measurements} != {"Z", "X"}:
        return False
    for m in spec.measurements:
        names = {"Z": ("0", "1"), "X": ("+", "-")}[m.name]
        if [(o.bit, _standard(o.vector, n)) for o, n in zip(m.outcomes, names)] != [(0, True), (1, True)] or len(m.outcomes) != 2:
            return False
    return True


def simulate(
    spec: Any,
    rounds: int,
    seed: int,
    attack: Attack | None = None,
    noise: Attack | None = None,
    *,
    sample_fraction: Any = None,
    threshold: Any = None,
    keep_transcript: bool | None = None,
    engine: str = "auto",
    precision: int = 24,
    sample_precision: int = 16,
    chunk_rounds: int = CHUNK_ROUNDS,
    progress: Callable[[int], None] | None = None,
) -> Simulation:
    """Run ``rounds`` rounds of ``spec`` with a seeded generator.

    Args:
        attack, noise: parsed entries of :mod:`qproto.models.attacks`
            (attack first on the line, then noise).  Default: neither.
        sample_fraction, threshold: override the spec's estimation
            parameters.  threshold must lie in [0, 0.5).
        keep_transcript: keep every round.  Defaults to True up to 10⁷
            rounds (the summary is always computed while streaming).
        engine: ``auto``, ``bitpacked`` or ``table``.
        precision: binary digits kept of the channel probabilities in the
            bit-packed engine (defaults to 24; exact for dyadic values).
        sample_precision: the same for the sample fraction (defaults to 16;
            at most 52 are used, so that a double holds it exactly).
        progress: called with the number of rounds done after each chunk.
    """
    rounds = check_rounds(rounds)
    seed = check_seed(seed)
    sf = as_fraction("sample_fraction", spec.sample_fraction if sample_fraction is None else sample_fraction)
    if sf == 0:
        raise ParameterError("sample_fraction=0 must be > 0: no bit would be disclosed to estimate the QBER")
    th = check_threshold(spec.abort_threshold if threshold is None else threshold)
    if chunk_rounds <= 0 or chunk_rounds % WORD:
        raise ParameterError(f"chunk_rounds={chunk_rounds} must be a positive multiple of 64")
    keep = rounds <= 10**7 if keep_transcript is None else keep_transcript
    fast = bitpacked_supported(spec, attack, noise)
    if engine == "bitpacked" and not fast:
        raise ParameterError(f"engine=bitpacked does not model {spec.name} under this line; use engine=table or auto")
    if engine not in ("auto", "bitpacked", "table"):
        raise ParameterError(f"engine={engine!r} must be auto, bitpacked or table")
    rng = np.random.default_rng(seed)
    if fast and engine != "table":
        return _simulate_bitpacked(
            spec, rounds, seed, rng, attack, noise, sf, th, keep, precision, sample_precision, chunk_rounds, progress
        )
    return _simulate_table(spec, rounds, seed, rng, attack, noise, sf, th, keep, chunk_rounds, progress)


def _per_basis(spec: Any, summary: Summary) -> bool:
    """Set the summary up for the spec's estimation rule; True when the
    sample must be counted per basis."""
    summary.estimation = getattr(spec, "estimation", "pooled")
    if summary.estimation != "per-basis":
        return False
    summary.sample_by_basis = {b: [0, 0] for b in spec.basis_probabilities}
    return True


def _prefix(count: int, n: int) -> np.ndarray:
    """n words whose first ``count`` lanes are set."""
    out = np.zeros(n, dtype=np.uint64)
    full, rem = divmod(count, WORD)
    out[:full] = _ONES
    if rem:
        out[full] = np.uint64((1 << rem) - 1)
    return out


def _simulate_bitpacked(
    spec, rounds, seed, rng, attack, noise, sf, th, keep, precision, sample_precision, chunk_rounds, progress
) -> Simulation:
    pz = {m.name: as_fraction("basis probability", m.probability) for m in spec.measurements}
    qa_x = dyadic(as_fraction("basis probability", spec.basis_probabilities["X"]), precision)
    qb_x = dyadic(pz["X"], precision)
    f = px = Fraction(0)
    if attack is not None and attack.name == "intercept-resend":
        f = dyadic(as_fraction("fraction", attack.values["fraction"]), precision)
        px = dyadic(as_fraction("px", attack.values["px"]), precision)
    p = dyadic(as_fraction("p", noise.values["p"]), precision) if noise is not None else Fraction(0)
    s = dyadic(sf, min(sample_precision, 52))
    summary = Summary(
        spec.name,
        rounds,
        seed,
        "bitpacked",
        sample_fraction=s,
        threshold=th,
        chunk_rounds=chunk_rounds,
        intercepted=0 if f else None,
    )
    summary.effective = {
        "alice_x": str(qa_x),
        "bob_x": str(qb_x),
        "fraction": str(f),
        "px": str(px),
        "depolarizing": str(p),
        "sample_fraction": str(s),
    }
    per_basis = _per_basis(spec, summary)
    # Second stream (transcript-only draws) and third (the per-basis split),
    # spawned from the seed: the counts' stream is the same whether or not a
    # transcript is kept, and a per-basis spec draws the same sample as its
    # pooled twin.
    aux, split = rng.spawn(2)
    half = Fraction(1, 2)
    fair_bases = qa_x == half and qb_x == half
    fair_eve = px == half
    # Alice's basis is drawn in the counts' stream only when the counts need it
    need_alpha = not fair_bases or (bool(f) and not fair_eve)
    names = ("alice_bit", "alice_basis", "bob_basis", "bob_bit", "eve_intercepted", "eve_basis", "sifted", "sample")
    kept: dict[str, list[np.ndarray]] = {n: [] for n in names}
    sample_rate = float(s)
    done = 0
    while done < rounds:
        n_rounds = min(chunk_rounds, rounds - done)
        n = (n_rounds + WORD - 1) // WORD
        tail = n_rounds % WORD
        # -- the counts' stream, in a fixed order ------------------------------
        alpha = bernoulli_words(rng, qa_x, n) if need_alpha else None
        if alpha is None and per_basis:  # independent of the counts' other draws: its own stream
            alpha = bernoulli_words(split, qa_x, n)
        if fair_bases:
            k = random_words(rng, n)  # sifted: β = α, a fair coin whatever α is
        else:
            assert alpha is not None
            k = ~(alpha ^ bernoulli_words(rng, qb_x, n))
        if tail:
            k[-1] &= np.uint64((1 << tail) - 1)
        # Eve's rounds (or, without Eve, the depolarized ones) are the first
        # Bin(rounds, f) lanes of the chunk: see the module docstring.
        e = g = d = None
        coin = np.zeros(0, dtype=np.uint64)
        span = 0  # words that can hold a coin; the error coin is drawn on these only
        if f:
            hit = n_rounds if f == 1 else int(rng.binomial(n_rounds, float(f)))
            span = (hit + WORD - 1) // WORD
            e = _prefix(hit, n)
            summary.intercepted = (summary.intercepted or 0) + hit
            # g = Eve's basis ≠ Alice's: a fair coin independent of α when px = 1/2
            if fair_eve:
                g = random_words(rng, span)
            else:
                assert alpha is not None
                g = bernoulli_words(rng, px, span) ^ alpha[:span]
            coin = g & e[:span]
            if p:
                d = bernoulli_words(rng, p, n)
                d[:span] |= coin
                coin, span = d, n
        elif p:
            hit = int(rng.binomial(n_rounds, float(p)))
            span = (hit + WORD - 1) // WORD
            coin = d = _prefix(hit, n)[:span]
        # on a sifted round Bob's bit differs from Alice's iff his coin was read and c says so
        c = random_words(rng, span)
        err = k[:span] & coin & c
        sifted = popcount(k)
        errors = popcount(err)
        sample_ok = int(rng.binomial(sifted - errors, sample_rate))
        sample_err = int(rng.binomial(errors, sample_rate)) if errors else 0
        summary.sifted += sifted
        summary.sifted_errors += errors
        summary.sample_size += sample_ok + sample_err
        summary.sample_errors += sample_err
        summary.key_length += sifted - sample_ok - sample_err
        summary.key_errors += errors - sample_err
        if per_basis or keep:
            err_all = np.zeros(n, dtype=np.uint64)
            err_all[:span] = err
            classes = [(k & ~err_all, sample_ok), (err_all, sample_err)]
            if per_basis:
                assert alpha is not None
                classes = _split_by_basis(split, classes, alpha, summary)
            if keep:
                fields = _bitpacked_rounds(aux, n, n_rounds, alpha, k, e, g, d, c, classes, qa_x, f, p)
                for name in names:
                    kept[name].append(fields[name])
        done += n_rounds
        if progress is not None:
            progress(done)
    transcript = Transcript(rounds, True, {n: np.concatenate(v) for n, v in kept.items()}) if keep else None
    return Simulation(summary, transcript)


def _split_by_basis(split: np.random.Generator, classes: list, alpha: np.ndarray, summary: Summary) -> list:
    """Split each class's sample size between Alice's Z and X rounds: a
    uniform subset of a class holds a hypergeometric number of its X
    rounds.  Adds the per-basis counts to ``summary``; returns the four
    (mask, sample size) classes."""
    out = []
    for i, (mask, size) in enumerate(classes):
        if mask is None:
            continue
        x_mask = mask & alpha
        in_x = popcount(x_mask)
        in_z = popcount(mask) - in_x
        take_x = int(split.hypergeometric(in_x, in_z, size)) if size and in_x and in_z else (size if in_x else 0)
        for basis, m, t in (("Z", mask & ~alpha, size - take_x), ("X", x_mask, take_x)):
            counts = summary.sample_by_basis[basis]
            counts[0] += t
            counts[1] += t if i == 1 else 0
            out.append((m, t))
    return out


def _bitpacked_rounds(aux, n, n_rounds, alpha, k, e, g, d, c, classes, qa_x, f, p) -> dict[str, np.ndarray]:
    """The rest of each round for the transcript, drawn from ``aux``:
    Alice's bit a (Bob's coin is then c ^ a), her basis when the counts did
    not need it, Eve's basis on her rounds, her resent bit in the other
    basis, the coins on rounds the counts did not look at, and the sampled
    positions (a uniform subset of each class, of the drawn size).  When the
    counts used a prefix of lanes for Eve's or the depolarized rounds, the
    chunk's rounds are then put in a uniformly random order, so that those
    rounds form a uniformly random subset, as independent Bernoulli rounds
    would."""

    def widen(x: np.ndarray | None, fill: bool) -> np.ndarray:
        out = random_words(aux, n) if fill else np.zeros(n, dtype=np.uint64)
        if x is not None:
            out[: x.size] = x
        return out

    if alpha is None:
        alpha = bernoulli_words(aux, qa_x, n)
    beta = alpha ^ ~k  # sifted exactly where β = α
    a = random_words(aux, n)
    zero = np.zeros(n, dtype=np.uint64)
    if e is not None:
        g_all = widen(g, False)
        gamma = (g_all ^ alpha) & e
        wrong = e & g_all
        resent = (a & ~wrong) | (random_words(aux, n) & wrong)
        state_basis = (alpha & ~e) | gamma
    else:
        gamma, resent, state_basis = zero, a, alpha
    # Bob reads a coin where his basis differs from the state's, or the qubit was depolarized
    bob_coin = beta ^ state_basis
    if d is not None:
        bob_coin |= widen(d, False)
    c_all = widen(c, True)
    b = (resent & ~bob_coin) | ((c_all ^ a) & bob_coin)
    sample = np.zeros(n * WORD, dtype=bool)
    for mask, size in classes:
        if not size:
            continue
        lanes = np.flatnonzero(unpack(mask, n_rounds))
        sample[aux.choice(lanes, size=size, replace=False)] = True
    t = np.packbits(sample, bitorder="little").view(np.uint64)
    valid = _tail_mask(n_rounds, n)
    fields = {
        "alice_bit": a & valid,
        "alice_basis": alpha & valid,
        "bob_basis": beta & valid,
        "bob_bit": b & valid,
        "eve_intercepted": (e if e is not None else zero) & valid,
        "eve_basis": gamma & valid,
        "sifted": k,
        "sample": t,
    }
    if (f and f < 1) or (p and not f):  # prefix lanes → a uniformly random order of the chunk's rounds
        order = aux.permutation(n_rounds)
        rows = np.zeros(n_rounds, dtype=np.uint8)  # one byte per round, one bit per field: one gather
        for j, words in enumerate(fields.values()):
            rows |= unpack(words, n_rounds) << np.uint8(j)
        rows = rows[order]
        bits = np.zeros(n * WORD, dtype=np.uint8)
        for j, name in enumerate(fields):
            np.bitwise_and(rows >> np.uint8(j), np.uint8(1), out=bits[:n_rounds])
            fields[name] = np.packbits(bits, bitorder="little").view(np.uint64)
    return fields


_EVENTS: dict[tuple[Any, ...], tuple[list[exact_model.Row], np.ndarray]] = {}


def _event_distribution(
    spec: Any, attack_label: Any, noise_label: Any, attack: Any, noise: Any
) -> tuple[list[exact_model.Row], np.ndarray]:
    """The exact joint distribution of one round as a CDF (cached per spec
    and line: runs with many seeds reuse it)."""
    key = (spec, attack_label, noise_label)
    if key not in _EVENTS:
        rows = exact_model.table(spec, line(attack, noise))
        probs = np.array(
            [float(sp.N(r.probability)) if isinstance(r.probability, sp.Basic) else float(r.probability) for r in rows]
        )
        if np.any(probs < -1e-12) or abs(probs.sum() - 1) > 1e-9:
            raise ParameterError(f"{spec.name}: the joint distribution does not sum to 1 ({probs.sum()}); the line must be CPTP")
        cdf = np.cumsum(np.clip(probs, 0, None))
        cdf /= cdf[-1]
        if len(_EVENTS) > 64:
            _EVENTS.clear()
        _EVENTS[key] = (rows, cdf)
    return _EVENTS[key]


def _simulate_table(spec, rounds, seed, rng, attack, noise, sf, th, keep, chunk_rounds, progress) -> Simulation:
    rows, cdf = _event_distribution(spec, attack.label() if attack else None, noise.label() if noise else None, attack, noise)
    kept_lut = np.array([r.kept for r in rows])
    err_lut = np.array([r.kept and r.alice_bit != r.bob_bit for r in rows])
    eve_lut = np.array(
        [
            r.record not in ("none", ("none", "none"))
            and not (isinstance(r.record, tuple) and r.record and r.record[0] == "none")
            for r in rows
        ]
    )
    summary = Summary(
        spec.name,
        rounds,
        seed,
        "table",
        sample_fraction=sf,
        threshold=th,
        chunk_rounds=chunk_rounds,
        intercepted=0 if attack is not None and attack.name != "none" else None,
    )
    per_basis = _per_basis(spec, summary)
    basis_luts = {b: np.array([r.kept and r.basis == b for r in rows]) for b in summary.sample_by_basis} if per_basis else {}
    events, samples = [], []
    done = 0
    while done < rounds:
        n = min(chunk_rounds, rounds - done)
        ev = np.searchsorted(cdf, rng.random(n), side="right").astype(np.uint16)
        ev = np.minimum(ev, len(rows) - 1)
        k = kept_lut[ev]
        t = (rng.random(n) < float(sf)) & k
        er = err_lut[ev]
        summary.sifted += int(k.sum())
        summary.sifted_errors += int(er.sum())
        summary.sample_size += int(t.sum())
        summary.sample_errors += int((t & er).sum())
        for basis, lut in basis_luts.items():
            mask = t & lut[ev]
            counts = summary.sample_by_basis[basis]
            counts[0] += int(mask.sum())
            counts[1] += int((mask & er).sum())
        key = k & ~t
        summary.key_length += int(key.sum())
        summary.key_errors += int((key & er).sum())
        if summary.intercepted is not None:
            summary.intercepted += int(eve_lut[ev].sum())
        if keep:
            events.append(ev)
            samples.append(t)
        done += n
        if progress is not None:
            progress(done)
    transcript = (
        Transcript(rounds, False, {"event": np.concatenate(events), "sample": np.concatenate(samples)}, rows) if keep else None
    )
    return Simulation(summary, transcript)


# -- exact abort statistics -------------------------------------------------------
# The abort statistics (exact, double precision and log space) live in
# qproto.models.abort_statistics; the import at the top keeps their names importable from here.


def expected_statistics(spec: Any, attack: Attack | None = None, noise: Attack | None = None) -> dict[str, Any]:
    """Exact sift probability and QBER for the line (to compare a run with)."""
    inst = line(attack, noise)
    return {"sift_probability": exact_model.sift_probability(spec, inst), "qber": exact_model.qber(spec, inst)}


__all__ = [
    "CHUNK_ROUNDS",
    "Summary",
    "Transcript",
    "Simulation",
    "simulate",
    "bitpacked_supported",
    "bernoulli_words",
    "random_words",
    "popcount",
    "unpack",
    "dyadic",
    "abort_probability",
    "abort_probability_exact",
    "abort_probability_given_sifted",
    "abort_probability_per_basis",
    "binomial_tail",
    "expected_statistics",
    "check_threshold",
    "check_rounds",
    "check_seed",
    "as_fraction",
]
