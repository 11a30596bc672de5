"""The adversary engine, checks: the honest line — with no eavesdropper the protocol finishes, and its threshold lies below the zero of its rate.

``completeness`` checks the noiseless run exactly and the run under
depolarizing noise just below the threshold (abort tail, Bell test, the
spec's own rate); ``threshold-below-rate-zero`` compares the abort
threshold with the zero of the rate the spec relies on, seed-free (50
digits, interval arithmetic, or the certified numerical rate).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import sympy as sp

from qproto.models import attacks as _attacks
from qproto.models import qkd as _qkd
from qproto.models.abort_statistics import abort_count, binomial_tail
from qproto.spec.errors import SpecError
from qproto.spec.protocol import Property, Protocol
from qproto.spec.qkd import EntanglementQKD, PrepareMeasureQKD

from .adversary_figures import (
    QKDSpec,
    claimed_rate,
    exact_fraction,
    json_fraction,
    num,
    per_basis_estimation,
    qkd_spec,
    sample_sizes,
)
from .registry import checker
from .verdict import Status, inconclusive, proved, refuted, replay_record


def depolarizing_for_qber(spec: QKDSpec, qber: Fraction) -> tuple[sp.Expr, sp.Expr]:
    """The depolarizing strength p whose honest QBER is ``qber`` for this
    spec, exactly: the spec's QBER under depolarizing noise is derived with
    p symbolic and solved (it is p·QBER(1) for every Bell-diagonal or BB84-
    like spec; a rational function otherwise).  Returns (p, QBER(p))."""
    inst, syms = _attacks.parse_attack("depolarizing:p=1").symbolic("p")
    p = syms["p"]
    q_of_p = sp.simplify(_qkd.qber(spec, inst))
    sols = [s for s in sp.solve(sp.Eq(q_of_p, sp.Rational(qber.numerator, qber.denominator)), p) if s.is_real and 0 <= s <= 1]
    if not sols:
        raise SpecError(f"{spec.name}: no depolarizing noise p in [0, 1] gives QBER {qber} (QBER(p) = {q_of_p})")
    return min(sols), q_of_p


def _noise_figures(spec: QKDSpec, q: Fraction) -> dict[str, Any]:
    """The honest line at pooled QBER q: the depolarizing noise producing
    it (exact), the per-basis QBERs and, for a Bell-test spec, the CHSH
    value of the spec's own source and settings under that noise."""
    p, _ = depolarizing_for_qber(spec, q)
    inst = _attacks.parse_attack(f"depolarizing:p={p}").instrument()
    out: dict[str, Any] = {"depolarizing_p": p, "per_basis": None, "chsh": None}
    if isinstance(spec, PrepareMeasureQKD):
        out["per_basis"] = {b: num(v) for b, v in _qkd.qber_per_basis(spec, inst).items()}
    if isinstance(spec, EntanglementQKD) and spec.chsh:
        out["chsh"] = num(sp.simplify(_qkd.chsh(spec, inst)))
    return out


