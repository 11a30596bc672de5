"""Quantum repeaters: entanglement swapping, purification, repeater chains
and quantum memory.

The review's quantum network (its Figures 1 and 3) splits a long link into
segments joined by repeater nodes — ground stations, drones, satellites —
that store entanglement in quantum memory, swap it into end-to-end
entanglement and purify it to keep its fidelity.  This module specifies:

- ``entanglement-swapping``: a circuit protocol (Żukowski et al. 1993).  A
  Bell measurement at the repeater and X^m2 Z^m1 at the far end leave the
  end nodes in |Φ+⟩ for all four outcomes; with Werner inputs, the output
  fidelity is the published F1F2 + (1 − F1)(1 − F2)/3.
- ``bbpssw`` and ``dejmps``: purification rounds as circuit protocols
  (bilateral CNOTs, measurement, keep when the bits agree) — Bennett et
  al. 1996 and Deutsch et al. 1996.
- ``repeater-chain``: n swapped segments; the closed form of the chain
  fidelity proved by induction from the derived swap map.
- ``quantum-memory``: depolarizing/dephasing storage with coherence time T
  and the review's 99.3 % storage fidelity (Liu et al. 2020).

Fidelity is the squared convention, F = ⟨Φ+|ρ|Φ+⟩, throughout.
"""

from __future__ import annotations

from dataclasses import dataclass

from .circuit import ApplyGate, CircuitProtocol, Controlled, Measure, Prepare, Register, Send
from .protocol import Channel, Parameter, Party, Property, Protocol, Reference, Step, replace_step
from .validation import check_choice

ZUKOWSKI_1993 = Reference(
    cite='M. Żukowski, A. Zeilinger, M. A. Horne, A. K. Ekert, "Event-ready-detectors" Bell experiment '
    "via entanglement swapping, Phys. Rev. Lett. 71, 4287 (1993)",
    doi="10.1103/PhysRevLett.71.4287",
)
BRIEGEL_1998 = Reference(
    cite="H.-J. Briegel, W. Dür, J. I. Cirac, P. Zoller, Quantum repeaters: the role of imperfect local "
    "operations in quantum communication, Phys. Rev. Lett. 81, 5932 (1998): swapping Werner pairs "
    "multiplies their Werner parameters, F' = F1F2 + (1 − F1)(1 − F2)/3",
    doi="10.1103/PhysRevLett.81.5932",
)
BENNETT_1996 = Reference(
    cite="C. H. Bennett, G. Brassard, S. Popescu, B. Schumacher, J. A. Smolin, W. K. Wootters, Purification "
    "of noisy entanglement and faithful teleportation via noisy channels, Phys. Rev. Lett. 76, 722 (1996) "
    "(BBPSSW): F' = (F² + ((1−F)/3)²) / (F² + 2F(1−F)/3 + 5((1−F)/3)²)",
    doi="10.1103/PhysRevLett.76.722",
)
DEUTSCH_1996 = Reference(
    cite="D. Deutsch, A. Ekert, R. Jozsa, C. Macchiavello, S. Popescu, A. Sanpera, Quantum privacy "
    "amplification and the security of quantum cryptography over noisy channels, Phys. Rev. Lett. 77, "
    "2818 (1996) (DEJMPS): A' = (A²+B²)/N, B' = 2CD/N, C' = (C²+D²)/N, D' = 2AB/N, N = (A+B)² + (C+D)²",
    doi="10.1103/PhysRevLett.77.2818",
)
LIU_2020 = Reference(
    cite="C. Liu et al., On-demand quantum storage of photonic qubits in an on-chip waveguide, Phys. Rev. "
    "Lett. 125, 260504 (2020): storage fidelity 99.3 ± 0.2 % (the review's reference 13), measured at microsecond storage, not at the "
    "review's 0.05 s wait",
    doi="10.1103/PhysRevLett.125.260504",
)
PU_2021 = Reference(
    cite="Y.-F. Pu et al., Experimental demonstration of memory-enhanced scaling for entanglement connection "
    "of quantum repeater segments, Nature Photonics 15, 374 (2021) (the review's reference 12)",
    doi="10.1038/s41566-021-00764-4",
)
NIELSEN_CHUANG = Reference(
    cite="M. A. Nielsen, I. L. Chuang, Quantum Computation and Quantum Information, Cambridge (2000), "
    "§8.3: depolarizing and phase-damping channels in Kraus form",
)

