"""Mutants of the catalogue's transition systems and their ground truth.

Mutation operators (each yields one mutant of one catalogue system):
flip a guard, drop one conjunct of a guard, turn one comparison into its
neighbour (``<`` ↔ ``<=``, ``==`` ↔ ``!=``), nudge an integer literal of a
guard by ±1 (off-by-one bounds), negate or perturb one update (a boolean
negated, an integer ±1, another enum value), drop one update, swap the
updates of two transitions, drop a transition, change one initial value
within its domain, and change a parameter (a constant) within its declared
range.  A mutation the spec language rejects is yielded with
``spec=None`` (killed at construction).  To keep the campaign affordable a
mutant keeps at most three of its origin's state-machine properties
(chosen with the same seeded generator); non-state-machine properties
(the repeater's algebraic checks of its update maps) are dropped.

Ground truth, by another road: **exhaustive explicit-state enumeration**
of the reachable states, written here (breadth-first search with hashing,
so every state's depth is its shortest run).  It shares no code with the
Z3 encoding in ``qproto.proofs.statemachine`` (no Z3, no BMC, no
induction, no monitor): it reads the spec's resolved expressions and fires
transitions with the plain-Python interpreter ``qproto.models.transition``
(``evaluate``, ``fire``, ``initial_states``), which is the executable
semantics of the spec language.  The properties are decided from their
definitions:

- invariant: every reachable state satisfies it;
- reachable: some reachable state satisfies it;
- deadlock-free (``except`` E): every reachable state outside E has a
  successor;
- response "within k steps after P, Q": no reachable state where P holds
  starts a path of k steps (a deadlocked state stays put) on which Q
  never holds.

The answer is UNKNOWN when the system cannot be enumerated (a real-valued
choice, a real variable left open by ``init``) or has more than
``STATE_LIMIT`` reachable states, and when a violation exists only deeper
than the BMC bound the engine uses for that property: a ``bounded``
verdict claims only runs up to its bound, so such a violation is not a
disagreement for it (and a ``proved`` verdict there cannot be told apart
from an honest ``bounded`` one without the verdict, which this interface
does not pass).  Real-valued variables with deterministic updates (the
repeater's fidelities) are enumerated exactly with Fractions.
"""

from __future__ import annotations

import dataclasses
import re
from collections import deque
from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import Any

import numpy as np

from qproto.models import transition as interp
from qproto.proofs.statemachine import DEFAULT_BOUND
from qproto.spec import catalogue
from qproto.spec.errors import QprotoError
from qproto.spec.protocol import Property
from qproto.spec.transition import BoolOp, Expr, Transition, TransitionSystem, parse

from .core import Mutant, Truth

#: Largest reachable state space the ground truth enumerates.
STATE_LIMIT = 60_000
#: Properties a mutant keeps (cost control; chosen by the seeded rng).
PROPERTIES_PER_MUTANT = 3

#: Origins and their weights: the retransmission machines cost the most to
#: verify (k-induction over 17 variables), so they are drawn less often.
ORIGINS = {
    "quantum-three-way-handshake": 3.0,
    "qtcp-two-stage": 3.0,
    "qudp-checksum": 2.0,
    "teleportation-causality": 2.0,
    "qkd-session": 1.5,
    "repeater-sync-cutoff": 2.0,
    "quantum-retransmission": 1.0,
    "quantum-retransmission-two-losses": 0.5,
    "quantum-retransmission-recursive": 1.0,
}

OPERATORS = (
    "flip-guard",
    "drop-guard-conjunct",
    "swap-comparison",
    "off-by-one",
    "perturb-update",
    "drop-update",
    "swap-updates",
    "drop-transition",
    "change-initial",
    "change-constant",
)


# ---------------------------------------------------------------------------
# mutation operators: each returns (description, changes for variant) or None


def _pick(rng: np.random.Generator, items: list[Any]) -> Any:
    return items[int(rng.integers(len(items)))]


def _replace_transition(system: TransitionSystem, index: int, new: Transition | None) -> tuple[Transition, ...]:
    out = list(system.transitions)
    if new is None:
        del out[index]
    else:
        out[index] = new
    return tuple(out)


def _guarded(system: TransitionSystem) -> list[int]:
    return [i for i, t in enumerate(system.transitions) if str(t.guard).strip() not in ("True", "")]


def _flip_guard(system: TransitionSystem, rng: np.random.Generator):
    idx = _guarded(system)
    if not idx:
        return None
    i = _pick(rng, idx)
    t = system.transitions[i]
    return f"guard of {t.name} negated", {
        "transitions": _replace_transition(system, i, dataclasses.replace(t, guard=f"not ({t.guard})"))
    }


