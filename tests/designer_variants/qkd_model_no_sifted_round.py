"""Designer variant: BB84 whose Bob names his measurements "A" and "B" while Alice announces "Z" and "X"
(issue 10, item 13).  Basis-match sifting keeps no round and no measurement is a mismatched basis:
sifted-bits-agree and mismatched-bases-uniform hold only over empty sets, so both are vacuous, never proved."""

from qproto.spec.bb84 import BB84
from qproto.spec.qkd import Measurement

SPEC = BB84.variant(
    "bb84-no-sifted-round",
    measurements=tuple(
        Measurement(name=n, probability=m.probability, outcomes=m.outcomes) for n, m in zip("AB", BB84.measurements)
    ),
    published=(),
)
