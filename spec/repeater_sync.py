"""Synchronisation and cutoffs in a two-segment repeater, as a transition system.

The review's example: the first segment is ready after 0.1 s, the second
after 0.05 s, so the first pair must wait in memory while decoherence
erodes it.  Time runs in ticks of ``dt`` seconds.  Each segment succeeds at
some tick (nondeterministically: any order, any delay) and delivers a
Werner pair of fidelity ``F0``; every tick a stored pair ages by one and its
fidelity decays through the memory map

    f ↦ 1/4 + (f − 1/4)·d,   d = η² = exp(−2·dt/T)

(both halves in depolarizing memories of coherence time T; the property
``decay-is-the-memory-model`` checks this update against the map derived
from the Kraus channel).  A pair whose age reaches ``cutoff`` is discarded
and its segment starts again.  When both pairs are ready the middle node
swaps them; the end pair's fidelity is the derived swap map
(4·f1·f2 − f1 − f2 + 1)/3, checked by ``swap-is-the-derived-map``.

The claim: no end-to-end pair is ever delivered with fidelity below F_th.
It holds because a stored pair never ages beyond the cutoff: the
strengthening invariants ``age == k implies f ≥ 1/4 + (F0 − 1/4)·d^k``
(one per age, each with the derived decay) make it k-inductive; the
remaining step, from f1, f2 ≥ F_min to the swapped pair, is a small
non-linear real-arithmetic fact Z3 decides.  Without the cutoff
(``repeater-sync-no-cutoff``) Z3 finds a run that delivers a stale pair.

The numbers (defaults): F0 = 19/20, d = 9/10 per tick of dt = 0.05 s
(T = −2·dt/ln d ≈ 0.95 s), cutoff 2 ticks, F_th = 2/3.
"""

from __future__ import annotations

from fractions import Fraction

from .protocol import Parameter, Property, Reference
from .repeater import BRIEGEL_1998, NIELSEN_CHUANG, PU_2021
from .transition import Invariant, Reading, Transition, TransitionSystem, boolean, integer, real

COLLINS_2007 = Reference(
    cite="O. A. Collins, S. D. Jenkins, A. Kuzmich, T. A. B. Kennedy, Multiplexed memory-insensitive quantum "
    "repeaters, Phys. Rev. Lett. 98, 060502 (2007): discarding stored entanglement after a cutoff time bounds "
    "the fidelity loss to memory decoherence",
    doi="10.1103/PhysRevLett.98.060502",
)

#: The memory update (derived map with η² = d) and the swap update (derived
#: map), as the transition system's expressions.
DECAY = "1/4 + ({f} - 1/4) * d"
SWAP = "(4 * f1 * f2 - f1 - f2 + 1) / 3"

MAX_AGE = 8  # the age domain; the cutoff variant never reaches it


def _age_bounds(segment: int, ages: int) -> tuple[Invariant, ...]:
    return tuple(
        Invariant(
            name=f"age{segment}-{k}",
            expr=f"ready{segment} and age{segment} == {k} implies f{segment} >= 1/4 + (F0 - 1/4) * d ** {k}",
            text=f"a pair of segment {segment} stored for {k} tick(s) has decayed at most {k} times",
        )
        for k in range(ages + 1)
    )


