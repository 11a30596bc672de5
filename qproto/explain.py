"""``explain``: a protocol told step by step, with its exact states.

Each family registers an explainer that turns a spec into a JSON-ready
document; the CLI prints it for a person or as JSON.  Families without one
get the spec's own step list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy as sp
from sympy.printing.str import StrPrinter

from qproto.spec.protocol import Protocol

Explainer = Callable[[Protocol], list[dict[str, Any]]]
_EXPLAINERS: dict[str, Explainer] = {}


def explainer(family: str) -> Callable[[Explainer], Explainer]:
    def deco(fn: Explainer) -> Explainer:
        _EXPLAINERS[family] = fn
        return fn

    return deco


def header(spec: Protocol) -> dict[str, Any]:
    return {
        "protocol": spec.name,
        "family": spec.family,
        "version": spec.version,
        "summary": spec.summary,
        "flaw": spec.flawed,
        "references": [str(r) for r in spec.references],
        "parties": [{"name": p.name, "role": p.role} for p in spec.parties],
        "channels": [
            {"from": c.source, "to": c.target, "kind": c.kind, "authenticated": c.authenticated, "note": c.note}
            for c in spec.channels
        ],
        "parameters": [
            {"name": p.name, "default": str(p.default), "domain": p.domain_text(), "text": p.text} for p in spec.parameters
        ],
        "properties": [{"id": p.id, "engine": p.engine, "statement": p.statement} for p in spec.properties],
    }


def _load() -> None:
    """Import the ``explainers`` modules of every family manifest."""
    import importlib

    from qproto.families import modules_for

    for mod in modules_for("explainers"):
        importlib.import_module(mod)


def __getattr__(name: str) -> Any:
    if name == "EXPLAINER_MODULES":  # was a hand-kept list; now derived from the family manifests
        from qproto.families import modules_for

        return list(modules_for("explainers"))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def explain(spec: Protocol) -> dict[str, Any]:
    _load()
    doc = header(spec)
    fn = _EXPLAINERS.get(spec.family)
    if fn is None:
        doc["steps"] = [
            {"index": i, "party": s.party, "action": s.action, "text": describe_step(s)} for i, s in enumerate(spec.steps, 1)
        ]
    else:
        doc["steps"] = fn(spec)
    return doc


@explainer("circuit")
def _circuit(spec: Protocol) -> list[dict[str, Any]]:
    from qproto.models import circuit as model
    from qproto.models import exact as _exact
    from qproto.spec.circuit import CircuitProtocol

    assert isinstance(spec, CircuitProtocol)
    inputs = {name: 0 for name in spec.inputs}  # one message is enough to show the flow
    trace = model.run(spec, inputs)
    steps = []
    for st in trace.steps:
        branches = []
        for br in st.branches:
            p = model.branch_probability(br)
            state = br.state
            if state.exact and isinstance(p, sp.Basic) and p.is_number and p != 0 and p != 1:
                state = state.scaled(1 / sp.sqrt(p))
            branches.append(
                {
                    "record": br.record,
                    "probability": _exact.exact_json(p),
                    "registers": list(state.registers),
                    "state": state_text(state),
                    "state_sympy": state.dirac(),  # the same ket with SymPy-parsable amplitudes, for tools
                }
            )
        text = st.text
        if 1 <= st.index <= len(spec.steps) and not spec.steps[st.index - 1].text:
            text = describe_step(spec.steps[st.index - 1])  # told from the step, not "Alice: gate"
        steps.append(
            {
                "index": st.index,
                "party": st.party,
                "action": st.action,
                "text": text,
                "inputs": trace.inputs,
                "branches": branches,
            }
        )
    return steps


# -- text for a person: expressions, kets and steps ---------------------------------


def math_text(expr: Any) -> str:
    """An expression as a person writes it: ``√2·α/2``, ``44/61 − 33·log₂(3)/122``,
    ``i`` for the imaginary unit, Greek letters for Greek names.

    >>> math_text(sp.sqrt(2) * sp.Symbol("alpha") / 2)
    '√2·α/2'
    >>> math_text(sp.Rational(44, 61) - 33 * sp.log(3) / (122 * sp.log(2)))
    '44/61 − 33·log₂(3)/122'
    """
    if not isinstance(expr, sp.Basic):
        try:
            expr = sp.sympify(expr)
        except (sp.SympifyError, TypeError):
            return str(expr)
    expr = _log2_form(expr)
    return _UnicodePrinter().doprint(expr).replace("-", "−")


def _log2_form(expr: sp.Basic) -> sp.Basic:
    """log(n)/log(2) written as the symbol log₂(n), so a mutual information
    reads as a rational plus rational multiples of log₂ of primes."""
    logs = [a for a in expr.atoms(sp.log) if a.args[0].is_Integer and a.args[0] > 2]
    if not logs or not any(a.args[0] == 2 for a in expr.atoms(sp.log)):
        return expr
    sub = {a: sp.Symbol(f"log₂({a.args[0]})") * sp.log(2) for a in logs}
    out = sp.expand(expr.subs(sub))
    return out if sp.log(2) not in out.atoms(sp.log) else expr


class _UnicodePrinter(StrPrinter):
    def _print_Symbol(self, expr: sp.Symbol) -> str:
        from sympy.printing.pretty.pretty_symbology import pretty_symbol

        return expr.name if "(" in expr.name else pretty_symbol(expr.name)

    def _print_ImaginaryUnit(self, expr: Any) -> str:
        return "i"

    def _print_Pi(self, expr: Any) -> str:
        return "π"

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        base, exp = expr.args
        if exp == sp.Rational(1, 2):
            inner = self._print(base)
            return f"√{inner}" if base.is_Atom else f"√({inner})"
        if exp == sp.Rational(-1, 2):
            inner = self._print(base)
            return f"1/√{inner}" if base.is_Atom else f"1/√({inner})"
        if exp.is_Integer and exp > 1:
            sup = str(exp).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
            b = self._print(base)
            return f"{b}{sup}" if base.is_Atom else f"({b}){sup}"
        return super()._print_Pow(expr, rational)

    def _print_Mul(self, expr: sp.Mul) -> str:
        return super()._print_Mul(expr).replace("*", "·")

    def _print_conjugate(self, expr: Any) -> str:
        return f"{self._print(expr.args[0])}̄"

    def _print_Abs(self, expr: Any) -> str:
        return f"|{self._print(expr.args[0])}|"


def amplitude_ket(amp: Any, ket: str) -> str:
    """One term of a ket: ``|0⟩``, ``−|1⟩``, ``|00⟩/√2``, ``i|1⟩/√2``, ``α|000⟩/2``."""
    amp = sp.nsimplify(amp) if isinstance(amp, float) else sp.sympify(amp)
    if amp == 1:
        return ket
    if amp == -1:
        return "−" + ket
    symbolic, numeric = sp.Integer(1), amp
    if amp.free_symbols:
        numeric, symbolic = amp.as_independent(*amp.free_symbols, as_Add=False)
    sign, unit = "", ""
    if numeric.is_number and sp.im(numeric) != 0 and sp.re(numeric) == 0:
        unit, numeric = "i", sp.im(numeric)
    if numeric.is_number and numeric.is_real and numeric < 0:
        sign, numeric = "−", -numeric
    lead = sign + unit + ("" if symbolic == 1 else _factor_text(symbolic))
    if numeric == 1:
        return f"{lead}{ket}"
    if numeric.is_Rational and numeric.p == 1:  # 1/n
        return f"{lead}{ket}/{numeric.q}"
    inv_sq = sp.nsimplify(1 / numeric**2) if numeric.is_number and numeric.is_real else None
    if inv_sq is not None and inv_sq.is_Integer:  # 1/√n
        return f"{lead}{ket}/√{inv_sq}"
    return f"{lead}{_factor_text(numeric)}{ket}"


def _factor_text(expr: Any) -> str:
    text = math_text(expr)
    return f"({text})" if isinstance(expr, sp.Add) else text


def dirac_text(amplitudes: Any, labels: Any) -> str:
    """A ket from its amplitudes and basis labels, in Dirac notation:
    ``|00⟩/√2 + |11⟩/√2``."""
    terms = []
    for amp, label in zip(amplitudes, labels):
        amp = sp.factor(sp.sympify(amp)) if not isinstance(amp, (float, complex)) else amp
        if amp == 0:
            continue
        terms.append(amplitude_ket(amp, f"|{label}⟩"))
    if not terms:
        return "0"
    out = terms[0]
    for t in terms[1:]:
        out += " − " + t[1:] if t.startswith("−") else " + " + t
    return out


def state_text(state: Any) -> str:
    """A model state (``qproto.models.state.State``) in Dirac notation; a
    density matrix or numeric state as the model writes it."""
    import numpy as np

    if getattr(state, "kind", "ket") != "ket" or not getattr(state, "exact", False):
        return state.dirac()
    labels = [state.basis_label(idx) for idx in np.ndindex(*state.dims)]
    try:
        return dirac_text(list(state.vector()), labels)
    except (TypeError, ValueError):  # an amplitude the formatter cannot read: the model's own text
        return state.dirac()


_VERBS = {"gate": "applies a gate", "sift": "sifts", "noise": "suffers noise", "correct": "corrects"}


def describe_step(step: Any) -> str:
    """What a step does, in words: its own ``text`` when it has one, else
    told from its fields (``Alice applies H to q``, ``Bob measures q2 → m2``,
    ``if m1: Bob applies X to q3``)."""
    if getattr(step, "text", ""):
        return step.text
    party = step.party or "someone"
    kind = type(step).__name__
    join = ", ".join
    if kind == "ApplyGate":
        gate = step.gate + (f"({join(map(math_text, step.params))})" if step.params else "")
        if len(step.targets) == 2 and step.gate.upper() in ("CNOT", "CX", "CZ", "CY"):
            return f"{party} applies {gate}({step.targets[0]} → {step.targets[1]})"
        return f"{party} applies {gate} to {join(step.targets)}"
    if kind == "Measure":
        return f"{party} measures {step.register} in Z → {step.record}"
    if kind == "Controlled":
        return f"if {step.when}: {party} applies {step.gate} to {join(step.targets)}"
    if kind == "Prepare":
        what = {"input": "the input state"}.get(step.state, step.state.replace("bell:", "the Bell state "))
        return f"{party} prepares {join(step.registers)} in {what}"
    if kind == "Send":
        items = list(step.registers) + list(step.records)
        return f"{party} sends {join(items)} to {step.to}"
    if kind == "ApplyChannel":
        params = f" ({join(map(math_text, step.params))})" if step.params else ""
        return f"{step.channel} noise{params} on {join(step.targets)}"
    verb = _VERBS.get(step.action, step.action + ("es" if step.action.endswith(("s", "sh", "ch")) else "s"))
    return f"{party} {verb}"


def render(doc: dict[str, Any], console: Any) -> None:
    from rich.markup import escape

    console.print(f"[bold]{escape(doc['protocol'])}[/] ({doc['family']} protocol, version {doc['version']})")
    if doc.get("summary"):
        console.print(escape(doc["summary"]))
    if doc.get("flaw"):
        console.print(f"[red]flawed variant:[/] {escape(doc['flaw'])}")
    for r in doc.get("references", []):
        console.print(f"  ref: {escape(r)}")
    if doc.get("parties"):
        console.print("parties: " + ", ".join(p["name"] + (f" ({p['role']})" if p["role"] else "") for p in doc["parties"]))
    for c in doc.get("channels", []):
        auth = ", authenticated" if c["authenticated"] else ""
        console.print(f"channel: {c['from']} → {c['to']} ({c['kind']}{auth}) {escape(c['note'])}")
    for p in doc.get("parameters", []):
        console.print(f"parameter {p['name']} = {p['default']} in {p['domain']}  {escape(p['text'])}")
    console.print()
    for st in doc["steps"]:
        console.print(f"[bold]{st['index']:>2}. {escape(st['text'])}[/]")
        for br in st.get("branches", []):
            rec = ", ".join(f"{k}={v}" for k, v in br["record"].items())
            prob = br["probability"]["exact"] if isinstance(br["probability"], dict) else br["probability"]
            regs = "".join(br.get("registers", []))
            label = f"[{rec}] p={prob}: " if rec else ""
            console.print(
                f"      {escape(label)}|{regs}⟩ = {escape(br['state'])}"
                if regs
                else f"      {escape(label)}{escape(br['state'])}"
            )
        for key, val in st.items():
            if key not in ("index", "party", "action", "text", "branches", "inputs"):
                console.print(f"      {key}: {escape(str(val))}")
    console.print()
    console.print("[bold]properties[/]")
    for p in doc.get("properties", []):
        console.print(f"  {p['id']} ({p['engine']}): {escape(p['statement'])}")


__all__ = [
    "explain",
    "explainer",
    "render",
    "header",
    "EXPLAINER_MODULES",  # noqa: F822 (derived in the module __getattr__)
    "math_text",
    "dirac_text",
    "state_text",
    "amplitude_ket",
    "describe_step",
]
