"""The state-machine engine: explicit-state listing or Z3, per property.

**Engine choice** (``options["sm_engine"]``, CLI ``--sm-engine``): ``auto``
(default) decides a property on the complete listing of the reachable
states (``qproto.proofs.explicit``) when the system is enumerable (no real
variable or choice) and has at most ``options["state_limit"]`` reachable
states (default ``explicit.DEFAULT_STATE_LIMIT``) and the listing finishes
within half the per-property timeout; otherwise Z3, as below.  On a
complete listing invariants, deadlock freedom, bounded response and
reachability are proved outright, violations come with the shortest trace
(replayed like Z3's), the spec's lemmas are checked (a false one is
reported, never needed), and non-vacuity is checked on the listing.  The
evidence says ``engine_used`` ("explicit" | "z3"), the listing's size and
speed, and for Z3 ``engine_note`` (why not explicit).  ``z3`` forces Z3;
``explicit`` still falls back to Z3 (saying why) when no listing is possible.

The Z3 path:

- **Bounded model checking**, incremental: one long-lived solver holds the
  unrolling ``Init(s0) ∧ T(s0,s1) ∧ …``; the goal at depth d ("the property
  fails in s_d") is asserted only under a fresh assumption literal and
  checked with ``check(lit)``.  When it is unsat, the property is asserted
  at depth d as a lemma (it holds on every state reachable in d steps) and
  the unrolling grows by one step.  No push/pop: the solver keeps what it
  learnt.
- **k-induction** with simple-path constraints, on a second long-lived
  solver: states s0..sk, all pairwise distinct, the property at s0..s(k-1)
  and its negation at sk (again under an assumption literal).  Unsat, with
  the base case checked to depth k-1 by BMC, is a proof for every run;
  the evidence is the certificate (k, the inductive formula, the lemmas
  it was strengthened with).
- A **deterministic resource limit** (Z3 ``rlimit``, per check): a check
  that returns ``unknown`` — limit hit, nonlinear arithmetic — makes the
  verdict **inconclusive** with ``reason_unknown()``, never proved.
- Induction that does not close by ``max_k`` gives **bounded** (BMC found
  nothing up to the stated bound) — never proved.
- Every counterexample is decoded into the JSON trace ``[{"step",
  "transition", "state", "choice"}]`` and **replayed** on the Python
  interpreter (``qproto.models.transition``) before it is reported; a
  trace that does not replay is an ``error`` (an engine bug), not a
  refutation.

Properties (``Property.check``):

- ``statemachine.invariant``: ``args = {"invariant": expr | invariant name,
  "strengthen": [names...]}``;
- ``statemachine.response``: ``{"after": X, "within": k, "holds": Y,
  "strengthen": [...]}`` — on every run, X at step i implies Y at some step
  in i..i+k.  Encoded with a monitor variable (steps since the oldest
  unanswered X, saturating) whose bound is then an invariant.  An optional
  ``"progress": R`` (an integer expression: the most steps still needed)
  adds ``pending ≥ 0 ⟹ pending + R ≤ k ∧ R ≥ 1`` to the induction, so a
  correct ranking function gives a 1- or 2-inductive proof (a wrong one is
  simply not inductive: the engine then proceeds without it);
- ``statemachine.reachable``: ``{"state": expr}`` — non-vacuity: a run
  reaching the state, found by BMC and replayed (a witness is a proof of
  existence);
- ``statemachine.deadlock-free``: ``{"except": expr}`` — some transition
  is enabled in every reachable state outside ``except``.

Options (from the CLI): ``bound`` (BMC depth when induction does not
close), ``max_k``, ``rlimit`` (Z3's deterministic resource limit per
check) and ``timeout`` (wall-clock seconds per property: every solver check
gets Z3's ``timeout`` parameter, in ms, set to what is left of 90 % of the
budget; expiry is ``inconclusive`` with ``reason_unknown()``).

Non-vacuity: before any proof the engine checks that Init ∧ domains is
satisfiable; if not, every verdict is ``error`` (vacuous).  A proved verdict
carries ``evidence["non_vacuity"]`` (an initial state; for a response
property a run reaching its trigger, and a trigger that no run reaches makes
the claim vacuous unless ``allow_vacuous`` says why that is intended; for an
invariant ``A implies B`` a run reaching A, else a warning).  A false
auxiliary invariant that is dropped, or a progress measure that does not
decrease, is listed in ``evidence["warnings"]``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, cast

import z3

from qproto.models import transition as interp
from qproto.spec.errors import SpecError
from qproto.spec.protocol import Property, Protocol
from qproto.spec.transition import (
    Binary,
    BoolOp,
    Call,
    CheckedTransition,
    Const,
    Expr,
    Index,
    Ite,
    Ref,
    TransitionSystem,
    Type,
    Unary,
)

from . import explicit
from .registry import checker, validator
from .verdict import Status, bounded, inconclusive, proved, refuted, vacuous

#: Defaults: BMC depth when induction fails, the largest k tried, and the
#: per-check resource limit (deterministic, unlike a wall-clock timeout).
DEFAULT_BOUND = 20
DEFAULT_MAX_K = 12
DEFAULT_RLIMIT = 20_000_000
#: Share of the per-property wall-clock budget (``options["timeout"]``) that
#: Z3's solver timeouts may use; the runner's own interrupt comes at 100 %.
TIMEOUT_SHARE = 0.9


class Unknown(Exception):
    """Z3 answered ``unknown``: the reason is in ``args[0]``."""


# ---------------------------------------------------------------------------
# encoding


@dataclass
class Monitor:
    """An extra state variable the engine adds (bounded response):
    ``w`` = steps since the oldest ``after`` not yet answered by ``holds``,
    -1 when none; it saturates at ``within``."""

    name: str
    after: Expr
    holds: Expr
    within: int


class Encoding:
    """The transition system as Z3 terms, one copy of the state per step
    (created lazily), with selector variables naming the transition taken."""

    def __init__(self, system: TransitionSystem, tag: str, monitors: Sequence[Monitor] = (), stutter: bool = False) -> None:
        self.system = system
        #: extend a deadlocked state by stuttering (response properties:
        #: a run that stops before Y must not escape the claim)
        self.stutter = stutter
        self.tag = tag
        self.monitors = list(monitors)
        self.transitions = system.checked_transitions
        self._states: dict[int, dict[str, Any]] = {}
        self._choices: dict[tuple[int, str], dict[str, Any]] = {}
        self._selectors: dict[int, z3.ArithRef] = {}

    # -- variables ----------------------------------------------------------
    def _sort_var(self, name: str, t: Type) -> Any:
        if t.kind == "bool":
            return z3.Bool(name)
        if t.kind == "real":
            return z3.Real(name)
        return z3.Int(name)

    def state(self, i: int) -> dict[str, Any]:
        if i not in self._states:
            st: dict[str, Any] = {}
            for v in self.system.variables:
                if v.size is None:
                    st[v.name] = self._sort_var(f"{self.tag}{v.name}@{i}", v.type)
                else:
                    st[v.name] = [self._sort_var(f"{self.tag}{v.name}[{j}]@{i}", v.type) for j in range(v.size)]
            for m in self.monitors:
                st[m.name] = z3.Int(f"{self.tag}{m.name}@{i}")
            self._states[i] = st
        return self._states[i]

    def choices(self, i: int, t: CheckedTransition) -> dict[str, Any]:
        key = (i, t.name)
        if key not in self._choices:
            self._choices[key] = {c.name: self._sort_var(f"{self.tag}{t.name}.{c.name}@{i}", c.type) for c in t.choose}
        return self._choices[key]

    def selector(self, i: int) -> z3.ArithRef:
        if i not in self._selectors:
            self._selectors[i] = z3.Int(f"{self.tag}transition@{i}")
        return self._selectors[i]

    # -- constraints -------------------------------------------------------
    @staticmethod
    def _in_type(x: Any, t: Type) -> z3.BoolRef:
        if t.kind == "bool":
            return z3.BoolVal(True)
        if t.kind == "enum":
            return z3.And(x >= 0, x < len(t.values))
        parts = []
        if t.low is not None:
            parts.append(x >= _num(t.low))
        if t.high is not None:
            parts.append(x <= _num(t.high))
        return z3.And(*parts) if parts else z3.BoolVal(True)

    def domain(self, i: int) -> z3.BoolRef:
        st = self.state(i)
        parts = []
        for v in self.system.variables:
            xs = st[v.name] if v.size is not None else [st[v.name]]
            parts += [self._in_type(x, v.type) for x in xs]
        for m in self.monitors:
            parts.append(z3.And(st[m.name] >= -1, st[m.name] <= m.within))
        return z3.And(*parts)

    def init(self) -> z3.BoolRef:
        st = self.state(0)
        values, extra = self.system.checked_init
        parts = [self.domain(0)]
        for name, value in values:
            if isinstance(value, tuple):
                parts += [x == self.expr(v, 0) for x, v in zip(st[name], value)]
            else:
                parts.append(st[name] == self.expr(value, 0))
        parts.append(self.expr(extra, 0))
        for m in self.monitors:
            parts.append(st[m.name] == z3.If(z3.And(self.expr(m.after, 0), z3.Not(self.expr(m.holds, 0))), 0, -1))
        return z3.And(*parts)

    def trans(self, i: int) -> z3.BoolRef:
        """T(s_i, s_{i+1}): the selector names one transition, whose guard
        holds and whose updates (and frame) give s_{i+1}, inside the domain."""
        cur, nxt = self.state(i), self.state(i + 1)
        sel = self.selector(i)
        n = len(self.transitions)
        parts = [sel >= 0, sel < (n + 1 if self.stutter else n), self.domain(i + 1)]
        if self.stutter:
            same = [self.distinct(i, i + 1, only_system=True)]
            parts.append(z3.Implies(sel == n, z3.And(z3.Not(self.enabled(i)), z3.Not(same[0]))))
        for j, t in enumerate(self.transitions):
            loc = self.choices(i, t)
            body = [self._in_type(loc[c.name], c.type) for c in t.choose]
            body.append(self.expr(t.guard, i, loc))
            new: dict[str, Any] = {
                v.name: (list(cur[v.name]) if v.size is not None else cur[v.name]) for v in self.system.variables
            }
            for name, index, value in t.updates:
                var = self.system.variable(name)
                if var.size is not None and index is None:
                    new[name] = [self.expr(v, i, loc) for v in value]
                elif index is not None:
                    idx = self.expr(index, i, loc)
                    val = self.expr(value, i, loc)
                    new[name] = [z3.If(idx == e, val, x) for e, x in enumerate(new[name])]
                else:
                    new[name] = self.expr(value, i, loc)
            for v in self.system.variables:
                if v.size is None:
                    body.append(nxt[v.name] == new[v.name])
                else:
                    body += [a == b for a, b in zip(nxt[v.name], new[v.name])]
            parts.append(z3.Implies(sel == j, z3.And(*body)))
        for m in self.monitors:
            w, w2 = cur[m.name], nxt[m.name]
            holds2 = self.expr(m.holds, i + 1)
            after2 = self.expr(m.after, i + 1)
            parts.append(w2 == z3.If(holds2, -1, z3.If(w >= 0, z3.If(w + 1 > m.within, m.within, w + 1), z3.If(after2, 0, -1))))
        return z3.And(*parts)

    def enabled(self, i: int) -> z3.BoolRef:
        """Some transition can fire from s_i (with some choice, into the domain)."""
        cur = self.state(i)
        opts = []
        for t in self.transitions:
            loc = {c.name: self._sort_var(f"{self.tag}en.{t.name}.{c.name}@{i}", c.type) for c in t.choose}
            body = [self._in_type(loc[c.name], c.type) for c in t.choose] + [self.expr(t.guard, i, loc)]
            for name, index, value in t.updates:
                var = self.system.variable(name)
                if var.size is not None and index is None:
                    body += [self._in_type(self.expr(v, i, loc), var.type) for v in value]
                else:
                    body.append(self._in_type(self.expr(value, i, loc), var.type))
            f = z3.And(*body)
            if loc:
                values = [interp.finite_values(c.type) for c in t.choose]
                total = 1
                for vs in values:
                    total = total * len(vs) if vs is not None else 10**9
                if total <= 64:
                    # a small finite choice: expand the existential
                    import itertools

                    cases = []
                    # total <= 64 means every choice is finite (a real one counts 10**9)
                    for combo in itertools.product(*cast(list[list[Any]], values)):
                        subst = [(loc[c.name], _lit(c.type, v)) for c, v in zip(t.choose, combo)]
                        cases.append(z3.substitute(f, *subst))
                    f = z3.Or(*cases)
                else:
                    f = z3.Exists(list(loc.values()), f)
            opts.append(f)
        del cur
        return z3.Or(*opts) if opts else z3.BoolVal(False)

    def distinct(self, i: int, j: int, only_system: bool = False) -> z3.BoolRef:
        a, b = self.state(i), self.state(j)
        diffs = []
        monitors = {m.name for m in self.monitors}
        for k in a:
            if only_system and k in monitors:
                continue
            xs = a[k] if isinstance(a[k], list) else [a[k]]
            ys = b[k] if isinstance(b[k], list) else [b[k]]
            diffs += [x != y for x, y in zip(xs, ys)]
        return z3.Or(*diffs)

    # -- expressions ------------------------------------------------------
    def expr(self, e: Expr, i: int, local: Mapping[str, Any] | None = None) -> Any:
        st = self.state(i)
        local = local or {}

        def enum_index(c: Const) -> int:
            assert c.type is not None
            return c.type.values.index(c.value)

        def go(e: Expr) -> Any:
            if isinstance(e, Const):
                v = e.value
                if isinstance(v, bool):
                    return z3.BoolVal(v)
                if isinstance(v, str):
                    return z3.IntVal(enum_index(e))
                if isinstance(v, Fraction):
                    return z3.Q(v.numerator, v.denominator)
                return z3.IntVal(v)
            if isinstance(e, Ref):
                return local[e.name] if e.local else st[e.name]
            if isinstance(e, Index):
                arr = go(e.array)
                if isinstance(e.index, Const):
                    return arr[e.index.value]
                idx = go(e.index)
                out = arr[-1]
                for k in range(len(arr) - 2, -1, -1):
                    out = z3.If(idx == k, arr[k], out)
                return out
            if isinstance(e, Unary):
                a = go(e.arg)
                return z3.Not(a) if e.op == "not" else -a
            if isinstance(e, BoolOp):
                args = [go(a) for a in e.args]
                return z3.And(*args) if e.op == "and" else z3.Or(*args)
            if isinstance(e, Ite):
                return z3.If(go(e.cond), go(e.then), go(e.other))
            if isinstance(e, Binary):
                a, b = go(e.left), go(e.right)
                op = e.op
                if op == "implies":
                    return z3.Implies(a, b)
                if op == "==":
                    return a == b
                if op == "!=":
                    return a != b
                if op == "<":
                    return a < b
                if op == "<=":
                    return a <= b
                if op == ">":
                    return a > b
                if op == ">=":
                    return a >= b
                if op == "+":
                    return a + b
                if op == "-":
                    return a - b
                if op == "*":
                    return a * b
                if op == "/":
                    return _to_real(a) / _to_real(b)
                if op == "**":
                    assert isinstance(e.right, Const)  # resolve() admits only a constant exponent
                    n = e.right.value
                    out = z3.IntVal(1) if not z3.is_real(a) else z3.RealVal(1)
                    for _ in range(n):
                        out = out * a
                    return out
            if isinstance(e, Call):
                if e.fn == "sum":
                    return z3.Sum(*go(e.args[0]))
                if e.fn == "all":
                    return z3.And(*go(e.args[0]))
                if e.fn == "any":
                    return z3.Or(*go(e.args[0]))
                if e.fn == "count":
                    arr, v = go(e.args[0]), go(e.args[1])
                    return z3.Sum(*[z3.If(x == v, 1, 0) for x in arr])
                if e.fn in ("min", "max"):
                    a, b = go(e.args[0]), go(e.args[1])
                    return z3.If(a <= b, a, b) if e.fn == "min" else z3.If(a >= b, a, b)
                if e.fn == "abs":
                    a = go(e.args[0])
                    return z3.If(a >= 0, a, -a)
            raise SpecError(f"cannot compile {e!r} to Z3")

        return go(e)

    # -- decoding ---------------------------------------------------------
    def _value(self, model: z3.ModelRef, x: Any, t: Type) -> Any:
        v = model.eval(x, model_completion=True)
        if t.kind == "bool":
            return z3.is_true(v)
        if t.kind == "enum":
            return t.values[v.as_long()]
        if t.kind == "int":
            return v.as_long()
        if z3.is_algebraic_value(v):
            raise Unknown(f"an algebraic (irrational) value {v} in the model cannot be replayed exactly")
        f = v.as_fraction()
        return int(f) if f.denominator == 1 else f

    def decode(self, model: z3.ModelRef, depth: int) -> list[dict[str, Any]]:
        """The JSON trace s_0..s_depth (the shape ``qproto.report.render_trace`` prints)."""
        trace = []
        for i in range(depth + 1):
            st = self.state(i)
            values = {}
            for v in self.system.variables:
                if v.size is None:
                    values[v.name] = interp.to_json_value(self._value(model, st[v.name], v.type))
                else:
                    values[v.name] = [interp.to_json_value(self._value(model, x, v.type)) for x in st[v.name]]
            row: dict[str, Any] = {"step": i, "transition": None, "state": values}
            if i > 0:
                j = model.eval(self.selector(i - 1), model_completion=True).as_long()
                if j == len(self.transitions):
                    row["transition"] = interp.STUTTER
                    trace.append(row)
                    continue
                t = self.transitions[j]
                row["transition"] = t.name
                if t.choose:
                    loc = self.choices(i - 1, t)
                    row["choice"] = {c.name: interp.to_json_value(self._value(model, loc[c.name], c.type)) for c in t.choose}
            trace.append(row)
        return trace


def _lit(t: Type, v: Any) -> Any:
    """A Python value of type ``t`` as a Z3 literal (enums as their index)."""
    if t.kind == "bool":
        return z3.BoolVal(v)
    if t.kind == "enum":
        return z3.IntVal(t.values.index(v))
    return z3.IntVal(v)


def _num(v: Any) -> Any:
    if isinstance(v, Fraction):
        return z3.Q(v.numerator, v.denominator)
    return v


def _to_real(x: Any) -> Any:
    if z3.is_int(x):
        return z3.ToReal(x)
    return x


# ---------------------------------------------------------------------------
# the two solvers


@dataclass
class Limits:
    """The budget of one property: BMC depth, the largest k, Z3's
    deterministic ``rlimit`` per check and an optional wall-clock
    ``timeout`` (seconds) for the whole property, counted from creation."""

    bound: int = DEFAULT_BOUND
    max_k: int = DEFAULT_MAX_K
    rlimit: int = DEFAULT_RLIMIT
    timeout: float | None = None
    deadline: float | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.timeout is not None and self.deadline is None:
            # the runner interrupts the whole checker at `timeout` (SIGALRM);
            # Z3 is told to stop a little earlier, so that the verdict carries
            # Z3's own reason_unknown() and the depth reached
            self.deadline = time.monotonic() + TIMEOUT_SHARE * self.timeout

    @classmethod
    def from_options(cls, prop_args: Mapping[str, Any], options: Mapping[str, Any]) -> Limits:
        timeout = options.get("timeout") or prop_args.get("timeout")
        return cls(
            bound=int(options.get("bound") or prop_args.get("bound") or DEFAULT_BOUND),
            max_k=int(options.get("max_k") or prop_args.get("max_k") or DEFAULT_MAX_K),
            rlimit=int(options.get("rlimit") or prop_args.get("rlimit") or DEFAULT_RLIMIT),
            timeout=float(timeout) if timeout else None,
        )

    def describe(self) -> str:
        """The limits as the reason of an inconclusive verdict states them."""
        return f"rlimit={self.rlimit} per check" + (f", timeout={self.timeout:g} s per property" if self.timeout else "")


def _solver(limits: Limits) -> z3.Solver:
    s = z3.Solver()
    s.set("rlimit", limits.rlimit)
    # the wall-clock limit is re-armed before every check with what is left
    # of the property's budget (see _check); the solver stores the deadline
    s.qproto_deadline = limits.deadline  # type: ignore[attr-defined]
    return s


def _check(s: z3.Solver, *assumptions: Any) -> bool:
    """sat → True, unsat → False, unknown (including an expired wall-clock
    budget) → :class:`Unknown` with Z3's ``reason_unknown()``."""
    deadline = getattr(s, "qproto_deadline", None)
    if deadline is not None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise Unknown("timeout: the per-property wall-clock budget expired")
        s.set("timeout", max(1, int(left * 1000)))
    r = s.check(*assumptions)
    if r == z3.sat:
        return True
    if r == z3.unsat:
        return False
    reason = s.reason_unknown()
    if deadline is not None and time.monotonic() >= deadline:
        reason = f"wall-clock timeout; Z3: {reason}"
    raise Unknown(reason)


