"""Rewrite the "## Manifest" section of ARCHITECTURE.md from the tree.

One row per module: its path, its line count and the first sentence of its
docstring.  Run after adding or moving a module (``python
tools/architecture_manifest.py``); ``tests/test_layering.py`` fails when a
module is missing from the manifest.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = (
    ("spec", "### spec/ — `qproto.spec`: the language and the catalogue (imports nothing above it)"),
    ("models", "### models/ — `qproto.models`: the physics, exact and numeric (imports only `spec`)"),
    ("proofs", "### proofs/ — `qproto.proofs`: checkers and verdicts (imports `spec` and `models`)"),
    ("qproto", "### qproto/ — `qproto`: the glue (CLI, reports, explain/analyze/plots, vectors, HTML, pytest plugin)"),
)
HEADER = """## Manifest

Generated from the tree by `tools/architecture_manifest.py` (line counts at
the time it last ran); each description is the first sentence of the
module's docstring.
"""


def summary(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    first = " ".join(doc.strip().split("\n\n")[0].split())
    for end in (". ", ".\n"):
        if end in first:
            first = first[: first.index(end)]
    return first.rstrip(".").replace("|", "\\|") or "(no docstring)"


def rows(folder: str) -> list[str]:
    out = ["| file | lines | what it holds |", "|---|---:|---|"]
    for path in sorted((ROOT / folder).rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        rel = path.relative_to(ROOT).as_posix()
        lines = len(path.read_text(encoding="utf-8").splitlines())
        out.append(f"| `{rel}` | {lines} | {summary(path)} |")
    return out


def manifest() -> str:
    parts = [HEADER]
    for folder, title in SECTIONS:
        parts.append(title + "\n\n" + "\n".join(rows(folder)) + "\n")
    return "\n".join(parts)


def main() -> int:
    doc = ROOT / "ARCHITECTURE.md"
    text = doc.read_text(encoding="utf-8")
    head, sep, _ = text.partition("## Manifest")
    if not sep:
        print("ARCHITECTURE.md has no '## Manifest' section", file=sys.stderr)
        return 2
    doc.write_text(head + manifest(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
