"""The one module of abort statistics: its exact, double-precision and log-space answers agree.

Every comparison is against the exact rational value (``Fraction``), computed
by a different route: the double-precision sums (Loader's terms, the tail
recursion) and the log-space tails (mpmath leading term, term ratios) must
meet their stated accuracy on a grid that includes thresholds 0, per-round
sampling of every bit, QBER 0 and 1/2, and tails far below 1e-100.
"""

from __future__ import annotations

import itertools
from fractions import Fraction as F

import pytest

from qproto.models import abort_statistics as stats

ROUNDS = (1, 7, 40, 64)  # the exact reference is O(rounds²) rational terms: 150 took 20 s
SIFT = (F(1, 2), F(3, 4))
SAMPLE = (F(1, 10), F(1, 2), F(1))
QBER = (F(0), F(1, 20), F(11, 100), F(1, 4), F(1, 2))
THRESHOLD = (F(0), F(11, 100), F(1, 4))


def _grid():
    return itertools.product(ROUNDS, SIFT, SAMPLE, QBER, THRESHOLD)


def test_float_abort_probability_meets_the_exact_value_on_a_grid():
    """Relative 1e-12 where the probability is not small; everywhere the
    absolute error stays below the documented 1e-12 (the float sum is an
    absolute-accuracy method: its docstring says so)."""
    compared = 0
    for rounds, sift, s, q, t in _grid():
        exact = stats.abort_probability_exact(rounds, sift, q, s, t)
        value = stats.abort_probability(rounds, sift, q, s, t)
        assert abs(value - float(exact)) <= 1e-12, (rounds, sift, s, q, t)
        if exact >= F(1, 100):
            assert value == pytest.approx(float(exact), rel=1e-12, abs=0), (rounds, sift, s, q, t)
            compared += 1
    assert compared > 100  # the relative check was not vacuous


def test_log_space_outcome_probability_meets_the_exact_value_to_relative_accuracy():
    for rounds, sift, s, q, t in _grid():
        if rounds > 40:  # the exact reference is O(rounds²) rational terms
            continue
        exact = stats.abort_probability_exact(rounds, sift, q, s, t)
        tail = stats.estimate_outcome_probability(rounds, sift, q, s, t)
        if exact == 0:
            assert tail.value == 0.0
            continue
        assert tail.value == pytest.approx(float(exact), rel=10 * stats.RELATIVE_ACCURACY, abs=0), (rounds, sift, s, q, t)
        accept = stats.estimate_outcome_probability(rounds, sift, q, s, t, outcome="accept")
        if 1 - exact > F(1, 10**6):
            assert accept.value == pytest.approx(float(1 - exact), rel=10 * stats.RELATIVE_ACCURACY, abs=0)


@pytest.mark.parametrize("n", [1, 10, 57, 300, 2000])
def test_binomial_tails_agree_exact_float_and_log_space(n):
    for p, k in itertools.product((F(1, 100), F(1, 10), F(1, 3), F(1, 2), F(9, 10)), (0, 1, 5, 30, 150)):
        exact = stats.binomial_upper_tail(n, p, k)
        log_tail = stats.binomial_tail(n, p, k)
        if exact > F(10) ** -300:
            assert log_tail.value == pytest.approx(float(exact), rel=stats.RELATIVE_ACCURACY, abs=0), (n, p, k)
        # binomial_survival is P(X > k - 1) = P(X ≥ k), summed in a ±40σ window
        survival = stats.binomial_survival(n, k - 1, float(p))
        if exact > F(10) ** -40:
            assert survival == pytest.approx(float(exact), rel=1e-12, abs=0), (n, p, k)
        else:
            assert survival <= 1e-39


def test_the_float_window_leaves_out_at_most_1e_40():
    """The documented size of what binomial_survival's window drops: the
    worst mass beyond ±40σ (+10 terms) on this grid, measured with the
    log-space tails."""
    worst = -float("inf")
    for n in (2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000, 20_000, 100_000):
        for p in (1e-4, 1e-3, 0.01, 0.05, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99):
            lo, hi = stats._window(n, p, None)
            if hi < n:
                worst = max(worst, stats.binomial_tail(n, F(p), hi + 1).log10)
            if lo > 0:
                worst = max(worst, stats.binomial_tail(n, F(p), lo - 1, upper=False).log10)
    assert -300 < worst < -40


def test_hypergeometric_tails_agree_exact_float_and_log_space():
    compared = 0
    for total, errors, sample, k in itertools.product((20, 100, 500), (0, 3, 17, 60), (1, 10, 19), (0, 1, 3, 8)):
        if errors > total:
            continue
        exact = stats.hypergeometric_upper_tail(total, errors, sample, k)
        log_tail = stats.hypergeometric_tail(total, errors, sample, k)
        if exact == 0:
            assert log_tail.value == 0.0
        else:
            assert log_tail.value == pytest.approx(float(exact), rel=stats.RELATIVE_ACCURACY, abs=0)
        # the estimate aborts above t·sample: the same event as X ≥ abort_count
        for t in (F(0), F(11, 100), F(1, 4)):
            kk = stats.abort_count(sample, t)
            ref = stats.hypergeometric_upper_tail(total, errors, sample, kk)
            value = stats.abort_probability_given_sifted(total, errors, sample, t)
            assert abs(value - float(ref)) <= 1e-12 * max(float(ref), 1e-3), (total, errors, sample, t)
            compared += 1
    assert compared > 300


def test_abort_count_is_the_first_count_above_the_threshold():
    for sample, t in itertools.product(range(1, 60), (F(0), F(1, 10), F(11, 100), F(1, 4), F(1, 3))):
        k = stats.abort_count(sample, t)
        assert F(k, sample) > t and F(k - 1, sample) <= t


def test_moved_names_are_the_same_objects_where_they_were():
    from qproto.models import qkd_sim
    from qproto.proofs import abort_statistics as old_log
    from qproto.proofs import adversary

    for name in ("abort_probability", "abort_probability_exact", "abort_probability_given_sifted", "abort_probability_per_basis"):
        assert getattr(qkd_sim, name) is getattr(stats, name)
    assert qkd_sim.binomial_tail is stats.binomial_survival
    assert qkd_sim._log_binom_pmf is stats._log_binom_pmf and qkd_sim._tails_along is stats._tails_along
    for name in ("binomial_tail", "hypergeometric_tail", "estimate_outcome_probability", "LogTail", "DPS", "RELATIVE_ACCURACY"):
        assert getattr(old_log, name) is getattr(stats, name)
    assert adversary.binomial_upper_tail is stats.binomial_upper_tail
    assert adversary.hypergeometric_upper_tail is stats.hypergeometric_upper_tail
    assert adversary._abort_count is stats.abort_count
