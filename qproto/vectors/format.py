"""The vector file format: canonical bytes, the shipped JSON Schema, and
loading a file with every defect reported as one clear message.

Canonical form: keys sorted, two-space indent, fixed separators, UTF-8,
no timestamps, one newline at the end — so the same seed gives the same
bytes on every run and machine.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterator

from qproto.spec.errors import VectorFileError

SCHEMA_NAME = "qproto_vectors_v1.json"


def dumps(doc: Any) -> str:
    """The canonical text of a vector document."""
    return json.dumps(doc, sort_keys=True, indent=2, separators=(",", ": "), ensure_ascii=False, allow_nan=False) + "\n"


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The JSON Schema shipped in the package (``qproto/vectors/schema.json``)."""
    text = resources.files("qproto.vectors").joinpath("schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def schema_path() -> Path:
    return Path(str(resources.files("qproto.vectors").joinpath("schema.json")))


def validate(doc: Any, origin: str = "vectors") -> None:
    """Check ``doc`` against the schema and the rules a schema cannot say
    (``numberOfTests`` matches, ``tcId`` unique, every flag has a note).

    Raises:
        VectorFileError: one line naming the file, the JSON path and the defect.
    """
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(doc), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if errors:
        err = errors[0]
        where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise VectorFileError(f"{origin}: does not match the vector schema at {where}: {err.message}{more}")
    tests = [t for g in doc["testGroups"] for t in g["tests"]]
    if doc["numberOfTests"] != len(tests):
        raise VectorFileError(f"{origin}: numberOfTests={doc['numberOfTests']} but the file holds {len(tests)} tests")
    seen: set[int] = set()
    for t in tests:
        if t["tcId"] in seen:
            raise VectorFileError(f"{origin}: tcId {t['tcId']} appears twice; tcIds must be unique")
        seen.add(t["tcId"])
        unknown = [f for f in t["flags"] if f not in doc["notes"]]
        if unknown:
            raise VectorFileError(f"{origin}: test {t['tcId']} uses flag(s) {unknown} without an entry in notes")


def load(path: str | Path) -> dict[str, Any]:
    """Read and validate a vector file.

    Raises:
        VectorFileError: missing file, not UTF-8, malformed JSON (with line
            and column) or schema-invalid.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise VectorFileError(f"{path}: no such vector file") from None
    except IsADirectoryError:
        raise VectorFileError(f"{path}: is a directory, expected a vector file") from None
    except UnicodeDecodeError as exc:
        raise VectorFileError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise VectorFileError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise VectorFileError(f"{path}: malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    validate(doc, str(path))
    return doc


def cases(doc: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(group without its tests, test) for every test, in file order."""
    for group in doc["testGroups"]:
        shared = {k: v for k, v in group.items() if k != "tests"}
        for test in group["tests"]:
            yield shared, test


def case_for(algorithm: str, group: dict[str, Any], test: dict[str, Any]) -> dict[str, Any]:
    """What an implementation receives for one test: the group's shared
    parameters and model, and the test's inputs — never its expected outputs."""
    return {
        "algorithm": algorithm,
        "tcId": test["tcId"],
        "family": group["family"],
        "protocol": group["protocol"],
        "version": group["version"],
        "type": group["type"],
        "parameters": group["parameters"],
        "model": group["model"],
        "inputs": test["inputs"],
    }


__all__ = ["SCHEMA_NAME", "dumps", "schema", "schema_path", "validate", "load", "cases", "case_for"]
