"""Running every property of a spec through its checker.

Each property runs under a wall-clock budget, ``options["timeout"]`` seconds
(default :data:`DEFAULT_TIMEOUT` = 120 s; ``qproto verify --timeout``; 0 or
None turns it off).  On expiry the property's verdict is ``inconclusive``
with the reason "timeout after N s" and the run goes on with the next
property.  The budget interrupts pure-Python work (SymPy) with SIGALRM, so it
is enforced only in the main thread; elsewhere the checker runs to its end
and the verdict's evidence says ``"budget": "not enforced off the main
thread"``.  ``qproto verify -j N`` (:mod:`qproto.parallel`) checks each
protocol in the main thread of a worker process, so the budget holds there
too.  ``options["timeout"]`` and ``options["rlimit"]`` are also read by
the Z3 engine, which sets its own solver limits from them.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from qproto.spec.errors import ParameterError, QprotoError
from qproto.spec.protocol import Protocol

from .registry import get_checker, get_validator
from .verdict import Status, Verdict, inconclusive

#: Seconds one property may take before its verdict is ``inconclusive``.
DEFAULT_TIMEOUT = 120.0


def _timeout(options: Mapping[str, Any]) -> float | None:
    value = options.get("timeout", DEFAULT_TIMEOUT)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value < 0:
        raise ParameterError(f"timeout={value!r}: expected a number of seconds >= 0 (0 = no limit)")
    return float(value) or None


def check_timeout(options: Mapping[str, Any]) -> None:
    """Refuse a bad ``timeout`` option (ParameterError), before any work."""
    _timeout(options)


def run_checker(fn: Any, spec: Protocol, prop: Any, options: dict[str, Any]) -> tuple[Status, dict[str, Any]]:
    """One checker under the property budget: a QprotoError it raises (a
    spec-level problem found while checking, e.g. no sifted rounds) is that
    property's ``error`` verdict; a budget expiry is ``inconclusive``."""
    # imported here, not at the top: models.decide pulls in SymPy, and a cached run never checks anything
    from qproto.models.decide import BudgetExpired, active_budgets, time_budget

    seconds = _timeout(options)
    mine = None
    try:
        with time_budget(seconds) as mine:
            status, evidence = fn(spec, prop, options)
    except BudgetExpired as exc:
        if exc.budget is not mine:
            if any(exc.budget is b for b in active_budgets()):
                raise  # an enclosing caller's budget: theirs to report
            # an inner budget some checker forgot to catch: a checker bug, shown as such
            return Status.ERROR, {"summary": f"uncaught inner time budget: {exc}", "exception": "BudgetExpired"}
        return inconclusive(f"timeout after {seconds:g} s", timeout=seconds)
    except Exception as exc:
        if mine is not None and mine.fired:
            # the budget ran out first, and a library turned the expiry into an exception of its own
            # (Hypothesis: "FlakyStrategyDefinition" when it interrupts data generation): the check did
            # not finish in time, whatever the exception says
            return inconclusive(f"timeout after {seconds:g} s", timeout=seconds)
        if isinstance(exc, QprotoError):
            return Status.ERROR, {"summary": str(exc), "exception": type(exc).__name__}
        # a checker bug must show, not pass
        return Status.ERROR, {"summary": f"{type(exc).__name__}: {exc}", "exception": type(exc).__name__}
    if seconds is not None and not mine.enforced:
        evidence = {**evidence, "budget": "not enforced off the main thread"}
    return status, evidence


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

    Bad input in the spec raises :class:`QprotoError` (validation, before
    any checker runs, and bad options); once checking starts, whatever one
    checker raises becomes that property's ``error`` verdict and the run goes
    on, and a checker over budget is ``inconclusive``: never a silent pass.
    """
    validate(spec)
    _timeout(options or {})
    engines = set(engines) if engines else None
    wanted = set(properties) if properties else None
    options = dict(options or {})
    options.setdefault("timeout", DEFAULT_TIMEOUT)  # the Z3 engine reads it too
    options["_cache"] = {}  # shared by this spec's checkers, dropped afterwards
    out = []
    for prop in spec.properties:
        if engines and prop.engine not in engines:
            continue
        if wanted and prop.id not in wanted:
            continue
        fn = get_checker(prop.check)
        t0 = time.perf_counter()
        status, evidence = run_checker(fn, spec, prop, options)
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


def __getattr__(name: str) -> Any:  # ``runner.can_interrupt`` without importing SymPy at import time
    if name == "can_interrupt":
        from qproto.models.decide import can_interrupt

        return can_interrupt
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["verify", "validate", "run_checker", "check_timeout", "DEFAULT_TIMEOUT", "can_interrupt"]  # noqa: F822 (module __getattr__)
