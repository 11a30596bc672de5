"""One QKD line analysed end to end: :func:`qkd_report`.

The recipe over the per-round model (:mod:`qproto.models.qkd`), the
key-rate formulas (:mod:`qproto.models.keyrate`) and the abort statistics
(:mod:`qproto.models.abort_statistics`) that ``qproto analyze`` and
``qproto.analyze()`` format: sift probability, QBER overall and per basis,
Bob's outcome distribution, Eve's information, CHSH, each key rate the spec
names at that QBER (with the form the spec's estimation rule asks for),
asymptotic acceptance and, for N rounds, the abort probability.

Exact (SymPy) when the line's instrument is exact and the figures simplify
within :data:`EXACT_BUDGET` seconds, else numeric from the same instrument;
:attr:`QKDReport.arithmetic` says which.

>>> from qproto.spec.bb84 import BB84
>>> from qproto.models.attacks import parse_attack
>>> r = qkd_report(BB84, attack=parse_attack("intercept-resend:fraction=1", kind="attack"))
>>> r.qber, r.sift_probability, r.accepted_asymptotically
(1/4, 1/2, False)
>>> r.key_rates[0].formula, r.key_rates[0].rate < 0
('shor-preskill', True)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any

import sympy as sp

from qproto.spec.qkd import EntanglementQKD, PublishedValue

from . import qkd as model
from .abort_statistics import abort_probability, abort_probability_per_basis, estimate_outcome_probability
from .attacks import Attack, attacks, line
from .decide import BudgetExpired, time_budget
from .instrument import Instrument
from .keyrate import PER_BASIS_REFERENCE, PER_BASIS_TEXT, Threshold, di_rate, key_rate, per_basis_rate, threshold

#: Seconds the exact (SymPy) analysis of one line may take before the same
#: figures are computed numerically (complex128) from the same instrument.
EXACT_BUDGET = 5.0

#: Up to this many rounds P(abort) and P(accept) are summed in log space
#: (relative accuracy, seconds at 10⁸); beyond, the float sum of
#: :func:`~qproto.models.abort_statistics.abort_probability` (absolute
#: accuracy about 1e-10) is reported.
LOG_SPACE_ROUNDS = 10**8


# -- how a named formula is evaluated -------------------------------------------------------


@dataclass(frozen=True)
class RateForm:
    """A key-rate formula's form when it needs more than the pooled QBER:
    ``rate`` takes the two figures the form reads."""

    rate: Callable[[float, float], float]
    text: str
    reference: str | None = None


#: Per-basis estimation (Lo–Chau–Ardehali): the formulas with a form in
#: (e_bit, e_phase).  Every other formula is a function of one QBER and is
#: evaluated at the largest per-basis QBER.
PER_BASIS_FORMS: dict[str, RateForm] = {
    "shor-preskill": RateForm(per_basis_rate, PER_BASIS_TEXT, PER_BASIS_REFERENCE),
}

#: Formulas read at the measured (Q, S) when the spec has a Bell test.
CHSH_FORMS: dict[str, RateForm] = {
    "di-chsh-acin": RateForm(di_rate, "1 − h(Q) − h((1 + √((S/2)² − 1))/2) at the measured Q and S"),
}

#: What the text of a one-QBER formula adds under per-basis estimation.
AT_LARGEST_BASIS = "  [at the largest per-basis QBER]"


# -- the report ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyRateFigure:
    """One formula of the spec at the line's error rates.  ``rate`` is per
    sifted bit and not clipped (negative: no key); None outside the
    formula's domain."""

    formula: str
    text: str
    reference: str
    regime: str
    rate: float | None
    rate_per_round: float | None
    threshold: Threshold
    published_threshold: PublishedValue | None


