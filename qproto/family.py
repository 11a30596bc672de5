"""``Family``: one manifest per protocol family, naming everything it plugs in.

A protocol family (circuit protocols, transition systems, prepare-and-measure
QKD, ...) used to be spread over one hand-kept module list per capability
(``SPEC_MODULES``, ``CHECKER_MODULES``, ``EXPLAINER_MODULES``, ...).  A
:class:`Family` states it in one place: the ``Protocol.family`` values it
covers, the modules that define its catalogue specs and register its
checkers and validator, and the optional modules for ``explain``,
``analyze``, ``plot``, test vectors and attacks.  The built-in manifests and
the discovery of third-party ones are in :mod:`qproto.families`.

Modules are named as dotted strings, not imported: listing the families
(``qproto list --families``, ``qproto --help``) must not pay for SymPy, Z3
or NumPy.  A module is imported when the capability it serves is first used,
and importing it registers its hooks with the layer's own registry
(``@checker``, ``@validator``, ``@explainer``, ``register_analyzer``,
``register_plot``, ``family_generator``, ``register_attack``), exactly as
before; the manifest only says *which* modules those are.

A third-party package ships a family by exposing a ``Family`` under the
entry-point group ``qproto.families``::

    [project.entry-points."qproto.families"]
    toy = "toyproto.family:TOY"
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from qproto.spec.errors import LoadError

#: The capabilities a manifest can declare, in the order the matrix shows them.
CAPABILITIES = ("verify", "explain", "analyze", "plots", "vectors", "attacks", "simulate")

#: Manifest field → the capability it provides (``verify`` needs checkers).
_MODULE_FIELDS = {
    "checkers": "verify",
    "explainers": "explain",
    "analyzers": "analyze",
    "plots": "plots",
    "vectors": "vectors",
    "attacks": "attacks",
}


class FamilyError(LoadError):
    """A family manifest that cannot be used: a broken third-party entry
    point, an object that is not a :class:`Family`, a spec family claimed by
    two manifests, a malformed module name."""


def _check_names(owner: str, what: str, names: tuple[str, ...]) -> None:
    if isinstance(names, str) or not isinstance(names, tuple):
        raise FamilyError(f"family {owner}: {what} must be a tuple of module names, got {type(names).__name__}")
    for n in names:
        if not isinstance(n, str) or not n or not all(part.isidentifier() for part in n.split(".")):
            raise FamilyError(f"family {owner}: {what} holds {n!r}, not a dotted module name")


@dataclass(frozen=True)
class Family:
    """The manifest of one protocol family.

    Args:
        name: the manifest's name (``qproto list --families`` shows it).
        covers: the ``Protocol.family`` values this manifest serves; every
            spec's family is covered by exactly one manifest.
        description: one line for a person.
        specs: modules defining ``PROTOCOLS`` (the catalogue) and ``FLAWED``.
            A module holding specs of several families is listed by each of
            them; it is loaded once, at its first place in the manifest list.
        spec_types: the spec classes, as ``"module:Class"`` (read by the
            loader for its "no such field" hints and by the matrix test).
        checkers: modules registering ``@checker`` functions and the
            ``@validator`` of each covered family.
        explainers: modules registering ``@explainer(family)`` hooks.
        analyzers: modules calling ``register_analyzer`` (``qproto analyze``).
        plots: modules calling ``register_plot`` (``qproto plot``).
        vectors: modules registering a ``FamilyGenerator`` (test vectors).
        attacks: modules calling ``register_attack`` (named attacks, noise).
        simulate: whether ``qproto simulate`` / ``fuzz`` run this family's
            specs (the QKD simulator; not a plug-in point of its own).
    """

    name: str
    covers: tuple[str, ...]
    description: str
    specs: tuple[str, ...] = ()
    spec_types: tuple[str, ...] = ()
    checkers: tuple[str, ...] = ()
    explainers: tuple[str, ...] = ()
    analyzers: tuple[str, ...] = ()
    plots: tuple[str, ...] = ()
    vectors: tuple[str, ...] = ()
    attacks: tuple[str, ...] = ()
    simulate: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise FamilyError(f"a family manifest needs a name, got {self.name!r}")
        if isinstance(self.covers, str) or not isinstance(self.covers, tuple) or not self.covers:
            raise FamilyError(f"family {self.name}: covers must be a non-empty tuple of Protocol.family values")
        for f in fields(self):
            if f.name in ("specs", "checkers", *_MODULE_FIELDS):
                _check_names(self.name, f.name, getattr(self, f.name))
        for t in self.spec_types:
            mod, sep, cls = t.partition(":")
            if not sep or not cls.isidentifier():
                raise FamilyError(f"family {self.name}: spec_types holds {t!r}; write 'package.module:ClassName'")
            _check_names(self.name, "spec_types", (mod,))

    def modules(self, capability: str) -> tuple[str, ...]:
        """The modules of one manifest field (``"specs"``, ``"checkers"``, ...)."""
        if capability not in ("specs", *_MODULE_FIELDS):
            raise FamilyError(f"unknown manifest field {capability!r}; known: specs, {', '.join(_MODULE_FIELDS)}")
        return getattr(self, capability)

    def declares(self) -> dict[str, bool]:
        """What the manifest claims, capability → bool (not checked here:
        ``tests/test_family_manifest.py`` checks every claim against the
        registries)."""
        out = {cap: bool(getattr(self, field)) for field, cap in _MODULE_FIELDS.items()}
        out["simulate"] = self.simulate
        return {cap: out[cap] for cap in CAPABILITIES}


__all__ = ["CAPABILITIES", "Family", "FamilyError"]
