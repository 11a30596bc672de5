"""The transition-system family: typed variables, an initial condition,
named guarded transitions, invariants and bounded-response properties.

A transition system is a protocol told as the states its parties can be in
and the moves between them.  The same spec is compiled to Z3 by
``qproto.proofs.statemachine`` (bounded model checking, k-induction) and
interpreted in plain Python by ``qproto.models.transition`` (which replays
every Z3 counterexample before it is reported).  Expressions are therefore
*data*, never Python callables: strings in Python syntax, parsed here into a
small AST that both sides read.

How to write a system
---------------------

>>> from qproto.spec.transition import TransitionSystem, Transition, Invariant, boolean, integer, enum, real
>>> from qproto.spec.protocol import Property
>>> LINK = TransitionSystem(
...     name="toy-link",
...     summary="A sender retries a message until it is delivered.",
...     variables=(
...         enum("phase", ("SENDING", "DONE")),
...         integer("tries", 0, 3, text="attempts so far"),
...         boolean("delivered"),
...         real("fidelity", 0, 1, text="a real-valued variable"),
...     ),
...     init={"phase": "SENDING", "tries": 0, "delivered": False, "fidelity": "9/10"},
...     transitions=(
...         Transition(name="lose", guard="phase == SENDING and tries < 2",
...                    update={"tries": "tries + 1", "fidelity": "fidelity * 99/100"}),
...         Transition(name="deliver", guard="phase == SENDING",
...                    update={"phase": "DONE", "delivered": True}),
...     ),
...     invariants=(Invariant(name="done-means-delivered", expr="phase == DONE implies delivered"),),
...     properties=(
...         Property(id="done-means-delivered", statement="...", engine="statemachine",
...                  check="statemachine.invariant", args={"invariant": "done-means-delivered"}),
...         Property(id="delivers", statement="...", engine="statemachine",
...                  check="statemachine.response",
...                  args={"after": "phase == SENDING", "within": 3, "holds": "delivered"}),
...         Property(id="fidelity-floor", statement="...", engine="statemachine",
...                  check="statemachine.invariant", args={"invariant": "fidelity >= 88/100"}),
...         Property(id="non-vacuous", statement="...", engine="statemachine",
...                  check="statemachine.reachable", args={"state": "delivered and tries == 2"}),
...     ),
... )
>>> [t.name for t in LINK.transitions]
['lose', 'deliver']
>>> str(LINK.expr("phase == DONE implies delivered"))
'(phase == DONE) implies delivered'

Variables (one of each kind; ``size=n`` makes any of them a fixed array of
``n`` elements, indexed ``a[0]`` or ``a[i]``):

- ``boolean(name)``; ``integer(name, low, high)`` (a bounded integer);
  ``enum(name, ("A", "B"))``; ``real(name, low=None, high=None)`` (exact
  rationals in Python, Z3 ``Real``; linear arithmetic is decided, products
  of two variables may leave Z3 ``unknown`` → inconclusive).

Expressions (Python syntax, in strings): names of variables, of the spec's
``parameters`` (constants: change them with ``variant``) and of enum values
(bare ``DONE`` or quoted ``'DONE'``); literals ``True``, ``3``, ``9/10``,
``0.9`` (read exactly as 9/10); ``and or not``, ``a implies b``,
``== != < <= > >=`` (chains allowed), ``+ - *``, ``/`` by a constant,
``** n`` for a constant ``n``, ``x if c else y``, ``a[i]``, and over arrays
``sum(a)``, ``count(a, v)``, ``all(a)``, ``any(a)``; ``min(x, y)``,
``max(x, y)``, ``abs(x)``.

Semantics (the same on both sides):

- ``init`` maps variables to values or expressions over parameters; a
  variable it omits starts anywhere in its domain, subject to
  ``initially`` (an extra constraint).
- A transition fires when its ``guard`` holds **and** every updated value
  lies in its variable's domain (a bounded counter at its top disables the
  move instead of wrapping).  Variables not in ``update`` keep their value;
  updates read the *old* state (simultaneous assignment).
- ``choose`` declares local values picked at each firing (a loss position,
  a measured fidelity); the guard and updates may read them.
- A run is any sequence of firings; there is no implicit idling.  A state
  with nothing enabled ends the run, so a protocol that should be live says
  so with a response property or a ``statemachine.deadlock-free`` check.
- ``within k steps after X, Y``: on every run, whenever X holds at step i,
  Y holds at some step j with i ≤ j ≤ i + k.

Where a paper leaves a detail open, a spec records the reading it chose in
``readings`` (topic, choice, reason): the document shows them.

Reading order (every name stays importable from here):
``transition_types`` (:class:`Type`, :class:`Var`, the variable builders),
``transition_syntax`` (the expression nodes), ``transition_parser``
(:func:`parse`), ``transition_typecheck`` (:class:`Scope`, :func:`resolve`),
then this module: the system (:class:`Transition`, :class:`Invariant`,
:class:`Reading`, :class:`CheckedTransition`, :class:`TransitionSystem`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import SpecError
from .protocol import Protocol
from .transition_parser import (  # noqa: F401  (private names re-exported for older imports)
    _ARITH,
    _CMP,
    _FUNCS,
    _from_ast,
    _hide_implies_groups,
    _is_word_at,
    _parse_plain,
    _split_implies,
    parse,
)
from .transition_syntax import (  # noqa: F401
    Binary,
    BoolOp,
    Call,
    Const,
    Expr,
    Index,
    Ite,
    Name,
    Ref,
    Unary,
    _show,
    _wrap,
    names_in,
)
from .transition_typecheck import (  # noqa: F401
    _NOT_CONSTANT,
    Scope,
    _fold_constant,
    _join_numeric,
    _numeric,
    check_initial_value,
    check_value,
    resolve,
)
from .transition_types import BOOL, INT, REAL, Type, Var, _exact_number, boolean, enum, integer, real  # noqa: F401

# ---------------------------------------------------------------------------
# the spec objects


@dataclass(frozen=True, kw_only=True)
class Transition:
    """A named guarded move: when ``guard`` holds, assign ``update``
    simultaneously (keys are variables, ``a[i]`` elements or whole arrays;
    values are expressions).  ``party`` says who moves; ``choose`` declares
    values picked at each firing."""

    name: str
    guard: Any = "True"
    update: Mapping[str, Any] = field(default_factory=dict)
    choose: tuple[Var, ...] = ()
    party: str = ""
    text: str = ""

    def __hash__(self) -> int:
        return hash(self.name)


@dataclass(frozen=True, kw_only=True)
class Invariant:
    """A named claim that must hold in every reachable state.  Properties
    refer to it by name; ``text`` says why it matters."""

    name: str
    expr: Any
    text: str = ""


@dataclass(frozen=True, kw_only=True)
class Reading:
    """An engineering choice where the source paper leaves a detail open:
    what was chosen and why a network engineer would choose it."""

    topic: str
    choice: str
    reason: str


@dataclass(frozen=True)
class CheckedTransition:
    """A transition with its guard and updates resolved against the
    system (the form both the Z3 compiler and the interpreter read)."""

    name: str
    guard: Expr
    #: (variable, index or None, value); index None on an array means a
    #: whole-array assignment whose value is a tuple of expressions.
    updates: tuple[tuple[str, Expr | None, Any], ...]
    choose: tuple[Var, ...]
    source: Transition


@dataclass(frozen=True, kw_only=True)
class TransitionSystem(Protocol):
    """A protocol as a transition system.

    Args:
        variables: the state variables (see :func:`boolean`, :func:`integer`,
            :func:`enum`, :func:`real`).
        init: initial values (constants or expressions over parameters);
            arrays take a list or one value for every element.
        initially: an extra initial constraint.  Defaults to ``"True"``.
        transitions: the moves, each named.
        invariants: named claims, referred to by properties.
        readings: engineering choices made where the source is silent.
    """

    family: str = "transition"
    variables: tuple[Var, ...] = ()
    init: Mapping[str, Any] = field(default_factory=dict)
    initially: Any = "True"
    transitions: tuple[Transition, ...] = ()
    invariants: tuple[Invariant, ...] = ()
    readings: tuple[Reading, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        names = [v.name for v in self.variables]
        if len(set(names)) != len(names):
            raise SpecError(f"{self.name}: a variable name appears twice in {names}")
        tnames = [t.name for t in self.transitions]
        if len(set(tnames)) != len(tnames):
            raise SpecError(f"{self.name}: a transition name appears twice in {tnames}")
        inames = [i.name for i in self.invariants]
        if len(set(inames)) != len(inames):
            raise SpecError(f"{self.name}: an invariant name appears twice in {inames}")
        clash = set(names) & {p.name for p in self.parameters}
        if clash:
            raise SpecError(f"{self.name}: {sorted(clash)} are both variables and parameters")
        # resolve everything now so a bad spec fails when it is written
        self.checked_transitions  # noqa: B018
        self.checked_init  # noqa: B018
        for inv in self.invariants:
            self.expr(inv.expr, where=f"{self.name} invariant {inv.name!r}")

    def __hash__(self) -> int:
        return hash((self.name, self.version))

    # -- resolution -------------------------------------------------------
    def constants(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.parameters}

    def scope(self, locals_: Sequence[Var] = ()) -> Scope:
        return Scope(self.variables, self.constants(), locals_)

    def variable(self, name: str) -> Var:
        for v in self.variables:
            if v.name == name:
                return v
        raise SpecError(f"{self.name}: unknown variable {name!r}; variables are {[v.name for v in self.variables]}")

    def transition(self, name: str) -> Transition:
        for t in self.transitions:
            if t.name == name:
                return t
        raise SpecError(f"{self.name}: unknown transition {name!r}; transitions are {[t.name for t in self.transitions]}")

    def invariant(self, name: str) -> Invariant:
        for i in self.invariants:
            if i.name == name:
                return i
        raise SpecError(f"{self.name}: unknown invariant {name!r}; invariants are {[i.name for i in self.invariants]}")

    def expr(self, text: Any, where: str | None = None, locals_: Sequence[Var] = (), want: str | None = "bool") -> Expr:
        """``text`` resolved in this system's scope.  A name of one of the
        spec's invariants stands for its expression.  ``want`` is the kind
        the value must have (``bool`` by default, None for any)."""
        where = where or f"{self.name}: expression"
        if isinstance(text, str) and text in {i.name for i in self.invariants} and text not in {v.name for v in self.variables}:
            text = self.invariant(text).expr
        node, t = resolve(parse(text), self.scope(locals_), where)
        if want is not None and t.kind != want and not (want == "real" and t.kind == "int"):
            raise SpecError(f"{where}: {text!r} has type {t}, expected {want}")
        return node

    @functools.cached_property
    def checked_transitions(self) -> tuple[CheckedTransition, ...]:
        out = []
        for t in self.transitions:
            where = f"{self.name} transition {t.name!r}"
            for c in t.choose:
                if c.size is not None:
                    raise SpecError(f"{where}: choice {c.name} must be a scalar")
                if c.name in {v.name for v in self.variables}:
                    raise SpecError(f"{where}: choice {c.name} shadows a state variable")
            guard = self.expr(t.guard, where=f"{where} guard", locals_=t.choose)
            ups: list[tuple[str, Expr | None, Any]] = []
            seen: set[str] = set()
            for target, value in t.update.items():
                var, index = self._target(target, where, t.choose)
                key = f"{var.name}[{index}]" if index is not None else var.name
                if var.name in seen or key in seen:
                    raise SpecError(f"{where}: {target!r} is assigned twice")
                seen.add(key)
                if var.size is not None and index is None:
                    vals = value if isinstance(value, (list, tuple)) else [value] * var.size
                    if isinstance(value, str) and value.strip().startswith("["):
                        node = parse(value)
                        vals = list(node.args) if isinstance(node, Call) and node.fn == "array" else vals
                    if len(vals) != var.size:
                        raise SpecError(f"{where}: {var.name} has {var.size} elements, update gives {len(vals)}")
                    ups.append((var.name, None, tuple(self._value(v, var, f"{where} update {target!r}", t.choose) for v in vals)))
                else:
                    ups.append((var.name, index, self._value(value, var, f"{where} update {target!r}", t.choose)))
            out.append(CheckedTransition(t.name, guard, tuple(ups), tuple(t.choose), t))
        return tuple(out)

    def _target(self, target: str, where: str, locals_: Sequence[Var]) -> tuple[Var, Expr | None]:
        node = parse(target)
        if isinstance(node, Name):
            return self.variable(node.id), None
        if isinstance(node, Index) and isinstance(node.array, Name):
            var = self.variable(node.array.id)
            if var.size is None:
                raise SpecError(f"{where}: {target!r} indexes {var.name}, which is not an array")
            resolved, _ = resolve(node, self.scope(locals_), f"{where} update target {target!r}")
            assert isinstance(resolved, Index)
            return var, resolved.index
        raise SpecError(f"{where}: update target {target!r} must be a variable or an element a[i]")

    def _value(self, value: Any, var: Var, where: str, locals_: Sequence[Var]) -> Expr:
        return check_value(value, var, self.scope(locals_), where)

    @functools.cached_property
    def checked_init(self) -> tuple[tuple[tuple[str, Any], ...], Expr]:
        """((variable, value-expr or tuple of them), ...) and the extra
        initial constraint."""
        out: list[tuple[str, Any]] = []
        for name, value in self.init.items():
            var = self.variable(name)
            where = f"{self.name} init {name!r}"
            if var.size is not None:
                vals = value if isinstance(value, (list, tuple)) else [value] * var.size
                if len(vals) != var.size:
                    raise SpecError(f"{where}: {name} has {var.size} elements, init gives {len(vals)}")
                out.append((name, tuple(self._value(v, var, where, ()) for v in vals)))
            else:
                out.append((name, self._value(value, var, where, ())))
        for name, value in out:
            self._check_initial_domain(self.variable(name), value)
        extra = self.expr(self.initially, where=f"{self.name} initially")
        return tuple(out), extra

    def _check_initial_domain(self, var: Var, value: Any) -> None:
        check_initial_value(self.name, var, value)

    def describe(self) -> list[str]:
        """The system as lines of text: a document a reviewer can read."""
        lines = ["variables:"]
        lines += [f"  {v.describe()}" for v in self.variables]
        lines.append(
            "initially: "
            + ", ".join(f"{k} = {_show(v)}" for k, v in self.init.items())
            + ("" if self.initially == "True" else f"; {self.initially}")
        )
        lines.append("transitions:")
        for t in self.transitions:
            ch = f" choosing {', '.join(c.describe() for c in t.choose)}" if t.choose else ""
            who = f"{t.party}: " if t.party else ""
            ups = ", ".join(f"{k} := {_show(v)}" for k, v in t.update.items()) or "(no change)"
            lines.append(f"  {who}{t.name}{ch}: when {t.guard} do {ups}" + (f"  — {t.text}" if t.text else ""))
        if self.invariants:
            lines.append("invariants:")
            lines += [f"  {i.name}: {i.expr}" + (f"  — {i.text}" if i.text else "") for i in self.invariants]
        return lines


__all__ = [
    "Type",
    "Var",
    "boolean",
    "integer",
    "enum",
    "real",
    "Expr",
    "Const",
    "Name",
    "Ref",
    "Index",
    "Unary",
    "Binary",
    "BoolOp",
    "Ite",
    "Call",
    "parse",
    "resolve",
    "names_in",
    "Scope",
    "Transition",
    "Invariant",
    "Reading",
    "CheckedTransition",
    "TransitionSystem",
]