@dataclass
class BMC:
    """Incremental bounded model checking: one solver, the unrolling grows
    step by step, each goal is checked under its own assumption literal."""

    enc: Encoding
    limits: Limits
    solver: z3.Solver = field(init=False)
    depth: int = field(init=False, default=0)
    checks: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.solver = _solver(self.limits)
        self.solver.add(self.enc.init())

    def extend_to(self, depth: int) -> None:
        while self.depth < depth:
            self.solver.add(self.enc.trans(self.depth))
            self.depth += 1

    def find(self, goal_at: Any, depth: int) -> z3.ModelRef | None:
        """A model of the unrolling to ``depth`` with ``goal_at(depth)``."""
        self.extend_to(depth)
        lit = z3.Bool(f"{self.enc.tag}goal#{self.checks}")
        self.checks += 1
        self.solver.add(z3.Implies(lit, goal_at(depth)))
        return self.solver.model() if _check(self.solver, lit) else None

    def lemma(self, formula: Any) -> None:
        self.solver.add(formula)


@dataclass
class Induction:
    """The k-induction step case on its own long-lived solver: s_0..s_k
    pairwise distinct, P on s_0..s_{k-1}, ¬P on s_k under a literal."""

    enc: Encoding
    prop_at: Any
    limits: Limits
    solver: z3.Solver = field(init=False)
    k: int = field(init=False, default=0)
    checks: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.solver = _solver(self.limits)
        self.solver.add(self.enc.domain(0))

    def step(self) -> bool:
        """Grow to k+1 and check; True when P is (k+1)-inductive."""
        k = self.k
        self.solver.add(self.prop_at(k))
        self.solver.add(self.enc.trans(k))
        for j in range(k + 1):
            self.solver.add(self.enc.distinct(j, k + 1))
        self.k = k + 1
        lit = z3.Bool(f"{self.enc.tag}step#{self.k}")
        self.checks += 1
        self.solver.add(z3.Implies(lit, z3.Not(self.prop_at(self.k))))
        return not _check(self.solver, lit)


