"""Designer variant: E91 announcing the settings before Bob measures (issue 10, item 3): rejected, step named."""

from qproto.spec.e91 import E91

_steps = list(E91.steps)
_bob_measure, _announce = _steps[2], _steps[3]
_steps[2], _steps[3] = _announce, _bob_measure
SPEC = E91.variant("e91-announce-before-measure", steps=tuple(_steps))
