"""``qproto analyze`` for the QKD families.

Options: ``--attack NAME:key=value,...`` (an entry of
:mod:`qproto.models.attacks`, e.g. ``intercept-resend:fraction=0.5``),
``--noise NAME=P`` (e.g. ``depolarizing=0.05``), ``--rounds N`` (adds the
exact probability that N rounds abort).  The document carries exact values
(``{"exact": "1/4", "value": 0.25}``) for sift probability, QBER (overall
and per basis), Bob's outcome distribution, Eve's information where it is
defined, CHSH, the key rate at that QBER and each formula's threshold, and
the same figures as formulas in the interception fraction and the noise.

The figures are :func:`qproto.models.qkd_report.qkd_report`'s; this module
only lays them out (:func:`document`, :func:`render`) and adds the
adversary engine's (:func:`qproto.proofs.adversary.figures`).
"""

from __future__ import annotations

import re
from typing import Any

import sympy as sp

from qproto.analyzers import Analyzer, register_analyzer
from qproto.cli.common import positive_int
from qproto.explain import math_text
from qproto.models.attacks import attacks, parse_attack
from qproto.models.exact import exact_json
from qproto.models.qkd_report import (  # noqa: F401  (EXACT_BUDGET, LOG_SPACE_ROUNDS and the abort figures stay importable here)
    EXACT_BUDGET,
    LOG_SPACE_ROUNDS,
    QKDReport,
    per_basis_abort,
    pooled_abort,
    qkd_report,
)
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


def analyze(spec: Any, args: Any) -> dict[str, Any]:
    """Every figure of ``spec`` under the attack and noise in ``args``
    (:func:`qproto.models.qkd_report.qkd_report`), as the JSON document of
    ``qproto analyze``, with the adversary engine's figures for the line
    (Holevo χ(A:E), the Devetak–Winter rate and, for the entanglement family,
    acceptance).  ``doc["arithmetic"]`` says whether the figures are exact,
    ``doc["instrument_check"]`` how trace preservation was decided."""
    attack = parse_attack(args.attack, kind="attack") if getattr(args, "attack", None) else None
    noise = parse_attack(args.noise, kind="noise") if getattr(args, "noise", None) else None
    return document(qkd_report(spec, attack, noise, getattr(args, "rounds", None)))


def document(report: QKDReport) -> dict[str, Any]:
    """The JSON-ready document of a report (the keys and their order are
    the ``--json`` contract)."""
    spec, inst, attack = report.spec, report.instrument, report.attack
    doc: dict[str, Any] = {
        "protocol": spec.name,
        "family": spec.family,
        "line": {"attack": attack.label() if attack else None, "noise": report.noise.label() if report.noise else None},
        "sift_probability": _ej(report.sift_probability),
        "qber": _ej(report.qber),
        "qber_per_basis": {b: _ej(v) for b, v in report.qber_per_basis.items()},
        "outcome_distribution": {
            c: {s: {o: _ej(p) for o, p in d.items()} for s, d in per.items()} for c, per in report.outcome_distribution.items()
        },
    }
    doc["eve_information"] = _ej(report.eve_information)
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
            if report.eve_information is None:
                doc["eve_information"] = {"value": eve["info_ae"]}
                doc["eve_information_measure"] = (
                    "I(A:E) of Eve's stated measurement: she reads her classical record, then makes the Helstrom "
                    "measurement on her ancilla after the announcements (individual attack; the optimal measurement "
                    "for two pure states, Levitin 1995); χ(A:E) in eve_holevo_information bounds it"
                )
    if report.chsh is not None:
        doc["chsh"] = _ej(report.chsh)
        doc["chsh_threshold"] = report.chsh_threshold
        doc["bell_test_passes"] = report.bell_test_passes
    doc["key_rates"] = [
        {
            "formula": r.formula,
            "rate": r.text,
            "reference": r.reference,
            "regime": r.regime,
            "key_rate": None if r.rate is None else {"value": r.rate},
            "key_rate_per_round": None if r.rate_per_round is None else {"value": r.rate_per_round},
            "threshold": {
                "value": r.threshold.value,
                "interval": [r.threshold.low, r.threshold.high],
                "certified": r.threshold.certified,
            },
            "published_threshold": None
            if r.published_threshold is None
            else {"value": r.published_threshold.value, "reference": str(r.published_threshold.reference)},
        }
        for r in report.key_rates
    ]
    if not report.key_rates:
        doc["key_rate_note"] = "no closed-form one-way key rate in the spec for this protocol"
    est: dict[str, Any] = {
        "sample_fraction": report.sample_fraction,
        "abort_threshold": report.abort_threshold,
        "rule": report.estimation,
    }
    doc["estimation"] = est
    if report.accepted_asymptotically is not None:
        est["accepted_asymptotically"] = report.accepted_asymptotically
    if report.estimation_qber_per_basis is not None:
        est["qber_per_basis"] = {b: _ej(v) for b, v in report.estimation_qber_per_basis.items()}
        est["key_basis"] = report.key_basis
        est["e_bit"] = {"value": report.e_bit}
        est["e_phase"] = {"value": report.e_phase}
        est["text"] = (
            "abort when any basis' sample error rate exceeds the threshold (Lo, Chau, Ardehali, J. Cryptology 18, 133 (2005))"
        )
    if isinstance(spec, EntanglementQKD):
        # the entanglement family's acceptance (QBER, Bell test and, for a DI
        # rate, the rate at the measured (Q, S)) is the adversary engine's: one source
        from qproto.proofs.adversary import figures

        est["accepted"] = bool(figures(spec, inst)["accepted"])
    if report.rounds is not None:
        est["rounds"] = report.rounds
    if report.abort_probability is not None:
        est["abort_probability"] = dict(report.abort_probability)
    doc["arithmetic"] = {"mode": report.arithmetic, "text": report.arithmetic_text}
    doc["instrument_check"] = {"trace_preserving": report.trace_check}
    doc["formulas"] = dict(report.formulas)
    return doc


def _eve_figures(spec: Any, inst: Any) -> dict[str, Any] | None:
    """χ(A:E), I(A:E) and the Devetak–Winter rate from the adversary
    engine's sifted ensemble (numeric); None when it cannot model the line."""
    from qproto.proofs.adversary import figures

    try:
        return figures(spec, inst, acceptance=False)
    except (ValueError, TypeError, ArithmeticError, NotImplementedError):
        return None


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