# ---------------------------------------------------------------------------
# the procedures


@dataclass
class Outcome:
    """What the engine established; turned into a verdict by the checkers."""

    status: str  # proved | refuted | bounded | inconclusive | reached | lemma-false
    k: int | None = None
    bound: int | None = None
    trace: list[dict[str, Any]] | None = None
    failed: str | None = None
    reason: str = ""
    checks: int = 0
    seconds: float = 0.0


def prove_invariant(
    system: TransitionSystem,
    goals: Sequence[tuple[str, Expr]],
    limits: Limits,
    monitors: Sequence[Monitor] = (),
    extra_goals: Sequence[tuple[str, Any]] = (),
    induction: bool = True,
    stutter: bool = False,
) -> Outcome:
    """Prove the conjunction of ``goals`` (name, expression) by
    k-induction, interleaved with BMC for the base case; on failure of
    induction, BMC to ``limits.bound``.  ``extra_goals`` are (name,
    function i -> Z3 formula) for goals not written as expressions (a
    monitor bound, deadlock freedom)."""
    t0 = time.perf_counter()
    base = Encoding(system, "b.", monitors, stutter)
    step = Encoding(system, "k.", monitors, stutter)

    def parts(enc: Encoding, i: int) -> list[tuple[str, Any]]:
        return [(n, enc.expr(e, i)) for n, e in goals] + [(n, f(enc, i)) for n, f in extra_goals]

    def conj(enc: Encoding) -> Any:
        return lambda i: z3.And(*[f for _, f in parts(enc, i)])

    bmc = BMC(base, limits)
    ind = Induction(step, conj(step), limits)
    depth = 0
    step_unknown = ""
    try:
        while True:
            model = bmc.find(lambda i: z3.Not(conj(base)(i)), depth)
            if model is not None:
                trace = base.decode(model, depth)
                # which goal failed?  the first one false in the last state
                failed = next(
                    (n for n, f in parts(base, depth) if z3.is_false(model.eval(f, model_completion=True))),
                    goals[0][0] if goals else "",
                )
                return Outcome(
                    "refuted",
                    trace=trace,
                    failed=failed,
                    checks=bmc.checks + ind.checks,
                    seconds=time.perf_counter() - t0,
                    bound=depth,
                )
            bmc.lemma(conj(base)(depth))
            # the base case now covers depths 0..depth: try (depth+1)-induction
            if induction and ind.k < limits.max_k:
                try:
                    if ind.step():
                        return Outcome(
                            "proved", k=ind.k, bound=depth, checks=bmc.checks + ind.checks, seconds=time.perf_counter() - t0
                        )
                except Unknown as exc:
                    # the step case is too hard: no proof, but BMC may still bound it
                    induction = False
                    step_unknown = f"k-induction step at k={ind.k} returned unknown ({exc.args[0]})"
            if depth >= limits.bound and (not induction or ind.k >= limits.max_k):
                break
            depth += 1
    except Unknown as exc:
        return Outcome(
            "inconclusive",
            reason=f"Z3 returned unknown ({exc.args[0]}) at depth {depth} ({limits.describe()})",
            bound=depth - 1 if depth else None,
            checks=bmc.checks + ind.checks,
            seconds=time.perf_counter() - t0,
        )
    return Outcome(
        "bounded",
        bound=depth,
        k=ind.k or None,
        reason=step_unknown,
        checks=bmc.checks + ind.checks,
        seconds=time.perf_counter() - t0,
    )


