"""The attack and noise catalogue: named, parameterised instruments on the
signal qubit.

Every entry is a factory ``factory(**params) -> Instrument`` plus the
domains of its parameters.  Parameter values may be exact numbers
(``Rational(1, 2)``), floats, or SymPy symbols (then every QKD analysis
comes out as a function of them).  A command line string names one entry:

    intercept-resend:fraction=0.5          # Eve measures half the qubits (Z or X)
    intercept-resend:fraction=1,px=1       # ... always in X
    depolarizing:p=0.1                     # line noise
    depolarizing=0.1                       # short form for one-parameter noise

Usage::

    from qproto.models.attacks import parse_attack, register_attack, AttackParameter
    attack = parse_attack("intercept-resend:fraction=1/2")
    inst = attack.instrument()             # exact Instrument, fraction = 1/2
    sym = attack.symbolic()                # Instrument in the symbol fraction
    register_attack("my-probe", my_factory, (AttackParameter("angle", 0, low=0, high=1),),
                    text="what it does", kind="attack")

Other modules (eavesdropper strategies, cloning machines, probes) add
entries with :func:`register_attack` when imported; a family names those
modules in its manifest (``attacks=`` of ``qproto.family.Family``) so the CLI
finds them (:data:`ATTACK_MODULES` is their derived list).  Unknown names,
unknown parameters and out-of-range values raise
:class:`~qproto.spec.errors.ParameterError` /
:class:`~qproto.spec.errors.UnknownNameError` with a one-line message.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import sympy as sp

from qproto.spec.errors import ParameterError, UnknownNameError
from qproto.spec.validation import check_fraction

from . import channels as _channels
from .instrument import Instrument, from_channel, identity, measure_resend

Factory = Callable[..., Instrument]


@dataclass(frozen=True, kw_only=True)
class AttackParameter:
    """A parameter of an attack: name, default, inclusive bounds."""

    name: str
    default: Any
    low: Any = None
    high: Any = None
    text: str = ""

    def check(self, value: Any) -> Any:
        if isinstance(value, sp.Basic) and not value.is_number:
            return value  # a symbol: the analysis is for all values
        v = sp.sympify(value) if isinstance(value, str) else value  # "1/3" typed into a designer's file
        low = -math.inf if self.low is None else self.low
        high = math.inf if self.high is None else self.high
        check_fraction(self.name, v, low, high, symbolic=True)
        return value


@dataclass(frozen=True)
class AttackInfo:
    """A registered attack or noise model."""

    name: str
    factory: Factory
    params: tuple[AttackParameter, ...]
    text: str = ""
    kind: str = "attack"  # "attack" (Eve) or "noise" (the line)

    def param(self, name: str) -> AttackParameter:
        for p in self.params:
            if p.name == name:
                return p
        raise ParameterError(
            f"{self.name} has no parameter {name!r}; its parameters are {', '.join(p.name for p in self.params) or 'none'}"
        )


@dataclass(frozen=True)
class Attack:
    """A chosen attack with its parameter values (exact where given so)."""

    info: AttackInfo
    values: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.info.name

    def __repr__(self) -> str:
        return f"parse_attack({self.label()!r})"

    def label(self) -> str:
        vals = ",".join(f"{k}={v}" for k, v in self.values.items())
        return f"{self.name}:{vals}" if vals else self.name

    def instrument(self, **override: Any) -> Instrument:
        """The instrument at the chosen values (``override`` replaces some)."""
        vals = {**self.values, **override}
        for k, v in override.items():
            self.info.param(k).check(v)
        return self.info.factory(**vals)

    def symbolic(self, *names: str) -> tuple[Instrument, dict[str, sp.Symbol]]:
        """The instrument with the parameters ``names`` (default: all) left
        as real symbols; returns it and the name → symbol map."""
        names = names or tuple(p.name for p in self.info.params)
        syms = {n: sp.Symbol(n, real=True) for n in names}
        for n in names:
            self.info.param(n)
        return self.info.factory(**{**self.values, **syms}), syms


_ATTACKS: dict[str, AttackInfo] = {}

_imported: set[str] = set()


def register_attack(
    name: str,
    factory: Factory,
    params: Sequence[AttackParameter] = (),
    text: str = "",
    kind: str = "attack",
) -> AttackInfo:
    """Add an attack (``kind="attack"``) or line noise (``kind="noise"``).
    The factory takes the parameters as keyword arguments and returns an
    :class:`Instrument`."""
    if kind not in ("attack", "noise"):
        raise ValueError(f"register_attack: kind={kind!r} must be 'attack' or 'noise'")
    if name in _ATTACKS and _ATTACKS[name].factory is not factory:
        raise ValueError(f"attack {name!r} registered twice")
    info = AttackInfo(name, factory, tuple(params), text, kind)
    _ATTACKS[name] = info
    return info


def _load() -> None:
    from qproto.spec.catalogue import plugin_modules

    # marked before the import: an attack module may itself ask for the catalogue
    for mod in plugin_modules("attacks"):
        if mod not in _imported:
            _imported.add(mod)
            importlib.import_module(mod)


def __getattr__(name: str) -> Any:
    if name == "ATTACK_MODULES":  # was a hand-kept list; now derived from the family manifests
        from qproto.spec.catalogue import plugin_modules

        return list(plugin_modules("attacks"))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def attacks(kind: str | None = None) -> dict[str, AttackInfo]:
    """Every registered entry (optionally only one kind)."""
    _load()
    return {n: a for n, a in _ATTACKS.items() if kind is None or a.kind == kind}


def get_attack(name: str, kind: str | None = None) -> AttackInfo:
    known = attacks(kind)
    if name not in known:
        what = {"attack": "attack", "noise": "noise model"}.get(kind or "", "attack or noise model")
        raise UnknownNameError(f"unknown {what} {name!r}; known: {', '.join(sorted(known))}")
    return known[name]


def parse_value(name: str, text: str) -> Any:
    """A parameter value from text: exact rational when it is one
    (``0.5`` → 1/2, ``1/3``), else ParameterError.  Text longer than 100
    characters or a decimal exponent beyond ±400 is refused: ``1e-99999999``
    would build a hundred-million-digit rational (docs/limits.md)."""
    import re

    if len(text) > 100 or any(abs(int(e)) > 400 for e in re.findall(r"[eE]\s*([+-]?\d+)", text)):
        raise ParameterError(f"{name}={text.strip()[:40]!r} is too long or its exponent is outside ±400; give a plain number")
    try:
        value = sp.Rational(text.strip())
    except (TypeError, ValueError, SyntaxError, ZeroDivisionError):
        raise ParameterError(f"{name}={text!r} must be a number (like 0.25 or 1/3)") from None
    return value


def parse_attack(text: str, kind: str | None = None) -> Attack:
    """``name:key=value,key=value`` (or ``name=value`` for a one-parameter
    entry) → :class:`Attack` with exact values, checked against the
    domains.  ``kind`` restricts to ``attack`` or ``noise``."""
    text = text.strip()
    if not text:
        raise ParameterError("empty attack; give e.g. intercept-resend:fraction=0.5")
    if ":" in text:
        name, _, rest = text.partition(":")
        pairs = [p for p in rest.split(",") if p.strip()]
    elif "=" in text:
        name, _, value = text.partition("=")
        info = get_attack(name.strip(), kind)
        if len(info.params) != 1:
            raise ParameterError(
                f"{text!r}: {info.name} has parameters {', '.join(p.name for p in info.params)}; write {info.name}:name=value,..."
            )
        pairs = [f"{info.params[0].name}={value}"]
    else:
        name, pairs = text, []
    info = get_attack(name.strip(), kind)
    values = {p.name: p.default for p in info.params}
    given: set[str] = set()
    for pair in pairs:
        key, eq, val = pair.partition("=")
        key = key.strip()
        if not eq:
            raise ParameterError(f"{info.name}: {pair!r} must be key=value")
        if key in given:  # the last one must not silently win
            raise ParameterError(f"{info.name}: {key} is given twice in {text!r}; give each parameter once")
        given.add(key)
        p = info.param(key)
        try:
            values[key] = p.check(parse_value(key, val))
        except ParameterError as exc:  # show the value as the user typed it
            raise ParameterError(str(exc).replace(f"{key}={parse_value(key, val)}", f"{key}={val.strip()}", 1)) from None
    info.factory(**values)  # cross-parameter checks (px + py ≤ 1) happen here
    return Attack(info, values)


# -- the built-in catalogue ------------------------------------------------

_h = sp.sqrt(2) / 2
#: Measurement bases Eve may use, as orthonormal pairs (v0, v1).
BASES: dict[str, tuple[tuple[Any, Any], tuple[Any, Any]]] = {
    "Z": ((1, 0), (0, 1)),
    "X": ((_h, _h), (_h, -_h)),
    "Y": ((_h, sp.I * _h), (_h, -sp.I * _h)),
}


def _prob(name: str, v: Any) -> Any:
    if isinstance(v, float):
        v = sp.nsimplify(v, rational=True) if v == round(v, 12) else sp.Float(v)
    return AttackParameter(name=name, default=0, low=0, high=1).check(sp.sympify(v))


def intercept_resend(fraction: Any = 1, px: Any = sp.Rational(1, 2), py: Any = 0) -> Instrument:
    """Eve intercepts each qubit with probability ``fraction``, measures it in
    X with probability ``px``, in Y with ``py`` and in Z otherwise, and
    resends the eigenstate she read.  Records ``(basis, outcome)`` or
    ``"none"``.  ``fraction=1, px=1/2`` is the textbook attack on BB84
    (QBER 1/4)."""
    f, x, y = _prob("fraction", fraction), _prob("px", px), _prob("py", py)
    z = 1 - x - y
    if z.is_number and z < 0:
        raise ParameterError(f"px={px} and py={py} must sum to at most 1 (Z gets the rest)")
    bases = [(b, w, BASES[b]) for b, w in (("Z", z), ("X", x), ("Y", y)) if not (w.is_number and w == 0)]
    branches: list[tuple[Hashable, Sequence[Any]]] = [("none", [[[sp.sqrt(1 - f), 0], [0, sp.sqrt(1 - f)]]])]
    branches += measure_resend("intercept-resend", f, bases)
    syms = {n: s for n, s in (("fraction", f), ("px", x), ("py", y)) if isinstance(s, sp.Symbol)}
    return Instrument(f"intercept-resend(fraction={f}, px={x}, py={y})", branches, symbols=syms, check=not syms)


#: :data:`BASES` in complex128, for :func:`intercept_resend_numeric`.
NUMERIC_BASES: dict[str, tuple[tuple[complex, complex], tuple[complex, complex]]] = {
    b: tuple(tuple(complex(sp.N(e)) for e in vec) for vec in pair)  # type: ignore[misc]
    for b, pair in BASES.items()
}


def intercept_resend_numeric(fraction: Fraction, px: Fraction, py: Fraction) -> Instrument:
    """:func:`intercept_resend` in complex128 for exact parameter values: the
    same range checks and the same branches, decided in exact arithmetic, the
    Kraus operators in floating point (the attack search builds it at
    thousands of points, where the SymPy construction cost ~5 ms each)."""
    for name, v in (("fraction", fraction), ("px", px), ("py", py)):
        check_fraction(name, v, 0, 1)
    z = 1 - px - py
    if z < 0:
        raise ParameterError(f"px={px} and py={py} must sum to at most 1 (Z gets the rest)")
    bases = [(b, w, NUMERIC_BASES[b]) for b, w in (("Z", z), ("X", px), ("Y", py)) if w != 0]
    keep = math.sqrt(1 - fraction)
    branches: list[tuple[Hashable, Sequence[Any]]] = [("none", [[[keep, 0], [0, keep]]])]
    branches += measure_resend("intercept-resend", fraction, bases)
    return Instrument(f"intercept-resend(fraction={fraction}, px={px}, py={py})", branches)


def _noise(name: str, make: Callable[[Any], Any]) -> Factory:
    def factory(p: Any = 0) -> Instrument:
        pv = _prob("p", p)
        inst = from_channel(make(pv))
        if isinstance(pv, sp.Symbol):
            inst.symbols["p"] = pv
        return inst

    factory.__name__ = name.replace("-", "_")
    factory.__doc__ = f"Line noise {name}(p) as an instrument with one branch."
    return factory


register_attack(
    "intercept-resend",
    intercept_resend,
    (
        AttackParameter(name="fraction", default=sp.Integer(1), low=0, high=1, text="probability Eve intercepts a qubit"),
        AttackParameter(name="px", default=sp.Rational(1, 2), low=0, high=1, text="probability she measures in X"),
        AttackParameter(name="py", default=sp.Integer(0), low=0, high=1, text="probability she measures in Y (Z gets the rest)"),
    ),
    text="measure a fraction of the qubits in a random basis and resend what was read",
)
register_attack("none", lambda: identity(), (), text="no eavesdropper", kind="attack")
register_attack(
    "depolarizing",
    _noise("depolarizing", _channels.depolarizing),
    (AttackParameter(name="p", default=sp.Integer(0), low=0, high=1, text="ρ ↦ (1−p)ρ + p I/2"),),
    text="depolarizing line noise",
    kind="noise",
)
register_attack(
    "dephasing",
    _noise("dephasing", _channels.dephasing),
    (AttackParameter(name="p", default=sp.Integer(0), low=0, high=1, text="phase flip with probability p"),),
    text="dephasing line noise",
    kind="noise",
)
register_attack(
    "bit-flip",
    _noise("bit-flip", _channels.bit_flip),
    (AttackParameter(name="p", default=sp.Integer(0), low=0, high=1, text="bit flip with probability p"),),
    text="bit-flip line noise",
    kind="noise",
)


def line(attack: Attack | None = None, noise: Attack | None = None) -> Instrument:
    """What the signal goes through: the attack (Eve sits at Alice's end),
    then the line noise.  Either may be None."""
    parts = [a.instrument() for a in (attack, noise) if a is not None]
    if not parts:
        return identity()
    out = parts[0]
    for p in parts[1:]:
        out = out.then(p)
    return out


__all__ = [
    "AttackParameter",
    "AttackInfo",
    "Attack",
    "ATTACK_MODULES",  # noqa: F822 (derived in the module __getattr__)
    "BASES",
    "register_attack",
    "attacks",
    "get_attack",
    "parse_attack",
    "parse_value",
    "intercept_resend",
    "line",
]