# ---------------------------------------------------------------------------
# entanglement swapping
# ---------------------------------------------------------------------------

#: The two elementary pairs and the end registers of the swapping circuit.
SWAP_PAIRS = (("a", "r1"), ("r2", "c"))
SWAP_ENDS = ("a", "c")

_SWAP_STEPS = (
    Prepare(party="Alice", registers=("a", "r1"), state="bell:phi+", text="segment 1: Alice's source makes |Φ+⟩ on (a, r1)"),
    Prepare(party="Charlie", registers=("r2", "c"), state="bell:phi+", text="segment 2: Charlie's source makes |Φ+⟩ on (r2, c)"),
    Send(party="Alice", to="Repeater", registers=("r1",), text="r1 travels to the repeater (stored in its memory)"),
    Send(party="Charlie", to="Repeater", registers=("r2",), text="r2 travels to the repeater (stored in its memory)"),
    ApplyGate(party="Repeater", gate="CNOT", targets=("r1", "r2"), text="Bell measurement: CNOT(r1 → r2)"),
    ApplyGate(party="Repeater", gate="H", targets=("r1",), text="Bell measurement: H on r1"),
    Measure(party="Repeater", register="r1", record="m1", text="the repeater measures r1 → m1"),
    Measure(party="Repeater", register="r2", record="m2", text="the repeater measures r2 → m2"),
    Send(party="Repeater", to="Charlie", records=("m1", "m2"), text="the repeater announces m1, m2 to Charlie"),
    Controlled(party="Charlie", gate="X", targets=("c",), when="m2", text="Charlie applies X^m2 to c"),
    Controlled(party="Charlie", gate="Z", targets=("c",), when="m1", text="Charlie applies Z^m1 to c"),
)

_SWAP_PROPS = (
    Property(
        id="ends-in-phi-plus",
        statement="For each of the four Bell-measurement outcomes (m1, m2), after X^m2 then Z^m1 on c the "
        "end nodes (a, c) hold |Φ+⟩ exactly (compared as density matrices).",
        engine="algebra",
        check="repeater.swap-output-bell",
        args={"ends": SWAP_ENDS, "bell": "phi+"},
        reference=ZUKOWSKI_1993.cite,
    ),
    Property(
        id="outcomes-uniform",
        statement="Each Bell-measurement outcome (m1, m2) has probability 1/4.",
        engine="algebra",
        check="circuit.branch-probabilities",
        args={"records": ("m1", "m2"), "probability": "1/4"},
    ),
    Property(
        id="werner-swap-fidelity",
        statement="Swapping Werner pairs of fidelities F1, F2 (each centred on the pair its source "
        "prepares) yields a Werner pair around |Φ+⟩ (exactly, as a density matrix) of fidelity "
        "F1F2 + (1 − F1)(1 − F2)/3, derived from the circuit.",
        engine="algebra",
        check="repeater.swap-werner",
        args={"pairs": SWAP_PAIRS, "ends": SWAP_ENDS, "expected": "F1*F2 + (1 - F1)*(1 - F2)/3", "bell": "phi+"},
        reference=BRIEGEL_1998.cite,
    ),
)

ENTANGLEMENT_SWAPPING = CircuitProtocol(
    name="entanglement-swapping",
    version="1",
    summary="Join two elementary pairs into one end-to-end pair by a Bell measurement at the repeater.",
    references=(ZUKOWSKI_1993, BRIEGEL_1998),
    parties=(Party("Alice", "end node"), Party("Repeater", "middle node"), Party("Charlie", "end node")),
    channels=(
        Channel(source="Alice", target="Repeater", kind="quantum", note="segment 1"),
        Channel(source="Charlie", target="Repeater", kind="quantum", note="segment 2"),
        Channel(source="Repeater", target="Charlie", kind="classical", authenticated=True, note="carries m1, m2"),
    ),
    registers=(
        Register(name="a", owner="Alice", text="Alice's half of segment 1"),
        Register(name="r1", owner="Alice", text="the repeater's half of segment 1"),
        Register(name="r2", owner="Charlie", text="the repeater's half of segment 2"),
        Register(name="c", owner="Charlie", text="Charlie's half of segment 2"),
    ),
    steps=_SWAP_STEPS,
    properties=_SWAP_PROPS,
)

