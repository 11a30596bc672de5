"""Asymptotic one-way key rates and the QBER where each reaches zero.

Each formula is a function of the QBER Q, written once as a SymPy
expression (so it can be printed, lambdified and evaluated to any precision
with mpmath).  The zero-rate threshold is found by bisection at 50 digits
and *certified*: the rate is evaluated with mpmath interval arithmetic (80 digits) on
a cover: r > 0 on [1e-40, 1e-4], r' < 0 on [1e-4, Q_hi], and r changes sign
between Q_lo = Q* − 1e-9 and Q_hi = Q* + 1e-9 — so r is positive on
[1e-40, Q_lo] and has exactly one zero below Q_hi, within 1e-9 of Q*.
(Below 1e-40 the formulas suffer cancellation at that precision; each tends
to 1 as Q → 0.)

Formulas (h is the binary entropy):

- ``shor-preskill``: r = 1 − 2h(Q) (BB84, BBM92; Shor & Preskill 2000);
- ``csiszar-korner-individual``: r = I(A:B) − I(A:E) with the optimal
  individual attack on BB84, I(A:E) = 1 − h(1/2 + √(Q(1−Q))) (Fuchs et al.
  1997), following Csiszár & Körner (1978): r = h(1/2 + √(Q(1−Q))) − h(Q);
- ``six-state-lo``: r = 1 + (3Q/2) log₂(Q/2) + (1 − 3Q/2) log₂(1 − 3Q/2)
  (Lo 2001);
- ``di-chsh-acin``: r = 1 − h(Q) − h((1 + √((S/2)² − 1))/2) with the CHSH
  value S = 2√2 (1 − 2Q) of a depolarized singlet (Acín et al. 2007).

>>> round(threshold("shor-preskill").value, 6)
0.110028
>>> threshold("shor-preskill").certified
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import mpmath
import sympy as sp

from qproto.spec.errors import UnknownNameError

Q = sp.Symbol("Q", positive=True)


def binary_entropy(x: Any) -> sp.Expr:
    """h(x) = −x log₂ x − (1−x) log₂(1−x)."""
    return -x * sp.log(x, 2) - (1 - x) * sp.log(1 - x, 2)


@dataclass(frozen=True)
class KeyRate:
    name: str
    expr: sp.Expr  # in Q
    text: str
    reference: str
    domain_high: sp.Expr = sp.Rational(1, 2)  # the formula is meaningful on [0, domain_high]
    #: the security regime the formula's reference proves it in (attack class,
    #: asymptotic or finite, post-processing, devices): what a rate claims
    regime: str = ""

    def __call__(self, qber: Any) -> Any:
        """The rate at ``qber`` (a float, an array, or an exact value)."""
        if isinstance(qber, sp.Basic):
            return self.expr.subs(Q, qber)
        return _numpy(self.name)(qber)


def _chsh_depolarized(q: Any) -> Any:
    return 2 * sp.sqrt(2) * (1 - 2 * q)


def _di_rate(q: Any) -> sp.Expr:
    s = _chsh_depolarized(q)
    return 1 - binary_entropy(q) - binary_entropy((1 + sp.sqrt((s / 2) ** 2 - 1)) / 2)


KEY_RATES: dict[str, KeyRate] = {
    k.name: k
    for k in (
        KeyRate(
            "shor-preskill",
            1 - 2 * binary_entropy(Q),
            "1 − 2h(Q)",
            "P. W. Shor, J. Preskill, Phys. Rev. Lett. 85, 441 (2000)",
            regime="asymptotic (infinite key); general (coherent) attacks; one-way post-processing; "
            "trusted qubit source and measurement, no side channels",
        ),
        KeyRate(
            "csiszar-korner-individual",
            binary_entropy(sp.Rational(1, 2) + sp.sqrt(Q * (1 - Q))) - binary_entropy(Q),
            "h(1/2 + √(Q(1−Q))) − h(Q)  [= 1 − h(Q) − I_E, optimal individual attack]",
            "I. Csiszár, J. Körner, IEEE Trans. Inf. Theory 24, 339 (1978); C. A. Fuchs et al., Phys. Rev. A 56, 1163 (1997)",
            regime="asymptotic; individual attacks only (Eve measures each probe separately); one-way post-processing; "
            "trusted devices",
        ),
        KeyRate(
            "six-state-lo",
            1 + 3 * Q / 2 * sp.log(Q / 2, 2) + (1 - 3 * Q / 2) * sp.log(1 - 3 * Q / 2, 2),
            "1 + (3Q/2) log₂(Q/2) + (1 − 3Q/2) log₂(1 − 3Q/2)",
            "H.-K. Lo, Quantum Inf. Comput. 1, 81 (2001), arXiv:quant-ph/0102138; zero at 12.619 % "
            "(G. Kato, K. Tamaki, arXiv:1008.4663; Sci. Rep. 6, 30044 (2016))",
            regime="asymptotic; general (coherent) attacks; one-way post-processing; trusted qubit devices",
        ),
        KeyRate(
            "di-chsh-acin",
            _di_rate(Q),
            "1 − h(Q) − h((1 + √((S/2)² − 1))/2), S = 2√2(1 − 2Q)",
            "A. Acín et al., Phys. Rev. Lett. 98, 230501 (2007)",
            domain_high=(1 - 1 / sp.sqrt(2)) / 2,  # S ≥ 2 needed for the square root
            regime="asymptotic; collective attacks; one-way post-processing; untrusted devices (device-independent); "
            "this form assumes S = 2√2(1 − 2Q) — with a measured S use di_rate",
        ),
    )
}


def di_rate(qber: float, chsh: float) -> float:
    """Acín et al.'s rate with a *measured* CHSH value S (not the one a
    depolarized singlet would give): 1 − h(Q) − h((1 + √((S/2)² − 1))/2),
    negative where no key can be distilled, and 0 when |S| ≤ 2 (no
    device-independent key at all)."""
    import math

    s = abs(chsh)
    if s <= 2:
        return 0.0

    def h(x: float) -> float:
        return 0.0 if x <= 0 or x >= 1 else -x * math.log2(x) - (1 - x) * math.log2(1 - x)

    # negative values are kept: a negative rate means no key, and hiding it as 0
    # would make an accepted-but-insecure point look marginal
    return 1 - h(qber) - h((1 + math.sqrt(min(1.0, (s / 2) ** 2 - 1))) / 2)


def per_basis_rate(e_bit: float, e_phase: float) -> float:
    """The BB84-style secret fraction with separate estimates per basis,
    1 − h(e_bit) − h(e_phase): e_bit is the key basis' error rate (what
    error correction pays) and e_phase the conjugate basis' (what privacy
    amplification removes).  Lo, Chau & Ardehali, J. Cryptology 18, 133
    (2005), doi:10.1007/s00145-004-0142-y.  With e_bit = e_phase = Q it is
    Shor–Preskill's 1 − 2h(Q).  Not clipped at 0."""
    import math

    def h(x: float) -> float:
        return 0.0 if x <= 0 or x >= 1 else -x * math.log2(x) - (1 - x) * math.log2(1 - x)

    return 1 - h(float(e_bit)) - h(float(e_phase))


