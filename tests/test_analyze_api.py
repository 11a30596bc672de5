"""``qproto.analyze_api.analyze``: the document of ``qproto analyze --json``
from Python, and its typed source :func:`qproto.models.qkd_report.qkd_report`."""

from __future__ import annotations

import json

import pytest

from qproto.analyze_api import analyze
from qproto.models.attacks import parse_attack
from qproto.models.qkd_report import QKDReport, qkd_report
from qproto.spec.catalogue import find
from qproto.spec.errors import QprotoError

from .helpers import run_cli


def _cli_json(*words: str) -> dict:
    r = run_cli("analyze", *words, "--json")
    assert r.code == 0, r.err
    return json.loads(r.out)


@pytest.mark.parametrize(
    "name, options, words",
    [
        ("bb84", {}, []),
        (
            "bb84",
            {"attack": "intercept-resend:fraction=0.5", "rounds": 1000},
            ["--attack", "intercept-resend:fraction=0.5", "--rounds", "1000"],
        ),
        ("bb84-biased", {"noise": "depolarizing=0.05", "rounds": 500}, ["--noise", "depolarizing=0.05", "--rounds", "500"]),
        ("b92", {"attack": "universal-cloner"}, ["--attack", "universal-cloner"]),
        ("e91", {"noise": "depolarizing=0.1"}, ["--noise", "depolarizing=0.1"]),
        ("repeater-chain", {"segments": 2, "fidelity": 0.95}, ["--segments", "2", "--fidelity", "0.95"]),
    ],
)
def test_the_python_document_is_the_command_lines(name, options, words):
    mine, cli = analyze(name, **options), _cli_json(name, *words)
    # the symbolic formulas have a wall-clock budget: on a loaded machine one
    # of the two runs may give the budget's note instead (then only that differs)
    if "note" in mine.get("formulas", {}) or "note" in cli.get("formulas", {}):
        mine.pop("formulas"), cli.pop("formulas")
    assert mine == cli


def test_a_protocol_object_is_analysed_like_its_name():
    assert analyze(find("six-state"), attack="breidbart") == analyze("six-state", attack="breidbart")


@pytest.mark.parametrize(
    "options, message",
    [
        ({"atack": "intercept-resend"}, "did you mean 'attack'"),
        ({"segments": 3}, "--segments does not apply to bb84"),
        ({"rounds": 0}, "rounds=0 must be > 0"),
        ({"attack": "no-such-attack"}, "no-such-attack"),
    ],
)
def test_bad_options_raise_the_command_lines_one_line_error(options, message):
    with pytest.raises(QprotoError) as err:
        analyze("bb84", **options)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_a_spec_that_is_neither_a_name_nor_a_protocol_is_refused():
    with pytest.raises(QprotoError, match="must be a Protocol or a name"):
        analyze(42)


def test_the_report_is_typed_frozen_and_exact():
    r = qkd_report(find("bb84"), attack=parse_attack("intercept-resend:fraction=1", kind="attack"), rounds=100)
    assert isinstance(r, QKDReport)
    assert str(r.qber) == "1/4" and str(r.sift_probability) == "1/2"
    assert r.arithmetic == "exact"
    assert r.accepted_asymptotically is False  # 1/4 > 11/100
    (sp_rate,) = [k for k in r.key_rates if k.formula == "shor-preskill"]
    assert sp_rate.rate is not None and sp_rate.rate < 0
    assert r.abort_probability is not None and r.abort_probability["value"] > 0.5
    with pytest.raises(AttributeError):
        r.qber = 0  # type: ignore[misc]


def test_the_per_basis_form_is_chosen_by_the_spec_estimation_rule():
    pooled = qkd_report(find("bb84"), formulas=False)
    per_basis = qkd_report(find("bb84-biased"), formulas=False)
    assert pooled.estimation == "pooled" and per_basis.estimation == "per-basis"
    (a,) = [k for k in pooled.key_rates if k.formula == "shor-preskill"]
    (b,) = [k for k in per_basis.key_rates if k.formula == "shor-preskill"]
    assert "e_phase" in b.text and "e_phase" not in a.text
    assert a.rate == pytest.approx(1.0) and b.rate == pytest.approx(1.0)  # an ideal line: no error in any basis
    assert per_basis.key_basis is not None and per_basis.e_bit == 0 and per_basis.e_phase == 0


def test_a_chsh_formula_reads_the_measured_bell_value():
    spec = find("e91")
    noisy = qkd_report(spec, noise=parse_attack("depolarizing=0.05", kind="noise"), formulas=False)
    assert noisy.chsh is not None and noisy.bell_test_passes is True
    di = [k for k in noisy.key_rates if k.formula == "di-chsh-acin"]
    if di:  # the spec names the device-independent rate
        assert "measured Q and S" in di[0].text