def _drop_guard_conjunct(system: TransitionSystem, rng: np.random.Generator):
    cands = [
        i
        for i in _guarded(system)
        if isinstance(parse(system.transitions[i].guard), BoolOp) and parse(system.transitions[i].guard).op == "and"
    ]
    if not cands:
        return None
    i = _pick(rng, cands)
    t = system.transitions[i]
    node = parse(t.guard)
    assert isinstance(node, BoolOp)
    k = int(rng.integers(len(node.args)))
    rest = [a for j, a in enumerate(node.args) if j != k]
    guard = str(rest[0]) if len(rest) == 1 else str(BoolOp("and", tuple(rest)))
    return f"guard of {t.name}: conjunct {node.args[k]} dropped", {
        "transitions": _replace_transition(system, i, dataclasses.replace(t, guard=guard))
    }


_COMPARISONS = [("<=", "<"), ("<", "<="), (">=", ">"), (">", ">="), ("==", "!="), ("!=", "==")]
_CMP_RE = re.compile(r"(<=|>=|==|!=|<|>)")


def _swap_comparison(system: TransitionSystem, rng: np.random.Generator):
    cands = [(i, m) for i in _guarded(system) for m in _CMP_RE.finditer(str(system.transitions[i].guard))]
    if not cands:
        return None
    i, m = _pick(rng, cands)
    t = system.transitions[i]
    g = str(t.guard)
    new_op = dict(_COMPARISONS)[m.group(1)]
    guard = g[: m.start()] + new_op + g[m.end() :]
    return f"guard of {t.name}: {m.group(1)} became {new_op}", {
        "transitions": _replace_transition(system, i, dataclasses.replace(t, guard=guard))
    }


_INT_RE = re.compile(r"(?<![\w.\[/])(\d+)(?![\w.\]/])")


def _off_by_one(system: TransitionSystem, rng: np.random.Generator):
    cands = [(i, m) for i in _guarded(system) for m in _INT_RE.finditer(str(system.transitions[i].guard))]
    if not cands:
        return None
    i, m = _pick(rng, cands)
    t = system.transitions[i]
    g = str(t.guard)
    n = int(m.group(1))
    new = n + 1 if (n == 0 or rng.random() < 0.5) else n - 1
    guard = g[: m.start()] + str(new) + g[m.end() :]
    return f"guard of {t.name}: {n} became {new}", {
        "transitions": _replace_transition(system, i, dataclasses.replace(t, guard=guard))
    }


def _scalar_target(system: TransitionSystem, target: str):
    name = target.split("[")[0]
    try:
        return system.variable(name)
    except QprotoError:
        return None


def _perturb_update(system: TransitionSystem, rng: np.random.Generator):
    cands = [(i, k) for i, t in enumerate(system.transitions) for k, v in t.update.items() if not isinstance(v, (list, tuple))]
    if not cands:
        return None
    i, key = _pick(rng, cands)
    t = system.transitions[i]
    var = _scalar_target(system, key)
    if var is None:
        return None
    old = t.update[key]
    kind = var.type.kind
    if kind == "bool":
        new: Any = f"not ({old})"
    elif kind == "enum":
        others = [v for v in var.type.values if v != str(old)]
        if not others:
            return None
        new = _pick(rng, others)
    elif kind == "int":
        new = f"({old}) {'+' if rng.random() < 0.5 else '-'} 1"
    else:  # real: scale by a nearby constant
        new = f"({old}) * {_pick(rng, ['9/10', '11/10', '1/2'])}"
    update = dict(t.update)
    update[key] = new
    return f"{t.name}: {key} := {old} became {new}", {
        "transitions": _replace_transition(system, i, dataclasses.replace(t, update=update))
    }


def _drop_update(system: TransitionSystem, rng: np.random.Generator):
    cands = [(i, k) for i, t in enumerate(system.transitions) for k in t.update]
    if not cands:
        return None
    i, key = _pick(rng, cands)
    t = system.transitions[i]
    update = {k: v for k, v in t.update.items() if k != key}
    return f"{t.name}: update of {key} dropped", {
        "transitions": _replace_transition(system, i, dataclasses.replace(t, update=update))
    }


def _swap_updates(system: TransitionSystem, rng: np.random.Generator):
    n = len(system.transitions)
    if n < 2:
        return None
    i, j = (int(x) for x in rng.choice(n, size=2, replace=False))
    a, b = system.transitions[i], system.transitions[j]
    if a.choose or b.choose:
        return None  # updates reading a choice would not resolve in the other transition
    out = list(system.transitions)
    out[i] = dataclasses.replace(a, update=dict(b.update))
    out[j] = dataclasses.replace(b, update=dict(a.update))
    return f"updates of {a.name} and {b.name} swapped", {"transitions": tuple(out)}