PER_BASIS_TEXT = "1 − h(e_bit) − h(e_phase)  [e_bit: key basis, e_phase: the other basis; Lo–Chau–Ardehali 2005]"
PER_BASIS_REFERENCE = "H.-K. Lo, H. F. Chau, M. Ardehali, J. Cryptology 18, 133 (2005), doi:10.1007/s00145-004-0142-y"


def key_rate(name: str) -> KeyRate:
    if name not in KEY_RATES:
        raise UnknownNameError(f"unknown key-rate formula {name!r}; known: {', '.join(KEY_RATES)}")
    return KEY_RATES[name]


@cache
def _numpy(name: str) -> Callable[[Any], Any]:
    import numpy as np

    f = sp.lambdify(Q, KEY_RATES[name].expr, "numpy")

    def rate(q: Any) -> Any:
        arr = np.asarray(q, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.asarray(f(np.clip(arr, 1e-300, None)), dtype=float)
        out = np.where(arr == 0, 1.0, out)  # every formula is 1 at Q = 0 (limit)
        return float(out) if out.ndim == 0 else out

    return rate


def _mp(name: str, dps: int = 50) -> Callable[[Any], Any]:
    return sp.lambdify(Q, KEY_RATES[name].expr, "mpmath")


@dataclass(frozen=True)
class Threshold:
    """Where a key rate reaches zero, and the certificate."""

    name: str
    value: float
    low: float
    high: float
    certified: bool
    reason: str
    pieces: int


def threshold(name: str, precision: float = 1e-9) -> Threshold:
    """The zero of the rate on (0, domain_high], to ``precision``, with the
    interval-arithmetic certificate described in the module docstring."""
    return _threshold(name, precision)


@cache
def _threshold(name: str, precision: float) -> Threshold:
    kr = key_rate(name)
    f = _mp(name)
    with mpmath.workdps(60):
        hi_dom = mpmath.mpf(str(sp.N(kr.domain_high, 60)))
        lo, hi = mpmath.mpf("1e-30"), hi_dom * (1 - mpmath.mpf("1e-12"))
        if not (f(lo) > 0 and f(hi) < 0):
            return Threshold(name, float("nan"), 0, 0, False, "the rate does not change sign on the domain", 0)
        while hi - lo > mpmath.mpf(precision) / 1000:
            mid = (lo + hi) / 2
            if f(mid) > 0:
                lo = mid
            else:
                hi = mid
        q_star = (lo + hi) / 2
    q_lo = float(q_star) - precision
    q_hi = float(q_star) + precision
    ok, reason, pieces = _certify(name, q_lo, q_hi)
    return Threshold(name, float(q_star), q_lo, q_hi, ok, reason, pieces)


def _certify(name: str, q_lo: float, q_hi: float) -> tuple[bool, str, int]:
    """Interval arithmetic: r(q_lo) > 0 > r(q_hi) and r' < 0 on [0, q_hi]."""
    expr = KEY_RATES[name].expr
    deriv = sp.diff(expr, Q)
    iv = mpmath.iv
    _IV_NAMESPACE = _iv_namespace()
    try:
        r = sp.lambdify(Q, expr, modules=[_IV_NAMESPACE, "mpmath"])
        dr = sp.lambdify(Q, deriv, modules=[_IV_NAMESPACE, "mpmath"])
    except Exception as exc:  # pragma: no cover - lambdify failure is a reason, not a pass
        return False, f"cannot build interval form: {exc}", 0
    iv.dps = 80
    a, b = iv.mpf(q_lo), iv.mpf(q_hi)
    if not (r(a).a > 0 and r(b).b < 0):
        return False, f"interval evaluation does not separate signs at {q_lo} and {q_hi}", 0
    # r > 0 on [1e-300, EPS] (r is near 1 there), then r' < 0 on [EPS, q_hi]
    eps = mpmath.mpf("1e-4")
    pieces = 0
    for fn, lo0, hi0, what in ((r, mpmath.mpf("1e-40"), eps, "r > 0"), (dr, eps, mpmath.mpf(q_hi), "r' < 0")):
        stack = [(lo0, hi0)]
        while stack:
            lo, hi = stack.pop()
            pieces += 1
            if pieces > 20000:
                return False, f"{what} not certified within 20000 pieces", pieces
            val = fn(iv.mpf([lo, hi]))
            if (val.a > 0) if what == "r > 0" else (val.b < 0):
                continue
            if hi - lo < mpmath.mpf("1e-15"):
                return False, f"{what} not certified near Q={float(lo):.3g}", pieces
            mid = mpmath.sqrt(lo * hi) if hi > 4 * lo else (lo + hi) / 2  # geometric splits reach Q → 0 fast
            stack += [(lo, mid), (mid, hi)]
    return (
        True,
        (
            f"mpmath interval arithmetic on {pieces} pieces: r > 0 on [1e-40, 1e-4], r' < 0 on [1e-4, {q_hi:.12g}], "
            f"r({q_lo:.12g}) > 0 > r({q_hi:.12g}); so r > 0 on [1e-40, {q_lo:.12g}] and its one zero below {q_hi:.12g} lies between"
        ),
        pieces,
    )


def _iv_namespace() -> dict[str, Any]:
    iv = mpmath.iv
    return {"log": _ivlog, "sqrt": iv.sqrt, "mpf": iv.mpf, "exp": iv.exp}


def _ivlog(x: Any, base: Any = None) -> Any:
    iv = mpmath.iv
    if base is None:
        return iv.log(x)
    return iv.log(x) / iv.log(iv.mpf(base))


__all__ = [
    "Q",
    "di_rate",
    "per_basis_rate",
    "PER_BASIS_TEXT",
    "PER_BASIS_REFERENCE",
    "binary_entropy",
    "KeyRate",
    "KEY_RATES",
    "key_rate",
    "threshold",
    "Threshold",
]
