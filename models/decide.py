"""Three-valued exact zero test, with a high-precision numeric fallback.

SymPy failing to simplify an expression to zero says nothing about the
expression: reading that failure as "non-zero" turns a true identity into a
false refutation, and an unbounded ``sp.simplify`` turns a check into a hang.
:func:`decide_zero` answers with a :class:`Decision` of one of four kinds:

- ``exact_zero``: proved zero by exact algebra (road ``exact``);
- ``nonzero``: proved non-zero, either exactly or by evaluating at a concrete
  exact point with certified precision (SymPy's ``evalf(strict=True)``
  guarantees the requested relative accuracy, so a value whose digits are
  not all zero is a disproof, and the point is the counterexample);
- ``numeric_zero``: zero to ``digits`` digits at every point tried — evidence
  only, **never a proof**;
- ``undecided``: neither road could say (with the reason).

The module also holds :func:`time_budget`, the nestable SIGALRM wall-clock
budget that the runner uses per property and this module uses per exact
simplification: an inner budget never outlives an outer one.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import sympy as sp

EXACT = "exact"
NUMERIC = "numeric-{digits}-digits"

#: Default budget (seconds) for the exact simplification inside one decision.
DEFAULT_TIMEOUT = 10.0


# --------------------------------------------------------------------------
# wall-clock budgets


class BudgetExpired(BaseException):
    """A :func:`time_budget` ran out.  A ``BaseException`` on purpose: a
    checker's or SymPy's ``except Exception`` must not swallow it."""

    def __init__(self, budget: Budget) -> None:
        super().__init__(f"timeout after {budget.seconds:g} s")
        self.budget = budget


@dataclass(eq=False)
class Budget:
    """One active budget.  ``enforced`` is False off the main thread (or where
    SIGALRM does not exist): the code then runs to completion."""

    seconds: float
    deadline: float
    enforced: bool = True
    fired: bool = False


_stack: list[Budget] = []
_previous_handler: Any = None


#: Seconds after which an expiry is raised again while its budget is still in
#: force: the first one was swallowed on its way out (an exception raised in
#: a gc callback is only printed; a library may catch BaseException).
RETRY = 0.05


def _on_alarm(signum: int, frame: Any) -> None:
    now = time.monotonic()
    due = [b for b in _stack if not b.fired and b.deadline <= now + 1e-3]
    if not due:
        swallowed = [b for b in _stack if b.fired]
        _arm()
        if swallowed:  # the owner never regained control: tell it again
            raise BudgetExpired(swallowed[0])
        return
    # the outermost due budget wins: its owner must regain control
    budget = due[0]
    for b in due:
        b.fired = True
    _arm()
    raise BudgetExpired(budget)


def _arm() -> None:
    pending = [b.deadline for b in _stack if not b.fired]
    if any(b.fired for b in _stack):
        pending.append(time.monotonic() + RETRY)
    if not pending:
        signal.setitimer(signal.ITIMER_REAL, 0)
        return
    signal.setitimer(signal.ITIMER_REAL, max(min(pending) - time.monotonic(), 1e-4))


def active_budgets() -> tuple[Budget, ...]:
    """The budgets currently in force (outermost first)."""
    return tuple(_stack)


def can_interrupt() -> bool:
    """Whether a budget can interrupt running code here (SIGALRM exists and
    this is the main thread)."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def time_budget(seconds: float | None) -> Iterator[Budget]:
    """Interrupt the body with :class:`BudgetExpired` after ``seconds`` of
    wall-clock time.  Callers catch it and check ``exc.budget is mine``;
    an outer budget's expiry propagates through inner ones.  ``None`` or a
    non-positive value means no budget."""
    global _previous_handler
    now = time.monotonic()
    if seconds is None or seconds <= 0 or not can_interrupt():
        yield Budget(float(seconds or 0), float("inf"), enforced=False)
        return
    budget = Budget(float(seconds), now + float(seconds))
    if not _stack:
        _previous_handler = signal.signal(signal.SIGALRM, _on_alarm)
    _stack.append(budget)
    try:
        _arm()
        yield budget
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)  # no expiry (or retry) while the stack changes
        _stack.remove(budget)
        if _stack:
            _arm()
        else:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, _previous_handler or signal.SIG_DFL)


# --------------------------------------------------------------------------
# the decision


