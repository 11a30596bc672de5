"""Rendering verdicts: for people (a table), for machines (JSON), for CI (JUnit XML)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, Iterable
from xml.etree import ElementTree as ET

from qproto.proofs.verdict import Status, Verdict

_STYLE = {
    Status.PROVED: "bold green",
    Status.BOUNDED: "green",
    Status.TESTED: "cyan",
    Status.LIMITATION: "yellow",
    Status.REFUTED: "bold red",
    Status.INCONCLUSIVE: "magenta",
    Status.ERROR: "bold red",
}


def summary(verdicts: list[Verdict], seconds: float) -> dict[str, Any]:
    counts = Counter(v.status.value for v in verdicts)
    failed = [f"{v.protocol}/{v.property}" for v in verdicts if not v.ok]
    # a dropped false lemma or a progress measure that does not decrease is
    # worth a reader's attention even inside a proved verdict
    warnings = [f"{v.protocol}/{v.property}: {w}" for v in verdicts for w in v.evidence.get("warnings", ())]
    return {
        "warnings": warnings,
        "protocols": len({v.protocol for v in verdicts}),
        "properties": len(verdicts),
        "ok": len(verdicts) - len(failed),
        "not_ok": failed,
        "by_status": dict(sorted(counts.items())),
        "seconds": round(seconds, 3),
        "exit_code": 0 if not failed else 1,
    }


def to_json(verdicts: list[Verdict], seconds: float) -> str:
    doc = {"verdicts": [v.to_json() for v in verdicts], "summary": summary(verdicts, seconds)}
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str)


def render_text(verdicts: list[Verdict], seconds: float, console: Any) -> None:
    from rich.table import Table

    table = Table(show_lines=False, header_style="bold")
    table.add_column("protocol")
    table.add_column("property")
    table.add_column("engine")
    table.add_column("status")
    table.add_column("evidence", overflow="fold")
    table.add_column("s", justify="right")
    for v in verdicts:
        status = v.status.value + ("" if v.ok else "  ✗")
        table.add_row(v.protocol, v.property, v.engine, f"[{_STYLE[v.status]}]{status}[/]", _evidence_line(v), f"{v.seconds:.3f}")
    console.print(table)
    for v in verdicts:
        if v.status in (Status.REFUTED, Status.LIMITATION) and v.evidence.get("trace"):
            render_trace(v, console)
    s = summary(verdicts, seconds)
    line = ", ".join(f"{n} {k}" for k, n in s["by_status"].items())
    verdict = "[bold green]OK[/]" if s["exit_code"] == 0 else f"[bold red]NOT OK[/] ({', '.join(s['not_ok'])})"
    warned = f"; {len(s['warnings'])} warning(s): " + "; ".join(s["warnings"]) if s["warnings"] else ""
    console.print(f"{s['properties']} properties of {s['protocols']} protocols: {line} in {s['seconds']} s — {verdict}{warned}")


def _evidence_line(v: Verdict) -> str:
    ev = v.evidence
    parts = [str(ev.get("summary", ""))]
    if "bound" in ev:
        parts.append(f"bound={ev['bound']}")
    if "cases" in ev:
        parts.append(f"cases={ev['cases']} seed={ev.get('seed')}")
    if "counterexample" in ev and "trace" not in ev:  # a state-machine trace is printed as its own table
        parts.append("counterexample: " + json.dumps(ev["counterexample"], ensure_ascii=False, default=str))
    if "replay" in ev and isinstance(ev["replay"], dict):
        parts.append("replay: " + json.dumps(ev["replay"], ensure_ascii=False, default=str))
    return " · ".join(p for p in parts if p)


def render_trace(v: Verdict, console: Any) -> None:
    """A state-machine counterexample as a table: one row per step."""
    from rich.table import Table

    trace = v.evidence["trace"]
    if not isinstance(trace, list) or not trace:
        return
    names = sorted({k for st in trace for k in st.get("state", {})})
    # variables that never change go into the caption, so a wide state stays readable
    fixed = [n for n in names if len({json.dumps(st.get("state", {}).get(n), default=str) for st in trace}) == 1]
    if len(names) > 8 and len(fixed) < len(names):
        names = [n for n in names if n not in fixed]
    else:
        fixed = []
    caption = ("unchanged: " + ", ".join(f"{n}={trace[0].get('state', {}).get(n)}" for n in fixed)) if fixed else None
    table = Table(title=f"{v.protocol} / {v.property}: counterexample trace", header_style="bold", caption=caption)
    table.add_column("step", justify="right")
    table.add_column("transition", no_wrap=True)
    for n in names:
        table.add_column(n)
    for i, st in enumerate(trace):
        table.add_row(str(i), str(st.get("transition") or "(initial)"), *[str(st.get("state", {}).get(n, "")) for n in names])
    console.print(table)


def to_junit(verdicts: Iterable[Verdict], seconds: float) -> str:
    verdicts = list(verdicts)
    suite = ET.Element(
        "testsuite",
        name="qproto",
        tests=str(len(verdicts)),
        failures=str(sum(1 for v in verdicts if not v.ok and v.status is not Status.ERROR)),
        errors=str(sum(1 for v in verdicts if v.status is Status.ERROR)),
        time=f"{seconds:.3f}",
    )
    for v in verdicts:
        case = ET.SubElement(suite, "testcase", classname=f"qproto.{v.protocol}", name=v.property, time=f"{v.seconds:.6f}")
        props = ET.SubElement(case, "properties")
        ET.SubElement(props, "property", name="status", value=v.status.value)
        ET.SubElement(props, "property", name="engine", value=v.engine)
        if not v.ok:
            tag = "error" if v.status is Status.ERROR else "failure"
            el = ET.SubElement(case, tag, message=f"{v.status.value}: {v.summary}")
            el.text = json.dumps(v.evidence, indent=2, ensure_ascii=False, default=str)
        else:
            out = ET.SubElement(case, "system-out")
            out.text = f"{v.status.value}: {v.summary}"
    return ET.tostring(suite, encoding="unicode", xml_declaration=True)


__all__ = ["summary", "to_json", "render_text", "render_trace", "to_junit"]
