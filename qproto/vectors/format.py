"""The vector file format: canonical bytes, the shipped JSON Schema, and
loading a file with every defect reported as one clear message.

Canonical form: keys sorted, two-space indent, fixed separators, UTF-8,
no timestamps, one newline at the end — so the same seed gives the same
bytes on every run and machine.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from qproto.spec.errors import VectorFileError
from qproto.spec.validation import check_fraction

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


#: Largest vector file read (bytes); a larger file is refused before parsing.
MAX_FILE_BYTES = 64 * 1024 * 1024
#: Deepest JSON nesting accepted in a vector file or an answer line
#: (generated files nest at most about 10 levels).
MAX_JSON_DEPTH = 64
#: Most digits in a JSON integer (a 128-bit seed has 39).
MAX_INT_DIGITS = 40
#: Longest JSON float literal (characters).
MAX_FLOAT_CHARS = 64
#: Largest state (product of register dimensions) in a vector file.
MAX_STATE_DIM = 1024
#: Most characters of the offending document quoted in an error message.
QUOTE_LIMIT = 200


class JsonLimitError(VectorFileError):
    """JSON text beyond one of the limits above (or not strict JSON)."""


def printable(text: object, limit: int | None = None) -> str:
    """``text`` with control and format characters escaped (``\x1b`` for
    ESC), so a file's comment cannot drive the terminal; clipped to
    ``limit`` characters when given."""
    s = str(text)
    if limit is not None and len(s) > limit:
        s = s[: max(0, limit - 3)] + "..."
    if s.isprintable():
        return s
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in s)


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise JsonLimitError(f"an integer of {len(text.lstrip('-'))} digits; the limit is {MAX_INT_DIGITS}")
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > MAX_FLOAT_CHARS:
        raise JsonLimitError(f"a number literal of {len(text)} characters; the limit is {MAX_FLOAT_CHARS}")
    value = float(text)
    if not math.isfinite(value):
        raise JsonLimitError(f"number {printable(text, 40)} is beyond double precision (not finite)")
    return value


def _parse_constant(text: str) -> Any:
    raise JsonLimitError(f"{text} is not a JSON number; vector files hold finite numbers only")


def json_depth_error(doc: Any, limit: int = MAX_JSON_DEPTH) -> str | None:
    """Why ``doc`` nests deeper than ``limit`` (with the path), else None.
    Iterative, so it cannot itself run out of stack."""
    stack: list[tuple[Any, int, str]] = [(doc, 1, "")]
    while stack:
        node, depth, path = stack.pop()
        if isinstance(node, dict):
            items: Any = node.items()
        elif isinstance(node, list):
            items = enumerate(node)
        else:
            continue
        if depth > limit:
            return f"nested deeper than {limit} levels (at {printable(path or '(top level)', 80)})"
        for key, child in items:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1, f"{path}/{key}"))
    return None


def loads_bounded(text: str | bytes, what: str) -> Any:
    """Strict, bounded JSON: integers of at most :data:`MAX_INT_DIGITS`
    digits, finite floats, no NaN/Infinity, nesting of at most
    :data:`MAX_JSON_DEPTH`.

    Raises:
        JsonLimitError / VectorFileError: one line starting with ``what``.
    """
    try:
        doc = json.loads(text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant)
    except JsonLimitError as exc:
        raise JsonLimitError(f"{what}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise VectorFileError(f"{what}: malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise JsonLimitError(f"{what}: JSON nested deeper than {MAX_JSON_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError) as exc:  # e.g. bytes that are not UTF-8
        raise VectorFileError(f"{what}: not JSON text ({printable(exc, 120)})") from None
    why = json_depth_error(doc)
    if why:
        raise JsonLimitError(f"{what}: JSON {why}")
    return doc


def validate(doc: Any, origin: str = "vectors") -> None:
    """Check ``doc`` against the schema and the rules a schema cannot say
    (``numberOfTests`` matches, at least one test, ``tcId`` unique, every
    flag has a note, tolerances finite and no looser than the generator's
    own, every exact value in the expression grammar, states of a bounded
    size and a consistent shape).

    Raises:
        VectorFileError: one line naming the file, the JSON path and the defect.
    """
    import itertools

    import jsonschema

    why = json_depth_error(doc)
    if why:
        raise JsonLimitError(f"{origin}: JSON {why}")
    validator = jsonschema.Draft202012Validator(schema())
    # a mutated file can have an error per test: the first thousand are enough to pick the shallowest
    errors = sorted(
        itertools.islice(validator.iter_errors(doc), 1000), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path)))
    )
    if errors:
        err = errors[0]
        where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        more = f" (and {len(errors) - 1}{'+' if len(errors) == 1000 else ''} more)" if len(errors) > 1 else ""
        raise VectorFileError(
            f"{origin}: does not match the vector schema at {printable(where, 120)}: {printable(err.message, QUOTE_LIMIT)}{more}"
        )
    tests = [t for g in doc["testGroups"] for t in g["tests"]]
    if doc["numberOfTests"] != len(tests):
        raise VectorFileError(f"{origin}: numberOfTests={doc['numberOfTests']} but the file holds {len(tests)} tests")
    if not tests:
        raise VectorFileError(
            f"{origin}: the file holds no tests; a vector file with no tests checks nothing "
            "(generate it again with 'qproto vectors generate')"
        )
    seen: set[int] = set()
    for t in tests:
        if t["tcId"] in seen:
            raise VectorFileError(f"{origin}: tcId {t['tcId']} appears twice; tcIds must be unique")
        seen.add(t["tcId"])
        unknown = [f for f in t["flags"] if f not in doc["notes"]]
        if unknown:
            raise VectorFileError(f"{origin}: test {t['tcId']} uses flag(s) {printable(unknown, 120)} without an entry in notes")
    for i, group in enumerate(doc["testGroups"]):
        _check_tolerance(group, f"{origin}: testGroups/{i}")
        _check_outputs(group, f"{origin}: testGroups/{i}")
    _check_values(doc, origin)


def _check_tolerance(group: dict[str, Any], where: str) -> None:
    """A file must not loosen the comparison: a tolerance is a finite
    number in [0, the family generator's own tolerance]."""
    from .registry import MAX_TOLERANCE, lookup

    tol = group["tolerance"]
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not math.isfinite(tol):
        raise VectorFileError(f"{where}: tolerance={printable(tol, 40)} must be a finite number")
    gen = lookup(str(group["family"]))
    limit = gen.tolerance if gen is not None else MAX_TOLERANCE
    check_fraction(
        f"{where}: tolerance",
        tol,
        0,
        limit,
        why=f"{limit:g} is the {printable(group['family'], 40)} generator's own tolerance; a looser one would pass wrong answers",
        shown=f"{tol:g}",
        error=VectorFileError,
    )


def _check_outputs(group: dict[str, Any], where: str) -> None:
    """Every test states what it expects: its family's output fields (bar
    the optional ones), or at least one field for a family qproto does not
    know.  A test without expected outputs would pass any answer."""
    from .registry import lookup

    gen = lookup(str(group["family"]))
    required = [k for k in gen.output_order if k not in gen.optional_outputs] if gen is not None else []
    for t in group["tests"]:
        missing = [k for k in required if k not in t["outputs"]]
        if missing or not t["outputs"]:
            what = f"lacks expected output(s) {printable(missing, 120)}" if missing else "has no expected outputs"
            raise VectorFileError(f"{where}: test {t['tcId']} {what}; such a test would pass any answer")


def _check_values(doc: dict[str, Any], origin: str) -> None:
    """Every ``{"exact", "value"}`` in the grammar with a numeric value,
    every state of a bounded, consistent shape (iterative walk)."""
    from .compare import is_state
    from .expr import ExpressionError, parse

    stack: list[tuple[Any, str]] = [(g, f"testGroups/{i}") for i, g in enumerate(doc["testGroups"])]
    while stack:
        node, path = stack.pop()
        if isinstance(node, list):
            stack.extend((v, f"{path}/{k}") for k, v in enumerate(node))
            continue
        if not isinstance(node, dict):
            continue
        if isinstance(node.get("exact"), str) and "value" in node:
            try:
                parse(node["exact"])
            except ExpressionError as exc:
                raise VectorFileError(f"{origin}: {printable(path, 120)}/exact: {exc}") from None
            if not _is_value(node["value"]):
                raise VectorFileError(
                    f"{origin}: {printable(path, 120)}/value must be a number or [re, im], "
                    f"got {printable(repr(node['value']), 60)}"
                )
        if is_state(node):
            _check_state(node, f"{origin}: {printable(path, 120)}")
        stack.extend((v, f"{path}/{k}") for k, v in node.items())


def _is_value(v: Any) -> bool:
    def real(x: Any) -> bool:
        return isinstance(x, (int, float)) and not isinstance(x, bool)

    return real(v) or (isinstance(v, list) and len(v) == 2 and all(real(x) for x in v))


def _check_state(st: dict[str, Any], where: str) -> None:
    regs, dims = st["registers"], st.get("dims")
    if not isinstance(regs, list) or not all(isinstance(r, str) for r in regs) or len(set(regs)) != len(regs):
        raise VectorFileError(f"{where}/registers must be a list of distinct names")
    if dims is None:
        dims = [2] * len(regs)
    if (
        not isinstance(dims, list)
        or len(dims) != len(regs)
        or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 1 for d in dims)
    ):
        raise VectorFileError(f"{where}/dims must be one positive integer per register")
    size = 1
    for d in dims:
        size *= d
        if size > MAX_STATE_DIM:
            raise VectorFileError(f"{where}: a state of dimension over {MAX_STATE_DIM} (the limit); dims={printable(dims, 60)}")
    if "ket" in st:
        if not isinstance(st["ket"], list) or len(st["ket"]) != size:
            raise VectorFileError(f"{where}/ket must list {size} amplitudes (dims {dims})")
    elif (
        not isinstance(st["density"], list)
        or len(st["density"]) != size
        or not all(isinstance(r, list) and len(r) == size for r in st["density"])
    ):
        raise VectorFileError(f"{where}/density must be {size} rows of {size} entries (dims {dims})")


