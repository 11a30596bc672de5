"""Regressions for issue 10 (QKD adversary engine): each test failed on the old code."""

from __future__ import annotations

import importlib
from fractions import Fraction

import pytest

from qproto.proofs.runner import verify
from qproto.spec.catalogue import find


def _variant(module: str):
    return importlib.import_module(f"tests.designer_variants.{module}").SPEC


def _verdict(spec, prop: str, **options):
    (v,) = verify(spec, ["adversary"], [prop], {"budget": 5, "seed": 0, **options})
    return v


def test_e91_completeness_uses_the_specs_own_bell_test() -> None:  # item 2
    v = _verdict(_variant("qkd_adv_e91_s_minus_two"), "completeness")
    assert v.status.value == "refuted" and "counterexample" in v.evidence


@pytest.mark.parametrize("name", ["b92", "sarg04"])
def test_b92_sarg04_completeness_claims_no_rate(name: str) -> None:  # item 2
    spec = find(name)
    prop = next(p for p in spec.properties if p.id == "completeness")
    assert "positive key rate" not in prop.statement and prop.args.get("key_rate") is False
    # the general statement (claiming a rate) is inconclusive for a spec with no rate
    general = spec.variant(name + "-x", properties=tuple(p for p in find("bb84").properties if p.id == "completeness"))
    assert _verdict(general, "completeness").status.value == "inconclusive"


def test_threshold_above_rate_zero_is_refuted_seed_free() -> None:  # item 4
    v = _verdict(_variant("qkd_adv_bb84_threshold_115"), "threshold-below-rate-zero")
    assert v.status.value == "refuted"
    assert v.evidence["counterexample"]["rate_at_threshold"] < 0
    assert _verdict(find("bb84"), "threshold-below-rate-zero").status.value == "proved"
    # B92 names no closed-form rate: the certified numerical rate decides it (tests/test_threshold_certified.py)
    import importlib.util

    want = "proved" if importlib.util.find_spec("cvxpy") else "inconclusive"  # no rate without the keyrate extra
    assert _verdict(find("b92"), "threshold-below-rate-zero").status.value == want


def test_issue_b92_attack_breaks_the_old_threshold() -> None:  # item 5: the figures the search minimises
    from qproto.proofs.adversary import AttackCase, figures
    from qproto.proofs.attack_search import key_slack

    lab = (
        "entangling-probe:a1=0.2100,a2=-0.7217,a3=-0.5227,a4=0.1952,a5=0.0638,a6=0.2127,a7=0.0627,a8=0.3969,"
        "a9=-0.0259,a10=-0.1031,a11=0.0244,a12=-0.6997,a13=-0.6363,a14=-0.2312,a15=-0.4737"
    )
    f = figures(_variant("qkd_adv_b92_threshold_11"), AttackCase(lab).instrument())
    assert f["accepted"] and key_slack(f) < 0
    assert not figures(find("b92"), AttackCase(lab).instrument())["accepted"]  # the catalogue now aborts at 3 %


def test_e91_accepts_on_the_device_independent_rate() -> None:  # item 6
    from qproto.proofs.adversary import AttackCase, figures

    f = figures(find("e91"), AttackCase("intercept-resend-basis:fraction=0.444,theta=0.25,phi=0").instrument())
    assert abs(f["qber"] - 0.0555) < 1e-3 and abs(f["chsh"]) > 2
    assert f["claimed_rate"] < 0 and not f["accepted"]


def test_intercept_resend_detected_covers_every_basis() -> None:  # item 8
    v = _verdict(_variant("qkd_adv_bob_z_only"), "intercept-resend-detected")
    assert v.status.value == "refuted"
    assert v.evidence["counterexample"]["figures"]["qber"] < 1e-9
    # and the Fuchs–Peres identity over the (empty) X rounds is vacuous, not an exception that sinks the run
    fp = _verdict(_variant("qkd_adv_bob_z_only"), "fuchs-peres-figures")
    assert fp.status.value == "error" and "vacuous" in fp.summary


def test_soundness_abort_states_its_margin() -> None:  # item 8
    prop = next(p for p in find("bb84").properties if p.id == "soundness-abort")
    assert "No claim is made between the threshold and threshold + 5 %" in prop.statement
    v = _verdict(find("bb84"), "soundness-abort")
    assert v.status.value == "proved"
    assert 0.3 < v.evidence["groups"]["pooled"]["accept_probability_just_above_threshold"] < 0.7


def test_biased_bb84_uses_real_per_basis_sample_sizes() -> None:  # item 17
    from qproto.proofs.adversary import sample_sizes

    spec = find("bb84-biased")
    assert sample_sizes(spec, 10_000)["X"] == (122, 12)
    old = spec.variant("bb84-biased-10k", properties=find("bb84").properties)
    assert _verdict(old, "completeness").status.value == "refuted"
    assert _verdict(old, "soundness-abort").status.value == "refuted"
    assert _verdict(spec, "completeness").status.value == "proved"
    assert _verdict(spec, "soundness-abort").status.value == "proved"


def test_tails_have_relative_accuracy() -> None:  # item 18
    from qproto.proofs.abort_statistics import binomial_tail, estimate_outcome_probability

    p = estimate_outcome_probability(282218, Fraction(1, 2), Fraction(272, 4000), Fraction(1, 10), Fraction(11, 100))
    assert abs(p.value / 9.716246e-75 - 1) < 1e-6
    tiny = binomial_tail(10**7, Fraction(1, 4), 11 * 10**5, upper=False)
    assert tiny.underflow and tiny.log10 < -100000
    # against an exact rational sum
    from qproto.proofs.adversary import binomial_upper_tail

    exact = binomial_upper_tail(300, Fraction(1, 5), 100)
    assert abs(binomial_tail(300, Fraction(1, 5), 100).value / float(exact) - 1) < 1e-10


def test_worst_case_search_finds_the_b92_attack_from_the_spec_alone() -> None:  # item 5
    from qproto.models.attacks import parse_attack
    from qproto.proofs.adversary import figures
    from qproto.proofs.attack_search import key_slack

    spec = _variant("qkd_adv_b92_threshold_11")
    (v,) = verify(spec, ["adversary"], ["soundness-key-rate"], {"budget": 30, "seed": 0})
    assert v.status.value == "refuted"
    label = v.evidence["counterexample"]["attack"]
    f = figures(spec, parse_attack(label).instrument())  # the label replays (qproto analyze ... --attack LABEL)
    assert f["accepted"] and key_slack(f) < 0 and f["holevo_ae"] > f["info_ab"]


def test_six_state_fuchs_peres_claims_only_what_is_checked() -> None:  # item 7
    import dataclasses

    six = find("six-state")
    prop = six.property("fuchs-peres-figures")
    assert "Z and X rounds only" in prop.statement and "no optimality is claimed" in prop.statement
    # widening the claim to the Y rounds (QBER 2D(1−D) there, Bruß 1998) is refuted, with the basis and D
    wide = tuple(dataclasses.replace(p, args={"bases": ("Z", "X", "Y")}) if p.id == prop.id else p for p in six.properties)
    v = _verdict(six.variant("six-state-fuchs-peres-every-basis", properties=wide), "fuchs-peres-figures")
    assert v.status.value == "refuted"
    assert v.evidence["counterexample"]["basis"] == "Y"
    # residual = P(sifted in Y)·(QBER_Y − D) with QBER_Y = 2D(1−D) and P(sifted in Y) = 1/9
    assert abs(v.evidence["counterexample"]["qber_residual_at_D"] - (2 * 0.1 * 0.9 - 0.1) / 9) < 1e-12
