"""Checkers and validators for the two QKD families.

Every claim is derived by the Born rule (:mod:`qproto.models.qkd`) and then
decided exactly: an expression that SymPy reduces to zero is proved for all
values of its symbols; a mismatch is refuted at concrete exact values and
replayed on the numeric model; anything else is inconclusive.
"""

from __future__ import annotations

import itertools
from typing import Any, Mapping

import numpy as np
import sympy as sp

from qproto.models import qkd as model
from qproto.models.attacks import Attack, get_attack, line, parse_attack
from qproto.models.exact import exact_json
from qproto.models.instrument import Instrument, identity
from qproto.models.keyrate import key_rate, threshold
from qproto.spec.errors import ParameterError, SpecError
from qproto.spec.protocol import Property
from qproto.spec.qkd import EntanglementQKD, PrepareMeasureQKD

from .algebra import RATIONAL_UNIT, parse_exact
from .registry import checker, validator
from .verdict import Status, inconclusive, proved, refuted

# -- validators ---------------------------------------------------------------


def _num(spec: Any, field: str, text: Any) -> sp.Expr:
    try:
        v = sp.sympify(text, rational=True)
    except (sp.SympifyError, TypeError):
        raise SpecError(f"{spec.name}: {field}={text!r} is not a number SymPy can read") from None
    if not v.is_number:
        raise SpecError(f"{spec.name}: {field}={text!r} must be a number")
    return v


def _check_estimation(spec: Any) -> None:
    sf = _num(spec, "sample_fraction", spec.sample_fraction)
    if not 0 < sf <= 1:
        raise ParameterError(f"{spec.name}: sample_fraction={spec.sample_fraction} must lie in (0, 1]")
    th = _num(spec, "abort_threshold", spec.abort_threshold)
    if not 0 <= th < sp.Rational(1, 2):
        raise ParameterError(
            f"{spec.name}: abort_threshold={spec.abort_threshold} must lie in [0, 0.5); a QBER of 1/2 is pure noise"
        )


def _check_distribution(spec: Any, field: str, probs: Mapping[str, Any]) -> None:
    vals = {k: _num(spec, f"{field}[{k}]", v) for k, v in probs.items()}
    if any(v < 0 for v in vals.values()) or sp.simplify(sum(vals.values()) - 1) != 0:
        raise SpecError(f"{spec.name}: {field} {dict(probs)} must be non-negative and sum to 1")


@validator("qkd-pm")
def validate_pm(spec: PrepareMeasureQKD) -> None:
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
        if not 0 <= th <= 2 * sp.sqrt(2):
            raise ParameterError(f"{spec.name}: chsh_threshold={spec.chsh_threshold} must lie in [0, 2√2]")
    model._key_flip(spec)  # raises SpecError when a key pair is not perfectly (anti)correlated


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


