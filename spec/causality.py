"""Teleportation's causality as a transition system: Bob corrects only
after both classical bits have arrived.

The circuit spec (``qproto.spec.teleportation``) proves the algebra —
after Alice's Bell measurement with outcome (m1, m2), Bob's qubit is
X^m2 Z^m1 |ψ⟩ up to a global phase, and X^m2 then Z^m1 restores |ψ⟩.  This
machine adds what the circuit's fixed step order hides: the two bits
travel as separate classical messages and may arrive in either order, at
any time.  Bob's qubit is tracked by its Pauli frame (x, z): the error
X^x Z^z it carries relative to |ψ⟩.
"""

from __future__ import annotations

from typing import Any

from .protocol import Channel, Party, Property
from .teleportation import BENNETT_1993
from .transition import Invariant, Reading, Transition, TransitionSystem, boolean, enum

READINGS = (
    Reading(
        topic="the classical channel",
        choice="m1 and m2 are two messages delivered independently, in either order, after any delay",
        reason="a real network gives no ordering between datagrams; causality must not depend on one.",
    ),
    Reading(
        topic="what Bob's qubit is",
        choice="its Pauli frame (x, z) relative to |ψ⟩; after the measurement it is (m2, m1), and applying "
        "X^b flips x by b, Z^b flips z by b",
        reason="the frame is what the teleportation circuit proof establishes branch by branch "
        "(teleportation/correction-restores-input); global phases are physically irrelevant.",
    ),
)


def _transitions(flaw: str | None) -> tuple[Transition, ...]:
    early = flaw == "corrects-early"
    m1, m2 = boolean("m1", text="outcome of Alice's measurement of q"), boolean("m2", text="outcome of her measurement of a")
    return (
        Transition(
            name="bell_measurement",
            party="Alice",
            guard="alice == READY",
            choose=(m1, m2),
            update={
                "alice": "MEASURED",
                "x": "m2",
                "z": "m1",
                "sent1": "m1",
                "sent2": "m2",
                "in_flight1": True,
                "in_flight2": True,
            },
            text="Alice's Bell measurement gives (m1, m2); Bob's qubit becomes X^m2 Z^m1 |ψ⟩; both bits are sent",
        ),
        Transition(
            name="arrive_m1",
            party="channel",
            guard="in_flight1",
            update={"in_flight1": False, "got1": True, "b1": "sent1"},
            text="m1 reaches Bob",
        ),
        Transition(
            name="arrive_m2",
            party="channel",
            guard="in_flight2",
            update={"in_flight2": False, "got2": True, "b2": "sent2"},
            text="m2 reaches Bob",
        ),
        Transition(
            name="correct",
            party="Bob",
            guard="bob == WAITING and got2" if early else "bob == WAITING and got1 and got2",
            update={"bob": "CORRECTED", "x": "x != b2", "z": "z != (b1 and got1)"},
            text="Bob applies X^m2 then Z^m1" + (" (wrongly) as soon as m2 is in, taking m1 = 0 if it is not" if early else ""),
        ),
    )


_INVARIANTS = (
    Invariant(
        name="corrects-after-both-bits",
        expr="bob == CORRECTED implies (got1 and got2)",
        text="causality: Bob's correction uses bits that have arrived",
    ),
    Invariant(
        name="restores-input",
        expr="bob == CORRECTED implies (not x and not z)",
        text="after the correction Bob holds |ψ⟩ (Pauli frame identity)",
    ),
    Invariant(
        name="frame-consistent",
        expr="(alice == READY implies (not in_flight1 and not in_flight2 and not got1 and not got2 and bob == WAITING)) "
        "and (alice == MEASURED implies (in_flight1 != got1) and (in_flight2 != got2)) "
        "and (got1 implies b1 == sent1) and (got2 implies b2 == sent2) "
        "and (bob == WAITING and alice == MEASURED implies (x == sent2 and z == sent1))",
        text="(auxiliary) each bit is in flight or delivered, with its value; before the correction the frame is Alice's outcome",
    ),
)


def causality(name: str, flaw: str | None = None, **changes) -> TransitionSystem:
    fields: dict[str, Any] = dict(
        summary="Teleportation with separately delivered classical bits: Bob corrects only after both arrive."
    )
    fields.update(changes)
    return TransitionSystem(
        name=name,
        references=(BENNETT_1993,),
        parties=(Party("Alice", "sender"), Party("Bob", "receiver"), Party("channel", "classical network")),
        channels=(Channel(source="Alice", target="Bob", kind="classical", authenticated=True, note="m1 and m2, separately"),),
        variables=(
            enum("alice", ("READY", "MEASURED"), text="Alice"),
            enum("bob", ("WAITING", "CORRECTED"), text="Bob"),
            boolean("x", text="Bob's qubit carries an X error"),
            boolean("z", text="Bob's qubit carries a Z error"),
            boolean("sent1", text="m1 as sent"),
            boolean("sent2", text="m2 as sent"),
            boolean("in_flight1"),
            boolean("in_flight2"),
            boolean("got1", text="m1 has reached Bob"),
            boolean("got2", text="m2 has reached Bob"),
            boolean("b1", text="m1 as Bob knows it"),
            boolean("b2", text="m2 as Bob knows it"),
        ),
        init={
            "alice": "READY",
            "bob": "WAITING",
            "x": False,
            "z": False,
            "sent1": False,
            "sent2": False,
            "in_flight1": False,
            "in_flight2": False,
            "got1": False,
            "got2": False,
            "b1": False,
            "b2": False,
        },
        transitions=_transitions(flaw),
        invariants=_INVARIANTS,
        readings=READINGS,
        properties=(
            Property(
                id="corrects-after-both-bits",
                engine="statemachine",
                check="statemachine.invariant",
                statement="Bob applies his correction only after both classical bits have arrived, in whichever order.",
                args={"invariant": "corrects-after-both-bits", "strengthen": ("frame-consistent",)},
                reference=BENNETT_1993.cite,
            ),
            Property(
                id="corrected-qubit-is-input",
                engine="statemachine",
                check="statemachine.invariant",
                statement="Whenever Bob has corrected, his qubit is |ψ⟩ (no Pauli error left), for all four outcomes.",
                args={"invariant": "restores-input", "strengthen": ("frame-consistent",)},
            ),
            Property(
                id="non-vacuous",
                engine="statemachine",
                check="statemachine.reachable",
                statement="Non-vacuity: a run with outcome (1, 1) — both corrections needed — ends corrected.",
                args={"state": "bob == CORRECTED and sent1 and sent2"},
            ),
        ),
        **fields,
    )


TELEPORTATION_CAUSALITY = causality("teleportation-causality")
TELEPORTATION_EARLY_CORRECTION = causality(
    "teleportation-corrects-early",
    flaw="corrects-early",
    flawed="Bob corrects as soon as m2 arrives, guessing m1 = 0: with m1 = 1 his qubit keeps a Z error",
    variant_of="teleportation-causality",
)

PROTOCOLS = (TELEPORTATION_CAUSALITY,)
FLAWED = (TELEPORTATION_EARLY_CORRECTION,)