@checker("adversary.completeness")
def check_completeness(spec: Protocol, prop: Property, options: Mapping[str, Any]) -> tuple[Status, dict[str, Any]]:
    """With no eavesdropper the honest parties finish: on a noiseless line
    the sifted bits agree exactly (QBER = 0, SymPy) and the spec's own Bell
    test (its source and settings) passes; under depolarizing noise at
    QBER t − margin each estimated group (every basis under per-basis
    estimation, with its real share of the sample) aborts with the
    log-space binomial tail, the Bell test is evaluated at the S the spec's
    own settings give under that noise, and — when the statement claims a
    key (``args["key_rate"]``, default True) — the spec's own rate at those
    statistics must be positive; a spec that names no rate cannot back that
    claim (inconclusive)."""
    spec = qkd_spec(spec)
    q0 = _qkd.qber(spec, None)
    if not (isinstance(q0, sp.Basic) and sp.simplify(q0) == 0):
        return refuted(
            f"with no eavesdropper and no noise the sifted keys already disagree: QBER = {q0} > threshold "
            f"{spec.abort_threshold}, so honest parties abort",
            counterexample={"attack": "none", "qber": {"exact": sp.sstr(q0), "value": num(q0)}},
            replay={"analyze": replay_record(spec.name), "fuzz": replay_record(spec.name)},
        )
    bell = isinstance(spec, EntanglementQKD) and bool(spec.chsh)
    if bell:
        assert isinstance(spec, EntanglementQKD)
        s0 = sp.simplify(_qkd.chsh(spec, None))
        if not abs(num(s0)) > num(spec.chsh_threshold):
            return refuted(
                f"with no eavesdropper and no noise the spec's own Bell test gives S = {s0}, |S| ≤ {spec.chsh_threshold}: "
                "honest parties always abort",
                counterexample={"attack": "none", "chsh": {"exact": sp.sstr(s0), "value": num(s0)}},
                replay={"analyze": replay_record(spec.name)},
            )
    sifted = int(prop.args.get("sifted_bits", 10_000))
    t = exact_fraction(spec.abort_threshold)
    margin = exact_fraction(prop.args.get("margin", "3/100"))
    claim = exact_fraction(prop.args.get("min_finish", "99/100"))
    wants_rate = bool(prop.args.get("key_rate", True))
    q = t - margin
    if q <= 0:
        return inconclusive(f"threshold {t} leaves no noise margin of {margin}")
    try:
        noise = _noise_figures(spec, q)
    except SpecError as exc:
        return inconclusive(str(exc))
    groups = sample_sizes(spec, sifted)
    finish = 1.0
    per: dict[str, Any] = {}
    for g, (nsift, n) in groups.items():
        qg = Fraction(noise["per_basis"][g]).limit_denominator(10**12) if g != "pooled" else q
        k = abort_count(n, t)
        ab = binomial_tail(n, qg, k).value if n >= 1 else 0.0
        per[g] = {"sifted_bits": nsift, "sample_bits": n, "qber": float(qg), "abort_probability": ab}
        finish *= 1 - ab
    abort = 1 - finish
    chsh = noise["chsh"]
    rate = claimed_rate(spec, float(q), chsh, noise["per_basis"] if per_basis_estimation(spec) else None)
    line = f"depolarizing={float(noise['depolarizing_p']):.12g}"
    ev: dict[str, Any] = dict(
        noise_free_qber={"exact": "0", "value": 0.0},
        noisy_qber=json_fraction(q),
        noise=line,
        groups=per,
        abort_probability_at_noise=abort,
        claimed_min_finish=json_fraction(claim),
        key_rate_at_noise=None if rate is None else round(rate, 9),
        chsh_at_noise=None if chsh is None else round(chsh, 9),
        estimation="per-basis" if per_basis_estimation(spec) else "pooled",
    )
    cex = {"attack": "none", "noise": line, "noise_qber": float(q), "analyze": replay_record(spec.name, noise=line)}
    bell_threshold = getattr(spec, "chsh_threshold", "2")
    if bell and chsh is not None and not abs(chsh) > num(bell_threshold):
        return refuted(
            f"honest noise at QBER {float(q):.4g}: the spec's own Bell test gives S = {chsh:.4g}, "
            f"|S| ≤ {bell_threshold}: honest parties abort",
            counterexample={**cex, "chsh": chsh},
            **ev,
        )
    if 1 - abort < float(claim):
        worst = max(per, key=lambda g: per[g]["abort_probability"])
        return refuted(
            f"honest noise at QBER {float(q):.4g} (below the threshold) aborts with probability {abort:.4g} "
            f"(group {worst}: {per[worst]['sample_bits']} sample bits)",
            counterexample={**cex, "abort_probability": abort},
            **ev,
        )
    if wants_rate and rate is None:
        return inconclusive(
            f"finishes with probability ≥ {1 - abort:.6f} at QBER {float(q):.4g}, but {spec.name} names no key rate, so the "
            "claimed positive key rate has nothing behind it (a certified numerical rate is needed)",
            **ev,
        )
    if rate is not None and rate <= 0:
        return refuted(
            f"honest noise at QBER {float(q):.4g} passes the estimate but the spec's rate {spec.key_rates[0]} is "
            f"{rate:.4g} ≤ 0 there: no key",
            counterexample={**cex, "key_rate": rate},
            **ev,
        )
    sizes = ", ".join(f"{g}: {v['sample_bits']}" for g, v in per.items())
    rate_text = f"; the spec's rate {spec.key_rates[0]} there is {rate:.4g} > 0" if rate is not None else " (no key-rate claim)"
    bell_text = f"; its Bell test gives |S| = {abs(chsh):.4g} > {bell_threshold}" if chsh is not None else ""
    return proved(
        f"noiseless: QBER = 0 exactly, sifted keys identical; depolarizing noise at QBER {float(q):.4g}: finishes with "
        f"probability ≥ {1 - abort:.6f} (sample bits {sizes}){bell_text}{rate_text}",
        **ev,
    )


def _rate_at(spec: QKDSpec, t: Fraction) -> tuple[Any, dict[str, Any]]:
    """The spec's own rate at the abort threshold, as an mpmath number (50
    digits), with what it was evaluated at.  For a Bell-test spec on the DI
    rate: at the QBER t and the CHSH value S that the spec's own source and
    settings give under the depolarizing noise producing QBER t."""
    import mpmath

    from qproto.models.keyrate import Q, key_rate

    name = spec.key_rates[0]
    with mpmath.workdps(50):
        tq = mpmath.mpf(t.numerator) / t.denominator
        if name == "di-chsh-acin" and isinstance(spec, EntanglementQKD) and spec.chsh:
            p, _ = depolarizing_for_qber(spec, t)
            inst = _attacks.parse_attack(f"depolarizing:p={p}").instrument()
            s_exact = sp.nsimplify(sp.simplify(_qkd.chsh(spec, inst)))
            s = abs(mpmath.mpf(str(sp.N(s_exact, 60))))
            at = {"qber": json_fraction(t), "depolarizing_p": str(p), "chsh": {"exact": sp.sstr(s_exact), "value": float(s)}}
            if s <= 2:
                return mpmath.mpf(-1), {**at, "note": "|S| ≤ 2 at the threshold: no device-independent key"}
            h = lambda x: -x * mpmath.log(x, 2) - (1 - x) * mpmath.log(1 - x, 2)  # noqa: E731
            return 1 - h(tq) - h((1 + mpmath.sqrt((s / 2) ** 2 - 1)) / 2), at
        expr = key_rate(name).expr
        return mpmath.mpf(str(sp.N(expr.subs(Q, sp.Rational(t.numerator, t.denominator)), 60))), {"qber": json_fraction(t)}