def find_run(system: TransitionSystem, target: Expr, limits: Limits) -> Outcome:
    """The shortest run (by depth) to a state satisfying ``target``."""
    t0 = time.perf_counter()
    enc = Encoding(system, "r.")
    bmc = BMC(enc, limits)
    try:
        for depth in range(limits.bound + 1):
            model = bmc.find(lambda i: enc.expr(target, i), depth)
            if model is not None:
                return Outcome(
                    "reached", trace=enc.decode(model, depth), bound=depth, checks=bmc.checks, seconds=time.perf_counter() - t0
                )
    except Unknown as exc:
        return Outcome(
            "inconclusive",
            reason=f"Z3 returned unknown ({exc.args[0]}) ({limits.describe()})",
            checks=bmc.checks,
            seconds=time.perf_counter() - t0,
        )
    return Outcome("bounded", bound=limits.bound, checks=bmc.checks, seconds=time.perf_counter() - t0)


# ---------------------------------------------------------------------------
# checkers


def _system(spec: Protocol) -> TransitionSystem:
    if not isinstance(spec, TransitionSystem):
        raise SpecError(f"{spec.name}: statemachine checks need a TransitionSystem spec, got {type(spec).__name__}")
    return spec


def _goals(system: TransitionSystem, prop: Property, main: tuple[str, Expr] | None) -> list[tuple[str, Expr]]:
    goals = [main] if main else []
    for name in prop.args.get("strengthen", ()):
        goals.append((name, system.expr(system.invariant(name).expr, where=f"{system.name} invariant {name!r}")))
    return goals


def _certificate(system: TransitionSystem, out: Outcome, goals: Sequence[tuple[str, Any]], limits: Limits) -> dict[str, Any]:
    return {
        "method": "k-induction with simple-path constraints (Z3), base case by incremental BMC",
        "k": out.k,
        "base_depth": out.bound,
        "inductive": " and ".join(f"({g})" for _, g in goals),
        "strengthened_with": [n for n, _ in goals[1:]],
        "rlimit": limits.rlimit,
        "timeout": limits.timeout,
        "checks": out.checks,
        "z3": z3.get_version_string(),
    }


def _refutation(system: TransitionSystem, out: Outcome, replay: interp.Replay, what: str, limits: Limits):
    assert out.trace is not None
    if not replay.ok:
        return Status.ERROR, {
            "summary": f"Z3 found a counterexample that does not replay on the interpreter ({replay.reason}); "
            "an engine bug, not a verdict",
            "trace": out.trace,
            "replay": replay.to_json(),
        }
    return refuted(
        f"{what}: counterexample of {len(out.trace) - 1} steps, replayed on the Python interpreter",
        counterexample=out.trace,
        trace=out.trace,
        replay=replay.to_json(),
        depth=len(out.trace) - 1,
        rlimit=limits.rlimit,
    )


def _undecided(out: Outcome, what: str, limits: Limits, goals: Sequence[tuple[str, Any]]):
    if out.status == "inconclusive":
        return inconclusive(out.reason, rlimit=limits.rlimit, timeout=limits.timeout, checks=out.checks)
    why = out.reason or f"k-induction did not close up to k={limits.max_k}"
    assert out.bound is not None  # a bounded outcome always records its depth
    return bounded(
        f"{what} holds on every run of up to {out.bound} steps (BMC); {why}, so this is not a proof for longer runs",
        bound=out.bound,
        max_k=limits.max_k,
        inductive_candidate=" and ".join(f"({g})" for _, g in goals),
        checks=out.checks,
    )


