"""HTML pages: the index and one page per protocol.

One renderer serves both the verification report (with verdicts) and the
catalogue reference (``qproto docs``, without): the page shows the spec as
it is in the code — summary, parties, channels, parameters, the steps as
``qproto explain`` tells them, a diagram, every property with its statement
and scope, and references.  All text is escaped; pages carry their CSS
inline and need no script, font or network.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from typing import Any

from qproto.proofs.verdict import Status, Verdict
from qproto.spec.protocol import Protocol

from .evidence import evidence_html, requirement, strength, value_html

CSS = """
body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;margin:0;color:#1b1f24;background:#fff;line-height:1.45}
header{background:#1f3a5f;color:#fff;padding:14px 28px}header a{color:#cfe0ff}
main{padding:10px 28px 40px;max-width:1500px}
h1{font-size:1.5em;margin:4px 0}h2{font-size:1.2em;border-bottom:1px solid #dde3ea;padding-bottom:3px;margin-top:28px}
h3{font-size:1.05em;margin:18px 0 4px}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #d5dbe5;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#eef2f7}table.small{font-size:.9em}
.st{font-weight:bold;padding:1px 7px;border-radius:9px;white-space:nowrap}
.st-proved{background:#d9f2dc;color:#14532d}.st-bounded{background:#e6f4d7;color:#365314}
.st-tested{background:#d6f0f5;color:#164e63}.st-limitation{background:#fdf3c7;color:#713f12}
.st-refuted,.st-error{background:#fbd5d5;color:#7f1d1d}.st-inconclusive{background:#f1dcf7;color:#581c87}
.bad{color:#b91c1c;font-weight:bold}.good{color:#15803d;font-weight:bold}
.verdict{font-size:1.15em;margin:10px 0}
.diagram{overflow-x:auto;border:1px solid #e3e8ef;border-radius:6px;padding:6px;background:#fff}
.prop{border:1px solid #e3e8ef;border-left:5px solid #9aa9bb;border-radius:5px;padding:6px 12px;margin:10px 0}
.prop.notok{border-left-color:#dc2626}.prop.ok{border-left-color:#16a34a}
td.chg,span.chg{background:#fff1a8;font-weight:bold}span.legend{padding:0 5px;font-size:.85em}
dl.ev{margin:4px 0;display:grid;grid-template-columns:max-content auto;gap:2px 12px}dl.ev dt{color:#555}dl.ev dd{margin:0}
.muted{color:#666}.step{margin:6px 0}.state{font-family:DejaVu Sans Mono,monospace;font-size:.92em}
code,pre{font-family:DejaVu Sans Mono,monospace;font-size:.92em}pre{white-space:pre-wrap}
img.plot{max-width:100%;border:1px solid #e3e8ef}
caption{caption-side:top;text-align:left;color:#444;padding:2px 0}
"""

STATUS_ORDER = [s.value for s in Status]


def status_badge(status: str) -> str:
    return f'<span class="st st-{escape(status)}">{escape(status)}</span>'


def shell(title: str, body: str, up: str | None = None, subtitle: str = "") -> str:
    nav = f'<a href="{escape(up, quote=True)}">← index</a> · ' if up else ""
    sub = f"<div>{nav}{escape(subtitle)}</div>" if (nav or subtitle) else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f"<body><header><h1>{escape(title)}</h1>{sub}</header><main>{body}</main></body></html>\n"
    )


@dataclass
class Diagram:
    """A drawn diagram: inline SVG, the files written beside the page, and notes."""

    kind: str  # "circuit" | "state machine"
    svg: str | None = None
    files: dict[str, str] = field(default_factory=dict)  # link text -> relative file name
    note: str = ""


@dataclass
class Plot:
    title: str
    data_uri: str | None = None
    note: str = ""


def protocol_page(
    spec: Protocol,
    doc: dict[str, Any] | None,
    verdicts: list[Verdict] | None,
    diagram: Diagram | None,
    plots: list[Plot],
    up: str,
    explain_error: str = "",
    refuted_as_expected: bool = False,
) -> str:
    """One protocol's page; ``verdicts`` None renders the reference (no results)."""
    out: list[str] = []
    if verdicts is not None:
        out.append(_verdict_line(verdicts, refuted_as_expected))
    out.append(_identity(spec))
    if diagram is not None:
        out.append(_diagram(diagram))
    out.append("<h2>Steps</h2>")
    if doc is not None:
        out.append(_steps(doc))
    else:
        out.append(f'<p class="bad">the step-by-step explanation failed: {escape(explain_error)}</p>')
    out.append(_properties(spec, verdicts))
    if plots:
        out.append("<h2>Plots</h2>")
        for p in plots:
            out.append(f"<h3>{escape(p.title)}</h3>")
            if p.data_uri:
                out.append(f'<img class="plot" alt="{escape(p.title, quote=True)}" src="{p.data_uri}">')
            if p.note:
                out.append(f'<p class="muted">{escape(p.note)}</p>')
    out.append(_references(spec))
    kind = "verification report" if verdicts is not None else "catalogue reference"
    return shell(spec.name, "".join(out), up=up, subtitle=f"{spec.family} protocol, version {spec.version} · {kind}")


def _verdict_line(verdicts: list[Verdict], refuted_as_expected: bool = False) -> str:
    counts = Counter(v.status.value for v in verdicts)
    bad = [v for v in verdicts if not v.ok]
    line = ", ".join(f"{counts[s]} {s}" for s in STATUS_ORDER if counts[s])
    if refuted_as_expected:
        verdict = '<span class="good">refuted as expected</span> (its file declares it flawed: EXPECTED_REFUTED)'
    else:
        verdict = (
            '<span class="good">OK</span>'
            if not bad
            else (f'<span class="bad">NOT OK</span> ({escape(", ".join(v.property for v in bad))})')
        )
    return f'<p class="verdict">{verdict} · {len(verdicts)} properties checked: {escape(line)}</p>'


def _identity(spec: Protocol) -> str:
    out = []
    if spec.summary:
        out.append(f"<p>{escape(spec.summary)}</p>")
    if spec.flawed:
        out.append(f'<p class="bad">Flawed variant: {escape(spec.flawed)}</p>')
    if spec.variant_of:
        out.append(f'<p class="muted">variant of {escape(spec.variant_of)}</p>')
    rows = []
    if spec.parties:
        rows.append(("parties", ", ".join(p.name + (f" ({p.role})" if p.role else "") for p in spec.parties)))
    for c in spec.channels:
        auth = ", authenticated" if c.authenticated else ""
        rows.append(("channel", f"{c.source} → {c.target} ({c.kind}{auth}) {c.note}".strip()))
    for p in spec.parameters:
        rows.append((f"parameter {p.name}", f"= {p.default} in {p.domain_text()}  {p.text}".strip()))
    if rows:
        out.append(
            '<table class="small"><tbody>'
            + "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
            + "</tbody></table>"
        )
    return "".join(out)


def _diagram(d: Diagram) -> str:
    out = [f"<h2>{escape(d.kind.capitalize())} diagram</h2>"]
    if d.svg:
        out.append(f'<div class="diagram">{d.svg}</div>')
    if d.note:
        out.append(f'<p class="muted">{escape(d.note)}</p>')
    if d.files:
        links = " · ".join(f'<a href="{escape(f, quote=True)}">{escape(t)}</a>' for t, f in d.files.items())
        out.append(f'<p class="muted">files: {links}</p>')
    return "".join(out)


_STEP_KEYS = ("index", "party", "action", "text", "branches", "inputs")


def _steps(doc: dict[str, Any]) -> str:
    out = ['<div class="steps">']
    for st in doc.get("steps", []):
        who = f"{st['index']}. " if "index" in st else ""
        out.append(f'<div class="step"><b>{escape(who + str(st.get("text") or st.get("action", "")))}</b>')
        branches = st.get("branches") or []
        if branches:
            rows = []
            for br in branches:
                rec = ", ".join(f"{k}={v}" for k, v in (br.get("record") or {}).items()) or "—"
                prob = br.get("probability")
                prob_s = value_html(prob) if prob is not None else ""
                regs = "".join(br.get("registers", []))
                state = f"|{regs}⟩ = {br.get('state', '')}" if regs else str(br.get("state", ""))
                rows.append(f'<tr><td>{escape(rec)}</td><td>{prob_s}</td><td class="state">{escape(state)}</td></tr>')
            out.append(
                '<table class="small"><thead><tr><th>record</th><th>probability</th><th>state</th></tr></thead>'
                f"<tbody>{''.join(rows)}</tbody></table>"
            )
        extra = {k: v for k, v in st.items() if k not in _STEP_KEYS}
        if extra:
            out.append(value_html(extra))
        out.append("</div>")
    out.append("</div>")
    return "".join(out)


def _properties(spec: Protocol, verdicts: list[Verdict] | None) -> str:
    out = ["<h2>Properties</h2>"]
    by_id = {v.property: v for v in verdicts or []}
    for p in spec.properties:
        v = by_id.get(p.id)
        cls = "prop" + ("" if v is None else (" ok" if v.ok else " notok"))
        out.append(f'<div class="{cls}" id="prop-{escape(p.id, quote=True)}">')
        badge = (
            f" {status_badge(v.status.value)}" + ("" if v.ok else ' <span class="bad">✗ not what the spec asks</span>')
            if v
            else ""
        )
        out.append(f"<h3>{escape(p.id)}{badge}</h3>")
        out.append(f"<p>{escape(p.statement)}</p>")
        need = "a counterexample is expected (limitation by design)" if p.limitation else f"requires: {p.requires}"
        args = ", ".join(f"{k}={_arg(a)}" for k, a in p.args.items())
        out.append(
            f'<p class="muted">engine: {escape(p.engine)} · check: {escape(p.check)}'
            f"{' (' + escape(args) + ')' if args else ''} · {escape(need)}</p>"
        )
        if p.reference:
            out.append(f'<p class="muted">reference: {escape(p.reference)}</p>')
        if verdicts is not None:
            if v is None:
                out.append('<p class="muted">not checked in this run (filtered out)</p>')
            else:
                out.append(f"<p><b>{escape(strength(v))}</b> · {escape(requirement(v))} · {v.seconds:.3f} s</p>")
                out.append(evidence_html(v))
        out.append("</div>")
    return "".join(out)


def _arg(a: Any) -> str:
    if isinstance(a, (list, tuple)):
        return "(" + ", ".join(map(str, a)) + ")"
    return str(a)


def _references(spec: Protocol) -> str:
    if not spec.references:
        return ""
    items = []
    for r in spec.references:
        link = ""
        if r.doi:
            link = f' <a href="https://doi.org/{escape(r.doi, quote=True)}">doi:{escape(r.doi)}</a>'
        elif r.arxiv:
            link = f' <a href="https://arxiv.org/abs/{escape(r.arxiv, quote=True)}">arXiv:{escape(r.arxiv)}</a>'
        note = f" ({escape(r.note)})" if r.note else ""
        items.append(f"<li>{escape(r.cite)}{note}{link}</li>")
    return "<h2>References</h2><ul>" + "".join(items) + "</ul>"


@dataclass
class Entry:
    """One protocol as the index lists it."""

    spec: Protocol
    href: str
    verdicts: list[Verdict] | None = None


def index_page(title: str, entries: list[Entry], summary: dict[str, Any] | None, note: str = "") -> str:
    """The index: every protocol, and (for a report) the verdict table."""
    out = []
    if note:
        out.append(f'<p class="muted">{escape(note)}</p>')
    if summary is not None:
        line = ", ".join(f"{n} {k}" for k, n in summary["by_status"].items())
        verdict = (
            '<span class="good">OK</span>'
            if summary["exit_code"] == 0
            else (f'<span class="bad">NOT OK</span> ({escape(", ".join(summary["not_ok"]))})')
        )
        out.append(
            f'<p class="verdict" id="overall">{verdict} · {summary["properties"]} properties of '
            f"{summary['protocols']} protocols: {escape(line)} in {summary['seconds']} s</p>"
        )
        if summary.get("refuted_as_expected"):
            out.append(f"<p>refuted as expected (declared flawed): {escape(', '.join(summary['refuted_as_expected']))}</p>")
        for w in summary.get("warnings", []):
            out.append(f'<p class="bad">warning: {escape(w)}</p>')
    out.append("<h2>Protocols</h2>")
    if summary is not None:
        head = "<th>protocol</th><th>family</th>" + "".join(f"<th>{s}</th>" for s in STATUS_ORDER) + "<th>verdict</th>"
    else:
        head = "<th>protocol</th><th>family</th><th>summary</th><th>properties</th>"
    rows = []
    for e in entries:
        name = f'<a href="{escape(e.href, quote=True)}">{escape(e.spec.name)}</a>' + (
            ' <span class="muted">(flawed)</span>' if e.spec.flawed else ""
        )
        if summary is not None:
            vs = e.verdicts or []
            c = Counter(v.status.value for v in vs)
            cells = "".join(f"<td>{c[s] or ''}</td>" for s in STATUS_ORDER)
            if e.spec.name in summary.get("refuted_as_expected", ()):
                mark = '<span class="good">refuted as expected</span>'
            elif all(v.ok for v in vs) and not any(n.startswith(e.spec.name + ":") for n in summary["not_ok"]):
                mark = '<span class="good">OK</span>'
            else:
                mark = '<span class="bad">NOT OK</span>'
            rows.append(f"<tr><td>{name}</td><td>{escape(e.spec.family)}</td>{cells}<td>{mark}</td></tr>")
        else:
            rows.append(
                f"<tr><td>{name}</td><td>{escape(e.spec.family)}</td><td>{escape(e.spec.summary)}</td>"
                f"<td>{len(e.spec.properties)}</td></tr>"
            )
    out.append(f'<table id="protocols"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')
    if summary is not None:
        out.append("<h2>Verdicts</h2>")
        out.append(_verdict_table(entries))
    return shell(title, "".join(out))


def _verdict_table(entries: Iterable[Entry]) -> str:
    rows = []
    for e in entries:
        for v in e.verdicts or []:
            link = f'<a href="{escape(e.href, quote=True)}#prop-{escape(v.property, quote=True)}">{escape(v.property)}</a>'
            mark = "" if v.ok else ' <span class="bad">✗</span>'
            rows.append(
                f"<tr><td>{escape(v.protocol)}</td><td>{link}</td><td>{escape(v.engine)}</td>"
                f"<td>{status_badge(v.status.value)}{mark}</td><td>{escape(strength(v))}</td>"
                f"<td>{escape(v.summary)}</td><td>{v.seconds:.3f}</td></tr>"
            )
    head = "<th>protocol</th><th>property</th><th>engine</th><th>status</th><th>strength</th><th>evidence</th><th>s</th>"
    return f'<table id="verdicts" class="small"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


__all__ = ["protocol_page", "index_page", "Entry", "Diagram", "Plot", "shell", "CSS"]
