"""Regressions for issue 10 in the QKD models, algebra checkers and analyze.

Each test would have failed on the code before the fix; the designer
variants live in tests/designer_variants/qkd_model_*.py.
"""

from __future__ import annotations

import importlib
import math
import types
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from qproto.analyzers import analyzer_for
from qproto.loader import resolve
from qproto.models import qkd
from qproto.models.attacks import attacks, parse_attack
from qproto.models.instrument import Instrument, measure_resend
from qproto.models.keyrate import KEY_RATES, threshold
from qproto.proofs.adversary import figures
from qproto.proofs.runner import validate, verify
from qproto.proofs.verdict import Status
from qproto.spec.errors import NotCPTPError, SpecError
from qproto.spec.qkd import PUBLISHED_THRESHOLDS, THRESHOLD_PROPERTY, pm_properties

from .helpers import run_cli

#: The QKD catalogue (prepare-and-measure and entanglement-based).
QKD_CATALOGUE = ("bb84", "bb84-biased", "b92", "six-state", "sarg04", "e91", "bbm92", "bb84-decoy")


def _variant(module: str):
    return importlib.import_module(f"tests.designer_variants.{module}").SPEC


def _analyze(name_or_spec, attack: str | None = None, noise: str | None = None) -> dict:
    spec = resolve(name_or_spec) if isinstance(name_or_spec, str) else name_or_spec
    validate(spec)
    return analyzer_for(spec).analyze(spec, types.SimpleNamespace(attack=attack, noise=noise, rounds=None))


def _verdicts(spec, *ids: str) -> dict[str, object]:
    return {v.property: v for v in verify(spec, engines=["algebra"], properties=ids or None)}


# -- item 3: step order ------------------------------------------------------------------


@pytest.mark.parametrize(
    "module,step",
    [
        ("qkd_model_announce_before_send", "step 3 (Alice: 'send')"),
        ("qkd_model_e91_announce_before_measure", "step 4 (Bob: 'measure')"),
    ],
)
def test_step_order_the_model_does_not_implement_is_rejected(module, step):
    with pytest.raises(SpecError) as err:
        validate(_variant(module))
    message = str(err.value)
    assert step in message and "'announce'" in message and "\n" not in message


def test_every_catalogue_qkd_spec_keeps_a_valid_step_order():
    from qproto.spec import qkd_flawed

    for name in QKD_CATALOGUE:
        validate(resolve(name))
    for spec in qkd_flawed.FLAWED:
        validate(spec)


# -- item 11: an instrument qproto builds is never rejected ------------------------------------


def test_intercept_resend_basis_at_awkward_angles_is_accepted_and_analysed():
    r = run_cli("analyze", "bb84", "--attack", "intercept-resend-basis:fraction=1,theta=0.3,phi=0.7", "--json")
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["instrument_check"]["trace_preserving"].startswith("exact")
    assert doc["qber"]["value"] == pytest.approx(0.357095343222651, abs=1e-12)


@pytest.mark.parametrize("theta,phi", [("37/100", "13/10"), ("89/100", "114/100"), ("1/8", "0")])
def test_intercept_resend_basis_any_angle(theta, phi):
    inst = parse_attack(f"intercept-resend-basis:fraction=1/3,theta={theta},phi={phi}").instrument()
    num = inst.numeric()  # the numeric form is checked to 1e-9 as well
    total = sum(k.conj().T @ k for b in num.branches for k in b.kraus)
    assert np.allclose(total, np.eye(2), atol=1e-12)
    doc = _analyze("bb84", f"intercept-resend-basis:fraction=1/3,theta={theta},phi={phi}")
    assert doc["arithmetic"]["mode"] in ("exact", "numeric") and doc["arithmetic"]["text"]