def read_bounded(path: str | Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes.

    Raises:
        VectorFileError: missing, a directory, not a regular file (a
            device or a pipe could be endless), larger than ``limit``, or
            unreadable.
    """
    import os
    import stat

    p = Path(path)
    shown = printable(path, 200)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # O_NONBLOCK: a FIFO must not block the open
    except FileNotFoundError:
        raise VectorFileError(f"{shown}: no such vector file") from None
    except IsADirectoryError:
        raise VectorFileError(f"{shown}: is a directory, expected a vector file") from None
    except OSError as exc:
        raise VectorFileError(f"{shown}: cannot read ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise VectorFileError(f"{shown}: is a directory, expected a vector file")
        if not stat.S_ISREG(info.st_mode):
            raise VectorFileError(f"{shown}: not a regular file (a device or pipe); give a vector file")
        if info.st_size > limit:
            raise VectorFileError(f"{shown}: {info.st_size} bytes; vector files are limited to {limit} bytes")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(limit + 1)  # the file may grow while we read it
    except OSError as exc:
        raise VectorFileError(f"{shown}: cannot read ({exc.strerror})") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise VectorFileError(f"{shown}: more than {limit} bytes; vector files are limited to {limit} bytes")
    return data


def load(path: str | Path) -> dict[str, Any]:
    """Read and validate a vector file (bounded: see the limits above).

    Raises:
        VectorFileError: missing file, not a regular file, too large, not
            UTF-8, malformed JSON (with line and column), beyond a JSON
            limit, or schema-invalid.
    """
    shown = printable(path, 200)
    data = read_bounded(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise VectorFileError(f"{shown}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    doc = loads_bounded(text, shown)
    validate(doc, shown)
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


__all__ = [
    "SCHEMA_NAME",
    "MAX_FILE_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_INT_DIGITS",
    "MAX_FLOAT_CHARS",
    "MAX_STATE_DIM",
    "JsonLimitError",
    "printable",
    "loads_bounded",
    "read_bounded",
    "json_depth_error",
    "dumps",
    "schema",
    "schema_path",
    "validate",
    "load",
    "cases",
    "case_for",
]