# ---------------------------------------------------------------------------
# non-vacuity: a property over an empty set of states is never proved


def _initial_state(system: TransitionSystem, limits: Limits, options: Mapping[str, Any]) -> tuple[str, Any]:
    """Whether Init ∧ domains is satisfiable, before any proof: ("ok", one
    initial state as JSON), ("empty", reason) or ("unknown", reason).
    Cached per spec for one run (``options["_cache"]``)."""
    cache = options.get("_cache")
    key = ("statemachine.initial-state", system.name, id(system))
    if isinstance(cache, dict) and key in cache:
        return cast(tuple[str, Any], cache[key])
    enc = Encoding(system, "i.")
    solver = _solver(limits)
    solver.add(enc.init())
    try:
        if _check(solver):
            answer: tuple[str, Any] = ("ok", enc.decode(solver.model(), 0)[0]["state"])
        else:
            answer = (
                "empty",
                "the initial states are empty: the init values, the initial constraint "
                f"({system.initially}) and the variable domains contradict each other, so every claim "
                "about the runs would hold vacuously",
            )
    except Unknown as exc:
        answer = (
            "unknown",
            f"Z3 returned unknown ({exc.args[0]}) while checking that an initial state exists ({limits.describe()})",
        )
    if isinstance(cache, dict):
        cache[key] = answer
    return answer


def _precheck(system: TransitionSystem, limits: Limits, options: Mapping[str, Any]) -> tuple[Any, Any]:
    """(verdict to return at once, None) when there is no initial state (or
    Z3 cannot tell), else (None, the witness initial state)."""
    status, detail = _initial_state(system, limits, options)
    if status == "empty":
        return vacuous(detail, initially=str(system.initially)), None
    if status == "unknown":
        return inconclusive(detail, rlimit=limits.rlimit, timeout=limits.timeout), None
    return None, detail


def _with(verdict: tuple[Status, dict[str, Any]], **extra: Any) -> tuple[Status, dict[str, Any]]:
    """The verdict with extra evidence; ``warnings`` lists are joined."""
    st, ev = verdict
    ev = dict(ev)
    warnings = list(ev.get("warnings", [])) + list(extra.pop("warnings", []))
    ev.update({k: v for k, v in extra.items() if v is not None})
    if warnings:
        ev["warnings"] = warnings
    return st, ev


def _dropped_lemma_warning(lemma: str | None, trace: list[dict[str, Any]] | None) -> str:
    steps = f"a run of {len(trace) - 1} steps" if trace else "a run"
    return (
        f"auxiliary invariant {lemma!r} is false ({steps} violates it) and was dropped: "
        "the verdict does not rely on it; fix or remove it in the spec"
    )


def _antecedent(expr: Expr) -> Expr | None:
    """The left side of a top-level ``A implies B`` (where vacuity hides)."""
    return expr.left if isinstance(expr, Binary) and expr.op == "implies" else None


def _antecedent_witness(system: TransitionSystem, antecedent: Expr, limits: Limits) -> dict[str, Any]:
    """A short run reaching ``antecedent`` (BMC up to the bound): evidence
    that an implication invariant is not vacuous, or a warning that it may be."""
    probe = Limits(bound=limits.bound, max_k=limits.max_k, rlimit=limits.rlimit, timeout=limits.timeout, deadline=limits.deadline)
    out = find_run(system, antecedent, probe)
    if out.status == "reached":
        return {"antecedent_reached": {"state": str(antecedent), "steps": len(out.trace or []) - 1}}
    why = out.reason if out.status == "inconclusive" else f"no run of up to {out.bound} steps reaches it"
    return {"warnings": [f"the invariant's premise {antecedent} may never hold ({why}): the invariant may hold vacuously"]}


def _after_reachability(system: TransitionSystem, after: Expr, limits: Limits) -> Outcome:
    """Decide whether a response property's trigger ``after`` is reachable:
    refuted (a run reaches it), proved (it is unreachable), or neither."""
    probe = Limits(bound=limits.bound, max_k=limits.max_k, rlimit=limits.rlimit, timeout=limits.timeout, deadline=limits.deadline)
    return prove_invariant(system, [(f"never {after}", Unary("not", after))], probe)


# ---------------------------------------------------------------------------
# checkers


def _z3_invariant(spec: Protocol, prop: Property, options: Mapping[str, Any]):
    """Claims: the expression holds in every reachable state.  Derived from
    the spec alone (its init, transitions, domains, the named lemmas, which
    are checked, never trusted)."""
    system = _system(spec)
    text = prop.args["invariant"]
    main = (str(text), system.expr(text, where=f"{system.name} property {prop.id!r}"))
    goals = _goals(system, prop, main)
    limits = Limits.from_options(prop.args, options)
    early, initial = _precheck(system, limits, options)
    if early is not None:
        return early
    out = prove_invariant(system, goals, limits)
    note: dict[str, Any] = {}
    if out.status == "refuted" and out.failed != main[0]:
        # the spec's lemma is false: decide the property on its own
        note = {
            "false_lemma": out.failed,
            "lemma_counterexample": out.trace,
            "warnings": [_dropped_lemma_warning(out.failed, out.trace)],
        }
        goals = [main]
        out = prove_invariant(system, goals, limits)
    if out.status == "refuted":
        replay = interp.replay_invariant_violation(system, out.trace or [], main[1])
        return _with(_refutation(system, out, replay, f"invariant {text} fails", limits), **note)
    if out.status != "proved":
        return _with(_undecided(out, f"invariant {text}", limits, goals), **note)
    lemmas = [n for n, _ in goals[1:]]
    dropped = f" (the spec's auxiliary invariant {note['false_lemma']!r} is false and was dropped)" if note else ""
    verdict = proved(
        f"invariant holds on every run: {out.k}-inductive" + (f" together with {', '.join(lemmas)}" if lemmas else "") + dropped,
        certificate=_certificate(system, out, goals, limits),
    )
    premise = _antecedent(main[1])
    witness = _antecedent_witness(system, premise, limits) if premise is not None else {}
    warnings = list(note.pop("warnings", [])) + list(witness.get("warnings", []))
    return _with(
        verdict, non_vacuity={"initial_state": initial, **witness.get("antecedent_reached", {})}, warnings=warnings, **note
    )


