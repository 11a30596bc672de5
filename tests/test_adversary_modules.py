"""The adversary engine split into modules: the front door still registers and exports everything,
and the strategies draw from the catalogue's declared parameter domains."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

from hypothesis import given, settings

from qproto.models import attacks as catalogue
from qproto.proofs import adversary, adversary_strategies

CHECKS = {
    "adversary.intercept-resend-family",
    "adversary.information-disturbance",
    "adversary.soundness-key-rate",
    "adversary.soundness-abort",
    "adversary.completeness",
    "adversary.denial-of-service",
    "adversary.mitm-unauthenticated",
    "adversary.mitm-authenticated",
    "adversary.chsh-entanglement-breaking",
    "adversary.programmed-devices",
    "adversary.photon-number-splitting",
    "adversary.fuchs-peres-exact",
    "adversary.threshold-below-rate-zero",
}


def test_the_front_door_registers_every_adversary_checker():
    from qproto.proofs.registry import checker_names, get_checker

    assert CHECKS <= set(checker_names())
    assert get_checker("adversary.completeness") is adversary.check_completeness


def test_names_used_before_the_split_are_still_importable():
    for name in adversary.__all__:
        assert hasattr(adversary, name), name
    # private names other modules and suites reached for
    for name in ("_num", "_reproducible_generation", "_model", "_qkd_spec", "_confirm", "_abort_count", "_depolarizing_for_qber"):
        assert callable(getattr(adversary, name)), name
    from qproto.proofs.adversary_campaign import reproducible_generation
    from qproto.proofs.adversary_figures import num

    assert adversary._num is num and adversary._reproducible_generation is reproducible_generation


def _narrowed(monkeypatch, attack: str, parameter: str, high: Fraction) -> None:
    real = catalogue.get_attack

    def get_attack(name: str, kind: str | None = None):
        info = real(name, kind)
        if name != attack:
            return info
        params = tuple(dataclasses.replace(p, high=high) if p.name == parameter else p for p in info.params)
        return dataclasses.replace(info, params=params)

    monkeypatch.setattr(catalogue, "get_attack", get_attack)


def _draws(strategy, n: int = 150) -> list[str]:
    seen: list[str] = []

    @settings(max_examples=n, database=None, derandomize=True, deadline=None)
    @given(strategy)
    def collect(label: str) -> None:
        seen.append(label)

    collect()
    return seen


def _values(labels: list[str], parameter: str) -> list[float]:
    return [adversary.AttackCase(lab).values().get(parameter, 0.0) for lab in labels]


def test_strategies_follow_the_declared_domain(monkeypatch):
    wide = _values(_draws(adversary_strategies.catalogue_attacks()), "disturbance")
    assert max(wide) > 0.2  # the catalogue's Fuchs–Peres domain is [0, 1/2]
    _narrowed(monkeypatch, "fuchs-peres", "disturbance", Fraction(1, 5))
    narrowed_strategy = adversary_strategies._over_domain("fuchs-peres")
    narrow = _values(_draws(narrowed_strategy), "disturbance")
    assert narrow and max(narrow) <= 0.2 and max(narrow) > 0.1


def test_probe_angles_stay_in_their_domain_and_the_requested_range():
    labels = _draws(adversary_strategies.general_probes(0.15), 60)
    values = [v for lab in labels for v in adversary.AttackCase(lab).values().values()]
    assert values and all(-0.15 <= v <= 0.15 for v in values)
    assert adversary_strategies.domain("entangling-probe", "a1") == (-1.0, 1.0)
