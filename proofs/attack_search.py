"""Worst-case attack search: the accepted attack that leaves the least key.

For one QKD spec, minimise the *key slack* of an attack — the smallest of
I(A:B) − χ(A:E) (the Devetak–Winter rate of this collective attack), the
spec's own claimed rate, and the gap between the two — subject to the
spec's acceptance rule (its abort threshold, per basis where it estimates
per basis, its Bell test and, for a device-independent spec, its DI rate),
over the **full parameter domain of every attack in the catalogue**
(:func:`qproto.models.attacks.attacks`, kind ``"attack"``).  Nothing here
knows a protocol: the domains come from the attack registry, the figures
and the acceptance from the spec (:func:`qproto.proofs.adversary_figures.figures`).

Two stages, both seeded:

1. Hypothesis explores each attack's domain with ``hypothesis.target``
   steering toward low slack (a penalty for the amount by which an attack
   misses acceptance keeps the landscape continuous);
2. ``scipy.optimize`` (Nelder–Mead on the box, parameters clipped to their
   bounds) refines the best cases of each attack family.

Every evaluated point is rounded to the 6 decimals of its catalogue label
first, so the best attack *is* its label: ``qproto analyze SPEC --attack
LABEL`` replays it.  The search is a search: a violation it finds is
concrete; not finding one is ``tested``, never ``proved``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qproto.models import attacks as _attacks
from qproto.spec.errors import QprotoError

#: Slack below which an accepted attack counts as leaving no secret key.
KEY_TOLERANCE = 1e-7
#: How far a claimed rate may exceed I(A:B) − χ(A:E) before it counts as
#: a violation (floating-point rounding of both figures).
RATE_GAP_TOLERANCE = 1e-6
#: Weight of the acceptance penalty (per unit of QBER / CHSH / rate missed).
PENALTY = 30.0
#: Aim this far inside the acceptance region, so a rounded label still passes.
INSIDE = 1e-6
#: Parameter rounding: the catalogue label's decimals.
PLACES = 6


@dataclass(frozen=True)
class Domain:
    """One catalogue attack and the box its parameters range over."""

    name: str
    params: tuple[str, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]

    def label(self, x: np.ndarray) -> str:
        from .adversary_figures import label

        return label(self.name, **{p: float(v) for p, v in zip(self.params, x) if abs(v) > 0 or len(self.params) == 1})

    def clip(self, x: np.ndarray) -> np.ndarray:
        return np.round(np.clip(x, self.low, self.high), PLACES)


def domains() -> list[Domain]:
    """Every registered attack (kind ``"attack"``) with a parameter, over
    its declared bounds."""
    out = []
    for name, info in sorted(_attacks.attacks("attack").items()):
        ps = [p for p in info.params if p.low is not None and p.high is not None]
        if not ps:
            continue
        out.append(Domain(name, tuple(p.name for p in ps), tuple(float(p.low) for p in ps), tuple(float(p.high) for p in ps)))
    return out


@dataclass
class Evaluation:
    label: str
    objective: float
    slack: float
    accepted: bool
    figures: dict[str, Any]


@dataclass
class SearchResult:
    """The search's outcome: the worst accepted attack (least slack), the
    worst violation if any, and how much work was done: ``evaluations``
    points visited, ``distinct`` different attacks (labels) among them."""

    best: Evaluation | None
    violation: Evaluation | None
    evaluations: int
    seed: int
    per_attack: dict[str, float] = field(default_factory=dict)
    distinct: int = 0


def key_slack(f: Mapping[str, Any]) -> float:
    """Negative exactly when an accepted attack breaks the key claim:
    I(A:B) − χ(A:E) ≤ 1e-7 (no key against this attack), the spec's rate
    exceeds I(A:B) − χ(A:E) by more than 1e-7, or the spec's own rate is
    negative where it accepts (it keeps a key its formula says is not there)."""
    dw = float(f["devetak_winter_rate"])
    slack = dw - KEY_TOLERANCE
    r = f.get("claimed_rate")
    if r is not None:
        # the gap tolerance is wider: a rate that is tight for the optimal collective attack
        # (Shor–Preskill under the phase-covariant cloner) meets I(A:B) − χ(A:E) up to rounding
        slack = min(slack, dw - float(r) + RATE_GAP_TOLERANCE, float(r) + 1e-9)
    return slack


def acceptance_excess(spec: Any, f: Mapping[str, Any]) -> float:
    """How far an attack's asymptotic statistics are from the spec's
    acceptance region (≤ 0 inside): QBER over the threshold (each basis'
    under per-basis estimation), |S| under the Bell threshold, a negative
    device-independent rate where the spec accepts on it."""
    from .adversary_figures import accepts_on_di_rate, num

    t = num(spec.abort_threshold)
    per = f.get("qber_per_basis") or {}
    if getattr(spec, "estimation", "pooled") == "per-basis":
        bases = list(getattr(spec, "basis_probabilities", {}))
        worst = max((per.get(b, 1.0) for b in bases), default=1.0)
        excess = worst - t
    else:
        excess = float(f["qber"]) - t
    if "chsh" in f:
        excess = max(excess, num(spec.chsh_threshold) - abs(float(f["chsh"])))
        if accepts_on_di_rate(spec) and f.get("claimed_rate") is not None:
            excess = max(excess, -float(f["claimed_rate"]))
    return excess


def _evaluate(
    spec: Any,
    dom: Domain,
    x: np.ndarray,
    score: Callable[[Mapping[str, Any]], float],
    memo: dict[str, Evaluation | None] | None = None,
) -> Evaluation | None:
    """The attack at ``x`` (rounded to its label).  ``memo`` maps labels
    already evaluated to their result: the figures are a function of the
    label, and about half of a search's points repeat one (a boundary where
    Nelder–Mead's clipped simplex collapses, Hypothesis' shrinking toward 0)."""
    lab = dom.label(dom.clip(x))
    if memo is None:
        return _figures_of(spec, lab, score)
    if lab not in memo:
        memo[lab] = _figures_of(spec, lab, score)
    return memo[lab]


def _figures_of(spec: Any, lab: str, score: Callable[[Mapping[str, Any]], float]) -> Evaluation | None:
    from .adversary_figures import AttackCase, figures

    try:
        f = figures(spec, AttackCase(lab).instrument(), individual=False)
    except (QprotoError, ValueError, ArithmeticError, np.linalg.LinAlgError):
        return None  # outside a joint constraint of the attack (e.g. px + py > 1)
    if not all(math.isfinite(float(f[k])) for k in ("qber", "devetak_winter_rate")):
        return None
    slack = score(f)
    excess = acceptance_excess(spec, f)
    obj = slack + PENALTY * max(0.0, excess + INSIDE)
    return Evaluation(lab, obj, slack, bool(f["accepted"]), f)


def _explorer(
    spec: Any,
    dom: Domain,
    score: Callable[[Mapping[str, Any]], float],
    record: Callable[[Evaluation | None], float],
    seen: list[tuple[float, np.ndarray]],
    budget: int,
    seed: int,
    memo: dict[str, Evaluation | None] | None = None,
) -> Callable[[], None]:
    """The Hypothesis stage for one attack family: ``budget`` examples over
    its box, ``target`` pushing toward a low objective."""
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings, target
    from hypothesis import seed as hseed
    from hypothesis import strategies as st

    box = st.tuples(*(st.floats(lo, hi, allow_nan=False) for lo, hi in zip(dom.low, dom.high)))
    centre = (np.array(dom.low) + np.array(dom.high)) / 2
    # weak attacks too: a point of the box pulled toward its centre (for a probe, toward "no interaction"),
    # where small disturbances live — the regime just under an abort threshold
    scaled = st.tuples(box, st.sampled_from((1.0, 0.3, 0.1))).map(lambda t: tuple(centre + t[1] * (np.array(t[0]) - centre)))

    @hseed(seed)
    @settings(
        database=None,
        max_examples=budget,
        deadline=None,
        derandomize=False,
        verbosity=Verbosity.quiet,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.generate, Phase.target),
    )
    @given(scaled)
    def explore(x: tuple[float, ...]) -> None:
        xv = dom.clip(np.array(x, dtype=float))
        obj = record(_evaluate(spec, dom, xv, score, memo))
        seen.append((obj, xv))
        target(-obj if obj < 1e5 else -1e5)

    return explore


def worst_case_attack(
    spec: Any,
    budget: int,
    seed: int,
    score: Callable[[Mapping[str, Any]], float] = key_slack,
    local_starts: int = 2,
    progress: Callable[[int], None] | None = None,
    stop_at_violation: bool = True,
) -> SearchResult:
    """Minimise ``score`` over accepted attacks of every catalogue family.

    ``budget`` Hypothesis examples per attack family, then Nelder–Mead from
    the best point of the widest family (most parameters) and of the next
    best families, ``local_starts`` in all (20·budget
    evaluations each, restarted when it stalls).  Deterministic for a given seed; with
    ``stop_at_violation`` it returns as soon as a family yields one."""
    from scipy.optimize import minimize

    from .adversary_campaign import reproducible_generation

    count = {"n": 0}
    result = SearchResult(None, None, 0, seed)
    memo: dict[str, Evaluation | None] = {}  # label → its evaluation: a repeated point costs nothing

    def record(ev: Evaluation | None) -> float:
        count["n"] += 1
        if progress:
            progress(count["n"])
        if ev is None:
            return 1e6
        if ev.accepted and (result.best is None or ev.slack < result.best.slack):
            result.best = ev
        if ev.accepted and ev.slack < 0 and (result.violation is None or ev.slack < result.violation.slack):
            result.violation = ev
        return ev.objective

    explored: list[tuple[float, Domain, np.ndarray]] = []
    for dom in domains():
        seen: list[tuple[float, np.ndarray]] = []
        explore = _explorer(spec, dom, score, record, seen, budget, seed, memo)
        with reproducible_generation():
            explore()
        result.per_attack[dom.name] = min((o for o, _ in seen), default=math.inf)
        explored += [(o, dom, x) for o, x in seen]
        if stop_at_violation and result.violation is not None:
            break
    # local refinement: the best point of the most general family (most parameters: the entangling probe,
    # where attacks no catalogue formula names live), then of the best families overall
    explored.sort(key=lambda t: t[0])
    starts: list[tuple[Domain, np.ndarray]] = []
    widest = max((d for _, d, _ in explored), key=lambda d: len(d.params), default=None)
    ordered = [t for t in explored if t[1] is widest][:1] + explored
    for _, dom, x in ordered:
        if len(starts) >= local_starts or (stop_at_violation and result.violation is not None):
            break
        if all(d.name != dom.name for d, _ in starts):
            starts.append((dom, x))
    for dom, x0 in starts:
        fn = lambda x, dom=dom: record(_evaluate(spec, dom, x, score, memo))  # noqa: E731
        span = np.array(dom.high) - np.array(dom.low)
        left, x = 20 * budget, x0
        while left > 0:  # Nelder–Mead stalls in high dimension: restart from its result with a fresh simplex
            simplex = [x] + [
                dom.clip(x + 0.05 * span[i] * np.eye(len(x))[i] * (1 if x[i] < dom.high[i] else -1)) for i in range(len(x))
            ]
            res = minimize(
                fn,
                x,
                method="Nelder-Mead",
                options={"maxfev": left, "initial_simplex": np.array(simplex), "xatol": 1e-6, "fatol": 1e-9},
            )
            left -= max(int(res.nfev), len(x) + 1)
            x = dom.clip(res.x)
            if stop_at_violation and result.violation is not None:
                break
        if stop_at_violation and result.violation is not None:
            break
    result.evaluations = count["n"]
    result.distinct = len(memo)
    return result


__all__ = ["Domain", "domains", "Evaluation", "SearchResult", "key_slack", "acceptance_excess", "worst_case_attack"]