def _z3_response(spec: Protocol, prop: Property, options: Mapping[str, Any]):
    """Claims: on every run, whenever ``after`` holds, ``holds`` holds within
    ``within`` steps (a deadlock stutters).  A trigger that no run reaches
    makes the claim vacuous: an error verdict, unless the spec allows it
    with ``allow_vacuous``."""
    system = _system(spec)
    after = system.expr(prop.args["after"], where=f"{system.name} property {prop.id!r} after")
    holds = system.expr(prop.args["holds"], where=f"{system.name} property {prop.id!r} holds")
    within = prop.args["within"]
    if not isinstance(within, int) or isinstance(within, bool) or within < 0:
        raise SpecError(f"{system.name} property {prop.id!r}: within={within!r} must be an integer >= 0")
    mon = Monitor("pending", after, holds, within)
    goals = _goals(system, prop, None)
    name = f"within {within} steps after {after}, {holds}"
    extra = [(name, lambda enc, i: enc.state(i)["pending"] < within)]
    limits = Limits.from_options(prop.args, options)
    early, initial = _precheck(system, limits, options)
    if early is not None:
        return early
    note: dict[str, Any] = {}
    verdict = None
    if "progress" in prop.args:
        # a ranking function R (worst-case steps still needed) turns the
        # monitor's bound into a 1- or 2-inductive claim: pending + R <= within
        rank = system.expr(prop.args["progress"], where=f"{system.name} property {prop.id!r} progress", want="int")
        pname = f"progress: pending >= 0 implies pending + ({rank}) <= {within} and ({rank}) >= 1"

        def progress(enc: Encoding, i: int) -> Any:
            w, r = enc.state(i)["pending"], enc.expr(rank, i)
            return z3.Implies(w >= 0, z3.And(w + r <= within, r >= 1))

        quick = Limits(bound=0, max_k=limits.max_k, rlimit=limits.rlimit, timeout=limits.timeout, deadline=limits.deadline)
        out = prove_invariant(system, goals, quick, monitors=[mon], extra_goals=extra + [(pname, progress)], stutter=True)
        shown = [(name, f"pending < {within}"), (pname, pname)] + [(n, g) for n, g in goals]
        if out.status == "proved":
            verdict = _response_verdict(system, out, name, shown, limits, after, holds, within)
            verdict[1]["certificate"]["progress_measure"] = str(rank)
        elif out.status == "refuted" and out.failed == name:
            return _response_verdict(system, out, name, shown, limits, after, holds, within)
        else:
            note = {
                "progress_measure_not_inductive": str(rank),
                "progress_attempt": out.status,
                "warnings": [
                    f"progress measure {rank} is not a ranking function here ({out.status}"
                    + (f": {out.failed}" if out.failed else "")
                    + "); it was dropped"
                ],
            }
    if verdict is None:
        # a violation needs a run of within+1 states, and the monitor's bound is
        # at best (within+1)-inductive: search at least that far
        limits.bound = max(limits.bound, within + 1)
        limits.max_k = max(limits.max_k, within + 2)
        out = prove_invariant(system, goals, limits, monitors=[mon], extra_goals=extra, stutter=True)
        shown = [(name, f"pending < {within}")] + [(n, g) for n, g in goals]
        if out.status == "refuted" and out.failed != name:
            # the spec's lemma is false: decide the property on its own
            warnings = note.get("warnings", []) + [_dropped_lemma_warning(out.failed, out.trace)]
            note = {**note, "false_lemma": out.failed, "lemma_counterexample": out.trace, "warnings": warnings}
            out = prove_invariant(system, [], limits, monitors=[mon], extra_goals=extra, stutter=True)
            shown = shown[:1]
        verdict = _response_verdict(system, out, name, shown, limits, after, holds, within)
    if verdict[0] not in (Status.PROVED, Status.BOUNDED):
        return _with(verdict, **note)
    return _with(_response_non_vacuity(system, prop, verdict, after, limits, initial), **note)


def _response_non_vacuity(
    system: TransitionSystem, prop: Property, verdict: tuple[Status, dict[str, Any]], after: Expr, limits: Limits, initial: Any
) -> tuple[Status, dict[str, Any]]:
    """A proved (or bounded) response claim is only as good as its trigger:
    show a run that reaches ``after``; if none can, the claim is vacuous."""
    reach = _after_reachability(system, after, limits)
    if reach.status == "refuted":
        return _with(
            verdict,
            non_vacuity={
                "initial_state": initial,
                "after_reached": str(after),
                "steps": len(reach.trace or []) - 1,
                "witness": reach.trace,
            },
        )
    if reach.status == "proved":
        reason = (
            f"no reachable state satisfies the trigger {after} (proved: 'not ({after})' is "
            f"{reach.k}-inductive), so 'after {after}, ...' constrains no run"
        )
        allowed = prop.args.get("allow_vacuous")
        if allowed:
            return _with(
                verdict,
                non_vacuity={"initial_state": initial, "after_reachable": False},
                warnings=[f"holds vacuously (allowed by the spec: {allowed}): {reason}"],
            )
        return vacuous(reason, after=str(after), initial_state=initial)
    why = reach.reason or f"no run of up to {reach.bound} steps reaches it"
    return _with(
        verdict,
        non_vacuity={"initial_state": initial, "after_reachable": None},
        warnings=[f"the trigger {after} was not shown reachable ({why}): the claim may hold vacuously"],
    )


def _response_verdict(system, out, name, shown, limits, after, holds, within):
    if out.status == "proved":
        return proved(
            f"{name}: on every run ({out.k}-induction over the system with a response monitor)",
            certificate={
                **_certificate(system, out, shown, limits),
                "monitor": "pending = steps since the oldest unanswered 'after' (-1: none), saturating at within",
            },
        )
    if out.status == "refuted":
        replay = interp.replay_response_violation(system, out.trace or [], after, holds, within)
        return _refutation(system, out, replay, f"{name} fails", limits)
    return _undecided(out, name, limits, shown)


def _z3_reachable(spec: Protocol, prop: Property, options: Mapping[str, Any]):
    """Claims: some run reaches the state (a replayed witness).  Not finding
    one within the bound is inconclusive, never a refutation."""
    system = _system(spec)
    target = system.expr(prop.args["state"], where=f"{system.name} property {prop.id!r}")
    limits = Limits.from_options(prop.args, options)
    # a witness search is not weakened by a small --bound: the spec's own
    # depth (or the default) is the floor
    limits.bound = max(limits.bound, int(prop.args.get("bound") or DEFAULT_BOUND))
    early, _ = _precheck(system, limits, options)
    if early is not None:
        return early
    out = find_run(system, target, limits)
    if out.status == "reached":
        replay = interp.replay_reaches(system, out.trace or [], target)
        if not replay.ok:
            return Status.ERROR, {"summary": f"witness does not replay: {replay.reason}", "witness": out.trace}
        return proved(
            f"reachable (non-vacuity): a run of {len(out.trace or []) - 1} steps reaches {target}, replayed on the interpreter",
            witness=out.trace,
            replay=replay.to_json(),
        )
    if out.status == "inconclusive":
        return inconclusive(out.reason, rlimit=limits.rlimit, timeout=limits.timeout)
    return inconclusive(f"no run of up to {out.bound} steps reaches {target}", bound=out.bound)


def _z3_deadlock_free(spec: Protocol, prop: Property, options: Mapping[str, Any]):
    """Claims: in every reachable state outside ``except`` some transition
    is enabled (with some choice, into the domain)."""
    system = _system(spec)
    final = system.expr(prop.args.get("except", "False"), where=f"{system.name} property {prop.id!r} except")
    goals = _goals(system, prop, None)
    name = "some transition is enabled" + ("" if prop.args.get("except") in (None, "False") else f" unless {final}")
    extra = [(name, lambda enc, i: z3.Or(enc.expr(final, i), enc.enabled(i)))]
    limits = Limits.from_options(prop.args, options)
    early, initial = _precheck(system, limits, options)
    if early is not None:
        return early
    out = prove_invariant(system, goals, limits, extra_goals=extra)
    shown = [(name, name)] + list(goals)
    note: dict[str, Any] = {}
    if out.status == "refuted" and out.failed != name:
        note = {
            "false_lemma": out.failed,
            "lemma_counterexample": out.trace,
            "warnings": [_dropped_lemma_warning(out.failed, out.trace)],
        }
        out = prove_invariant(system, [], limits, extra_goals=extra)
        shown = shown[:1]
    if out.status == "proved":
        verdict = proved(
            f"{name} in every reachable state ({out.k}-induction)", certificate=_certificate(system, out, shown, limits)
        )
        return _with(verdict, non_vacuity={"initial_state": initial}, **note)
    if out.status == "refuted":
        replay = interp.replay_deadlock(system, out.trace or [])
        return _with(_refutation(system, out, replay, _deadlock_what(system, out.trace or []), limits), **note)
    return _with(_undecided(out, name, limits, shown), **note)


