"""``qproto.keyrate`` from Python: the typed report, strict arguments,
replayable upper ends, the finite-key line.

Expected values are computed here by another road: Shor–Preskill's
1 − 2h(Q), the QBER of each channel written out (BB84: p/2 and
fraction/4; B92: p/(1 + p)), and Eq. (2) of Tomamichel et al. (2012)
re-derived below.
"""

from __future__ import annotations

import dataclasses
import json
import math
import shlex

import pytest

pytest.importorskip("cvxpy")

import qproto  # noqa: E402
from qproto.keyrate_api import KeyRateReport, finite_key_coverage, keyrate  # noqa: E402
from qproto.spec.b92 import B92  # noqa: E402
from qproto.spec.bb84 import BB84  # noqa: E402
from qproto.spec.errors import ParameterError, QprotoError  # noqa: E402


def h(x: float) -> float:
    return 0.0 if x <= 0 or x >= 1 else -x * math.log2(x) - (1 - x) * math.log2(1 - x)


def test_exported_lazily_from_the_package() -> None:
    assert "keyrate" in qproto.__all__
    assert qproto.keyrate is keyrate and qproto.KeyRateReport is KeyRateReport


def test_bb84_report_is_a_typed_certified_bracket() -> None:
    r = qproto.keyrate("bb84", noise=0.1)
    exact = 1 - 2 * h(0.05)
    assert isinstance(r, KeyRateReport)
    assert r.qber == pytest.approx(0.05, abs=1e-12) and r.sift == pytest.approx(0.5, abs=1e-12)
    assert r.lower <= exact + 1e-9 <= r.upper + 2e-9 and exact - r.lower < 1e-4
    assert r.gap == pytest.approx(r.upper - r.lower)
    assert "Winick" in r.certificate["method"] and r.certificate["bound"] - r.certificate["leak_ec"] == pytest.approx(
        r.lower * r.sift
    )
    for words in ("asymptotic", "collective attacks", "one-way"):
        assert words in r.regime
    assert "CLARABEL" in r.solver
    assert r.finite_key is None and r.threshold is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.lower = 1.0  # type: ignore[misc]
    doc = json.loads(json.dumps(r.to_json(), allow_nan=False))
    assert doc["lower"] == r.lower and doc["upper_attack"]["replay"] == r.upper_attack.replay
    assert "attack_state" not in doc["certificate"]  # the attack lives in upper_attack