SWAPPING_NO_Z = ENTANGLEMENT_SWAPPING.variant(
    "entanglement-swapping-no-z",
    summary="Charlie forgets the Z^m1 correction.",
    flawed="without Z^m1, outcomes with m1 = 1 leave (a, c) in |Φ−⟩, not |Φ+⟩",
    steps=replace_step(ENTANGLEMENT_SWAPPING.steps, 10, None),
)

SWAPPING_SWAPPED_BITS = ENTANGLEMENT_SWAPPING.variant(
    "entanglement-swapping-swapped-bits",
    summary="Charlie uses m1 for X and m2 for Z.",
    flawed="the corrections use the wrong bits: outcomes (0,1) and (1,0) leave (a, c) in |Ψ±⟩ or |Φ−⟩",
    steps=ENTANGLEMENT_SWAPPING.steps[:9]
    + (
        Controlled(party="Charlie", gate="X", targets=("c",), when="m1", text="Charlie applies X^m1 to c (wrong bit)"),
        Controlled(party="Charlie", gate="Z", targets=("c",), when="m2", text="Charlie applies Z^m2 to c (wrong bit)"),
    ),
)

# ---------------------------------------------------------------------------
# purification
# ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PurificationProtocol(CircuitProtocol):
    """One purification round as a circuit, plus the keep/discard rule.

    Args:
        pairs: the two input pairs, the kept one first.
        records: the measured bits compared over the classical channel.
        keep: ``equal`` (keep when the bits agree) or ``differ``.
        twirl: the kept pair is twirled back to Werner form before the next
            round (BBPSSW's random bilateral rotations; the fidelity is
            unchanged by it).
    """

    family: str = "purification"
    pairs: tuple[tuple[str, str], tuple[str, str]] = (("a1", "b1"), ("a2", "b2"))
    records: tuple[str, ...] = ("ma", "mb")
    keep: str = "equal"
    twirl: bool = True

    def __post_init__(self) -> None:
        super().__post_init__()
        from .errors import SpecError

        check_choice(f"{self.name}: keep", self.keep, ("equal", "differ"), error=SpecError)


_PUR_REGS = (
    Register(name="a1", owner="Alice", text="Alice's half of the kept pair"),
    Register(name="b1", owner="Alice", text="Bob's half of the kept pair (sent to Bob)"),
    Register(name="a2", owner="Alice", text="Alice's half of the sacrificed pair"),
    Register(name="b2", owner="Alice", text="Bob's half of the sacrificed pair (sent to Bob)"),
)
_PUR_HEAD = (
    Prepare(party="Alice", registers=("a1", "b1"), state="bell:phi+", text="pair 1 (kept): a noisy copy of |Φ+⟩ on (a1, b1)"),
    Prepare(
        party="Alice", registers=("a2", "b2"), state="bell:phi+", text="pair 2 (sacrificed): a noisy copy of |Φ+⟩ on (a2, b2)"
    ),
    Send(party="Alice", to="Bob", registers=("b1", "b2"), text="b1, b2 are at Bob's node"),
)
_PUR_TAIL = (
    ApplyGate(party="Alice", gate="CNOT", targets=("a1", "a2"), text="Alice applies CNOT(a1 → a2)"),
    ApplyGate(party="Bob", gate="CNOT", targets=("b1", "b2"), text="Bob applies CNOT(b1 → b2)"),
    Measure(party="Alice", register="a2", record="ma", text="Alice measures a2 → ma"),
    Measure(party="Bob", register="b2", record="mb", text="Bob measures b2 → mb"),
    Send(party="Alice", to="Bob", records=("ma",), text="Alice announces ma"),
    Send(party="Bob", to="Alice", records=("mb",), text="Bob announces mb; both keep (a1, b1) iff ma = mb"),
)
_PUR_PARTIES = (Party("Alice", "node"), Party("Bob", "node"))
_PUR_CHANNELS = (
    Channel(source="Alice", target="Bob", kind="quantum", note="distributes the pairs"),
    Channel(source="Alice", target="Bob", kind="classical", authenticated=True, note="carries ma"),
    Channel(source="Bob", target="Alice", kind="classical", authenticated=True, note="carries mb"),
)

