"""The bad-input campaign, made permanent (issue 11).

Every case runs the CLI in-process and checks the contract for bad input:
exit 2, exactly one line on stderr, no traceback, no "internal error", and
nothing written to the output path (nor a temporary file left next to it).
The vectors command has its own suite (tests/test_vectors_hostile.py).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from qproto.cli import main

GOOD_NETWORK = {
    "name": "campus",
    "nodes": [{"name": "A"}, {"name": "D", "kind": "drone", "coherence_time": 0.1}, {"name": "B"}],
    "links": [
        {"a": "A", "b": "D", "medium": "free-space", "length_km": 1, "fidelity": 0.95},
        {"a": "D", "b": "B", "length_km": 10, "fidelity": 0.96},
    ],
}


def _net(**link_change):
    doc = json.loads(json.dumps(GOOD_NETWORK))
    doc["links"][0].update(link_change)
    return json.dumps(doc)


# name → file text written into the case's folder before the run
FILES: dict[str, str | bytes] = {
    "syntax.py": "def f(:\n",
    "name_error.py": "x = 1\ny = undefined_name\n",
    "no_protocol.py": "x = 1\n",
    "empty.py": "",
    "raises.py": "raise RuntimeError('boom')\n",
    "exits.py": "import sys\nsys.exit(0)\n",
    "protocols_int.py": "PROTOCOLS = 5\n",
    "protocols_ints.py": "PROTOCOLS = (1, 2)\n",
    "protocols_str.py": "PROTOCOLS = 'bb84'\n",
    "protocols_empty.py": "PROTOCOLS = ()\n",
    "protocols_dict.py": "PROTOCOLS = {'a': 1}\n",
    "flawed_bad.py": "from qproto.spec.teleportation import TELEPORTATION\nPROTOCOLS = (TELEPORTATION.variant('x'),)\nFLAWED = 3\n",
    "two.py": "from qproto.spec.teleportation import TELEPORTATION\nA = TELEPORTATION.variant('a')\nB = TELEPORTATION.variant('b')\n",
    "amp_slash.py": "from qproto.spec.teleportation import TELEPORTATION\nfrom qproto.spec import Prepare\n"
    "BAD = TELEPORTATION.variant('bad', steps=(Prepare(party='Alice', registers=('q',), state='amplitudes', "
    "amplitudes=('1/', 0)),) + TELEPORTATION.steps[1:])\n",
    "amp_norm.py": "from qproto.spec.teleportation import TELEPORTATION\nfrom qproto.spec import Prepare\n"
    "BAD = TELEPORTATION.variant('bad', steps=(Prepare(party='Alice', registers=('q',), state='amplitudes', "
    "amplitudes=(1, 1)),) + TELEPORTATION.steps[1:])\n",
    "bad_register.py": "from qproto.spec.teleportation import TELEPORTATION\nfrom qproto.spec import ApplyGate\n"
    "BAD = TELEPORTATION.variant('bad', steps=TELEPORTATION.steps + (ApplyGate(party='Bob', gate='H', targets=('zz',)),))\n",
    "latin1.py": b"x = '\xe9'\n",
    "binary.py": b"\x00\x01\x02\xff" * 10,
    "net_missing_brace.json": '{"nodes": [',
    "net_deep.json": "[" * 50_000,
    "net_big_int.json": '{"nodes": [{"name": "A", "coherence_time": ' + "9" * 5000 + '}], "links": []}',
    "net_inf_length.json": _net(length_km=float("inf")),
    "net_long_fibre.json": _net(medium="fibre", length_km=100_000),
    "net_list_end.json": _net(a=["A"]),
    "net_string_fidelity.json": _net(fidelity="0.9"),
    "net_nan_fidelity.json": _net(fidelity=float("nan")),
    "net_fidelity_above_1.json": _net(fidelity=1.2),
    "net_negative_length.json": _net(length_km=-3),
    "net_unknown_field.json": _net(colour="red"),
    "net_unknown_node.json": _net(b="Z"),
    "net_self_loop.json": _net(b="A"),
    "net_zero_rate.json": _net(attempt_rate=0),
    "net_tiny_rate.json": _net(attempt_rate=1e-300),
    "net_medium.json": _net(medium="laser"),
    "net_top_list.json": "[]",
    "net_nodes_not_list.json": '{"nodes": {}, "links": []}',
    "net_node_not_object.json": '{"nodes": [1], "links": []}',
    "net_duplicate_node.json": '{"nodes": [{"name": "A"}, {"name": "A"}], "links": []}',
    "net_node_name_list.json": '{"nodes": [{"name": ["A"]}], "links": []}',
    "net_coherence_zero.json": '{"nodes": [{"name": "A", "coherence_time": 0}], "links": []}',
    "net_coherence_str.json": '{"nodes": [{"name": "A", "coherence_time": "long"}], "links": []}',
    "net_kind.json": '{"nodes": [{"name": "A", "kind": "balloon"}], "links": []}',
    "net_not_utf8.json": b'{"name": "\xff"}',
    "net_empty.json": "",
    "net_two_links.json": '{"nodes": [{"name": "A"}, {"name": "B"}], "links": [{"a": "A", "b": "B"}, {"a": "B", "b": "A"}]}',
    "net_disconnected.json": '{"nodes": [{"name": "A"}, {"name": "B"}, {"name": "C"}], "links": [{"a": "A", "b": "B"}]}',
    "net_good.json": json.dumps(GOOD_NETWORK),
    "a_file": "not a folder",
}

ROUTE = ["analyze", "fidelity-routing", "--from-node", "A", "--to-node", "B", "--network"]
SIM = ["simulate", "bb84", "--rounds", "1000", "--seed", "1"]

CASES: list[tuple[str, list[str]]] = [
    # -- top level ------------------------------------------------------------
    ("no-command", []),
    ("unknown-command", ["frobnicate"]),
    ("unknown-top-option", ["--bogus"]),
    # -- list -----------------------------------------------------------------
    ("list-extra-arg", ["list", "bb84"]),
    ("list-unknown-option", ["list", "--bogus"]),
    ("list-json-value", ["list", "--json=1"]),
    # -- verify ---------------------------------------------------------------
    ("verify-unknown", ["verify", "no-such-protocol"]),
    ("verify-engine", ["verify", "--engine", "magic"]),
    ("verify-bound-0", ["verify", "--bound", "0"]),
    ("verify-bound-neg", ["verify", "--bound", "-1"]),
    ("verify-bound-float", ["verify", "--bound", "1.5"]),
    ("verify-bound-text", ["verify", "--bound", "x"]),
    ("verify-budget-0", ["verify", "--budget", "0"]),
    ("verify-seed-neg", ["verify", "--seed", "-1"]),
    ("verify-seed-text", ["verify", "--seed", "x"]),
    ("verify-timeout-neg", ["verify", "--timeout", "-1"]),
    ("verify-timeout-nan", ["verify", "--timeout", "nan"]),
    ("verify-rlimit-0", ["verify", "--rlimit", "0"]),
    ("verify-bogus-option", ["verify", "--bogus"]),
    ("verify-no-match", ["verify", "teleportation", "--engine", "statemachine"]),
    ("verify-missing-file", ["verify", "{dir}/missing.py"]),
    ("verify-directory-py", ["verify", "{dir}/folder.py"]),
    ("verify-syntax", ["verify", "{dir}/syntax.py"]),
    ("verify-name-error", ["verify", "{dir}/name_error.py"]),
    ("verify-no-protocol", ["verify", "{dir}/no_protocol.py"]),
    ("verify-empty-file", ["verify", "{dir}/empty.py"]),
    ("verify-raises", ["verify", "{dir}/raises.py"]),
    ("verify-sys-exit", ["verify", "{dir}/exits.py"]),
    ("verify-protocols-int", ["verify", "{dir}/protocols_int.py"]),
    ("verify-protocols-ints", ["verify", "{dir}/protocols_ints.py"]),
    ("verify-protocols-str", ["verify", "{dir}/protocols_str.py"]),
    ("verify-protocols-empty", ["verify", "{dir}/protocols_empty.py"]),
    ("verify-protocols-dict", ["verify", "{dir}/protocols_dict.py"]),
    ("verify-flawed-int", ["verify", "{dir}/flawed_bad.py"]),
    ("verify-amplitude-slash", ["verify", "{dir}/amp_slash.py"]),
    ("verify-amplitude-norm", ["verify", "{dir}/amp_norm.py"]),
    ("verify-bad-register", ["verify", "{dir}/bad_register.py"]),
    ("verify-latin1", ["verify", "{dir}/latin1.py"]),
    ("verify-binary", ["verify", "{dir}/binary.py"]),
    ("verify-module-missing", ["verify", "no_such_module_xyz:SPEC"]),
    ("verify-module-attr", ["verify", "qproto.spec.teleportation:NOPE"]),
    ("verify-module-not-protocol", ["verify", "qproto.spec.teleportation:Reference"]),
    ("verify-junit-dir", ["verify", "teleportation", "--junit-xml", "{dir}"]),
    ("verify-junit-parent-file", ["verify", "teleportation", "--junit-xml", "{dir}/a_file/report.xml"]),
    ("verify-junit-trailing-slash", ["verify", "teleportation", "--junit-xml", "{dir}/out/"]),
    ("verify-junit-full-disk", ["verify", "teleportation", "--property", "outcomes-uniform", "--junit-xml", "/dev/full"]),
    # -- explain --------------------------------------------------------------
    ("explain-missing-arg", ["explain"]),
    ("explain-unknown", ["explain", "nope"]),
    ("explain-directory-py", ["explain", "{dir}/folder.py"]),
    ("explain-two-protocols", ["explain", "{dir}/two.py"]),
    ("explain-amplitude-slash", ["explain", "{dir}/amp_slash.py"]),
    ("explain-protocols-int", ["explain", "{dir}/protocols_int.py"]),
    ("explain-bogus-option", ["explain", "bb84", "--bogus"]),
    ("explain-syntax", ["explain", "{dir}/syntax.py"]),
    # -- analyze: QKD ---------------------------------------------------------
    ("analyze-unknown", ["analyze", "nope"]),
    ("analyze-no-analyzer", ["analyze", "teleportation"]),
    ("analyze-attack-empty", ["analyze", "bb84", "--attack", ""]),
    ("analyze-attack-blank", ["analyze", "bb84", "--attack", "   "]),
    ("analyze-attack-duplicate", ["analyze", "bb84", "--attack", "intercept-resend:fraction=0.1,fraction=0.2"]),
    ("analyze-attack-div0", ["analyze", "bb84", "--attack", "intercept-resend:fraction=1/0"]),
    ("analyze-attack-tiny-exponent", ["analyze", "bb84", "--attack", "intercept-resend:fraction=1e-99999999"]),
    ("analyze-attack-huge-exponent", ["analyze", "bb84", "--attack", "intercept-resend:fraction=1e99999999"]),
    ("analyze-attack-long-number", ["analyze", "bb84", "--attack", "intercept-resend:fraction=0." + "1" * 500]),
    ("analyze-attack-unknown", ["analyze", "bb84", "--attack", "telepathy"]),
    ("analyze-attack-unknown-param", ["analyze", "bb84", "--attack", "intercept-resend:colour=1"]),
    ("analyze-attack-above-1", ["analyze", "bb84", "--attack", "intercept-resend:fraction=1.5"]),
    ("analyze-attack-negative", ["analyze", "bb84", "--attack", "intercept-resend:fraction=-0.1"]),
    ("analyze-attack-nan", ["analyze", "bb84", "--attack", "intercept-resend:fraction=nan"]),
    ("analyze-attack-text", ["analyze", "bb84", "--attack", "intercept-resend:fraction=half"]),
    ("analyze-attack-no-equals", ["analyze", "bb84", "--attack", "intercept-resend:fraction"]),
    ("analyze-noise-empty", ["analyze", "bb84", "--noise", ""]),
    ("analyze-noise-unknown", ["analyze", "bb84", "--noise", "static=0.1"]),
    ("analyze-noise-above-1", ["analyze", "bb84", "--noise", "depolarizing=2"]),
    ("analyze-noise-div0", ["analyze", "bb84", "--noise", "depolarizing=1/0"]),
    ("analyze-rounds-0", ["analyze", "bb84", "--rounds", "0"]),
    ("analyze-rounds-huge", ["analyze", "bb84", "--rounds", "1" + "0" * 26]),
    ("analyze-rounds-power", ["analyze", "bb84", "--rounds", "10^26"]),
    ("analyze-segments-on-bb84", ["analyze", "bb84", "--segments", "3"]),
    ("analyze-network-on-bb84", ["analyze", "bb84", "--network", "{dir}/net_good.json"]),
    # -- analyze: repeaters, purification, memory, networks --------------------
    ("analyze-attack-on-chain", ["analyze", "repeater-chain", "--attack", "intercept-resend:fraction=0.1"]),
    ("analyze-rounds-on-chain", ["analyze", "repeater-chain", "--rounds", "100"]),
    ("analyze-segments-0", ["analyze", "repeater-chain", "--segments", "0"]),
    ("analyze-segments-500k", ["analyze", "repeater-chain", "--segments", "500000"]),
    ("analyze-segments-text", ["analyze", "repeater-chain", "--segments", "x"]),
    ("analyze-purify-20", ["analyze", "repeater-chain", "--purify", "20"]),
    ("analyze-purify-neg", ["analyze", "bbpssw", "--purify", "-1"]),
    ("analyze-fidelity-above-1", ["analyze", "repeater-chain", "--fidelity", "1.5"]),
    ("analyze-fidelity-nan", ["analyze", "repeater-chain", "--fidelity", "nan"]),
    ("analyze-fidelity-text", ["analyze", "repeater-chain", "--fidelity", "high"]),
    ("analyze-wait-neg", ["analyze", "quantum-memory-depolarizing", "--wait", "-1"]),
    ("analyze-coherence-0", ["analyze", "repeater-chain", "--coherence-time", "0"]),
    ("analyze-memory-kind", ["analyze", "repeater-chain", "--memory", "perfect"]),
    ("analyze-max-rounds-9", ["analyze", "fidelity-routing", "--max-rounds", "9"]),
    ("analyze-target-fidelity-2", ["analyze", "fidelity-routing", "--target-fidelity", "2"]),
    ("analyze-from-unknown", ["analyze", "fidelity-routing", "--from-node", "Nobody"]),
    ("analyze-same-endpoints", ["analyze", "fidelity-routing", "--from-node", "Alice", "--to-node", "Alice"]),
    ("analyze-from-empty", ["analyze", "fidelity-routing", "--from-node", ""]),
    # -- network files --------------------------------------------------------
    ("net-missing", ROUTE + ["{dir}/missing.json"]),
    ("net-directory", ROUTE + ["{dir}"]),
    ("net-broken-json", ROUTE + ["{dir}/net_missing_brace.json"]),
    ("net-deep-json", ROUTE + ["{dir}/net_deep.json"]),
    ("net-big-int", ROUTE + ["{dir}/net_big_int.json"]),
    ("net-inf-length", ROUTE + ["{dir}/net_inf_length.json"]),
    ("net-100000-km", ROUTE + ["{dir}/net_long_fibre.json"]),
    ("net-list-end", ROUTE + ["{dir}/net_list_end.json"]),
    ("net-string-fidelity", ROUTE + ["{dir}/net_string_fidelity.json"]),
    ("net-nan-fidelity", ROUTE + ["{dir}/net_nan_fidelity.json"]),
    ("net-fidelity-above-1", ROUTE + ["{dir}/net_fidelity_above_1.json"]),
    ("net-negative-length", ROUTE + ["{dir}/net_negative_length.json"]),
    ("net-unknown-field", ROUTE + ["{dir}/net_unknown_field.json"]),
    ("net-unknown-node", ROUTE + ["{dir}/net_unknown_node.json"]),
    ("net-self-loop", ROUTE + ["{dir}/net_self_loop.json"]),
    ("net-zero-rate", ROUTE + ["{dir}/net_zero_rate.json"]),
    ("net-tiny-rate", ROUTE + ["{dir}/net_tiny_rate.json"]),
    ("net-medium", ROUTE + ["{dir}/net_medium.json"]),
    ("net-top-list", ROUTE + ["{dir}/net_top_list.json"]),
    ("net-nodes-not-list", ROUTE + ["{dir}/net_nodes_not_list.json"]),
    ("net-node-not-object", ROUTE + ["{dir}/net_node_not_object.json"]),
    ("net-duplicate-node", ROUTE + ["{dir}/net_duplicate_node.json"]),
    ("net-node-name-list", ROUTE + ["{dir}/net_node_name_list.json"]),
    ("net-coherence-zero", ROUTE + ["{dir}/net_coherence_zero.json"]),
    ("net-coherence-string", ROUTE + ["{dir}/net_coherence_str.json"]),
    ("net-node-kind", ROUTE + ["{dir}/net_kind.json"]),
    ("net-not-utf8", ROUTE + ["{dir}/net_not_utf8.json"]),
    ("net-empty", ROUTE + ["{dir}/net_empty.json"]),
    ("net-two-links", ROUTE + ["{dir}/net_two_links.json"]),
    (
        "net-disconnected",
        ["analyze", "fidelity-routing", "--from-node", "A", "--to-node", "C", "--network", "{dir}/net_disconnected.json"],
    ),
    (
        "net-unknown-endpoint",
        ["analyze", "fidelity-routing", "--from-node", "A", "--to-node", "Q", "--network", "{dir}/net_good.json"],
    ),
    # -- simulate -------------------------------------------------------------
    ("sim-no-rounds", ["simulate", "bb84", "--seed", "1"]),
    ("sim-rounds-0", ["simulate", "bb84", "--rounds", "0", "--seed", "1"]),
    ("sim-rounds-neg", ["simulate", "bb84", "--rounds", "-5", "--seed", "1"]),
    ("sim-rounds-huge", ["simulate", "bb84", "--rounds", "1" + "0" * 26, "--seed", "1"]),
    ("sim-rounds-power", ["simulate", "bb84", "--rounds", "10^26", "--seed", "1"]),
    ("sim-seed-neg", ["simulate", "bb84", "--rounds", "100", "--seed", "-1"]),
    ("sim-sample-div0", SIM + ["--sample-fraction", "1/0"]),
    ("sim-sample-above-1", SIM + ["--sample-fraction", "2"]),
    ("sim-sample-text", SIM + ["--sample-fraction", "most"]),
    ("sim-sample-exponent", SIM + ["--sample-fraction", "1e-99999999"]),
    ("sim-sample-zero", SIM + ["--sample-fraction", "0"]),
    ("sim-threshold-half", SIM + ["--threshold", "0.6"]),
    ("sim-attack-empty", SIM + ["--attack", ""]),
    ("sim-attack-duplicate", SIM + ["--attack", "intercept-resend:fraction=0.1,fraction=0.2"]),
    ("sim-attack-div0", SIM + ["--attack", "intercept-resend:fraction=1/0"]),
    ("sim-attack-exponent", SIM + ["--attack", "intercept-resend:fraction=1e-99999999"]),
    ("sim-noise-empty", SIM + ["--noise", ""]),
    ("sim-engine", SIM + ["--engine", "quantum"]),
    ("sim-not-qkd", ["simulate", "teleportation", "--rounds", "10", "--seed", "1"]),
    ("sim-transcript-too-long", ["simulate", "bb84", "--rounds", "100000000", "--seed", "1", "--transcript", "{out}"]),
    ("sim-transcript-dir", SIM + ["--transcript", "{dir}"]),
    ("sim-transcript-parent-file", SIM + ["--transcript", "{dir}/a_file/t.npz"]),
    # -- fuzz -----------------------------------------------------------------
    ("fuzz-unknown", ["fuzz", "nope"]),
    ("fuzz-budget-0", ["fuzz", "bb84", "--budget", "0"]),
    ("fuzz-seed-neg", ["fuzz", "bb84", "--seed", "-1"]),
    ("fuzz-not-qkd", ["fuzz", "teleportation"]),
    ("fuzz-directory-py", ["fuzz", "{dir}/folder.py"]),
    ("fuzz-protocols-int", ["fuzz", "{dir}/protocols_int.py"]),
    # -- plot -----------------------------------------------------------------
    ("plot-no-kind", ["plot"]),
    ("plot-unknown-kind", ["plot", "pie-chart", "--out", "{out}"]),
    ("plot-no-out", ["plot", "memory-wait"]),
    ("plot-bad-suffix", ["plot", "memory-wait", "--out", "{dir}/x.txt"]),
    ("plot-out-dir", ["plot", "memory-wait", "--out", "{dir}/sub.png"]),
    ("plot-out-parent-file", ["plot", "memory-wait", "--out", "{dir}/a_file/x.png"]),
    ("plot-out-trailing-slash", ["plot", "memory-wait", "--out", "{dir}/x.svg/"]),
    ("plot-hops-segments-0", ["plot", "repeater-hops", "--segments", "0", "--out", "{out}"]),
    ("plot-hops-segments-huge", ["plot", "repeater-hops", "--segments", "500000", "--out", "{out}"]),
    ("plot-hops-purify-20", ["plot", "repeater-hops", "--purify", "20", "--out", "{out}"]),
    ("plot-hops-fidelity", ["plot", "repeater-hops", "--fidelity", "2", "--out", "{out}"]),
    ("plot-memory-coherence-0", ["plot", "memory-wait", "--coherence-time", "0", "--out", "{out}"]),
    ("plot-memory-wait-0", ["plot", "memory-wait", "--wait", "0", "--out", "{out}"]),
    ("plot-keyrate-max-qber", ["plot", "keyrate-vs-qber", "--max-qber", "0.9", "--out", "{out}"]),
    ("plot-qber-unknown-protocol", ["plot", "qber-vs-interception", "--protocol", "nope", "--out", "{out}"]),
    ("plot-qber-not-qkd", ["plot", "qber-vs-interception", "--protocol", "teleportation", "--out", "{out}"]),
    ("plot-chsh-no-bell-test", ["plot", "chsh-vs-noise", "--protocol", "bb84", "--out", "{out}"]),
]


@pytest.fixture
def case_dir(tmp_path: Path) -> Path:
    for name, text in FILES.items():
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
    (tmp_path / "folder.py").mkdir()
    (tmp_path / "sub.png").mkdir()
    return tmp_path


def run_cli(capsys, args: list[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_campaign_has_at_least_120_cases():
    assert len(CASES) >= 120
    assert len({name for name, _ in CASES}) == len(CASES)
    commands = {args[0] for _, args in CASES if args}
    assert {"verify", "list", "explain", "analyze", "simulate", "fuzz", "plot"} <= commands


@pytest.mark.parametrize("args", [a for _, a in CASES], ids=[n for n, _ in CASES])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(case_dir, capsys, args):
    out_path = case_dir / "result.png"
    argv = [a.replace("{dir}", str(case_dir)).replace("{out}", str(out_path)) for a in args]
    before = sorted(os.listdir(case_dir))
    code, _, err = run_cli(capsys, argv)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, (code, err)
    assert len(lines) == 1, err
    assert "Traceback" not in err and "internal error" not in err, err
    assert lines[0].startswith("qproto: error: ")
    assert not out_path.exists()
    assert sorted(os.listdir(case_dir)) == before  # no output, no temporary file left behind


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["analyze", "bb84", "--attack", "intercept-resend:fraction=0.1,fraction=0.2"], "fraction is given twice"),
        (["analyze", "bb84", "--attack", ""], "empty"),
        (["simulate", "bb84", "--rounds", "10", "--seed", "1", "--attack", ""], "empty attack"),
        (["analyze", "bb84", "--segments", "3"], "--segments does not apply to bb84"),
        (["analyze", "repeater-chain", "--attack", "intercept-resend:fraction=0.1"], "--attack does not apply to repeater-chain"),
        (["verify", "{dir}/folder.py"], "is a directory"),
        (["verify", "{dir}/protocols_int.py"], "PROTOCOLS is a int"),
        (["verify", "{dir}/amp_slash.py"], "could not parse '1/'"),
        (
            ["analyze", "fidelity-routing", "--from-node", "A", "--to-node", "B", "--network", "{dir}/net_string_fidelity.json"],
            "is not a number",
        ),
        (
            ["analyze", "fidelity-routing", "--from-node", "A", "--to-node", "B", "--network", "{dir}/net_long_fibre.json"],
            "total loss",
        ),
        (["simulate", "bb84", "--rounds", "10", "--seed", "1", "--sample-fraction", "1/0"], "must be a number"),
        (["analyze", "bb84", "--attack", "intercept-resend:fraction=1e-99999999"], "exponent"),
        (["simulate", "bb84", "--rounds", "1" + "0" * 26, "--seed", "1"], "10^12"),
        (["analyze", "repeater-chain", "--segments", "500000"], "segments=500000 must lie in [1, 1000]"),
        (["analyze", "repeater-chain", "--purify", "20"], "purify=20 must lie in [0, 12]"),
        (["verify", "teleportation", "--junit-xml", "{dir}/a_file/r.xml"], "a parent folder is a file"),
        (["verify", "teleportation", "--junit-xml", "{dir}"], "is a directory"),
        (["verify", "teleportation", "--property", "outcomes-uniform", "--junit-xml", "/dev/full"], "no space left on device"),
    ],
)
def test_the_message_says_what_is_wrong(case_dir, capsys, args, fragment):
    code, _, err = run_cli(capsys, [a.replace("{dir}", str(case_dir)) for a in args])
    assert code == 2 and fragment in err, err
