"""Checkers for entanglement purification (``purification.*``): one round's
derived map on Werner inputs (BBPSSW) and on Bell-diagonal inputs (DEJMPS),
where it improves a pair, and its fixed points — all exact (SymPy identities
and solution sets of univariate inequalities)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from qproto.models import circuit as circuit_model
from qproto.models import purification as pur
from qproto.models.bell import bell, werner
from qproto.models.compare import fidelity
from qproto.models.exact import exact_json
from qproto.spec.circuit import CircuitProtocol
from qproto.spec.protocol import Property, Protocol
from qproto.spec.repeater import PurificationProtocol

from .algebra import parse_exact
from .registry import checker, validator
from .repeater_common import as_spec, decide_at_samples, exact_set, pick_point, point_strings, prop_args
from .verdict import Status, inconclusive, proved, refuted

Result = tuple[Status, dict[str, Any]]


@validator("purification")
def _validate_purification(spec: Protocol) -> None:
    circuit_model.validate(as_spec(spec, CircuitProtocol, "purification"))


def _werner_map(spec: PurificationProtocol) -> pur.WernerMap:
    return pur.derive_werner_map(spec)


def _replay_round(spec: PurificationProtocol, f: float) -> dict[str, Any]:
    """Numeric run of the round on werner(f) ⊗ werner(f), centred on the prepared pairs."""
    pairs = [(a, b) for a, b in spec.pairs]
    res = pur.run_round(spec, [werner(float(f), p, centre=pur.prepared_bell(spec, p)).numeric() for p in pairs], numeric=True)
    target = bell(pur.prepared_bell(spec, pairs[0]), res.kept.registers).numeric()
    fid = float(np.real(fidelity(target, res.kept))) / float(res.success)
    return {
        "replayed": True,
        "backend": "numeric",
        "F": f,
        "output_fidelity": round(fid, 12),
        "success_probability": round(float(res.success), 12),
    }


@checker("purification.werner-round")
def werner_round(spec: Protocol, prop: Property, options: Mapping[str, Any]) -> Result:
    scheme = as_spec(spec, PurificationProtocol, prop.check)
    fid_txt, succ_txt = prop_args(prop, "fidelity", "success")
    F = pur.F
    m = _werner_map(scheme)
    want_f, want_p = parse_exact(fid_txt, F=F), parse_exact(succ_txt, F=F)
    evidence = {
        "derived_fidelity": exact_json(m.fidelity),
        "derived_success": exact_json(m.success),
        "expected_fidelity": exact_json(sp.factor(want_f)),
        "expected_success": exact_json(sp.factor(want_p)),
        "method": "circuit run on werner(F) ⊗ werner(F); kept branches summed; F' = ⟨Φ+|ρ_kept|Φ+⟩ / p",
    }
    for what, got, want in (("fidelity", m.fidelity, want_f), ("success probability", m.success, want_p)):
        diff = sp.cancel(sp.together(got - want))
        if diff != 0:
            d = decide_at_samples(diff, (F,), options)
            if d.kind == "exact_zero":
                continue
            point = dict(d.assignment or {}) if d.kind == "nonzero" else None
            if not point:
                return inconclusive(
                    f"could not decide the derived {what} against the expected one: {d.reason}", decision=d.to_json(), **evidence
                )
            return refuted(
                f"derived {what} {sp.sstr(got)} differs from the expected {sp.sstr(sp.factor(want))}",
                counterexample={
                    "F": sp.sstr(point[F]),
                    "derived": sp.sstr(got.subs(point)),
                    "expected": sp.sstr(want.subs(point)),
                },
                replay=_replay_round(scheme, float(point[F])),
                **evidence,
            )
    return proved(f"F' = {sp.sstr(m.fidelity)}, p = {sp.sstr(m.success)} (derived, equal to the published forms)", **evidence)


@checker("purification.improves-iff")
def improves_iff(spec: Protocol, prop: Property, options: Mapping[str, Any]) -> Result:
    scheme = as_spec(spec, PurificationProtocol, prop.check)
    low, high, improves = prop_args(prop, "low", "high", "improves")
    F = pur.F
    m = _werner_map(scheme)
    domain = sp.Interval(parse_exact(low), parse_exact(high))
    expected = sp.sympify(improves, locals={"Interval": sp.Interval}, rational=True)
    gain = sp.factor(sp.cancel(m.fidelity - F))
    better = exact_set(m.fidelity > F, F, domain)
    evidence = {
        "gain": sp.sstr(gain),
        "improves_on_domain": sp.sstr(better),
        "improves_on_0_1": sp.sstr(exact_set(m.fidelity > F, F, sp.Interval(0, 1))),
        "method": "exact solution set of F'(F) > F (SymPy solve_univariate_inequality on the derived rational function)",
    }
    if better == expected:
        return proved(f"on {sp.sstr(domain)}: F' > F exactly for F ∈ {sp.sstr(better)} (F' − F = {sp.sstr(gain)})", **evidence)
    witness = pick_point(sp.SymmetricDifference(better, expected).intersect(domain))
    if witness is None:
        return inconclusive(
            f"one round improves exactly on {sp.sstr(better)}, not on {sp.sstr(expected)}, "
            "but no rational point in the difference was found",
            **evidence,
        )
    ce = {
        "F": sp.sstr(witness),
        "F_out": sp.sstr(sp.simplify(m.fidelity.subs(F, witness))),
        "improves": bool(sp.simplify(m.fidelity.subs(F, witness) - witness) > 0),
    }
    return refuted(
        f"one round improves exactly on {sp.sstr(better)}, not on {sp.sstr(expected)}",
        counterexample=ce,
        replay=_replay_round(scheme, float(witness)),
        **evidence,
    )


@checker("purification.fixed-points")
def fixed_points(spec: Protocol, prop: Property, options: Mapping[str, Any]) -> Result:
    scheme = as_spec(spec, PurificationProtocol, prop.check)
    (expected,) = prop_args(prop, "expected")
    F = pur.F
    m = _werner_map(scheme)
    unit = sp.Interval(0, 1)
    fixed = sp.solveset(sp.Eq(sp.cancel(m.fidelity - F), 0), F, unit)
    want = sp.FiniteSet(*[parse_exact(e) for e in expected])
    upper = sp.Interval.open(sp.Rational(1, 2), 1)
    climbs = exact_set(m.fidelity > F, F, upper).intersect(exact_set(m.fidelity < 1, F, upper))
    evidence = {
        "fixed_points": sp.sstr(fixed),
        "expected": sp.sstr(want),
        "increasing_and_below_1_on": sp.sstr(climbs),
        "method": "solveset of F'(F) = F on [0, 1]; exact set where F < F'(F) < 1",
    }

    def at(x: sp.Expr) -> dict[str, Any]:
        return {"F": sp.sstr(x), "F_out": sp.sstr(sp.nsimplify(sp.simplify(m.fidelity.subs(F, x))))}

    if fixed != want:
        odd = pick_point(sp.SymmetricDifference(fixed, want).intersect(unit)) if isinstance(fixed, sp.Set) else None
        if odd is None:
            return inconclusive(
                f"fixed points on [0, 1] are {sp.sstr(fixed)}, not {sp.sstr(want)}, and no point to show was found", **evidence
            )
        return refuted(
            f"fixed points on [0, 1] are {sp.sstr(fixed)}, not {sp.sstr(want)}",
            counterexample=at(odd),
            replay=_replay_round(scheme, float(odd)),
            **evidence,
        )
    if climbs != upper:
        odd = pick_point(sp.Complement(upper, climbs))
        if odd is None:
            return inconclusive(f"F < F' < 1 holds on {sp.sstr(climbs)} only, and no point to show was found", **evidence)
        return refuted(
            f"the iterates do not climb monotonically on (1/2, 1): F < F' < 1 only on {sp.sstr(climbs)}",
            counterexample=at(odd),
            replay=_replay_round(scheme, float(odd)),
            **evidence,
        )
    return proved(
        f"fixed points {sp.sstr(fixed)}; on (1/2, 1) the iterates increase and stay below 1, so they converge "
        "to the only fixed point above 1/2, namely 1",
        **evidence,
    )


@checker("purification.bell-diagonal-round")
def bell_diagonal_round(spec: Protocol, prop: Property, options: Mapping[str, Any]) -> Result:
    scheme = as_spec(spec, PurificationProtocol, prop.check)
    coeff_txt, succ_txt = prop_args(prop, "coefficients", "success")
    A, B, C, D = pur.A, pur.B, pur.C, pur.D
    coeffs, success = pur.derive_bell_diagonal_map(scheme)
    want_p = parse_exact(succ_txt, A=A, B=B, C=C, D=D)
    want = [parse_exact(t, A=A, B=B, C=C, D=D, N=want_p) for t in coeff_txt]
    evidence = {
        "derived": [sp.sstr(c) for c in coeffs],
        "derived_success": sp.sstr(sp.factor(success)),
        "order": list(pur.DEJMPS_ORDER),
        "method": "circuit run on two Bell-diagonal pairs with symbolic A, B, C, D",
    }
    residuals = [sp.cancel(sp.together(g - w)) for g, w in zip(coeffs, want)] + [sp.expand(success - want_p)]
    if all(r == 0 for r in residuals):
        return proved("the derived DEJMPS map equals Deutsch et al.'s recurrence for all A, B, C, D", **evidence)
    for i, r in enumerate(residuals):
        if r == 0:
            continue
        label = pur.DEJMPS_ORDER[i] if i < 4 else "success"
        d = decide_at_samples(r, (A, B, C, D), options)
        if d.kind == "exact_zero":
            continue
        if d.kind != "nonzero" or not d.assignment:
            return inconclusive(f"could not decide the coefficient for {label}: {d.reason}", decision=d.to_json(), **evidence)
        point = dict(d.assignment)
        got = coeffs[i] if i < 4 else success
        wanted = want[i] if i < 4 else want_p
        return refuted(
            f"the derived coefficient for {label} differs from the published one",
            counterexample={
                **point_strings(point),
                "coefficient": label,
                "derived": sp.sstr(sp.simplify(got.subs(point))),
                "expected": sp.sstr(sp.simplify(wanted.subs(point))),
            },
            **evidence,
        )
    return proved("the derived DEJMPS map equals Deutsch et al.'s recurrence for all A, B, C, D", **evidence)


__all__ = ["werner_round", "improves_iff", "fixed_points", "bell_diagonal_round"]
