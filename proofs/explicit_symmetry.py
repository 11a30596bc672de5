"""Symmetry reduction for the explicit-state engine: one state per orbit of interchangeable positions.

``symmetry_problem`` checks, on the syntax, that permuting the positions of
some arrays maps runs to runs; ``_canonical`` picks an orbit's
representative for ``explore(symmetry=...)`` and ``_orbit`` lists the
states a representative stands for when a property is evaluated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from qproto.models import transition as interp
from qproto.spec.errors import SpecError
from qproto.spec.transition import Binary, BoolOp, Call, Const, Expr, Index, Ite, Ref, TransitionSystem, Unary

if TYPE_CHECKING:
    from .explicit_graph import StateGraph


# ---------------------------------------------------------------------------
# symmetry reduction
#
# When the positions 0..N-1 of some arrays are interchangeable, permuting
# them maps runs to runs, so the reachable states fall into orbits and one
# representative per orbit (positions sorted) suffices.  Interchangeable
# is checked on the syntax, conservatively (``symmetry_problem``): the
# arrays are read or written only at a choice ranging over exactly
# 0..N-1 that is used for nothing else, or whole by count/sum/all/any (which
# ignore order), or assigned whole one uniform value; the initial states are
# closed under permutation.  A transition then commutes with every
# permutation π (firing it with choice i from π(s) gives π of firing it with
# π⁻¹(i) from s).  The property is not required to be symmetric: it is
# evaluated on every permutation of every representative, i.e. on every
# reachable state.

#: Functions of a whole array that ignore the order of its elements.
_ORDER_FREE = ("count", "sum", "all", "any")


def symmetry_problem(system: TransitionSystem, arrays: Sequence[str]) -> str | None:
    """None when the positions of ``arrays`` are interchangeable in
    ``system`` (by the syntactic rules above), else what breaks them."""
    group = set(arrays)
    if not group:
        return "no array named"
    sizes = set()
    for name in arrays:
        try:
            var = system.variable(name)
        except SpecError:
            return f"{name} is not a variable"
        if var.size is None:
            return f"{name} is not an array"
        sizes.add(var.size)
    if len(sizes) != 1:
        return "the arrays differ in size"
    (n,) = sizes

    def uses(e: Expr, index_choices: set[str], out: list[str]) -> None:
        # appends a problem to out; index_choices: choices allowed as indices
        if isinstance(e, Const):
            return
        if isinstance(e, Ref):
            if e.local and e.name in index_choices:
                out.append(f"choice {e.name} is used other than as a position of {', '.join(arrays)}")
            elif not e.local and e.name in group:
                out.append(f"{e.name} is used whole outside {'/'.join(_ORDER_FREE)}")
            return
        if isinstance(e, Index):
            if isinstance(e.array, Ref) and not e.array.local and e.array.name in group:
                if not (isinstance(e.index, Ref) and e.index.local and e.index.name in index_choices):
                    out.append(f"{e} reads a fixed or computed position")
                return
            uses(e.array, index_choices, out)
            uses(e.index, index_choices, out)
            return
        if isinstance(e, Call) and e.fn in _ORDER_FREE and e.args and isinstance(e.args[0], Ref) and e.args[0].name in group:
            for a in e.args[1:]:
                uses(a, index_choices, out)
            return
        if isinstance(e, Unary):
            uses(e.arg, index_choices, out)
        elif isinstance(e, Binary):
            uses(e.left, index_choices, out)
            uses(e.right, index_choices, out)
        elif isinstance(e, (BoolOp, Call)):
            for a in e.args:
                uses(a, index_choices, out)
        elif isinstance(e, Ite):
            for a in (e.cond, e.then, e.other):
                uses(a, index_choices, out)
        else:
            out.append(f"cannot read {e!r}")

    for t in system.checked_transitions:
        choices = {
            c.name for c in t.choose if c.size is None and c.type.kind == "int" and c.type.low == 0 and c.type.high == n - 1
        }
        out: list[str] = []
        uses(t.guard, choices, out)
        for name, index, value in t.updates:
            if name in group:
                if index is None:
                    values = value if isinstance(value, tuple) else (value,)
                    if len(set(values)) != 1 or any(not isinstance(v, Const) for v in values):
                        out.append(f"{name} is assigned whole a value that is not uniform")
                elif not (isinstance(index, Ref) and index.local and index.name in choices):
                    out.append(f"{name}[{index}] is written at a fixed or computed position")
            elif index is not None:
                uses(index, choices, out)
            for v in value if isinstance(value, tuple) else (value,):
                uses(v, choices, out)
        if out:
            return f"transition {t.name}: {out[0]}"
    try:
        inits = interp.initial_states(system)
    except SpecError as exc:
        return str(exc)
    names = [v.name for v in system.variables]
    keys = {tuple(s[k] for k in names) for s in inits}
    for s in inits:
        for p in _permutations(n):
            if tuple(_permute(s, arrays, p)[k] for k in names) not in keys:
                return "the initial states are not closed under permuting the positions"
    return None


def _permutations(n: int) -> list[tuple[int, ...]]:
    from itertools import permutations

    return list(permutations(range(n)))


def _permute(state: Mapping[str, Any], arrays: Sequence[str], p: Sequence[int]) -> dict[str, Any]:
    out = dict(state)
    for a in arrays:
        out[a] = tuple(state[a][k] for k in p)
    return out


def _canonical(arrays: tuple[str, ...]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The orbit representative: positions sorted by their values."""

    def canon(state: dict[str, Any]) -> dict[str, Any]:
        cols = sorted(zip(*(state[a] for a in arrays), strict=True), key=repr)
        out = dict(state)
        for j, a in enumerate(arrays):
            out[a] = tuple(c[j] for c in cols)
        return out

    return canon


def _orbit(g: StateGraph, state: dict[str, Any]) -> list[dict[str, Any]]:
    """Every state the representative ``state`` stands for (itself alone
    without symmetry)."""
    if not g.symmetry:
        return [state]
    n = len(state[g.symmetry[0]])
    return [_permute(state, g.symmetry, p) for p in _permutations(n)]