@dataclass(frozen=True)
class Decision:
    """The answer of :func:`decide_zero`.

    ``road`` says which method decided (``exact`` or ``numeric-50-digits``);
    ``point`` is the exact assignment where a non-zero value was found (a
    replayable counterexample) and ``value`` that value to ``digits`` digits.
    """

    kind: str  # exact_zero | numeric_zero | nonzero | undecided
    road: str
    reason: str = ""
    point: Mapping[str, str] | None = None
    value: str | None = None
    digits: int = 0
    points_tried: int = 0
    extra: Mapping[str, Any] = field(default_factory=dict)
    #: the point exactly as the caller gave it (SymPy keys and values)
    assignment: Mapping[Any, Any] | None = field(default=None, compare=False, repr=False)

    @property
    def proved_zero(self) -> bool:
        return self.kind == "exact_zero"

    @property
    def proved_nonzero(self) -> bool:
        return self.kind == "nonzero"

    @property
    def is_zero(self) -> bool | None:
        """True only for an exact proof, False only for a disproof, None
        otherwise (a numeric zero is evidence, not a proof)."""
        if self.kind == "exact_zero":
            return True
        if self.kind == "nonzero":
            return False
        return None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"decision": self.kind, "road": self.road}
        if self.reason:
            out["reason"] = self.reason
        if self.point is not None:
            out["point"] = dict(self.point)
        if self.value is not None:
            out["value"] = self.value
        if self.points_tried:
            out["points_tried"] = self.points_tried
        return out


def _cheap_exact(expr: sp.Expr) -> bool | None:
    """Zero (True), non-zero (False) or unknown (None) by cheap exact steps."""
    if expr == 0:
        return True
    for step in (sp.expand, lambda e: sp.cancel(sp.together(e)), sp.radsimp):
        e = step(expr)
        if e == 0:
            return True
        if e.is_number and e.is_zero is not None:
            return bool(e.is_zero)
    if expr.is_number:
        z = expr.is_zero
        if z is not None:
            return bool(z)
    return None


def _heavy_exact(expr: sp.Expr) -> bool | None:
    s = sp.simplify(expr)
    if s == 0:
        return True
    if s.is_number and s.is_zero is not None:
        return bool(s.is_zero)
    if expr.is_number and expr.is_algebraic:
        # the minimal polynomial of 0 is x: an exact decision for algebraic numbers
        x = sp.Dummy("x")
        return sp.minimal_polynomial(expr, x) == x
    return None


def _exact(expr: sp.Expr, seconds: float | None) -> tuple[bool | None, str]:
    try:
        with time_budget(seconds) as mine:
            found = _cheap_exact(expr)
            if found is None:
                found = _heavy_exact(expr)
            return found, ""
    except BudgetExpired as exc:
        if exc.budget is not mine:
            raise
        return None, f"exact simplification timed out after {seconds:g} s"
    except (sp.PolynomialError, NotImplementedError, TypeError, ValueError, RecursionError) as exc:
        return None, f"exact simplification failed: {type(exc).__name__}"


def _random_point(symbols: Sequence[sp.Symbol], rng: np.random.Generator) -> dict[sp.Symbol, sp.Expr]:
    """Exact rationals in (0, 1) with small denominators: real, positive and
    inside the unit interval, the domain of qproto's parameters."""
    point = {}
    for s in symbols:
        den = int(rng.integers(7, 200))
        point[s] = sp.Rational(int(rng.integers(1, den)), den)
    return point


def _certified_value(value: sp.Expr, digits: int) -> tuple[bool | None, str]:
    """Evaluate ``value`` (a number) to ``digits`` significant digits with
    SymPy's certified evalf: ``(False, v)`` non-zero, ``(None, bound)`` zero
    to that precision, ``(None, "")`` when it cannot be evaluated."""
    try:
        v = value.evalf(digits, strict=True, maxn=4 * digits + 100)
    except sp.core.evalf.PrecisionExhausted:
        return None, f"|value| < 1e-{digits}"
    except (TypeError, ValueError, NotImplementedError, ZeroDivisionError, OverflowError):
        return _mpmath_value(value, digits)
    if v == 0:
        return None, "0"
    if not v.is_number:
        return None, ""
    if v.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return None, ""
    return False, sp.sstr(v, full_prec=False)


