"""qproto — formal specification and verification of quantum-communication protocols.

The high-level recipes are here; the layers underneath (``qproto.spec``,
``qproto.models``, ``qproto.proofs``) are public for designers who need them.

>>> import qproto
>>> [v.status.value for v in qproto.verify(qproto.find("superdense-coding"))]
['proved']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qproto.spec.errors import (
    DimensionError,
    InternalSignal,
    LoadError,
    NotCPTPError,
    NotNormalisedError,
    NotUnitaryError,
    ParameterError,
    PhysicsError,
    QprotoError,
    SpecError,
    UnknownNameError,
    VectorFileError,
)

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from qproto.proofs.verdict import Status, Verdict
    from qproto.spec.protocol import Protocol


#: Options a checker reads; anything else is a typo and is refused, so a
#: misspelt ``budjet=`` cannot silently run the default campaign.
VERIFY_OPTIONS = (
    "bound",
    "budget",
    "decide_timeout",
    "max_k",
    "progress",
    "rlimit",
    "seed",
    "sm_engine",
    "state_limit",
    "timeout",
)


def _did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else f"; expected one of {', '.join(sorted(choices))}"


def _names(what: str, value: Any, known: list[str] | tuple[str, ...]) -> list[str] | None:
    """``None`` or a list of known names; a bare string (which would iterate
    as letters and select nothing) or an unknown name is an error."""
    if value is None:
        return None
    if isinstance(value, str):
        raise ParameterError(f"{what}={value!r} must be a list of names, not a string; write {what}=[{value!r}]")
    try:
        names = list(value)
    except TypeError:
        raise ParameterError(f"{what}={value!r} must be a list of names, got {type(value).__name__}") from None
    for n in names:
        if not isinstance(n, str):
            raise ParameterError(f"{what} holds {n!r} ({type(n).__name__}); expected names (str)")
        if n not in known:
            raise UnknownNameError(f"{what}: unknown name {n!r}{_did_you_mean(n, known)}")
    if not names:
        raise ParameterError(f"{what}=[] selects nothing; pass None for all")
    return names


def verify(spec: Protocol | str, engines: Any = None, properties: Any = None, **options: Any) -> list[Verdict]:
    """Check every property of ``spec`` (a Protocol, a catalogue name, a
    ``path.py`` or ``module:ATTR``) and return the verdicts.

    ``engines`` and ``properties`` are lists of names (``["algebra"]``,
    ``["completeness"]``); ``options`` are the checkers' settings
    (``budget``, ``seed``, ``bound``, ``max_k``, ``rlimit``, ``timeout``,
    ``progress``).  A string where a list is due, an unknown engine,
    property or option raises :class:`QprotoError` naming it — a selection
    that checks nothing never passes silently.
    """
    from qproto.loader import resolve
    from qproto.proofs.runner import verify as _verify
    from qproto.spec.protocol import ENGINES

    for key in options:
        if key not in VERIFY_OPTIONS:
            raise ParameterError(f"unknown option {key}={options[key]!r}{_did_you_mean(key, VERIFY_OPTIONS)}")
    target = resolve(spec) if isinstance(spec, str) else spec
    wanted_engines = _names("engines", engines, ENGINES)
    wanted = _names("properties", properties, [p.id for p in target.properties])
    verdicts = _verify(target, wanted_engines, wanted, options)
    if not verdicts:
        raise ParameterError(
            f"{target.name}: the selection engines={wanted_engines} properties={wanted} matches no property; "
            "nothing would be checked"
        )
    from qproto.replay import rendered_all

    # the proofs layer records how to replay a finding as data; a caller of
    # the API gets the command lines, as the CLI and the JSON report print them
    return rendered_all(verdicts)


def find(name: str) -> Protocol:
    """A catalogue protocol (or flawed variant) by name."""
    from qproto.spec.catalogue import find as _find

    return _find(name)


def catalogue() -> tuple[Protocol, ...]:
    """The sound protocol catalogue."""
    from qproto.spec.catalogue import protocols

    return protocols()


def __getattr__(name: str) -> Any:
    if name in ("Status", "Verdict"):
        from qproto.proofs import verdict

        return getattr(verdict, name)
    if name == "analyze":
        from qproto import analyze_api

        return analyze_api.analyze
    if name in ("keyrate", "KeyRateReport", "keyrate_sweep", "DecoyDistancePoint"):
        from qproto import keyrate_api

        return getattr(keyrate_api, name)
    raise AttributeError(f"module 'qproto' has no attribute {name!r}")


__all__ = [
    "verify",
    "find",
    "catalogue",
    "analyze",
    "keyrate",
    "KeyRateReport",
    "keyrate_sweep",
    "DecoyDistancePoint",
    "Status",
    "Verdict",
    "QprotoError",
    "InternalSignal",
    "SpecError",
    "ParameterError",
    "PhysicsError",
    "NotUnitaryError",
    "NotNormalisedError",
    "NotCPTPError",
    "DimensionError",
    "UnknownNameError",
    "LoadError",
    "VectorFileError",
    "__version__",
]
