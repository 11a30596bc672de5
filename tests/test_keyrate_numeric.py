"""Certified numerical key rates (qproto.models.keyrate_numeric).

Every expected value is computed here by another road: closed forms written
out in the test (Shor–Preskill 1 − 2h(Q), Lo's six-state rate), published
thresholds, the exact Born-rule tables of qproto.models.qkd, finite
differences.  Validity (lower ≤ truth ≤ upper) is checked separately from
tightness.
"""

from __future__ import annotations

import json
import math
import sys

import numpy as np
import pytest

pytest.importorskip("cvxpy")

from qproto.models import keyrate_source as source  # noqa: E402
from qproto.models import qkd as born  # noqa: E402
from qproto.models.attacks import parse_attack  # noqa: E402
from qproto.models.keyrate_numeric import (  # noqa: E402
    certified_threshold,
    certify,
    key_rate_numeric,
)
from qproto.models.keyrate_objective import gradient, objective  # noqa: E402
from qproto.spec.b92 import B92  # noqa: E402
from qproto.spec.bb84 import BB84  # noqa: E402
from qproto.spec.e91 import BBM92  # noqa: E402
from qproto.spec.errors import QprotoError  # noqa: E402
from qproto.spec.qkd_variants import SARG04, SIX_STATE  # noqa: E402


def h(x: float) -> float:
    return 0.0 if x <= 0 or x >= 1 else -x * math.log2(x) - (1 - x) * math.log2(1 - x)


def shor_preskill(q: float) -> float:
    return 1 - 2 * h(q)


def lo_six_state(q: float) -> float:
    """Lo, Quantum Inf. Comput. 1, 81 (2001), one-way rate."""
    if q == 0:
        return 1.0
    return 1 + 1.5 * q * math.log2(q / 2) + (1 - 1.5 * q) * math.log2(1 - 1.5 * q)


def zero_of(rate, lo: float, hi: float) -> float:
    for _ in range(80):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if rate(mid) > 0 else (lo, mid)
    return (lo + hi) / 2


# BB84 and six-state under depolarizing p have QBER p/2 (their specs' own property)
@pytest.mark.parametrize("qber", [0.0, 0.03, 0.06, 0.09, 0.11])
def test_bb84_matches_shor_preskill(qber: float) -> None:
    r = key_rate_numeric(BB84, noise=2 * qber)
    exact = shor_preskill(qber)
    assert r.qber == pytest.approx(qber, abs=1e-12)
    assert r.lower <= exact + 1e-9  # valid
    # an attack cannot beat the optimum; on a face of the constraint set (Q = 0) the attack
    # state reproduces the observed values only to the reported residual (≤ 1e-8)
    assert r.upper is not None and r.upper >= exact - 1e-7
    assert r.certificate["attack_state_residual"] <= 1e-8
    assert exact - r.lower < 1e-4  # tight
    assert r.gap == pytest.approx(r.upper - r.lower)


@pytest.mark.parametrize("qber", [0.02, 0.08, 0.12])
def test_six_state_matches_lo_2001(qber: float) -> None:
    r = key_rate_numeric(SIX_STATE, noise=2 * qber)
    exact = lo_six_state(qber)
    assert r.lower <= exact + 1e-9 <= r.upper + 2e-9
    assert exact - r.lower < 1e-4


def test_entanglement_based_bbm92_matches_shor_preskill() -> None:
    r = key_rate_numeric(BBM92, noise=0.1)
    assert r.lower <= shor_preskill(0.05) + 1e-9
    assert shor_preskill(0.05) - r.lower < 1e-4


def test_bb84_threshold_bracket() -> None:
    lo, hi = certified_threshold(BB84, tolerance=1e-4)
    true_zero = zero_of(shor_preskill, 0.05, 0.2)  # 0.110028…
    assert lo <= true_zero <= hi
    assert abs(lo - 0.1100) < 1e-3 and hi - lo <= 1e-4


def test_six_state_threshold_bracket() -> None:
    lo, hi = certified_threshold(SIX_STATE, tolerance=1e-4)
    true_zero = zero_of(lo_six_state, 0.05, 0.2)
    assert lo <= true_zero <= hi
    assert abs(true_zero - 0.1262) < 5e-5 and abs(lo - 0.1262) < 1e-3


def test_b92_against_literature() -> None:
    # Matsumoto, arXiv:1301.5083 (2013): single-photon B92 yields key at depolarizing
    # rate 6.5 % in the convention where BB84 tolerates 16.5 % (ρ ↦ (1−q)ρ + q/3 ΣσρΣσ,
    # i.e. our p = 4q/3).
    assert key_rate_numeric(B92, noise=4 * 0.065 / 3).lower > 0
    # issue 12: an accepted attack at QBER 0.09999 leaves no key.  B92's depolarizing QBER
    # is p/(p + 1), so p = Q/(1 − Q).
    q = 0.09999
    r = key_rate_numeric(B92, noise=q / (1 - q))
    assert r.qber == pytest.approx(q, abs=1e-12)
    assert r.upper is not None and r.upper < 0


