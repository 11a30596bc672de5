"""Key-rate formulas and thresholds: certified roots, published values, and
an independent float bisection written here."""

from __future__ import annotations

import math

import pytest
import sympy as sp

from qproto.models.keyrate import KEY_RATES, key_rate, threshold
from qproto.spec.errors import UnknownNameError
from qproto.spec.qkd import PUBLISHED_THRESHOLDS


def h(x: float) -> float:
    return 0.0 if x in (0.0, 1.0) else -x * math.log2(x) - (1 - x) * math.log2(1 - x)


#: The formulas written again, by hand, from the papers.
INDEPENDENT = {
    "shor-preskill": lambda q: 1 - 2 * h(q),
    "csiszar-korner-individual": lambda q: 1 - h(q) - (1 - h(0.5 + math.sqrt(q * (1 - q)))),
    "six-state-lo": lambda q: 1 + 1.5 * q * math.log2(q / 2) + (1 - 1.5 * q) * math.log2(1 - 1.5 * q),
    "di-chsh-acin": lambda q: 1 - h(q) - h((1 + math.sqrt(max(0.0, 2 * (1 - 2 * q) ** 2 - 1))) / 2),
}


def bisect(fn, lo, hi, tol=1e-13):
    while hi - lo > tol:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if fn(mid) > 0 else (lo, mid)
    return (lo + hi) / 2


@pytest.mark.parametrize("name", list(KEY_RATES))
def test_threshold_is_certified_and_matches_independent_bisection(name):
    th = threshold(name)
    assert th.certified, th.reason
    assert th.low < th.value < th.high and th.high - th.low <= 2.0000001e-9
    hi = 0.5 - 1e-12 if name != "di-chsh-acin" else (1 - 1 / math.sqrt(2)) / 2 - 1e-12
    want = bisect(INDEPENDENT[name], 1e-9, hi)
    assert abs(th.value - want) < 1e-9
    assert abs(INDEPENDENT[name](th.value)) < 1e-8
    assert INDEPENDENT[name](th.low) > 0 > INDEPENDENT[name](th.high)


@pytest.mark.parametrize("name", list(KEY_RATES))
def test_threshold_agrees_with_the_published_value(name):
    pub = PUBLISHED_THRESHOLDS[name]
    want = float(sp.N(sp.sympify(pub.value)))
    assert abs(threshold(name).value - want) <= float(sp.sympify(pub.tolerance)) + 1e-9, pub.reference.cite


def test_known_digits():
    assert abs(threshold("shor-preskill").value - 0.110028) < 1e-6  # Shor & Preskill 2000: ≈ 11 %
    assert abs(threshold("csiszar-korner-individual").value - (2 - math.sqrt(2)) / 4) < 1e-9  # Fuchs et al. 1997
    assert abs(threshold("six-state-lo").value - 0.12619) < 1e-5  # Lo 2001: ≈ 12.6 %
    assert abs(threshold("di-chsh-acin").value - 0.0715) < 1e-3  # Acín et al. 2007: ≈ 7.1 %


@pytest.mark.parametrize("name", list(KEY_RATES))
def test_numpy_and_exact_forms_agree(name):
    kr = key_rate(name)
    for q in (0.0, 0.01, 0.05, 0.07):
        assert abs(kr(q) - (1.0 if q == 0 else INDEPENDENT[name](q))) < 1e-12
        if q:
            assert abs(float(sp.N(kr(sp.Rational(str(q))))) - INDEPENDENT[name](q)) < 1e-12


def test_unknown_formula():
    with pytest.raises(UnknownNameError):
        key_rate("bb84-magic")
