"""Replay records as command lines: the one place that knows the CLI's syntax for them.

A checker that can say how to reproduce its verdict stores a record, not a
command line (:func:`qproto.proofs.verdict.replay_record`), under the key
of the command that replays it::

    evidence["replay"] = {"attack": "fuchs-peres:disturbance=0.12", "seed": 0,
                          "analyze": {"protocol": "bb84", "attack": "fuchs-peres:disturbance=0.12"}}

Every output of a verdict — ``verify`` and ``fuzz`` (text, ``--json``,
JUnit, HTML), :mod:`qproto.report` and the pytest plugin — writes the
records out here, so the user still reads ``qproto analyze bb84 --attack
fuchs-peres:disturbance=0.12``.  Records sit in ``evidence["replay"]`` and
``evidence["counterexample"]``; a command already written as text (an older
cached verdict) is left as it is.

>>> render({"seed": 3, "fuzz": {"protocol": "bb84", "seed": 3, "budget": 20}})
{'fuzz': 'qproto fuzz bb84 --seed 3 --budget 20'}
>>> command_line("analyze", {"protocol": "bb84", "noise": "depolarizing=0.1"})
'qproto analyze bb84 --noise depolarizing=0.1'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from qproto.proofs.verdict import Verdict

#: Each command a record can name, with its options in the order they are written.
COMMANDS: dict[str, tuple[tuple[str, str], ...]] = {
    "analyze": (("attack", "--attack"), ("noise", "--noise")),
    "fuzz": (("seed", "--seed"), ("budget", "--budget")),
    "verify": (("property", "--property"), ("seed", "--seed"), ("budget", "--budget")),
}

#: The evidence entries that may hold records.
RECORD_HOLDERS = ("replay", "counterexample")


def is_record(key: str, value: Any) -> bool:
    """Whether ``value``, stored under ``key``, is a replay record."""
    return key in COMMANDS and isinstance(value, Mapping) and "protocol" in value


def command_line(command: str, record: Mapping[str, Any]) -> str:
    """``qproto COMMAND PROTOCOL --option value ...`` for one record.  A
    field the command has no option for is a bug in the checker that wrote
    it, and raises ValueError rather than vanish from the command."""
    options = COMMANDS[command]
    unknown = set(record) - {"protocol"} - {name for name, _ in options}
    if unknown:
        raise ValueError(f"replay record for {command!r} has fields {sorted(unknown)} that the command has no option for")
    parts = ["qproto", command, str(record["protocol"])]
    for name, flag in options:
        if record.get(name) is not None:
            parts += [flag, str(record[name])]
    return " ".join(parts)


def render(replay: Any) -> dict[str, str]:
    """The command lines of a ``replay`` evidence entry, by command: its
    records written out, and commands already written as text kept."""
    if isinstance(replay, str):
        return {"command": replay} if replay.startswith("qproto ") else {}
    if not isinstance(replay, Mapping):
        return {}
    out: dict[str, str] = {}
    for key, value in replay.items():
        if is_record(key, value):
            out[key] = command_line(key, value)
        elif isinstance(value, str) and value.startswith("qproto "):
            out[key] = value
    return out


def _written_out(entry: Mapping[str, Any]) -> dict[str, Any] | None:
    """``entry`` with its records written as command lines, or None when it
    holds none (the caller then keeps the original object)."""
    if not any(is_record(k, v) for k, v in entry.items()):
        return None
    return {k: command_line(k, v) if is_record(k, v) else v for k, v in entry.items()}


def render_evidence(evidence: Mapping[str, Any]) -> Mapping[str, Any]:
    """The evidence with every record in ``replay`` and ``counterexample``
    written out; the same object when there is nothing to write."""
    changed: dict[str, Any] = {}
    for holder in RECORD_HOLDERS:
        entry = evidence.get(holder)
        if isinstance(entry, Mapping):
            written = _written_out(entry)
            if written is not None:
                changed[holder] = written
    return {**evidence, **changed} if changed else evidence


def rendered(verdict: Verdict) -> Verdict:
    """The verdict as the user reads it: records written as command lines
    (a copy; the verdict itself is not changed)."""
    evidence = render_evidence(verdict.evidence)
    return verdict if evidence is verdict.evidence else dataclasses.replace(verdict, evidence=dict(evidence))


def rendered_all(verdicts: Iterable[Verdict]) -> list[Verdict]:
    """:func:`rendered` for each verdict, in order."""
    return [rendered(v) for v in verdicts]


__all__ = ["COMMANDS", "is_record", "command_line", "render", "render_evidence", "rendered", "rendered_all"]
