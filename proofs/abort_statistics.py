"""Tail probabilities of the parameter-estimation sample, with relative accuracy.

ε-security lives in tails such as P[accept] = P[Bin(n, p) ≤ k]: at
N = 10⁸ rounds under full interception it lies below 10^-100000, far under
the smallest double.  Every tail here is computed in log space with mpmath
(working precision :data:`DPS` decimal digits) by summing the terms
C(n, j) p^j (1−p)^(n−j) outward from the term nearest the mode of the
summed range until the remaining terms — bounded by a geometric series,
since the terms of a binomial or hypergeometric law are log-concave in j —
fall below 10^-(DPS−5) of the partial sum.  The result is an
:class:`LogTail`: log10 of the probability, with a stated relative accuracy
of ``RELATIVE_ACCURACY`` (the truncation bound plus the rounding of
DPS-digit arithmetic over at most a few thousand terms), and a float value
that is honest about underflow (``0.0`` only with ``underflow=True``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath

#: Working precision (decimal digits) of every tail computation.
DPS = 40
#: Stated relative accuracy of every tail: the leading term's logarithm is
#: rounded to a double (absolute error ≤ 2.3e-16·|ln P| + term-ratio
#: rounding ≤ 1e-13), so ≈ 1e-12 relative for |ln P| < 1e3 and growing
#: with |ln P| (at P = 1e-100000, 5e-11 relative on log10 P).
RELATIVE_ACCURACY = 1e-12


@dataclass(frozen=True)
class LogTail:
    """A probability P as log10 P (exact to :data:`RELATIVE_ACCURACY`
    relative error on P)."""

    log10: float
    mantissa: str  # "9.7181e-75"-style text at 12 significant digits, from the log

    @property
    def value(self) -> float:
        """P as a float; 0.0 when it underflows (see :attr:`underflow`)."""
        return 0.0 if self.log10 < -323 else 10.0**self.log10

    @property
    def relative_accuracy(self) -> float:
        """RELATIVE_ACCURACY plus the rounding of ln P to a double."""
        if not math.isfinite(self.log10):
            return 0.0
        return RELATIVE_ACCURACY + 4.5e-16 * abs(self.log10) * math.log(10)

    @property
    def underflow(self) -> bool:
        return self.log10 < -307

    def to_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "log10": self.log10,
            "scientific": self.mantissa,
            "relative_accuracy": self.relative_accuracy,
            "underflow": self.underflow,
            "method": "log-space sum of the exact terms: leading term at 40 digits (mpmath), exact term ratios in double precision",
        }


def _mp(p: Fraction | float | str) -> Any:
    if isinstance(p, Fraction):
        return mpmath.mpf(p.numerator) / p.denominator
    return mpmath.mpf(p)


def _log_binom_term(n: int, j: int, lp: Any, lq: Any) -> Any:
    return mpmath.loggamma(n + 1) - mpmath.loggamma(j + 1) - mpmath.loggamma(n - j + 1) + j * lp + (n - j) * lq


#: Consecutive negligible terms after which one side of a sum stops (covers
#: the period of floor(t·n) in the mixtures, whose terms are log-concave
#: only between the jumps of the abort count).
PATIENCE = 64


#: Most terms one sum may take (beyond it the sum raises ArithmeticError
#: rather than return a truncated value).
MAX_TERMS = 400_000


def _peak(logterm, lo: int, hi: int, start: int) -> int:
    """The index of the largest term: golden-section search on [lo, hi]
    (the log-terms are concave up to the unit jumps of floor(t·n)), then
    a uphill walk."""
    a, b = lo, hi
    while b - a > 8:
        m1, m2 = a + (b - a) // 3, b - (b - a) // 3
        if logterm(m1) < logterm(m2):
            a = m1
        else:
            b = m2
    j = max(range(a, b + 1), key=logterm)
    return j


def _log_sum(logterm, lo: int, hi: int, start: int) -> float:
    """ln Σ_{j=lo}^{hi} exp(logterm(j)) (``logterm`` returns a float ln),
    summed outward from the largest term.  A side stops after
    :data:`PATIENCE` consecutive terms each below 1e-18 of the sum: beyond
    the peak the terms decay at least geometrically (log-concave laws), so
    the rest is below the stated accuracy."""
    start = _peak(logterm, lo, hi, start)
    ref = logterm(start)
    total, count = 1.0, 0
    for direction in (1, -1):
        j, small = start + direction, 0
        while lo <= j <= hi and small < PATIENCE:
            lt = logterm(j)
            if lt > ref:  # a jump of floor(t·n) above the peak: rescale
                total, ref = total * math.exp(ref - lt), lt
            term = math.exp(lt - ref)
            total += term
            small = small + 1 if term < 1e-18 * total else 0
            j += direction
            count += 1
            if count > MAX_TERMS:
                raise ArithmeticError(f"the tail needs more than {MAX_TERMS} terms; not computed")
    return ref + math.log(total)


def _log_binom_ref(n: int, j: int, p: Any) -> float:
    """ln of the term C(n, j) p^j (1−p)^(n−j), computed at DPS digits and
    then rounded to a double (absolute error ~1e-16 · |ln|)."""
    with mpmath.workdps(DPS):
        pm = _mp(p)
        return float(_log_binom_term(n, j, mpmath.log(pm), mpmath.log1p(-pm)))


def _binomial_log_tail(n: int, p: Any, lo: int, hi: int) -> float:
    """ln Σ_{j=lo}^{hi} C(n, j) p^j (1−p)^(n−j), 0 < p < 1, lo ≤ hi: the
    largest term in range (the mode, clamped) at DPS digits, the others by
    the exact term ratios in double precision, outward until a term is below
    1e-18 of the sum (past the mode the ratios only fall: log-concavity)."""
    pf = float(p)
    odds = pf / (1 - pf)
    start = min(max(int((n + 1) * pf), lo), hi)
    ref = _log_binom_ref(n, start, p)
    total, term, j = 1.0, 1.0, start
    while j < hi:
        term *= (n - j) / (j + 1) * odds
        j += 1
        total += term
        if term < 1e-18 * total:
            break
    term, j = 1.0, start
    while j > lo:
        term *= j / (n - j + 1) / odds
        j -= 1
        total += term
        if term < 1e-18 * total:
            break
    return ref + math.log(total)


def binomial_tail(n: int, p: Fraction | float | str, k: int, upper: bool = True) -> LogTail:
    """P[X ≥ k] (``upper``) or P[X ≤ k] for X ~ Binomial(n, p), as log10
    with relative accuracy :data:`RELATIVE_ACCURACY`."""
    lo, hi = (max(k, 0), n) if upper else (0, min(k, n))
    if lo > hi:
        return LogTail(-math.inf, "0")
    pf = Fraction(p) if not isinstance(p, float) else p
    if pf <= 0 or pf >= 1:
        hit = (lo == 0) if pf <= 0 else (hi == n)
        return LogTail(0.0, "1") if hit else LogTail(-math.inf, "0")
    return _from_ln(_binomial_log_tail(n, pf, lo, hi))


def _from_ln(ln: float) -> LogTail:
    lg = ln / math.log(10)
    e = math.floor(lg)
    m = float(f"{10 ** (lg - e):.10g}")
    if m >= 10:  # 9.99999999995 rounds up to 10: carry into the exponent
        m, e = m / 10, e + 1
    return LogTail(lg, f"{m:.10g}e{e:+d}")


def _log_hyper_term(total: int, errors: int, sample: int, j: int) -> float:
    with mpmath.workdps(DPS):
        lc = lambda a, b: mpmath.loggamma(a + 1) - mpmath.loggamma(b + 1) - mpmath.loggamma(a - b + 1)  # noqa: E731
        return float(lc(errors, j) + lc(total - errors, sample - j) - lc(total, sample))


def hypergeometric_tail(total: int, errors: int, sample: int, k: int, upper: bool = True) -> LogTail:
    """P[X ≥ k] (``upper``) or P[X ≤ k] for the errors X in a uniformly
    random sample of ``sample`` of ``total`` bits, ``errors`` of them wrong."""
    jmin, jmax = max(0, sample - (total - errors)), min(errors, sample)
    lo, hi = (max(k, jmin), jmax) if upper else (jmin, min(k, jmax))
    if lo > hi:
        return LogTail(-math.inf, "0")
    mode = ((sample + 1) * (errors + 1)) // (total + 2)
    return _from_ln(_log_sum(lambda j: _log_hyper_term(total, errors, sample, j), lo, hi, min(max(mode, lo), hi)))


def estimate_outcome_probability(
    rounds: int,
    sift: float | Fraction,
    qber: float | Fraction,
    sample_fraction: float | Fraction,
    threshold: float | Fraction,
    outcome: str = "abort",
) -> LogTail:
    """P(abort) (or P(accept)) after ``rounds`` rounds: each round is sifted
    with probability ``sift`` and a sifted bit disclosed with probability
    ``sample_fraction`` (n ~ Bin(rounds, sift·s) sample bits), each in error
    with probability ``qber`` independently; the protocol aborts iff the
    errors exceed threshold·n (n = 0 passes).  Summed over n in log space.

    This is what ``qproto analyze --rounds N`` should report (item 18 of
    issue 10): e.g. BB84 under ``intercept-resend:fraction=0.272`` with
    N = 282218 gives P(abort) ≈ 9.72e-75."""
    if outcome not in ("abort", "accept"):
        raise ValueError("outcome must be 'abort' or 'accept'")
    pn = Fraction(sift) * Fraction(sample_fraction)
    t = Fraction(threshold)
    if pn <= 0:
        return LogTail(0.0, "1") if outcome == "accept" else LogTail(-math.inf, "0")

    def log_inner(n: int) -> float:
        k = math.floor(t * n)
        if n == 0:
            tail = LogTail(-math.inf, "0") if outcome == "abort" else LogTail(0.0, "1")
        elif outcome == "abort":
            tail = binomial_tail(n, qber, k + 1)
        else:
            tail = binomial_tail(n, qber, k, upper=False)
        return tail.log10 * math.log(10) if tail.log10 > -math.inf else -1e300

    if pn >= 1:  # every sifted bit disclosed: n = rounds surely
        return _from_ln(log_inner(rounds))
    mode = min(int((rounds + 1) * pn), rounds)
    return _from_ln(_log_sum(lambda n: _log_binom_ref(rounds, n, pn) + log_inner(n), 0, rounds, mode))


__all__ = ["DPS", "RELATIVE_ACCURACY", "LogTail", "binomial_tail", "hypergeometric_tail", "estimate_outcome_probability"]
