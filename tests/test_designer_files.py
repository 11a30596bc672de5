"""Designer files behave like Python (issue 14, item 5).

A spec file imports its sibling modules with no ``PYTHONPATH``; only the
specs it defines are verified; ``EXPECTED_REFUTED`` turns a regression
suite of known-flawed variants into exit 0 when each is caught, and exit 1
naming one that is not.
"""

from __future__ import annotations

import sys
import textwrap

import pytest

from qproto.loader import load_file, resolve_targets
from qproto.spec.errors import LoadError, ParameterError

from .helpers import run_cli

FAST = ["--property", "outcomes-uniform", "--property", "correction-restores-input", "-j", "1", "--no-cache"]


def _write(folder, name, text):
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def project(tmp_path):
    """A designer's folder: a sibling module with a base spec, and a spec
    file that imports it, a catalogue spec and a flawed catalogue spec."""
    _write(
        tmp_path,
        "shared_bases.py",
        """
        from qproto.spec.teleportation import TELEPORTATION
        BASE = TELEPORTATION.variant("my-base")
    """,
    )
    _write(
        tmp_path,
        "specs.py",
        """
        from qproto.spec.catalogue import find
        from qproto.spec.teleportation import TELEPORTATION  # imported: not verified again
        from shared_bases import BASE                        # imported from a sibling: not verified again

        MY_GOOD = BASE.variant("my-good")
        MY_BAD = find("teleportation-dropped-bit").variant("my-bad")

        EXPECTED_REFUTED = {"my-bad"}
    """,
    )
    return tmp_path


def test_a_sibling_module_imports_and_sys_path_is_restored(project):
    before = list(sys.path)
    loaded = resolve_targets([str(project / "specs.py")])
    assert sys.path == before
    assert "shared_bases" not in sys.modules  # the next file's sibling of that name is its own
    assert [s.name for s in loaded.specs] == ["my-good", "my-bad"]  # defined here; imports are not re-verified
    assert loaded.expected_refuted == {"my-bad"}
    # a reproduce command names the one spec: path.py:NAME
    assert loaded.sources == {"my-good": f"{project / 'specs.py'}:my-good", "my-bad": f"{project / 'specs.py'}:my-bad"}


def test_an_imported_spec_is_verified_when_named(project):
    (base,) = load_file(f"{project / 'specs.py'}:BASE")
    assert base.name == "my-base"
    (by_name,) = load_file(f"{project / 'specs.py'}:my-good")
    assert by_name.name == "my-good"
    with pytest.raises(LoadError, match="did you mean 'MY_GOOD'"):
        load_file(f"{project / 'specs.py'}:MY_GOD")


def test_expected_refuted_spec_caught_exits_0(project):
    r = run_cli("verify", str(project / "specs.py"), *FAST)
    assert r.code == 0, r.out + r.err
    flat = " ".join(r.out.split())
    assert "my-bad / correction-restores-input" in flat  # the counterexample is still shown
    assert "refuted as expected" in flat and "— OK" in flat
    doc = run_cli("verify", str(project / "specs.py"), *FAST, "--json").json()
    assert doc["summary"]["exit_code"] == 0 and doc["summary"]["refuted_as_expected"] == ["my-bad"]
    statuses = {(v["protocol"], v["property"]): v["status"] for v in doc["verdicts"]}
    assert statuses[("my-bad", "correction-restores-input")] == "refuted"
    assert statuses[("my-good", "correction-restores-input")] == "proved"


def test_expected_refuted_spec_that_passes_exits_1_and_is_named(tmp_path):
    path = _write(
        tmp_path,
        "suite.py",
        """
        from qproto.spec.teleportation import TELEPORTATION
        STILL_FINE = TELEPORTATION.variant("still-fine")
        EXPECTED_REFUTED = {"still-fine"}
    """,
    )
    r = run_cli("verify", str(path), *FAST)
    assert r.code == 1
    assert "still-fine: expected refuted, but every property passed" in " ".join(r.out.split())


def test_an_unexpected_failure_still_fails(tmp_path):
    path = _write(
        tmp_path,
        "suite.py",
        """
        from qproto.spec.catalogue import find
        BROKEN = find("teleportation-dropped-bit").variant("broken")
    """,
    )
    r = run_cli("verify", str(path), *FAST)
    assert r.code == 1
    assert "NOT OK (1): broken/correction-restores-input" in " ".join(r.out.split())


def test_expected_refuted_must_name_a_spec_of_the_file(tmp_path):
    path = _write(
        tmp_path,
        "suite.py",
        """
        from qproto.spec.teleportation import TELEPORTATION
        MINE = TELEPORTATION.variant("my-variant")
        EXPECTED_REFUTED = {"my-varaint"}
    """,
    )
    with pytest.raises(LoadError, match="did you mean 'my-variant'"):
        load_file(str(path))
    r = run_cli("verify", str(path))
    assert r.code == 2 and "EXPECTED_REFUTED names 'my-varaint'" in r.err


def test_a_misspelt_field_names_file_line_and_the_field(tmp_path):
    path = _write(
        tmp_path,
        "typo.py",
        """
        from qproto.spec.qkd import PrepareMeasureQKD

        MINE = PrepareMeasureQKD(name="mine", abort_treshold="1/10")
    """,
    )
    with pytest.raises(ParameterError) as info:
        load_file(str(path))
    # the file's 4th line (dedent keeps the leading blank line)
    assert str(info.value) == (f"{path}:4: PrepareMeasureQKD has no field abort_treshold=; did you mean 'abort_threshold'?")
    r = run_cli("verify", str(path))
    assert r.code == 2 and r.err.count("\n") == 1 and "did you mean 'abort_threshold'?" in r.err


def test_a_misspelt_variant_field_in_a_file(tmp_path):
    path = _write(
        tmp_path,
        "typo_variant.py",
        """
        from qproto.spec.bb84 import BB84
        MINE = BB84.variant("mine", sample_fractoin="1/5")
    """,
    )
    r = run_cli("verify", str(path))
    assert r.code == 2
    assert "typo_variant.py:3" in r.err and "did you mean 'sample_fraction'?" in r.err


def test_the_reproduce_command_names_the_file_and_spec(project):
    r = run_cli("verify", str(project / "specs.py"), *FAST)
    flat = " ".join(r.out.split())
    assert f"reproduce: qproto verify {project / 'specs.py'}:my-bad --property correction-restores-input" in flat


def test_sys_path_is_restored_when_the_file_fails(tmp_path):
    path = _write(
        tmp_path,
        "broken.py",
        """
        import shared_missing_module
    """,
    )
    before = list(sys.path)
    with pytest.raises(LoadError, match=r"broken.py:2: ModuleNotFoundError"):
        load_file(str(path))
    assert sys.path == before


def test_two_files_with_same_named_siblings_each_get_their_own(tmp_path):
    for folder, variant in (("one", "first"), ("two", "second")):
        (tmp_path / folder).mkdir()
        _write(
            tmp_path / folder,
            "bases.py",
            f"""
            from qproto.spec.teleportation import TELEPORTATION
            BASE = TELEPORTATION.variant("{variant}-base")
        """,
        )
        _write(
            tmp_path / folder,
            "specs.py",
            f"""
            from bases import BASE
            MINE = BASE.variant("{variant}-mine")
        """,
        )
    loaded = resolve_targets([str(tmp_path / "one" / "specs.py"), str(tmp_path / "two" / "specs.py")])
    assert [s.name for s in loaded.specs] == ["first-mine", "second-mine"]
    assert [s.variant_of for s in loaded.specs] == ["first-base", "second-base"]
