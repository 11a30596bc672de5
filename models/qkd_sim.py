"""A seeded, vectorised simulator of QKD rounds, and exact abort statistics.

Two engines, one interface (:func:`simulate`):

- **bit-packed** (BB84-type specs: Z/X signals, basis-match sifting, under
  intercept-resend in Z/X and/or depolarizing noise): 64 rounds per
  ``uint64`` word, the protocol done with bitwise operations — bases match
  where ``~(α ^ β)``, Eve resends her own outcome where her basis differs
  from Alice's, Bob reads a fresh coin where his basis differs from the
  state's.  A Bernoulli(q) mask is built from random words by comparing
  them, bit by bit, with the binary expansion of q (q truncated to
  ``precision`` bits; the effective q is reported and used by the exact
  statistics).
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
from dataclasses import dataclass, field
from functools import lru_cache
from fractions import Fraction
from typing import Any, Callable

import numpy as np
import sympy as sp

from qproto.spec.errors import ParameterError
from qproto.spec.qkd import STATES, PrepareMeasureQKD

from . import qkd as exact_model
from .attacks import Attack, line

WORD = 64
#: Rounds per chunk (a multiple of 64): 4 Mi rounds, 64 KiB per packed array.
CHUNK_ROUNDS = 1 << 22
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
            f = Fraction(value).limit_denominator(10**12) if math.isfinite(value) else None  # type: ignore[assignment]
            if f is None:
                raise ValueError
        else:
            f = Fraction(str(value))
    except (ValueError, ZeroDivisionError, TypeError):
        raise ParameterError(f"{name}={value!r} must be a number in [{low}, {high}]") from None
    if not low <= f <= high:
        raise ParameterError(f"{name}={value} must lie in [{low}, {high}]")
    return f


def check_threshold(value: Any) -> Fraction:
    t = as_fraction("threshold", value, Fraction(0), Fraction(1))
    if t >= Fraction(1, 2):
        raise ParameterError(f"threshold={value} must lie in [0, 0.5); an error rate of 1/2 is pure noise")
    return t


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
    """n uniformly random 64-bit words."""
    return rng.integers(0, 2**64 - 1, size=n, dtype=np.uint64, endpoint=True)


def bernoulli_words(rng: np.random.Generator, q: Fraction, n: int) -> np.ndarray:
    """n words whose bits are independent Bernoulli(q) for a dyadic q = k/2^m:
    bit = [U < q] for a uniform U = 0.u₁u₂…, decided lexicographically from
    the least significant digit of q up: L ← (q_j ? ~u_j | L : ~u_j & L)
    (u_j uniform, so ~u_j is replaced by u_j)."""
    if q <= 0:
        return np.zeros(n, dtype=np.uint64)
    if q >= 1:
        return np.full(n, _ONES, dtype=np.uint64)
    den = q.denominator
    m = den.bit_length() - 1
    if den != 1 << m:
        raise ParameterError(f"bernoulli_words needs a dyadic probability, got {q}; round it with dyadic()")
    num = q.numerator
    out = np.zeros(n, dtype=np.uint64)
    for j in range(m, 0, -1):  # digit j of q (1 = most significant)
        u = random_words(rng, n)
        if (num >> (m - j)) & 1:
            np.bitwise_or(u, out, out=out)
        else:
            np.bitwise_and(u, out, out=out)
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
            **({"sample_by_basis": {b: {"sample_size": n, "sample_errors": e, "estimate": e / n if n else None}
                                    for b, (n, e) in self.sample_by_basis.items()}}
               if self.estimation == "per-basis" else {}),
        }


@dataclass
class Transcript:
    """Every round of a run.  Fields hold one entry per round (``packed``:
    64 rounds per uint64 word — use :meth:`column`).

    Bit-packed engine fields: ``alice_bit``, ``alice_basis`` (1 = X),
    ``bob_basis``, ``bob_bit``, ``eve_intercepted``, ``eve_basis``, ``sifted``,
    ``sample``.  Table engine fields: ``event`` (row index into ``rows``) and
    ``sample``; :meth:`column` derives the rest.
    """

    rounds: int
    packed: bool
    fields: dict[str, np.ndarray]
    rows: list[exact_model.Row] | None = None

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
        names = list(self.fields) if self.packed else ["alice_choice", "alice_basis", "bob_setting", "bob_outcome", "eve_record", "sifted", "alice_bit", "bob_bit", "sample"]
        return {n: (int(self.column(n)[i]) if self.packed or n in ("sifted", "alice_bit", "bob_bit", "sample") else self.column(n)[i]) for n in names}


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
    if attack is not None and not (attack.name == "none" or (attack.name == "intercept-resend" and sp.sympify(attack.values.get("py", 0)) == 0)):
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
        sample_precision: the same for the sample fraction (defaults to 16).
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
        return _simulate_bitpacked(spec, rounds, seed, rng, attack, noise, sf, th, keep, precision, sample_precision, chunk_rounds, progress)
    return _simulate_table(spec, rounds, seed, rng, attack, noise, sf, th, keep, chunk_rounds, progress)


def _per_basis(spec: Any, summary: Summary) -> bool:
    """Set the summary up for the spec's estimation rule; True when the
    sample must be counted per basis."""
    summary.estimation = getattr(spec, "estimation", "pooled")
    if summary.estimation != "per-basis":
        return False
    summary.sample_by_basis = {b: [0, 0] for b in spec.basis_probabilities}
    return True


def _simulate_bitpacked(spec, rounds, seed, rng, attack, noise, sf, th, keep, precision, sample_precision, chunk_rounds, progress) -> Simulation:
    pz = {m.name: as_fraction("basis probability", m.probability) for m in spec.measurements}
    qa_x = dyadic(as_fraction("basis probability", spec.basis_probabilities["X"]), precision)
    qb_x = dyadic(pz["X"], precision)
    f = px = Fraction(0)
    if attack is not None and attack.name == "intercept-resend":
        f = dyadic(as_fraction("fraction", attack.values["fraction"]), precision)
        px = dyadic(as_fraction("px", attack.values["px"]), precision)
    p = dyadic(as_fraction("p", noise.values["p"]), precision) if noise is not None else Fraction(0)
    s = dyadic(sf, sample_precision)
    summary = Summary(spec.name, rounds, seed, "bitpacked", sample_fraction=s, threshold=th, chunk_rounds=chunk_rounds,
                      intercepted=0 if f else None)
    summary.effective = {"alice_x": str(qa_x), "bob_x": str(qb_x), "fraction": str(f), "px": str(px), "depolarizing": str(p),
                         "sample_fraction": str(s)}
    per_basis = _per_basis(spec, summary)
    names = ("alice_bit", "alice_basis", "bob_basis", "bob_bit", "eve_intercepted", "eve_basis", "sifted", "sample")
    kept: dict[str, list[np.ndarray]] = {n: [] for n in names}
    done = 0
    while done < rounds:
        n_rounds = min(chunk_rounds, rounds - done)
        n = (n_rounds + WORD - 1) // WORD
        a = random_words(rng, n)
        alpha = bernoulli_words(rng, qa_x, n)
        beta = bernoulli_words(rng, qb_x, n)
        # Eve: intercept with prob f, measure in X with prob px; wrong basis → a coin
        e: np.ndarray | None
        gamma: np.ndarray | None
        if f:
            e = bernoulli_words(rng, f, n)
            gamma = bernoulli_words(rng, px, n)
            r1 = random_words(rng, n)
            wrong = e & (gamma ^ alpha)
            s_bit = (a & ~wrong) | (r1 & wrong)
            s_basis = (alpha & ~e) | (gamma & e)
        else:
            e = gamma = None
            s_bit, s_basis = a, alpha
        # line noise: depolarized qubits give Bob a coin; so does the wrong basis
        coin = beta ^ s_basis
        if p:
            coin |= bernoulli_words(rng, p, n)
        r2 = random_words(rng, n)
        b = (s_bit & ~coin) | (r2 & coin)
        valid = _tail_mask(n_rounds, n)
        k = ~(alpha ^ beta) & valid
        t = bernoulli_words(rng, s, n) & k
        err = a ^ b
        summary.sifted += popcount(k)
        summary.sifted_errors += popcount(k & err)
        summary.sample_size += popcount(t)
        summary.sample_errors += popcount(t & err)
        if per_basis:
            for basis, mask in (("Z", t & ~alpha), ("X", t & alpha)):
                counts = summary.sample_by_basis[basis]
                counts[0] += popcount(mask)
                counts[1] += popcount(mask & err)
        key = k & ~t
        summary.key_length += popcount(key)
        summary.key_errors += popcount(key & err)
        if e is not None:
            summary.intercepted = (summary.intercepted or 0) + popcount(e & valid)
        if keep:
            zero = np.zeros(n, dtype=np.uint64)
            for name, arr in zip(names, (a, alpha, beta, b, e if e is not None else zero, gamma if gamma is not None else zero, k, t)):
                kept[name].append(arr & valid)
        done += n_rounds
        if progress is not None:
            progress(done)
    transcript = Transcript(rounds, True, {n: np.concatenate(v) for n, v in kept.items()}) if keep else None
    return Simulation(summary, transcript)


_EVENTS: dict[tuple[Any, ...], tuple[list[exact_model.Row], np.ndarray]] = {}


def _event_distribution(spec: Any, attack_label: Any, noise_label: Any, attack: Any, noise: Any) -> tuple[list[exact_model.Row], np.ndarray]:
    """The exact joint distribution of one round as a CDF (cached per spec
    and line: runs with many seeds reuse it)."""
    key = (spec, attack_label, noise_label)
    if key not in _EVENTS:
        rows = exact_model.table(spec, line(attack, noise))
        probs = np.array([float(sp.N(r.probability)) if isinstance(r.probability, sp.Basic) else float(r.probability) for r in rows])
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
    eve_lut = np.array([r.record not in ("none", ("none", "none")) and not (isinstance(r.record, tuple) and r.record and r.record[0] == "none") for r in rows])
    summary = Summary(spec.name, rounds, seed, "table", sample_fraction=sf, threshold=th, chunk_rounds=chunk_rounds,
                      intercepted=0 if attack is not None and attack.name != "none" else None)
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
    transcript = Transcript(rounds, False, {"event": np.concatenate(events), "sample": np.concatenate(samples)}, rows) if keep else None
    return Simulation(summary, transcript)


# -- exact abort statistics -------------------------------------------------------

def _lgamma(x: np.ndarray) -> np.ndarray:
    return np.vectorize(math.lgamma, otypes=[float])(x)


def _log_binom_pmf(k: np.ndarray, n: int, p: float, n_array: np.ndarray | None = None) -> np.ndarray:
    """log P(Bin(n, p) = k), elementwise; ``n_array`` gives one n per k."""
    nv = np.full(np.shape(k), n) if n_array is None else n_array
    if p == 0:
        return np.where(k == 0, 0.0, -np.inf)
    if p == 1:
        return np.where(k == nv, 0.0, -np.inf)
    return _lgamma(nv + 1) - _lgamma(k + 1) - _lgamma(nv - k + 1) + k * math.log(p) + (nv - k) * math.log1p(-p)


def binomial_tail(n: int, k: int, p: float) -> float:
    """P(X > k) for X ~ Bin(n, p), summed in log space over the support
    within ±40 standard deviations of the mean (the rest is below 1e-300)."""
    if k < 0:
        return 1.0
    if k >= n:
        return 0.0
    if p <= 0:
        return 0.0
    if p >= 1:
        return 1.0
    mu, sd = n * p, math.sqrt(n * p * (1 - p))
    lo, hi = max(k + 1, int(mu - 40 * sd) - 10), min(n, int(mu + 40 * sd) + 10)
    if lo > hi:
        return 0.0 if k + 1 > mu else 1.0
    x = np.arange(lo, hi + 1)
    return float(min(1.0, np.exp(_log_binom_pmf(x, n, p)).sum()))


def _tails_along(n0: int, count: int, num: int, den: int, q: float) -> np.ndarray:
    """T(n) = P(Bin(n, q) > ⌊n·num/den⌋) for n = n0 … n0+count−1, by the
    exact recursion Bin(n+1) = Bin(n) + Bernoulli(q):
    same cut k: T(n+1) = T(n) + q·P(X_n = k);
    cut k+1:   T(n+1) = T(n) − (1 − q)·P(X_n = k + 1)."""
    n = np.arange(n0, n0 + count, dtype=np.int64)
    k = (n * num) // den
    t0 = binomial_tail(int(n[0]), int(k[0]), q)
    if count == 1:
        return np.array([t0])
    nn, kk = n[:-1], k[:-1]
    step_up = k[1:] > kk
    kx = np.where(step_up, kk + 1, kk)
    valid = (kx >= 0) & (kx <= nn)
    logp = np.full(nn.shape, -np.inf)
    if valid.any():
        logp[valid] = _log_binom_pmf(kx[valid], 0, q, nn[valid])
    pmf = np.exp(logp)
    inc = np.where(step_up, -(1 - q) * pmf, q * pmf)
    return np.clip(np.concatenate(([t0], t0 + np.cumsum(inc))), 0.0, 1.0)


def abort_probability(rounds: int, sift_probability: Any, qber: Any, sample_fraction: Any, threshold: Any) -> float:
    """P(abort) after ``rounds`` rounds: n ~ Bin(rounds, sift·s) disclosed
    bits, e | n ~ Bin(n, qber) errors; abort when n = 0 or e/n > threshold.
    Summed exactly, in double precision, over n within ±40 standard
    deviations of the mean (the binomial mass outside is below 1e-300); the
    conditional tails come from the recursion in :func:`_tails_along`.
    Rounding (lgamma of large arguments) limits the absolute accuracy to
    about 1e-10; :func:`abort_probability_exact` is the rational reference
    for small N."""
    rounds = check_rounds(rounds)
    s = as_fraction("sample_fraction", sample_fraction)
    t = check_threshold(threshold)
    pi = float(as_fraction("sift_probability", sift_probability) * s) if not isinstance(sift_probability, float) else sift_probability * float(s)
    q = float(qber)
    if pi == 0:
        return 1.0
    mu, sd = rounds * pi, math.sqrt(rounds * pi * (1 - pi))
    lo, hi = max(0, int(mu - 40 * sd) - 10), min(rounds, int(mu + 40 * sd) + 10)
    n = np.arange(lo, hi + 1)
    w = np.exp(_log_binom_pmf(n, rounds, pi))
    w /= w.sum()  # the window holds all the mass; this removes lgamma's rounding at large N
    tail = _tails_along(lo, hi - lo + 1, t.numerator, t.denominator, q)
    tail = np.where(n == 0, 1.0, tail)
    return float(min(1.0, np.sum(w * tail)))


def abort_probability_exact(rounds: int, sift_probability: Any, qber: Any, sample_fraction: Any, threshold: Any) -> Fraction:
    """The same as :func:`abort_probability` in exact rational arithmetic
    (for small ``rounds``; O(rounds²) terms)."""
    rounds = check_rounds(rounds)
    pi = as_fraction("sift_probability", sift_probability) * as_fraction("sample_fraction", sample_fraction)
    q = as_fraction("qber", qber)
    t = check_threshold(threshold)
    total = Fraction(0)
    for n in range(rounds + 1):
        pn = math.comb(rounds, n) * pi**n * (1 - pi) ** (rounds - n)
        if n == 0:
            total += pn
            continue
        k = (n * t.numerator) // t.denominator
        tail = sum((math.comb(n, e) * q**e * (1 - q) ** (n - e) for e in range(k + 1, n + 1)), Fraction(0))
        total += pn * tail
    return total


def abort_probability_given_sifted(sifted: int, errors: int, sample: int, threshold: Any) -> float:
    """P(abort) when ``sample`` of ``sifted`` bits, ``errors`` of them wrong,
    are disclosed without replacement: e ~ Hypergeometric(sifted, errors,
    sample); abort when e/sample > threshold."""
    if not (0 <= errors <= sifted and 0 < sample <= sifted):
        raise ParameterError(f"need 0 ≤ errors={errors} ≤ sifted={sifted} and 0 < sample={sample} ≤ sifted")
    t = check_threshold(threshold)
    k = (sample * t.numerator) // t.denominator
    e = np.arange(max(k + 1, sample - (sifted - errors)), min(sample, errors) + 1)
    if e.size == 0:
        return 0.0
    logp = (
        _lgamma(np.full(e.shape, errors + 1)) - _lgamma(e + 1) - _lgamma(errors - e + 1)
        + _lgamma(np.full(e.shape, sifted - errors + 1)) - _lgamma(sample - e + 1) - _lgamma(sifted - errors - sample + e + 1)
        - (math.lgamma(sifted + 1) - math.lgamma(sample + 1) - math.lgamma(sifted - sample + 1))
    )
    return float(min(1.0, np.exp(logp).sum()))


def abort_probability_per_basis(rounds: int, sift_by_basis: dict[str, Any], qber_by_basis: dict[str, Any],
                                sample_fraction: Any, threshold: Any) -> dict[str, Any]:
    """P(abort) after ``rounds`` rounds under per-basis estimation (abort
    when any basis' sample is empty or its error rate exceeds the
    threshold).  Basis b's own abort event has exactly the probability
    :func:`abort_probability` gives with its sift probability P(sifted, b)
    and its QBER; the bases' sample sizes are multinomial (not independent),
    so the protocol's abort probability is bracketed exactly by
    max_b P_b ≤ P(abort) ≤ min(1, Σ_b P_b).  A basis with no sifted round
    (or no QBER) always aborts."""
    marginals: dict[str, float] = {}
    for b, sift_b in sift_by_basis.items():
        q = qber_by_basis.get(b)
        sf = float(sp.N(sift_b)) if isinstance(sift_b, sp.Basic) else float(sift_b)
        if q is None or q is sp.nan or sf <= 0:
            marginals[b] = 1.0
            continue
        qf = float(sp.N(q)) if isinstance(q, sp.Basic) else float(q)
        marginals[b] = abort_probability(rounds, sift_b, qf, sample_fraction, threshold)
    low = max(marginals.values()) if marginals else 1.0
    high = min(1.0, sum(marginals.values())) if marginals else 1.0
    return {"low": low, "high": high, "per_basis": marginals}


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
