"""The family manifests (``qproto/families.py``): the capability matrix is
pinned as data here, and every claim in it is checked against the registries
the manifests fill; a third-party family arrives through the entry-point
group ``qproto.families`` without a qproto file being edited."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest

from qproto import families as fams
from qproto.family import CAPABILITIES, Family, FamilyError
from qproto.spec.catalogue import find, flawed, protocols
from qproto.spec.errors import QprotoError, UnknownNameError

from .helpers import run_cli

Y, N = True, False
#: What each built-in family plugs in.  A change here is a change of what
#: qproto offers: update CONTRIBUTING.md and the docs with it.
MATRIX = {
    "circuit": {
        "verify": True,
        "explain": True,
        "analyze": False,
        "plots": False,
        "vectors": True,
        "attacks": False,
        "simulate": False,
    },
    "transition": {
        "verify": True,
        "explain": True,
        "analyze": False,
        "plots": False,
        "vectors": True,
        "attacks": False,
        "simulate": False,
    },
    "secret-sharing": {
        "verify": True,
        "explain": True,
        "analyze": False,
        "plots": False,
        "vectors": True,
        "attacks": False,
        "simulate": False,
    },
    "qkd-pm": {
        "verify": True,
        "explain": True,
        "analyze": True,
        "plots": True,
        "vectors": True,
        "attacks": True,
        "simulate": True,
    },
    "qkd-eb": {
        "verify": True,
        "explain": True,
        "analyze": True,
        "plots": True,
        "vectors": True,
        "attacks": True,
        "simulate": True,
    },
    "purification": {
        "verify": True,
        "explain": True,
        "analyze": True,
        "plots": True,
        "vectors": True,
        "attacks": False,
        "simulate": False,
    },
    "repeater": {
        "verify": True,
        "explain": True,
        "analyze": True,
        "plots": True,
        "vectors": True,
        "attacks": False,
        "simulate": False,
    },
    "memory": {
        "verify": True,
        "explain": True,
        "analyze": True,
        "plots": True,
        "vectors": True,
        "attacks": False,
        "simulate": False,
    },
    "network": {
        "verify": True,
        "explain": True,
        "analyze": True,
        "plots": False,
        "vectors": True,
        "attacks": False,
        "simulate": False,
    },
    "relay": {
        "verify": True,
        "explain": True,
        "analyze": True,
        "plots": False,
        "vectors": True,
        "attacks": False,
        "simulate": False,
    },
}


@pytest.fixture
def builtin_only(monkeypatch):
    """No third-party family, whatever the environment has installed."""
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda **kw: importlib.metadata.EntryPoints(()))
    fams.reset()
    yield
    fams.reset()


def _specs_of(fam: Family, which=None):
    specs = protocols() + flawed() if which is None else which()
    return [s for s in specs if s.family in fam.covers]


def test_the_capability_matrix_is_pinned(builtin_only):
    assert fams.capability_matrix() == MATRIX


def test_every_catalogue_spec_is_covered_by_exactly_one_manifest(builtin_only):
    for spec in protocols() + flawed():
        owners = [f.name for f in fams.families() if spec.family in f.covers]
        assert len(owners) == 1, (spec.name, spec.family, owners)
    for fam in fams.families():  # and no manifest covers a family without a spec
        assert _specs_of(fam, protocols), fam.name


def test_every_named_module_and_spec_type_exists(builtin_only):
    for fam in fams.families():
        for kind in ("specs", "checkers", "explainers", "analyzers", "plots", "vectors", "attacks"):
            for mod in fam.modules(kind):
                assert importlib.util.find_spec(mod) is not None, (fam.name, kind, mod)
        types = tuple(getattr(importlib.import_module(m), c) for m, _, c in (t.partition(":") for t in fam.spec_types))
        for spec in _specs_of(fam):
            assert isinstance(spec, types), (fam.name, spec.name, type(spec))


def test_the_old_module_lists_are_the_manifests_union(builtin_only):
    from qproto.analyzers import ANALYZER_MODULES
    from qproto.explain import EXPLAINER_MODULES
    from qproto.models.attacks import ATTACK_MODULES
    from qproto.plots import PLOT_MODULES
    from qproto.proofs.registry import CHECKER_MODULES
    from qproto.spec.catalogue import SPEC_MODULES
    from qproto.vectors.registry import GENERATOR_MODULES

    old = {
        "specs": SPEC_MODULES,
        "checkers": CHECKER_MODULES,
        "explainers": EXPLAINER_MODULES,
        "analyzers": ANALYZER_MODULES,
        "plots": PLOT_MODULES,
        "vectors": GENERATOR_MODULES,
        "attacks": ATTACK_MODULES,
    }
    for kind, value in old.items():
        union = [m for f in fams.BUILTIN for m in f.modules(kind)]
        assert value == list(dict.fromkeys(union)), kind
    # the order the plot registry relies on
    assert PLOT_MODULES.index("qproto.plots_keyrate") > PLOT_MODULES.index("qproto.plots_qkd")


def test_verify_claims_are_true(builtin_only):
    from qproto.proofs.registry import get_checker

    for fam in fams.families():
        assert MATRIX[fam.name]["verify"] and fam.checkers
        for spec in _specs_of(fam):
            assert spec.properties, spec.name
            for prop in spec.properties:
                get_checker(prop.check)  # raises UnknownNameError when no listed module registers it


def test_explain_claims_are_true(builtin_only):
    from qproto import explain

    explain._load()
    for fam in fams.families():
        has = [f for f in fam.covers if f in explain._EXPLAINERS]
        assert bool(has) == MATRIX[fam.name]["explain"], fam.name
        for f in has:
            assert explain._EXPLAINERS[f].__module__ in fam.explainers, (fam.name, f)


def test_analyze_claims_are_true(builtin_only):
    from qproto.analyzers import analyzer_for

    for fam in fams.families():
        for spec in _specs_of(fam, protocols):
            if MATRIX[fam.name]["analyze"]:
                assert analyzer_for(spec).analyze.__module__ in fam.analyzers, spec.name
            else:
                with pytest.raises(UnknownNameError, match="no analyzer"):
                    analyzer_for(spec)


def test_vector_claims_are_true(builtin_only):
    from qproto.vectors.registry import generator_for, has_generator

    for fam in fams.families():
        for spec in _specs_of(fam, protocols):
            assert has_generator(spec) == MATRIX[fam.name]["vectors"], spec.name
            if has_generator(spec):  # purification is served by the circuit generator (its specs are circuits)
                assert generator_for(spec).build.__module__ in fam.vectors, spec.name


def test_plot_and_attack_claims_are_true(builtin_only):
    from qproto.analyzers import analyzer_for
    from qproto.cli.analyze_cmd import family_parser
    from qproto.models.attacks import attacks
    from qproto.plots import load

    plot_modules = {k.draw.__module__ for k in load().values()}
    attack_modules = {a.factory.__module__ for a in attacks().values()}
    for fam in fams.families():
        assert bool(fam.plots) == MATRIX[fam.name]["plots"]
        for mod in fam.plots:  # a claimed plot module draws something
            assert mod in plot_modules, (fam.name, mod)
        for mod in fam.attacks:  # a claimed attack module registers something
            assert mod in attack_modules, (fam.name, mod)
        for spec in _specs_of(fam, protocols):  # attacks are offered where they are claimed, and only there
            try:
                parser = family_parser(analyzer_for(spec))
            except UnknownNameError:
                assert not MATRIX[fam.name]["attacks"]
                continue
            options = {s for a in parser._actions for s in a.option_strings}
            assert ("--attack" in options) == MATRIX[fam.name]["attacks"], spec.name
    assert plot_modules <= set(fams.modules_for("plots"))


def test_simulate_claims_are_true(builtin_only):
    from qproto.spec.qkd import is_qkd

    for fam in fams.families():
        for spec in _specs_of(fam):
            assert is_qkd(spec) == MATRIX[fam.name]["simulate"], spec.name


def test_a_manifest_refuses_malformed_fields():
    with pytest.raises(FamilyError, match="covers"):
        Family(name="x", covers="x", description="")  # type: ignore[arg-type]
    with pytest.raises(FamilyError, match="dotted module name"):
        Family(name="x", covers=("x",), description="", checkers=("not a module",))
    with pytest.raises(FamilyError, match="module:Class|ClassName"):
        Family(name="x", covers=("x",), description="", spec_types=("pkg.mod.Class",))
    assert issubclass(FamilyError, QprotoError)


def test_analyze_help_lists_every_familys_options():
    r = run_cli("analyze", "--help")
    assert r.code == 0, r.err
    for option in ("--attack", "--noise", "--rounds", "--segments", "--purify", "--network", "--max-rounds"):
        assert option in r.out, option
    r = run_cli("analyze", "bb84", "--help")  # after the protocol: that family's parser
    assert r.code == 0 and "--attack" in r.out and "--segments" not in r.out


def test_analyze_options_may_come_before_the_protocol():
    a = run_cli("analyze", "--segments", "3", "repeater-chain", "--json")
    b = run_cli("analyze", "repeater-chain", "--segments", "3", "--json")
    assert a.code == b.code == 0, a.err + b.err
    assert a.json() == b.json() and a.json()["segments"] == 3


# -- a third-party family, entirely in test code --------------------------------

TOY_SPEC = '''
from dataclasses import dataclass

from qproto.spec.protocol import Property, Protocol


@dataclass(frozen=True, kw_only=True)
class ParityCode(Protocol):
    """n data bits and one parity bit; the receiver checks the parity."""

    family: str = "toy-parity"
    bits: int = 3


TOY = ParityCode(
    name="toy-parity-3",
    summary="three data bits and a parity bit",
    properties=(
        Property(
            id="detects-one-flip",
            statement="every single bit flip of every codeword is detected",
            engine="algebra",
            check="toy.detects-one-flip",
        ),
    ),
)
PROTOCOLS = (TOY,)
FLAWED = ()
'''

TOY_PROOFS = """
import itertools