def _threshold_below_certified_rate(spec: QKDSpec, t: Fraction) -> tuple[Status, dict[str, Any]]:
    """A spec with no closed-form rate relies on the certified numerical
    rate (Winick, Lütkenhaus, Coles 2018) with Eve constrained only by what
    the abort rule reads (the QBER and the sift rates): proved when the
    certified lower bound is positive at every depolarizing level whose QBER
    is at most the threshold, refuted when an explicit collective attack
    leaves a negative rate there."""
    from qproto.spec.errors import QprotoError

    try:
        from .keyrate import rate_positive_below

        status, ev = rate_positive_below(spec, float(t), observations="qber")
    except QprotoError as exc:  # no cvxpy: say how to get the rate
        return inconclusive(
            f"{spec.name} names no closed-form key rate and the certified numerical rate is unavailable ({exc})",
            abort_threshold=json_fraction(t),
        )
    ev = {**ev, "abort_threshold": json_fraction(t), "rate": "certified numerical (observations: QBER and sift rates)"}
    return status, ev


@checker("adversary.threshold-below-rate-zero")
def check_threshold_below_rate_zero(spec: Protocol, prop: Property, options: Mapping[str, Any]) -> tuple[Status, dict[str, Any]]:
    """Seed-free: the abort threshold t lies below the zero of the key rate
    the spec relies on (its first ``key_rates`` entry): the rate at t is
    evaluated at 50 digits (mpmath) and, for the one-QBER formulas, the
    zero is certified by interval arithmetic
    (:func:`qproto.models.keyrate.threshold`).  A spec with a Bell test and
    the DI rate is evaluated at the QBER t and the S its own source and
    settings give under the depolarizing noise that produces QBER t.  A
    spec that names no rate is inconclusive: there is nothing to compare."""
    import mpmath

    from qproto.models.keyrate import threshold

    spec = qkd_spec(spec)
    t = exact_fraction(spec.abort_threshold)
    if not spec.key_rates:
        return _threshold_below_certified_rate(spec, t)
    name = spec.key_rates[0]
    r, at = _rate_at(spec, t)
    ev: dict[str, Any] = {
        "rate": name,
        "abort_threshold": json_fraction(t),
        "rate_at_threshold": {"value": float(r), "digits": 50},
        "at": at,
    }
    zero: dict[str, Any] | None = None
    if name != "di-chsh-acin":
        th = threshold(name)
        zero = {"value": th.value, "interval": [th.low, th.high], "certified": th.certified, "reason": th.reason}
        ev["rate_zero"] = zero
    if abs(r) < mpmath.mpf(10) ** -40:
        return inconclusive(
            f"the rate {name} at the threshold {t} is {mpmath.nstr(r, 5)}: zero to 40 digits, sign undecided", **ev
        )
    if r < 0:
        noise: dict[str, Any] | str = ""  # the replay record of the honest line at the threshold, if there is one
        try:
            p, _ = depolarizing_for_qber(spec, t)
            noise = replay_record(spec.name, noise=f"depolarizing={float(p):.12g}")
        except SpecError:
            pass
        return refuted(
            f"the abort threshold {float(t):.6g} lies above the zero of the spec's own rate {name}"
            + (f" ({zero['value']:.8g})" if zero else "")
            + f": the rate at the threshold is {mpmath.nstr(r, 8)} < 0, "
            "so the protocol accepts statistics from which no key can be distilled",
            counterexample={"qber": float(t), "rate": name, "rate_at_threshold": float(r), "analyze": noise, **at},
            **ev,
        )
    if zero is not None and not (zero["certified"] and float(t) < zero["interval"][0]):
        return inconclusive(
            f"the rate {name} is {mpmath.nstr(r, 8)} > 0 at the threshold but its zero is not certified below: {zero['reason']}",
            **ev,
        )
    scope = (
        f"the rate decreases in Q on [0, {zero['interval'][1]:.10g}] and its zero lies in [{zero['interval'][0]:.10g}, "
        f"{zero['interval'][1]:.10g}] (interval arithmetic)"
        if zero
        else "under depolarizing noise Q grows and |S| falls linearly in p, and the DI rate decreases in Q and increases in |S|"
    )
    return proved(
        f"abort threshold {float(t):.6g} < the zero of {name}: the rate at the threshold is {mpmath.nstr(r, 10)} > 0 "
        f"(50 digits); {scope} (asymptotic rate; the regime is the rate's own)",
        **ev,
    )


__all__ = ["depolarizing_for_qber", "check_completeness", "check_threshold_below_rate_zero"]
