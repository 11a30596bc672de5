"""The layers point down, and no private name crosses a layer.

ARCHITECTURE.md: ``qproto.spec`` imports nothing above it, ``qproto.models``
only ``spec``, ``qproto.proofs`` only the two below; the glue (the rest of
``qproto``) may import anything.  A leading underscore marks a name as its
module's own business: it may be used inside its layer (a layer is one
package: ``spec``, ``models``, ``proofs``, or the glue), never imported or
reached for from another.  Read from the source with ``ast``, so nothing is
imported and the check is the same for the installed package.
"""

from __future__ import annotations

import ast
import functools
import os
from pathlib import Path

import pytest

import qproto

ROOT = Path(os.path.dirname(qproto.__file__))
LAYERS = ("spec", "models", "proofs")
#: what each layer may import from qproto
ALLOWED = {"spec": {"spec"}, "models": {"spec", "models"}, "proofs": {"spec", "models", "proofs"}}


def _layer_dir(layer: str) -> Path:
    return Path(os.path.dirname(__import__(f"qproto.{layer}", fromlist=["_"]).__file__))


def _modules() -> list[tuple[str, str, Path]]:
    """(layer, dotted module name, path) for every module of qproto."""
    out = []
    for layer in LAYERS:
        base = _layer_dir(layer)
        for path in sorted(base.rglob("*.py")):
            rel = path.relative_to(base).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            out.append((layer, ".".join(["qproto", layer, *parts]), path))
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in LAYERS:  # an installed copy has the layers inside
            continue
        parts = [p for p in rel.with_suffix("").parts if p != "__init__"]
        out.append(("glue", ".".join(["qproto", *parts]), path))
    return out


def _layer_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == "qproto" and parts[1] in LAYERS:
        return parts[1]
    return "glue"


def _absolute(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


@functools.cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _imports(module: str, path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, imported module, names) of every import in the file."""
    tree = _tree(path)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                out.append((node.lineno, alias.name, []))
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(module, node, path.name == "__init__.py")
            out.append((node.lineno, target, [a.name for a in node.names]))
    return out


MODULES = _modules()


def test_the_walk_finds_every_layer():
    layers = {layer for layer, _, _ in MODULES}
    assert layers == {"spec", "models", "proofs", "glue"}
    assert len(MODULES) > 100


@pytest.mark.parametrize("layer", LAYERS)
def test_a_layer_imports_only_the_layers_below_it(layer):
    bad = []
    for lay, module, path in MODULES:
        if lay != layer:
            continue
        for line, target, _ in _imports(module, path):
            if target == "qproto" or (target.startswith("qproto.") and _layer_of(target) not in ALLOWED[layer]):
                bad.append(f"{module}:{line} imports {target}")
    assert not bad, "\n".join(bad)


def test_no_private_name_is_imported_across_layers():
    bad = []
    for lay, module, path in MODULES:
        for line, target, names in _imports(module, path):
            if not target.startswith("qproto") or _layer_of(target) == lay:
                continue
            for name in names:
                if name.startswith("_") and not name.startswith("__"):
                    bad.append(f"{module}:{line} imports {target}.{name}")
    assert not bad, "\n".join(bad)


def test_no_private_attribute_of_another_layers_module_is_used():
    """``from qproto.models import qkd as _qkd`` then ``_qkd._source``: the
    same crossing, spelt as an attribute."""
    bad = []
    for lay, module, path in MODULES:
        aliases: dict[str, str] = {}
        tree = _tree(path)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                target = _absolute(module, node, path.name == "__init__.py")
                for a in node.names:
                    aliases[a.asname or a.name] = f"{target}.{a.name}"
            elif isinstance(node, ast.Import):
                for a in node.names:
                    aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                target = aliases.get(node.value.id, "")
                if target.startswith("qproto.") and _layer_of(target) != lay:
                    bad.append(f"{module}:{node.lineno} uses {target}.{node.attr}")
    assert not bad, "\n".join(bad)


def test_every_module_is_in_the_architecture_manifest():
    """ARCHITECTURE.md lists every module (``tools/architecture_manifest.py``
    regenerates the list), so a newcomer's map never misses a file."""
    doc = Path(__file__).resolve().parent.parent / "ARCHITECTURE.md"
    if not doc.exists():  # an installed copy without the checkout's docs
        pytest.skip("ARCHITECTURE.md is not beside the tests")
    text = doc.read_text(encoding="utf-8")
    missing = []
    for layer, _, path in MODULES:
        base = ROOT if layer == "glue" else _layer_dir(layer)
        rel = path.relative_to(base).as_posix()
        shown = f"qproto/{rel}" if layer == "glue" else f"{layer}/{rel}"
        if f"`{shown}`" not in text:
            missing.append(shown)
    assert not missing, "run tools/architecture_manifest.py; missing: " + ", ".join(missing)
