"""Designer variant: B92 on |0⟩ and cos(π/8)|0⟩ + sin(π/8)|1⟩ (issue 10, item 16).
Nothing about the signal is announced; Bob measures Z or the basis of the second state and keeps the
results that exclude one state.  Eve's Shannon information must come from what is announced: below 1 bit
and never above her Holevo information."""

from qproto.spec.b92 import B92
from qproto.spec.qkd import Measurement, Outcome, Signal, basis_measurement

_PSI = ("cos(pi/8)", "sin(pi/8)")
_PSI_PERP = ("-sin(pi/8)", "cos(pi/8)")
_CANDIDATES = (("0", "t"),)

SPEC = B92.variant(
    "b92-tilted",
    signals=(
        Signal(name="0", bit=0, basis="Z", amplitudes=("1", "0"), announce=_CANDIDATES),
        Signal(name="t", bit=1, basis="T", amplitudes=_PSI, announce=_CANDIDATES),
    ),
    basis_probabilities={"Z": "1/2", "T": "1/2"},
    measurements=(
        basis_measurement("Z", "1/2"),
        Measurement(
            name="T",
            probability="1/2",
            outcomes=(Outcome(label="t", vector=_PSI, bit=0), Outcome(label="t-perp", vector=_PSI_PERP, bit=1)),
        ),
    ),
    published=(),
)
