"""Generating vector files: one per protocol, deterministic for a seed.

The family generator builds the groups; this module numbers the tests,
attaches the notes of the flags actually used, validates the document
against the shipped schema and renders canonical bytes.  Several protocols
are generated completely in memory before any file is written; the set is
written into a temporary folder beside ``--out`` and moved into place, so
an error, a full disk or an interrupt leaves no half-written set behind.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from qproto.spec.errors import ParameterError
from qproto.spec.protocol import Protocol

from .format import MAX_FILE_BYTES, SCHEMA_NAME, dumps, printable, validate
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


#: A protocol name becomes a file name only if it matches this: letters,
#: digits, ``.``, ``_`` and ``-``, starting with a letter or digit, at most
#: 100 characters — no separator, no ``..``, nothing a shell or a terminal
#: would read specially.
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def file_name(spec: Protocol) -> str:
    """``<name>.json`` for a protocol whose name is a safe file name.

    Raises:
        ParameterError: a name with a path separator, ``..``, a control
            character or anything else outside :data:`SAFE_NAME`.
    """
    name = spec.name
    if not isinstance(name, str) or not SAFE_NAME.fullmatch(name) or ".." in name:
        raise ParameterError(
            f"protocol name={printable(repr(name), 80)} cannot be a vector file name: use letters, digits, "
            "'.', '_' and '-' (at most 100, no '..'); rename the spec"
        )
    return f"{name}.json"


def _inside(folder: Path, name: str) -> Path:
    """``folder/name``, refused if it would resolve outside ``folder``
    (a symlink planted in the folder, say)."""
    target = folder / name
    base = folder.resolve()
    if target.resolve().parent != base:
        raise ParameterError(
            f"{printable(str(target), 200)} resolves outside --out {printable(str(folder), 200)}; "
            "remove the link or choose another --out"
        )
    return target


def generate_files(specs: Iterable[Protocol], seed: int, count: int, out: str | Path) -> list[tuple[Path, int]]:
    """Generate every spec, then write the set into ``out``.

    All documents are generated in memory first; then the files are written
    into a temporary folder beside ``out`` and moved into place, with
    SIGINT/SIGTERM held back during the moves.  An error, a full disk or an
    interrupt leaves ``out`` as it was (no partial set, no stray files).
    Returns (path, numberOfTests) per file.

    Raises:
        ParameterError: an unsafe or duplicate protocol name, a file larger
            than :data:`MAX_FILE_BYTES`, or an ``out`` that cannot be written.
    """
    folder = Path(out)
    names: dict[str, Protocol] = {}
    for spec in specs:  # every name is checked before any work
        name = file_name(spec)
        if name in names and names[name] != spec:
            raise ParameterError(f"two different protocols are named {spec.name!r}; both would write {name}")
        names.setdefault(name, spec)
    docs = [(name, generate(spec, seed, count)) for name, spec in names.items()]
    rendered = []
    for name, doc in docs:
        data = dumps(doc).encode("utf-8")
        if len(data) > MAX_FILE_BYTES:
            raise ParameterError(
                f"{name} would be {len(data)} bytes; vector files are limited to {MAX_FILE_BYTES} (lower --count)"
            )
        rendered.append((name, data, doc["numberOfTests"]))
    _write_set(folder, [(n, d) for n, d, _ in rendered])
    return [(folder / name, n) for name, _, n in rendered]


def _write_set(folder: Path, files: list[tuple[str, bytes]]) -> None:
    where = printable(str(folder), 200)
    if folder.exists() and not folder.is_dir():
        raise ParameterError(f"--out {where} is not a folder")
    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name or 'vectors'}.", suffix=".tmp", dir=parent))
    except OSError as exc:
        raise ParameterError(f"--out {where}: cannot create files there ({exc.strerror or exc})") from None
    try:
        umask = _umask()
        for name, data in files:
            path = staging / name
            with open(path, "wb") as fh:  # a fresh private folder: plain writes, the rename is what is atomic
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        with _signals_held():
            if not folder.exists():
                os.chmod(staging, 0o777 & ~umask)  # mkdtemp made it 0700
                os.rename(staging, folder)
                return
            for name, _ in files:
                os.replace(staging / name, _inside(folder, name))
    except OSError as exc:
        raise ParameterError(
            f"--out {where}: cannot write the vector files ({exc.strerror or exc}); nothing was changed"
        ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back while files move into place (a few
    renames), so an interrupt comes before or after the set, not inside."""
    sigs = {signal.SIGINT, signal.SIGTERM}
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not POSIX
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


__all__ = ["DEFAULT_COUNT", "SAFE_NAME", "generate", "generate_files", "file_name"]