def _system(name: str, cutoff: bool, summary: str, flawed: str | None = None) -> TransitionSystem:
    tick_guard = "(ready1 or ready2)" + (" and (not ready1 or age1 < cutoff) and (not ready2 or age2 < cutoff)" if cutoff else "")
    transitions = [
        Transition(
            name="segment1-succeeds",
            guard="not ready1",
            party="Alice–Repeater",
            update={"ready1": True, "f1": "F0", "age1": 0},
            text="segment 1 heralds a pair of fidelity F0",
        ),
        Transition(
            name="segment2-succeeds",
            guard="not ready2",
            party="Repeater–Bob",
            update={"ready2": True, "f2": "F0", "age2": 0},
            text="segment 2 heralds a pair of fidelity F0",
        ),
        Transition(
            name="tick",
            guard=tick_guard,
            party="memories",
            update={
                "f1": f"{DECAY.format(f='f1')} if ready1 else f1",
                "age1": "age1 + 1 if ready1 else age1",
                "f2": f"{DECAY.format(f='f2')} if ready2 else f2",
                "age2": "age2 + 1 if ready2 else age2",
            },
            text="dt passes: every stored pair ages and decays through the memory map",
        ),
        Transition(
            name="swap",
            guard="ready1 and ready2",
            party="Repeater",
            update={"ready1": False, "ready2": False, "delivered": True, "f_end": SWAP},
            text="the repeater swaps the two pairs; the end nodes receive the pair",
        ),
    ]
    if cutoff:
        transitions += [
            Transition(
                name="discard1",
                guard="ready1 and age1 >= cutoff",
                party="Alice–Repeater",
                update={"ready1": False},
                text="segment 1's pair reached the cutoff: discard it",
            ),
            Transition(
                name="discard2",
                guard="ready2 and age2 >= cutoff",
                party="Repeater–Bob",
                update={"ready2": False},
                text="segment 2's pair reached the cutoff: discard it",
            ),
        ]
    ages = 2 if cutoff else MAX_AGE
    lemmas = _age_bounds(1, ages) + _age_bounds(2, ages)
    if cutoff:
        lemmas += (
            Invariant(
                name="age-cutoff",
                expr="age1 <= cutoff and age2 <= cutoff",
                text="the cutoff keeps every stored pair's age at most cutoff ticks",
            ),
        )
    props = [
        Property(
            id="no-low-fidelity-delivery",
            statement="On every run, every delivered end-to-end pair has fidelity ≥ F_th (real arithmetic over "
            "the derived memory decay and swap maps; k-induction strengthened by the per-age fidelity bounds).",
            engine="statemachine",
            check="statemachine.invariant",
            args={"invariant": "delivered implies f_end >= F_th", "strengthen": [i.name for i in lemmas] + ["fidelity-range"]},
            reference=COLLINS_2007.cite,
        ),
        Property(
            id="delivery-reachable",
            statement="Non-vacuity: a run delivers a pair after the review's unequal waits (segment 2 ready, "
            "one tick of waiting, segment 1 ready).",
            engine="statemachine",
            check="statemachine.reachable",
            args={"state": "delivered and f_end < F0 * F0"},
        ),
        Property(
            id="decay-is-the-memory-model",
            statement="The tick's fidelity update is the map derived from the depolarizing Kraus channel on both "
            "halves of a Werner pair, with η² = d.",
            engine="algebra",
            check="repeater.sync-decay",
            args={"transition": "tick", "variable": "f1", "memory": "depolarizing", "decay_parameter": "d"},
            reference=NIELSEN_CHUANG.cite,
        ),
        Property(
            id="swap-is-the-derived-map",
            statement="The swap's fidelity update is the map derived from the entanglement-swapping circuit on Werner pairs.",
            engine="algebra",
            check="repeater.sync-swap",
            args={"transition": "swap", "variable": "f_end", "inputs": ("f1", "f2")},
            reference=BRIEGEL_1998.cite,
        ),
    ]
    if cutoff:
        props.insert(
            2,
            Property(
                id="cutoff-reachable",
                statement="Non-vacuity: the cutoff is exercised (a run discards an aged pair).",
                engine="statemachine",
                check="statemachine.reachable",
                args={"state": "ready1 and age1 == cutoff"},
            ),
        )
    return TransitionSystem(
        name=name,
        version="1",
        summary=summary,
        flawed=flawed,
        references=(COLLINS_2007, PU_2021, BRIEGEL_1998),
        parameters=(
            Parameter(name="F0", default=Fraction(19, 20), low=0, high=1, text="fidelity of a fresh segment pair"),
            Parameter(
                name="d",
                default=Fraction(9, 10),
                low=0,
                high=1,
                open_low=True,
                text="decay per tick of a stored pair, η² = exp(−2·dt/T)",
            ),
            Parameter(name="cutoff", default=2, low=0, integer=True, text="ticks after which a stored pair is discarded"),
            Parameter(name="F_th", default=Fraction(2, 3), low=0, high=1, text="delivery threshold"),
        ),
        variables=(
            boolean("ready1", text="segment 1 holds a pair"),
            boolean("ready2", text="segment 2 holds a pair"),
            integer("age1", 0, MAX_AGE, text="ticks segment 1's pair has waited"),
            integer("age2", 0, MAX_AGE, text="ticks segment 2's pair has waited"),
            real("f1", 0, 1, text="fidelity of segment 1's stored pair"),
            real("f2", 0, 1, text="fidelity of segment 2's stored pair"),
            boolean("delivered", text="an end-to-end pair has been delivered"),
            real("f_end", 0, 1, text="fidelity of the last delivered pair"),
        ),
        init={"ready1": False, "ready2": False, "age1": 0, "age2": 0, "f1": "F0", "f2": "F0", "delivered": False, "f_end": 0},
        transitions=tuple(transitions),
        invariants=lemmas
        + (
            Invariant(
                name="fidelity-range",
                expr="f1 >= 1/4 and f2 >= 1/4 and f1 <= F0 and f2 <= F0",
                text="stored fidelities stay between the fully mixed 1/4 and F0",
            ),
        ),
        readings=(
            Reading(
                topic="time",
                choice="discrete ticks of dt; segments succeed at any tick",
                reason="the review's 0.1 s / 0.05 s example is two ticks of 0.05 s; nondeterminism covers every order",
            ),
            Reading(
                topic="memory",
                choice="depolarizing memories at both ends, pairs twirled to Werner form",
                reason="the Werner family is closed under the memory map and under swapping",
            ),
        ),
        properties=tuple(props),
    )


REPEATER_SYNC = _system(
    "repeater-sync-cutoff",
    cutoff=True,
    summary="Two segments succeed at different times; stored pairs decay; a cutoff discards old pairs; "
    "no end-to-end pair below F_th is ever delivered.",
)

REPEATER_SYNC_NO_CUTOFF = _system(
    "repeater-sync-no-cutoff",
    cutoff=False,
    summary="The same chain without the cutoff: a pair may wait arbitrarily long.",
    flawed="without a cutoff a pair that waited too long is still swapped: a delivered pair falls below F_th",
)

PROTOCOLS = (REPEATER_SYNC,)
FLAWED = (REPEATER_SYNC_NO_CUTOFF,)
