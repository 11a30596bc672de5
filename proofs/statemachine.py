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

The engine is split in reading order: ``statemachine_encoding`` (Z3 terms),
``statemachine_engines`` (BMC, k-induction), ``statemachine_evidence``
(verdicts, replay, non-vacuity), ``statemachine_z3`` and
``statemachine_explicit`` (the checkers of each engine); this module chooses
the engine per property, registers the checkers and the validator, and
re-exports every name the engine had when it was one file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from qproto.models import transition as interp
from qproto.spec.errors import SpecError
from qproto.spec.protocol import Property, Protocol
from qproto.spec.transition import TransitionSystem

from . import explicit
from .registry import checker, validator
from .statemachine_encoding import Encoding, Monitor, Unknown, _lit, _num, _to_real  # noqa: F401 - re-exported
from .statemachine_engines import (  # noqa: F401 - re-exported: the engine's names before the split
    BMC,
    DEFAULT_BOUND,
    DEFAULT_MAX_K,
    DEFAULT_RLIMIT,
    TIMEOUT_SHARE,
    Induction,
    Limits,
    Outcome,
    _check,
    _solver,
    find_run,
    prove_invariant,
)
from .statemachine_evidence import (  # noqa: F401 - re-exported
    _after_reachability,
    _antecedent,
    _antecedent_witness,
    _certificate,
    _deadlock_what,
    _dropped_lemma_warning,
    _goals,
    _initial_state,
    _precheck,
    _refutation,
    _system,
    _undecided,
    _with,
)
from .statemachine_explicit import (  # noqa: F401 - re-exported
    _EMPTY_INIT,
    _explicit_certificate,
    _explicit_deadlock_free,
    _explicit_info,
    _explicit_invariant,
    _explicit_lemmas,
    _explicit_reachable,
    _explicit_refutation,
    _explicit_response,
)
from .statemachine_z3 import (  # noqa: F401 - re-exported
    _response_non_vacuity,
    _response_verdict,
    _z3_deadlock_free,
    _z3_invariant,
    _z3_reachable,
    _z3_response,
)

# ---------------------------------------------------------------------------
# the engine, chosen per property: the explicit listing or Z3

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
