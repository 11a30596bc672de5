"""Checkers and validators for the two QKD families.

Every claim is derived by the Born rule (:mod:`qproto.models.qkd`) from the
spec given — its states, measurements, sifting rule, settings and published
values; no constant of a catalogue protocol lives here — and then decided
with the three-valued check of :mod:`qproto.models.decide`: an expression
proved zero exactly is proved for all values of its symbols; a mismatch is
refuted at concrete exact values, with the counterexample and its replay on
the numeric model in the evidence; a claim over an empty set (no sifted
round, no mismatched choice, no published value) is vacuous; anything else
is inconclusive.  Each checker's docstring says what it derives and what
its verdict covers.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from qproto.models import qkd as model
from qproto.models.attacks import Attack, get_attack, line, parse_attack
from qproto.models.decide import decide_zero
from qproto.models.exact import exact_json
from qproto.models.instrument import Instrument, identity
from qproto.models.keyrate import key_rate, threshold
from qproto.models.memo import memo_by_value
from qproto.spec.errors import SpecError
from qproto.spec.protocol import Property
from qproto.spec.qkd import EntanglementQKD, PrepareMeasureQKD
from qproto.spec.validation import check_fraction, check_probability

from .algebra import RATIONAL_UNIT, parse_exact
from .registry import checker, validator
from .verdict import Status, inconclusive, proved, refuted, replay_record, vacuous

# -- validators ---------------------------------------------------------------


def _num(spec: Any, field: str, text: Any) -> sp.Expr:
    v = _read_number(text)
    if v is None:
        raise SpecError(f"{spec.name}: {field}={text!r} is not a number SymPy can read")
    if not v.is_number:
        raise SpecError(f"{spec.name}: {field}={text!r} must be a number")
    return v


@memo_by_value(4096)  # a spec's texts are read once
def _read_number(text: Any) -> sp.Expr | None:
    """``sp.sympify(text, rational=True)``, or None when SymPy cannot read it."""
    try:
        return sp.sympify(text, rational=True)
    except (sp.SympifyError, TypeError):
        return None


def _check_estimation(spec: Any) -> None:
    sf = _num(spec, "sample_fraction", spec.sample_fraction)
    check_probability(f"{spec.name}: sample_fraction", sf, open_low=True, shown=str(spec.sample_fraction))
    th = _num(spec, "abort_threshold", spec.abort_threshold)
    check_fraction(
        f"{spec.name}: abort_threshold",
        th,
        0,
        0.5,
        open_high=True,
        why="a QBER of 1/2 is pure noise",
        shown=str(spec.abort_threshold),
    )


def _check_distribution(spec: Any, field: str, probs: Mapping[str, Any]) -> None:
    vals = {k: _num(spec, f"{field}[{k}]", v) for k, v in probs.items()}
    if any(v < 0 for v in vals.values()) or sp.simplify(sum(vals.values()) - 1) != 0:
        raise SpecError(f"{spec.name}: {field} {dict(probs)} must be non-negative and sum to 1")


#: The round the QKD models execute, in order.  Eve acts on the signal
#: between "send" and "measure", before anything is announced: the models
#: cannot represent an Eve who acts knowing an announcement, so a spec that
#: announces before the signal is measured is rejected, not reinterpreted.
MODEL_ROUND = ("prepare", "send", "measure", "announce", "sift", "estimate", "decide")


def _check_step_order(spec: Any) -> None:
    """Reject a step order the QKD model does not implement.

    The steps the model executes (:data:`MODEL_ROUND`) must appear in that
    order (a step may repeat, e.g. one "announce" per party); any other
    action (error correction, using the key, checking tags) comes after the
    last of them, where it does not change what the model computes.  A
    spec with no steps is not checked (its steps are documentation)."""
    rank = {a: i for i, a in enumerate(MODEL_ROUND)}
    last_core = max((i for i, st in enumerate(spec.steps) if st.action in rank), default=-1)
    highest: tuple[int, Any] | None = None
    for i, st in enumerate(spec.steps):
        if st.action not in rank:
            if i < last_core:
                later = spec.steps[last_core]
                raise SpecError(
                    f"{spec.name}: step {i + 1} ({st.party}: {st.action!r}) comes before step {last_core + 1} "
                    f"({later.party}: {later.action!r}); the QKD model runs {' → '.join(MODEL_ROUND)} and implements "
                    f"nothing in between: move {st.action!r} after the last of these steps or remove it"
                )
            continue
        if highest is not None and rank[st.action] < highest[0]:
            j, prev = highest[1]
            raise SpecError(
                f"{spec.name}: step {i + 1} ({st.party}: {st.action!r}) comes after step {j + 1} ({prev.party}: "
                f"{prev.action!r}); the QKD model runs {' → '.join(MODEL_ROUND)} (Eve acts on the signal before "
                f"anything is announced) and cannot give this order a meaning: restore that order"
            )
        if highest is None or rank[st.action] > highest[0]:
            highest = (rank[st.action], (i, st))


@validator("qkd-pm")
def validate_pm(spec: PrepareMeasureQKD) -> None:
    """Structure the prepare-and-measure model needs: steps in the model's
    order, normalised signals, complete measurements, distributions that
    sum to 1, estimation parameters in range, candidate sets only with
    unambiguous sifting."""
    _check_step_order(spec)
    if not spec.signals or not spec.measurements:
        raise SpecError(f"{spec.name}: a prepare-and-measure spec needs signals and measurements")
    _check_estimation(spec)
    _check_distribution(spec, "basis_probabilities", spec.basis_probabilities)
    _check_distribution(spec, "measurement probabilities", {m.name: m.probability for m in spec.measurements})
    names = [s.name for s in spec.signals]
    if len(set(names)) != len(names):
        raise SpecError(f"{spec.name}: signal names {names} must be distinct")
    for s in spec.signals:
        if s.basis not in spec.basis_probabilities:
            raise SpecError(f"{spec.name}: signal {s.name!r} has basis {s.basis!r} with no entry in basis_probabilities")
        if s.bit not in (0, 1):
            raise SpecError(f"{spec.name}: signal {s.name!r} has bit={s.bit!r}, expected 0 or 1")
        v = [_num(spec, f"signal {s.name} amplitude", a) for a in s.amplitudes]
        if len(v) != 2 or sp.simplify(sum(x * sp.conjugate(x) for x in v) - 1) != 0:
            raise SpecError(f"{spec.name}: signal {s.name!r} amplitudes {s.amplitudes} are not a normalised qubit state")
        if s.announce and spec.sifting == "basis-match":
            raise SpecError(
                f"{spec.name}: signal {s.name!r} has announce={s.announce} but sifting='basis-match' announces Alice's "
                "basis, not a candidate set; use sifting='unambiguous' or drop announce"
            )
        for cand in s.announce:
            if s.name not in cand or any(c not in names for c in cand):
                raise SpecError(
                    f"{spec.name}: signal {s.name!r} announces {cand}, which must contain it and name only signals {names}"
                )
    for m in spec.measurements:
        total = sp.zeros(2, 2)
        for o in m.outcomes:
            v = sp.Matrix([_num(spec, f"outcome {o.label} of {m.name}", a) for a in o.vector])
            total += v * v.H
        if sp.simplify(total - sp.eye(2)) != sp.zeros(2, 2):
            raise SpecError(f"{spec.name}: Bob's measurement {m.name!r} is not complete (Σ|v⟩⟨v| ≠ I)")
        if spec.sifting == "basis-match" and m.name in spec.basis_probabilities and any(o.bit is None for o in m.outcomes):
            raise SpecError(f"{spec.name}: measurement {m.name!r} needs a bit on every outcome for basis-match sifting")


@validator("qkd-eb")
def validate_eb(spec: EntanglementQKD) -> None:
    """Structure the entanglement-based model needs: steps in the model's
    order, settings distributions, key pairs and CHSH terms over known
    settings, perfectly (anti)correlated key pairs."""
    _check_step_order(spec)
    _check_estimation(spec)
    _check_distribution(spec, "alice_settings", {s.name: s.probability for s in spec.alice_settings})
    _check_distribution(spec, "bob_settings", {s.name: s.probability for s in spec.bob_settings})
    A = {s.name for s in spec.alice_settings}
    B = {s.name for s in spec.bob_settings}
    for s in spec.alice_settings + spec.bob_settings:
        _num(spec, f"setting {s.name} angle", s.angle)
    for x, y in spec.key_pairs:
        if x not in A or y not in B:
            raise SpecError(f"{spec.name}: key pair ({x}, {y}) names unknown settings; Alice {sorted(A)}, Bob {sorted(B)}")
    if spec.chsh:
        if len(spec.chsh) != 4 or any(x not in A or y not in B or sgn not in (1, -1) for x, y, sgn in spec.chsh):
            raise SpecError(f"{spec.name}: chsh must list four (alice, bob, ±1) terms over known settings, got {spec.chsh}")
        th = _num(spec, "chsh_threshold", spec.chsh_threshold)
        check_fraction(f"{spec.name}: chsh_threshold", th, 0, 2 * sp.sqrt(2), shown=str(spec.chsh_threshold))
    model.key_flip(spec)  # raises SpecError when a key pair is not perfectly (anti)correlated


# -- helpers -----------------------------------------------------------------------


def _row_json(r: model.Row) -> dict[str, Any]:
    return {
        "choice": r.choice,
        "announcement": list(r.announcement),
        "setting": r.setting,
        "outcome": r.outcome,
        "record": str(r.record),
        "alice_bit": r.alice_bit,
        "bob_bit": r.bob_bit,
        "probability": exact_json(r.probability) if isinstance(r.probability, sp.Basic) else r.probability,
    }


#: Seconds of exact simplification per decision (then the decision is undecided).
DECIDE_BUDGET = 10.0


def _is_zero(e: Any) -> bool | None:
    """True only when ``e`` is proved zero exactly, False only when it is
    proved non-zero (exactly, or by certified 50-digit evaluation of a
    number), None otherwise (:func:`qproto.models.decide.decide_zero`):
    an expression SymPy cannot simplify is never read as non-zero."""
    return decide_zero(sp.sympify(e), digits=50, timeout=DECIDE_BUDGET).is_zero


def _numeric_row(spec: Any, r: model.Row) -> Any:
    """The probability of the same joint event in the numeric (complex128)
    model: the replay of a counterexample row."""
    for n in model.table(spec, identity().numeric()):
        if (n.choice, n.announcement, n.setting, n.outcome, n.alice_outcome) == (
            r.choice,
            r.announcement,
            r.setting,
            r.outcome,
            r.alice_outcome,
        ):
            return n.probability
    return None


def _symbolic_line(prop: Property) -> tuple[Instrument, sp.Symbol]:
    name = prop.args.get("attack") or prop.args.get("noise")
    symbol = prop.args.get("symbol", "p")
    if not name:
        raise SpecError(f"property {prop.id!r}: check {prop.check!r} needs args attack= or noise=")
    info = get_attack(name)
    inst, syms = Attack(info, {p.name: p.default for p in info.params}).symbolic(symbol)
    return inst, syms[symbol]


# -- checkers ------------------------------------------------------------------------


@checker("qkd.sifted-bits-agree")
def sifted_bits_agree(spec: Any, prop: Property, options: Mapping[str, Any]) -> tuple[Status, dict[str, Any]]:
    """On the ideal line, every sifted round carries equal bits.

    Derives from the spec: every joint event (Alice's signal or setting,
    her announcement, Bob's setting and outcome) and its Born-rule
    probability with no noise and no eavesdropper, and the spec's own
    sifting rule (or key pairs and flips).  Proved when every kept event
    with unequal bits has probability exactly 0 and some round is kept
    (exhaustive over the finite alphabet); no kept round is vacuous; a kept
    error event of non-zero probability is the counterexample, replayed on
    the numeric model."""
    rows = model.table(spec, identity())
    kept = [r for r in rows if r.kept]
    sift = sp.expand(sum((r.probability for r in kept), sp.Integer(0)))
    sift_zero = _is_zero(sift)
    if sift_zero is True:
        return vacuous("no round survives sifting: the claim would hold over an empty set", sift_probability=exact_json(sift))
    if sift_zero is None:
        return inconclusive(f"could not decide whether the sift probability {sift} is 0")
    bad = [r for r in kept if r.alice_bit != r.bob_bit]
    undecided = []
    for r in bad:
        z = _is_zero(r.probability)
        if z is False:
            return refuted(
                f"Alice sends {r.choice}, Bob measures {r.setting} and reads {r.outcome}: the round is sifted with "
                f"Alice's bit {r.alice_bit} but Bob's {r.bob_bit}, probability {r.probability}",
                counterexample=_row_json(r),
                replay={"numeric_probability": _numeric_row(spec, r)},
                qber=exact_json(model.qber(spec, identity())),
            )
        if z is None:
            undecided.append(str(r.probability))
    if undecided:
        return inconclusive("SymPy could not decide whether some error events have probability 0", undecided=undecided)
    return proved(
        f"exhaustive over the {len(rows)} joint events of the finite alphabet: every sifted event with disagreeing bits has "
        f"probability exactly 0; sift probability {sift} > 0",
        sift_probability=exact_json(sift),
        qber=exact_json(sp.Integer(0)),
        events=len(rows),
        sifted_events=len(kept),
    )


@checker("qkd.mismatched-bases-uniform")
def mismatched_uniform(spec: Any, prop: Property, options: Mapping[str, Any]) -> tuple[Status, dict[str, Any]]:
    """Mismatched choices give uniform outcomes.

    Derives from the spec: prepare-and-measure — every (signal, Bob's
    measurement) pair where the measurement is one of the spec's bases other
    than the signal's, and Bob's outcome distribution by the Born rule
    (noiseless line), compared with 1/#outcomes; entanglement-based — every
    (Alice, Bob) setting pair along orthogonal Bloch directions of the spec,
    compared with 1/4 for each joint outcome.  The verdict covers exactly
    those finitely many cases (exhaustive, exact); no mismatched case at all
    is vacuous; a case SymPy cannot decide is inconclusive."""
    checked = []
    if isinstance(spec, PrepareMeasureQKD):
        dist = model.outcome_distribution(spec, identity())
        bases = set(spec.basis_probabilities)
        for s in spec.signals:
            for m in spec.measurements:
                if m.name == s.basis or m.name not in bases:
                    continue
                want = sp.Rational(1, len(m.outcomes))
                for o in m.outcomes:
                    p = dist[s.name][m.name][o.label]
                    z = _is_zero(p - want)
                    if z is False:
                        numeric = model.outcome_distribution(spec, identity().numeric())[s.name][m.name][o.label]
                        return refuted(
                            f"Alice sends {s.name} (basis {s.basis}), Bob measures {m.name}: outcome {o.label} has "
                            f"probability {p}, not {want}",
                            counterexample={
                                "signal": s.name,
                                "measurement": m.name,
                                "outcome": o.label,
                                "probability": exact_json(p),
                                "expected": str(want),
                            },
                            replay={"numeric_probability": float(numeric)},
                        )
                    if z is None:
                        return inconclusive(f"could not decide P({o.label} | {s.name}, {m.name}) − {want} = 0")
                checked.append(f"{s.name}|{m.name}")
    else:
        A = {s.name: s for s in spec.alice_settings}
        B = {s.name: s for s in spec.bob_settings}
        for x in A:
            for y in B:
                if _is_zero(sp.cos(sp.sympify(A[x].angle) - sp.sympify(B[y].angle))) is not True:
                    continue  # only orthogonal Bloch directions are "mismatched"
                rows = [r for r in model.eb_table(spec, identity()) if r.choice == x and r.setting == y]
                w = sp.sympify(A[x].probability) * sp.sympify(B[y].probability)
                for r in rows:
                    z = _is_zero(r.probability / w - sp.Rational(1, 4))
                    if z is None:
                        return inconclusive(f"could not decide P({r.alice_outcome}, {r.outcome} | {x}, {y}) = 1/4")
                    if z is False:
                        numeric = _numeric_row(spec, r)
                        return refuted(
                            f"settings ({x}, {y}) are orthogonal but outcome ({r.alice_outcome}, {r.outcome}) has "
                            f"probability {sp.simplify(r.probability / w)}, not 1/4",
                            counterexample={
                                **_row_json(r),
                                "alice_outcome": r.alice_outcome,
                                "conditional_probability": exact_json(r.probability / w),
                                "expected": "1/4",
                            },
                            replay={"numeric_conditional_probability": None if numeric is None else float(numeric) / float(w)},
                        )
                checked.append(f"{x}|{y}")
    if not checked:
        return vacuous("no mismatched (orthogonal) choice exists in the spec: the claim would hold over an empty set")
    return proved(
        f"exhaustive over the finite choices: each outcome has probability 1/2 (joint 1/4) in all {len(checked)} mismatched cases",
        mismatched=checked,
    )


@checker("qkd.qber-formula")
def qber_formula(spec: Any, prop: Property, options: Mapping[str, Any]) -> tuple[Status, dict[str, Any]]:
    """QBER under a one-parameter line equals the stated formula.

    Derives from the spec: the pooled QBER under the catalogue attack or
    noise named in ``args`` (its other parameters at their defaults — for
    intercept-resend, Eve in Z or X with probability 1/2 each), as a
    function of the one symbol, by the Born rule over the spec's signals,
    measurements and sifting rule.  Proved when the difference with
    ``args["expected"]`` is exactly zero for all values of the symbol (and
    the numeric model agrees at four points); refuted at a rational point
    where the difference is non-zero (replayed numerically); otherwise
    inconclusive.  Covers that one attack family, not every attack."""
    inst, sym = _symbolic_line(prop)
    derived = model.qber(spec, inst)
    expected = parse_exact(prop.args["expected"], **{str(sym): sym})
    diff = sp.together(derived - expected)
    if _is_zero(diff) is True:
        diff = sp.Integer(0)
    # numeric cross-check: lambdified exact form against the numeric Born-rule model
    fn = sp.lambdify(sym, derived, "numpy")
    checks = []
    for v in (0.0, 0.3, 0.75, 1.0):
        num = model.qber(spec, inst.numeric({sym: v}))
        checks.append(abs(float(fn(v)) - num))
    evidence = {
        "derived": exact_json(derived),
        "expected": str(expected),
        "symbol": str(sym),
        "domain": f"{sym} in [0, 1] (square roots of probabilities are real there, so conj(√x) = √x)",
        "numeric_max_difference": max(checks),
    }
    if diff == 0:
        if max(checks) > 1e-9:
            return inconclusive("the exact form matches but the numeric model disagrees", **evidence)
        return proved(f"QBER = {derived} derived by the Born rule, identical to {expected} for all {sym}", **evidence)
    for w in RATIONAL_UNIT:
        v = diff.subs(sym, w)
        if v.is_number and _is_zero(v) is False:
            num = model.qber(spec, inst.numeric({sym: float(w)}))
            return refuted(
                f"at {sym}={w} the QBER is {derived.subs(sym, w)}, expected {expected.subs(sym, w)}",
                counterexample={
                    str(sym): str(w),
                    "derived": exact_json(derived.subs(sym, w)),
                    "expected": exact_json(expected.subs(sym, w)),
                },
                replay={"numeric_qber": num},
                **evidence,
            )
    return inconclusive(f"could not simplify {derived} − ({expected}) to zero", **evidence)


@checker("qkd.threshold")
def threshold_check(spec: Any, prop: Property, options: Mapping[str, Any]) -> tuple[Status, dict[str, Any]]:
    """Each key-rate formula the spec names vanishes at its threshold,
    which agrees with the spec's published threshold.

    Derives from the spec: its ``key_rates`` (formulas of
    :mod:`qproto.models.keyrate`, each a function of one QBER) and its
    ``published`` ``threshold:<formula>`` values with their tolerances.
    The zero is certified to 1e-9 by the key-rate module; the verdict covers
    the formula as a function of Q, not whether the formula is a secure rate
    for this protocol (that is the adversary engine's soundness check).  No
    formula, or a formula without a published threshold, is vacuous."""
    if not spec.key_rates:
        return vacuous("the spec names no key-rate formula (key_rates=()): no threshold to check")
    results: list[dict[str, Any]] = []
    published = {p.quantity: p for p in spec.published}
    for name in spec.key_rates:
        th = threshold(name)
        kr = key_rate(name)
        entry: dict[str, Any] = {
            "formula": name,
            "rate": kr.text,
            "threshold": th.value,
            "interval": [th.low, th.high],
            "certificate": th.reason,
            "reference": kr.reference,
        }
        if not th.certified:
            return inconclusive(f"{name}: threshold not certified: {th.reason}", thresholds=results + [entry])
        pub = published.get(f"threshold:{name}")
        if pub is None:
            return vacuous(
                f"{name}: the spec gives no published threshold to compare with (add published threshold:{name})",
                thresholds=results + [entry],
            )
        want = sp.N(parse_exact(pub.value), 30)
        tol = float(sp.sympify(pub.tolerance, rational=True))
        entry["published"] = {"value": pub.value, "tolerance": pub.tolerance, "reference": str(pub.reference)}
        if abs(th.value - float(want)) > tol + 1e-9:
            return refuted(
                f"{name}: derived threshold {th.value:.12g} differs from the published {pub.value} by more than {pub.tolerance}",
                counterexample={
                    "formula": name,
                    "derived_threshold": th.value,
                    "interval": [th.low, th.high],
                    "published": pub.value,
                    "tolerance": pub.tolerance,
                    "difference": abs(th.value - float(want)),
                },
                replay={"rate_at_derived_threshold": float(kr(th.value)), "rate_at_published": _rate_or_none(kr, float(want))},
                thresholds=results + [entry],
            )
        results.append(entry)
    summary = "; ".join(
        f"{e['formula']}: r(Q)=0 at Q*={e['threshold']:.10f} (±1e-9), published {e['published']['value']}" for e in results
    )
    return proved(summary, thresholds=results)


def _rate_or_none(kr: Any, q: float) -> float | None:
    """The key rate at q, or None outside the formula's domain."""
    try:
        r = float(kr(q))
    except (ValueError, ZeroDivisionError, TypeError):
        return None
    return r if r == r else None


def _derive(spec: Any, quantity: str, conditions: Mapping[str, str], numeric: bool = False) -> Any:
    attack = parse_attack(conditions["attack"], kind="attack") if "attack" in conditions else None
    noise = parse_attack(conditions["noise"], kind="noise") if "noise" in conditions else None
    inst = line(attack, noise)
    if numeric:
        inst = inst.numeric()
    if quantity == "sift":
        return model.sift_probability(spec, inst)
    if quantity == "qber":
        return model.qber(spec, inst)
    if quantity == "chsh":
        return model.chsh(spec, inst)
    if quantity.startswith("threshold:"):
        return threshold(quantity.split(":", 1)[1]).value
    raise SpecError(f"{spec.name}: published quantity {quantity!r} is not one of sift, qber, chsh, threshold:<formula>")


@checker("qkd.published-values")
def published_values(spec: Any, prop: Property, options: Mapping[str, Any]) -> tuple[Status, dict[str, Any]]:
    """Every value in the spec's ``published`` list is reproduced.

    Derives from the spec: each published quantity (sift probability, QBER,
    CHSH value under the stated attack/noise, or a formula's threshold) by
    the Born rule on the spec's own model, compared exactly (tolerance 0)
    or within the stated tolerance.  Covers exactly the listed values; a
    spec that cites none is vacuous.  A mismatch is refuted with the
    quantity, its conditions and both values, replayed on the numeric
    model."""
    if not spec.published:
        return vacuous("the spec cites no published value (published=()): nothing to reproduce")
    out: list[dict[str, Any]] = []
    for pub in spec.published:
        derived = _derive(spec, pub.quantity, pub.conditions)
        want = parse_exact(pub.value)
        tol = sp.sympify(pub.tolerance, rational=True)
        d = {
            "quantity": pub.quantity,
            "conditions": dict(pub.conditions),
            "published": pub.value,
            "tolerance": pub.tolerance,
            "reference": str(pub.reference),
        }
        if isinstance(derived, sp.Basic):
            d["derived"] = exact_json(derived)
            if tol == 0:
                ok = _is_zero(derived - want)
            else:
                ok = bool(abs(sp.N(derived - want, 30)) <= tol)
        else:
            d["derived"] = derived
            ok = abs(derived - float(sp.N(want, 30))) <= float(tol) + 1e-12
        if ok is None:
            return inconclusive(f"{pub.quantity}: could not decide {derived} = {pub.value}", values=out + [d])
        if not ok:
            replay = _derive(spec, pub.quantity, pub.conditions, numeric=True)
            return refuted(
                f"{pub.quantity}: derived {derived} but {pub.reference.cite.split(',')[0]} et al. give {pub.value}",
                counterexample={
                    "quantity": pub.quantity,
                    "conditions": dict(pub.conditions),
                    "derived": d["derived"] if isinstance(d["derived"], dict) else {"value": d["derived"]},
                    "published": pub.value,
                    "tolerance": pub.tolerance,
                },
                replay={"numeric_value": float(sp.re(sp.N(replay))) if isinstance(replay, sp.Basic) else float(replay)},
                values=out + [d],
            )
        out.append(d)
    return proved(f"all {len(out)} published values reproduced (exactly where the tolerance is 0)", values=out)


@checker("qkd.chsh")
def chsh_check(spec: Any, prop: Property, options: Mapping[str, Any]) -> tuple[Status, dict[str, Any]]:
    """The spec's own CHSH value equals the stated expression.

    Derives from the spec: S = Σ sign·E(x, y) over the spec's four ``chsh``
    terms, with E from the spec's source state and settings by the Born
    rule, on the ideal line or under the noise named in ``args`` (then as a
    function of its symbol).  Proved when S − expected is exactly zero (for
    all values of the symbol); refuted with the point and both values,
    replayed on the numeric model; otherwise inconclusive.  No CHSH test in
    the spec is vacuous."""
    if not spec.chsh:
        return vacuous("the spec has no CHSH test (chsh=()): no value to compare")
    if "noise" in prop.args:
        inst, sym = _symbolic_line(prop)
        syms = {str(sym): sym}
    else:
        inst, syms = identity(), {}
    derived = model.chsh(spec, inst)
    expected = parse_exact(prop.args["expected"], **syms)
    diff = sp.together(derived - expected)
    ev: dict[str, Any] = {"derived": exact_json(derived), "expected": str(expected)}
    zero = _is_zero(diff)
    if zero is True:
        extra = ""
        if not syms:
            ev["abs_equals_tsirelson"] = _is_zero(sp.Abs(derived) - 2 * sp.sqrt(2)) is True
            extra = f"; |S| = {sp.Abs(derived)}"
        return proved(f"S = {derived} by the Born rule{extra}", **ev)
    points = [{}] if not syms else [{s: w} for s in syms.values() for w in RATIONAL_UNIT]
    for point in points:
        at = diff.subs(point) if point else diff
        if at.is_number and _is_zero(at) is False:
            where = {str(k): str(v) for k, v in point.items()}
            numeric = model.chsh(spec, inst.numeric({k: float(v) for k, v in point.items()}) if point else inst.numeric())
            return refuted(
                f"{'at ' + ', '.join(f'{k}={v}' for k, v in where.items()) + ': ' if where else ''}"
                f"S = {derived.subs(point) if point else derived}, expected {expected.subs(point) if point else expected}",
                counterexample={
                    **where,
                    "derived": exact_json(derived.subs(point) if point else derived),
                    "expected": exact_json(expected.subs(point) if point else expected),
                },
                replay={"numeric_chsh": float(np.real(numeric))},
                **ev,
            )
    return inconclusive(f"could not decide S − ({expected}) = 0 (derived S = {derived})", **ev)


@checker("qkd.estimate-sees-intercept-resend")
def estimate_sees_intercept_resend(spec: Any, prop: Property, options: Mapping[str, Any]) -> tuple[Status, dict[str, Any]]:
    """The error rate the abort rule reads rises at least as ``slope``·f
    under every intercept-resend in the Z–X plane (fraction f, Eve in X
    with probability px, else Z), for all f, px ∈ [0, 1].

    The rule reads the pooled QBER (``estimation="pooled"``) or the largest
    per-basis QBER (``"per-basis"``, bounded below by the mean over the
    bases).  Both are derived by the Born rule as functions of (f, px);
    with basis-match sifting they are multilinear (degree ≤ 1 in each), so
    the gap to slope·f attains its minimum on the box at one of the four
    vertices: exhaustive over the vertices is a proof for the whole box.  A
    vertex with a negative gap is the counterexample — for biased BB84 with
    a pooled estimate, Eve measuring only in Z (px = 0)."""
    if not isinstance(spec, PrepareMeasureQKD):
        raise SpecError(f"{spec.name}: estimate-sees-intercept-resend needs a prepare-and-measure spec")
    slope = parse_exact(prop.args.get("slope", "1/4"))
    inst, syms = parse_attack("intercept-resend:py=0").symbolic("fraction", "px")
    f, px = syms["fraction"], syms["px"]
    per_basis = spec.estimation == "per-basis"
    rates = model.qber_per_basis(spec, inst)
    if per_basis:
        read = sp.together(sum(rates.values(), sp.Integer(0)) / len(rates))
        what = "the mean of the per-basis QBERs (≤ the largest, which the abort rule reads)"
    else:
        read = model.qber(spec, inst)
        what = "the pooled QBER"
    gap = sp.simplify(read - slope * f)
    ev: dict[str, Any] = {
        "estimation": spec.estimation,
        "qber_per_basis": {b: str(v) for b, v in rates.items()},
        "statistic": str(sp.simplify(read)),
        "gap": str(gap),
    }
    try:
        poly = sp.Poly(sp.expand(gap), f, px)
    except sp.PolynomialError:
        return inconclusive(
            f"{what} − {slope}·f = {gap} is not a polynomial in (f, px); the vertex argument does not apply", **ev
        )
    if poly.degree(f) > 1 or poly.degree(px) > 1:
        return inconclusive(f"{what} − {slope}·f = {gap} is not multilinear in (f, px)", **ev)
    vertices = {(fv, xv): sp.nsimplify(gap.subs({f: fv, px: xv})) for fv in (0, 1) for xv in (0, 1)}
    ev["vertices"] = {f"fraction={a},px={b}": exact_json(v) for (a, b), v in vertices.items()}
    worst = min(vertices, key=lambda k: vertices[k])
    if vertices[worst] < 0:
        a, b = worst
        label = f"intercept-resend:fraction={a},px={b},py=0"
        stat = sp.simplify(read.subs({f: a, px: b}))
        pooled = sp.simplify(model.qber(spec, inst).subs({f: a, px: b}))
        num = model.qber(spec, parse_attack(label).instrument().numeric())
        return refuted(
            f"{label}: {what} is only {stat} < {slope}·f = {slope * a} (pooled QBER {pooled}, per basis "
            f"{ {k: str(sp.simplify(v.subs({f: a, px: b}))) for k, v in rates.items()} }): the attack hides in the estimate",
            counterexample={"attack": label, "statistic": exact_json(stat), "pooled_qber": exact_json(pooled)},
            replay={"analyze": replay_record(spec.name, attack=label), "numeric_pooled_qber": num},
            **ev,
        )
    if gap == 0:
        return proved(
            f"{what} = {slope}·f identically in (f, px) (Born rule, SymPy): every Z/X intercept-resend of a "
            f"fraction f shows exactly {slope}·f in the estimate",
            **ev,
        )
    return proved(
        f"{what} − {slope}·f = {gap} is multilinear in (f, px), so its minimum over [0, 1]² is at a vertex; "
        f"the four vertices give {', '.join(str(v) for v in vertices.values())} ≥ 0: every Z/X intercept-resend of a fraction f "
        f"shows at least {slope}·f in the estimate",
        **ev,
    )


def measure_resend_direction() -> tuple[Instrument, tuple[sp.Symbol, sp.Symbol, sp.Symbol], sp.Expr]:
    """Eve measures Bob's qubit along the unit vector n = (nx, ny, nz) and
    resends the eigenstate she read: Kraus operators P± = (I ± n·σ)/2
    (projectors on the constraint |n| = 1)."""
    nx, ny, nz = sp.symbols("nx ny nz", real=True)
    ns = [[nz, nx - sp.I * ny], [nx + sp.I * ny, -nz]]
    plus = [[(1 + ns[0][0]) / 2, ns[0][1] / 2], [ns[1][0] / 2, (1 + ns[1][1]) / 2]]
    minus = [[(1 - ns[0][0]) / 2, -ns[0][1] / 2], [-ns[1][0] / 2, (1 - ns[1][1]) / 2]]
    constraint = nx**2 + ny**2 + nz**2 - 1
    inst = Instrument("measure-resend(n)", {"+": [plus], "-": [minus]}, constraints=(constraint,), check=True)
    return inst, (nx, ny, nz), constraint


def _best_vertex(terms: tuple[tuple[str, str, int], ...]) -> tuple[dict[str, int], dict[str, int]]:
    """The deterministic ±1 assignment that maximises |Σ sign·α(x)β(y)|."""
    xs = sorted({t[0] for t in terms})
    ys = sorted({t[1] for t in terms})
    best: tuple[int, dict[str, int], dict[str, int]] = (-1, {}, {})
    for av in itertools.product((-1, 1), repeat=len(xs)):
        for bv in itertools.product((-1, 1), repeat=len(ys)):
            a, b = dict(zip(xs, av)), dict(zip(ys, bv))
            v = abs(sum(sgn * a[x] * b[y] for x, y, sgn in terms))
            if v > best[0]:
                best = (v, a, b)
    return best[1], best[2]


def _eigen_direction(form: sp.Matrix, eigenvalue: sp.Expr) -> list[float]:
    """A unit eigenvector of the quadratic form for ``eigenvalue`` (numeric):
    the measurement direction that attains it."""
    w, v = np.linalg.eigh(np.array(form.evalf(30).tolist(), dtype=float))
    k = int(np.argmin(np.abs(w - float(sp.N(eigenvalue)))))
    vec = v[:, k] / np.linalg.norm(v[:, k])
    return [float(x) for x in vec]


def _vertex_lemma(terms: tuple[tuple[str, str, int], ...]) -> tuple[bool, int]:
    """max |Σ sign·α(x)β(y)| over α, β ∈ {−1, 1}: exhaustive over vertices."""
    xs = sorted({t[0] for t in terms})
    ys = sorted({t[1] for t in terms})
    best = 0
    for av in itertools.product((-1, 1), repeat=len(xs)):
        for bv in itertools.product((-1, 1), repeat=len(ys)):
            a, b = dict(zip(xs, av)), dict(zip(ys, bv))
            best = max(best, abs(sum(sgn * a[x] * b[y] for x, y, sgn in terms)))
    return best <= 2, best


@checker("qkd.chsh-measure-resend")
def chsh_measure_resend(spec: Any, prop: Property, options: Mapping[str, Any]) -> tuple[Status, dict[str, Any]]:
    """Every measure-and-resend attack on Bob's qubit leaves |S| ≤ 2.

    Derives from the spec: S(n) for Eve measuring along any unit vector n
    (the spec's source, settings and CHSH terms, Born rule, exact), bounded
    by the eigenvalues of its quadratic form; then every measure-and-resend
    (any POVM, any resent states) by the vertex lemma on the spec's four
    CHSH terms.  Covers all entanglement-breaking attacks on Bob's half; no
    CHSH test in the spec is vacuous."""
    if not spec.chsh:
        return vacuous("the spec has no CHSH test (chsh=()): nothing for the attack to break")
    # (i) every projective direction, symbolically
    inst, (nx, ny, nz), constraint = measure_resend_direction()
    S = sp.expand(model.chsh(spec, inst))
    poly = sp.Poly(S, nx, ny, nz)
    if any(sum(m) == 1 or sum(m) > 2 for m in poly.monoms()):
        return inconclusive(f"S(n) = {S} is not a quadratic form plus a constant in n; the eigenvalue argument does not apply")
    # homogenise with |n|² = 1: S = nᵀ M n on the sphere
    const = poly.coeff_monomial(1)
    quad = sp.expand(S - const + const * (nx**2 + ny**2 + nz**2))
    M = sp.hessian(quad, (nx, ny, nz)) / 2
    eig = M.eigenvals()
    extreme = [sp.radsimp(sp.simplify(e)) for e in eig]
    bad = [e for e in extreme if not bool(sp.Abs(e) <= 2)]
    ev: dict[str, Any] = {
        "S_of_direction": str(S),
        "form_matrix": str(M.tolist()),
        "eigenvalues": [exact_json(e) for e in extreme],
        "max_abs_S_projective": exact_json(max((sp.Abs(e) for e in extreme), key=lambda e: float(e))),
    }
    if bad:
        direction = _eigen_direction(M, bad[0])
        numeric = model.chsh(spec, inst.numeric({nx: direction[0], ny: direction[1], nz: direction[2]}))
        return refuted(
            f"measuring along an eigenvector of M gives |S| = {bad[0]} > 2",
            counterexample={
                "direction": {"nx": direction[0], "ny": direction[1], "nz": direction[2]},
                "chsh": exact_json(bad[0]),
            },
            replay={"numeric_chsh": float(np.real(numeric))},
            **ev,
        )
    # (ii) any measure-and-resend: vertex lemma
    ok, best = _vertex_lemma(spec.chsh)
    ev["vertex_lemma_max"] = best
    if not ok:
        alpha, beta = _best_vertex(spec.chsh)
        return refuted(
            f"the CHSH form reaches {best} > 2 on a deterministic (local) assignment",
            counterexample={"alice_values": alpha, "bob_values": beta, "chsh": best},
            replay={"chsh": sum(sgn * alpha[x] * beta[y] for x, y, sgn in spec.chsh)},
            **ev,
        )
    # sanity replay: random POVM-free measure-resend with random resent states (numeric, not a proof)
    rng = np.random.default_rng(0)
    worst = 0.0
    for _ in range(5):
        v = rng.normal(size=3)
        v /= np.linalg.norm(v)
        num = inst.numeric({nx: v[0], ny: v[1], nz: v[2]})
        worst = max(worst, abs(model.chsh(spec, num)))
    ev["numeric_replay"] = {"seed": 0, "directions": 5, "max_abs_S": worst}
    method = (
        "(i) Eve measures along any unit n and resends the eigenstate: the Born rule gives S(n) = nᵀMn on |n|=1, whose "
        f"extremes are M's eigenvalues {', '.join(str(e) for e in extreme)}, all of modulus ≤ 2 (spectral theorem, exact); "
        "(ii) any measure-and-resend (POVM {M_k}, resent states σ_k) is entanglement breaking: the pair becomes "
        "Σ_k ρ_A^k ⊗ σ_k, so E(x,y) = Σ_k p_k α_k(x) β_k(y) with α, β ∈ [−1, 1]; the CHSH form is multilinear in "
        f"(α, β), so its extremes lie at the 16 vertices of the box, where exhaustive enumeration gives max |S| = {best} ≤ 2"
    )
    return proved(method, **ev)


__all__ = ["validate_pm", "validate_eb", "measure_resend_direction"]
