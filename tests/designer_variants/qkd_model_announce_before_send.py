"""Designer variant: BB84 with "announce bases" moved before "send" (issue 10, item 3).
The model cannot let Eve act knowing the bases, so validation must reject the order and name the step."""

from qproto.spec.bb84 import BB84, PM_STEPS

_prepare, _send, _measure, _announce, *_rest = PM_STEPS
SPEC = BB84.variant("bb84-announce-before-send", steps=(_prepare, _announce, _send, _measure, *_rest))