def test_exact_instrument_decided_numerically_is_not_rejected():
    """The old factory's form: e^{iφ} left as (−1)^(7/10); SymPy cannot
    reduce Σ K†K − I to zero, yet it is zero (to 50 digits); the old check
    raised NotCPTPError ("fix the Kraus operators")."""
    t, p = sp.pi * sp.Rational(3, 10) / 2, sp.pi * sp.Rational(7, 10)
    phase = sp.exp(sp.I * p)
    v0 = (sp.cos(t), phase * sp.sin(t))
    v1 = (-sp.sin(t), phase * sp.cos(t))
    v0 = tuple(sp.nsimplify(sp.simplify(x)) for x in v0)
    v1 = tuple(sp.nsimplify(sp.simplify(x)) for x in v1)
    inst = Instrument("old-form", measure_resend("old-form", 1, [("B", 1, (v0, v1))]))
    assert inst.trace_check in ("exact",) or inst.trace_check.startswith("numeric")


def test_a_genuinely_non_trace_preserving_instrument_is_still_rejected():
    with pytest.raises(NotCPTPError, match="not trace preserving"):
        Instrument("leaky", {"none": [[[1, 0], [0, sp.sqrt(sp.Rational(99, 100))]]]})


# -- items 16 and 19: Eve's information from what the spec announces; analyze answers ---------------


def test_b92_eve_information_comes_from_the_announcements():
    doc = _analyze("b92", "intercept-resend:fraction=0.1")
    info, chi = doc["eve_information"]["value"], doc["eve_holevo_information"]["value"]
    assert info == pytest.approx(0.0772646, abs=1e-6)  # was 1 bit: Eve was shown Alice's basis
    assert info <= chi + 1e-9


def test_designer_b92_eve_information_below_holevo():
    spec = _variant("qkd_model_b92_tilted")
    doc = _analyze(spec, "intercept-resend:fraction=1/10")
    assert 0 < doc["eve_information"]["value"] < 1
    assert doc["eve_information"]["value"] <= doc["eve_holevo_information"]["value"] + 1e-9


def test_sarg04_crash_point_answers():
    doc = _analyze("sarg04", "intercept-resend:fraction=53/500,px=59/100")  # was "Exceeds the limit (4300 digits)"
    assert doc["eve_information"]["value"] <= doc["eve_holevo_information"]["value"] + 1e-9
    assert doc["arithmetic"]["mode"] == "exact"


def test_bbm92_entangling_probe_with_noise_answers():
    doc = _analyze("bbm92", "entangling-probe:a1=0.1,a5=0.2,a7=0.3", "depolarizing=0.05")  # was "Cannot convert complex to float"
    assert doc["arithmetic"]["mode"] == "numeric"
    assert 0 <= doc["qber"]["value"] <= 1


def _random_attack(info, rng: np.random.Generator) -> str:
    values = {}
    for p in info.params:
        lo, hi = Fraction(str(p.low)), Fraction(str(p.high))
        values[p.name] = lo + (hi - lo) * Fraction(int(rng.integers(0, 101)), 100)
    if info.name == "intercept-resend" and values["px"] + values["py"] > 1:
        values["py"] = 1 - values["px"]
    if info.name == "pauli-probe":
        scale = max(1, values["px"] + values["py"] + values["pz"])
        values = {k: v / scale for k, v in values.items()}
    if info.name == "universal-cloner":
        values["disturbance"] = min(values["disturbance"], Fraction(2, 3))
    return info.name + ":" + ",".join(f"{k}={v}" for k, v in values.items())


@pytest.mark.parametrize("name", QKD_CATALOGUE)
def test_shannon_information_never_exceeds_holevo(name):
    """I(A:E | P) ≤ χ(A:E | P) for every catalogue attack at random
    parameters (seeded): the Shannon figure of an attack with a classical
    record comes from models.qkd, χ from the sifted ensemble — two roads."""
    spec = resolve(name)
    rng = np.random.default_rng(10)
    for info in sorted(attacks("attack").values(), key=lambda a: a.name):
        if info.name == "none":
            continue
        label = _random_attack(info, rng)
        inst = parse_attack(label, kind="attack").instrument()
        fig = figures(spec, inst, acceptance=False)
        shannon = qkd.eve_information(spec, inst)
        shannon = fig["info_ae"] if shannon is None else float(sp.N(shannon)) if isinstance(shannon, sp.Basic) else shannon
        assert shannon <= fig["holevo_ae"] + 1e-9, (name, label, shannon, fig["holevo_ae"])


