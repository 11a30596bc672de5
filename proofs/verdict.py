"""The one result type every checker returns.

A verdict states how strongly a property holds:

- ``proved``: for all states and parameters (a symbolic identity, a
  k-induction certificate);
- ``bounded``: on every run up to a stated bound (``evidence["bound"]``);
- ``tested``: no counterexample among N generated cases (``evidence["cases"]``,
  ``evidence["seed"]``);
- ``refuted``: false, with a counterexample that replays (a command that
  reproduces it is a :func:`replay_record`, written out by the glue);
- ``limitation``: a property the spec declares false by design, whose
  counterexample was found as expected;
- ``inconclusive``: neither proved nor refuted, with the reason;
- ``error``: the checker itself failed.

Nothing sampled or bounded is ever called proved.
"""

from __future__ import annotations

import builtins
import enum
from dataclasses import dataclass, field
from typing import Any


class Status(str, enum.Enum):
    PROVED = "proved"
    BOUNDED = "bounded"
    TESTED = "tested"
    REFUTED = "refuted"
    LIMITATION = "limitation"
    INCONCLUSIVE = "inconclusive"
    ERROR = "error"

    def __str__(self) -> str:
        return self.value


#: Which statuses satisfy a property's ``requires``.
SATISFIES = {
    "proved": {Status.PROVED},
    "bounded": {Status.PROVED, Status.BOUNDED},
    "tested": {Status.PROVED, Status.BOUNDED, Status.TESTED},
}


@dataclass
class Verdict:
    """A checker's answer for one property of one protocol.

    ``evidence`` is JSON-ready: exact values as ``{"exact": "1/4", "value":
    0.25}``, counterexamples as concrete values or traces, bounds and seeds.
    ``required`` is the weakest status the spec accepts and ``limitation``
    says the spec expects a counterexample.
    """

    protocol: str
    property: str
    engine: str
    status: Status
    evidence: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    statement: str = ""
    required: str = "proved"
    limitation: bool = False

    @builtins.property  # the field `property` shadows the builtin in this class body
    def ok(self) -> bool:
        """True when the status is what the spec asks for."""
        if self.limitation:
            return self.status is Status.LIMITATION
        return self.status in SATISFIES.get(self.required, {Status.PROVED})

    @builtins.property
    def summary(self) -> str:
        return str(self.evidence.get("summary", ""))

    def to_json(self) -> dict[str, Any]:
        return {
            "protocol": self.protocol,
            "property": self.property,
            "engine": self.engine,
            "status": self.status.value,
            "ok": self.ok,
            "required": "limitation" if self.limitation else self.required,
            "statement": self.statement,
            "evidence": self.evidence,
            "seconds": round(self.seconds, 6),
        }


def proved(summary: str, **evidence: Any) -> tuple[Status, dict[str, Any]]:
    return Status.PROVED, {"summary": summary, **evidence}


def refuted(summary: str, **evidence: Any) -> tuple[Status, dict[str, Any]]:
    return Status.REFUTED, {"summary": summary, **evidence}


def inconclusive(reason: str, **evidence: Any) -> tuple[Status, dict[str, Any]]:
    return Status.INCONCLUSIVE, {"summary": reason, "reason": reason, **evidence}


def vacuous(reason: str, **evidence: Any) -> tuple[Status, dict[str, Any]]:
    """A property over an empty set (no initial state, no sifted round, no
    accepted attack, no published value) is never proved: it is an ``error``
    verdict that says why, with ``evidence["vacuous"] = True``."""
    return Status.ERROR, {"summary": f"vacuous: {reason}", "reason": reason, "vacuous": True, **evidence}


def bounded(summary: str, bound: int, **evidence: Any) -> tuple[Status, dict[str, Any]]:
    return Status.BOUNDED, {"summary": summary, "bound": bound, **evidence}


def tested(summary: str, cases: int, seed: Any, **evidence: Any) -> tuple[Status, dict[str, Any]]:
    return Status.TESTED, {"summary": summary, "cases": cases, "seed": seed, **evidence}


def replay_record(protocol: str, **options: Any) -> dict[str, Any]:
    """The command that reproduces a verdict, as data: the protocol and the
    command's options (``attack``, ``noise``, ``property``, ``seed``,
    ``budget``; None is left out).  The evidence names the command by the
    key it stores the record under — ``evidence["replay"]["analyze"] =
    replay_record(name, attack=label)`` — and :mod:`qproto.replay` writes
    the command line at output time, so the proofs layer does not know the
    CLI's syntax.

    >>> replay_record("bb84", attack="fuchs-peres:disturbance=0.1", noise=None)
    {'protocol': 'bb84', 'attack': 'fuchs-peres:disturbance=0.1'}
    """
    return {"protocol": protocol, **{k: v for k, v in options.items() if v is not None}}


__all__ = ["Status", "Verdict", "SATISFIES", "proved", "refuted", "inconclusive", "vacuous", "bounded", "tested", "replay_record"]
