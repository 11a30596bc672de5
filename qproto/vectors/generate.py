"""Generating vector files: one per protocol, deterministic for a seed.

The family generator builds the groups; this module numbers the tests,
attaches the notes of the flags actually used, validates the document
against the shipped schema and renders canonical bytes.  Several protocols
are generated completely in memory before any file is written, and each
file is written atomically: an error leaves no half-written set behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from qproto.spec.protocol import Protocol

from .format import SCHEMA_NAME, dumps, validate
from .randomness import make_rng
from .registry import generator_for

#: Random cases per group beyond the edge cases (``--count``).
DEFAULT_COUNT = 8


def generate(spec: Protocol, seed: int = 0, count: int = DEFAULT_COUNT) -> dict[str, Any]:
    """The vector document for ``spec``.

    Args:
        seed: the seed of every random choice.  Defaults to 0.  The same
            seed and generator version give the same document.
        count: random cases per group beyond the edge cases.  Defaults to 8.

    Raises:
        NoGeneratorError: no generator serves ``spec.family``.
    """
    from qproto import __version__

    gen = generator_for(spec)
    version = gen.version_for(spec)
    rng = make_rng(seed, version, spec.name)
    groups = gen.build(spec, rng, count)
    tc = 0
    used: set[str] = set()
    for group in groups:
        numbered = []
        for test in group["tests"]:
            tc += 1
            numbered.append({"tcId": tc, **test})
            used.update(test["flags"])
        group["tests"] = numbered
    missing = used - set(gen.notes)
    if missing:  # a generator bug, not bad input
        raise RuntimeError(f"generator {version} set flags without notes: {sorted(missing)}")
    doc = {
        "algorithm": spec.name,
        "schema": SCHEMA_NAME,
        "generatorVersion": version,
        "source": {"name": "qproto", "version": __version__},
        "header": list(gen.header) + [f"Protocol {spec.name} version {spec.version}: {spec.summary}".rstrip(": ")],
        "notes": {flag: gen.notes[flag] for flag in sorted(used)},
        "seed": int(seed),
        "numberOfTests": tc,
        "testGroups": groups,
    }
    validate(doc, f"generated vectors for {spec.name}")
    return doc


def file_name(spec: Protocol) -> str:
    return f"{spec.name}.json"


def generate_files(specs: Iterable[Protocol], seed: int, count: int, out: str | Path) -> list[tuple[Path, int]]:
    """Generate every spec, then write ``OUT/<name>.json`` atomically for
    each.  Returns (path, numberOfTests) per file."""
    from qproto.atomic import write_atomic

    docs = [(Path(out) / file_name(spec), generate(spec, seed, count)) for spec in specs]
    for path, doc in docs:
        write_atomic(path, dumps(doc))
    return [(path, doc["numberOfTests"]) for path, doc in docs]


__all__ = ["DEFAULT_COUNT", "generate", "generate_files", "file_name"]
