"""``qproto explain`` for the QKD families: each step with what the model
derives for it on the ideal line (states, probabilities, the sifting table,
the QBER and, for the entanglement family, the correlators and CHSH)."""

from __future__ import annotations

from typing import Any

import sympy as sp

from qproto.explain import describe_step, dirac_text, explainer, math_text
from qproto.models import qkd as model
from qproto.models.qkd_report import intercept_resend_at_threshold
from qproto.spec.qkd import PrepareMeasureQKD


def _fmt(e: Any) -> str:
    return math_text(sp.simplify(e) if isinstance(e, sp.Basic) else e)


def _state(amps: tuple[str, str]) -> str:
    return dirac_text([sp.sympify(x) for x in amps], ["0", "1"])


def eve_at_threshold(spec: Any) -> dict[str, Any]:
    """Eve's information at the spec's operating point
    (:func:`qproto.models.qkd_report.intercept_resend_at_threshold`: intercept-resend
    of the largest fraction f* the abort rule lets through on an ideal line),
    as a short exact formula and its value, in bits per sifted bit."""
    found = intercept_resend_at_threshold(spec)
    if found is None:
        return {}
    info = found.eve_information
    value = float(info)
    exact = isinstance(info, sp.Basic) and not info.is_Float
    shown = f"{math_text(info)} ≈ {value:.4g}" if exact else f"{value:.4g}"
    at = found.qber
    where = "the abort threshold" if at == found.abort_threshold else f"abort threshold {math_text(found.abort_threshold)}"
    return {
        "eve_information": f"intercept-resend of a fraction f* = {math_text(found.fraction)} (QBER = {math_text(at)}, "
        f"{where}): Eve learns I(A:E) = {shown} bits per sifted bit"
    }


def _extra(spec: Any, action: str) -> dict[str, Any]:
    if isinstance(spec, PrepareMeasureQKD):
        if action == "prepare":
            ps = model.signal_probabilities(spec)
            return {
                "alphabet": "; ".join(
                    f"{s.name} = {_state(s.amplitudes)} (bit {s.bit}, basis {s.basis}, p = {_fmt(ps[s.name])})"
                    for s in spec.signals
                )
            }
        if action == "measure":
            return {
                "measurements": "; ".join(
                    f"{m.name} (p = {m.probability}): " + ", ".join(f"{o.label}→{o.bit}" for o in m.outcomes)
                    for m in spec.measurements
                )
            }
        if action == "sift":
            rows = [r for r in model.table(spec) if r.kept]
            seen = sorted({(r.announcement, r.setting, r.outcome, r.bob_bit) for r in rows})
            return {
                "rule": spec.sifting,
                "kept": "; ".join(f"announced {{{','.join(a)}}}, Bob {s} reads {o} → bit {b}" for a, s, o, b in seen),
                "sift_probability": _fmt(model.sift_probability(spec)),
            }
    else:
        if action == "prepare":
            return {"source": spec.source}
        if action == "measure":
            return {
                "settings": "Alice "
                + ", ".join(f"{s.name}: θ = {math_text(s.angle)}" for s in spec.alice_settings)
                + "; Bob "
                + ", ".join(f"{s.name}: θ = {math_text(s.angle)}" for s in spec.bob_settings)
            }
        if action == "sift":
            flips = model.key_flip(spec)
            return {
                "key_pairs": ", ".join(f"({x},{y}){' Bob flips' if f else ''}" for (x, y), f in flips.items()),
                "sift_probability": _fmt(model.sift_probability(spec)),
            }
        if action == "estimate" and spec.chsh:
            corr = {f"E({x},{y})": _fmt(model.correlator(spec, x, y)) for x, y, _ in spec.chsh}
            return {**corr, "CHSH S": _fmt(model.chsh(spec)), "Bell threshold": f"|S| > {spec.chsh_threshold}"}
    if action == "estimate":
        return {"qber_ideal_line": _fmt(model.qber(spec)), "sample_fraction": spec.sample_fraction}
    if action == "decide":
        return {
            "abort_threshold": spec.abort_threshold,
            "key_rates": ", ".join(spec.key_rates) or "none in the spec",
            **eve_at_threshold(spec),
        }
    return {}


def _explain(spec: Any) -> list[dict[str, Any]]:
    out = []
    for i, st in enumerate(spec.steps, 1):
        out.append({"index": i, "party": st.party, "action": st.action, "text": describe_step(st), **_extra(spec, st.action)})
    return out


explainer("qkd-pm")(_explain)
explainer("qkd-eb")(_explain)

__all__: list[str] = []
