"""The command line: listing, verifying, exit codes, bad input."""

import json
import textwrap
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from .helpers import assert_bad_input, cli

ROOT = Path(__file__).resolve().parents[1]


def test_list_json_shape():
    r = cli("list", "--json")
    assert r.code == 0
    doc = r.json()
    names = [p["name"] for p in doc["protocols"]]
    assert "teleportation" in names and "superdense-coding" in names
    for p in doc["protocols"]:
        assert {"name", "family", "properties"} <= set(p)
        assert all({"id", "engine", "statement"} <= set(q) for q in p["properties"])


def test_list_flawed_json():
    r = cli("list", "--flawed", "--json")
    assert r.code == 0
    doc = r.json()
    names = {p["name"] for p in doc["protocols"]}
    assert {"teleportation-swapped-bits", "teleportation-dropped-bit", "superdense-coding-no-hadamard"} <= names
    assert all(p.get("flaw") for p in doc["protocols"])


def test_bare_verify_exits_0_and_never_runs_flawed_variants(tmp_path):
    r = cli("verify", "--json", "--junit-xml", str(tmp_path / "report.xml"))
    assert r.code == 0, r.out[-2000:]
    doc = r.json()
    assert doc["summary"]["exit_code"] == 0
    assert not any(v["protocol"].endswith(("swapped-bits", "dropped-bit", "no-hadamard")) for v in doc["verdicts"])
    suite = ET.parse(tmp_path / "report.xml").getroot()
    assert int(suite.get("tests")) == len(doc["verdicts"])
    assert suite.get("failures") == "0"


def test_junit_marks_refutations_as_failures(tmp_path):
    out = tmp_path / "j.xml"
    r = cli("verify", "teleportation-dropped-bit", "--junit-xml", str(out))
    assert r.code == 1
    suite = ET.parse(out).getroot()
    assert int(suite.get("failures")) >= 1
    assert any(c.find("failure") is not None for c in suite.iter("testcase"))


def test_exact_values_are_strings_sympy_parses_next_to_floats():
    doc = cli("verify", "--json", "teleportation", "--property", "outcomes-uniform").json()
    (v,) = doc["verdicts"]
    for o in v["evidence"]["outcomes"]:
        assert o["probability"] == {"exact": "1/4", "value": 0.25}


@pytest.mark.parametrize(
    "args, fragments",
    [
        (("verify", "no-such-protocol"), ["unknown protocol 'no-such-protocol'", "known:"]),
        (("verify", "--engine", "magic"), ["invalid choice: 'magic'"]),
        (("verify", "--bogus"), ["unrecognized arguments: --bogus"]),
        (("explain",), ["the following arguments are required"]),
        (("explain", "nope"), ["unknown protocol 'nope'"]),
        (("verify", "teleportation", "--engine", "statemachine"), ["no property matches"]),
        (("verify", "--bound", "0"), ["bound=0 must be > 0"]),
        (("verify", "--seed", "x"), ["seed='x' must be an integer"]),
        (("frobnicate",), ["invalid choice: 'frobnicate'"]),
    ],
)
def test_bad_input_exits_2_with_one_line(args, fragments):
    assert_bad_input(cli(*args), *fragments)


def test_designer_spec_file_runs_like_a_catalogue_entry():
    path = str(ROOT / "docs" / "examples" / "my_teleportation.py")
    r = cli("verify", path, "--json")
    assert r.code == 0, r.err
    assert {v["protocol"] for v in r.json()["verdicts"]} == {"my-teleportation"}
    r = cli("explain", path)
    assert r.code == 0 and "my-teleportation" in r.out