def _deadlock_what(system: TransitionSystem, trace: Sequence[Mapping[str, Any]]) -> str:
    """ "deadlock", naming what blocks each transition in the last state
    (a guard, or an update that would leave a variable's range)."""
    try:
        last = interp.state_from_json(system, trace[-1]["state"])
        why = interp.blocked_summary(system, last)
    except (interp.EvaluationError, SpecError, ValueError, IndexError, KeyError):
        why = ""
    return f"deadlock ({why})" if why else "deadlock"


# ---------------------------------------------------------------------------
# the explicit-state engine, chosen per property

#: Values of ``options["sm_engine"]`` (CLI ``--sm-engine``): ``auto`` lists
#: the states when the system is enumerable and has at most
#: ``options["state_limit"]`` (default :data:`explicit.DEFAULT_STATE_LIMIT`)
#: reachable states, else uses Z3; ``explicit`` and ``z3`` force one engine
#: (``explicit`` still falls back to Z3, saying why, when it cannot decide).
ENGINES = ("auto", "explicit", "z3")
#: Share of the per-property wall-clock budget the state listing may use.
EXPLICIT_TIME_SHARE = 0.5


def _engine_choice(prop: Property, options: Mapping[str, Any]) -> str:
    choice = options.get("sm_engine") or prop.args.get("sm_engine") or "auto"
    if choice not in ENGINES:
        raise SpecError(f"sm_engine={choice!r}: choose one of {', '.join(ENGINES)}")
    return str(choice)


def _state_limit(options: Mapping[str, Any]) -> int:
    limit = options.get("state_limit") or explicit.DEFAULT_STATE_LIMIT
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise SpecError(f"state_limit={limit!r} must be a positive integer")
    return limit


def _graph(system: TransitionSystem, options: Mapping[str, Any]) -> tuple[explicit.StateGraph | None, str]:
    """The complete reachable-state graph, or (None, why the explicit engine
    does not apply).  Listed once per spec and run (``options["_cache"]``)."""
    limit = _state_limit(options)
    cache = options.get("_cache")
    key = ("statemachine.graph", system.name, id(system), limit)
    if isinstance(cache, dict) and key in cache:
        return cast(tuple[Any, str], cache[key])
    timeout = options.get("timeout")
    # the listing may use half the per-property budget, so that Z3 still
    # gets its turn inside it when the listing cannot finish
    seconds = EXPLICIT_TIME_SHARE * float(timeout) if timeout else None
    try:
        g = explicit.explore(system, limit, seconds)
        if g.complete:
            answer: tuple[Any, str] = (g, "")
        elif g.timed_out:
            answer = (
                None,
                f"the listing did not finish in {seconds:g} s (half the per-property timeout; {len(g.states)} states listed)",
            )
        else:
            answer = (None, f"more than {limit} reachable states (state_limit)")
    except explicit.NotEnumerable as exc:
        answer = (None, f"not enumerable: {exc}")
    if isinstance(cache, dict):
        cache[key] = answer
    return answer


def _dispatch(z3_checker: Any, explicit_checker: Any, spec: Protocol, prop: Property, options: Mapping[str, Any]):
    system = _system(spec)
    choice = _engine_choice(prop, options)
    fallback = "Z3 chosen (sm_engine=z3)"
    if choice != "z3":
        g, why = _graph(system, options)
        if g is not None:
            try:
                verdict = explicit_checker(system, prop, g)
            except (interp.EvaluationError, ZeroDivisionError, IndexError) as exc:
                verdict, why = None, f"a property expression cannot be evaluated on a reachable state ({exc})"
            if verdict is not None:
                return _with(verdict, engine_used="explicit", state_limit=_state_limit(options), **g.stats())
            why = why or "the explicit engine has no exact check for this property"
        fallback = f"explicit engine not used: {why}"
    return _with(z3_checker(spec, prop, options), engine_used="z3", engine_note=fallback)


def _explicit_info(g: explicit.StateGraph) -> str:
    return f"all {len(g.states)} reachable states listed ({g.edges} transitions, {g.seconds:.3g} s)"


def _explicit_certificate(g: explicit.StateGraph, lemmas: Sequence[str], what: str) -> dict[str, Any]:
    return {
        "method": "explicit-state: complete breadth-first listing of the reachable states (hashing), " + what,
        "states": len(g.states),
        "edges": g.edges,
        "complete": g.complete,
        # the spec's lemmas are checked on the same listing (and hold): the
        # proof does not need them, but they are not left untested either
        "strengthened_with": list(lemmas),
    }


def _explicit_lemmas(system: TransitionSystem, prop: Property, g: explicit.StateGraph) -> tuple[list[str], dict[str, Any]]:
    """Check the spec's ``strengthen`` lemmas on the listing: (the ones that
    hold, evidence about a false one: warnings, as the Z3 path gives)."""
    good: list[str] = []
    note: dict[str, Any] = {}
    for name in prop.args.get("strengthen", ()):
        key = ("lemma", name)
        if key not in g.memo:
            expr = system.expr(system.invariant(name).expr, where=f"{system.name} invariant {name!r}")
            g.memo[key] = explicit.first_violation(g, expr)
        i = g.memo[key]
        if i is None:
            good.append(name)
            continue
        trace = g.trace(i)
        note.setdefault("false_lemma", name)
        note.setdefault("lemma_counterexample", trace)
        note.setdefault("warnings", []).append(_dropped_lemma_warning(name, trace))
    return good, note


def _explicit_refutation(
    system: TransitionSystem, trace: list[dict[str, Any]], replay: interp.Replay, what: str, g: explicit.StateGraph
):
    if not replay.ok:
        return Status.ERROR, {
            "summary": f"the explicit engine found a counterexample that does not replay on the interpreter "
            f"({replay.reason}); an engine bug, not a verdict",
            "trace": trace,
            "replay": replay.to_json(),
        }
    return refuted(
        f"{what}: shortest counterexample, {len(trace) - 1} steps (breadth-first search), replayed on the Python interpreter",
        counterexample=trace,
        trace=trace,
        replay=replay.to_json(),
        depth=len(trace) - 1,
    )


def _explicit_invariant(system: TransitionSystem, prop: Property, g: explicit.StateGraph):
    text = prop.args["invariant"]
    inv = system.expr(text, where=f"{system.name} property {prop.id!r}")
    if not g.states:
        return vacuous(_EMPTY_INIT.format(initially=system.initially), initially=str(system.initially))
    lemmas, note = _explicit_lemmas(system, prop, g)
    i = explicit.first_violation(g, inv)
    if i is not None:
        trace = g.trace(i)
        replay = interp.replay_invariant_violation(system, trace, inv)
        return _with(_explicit_refutation(system, trace, replay, f"invariant {text} fails", g), **note)
    dropped = f" (the spec's auxiliary invariant {note['false_lemma']!r} is false and was dropped)" if note else ""
    verdict = proved(
        f"invariant holds on every run: {_explicit_info(g)}, none violates it" + dropped,
        certificate=_explicit_certificate(g, lemmas, f"the invariant {inv} holds in each"),
    )
    nonvac: dict[str, Any] = {"initial_state": interp.state_to_json(g.states[0])}
    warnings = list(note.pop("warnings", []))
    premise = _antecedent(inv)
    if premise is not None:
        j = explicit.first_reaching(g, premise)
        if j is not None:
            nonvac.update(state=str(premise), steps=len(g.trace(j)) - 1)
        else:
            warnings.append(
                f"the invariant's premise {premise} holds in no reachable state (complete listing): the invariant holds vacuously"
            )
    return _with(verdict, non_vacuity=nonvac, warnings=warnings, **note)