def _drop_transition(system: TransitionSystem, rng: np.random.Generator):
    if len(system.transitions) < 2:
        return None
    i = int(rng.integers(len(system.transitions)))
    return f"transition {system.transitions[i].name} dropped", {"transitions": _replace_transition(system, i, None)}


def _other_value(var: Any, old: Any, rng: np.random.Generator) -> Any:
    t = var.type
    if t.kind == "bool":
        return not old if isinstance(old, bool) else True
    if t.kind == "enum":
        others = [v for v in t.values if v != old]
        return _pick(rng, others) if others else None
    if t.kind == "int":
        others = [v for v in range(t.low, t.high + 1) if v != old]
        return _pick(rng, others) if others else None
    lo = Fraction(t.low) if t.low is not None else Fraction(0)
    hi = Fraction(t.high) if t.high is not None else lo + 1
    return str(lo + (hi - lo) * Fraction(int(rng.integers(0, 5)), 4))


def _change_initial(system: TransitionSystem, rng: np.random.Generator):
    keys = list(system.init)
    if not keys:
        return None
    key = _pick(rng, keys)
    var = system.variable(key)
    old = system.init[key]
    if var.size is not None:
        vals = list(old) if isinstance(old, (list, tuple)) else [old] * var.size
        k = int(rng.integers(var.size))
        new_el = _other_value(var, vals[k], rng)
        if new_el is None:
            return None
        vals[k] = new_el
        new: Any = vals
        what = f"{key}[{k}]"
    else:
        new = _other_value(var, old, rng)
        if new is None:
            return None
        what = key
    init = dict(system.init)
    init[key] = new
    return f"initial {what} = {old} became {new}", {"init": init}


def _change_constant(system: TransitionSystem, rng: np.random.Generator):
    if not system.parameters:
        return None
    i = int(rng.integers(len(system.parameters)))
    p = system.parameters[i]
    d = p.default
    if p.integer:
        lo = p.low if p.low is not None else d - 2
        hi = p.high if p.high is not None else d + 2
        others = [v for v in range(int(lo), int(hi) + 1) if v != d]
        if not others:
            return None
        new: Any = _pick(rng, others)
    else:
        f = Fraction(d)
        new = f + Fraction(_pick(rng, [-1, 1]), 20)
        if (p.low is not None and new < p.low) or (p.high is not None and new > p.high):
            new = f - (new - f)
    params = list(system.parameters)
    params[i] = dataclasses.replace(p, default=new)
    return f"parameter {p.name} = {d} became {new}", {"parameters": tuple(params)}


_APPLY: dict[str, Callable[[TransitionSystem, np.random.Generator], Any]] = {
    "flip-guard": _flip_guard,
    "drop-guard-conjunct": _drop_guard_conjunct,
    "swap-comparison": _swap_comparison,
    "off-by-one": _off_by_one,
    "perturb-update": _perturb_update,
    "drop-update": _drop_update,
    "swap-updates": _swap_updates,
    "drop-transition": _drop_transition,
    "change-initial": _change_initial,
    "change-constant": _change_constant,
}


def _kept_properties(system: TransitionSystem, rng: np.random.Generator) -> tuple[Property, ...]:
    props = [p for p in system.properties if p.check.startswith("statemachine.")]
    if len(props) <= PROPERTIES_PER_MUTANT:
        return tuple(props)
    idx = sorted(int(i) for i in rng.choice(len(props), size=PROPERTIES_PER_MUTANT, replace=False))
    return tuple(props[i] for i in idx)


def _origins() -> list[TransitionSystem]:
    return [catalogue.find(name) for name in ORIGINS]  # type: ignore[misc]


def mutants(rng: np.random.Generator) -> Iterator[Mutant]:
    """An endless, seeded stream of mutants of the catalogue's transition
    systems."""
    systems = _origins()
    weights = np.array([ORIGINS[s.name] for s in systems])
    weights = weights / weights.sum()
    n = 0
    while True:
        origin = systems[int(rng.choice(len(systems), p=weights))]
        op = _pick(rng, list(OPERATORS))
        try:
            change = _APPLY[op](origin, rng)
        except QprotoError:
            change = None
        if change is None:
            continue
        description, fields = change
        props = _kept_properties(origin, rng)
        n += 1
        name = f"{origin.name}-mut{n}"
        try:
            spec = origin.variant(name, properties=props, flawed=None, **fields)
        except QprotoError as exc:
            yield Mutant("transition", origin.name, op, description, None, rejected=str(exc).splitlines()[0])
            continue
        yield Mutant("transition", origin.name, op, description, spec)


# ---------------------------------------------------------------------------
# ground truth: exhaustive explicit-state enumeration


@dataclasses.dataclass
class _Graph:
    states: list[dict[str, Any]]
    depth: list[int]
    succ: list[list[int]]


_GRAPHS: dict[int, tuple[TransitionSystem, _Graph | None]] = {}


