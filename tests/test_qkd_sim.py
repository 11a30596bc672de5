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


@pytest.mark.parametrize("bad", [dict(rounds=0), dict(rounds=-5), dict(rounds=2.5), dict(seed=1.5), dict(seed=-1),
                                 dict(threshold=0.5), dict(threshold="3/4"), dict(sample_fraction=1.2)])
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
    aborts = sum(simulate(spec, rounds, seed, ir, engine="table", sample_fraction="1/4", threshold="1/10",
                          keep_transcript=False).summary.decision == "abort" for seed in range(runs))
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
    aborts = sum(simulate(BB84_BIASED, 4000, seed=s, noise=dep, engine="table", keep_transcript=False).summary.decision == "abort"
                 for s in range(runs))
    slack = 4 * math.sqrt(0.25 / runs)
    assert res["low"] - slack <= aborts / runs <= res["high"] + slack
