"""Designer variant: BB84 aborting at 11.5 %, above the 11.0028 % zero of its Shor–Preskill rate (issue 10, item 4)."""

from qproto.spec.bb84 import BB84

SPEC = BB84.variant("bb84-threshold-11-5", abort_threshold="23/200")