def _is_zero(e: Any) -> bool | None:
    s = sp.simplify(e)
    if s == 0:
        return True
    if s.is_number:
        return False
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
    rows = model.table(spec, identity())
    kept = [r for r in rows if r.kept]
    sift = sp.simplify(sum((r.probability for r in kept), sp.Integer(0)))
    if sift == 0:
        return refuted("no round survives sifting: the claim would hold vacuously", sift_probability=exact_json(sift))
    bad = [r for r in kept if r.alice_bit != r.bob_bit]
    undecided = []
    for r in bad:
        z = _is_zero(r.probability)
        if z is False:
            num = [n for n in model.table(spec, identity().numeric()) if (n.choice, n.announcement, n.setting, n.outcome) == (r.choice, r.announcement, r.setting, r.outcome)]
            return refuted(
                f"Alice sends {r.choice}, Bob measures {r.setting} and reads {r.outcome}: the round is sifted with "
                f"Alice's bit {r.alice_bit} but Bob's {r.bob_bit}, probability {r.probability}",
                counterexample=_row_json(r),
                replay={"numeric_probability": num[0].probability if num else None},
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
                        return refuted(
                            f"Alice sends {s.name} (basis {s.basis}), Bob measures {m.name}: outcome {o.label} has "
                            f"probability {p}, not {want}",
                            counterexample={"signal": s.name, "measurement": m.name, "outcome": o.label, "probability": exact_json(p)},
                        )
                    if z is None:
                        return inconclusive(f"could not simplify P({o.label} | {s.name}, {m.name}) − {want}")
                checked.append(f"{s.name}|{m.name}")
    else:
        A = {s.name: s for s in spec.alice_settings}
        B = {s.name: s for s in spec.bob_settings}
        for x in A:
            for y in B:
                if _is_zero(sp.cos(sp.sympify(A[x].angle) - sp.sympify(B[y].angle))) is not True:
                    continue  # only orthogonal Bloch directions are "mismatched"
                rows = [r for r in model._eb_table(spec, identity()) if r.choice == x and r.setting == y]
                w = sp.sympify(A[x].probability) * sp.sympify(B[y].probability)
                for r in rows:
                    z = _is_zero(r.probability / w - sp.Rational(1, 4))
                    if z is not True:
                        return refuted(
                            f"settings ({x}, {y}) are orthogonal but outcome ({r.alice_outcome}, {r.outcome}) has "
                            f"probability {sp.simplify(r.probability / w)}, not 1/4",
                            counterexample=_row_json(r),
                        )
                checked.append(f"{x}|{y}")
    if not checked:
        return refuted("no mismatched (orthogonal) choice exists: the claim would hold vacuously")
    return proved(
        f"exhaustive over the finite choices: each outcome has probability 1/2 (joint 1/4) in all {len(checked)} mismatched cases",
        mismatched=checked,
    )


@checker("qkd.qber-formula")
def qber_formula(spec: Any, prop: Property, options: Mapping[str, Any]) -> tuple[Status, dict[str, Any]]:
    inst, sym = _symbolic_line(prop)
    derived = model.qber(spec, inst)
    expected = parse_exact(prop.args["expected"], **{str(sym): sym})
    diff = sp.simplify(sp.together(derived - expected))
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
        if v.is_number and sp.simplify(v) != 0:
            num = model.qber(spec, inst.numeric({sym: float(w)}))
            return refuted(
                f"at {sym}={w} the QBER is {derived.subs(sym, w)}, expected {expected.subs(sym, w)}",
                counterexample={str(sym): str(w), "derived": exact_json(derived.subs(sym, w)), "expected": exact_json(expected.subs(sym, w))},
                replay={"numeric_qber": num},
                **evidence,
            )
    return inconclusive(f"could not simplify {derived} − ({expected}) to zero", **evidence)


@checker("qkd.threshold")
def threshold_check(spec: Any, prop: Property, options: Mapping[str, Any]) -> tuple[Status, dict[str, Any]]:
    if not spec.key_rates:
        return refuted("the spec names no key-rate formula (key_rates=())")
    results: list[dict[str, Any]] = []
    published = {p.quantity: p for p in spec.published}
    for name in spec.key_rates:
        th = threshold(name)
        kr = key_rate(name)
        entry: dict[str, Any] = {"formula": name, "rate": kr.text, "threshold": th.value, "interval": [th.low, th.high],
                                 "certificate": th.reason, "reference": kr.reference}
        if not th.certified:
            return inconclusive(f"{name}: threshold not certified: {th.reason}", thresholds=results + [entry])
        pub = published.get(f"threshold:{name}")
        if pub is None:
            return refuted(f"{name}: the spec gives no published threshold to compare with (published threshold:{name})")
        want = sp.N(parse_exact(pub.value), 30)
        tol = float(sp.sympify(pub.tolerance, rational=True))
        entry["published"] = {"value": pub.value, "tolerance": pub.tolerance, "reference": str(pub.reference)}
        if abs(th.value - float(want)) > tol + 1e-9:
            return refuted(f"{name}: derived threshold {th.value:.12g} differs from the published {pub.value} by more than {pub.tolerance}",
                           thresholds=results + [entry])
        results.append(entry)
    summary = "; ".join(f"{e['formula']}: r(Q)=0 at Q*={e['threshold']:.10f} (±1e-9), published {e['published']['value']}" for e in results)
    return proved(summary, thresholds=results)


def _derive(spec: Any, quantity: str, conditions: Mapping[str, str]) -> Any:
    attack = parse_attack(conditions["attack"], kind="attack") if "attack" in conditions else None
    noise = parse_attack(conditions["noise"], kind="noise") if "noise" in conditions else None
    inst = line(attack, noise)
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
    if not spec.published:
        return refuted("the spec cites no published value to compare with")
    out: list[dict[str, Any]] = []
    for pub in spec.published:
        derived = _derive(spec, pub.quantity, pub.conditions)
        want = parse_exact(pub.value)
        tol = sp.sympify(pub.tolerance, rational=True)
        d = {"quantity": pub.quantity, "conditions": dict(pub.conditions), "published": pub.value, "tolerance": pub.tolerance,
             "reference": str(pub.reference)}
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
            return refuted(f"{pub.quantity}: derived {derived} but {pub.reference.cite.split(',')[0]} et al. give {pub.value}",
                           values=out + [d])
        out.append(d)
    return proved(f"all {len(out)} published values reproduced (exactly where the tolerance is 0)", values=out)


@checker("qkd.chsh")
def chsh_check(spec: Any, prop: Property, options: Mapping[str, Any]) -> tuple[Status, dict[str, Any]]:
    if "noise" in prop.args:
        inst, sym = _symbolic_line(prop)
        syms = {str(sym): sym}
    else:
        inst, syms = identity(), {}
    derived = model.chsh(spec, inst)
    expected = parse_exact(prop.args["expected"], **syms)
    diff = sp.simplify(derived - expected)
    ev: dict[str, Any] = {"derived": exact_json(derived), "expected": str(expected)}
    if diff == 0:
        extra = ""
        if not syms:
            ev["abs_equals_tsirelson"] = _is_zero(sp.Abs(derived) - 2 * sp.sqrt(2)) is True
            extra = f"; |S| = {sp.Abs(derived)}"
        return proved(f"S = {derived} by the Born rule{extra}", **ev)
    if diff.is_number:
        return refuted(f"S = {derived}, expected {expected}", **ev)
    for w in RATIONAL_UNIT:
        v = sp.simplify(diff.subs(list(syms.values())[0], w))
        if v.is_number and v != 0:
            return refuted(f"at p={w}: S = {derived.subs(list(syms.values())[0], w)}, expected {expected.subs(list(syms.values())[0], w)}", **ev)
    return inconclusive(f"could not simplify {derived} − ({expected})", **ev)


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
        return inconclusive(f"{what} − {slope}·f = {gap} is not a polynomial in (f, px); the vertex argument does not apply", **ev)
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
            replay={"analyze": f"qproto analyze {spec.name} --attack {label}", "numeric_pooled_qber": num},
            **ev,
        )
    if gap == 0:
        return proved(f"{what} = {slope}·f identically in (f, px) (Born rule, SymPy): every Z/X intercept-resend of a "
                      f"fraction f shows exactly {slope}·f in the estimate", **ev)
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
    if not spec.chsh:
        return refuted("the spec has no CHSH test")
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
        return refuted(f"measuring along an eigenvector of M gives |S| = {bad[0]} > 2", **ev)
    # (ii) any measure-and-resend: vertex lemma
    ok, best = _vertex_lemma(spec.chsh)
    ev["vertex_lemma_max"] = best
    if not ok:
        return refuted(f"the CHSH form reaches {best} > 2 on a deterministic (local) assignment", **ev)
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
