"""Every protocol family qproto knows: the built-in manifests, in one list,
and the third-party ones found through the entry-point group
``qproto.families``.

How the layers learn their modules
----------------------------------
Each layer keeps its own registry and the functions that fill and read it
(``@checker`` and ``get_checker`` in ``proofs/registry.py``,
``register_attack`` in ``models/attacks.py``, ``family_generator`` in
``qproto/vectors/registry.py``, ...).  What used to be a hand-kept list per
registry (``CHECKER_MODULES`` and the others) is now asked of one *module
source*: a function ``kind -> modules`` that the spec layer holds
(:func:`qproto.spec.catalogue.set_module_source`) and that every layer calls
when it first needs its registry (:func:`qproto.spec.catalogue.plugin_modules`).
This module is that source: importing it installs :func:`modules_for`, which
returns the union of one manifest field over every family, in manifest
order, without repeats.  ``spec/``, ``models/`` and ``proofs/`` never import
this module by a static import; when no source is installed yet, the spec
layer imports it by name once (so a bare ``import qproto.proofs.registry``
works), and the source it installs points back down.

The old names (``SPEC_MODULES``, ``CHECKER_MODULES``, ``EXPLAINER_MODULES``,
``ANALYZER_MODULES``, ``PLOT_MODULES``, ``GENERATOR_MODULES``,
``ATTACK_MODULES``) stay importable from their modules as values derived
from the manifests; to add a module, declare it in a :class:`Family`.

Order matters in two places and follows the manifest list: the catalogue
(``qproto list``, a bare ``qproto verify``) lists specs module by module,
and ``plots_keyrate`` must come after ``plots_qkd``.

Nothing here imports SymPy, NumPy or Z3: ``qproto list --families`` and
``qproto --help`` stay fast.
"""

from __future__ import annotations

import importlib.metadata
from typing import Any

from qproto.spec import catalogue as _catalogue

from .family import CAPABILITIES, Family, FamilyError

#: The entry-point group a third-party package adds families to.
ENTRY_POINT_GROUP = "qproto.families"

_QKD_CHECKERS = ("qproto.proofs.qkd", "qproto.proofs.adversary", "qproto.proofs.keyrate", "qproto.proofs.finite_key")
_QKD_ATTACKS = ("qproto.models.cloning", "qproto.models.probe")
_REPEATER_SPECS = ("qproto.spec.repeater",)

