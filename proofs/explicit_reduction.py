"""Partial-order reduction for the explicit-state engine: stubborn sets over move instances.

``explore(reduce=...)`` expands, in each state, only the enabled instances
of a stubborn set instead of every enabled move.  The soundness argument
(conditions C0-C3) is the comment below; ``_Reducer`` is
the implementation, ``_Locations`` the read/write analysis it rests on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from qproto.models import transition as interp
from qproto.spec.errors import InternalSignal
from qproto.spec.transition import Binary, BoolOp, Call, Const, Expr, Index, Ite, Ref, TransitionSystem, Unary

from .explicit_compile import Fn, NotEnumerable, _fire, _Move, compile_expr

if TYPE_CHECKING:
    from .explicit_graph import StateGraph


# ---------------------------------------------------------------------------
# partial-order reduction (stubborn sets)
#
# Moves of different packets, parties or slots that touch disjoint variables
# commute: the full listing explores every interleaving of them, although
# for a deadlock or an invariant one order is as good as another.  A
# stubborn set is a set T of move instances (a transition with one value
# of each choice) closed under
#
#   D1  for an enabled instance in T, every instance dependent on it is in T
#       (two instances are *independent* when neither writes a location the
#       other reads or writes; a location is a scalar variable or one element
#       of an array, read or written at an index fixed by the choices;
#       an index that depends on the state stands for the whole array);
#   D2' for a disabled instance in T, a necessary enabling set is in T: the
#       instances writing a location read by one conjunct of its guard that
#       is false in this state (no run can enable it without changing that
#       conjunct), or, when its guard holds (an update out of its domain),
#       every instance writing a location it reads.
#
# Expanding only the enabled instances of T ("the ample set") is then safe
# in this sense: on any run from s, the first instance of T to fire is one
# enabled at s (a disabled one can only be enabled from inside T), and it
# commutes with every move fired before it (those are outside T, hence
# independent of it).  So every run from s can be reordered to start with
# an ample move, reaching the same state.  The standard consequences:
#
#   C0  T holds an enabled instance whenever one exists (it is grown from
#       one), so a state is a deadlock in the reduced graph iff it is one in
#       the full graph;
#   C1  is D1 + D2' above.  With C0 alone every reachable deadlock stays
#       reachable (Valmari's theorem): mode "deadlock".  A move that raises
#       an evaluation error behaves, for this argument, like a move into an
#       error deadlock that reads what the move reads, so a reachable error
#       (which makes the full listing give up) is also met by the reduced one;
#   C2  (mode "safety") a proper ample set contains no *visible* instance,
#       one writing a location the property reads: the property's truth
#       changes only on fully expanded states;
#   C3  (mode "safety") the cycle proviso for breadth-first search: a state
#       is fully expanded when an ample move leads to a state already listed.
#       Every cycle of the reduced graph then has a fully expanded state (the
#       state of the cycle expanded last reaches an already-listed one), so
#       no move is postponed forever.
#
# With C0-C3 each run of the full system has a reduced run that passes the
# same sequence of property values (stuttering aside): an invariant fails in
# some reachable state iff it fails in some state of the reduced listing, a
# target is reachable iff the reduced listing reaches it.  Step counts are
# not kept (the reduced run may be longer): bounded response is never
# reduced, and a counterexample found on a reduced listing is searched again
# without reduction so that the trace is the shortest (decide()).

#: ``explore(reduce=...)`` modes.
REDUCTIONS = ("deadlock", "safety")
#: The checks ``decide`` reduces by default, and how (response keeps step
#: counts, which reduction does not: never reduced).
REDUCIBLE = {
    "statemachine.invariant": "safety",
    "statemachine.reachable": "safety",
    "statemachine.deadlock-free": "deadlock",
}
#: After this many expansions with a choice of moves, the reduction is
#: given up (every later state fully expanded, which is always allowed) if
#: fewer than 1 in GIVE_UP_SHARE of them had a proper ample set: on a
#: machine whose moves all share a variable (a window, a failure budget)
#: the search for small stubborn sets costs more than it saves.
GIVE_UP_AFTER = 2_000
GIVE_UP_SHARE = 10
#: More move instances than this: the pairwise dependency table is too big
#: to be worth it, the listing is not reduced.
MAX_INSTANCES = 2_000


class _Everything(InternalSignal):
    """An expression the dependency analysis cannot read: it stands for
    every location (the conservative answer)."""


def _reads_state(e: Expr) -> bool:
    if isinstance(e, Const):
        return False
    if isinstance(e, Ref):
        return not e.local
    if isinstance(e, Index):
        return _reads_state(e.array) or _reads_state(e.index)
    if isinstance(e, Unary):
        return _reads_state(e.arg)
    if isinstance(e, Binary):
        return _reads_state(e.left) or _reads_state(e.right)
    if isinstance(e, (BoolOp, Call)):
        return any(_reads_state(a) for a in e.args)
    if isinstance(e, Ite):
        return _reads_state(e.cond) or _reads_state(e.then) or _reads_state(e.other)
    return True


class _Locations:
    """Bit numbers of the locations: one per scalar, one per array element."""

    def __init__(self, system: TransitionSystem) -> None:
        self.bits: dict[tuple[str, int | None], int] = {}
        self.whole: dict[str, int] = {}
        for var in system.variables:
            mask = 0
            for k in [None] if var.size is None else range(var.size):
                bit = 1 << len(self.bits)
                self.bits[(var.name, k)] = bit
                mask |= bit
            self.whole[var.name] = mask
        self.all = (1 << len(self.bits)) - 1

    def element(self, name: str, index: Expr | None, choice: Mapping[str, Any]) -> int:
        """The location(s) of ``name[index]``: one element when the index
        is fixed by the choices, else the whole array."""
        if name not in self.whole:
            raise _Everything(name)
        if index is None or _reads_state(index):
            return self.whole[name]
        try:
            k = compile_expr(index)({}, choice)
        except Exception:  # noqa: BLE001 - an index that cannot be evaluated: the whole array
            return self.whole[name]
        return self.bits.get((name, k), self.whole[name]) if isinstance(k, int) and not isinstance(k, bool) else self.whole[name]

    def reads(self, e: Expr, choice: Mapping[str, Any]) -> int:
        if isinstance(e, Const):
            return 0
        if isinstance(e, Ref):
            return 0 if e.local else self.element(e.name, None, choice)
        if isinstance(e, Index):
            idx = self.reads(e.index, choice)
            if isinstance(e.array, Ref) and not e.array.local:
                return idx | self.element(e.array.name, e.index, choice)
            return idx | self.reads(e.array, choice)
        if isinstance(e, Unary):
            return self.reads(e.arg, choice)
        if isinstance(e, Binary):
            return self.reads(e.left, choice) | self.reads(e.right, choice)
        if isinstance(e, (BoolOp, Call)):
            out = 0
            for a in e.args:
                out |= self.reads(a, choice)
            return out
        if isinstance(e, Ite):
            return self.reads(e.cond, choice) | self.reads(e.then, choice) | self.reads(e.other, choice)
        raise _Everything(repr(e))


def _conjuncts(e: Expr) -> list[Expr]:
    if isinstance(e, BoolOp) and e.op == "and":
        return [c for a in e.args for c in _conjuncts(a)]
    return [e]


def _bits(mask: int) -> list[int]:
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


class _Reducer:
    """Stubborn-set expansion of one state (the argument is above)."""

    def __init__(self, system: TransitionSystem, moves: Sequence[_Move], mode: str, visible: Sequence[Expr]) -> None:
        self.mode = mode
        locs = _Locations(system)
        checked = system.checked_transitions
        self.instances: list[tuple[_Move, dict[str, Any]]] = []
        reads: list[int] = []
        writes: list[int] = []
        conjunct_reads: list[list[tuple[Fn, int]]] = []
        for move, t in zip(moves, checked, strict=True):
            conjuncts = [(compile_expr(c), c) for c in _conjuncts(t.guard)]
            for ch in move.choices:
                self.instances.append((move, ch))
                try:
                    conjunct_reads.append([(f, locs.reads(c, ch)) for f, c in conjuncts])
                except _Everything:
                    conjunct_reads.append([])
                try:
                    r = locs.reads(t.guard, ch)
                    w = 0
                    for name, index, value in t.updates:
                        if index is not None:
                            r |= locs.reads(index, ch)
                        w |= locs.element(name, index, ch)
                        for v in value if isinstance(value, tuple) else (value,):
                            r |= locs.reads(v, ch)
                except _Everything:
                    r = w = locs.all
                reads.append(r)
                writes.append(w)
        try:
            seen = 0
            for e in visible:
                seen |= locs.reads(e, {})
        except _Everything:
            seen = locs.all
        n = len(self.instances)
        self.active = 1 < n <= MAX_INSTANCES
        self.dep = [0] * n  # instances dependent on a (in either direction)
        self.enablers = [0] * n  # instances writing what a reads
        #: per instance, each guard conjunct and the instances writing what it reads
        self.conjuncts: list[list[tuple[Fn, int]]] = [[] for _ in range(n)]
        self.visible = 0  # instances writing what the property reads
        self.reduced_states = 0  # states expanded with a proper ample set
        self.expanded = 0  # states expanded while trying to reduce
        #: where the reduction was given up (see GIVE_UP_AFTER), or None
        self.abandoned_at: int | None = None
        if not self.active:
            return
        for a in range(n):
            if writes[a] & seen:
                self.visible |= 1 << a
            for b in range(n):
                if a == b:
                    continue
                if writes[b] & reads[a]:
                    self.enablers[a] |= 1 << b
                    self.dep[a] |= 1 << b
                elif writes[a] & (reads[b] | writes[b]):
                    self.dep[a] |= 1 << b
        for a in range(n):
            for f, r in conjunct_reads[a]:
                self.conjuncts[a].append((f, sum(1 << b for b in range(n) if b != a and writes[b] & r)))

    def describe(self) -> str:
        if self.mode == "deadlock":
            what = "stubborn sets (every reachable deadlock kept)"
        else:
            what = "stubborn sets with invisibility and the cycle proviso (the property's truth kept on every run)"
        what += f"; {self.reduced_states} of {self.expanded} states expanded with a proper subset of their moves"
        if self.abandoned_at is not None:
            what += f"; given up after {self.abandoned_at} states (too few reduced), the rest fully expanded"
        return what

    def _false_conjuncts(self, x: int, state: dict[str, Any]) -> list[int]:
        """The writer sets of the guard conjuncts of the disabled instance
        ``x`` that are false in ``state`` (each one a necessary enabling
        set), or [every writer of what ``x`` reads] when none is false."""
        ch = self.instances[x][1]
        out = []
        for f, writers in self.conjuncts[x]:
            try:
                false = not f(state, ch)
            except Exception:  # noqa: BLE001 - a conjunct that cannot be evaluated here is not a witness
                continue
            if false:
                out.append(writers)
        return out or [self.enablers[x]]

    def _stubborn(self, seed: int, enabled: int, best: int, state: dict[str, Any], nes: dict[int, list[int]]) -> int | None:
        """The stubborn set grown from ``seed``, or None once it has
        ``best`` enabled instances or more (no better than one found)."""
        t = 1 << seed
        work = [seed]
        while work:
            x = work.pop()
            if enabled >> x & 1:
                add = self.dep[x]
            else:
                options = nes.get(x)
                if options is None:
                    options = nes[x] = self._false_conjuncts(x, state)
                # any one necessary enabling set will do: the one adding least
                add = min(options, key=lambda w: (w & ~t).bit_count())
            new = add & ~t
            if new:
                t |= new
                if (t & enabled).bit_count() >= best:
                    return None
                work.extend(_bits(new))
        return t

    def successors(self, g: StateGraph, state: dict[str, Any]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
        # every instance is fired (not only the ample ones): enabledness is
        # needed for the closure, and an evaluation error anywhere in a
        # listed state stops the engine exactly as the full listing would
        fired: dict[int, dict[str, Any]] = {}
        enabled = 0
        for a, (move, ch) in enumerate(self.instances):
            try:
                nxt = _fire(move, state, ch)
            except (interp.EvaluationError, ZeroDivisionError, IndexError, TypeError) as exc:
                raise NotEnumerable(f"{move.name} cannot be evaluated in a reachable state ({exc})") from None
            if nxt is not None:
                fired[a] = nxt
                enabled |= 1 << a
        chosen = enabled
        count = enabled.bit_count()
        if self.abandoned_at is None and count > 1:
            self.expanded += 1
            if self.expanded == GIVE_UP_AFTER and self.reduced_states * GIVE_UP_SHARE < self.expanded:
                # fully expanding is always a stubborn set, so stopping the
                # search for smaller ones keeps every condition
                self.abandoned_at = self.expanded
            best = count
            nes: dict[int, list[int]] = {}
            for seed in _bits(enabled):
                t = self._stubborn(seed, enabled, best, state, nes)
                if t is None:
                    continue
                ample = t & enabled
                if self.mode == "safety" and ample & self.visible:
                    continue  # C2
                if ample.bit_count() < best:
                    chosen, best = ample, ample.bit_count()
                    if best == 1:
                        break
            if chosen != enabled and self.mode == "safety":
                index = g.index
                names = g.names
                if any(tuple(fired[a][n] for n in names) in index for a in _bits(chosen)):
                    chosen = enabled  # C3
            if chosen != enabled:
                self.reduced_states += 1
        return [(self.instances[a][0].name, self.instances[a][1], fired[a]) for a in _bits(chosen)]