def test_upper_end_replays_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    from qproto.cli import main

    p = 0.05
    r = keyrate(B92, noise=p)
    assert r.qber == pytest.approx(p / (1 + p), abs=1e-12)
    up = r.upper_attack
    assert up.residual <= 1e-8 and "collective" in up.description
    assert up.replay == f"qproto keyrate b92 --noise depolarizing={p!r} --json"
    argv = shlex.split(up.replay)
    assert argv[0] == "qproto" and main(argv[1:]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["upper"] == pytest.approx(r.upper, abs=1e-9) and doc["upper_attack"]["state"] == up.state
    # qproto analyze reproduces the statistics the attack state matches
    argv = shlex.split(up.replay_observations)
    assert argv[:2] == ["qproto", "analyze"] and main(argv[1:]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["qber"]["value"] == pytest.approx(r.qber, abs=1e-12)
    assert stats["sift_probability"]["value"] == pytest.approx(r.sift, abs=1e-12)


def test_attack_replay_names_the_attack(capsys: pytest.CaptureFixture[str]) -> None:
    from qproto.cli import main

    r = keyrate("bb84", attack="intercept-resend:fraction=0.2")
    assert r.qber == pytest.approx(0.2 / 4, abs=1e-12)
    assert "--attack intercept-resend:fraction=0.2" in r.upper_attack.replay
    assert main(shlex.split(r.upper_attack.replay_observations)[1:]) == 0
    assert json.loads(capsys.readouterr().out)["qber"]["value"] == pytest.approx(0.05, abs=1e-12)


def test_lossy_line_has_no_analyze_replay() -> None:
    r = keyrate("bb84", noise=0.02, transmittance=0.5)
    assert "--transmittance 0.5" in r.upper_attack.replay and r.upper_attack.replay_observations is None
    assert "lossy" in r.regime


def test_a_designer_variant_without_a_name_says_how_to_replay() -> None:
    mine = BB84.variant("bb84-mine", summary="BB84 under another name")
    r = keyrate(mine, noise=0.1)
    assert r.protocol == "bb84-mine" and abs(r.lower - (1 - 2 * h(0.05))) < 1e-4
    assert r.upper_attack.replay is None and "path/to/spec.py" in r.upper_attack.note


def test_finite_key_line_is_tomamichel_eq_2() -> None:
    n_sig, eps_sec, eps_cor, q = 10**6, 1e-10, 1e-15, 0.03
    r = keyrate("bb84", noise=2 * q, rounds=n_sig, epsilon=eps_sec)
    # Tomamichel, Lim, Gisin, Renner 2012, Eq. (2), p_x = 1/2: n = k = N/4, f = 1 (our default)
    n = k = n_sig // 4
    mu = math.sqrt((n + k) / (n * k) * (k + 1) / k * math.log(2 / eps_sec))
    ell = n * (1 - h(q + mu)) - n * h(q) - math.log2(2 / (eps_sec**2 * eps_cor))
    fk = r.finite_key
    assert fk is not None and fk.rounds == n_sig and fk.epsilon == eps_sec
    assert fk.key_bits == pytest.approx(ell, rel=1e-9) and fk.positive == (ell > 0)
    assert fk.rate_per_signal == pytest.approx(ell / n_sig, rel=1e-9)
    assert "Tomamichel" in fk.reference and "coherent" in fk.details["regime"]
    # far too few signals: no key
    assert keyrate("bb84", noise=2 * q, rounds=1000).finite_key.positive is False


def test_threshold_bracket_contains_the_shor_preskill_zero() -> None:
    r = keyrate("bb84", threshold=True)
    lo = 0.05
    hi = 0.2
    for _ in range(80):  # 1 − 2h(Q) = 0 by bisection
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if 1 - 2 * h(mid) > 0 else (lo, mid)
    assert r.threshold is not None and r.threshold.qber_low <= lo <= r.threshold.qber_high
    assert r.threshold.qber_high - r.threshold.qber_low < 1e-4


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"nosie": 0.1}, r"unknown option nosie=0\.1; did you mean 'noise'"),
        ({"noise": 1.5}, r"noise=1\.5 .* \[0, 1\]"),
        ({"noise": True}, r"noise=True must be a number"),
        ({"noise": 0.1, "attack": "intercept-resend:fraction=0.5"}, "either noise or attack"),
        ({"attack": ""}, "empty"),
        ({"transmittance": 0}, r"transmittance=0\.0 must lie in \(0, 1\]"),
        ({"ec_efficiency": 0.9}, "Shannon"),
        ({"observations": "all"}, "'full' or 'qber'"),
        ({"epsilon": 1e-9}, "needs rounds"),
        ({"rounds": 0}, "positive integer"),
        ({"rounds": 10**6, "epsilon": 2.0}, r"\(0, 1\)"),
        ({"threshold": "yes"}, "True or False"),
    ],
)
def test_bad_arguments_raise_one_clear_error(kwargs: dict, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        keyrate("bb84", **kwargs)


def test_bad_specs_are_refused() -> None:
    with pytest.raises(ParameterError, match="not a QKD protocol"):
        keyrate("teleportation")
    with pytest.raises(ParameterError, match="must be a Protocol or a name"):
        keyrate(42)
    with pytest.raises(QprotoError):
        keyrate("no-such-protocol")


def test_finite_key_covers_bb84_type_specs_only() -> None:
    from qproto.spec.catalogue import find

    assert finite_key_coverage(find("bb84")) is None and finite_key_coverage(find("bb84-biased")) is None
    for name in ("b92", "sarg04", "six-state", "e91", "bbm92"):
        assert finite_key_coverage(find(name)) is not None
    with pytest.raises(ParameterError, match="Tomamichel.*does not cover.*unambiguous"):
        keyrate("b92", rounds=10**6)