#: The built-in manifests, one per ``Protocol.family``.  Catalogue order
#: follows this list (a spec module appears at its first mention).
BUILTIN: tuple[Family, ...] = (
    Family(
        name="circuit",
        covers=("circuit",),
        description="circuit protocols: registers, gates, measurements, classically controlled corrections",
        specs=("qproto.spec.teleportation", "qproto.spec.superdense", *_REPEATER_SPECS),
        spec_types=("qproto.spec.circuit:CircuitProtocol",),
        checkers=("qproto.proofs.circuit",),
        explainers=("qproto.explain",),
        vectors=("qproto.vectors.circuit",),
    ),
    Family(
        name="transition",
        covers=("transition",),
        description="transition systems: variables, guarded transitions, invariants (Z3 and explicit states)",
        specs=(
            "qproto.spec.retransmission",
            "qproto.spec.retransmission_recursive",
            "qproto.spec.handshake",
            "qproto.spec.qtransport",
            "qproto.spec.qkd_session",
            "qproto.spec.causality",
            "qproto.spec.repeater_sync",
        ),
        spec_types=("qproto.spec.transition:TransitionSystem",),
        checkers=("qproto.proofs.statemachine",),
        explainers=("qproto.explain_transition",),
        vectors=("qproto.vectors.transition",),
    ),
    Family(
        name="secret-sharing",
        covers=("secret-sharing",),
        description="quantum secret sharing: shares, access structure, decoding",
        specs=("qproto.spec.secret_sharing",),
        spec_types=("qproto.spec.secret_sharing:SecretSharingScheme",),
        checkers=("qproto.proofs.secret_sharing",),
        explainers=("qproto.explain_transition",),
        vectors=("qproto.vectors.secret_sharing",),
    ),
    Family(
        name="qkd-pm",
        covers=("qkd-pm",),
        description="prepare-and-measure QKD: state alphabet, sifting, estimation, key rate",
        specs=("qproto.spec.bb84", "qproto.spec.b92", "qproto.spec.qkd_variants", "qproto.spec.qkd_flawed"),
        spec_types=("qproto.spec.qkd:PrepareMeasureQKD",),
        checkers=_QKD_CHECKERS,
        explainers=("qproto.explain_qkd",),
        analyzers=("qproto.analyze_qkd",),
        plots=("qproto.plots_qkd", "qproto.plots_keyrate"),
        vectors=("qproto.vectors.qkd",),
        attacks=_QKD_ATTACKS,
        simulate=True,
    ),
    Family(
        name="qkd-eb",
        covers=("qkd-eb",),
        description="entanglement-based QKD: source, measurement settings, Bell test",
        specs=("qproto.spec.e91", "qproto.spec.qkd_flawed"),
        spec_types=("qproto.spec.qkd:EntanglementQKD",),
        checkers=_QKD_CHECKERS,
        explainers=("qproto.explain_qkd",),
        analyzers=("qproto.analyze_qkd",),
        plots=("qproto.plots_qkd",),
        vectors=("qproto.vectors.qkd_eb",),
        attacks=_QKD_ATTACKS,
        simulate=True,
    ),
    Family(
        name="purification",
        covers=("purification",),
        description="entanglement purification rounds (BBPSSW, DEJMPS)",
        specs=_REPEATER_SPECS,
        spec_types=("qproto.spec.repeater:PurificationProtocol",),
        checkers=("qproto.proofs.repeater",),
        explainers=("qproto.explain_repeater",),
        analyzers=("qproto.analyze_repeater",),
        plots=("qproto.plots_repeater",),
        # no generator of its own: a PurificationProtocol is a CircuitProtocol, served by the circuit one
        vectors=("qproto.vectors.circuit",),
    ),
    Family(
        name="repeater",
        covers=("repeater",),
        description="repeater chains: swapping and purification along a line of nodes",
        specs=_REPEATER_SPECS,
        spec_types=("qproto.spec.repeater:RepeaterChain",),
        checkers=("qproto.proofs.repeater",),
        explainers=("qproto.explain_repeater",),
        analyzers=("qproto.analyze_repeater",),
        plots=("qproto.plots_repeater",),
        vectors=("qproto.vectors.repeater",),
    ),
    Family(
        name="memory",
        covers=("memory",),
        description="quantum memory: storage fidelity under decoherence",
        specs=_REPEATER_SPECS,
        spec_types=("qproto.spec.repeater:QuantumMemory",),
        checkers=("qproto.proofs.repeater",),
        explainers=("qproto.explain_repeater",),
        analyzers=("qproto.analyze_repeater",),
        plots=("qproto.plots_repeater",),
        vectors=("qproto.vectors.memory",),
    ),
    Family(
        name="network",
        covers=("network",),
        description="entanglement routing over a network of links",
        specs=("qproto.spec.network",),
        spec_types=("qproto.spec.network:FidelityRouting",),
        checkers=("qproto.proofs.repeater",),
        explainers=("qproto.explain_repeater",),
        analyzers=("qproto.analyze_repeater",),
        vectors=("qproto.vectors.network",),
    ),
    Family(
        name="relay",
        covers=("relay",),
        description="trusted-relay QKD: hop-by-hop keys and one-time-pad forwarding",
        specs=("qproto.spec.trusted_relay",),
        spec_types=("qproto.spec.trusted_relay:TrustedRelay",),
        checkers=("qproto.proofs.repeater",),
        explainers=("qproto.explain_repeater",),
        analyzers=("qproto.analyze_repeater",),
        vectors=("qproto.vectors.relay",),
    ),
)

