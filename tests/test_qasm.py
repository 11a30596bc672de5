"""OpenQASM 3 export and import of circuit protocols (qproto/qasm.py)."""

from __future__ import annotations

import re

import pytest

from qproto.proofs.runner import verify
from qproto.qasm import export_qasm, import_qasm
from qproto.spec import catalogue
from qproto.spec.circuit import CircuitProtocol
from qproto.spec.errors import LoadError, SpecError


def _circuits() -> list[CircuitProtocol]:
    return [s for s in (*catalogue.protocols(), *catalogue.flawed()) if type(s) is CircuitProtocol]


@pytest.mark.parametrize("spec", _circuits(), ids=lambda s: s.name)
def test_every_circuit_protocol_round_trips_to_an_equal_spec(spec: CircuitProtocol) -> None:
    assert import_qasm(export_qasm(spec)) == spec


def test_imported_teleportation_is_proved() -> None:
    spec = import_qasm(export_qasm(catalogue.find("teleportation")))
    verdicts = verify(spec, properties=["correction-restores-input", "outcomes-uniform", "no-signalling"])
    assert [v.status.value for v in verdicts] == ["proved"] * 3


def test_a_flawed_program_is_refuted_as_written() -> None:
    # swap the bits that control Bob's corrections in the program text
    text = export_qasm(catalogue.find("teleportation"))
    text = text.replace("if (m2) { x b; }", "if (m1) { x b; }", 1).replace("if (m1) { z b; }", "if (m2) { z b; }", 1)
    spec = import_qasm(text)
    (v,) = verify(spec, properties=["correction-restores-input"])
    assert v.status.value == "refuted"
    assert "counterexample" in v.evidence or "witness" in v.evidence


def test_the_prepare_block_is_simulated_not_trusted() -> None:
    text = export_qasm(catalogue.find("teleportation")).replace(
        "cx a, b;\npragma qproto.end", "cx a, b;\nx b;\npragma qproto.end"
    )
    spec = import_qasm(text)
    assert spec.steps[1].state == "bell:psi+"
    (v,) = verify(spec, properties=["correction-restores-input"])
    assert v.status.value == "refuted"


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("OPENQASM 3.0;\nqubit q;\n", "no 'pragma qproto.spec' line"),
        ("pragma qproto.spec {not json\n", "is not JSON"),
        ('pragma qproto.spec {"name": "x"}\nqubit[3] q;\n', "qubit arrays are not supported"),
        ('pragma qproto.spec {"name": "x"}\nqubit q;\nu3(1,2,3) q;\n', "is not a supported statement"),
        ('pragma qproto.spec {"name": "x"}\nqubit a;\nqubit b;\npragma qproto.prepare A a b\nh a;\n', "not closed"),
        (
            'pragma qproto.spec {"name": "x"}\nqubit a;\nqubit b;\npragma qproto.prepare A a b\nh a;\nh b;\npragma qproto.end\n',
            "neither a Bell pair nor a basis state",
        ),
        ('pragma qproto.spec {"name": "x", "registers": [{"name": "q", "owner": "A"}]}\n', "not declared as qubits"),
    ],
)
def test_bad_programs_give_one_line_errors(text: str, fragment: str) -> None:
    with pytest.raises(LoadError, match=re.escape(fragment)) as info:
        import_qasm(text)
    assert "\n" not in str(info.value)


def test_export_writes_the_bit_as_its_own_condition() -> None:
    text = export_qasm(catalogue.find("teleportation"))
    assert "if (m2) { x b; }" in text and "if (m1) { z b; }" in text
    assert [line for line in text.splitlines() if not line.startswith("pragma") and "==" in line.split("//")[0]] == []


@pytest.mark.parametrize("condition", ["m1 == 1", "m1 == true", "m1==1", "m1"])
def test_import_reads_every_form_of_the_condition(condition: str) -> None:
    spec = catalogue.find("teleportation")
    text = export_qasm(spec)
    assert import_qasm(text.replace("if (m1)", f"if ({condition})")) == spec


def test_import_refuses_a_condition_on_zero() -> None:
    text = export_qasm(catalogue.find("teleportation")).replace("if (m1)", "if (m1 == 0)")
    with pytest.raises(LoadError, match=re.escape("expected if (bit)")):
        import_qasm(text)


def test_what_openqasm_cannot_say_is_refused_on_export() -> None:
    with pytest.raises(SpecError, match="OpenQASM export covers plain circuit protocols"):
        export_qasm(catalogue.find("bbpssw"))


def test_cli_exports_and_verifies_the_program(tmp_path, capsys) -> None:
    from qproto.cli import main

    out = tmp_path / "teleportation.qasm"
    assert main(["export", "teleportation", "--qasm", "--out", str(out)]) == 0
    assert out.read_text().startswith("OPENQASM 3.0;")
    assert main(["verify", str(out), "--engine", "algebra"]) == 0
    flawed = tmp_path / "flawed.qasm"
    flawed.write_text(out.read_text().replace("if (m1) { z b; }", ""))
    assert main(["verify", str(flawed), "--property", "correction-restores-input"]) == 1


def test_cli_refuses_what_it_cannot_export_in_one_line(tmp_path, capsys) -> None:
    from qproto.cli import main

    assert main(["export", "bbpssw", "--qasm", "--out", str(tmp_path / "x.qasm")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "OpenQASM export covers plain circuit protocols" in err[0]
    assert not (tmp_path / "x.qasm").exists()
