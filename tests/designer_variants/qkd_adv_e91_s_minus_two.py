"""Designer variant: E91 whose CHSH terms give S = −2 on the singlet (issue 10, item 2):
the Bell test never passes, so completeness must not be proved."""

from qproto.spec.e91 import E91

SPEC = E91.variant("e91-s-minus-two", chsh=(("a1", "b1", 1), ("a1", "b3", 1), ("a3", "b1", 1), ("a3", "b3", 1)))
