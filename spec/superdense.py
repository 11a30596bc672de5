"""Superdense coding (Bennett & Wiesner 1992) and a flawed decoder.

Alice and Bob share |Φ+⟩ on (a, b).  To send two bits (x1, x2) Alice applies
X^x2 then Z^x1 to a and sends a to Bob.  Bob applies CNOT(a → b) and H(a)
and measures a → y1, b → y2, which equal (x1, x2) with probability 1.
"""

from __future__ import annotations

from .circuit import ApplyGate, CircuitProtocol, Controlled, Measure, Prepare, Register, Send
from .protocol import Channel, Party, Property, Reference, replace_step

BENNETT_WIESNER_1992 = Reference(
    cite="C. H. Bennett, S. J. Wiesner, Communication via one- and two-particle operators on "
    "Einstein-Podolsky-Rosen states, Phys. Rev. Lett. 69, 2881 (1992)",
    doi="10.1103/PhysRevLett.69.2881",
)

SUPERDENSE = CircuitProtocol(
    name="superdense-coding",
    version="1",
    summary="Send two classical bits by transmitting one qubit of a shared Bell pair.",
    references=(BENNETT_WIESNER_1992,),
    parties=(Party("Alice", "sender"), Party("Bob", "receiver")),
    channels=(Channel(source="Alice", target="Bob", kind="quantum", note="carries Alice's encoded qubit"),),
    registers=(
        Register(name="a", owner="Bob", text="Alice's half of the pair (delivered to her in advance)"),
        Register(name="b", owner="Bob", text="Bob's half of the pair"),
    ),
    inputs=("x1", "x2"),
    input_party="Alice",
    steps=(
        Prepare(party="Bob", registers=("a", "b"), state="bell:phi+", text="(a, b) start in |Φ+⟩"),
        Send(party="Bob", to="Alice", registers=("a",), text="a is delivered to Alice beforehand"),
        Controlled(party="Alice", gate="X", targets=("a",), when="x2", action="encode", text="Alice applies X^x2 to a"),
        Controlled(party="Alice", gate="Z", targets=("a",), when="x1", action="encode", text="Alice applies Z^x1 to a"),
        Send(party="Alice", to="Bob", registers=("a",), text="Alice sends a to Bob"),
        ApplyGate(party="Bob", gate="CNOT", targets=("a", "b"), text="Bob applies CNOT(a → b)"),
        ApplyGate(party="Bob", gate="H", targets=("a",), text="Bob applies H to a"),
        Measure(party="Bob", register="a", record="y1", text="Bob measures a → y1"),
        Measure(party="Bob", register="b", record="y2", text="Bob measures b → y2"),
    ),
    properties=(
        Property(
            id="decodes-both-bits",
            statement="For each of the four messages (x1, x2), Bob reads (y1, y2) = (x1, x2) with probability 1.",
            engine="algebra",
            check="circuit.decodes-inputs",
            args={"inputs": ("x1", "x2"), "records": ("y1", "y2")},
            reference=BENNETT_WIESNER_1992.cite,
        ),
    ),
)

SUPERDENSE_NO_HADAMARD = SUPERDENSE.variant(
    "superdense-coding-no-hadamard",
    summary="Bob's decoder forgets the Hadamard after the CNOT.",
    flawed="without H, y1 is a fair coin: the Z^x1 bit is never read",
    steps=replace_step(SUPERDENSE.steps, 6, None),
)

PROTOCOLS = (SUPERDENSE,)
FLAWED = (SUPERDENSE_NO_HADAMARD,)
