"""Designer variant: B92 with BB84's 11 % threshold (issue 10, item 5): an entangling probe at QBER 0.09999 is
accepted with χ(A:E) 0.535 > I(A:B) 0.485."""

from qproto.spec.b92 import B92

SPEC = B92.variant("b92-threshold-11", abort_threshold="11/100")
