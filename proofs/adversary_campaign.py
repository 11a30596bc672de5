"""The adversary engine, part 3: the seeded fuzzing campaign.

:func:`fuzz` runs one check over up to ``budget`` cases of a Hypothesis
strategy, seeded, with no example database, steered by
``hypothesis.target`` and shrunk to a minimal counterexample;
:func:`fuzzed` is the shape every fuzzed checker shares (deterministic
cases first, then the campaign; a counterexample is re-derived from the
catalogue's own parse of its label before it refutes anything).  A
refutation carries :func:`replay_records`: the seed, the budget and the
commands that replay it, as data (:func:`qproto.proofs.verdict.replay_record`;
the command lines are written by :mod:`qproto.replay`).

The one place qproto touches a private Hypothesis hook is
:func:`reproducible_generation`: see its docstring for why, and what
happens when the hook is not there.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Mapping
from typing import Any

from qproto.spec.errors import InternalSignal
from qproto.spec.protocol import Property, Protocol

from .adversary_figures import AttackCase, QKDSpec, figures, rounded
from .verdict import Status, inconclusive, refuted, replay_record, tested

#: Cases per fuzzed property when the user gives no ``--budget``: small, so a
#: bare ``qproto verify`` stays CI-friendly; campaigns pass ``--budget``.
DEFAULT_BUDGET = 30
DEFAULT_SEED = 0


class _Counterexample(InternalSignal):
    def __init__(self, info: dict[str, Any]) -> None:
        super().__init__(info.get("why", "counterexample"))
        self.info = info


def budget_of(options: Mapping[str, Any]) -> int:
    return int(options.get("budget") or DEFAULT_BUDGET)


def seed_of(options: Mapping[str, Any]) -> int:
    s = options.get("seed")
    return DEFAULT_SEED if s is None else int(s)


def fuzz(
    strategy,
    check: Callable[[Any], tuple[bool, float | None, dict[str, Any]]],
    budget: int,
    seed: int,
    progress: Callable[[int], None] | None = None,
) -> tuple[dict[str, Any] | None, int]:
    """Run ``check`` on up to ``budget`` cases drawn from ``strategy``
    (reproducibly: Hypothesis seeded with ``seed``, no example database).
    ``check`` returns (holds, score for ``hypothesis.target``, details).
    Returns the minimal (shrunk) counterexample's details or None, and the
    number of cases run."""
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings, target
    from hypothesis import seed as hseed

    calls = {"n": 0}

    @hseed(seed)
    @settings(
        database=None,
        max_examples=budget,
        deadline=None,
        derandomize=False,
        verbosity=Verbosity.quiet,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.generate, Phase.target, Phase.shrink),
        report_multiple_bugs=False,
        print_blob=False,
    )
    @given(strategy)
    def run(case: Any) -> None:
        calls["n"] += 1
        if progress:
            progress(calls["n"])
        ok, score, info = check(case)
        if score is not None and math.isfinite(score):
            target(float(score))
        if not ok:
            raise _Counterexample(info)

    try:
        with reproducible_generation():
            run()
    except _Counterexample as exc:
        return exc.info, calls["n"]
    return None, calls["n"]


@contextlib.contextmanager
def reproducible_generation():
    """Make a seeded campaign draw the same cases wherever it runs.

    Why a private hook: Hypothesis (≥ 6.13x) mixes literal constants from
    every *local* module loaded in the process into generation (its
    ``providers._get_local_constants``, cached in ``CONSTANTS_CACHE``).  The
    same ``--seed`` would then give different attacks depending on what else
    was imported, and on whether qproto runs from a checkout or from
    site-packages — a replay that does not replay, and no public setting
    turns the pool off.  So, for the duration of one campaign only, the
    pool is pinned to empty (and its cache cleared around the campaign);
    the original function is restored in ``finally``, also when the
    campaign raises.  If the internal hook is absent (another Hypothesis
    layout), nothing is patched and generation is Hypothesis' own.  Nothing
    else in qproto touches Hypothesis internals;
    ``tests/test_adversary.py::test_a_seed_replays_whatever_else_is_imported``
    fails if the pinning stops working."""
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - other Hypothesis layouts
        yield
        return
    original = getattr(providers, "_get_local_constants", None)
    cache = getattr(providers, "CONSTANTS_CACHE", None)
    if original is None or not hasattr(providers, "Constants"):
        yield
        return
    empty = providers.Constants()
    providers._get_local_constants = lambda: empty
    if cache is not None:
        cache.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        if cache is not None:
            cache.cache.clear()


def replay_records(spec: Protocol, case: AttackCase, seed: int, budget: int, prop: Property) -> dict[str, Any]:
    """The attack, seed and budget of a refutation, and the commands that
    replay it (the campaign, this property, the attack alone) as records."""
    return {
        "attack": case.label,
        "seed": seed,
        "budget": budget,
        "fuzz": replay_record(spec.name, seed=seed, budget=budget),
        "verify": replay_record(spec.name, property=prop.id, seed=seed, budget=budget),
        "analyze": replay_record(spec.name, attack=case.label),
    }


def confirm(spec: QKDSpec, case: AttackCase) -> dict[str, Any]:
    """Re-derive the counterexample's figures from the catalogue's own
    parse of its label (exact instrument evaluated numerically): the replay."""
    inst = case.exact_instrument()
    return rounded(figures(spec, inst.numeric() if inst.exact else inst))


def fuzzed(
    spec: QKDSpec,
    prop: Property,
    options: Mapping[str, Any],
    strategy,
    check,
    what: str,
    replay_check: Callable[[dict[str, Any]], bool] | None = None,
    first: tuple[AttackCase, ...] = (),
) -> tuple[Status, dict[str, Any]]:
    """Check the deterministic cases ``first``, then fuzz ``strategy``."""
    budget, seed = budget_of(options), seed_of(options)
    found = None
    for i, case in enumerate(first):
        ok, _, info = check(case)
        if not ok:
            found, cases = info, i + 1
            break
    if found is None:
        found, cases = fuzz(strategy, check, budget, seed, options.get("progress"))
        cases += len(first)
    if found is None:
        extra = f" (and the {len(first)} basis-targeted intercept-resend attacks)" if first else ""
        return tested(f"no counterexample among {cases} generated attacks{extra}: {what}", cases, seed, budget=budget)
    case = found["case"]
    replayed = confirm(spec, case)
    info = {k: v for k, v in found.items() if k != "case"}
    if replay_check is not None and not replay_check(replayed):
        return inconclusive(
            f"the fuzzer's counterexample {case.label} did not replay on the exact instrument (numeric edge case)",
            counterexample={"attack": case.label, **info},
            replayed=replayed,
            cases=cases,
            seed=seed,
        )
    return refuted(
        f"{found['why']} — minimal attack {case.label}",
        counterexample={"attack": case.label, "figures": replayed},
        replay=replay_records(spec, case, seed, budget, prop),
        cases=cases,
        seed=seed,
    )


__all__ = [
    "DEFAULT_BUDGET",
    "DEFAULT_SEED",
    "budget_of",
    "seed_of",
    "fuzz",
    "reproducible_generation",
    "replay_records",
    "confirm",
    "fuzzed",
]
