"""A seeded sample of the spec-mutation campaign (the full run is
``benchmarks/mutation_campaign.py``): every verdict that claims or denies a
property must agree with a ground truth computed without the checkers, and
every refutation must carry a counterexample."""

from __future__ import annotations

import importlib

import pytest

from tests.mutation import core

#: Mutants per family in CI (225 in all, weighted towards the cheap families:
#: a QKD mutant costs about 2 s, a transition one about 3 s);
#: the full campaign (benchmarks/mutation_campaign.py) runs 2,400.
CI_SAMPLE = {"circuit": 150, "transition": 15, "qkd": 10, "physics": 40, "network": 10}


@pytest.mark.parametrize("family", sorted(CI_SAMPLE))
def test_mutants_agree_with_the_ground_truth(family: str) -> None:
    module = importlib.import_module(f"tests.mutation.{family}")
    report = core.run_slice(family, module, seed=7, share=CI_SAMPLE[family], worker=0, workers=1,
                            options={"budget": 5, "seed": 7})
    assert report.generated == CI_SAMPLE[family]
    assert not report.disagreements, "\n".join(
        f"{d.mutant.operator} ({d.mutant.description}) {d.property}: qproto {d.status}, truth {d.truth}: {d.detail}"
        for d in report.disagreements)
    assert not report.missing_counterexamples, report.missing_counterexamples
    # The sample must bite: most mutants change behaviour and are caught.
    assert report.killed > 0 and report.compared > 0, report.summary()
