"""Finite-key ε-secure key length of BB84 (Tomamichel, Lim, Gisin, Renner 2012).

Tomamichel, Lim, Gisin & Renner, "Tight finite-key analysis for quantum
cryptography", Nat. Commun. 3, 634 (2012), doi:10.1038/ncomms1631 (arXiv:1103.4130),
Eq. (2): the asymmetric BB84 protocol that keeps ``n`` bits measured in the
key basis and ``k`` bits measured in the other basis for parameter
estimation is ε_sec-secret and ε_cor-correct (so ε-secure with
ε = ε_sec + ε_cor) against general (coherent) attacks if

    ℓ ≤ n [q − h(Q + μ)] − leak_EC − log₂(2 / (ε_sec² ε_cor)),
    μ = √( (n + k)/(n k) · (k + 1)/k · ln(2/ε_sec) ),

with q = 1 for qubit BB84 states (the preparation quality), Q the tolerated
error rate of the test basis and h the binary entropy.  The statistical
term μ comes from Serfling's bound for sampling without replacement
(Supplementary Note 2 of the paper).  Conventions here:

- ``leak_EC = f · n · h(Q)`` with efficiency f (the paper's numerical
  section says ξ n h(Q_tol) with ξ = 1.1, but its Table II n = 10⁶ rows
  reproduce only with h of the expected error rate Q, 44.0 % instead of
  47.8 % at Q_tol; :func:`key_length` takes ``ec_qber`` for that);
- h is evaluated at min(Q + μ, 1/2): the max-entropy of n bits never
  exceeds n (the bound then certifies no key);
- N ``signals`` are the detected signals (the paper's numerics ignore loss:
  "key length per detected signal"); both parties pick the key basis with
  probability p_x, so n = ⌊p_x² N⌋ and k = ⌊(1 − p_x)² N⌋ — the paper's
  choice p_x = 1/(1 + √(k/n)) is exactly the one that gives these counts;
- the key length is **not clipped**: ℓ ≤ 0 means the bound certifies no
  key (:attr:`FiniteKeyResult.positive`).

The arXiv text of the paper (1103.4130, read from a stored copy) writes
ln(4/ε_sec) in μ (its split ε = ε_sec/4 of the smoothing parameter); we
implement ln(2/ε_sec), the published Eq. (2) as this module was first
written from (not re-read since), which also fits Table II better: its two
n = 10⁶ rows come out 47.82 % and 35.72 % against the paper's 47.8 % and
35.7 % (ln(4/ε_sec): 47.64 %, 35.58 %).  Its n = 10⁴ and 10⁵ rows are not
reproduced by any reading of the text we tried (docs/keyrates.md, "Table
II"): the paper's numerics optimise a robustness ε_rob that the text does
not fully specify, and its ε_rob column is not the sampling tail of the k
its p_x column implies, so we do not claim those rows.

>>> r = finite_key_length(0.01, FiniteKeyParameters(signals=10**6, p_key_basis=0.9))
>>> (r.n_key, r.k_test, r.positive)
(810000, 10000, True)
>>> round(key_length(9_000, 1_000, 0.11).key_bits)  # the catalogue's sizes at its 11 % threshold
-3671
>>> round(tolerated_qber(10_000, p_key_basis=0.5), 4)  # symmetric BB84, 2 500 key and 2 500 test bits
0.0416
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from functools import partial
from typing import Any

from qproto.spec.errors import ParameterError
from qproto.spec.validation import check_count, check_real

REFERENCE = (
    "M. Tomamichel, C. C. W. Lim, N. Gisin, R. Renner, Tight finite-key analysis for quantum cryptography, "
    "Nat. Commun. 3, 634 (2012), doi:10.1038/ncomms1631, Eq. (2)"
)
REGIME = (
    "finite key (ε-secure, composable: ε = ε_sec + ε_cor); general (coherent) attacks; one-way error correction "
    "leaking f·n·h(Q) bits plus a ⌈log₂(1/ε_cor)⌉-bit hash; trusted qubit source (q = 1), basis-independent "
    "detection; single photons, no loss (rates per detected signal)"
)

#: Defaults: ε_sec = 1e-10 as in the paper's Fig. 2 (there ε = 1e-10 overall);
#: ε_cor = 1e-15; f = 1.1 as the paper's ξ.
DEFAULT_EPSILON_SEC = 1e-10
DEFAULT_EPSILON_COR = 1e-15
DEFAULT_EC_EFFICIENCY = 1.1


# the bounds here are open unless a call says otherwise (ε, p_x are never 0 or 1)
_real = partial(check_real, open_low=True, open_high=True)
_count = check_count


def _security(epsilon_sec: Any, epsilon_cor: Any, ec_efficiency: Any) -> tuple[float, float, float]:
    return (
        _real("epsilon_sec", epsilon_sec, 0.0, 1.0),
        _real("epsilon_cor", epsilon_cor, 0.0, 1.0),
        _real("ec_efficiency", ec_efficiency, 1.0, math.inf, open_low=False),
    )


def _qber(value: Any, name: str = "qber") -> float:
    return _real(name, value, 0.0, 0.5, open_low=False, open_high=False)


def binary_entropy(x: float) -> float:
    """h(x) in bits, with h(0) = h(1) = 0."""
    if x <= 0.0 or x >= 1.0:
        return 0.0
    return -x * math.log2(x) - (1.0 - x) * math.log2(1.0 - x)


@dataclass(frozen=True)
class FiniteKeyParameters:
    """A finite BB84 run: N detected signals, key-basis probability p_x and
    the security budget.

    Args:
        signals: N, detected signals (both bases, before sifting).
        p_key_basis: p_x, the probability with which each party picks the key
            basis; the test basis has 1 − p_x.  1/2 is symmetric BB84.
        epsilon_sec: secrecy ε_sec.  Defaults to 1e-10.
        epsilon_cor: correctness ε_cor.  Defaults to 1e-15.
        ec_efficiency: f ≥ 1, error correction leaks f·n·h(Q).  Defaults to
            1.1 (the paper's ξ).
    """

    signals: int
    p_key_basis: float
    epsilon_sec: float = DEFAULT_EPSILON_SEC
    epsilon_cor: float = DEFAULT_EPSILON_COR
    ec_efficiency: float = DEFAULT_EC_EFFICIENCY

    def __post_init__(self) -> None:
        _count("signals", self.signals)
        _real("p_key_basis", self.p_key_basis, 0.0, 1.0)
        _security(self.epsilon_sec, self.epsilon_cor, self.ec_efficiency)

    @property
    def n_key(self) -> int:
        """⌊p_x² N⌋: rounds where both chose the key basis."""
        return _basis_rounds(self.p_key_basis, self.signals)

    @property
    def k_test(self) -> int:
        """⌊(1 − p_x)² N⌋: rounds where both chose the test basis."""
        return _basis_rounds(1 - _exact(self.p_key_basis), self.signals)


def _exact(p: Any) -> Fraction:
    """p as an exact fraction: a float is read as the decimal it prints as
    (0.9 → 9/10), so that ⌊(1 − 0.9)² · 10⁶⌋ is 10 000, not 9 999."""
    return Fraction(p) if isinstance(p, numbers.Rational) else Fraction(repr(float(p)))


def _basis_rounds(p: Any, signals: int) -> int:
    return math.floor(_exact(p) ** 2 * signals)


@dataclass(frozen=True)
class FiniteKeyResult:
    """The ε-secure key length ℓ of Eq. (2) and its terms.  ``key_bits`` is
    not clipped: ℓ ≤ 0 means no key is certified (``positive`` is False)."""

    key_bits: float
    rate_per_signal: float
    n_key: int
    k_test: int
    mu: float
    qber: float
    signals: int
    p_key_basis: float | None
    terms: dict[str, float] = field(default_factory=dict)
    reference: str = REFERENCE
    regime: str = REGIME

    @property
    def positive(self) -> bool:
        """True when the bound certifies at least one secret bit (ℓ ≥ 1 is
        not required: any ℓ > 0 rounds down to ⌊ℓ⌋ bits)."""
        return self.key_bits > 0

    def to_json(self) -> dict[str, Any]:
        return {
            "key_bits": self.key_bits,
            "rate_per_signal": self.rate_per_signal,
            "positive": self.positive,
            "n_key": self.n_key,
            "k_test": self.k_test,
            "mu": self.mu if math.isfinite(self.mu) else None,
            "qber": self.qber,
            "signals": self.signals,
            "p_key_basis": self.p_key_basis,
            "terms": dict(self.terms),
            "reference": self.reference,
            "regime": self.regime,
        }


def statistical_deviation(n_key: int, k_test: int, epsilon_sec: float) -> float:
    """μ = √((n + k)/(n k) · (k + 1)/k · ln(2/ε_sec)); ∞ when n or k is 0."""
    if n_key <= 0 or k_test <= 0:
        return math.inf
    n, k = float(n_key), float(k_test)
    return math.sqrt((n + k) / (n * k) * (k + 1.0) / k * math.log(2.0 / epsilon_sec))


def key_length(
    n_key: int,
    k_test: int,
    qber: float,
    *,
    epsilon_sec: float = DEFAULT_EPSILON_SEC,
    epsilon_cor: float = DEFAULT_EPSILON_COR,
    ec_efficiency: float = DEFAULT_EC_EFFICIENCY,
    ec_qber: float | None = None,
    signals: int | None = None,
    preparation_quality: float = 1.0,
) -> FiniteKeyResult:
    """Eq. (2) of Tomamichel et al. 2012 for ``n_key`` key bits and ``k_test``
    test bits at tolerated error rate ``qber``.

    Args:
        ec_qber: the error rate error correction is sized for (leak =
            f·n·h(ec_qber)).  Defaults to ``qber``.
        signals: the N to divide by for ``rate_per_signal``.  Defaults to
            n + k (the sifted key size of the paper's Fig. 2).
        preparation_quality: q = −log₂ max |⟨ψ_x|ψ_z⟩|² over the states of
            the two bases, in (0, 1].  Defaults to 1 (BB84's conjugate bases).
    """
    n = _count("n_key", n_key, 0)
    k = _count("k_test", k_test, 0)
    q = _qber(qber)
    q_ec = q if ec_qber is None else _qber(ec_qber, "ec_qber")
    es, ec, f = _security(epsilon_sec, epsilon_cor, ec_efficiency)
    quality = _real("preparation_quality", preparation_quality, 0.0, 1.0, open_high=False)
    total = n + k if signals is None else _count("signals", signals)
    mu = statistical_deviation(n, k, es)
    smooth_max_entropy = n * binary_entropy(min(q + mu, 0.5))  # H_max ≤ n h(Q + μ), never above n
    leak = f * n * binary_entropy(q_ec)
    security = 2.0 * math.log2(1.0 / es) + math.log2(2.0 / ec)  # log₂(2/(ε_sec² ε_cor)), without overflow
    ell = n * quality - smooth_max_entropy - leak - security
    return FiniteKeyResult(
        key_bits=ell,
        rate_per_signal=ell / total if total else 0.0,
        n_key=n,
        k_test=k,
        mu=mu,
        qber=q,
        signals=total,
        p_key_basis=None,
        terms={
            "n_q": n * quality,
            "n_h_q_plus_mu": smooth_max_entropy,
            "leak_ec": leak,
            "log2_2_over_eps_sec2_eps_cor": security,
            "epsilon_sec": es,
            "epsilon_cor": ec,
            "ec_efficiency": f,
            "ec_qber": q_ec,
        },
    )


def finite_key_length(qber: float, params: FiniteKeyParameters) -> FiniteKeyResult:
    """The key length for N = ``params.signals`` detected signals, key basis
    chosen with probability p_x: n = ⌊p_x² N⌋, k = ⌊(1 − p_x)² N⌋;
    ``rate_per_signal`` is ℓ/N."""
    r = key_length(
        params.n_key,
        params.k_test,
        qber,
        epsilon_sec=params.epsilon_sec,
        epsilon_cor=params.epsilon_cor,
        ec_efficiency=params.ec_efficiency,
        signals=params.signals,
    )
    return _with_p(r, float(params.p_key_basis))


def _with_p(r: FiniteKeyResult, p: float) -> FiniteKeyResult:
    from dataclasses import replace

    return replace(r, p_key_basis=p)


def _length_at(qber: float, signals: int, p: float, es: float, ec: float, f: float) -> float:
    # float counts: this only ranks candidate p_x for the optimiser; results use the exact counts
    n = math.floor(p * p * signals)
    k = math.floor((1.0 - p) ** 2 * signals)
    mu = statistical_deviation(n, k, es)
    return (
        n
        - n * binary_entropy(min(qber + mu, 0.5))
        - f * n * binary_entropy(qber)
        - 2.0 * math.log2(1.0 / es)
        - math.log2(2.0 / ec)
    )


def optimal_p_key_basis(
    qber: float,
    signals: int,
    *,
    epsilon_sec: float = DEFAULT_EPSILON_SEC,
    epsilon_cor: float = DEFAULT_EPSILON_COR,
    ec_efficiency: float = DEFAULT_EC_EFFICIENCY,
) -> float:
    """The p_x ∈ (0, 1) maximising ℓ at N = ``signals``: a 400-point grid,
    then golden-section refinement around the best point (ℓ is unimodal in
    p_x up to the floors of n and k, so this is a numerical optimum, not a
    certified one)."""
    q = _qber(qber)
    n_sig = _count("signals", signals)
    es, ec, f = _security(epsilon_sec, epsilon_cor, ec_efficiency)
    grid = [(i + 0.5) / 400 for i in range(400)]
    best = max(grid, key=lambda p: _length_at(q, n_sig, p, es, ec, f))
    a, b = max(1e-9, best - 1 / 400), min(1 - 1e-9, best + 1 / 400)
    g = (math.sqrt(5) - 1) / 2
    c, d = b - g * (b - a), a + g * (b - a)
    for _ in range(60):
        if _length_at(q, n_sig, c, es, ec, f) >= _length_at(q, n_sig, d, es, ec, f):
            b, d = d, c
            c = b - g * (b - a)
        else:
            a, c = c, d
            d = a + g * (b - a)
    refined = (a + b) / 2
    return refined if _length_at(q, n_sig, refined, es, ec, f) >= _length_at(q, n_sig, best, es, ec, f) else best


def _best(qber: float, signals: int, p_key_basis: float | None, es: float, ec: float, f: float) -> FiniteKeyResult:
    p = (
        optimal_p_key_basis(qber, signals, epsilon_sec=es, epsilon_cor=ec, ec_efficiency=f)
        if p_key_basis is None
        else p_key_basis
    )
    return finite_key_length(
        qber, FiniteKeyParameters(signals=signals, p_key_basis=p, epsilon_sec=es, epsilon_cor=ec, ec_efficiency=f)
    )


def min_signals(
    qber: float,
    *,
    p_key_basis: float | None = None,
    epsilon_sec: float = DEFAULT_EPSILON_SEC,
    epsilon_cor: float = DEFAULT_EPSILON_COR,
    ec_efficiency: float = DEFAULT_EC_EFFICIENCY,
    max_signals: int = 10**15,
) -> int:
    """The smallest N with ℓ > 0 (p_x fixed, or optimised per N when None).

    Exact for the formula with fixed p_x: once ℓ(N) > 0, the bracket
    1 − h(Q + μ) − f h(Q) is positive and grows with N while n does not
    shrink, so positivity is monotone in N and bisection over the integers
    finds the threshold.  With p_x optimised the answer inherits the
    optimiser's precision.  Raises ParameterError when even ``max_signals``
    certifies no key (e.g. Q above the asymptotic zero of 1 − (1 + f) h(Q)).
    """
    q = _qber(qber)
    es, ec, f = _security(epsilon_sec, epsilon_cor, ec_efficiency)
    if p_key_basis is not None:
        _real("p_key_basis", p_key_basis, 0.0, 1.0)
    hi = _count("max_signals", max_signals)
    if not _best(q, hi, p_key_basis, es, ec, f).positive:
        raise ParameterError(f"qber={qber!r}: no positive key up to max_signals={hi} (ε_sec={es:g}, f={f:g})")
    lo = 1  # invariant: ℓ(lo) ≤ 0 < ℓ(hi)
    if _best(q, lo, p_key_basis, es, ec, f).positive:
        return lo
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _best(q, mid, p_key_basis, es, ec, f).positive:
            hi = mid
        else:
            lo = mid
    return hi


def tolerated_qber(
    signals: int,
    *,
    p_key_basis: float | None = None,
    epsilon_sec: float = DEFAULT_EPSILON_SEC,
    epsilon_cor: float = DEFAULT_EPSILON_COR,
    ec_efficiency: float = DEFAULT_EC_EFFICIENCY,
    precision: float = 1e-10,
) -> float:
    """The largest QBER with ℓ > 0 at N = ``signals`` (to ``precision``,
    rounded down, so ℓ > 0 at the returned value); ℓ decreases in Q, so
    bisection finds it.  NaN when no QBER gives a key (even Q = 0)."""
    n_sig = _count("signals", signals)
    es, ec, f = _security(epsilon_sec, epsilon_cor, ec_efficiency)
    if p_key_basis is not None:
        _real("p_key_basis", p_key_basis, 0.0, 1.0)
    return _largest_positive_qber(lambda q: _best(q, n_sig, p_key_basis, es, ec, f).positive, precision)


def _largest_positive_qber(positive: Callable[[float], bool], precision: float) -> float:
    """Bisection on [0, 1/2] for the last QBER with a positive key (ℓ falls
    as Q rises), rounded down to ``precision``; NaN when Q = 0 gives none."""
    if not positive(0.0):
        return math.nan
    lo, hi = 0.0, 0.5
    while hi - lo > precision:
        mid = (lo + hi) / 2
        if positive(mid):
            lo = mid
        else:
            hi = mid
    return lo


def tolerated_qber_at(
    n_key: int,
    k_test: int,
    *,
    epsilon_sec: float = DEFAULT_EPSILON_SEC,
    epsilon_cor: float = DEFAULT_EPSILON_COR,
    ec_efficiency: float = DEFAULT_EC_EFFICIENCY,
    precision: float = 1e-10,
) -> float:
    """The largest QBER with ℓ > 0 for ``n_key`` key and ``k_test`` test bits
    (to ``precision``, rounded down); NaN when even Q = 0 gives no key."""

    def positive(q: float) -> bool:
        return key_length(
            n_key, k_test, q, epsilon_sec=epsilon_sec, epsilon_cor=epsilon_cor, ec_efficiency=ec_efficiency
        ).positive

    return _largest_positive_qber(positive, precision)


def best_split(
    qber: float,
    sifted: int,
    *,
    epsilon_sec: float = DEFAULT_EPSILON_SEC,
    epsilon_cor: float = DEFAULT_EPSILON_COR,
    ec_efficiency: float = DEFAULT_EC_EFFICIENCY,
) -> FiniteKeyResult:
    """The key length for a sifted key of ``sifted`` = n + k bits, with the
    number k of test bits chosen to maximise ℓ: the paper's Fig. 2, which
    plots ℓ/N against the sifted size N = n + k (``rate_per_signal`` is then
    ℓ per sifted bit).  ℓ(k) is unimodal (μ falls and n falls as k grows),
    so a golden-section search over k followed by a scan of the integers
    around its optimum finds the best split."""
    q = _qber(qber)
    total = _count("sifted", sifted, 2)
    es, ec, f = _security(epsilon_sec, epsilon_cor, ec_efficiency)

    def ell(k: int) -> float:
        return key_length(total - k, k, q, epsilon_sec=es, epsilon_cor=ec, ec_efficiency=f).key_bits

    a, b = 1.0, float(total - 1)
    g = (math.sqrt(5) - 1) / 2
    for _ in range(200):
        if b - a < 3:
            break
        c, d = b - g * (b - a), a + g * (b - a)
        if ell(round(c)) >= ell(round(d)):
            b = d
        else:
            a = c
    best = max(range(max(1, math.floor(a) - 2), min(total - 1, math.ceil(b) + 2) + 1), key=ell)
    return key_length(total - best, best, q, epsilon_sec=es, epsilon_cor=ec, ec_efficiency=f)


def finite_key_curve(
    qber: float,
    signal_counts: Iterable[int],
    *,
    p_key_basis: float | None = None,
    epsilon_sec: float = DEFAULT_EPSILON_SEC,
    epsilon_cor: float = DEFAULT_EPSILON_COR,
    ec_efficiency: float = DEFAULT_EC_EFFICIENCY,
) -> list[FiniteKeyResult]:
    """ℓ against N (the paper's Fig. 1/2 style), with p_x optimised per N
    (as the paper optimises its protocol parameters) unless given."""
    q = _qber(qber)
    es, ec, f = _security(epsilon_sec, epsilon_cor, ec_efficiency)
    if p_key_basis is not None:
        _real("p_key_basis", p_key_basis, 0.0, 1.0)
    return [_best(q, _count("signals", n), p_key_basis, es, ec, f) for n in signal_counts]


def asymptotic_rate(qber: float, *, p_key_basis: float = 1.0, ec_efficiency: float = 1.0) -> float:
    """The N → ∞ limit of ℓ/N: p_x² [1 − h(Q) − f h(Q)] (μ → 0 and the
    ε terms vanish per signal); with p_x → 1 and f = 1 it is Shor–Preskill's
    1 − 2h(Q)."""
    h = binary_entropy(_qber(qber))
    return float(p_key_basis) ** 2 * (1.0 - h - float(ec_efficiency) * h)


__all__ = [
    "REFERENCE",
    "REGIME",
    "FiniteKeyParameters",
    "FiniteKeyResult",
    "binary_entropy",
    "statistical_deviation",
    "key_length",
    "finite_key_length",
    "optimal_p_key_basis",
    "min_signals",
    "tolerated_qber",
    "tolerated_qber_at",
    "best_split",
    "finite_key_curve",
    "asymptotic_rate",
]
