"""``qproto verify``'s text output fits a terminal (issue 14, item 1).

The renderer is tested on synthetic verdicts shaped like the catalogue's
(29 protocols, ~8 properties each, the real limitation pattern, the longest
real protocol name), so the 80-line bound is checked in milliseconds; the
CLI is run in-process on a few fast properties, and once as a real process.
"""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from qproto import report
from qproto.proofs.verdict import Status, Verdict

from .helpers import cli, run_cli

LONG_NAME = "quantum-retransmission-recursive-no-fallback"  # the longest name in `qproto list --flawed`
ANSI = re.compile(r"\x1b\[")


def _render(verdicts, width=80, **kw) -> str:
    buf = io.StringIO()
    console = Console(file=buf, width=width, highlight=False, soft_wrap=False, force_terminal=False)
    report.render_text(verdicts, 12.5, console, **kw)
    return buf.getvalue()


def _catalogue_like() -> list[Verdict]:
    """29 protocols x 8 properties: 8 QKD-like ones with 2 tested and 2
    limitation properties each, one with a 44-character name."""
    out = []
    for i in range(29):
        name = LONG_NAME if i == 0 else f"protocol-{i:02d}"
        for j in range(8):
            status, limitation, required = Status.PROVED, False, "proved"
            if 10 <= i < 18 and j in (6, 7):
                status, limitation = Status.LIMITATION, True
            elif 10 <= i < 18 and j in (4, 5):
                status, required = Status.TESTED, "tested"
            out.append(
                Verdict(
                    protocol=name,
                    property=f"property-number-{j}"
                    if j < 6
                    else ("no-forced-abort" if j == 6 else "authenticates-without-preshared-key"),
                    engine="algebra",
                    status=status,
                    required=required,
                    limitation=limitation,
                    seconds=0.25,
                    statement="A statement long enough to wrap at eighty columns twice over, as the real ones do: "
                    "every outcome leaves Bob with the input state up to a global phase.",
                    evidence={
                        "summary": "known limitation, counterexample found: Eve forces an abort " * 2,
                        "counterexample": {"attack": "pauli-probe:py=1", "qber": {"exact": "1", "value": 1.0}},
                        "replay": {"analyze": f"qproto analyze {name} --attack pauli-probe:py=1"},
                    },
                )
            )
    return out


def _failure(protocol: str, prop: str, trace: bool = False) -> Verdict:
    evidence: dict = {
        "summary": f"{prop} fails on a concrete input",
        "counterexample": {
            "input": {"alpha": "1/5 + 2*I/5", "beta": "2/5 + 4*I/5"},
            "qber": {"exact": "1/4", "value": 0.25},
            "events": ["Alice sends", "Eve resends"],
        },
        "replay": {"analyze": f"qproto analyze {protocol} --attack intercept-resend:fraction=1"},
    }
    if trace:
        states = [
            {"phase": "READY", "shares": 3, "acked": False, "sequence_number_of_the_packet": 0},
            {"phase": "SENT", "shares": 2, "acked": False, "sequence_number_of_the_packet": 0},
            {"phase": "GAVE_UP", "shares": 0, "acked": False, "sequence_number_of_the_packet": 0},
        ]
        evidence["trace"] = [
            {"step": i, "transition": t, "state": s}
            for i, (t, s) in enumerate(zip([None, "send_share_number_two", "give_up_after_loss"], states))
        ]
        evidence["counterexample"] = evidence["trace"]
    return Verdict(
        protocol=protocol,
        property=prop,
        engine="statemachine" if trace else "adversary",
        status=Status.REFUTED,
        statement=f"The claim {prop} holds for every run.",
        evidence=evidence,
    )


def test_catalogue_sized_report_fits_in_80_lines_of_80_columns():
    verdicts = _catalogue_like()
    text = _render(verdicts)
    lines = text.splitlines()
    assert len(lines) < 80, text
    assert max(len(line) for line in lines) <= 80
    assert "…" not in text  # no name is cut
    for name in {v.protocol for v in verdicts}:
        assert re.search(rf"^{re.escape(name)}\b", text, re.M), name
    # the counts per protocol, recomputed here from the synthetic data
    assert re.search(r"^protocol-12\s+4 proved · 2 tested · 2 limitation\s+2\.0 s$", text, re.M)
    assert re.search(r"^protocol-01\s+8 proved\s+2\.0 s$", text, re.M)
    # every limitation is accounted for, by property, with the protocols it holds for
    assert "no-forced-abort: protocol-10, protocol-11" in text
    assert "232 properties of 29 protocols" in " ".join(lines[-3:])
    assert lines[-1].endswith("OK") or "— OK" in " ".join(lines[-2:])


