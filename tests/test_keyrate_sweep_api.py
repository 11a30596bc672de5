"""``keyrate_sweep``: the CLI's ``--sweep`` from Python, with the same numbers.

The Python sweep must return what ``qproto keyrate … --sweep … --json``
prints, point for point, whatever the number of processes; its values are
checked against Shor–Preskill's 1 − 2h(Q) and Lo–Ma–Chen's Eq. (1) written
out here.
"""

from __future__ import annotations

import json
import math

import pytest

pytest.importorskip("cvxpy")

from qproto.cli import main  # noqa: E402
from qproto.keyrate_api import DecoyDistancePoint, KeyRateReport, keyrate_sweep  # noqa: E402
from qproto.spec.errors import ParameterError  # noqa: E402


def h(x: float) -> float:
    return 0.0 if x <= 0 or x >= 1 else -x * math.log2(x) - (1 - x) * math.log2(1 - x)


def _cli(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def _strip(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k not in ("seconds", "point")}


def test_qber_sweep_equals_the_cli_and_shor_preskill(capsys: pytest.CaptureFixture[str]) -> None:
    qbers = [0.0, 0.03, 0.08]
    parallel = keyrate_sweep("bb84", qber=qbers, jobs=2)
    serial = keyrate_sweep("bb84", qber=qbers, jobs=1)
    cli = _cli(capsys, ["keyrate", "bb84", "--sweep", "qber=0,0.03,0.08", "-j", "2", "--json"])
    assert all(isinstance(r, KeyRateReport) for r in parallel)
    assert [_strip(r.to_json()) for r in parallel] == [_strip(p) for p in cli["points"]]
    assert [_strip(r.to_json()) for r in parallel] == [_strip(r.to_json()) for r in serial]
    for q, r in zip(qbers, parallel):
        assert r.qber == pytest.approx(q, abs=1e-9)
        assert r.lower <= 1 - 2 * h(q) + 1e-9 and r.lower == pytest.approx(1 - 2 * h(q), abs=1e-5)


def test_transmittance_sweep_equals_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    ours = keyrate_sweep("b92", transmittance=[0.5, 0.9], noise=0.01, jobs=2)
    cli = _cli(capsys, ["keyrate", "b92", "--noise", "depolarizing=0.01", "--sweep", "transmittance=0.5,0.9", "--json"])
    assert [_strip(r.to_json()) for r in ours] == [_strip(p) for p in cli["points"]]
    assert ours[0].lower < ours[1].lower  # more loss, less key


def test_distance_sweep_equals_the_cli_and_lo_ma_chen(capsys: pytest.CaptureFixture[str]) -> None:
    ours = keyrate_sweep("bb84-decoy", distance=[0.0, 60.0, 130.0], jobs=2)
    cli = _cli(capsys, ["keyrate", "bb84-decoy", "--sweep", "distance=0,60,130", "--json"])
    assert all(isinstance(p, DecoyDistancePoint) for p in ours)
    assert [p.to_json() for p in ours] == cli["points"]
    # Lo–Ma–Chen Eq. (1) with infinitely many decoys on the GYS link, written out
    mu, y0, ed = ours[1].infinite.terms["mu"], 1.7e-6, 0.033
    eta = 10 ** (-0.21 * 60 / 10) * 0.045
    q_mu = y0 + 1 - math.exp(-eta * mu)
    e_mu = (y0 / 2 + ed * (1 - math.exp(-eta * mu))) / q_mu
    y1 = y0 + eta
    e1 = (y0 / 2 + ed * eta) / y1
    rate = 0.5 * (-q_mu * 1.22 * h(e_mu) + y1 * mu * math.exp(-mu) * (1 - h(e1)))
    assert ours[1].infinite.rate == pytest.approx(rate, rel=1e-9)
    assert ours[0].plob is None and ours[1].plob == pytest.approx(-math.log2(1 - 10 ** (-0.21 * 6)), rel=1e-12)


def test_distance_sweep_with_a_block_size_adds_the_finite_rate(capsys: pytest.CaptureFixture[str]) -> None:
    small, large = (keyrate_sweep("bb84-decoy", distance=[40.0], block_size=n, jobs=1)[0] for n in (10**6, 10**10))
    assert small.finite is not None and large.finite is not None
    assert 0 < small.finite.rate < large.finite.rate
    assert large.finite.block_size == pytest.approx(10**10)
    cli = _cli(capsys, ["keyrate", "bb84-decoy", "--sweep", "distance=40", "--block-size", "1e6", "--json"])
    assert cli["points"][0]["finite"]["rate"] == pytest.approx(small.finite.rate, rel=1e-12)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({}, "exactly one of"),
        ({"qber": [0.01], "distance": [10.0]}, "exactly one of"),
        ({"qber": [0.6]}, r"qber=0.6 must lie in \[0, 0.5\]"),
        ({"qber": []}, "no point"),
        ({"qber": ["0.1"]}, "must be a number"),
        ({"transmittance": [0.0]}, r"\(0, 1\]"),
        ({"qber": [0.01], "nosie": 0.1}, "did you mean 'noise'"),
        ({"qber": [0.01], "noise": 0.1}, "drop noise/attack"),
        ({"qber": [0.01], "block_size": 10**6}, "block_size applies to distance"),
        ({"distance": [10.0], "noise": 0.1}, "drop noise=0.1"),
        ({"distance": [10.0], "block_size": 0}, "block_size=0"),
        ({"qber": [0.01], "jobs": 0}, "jobs=0"),
        ({"qber": [0.01], "threshold": True}, "threshold=True"),
    ],
)
def test_bad_sweeps_are_one_line(kwargs: dict, match: str) -> None:
    with pytest.raises(ParameterError, match=match) as exc:
        keyrate_sweep("bb84-decoy" if "distance" in kwargs else "bb84", **kwargs)
    assert "\n" not in str(exc.value)


def test_cli_block_size_needs_a_distance_sweep(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keyrate", "bb84", "--block-size", "1e6"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--block-size applies to --sweep distance" in err[0]


def test_distance_plot_draws_the_finite_size_curves(tmp_path) -> None:
    out = tmp_path / "decoy.png"
    argv = ["plot", "keyrate-vs-distance", "--out", str(out), "--points", "5", "--finite-points", "2", "--block-size", "1e8"]
    assert main(argv) == 0 and out.stat().st_size > 0
    assert main(["plot", "keyrate-vs-distance", "--out", str(out), "--block-size", "0"]) == 2