def _mpmath_value(value: sp.Expr, digits: int) -> tuple[bool | None, str]:
    """Fallback when evalf cannot certify: evaluate at two precisions; a value
    that agrees at both and is far above the working epsilon is non-zero."""
    try:
        fn = sp.lambdify((), value, modules="mpmath")
        with mpmath.workdps(digits + 20):
            a = mpmath.mpc(fn())
        with mpmath.workdps(2 * digits + 20):
            b = mpmath.mpc(fn())
    except Exception:  # noqa: BLE001 - an expression mpmath cannot evaluate is undecided
        return None, ""
    size = abs(b)
    if size > mpmath.mpf(10) ** (-digits // 2) and abs(a - b) < size * mpmath.mpf(10) ** (-digits):
        return False, mpmath.nstr(b, 20)
    if size < mpmath.mpf(10) ** (-digits):
        return None, f"|value| < 1e-{digits}"
    return None, ""


def decide_zero(
    expr: Any,
    *,
    digits: int = 50,
    timeout: float | None = DEFAULT_TIMEOUT,
    points: Sequence[Mapping[Any, Any]] | None = None,
    samples: int = 5,
    seed: int = 0,
) -> Decision:
    """Decide whether ``expr`` is identically zero.

    First cheap exact steps (expand, cancel, radsimp); then ``digits``-digit
    certified numerics at ``points`` (exact assignments, which must satisfy
    any constraint ``expr`` relies on) or, if none are given, at ``samples``
    random rational points in (0, 1)^n drawn with ``seed``: a non-zero value
    there is a disproof with a replayable point; then ``sp.simplify`` and
    minimal polynomials under a ``timeout`` second budget.  Only the exact
    road proves zero.
    """
    digits = max(int(digits), 50)
    road_numeric = NUMERIC.format(digits=digits)
    e = sp.sympify(expr)
    try:
        found = _cheap_exact(e)
    except (sp.PolynomialError, NotImplementedError, TypeError, ValueError, RecursionError):
        found = None
    if found is True:
        return Decision("exact_zero", EXACT, digits=digits)
    if found is False:
        return Decision("nonzero", EXACT, point={}, value=_certified_value(e, digits)[1], digits=digits)
    # numbers at exact points first: cheap, and a non-zero value ends the search
    nonzero, tried, zeros, why = _numeric_search(e, digits, timeout, points, samples, seed)
    if nonzero is not None:
        return nonzero
    found, why_exact = _exact(e, timeout)
    if found is True:
        return Decision("exact_zero", EXACT, digits=digits, points_tried=tried)
    if found is False:
        return Decision("nonzero", EXACT, point={}, value=_certified_value(e, digits)[1], digits=digits)
    reason = "; ".join(r for r in (why_exact, why) if r) or "SymPy could not simplify the expression to zero"
    if tried and zeros == tried:
        return Decision(
            "numeric_zero",
            road_numeric,
            reason=f"{reason}; zero to {digits} digits at {tried} point(s), evidence only, not a proof",
            digits=digits,
            points_tried=tried,
        )
    return Decision("undecided", "none", reason=reason, digits=digits, points_tried=tried)


def _numeric_search(
    e: sp.Expr,
    digits: int,
    timeout: float | None,
    points: Sequence[Mapping[Any, Any]] | None,
    samples: int,
    seed: int,
) -> tuple[Decision | None, int, int, str]:
    """Evaluate ``e`` at exact points with certified precision: a Decision
    when some value is non-zero, else (None, points tried, zeros seen, why)."""
    road_numeric = NUMERIC.format(digits=digits)
    symbols = sorted(e.free_symbols, key=str)
    if e.is_number:
        candidates: list[Mapping[Any, Any]] = [{}]
    elif points:
        candidates = list(points)
    else:
        rng = np.random.default_rng(seed)
        candidates = [_random_point(symbols, rng) for _ in range(samples)]
    zeros = tried = 0
    try:
        with time_budget(timeout) as mine:
            for point in candidates:
                at = e.subs(dict(point), simultaneous=True) if point else e
                if not at.is_number:
                    continue
                tried += 1
                nonzero, shown = _certified_value(at, digits)
                if nonzero is False:
                    found = Decision(
                        "nonzero",
                        road_numeric,
                        point={str(k): sp.sstr(v) for k, v in point.items()},
                        value=shown,
                        digits=digits,
                        points_tried=tried,
                        assignment=dict(point),
                    )
                    return found, tried, zeros, ""
                if shown:
                    zeros += 1
    except BudgetExpired as exc:
        if exc.budget is not mine:
            raise
        return None, tried, zeros, f"numeric evaluation timed out after {timeout:g} s"
    return None, tried, zeros, ""


def exact_rational(value: Any) -> sp.Expr:
    """A point value as an exact SymPy number (floats become their exact
    binary rational, so a replay evaluates the same point)."""
    if isinstance(value, float):
        return sp.Rational(Fraction(value))
    return sp.sympify(value)


__all__ = [
    "Decision",
    "decide_zero",
    "time_budget",
    "BudgetExpired",
    "Budget",
    "can_interrupt",
    "active_budgets",
    "exact_rational",
    "DEFAULT_TIMEOUT",
]
