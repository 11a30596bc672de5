"""``qproto keyrate --sweep`` and the key-rate plots.

A parallel sweep must return the serial run's numbers in input order; the
decoy sweep is checked against Lo–Ma–Chen's Eq. (1) written out here with
the GYS parameters of Ma et al. (2005); the plots are drawn and their
legends read back.
"""

from __future__ import annotations

import argparse
import json
import math

import pytest

pytest.importorskip("cvxpy")

from qproto.cli import main  # noqa: E402
from qproto.cli.keyrate_cmd import parse_sweep  # noqa: E402
from qproto.spec.errors import ParameterError  # noqa: E402


def h(x: float) -> float:
    return 0.0 if x <= 0 or x >= 1 else -x * math.log2(x) - (1 - x) * math.log2(1 - x)


def test_parse_sweep_ranges() -> None:
    name, values = parse_sweep("qber=0:0.15:31")
    assert name == "qber" and len(values) == 31 and values[0] == 0 and values[-1] == pytest.approx(0.15)
    assert values[10] == pytest.approx(0.05)
    assert parse_sweep("transmittance=0.5,1") == ("transmittance", [0.5, 1.0])
    assert parse_sweep("distance=25") == ("distance", [25.0])


@pytest.mark.parametrize(
    "text,match",
    [
        ("qber", "write VAR=START:STOP:COUNT"),
        ("qbr=0:0.1:3", "did you mean 'qber'"),
        ("qber=0:0.1", "three fields"),
        ("qber=0:x:3", "'x' is not a number"),
        ("qber=0:0.1:2.5", "whole number"),
        ("qber=0:0.1:0", "COUNT=0"),
        ("qber=0:0.6:3", r"qber=0.6 must lie in \[0, 0.5\]"),
        ("transmittance=0:1:3", r"\(0, 1\]"),
        ("qber=0:1e999:3", "exponent"),
    ],
)
def test_bad_sweep_syntax_is_one_line_exit_2(text: str, match: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ParameterError, match=match):
        parse_sweep(text)
    assert main(["keyrate", "bb84", "--sweep", text]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("qproto: error:")


def _points(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def _numbers(point: dict) -> dict:
    return {k: v for k, v in point.items() if k != "seconds"}


def test_parallel_sweep_equals_serial_in_input_order(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["keyrate", "bb84", "--sweep", "qber=0.1:0:5", "--json"]
    serial = _points(capsys, argv + ["-j", "1"])
    parallel = _points(capsys, argv + ["-j", "2"])
    assert parallel["sweep"]["jobs"] == 2 and serial["sweep"]["jobs"] == 1
    assert [_numbers(p) for p in parallel["points"]] == [_numbers(p) for p in serial["points"]]
    wanted = [0.1, 0.075, 0.05, 0.025, 0.0]  # descending: the order is the input's, not completion's
    for q, point in zip(wanted, parallel["points"]):
        assert point["point"]["qber"] == pytest.approx(q) and point["qber"] == pytest.approx(q, abs=1e-12)
        exact = 1 - 2 * h(q)  # Shor–Preskill
        assert point["lower"] <= exact + 1e-9 and exact - point["lower"] < 1e-4


def test_sweep_table_with_finite_key_column(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keyrate", "bb84", "--sweep", "qber=0.01,0.05", "--rounds", "1e6", "-j", "1"]) == 0
    out = capsys.readouterr().out
    assert "key bits at N=1e+06" in out and "0.050000" in out


def test_transmittance_sweep(capsys: pytest.CaptureFixture[str]) -> None:
    doc = _points(
        capsys, ["keyrate", "bb84", "--noise", "depolarizing=0.02", "--sweep", "transmittance=0.25,1", "-j", "1", "--json"]
    )
    assert [p["point"]["transmittance"] for p in doc["points"]] == [0.25, 1.0]
    for p in doc["points"]:
        assert p["lower"] <= p["upper"] and p["qber"] == pytest.approx(0.01, abs=1e-12)


def _gllp_gys(distance_km: float, mu: float) -> float:
    """Lo, Ma, Chen PRL 94, 230504 (2005) Eq. (1), infinitely many decoys,
    with the GYS link of Ma et al. PRA 72, 012326 (2005)."""
    alpha, eta_bob, y0, e_det, f, e0 = 0.21, 0.045, 1.7e-6, 0.033, 1.22, 0.5
    eta = 10 ** (-alpha * distance_km / 10) * eta_bob
    q_mu = y0 + 1 - math.exp(-eta * mu)
    e_mu = (e0 * y0 + e_det * (1 - math.exp(-eta * mu))) / q_mu
    y1 = y0 + eta
    e1 = (e0 * y0 + e_det * eta) / y1
    q1 = y1 * mu * math.exp(-mu)
    return 0.5 * (-q_mu * f * h(e_mu) + q1 * (1 - h(e1)))


def test_distance_sweep_is_the_decoy_rate_of_the_specs_source(capsys: pytest.CaptureFixture[str]) -> None:
    doc = _points(capsys, ["keyrate", "bb84-decoy", "--sweep", "distance=0,50,100", "-j", "2", "--json"])
    assert [p["distance"] for p in doc["points"]] == [0.0, 50.0, 100.0]
    assert doc["parameters"]["mu"] == 0.5 and doc["parameters"]["nu"] == 0.1  # bb84-decoy's own intensities
    for p in doc["points"]:
        assert p["infinite"]["rate"] == pytest.approx(_gllp_gys(p["distance"], 0.5), rel=1e-9)
        assert p["vacuum_weak"]["rate"] <= p["infinite"]["rate"]
    assert doc["points"][0]["plob"] is None  # unbounded at η = 1
    assert doc["points"][2]["plob"] == pytest.approx(-math.log2(1 - 10 ** (-0.021 * 100)), rel=1e-9)


@pytest.mark.parametrize(
    "argv,match",
    [
        (["keyrate", "bb84", "--epsilon", "1e-9"], "needs --rounds"),
        (["keyrate", "b92", "--rounds", "1000000"], "does not cover"),
        (["keyrate", "bb84", "-j", "2"], "applies to --sweep only"),
        (["keyrate", "bb84", "--noise", "depolarizing=0.1", "--sweep", "qber=0:0.1:3"], "drop --noise"),
        (["keyrate", "bb84", "--sweep", "distance=0:100:3"], "declares no decoy source"),
        (["keyrate", "bb84", "--rounds", "1.5"], "positive integer"),
    ],
)
def test_cli_refusals(argv: list[str], match: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and __import__("re").search(match, err[0]), err


def _figure(kind: str, **args):
    from matplotlib.figure import Figure

    from qproto.plots import load

    fig = Figure()
    load()[kind].draw(argparse.Namespace(**args), fig)
    return fig.axes[0]


def _legend(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_keyrate_vs_qber_draws_the_bracket_and_the_specs_abort_threshold() -> None:
    ax = _figure("keyrate-vs-qber", spec="b92", max_qber=0.12, points=4, jobs=1)
    labels = _legend(ax)
    assert any("abort threshold" in t and "3\\%" in t for t in labels)
    assert any(line.get_xdata()[0] == pytest.approx(0.03) for line in ax.get_lines() if len(line.get_xdata()) == 2)
    lower = ax.get_lines()[0]
    assert list(lower.get_xdata()) == pytest.approx([0, 0.04, 0.08, 0.12], abs=1e-12)
    for text in labels + [ax.get_xlabel(), ax.get_ylabel()]:
        assert "**" not in text and "sqrt(" not in text and "log(" not in text  # mathtext, no SymPy reprs


def test_keyrate_vs_qber_without_spec_keeps_the_formula_plot(tmp_path) -> None:
    out = tmp_path / "rates.svg"
    assert main(["plot", "keyrate-vs-qber", "--out", str(out)]) == 0 and out.stat().st_size > 1000


def test_keyrate_vs_distance_has_plob_on_log_axes() -> None:
    ax = _figure("keyrate-vs-distance", protocol="bb84-decoy", max_km=100.0, points=5)
    assert ax.get_yscale() == "log"
    assert any("PLOB" in t for t in _legend(ax)) and any("vacuum" in t for t in _legend(ax))


def test_finite_key_plot_draws_each_asymptote() -> None:
    ax = _figure("finite-key", qber=[0.02], epsilon=1e-10, ec_efficiency=1.1, min_n=1e4, max_n=1e8, points=5)
    asymptote = 1 - 2.1 * h(0.02)  # p_x → 1: 1 − (1 + f) h(Q)
    assert any(line.get_ydata()[0] == pytest.approx(asymptote) for line in ax.get_lines() if len(line.get_ydata()) == 2)
    curve = ax.get_lines()[0].get_ydata()
    assert all(y < asymptote for y in curve if y == y)  # the finite-N rate stays below its limit
    assert ax.get_xscale() == "log"


@pytest.mark.parametrize("argv", [["plot", "finite-key", "--qber", "0.7"], ["plot", "keyrate-vs-distance", "--protocol", "bb84"]])
def test_plot_refusals(argv: list[str], tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv + ["--out", str(tmp_path / "x.png")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
