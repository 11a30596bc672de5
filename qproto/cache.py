"""A verdict cache for ``qproto verify``, like ``.pytest_cache`` or ``.mypy_cache``.

One entry per property of a spec.  Its key is the SHA-256 of:

- the spec's **canonical serialisation** (:func:`canonical`): every field of
  every frozen dataclass in it, recursively, with its type's full name —
  family, name, version, steps, parameters, properties and their
  statements — so two specs that differ anywhere never share a key;
- the property id;
- every engine option given (``bound``, ``budget``, ``seed``, ``timeout``,
  ``rlimit``, ``sm_engine``, ``state_limit``, …; all but a progress
  callback, so an option added later is covered without a change here);
- qproto's version **and the SHA-256 of its own source files** (a code
  change invalidates every entry, also without a version bump);
- the versions of the libraries the checkers call (z3, SymPy, NumPy, SciPy,
  Hypothesis, CVXPY, mpmath).

The engine and property filters of a run select which keys are looked up;
a property's verdict does not depend on which other properties ran.

Only deterministic verdicts are stored: ``proved``, ``bounded``, ``tested``
(always with a fixed seed: the adversary engine's default seed is a
constant), ``refuted`` and ``limitation``.  ``inconclusive`` (a timeout or a
solver limit, which depend on the machine's load) and ``error`` are always
recomputed.  A cached verdict carries ``"cached": true`` and
``"computed_at"`` (UTC) in its evidence, ``"computed_seconds"`` the time
the original check took, and its own ``seconds`` is 0.

Location: ``.qproto_cache/`` in the current folder, or ``$QPROTO_CACHE_DIR``.
``qproto verify --no-cache`` neither reads nor writes it, ``qproto verify
--clear-cache`` (or ``rm -r .qproto_cache``) empties it.  An entry that
cannot be read or parsed is ignored and recomputed.  Nothing here imports
SymPy or Z3: a warm run stays cheap.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import hashlib
import json
import os
import shutil
import sys
from collections.abc import Iterable, Mapping
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qproto.spec.errors import InternalSignal

if TYPE_CHECKING:  # pragma: no cover
    from qproto.proofs.verdict import Verdict

#: Bump when the entry layout changes.
FORMAT = 1
DEFAULT_DIR = ".qproto_cache"
ENV_DIR = "QPROTO_CACHE_DIR"
#: Options that cannot change a verdict (a progress callback); every other
#: option is part of the key, also ones added after this module was written.
NOT_IN_KEY = frozenset({"progress"})
#: Distributions whose version is part of the key.
LIBRARIES = ("z3-solver", "sympy", "numpy", "scipy", "hypothesis", "cvxpy", "mpmath")
#: Statuses that are a function of the spec, the options and the code.
CACHEABLE = frozenset({"proved", "bounded", "tested", "refuted", "limitation"})


class Uncacheable(InternalSignal):
    """The spec holds a value with no stable serialisation (a function, an
    object whose repr is its address): it is verified every time."""


def cache_dir() -> Path:
    return Path(os.environ.get(ENV_DIR) or DEFAULT_DIR)


# --------------------------------------------------------------------------- keys


def canonical(obj: Any, _depth: int = 0) -> str:
    """An unambiguous text for a spec value: the same for equal content in
    any process (no ``hash()``-ordered sets, no addresses), different for
    different content or types.  Raises :class:`Uncacheable` otherwise."""
    if _depth > 60:
        raise Uncacheable("nesting too deep (a cycle?)")
    d = _depth + 1
    t = type(obj)
    name = f"{t.__module__}.{t.__qualname__}"
    if obj is None or t in (bool, int, str, float, complex, bytes):
        return repr(obj)  # float repr round-trips exactly; True and 1 differ
    if isinstance(obj, enum.Enum):
        return f"{name}.{obj.name}"
    if isinstance(obj, Fraction):
        return f"Fraction({obj.numerator},{obj.denominator})"
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        inner = ",".join(f"{f.name}={canonical(getattr(obj, f.name), d)}" for f in dataclasses.fields(obj))
        return f"{name}({inner})"
    if isinstance(obj, (tuple, list)):
        return f"{name}[" + ",".join(canonical(x, d) for x in obj) + "]"
    if isinstance(obj, Mapping):
        items = sorted((canonical(k, d), canonical(v, d)) for k, v in obj.items())
        return f"{name}{{" + ",".join(f"{k}:{v}" for k, v in items) + "}"
    if isinstance(obj, (set, frozenset)):
        return f"{name}{{" + ",".join(sorted(canonical(x, d) for x in obj)) + "}"
    if t.__module__ == "numpy" and hasattr(obj, "tobytes") and hasattr(obj, "dtype"):
        shape = getattr(obj, "shape", ())
        return f"{name}({obj.dtype},{shape},{hashlib.sha256(obj.tobytes()).hexdigest()})"
    if isinstance(obj, (int, float, str)):  # subclasses (e.g. str enums handled above)
        return f"{name}({obj!r})"
    if t.__module__.startswith("sympy."):
        import sympy  # only reached when the spec already holds a SymPy object

        # srepr, not str: it keeps assumptions (Symbol('x', positive=True) and Symbol('x') print alike)
        return f"{name}({sympy.srepr(obj)})"
    raise Uncacheable(f"{name} has no stable serialisation ({repr(obj)[:60]})")


_ENVIRONMENT: str | None = None


def _source_files() -> list[Path]:
    """Every .py file of qproto: the glue and the three layers, wherever
    each lives (inside the package when installed; beside it, as the source
    folders, in an editable install: ask the import system, not the tree)."""
    import importlib.util

    files: list[Path] = []
    for name in ("qproto", "qproto.spec", "qproto.models", "qproto.proofs"):
        found = importlib.util.find_spec(name)
        for root in (found.submodule_search_locations or []) if found else []:
            base = Path(root)
            if name == "qproto":
                files += [
                    p for p in sorted(base.rglob("*.py")) if p.relative_to(base).parts[0] not in ("spec", "models", "proofs")
                ]
            else:
                files += sorted(base.rglob("*.py"))
    return sorted(set(files))


def source_hash() -> str:
    """SHA-256 over qproto's own source files (path relative to its
    package root, and content)."""
    h = hashlib.sha256()
    for f in _source_files():
        if "__pycache__" in f.parts:
            continue
        h.update(f"{f.parent.name}/{f.name}\0".encode())
        h.update(f.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def _library_versions() -> dict[str, str | None]:
    """Installed versions, read from the ``NAME-VERSION.dist-info`` folder
    names on ``sys.path`` (one listdir per path entry: importlib.metadata
    takes ~0.2 s for the same answer); importlib.metadata where that finds none."""
    wanted = {d.replace("-", "_").lower(): d for d in LIBRARIES}
    out: dict[str, str | None] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for n in names:
            if n.endswith(".dist-info"):
                dist, _, version = n[: -len(".dist-info")].partition("-")
                d = wanted.get(dist.replace("-", "_").replace(".", "_").lower())
                if d is not None and d not in out:
                    out[d] = version
    missing = [d for d in LIBRARIES if d not in out]
    if missing:
        from importlib import metadata

        for d in missing:
            try:
                out[d] = metadata.version(d)
            except metadata.PackageNotFoundError:
                out[d] = None
    return {d: out[d] for d in LIBRARIES}


def environment() -> str:
    """qproto's version, its source hash, Python's and the libraries'
    versions, as one canonical text (computed once per process)."""
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        import qproto

        env = {
            "qproto": qproto.__version__,
            "source": source_hash(),
            "python": sys.version.split()[0],
            "libraries": _library_versions(),
        }
        _ENVIRONMENT = json.dumps(env, sort_keys=True)
    return _ENVIRONMENT


def spec_digest(spec: Any) -> str | None:
    """SHA-256 of the spec's canonical serialisation, or None when it has
    none (the spec is then never cached)."""
    try:
        text = canonical(spec)
    except (Uncacheable, RecursionError):
        return None
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def options_text(options: Mapping[str, Any]) -> str:
    """The options part of a key; raises :class:`Uncacheable` for an
    option value with no stable serialisation."""
    kept = {str(k): canonical(v) for k, v in options.items() if k not in NOT_IN_KEY and not str(k).startswith("_")}
    return json.dumps(kept, sort_keys=True)


def property_key(digest: str, family: str, name: str, prop_id: str, options: Mapping[str, Any]) -> str:
    payload = json.dumps(
        {
            "format": FORMAT,
            "spec": digest,
            "family": family,
            "name": name,
            "property": prop_id,
            "options": options_text(options),
            "environment": environment(),
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- store


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def cacheable(v: Verdict) -> bool:
    return v.status.value in CACHEABLE


class ResultCache:
    """The on-disk store: ``<dir>/v1/<key[:2]>/<key>.json`` and
    ``<dir>/timings.json`` (the last seconds per protocol, for scheduling)."""

    def __init__(self, root: Path | str | None = None, *, read: bool = True, write: bool = True) -> None:
        self.root = Path(root) if root is not None else cache_dir()
        self.read = read
        self.write = write
        self.warning: str | None = None  # set once when the folder cannot be written

    def _path(self, key: str) -> Path:
        return self.root / f"v{FORMAT}" / key[:2] / f"{key}.json"

    def get(self, key: str, protocol: str, prop_id: str) -> Verdict | None:
        """The stored verdict, marked as cached; None when missing or unreadable."""
        if not self.read:
            return None
        try:
            entry = json.loads(self._path(key).read_text("utf-8"))
            v = entry["verdict"]
            if entry.get("format") != FORMAT or v["protocol"] != protocol or v["property"] != prop_id:
                return None
            if v["status"] not in CACHEABLE:
                return None
            from qproto.proofs.verdict import Status, Verdict

            evidence = dict(v["evidence"])
            evidence.update(cached=True, computed_at=str(entry["computed_at"]), computed_seconds=float(v["seconds"]))
            return Verdict(
                protocol=v["protocol"],
                property=v["property"],
                engine=v["engine"],
                status=Status(v["status"]),
                evidence=evidence,
                seconds=0.0,
                statement=v["statement"],
                required=v["required"],
                limitation=bool(v["limitation"]),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # missing, truncated, corrupt or foreign: recompute

    def put(self, key: str, verdict: Verdict) -> None:
        if not self.write or not cacheable(verdict):
            return
        try:
            entry = {
                "format": FORMAT,
                "computed_at": _now(),
                "verdict": {
                    "protocol": verdict.protocol,
                    "property": verdict.property,
                    "engine": verdict.engine,
                    "status": verdict.status.value,
                    "evidence": verdict.evidence,
                    "seconds": verdict.seconds,
                    "statement": verdict.statement,
                    "required": verdict.required,
                    "limitation": verdict.limitation,
                },
            }
            # allow_nan=False and no default=: evidence that JSON cannot hold exactly is not stored
            # (tuples come back as lists, which every report prints the same way)
            text = json.dumps(entry, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError):
            return
        self._write(self._path(key), text)

    def _write(self, path: Path, text: str) -> None:
        from qproto.atomic import write_atomic

        try:
            self._mark_folder()
            write_atomic(path, text)
        except OSError as exc:  # OutputError is an OSError: an unwritable cache slows, never fails, a run
            self.write = False
            self.warning = f"qproto: warning: result cache not written ({' '.join(str(exc).split())})"

    def _mark_folder(self) -> None:
        tag = self.root / "CACHEDIR.TAG"
        if tag.exists():
            return
        if self.root.is_dir() and any(self.root.iterdir()):
            return  # $QPROTO_CACHE_DIR names a folder in use: no .gitignore "*" dropped into it
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / ".gitignore").write_text("# created by qproto verify\n*\n", "utf-8")
        tag.write_text(
            "Signature: 8a477f597d28d172789f06886806bc55\n# a qproto verify result cache (see CACHEDIR.TAG spec)\n", "utf-8"
        )

    # timings: scheduling hints, not results
    def timings(self) -> dict[str, float]:
        try:
            data = json.loads((self.root / "timings.json").read_text("utf-8"))
            return {str(k): float(v) for k, v in data.items()}
        except (OSError, ValueError, TypeError, AttributeError):
            return {}

    def save_timings(self, seconds: Mapping[str, float]) -> None:
        if not self.write or not seconds:
            return
        merged = {**self.timings(), **{k: round(float(v), 3) for k, v in seconds.items()}}
        self._write(self.root / "timings.json", json.dumps(merged, indent=1, sort_keys=True))

    def clear(self) -> None:
        """Remove the cache folder (only if it is one: it must hold CACHEDIR.TAG or be empty)."""
        if not self.root.exists():
            return
        if not (self.root / "CACHEDIR.TAG").exists() and any(self.root.iterdir()):
            from qproto.spec.errors import ParameterError

            raise ParameterError(f"{str(self.root)!r} is not a qproto cache folder (no CACHEDIR.TAG): not removed")
        shutil.rmtree(self.root)


def keys_for(spec: Any, prop_ids: Iterable[str], options: Mapping[str, Any]) -> dict[str, str] | None:
    """The cache key of each property of ``spec`` (None: the spec cannot be cached)."""
    ids = list(prop_ids)
    all_ids = [p.id for p in getattr(spec, "properties", ())]
    if len(set(all_ids)) != len(all_ids):
        return None  # two properties with one id could not be told apart
    digest = spec_digest(spec)
    if digest is None:
        return None
    try:
        return {i: property_key(digest, str(spec.family), str(spec.name), i, options) for i in ids}
    except (Uncacheable, RecursionError):
        return None  # an option value with no stable text: this run is not cached


__all__ = [
    "ResultCache",
    "canonical",
    "spec_digest",
    "property_key",
    "keys_for",
    "source_hash",
    "environment",
    "cacheable",
    "cache_dir",
    "Uncacheable",
    "CACHEABLE",
    "NOT_IN_KEY",
    "DEFAULT_DIR",
    "ENV_DIR",
]
