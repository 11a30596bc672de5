"""The seeded QKD simulator and the exact abort statistics."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from qproto.models import qkd
from qproto.models.attacks import line, parse_attack
from qproto.models.qkd_sim import (
    abort_probability,
    abort_probability_exact,
    abort_probability_given_sifted,
    bernoulli_words,
    bitpacked_supported,
    dyadic,
    popcount,
    simulate,
    unpack,
)
from qproto.spec.b92 import B92
from qproto.spec.bb84 import BB84, BB84_BIASED
from qproto.spec.e91 import E91
from qproto.spec.errors import ParameterError
from qproto.spec.qkd_variants import SARG04, SIX_STATE

IR_HALF = parse_attack("intercept-resend:fraction=1/2")
DEP = parse_attack("depolarizing=1/10", kind="noise")


def _z(observed: float, p: float, n: int) -> float:
    return abs(observed - p) / math.sqrt(p * (1 - p) / n) if 0 < p < 1 else abs(observed - p) * 1e9


@pytest.mark.parametrize("q", [Fraction(1, 2), Fraction(1, 8), Fraction(5, 16), Fraction(3, 1024), Fraction(0), Fraction(1)])
def test_bernoulli_words_have_the_right_rate(q):
    rng = np.random.default_rng(5)
    words = bernoulli_words(rng, q, 20000)
    n = 20000 * 64
    assert _z(popcount(words) / n, float(q), n) < 5


def test_bernoulli_needs_dyadic():
    with pytest.raises(ParameterError):
        bernoulli_words(np.random.default_rng(0), Fraction(1, 3), 4)
    assert dyadic(Fraction(1, 3), 8) == Fraction(85, 256)


@pytest.mark.parametrize("attack,noise", [(None, None), (IR_HALF, None), (None, DEP), (IR_HALF, DEP)])
def test_bitpacked_bb84_matches_exact_statistics(attack, noise):
    n = 400_000
    sim = simulate(BB84, n, 11, attack, noise, keep_transcript=False)
    assert sim.summary.engine == "bitpacked"
    exact = line(attack, noise)
    ps = float(qkd.sift_probability(BB84, exact))
    q = float(sp.N(qkd.qber(BB84, exact)))
    assert _z(sim.summary.sift_rate, ps, n) < 5
    if q:
        assert _z(sim.summary.qber, q, sim.summary.sifted) < 5
    else:
        assert sim.summary.sifted_errors == 0


@pytest.mark.parametrize("spec", [B92, SIX_STATE, SARG04, E91, BB84_BIASED], ids=lambda s: s.name)
def test_table_engine_matches_exact_statistics(spec):
    n = 200_000
    sim = simulate(spec, n, 3, IR_HALF, None, keep_transcript=False)
    exact = line(IR_HALF, None)
    ps = float(sp.N(qkd.sift_probability(spec, exact)))
    q = float(sp.N(qkd.qber(spec, exact)))
    assert _z(sim.summary.sift_rate, ps, n) < 5
    assert _z(sim.summary.qber, q, sim.summary.sifted) < 5


def test_both_engines_agree_on_bb84():
    a = simulate(BB84, 300_000, 1, IR_HALF, DEP, engine="bitpacked", keep_transcript=False).summary
    b = simulate(BB84, 300_000, 1, IR_HALF, DEP, engine="table", keep_transcript=False).summary
    assert abs(a.qber - b.qber) < 6 * math.sqrt(0.17 * 0.83 / 150_000)
    assert abs(a.sift_rate - b.sift_rate) < 6 * math.sqrt(0.25 / 300_000)


def test_seeded_and_chunk_streaming_is_consistent():
    one = simulate(BB84, 100_000, 42, IR_HALF, keep_transcript=True)
    two = simulate(BB84, 100_000, 42, IR_HALF, keep_transcript=True)
    assert one.summary.to_json() == two.summary.to_json()
    assert all(np.array_equal(one.transcript.fields[k], two.transcript.fields[k]) for k in one.transcript.fields)
    other = simulate(BB84, 100_000, 43, IR_HALF, keep_transcript=False)
    assert other.summary.to_json() != one.summary.to_json()
    # streamed in small chunks, the totals still add up and rounds beyond N are never counted
    small = simulate(BB84, 100_003, 42, IR_HALF, chunk_rounds=64 * 100, keep_transcript=True)
    assert len(small.transcript.column("sifted")) == 100_003
    assert small.summary.sifted == int(small.transcript.column("sifted").sum())


def test_transcript_is_complete_and_consistent():
    sim = simulate(BB84, 20_000, 9, IR_HALF, DEP)
    tr, s = sim.transcript, sim.summary
    a, ab, bb, b = (tr.column(n) for n in ("alice_bit", "alice_basis", "bob_basis", "bob_bit"))
    sifted = tr.column("sifted").astype(bool)
    assert np.array_equal(sifted, ab == bb)
    sample = tr.column("sample").astype(bool)
    assert not np.any(sample & ~sifted)
    assert s.sample_size == sample.sum() and s.sample_errors == int((a != b)[sample].sum())
    ka, kb = tr.keys()
    assert len(ka) == s.key_length and int((ka != kb).sum()) == s.key_errors
    # Eve's wrong-basis rounds are the only source of error without noise: check on a clean run
    clean = simulate(BB84, 20_000, 9, None, None)
    xa, xb = clean.transcript.sifted_keys()
    assert len(xa) > 0 and np.array_equal(xa, xb)
    assert clean.summary.decision == "accept"
    assert set(sim.transcript.round(0)) >= {"alice_bit", "bob_bit", "eve_intercepted", "sifted", "sample"}


def test_table_transcript_rounds_read_back():
    sim = simulate(E91, 5_000, 2, None, DEP)
    r = sim.transcript.round(0)
    assert {"alice_choice", "bob_setting", "bob_outcome", "sifted", "alice_bit", "bob_bit"} <= set(r)
    ka, kb = sim.transcript.sifted_keys()
    assert len(ka) == sim.summary.sifted


def test_unpack_round_order():
    w = np.array([0b1011, 1 << 63], dtype=np.uint64)
    bits = unpack(w, 128)
    assert list(bits[:4]) == [1, 1, 0, 1] and bits[127] == 1 and bits[64] == 0


def test_engine_choice():
    assert bitpacked_supported(BB84, IR_HALF, DEP)
    assert bitpacked_supported(BB84_BIASED, None, None)
    assert not bitpacked_supported(SIX_STATE, None, None)
    assert not bitpacked_supported(BB84, parse_attack("intercept-resend:py=1/3"), None)
    with pytest.raises(ParameterError):
        simulate(B92, 100, 1, engine="bitpacked")


@pytest.mark.parametrize(
    "bad",
    [
        dict(rounds=0),
        dict(rounds=-5),
        dict(rounds=2.5),
        dict(seed=1.5),
        dict(seed=-1),
        dict(threshold=0.5),
        dict(threshold="3/4"),
        dict(sample_fraction=1.2),
    ],
)
def test_bad_parameters(bad):
    kw = dict(rounds=100, seed=1) | bad
    rounds, seed = kw.pop("rounds"), kw.pop("seed")
    with pytest.raises(ParameterError):
        simulate(BB84, rounds, seed, **kw)


# -- exact abort statistics ----------------------------------------------------------


@pytest.mark.parametrize("rounds,q", [(1, "1/10"), (40, "1/10"), (120, "1/8"), (150, "1/20")])
def test_abort_probability_float_equals_exact_fractions(rounds, q):
    exact = abort_probability_exact(rounds, "1/2", q, "1/5", "11/100")
    approx = abort_probability(rounds, "1/2", float(Fraction(q)), "1/5", "11/100")
    assert abs(approx - float(exact)) < 1e-12


def test_abort_probability_limits():
    assert abort_probability(10**6, "1/2", 0.25, "1/10", "11/100") > 1 - 1e-12  # full intercept-resend: always caught
    assert abort_probability(10**6, "1/2", 0.02, "1/10", "11/100") < 1e-12
    assert abort_probability(10, "1/2", 0.0, "1/10", "11/100") == pytest.approx((1 - 1 / 20) ** 10)  # only n = 0 aborts


def test_simulated_abort_frequency_matches_the_binomial_law():
    """Many short runs of the table engine against the exact P(abort)."""
    spec, rounds, runs = BB84, 400, 300
    ir = parse_attack("intercept-resend:fraction=3/8")
    q = float(qkd.qber(spec, ir.instrument()))  # 3/32
    aborts = sum(
        simulate(
            spec, rounds, seed, ir, engine="table", sample_fraction="1/4", threshold="1/10", keep_transcript=False
        ).summary.decision
        == "abort"
        for seed in range(runs)
    )
    p = abort_probability(rounds, "1/2", q, "1/4", "1/10")
    assert 0.2 < p < 0.8
    assert abs(aborts / runs - p) < 5 * math.sqrt(p * (1 - p) / runs)


def test_hypergeometric_abort_probability_brute_force():
    sifted, errors, sample, t = 30, 6, 10, Fraction(1, 10)
    want = Fraction(0)
    for e in range(sample + 1):
        if e > t * sample:
            want += Fraction(math.comb(errors, e) * math.comb(sifted - errors, sample - e), math.comb(sifted, sample))
    assert abs(abort_probability_given_sifted(sifted, errors, sample, t) - float(want)) < 1e-12
    with pytest.raises(ParameterError):
        abort_probability_given_sifted(10, 11, 5, "1/10")


def test_progress_is_reported_per_chunk():
    seen = []
    simulate(BB84, 10_000, 1, chunk_rounds=64 * 40, keep_transcript=False, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 10_000 and len(seen) == 4


def test_tail_recursion_matches_direct_sums():
    from qproto.models.qkd_sim import _tails_along, binomial_tail

    rec = _tails_along(20_000, 300, 11, 100, 0.108)
    direct = [binomial_tail(n, (n * 11) // 100, 0.108) for n in range(20_000, 20_300)]
    assert np.max(np.abs(rec - np.array(direct))) < 1e-10  # lgamma rounding at n ~ 2e4 is ~1e-11


# -- per-basis estimation (biased BB84, Lo–Chau–Ardehali) --------------------------------
Z_ONLY = parse_attack("intercept-resend:fraction=1,px=0,py=0")


@pytest.mark.parametrize("engine", ["bitpacked", "table"])
def test_per_basis_decision_catches_the_z_only_attack(engine):
    from qproto.spec.qkd_flawed import BB84_BIASED_POOLED

    per = simulate(BB84_BIASED, 100_000, seed=5, attack=Z_ONLY, engine=engine, keep_transcript=False).summary
    pooled = simulate(BB84_BIASED_POOLED, 100_000, seed=5, attack=Z_ONLY, engine=engine, keep_transcript=False).summary
    assert per.estimation == "per-basis" and pooled.estimation == "pooled"
    # same seed, same rounds: the same sample; only the decision rule differs
    assert (per.sample_size, per.sample_errors) == (pooled.sample_size, pooled.sample_errors)
    assert pooled.estimate < 0.02 and pooled.decision == "accept"
    assert per.decision == "abort"
    z, x = per.sample_by_basis["Z"], per.sample_by_basis["X"]
    assert z[0] + x[0] == per.sample_size and z[1] + x[1] == per.sample_errors
    assert z[1] == 0 and 0.3 < x[1] / x[0] < 0.7
    doc = per.to_json()
    assert doc["estimation"] == "per-basis" and doc["sample_by_basis"]["X"]["sample_size"] == x[0]
    assert "sample_by_basis" not in pooled.to_json()


def test_per_basis_honest_run_accepts_and_empty_basis_aborts():
    honest = simulate(BB84_BIASED, 50_000, seed=2, keep_transcript=False).summary
    assert honest.decision == "accept" and honest.sifted_errors == 0
    tiny = simulate(BB84_BIASED, 64, seed=0, engine="table", keep_transcript=False).summary
    if tiny.sample_by_basis["X"][0] == 0:
        assert tiny.decision == "abort"  # no X sample: nothing to estimate the phase error from


def test_abort_probability_per_basis_brackets_the_simulated_frequency():
    from qproto.models.qkd_sim import abort_probability_per_basis

    # noise at 5 % in both bases, few rounds: the rare X basis decides
    dep = parse_attack("depolarizing=1/10", kind="noise")
    rows = [r for r in qkd.table(BB84_BIASED, line(None, dep)) if r.kept]
    sift = {b: sum((r.probability for r in rows if r.basis == b), sp.Integer(0)) for b in ("Z", "X")}
    res = abort_probability_per_basis(4000, sift, {"Z": sp.Rational(1, 20), "X": sp.Rational(1, 20)}, "1/10", "11/100")
    assert 0 < res["low"] <= res["high"] <= 1
    runs = 200
    aborts = sum(
        simulate(BB84_BIASED, 4000, seed=s, noise=dep, engine="table", keep_transcript=False).summary.decision == "abort"
        for s in range(runs)
    )
    slack = 4 * math.sqrt(0.25 / runs)
    assert res["low"] - slack <= aborts / runs <= res["high"] + slack


# -- the bit-packed engine at the random-bit limit (issue 15) ------------------------

LINES = [
    (IR_HALF, None),
    (None, DEP),
    (IR_HALF, DEP),
    (parse_attack("intercept-resend:fraction=1"), None),
    (parse_attack("intercept-resend:fraction=3/10,px=1/4"), DEP),
]


@pytest.mark.parametrize("attack,noise", LINES)
def test_summary_does_not_depend_on_keeping_the_transcript(attack, noise):
    """The counts come from one stream, the transcript's extra draws from
    another: the same seed gives the same summary either way."""
    kw = dict(chunk_rounds=64 * 300)
    with_tr = simulate(BB84, 50_003, 8, attack, noise, keep_transcript=True, **kw)
    without = simulate(BB84, 50_003, 8, attack, noise, keep_transcript=False, **kw)
    assert with_tr.summary.to_json() == without.summary.to_json()
    tr, s = with_tr.transcript, with_tr.summary
    a, b = tr.column("alice_bit"), tr.column("bob_bit")
    k, t = tr.column("sifted").astype(bool), tr.column("sample").astype(bool)
    assert s.sifted == k.sum() and s.sifted_errors == int((a != b)[k].sum())
    assert s.sample_size == t.sum() and s.sample_errors == int((a != b)[t].sum()) and not np.any(t & ~k)
    assert np.array_equal(k, tr.column("alice_basis") == tr.column("bob_basis"))
    if s.intercepted is not None:
        assert s.intercepted == int(tr.column("eve_intercepted").sum())


def test_transcript_rounds_have_the_exact_joint_law():
    """Per-round statistics of the transcript against values derived here:
    Eve (f = 1/2) on a uniformly spread half of the rounds, error rate 1/4
    on her sifted rounds, 0 elsewhere, Eve's basis only on her rounds, Bob's
    bit a fair coin where his basis differs from Alice's."""
    n = 64 * 4000
    tr = simulate(BB84, n, 21, IR_HALF, keep_transcript=True, chunk_rounds=64 * 2000).transcript
    e = tr.column("eve_intercepted").astype(bool)
    k = tr.column("sifted").astype(bool)
    err = tr.column("alice_bit") != tr.column("bob_bit")
    assert _z(e.mean(), 0.5, n) < 5
    for part in np.array_split(e, 8):  # not the first lanes of a chunk: spread over all of them
        assert _z(part.mean(), 0.5, part.size) < 5
    assert _z(err[k & e].mean(), 0.25, int((k & e).sum())) < 5
    assert not np.any(err[k & ~e])
    assert not np.any(tr.column("eve_basis")[~e])
    assert _z(tr.column("eve_basis")[e].mean(), 0.5, int(e.sum())) < 5
    assert _z(err[~k].mean(), 0.5, int((~k).sum())) < 5
    assert _z(k.mean(), 0.5, n) < 5


