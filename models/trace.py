"""Model traces: what a protocol run did, step by step.

A trace lists every step with its branches.  A branch is one history of
measurement outcomes: its classical record, its probability and its
(unnormalised) state.  Proofs read the final branches; ``qproto explain``
prints the whole trace; test vectors take their expected per-step states
from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .state import State


@dataclass
class Branch:
    """One measurement history.  ``state`` is unnormalised: its norm is the
    branch probability, so branches sum to the pre-measurement state."""

    record: dict[str, int]
    probability: Any
    state: State

    def label(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.record.items()) or "(no outcome yet)"


@dataclass
class TraceStep:
    index: int
    text: str
    action: str
    party: str
    branches: list[Branch] = field(default_factory=list)


@dataclass
class Trace:
    protocol: str
    backend: str
    inputs: dict[str, int]
    steps: list[TraceStep]

    @property
    def final(self) -> list[Branch]:
        return self.steps[-1].branches if self.steps else []


__all__ = ["Branch", "TraceStep", "Trace"]