@dataclass(frozen=True)
class QKDReport:
    """Every figure of one QKD spec on one line (attack, then noise).

    Values are SymPy expressions when :attr:`arithmetic` is ``"exact"`` and
    floats otherwise; ``qber`` is NaN when nothing is sifted."""

    spec: Any
    attack: Attack | None
    noise: Attack | None
    #: the instrument the figures were evaluated with (exact or complex128)
    instrument: Instrument
    #: ``"exact"`` or ``"numeric"``, and why
    arithmetic: str
    arithmetic_text: str
    #: how the line's trace preservation was decided
    trace_check: str
    sift_probability: Any
    qber: Any
    qber_per_basis: Mapping[str, Any]
    #: choice → setting → outcome → P(outcome | choice, setting)
    outcome_distribution: Mapping[str, Mapping[str, Mapping[str, Any]]]
    #: Shannon I(A:E | public) per sifted bit; 0 without an attack; None
    #: when Eve keeps a quantum ancilla (:func:`qproto.models.qkd.eve_information`)
    eve_information: Any
    chsh: Any = None
    chsh_threshold: str | None = None
    bell_test_passes: bool | None = None
    key_rates: tuple[KeyRateFigure, ...] = ()
    #: the spec's estimation rule: ``pooled`` or ``per-basis``
    estimation: str = "pooled"
    sample_fraction: str = ""
    abort_threshold: str = ""
    #: whether the asymptotic estimate passes the abort threshold
    #: (:func:`qproto.models.qkd.accepts`; prepare-and-measure only)
    accepted_asymptotically: bool | None = None
    #: per-basis estimation: QBER of each of Alice's bases, the key basis, e_bit, e_phase
    estimation_qber_per_basis: Mapping[str, Any] | None = None
    key_basis: str | None = None
    e_bit: float | None = None
    e_phase: float | None = None
    rounds: int | None = None
    #: P(abort) for ``rounds`` rounds (JSON-ready: value, method and, where
    #: computed, abort/accept in log space or per-basis brackets)
    abort_probability: Mapping[str, Any] | None = None
    #: symbolic QBER, sift probability and CHSH in the interception fraction and the noise
    formulas: Mapping[str, str] = field(default_factory=dict)

    @property
    def qber_float(self) -> float | None:
        """The QBER as a float (NaN when nothing is sifted), None when it is
        an exact NaN."""
        return _as_float(self.qber)


def _as_float(q: Any) -> float | None:
    if isinstance(q, sp.Basic):
        return None if q is sp.nan else float(sp.N(q))
    return float(q)


def qkd_report(
    spec: Any,
    attack: Attack | None = None,
    noise: Attack | None = None,
    rounds: int | None = None,
    *,
    formulas: bool = True,
    budget: float | None = None,
) -> QKDReport:
    """Analyse ``spec`` on the line ``attack`` then ``noise`` (either may be
    None): exact when that finishes within ``budget`` seconds (default
    :data:`EXACT_BUDGET`), else numeric from the same instrument.
    ``rounds`` adds the abort probability of an N-round session;
    ``formulas`` the symbolic figures of the spec alone."""
    budget = EXACT_BUDGET if budget is None else budget
    inst = line(attack, noise)
    mode, text = ("exact", "SymPy, exact") if inst.exact else ("numeric", "complex128: the instrument is numeric")
    report: QKDReport | None = None
    if inst.exact and _transcendental(inst):
        mode, text = (
            "numeric",
            "complex128: the instrument's entries hold trigonometric values SymPy "
            "cannot reduce to radicals, so the exact figures would not simplify; evaluated numerically",
        )
    elif inst.exact:
        try:
            with time_budget(budget) as mine:
                report = _report(spec, inst, attack, noise, rounds, mode, text, inst.trace_check)
        except BudgetExpired as exc:
            if exc.budget is not mine:
                raise
            mode, text = (
                "numeric",
                f"complex128: the exact analysis took over {budget:g} s "
                "(SymPy could not simplify the exact figures in time), so the same instrument was evaluated numerically",
            )
    if report is None:
        report = _report(spec, inst.numeric(), attack, noise, rounds, mode, text, inst.trace_check)
    if formulas:
        report = _with_formulas(report, symbolic_formulas(spec, budget))
    return report


def _with_formulas(report: QKDReport, formulas: Mapping[str, str]) -> QKDReport:
    from dataclasses import replace

    return replace(report, formulas=dict(formulas))


