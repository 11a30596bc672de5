"""Quantum teleportation (Bennett et al. 1993) and its flawed variants.

Alice holds an unknown qubit q = α|0⟩ + β|1⟩ and her half a of a Bell pair
|Φ+⟩ shared with Bob (b).  She applies CNOT(q→a) and H(q), measures q → m1
and a → m2, and sends both bits; Bob applies X^m2 then Z^m1 to b, which then
holds α|0⟩ + β|1⟩.
"""

from __future__ import annotations

from .circuit import ApplyGate, CircuitProtocol, Controlled, Measure, Prepare, Register, Send
from .protocol import Channel, Party, Property, Reference, replace_step

BENNETT_1993 = Reference(
    cite="C. H. Bennett, G. Brassard, C. Crépeau, R. Jozsa, A. Peres, W. K. Wootters, "
    "Teleporting an unknown quantum state via dual classical and Einstein-Podolsky-Rosen channels, "
    "Phys. Rev. Lett. 70, 1895 (1993)",
    doi="10.1103/PhysRevLett.70.1895",
)
HORODECKI_1999 = Reference(
    cite="M. Horodecki, P. Horodecki, R. Horodecki, General teleportation channel, singlet fraction, "
    "and quasidistillation, Phys. Rev. A 60, 1888 (1999): average fidelity f = (2F + 1)/3 for a "
    "resource of singlet fraction F",
    doi="10.1103/PhysRevA.60.1888",
)
RENES_2004 = Reference(
    cite="J. M. Renes, R. Blume-Kohout, A. J. Scott, C. M. Caves, Symmetric informationally complete "
    "quantum measurements, J. Math. Phys. 45, 2171 (2004): the six Pauli eigenstates form a "
    "2-design, so their average equals the Haar average of any degree-(2,2) polynomial",
    doi="10.1063/1.1737053",
)

_STEPS = (
    Prepare(party="Alice", registers=("q",), state="input", text="Alice holds the unknown qubit q = α|0⟩ + β|1⟩"),
    Prepare(party="Alice", registers=("a", "b"), state="bell:phi+", text="a source prepares |Φ+⟩ on (a, b)"),
    Send(party="Alice", to="Bob", registers=("b",), text="b travels to Bob over the quantum channel"),
    ApplyGate(party="Alice", gate="CNOT", targets=("q", "a"), text="Alice applies CNOT(q → a)"),
    ApplyGate(party="Alice", gate="H", targets=("q",), text="Alice applies H to q"),
    Measure(party="Alice", register="q", record="m1", text="Alice measures q → m1"),
    Measure(party="Alice", register="a", record="m2", text="Alice measures a → m2"),
    Send(party="Alice", to="Bob", records=("m1", "m2"), text="Alice sends m1, m2 over the classical channel"),
    Controlled(party="Bob", gate="X", targets=("b",), when="m2", text="Bob applies X^m2 to b"),
    Controlled(party="Bob", gate="Z", targets=("b",), when="m1", text="Bob applies Z^m1 to b"),
)

TELEPORTATION = CircuitProtocol(
    name="teleportation",
    version="1",
    summary="Transfer an unknown qubit with one shared Bell pair and two classical bits.",
    references=(BENNETT_1993, HORODECKI_1999, RENES_2004),
    parties=(Party("Alice", "sender"), Party("Bob", "receiver")),
    channels=(
        Channel(source="Alice", target="Bob", kind="quantum", note="distributes half of the Bell pair"),
        Channel(source="Alice", target="Bob", kind="classical", authenticated=True, note="carries m1, m2"),
    ),
    registers=(
        Register(name="q", owner="Alice", text="the qubit to teleport"),
        Register(name="a", owner="Alice", text="Alice's half of the pair"),
        Register(name="b", owner="Alice", text="Bob's half of the pair (sent to Bob)"),
    ),
    steps=_STEPS,
    properties=(
        Property(
            id="correction-restores-input",
            statement="For each of the four outcomes (m1, m2), Bob's qubit after X^m2 then Z^m1 is "
            "α|0⟩ + β|1⟩ as a physical state (up to a global phase), for every α, β with |α|²+|β|² = 1.",
            engine="algebra",
            check="circuit.output-equals-input",
            args={"input": "q", "output": "b"},
            reference=BENNETT_1993.cite,
        ),
        Property(
            id="outcomes-uniform",
            statement="Each outcome (m1, m2) has probability 1/4 whatever α, β: Alice's record reveals nothing about the state.",
            engine="algebra",
            check="circuit.branch-probabilities",
            args={"records": ("m1", "m2"), "probability": "1/4"},
        ),
        Property(
            id="no-signalling",
            statement="Before the classical message arrives, Bob's reduced state is I/2 "
            "for every input: nothing travels faster than the bits.",
            engine="algebra",
            check="circuit.reduced-state",
            args={"register": "b", "before": "correct", "equals": "I/2"},
        ),
        Property(
            id="werner-average-fidelity",
            statement="With the source's pair replaced by a Werner resource of fidelity F with the state "
            "it prepares (|Φ+⟩), the average teleportation fidelity over input states (Haar measure, "
            "squared convention) is (2F + 1)/3.",
            engine="algebra",
            check="circuit.average-fidelity",
            args={"input": "q", "output": "b", "resource": ("a", "b"), "symbol": "F", "expected": "(2*F + 1)/3"},
            reference=HORODECKI_1999.cite,
        ),
    ),
)

# Z applied before X differs from X-then-Z only by the global phase (-1)^(m1·m2):
# a correct protocol that a naive vector comparison would flag.
TELEPORTATION_Z_FIRST = TELEPORTATION.variant(
    "teleportation-z-first",
    summary="Teleportation with Bob's corrections in the other order (Z^m1 first): "
    "the state differs by a global phase only, so every property still holds.",
    steps=TELEPORTATION.steps[:8]
    + (
        Controlled(party="Bob", gate="Z", targets=("b",), when="m1", text="Bob applies Z^m1 to b"),
        Controlled(party="Bob", gate="X", targets=("b",), when="m2", text="Bob applies X^m2 to b"),
    ),
)

TELEPORTATION_SWAPPED_BITS = TELEPORTATION.variant(
    "teleportation-swapped-bits",
    summary="Bob mixes up the two bits: X controlled by m1, Z by m2.",
    flawed="the corrections use the wrong bits, so outcomes (1,0) and (0,1) leave Bob with a wrong state",
    steps=TELEPORTATION.steps[:8]
    + (
        Controlled(party="Bob", gate="X", targets=("b",), when="m1", text="Bob applies X^m1 to b (wrong bit)"),
        Controlled(party="Bob", gate="Z", targets=("b",), when="m2", text="Bob applies Z^m2 to b (wrong bit)"),
    ),
)

TELEPORTATION_DROPPED_BIT = TELEPORTATION.variant(
    "teleportation-dropped-bit",
    summary="Bob ignores m1 and never applies the Z correction.",
    flawed="without Z^m1, outcomes with m1 = 1 leave Bob with α|0⟩ − β|1⟩",
    steps=replace_step(TELEPORTATION.steps, 9, None),
)

PROTOCOLS = (TELEPORTATION, TELEPORTATION_Z_FIRST)
FLAWED = (TELEPORTATION_SWAPPED_BITS, TELEPORTATION_DROPPED_BIT)
