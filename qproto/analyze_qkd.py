"""``qproto analyze`` for the QKD families.

Options: ``--attack NAME:key=value,...`` (an entry of
:mod:`qproto.models.attacks`, e.g. ``intercept-resend:fraction=0.5``),
``--noise NAME=P`` (e.g. ``depolarizing=0.05``), ``--rounds N`` (adds the
exact probability that N rounds abort).  The document carries exact values
(``{"exact": "1/4", "value": 0.25}``) for sift probability, QBER (overall
and per basis), Bob's outcome distribution, Eve's information where it is
defined, CHSH, the key rate at that QBER and each formula's threshold, and
the same figures as formulas in the interception fraction and the noise.
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache
from typing import Any

import sympy as sp

from qproto.analyze import Analyzer, register_analyzer
from qproto.cli.common import positive_int
from qproto.explain import math_text
from qproto.models import qkd as model
from qproto.models.attacks import Attack, attacks, line, parse_attack
from qproto.models.decide import BudgetExpired, time_budget
from qproto.models.exact import exact_json
from qproto.models.keyrate import PER_BASIS_REFERENCE, PER_BASIS_TEXT, di_rate, key_rate, threshold
from qproto.models.qkd_sim import abort_probability, abort_probability_per_basis
from qproto.spec.qkd import EntanglementQKD


def add_arguments(p: Any) -> None:
    g = p.add_argument_group("QKD (bb84, b92, e91, six-state, bbm92, sarg04, ...)")
    g.add_argument(
        "--attack",
        metavar="NAME:k=v,...",
        help="eavesdropper on the signal, e.g. intercept-resend:fraction=0.5 (known: "
        + ", ".join(sorted(attacks("attack")))
        + ")",
    )
    g.add_argument(
        "--noise",
        metavar="NAME=P",
        help="line noise after the attack, e.g. depolarizing=0.05 (known: " + ", ".join(sorted(attacks("noise"))) + ")",
    )
    g.add_argument(
        "--rounds", type=positive_int("rounds"), metavar="N", help="also give the exact abort probability for N rounds"
    )


def _ej(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, sp.Basic):
        if v is sp.nan:
            return None
        return exact_json(v)
    return {"value": float(v)}


@lru_cache(maxsize=32)
def _formulas(spec: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    ir, s_ir = Attack(attacks()["intercept-resend"], {"fraction": 1, "px": sp.Rational(1, 2), "py": 0}).symbolic("fraction")
    dep, s_dep = Attack(attacks()["depolarizing"], {"p": 0}).symbolic("p")
    out["qber(fraction)"] = str(model.qber(spec, ir))
    out["sift(fraction)"] = str(model.sift_probability(spec, ir))
    out["qber(p)"] = str(model.qber(spec, dep))
    if isinstance(spec, EntanglementQKD) and spec.chsh:
        out["chsh(p)"] = str(model.chsh(spec, dep))
        out["chsh(fraction)"] = str(model.chsh(spec, ir))
    return out


#: Seconds the exact (SymPy) analysis of one line may take before the same
#: figures are computed numerically (complex128) from the same instrument.
EXACT_BUDGET = 5.0


def analyze(spec: Any, args: Any) -> dict[str, Any]:
    """Every figure of ``spec`` under the attack and noise in ``args``:
    exact (SymPy) when that finishes within :data:`EXACT_BUDGET` seconds,
    else numeric from the same instrument; ``doc["arithmetic"]`` says which,
    and ``doc["instrument_check"]`` how trace preservation was decided."""
    attack = parse_attack(args.attack, kind="attack") if getattr(args, "attack", None) else None
    noise = parse_attack(args.noise, kind="noise") if getattr(args, "noise", None) else None
    inst = line(attack, noise)
    arithmetic: dict[str, Any] = {
        "mode": "exact" if inst.exact else "numeric",
        "text": "SymPy, exact" if inst.exact else "complex128: the instrument is numeric",
    }
    doc: dict[str, Any] | None = None
    if inst.exact and _transcendental(inst):
        arithmetic = {
            "mode": "numeric",
            "text": "complex128: the instrument's entries hold trigonometric values SymPy "
            "cannot reduce to radicals, so the exact figures would not simplify; evaluated numerically",
        }
    elif inst.exact:
        try:
            with time_budget(EXACT_BUDGET) as mine:
                doc = _analyze(spec, args, inst, attack, noise)
        except BudgetExpired as exc:
            if exc.budget is not mine:
                raise
            arithmetic = {
                "mode": "numeric",
                "text": f"complex128: the exact analysis took over {EXACT_BUDGET:g} s "
                "(SymPy could not simplify the exact figures in time), so the same instrument was evaluated numerically",
            }
    if doc is None:
        doc = _analyze(spec, args, inst.numeric(), attack, noise)
    doc["arithmetic"] = arithmetic
    doc["instrument_check"] = {"trace_preserving": inst.trace_check}
    doc["formulas"] = _formulas_within_budget(spec)  # of the spec alone: its own budget, cached per spec
    return doc


def _transcendental(inst: Any) -> bool:
    """Whether an exact instrument's entries keep unevaluated trigonometric
    or exponential functions (an angle such as 37π/200)."""
    return any(sp.sympify(e).has(sp.cos, sp.sin, sp.exp) for b in inst.branches for k in b.kraus for e in k.flat)


def _analyze(spec: Any, args: Any, inst: Any, attack: Attack | None, noise: Attack | None) -> dict[str, Any]:
    q = model.qber(spec, inst)
    sift = model.sift_probability(spec, inst)
    doc: dict[str, Any] = {
        "protocol": spec.name,
        "family": spec.family,
        "line": {"attack": attack.label() if attack else None, "noise": noise.label() if noise else None},
        "sift_probability": _ej(sift),
        "qber": _ej(q),
        "qber_per_basis": {b: _ej(v) for b, v in model.qber_per_basis(spec, inst).items()},
        "outcome_distribution": {
            c: {s: {o: _ej(p) for o, p in d.items()} for s, d in per.items()}
            for c, per in model.outcome_distribution(spec, inst).items()
        },
    }
    info = model.eve_information(spec, inst) if attack is not None else sp.Integer(0)
    doc["eve_information"] = _ej(info)
    doc["eve_information_measure"] = (
        "Shannon I(A:E | P): Alice's sifted bit vs Eve's classical record, given what the "
        'spec announces (basis under basis-match sifting; candidate set and "conclusive" under unambiguous)'
    )
    if attack is not None:
        eve = _eve_figures(spec, inst)
        if eve is not None:
            doc["eve_holevo_information"] = {
                "value": eve["holevo_ae"],
                "measure": "Holevo quantity χ(A:E) per sifted bit: Alice's sifted bit vs Eve's whole system (record and "
                "quantum ancilla), given the announcements; bounds every measurement Eve may make later (collective "
                "attacks; Devetak–Winter rate I(A:B) − χ(A:E))",
            }
            doc["devetak_winter_rate"] = {"value": eve["devetak_winter_rate"], "formula": "I(A:B) − χ(A:E)"}
            if info is None:
                doc["eve_information"] = {"value": eve["info_ae"]}
                doc["eve_information_measure"] = (
                    "I(A:E) of Eve's stated measurement: she reads her classical record, then makes the Helstrom "
                    "measurement on her ancilla after the announcements (individual attack; the optimal measurement "
                    "for two pure states, Levitin 1995); χ(A:E) in eve_holevo_information bounds it"
                )
    if isinstance(spec, EntanglementQKD) and spec.chsh:
        S = model.chsh(spec, inst)
        doc["chsh"] = _ej(S)
        doc["chsh_threshold"] = spec.chsh_threshold
        doc["bell_test_passes"] = bool(abs(float(sp.N(S))) > float(sp.sympify(spec.chsh_threshold)))
    rates = []
    qf = float(sp.N(q)) if isinstance(q, sp.Basic) and q is not sp.nan else (float(q) if not isinstance(q, sp.Basic) else None)
    per_basis_est = getattr(spec, "estimation", "pooled") == "per-basis"
    per_basis = model.qber_per_basis(spec, inst) if per_basis_est else {}
    if per_basis_est:
        per_basis = {b: per_basis.get(b) for b in spec.basis_probabilities}
    for name in spec.key_rates:
        kr = key_rate(name)
        th = threshold(name)
        pub = next((p for p in spec.published if p.quantity == f"threshold:{name}"), None)
        rate = None
        text, ref = kr.text, kr.reference
        if per_basis_est:
            r = model.secret_fraction(spec, name, q, per_basis)
            rate = None if r is None else float(r)  # negative: no key (kept, not clipped to 0)
            if name == "shor-preskill":
                text, ref = PER_BASIS_TEXT, PER_BASIS_REFERENCE
            else:
                text = f"{kr.text}  [at the largest per-basis QBER]"
        elif name == "di-chsh-acin" and "chsh" in doc and qf is not None:
            rate = di_rate(qf, float(doc["chsh"]["value"]))  # with the CHSH value the Born rule gives for this line
            text = "1 − h(Q) − h((1 + √((S/2)² − 1))/2) at the measured Q and S"
        elif qf is not None and qf <= float(sp.N(kr.domain_high)):
            rate = float(kr(qf))  # negative: no key (kept, not clipped to 0)
        rates.append(
            {
                "formula": name,
                "rate": text,
                "reference": ref,
                "regime": kr.regime,
                "key_rate": None if rate is None else {"value": rate},
                "key_rate_per_round": None if rate is None else {"value": rate * float(sp.N(sift))},
                "threshold": {"value": th.value, "interval": [th.low, th.high], "certified": th.certified},
                "published_threshold": None if pub is None else {"value": pub.value, "reference": str(pub.reference)},
            }
        )
    doc["key_rates"] = rates
    if not spec.key_rates:
        doc["key_rate_note"] = "no closed-form one-way key rate in the spec for this protocol"
    doc["estimation"] = {
        "sample_fraction": spec.sample_fraction,
        "abort_threshold": spec.abort_threshold,
        "rule": getattr(spec, "estimation", "pooled"),
    }
    if hasattr(spec, "estimation"):
        doc["estimation"]["accepted_asymptotically"] = model.accepts(spec, q, per_basis or None)
    if per_basis_est:
        kb, e_bit, e_phase = model.phase_error(spec, per_basis)
        doc["estimation"]["qber_per_basis"] = {b: _ej(v) for b, v in per_basis.items()}
        doc["estimation"]["key_basis"] = kb
        doc["estimation"]["e_bit"] = {"value": e_bit}
        doc["estimation"]["e_phase"] = {"value": e_phase}
        doc["estimation"]["text"] = (
            "abort when any basis' sample error rate exceeds the threshold (Lo, Chau, Ardehali, J. Cryptology 18, 133 (2005))"
        )
    if isinstance(spec, EntanglementQKD):
        # the acceptance rule lives with the adversary engine (QBER, Bell
        # test and, for a DI rate, the rate at the measured (Q, S)): one source
        from qproto.proofs.adversary import figures

        doc["estimation"]["accepted"] = bool(figures(spec, inst)["accepted"])
    if getattr(args, "rounds", None) and per_basis_est:
        doc["estimation"]["rounds"] = args.rounds
        doc["estimation"]["abort_probability"] = per_basis_abort(spec, inst, per_basis, args.rounds)
    elif getattr(args, "rounds", None):
        if qf is None:
            doc["estimation"]["abort_probability"] = {"value": 1.0}
        else:
            doc["estimation"]["rounds"] = args.rounds
            doc["estimation"]["abort_probability"] = pooled_abort(args.rounds, sift, qf, spec)
    return doc


#: Up to this many rounds P(abort) and P(accept) are summed in log space
#: (relative accuracy, seconds at 10⁸); beyond, the float sum of
#: :func:`abort_probability` (absolute accuracy about 1e-10) is reported.
LOG_SPACE_ROUNDS = 10**8


def pooled_abort(rounds: int, sift: Any, qber: Any, spec: Any) -> dict[str, Any]:
    """P(abort) and P(accept) after ``rounds`` rounds of pooled estimation.
    ε-security lives in the small tail, so both are given with *relative*
    accuracy (log space, :mod:`qproto.proofs.abort_statistics`) whenever the
    cost allows."""
    how = "n ~ Bin(N, sift·s) disclosed bits, errors ~ Bin(n, QBER); abort when errors > threshold·n or n = 0"
    if rounds <= LOG_SPACE_ROUNDS:
        from qproto.proofs.abort_statistics import estimate_outcome_probability

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


def _formulas_within_budget(spec: Any) -> dict[str, str]:
    """The symbolic formulas, or a note when SymPy cannot finish them in
    :data:`EXACT_BUDGET` seconds (a designer's alphabet with awkward angles)."""
    try:
        with time_budget(EXACT_BUDGET) as mine:
            return dict(_formulas(spec))
    except BudgetExpired as exc:
        if exc.budget is not mine:
            raise
        return {"note": f"symbolic formulas not derived: SymPy took over {EXACT_BUDGET:g} s"}


def _eve_figures(spec: Any, inst: Any) -> dict[str, Any] | None:
    """χ(A:E), I(A:E) and the Devetak–Winter rate from the adversary
    engine's sifted ensemble (numeric); None when it cannot model the line."""
    from qproto.proofs.adversary import figures

    try:
        return figures(spec, inst, acceptance=False)
    except (ValueError, TypeError, ArithmeticError, NotImplementedError):
        return None


def per_basis_abort(
    spec: Any, inst: Any, per_basis: dict[str, Any], rounds: int, sample_fraction: Any = None, threshold: Any = None
) -> dict[str, Any]:
    """P(abort) after N rounds with per-basis estimation, bracketed exactly
    (:func:`qproto.models.qkd_sim.abort_probability_per_basis`).  The sample
    fraction and threshold default to the spec's (the simulator passes the
    dyadic values it actually used)."""
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


def render(doc: dict[str, Any], console: Any) -> None:
    from rich.markup import escape
    from rich.table import Table

    def show(v: Any) -> str:
        if v is None:
            return "—"
        if "exact" in v:
            text, val = formula_text(v["exact"]), v.get("value")
            if len(text) > 48 and isinstance(val, float):
                return f"{val:.6g}  (exact form in --json)"
            return text + (f"  ≈ {val:.6g}" if isinstance(val, float) and v["exact"] != str(val) else "")
        return f"{v['value']:.6g}"

    line_ = ", ".join(f"{k}={v}" for k, v in doc["line"].items() if v) or "ideal line"
    console.print(f"[bold]{escape(doc['protocol'])}[/] ({doc['family']}) under {escape(line_)}")
    t = Table(show_header=True, header_style="bold")
    t.add_column("figure")
    t.add_column("value")
    t.add_row("sift probability", escape(show(doc["sift_probability"])))
    t.add_row("QBER", escape(show(doc["qber"])))
    for b, v in doc["qber_per_basis"].items():
        t.add_row(f"  QBER | {b}", escape(show(v)))
    t.add_row("Eve's information (bits per sifted bit)", escape(show(doc["eve_information"]) if doc["eve_information"] else "—"))
    if "eve_holevo_information" in doc:
        t.add_row("Eve's Holevo χ(A:E) (bits per sifted bit)", f"{doc['eve_holevo_information']['value']:.6g}")
        t.add_row("Devetak–Winter rate I(A:B) − χ(A:E)", f"{doc['devetak_winter_rate']['value']:.6g}")
    if "chsh" in doc:
        t.add_row(
            "CHSH S", escape(show(doc["chsh"])) + ("  (Bell test passes)" if doc["bell_test_passes"] else "  (Bell test FAILS)")
        )
    for r in doc["key_rates"]:
        kr = "—" if r["key_rate"] is None else f"{r['key_rate']['value']:.6g}"
        t.add_row(f"key rate {r['formula']}", f"{kr} per sifted bit  [{escape(r['rate'])}]")
        if r.get("regime"):
            t.add_row("  regime", escape(r["regime"]))
        pub = f", published {formula_text(r['published_threshold']['value'])}" if r["published_threshold"] else ""
        t.add_row("  threshold", f"{r['threshold']['value']:.10f}{pub}")
    est = doc["estimation"]
    if est.get("rule") == "per-basis":
        t.add_row(
            "estimation",
            f"per basis (key basis {est['key_basis']}: e_bit {est['e_bit']['value']:.6g}, "
            f"e_phase {est['e_phase']['value']:.6g}); "
            + ("accepted" if est["accepted_asymptotically"] else "ABORT (a basis exceeds the threshold)"),
        )
    if "accepted" in est:
        t.add_row("acceptance", "accepted" if est["accepted"] else "ABORT (QBER, Bell test or device-independent rate)")
    if "abort_probability" in est:
        ap = est["abort_probability"]
        for what in ("abort", "accept"):
            if what in ap:
                t.add_row(
                    f"P({what}) for N={est.get('rounds')}",
                    f"{ap[what]['scientific']} (relative accuracy {ap[what]['relative_accuracy']:.1g})",
                )
        if "abort" not in ap:
            t.add_row(f"P(abort) for N={est.get('rounds')}", f"{ap['value']:.6g}")
    for k, v in doc["formulas"].items():
        t.add_row(k, escape(v if k == "note" else formula_text(v)))
    t.add_row("arithmetic", escape(doc["arithmetic"]["text"]))
    t.add_row("trace preservation", escape(doc["instrument_check"]["trace_preserving"]))
    console.print(t)


def formula_text(exact: Any) -> str:
    """A SymPy string of the ``--json`` document as a person writes it
    (``4/3 − log₂(3)/2``, not ``-log(3)/(2*log(2)) + 4/3``).  A decimal such
    as a published ``0.110`` keeps its digits: its precision is the claim."""
    text = str(exact)
    if re.fullmatch(r"-?[0-9]+(\.[0-9]*)?", text):
        return text
    return math_text(text)


register_analyzer(Analyzer(families=("qkd-pm", "qkd-eb"), add_arguments=add_arguments, analyze=analyze, render=render))
