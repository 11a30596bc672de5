"""``explain``: a protocol told step by step, with its exact states.

Each family registers an explainer that turns a spec into a JSON-ready
document; the CLI prints it for a person or as JSON.  Families without one
get the spec's own step list.
"""

from __future__ import annotations

from typing import Any, Callable

import sympy as sp

from qproto.spec.protocol import Protocol

Explainer = Callable[[Protocol], list[dict[str, Any]]]
_EXPLAINERS: dict[str, Explainer] = {}

#: Modules whose import registers explainers for further families.
EXPLAINER_MODULES: list[str] = [
    "qproto.explain_transition",
    "qproto.explain_qkd",
    "qproto.explain_repeater",
]


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


def explain(spec: Protocol) -> dict[str, Any]:
    import importlib

    for mod in EXPLAINER_MODULES:
        importlib.import_module(mod)
    doc = header(spec)
    fn = _EXPLAINERS.get(spec.family)
    if fn is None:
        doc["steps"] = [{"index": i, "party": s.party, "action": s.action, "text": s.describe()} for i, s in enumerate(spec.steps, 1)]
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
            branches.append({
                "record": br.record,
                "probability": _exact.exact_json(p),
                "registers": list(state.registers),
                "state": state.dirac(),
            })
        steps.append({"index": st.index, "party": st.party, "action": st.action, "text": st.text,
                      "inputs": trace.inputs, "branches": branches})
    return steps


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
            console.print(f"      {escape(label)}|{regs}⟩ = {escape(br['state'])}" if regs else f"      {escape(label)}{escape(br['state'])}")
        for key, val in st.items():
            if key not in ("index", "party", "action", "text", "branches", "inputs"):
                console.print(f"      {key}: {escape(str(val))}")
    console.print()
    console.print("[bold]properties[/]")
    for p in doc.get("properties", []):
        console.print(f"  {p['id']} ({p['engine']}): {escape(p['statement'])}")


__all__ = ["explain", "explainer", "render", "header", "EXPLAINER_MODULES"]