def test_noise_only_transcript_spreads_the_depolarized_rounds():
    n = 64 * 4000
    tr = simulate(BB84, n, 4, None, DEP, keep_transcript=True).transcript
    k = tr.column("sifted").astype(bool)
    err = tr.column("alice_bit") != tr.column("bob_bit")
    # depolarizing p = 1/10: Bob's bit is a coin on 1/10 of the rounds, so the QBER is 1/20
    for part in np.array_split(np.flatnonzero(k), 4):
        assert _z(err[part].mean(), 0.05, part.size) < 5


@pytest.mark.parametrize("q", [Fraction(3, 8), dyadic(Fraction(1, 10), 24)])
def test_bernoulli_lanes_are_independent_with_the_right_rate(q):
    rng = np.random.default_rng(17)
    words = 30_000
    bits = unpack(bernoulli_words(rng, q, words), 64 * words).reshape(words, 64).astype(bool)
    p = float(q)
    for lane in (0, 1, 31, 63):  # every lane position has rate q
        assert _z(bits[:, lane].mean(), p, words) < 5
    pair = (bits[:, :-1] & bits[:, 1:]).mean()  # neighbouring lanes: P(both) = q²
    assert _z(pair, p * p, words * 63 // 8) < 5


def test_bernoulli_draws_about_log2_64_words_not_one_per_digit(monkeypatch):
    """q = 1/10 to 24 digits: the old scheme drew 24 words per word; the
    most-significant-first scheme stops where every lane is decided."""
    from qproto.models import qkd_sim

    drawn = []
    real = qkd_sim.random_words
    monkeypatch.setattr(qkd_sim, "random_words", lambda rng, n: drawn.append(n) or real(rng, n))
    n = 20_000
    bernoulli_words(np.random.default_rng(3), dyadic(Fraction(1, 10), 24), n)
    # every word draws for the first 6 digits; digit j + 1 > 6 only where a lane
    # is still undecided after j digits: 6 + Σ_{j=6}^{23} 1 − (1 − 2^-j)^64 ≈ 7.5
    want = 6 + sum(1 - (1 - 2.0**-j) ** 64 for j in range(6, 24))
    assert abs(sum(drawn) / n - want) < 0.1
    assert sum(drawn) / n < 8


def test_streaming_draws_few_words_per_round(monkeypatch):
    """Eve on every round, fair bases, pooled estimate: three random words
    per 64 rounds (sifted, Eve's basis ≠ Alice's, the error coin)."""
    from qproto.models import qkd_sim

    drawn = []
    real = qkd_sim.random_words
    monkeypatch.setattr(qkd_sim, "random_words", lambda rng, n: drawn.append(n) or real(rng, n))
    rounds = 64 * 50_000
    simulate(BB84, rounds, 1, parse_attack("intercept-resend:fraction=1"), keep_transcript=False)
    assert sum(drawn) == 3 * rounds // 64
    drawn.clear()
    simulate(BB84, rounds, 1, parse_attack("intercept-resend:fraction=1/10"), keep_transcript=False)
    assert sum(drawn) < 1.3 * rounds // 64  # sifted on every word, Eve's two words on her ~1/10 of them


def test_bitpacked_agrees_with_the_numpy_baseline():
    """benchmarks/baseline_qkd_numpy.py simulates every field of every round;
    both must give the same QBER and sample rate within statistical error."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "baseline_qkd_numpy.py"
    spec = importlib.util.spec_from_file_location("baseline_qkd_numpy", path)
    base = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(base)
    n = 2_000_000
    for fraction, q in ((1.0, 0.25), (0.1, 0.025)):
        ours = simulate(BB84, n, 5, parse_attack(f"intercept-resend:fraction={fraction}"), keep_transcript=False).summary
        theirs = base.bb84(n, 6, fraction)
        for s in (ours.sifted_errors / ours.sifted, theirs["sifted_errors"] / theirs["sifted"]):
            assert _z(s, q, n // 2) < 5
        assert abs(ours.qber - theirs["sifted_errors"] / theirs["sifted"]) < 6 * math.sqrt(2 * q * (1 - q) / (n // 2))
        assert _z(ours.sample_size / ours.sifted, 0.1, ours.sifted) < 5
        assert _z(theirs["sample_size"] / theirs["sifted"], 0.1, theirs["sifted"]) < 5
        assert _z(ours.intercepted / n, fraction, n) < 5 if fraction < 1 else ours.intercepted == n


@pytest.mark.parametrize(
    "k,n,p",
    [
        (3, 10, 0.3),
        (0, 10, 0.3),
        (10, 10, 0.3),
        (5_000_000, 50_000_000, 0.1),
        (5_003_000, 50_000_000, 0.1),
        (49_990_000, 10**9, 0.05),
        (17, 200, 0.05),
    ],
)
def test_log_binomial_pmf_against_mpmath(k, n, p):
    import mpmath

    from qproto.models.qkd_sim import _log_binom_pmf

    mpmath.mp.dps = 40
    want = mpmath.log(mpmath.binomial(n, k)) + k * mpmath.log(p) + (n - k) * mpmath.log(1 - mpmath.mpf(p))
    got = _log_binom_pmf(np.array([k]), n, p)[0]
    assert abs(got - float(want)) < 1e-13 * max(1.0, abs(float(want)))


@pytest.mark.parametrize("rounds,q", [(10**7, 0.108), (10**7, 0.11), (3 * 10**6, 0.115), (10**7, 0.25), (200_000, 0.07)])
def test_abort_probability_against_scipy_sum(rounds, q):
    """The fast window and recursions against an independent double sum
    with SciPy's binomial pmf and survival function (Boost), to the
    documented absolute accuracy (the last case is ~4e-48: only absolute)."""
    from scipy.stats import binom

    pi = 0.5 * 0.1
    sd = math.sqrt(rounds * pi * (1 - pi))
    n = np.arange(max(1, int(rounds * pi - 40 * sd)), int(rounds * pi + 40 * sd))
    want = float(np.sum(binom.pmf(n, rounds, pi) * binom.sf((n * 11) // 100, n, q)))
    assert abs(abort_probability(rounds, "1/2", q, "1/10", "11/100") - want) < 1e-11
