import qproto
from qproto.spec.superdense import SUPERDENSE, SUPERDENSE_NO_HADAMARD


def test_superdense_decodes_all_four_messages_with_probability_one():
    (v,) = qproto.verify(SUPERDENSE)
    assert v.status.value == "proved"
    assert [m["p_correct"]["exact"] for m in v.evidence["messages"]] == ["1", "1", "1", "1"]


def test_superdense_without_hadamard_is_refuted_and_replayed():
    (v,) = qproto.verify(SUPERDENSE_NO_HADAMARD)
    assert v.status.value == "refuted"
    assert v.evidence["counterexample"]["message"] == {"x1": 0, "x2": 0}
    assert v.evidence["replay"]["p_correct"] == 0.5
    dist = v.evidence["counterexample"]["decoded_distribution"]
    assert {k: d["exact"] for k, d in dist.items()} == {"00": "1/2", "10": "1/2"}
