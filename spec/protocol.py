"""The specification language shared by every protocol family.

A protocol spec is data: frozen dataclasses that read like a document
(identity, parties, channels, ordered steps, parameters, properties).  A
family (circuit protocols, prepare-and-measure QKD, transition systems, ...)
subclasses :class:`Protocol` and adds the fields its models need.  Variants
are written with :meth:`Protocol.variant`, so a new protocol is a few lines.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

from .errors import ParameterError, SpecError
from .validation import check_choice, check_fraction, show

#: The engines a property can name.  Each maps to one checker module in
#: ``qproto.proofs``.
ENGINES = ("algebra", "statemachine", "adversary")

#: Verdict strengths a property may require, strongest first.  A property
#: that requires ``bounded`` is satisfied by ``proved`` or ``bounded``.
STRENGTHS = ("proved", "bounded", "tested")


@dataclass(frozen=True, kw_only=True)
class Reference:
    """A paper or standard a spec relies on.  ``cite`` is how a person reads
    it; ``doi`` or ``arxiv`` lets a tool find it."""

    cite: str
    doi: str | None = None
    arxiv: str | None = None
    note: str | None = None

    def __str__(self) -> str:
        link = f" doi:{self.doi}" if self.doi else (f" arXiv:{self.arxiv}" if self.arxiv else "")
        return f"{self.cite}{link}"


@dataclass(frozen=True)
class Party:
    """A participant: Alice, Bob, a repeater node, an eavesdropper."""

    name: str
    role: str = ""


@dataclass(frozen=True, kw_only=True)
class Channel:
    """A channel between two parties.  ``kind`` is ``quantum`` or
    ``classical``; a classical channel states whether it is authenticated,
    since QKD's security rests on that assumption."""

    source: str
    target: str
    kind: str
    authenticated: bool = False
    note: str = ""

    def __post_init__(self) -> None:
        check_choice("Channel kind", self.kind, ("quantum", "classical"), error=SpecError)
        if self.kind == "quantum" and self.authenticated:
            raise SpecError(
                f"Channel {self.source}->{self.target}: authenticated=True is only meaningful for a classical channel"
            )


@dataclass(frozen=True, kw_only=True)
class Step:
    """One step of a protocol, in order: who does what.

    ``action`` is one of the verbs of the design (prepare, send, gate,
    measure, announce, sift, estimate, decide, correct, encode, decode,
    acknowledge, retransmit, ...).  Families subclass this with the data
    their models execute.
    """

    party: str
    action: str
    text: str = ""

    def describe(self) -> str:
        return self.text or f"{self.party}: {self.action}"


@dataclass(frozen=True, kw_only=True)
class Parameter:
    """A named parameter with a domain and a default.

    ``low``/``high`` bound a numeric domain (inclusive unless the matching
    ``open_low``/``open_high`` is set); ``choices`` lists a finite domain.
    """

    name: str
    default: Any
    text: str = ""
    low: Any = None
    high: Any = None
    open_low: bool = False
    open_high: bool = False
    choices: tuple[Any, ...] | None = None
    integer: bool = False

    def __post_init__(self) -> None:
        self.check(self.default)

    def domain_text(self) -> str:
        if self.choices is not None:
            return "one of " + ", ".join(map(str, self.choices))
        lo = "(" if self.open_low else "["
        hi = ")" if self.open_high else "]"
        a = "-inf" if self.low is None else str(self.low)
        b = "inf" if self.high is None else str(self.high)
        kind = "an integer in " if self.integer else ""
        return f"{kind}{lo}{a}, {b}{hi}"

    def check(self, value: Any) -> Any:
        """Return ``value`` if it lies in the domain, else raise
        :class:`ParameterError` naming ``name=value`` and the domain."""
        if self.choices is not None:
            return check_choice(self.name, value, self.choices)
        check_fraction(
            self.name,
            value,
            -math.inf if self.low is None else self.low,
            math.inf if self.high is None else self.high,
            open_low=self.open_low,
            open_high=self.open_high,
        )
        if self.integer and int(value) != value:
            raise ParameterError(f"{self.name}={show(value)} must be {self.domain_text()}")
        return value


@dataclass(frozen=True, kw_only=True)
class Property:
    """A claim about a protocol, with the engine and checker that decide it.

    Args:
        id: short kebab-case name, unique within the protocol.
        statement: the claim in words, as a reader of the spec needs it.
        engine: ``algebra`` (SymPy), ``statemachine`` (Z3) or ``adversary``
            (Hypothesis).
        check: the registered checker that decides it (see
            ``qproto.proofs.registry``).
        args: checker arguments (registers, expected values, bounds).
        requires: the weakest status that satisfies the spec.  Defaults to
            ``proved``; a property checked by sampling says ``tested``, one
            checked up to a bound says ``bounded``.
        limitation: the spec declares the claim *false by design* (QKD
            cannot authenticate by itself).  The checker must find its
            counterexample; the report lists it as a limitation.  If it were
            ever proved, that is the failure.
        reference: where the claim or the expected value comes from.
    """

    id: str
    statement: str
    engine: str
    check: str
    args: Mapping[str, Any] = field(default_factory=dict)
    requires: str = "proved"
    limitation: bool = False
    reference: str = ""

    def __post_init__(self) -> None:
        check_choice(f"Property {self.id!r}: engine", self.engine, ENGINES, error=SpecError)
        check_choice(f"Property {self.id!r}: requires", self.requires, STRENGTHS, error=SpecError)
        if not self.id or any(c.isspace() for c in self.id):
            raise SpecError(f"Property id={self.id!r} must be a non-empty name without spaces")

    def __hash__(self) -> int:  # args is a dict; identity by id and check is enough
        return hash((self.id, self.engine, self.check))