def test_every_failure_is_shown_in_full_with_readable_evidence():
    verdicts = _catalogue_like()
    failures = [
        _failure("protocol-03", "sifted-bits-agree"),
        _failure("protocol-04", "completeness"),
        _failure(LONG_NAME, "lost-share-never-loses-payload", trace=True),
    ]
    text = _render(verdicts + failures)
    flat = " ".join(text.split())
    for v in failures:
        assert f"{v.protocol} / {v.property}" in flat
        assert f"statement: The claim {v.property} holds for every run." in flat
        assert f"evidence: {v.property} fails on a concrete input" in flat
        assert f"reproduce: qproto verify {v.protocol} --property {v.property}" in flat
    assert "reproduce: qproto analyze protocol-03 --attack intercept-resend:fraction=1" in flat
    # nested evidence as key: value lines, exact numbers with their value; never a raw dict
    assert "input: alpha=1/5 + 2*I/5, beta=2/5 + 4*I/5" in text and "qber: 1/4 (≈ 0.25)" in text
    assert "{'" not in text and '{"' not in text
    # the trace is shown step by step, with each transition named in full
    assert "counterexample trace" in flat
    assert "give_up_after_loss" in text and "send_share_number_two" in text
    assert max(len(line) for line in text.splitlines()) <= 80
    # the summary names every failure
    last = " ".join(text.split("properties of")[-1].split())
    assert "NOT OK (3)" in last
    for v in failures:
        assert f"{v.protocol}/{v.property}" in last


def test_failures_only_and_verbose_views():
    verdicts = _catalogue_like()[:16] + [_failure("protocol-01", "completeness")]
    only = _render(verdicts, failures_only=True)
    assert "protocol-01 / completeness" in only
    assert "property-number-0" not in only and not re.search(r"^protocol-01\s+\d", only, re.M)
    loud = _render(verdicts, verbose=True)
    for v in verdicts:  # every property with its evidence
        assert f"{v.protocol} / {v.property}" in " ".join(loud.split())
    assert loud.count("statement:") == len(verdicts)


def test_a_wide_trace_is_not_cut_at_80_columns():
    v = _failure("p", "q", trace=True)
    for st in v.evidence["trace"]:
        st["state"].update({f"variable_with_a_long_name_{k}": k * st["step"] for k in range(8)})
    text = _render([v])
    assert "…" not in text and max(map(len, text.splitlines())) <= 80
    assert "phase: READY → SENT" in text  # what changed, step by step


def test_verify_in_process_at_80_columns_reproduces_the_failure():
    r = run_cli("verify", "teleportation-dropped-bit", "--property", "correction-restores-input", "-j", "1", "--no-cache")
    assert r.code == 1, r.err
    assert not ANSI.search(r.out)
    assert max(len(line) for line in r.out.splitlines()) <= 80
    flat = " ".join(r.out.split())
    assert "teleportation-dropped-bit / correction-restores-input" in flat
    assert "statement: For each of the four outcomes" in flat
    assert "reproduce: qproto verify teleportation-dropped-bit --property correction-restores-input" in flat
    assert "m1=1, m2=0" in flat  # the failing branch, as text
    assert "NOT OK (1): teleportation-dropped-bit/correction-restores-input" in flat


def test_did_you_mean_for_a_misspelt_protocol():
    r = run_cli("verify", "bb85")
    assert r.code == 2
    assert r.err.strip().splitlines() == [
        "qproto: error: unknown protocol 'bb85'; did you mean 'bb84'? ('qproto list' shows them all)"
    ]


def test_variant_refuses_an_unknown_field_with_a_did_you_mean():
    from qproto.spec.bb84 import BB84
    from qproto.spec.errors import ParameterError

    with pytest.raises(ParameterError, match=r"no field abort_treshold=; did you mean 'abort_threshold'\?"):
        BB84.variant("typo", abort_treshold="1/10")