def _transcendental(inst: Instrument) -> bool:
    """Whether an exact instrument's entries keep unevaluated trigonometric
    or exponential functions (an angle such as 37π/200)."""
    return any(sp.sympify(e).has(sp.cos, sp.sin, sp.exp) for b in inst.branches for k in b.kraus for e in k.flat)


def _report(
    spec: Any,
    inst: Instrument,
    attack: Attack | None,
    noise: Attack | None,
    rounds: int | None,
    mode: str,
    text: str,
    trace_check: str,
) -> QKDReport:
    q = model.qber(spec, inst)
    sift = model.sift_probability(spec, inst)
    chsh = bell_passes = None
    if isinstance(spec, EntanglementQKD) and spec.chsh:
        chsh = model.chsh(spec, inst)
        bell_passes = bool(abs(float(sp.N(chsh))) > float(sp.sympify(spec.chsh_threshold)))
    qf = _as_float(q)
    per_basis_est = getattr(spec, "estimation", "pooled") == "per-basis"
    per_basis: dict[str, Any] = {}
    if per_basis_est:
        measured = model.qber_per_basis(spec, inst)
        per_basis = {b: measured.get(b) for b in spec.basis_probabilities}
    rates = tuple(_key_rate(spec, name, q, qf, per_basis if per_basis_est else None, chsh, sift) for name in spec.key_rates)
    key_basis = e_bit = e_phase = None
    if per_basis_est:
        key_basis, e_bit, e_phase = model.phase_error(spec, per_basis)
    abort = None
    if rounds and per_basis_est:
        abort = per_basis_abort(spec, inst, per_basis, rounds)
    elif rounds:
        abort = {"value": 1.0} if qf is None else pooled_abort(rounds, sift, qf, spec)
    return QKDReport(
        spec=spec,
        attack=attack,
        noise=noise,
        instrument=inst,
        arithmetic=mode,
        arithmetic_text=text,
        trace_check=trace_check,
        sift_probability=sift,
        qber=q,
        qber_per_basis=model.qber_per_basis(spec, inst),
        outcome_distribution=model.outcome_distribution(spec, inst),
        eve_information=model.eve_information(spec, inst) if attack is not None else sp.Integer(0),
        chsh=chsh,
        chsh_threshold=spec.chsh_threshold if chsh is not None else None,
        bell_test_passes=bell_passes,
        key_rates=rates,
        estimation=getattr(spec, "estimation", "pooled"),
        sample_fraction=spec.sample_fraction,
        abort_threshold=spec.abort_threshold,
        accepted_asymptotically=model.accepts(spec, q, per_basis or None) if hasattr(spec, "estimation") else None,
        estimation_qber_per_basis=per_basis if per_basis_est else None,
        key_basis=key_basis,
        e_bit=e_bit,
        e_phase=e_phase,
        rounds=rounds if rounds and (per_basis_est or qf is not None) else None,
        abort_probability=abort,
    )


def _key_rate(
    spec: Any, name: str, q: Any, qf: float | None, per_basis: dict[str, Any] | None, chsh: Any, sift: Any
) -> KeyRateFigure:
    """The formula ``name`` in the form the spec's estimation asks for."""
    kr = key_rate(name)
    text, ref = kr.text, kr.reference
    rate = None
    if per_basis is not None:
        r = model.secret_fraction(spec, name, q, per_basis)
        rate = None if r is None else float(r)
        form = PER_BASIS_FORMS.get(name)
        if form is not None:
            text, ref = form.text, form.reference or ref
        else:
            text = kr.text + AT_LARGEST_BASIS
    elif name in CHSH_FORMS and chsh is not None and qf is not None:
        form = CHSH_FORMS[name]
        # S to 17 digits, as the JSON document states it: the rate is read at the reported S
        rate = form.rate(qf, complex(sp.N(chsh, 17)).real if isinstance(chsh, sp.Basic) else float(chsh))
        text = form.text
    elif qf is not None and qf <= float(sp.N(kr.domain_high)):
        rate = float(kr(qf))
    th = threshold(name)
    pub = next((p for p in spec.published if p.quantity == f"threshold:{name}"), None)
    return KeyRateFigure(
        formula=name,
        text=text,
        reference=ref,
        regime=kr.regime,
        rate=rate,
        rate_per_round=None if rate is None else rate * float(sp.N(sift)),
        threshold=th,
        published_threshold=pub,
    )


