"""One vector generator per protocol *family*, found by the spec's family.

A family generator knows how to turn any spec of its family into test
groups (so a designer's variant gets vectors without new code) and how to
answer a test with qproto's own models (the reference adapter).  A new
family names its module in its manifest (``vectors=`` of
:class:`qproto.family.Family`); the module registers itself with
:func:`family_generator`.  :data:`GENERATOR_MODULES` is the derived list.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from qproto.spec.errors import UnknownNameError
from qproto.spec.protocol import Protocol

#: A family generator builds test groups: ``build(spec, rng, count)`` returns
#: a list of group dicts (each with its ``tests`` but without ``tcId``s).
Build = Callable[[Protocol, np.random.Generator, int], list[dict[str, Any]]]
#: The reference adapter for one family: a case in, a response out.
Answer = Callable[[Mapping[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class FamilyGenerator:
    """How one protocol family becomes test vectors.

    Args:
        families: the ``Protocol.family`` values it serves.
        version: the generator version; vectors are byte-identical for a
            seed within one version (the compatibility promise).
        build: spec, seeded generator and count → test groups.
        answer: the reference adapter (qproto's models answer a case).
        notes: every flag the generator may set → what it means.
        header: lines describing the vectors, for the file's ``header``.
        output_order: top-level output fields in the order the protocol
            produces them; the checker names the first differing one.
        spec_types: spec classes the generator serves whatever their
            ``family`` says (a designer's subclass of ``CircuitProtocol``
            with a family name of its own still gets circuit vectors).
        accepts: optional test; a spec of the family that the generator
            cannot serve returns a reason string.  Without one, a spec that
            is none of ``spec_types`` is refused ("expected a T, got U").
        version_of: optional spec → version, for a generator whose newer
            version changes the output of some specs only; the others keep
            the older version and their bytes (see :meth:`version_for`).
        tolerance: the tolerance the generator writes in its groups; a file
            claiming a looser one for this family is refused on load.
        optional_outputs: fields of ``output_order`` a test may lack; every
            other one must be in each test's outputs (a file that drops
            expected outputs would let any answer pass).
    """

    families: tuple[str, ...]
    version: str
    build: Build
    answer: Answer
    notes: Mapping[str, str]
    header: tuple[str, ...] = ()
    output_order: tuple[str, ...] = ()
    spec_types: tuple[type, ...] = ()
    accepts: Callable[[Protocol], str | None] | None = None
    version_of: Callable[[Protocol], str] | None = None
    tolerance: float = 1e-9
    optional_outputs: tuple[str, ...] = ()

    def refusal(self, spec: Protocol) -> str | None:
        """Why this generator cannot serve ``spec``, or None."""
        if self.accepts is not None:
            return self.accepts(spec)
        if self.spec_types and not isinstance(spec, self.spec_types):
            return f"expected a {' or '.join(t.__name__ for t in self.spec_types)}, got {type(spec).__name__}"
        return None

    def version_for(self, spec: Protocol) -> str:
        """The version written in (and seeding) ``spec``'s file."""
        return self.version if self.version_of is None else self.version_of(spec)


#: The loosest tolerance a group of a family without a generator may state.
MAX_TOLERANCE = 1e-9


class NoGeneratorError(UnknownNameError):
    """No vector generator serves this protocol family."""


_GENERATORS: dict[str, FamilyGenerator] = {}
_imported: set[str] = set()


def family_generator(gen: FamilyGenerator) -> FamilyGenerator:
    """Register ``gen`` for each of its families (module import time)."""
    for fam in gen.families:
        _GENERATORS[fam] = gen
    return gen


def _load() -> None:
    from qproto.families import modules_for

    # a family found later (a test's fake distribution) adds modules: import only the new ones
    for name in modules_for("vectors"):
        if name not in _imported:
            importlib.import_module(name)
            _imported.add(name)


def families() -> tuple[str, ...]:
    """The families that have a vector generator."""
    _load()
    return tuple(sorted(_GENERATORS))


def lookup(family: str) -> FamilyGenerator | None:
    """The generator of ``family``, or None (no error)."""
    _load()
    return _GENERATORS.get(family)


def _find(spec: Protocol) -> FamilyGenerator | None:
    gen = _GENERATORS.get(spec.family)
    if gen is not None and gen.refusal(spec) is None:
        return gen
    for other in {id(g): g for g in _GENERATORS.values()}.values():
        if other.spec_types and isinstance(spec, other.spec_types) and other.refusal(spec) is None:
            return other
    return gen


def has_generator(spec: Protocol) -> bool:
    _load()
    gen = _find(spec)
    return gen is not None and gen.refusal(spec) is None


def generator_for(spec: Protocol | str) -> FamilyGenerator:
    """The generator for a spec (or a family name): the one registered for
    its family, else one that serves its class.

    Raises:
        NoGeneratorError: "no vector generator for family X" with the
            families that have one.
    """
    _load()
    if isinstance(spec, str):
        gen = _GENERATORS.get(spec)
        if gen is None:
            raise NoGeneratorError(
                f"no vector generator for family {spec}; families with generators: {', '.join(families()) or 'none'}"
            )
        return gen
    gen = _find(spec)
    if gen is None:
        raise NoGeneratorError(
            f"no vector generator for family {spec.family} (protocol {spec.name}); "
            f"families with generators: {', '.join(families()) or 'none'}"
        )
    why = gen.refusal(spec)
    if why:
        raise NoGeneratorError(f"no vector generator for family {spec.family} can serve protocol {spec.name}: {why}")
    return gen


def __getattr__(name: str) -> Any:
    if name == "GENERATOR_MODULES":  # was a hand-kept list; now derived from the family manifests
        from qproto.families import modules_for

        return list(modules_for("vectors"))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "GENERATOR_MODULES",  # noqa: F822 (derived in the module __getattr__)
    "MAX_TOLERANCE",
    "FamilyGenerator",
    "NoGeneratorError",
    "family_generator",
    "families",
    "lookup",
    "generator_for",
    "has_generator",
]