_families: tuple[Family, ...] | None = None
_unions: dict[str, tuple[str, ...]] = {}


def _entry_points() -> Any:
    # looked up through the module attribute so a test can substitute a fake distribution
    return importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)


def discover() -> tuple[Family, ...]:
    """The third-party manifests: every entry point of the group
    ``qproto.families``, loaded.

    Raises:
        FamilyError: one line naming the entry point, for one that fails
            to import or does not load a :class:`Family`.
    """
    found: list[Family] = []
    for ep in sorted(_entry_points(), key=lambda e: e.name):
        dist = getattr(getattr(ep, "dist", None), "name", None)
        where = f"entry point {ep.name} = {ep.value!r}" + (f" of {dist}" if dist else "") + f" (group {ENTRY_POINT_GROUP})"
        try:
            obj = ep.load()
        except FamilyError as exc:
            raise FamilyError(f"{where}: {exc}") from None
        except Exception as exc:  # any failure of third-party code is reported, not a traceback
            raise FamilyError(f"{where} failed to load: {type(exc).__name__}: {exc}") from None
        if not isinstance(obj, Family):
            raise FamilyError(f"{where} loads a {type(obj).__name__}, not a qproto.family.Family")
        found.append(obj)
    return tuple(found)


def families() -> tuple[Family, ...]:
    """The built-in manifests, then the third-party ones (found once).

    Raises:
        FamilyError: a broken entry point, two manifests with one name, or
            a ``Protocol.family`` value covered by two manifests.
    """
    global _families
    if _families is None:
        every = BUILTIN + discover()
        names: dict[str, Family] = {}
        owner: dict[str, Family] = {}
        for fam in every:
            if fam.name in names:
                raise FamilyError(f"two family manifests are named {fam.name!r}")
            names[fam.name] = fam
            for value in fam.covers:
                if value in owner:
                    raise FamilyError(f"spec family {value!r} is claimed by both manifest {owner[value].name!r} and {fam.name!r}")
                owner[value] = fam
        _families = every
    return _families


def family_for(spec_family: str) -> Family | None:
    """The manifest covering a ``Protocol.family`` value, or None."""
    for fam in families():
        if spec_family in fam.covers:
            return fam
    return None


def modules_for(kind: str) -> tuple[str, ...]:
    """One manifest field (``"specs"``, ``"checkers"``, ``"explainers"``,
    ``"analyzers"``, ``"plots"``, ``"vectors"``, ``"attacks"``) over every
    family: the union in manifest order, each module once."""
    if kind not in _unions:
        seen: dict[str, None] = {}
        for fam in families():
            for mod in fam.modules(kind):
                seen.setdefault(mod, None)
        _unions[kind] = tuple(seen)
    return _unions[kind]


def capability_matrix() -> dict[str, dict[str, bool]]:
    """What each family declares: manifest name → capability → bool, for
    :data:`qproto.family.CAPABILITIES`.  Computed from the manifests alone
    (no heavy import); ``tests/test_family_manifest.py`` checks every entry
    against the registries."""
    return {fam.name: fam.declares() for fam in families()}


def reset() -> None:
    """Forget the discovered families (a test that installs a fake
    distribution calls this before and after).  Registries load the modules
    they have not imported yet on their next use."""
    global _families
    _families = None
    _unions.clear()


def install() -> None:
    """Make :func:`modules_for` the module source of every layer."""
    _catalogue.set_module_source(modules_for)


install()

__all__ = [
    "BUILTIN",
    "CAPABILITIES",
    "ENTRY_POINT_GROUP",
    "Family",
    "FamilyError",
    "capability_matrix",
    "discover",
    "families",
    "family_for",
    "install",
    "modules_for",
    "reset",
]
