"""Running every property of a spec through its checker."""

from __future__ import annotations

import time
from typing import Any, Iterable, Mapping

from qproto.spec.errors import QprotoError
from qproto.spec.protocol import Protocol

from .registry import get_checker, get_validator
from .verdict import Status, Verdict


def validate(spec: Protocol) -> None:
    """Run the family's validator: bad names and unphysical objects are
    reported before any proof starts (as :class:`QprotoError`)."""
    v = get_validator(spec.family)
    if v is not None:
        v(spec)


def verify(
    spec: Protocol,
    engines: Iterable[str] | None = None,
    properties: Iterable[str] | None = None,
    options: Mapping[str, Any] | None = None,
) -> list[Verdict]:
    """Check every property of ``spec`` (optionally only some engines or
    property ids) and return one :class:`Verdict` per property.

    Bad input in the spec raises :class:`QprotoError`; a checker that fails
    for another reason yields an ``error`` verdict, never a silent pass.
    """
    validate(spec)
    engines = set(engines) if engines else None
    wanted = set(properties) if properties else None
    options = dict(options or {})
    options["_cache"] = {}  # shared by this spec's checkers, dropped afterwards
    out = []
    for prop in spec.properties:
        if engines and prop.engine not in engines:
            continue
        if wanted and prop.id not in wanted:
            continue
        fn = get_checker(prop.check)
        t0 = time.perf_counter()
        try:
            status, evidence = fn(spec, prop, options)
        except QprotoError:
            raise
        except Exception as exc:  # a checker bug must show, not pass
            status, evidence = Status.ERROR, {"summary": f"{type(exc).__name__}: {exc}", "exception": type(exc).__name__}
        seconds = time.perf_counter() - t0
        if prop.limitation and status is Status.REFUTED:
            status = Status.LIMITATION
            evidence = {**evidence, "summary": "known limitation, counterexample found: " + str(evidence.get("summary", ""))}
        out.append(
            Verdict(
                protocol=spec.name,
                property=prop.id,
                engine=prop.engine,
                status=status,
                evidence=evidence,
                seconds=seconds,
                statement=prop.statement,
                required=prop.requires,
                limitation=prop.limitation,
            )
        )
    return out


__all__ = ["verify", "validate"]
