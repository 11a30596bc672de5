"""A designer's entanglement swapping whose first segment source makes |Φ−⟩,
with the catalogue's corrections unchanged.

Flawed: the end pair is |Φ−⟩ (or another Bell state), not |Φ+⟩, in every
branch; with Werner segments centred on what the sources prepare the end
state is not the claimed Werner pair around |Φ+⟩.  Before the fix the
noisy segments were always Φ+-centred Werner states, so
`werner-swap-fidelity` was proved.
"""

from qproto.spec.circuit import Prepare
from qproto.spec.protocol import replace_step
from qproto.spec.repeater import ENTANGLEMENT_SWAPPING

SWAP_PHI_MINUS = ENTANGLEMENT_SWAPPING.variant(
    "designer-swap-phi-minus",
    summary="Entanglement swapping with |Φ−⟩ on segment 1 and the |Φ+⟩ corrections.",
    steps=replace_step(
        ENTANGLEMENT_SWAPPING.steps,
        0,
        Prepare(party="Alice", registers=("a", "r1"), state="bell:phi-", text="segment 1 makes |Φ−⟩"),
    ),
)
