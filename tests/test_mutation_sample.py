"""A seeded sample of the spec-mutation campaign (the full run is
``benchmarks/mutation_campaign.py``): every verdict that claims or denies a
property must agree with a ground truth computed without the checkers, and
every refutation must carry a counterexample.

Two sizes:

- by default, the first mutant of every mutation operator in each family's
  seeded stream (seed 7): every operator is exercised once, about 35
  mutants in all, seconds rather than minutes;
- under ``-m slow`` (or ``QPROTO_SLOW=1``), the CI sample below: the first
  225 mutants of the streams, weighted towards the cheap families.
"""

from __future__ import annotations

import importlib

import pytest

from tests.mutation import core

SEED = 7
OPTIONS = {"budget": 5, "seed": SEED}

#: Mutants per family under ``slow`` (225 in all; a QKD mutant costs a few
#: seconds, one nudging the abort threshold minutes on a loaded machine);
#: the full campaign (benchmarks/mutation_campaign.py) runs 2,400.
CI_SAMPLE = {"circuit": 150, "transition": 15, "qkd": 10, "physics": 40, "network": 10}

#: Operators left to the ``slow`` sample: their mutants re-run the QKD
#: adversary search at a shifted threshold (over two minutes each here).
SLOW_OPERATORS = {"qkd": {"nudge-threshold"}}


def _module(family: str):
    return importlib.import_module(f"tests.mutation.{family}")


def _first_of_each_operator(family: str) -> list[core.Mutant]:
    """The first mutant of every operator (all combined mutants count as one
    operator) among the family's CI-sample prefix: deterministic, and each
    way of breaking a spec is tried once."""
    seen: set[str] = set()
    out = []
    for _, mutant in zip(range(CI_SAMPLE[family]), core.family_stream(family, _module(family), SEED)):
        op = str(mutant.operator)
        key = "combined" if op.startswith("combined:") else op
        if key in seen or key in SLOW_OPERATORS.get(family, set()):
            continue
        seen.add(key)
        out.append(mutant)
    return out


def _assert_agrees(report: core.Report) -> None:
    assert not report.disagreements, "\n".join(
        f"{d.mutant.operator} ({d.mutant.description}) {d.property}: qproto {d.status}, truth {d.truth}: {d.detail}"
        for d in report.disagreements
    )
    assert not report.missing_counterexamples, report.missing_counterexamples
    # The sample must bite: most mutants change behaviour and are caught.
    assert report.killed > 0 and report.compared > 0, report.summary()


@pytest.mark.parametrize("family", sorted(CI_SAMPLE))
def test_one_mutant_per_operator_agrees_with_the_ground_truth(family: str) -> None:
    module = _module(family)
    mutants = _first_of_each_operator(family)
    assert len(mutants) >= 3, [m.operator for m in mutants]
    report = core.Report()
    for mutant in mutants:
        core.run_mutant(mutant, module.ground_truth, dict(OPTIONS), report, getattr(module, "PROPERTIES", None))
    assert report.generated == len(mutants)
    _assert_agrees(report)


@pytest.mark.slow
@pytest.mark.parametrize("family", sorted(CI_SAMPLE))
def test_mutants_agree_with_the_ground_truth(family: str) -> None:
    module = _module(family)
    report = core.run_slice(family, module, seed=SEED, share=CI_SAMPLE[family], worker=0, workers=1, options=dict(OPTIONS))
    assert report.generated == CI_SAMPLE[family]
    _assert_agrees(report)
