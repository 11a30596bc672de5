"""Interface and driver of the mutation campaign.

A family module (``tests/mutation/circuit.py``, ``qkd.py``, ``transition.py``,
...) exposes two functions:

``mutants(rng: numpy.random.Generator) -> Iterator[Mutant]``
    Mutants of the catalogue specs of that family, generated deterministically
    from ``rng`` (an endless or a finite stream; the driver takes what it
    needs).  A mutation that the spec language rejects when the spec is built
    is yielded with ``spec=None`` and ``rejected=<message>`` (it counts as
    killed at construction).

``ground_truth(spec, prop) -> Truth``
    Whether property ``prop`` of ``spec`` really holds, decided without
    calling any qproto checker (``qproto.proofs``): brute-force numeric
    simulation, exhaustive enumeration, an attack search.  Models from
    ``qproto.models`` may be used only where the family module says why the
    road is independent; prefer re-deriving with plain NumPy.

The driver verifies each mutant with the public runner and compares:

- a verdict that claims the property (proved, bounded, tested; or the
  expected counterexample of a ``limitation`` *not* found) while the ground
  truth says ``VIOLATED`` is a **false proof**: a disagreement;
- a ``refuted``/``limitation`` verdict while the ground truth says ``HOLDS``
  is a **false alarm**: a disagreement;
- ``UNKNOWN`` ground truth is not compared (counted as uncovered);
- every ``refuted``/``limitation`` verdict must carry
  ``evidence["counterexample"]``; a refutation without one is a defect.

A mutant is **killed** when construction or validation rejects it or some
verdict is not ``ok``; **equivalent** when the ground truth says every
property holds (the mutation did not change what the spec promises).
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np


class Truth(enum.Enum):
    HOLDS = "holds"
    VIOLATED = "violated"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Mutant:
    family: str
    origin: str  # the catalogue spec it was made from
    operator: str  # e.g. "swap-corrections", "flip-guard"
    description: str  # what exactly changed, for the report
    spec: Any = None  # the mutated Protocol, None when rejected at construction
    rejected: str | None = None


@dataclass
class Disagreement:
    mutant: Mutant
    property: str
    status: str
    truth: str
    detail: str


@dataclass
class Report:
    generated: int = 0
    rejected: int = 0
    killed: int = 0
    equivalent: int = 0
    survived: int = 0  # not killed and not known equivalent
    compared: int = 0  # (mutant, property) pairs with a known ground truth
    uncovered: int = 0  # pairs with UNKNOWN ground truth
    disagreements: list[Disagreement] = field(default_factory=list)
    missing_counterexamples: list[tuple[str, str]] = field(default_factory=list)
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (mutant, property, summary)
    by_family: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{self.generated} mutants: {self.killed} killed ({self.rejected} at construction), "
            f"{self.equivalent} equivalent, {self.survived} survived; {self.compared} verdicts compared, "
            f"{self.uncovered} uncovered; {len(self.disagreements)} disagreements, "
            f"{len(self.missing_counterexamples)} refutations without counterexample, "
            f"{len(self.errors)} error verdicts in {self.seconds:.1f} s"
        )


def dispatch(
    truths: dict[str, Callable[[Any, Any], Truth]], spec: Any, prop: Any, undecidable: tuple[type[BaseException], ...]
) -> Truth:
    """A family's ``ground_truth``: the decider registered for the
    property's check, UNKNOWN where there is none or it raises one of
    ``undecidable`` (a step or value its road does not model)."""
    fn = truths.get(prop.check)
    if fn is None:
        return Truth.UNKNOWN
    try:
        return fn(spec, prop)
    except undecidable:
        return Truth.UNKNOWN


CLAIMS = {"proved", "bounded", "tested"}
DENIES = {"refuted", "limitation"}


def run_mutant(
    mutant: Mutant, ground_truth: Callable[[Any, Any], Truth], options: dict[str, Any], report: Report, properties: Any = None
) -> None:
    """Verify one mutant (only ``properties`` when a family names the ones
    its ground truth can decide: the rest would cost time and be uncovered)
    and compare."""
    from qproto.proofs.runner import verify
    from qproto.spec.errors import QprotoError

    fam = report.by_family.setdefault(mutant.family, {"generated": 0, "killed": 0, "equivalent": 0, "disagreements": 0})
    report.generated += 1
    fam["generated"] += 1
    if mutant.spec is None:
        report.rejected += 1
        report.killed += 1
        fam["killed"] += 1
        return
    try:
        wanted = None if properties is None else [p.id for p in mutant.spec.properties if p.id in properties]
        if wanted == []:
            report.survived += 1  # nothing this family's ground truth can decide
            return
        verdicts = verify(mutant.spec, properties=wanted, options=dict(options))
    except QprotoError:
        report.rejected += 1
        report.killed += 1
        fam["killed"] += 1
        return
    props = {p.id: p for p in mutant.spec.properties}
    all_hold = True
    for v in verdicts:
        truth = ground_truth(mutant.spec, props[v.property])
        status = v.status.value
        if status in DENIES and "counterexample" not in v.evidence:
            report.missing_counterexamples.append((mutant.spec.name, v.property))
        if status == "error":
            report.errors.append((mutant.spec.name, v.property, v.summary[:200]))
        if truth is Truth.UNKNOWN:
            report.uncovered += 1
            all_hold = False
            continue
        report.compared += 1
        if truth is Truth.VIOLATED:
            all_hold = False
        claims = status in CLAIMS
        denies = status in DENIES
        if (claims and truth is Truth.VIOLATED) or (denies and truth is Truth.HOLDS):
            report.disagreements.append(Disagreement(mutant, v.property, status, truth.value, v.summary[:300]))
            fam["disagreements"] += 1
    if any(not v.ok for v in verdicts):
        report.killed += 1
        fam["killed"] += 1
    elif all_hold:
        report.equivalent += 1
        fam["equivalent"] += 1
    else:
        report.survived += 1


def campaign(
    families: dict[str, Any],
    count: int,
    seed: int,
    options: dict[str, Any] | None = None,
    weights: dict[str, float] | None = None,
) -> Report:
    """Run ``count`` mutants drawn across ``families`` (name -> module with
    ``mutants`` and ``ground_truth``), split by ``weights`` (default even)."""
    report = Report()
    t0 = time.perf_counter()
    weights = weights or {name: 1.0 for name in families}
    total = sum(weights.values())
    for name, module in families.items():
        share = int(round(count * weights.get(name, 0.0) / total))
        rng = np.random.default_rng([seed, sum(map(ord, name))])
        stream: Iterator[Mutant] = module.mutants(rng)
        for _, mutant in zip(range(share), stream):
            run_mutant(mutant, module.ground_truth, options or {}, report, getattr(module, "PROPERTIES", None))
    report.seconds = time.perf_counter() - t0
    return report


def family_stream(name: str, module: Any, seed: int) -> Iterator[Mutant]:
    """The deterministic mutant stream of one family for ``seed``."""
    return module.mutants(np.random.default_rng([seed, sum(map(ord, name))]))


def run_slice(
    name: str, module: Any, seed: int, share: int, worker: int, workers: int, options: dict[str, Any] | None = None
) -> Report:
    """Mutants ``worker, worker + workers, ...`` of the first ``share`` of one
    family's stream: the same mutants, whatever the number of workers."""
    report = Report()
    t0 = time.perf_counter()
    for i, mutant in zip(range(share), family_stream(name, module, seed)):
        if i % workers == worker:
            run_mutant(mutant, module.ground_truth, options or {}, report, getattr(module, "PROPERTIES", None))
    report.seconds = time.perf_counter() - t0
    return report


def merge(reports: list[Report]) -> Report:
    out = Report()
    for r in reports:
        for key in ("generated", "rejected", "killed", "equivalent", "survived", "compared", "uncovered"):
            setattr(out, key, getattr(out, key) + getattr(r, key))
        out.disagreements += r.disagreements
        out.missing_counterexamples += r.missing_counterexamples
        out.errors += r.errors
        for fam, counts in r.by_family.items():
            mine = out.by_family.setdefault(fam, {k: 0 for k in counts})
            for k, v in counts.items():
                mine[k] = mine.get(k, 0) + v
        out.seconds = max(out.seconds, r.seconds)
    return out