BBPSSW_FIDELITY = "(F**2 + ((1 - F)/3)**2) / (F**2 + 2*F*(1 - F)/3 + 5*((1 - F)/3)**2)"
BBPSSW_SUCCESS = "F**2 + 2*F*(1 - F)/3 + 5*((1 - F)/3)**2"

BBPSSW = PurificationProtocol(
    name="bbpssw",
    version="1",
    summary="Recurrence purification of Werner pairs: bilateral CNOT, compare, keep on agreement, twirl.",
    references=(BENNETT_1996,),
    parties=_PUR_PARTIES,
    channels=_PUR_CHANNELS,
    registers=_PUR_REGS,
    steps=_PUR_HEAD + _PUR_TAIL,
    twirl=True,
    properties=(
        Property(
            id="werner-round",
            statement="On two Werner pairs of fidelity F (centred on the Bell state the sources prepare, "
            "here |Φ+⟩), the kept pair has fidelity (with that Bell state) "
            "(F² + ((1−F)/3)²)/(F² + 2F(1−F)/3 + 5((1−F)/3)²) and the round succeeds with probability "
            "F² + 2F(1−F)/3 + 5((1−F)/3)², both derived from the circuit.",
            engine="algebra",
            check="purification.werner-round",
            args={"fidelity": BBPSSW_FIDELITY, "success": BBPSSW_SUCCESS},
            reference=BENNETT_1996.cite,
        ),
        Property(
            id="improves-iff-above-half",
            statement="For Werner inputs with 1/4 ≤ F ≤ 1, one round strictly improves the fidelity "
            "(F' > F) exactly when 1/2 < F < 1 (at F = 1 it stays 1).",
            engine="algebra",
            check="purification.improves-iff",
            args={"low": "1/4", "high": "1", "improves": "Interval.open(1/2, 1)"},
            reference=BENNETT_1996.cite,
        ),
        Property(
            id="fixed-points",
            statement="The iterated round F ↦ F' has fixed points exactly 1/4, 1/2 and 1 on [0, 1]; "
            "from any F in (1/2, 1) the iterates increase monotonically to 1.",
            engine="algebra",
            check="purification.fixed-points",
            args={"expected": ("1/4", "1/2", "1")},
        ),
    ),
)

# DEJMPS: Alice applies Rx(π/2), Bob Rx(−π/2), to both of their qubits before the CNOTs.
_DEJMPS_ROT = (
    ApplyGate(party="Alice", gate="RX", params=("pi/2",), targets=("a1",), text="Alice applies Rx(π/2) to a1"),
    ApplyGate(party="Alice", gate="RX", params=("pi/2",), targets=("a2",), text="Alice applies Rx(π/2) to a2"),
    ApplyGate(party="Bob", gate="RX", params=("-pi/2",), targets=("b1",), text="Bob applies Rx(−π/2) to b1"),
    ApplyGate(party="Bob", gate="RX", params=("-pi/2",), targets=("b2",), text="Bob applies Rx(−π/2) to b2"),
)