def test_designer_module_attribute(tmp_path):
    pkg = tmp_path / "mypkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "specs.py").write_text(textwrap.dedent('''
        from qproto.spec.superdense import SUPERDENSE
        MY_VARIANT = SUPERDENSE.variant("my-superdense")
    '''))
    r = cli("verify", "mypkg.specs:MY_VARIANT", "--json", cwd=str(tmp_path))
    assert r.code == 0, r.err
    assert r.json()["verdicts"][0]["protocol"] == "my-superdense"
    assert_bad_input(cli("verify", "mypkg.specs:NOPE", cwd=str(tmp_path)), "has no attribute 'NOPE'")


def test_python_api_on_a_designer_spec():
    import qproto

    verdicts = qproto.verify(str(ROOT / "docs" / "examples" / "my_teleportation.py"))
    assert verdicts and all(v.status.value == "proved" for v in verdicts)


@pytest.mark.parametrize(
    "body, fragments",
    [
        ("x = 1\ny = undefined_name\n", ["bad.py:2", "NameError"]),
        ("def f(:\n", ["bad.py:1", "SyntaxError"]),
        ("x = 1\n", ["defines no Protocol"]),
        (
            "from qproto.spec.teleportation import TELEPORTATION\n"
            "from qproto.spec import ApplyGate\n"
            "BAD = TELEPORTATION.variant('bad', steps=TELEPORTATION.steps + (ApplyGate(party='Bob', gate='H', targets=('zz',)),))\n",
            ["bad.py:3", "unknown register 'zz'"],
        ),
        (
            "from qproto.spec.teleportation import TELEPORTATION\n"
            "from qproto.spec import ApplyGate\n"
            "BAD = TELEPORTATION.variant('bad', steps=TELEPORTATION.steps + (ApplyGate(party='Bob', gate='U', targets=('b',), matrix=((1, 1), (0, 1))),))\n",
            ["gate U is not unitary", "fix the matrix"],
        ),
        (
            "from qproto.spec.teleportation import TELEPORTATION\n"
            "from qproto.spec import ApplyGate\n"
            "BAD = TELEPORTATION.variant('bad', steps=TELEPORTATION.steps + (ApplyGate(party='Bob', gate='CNOT', targets=('b',)),))\n",
            ["gate CNOT acts on 2 qubit(s)"],
        ),
        (
            "from qproto.spec.teleportation import TELEPORTATION\n"
            "from qproto.spec import Controlled\n"
            "BAD = TELEPORTATION.variant('bad', steps=TELEPORTATION.steps[:7] + (Controlled(party='Bob', gate='X', targets=('b',), when='m2'),))\n",
            ["uses bit 'm2' before it is received"],
        ),
        (
            "from qproto.spec.teleportation import TELEPORTATION\n"
            "from qproto.spec import Prepare\n"
            "BAD = TELEPORTATION.variant('bad', steps=(Prepare(party='Alice', registers=('q',), state='ket:2'),) + TELEPORTATION.steps[1:])\n",
            [],
        ),
    ],
)
def test_a_bad_designer_file_is_bad_input(tmp_path, body, fragments):
    path = tmp_path / "bad.py"
    path.write_text(body)
    r = cli("verify", str(path))
    assert_bad_input(r, *fragments)


def test_unnormalised_state_in_a_designer_gate_matrix_named(tmp_path):
    path = tmp_path / "bad.py"
    path.write_text(
        "from qproto.spec.teleportation import TELEPORTATION\n"
        "from qproto.spec import ApplyGate\n"
        "BAD = TELEPORTATION.variant('bad', steps=TELEPORTATION.steps[:3] + (ApplyGate(party='Alice', gate='Q', targets=('q',), matrix=(('1/2', 0), (0, 1))),) + TELEPORTATION.steps[3:])\n"
    )
    assert_bad_input(cli("verify", str(path)), "gate Q is not unitary")


@pytest.mark.parametrize(
    "extra, fragments",
    [
        ("ApplyChannel(party='Bob', channel='leaky', targets=('b',), kraus=(((1, 0), (0, '1/2')),))",
         ["channel leaky is not trace preserving", "fix the Kraus operators"]),
        ("ApplyChannel(party='Bob', channel='depolarizing', targets=('b',), params=(1.5,))",
         ["p=1.5 must lie in [0, 1]"]),
        ("ApplyChannel(party='Bob', channel='nope', targets=('b',), params=(0.1,))", ["unknown channel 'nope'"]),
    ],
)
def test_bad_channels_in_a_designer_file(tmp_path, extra, fragments):
    path = tmp_path / "bad.py"
    path.write_text(
        "from qproto.spec.teleportation import TELEPORTATION\n"
        "from qproto.spec import ApplyChannel\n"
        f"BAD = TELEPORTATION.variant('bad', steps=TELEPORTATION.steps + ({extra},))\n"
    )
    assert_bad_input(cli("verify", str(path)), *fragments)


def test_unnormalised_prepared_state_is_bad_input(tmp_path):
    path = tmp_path / "bad.py"
    path.write_text(
        "from qproto.spec.teleportation import TELEPORTATION\n"
        "from qproto.spec import Prepare\n"
        "BAD = TELEPORTATION.variant('bad', steps=(Prepare(party='Alice', registers=('q',), state='amplitudes', amplitudes=(1, 1)),) + TELEPORTATION.steps[1:])\n"
    )
    assert_bad_input(cli("verify", str(path)), "norm", "expected 1", "normalise")