def _enumerate(system: TransitionSystem) -> _Graph | None:
    """Every reachable state with its shortest-run depth and successors, or
    None when the system is not enumerable or too large."""
    cached = _GRAPHS.get(id(system))
    if cached is not None and cached[0] is system:
        return cached[1]
    graph = _explore(system)
    if len(_GRAPHS) > 64:
        _GRAPHS.clear()
    _GRAPHS[id(system)] = (system, graph)
    return graph


def _explore(system: TransitionSystem) -> _Graph | None:
    moves = []
    for t in system.checked_transitions:
        choices = interp.finite_choices(t)
        if choices is None:
            return None
        moves.append((t, choices))
    try:
        inits = interp.initial_states(system)
    except QprotoError:
        return None
    names = [v.name for v in system.variables]
    index: dict[tuple, int] = {}
    g = _Graph([], [], [])

    def add(state: dict[str, Any], depth: int) -> tuple[int, bool]:
        key = tuple(state[n] for n in names)
        if key in index:
            return index[key], False
        index[key] = len(g.states)
        g.states.append(state)
        g.depth.append(depth)
        g.succ.append([])
        return index[key], True

    queue: deque[int] = deque()
    for s in inits:
        i, new = add(s, 0)
        if new:
            queue.append(i)
    while queue:
        i = queue.popleft()
        seen: set[int] = set()
        for t, choices in moves:
            for ch in choices:
                try:
                    nxt = interp.fire(system, g.states[i], t, ch)
                except (interp.EvaluationError, ZeroDivisionError):
                    return None
                if nxt is None:
                    continue
                j, new = add(nxt, g.depth[i] + 1)
                if j not in seen:
                    seen.add(j)
                    g.succ[i].append(j)
                if new:
                    if len(g.states) > STATE_LIMIT:
                        return None
                    queue.append(j)
    return g


def _holds(system: TransitionSystem, text: Any) -> Callable[[dict[str, Any]], bool]:
    expr: Expr = system.expr(text)
    return lambda s: bool(interp.evaluate(expr, s))


def _bound(prop: Property) -> int:
    """The least BMC depth the engine searches for this property (with the
    campaign's options, which set no bound)."""
    return int(prop.args.get("bound") or DEFAULT_BOUND)


def _violated_within(depth: int, bound: int) -> Truth:
    return Truth.VIOLATED if depth <= bound else Truth.UNKNOWN


def ground_truth(spec: Any, prop: Property) -> Truth:
    """Whether ``prop`` holds on ``spec``, by exhaustive enumeration."""
    if not isinstance(spec, TransitionSystem) or not prop.check.startswith("statemachine."):
        return Truth.UNKNOWN
    g = _enumerate(spec)
    if g is None or not g.states:
        return Truth.UNKNOWN  # not enumerable, too large, or vacuous (no initial state)
    a = prop.args
    try:
        if prop.check == "statemachine.invariant":
            ok = _holds(spec, a["invariant"])
            bad = [g.depth[i] for i, s in enumerate(g.states) if not ok(s)]
            return _violated_within(min(bad), _bound(prop)) if bad else Truth.HOLDS
        if prop.check == "statemachine.reachable":
            hit = _holds(spec, a["state"])
            return Truth.HOLDS if any(hit(s) for s in g.states) else Truth.VIOLATED
        if prop.check == "statemachine.deadlock-free":
            final = _holds(spec, a.get("except", "False"))
            bad = [g.depth[i] for i, s in enumerate(g.states) if not g.succ[i] and not final(s)]
            return _violated_within(min(bad), _bound(prop)) if bad else Truth.HOLDS
        if prop.check == "statemachine.response":
            return _response(spec, g, prop)
    except (interp.EvaluationError, ZeroDivisionError):
        return Truth.UNKNOWN
    return Truth.UNKNOWN


def _response(spec: TransitionSystem, g: _Graph, prop: Property) -> Truth:
    a = prop.args
    within = int(a["within"])
    after, holds = _holds(spec, a["after"]), _holds(spec, a["holds"])
    q = [holds(s) for s in g.states]
    # avoid[i]: some path of k steps from i (staying put at a deadlock) on
    # which `holds` never holds, for k = 0..within
    avoid = [not x for x in q]
    for _ in range(within):
        avoid = [(not q[i]) and (any(avoid[j] for j in g.succ[i]) if g.succ[i] else avoid[i]) for i in range(len(g.states))]
    starts = [g.depth[i] for i, s in enumerate(g.states) if avoid[i] and after(s)]
    if not starts:
        return Truth.HOLDS
    bound = max(_bound(prop), within + 1)
    return _violated_within(min(starts) + within, bound)


__all__ = ["mutants", "ground_truth", "ORIGINS", "OPERATORS", "STATE_LIMIT"]