DEJMPS = PurificationProtocol(
    name="dejmps",
    version="1",
    summary="Deutsch et al.'s purification: bilateral Rx(±π/2) rotations, bilateral CNOT, keep on agreement; "
    "no twirl, so Bell-diagonal states stay Bell-diagonal.",
    references=(DEUTSCH_1996,),
    parties=_PUR_PARTIES,
    channels=_PUR_CHANNELS,
    registers=_PUR_REGS,
    steps=_PUR_HEAD + _DEJMPS_ROT + _PUR_TAIL,
    twirl=False,
    properties=(
        Property(
            id="bell-diagonal-round",
            statement="On two Bell-diagonal pairs with coefficients A, B, C, D on |Φ+⟩, |Ψ−⟩, |Ψ+⟩, |Φ−⟩, "
            "the kept pair is Bell-diagonal with A' = (A²+B²)/N, B' = 2CD/N, C' = (C²+D²)/N, D' = 2AB/N and "
            "the round succeeds with probability N = (A+B)² + (C+D)² (derived from the circuit).",
            engine="algebra",
            check="purification.bell-diagonal-round",
            args={
                "coefficients": ("(A**2 + B**2)/N", "2*C*D/N", "(C**2 + D**2)/N", "2*A*B/N"),
                "success": "(A + B)**2 + (C + D)**2",
            },
            reference=DEUTSCH_1996.cite,
        ),
        Property(
            id="werner-round",
            statement="On Werner inputs the first DEJMPS round gives the same fidelity and success "
            "probability as BBPSSW (both derived).",
            engine="algebra",
            check="purification.werner-round",
            args={"fidelity": BBPSSW_FIDELITY, "success": BBPSSW_SUCCESS},
            reference=BENNETT_1996.cite,
        ),
    ),
)

BBPSSW_KEEP_ON_DISAGREE = BBPSSW.variant(
    "bbpssw-keep-on-disagree",
    summary="The kept pair is kept when the bits differ.",
    flawed="keeping on disagreement keeps exactly the branches where an error was detected: the fidelity never improves",
    keep="differ",
)

BBPSSW_UNILATERAL = BBPSSW.variant(
    "bbpssw-unilateral-cnot",
    summary="Only Alice applies her CNOT.",
    flawed="a unilateral CNOT does not compare the pairs' parities; the kept pair's fidelity does not "
    "follow the published recurrence",
    steps=replace_step(BBPSSW.steps, 4, None),
)

# ---------------------------------------------------------------------------
# repeater chain
# ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RepeaterChain(Protocol):
    """n elementary segments, each a Werner pair of fidelity F, joined by
    n − 1 swaps at the repeater nodes (optionally purified and stored).

    ``swap`` names the circuit spec whose derived map is composed."""

    family: str = "repeater"
    swap: str = "entanglement-swapping"
    purification: str = "bbpssw"


REPEATER_CHAIN = RepeaterChain(
    name="repeater-chain",
    version="1",
    summary="A chain of n Werner segments joined by entanglement swapping; closed-form end-to-end fidelity.",
    references=(BRIEGEL_1998, BENNETT_1996, PU_2021),
    parties=(Party("Alice", "end node"), Party("Repeaters", "n − 1 middle nodes"), Party("Bob", "end node")),
    steps=(
        Step(party="Repeaters", action="prepare", text="each of the n segments delivers a Werner pair of fidelity F"),
        Step(party="Repeaters", action="store", text="pairs wait in memory until their neighbours are ready"),
        Step(party="Repeaters", action="purify", text="optionally, k rounds of BBPSSW per segment"),
        Step(party="Repeaters", action="swap", text="each repeater swaps its two pairs (Bell measurement, announce)"),
        Step(party="Bob", action="correct", text="the end node applies the accumulated Pauli correction"),
    ),
    parameters=(
        Parameter(name="segments", default=4, low=1, integer=True, text="number of elementary segments n"),
        Parameter(name="fidelity", default=0.95, low=0, high=1, text="fidelity F of each elementary pair"),
        Parameter(name="purify", default=0, low=0, integer=True, text="BBPSSW rounds per segment before swapping"),
    ),
    properties=(
        Property(
            id="chain-closed-form",
            statement="For every n ≥ 1, swapping n Werner segments of fidelity F gives fidelity "
            "1/4 + (3/4)((4F − 1)/3)^n; for fidelities F1..Fn, 1/4 + (3/4)∏(4Fi − 1)/3. Proved by "
            "induction on n from the derived swap map (which maps Werner pairs to a Werner pair).",
            engine="algebra",
            check="repeater.chain-closed-form",
            args={"closed_form": "1/4 + 3*((4*F - 1)/3)**n/4"},
            reference=BRIEGEL_1998.cite,
        ),
        Property(
            id="chain-decreases",
            statement="For 1/4 < F < 1 the chain fidelity decreases strictly with every added segment and "
            "tends to 1/4: swapping alone cannot keep fidelity, hence purification.",
            engine="algebra",
            check="repeater.chain-decreases",
        ),
    ),
)