def test_override_one_property_of_a_variant():
    from qproto.spec.bb84 import BB84
    from qproto.spec.errors import SpecError

    v = BB84.variant("looser", override_properties={"depolarizing-qber": {"statement": "QBER = p/2."}})
    assert v.property("depolarizing-qber").statement == "QBER = p/2."
    assert v.property("depolarizing-qber").check == BB84.property("depolarizing-qber").check
    assert [p.id for p in v.properties] == [p.id for p in BB84.properties]
    with pytest.raises(SpecError, match="did you mean 'depolarizing-qber'"):
        BB84.variant("x", override_properties={"depolarising-qber": {"statement": "?"}})


def test_piped_process_has_no_colour_and_fits_80_columns():
    r = cli("verify", "superdense-coding", "-j", "1", "--no-cache")
    assert r.code == 0, r.err
    assert not ANSI.search(r.out)
    lines = r.out.splitlines()
    assert lines[0].split() == ["superdense-coding", "1", "proved", lines[0].split()[-2], "s"]
    assert max(len(line) for line in lines) <= 80
    assert "— OK" in r.out


# -- plots: resolution, size, labels, the spec's own threshold, file mode ------------------------------


def _png_size(path) -> tuple[int, int]:
    import struct

    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])  # IHDR width, height


def test_plot_dpi_and_size_set_the_pixels(tmp_path):
    out = tmp_path / "chsh.png"
    r = run_cli("plot", "chsh-vs-noise", "--out", str(out))
    assert r.code == 0, r.err
    assert _png_size(out) == (7 * 150, int(4.5 * 150))  # default 7x4.5 in at 150 dpi
    r = run_cli("plot", "chsh-vs-noise", "--out", str(out), "--dpi", "80", "--size", "5x3")
    assert r.code == 0, r.err
    assert _png_size(out) == (400, 240)
    bad = run_cli("plot", "chsh-vs-noise", "--out", str(out), "--size", "5")
    assert bad.code == 2 and "WIDTHxHEIGHT" in bad.err


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640)])
def test_plot_files_follow_the_umask(tmp_path, umask, mode):
    import os

    out = tmp_path / "chsh.svg"
    old = os.umask(umask)
    try:
        r = run_cli("plot", "chsh-vs-noise", "--out", str(out))
    finally:
        os.umask(old)
    assert r.code == 0, r.err
    assert out.stat().st_mode & 0o777 == mode


def test_qber_plot_labels_are_mathtext_and_draw_a_designers_threshold(tmp_path):
    import argparse

    from matplotlib.figure import Figure

    from qproto.plots import load

    spec_file = tmp_path / "strict.py"
    spec_file.write_text("from qproto.spec.bb84 import BB84\nSTRICT = BB84.variant('bb84-strict', abort_threshold='1/20')\n")
    fig = Figure()
    load()["qber-vs-interception"].draw(argparse.Namespace(protocol=[str(spec_file)]), fig)
    (ax,) = fig.axes
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert r"bb84-strict: $Q(f) = \frac{f}{4}$" in labels  # not the SymPy repr "fraction/4"
    assert not any("fraction" in t for t in labels)
    abort = [line for line in ax.get_lines() if "abort threshold" in str(line.get_label())]
    assert len(abort) == 1 and abort[0].get_ydata()[0] == pytest.approx(0.05)
    assert "0.05" in abort[0].get_label()


def test_cli_verbose_and_failures_only_flags():
    loud = run_cli("verify", "superdense-coding", "-v", "-j", "1", "--no-cache")
    assert loud.code == 0, loud.err
    assert "superdense-coding / " in loud.out and "statement:" in loud.out  # the passing property in full
    quiet = run_cli("verify", "superdense-coding", "--failures-only", "-j", "1", "--no-cache")
    assert quiet.code == 0 and quiet.out.strip().splitlines()[-1].endswith("— OK")
    assert "statement:" not in quiet.out and not quiet.out.startswith("superdense-coding ")
    both = run_cli("verify", "superdense-coding", "-v", "--failures-only")
    assert both.code == 2 and "not allowed with" in both.err
