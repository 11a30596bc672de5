"""B92 and SARG04 name no closed-form rate: their abort thresholds are
compared with the certified numerical rate (issue 10 item 5, issue 12)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("cvxpy")

from qproto.loader import resolve  # noqa: E402
from qproto.proofs.runner import verify  # noqa: E402
from qproto.spec.catalogue import find  # noqa: E402

HERE = Path(__file__).parent


@pytest.mark.parametrize("name", ["b92", "sarg04"])
def test_catalogue_thresholds_are_proved_below_the_certified_zero(name: str) -> None:
    (v,) = verify(find(name), properties=["threshold-below-rate-zero"])
    assert v.status.value == "proved", v.summary
    assert v.evidence["observations"] == "qber"


def test_b92_at_eleven_percent_is_refuted_with_an_explicit_attack() -> None:
    spec = resolve(str(HERE / "designer_variants" / "qkd_adv_b92_threshold_11.py"))
    (v,) = verify(spec, properties=["threshold-below-rate-zero"])
    assert v.status.value == "refuted"
    assert v.evidence["counterexample"]["upper"] < 0
