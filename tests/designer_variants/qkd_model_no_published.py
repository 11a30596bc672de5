"""Designer variant: BB84 citing no published values (issue 10, item 13).
published-values and the threshold comparison are vacuous (error verdicts saying so), never refuted or proved."""

from qproto.spec.bb84 import BB84

SPEC = BB84.variant("bb84-no-published", published=())