def test_sarg04_between_branciard_bounds() -> None:
    # Branciard, Gisin, Kraus, Scarani, PRA 72, 032301 (2005): single-photon SARG04 is
    # secure for Q ≲ 10.95 % and an attack breaks it for Q ≳ 14.9 %.  SARG04's depolarizing
    # QBER is p/(p + 1).
    assert key_rate_numeric(SARG04, noise=0.1095 / (1 - 0.1095)).lower > 0
    r = key_rate_numeric(SARG04, noise=0.149 / (1 - 0.149))
    assert r.upper is not None and r.upper < 0


def test_certificate_valid_at_a_bad_point() -> None:
    """Step 2 does not trust step 1: at the maximally mixed state the bound is
    loose but still below the true minimum (Shor–Preskill per round)."""
    prob = source.problem(BB84, source.depolarizing_kraus(0.1), "p=0.1")
    bad = np.eye(prob.structure.dim) / prob.structure.dim
    cert = certify(prob, bad)
    true_min_f = 0.5 * (1 - h(0.05))  # H(Z|E) per round: sift 1/2 times 1 − h(e_phase)
    assert cert["bound"] <= true_min_f + 1e-12
    good = key_rate_numeric(BB84, noise=0.1).certificate["bound"]
    assert cert["bound"] < good <= true_min_f + 1e-9


def test_observed_table_matches_born_rule() -> None:
    """The constraints come from the spec's own statistics: compare with the exact
    table of qproto.models.qkd (a separate SymPy derivation)."""
    for spec in (BB84, B92, SARG04):
        prob = source.problem(spec, source.depolarizing_kraus(0.1), "p=0.1")
        inst = parse_attack("depolarizing:p=1/10").instrument()
        dist = born.outcome_distribution(spec, inst)
        probs = born.signal_probabilities(spec)
        table = dict(prob.table)
        for s in spec.signals:
            for m in spec.measurements:
                for o in m.outcomes:
                    want = float(probs[s.name]) * float(eval_exact(m.probability)) * float(dist[s.name][m.name][o.label])
                    assert table[f"P({s.name}, {m.name}, {o.label})"] == pytest.approx(want, abs=1e-12)
        assert prob.sift == pytest.approx(float(born.sift_probability(spec, inst)), abs=1e-12)
        assert prob.qber == pytest.approx(float(born.qber(spec, inst)), abs=1e-12)


def eval_exact(text: str) -> float:
    import sympy as sp

    return float(sp.sympify(text, rational=True))


def test_gradient_matches_finite_differences() -> None:
    prob = source.problem(B92, source.depolarizing_kraus(0.07), "p=0.07")
    blocks = prob.structure.blocks
    rho = 0.9 * prob.rho + 0.1 * prob.structure.mixed
    eps = 1e-6
    g = gradient(rho, blocks, eps)
    rng = np.random.default_rng(12)
    for _ in range(3):
        a = rng.normal(size=rho.shape) + 1j * rng.normal(size=rho.shape)
        d = (a + a.conj().T) / 2
        step = 1e-6
        fd = (objective(rho + step * d, blocks, eps) - objective(rho - step * d, blocks, eps)) / (2 * step)
        assert float(np.real(np.vdot(g, d))) == pytest.approx(fd, rel=1e-5, abs=1e-8)


def test_frank_wolfe_primal_also_certifies() -> None:
    r = key_rate_numeric(BB84, noise=0.1, primal="frank-wolfe")
    assert r.lower <= shor_preskill(0.05) + 1e-9 and shor_preskill(0.05) - r.lower < 1e-4


def test_missing_cvxpy_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cvxpy", None)
    from qproto.models import keyrate_numeric

    monkeypatch.setattr(keyrate_numeric, "_CACHE", keyrate_numeric._SDPCache())
    with pytest.raises(QprotoError, match=r"qproto\[keyrate\]"):
        key_rate_numeric(BB84, noise=0.1)


