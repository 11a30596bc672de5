"""A verdict's evidence as readable HTML: text, small tables, trace tables.

Evidence is JSON-ready data (see :class:`qproto.proofs.verdict.Verdict`);
here it becomes definition lists and tables, never a raw dict.  A
state-machine counterexample becomes a step table in which every cell that
changed since the previous step is highlighted.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from qproto.proofs.verdict import Status, Verdict

MAX_ROWS = 64
MAX_DEPTH = 4


def strength(v: Verdict) -> str:
    """How strongly the property holds, in words (the verdict's scope)."""
    ev = v.evidence
    s = v.status
    if s is Status.PROVED:
        return "proved: holds for all states and parameters"
    if s is Status.BOUNDED:
        return f"bounded: holds on every run up to depth {ev.get('bound', '?')}"
    if s is Status.TESTED:
        return f"tested: no counterexample among {ev.get('cases', '?')} generated cases (seed {ev.get('seed', '?')})"
    if s is Status.REFUTED:
        return "refuted: a counterexample was found" + _replayed(ev)
    if s is Status.LIMITATION:
        return "limitation: false by design, and the expected counterexample was found" + _replayed(ev)
    if s is Status.INCONCLUSIVE:
        return "inconclusive: " + str(ev.get("reason") or ev.get("summary") or "no reason given")
    return "error: " + str(ev.get("reason") or ev.get("summary") or "the checker failed")


def _replayed(ev: dict[str, Any]) -> str:
    replay = ev.get("replay")
    if isinstance(replay, dict) and ("ok" in replay or "replayed" in replay):
        if replay.get("ok", replay.get("replayed")):
            return " (replayed on the executable model)"
        return f" (NOT replayed: {replay.get('reason') or replay.get('detail', '')})"
    return ""


def requirement(v: Verdict) -> str:
    if v.limitation:
        return "the spec expects a counterexample (a limitation by design)"
    return f"the spec requires: {v.required}"


def _humanize(key: str) -> str:
    return str(key).replace("_", " ")


def _is_exact(d: Any) -> bool:
    return isinstance(d, dict) and "exact" in d and set(d) <= {"exact", "value", "approx"}


def value_html(value: Any, depth: int = 0) -> str:
    """Any JSON-ready value as escaped HTML."""
    if _is_exact(value):
        approx = value.get("value", value.get("approx"))
        exact = escape(str(value["exact"]))
        return f"{exact} (≈ {escape(_number(approx))})" if approx is not None and str(approx) != str(value["exact"]) else exact
    if depth >= MAX_DEPTH:
        return f"<code>{escape(json.dumps(value, ensure_ascii=False, default=str)[:400])}</code>"
    if isinstance(value, dict):
        if not value:
            return "(none)"
        rows = "".join(f"<dt>{escape(_humanize(k))}</dt><dd>{value_html(v, depth + 1)}</dd>" for k, v in value.items())
        return f'<dl class="ev">{rows}</dl>'
    if isinstance(value, (list, tuple)):
        if not value:
            return "(none)"
        if all(not isinstance(x, (dict, list, tuple)) for x in value):
            return escape(", ".join(_scalar(x) for x in value))
        if all(isinstance(x, dict) and not _is_exact(x) for x in value):
            return _records_table(value, depth)
        items = "".join(f"<li>{value_html(x, depth + 1)}</li>" for x in value[:MAX_ROWS])
        more = f"<li>… {len(value) - MAX_ROWS} more</li>" if len(value) > MAX_ROWS else ""
        return f"<ol>{items}{more}</ol>"
    return escape(_scalar(value))


def _number(x: Any) -> str:
    # every digit a float has: rounding could make an interval's two ends look equal
    return repr(x) if isinstance(x, float) else str(x)


def _scalar(x: Any) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if x is None:
        return "—"
    return _number(x)


def _records_table(rows: list[dict[str, Any]] | tuple, depth: int) -> str:
    keys: list[str] = []
    for r in rows:
        for k in r:
            if k not in keys:
                keys.append(k)
    head = "".join(f"<th>{escape(_humanize(k))}</th>" for k in keys)
    body = []
    for r in list(rows)[:MAX_ROWS]:
        body.append("<tr>" + "".join(f"<td>{value_html(r.get(k, ''), depth + 1)}</td>" for k in keys) + "</tr>")
    more = f'<tr><td colspan="{len(keys)}">… {len(rows) - MAX_ROWS} more rows</td></tr>' if len(rows) > MAX_ROWS else ""
    return f'<table class="small"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}{more}</tbody></table>'


def trace_table(trace: list[dict[str, Any]], caption: str = "") -> str:
    """A state-machine trace: one row per step, changed cells highlighted."""
    names: list[str] = []
    for st in trace:
        for k in st.get("state", {}):
            if k not in names:
                names.append(k)

    def show(v: Any) -> str:
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(_scalar(x) for x in v) + "]"
        return _scalar(v)

    fixed = [n for n in names if len({json.dumps(st.get("state", {}).get(n), default=str) for st in trace}) == 1]
    shown = [n for n in names if n not in fixed] or names
    head = "<th>step</th><th>transition</th>" + "".join(f"<th>{escape(n)}</th>" for n in shown)
    rows = []
    prev: dict[str, Any] | None = None
    for i, st in enumerate(trace):
        state = st.get("state", {})
        move = str(st.get("transition") or "(initial)")
        if st.get("choice"):
            move += " (" + ", ".join(f"{k}={_scalar(v)}" for k, v in st["choice"].items()) + ")"
        cells = []
        for n in shown:
            changed = prev is not None and prev.get(n) != state.get(n)
            cls = ' class="chg"' if changed else ""
            cells.append(f"<td{cls}>{escape(show(state.get(n, '')))}</td>")
        rows.append(f"<tr><td>{st.get('step', i)}</td><td>{escape(move)}</td>{''.join(cells)}</tr>")
        prev = state
    cap = escape(caption)
    if fixed and shown is not names:
        cap += (
            (" · " if cap else "")
            + "unchanged throughout: "
            + escape(", ".join(f"{n}={show(trace[0].get('state', {}).get(n))}" for n in fixed))
        )
    caption_html = f'<caption>{cap} <span class="chg legend">changed</span></caption>'
    return f'<table class="trace">{caption_html}<thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def evidence_html(v: Verdict) -> str:
    """The evidence block of one verdict."""
    ev = dict(v.evidence)
    parts = []
    if ev.get("summary"):
        parts.append(f'<p class="summary">{escape(str(ev.pop("summary")))}</p>')
    trace = ev.get("trace")
    if isinstance(trace, list) and trace and all(isinstance(st, dict) and "state" in st for st in trace):
        parts.append(trace_table(trace, caption=f"counterexample trace ({len(trace) - 1} steps)"))
        ev.pop("trace")
        if ev.get("counterexample") == trace:
            ev.pop("counterexample")
    if ev:
        parts.append(value_html(ev))
    return "".join(parts)


__all__ = ["strength", "requirement", "value_html", "trace_table", "evidence_html"]
