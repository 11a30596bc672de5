"""Replay records: the proofs layer stores data, the glue writes the command lines."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from qproto.proofs.verdict import Status, Verdict, replay_record
from qproto.replay import command_line, render, render_evidence, rendered
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent


def _verdict(evidence):
    return Verdict(protocol="bb84", property="p", engine="adversary", status=Status.REFUTED, evidence=evidence)


def test_records_are_written_as_todays_command_lines():
    assert (
        command_line("analyze", replay_record("bb84", attack="pauli-probe:py=1"))
        == "qproto analyze bb84 --attack pauli-probe:py=1"
    )
    assert command_line("analyze", replay_record("bb84")) == "qproto analyze bb84"
    assert command_line("analyze", replay_record("b", noise="depolarizing=0.1")) == "qproto analyze b --noise depolarizing=0.1"
    assert command_line("fuzz", replay_record("bb84", seed=0, budget=30)) == "qproto fuzz bb84 --seed 0 --budget 30"
    # the option order is the command's, whatever order the record was built in
    rec = replay_record("bb84", budget=5, seed=2, property="completeness")
    assert command_line("verify", rec) == "qproto verify bb84 --property completeness --seed 2 --budget 5"


def test_a_field_the_command_cannot_take_is_an_error_not_dropped():
    with pytest.raises(ValueError, match="budget"):
        command_line("analyze", replay_record("bb84", budget=3))


def test_render_keeps_plain_entries_out_and_old_text_commands_in():
    replay = {
        "attack": "x",
        "seed": 1,
        "analyze": replay_record("bb84", attack="x"),
        "verify": "qproto verify bb84 --property p",  # an older, cached verdict
        "replayed": True,
    }
    assert render(replay) == {"analyze": "qproto analyze bb84 --attack x", "verify": "qproto verify bb84 --property p"}
    assert render("qproto fuzz bb84") == {"command": "qproto fuzz bb84"}
    assert render({"replayed": True, "fidelity": 0.5}) == {} and render(None) == {}


def test_rendering_a_verdict_copies_it_and_leaves_other_evidence_alone():
    ev = {
        "summary": "s",
        "replay": {"seed": 0, "fuzz": replay_record("bb84", seed=0, budget=3)},
        "counterexample": {"attack": "none", "analyze": replay_record("bb84", noise="depolarizing=0.2"), "qber": 0.1},
    }
    v = _verdict(ev)
    r = rendered(v)
    assert r.evidence["replay"] == {"seed": 0, "fuzz": "qproto fuzz bb84 --seed 0 --budget 3"}
    assert r.evidence["counterexample"] == {
        "attack": "none",
        "analyze": "qproto analyze bb84 --noise depolarizing=0.2",
        "qber": 0.1,
    }
    assert v.evidence is ev and isinstance(ev["replay"]["fuzz"], dict)  # the checker's verdict is not changed
    numeric = {"replay": {"replayed": True}, "counterexample": {"x": 1}}
    assert render_evidence(numeric) is numeric and rendered(_verdict(numeric)).evidence is numeric


def test_report_outputs_write_the_records_out():
    from qproto import report

    v = _verdict({"summary": "s", "replay": {"analyze": replay_record("bb84", attack="pauli-probe:py=1")}})
    doc = json.loads(report.to_json([v], 0.0))
    assert doc["verdicts"][0]["evidence"]["replay"]["analyze"] == "qproto analyze bb84 --attack pauli-probe:py=1"
    assert report.reproduce_commands(v) == ["qproto analyze bb84 --attack pauli-probe:py=1", "qproto verify bb84 --property p"]
    assert "qproto analyze bb84 --attack pauli-probe:py=1" in report.to_junit([v], 0.0)


def test_verify_json_shows_command_lines_for_a_refuted_flawed_spec():
    r = run_cli("verify", "bb84-no-sifting", "--property", "completeness", "--no-cache", "-j", "1", "--json")
    assert r.code == 1, r.err
    (v,) = r.json()["verdicts"]
    assert v["status"] == "refuted"
    assert v["evidence"]["replay"] == {"analyze": "qproto analyze bb84-no-sifting", "fuzz": "qproto fuzz bb84-no-sifting"}


def _cli_strings(path: Path) -> list[str]:
    """String literals (docstrings excepted) in a module that begin like a
    qproto command line."""
    tree = ast.parse(path.read_text("utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            text = node.value
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
        else:
            continue
        if any(text.lstrip().startswith(f"qproto {cmd}") for cmd in ("analyze", "fuzz", "verify", "keyrate", "simulate")):
            found.append(text)
    return found


@pytest.mark.parametrize("layer", ["proofs", "models", "spec"])
def test_the_lower_layers_write_no_command_lines(layer):
    offenders = {str(p.relative_to(ROOT)): s for p in sorted((ROOT / layer).glob("*.py")) if (s := _cli_strings(p))}
    assert not offenders