# -- item 13: refutations replay; empty sets are vacuous --------------------------------------------


def test_no_published_values_is_vacuous_not_refuted():
    v = _verdicts(_variant("qkd_model_no_published"), "published-values", "threshold-where-rate-vanishes")
    for verdict in v.values():
        assert verdict.status is Status.ERROR and verdict.evidence["vacuous"] is True


def test_no_sifted_round_is_vacuous_not_proved():
    v = _verdicts(_variant("qkd_model_no_sifted_round"), "sifted-bits-agree", "mismatched-bases-uniform")
    for verdict in v.values():
        assert verdict.status is Status.ERROR and verdict.evidence["vacuous"] is True


def test_mismatched_bases_refutation_replays():
    v = _verdicts(_variant("qkd_model_tilted_x"), "mismatched-bases-uniform")["mismatched-bases-uniform"]
    assert v.status is Status.REFUTED
    ce = v.evidence["counterexample"]
    assert v.evidence["replay"]["numeric_probability"] == pytest.approx(ce["probability"]["value"], abs=1e-12)


def test_published_and_threshold_refutations_replay():
    v = _verdicts(_variant("qkd_model_wrong_published"), "published-values", "threshold-where-rate-vanishes")
    th = v["threshold-where-rate-vanishes"]
    assert th.status is Status.REFUTED and th.evidence["counterexample"]["published"] == "0.12"
    assert abs(th.evidence["replay"]["rate_at_derived_threshold"]) < 1e-8
    pub = v["published-values"]
    assert pub.status is Status.REFUTED and "counterexample" in pub.evidence
    assert pub.evidence["replay"]["numeric_value"] == pytest.approx(pub.evidence["counterexample"]["derived"]["value"])


def test_chsh_refutation_replays():
    v = _verdicts(_variant("qkd_model_e91_rotated_b3"), "chsh-maximal")["chsh-maximal"]
    assert v.status is Status.REFUTED
    assert v.evidence["replay"]["numeric_chsh"] == pytest.approx(-1 - math.sqrt(2), abs=1e-12)
    assert v.evidence["counterexample"]["derived"]["value"] == pytest.approx(-1 - math.sqrt(2), abs=1e-12)


def test_every_refutation_in_proofs_qkd_carries_a_counterexample():
    import inspect

    from qproto.proofs import qkd as checkers

    source = inspect.getsource(checkers)
    calls = source.split("refuted(")[1:]
    assert calls and all("counterexample=" in c.split("\n    return")[0][:1600] for c in calls)


# -- item 14: regime and citations ------------------------------------------------------------


def test_six_state_threshold_cites_what_is_computed():
    pub = PUBLISHED_THRESHOLDS["six-state-lo"]
    assert "Kato" in pub.reference.cite and pub.value == "0.12619"
    assert abs(threshold("six-state-lo").value - float(pub.value)) <= float(pub.tolerance)


def test_every_key_rate_and_statement_states_its_regime():
    for kr in KEY_RATES.values():
        assert "asymptotic" in kr.regime and "one-way" in kr.regime and "attacks" in kr.regime
    assert "asymptotic" in THRESHOLD_PROPERTY.statement and "one-way" in THRESHOLD_PROPERTY.statement
    ir = next(p for p in pm_properties(ir_qber="f/4", depolarizing_qber="p/2") if p.id == "intercept-resend-qber")
    assert "probability 1/2" in ir.statement
