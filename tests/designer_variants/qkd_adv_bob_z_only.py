"""Designer variant: BB84 where Bob measures only in Z (issue 10, item 8).
Eve intercepting every qubit in Z induces QBER 0: intercept-resend-detected must be refuted."""

from qproto.spec.bb84 import BB84
from qproto.spec.qkd import basis_measurement

SPEC = BB84.variant("bb84-bob-z-only", measurements=(basis_measurement("Z", "1"),))
