"""Z3 engines for transition systems: incremental BMC, k-induction, and the procedures built on them.

``Limits`` is one property's budget; ``BMC`` and ``Induction`` each keep one
long-lived solver (goals under assumption literals, no push/pop);
``prove_invariant`` interleaves them (k-induction with the base case by
BMC, then BMC alone to the bound) and ``find_run`` searches a shortest run
to a target.  Both return an ``Outcome`` that the checkers turn into a
verdict.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import z3

from qproto.spec.transition import Expr, TransitionSystem

from .statemachine_encoding import Encoding, Monitor, Unknown

#: Defaults: BMC depth when induction fails, the largest k tried, and the
#: per-check resource limit (deterministic, unlike a wall-clock timeout).
DEFAULT_BOUND = 20
DEFAULT_MAX_K = 12
DEFAULT_RLIMIT = 20_000_000
#: Share of the per-property wall-clock budget (``options["timeout"]``) that
#: Z3's solver timeouts may use; the runner's own interrupt comes at 100 %.
TIMEOUT_SHARE = 0.9


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
