"""Deliberately wrong implementations the vector tests must catch."""

from qproto.vectors.reference import adapter as reference


def forgets_hadamard(case):
    """Superdense decoding without Bob's Hadamard (a flawed decoder)."""
    case = dict(case)
    model = dict(case["model"])
    model["steps"] = [s for s in model["steps"] if not (s.get("gate") == "H" and s["party"] == "Bob")]
    case["model"] = model
    return reference(case)


def forgets_to_sift(case):
    """A QKD stack that keeps every round, whatever the bases: the classic
    implementation bug (everything else computed correctly)."""
    ans = reference(case)
    out = ans["outputs"]
    inputs = case["inputs"]
    bits = {s["name"]: s["bit"] for s in case["model"]["signals"]}
    out["sifted"] = "1" * len(inputs["signals"])
    out["siftedKeyAlice"] = "".join(str(bits[s]) for s in inputs["signals"])
    return ans