# -- abort statistics ---------------------------------------------------------------------------


def pooled_abort(rounds: int, sift: Any, qber: Any, spec: Any) -> dict[str, Any]:
    """P(abort) and P(accept) after ``rounds`` rounds of pooled estimation.
    ε-security lives in the small tail, so both are given with *relative*
    accuracy (log space, :func:`~qproto.models.abort_statistics.estimate_outcome_probability`)
    whenever the cost allows."""
    how = "n ~ Bin(N, sift·s) disclosed bits, errors ~ Bin(n, QBER); abort when errors > threshold·n or n = 0"
    if rounds <= LOG_SPACE_ROUNDS:
        args = (
            rounds,
            Fraction(str(float(sift))),
            float(qber),
            Fraction(str(spec.sample_fraction)),
            Fraction(str(spec.abort_threshold)),
        )
        abort = estimate_outcome_probability(*args, outcome="abort")
        accept = estimate_outcome_probability(*args, outcome="accept")
        return {
            "value": abort.value,
            "abort": abort.to_json(),
            "accept": accept.to_json(),
            "method": "binomial sums in log space (relative accuracy stated per value): " + how,
        }
    value = abort_probability(rounds, sift, qber, spec.sample_fraction, spec.abort_threshold)
    return {
        "value": value,
        "absolute_accuracy": 1e-10,
        "method": f"float binomial sum (absolute accuracy about 1e-10; above {LOG_SPACE_ROUNDS} rounds the log-space "
        "sum is not run): " + how,
    }


def per_basis_abort(
    spec: Any, inst: Any, per_basis: dict[str, Any], rounds: int, sample_fraction: Any = None, threshold: Any = None
) -> dict[str, Any]:
    """P(abort) after N rounds with per-basis estimation, bracketed exactly
    (:func:`qproto.models.abort_statistics.abort_probability_per_basis`).
    The sample fraction and threshold default to the spec's (the simulator
    passes the dyadic values it actually used)."""
    rows = [r for r in model.table(spec, inst) if r.kept]
    sift = {}
    for b in per_basis:
        sb = sum((r.probability for r in rows if r.basis == b), sp.Integer(0))
        sift[b] = sp.nsimplify(sb) if isinstance(sb, sp.Basic) else sb
    res = abort_probability_per_basis(
        rounds,
        sift,
        per_basis,
        spec.sample_fraction if sample_fraction is None else sample_fraction,
        spec.abort_threshold if threshold is None else threshold,
    )
    return {
        "value": res["high"],
        "low": res["low"],
        "high": res["high"],
        "per_basis": res["per_basis"],
        "method": "per-basis estimation: exact binomial sum per basis (n_b ~ Bin(N, sift_b·s), errors ~ Bin(n_b, Q_b)); "
        "the protocol aborts if any basis does, so max_b ≤ P(abort) ≤ Σ_b (value is the upper bound)",
    }


# -- the spec's figures as formulas ----------------------------------------------------------------


def intercept_resend_line() -> tuple[Instrument, dict[str, sp.Symbol]]:
    """Intercept-resend of a symbolic ``fraction`` (Eve measures in Z or X,
    each with probability 1/2) and its symbols."""
    return Attack(attacks()["intercept-resend"], {"fraction": 1, "px": sp.Rational(1, 2), "py": 0}).symbolic("fraction")


def depolarizing_line() -> tuple[Instrument, dict[str, sp.Symbol]]:
    """Depolarizing noise of a symbolic ``p`` and its symbols."""
    return Attack(attacks()["depolarizing"], {"p": 0}).symbolic("p")


