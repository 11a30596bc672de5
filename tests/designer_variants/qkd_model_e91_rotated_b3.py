"""Designer variant: E91 with Bob's third setting at π instead of 3π/4 (issue 10, item 13).
The stated S = −2√2 no longer holds: chsh-maximal is refuted with both values and a numeric replay."""

from qproto.spec.e91 import E91
from qproto.spec.qkd import Setting

SPEC = E91.variant(
    "e91-rotated-b3",
    bob_settings=E91.bob_settings[:2] + (Setting(name="b3", angle="pi", probability="1/3"),),
    published=(),
)