@dataclass(frozen=True, kw_only=True)
class Protocol:
    """The base of every protocol spec.

    Families subclass it (``CircuitProtocol``, ``PrepareMeasureQKD``, ...).
    ``flawed`` marks a deliberately broken variant that ships as an example
    of what qproto catches: it stays out of the default catalogue and its
    text says what is wrong with it.
    """

    name: str
    version: str = "1"
    family: str = "generic"
    summary: str = ""
    references: tuple[Reference, ...] = ()
    parties: tuple[Party, ...] = ()
    channels: tuple[Channel, ...] = ()
    steps: tuple[Step, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    properties: tuple[Property, ...] = ()
    flawed: str | None = None
    variant_of: str | None = None

    def __post_init__(self) -> None:
        if not self.name or any(c.isspace() for c in self.name):
            raise SpecError(f"Protocol name={self.name!r} must be a non-empty name without spaces")
        seen: set[str] = set()
        for prop in self.properties:
            if not isinstance(prop, Property):
                raise SpecError(f"{self.name}: properties must be Property objects, got {type(prop).__name__}")
            if prop.id in seen:
                raise SpecError(f"{self.name}: property id {prop.id!r} appears twice")
            seen.add(prop.id)
        names = {p.name for p in self.parties}
        for ch in self.channels:
            for end in (ch.source, ch.target):
                if names and end not in names:
                    raise SpecError(
                        f"{self.name}: channel {ch.source}->{ch.target} names unknown party {end!r}; parties are {sorted(names)}"
                    )
        pnames = [p.name for p in self.parameters]
        if len(pnames) != len(set(pnames)):
            raise SpecError(f"{self.name}: a parameter name appears twice in {pnames}")

    # -- conveniences -----------------------------------------------------
    def property(self, id: str) -> Property:
        for prop in self.properties:
            if prop.id == id:
                return prop
        from .errors import UnknownNameError

        raise UnknownNameError(f"{self.name} has no property {id!r}; it has {', '.join(p.id for p in self.properties)}")

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        from .errors import UnknownNameError

        raise UnknownNameError(
            f"{self.name} has no parameter {name!r}; it has {', '.join(p.name for p in self.parameters) or 'none'}"
        )

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.parameters}

    def variant(self, name: str, **changes: Any) -> Self:
        """A copy of this spec under a new name with some fields replaced.

        ``properties`` may be given in full, or ``drop_properties`` (ids),
        ``override_properties`` and ``add_properties`` may adjust the
        inherited list.  ``override_properties`` maps a property id to the
        fields to change (``{"completeness": {"args": {...}}}``) or to a
        whole new :class:`Property` with the same id.  A field name this
        spec does not have is refused with a did-you-mean (a misspelt
        ``abort_treshold=`` never passes silently).
        """
        fields = [f.name for f in dataclasses.fields(self) if f.init]
        for key in changes:
            if key not in fields and key not in ("drop_properties", "add_properties", "override_properties"):
                raise ParameterError(f"{name}: {type(self).__name__} has no field {key}={_did_you_mean(key, fields)}")
        drop = set(changes.pop("drop_properties", ()))
        add = tuple(changes.pop("add_properties", ()))
        override = dict(changes.pop("override_properties", {}) or {})
        if drop or add or override:
            base = changes.get("properties", self.properties)
            ids = [p.id for p in base]
            unknown = drop - set(ids)
            if unknown:
                raise SpecError(f"{name}: drop_properties names unknown ids {sorted(unknown)}")
            for pid in override:
                if pid not in ids:
                    raise SpecError(f"{name}: override_properties names unknown id {pid!r}{_did_you_mean(pid, ids)}")
            changes["properties"] = (
                tuple(_override(p, override[p.id], name) if p.id in override else p for p in base if p.id not in drop) + add
            )
        changes.setdefault("variant_of", self.name)
        return dataclasses.replace(self, name=name, **changes)


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else f"; fields: {', '.join(choices)}"


def _override(prop: Property, new: Any, spec_name: str) -> Property:
    """``prop`` with the fields in ``new`` replaced (or ``new`` itself when it is a Property)."""
    if isinstance(new, Property):
        if new.id != prop.id:
            raise SpecError(
                f"{spec_name}: override_properties[{prop.id!r}] is a Property with id {new.id!r}; "
                "keep the id (or use drop_properties and add_properties)"
            )
        return new
    if not isinstance(new, Mapping):
        raise SpecError(
            f"{spec_name}: override_properties[{prop.id!r}] is a {type(new).__name__}; give a dict of "
            "fields to change (e.g. {'args': {...}}) or a Property"
        )
    names = [f.name for f in dataclasses.fields(prop)]
    for key in new:
        if key not in names or key == "id":
            raise ParameterError(
                f"{spec_name}: property {prop.id!r} cannot override field {key}="
                f"{_did_you_mean(key, [n for n in names if n != 'id'])}"
            )
    return dataclasses.replace(prop, **new)


def replace_step(steps: Sequence[Step], index: int, new: Step | None) -> tuple[Step, ...]:
    """Steps with the one at ``index`` replaced (or removed when ``new`` is
    None); a helper for writing variants."""
    out = list(steps)
    if new is None:
        del out[index]
    else:
        out[index] = new
    return tuple(out)


__all__ = [
    "ENGINES",
    "STRENGTHS",
    "Reference",
    "Party",
    "Channel",
    "Step",
    "Parameter",
    "Property",
    "Protocol",
    "replace_step",
]