def curve(spec: Any, quantity: Callable[[Any, Instrument], Any], line_of: Callable[[], Any]) -> tuple[sp.Expr, Any]:
    """``quantity(spec, line)`` on a symbolic line (:func:`intercept_resend_line`
    or :func:`depolarizing_line`) as an expression in its one symbol and
    the NumPy function of it."""
    inst, syms = line_of()
    (symbol,) = syms.values()
    expr = quantity(spec, inst)
    return expr, sp.lambdify(symbol, expr, "numpy")


@lru_cache(maxsize=32)
def _formulas(spec: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    ir, _ = intercept_resend_line()
    dep, _ = depolarizing_line()
    out["qber(fraction)"] = str(model.qber(spec, ir))
    out["sift(fraction)"] = str(model.sift_probability(spec, ir))
    out["qber(p)"] = str(model.qber(spec, dep))
    if isinstance(spec, EntanglementQKD) and spec.chsh:
        out["chsh(p)"] = str(model.chsh(spec, dep))
        out["chsh(fraction)"] = str(model.chsh(spec, ir))
    return out


def symbolic_formulas(spec: Any, budget: float | None = None) -> dict[str, str]:
    """QBER and sift probability as formulas in the intercept-resend
    fraction and the depolarizing ``p`` (and CHSH with a Bell test), or a
    note when SymPy cannot finish them in ``budget`` seconds (a designer's
    alphabet with awkward angles).  Cached per spec."""
    budget = EXACT_BUDGET if budget is None else budget
    try:
        with time_budget(budget) as mine:
            return dict(_formulas(spec))
    except BudgetExpired as exc:
        if exc.budget is not mine:
            raise
        return {"note": f"symbolic formulas not derived: SymPy took over {budget:g} s"}


# -- Eve at the operating point -------------------------------------------------------------------


@dataclass(frozen=True)
class ThresholdAttack:
    """Intercept-resend of the largest fraction the abort rule lets through
    on an ideal line: ``fraction`` f*, the ``qber`` it causes (the abort
    threshold, or below it when f* = 1) and Eve's ``eve_information``
    I(A:E | public) in bits per sifted bit (exact where it is rational)."""

    fraction: Any
    qber: Any
    abort_threshold: Any
    eve_information: Any


def intercept_resend_at_threshold(spec: Any) -> ThresholdAttack | None:
    """Eve's information at the spec's operating point (see
    :class:`ThresholdAttack`); None when the QBER does not grow with the
    fraction or Eve's record is not classical."""
    from .attacks import parse_attack

    def qber(f: Any) -> Any:
        return sp.nsimplify(model.qber(spec, parse_attack(f"intercept-resend:fraction={f}").instrument()))

    threshold_value = sp.Rational(str(spec.abort_threshold))
    q1, q_half = qber(1), qber(sp.Rational(1, 2))
    if not (q1.is_number and q_half.is_number) or q1 <= 0 or q1 == q_half:
        return None
    # errors and sifted rounds are both affine in f (the attack is a mixture), so on
    # an ideal line QBER(f) = a·f / (1 + b·f); two points fix a and b
    b = (q1 - 2 * q_half) / (q_half - q1)
    a = q1 * (1 + b)
    fraction = sp.nsimplify(min(sp.Integer(1), threshold_value / (a - b * threshold_value)))
    at = qber(fraction)  # recomputed, not assumed: the line says what it is
    info = model.eve_information(spec, parse_attack(f"intercept-resend:fraction={fraction}").instrument())
    if info is None:
        return None
    return ThresholdAttack(fraction, at, threshold_value, info)


__all__ = [
    "EXACT_BUDGET",
    "LOG_SPACE_ROUNDS",
    "RateForm",
    "PER_BASIS_FORMS",
    "CHSH_FORMS",
    "KeyRateFigure",
    "QKDReport",
    "qkd_report",
    "pooled_abort",
    "per_basis_abort",
    "symbolic_formulas",
    "intercept_resend_line",
    "depolarizing_line",
    "curve",
    "ThresholdAttack",
    "intercept_resend_at_threshold",
]