# ---------------------------------------------------------------------------
# quantum memory
# ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class QuantumMemory(Protocol):
    """Storage of qubits for a time t in a memory of coherence time T."""

    family: str = "memory"
    kind: str = "depolarizing"

    def __post_init__(self) -> None:
        super().__post_init__()
        from .errors import SpecError

        check_choice(f"{self.name}: kind", self.kind, ("depolarizing", "dephasing"), error=SpecError)


def _memory(kind: str, pair: str, avg: str, review_pair: str) -> QuantumMemory:
    return QuantumMemory(
        name=f"quantum-memory-{kind}",
        version="1",
        kind=kind,
        summary=f"A {kind} quantum memory of coherence time T; decay factor η = exp(−t/T).",
        references=(LIU_2020, NIELSEN_CHUANG, PU_2021),
        parties=(Party("Node", "holds the memory"),),
        steps=(
            Step(party="Node", action="store", text="write one half of a Bell pair into the memory at t = 0"),
            Step(party="Node", action="wait", text=f"wait t: the {kind} channel with η = exp(−t/T) acts"),
            Step(party="Node", action="retrieve", text="read it out for swapping or purification"),
        ),
        parameters=(
            Parameter(name="coherence_time", default=1.0, low=0, open_low=True, text="T in seconds"),
            Parameter(name="wait", default=0.05, low=0, text="storage time t in seconds (the review's 0.05 s)"),
            Parameter(
                name="storage_fidelity",
                default=0.993,
                low=0,
                high=1,
                text="average storage fidelity of the memory (Liu et al. 2020: 99.3 %, measured at microsecond "
                "storage, not at the review's 0.05 s wait)",
            ),
        ),
        properties=(
            Property(
                id="pair-fidelity-vs-wait",
                statement=f"A Bell pair with one half stored for t has fidelity {pair} with η = exp(−t/T), "
                "derived from the Kraus channel.",
                engine="algebra",
                check="memory.pair-fidelity",
                args={"stored": 1, "expected": pair},
                reference=NIELSEN_CHUANG.cite,
            ),
            Property(
                id="markovian-decay",
                statement="Storing for t1 then t2 equals storing for t1 + t2: the channels compose with "
                "η(t1)·η(t2) = η(t1 + t2), so decay in a chain of waits multiplies.",
                engine="algebra",
                check="memory.markovian",
            ),
            Property(
                id="storage-fidelity",
                statement=f"The average storage fidelity of one qubit over input states is {avg} (exact "
                f"2-design average); the review's 99.3 % (measured at microsecond storage, Liu et al. 2020 — not at 0.05 s) then means a stored Bell pair keeps fidelity "
                f"{review_pair}.",
                engine="algebra",
                check="memory.storage-fidelity",
                args={"expected": avg, "published": "993/1000", "pair_expected": review_pair},
                reference=LIU_2020.cite,
            ),
        ),
    )


MEMORY_DEPOLARIZING = _memory("depolarizing", "(1 + 3*eta)/4", "(1 + eta)/2", "1979/2000")
MEMORY_DEPHASING = _memory("dephasing", "(1 + eta)/2", "(2 + eta)/3", "1979/2000")

PROTOCOLS = (ENTANGLEMENT_SWAPPING, BBPSSW, DEJMPS, REPEATER_CHAIN, MEMORY_DEPOLARIZING, MEMORY_DEPHASING)
FLAWED = (SWAPPING_NO_Z, SWAPPING_SWAPPED_BITS, BBPSSW_KEEP_ON_DISAGREE, BBPSSW_UNILATERAL)