def _explicit_response(system: TransitionSystem, prop: Property, g: explicit.StateGraph):
    after = system.expr(prop.args["after"], where=f"{system.name} property {prop.id!r} after")
    holds = system.expr(prop.args["holds"], where=f"{system.name} property {prop.id!r} holds")
    within = prop.args["within"]
    if not isinstance(within, int) or isinstance(within, bool) or within < 0:
        raise SpecError(f"{system.name} property {prop.id!r}: within={within!r} must be an integer >= 0")
    if not g.states:
        return vacuous(_EMPTY_INIT.format(initially=system.initially), initially=str(system.initially))
    name = f"within {within} steps after {after}, {holds}"
    lemmas, note = _explicit_lemmas(system, prop, g)
    found = explicit.response_violation(g, after, holds, within)
    if found is not None:
        trace = g.trace(found[0], found[1])
        replay = interp.replay_response_violation(system, trace, after, holds, within)
        return _with(_explicit_refutation(system, trace, replay, f"{name} fails", g), **note)
    verdict = proved(
        f"{name}: on every run ({_explicit_info(g)}; no state where {after} holds starts a path of "
        f"{within} steps avoiding {holds}, a deadlock stuttering)",
        certificate=_explicit_certificate(
            g, lemmas, "backward search for a path of `within` steps avoiding `holds` from a state where `after` holds"
        ),
    )
    if "progress" in prop.args:
        note["progress_measure"] = "not needed by the explicit engine (not checked)"
    initial = interp.state_to_json(g.states[0])
    j = explicit.first_reaching(g, after)
    if j is not None:
        witness = g.trace(j)
        return _with(
            verdict,
            non_vacuity={"initial_state": initial, "after_reached": str(after), "steps": len(witness) - 1, "witness": witness},
            **note,
        )
    reason = (
        f"no reachable state satisfies the trigger {after} (complete listing of {len(g.states)} states), "
        f"so 'after {after}, ...' constrains no run"
    )
    allowed = prop.args.get("allow_vacuous")
    if allowed:
        return _with(
            verdict,
            non_vacuity={"initial_state": initial, "after_reachable": False},
            warnings=[f"holds vacuously (allowed by the spec: {allowed}): {reason}"],
            **note,
        )
    return _with(vacuous(reason, after=str(after), initial_state=initial), **note)


def _explicit_reachable(system: TransitionSystem, prop: Property, g: explicit.StateGraph):
    target = system.expr(prop.args["state"], where=f"{system.name} property {prop.id!r}")
    if not g.states:
        return vacuous(_EMPTY_INIT.format(initially=system.initially), initially=str(system.initially))
    i = explicit.first_reaching(g, target)
    if i is None:
        # The listing proves the target unreachable, but "refuted" promises a
        # replayable run and none exists: the claim fails as inconclusive,
        # with the proof of unreachability as its reason.
        return inconclusive(
            f"unreachable: {_explicit_info(g)}, none satisfies {target}; the reachability claim is "
            "false (no run to show, so not reported as refuted)",
            unreachable=True,
            target=str(target),
        )
    witness = g.trace(i)
    replay = interp.replay_reaches(system, witness, target)
    if not replay.ok:
        return Status.ERROR, {"summary": f"witness does not replay: {replay.reason}", "witness": witness}
    return proved(
        f"reachable (non-vacuity): a shortest run of {len(witness) - 1} steps reaches {target} "
        "(breadth-first search), replayed on the interpreter",
        witness=witness,
        replay=replay.to_json(),
    )


def _explicit_deadlock_free(system: TransitionSystem, prop: Property, g: explicit.StateGraph):
    final = system.expr(prop.args.get("except", "False"), where=f"{system.name} property {prop.id!r} except")
    if not g.states:
        return vacuous(_EMPTY_INIT.format(initially=system.initially), initially=str(system.initially))
    name = "some transition is enabled" + ("" if prop.args.get("except") in (None, "False") else f" unless {final}")
    lemmas, note = _explicit_lemmas(system, prop, g)
    i = explicit.first_deadlock(g, final)
    if i is not None:
        trace = g.trace(i)
        replay = interp.replay_deadlock(system, trace)
        return _with(_explicit_refutation(system, trace, replay, _deadlock_what(system, trace), g), **note)
    verdict = proved(
        f"{name} in every reachable state ({_explicit_info(g)})",
        certificate=_explicit_certificate(g, lemmas, "each state has a successor or satisfies `except`"),
    )
    return _with(verdict, non_vacuity={"initial_state": interp.state_to_json(g.states[0])}, **note)


_EMPTY_INIT = (
    "the initial states are empty: the init values, the initial constraint ({initially}) and the variable "
    "domains contradict each other, so every claim about the runs would hold vacuously"
)


@checker("statemachine.invariant")
def check_invariant(spec: Protocol, prop: Property, options: Mapping[str, Any]):
    """Claims: the expression holds in every reachable state (explicit
    listing when small and finite, else Z3 k-induction)."""
    return _dispatch(_z3_invariant, _explicit_invariant, spec, prop, options)


@checker("statemachine.response")
def check_response(spec: Protocol, prop: Property, options: Mapping[str, Any]):
    """Claims: whenever ``after`` holds, ``holds`` holds within ``within``
    steps (a deadlock stutters)."""
    return _dispatch(_z3_response, _explicit_response, spec, prop, options)


@checker("statemachine.reachable")
def check_reachable(spec: Protocol, prop: Property, options: Mapping[str, Any]):
    """Claims: some run reaches the state (a replayed witness)."""
    return _dispatch(_z3_reachable, _explicit_reachable, spec, prop, options)


@checker("statemachine.deadlock-free")
def check_deadlock_free(spec: Protocol, prop: Property, options: Mapping[str, Any]):
    """Claims: some transition is enabled in every reachable state outside
    ``except``."""
    return _dispatch(_z3_deadlock_free, _explicit_deadlock_free, spec, prop, options)


@validator("transition")
def validate_transition_system(spec: Protocol) -> None:
    """Resolve every property's expressions before any proof runs, so a
    typo is bad input (exit 2), not an error verdict."""
    system = _system(spec)
    for prop in system.properties:
        if not prop.check.startswith("statemachine."):
            continue
        where = f"{system.name} property {prop.id!r}"
        a = prop.args
        for key in ("invariant", "after", "holds", "state", "except"):
            if key in a:
                system.expr(a[key], where=f"{where} {key}")
        if "progress" in a:
            system.expr(a["progress"], where=f"{where} progress", want="int")
        for n in a.get("strengthen", ()):
            system.invariant(n)
        need = {
            "statemachine.invariant": ("invariant",),
            "statemachine.response": ("after", "within", "holds"),
            "statemachine.reachable": ("state",),
            "statemachine.deadlock-free": (),
        }.get(prop.check)
        if need is None:
            continue  # another module's checker: it validates its own arguments
        missing = [k for k in need if k not in a]
        if missing:
            raise SpecError(f"{where}: args need {missing}")


__all__ = [
    "Encoding",
    "Monitor",
    "BMC",
    "Induction",
    "Limits",
    "Outcome",
    "Unknown",
    "prove_invariant",
    "find_run",
    "check_invariant",
    "check_response",
    "check_reachable",
    "check_deadlock_free",
    "DEFAULT_BOUND",
    "DEFAULT_MAX_K",
    "DEFAULT_RLIMIT",
    "ENGINES",
]
