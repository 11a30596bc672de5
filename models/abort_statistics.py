"""Abort statistics of parameter estimation, in one place: exact, double precision and log space.

A QKD run discloses a random sample of its sifted bits and aborts when the
sample's error rate exceeds the threshold.  Three ways of computing the
probability of that event live here, from the slowest and exact to the
fastest, and the tests compare them with each other on a grid:

- **exact** (:class:`fractions.Fraction`): :func:`binomial_upper_tail`,
  :func:`hypergeometric_upper_tail`, :func:`abort_count` (what the
  adversary engine's proofs use) and :func:`abort_probability_exact` (the
  rational reference of :func:`abort_probability`, small N only);
- **double precision** (NumPy, Loader's saddle-point binomial terms):
  :func:`abort_probability`, :func:`abort_probability_given_sifted`,
  :func:`abort_probability_per_basis` and :func:`binomial_survival`
  (absolute accuracy about 1e-12: the simulator's and ``qproto analyze``'s
  figures);
- **log space** (mpmath leading term, 40 digits): :func:`binomial_tail`,
  :func:`hypergeometric_tail` and :func:`estimate_outcome_probability`, as
  a :class:`LogTail` with relative accuracy :data:`RELATIVE_ACCURACY`, for
  the tails far below the smallest double that ε-security lives in.

The estimation rule is the one :mod:`qproto.models.qkd_sim` simulates: with
e errors among n disclosed bits the protocol aborts when e/n > threshold
(exact integer comparison) or when n = 0.

>>> from fractions import Fraction
>>> binomial_upper_tail(4, Fraction(1, 2), 2)
Fraction(11, 16)
>>> abort_count(100, Fraction(11, 100))
12
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from qproto.spec.errors import ParameterError


def _parameter_checks() -> tuple[Any, Any, Any]:
    """The simulator's own checks of rounds, fractions and threshold (one
    rule for both modules).  Imported on call: :mod:`qproto.models.qkd_sim`
    re-exports this module's functions, so a module-level import would be
    circular."""
    from .qkd_sim import as_fraction, check_rounds, check_threshold

    return check_rounds, as_fraction, check_threshold


# -- exact (rational) ---------------------------------------------------------------


def binomial_upper_tail(n: int, p: Fraction, k: int) -> Fraction:
    """P[X ≥ k] for X ~ Binomial(n, p), exactly."""
    a, d = p.numerator, p.denominator
    b = d - a
    k = max(k, 0)
    if k > n:
        return Fraction(0)
    if b == 0:  # p = 1: every bit is an error
        return Fraction(1)
    # integer arithmetic: Σ_j C(n, j) a^j b^(n−j) / d^n, terms built incrementally
    term = math.comb(n, k) * a**k * b ** (n - k)
    total = term
    for j in range(k, n):
        if b == 0:
            break
        term = term * (n - j) * a // ((j + 1) * b)  # exact: C(n,j+1) a^(j+1) b^(n-j-1)
        total += term
    return Fraction(total, d**n)


def hypergeometric_upper_tail(total: int, errors: int, sample: int, k: int) -> Fraction:
    """P[X ≥ k] for the errors X in a uniformly random sample of ``sample``
    of ``total`` bits of which ``errors`` are wrong, exactly."""
    denom = math.comb(total, sample)
    return Fraction(
        sum(math.comb(errors, j) * math.comb(total - errors, sample - j) for j in range(max(k, 0), min(errors, sample) + 1)),
        denom,
    )


def abort_count(sample: int, threshold: Fraction) -> int:
    """The smallest error count in the sample that makes the protocol abort
    (estimate > threshold)."""
    return math.floor(threshold * sample) + 1


def abort_probability_exact(rounds: int, sift_probability: Any, qber: Any, sample_fraction: Any, threshold: Any) -> Fraction:
    """The same as :func:`abort_probability` in exact rational arithmetic
    (for small ``rounds``; O(rounds²) terms)."""
    check_rounds, as_fraction, check_threshold = _parameter_checks()
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


# -- double precision (Loader's binomial terms) -----------------------------------


def _lgamma(x: np.ndarray) -> np.ndarray:
    return np.vectorize(math.lgamma, otypes=[float])(x)


#: Stirling-series error δ(n) = ln n! − (n + ½) ln n + n − ½ ln 2π for n = 0 … 15
#: (from lgamma, exact to rounding there; δ(0) is taken as 0, unused).
_STIRLERR = np.array(
    [0.0] + [math.lgamma(n + 1) - (n + 0.5) * math.log(n) + n - 0.5 * math.log(2 * math.pi) for n in range(1, 16)]
)


def _stirlerr(n: np.ndarray) -> np.ndarray:
    """δ(n) for integer n ≥ 0, elementwise: a table up to 15, then the
    Stirling series 1/12n − 1/360n³ + 1/1260n⁵ − 1/1680n⁷ + 1/1188n⁹
    (Loader 2000), whose next term is below 1e-17 there."""
    n = np.asarray(n, dtype=np.float64)
    small = n <= 15
    big = np.maximum(n, 16.0) if small.any() else n
    nn = big * big
    series = (1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - (1 / 1188) / nn) / nn) / nn) / nn) / big
    if not small.any():
        return series
    return np.where(small, _STIRLERR[np.clip(n, 0, 15).astype(np.int64)], series)


def _bd0(x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """x ln(x/m) + m − x without cancellation (Loader 2000): where x is
    close to m, the series 2x Σ_{j≥1} v^(2j+1)/(2j+1) + (x − m)v with
    v = (x − m)/(x + m), summed until v^(2j) < 2^-56 (|v| < 0.1 there)."""
    x = np.asarray(x, dtype=np.float64)
    m = np.asarray(m, dtype=np.float64)
    diff = x - m
    close = np.abs(diff) < 0.1 * (x + m)
    out = np.empty(np.broadcast(x, m).shape)
    if not close.all():
        far = ~close
        xf, mf = np.broadcast_to(x, out.shape)[far], np.broadcast_to(m, out.shape)[far]
        with np.errstate(divide="ignore", invalid="ignore"):
            out[far] = np.where(xf > 0, xf * np.log(np.where(xf > 0, xf, 1.0) / mf), 0.0) + mf - xf
    if close.any():
        xc, dc = np.broadcast_to(x, out.shape)[close], np.broadcast_to(diff, out.shape)[close]
        v = dc / (xc + np.broadcast_to(m, out.shape)[close])
        v2 = v * v
        vmax = float(np.max(v2)) if v2.size else 0.0
        terms = 1 if vmax == 0 else max(1, min(40, math.ceil(-56 * math.log(2) / math.log(vmax)) if vmax < 1 else 40))
        total = dc * v
        ej = 2 * xc * v
        for j in range(1, terms + 1):
            ej = ej * v2
            total = total + ej / (2 * j + 1)
        out[close] = total
    return out


def _log_binom_pmf(k: np.ndarray, n: int, p: float, n_array: np.ndarray | None = None) -> np.ndarray:
    """log P(Bin(n, p) = k), elementwise; ``n_array`` gives one n per k.

    Loader's saddle-point form (C. Loader, "Fast and accurate computation
    of binomial probabilities", 2000): δ(n) − δ(k) − δ(n − k) − bd0(k, np)
    − bd0(n − k, n(1 − p)) + ½ ln(n / 2πk(n − k)).  Every term is small, so
    the result keeps nearly full relative precision even at n ~ 10⁹, where
    ln n! − ln k! − ln(n − k)! would lose seven digits to cancellation."""
    k = np.asarray(k, dtype=np.float64)
    nv = np.full(k.shape, float(n)) if n_array is None else np.asarray(n_array, dtype=np.float64)
    if p == 0:
        return np.where(k == 0, 0.0, -np.inf)
    if p == 1:
        return np.where(k == nv, 0.0, -np.inf)
    inner = (k > 0) & (k < nv)
    kk = np.where(inner, k, 1.0)
    nn = np.where(inner, nv, 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        body = (
            _stirlerr(nn)
            - _stirlerr(kk)
            - _stirlerr(nn - kk)
            - _bd0(kk, nn * p)
            - _bd0(nn - kk, nn * (1 - p))
            + 0.5 * np.log(nn / (2 * math.pi * kk * (nn - kk)))
        )
        edge = np.where(k == 0, nv * math.log1p(-p), nv * math.log(p))
    out = np.where(inner, body, edge)
    return np.where((k < 0) | (k > nv), -np.inf, out)


def _log_binom_pmf_run(lo: int, hi: int, n: int, p: float) -> np.ndarray:
    """log P(Bin(n, p) = k) for k = lo … hi: Loader's form at the mode (or
    the nearest end), then the exact ratio P(k+1)/P(k) = (n − k)p / (k + 1)(1 − p)
    written as log1p((np − (1 − p) − k) / ((k + 1)(1 − p))), whose terms are
    small near the mode, so the running sums keep their precision."""
    if lo == hi or p in (0.0, 1.0) or hi - lo < 64:
        return _log_binom_pmf(np.arange(lo, hi + 1), n, p)
    anchor = min(max(int(n * p), lo), hi)
    k = np.arange(lo, hi, dtype=np.float64)  # steps k → k + 1
    step = np.log1p((n * p - (1 - p) - k) / ((k + 1) * (1 - p)))
    base = float(_log_binom_pmf(np.array([anchor]), n, p)[0])
    out = np.empty(hi - lo + 1)
    i = anchor - lo
    out[i] = base
    out[i + 1 :] = base + np.cumsum(step[i:])
    out[:i] = base - np.cumsum(step[:i][::-1])[::-1]
    return out


def _log_pmf_path(n: np.ndarray, k: np.ndarray, q: float) -> np.ndarray:
    """log P(Bin(n_i, q) = k_i) along a path with n_{i+1} = n_i + 1 and
    k_{i+1} − k_i ∈ {0, 1} (k_i = ⌊n_i t⌋ for t ≤ 1): Loader's form at the
    start, then the exact ratios (n+1)(1 − q)/(n+1−k) (same k) and
    (n+1)q/(k+1) (k + 1), each a product of doubles (relative error
    ~1e-16), summed as logs."""
    delta = np.diff(k)
    if n.size < 64 or q in (0.0, 1.0) or k[0] < 0 or k[0] > n[0] or np.any((delta < 0) | (delta > 1)):
        return _log_binom_pmf(k, 0, q, n)
    nf, kf = n[:-1].astype(np.float64), k[:-1].astype(np.float64)
    up = delta.astype(bool)
    num = (nf + 1) * np.where(up, q, 1 - q)
    den = np.where(up, kf + 1, nf + 1 - kf)
    out = np.empty(n.size)
    out[0] = float(_log_binom_pmf(k[:1], 0, q, n[:1])[0])
    np.cumsum(np.log(num / den), out=out[1:])
    out[1:] += out[0]
    return out


#: Mass of a binomial law allowed outside the summation window on the fast
#: path (Bernstein's inequality bounds it): 1e-20.
_WINDOW_MASS = 1e-20


def _window(n: int, p: float, mass: float | None) -> tuple[int, int]:
    """[lo, hi] holding all of Bin(n, p) but ``mass`` (by Bernstein's
    inequality P(|X − np| ≥ a) ≤ 2 exp(−a² / 2(σ² + a/3))), or, for
    ``mass=None``, ±40 standard deviations and 10 more terms.  What that
    leaves out is absolute, not relative: Bernstein bounds it below 1e-300
    only once σ ≳ 85; for a skewed law with small σ it can be ~1e-41 (the
    worst on the grid n ≤ 10⁵ of ``tests/test_abort_statistics_module.py``),
    far below the ~1e-12 absolute accuracy of :func:`abort_probability`."""
    mu, var = n * p, n * p * (1 - p)
    if mass is None:
        a = 40 * math.sqrt(var)
    else:
        lm = math.log(2 / mass)
        a = lm / 3 + math.sqrt((lm / 3) ** 2 + 2 * var * lm)  # solves a² = 2 lm (σ² + a/3)
    return max(0, int(mu - a) - 10), min(n, int(mu + a) + 10)


def binomial_survival(n: int, k: int, p: float, mass: float | None = None) -> float:
    """P(X > k) for X ~ Bin(n, p), summed over the support within ±40
    standard deviations of the mean (see :func:`_window`: a tail beyond it,
    e.g. P(Bin(300, 0.01) > 149) ≈ 2e-212, comes out as 0.0), or, given
    ``mass``, over a window leaving out at most that much (absolute)."""
    if k < 0:
        return 1.0
    if k >= n:
        return 0.0
    if p <= 0:
        return 0.0
    if p >= 1:
        return 1.0
    lo, hi = _window(n, p, mass)
    lo = max(k + 1, lo)
    if lo > hi:
        return 0.0 if k + 1 > n * p else 1.0
    return float(min(1.0, np.exp(_log_binom_pmf_run(lo, hi, n, p)).sum()))


def _tails_along(n0: int, count: int, num: int, den: int, q: float, mass: float | None = None) -> np.ndarray:
    """T(n) = P(Bin(n, q) > ⌊n·num/den⌋) for n = n0 … n0+count−1, by the
    exact recursion Bin(n+1) = Bin(n) + Bernoulli(q):
    same cut k: T(n+1) = T(n) + q·P(X_n = k);
    cut k+1:   T(n+1) = T(n) − (1 − q)·P(X_n = k + 1)."""
    n = np.arange(n0, n0 + count, dtype=np.int64)
    k = (n * num) // den
    t0 = binomial_survival(int(n[0]), int(k[0]), q, mass)
    if count == 1:
        return np.array([t0])
    nn, kk = n[:-1], k[:-1]
    step_up = k[1:] > kk
    if num <= den:  # the cut moves by 0 or 1: one running sum along it, P(k + 1) from P(k)
        at_k = _log_pmf_path(nn, kk, q)
        with np.errstate(divide="ignore"):  # n = k: P(X_n = k + 1) = 0
            above = at_k + np.log((nn - kk) / (kk + 1.0) * (q / (1 - q)))
        pmf = np.exp(np.where(step_up, above, at_k))
    else:
        pmf = np.exp(_log_binom_pmf(np.where(step_up, kk + 1, kk), 0, q, nn))
    inc = np.where(step_up, -(1 - q) * pmf, q * pmf)
    return np.clip(np.concatenate(([t0], t0 + np.cumsum(inc))), 0.0, 1.0)


def abort_probability(rounds: int, sift_probability: Any, qber: Any, sample_fraction: Any, threshold: Any) -> float:
    """P(abort) after ``rounds`` rounds: n ~ Bin(rounds, sift·s) disclosed
    bits, e | n ~ Bin(n, qber) errors; abort when n = 0 or e/n > threshold.

    Summed in double precision over the n that carry all but 1e-20 of the
    binomial mass (Bernstein's inequality), with binomial probabilities in
    Loader's saddle-point form and the conditional tails from the exact
    recursion in :func:`_tails_along`; where Chernoff's bound puts every
    conditional tail within 1e-18 of 1 (or below 1e-300) it is taken as
    that.  Rounding limits the absolute accuracy to about 1e-12: a value
    below that is an absolute bound, not a relative figure (the tails'
    recursion subtracts).  :func:`abort_probability_exact` is the rational
    reference for small N."""
    check_rounds, as_fraction, check_threshold = _parameter_checks()
    rounds = check_rounds(rounds)
    s = as_fraction("sample_fraction", sample_fraction)
    t = check_threshold(threshold)
    pi = (
        float(as_fraction("sift_probability", sift_probability) * s)
        if not isinstance(sift_probability, float)
        else sift_probability * float(s)
    )
    q = float(qber)
    if pi == 0:
        return 1.0
    return _abort_sum(rounds, pi, q, t, _WINDOW_MASS)


def _abort_sum(rounds: int, pi: float, q: float, t: Fraction, mass: float | None) -> float:
    lo, hi = _window(rounds, pi, mass)
    n = np.arange(lo, hi + 1)
    w = np.exp(_log_binom_pmf_run(lo, hi, rounds, pi))
    # Far from the threshold the conditional tail is 0 or 1 to within what a
    # double holds, for every n ≥ max(lo, 1) (Chernoff: P(Bin(n, q) ≤ nt) ≤
    # exp(−n D(t‖q)) when q > t, P(Bin(n, q) > ⌊nt⌋) ≤ exp(−n D(t‖q)) when q < t).
    tf = float(t)
    if 0 < q < 1 and 0 < tf and q != tf:
        bound = math.exp(-max(lo, 1) * (tf * math.log(tf / q) + (1 - tf) * math.log((1 - tf) / (1 - q))))
        if (q > tf and bound < 1e-18) or (q < tf and bound < 1e-300):
            tail = np.full(n.shape, 1.0 if q > tf else 0.0)
            tail[n == 0] = 1.0
            return float(min(1.0, np.sum(w * tail)))
    tail = _tails_along(lo, hi - lo + 1, t.numerator, t.denominator, q, mass)
    tail = np.where(n == 0, 1.0, tail)
    return float(min(1.0, np.sum(w * tail)))


def abort_probability_given_sifted(sifted: int, errors: int, sample: int, threshold: Any) -> float:
    """P(abort) when ``sample`` of ``sifted`` bits, ``errors`` of them wrong,
    are disclosed without replacement: e ~ Hypergeometric(sifted, errors,
    sample); abort when e/sample > threshold."""
    if not (0 <= errors <= sifted and 0 < sample <= sifted):
        raise ParameterError(f"need 0 ≤ errors={errors} ≤ sifted={sifted} and 0 < sample={sample} ≤ sifted")
    check_threshold = _parameter_checks()[2]
    t = check_threshold(threshold)
    k = (sample * t.numerator) // t.denominator
    e = np.arange(max(k + 1, sample - (sifted - errors)), min(sample, errors) + 1)
    if e.size == 0:
        return 0.0
    logp = (
        _lgamma(np.full(e.shape, errors + 1))
        - _lgamma(e + 1)
        - _lgamma(errors - e + 1)
        + _lgamma(np.full(e.shape, sifted - errors + 1))
        - _lgamma(sample - e + 1)
        - _lgamma(sifted - errors - sample + e + 1)
        - (math.lgamma(sifted + 1) - math.lgamma(sample + 1) - math.lgamma(sifted - sample + 1))
    )
    return float(min(1.0, np.exp(logp).sum()))


def abort_probability_per_basis(
    rounds: int, sift_by_basis: dict[str, Any], qber_by_basis: dict[str, Any], sample_fraction: Any, threshold: Any
) -> dict[str, Any]:
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


# -- log space (relative accuracy, far below the smallest double) ------------------


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
    return _log_tail_by_ratios(
        _log_binom_ref(n, start, p), start, lo, hi, lambda j: (n - j) / (j + 1) * odds, lambda j: j / (n - j + 1) / odds
    )


def _log_tail_by_ratios(
    ref: float, start: int, lo: int, hi: int, up: Callable[[int], float], down: Callable[[int], float]
) -> float:
    """ref + ln Σ_{j=lo}^{hi} t_j / t_start for a log-concave law whose
    largest term in range is t_start (ln t_start = ``ref``, computed at DPS
    digits by the caller): the other terms by their exact ratios
    up(j) = t_{j+1}/t_j and down(j) = t_{j−1}/t_j in double precision,
    outward until a term is below 1e-18 of the sum (past the mode the
    ratios only fall)."""
    total, term, j = 1.0, 1.0, start
    while j < hi:
        term *= up(j)
        j += 1
        total += term
        if term < 1e-18 * total:
            break
    term, j = 1.0, start
    while j > lo:
        term *= down(j)
        j -= 1
        total += term
        if term < 1e-18 * total:
            break
    return min(0.0, ref + math.log(total))  # a probability: rounding must not lift it above 1


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
    return _from_ln(_hypergeometric_log_tail(total, errors, sample, lo, hi))


def _hypergeometric_log_tail(total: int, errors: int, sample: int, lo: int, hi: int) -> float:
    """ln Σ_{j=lo}^{hi} C(errors, j) C(total−errors, sample−j) / C(total, sample):
    as :func:`_binomial_log_tail` does for the binomial, the largest term in
    range (the mode ⌊(sample+1)(errors+1)/(total+2)⌋, clamped) at DPS digits,
    the others by the exact term ratios
    h(j+1)/h(j) = (errors−j)(sample−j) / ((j+1)(total−errors−sample+j+1))
    in double precision, outward until a term is below 1e-18 of the sum (the
    law is log-concave: past the mode the ratios only fall)."""
    mode = ((sample + 1) * (errors + 1)) // (total + 2)
    start = min(max(mode, lo), hi)
    rest = total - errors - sample  # the ratio's (total−errors−sample+j+1) is rest + j + 1
    return _log_tail_by_ratios(
        _log_hyper_term(total, errors, sample, start),
        start,
        lo,
        hi,
        lambda j: (errors - j) * (sample - j) / ((j + 1) * (rest + j + 1)),
        lambda j: j * (rest + j) / ((errors - j + 1) * (sample - j + 1)),
    )


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
    errors exceed threshold·n or when n = 0 — the rule of :func:`abort_probability`
    and of the simulator (an earlier version let n = 0 pass, so the two
    disagreed by (1 − sift·s)^rounds).  Summed over n in log space.

    This is what ``qproto analyze --rounds N`` should report (item 18 of
    issue 10): e.g. BB84 under ``intercept-resend:fraction=0.272`` with
    N = 282218 gives P(abort) ≈ 9.72e-75."""
    if outcome not in ("abort", "accept"):
        raise ValueError("outcome must be 'abort' or 'accept'")
    pn = Fraction(sift) * Fraction(sample_fraction)
    t = Fraction(threshold)
    if pn <= 0:  # no sample bit ever: always aborts
        return LogTail(0.0, "1") if outcome == "abort" else LogTail(-math.inf, "0")

    def log_inner(n: int) -> float:
        k = math.floor(t * n)
        if n == 0:  # nothing disclosed, nothing estimated: abort
            tail = LogTail(0.0, "1") if outcome == "abort" else LogTail(-math.inf, "0")
        elif outcome == "abort":
            tail = binomial_tail(n, qber, k + 1)
        else:
            tail = binomial_tail(n, qber, k, upper=False)
        return tail.log10 * math.log(10) if tail.log10 > -math.inf else -1e300

    if pn >= 1:  # every sifted bit disclosed: n = rounds surely
        return _from_ln(log_inner(rounds))
    mode = min(max(int((rounds + 1) * pn), 1), rounds)
    # n = 0 (an abort) is added on its own: its term need not continue the
    # log-concave run of the others, which the outward summation relies on
    ln = _log_sum(lambda n: _log_binom_ref(rounds, n, pn) + log_inner(n), 1, rounds, mode)
    if outcome == "abort":
        ln0 = _log_binom_ref(rounds, 0, pn)
        top = max(ln, ln0)
        ln = top + math.log(math.exp(ln - top) + math.exp(ln0 - top))
    return _from_ln(ln)


__all__ = [
    # exact
    "binomial_upper_tail",
    "hypergeometric_upper_tail",
    "abort_count",
    "abort_probability_exact",
    # double precision
    "binomial_survival",
    "abort_probability",
    "abort_probability_given_sifted",
    "abort_probability_per_basis",
    # log space
    "DPS",
    "RELATIVE_ACCURACY",
    "LogTail",
    "binomial_tail",
    "hypergeometric_tail",
    "estimate_outcome_probability",
]
