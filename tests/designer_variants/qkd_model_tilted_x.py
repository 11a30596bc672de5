"""Designer variant: BB84 whose second basis is tilted by π/8 from X (issue 10, item 13).
Mismatched bases are no longer uniform: mismatched-bases-uniform is refuted with a counterexample
(signal, measurement, outcome, probability) that the numeric model replays."""

from qproto.spec.bb84 import BB84
from qproto.spec.qkd import Measurement, Outcome, Signal

_C, _S = "cos(3*pi/16)", "sin(3*pi/16)"  # Bloch angle π/2 − π/8
_T0, _T1 = (_C, _S), (f"-{_S}", _C)

SPEC = BB84.variant(
    "bb84-tilted-x",
    signals=BB84.signals[:2]
    + (Signal(name="t0", bit=0, basis="X", amplitudes=_T0), Signal(name="t1", bit=1, basis="X", amplitudes=_T1)),
    measurements=BB84.measurements[:1]
    + (
        Measurement(
            name="X", probability="1/2", outcomes=(Outcome(label="t0", vector=_T0, bit=0), Outcome(label="t1", vector=_T1, bit=1))
        ),
    ),
    published=(),
)