from qproto.proofs.registry import checker, validator
from qproto.proofs.verdict import proved, refuted
from qproto.spec.errors import SpecError

from .spec import ParityCode


@validator("toy-parity")
def _validate(spec: ParityCode) -> None:
    if not 1 <= spec.bits <= 12:
        raise SpecError(f"{spec.name}: bits={spec.bits} must lie in [1, 12]")


@checker("toy.detects-one-flip")
def _detects_one_flip(spec: ParityCode, prop, options):
    words = 0
    for data in itertools.product((0, 1), repeat=spec.bits):
        word = (*data, sum(data) % 2)
        words += 1
        for i in range(len(word)):
            flipped = tuple(b ^ (j == i) for j, b in enumerate(word))
            if sum(flipped[:-1]) % 2 == flipped[-1]:
                return refuted(f"flip of bit {i} in {word} passes the check", word=list(word), bit=i)
    return proved(f"all {words} codewords, every single flip detected (exhaustive)", words=words)
"""

TOY_FAMILY = """
from qproto.family import Family

TOY = Family(
    name="toy-parity",
    covers=("toy-parity",),
    description="a parity-check code (test example of a third-party family)",
    specs=("toyproto.spec",),
    spec_types=("toyproto.spec:ParityCode",),
    checkers=("toyproto.proofs",),
)
NOT_A_FAMILY = "toy"
"""


def _fake_distribution(monkeypatch, tmp_path: Path, value: str) -> None:
    pkg = tmp_path / "toyproto"
    pkg.mkdir(exist_ok=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "spec.py").write_text(textwrap.dedent(TOY_SPEC))
    (pkg / "proofs.py").write_text(textwrap.dedent(TOY_PROOFS))
    (pkg / "family.py").write_text(textwrap.dedent(TOY_FAMILY))
    monkeypatch.syspath_prepend(str(tmp_path))
    ep = importlib.metadata.EntryPoint(name="toy", value=value, group=fams.ENTRY_POINT_GROUP)

    def entry_points(**kw):
        return importlib.metadata.EntryPoints((ep,) if kw.get("group") == fams.ENTRY_POINT_GROUP else ())

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    fams.reset()


def _forget_toy() -> None:
    for name in [m for m in sys.modules if m == "toyproto" or m.startswith("toyproto.")]:
        del sys.modules[name]


@pytest.fixture
def third_party(monkeypatch, tmp_path):
    from qproto.proofs import registry

    # the toy registers a checker and a validator; put the registry back as it was
    saved = dict(registry._CHECKERS), dict(registry._VALIDATORS), set(registry._imported)
    _forget_toy()
    yield lambda value="toyproto.family:TOY": _fake_distribution(monkeypatch, tmp_path, value)
    monkeypatch.undo()
    fams.reset()
    _forget_toy()
    for live, old in zip((registry._CHECKERS, registry._VALIDATORS, registry._imported), saved, strict=True):
        live.clear()
        live.update(old)  # type: ignore[attr-defined]


def test_a_third_party_family_verifies_without_editing_qproto(third_party):
    third_party()
    assert [f.name for f in fams.families()][-1] == "toy-parity"
    assert fams.capability_matrix()["toy-parity"] == dict(zip(CAPABILITIES, (Y, N, N, N, N, N, N), strict=True))
    assert "toy-parity-3" in [s.name for s in protocols()]
    r = run_cli("verify", "toy-parity-3", "--no-cache", "-j", "1", "--json")
    assert r.code == 0, r.err
    (verdict,) = r.json()["verdicts"]
    assert verdict["status"] == "proved" and "all 8 codewords" in verdict["evidence"]["summary"], verdict
    r = run_cli("list", "--families")
    assert r.code == 0 and "toy-parity" in r.out


def test_a_third_party_family_is_gone_with_its_distribution(third_party, monkeypatch):
    third_party()
    assert "toy-parity-3" in [s.name for s in protocols()]
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda **kw: importlib.metadata.EntryPoints(()))
    fams.reset()
    assert fams.family_for("toy-parity") is None
    with pytest.raises(UnknownNameError, match="unknown protocol 'toy-parity-3'"):
        find("toy-parity-3")


@pytest.mark.parametrize(
    "value, fragment",
    [
        ("toyproto.nowhere:TOY", "failed to load: ModuleNotFoundError"),
        ("toyproto.family:MISSING", "failed to load: AttributeError"),
        ("toyproto.family:NOT_A_FAMILY", "loads a str, not a qproto.family.Family"),
    ],
)
def test_a_broken_entry_point_is_one_line_exit_2(third_party, value, fragment):
    third_party(value)
    for argv in (["list", "--families"], ["verify", "bb84", "--no-cache", "-j", "1"]):
        r = run_cli(*argv)
        assert r.code == 2, (argv, r.err)
        lines = [line for line in r.err.splitlines() if line.strip()]
        assert len(lines) == 1 and "Traceback" not in r.err, r.err
        assert "entry point toy" in lines[0] and "qproto.families" in lines[0] and fragment in lines[0], lines[0]


def test_a_third_party_family_cannot_take_over_a_builtin_one(third_party, tmp_path):
    third_party()
    (tmp_path / "toyproto" / "family.py").write_text(
        "from qproto.family import Family\n"
        "TOY = Family(name='toy', covers=('circuit',), description='', checkers=('toyproto.proofs',))\n"
    )
    fams.reset()
    with pytest.raises(FamilyError, match="'circuit' is claimed by both manifest 'circuit' and 'toy'"):
        fams.families()
