"""Partial-order reduction in the explicit-state engine (issue 15 item 3).

The reduced listing must give the verdict of the full one for every
invariant, reachability and deadlock property (and, for a counterexample,
the same shortest trace), on the catalogue, on larger builder sizes and on
random small systems; bounded response is never reduced.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qproto.models import transition as interp
from qproto.proofs import explicit, explicit_reduction
from qproto.spec import catalogue
from qproto.spec.protocol import Property
from qproto.spec.qtransport_window import qtcp_window
from qproto.spec.transition import Transition, TransitionSystem, boolean, integer


def _prop(pid: str, check: str, **args) -> Property:
    return Property(id=pid, statement=pid, engine="statemachine", check=check, args=args)


def _systems() -> list[TransitionSystem]:
    return [
        s
        for s in (*catalogue.protocols(), *catalogue.flawed())
        if isinstance(s, TransitionSystem) and explicit.enumerable(s) is None
    ]


def _builder_sizes() -> list:
    # the two largest sizes take 4-6 s each: in the slow campaign (the flawed sizes below cover the default run)
    slow = pytest.mark.slow
    return [
        pytest.param(qtcp_window("w-2-4-1", window=2, packets=4, max_failures=1), marks=slow),
        pytest.param(qtcp_window("w-3-3-1", window=3, packets=3, max_failures=1), marks=slow),
        qtcp_window("w-2-2-1", window=2, packets=2, max_failures=1),
        qtcp_window("w-2-4-no-update", window=2, packets=4, max_failures=0, flaw="no-window-update"),
        qtcp_window("w-2-3-ignores", window=2, packets=3, max_failures=0, flaw="ignores-window"),
    ]


def _same(system: TransitionSystem, prop: Property) -> tuple[explicit.Decision, explicit.Decision]:
    full = explicit.decide(system, prop.check, prop.args, reduce=False)
    red = explicit.decide(system, prop.check, prop.args, reduce=True)
    assert full.reduction is None
    assert red.status == full.status, (system.name, prop.id, full.reason, red.reason)
    # the reduced search hands its counterexample (or witness) to an
    # unreduced one: the same shortest trace as the full listing
    assert red.trace == full.trace, (system.name, prop.id)
    if full.status != "unknown":
        assert red.states <= full.states
    return full, red


@pytest.mark.parametrize("system", [*_systems(), *_builder_sizes()], ids=lambda s: getattr(s, "name", None))
def test_reduced_and_full_listings_agree(system: TransitionSystem) -> None:
    props = [p for p in system.properties if p.engine == "statemachine" and p.check in explicit.REDUCIBLE]
    for prop in props:
        _same(system, prop)
    # every lemma the spec states, as an invariant of its own
    for inv in system.invariants:
        _same(system, _prop(inv.name, "statemachine.invariant", invariant=inv.expr))
    # deadlocks: the reduced listing keeps the set of reachable deadlocks
    full = explicit.explore(system)
    red = explicit.explore(system, reduce="deadlock")
    assert full.complete and red.complete
    dead = {i for i, s in enumerate(full.succ) if not s}
    keys = {k for k, i in full.index.items() if i in dead}
    assert {k for k, i in red.index.items() if not red.succ[i]} == keys
    assert set(red.index) <= set(full.index)


def test_the_flawed_window_builders_are_still_caught() -> None:
    no_update, ignores = _builder_sizes()[3:]
    _, red = _same(no_update, no_update.property("deadlock-free"))
    assert red.status == "violated" and red.reduction is not None
    assert interp.replay_deadlock(no_update, red.trace).ok
    _, red = _same(ignores, ignores.property("buffer-never-overflows"))
    assert red.status == "violated" and len(red.trace) - 1 == 6


# -- a system built to be reduced ----------------------------------------------


def _independent(k: int) -> TransitionSystem:
    """k one-shot flags set by k moves touching nothing else: 2**k states,
    of which one order of the moves (k + 1 states) shows every deadlock."""
    return TransitionSystem(
        name=f"toy-independent-{k}",
        variables=tuple(boolean(f"x{i}") for i in range(k)),
        init={f"x{i}": False for i in range(k)},
        transitions=tuple(Transition(name=f"set{i}", guard=f"not x{i}", update={f"x{i}": True}) for i in range(k)),
        properties=(
            _prop("live", "statemachine.deadlock-free", **{"except": " and ".join(f"x{i}" for i in range(k))}),
            _prop("x0-or-not", "statemachine.invariant", invariant="x0 or not x0"),
            _prop("not-all", "statemachine.invariant", invariant="not (x0 and x1)"),
            _prop("all", "statemachine.reachable", state=" and ".join(f"x{i}" for i in range(k))),
        ),
    )


def test_independent_moves_are_explored_in_one_order() -> None:
    system = _independent(5)
    full = explicit.explore(system)
    assert len(full.states) == 2**5
    red = explicit.explore(system, reduce="deadlock")
    # one move per state: the chain x0, x0 x1, ... (6 states)
    assert len(red.states) == 6 and red.edges == 5
    assert red.stats()["reduction"].startswith("reduced")
    assert "reachable_states" not in red.stats() and red.stats()["reduced_states"] == 6
    d = explicit.decide(system, "statemachine.deadlock-free", system.property("live").args)
    assert d.status == "holds" and d.states == 6 and d.reduction is not None
    # the invariant reads x0 and x1: set0 and set1 are visible, never in a
    # proper ample set, so the violation (2 steps) is still found
    d = explicit.decide(system, "statemachine.invariant", system.property("not-all").args)
    assert d.status == "violated" and len(d.trace) - 1 == 2 and d.states < 2**5
    d = explicit.decide(system, "statemachine.reachable", system.property("all").args)
    assert d.status == "holds" and len(d.trace) - 1 == 5


def test_response_is_never_reduced() -> None:
    system = _independent(3)
    args = {"after": "x0", "holds": "x1", "within": 1}
    d = explicit.decide(system, "statemachine.response", args, reduce=True)
    assert d.reduction is None and d.states == 8 and d.status == "violated"


def test_a_violation_on_a_reduced_listing_gets_the_shortest_trace() -> None:
    # the bad state needs 1 step (y := 1), but reduced runs go through the
    # independent counter first when it is chosen: the reported trace must
    # still be the 1-step one
    system = TransitionSystem(
        name="toy-shortest",
        variables=(integer("c", 0, 3), boolean("y")),
        init={"c": 0, "y": False},
        transitions=(
            Transition(name="count", guard="c < 3", update={"c": "c + 1"}),
            Transition(name="flip", guard="not y", update={"y": True}),
        ),
    )
    args = {"except": "False"}
    full = explicit.decide(system, "statemachine.deadlock-free", args, reduce=False)
    red = explicit.decide(system, "statemachine.deadlock-free", args, reduce=True)
    assert full.status == red.status == "violated" and red.trace == full.trace
    assert red.states < full.states
    inv = {"invariant": "not y or c == 3"}
    full = explicit.decide(system, "statemachine.invariant", inv, reduce=False)
    red = explicit.decide(system, "statemachine.invariant", inv, reduce=True)
    assert full.status == red.status == "violated" and red.trace == full.trace and len(red.trace) - 1 == 1


def test_an_index_fixed_by_the_choice_is_one_element() -> None:
    # each move writes its own element of a: moves on different elements
    # are independent, so the reduced deadlock listing is a chain
    system = TransitionSystem(
        name="toy-array",
        variables=(integer("a", 0, 1, size=4),),
        init={"a": 0},
        transitions=(Transition(name="set", choose=(integer("p", 0, 3),), guard="a[p] == 0", update={"a[p]": 1}),),
    )
    assert len(explicit.explore(system).states) == 16
    assert len(explicit.explore(system, reduce="deadlock").states) == 5
    # an index read from the state is the whole array: no reduction
    system = TransitionSystem(
        name="toy-array-dynamic",
        variables=(integer("a", 0, 1, size=3), integer("i", 0, 2)),
        init={"a": 0, "i": 0},
        transitions=(
            Transition(name="set", guard="a[i] == 0", update={"a[i]": 1}),
            Transition(name="move", guard="i < 2", update={"i": "i + 1"}),
        ),
    )
    assert len(explicit.explore(system, reduce="deadlock").states) == len(explicit.explore(system).states)


def test_the_invisibility_condition_is_needed() -> None:
    # set0 and set1 are independent; the invariant fails only after set1
    # alone.  A reduction that fired one of them first everywhere (ignoring
    # that both change what the invariant reads) would miss the violation.
    system = _independent(2)
    args = {"invariant": "not (x1 and not x0)"}
    assert explicit.decide(system, "statemachine.invariant", args).status == "violated"
    assert len(explicit.explore(system, reduce="deadlock").states) == 3  # reduced without C2
    assert len(explicit.explore(system, reduce="safety", visible=[system.expr(args["invariant"])]).states) == 4


def test_the_cycle_proviso_is_needed() -> None:
    # `spin` loops on z for ever, independent of `fire`, which the
    # invariant sees: without the proviso the reduced listing could follow
    # spin's cycle and never fire `fire`
    system = TransitionSystem(
        name="toy-ignoring",
        variables=(boolean("z"), boolean("x")),
        init={"z": False, "x": False},
        transitions=(
            Transition(name="spin", update={"z": "not z"}),
            Transition(name="fire", guard="not x", update={"x": True}),
        ),
    )
    d = explicit.decide(system, "statemachine.invariant", {"invariant": "not x"})
    assert d.status == "violated" and len(d.trace) - 1 == 1


def test_the_necessary_enabling_set_is_needed() -> None:
    # `grab` is disabled at the start but conflicts with `first`; `arm`
    # enables it.  Firing only `first` (whose dependent move is disabled)
    # would lose the deadlock x == 2, reached by arm, then grab.
    system = TransitionSystem(
        name="toy-enabling",
        variables=(integer("x", 0, 2), boolean("y")),
        init={"x": 0, "y": False},
        transitions=(
            Transition(name="first", guard="x == 0", update={"x": 1}),
            Transition(name="arm", guard="not y", update={"y": True}),
            Transition(name="grab", guard="y and x == 0", update={"x": 2}),
        ),
    )
    full, red = _same(system, _prop("live", "statemachine.deadlock-free", **{"except": "x == 1"}))
    assert red.status == "violated" and red.reduction is not None and red.trace[-1]["state"]["x"] == 2


# -- random small systems ------------------------------------------------------

_ATOMS = ("b0", "b1", "not b0", "not b1", "n0 == 0", "n0 < 2", "n1 > 0", "n0 == n1", "a[0] == 1", "a[1] == 0", "a[p] == 0")
_UPDATES = {
    "b0": ("True", "False", "not b0", "b1"),
    "b1": ("True", "False", "not b1", "n0 == 1"),
    "n0": ("0", "min(n0 + 1, 2)", "n1", "max(n0 - 1, 0)"),
    "n1": ("0", "min(n1 + 1, 2)", "n0", "2 - n1"),
    "a[0]": ("0", "1", "1 - a[0]"),
    "a[1]": ("0", "1", "a[0]"),
    "a[p]": ("0", "1", "1 - a[p]"),
}


@st.composite
def _transition(draw, k: int) -> Transition:
    chooses = draw(st.booleans())
    # most moves keep to one variable (their "home"), as the processes of a
    # protocol do: that is where reduction has something to reduce
    home = draw(st.sampled_from(["b0", "b1", "n0", "n1", "a"]))
    local = draw(st.integers(0, 9)) < 7
    atoms = [a for a in _ATOMS if (chooses or "[p]" not in a) and (not local or home in a)]
    guard = " and ".join(draw(st.lists(st.sampled_from(atoms), min_size=0, max_size=2, unique=True))) or "True"
    targets = [t for t in _UPDATES if (chooses or "[p]" not in t) and (not local or t.startswith(home))]
    picked = draw(st.lists(st.sampled_from(targets), min_size=1, max_size=2, unique=True))
    if "a[p]" in picked and ("a[0]" in picked or "a[1]" in picked):
        picked = ["a[p]"]
    update = {t: draw(st.sampled_from([v for v in _UPDATES[t] if chooses or "[p]" not in v])) for t in picked}
    return Transition(name=f"t{k}", guard=guard, update=update, choose=(integer("p", 0, 1),) if chooses else ())


@st.composite
def _system(draw) -> TransitionSystem:
    n = draw(st.integers(2, 4))
    return TransitionSystem(
        name="random",
        variables=(boolean("b0"), boolean("b1"), integer("n0", 0, 2), integer("n1", 0, 2), integer("a", 0, 1, size=2)),
        init={"b0": False, "b1": draw(st.booleans()), "n0": 0, "n1": draw(st.integers(0, 2)), "a": 0},
        transitions=tuple(draw(_transition(k)) for k in range(n)),
    )


@given(_system(), st.lists(st.sampled_from([a for a in _ATOMS if "[p]" not in a]), min_size=1, max_size=2))
def test_random_systems_reduced_and_full_agree(system: TransitionSystem, atoms: list[str]) -> None:
    invariant = " or ".join(atoms)
    _same(system, _prop("inv", "statemachine.invariant", invariant=invariant))
    _same(system, _prop("reach", "statemachine.reachable", state=f"not ({invariant})"))
    _same(system, _prop("live", "statemachine.deadlock-free", **{"except": atoms[0]}))
    _same(system, _prop("live-all", "statemachine.deadlock-free"))


def test_a_reduction_that_does_not_pay_is_given_up(monkeypatch: pytest.MonkeyPatch) -> None:
    # give up after 50 states whatever the share reduced (share 0): the
    # listing is still a subset, every verdict unchanged
    # patched where _Reducer reads them (explicit only re-exports them)
    monkeypatch.setattr(explicit_reduction, "GIVE_UP_AFTER", 50)
    monkeypatch.setattr(explicit_reduction, "GIVE_UP_SHARE", 0)
    system = qtcp_window("w-2-3-1", window=2, packets=3, max_failures=1)
    g = explicit.explore(system, reduce="deadlock")
    assert "given up after 50 states" in (g.reduction or "")
    assert set(g.index) <= set(explicit.explore(system).index)
    for prop in system.properties:
        if prop.check in explicit.REDUCIBLE:
            _same(system, prop)


# -- symmetry ------------------------------------------------------------------

#: qkd-session's positions: every transition picks one with a choice used
#: for nothing else, the properties count over them.
_QKD_POSITIONS = ("role", "sampled", "dropped", "uses")


def _qkd_family() -> list[TransitionSystem]:
    return [s for s in _systems() if s.name.startswith("qkd-session")]


@pytest.mark.parametrize("system", _qkd_family(), ids=lambda s: s.name)
def test_symmetry_lists_one_state_per_orbit(system: TransitionSystem) -> None:
    assert explicit.symmetry_problem(system, _QKD_POSITIONS) is None
    full = explicit.explore(system)
    sym = explicit.explore(system, symmetry=_QKD_POSITIONS)
    assert full.complete and sym.complete and len(sym.states) < len(full.states)
    assert sym.stats()["reduction"].startswith("reduced: symmetry")
    # the orbits of the representatives are exactly the reachable states
    names = [v.name for v in system.variables]
    orbits = {tuple(x[n] for n in names) for s in sym.states for x in explicit._orbit(sym, s)}
    assert orbits == set(full.index)
    props = [p for p in system.properties if p.check in explicit.REDUCIBLE]
    props += [_prop(i.name, "statemachine.invariant", invariant=i.expr) for i in system.invariants]
    for prop in props:
        a = explicit.decide(system, prop.check, prop.args, reduce=False)
        b = explicit.decide(system, prop.check, prop.args, symmetry=_QKD_POSITIONS)
        assert (a.status, a.trace) == (b.status, b.trace), prop.id
        assert b.reduction is not None and b.reduction.startswith("symmetry")


def test_symmetry_is_refused_where_positions_differ() -> None:
    window = qtcp_window("w", window=2, packets=3)
    why = explicit.symmetry_problem(window, ("s", "m", "r", "stage1", "stage2", "accepts"))
    assert why is not None and "choice p" in why  # p == r_next: packets are ordered
    with pytest.raises(ValueError, match="not interchangeable"):
        explicit.explore(window, symmetry=("s",))

    def toy(guard: str, update: dict) -> TransitionSystem:
        return TransitionSystem(
            name="toy-positions",
            variables=(integer("a", 0, 2, size=3), integer("c", 0, 2)),
            init={"a": 0, "c": 0},
            transitions=(Transition(name="t", choose=(integer("p", 0, 2),), guard=guard, update=update),),
        )

    assert explicit.symmetry_problem(toy("a[p] == 0", {"a[p]": "a[p] + 1"}), ("a",)) is None
    assert "fixed or computed" in explicit.symmetry_problem(toy("a[0] == 0", {"a[p]": 1}), ("a",))
    assert "fixed or computed" in explicit.symmetry_problem(toy("True", {"a[c]": 1}), ("a",))
    assert "choice p" in explicit.symmetry_problem(toy("a[p] == 0", {"c": "p"}), ("a",))
    assert "used whole" in explicit.symmetry_problem(toy("a[p] == 0 and a == a", {"a[p]": 1}), ("a",))
    assert "not uniform" in explicit.symmetry_problem(toy("True", {"a": [0, 1, 2]}), ("a",))
    assert explicit.symmetry_problem(toy("count(a, 0) > 1", {"a[p]": 2}), ("a",)) is None


def test_an_asymmetric_property_is_checked_on_every_permutation() -> None:
    # the moves are symmetric, the claims are not: each representative
    # stands for its whole orbit, so position 2 is checked although the
    # representatives keep the set positions first (or last)
    system = TransitionSystem(
        name="toy-orbit",
        variables=(integer("a", 0, 1, size=3),),
        init={"a": 0},
        transitions=(Transition(name="set", choose=(integer("p", 0, 2),), guard="a[p] == 0", update={"a[p]": 1}),),
    )
    assert len(explicit.explore(system, symmetry=("a",)).states) == 4
    for check, args in (
        ("statemachine.invariant", {"invariant": "a[2] == 0 or a[0] == 1"}),
        ("statemachine.invariant", {"invariant": "a[0] == 0 or a[1] == 1 or a[2] == 1"}),
        ("statemachine.reachable", {"state": "a[2] == 1 and a[0] == 0"}),
        ("statemachine.deadlock-free", {"except": "a[1] == 1 and a[2] == 1 and a[0] == 1"}),
        ("statemachine.deadlock-free", {"except": "a[0] == 0"}),
    ):
        a = explicit.decide(system, check, args, reduce=False)
        b = explicit.decide(system, check, args, symmetry=("a",))
        assert (a.status, a.trace) == (b.status, b.trace), (check, args)
