"""The adversary engine, checks: soundness — what the protocol accepts leaves a secret key, and what it should reject it aborts.

``soundness-key-rate`` runs the worst-case attack search of
:mod:`qproto.proofs.attack_search` over the attacks the spec accepts;
``soundness-abort`` bounds the probability that an attack above the
threshold escapes the estimate, with the log-space tails of
:mod:`qproto.models.abort_statistics`.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from qproto.models.abort_statistics import abort_count, binomial_tail, hypergeometric_tail
from qproto.spec.errors import SpecError
from qproto.spec.protocol import Property, Protocol

from .adversary_campaign import budget_of, confirm, replay_records, seed_of
from .adversary_completeness import depolarizing_for_qber
from .adversary_figures import (
    AttackCase,
    QKDSpec,
    exact_fraction,
    figures,
    json_fraction,
    per_basis_estimation,
    qkd_spec,
    rounded,
    sample_sizes,
)
from .adversary_strategies import basis_targeted_attacks
from .registry import checker
from .verdict import Status, inconclusive, proved, refuted, replay_record, tested


@checker("adversary.soundness-key-rate")
def check_soundness_key_rate(spec: Protocol, prop: Property, options: Mapping[str, Any]) -> tuple[Status, dict[str, Any]]:
    """Below the threshold the key is secret against the catalogue's
    attacks: a worst-case attack search (:mod:`qproto.proofs.attack_search`:
    Hypothesis ``target`` over every catalogue attack's full parameter
    domain, then Nelder–Mead from the best cases) minimises the key slack —
    I(A:B) − χ(A:E), the spec's own rate, and their gap — over the attacks
    the spec accepts (its threshold, per basis where it estimates per
    basis, its Bell test, its DI rate).  A violation is refuted with its
    replayable label; none found is ``tested`` (N evaluations, seed), never
    proved.  The basis-targeted intercept-resends are checked first."""
    from .attack_search import key_slack, worst_case_attack

    spec = qkd_spec(spec)
    budget, seed = budget_of(options), seed_of(options)
    first = basis_targeted_attacks(spec)
    for i, case in enumerate(first):
        f = figures(spec, case.instrument())
        if f["accepted"] and key_slack(f) < 0:  # found deterministically, before any search
            return _key_rate_refutation(spec, prop, case, f, seed, budget, i + 1)
    result = worst_case_attack(spec, budget, seed, progress=options.get("progress"))
    cases = result.evaluations + len(first)
    if result.violation is not None:
        ev = result.violation
        return _key_rate_refutation(spec, prop, AttackCase(ev.label), ev.figures, seed, budget, cases)
    best = result.best
    rate_note = (
        f"and the claimed rate {spec.key_rates[0]} never exceeded it nor went negative"
        if spec.key_rates
        else "(the spec names no key rate: only I(A:B) − χ(A:E) > 0 is checked)"
    )
    evidence: dict[str, Any] = {
        "budget": budget,
        "search": "hypothesis target + Nelder-Mead over every catalogue attack",
        "families": sorted(result.per_attack),
        "distinct_attacks": result.distinct,
    }
    if best is not None:
        evidence["least_slack_attack"] = {
            "attack": best.label,
            "slack": round(best.slack, 9),
            "figures": rounded(
                {k: best.figures[k] for k in ("qber", "info_ab", "holevo_ae", "claimed_rate", "devetak_winter_rate")}
            ),
        }
    else:
        return inconclusive(
            f"the search found no accepted attack among {cases} evaluations: nothing was checked", cases=cases, seed=seed
        )
    return tested(
        f"worst-case search over {len(result.per_attack)} catalogue attack families ({cases} evaluations): every accepted attack "
        f"left I(A:B) − χ(A:E) > 0 {rate_note}; least slack {best.slack:.4g} at {best.label} (collective attacks with the "
        "catalogue's probes, asymptotic, trusted devices)",
        cases,
        seed,
        **evidence,
    )


def _key_rate_refutation(
    spec: QKDSpec, prop: Property, case: AttackCase, f: Mapping[str, Any], seed: int, budget: int, cases: int
) -> tuple[Status, dict[str, Any]]:
    replayed = confirm(spec, case)
    from .attack_search import key_slack

    if not (replayed["accepted"] and key_slack(replayed) < 0):
        return inconclusive(
            f"the search's attack {case.label} did not replay on the exact instrument (numeric edge case)",
            counterexample={"attack": case.label},
            replayed=replayed,
            cases=cases,
            seed=seed,
        )
    dw, r = replayed["devetak_winter_rate"], replayed["claimed_rate"]
    if dw <= 1e-7:
        why = (
            f"the protocol accepts QBER {max(0.0, replayed['qber']):.5g} (threshold {spec.abort_threshold}) although χ(A:E) = "
            f"{replayed['holevo_ae']:.4g} ≥ I(A:B) = {replayed['info_ab']:.4g}: no secret key is possible"
        )
    elif r is not None and r < 0:
        why = f"the protocol accepts QBER {max(0.0, replayed['qber']):.5g} where its own rate {spec.key_rates[0]} is {r:.4g} < 0"
    else:
        why = (
            f"the key-rate formula {spec.key_rates[0]} claims {r:.4g} at QBER {max(0.0, replayed['qber']):.5g}, but this attack leaves "
            f"only I(A:B) − χ(A:E) = {dw:.4g}"
        )
    return refuted(
        f"{why} — attack {case.label}",
        counterexample={"attack": case.label, "figures": replayed},
        replay=replay_records(spec, case, seed, budget, prop),
        cases=cases,
        seed=seed,
    )


@checker("adversary.soundness-abort")
def check_soundness_abort(spec: Protocol, prop: Property, options: Mapping[str, Any]) -> tuple[Status, dict[str, Any]]:
    """With ``sifted_bits`` sifted bits, sample fraction s and threshold t,
    every attack whose QBER is ≥ t + margin (in any one basis, under
    per-basis estimation, whose sample is that basis' share of the sifted
    bits) is caught with probability ≥ ``min_abort``: binomial tail
    (independent errors) and hypergeometric tail (any attack with that error
    fraction, sampling without replacement) at t + margin, both
    non-decreasing in the error rate; computed in log space
    (:mod:`qproto.models.abort_statistics`, relative accuracy 1e-12).  The
    evidence also gives P(accept) at QBER t + 1/n — what the statement does
    *not* cover."""
    spec = qkd_spec(spec)
    sifted = int(prop.args.get("sifted_bits", 10_000))
    t = exact_fraction(spec.abort_threshold)
    margin = exact_fraction(prop.args.get("margin", "3/100"))
    claim = exact_fraction(prop.args.get("min_abort", "999/1000"))
    p = t + margin
    groups = sample_sizes(spec, sifted)
    per: dict[str, Any] = {}
    worst = None
    for g, (nsift, n) in groups.items():
        if n < 1:
            return inconclusive(
                f"{g}: {nsift} sifted and no sample bits out of {sifted}: nothing is estimated", sample_sizes=groups
            )
        k = abort_count(n, t)
        binom = binomial_tail(n, p, k).value
        hyper = hypergeometric_tail(nsift, math.ceil(p * nsift), n, k).value if nsift >= n else binom
        just_above = 1 - binomial_tail(n, min(Fraction(1), t + Fraction(1, n)), k).value
        per[g] = {
            "sifted_bits": nsift,
            "sample_bits": n,
            "abort_if_errors_at_least": k,
            "binomial_abort_probability": binom,
            "hypergeometric_abort_probability": hyper,
            "accept_probability_just_above_threshold": just_above,
        }
        caught = min(binom, hyper)
        if worst is None or caught < worst[1]:
            worst = (g, caught)
    assert worst is not None
    ev = dict(
        sifted_bits=sifted,
        threshold=json_fraction(t),
        margin=json_fraction(margin),
        claimed_min_abort=json_fraction(claim),
        groups=per,
        estimation="per-basis" if per_basis_estimation(spec) else "pooled",
        tail_method="log-space, relative accuracy 1e-12",
    )
    g, caught = worst
    if abs(caught - float(claim)) < 1e-9:
        return inconclusive(f"the abort probability {caught:.12g} equals the claim to within the tail accuracy", **ev)
    if caught < float(claim):
        noise = ""
        with contextlib.suppress(SpecError, ValueError, TypeError):
            dp, _ = depolarizing_for_qber(spec, p)
            noise = f"depolarizing={float(dp):.12g}"
        return refuted(
            f"{g}: with {per[g]['sample_bits']} sample bits ({per[g]['sifted_bits']} sifted) an attack at QBER {float(p):.4g} "
            f"escapes the abort with probability {1 - caught:.4g} > {1 - float(claim):.3g}",
            counterexample={
                "qber": float(p),
                "group": g,
                "sample_bits": per[g]["sample_bits"],
                "escape_probability": 1 - caught,
                "noise": noise,
                "analyze": replay_record(spec.name, noise=noise) if noise else "",
            },
            **ev,
        )
    where = " in any one basis (per-basis estimation)" if per_basis_estimation(spec) else ""
    sizes = ", ".join(f"{g}: {v['sample_bits']} of {v['sifted_bits']}" for g, v in per.items())
    return proved(
        f"every attack with QBER ≥ {float(p):.4g}{where} is aborted with probability ≥ {caught:.6f} ≥ {float(claim)} "
        f"(sample bits {sizes}; binomial and hypergeometric tails, monotone in the QBER); no claim between the threshold "
        f"and threshold + margin",
        **ev,
    )


__all__ = ["check_soundness_key_rate", "check_soundness_abort"]