def test_cli_keyrate_json(capsys: pytest.CaptureFixture[str]) -> None:
    from qproto.cli import main

    assert main(["keyrate", "bb84", "--noise", "depolarizing=0.1", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["protocol"] == "bb84"
    assert abs(doc["lower"] - shor_preskill(0.05)) < 1e-4 and doc["lower"] <= doc["upper"]
    assert "collective" in doc["regime"] and "one-way" in doc["regime"]
    assert main(["keyrate", "bb84", "--noise", "depolarizing=1.5"]) == 2
    assert main(["keyrate", "teleportation"]) == 2


def test_checker_certified_key_rate() -> None:
    from qproto.proofs.registry import get_checker
    from qproto.proofs.verdict import Status
    from qproto.spec.protocol import Property

    chk = get_checker("keyrate.certified-key-rate")

    def prop(qber: str) -> Property:
        return Property(
            id="certified-key-rate",
            statement="rate > 0 below the threshold",
            engine="algebra",
            check="keyrate.certified-key-rate",
            args={"qber": qber},
        )

    status, ev = chk(SIX_STATE, prop("0.12"), {})
    assert status is Status.PROVED and ev["pieces"]
    status, ev = chk(B92, prop("0.11"), {})  # B92's zero is near 8.1 %: 11 % is refuted
    assert status is Status.REFUTED and ev["counterexample"]["upper"] < 0


def test_docstring_example() -> None:
    import doctest

    from qproto.models import keyrate_numeric

    result = doctest.testmod(keyrate_numeric, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_observations_qber_only() -> None:
    """Constrained only by what parameter estimation reads.  Lo, Chau & Ardehali,
    J. Cryptology 18, 133 (2005): with a biased basis choice, per-basis estimation keeps
    1 − 2h(Q), while a pooled estimate lets Eve hide errors in the rare basis."""
    from qproto.spec.bb84 import BB84_BIASED
    from qproto.spec.catalogue import find

    r = key_rate_numeric(BB84_BIASED, noise=0.1, observations="qber")
    assert r.lower <= shor_preskill(0.05) + 1e-9 and shor_preskill(0.05) - r.lower < 1e-4
    pooled = key_rate_numeric(find("bb84-biased-pooled-estimate"), noise=0.1, observations="qber")
    assert pooled.upper is not None and pooled.upper < 0
    # fewer constraints can only lower the minimum
    full = key_rate_numeric(B92, noise=0.05)
    loose = key_rate_numeric(B92, noise=0.05, observations="qber")
    assert loose.lower <= full.upper + 1e-9


def test_b92_loss_unambiguous_discrimination() -> None:
    """With loss and no reference pulse, B92 dies where Eve's unambiguous state
    discrimination (success 1 − |⟨0|+⟩| = 1 − 1/√2, Ivanovic 1987 / Dieks 1988 /
    Peres 1988) can replace the line: at transmittance η ≤ 1 − 1/√2 she resends only the
    states she identified and Bob's statistics are those of the lossy line
    (Dušek, Jahma, Lütkenhaus, PRA 62, 022306 (2000))."""
    usd = 1 - 1 / math.sqrt(2)
    below = key_rate_numeric(B92, noise=0.0, transmittance=usd - 0.02)
    assert below.upper is not None and below.upper < 1e-6 and below.lower <= below.upper
    above = key_rate_numeric(B92, noise=0.0, transmittance=usd + 0.06)
    assert above.lower > 0.03


def test_designers_variant_gets_a_bracket() -> None:
    """A B92 variant with states at Bloch angle π/4 (|0⟩ and cos(π/8)|0⟩ + sin(π/8)|1⟩),
    written in the DSL: no engine code, and a bracket comes out."""
    from qproto.spec.qkd import Measurement, Outcome, Signal, basis_measurement

    phi = ("cos(pi/8)", "sin(pi/8)")
    perp = ("-sin(pi/8)", "cos(pi/8)")
    cand = (("0", "phi"),)
    spec = B92.variant(
        "b92-narrow",
        signals=(
            Signal(name="0", bit=0, basis="Z", amplitudes=("1", "0"), announce=cand),
            Signal(name="phi", bit=1, basis="T", amplitudes=phi, announce=cand),
        ),
        basis_probabilities={"Z": "1/2", "T": "1/2"},
        measurements=(
            basis_measurement("Z", "1/2"),
            Measurement(
                name="T",
                probability="1/2",
                outcomes=(Outcome(label="phi", vector=phi, bit=1), Outcome(label="perp", vector=perp, bit=0)),
            ),
        ),
    )
    r = key_rate_numeric(spec, noise=0.02)
    inst = parse_attack("depolarizing:p=1/50").instrument()
    assert r.sift == pytest.approx(float(born.sift_probability(spec, inst)), abs=1e-12)
    assert r.qber == pytest.approx(float(born.qber(spec, inst)), abs=1e-12)
    assert r.upper is not None and 0 < r.lower <= r.upper and r.gap < 1e-4


def test_keyrate_refuses_an_empty_attack_in_one_line(capsys) -> None:
    from qproto.cli import main

    assert main(["keyrate", "bb84", "--attack", ""]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--attack='' is empty" in err[0]
