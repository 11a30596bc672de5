"""Checking an implementation against a vector file.

For every test the implementation gets the case (shared parameters, model,
inputs — never the expected outputs) and answers with its outputs and its
verdict (``result``).  The answer passes when every expected output field
matches — states as physical states, floats within the group's tolerance
(see :mod:`qproto.vectors.compare`) — and the verdict equals the vector's
``result``.  A failure names the first differing field, in the order the
protocol produces them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from .adapters import AdapterFailure
from .compare import first_difference
from .format import case_for, cases
from .registry import lookup


@dataclass
class TestOutcome:
    """One test's verdict: ``status`` is pass, fail (a differing field) or
    error (the implementation crashed, hung or answered garbage)."""

    tcId: int
    status: str
    comment: str
    flags: list[str]
    expected_result: str
    field: str | None = None
    message: str | None = None
    kind: str | None = None


@dataclass
class CheckReport:
    file: str
    algorithm: str
    implementation: str
    outcomes: list[TestOutcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def counts(self) -> dict[str, int]:
        out = {"pass": 0, "fail": 0, "error": 0}
        for o in self.outcomes:
            out[o.status] += 1
        return out

    @property
    def exit_code(self) -> int:
        c = self.counts
        return 0 if c["fail"] == 0 and c["error"] == 0 else 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "algorithm": self.algorithm,
            "implementation": self.implementation,
            "summary": {
                "tests": len(self.outcomes),
                **self.counts,
                "exit_code": self.exit_code,
                "seconds": round(self.seconds, 3),
            },
            "tests": [{k: v for k, v in asdict(o).items() if v is not None} for o in self.outcomes],
        }


def _order(family: str) -> tuple[str, ...]:
    gen = lookup(family)
    return gen.output_order if gen else ()


def check_answer(
    test: Mapping[str, Any], tolerance: float, answer: Mapping[str, Any], order: tuple[str, ...] = ()
) -> tuple[str, str] | None:
    """(field, reason) of the first difference between a test and an
    answer, or None when the answer passes."""
    outputs = answer.get("outputs")
    if not isinstance(outputs, dict):
        return "outputs", "missing from the answer" if outputs is None else f"expected an object, got {type(outputs).__name__}"
    miss = first_difference(test["outputs"], outputs, tolerance, "outputs", order)
    if miss is not None:
        return miss.field, miss.reason
    got = answer.get("result")
    if got != test["result"]:
        return "result", f"expected {test['result']!r}, got {got!r}" + (
            " (the protocol must abort or reject here)" if test["result"] == "invalid" else ""
        )
    return None


def check(
    doc: Mapping[str, Any],
    implementation: Callable[[Mapping[str, Any]], Mapping[str, Any]],
    *,
    name: str = "implementation",
    file: str = "",
    progress: Callable[[TestOutcome], None] | None = None,
) -> CheckReport:
    """Run every test of a validated vector document through ``implementation``."""
    report = CheckReport(file=file, algorithm=str(doc["algorithm"]), implementation=name)
    t0 = time.perf_counter()
    for group, test in cases(dict(doc)):
        case = case_for(doc["algorithm"], group, test)
        base = dict(tcId=test["tcId"], comment=test["comment"], flags=list(test["flags"]), expected_result=test["result"])
        try:
            answer = implementation(case)
        except AdapterFailure as exc:
            outcome = TestOutcome(status="error", kind=exc.kind, message=exc.message, **base)
        else:
            try:
                diff = check_answer(test, float(group["tolerance"]), answer, _order(group["family"]))
            except Exception as exc:  # noqa: BLE001 - a strange answer is reported, not raised
                diff = ("outputs", f"answer could not be compared: {type(exc).__name__}: {exc}")
            if diff is None:
                outcome = TestOutcome(status="pass", **base)
            else:
                outcome = TestOutcome(status="fail", field=diff[0], message=diff[1], **base)
        report.outcomes.append(outcome)
        if progress:
            progress(outcome)
    report.seconds = time.perf_counter() - t0
    return report


__all__ = ["TestOutcome", "CheckReport", "check", "check_answer"]
