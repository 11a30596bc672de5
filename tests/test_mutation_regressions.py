"""Cases the mutation campaign found, kept as regression tests."""

from __future__ import annotations

from qproto.proofs.runner import verify
from qproto.spec.catalogue import find


def test_secret_sharing_with_a_pair_left_undecoded_is_not_proved() -> None:
    # A set of shares with no decoder in the spec is not covered by the
    # checker: never proved (a decoder may exist that the spec does not give,
    # so the honest answer is inconclusive, naming the set).
    base = find("qss-2-3")
    partial = base.variant("qss-2-3-two-decoders", decoders=base.decoders[:2])
    (v,) = verify(partial, properties=["any-two-shares-decode"])
    assert v.status.value == "inconclusive"
    assert "s1" in v.summary and "s3" in v.summary
