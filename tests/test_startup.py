"""Start-up cost of the CLI and the package (issue 15): behaviour, not time.

``qproto --help`` must not import SymPy, NumPy, Z3, rich, SciPy or
matplotlib (nor any command module: their help lines are read from
source), and every public name of ``qproto`` stays importable although the
package loads them lazily.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("sympy", "numpy", "z3", "rich", "scipy", "matplotlib", "cvxpy")


def _imported(*argv: str) -> set[str]:
    """Modules a fresh interpreter holds after ``qproto ARGV`` (read from
    ``sys.modules`` at exit: ``-X importtime`` misses importlib imports)."""
    code = (
        (
            "import sys\nfrom qproto.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            "sys.stderr.write('\\nMODULES ' + ' '.join(sorted(sys.modules)))"
        )
        if argv
        else "import sys, qproto, qproto.spec.errors\nsys.stderr.write('\\nMODULES ' + ' '.join(sorted(sys.modules)))"
    )
    r = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return set(r.stderr.rsplit("MODULES ", 1)[1].split())


def _heavy(mods: set[str]) -> list[str]:
    return sorted(m for m in mods if m.split(".")[0] in HEAVY)


def test_help_imports_no_heavy_package_and_no_command_module():
    mods = _imported("--help")
    assert not _heavy(mods), _heavy(mods)[:10]
    assert not [m for m in mods if m.startswith("qproto.cli.") and m.endswith("_cmd")]
    assert "qproto.cli" in mods


def test_import_qproto_is_light():
    mods = _imported()
    assert "qproto" in mods and not _heavy(mods), _heavy(mods)[:10]


def test_running_a_command_imports_only_that_command():
    mods = _imported("list", "--json")
    cmds = {m for m in mods if m.startswith("qproto.cli.") and m.endswith("_cmd")}
    assert cmds == {"qproto.cli.list_cmd"}


def test_help_lines_read_from_source_match_the_modules_own():
    """The source reading must give what each module's register() says."""
    from qproto.cli import COMMAND_MODULES, _announce, _read_announcement

    for name in COMMAND_MODULES:
        read = _read_announcement(name)
        assert read is not None, f"{name}: register() must call sub.add_parser with literal arguments"
        assert read == _announce(importlib.import_module(name)), name


def test_partial_and_full_parsers_offer_the_same_commands(capsys):
    from qproto.cli import build_parser

    def commands(parser):
        (action,) = [a for a in parser._actions if a.dest == "command"]
        return {name: p.description or "" for name, p in action.choices.items()}, {
            c.dest: c.help for c in action._choices_actions
        }

    full_names, full_help = commands(build_parser())
    lazy_names, lazy_help = commands(build_parser(["--help"]))
    assert set(full_names) == set(lazy_names) and full_help == lazy_help
    for word in ("simulate", "verify"):  # the named command is built in full
        parser = build_parser([word, "--help"])
        (action,) = [a for a in parser._actions if a.dest == "command"]
        assert len(action.choices[word]._actions) > 2


def test_every_public_name_is_importable_in_a_fresh_process():
    import qproto

    names = [n for n in qproto.__all__ if n != "__version__"]
    code = "from qproto import " + ", ".join(names) + "; import qproto; print(qproto.__version__)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    for n in names:
        assert getattr(qproto, n) is not None


@pytest.mark.parametrize("name", ["Prepare", "CircuitProtocol", "Protocol", "replace_step", "QprotoError"])
def test_spec_package_names_load_on_first_use(name):
    import qproto.spec

    assert getattr(qproto.spec, name).__name__ == name
    with pytest.raises(AttributeError):
        qproto.spec.no_such_name  # noqa: B018
