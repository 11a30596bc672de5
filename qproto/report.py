"""Rendering verdicts: for people (text that fits a terminal), for machines
(JSON), for CI (JUnit XML).

The text view is written for an 80-column terminal and for a pipe: one line
per protocol with its counts by status, then every property that needs a
reader's attention in full (statement, evidence as ``key: value`` lines, the
counterexample trace and the command that reproduces it), then the summary.
"""

from __future__ import annotations

import json
import textwrap
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any
from xml.etree import ElementTree as ET

from qproto.proofs.verdict import Status, Verdict
from qproto.replay import render, rendered, rendered_all

_STYLE = {
    Status.PROVED: "bold green",
    Status.BOUNDED: "green",
    Status.TESTED: "cyan",
    Status.LIMITATION: "yellow",
    Status.REFUTED: "bold red",
    Status.INCONCLUSIVE: "magenta",
    Status.ERROR: "bold red",
}

#: Order in which counts are listed on a protocol's line: strongest first.
_ORDER = (Status.PROVED, Status.BOUNDED, Status.TESTED, Status.LIMITATION, Status.INCONCLUSIVE, Status.REFUTED, Status.ERROR)

#: Evidence keys shown by their own renderer (or in the header), not as ``key: value`` lines.
_SHOWN_ELSEWHERE = {"summary", "trace", "replay", "warnings"}

#: A nested value is cut after this many lines, so one huge counterexample
#: cannot bury the rest of the report (``--json`` has it all).
_MAX_VALUE_LINES = 40


def summary(verdicts: list[Verdict], seconds: float, expected_refuted: Iterable[str] = ()) -> dict[str, Any]:
    """Counts, the properties that are not ok and the exit code.

    ``expected_refuted`` names specs a designer file declares flawed
    (``EXPECTED_REFUTED``): such a spec passes when it is caught — at least
    one property refuted and nothing else wrong — and fails when it is not.
    """
    counts = Counter(v.status.value for v in verdicts)
    caught, unexpected = _expectations(verdicts, set(expected_refuted))
    failed = [f"{v.protocol}/{v.property}" for v in verdicts if not v.ok and v.protocol not in caught]
    # a dropped false lemma or a progress measure that does not decrease is
    # worth a reader's attention even inside a proved verdict
    warnings = [f"{v.protocol}/{v.property}: {w}" for v in verdicts for w in v.evidence.get("warnings", ())]
    doc = {
        "warnings": warnings,
        "protocols": len({v.protocol for v in verdicts}),
        "properties": len(verdicts),
        "ok": len(verdicts) - len(failed),
        "not_ok": failed + unexpected,
        "by_status": dict(sorted(counts.items())),
        "seconds": round(seconds, 3),
        "exit_code": 0 if not failed and not unexpected else 1,
    }
    if expected_refuted:
        doc["refuted_as_expected"] = sorted(caught)
    return doc


def _expectations(verdicts: list[Verdict], expected: set[str]) -> tuple[set[str], list[str]]:
    """Which expected-flawed specs were caught, and a message for each that was not."""
    caught, unexpected = set(), []
    for name in sorted(expected):
        group = [v for v in verdicts if v.protocol == name]
        bad = [v for v in group if not v.ok]
        if bad and all(v.status is Status.REFUTED for v in bad):
            caught.add(name)
        elif not group:
            unexpected.append(f"{name}: expected refuted, but no property of it was selected")
        elif not bad:
            unexpected.append(f"{name}: expected refuted, but every property passed")
        else:
            others = ", ".join(f"{v.property} {v.status.value}" for v in bad if v.status is not Status.REFUTED)
            unexpected.append(f"{name}: expected refuted, but not caught cleanly ({others})")
    return caught, unexpected


def to_json(verdicts: list[Verdict], seconds: float, expected_refuted: Iterable[str] = ()) -> str:
    doc = {"verdicts": [rendered(v).to_json() for v in verdicts], "summary": summary(verdicts, seconds, expected_refuted)}
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str)


def text_console() -> Any:
    """A console for the text report: the terminal's width, ``COLUMNS`` when
    set, 80 columns when piped; colour only on a terminal (rich decides)."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def render_text(
    verdicts: list[Verdict],
    seconds: float,
    console: Any,
    *,
    verbose: bool = False,
    failures_only: bool = False,
    sources: Mapping[str, str] | None = None,
    expected_refuted: Iterable[str] = (),
) -> None:
    """Print the report for a person.

    Default: one line per protocol, then every property that is not ok in
    full, then the declared limitations (one line per limitation, with the
    protocols where its counterexample was found), then the summary.
    ``verbose``: every property in full.  ``failures_only``: only the
    properties that are not ok and the summary.  ``sources`` maps a
    protocol name to the command-line target it came from (a file), so the
    reproduce command names something ``qproto verify`` can load;
    ``expected_refuted`` names the specs a designer file declares flawed.
    """
    verdicts = rendered_all(verdicts)
    width = max(40, int(getattr(console, "width", 80) or 80))
    caught, _ = _expectations(verdicts, set(expected_refuted))
    out = _Printer(console, width, caught)
    if not failures_only:
        groups = _by_protocol(verdicts)
        out.name_width = max(map(len, groups), default=0)
        for name, group in groups.items():
            out.protocol_line(name, group)
    if verbose:
        shown = list(verdicts)
    elif failures_only:  # a spec refuted as its file declares is not a failure
        shown = [v for v in verdicts if not v.ok and v.protocol not in caught]
    else:
        shown = [v for v in verdicts if not v.ok]
    for v in shown:
        out.blank()
        out.verdict(v, sources or {})
    if not verbose and not failures_only:
        out.limitations([v for v in verdicts if v.ok and v.status is Status.LIMITATION])
    out.blank()
    out.summary_line(summary(verdicts, seconds, expected_refuted))


def _by_protocol(verdicts: list[Verdict]) -> dict[str, list[Verdict]]:
    groups: dict[str, list[Verdict]] = {}
    for v in verdicts:
        groups.setdefault(v.protocol, []).append(v)
    return groups


def _counts_text(group: list[Verdict], markup: bool) -> str:
    counts = Counter(v.status for v in group)
    parts = []
    for status in _ORDER:
        if counts[status]:
            word = f"{counts[status]} {status.value}"
            parts.append(f"[{_STYLE[status]}]{word}[/]" if markup else word)
    return " · ".join(parts)


def reproduce_commands(v: Verdict, sources: Mapping[str, str] | None = None) -> list[str]:
    """The shell commands that replay a verdict: the checker's own (its
    ``replay`` evidence) or ``qproto verify TARGET --property ID``."""
    found = list(render(v.evidence.get("replay")).values())
    if not any(c.startswith("qproto verify ") for c in found):
        target = (sources or {}).get(v.protocol, v.protocol)
        found.append(f"qproto verify {_shell_word(target)} --property {v.property}")
    return found


def _shell_word(text: str) -> str:
    import shlex

    return shlex.quote(text)


def evidence_lines(value: Any, indent: int = 0) -> list[str]:
    """A JSON-ready value as readable lines: a dict as ``key: value``, a list
    one item per line, an exact number as ``1/4 (0.25)``; never a raw dict."""
    pad = " " * indent
    exact = _exact_text(value)
    if exact is not None:
        return [pad + exact]
    if isinstance(value, dict):
        if not value:
            return [pad + "(empty)"]
        lines = []
        for k, val in value.items():
            scalar = _scalar_text(val) or _inline(val)
            if scalar is not None:
                lines.append(f"{pad}{k}: {scalar}")
            else:
                lines.append(f"{pad}{k}:")
                lines.extend(evidence_lines(val, indent + 2))
        return lines
    if _is_trace(value):
        return [pad + t for t in trace_lines(list(value))]
    if isinstance(value, (list, tuple)):
        if not value:
            return [pad + "(none)"]
        if all(_scalar_text(x) is not None for x in value) and sum(len(str(x)) for x in value) < 60:
            return [pad + ", ".join(_scalar_text(x) or "" for x in value)]
        lines = []
        for item in value:
            sub = evidence_lines(item, indent + 2)
            first = sub[0][indent + 2 :] if sub else ""
            lines.append(f"{pad}- {first}")
            lines.extend(sub[1:])
        return lines
    return [pad + (_scalar_text(value) or str(value))]


def _inline(value: Any) -> str | None:
    """A small dict or list of scalars on one line: ``m1=1, m2=0``, ``+, -``."""
    if isinstance(value, (list, tuple)) and value and all(_scalar_text(x) is not None for x in value):
        text = ", ".join(_scalar_text(x) or "" for x in value)
        return text if len(text) <= 60 else None
    if not isinstance(value, dict) or not value:
        return None
    parts = [f"{k}={_scalar_text(v)}" for k, v in value.items() if _scalar_text(v) is not None]
    text = ", ".join(parts)
    return text if len(parts) == len(value) and len(text) <= 60 else None


def _exact_text(value: Any) -> str | None:
    """``{"exact": "1/4", "value": 0.25}`` → ``1/4 (≈ 0.25)``."""
    if isinstance(value, dict) and "exact" in value and set(value) <= {"exact", "value"}:
        ex, num = value.get("exact"), value.get("value")
        if num is None or str(ex) == str(num):
            return str(ex)
        return f"{ex} (≈ {num:.6g})" if isinstance(num, float) else f"{ex} ({num})"
    return None


def _scalar_text(value: Any) -> str | None:
    if value is None:
        return "none"
    if isinstance(value, (dict, list, tuple)) and not value:
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.12g}"
    if isinstance(value, (int, str)):
        return str(value)
    return _exact_text(value)


class _Printer:
    """Writes wrapped, indented lines; rich markup only for colour."""

    def __init__(self, console: Any, width: int, caught: set[str] | frozenset[str] = frozenset()) -> None:
        self.console = console
        self.width = width
        self.caught = caught  # specs refuted as their file declares
        self.shown: set[str] = set()  # "protocol/property" printed in full (their warnings with them)
        self.name_width = 0  # protocol names are padded to this, so the counts line up

    def line(self, text: str, indent: int = 0, hang: int = 2, style: str | None = None) -> None:
        from rich.markup import escape

        first = " " * indent
        rest = " " * (indent + hang)
        # a long word (a path, a command) overflows rather than breaks: it must stay pasteable
        wrapped = textwrap.wrap(
            text, width=self.width, initial_indent=first, subsequent_indent=rest, break_long_words=False, break_on_hyphens=False
        ) or [first]
        for w in wrapped:
            self.console.print(f"[{style}]{escape(w)}[/]" if style else escape(w), soft_wrap=True)

    def blank(self) -> None:
        self.console.print()

    def protocol_line(self, name: str, group: list[Verdict]) -> None:
        from rich.markup import escape

        seconds = sum(v.seconds for v in group)
        plain = f"{name}  {_counts_text(group, markup=False)}  {seconds:.1f} s"
        mark = "" if all(v.ok for v in group) else "  ✓ refuted as expected" if name in self.caught else "  ✗ not ok"
        colour = "green" if name in self.caught else "bold red"
        counts = f"{_counts_text(group, markup=True)}  {seconds:.1f} s{f'[{colour}]{mark}[/]' if mark else ''}"
        pad = " " * max(0, self.name_width - len(name))
        if len(plain) + len(pad) + len(mark) <= self.width:
            self.console.print(f"[bold]{escape(name)}[/]{pad}  {counts}", soft_wrap=True)
        elif len(plain) + len(mark) <= self.width:
            self.console.print(f"[bold]{escape(name)}[/]  {counts}", soft_wrap=True)
        else:  # a long name takes its own line rather than being cut
            self.line(name, style="bold")
            self.console.print(f"    {counts}", soft_wrap=True)

    def verdict(self, v: Verdict, sources: Mapping[str, str]) -> None:
        from rich.markup import escape

        required = "limitation" if v.limitation else v.required
        self.shown.add(f"{v.protocol}/{v.property}")
        verdict = "ok" if v.ok else "as expected (EXPECTED_REFUTED)" if v.protocol in self.caught else "NOT OK"
        head = f"{v.protocol} / {v.property}"
        tail = f"{v.status.value} ({v.engine}; required: {required}) — {verdict}"
        style = "bold" if v.ok or v.protocol in self.caught else "bold red"
        self.line(head, style=style)
        self.console.print(f"  [{_STYLE[v.status]}]{escape(tail)}[/]", soft_wrap=True)
        if v.statement:
            self.line(f"statement: {v.statement}", indent=2, hang=4)
        ev = v.evidence
        if ev.get("summary"):
            self.line(f"evidence: {ev['summary']}", indent=2, hang=4)
        for w in ev.get("warnings", ()) or ():
            self.line(f"warning: {w}", indent=2, hang=4, style="yellow")
        trace = ev.get("trace")
        for key, val in ev.items():
            if key in _SHOWN_ELSEWHERE or (key == "counterexample" and trace):
                continue  # a state-machine counterexample is the trace, printed as a table below
            lines = evidence_lines({key: val}, indent=2)
            if len(lines) > _MAX_VALUE_LINES:
                lines = lines[:_MAX_VALUE_LINES] + [f"    … {len(lines) - _MAX_VALUE_LINES} more lines (--json has them all)"]
            for text in lines:
                depth = len(text) - len(text.lstrip(" "))
                self.line(text.strip(), indent=depth, hang=2)
        if trace:
            render_trace(v, self.console)
        for cmd in reproduce_commands(v, sources):
            self.line(f"reproduce: {cmd}", indent=2, hang=4, style="cyan")

    def limitations(self, verdicts: list[Verdict]) -> None:
        if not verdicts:
            return
        by_property: dict[str, list[str]] = {}
        for v in verdicts:
            by_property.setdefault(v.property, []).append(v.protocol)
        self.blank()
        self.line("limitations (false by design; counterexample found as the spec declares; -v shows each):", style="yellow")
        for prop, names in by_property.items():
            self.line(f"{prop}: {', '.join(names)}", indent=2, hang=4)

    def summary_line(self, s: dict[str, Any]) -> None:
        counts = ", ".join(f"{n} {k}" for k, n in s["by_status"].items())
        head = (
            f"{s['properties']} {'property' if s['properties'] == 1 else 'properties'} of "
            f"{s['protocols']} {'protocol' if s['protocols'] == 1 else 'protocols'}: {counts} in {s['seconds']} s"
        )
        if s.get("refuted_as_expected"):
            head += f"; refuted as expected: {', '.join(s['refuted_as_expected'])}"
        if s["exit_code"] == 0:
            self.line(head + " — OK", style="bold green")
        else:
            self.line(f"{head} — NOT OK ({len(s['not_ok'])}): {', '.join(s['not_ok'])}", style="bold red")
        if s["warnings"]:
            unseen = [w for w in s["warnings"] if w.split(": ", 1)[0] not in self.shown]
            self.line(f"{len(s['warnings'])} warning(s)" + (" (shown above)" if not unseen else ":"), style="yellow")
            for w in unseen:
                self.line(w, indent=2, hang=4, style="yellow")


def render_trace(v: Verdict, console: Any) -> None:
    """A state-machine counterexample: a table with one row per step when it
    fits the console, else one line per step listing what changed."""
    from rich.markup import escape
    from rich.table import Table

    trace = v.evidence["trace"]
    if not _is_trace(trace):
        return
    names = sorted({k for st in trace for k in st.get("state", {})})
    # variables that never change go into the caption, so a wide state stays readable
    fixed = [n for n in names if len({json.dumps(st.get("state", {}).get(n), default=str) for st in trace}) == 1]
    if len(names) > 8 and len(fixed) < len(names):
        names = [n for n in names if n not in fixed]
    else:
        fixed = []
    caption = ("unchanged: " + ", ".join(f"{n}={trace[0].get('state', {}).get(n)}" for n in fixed)) if fixed else None
    title = f"{v.protocol} / {v.property}: counterexample trace"
    rows = [
        [str(i), str(st.get("transition") or "(initial)"), *[str(st.get("state", {}).get(n, "")) for n in names]]
        for i, st in enumerate(trace)
    ]
    header = ["step", "transition", *names]
    needed = sum(max(len(r[c]) for r in rows + [header]) + 3 for c in range(len(header))) + 1
    width = int(getattr(console, "width", 80) or 80)
    if needed > width:  # too wide for a table: no column is ever cut, the changes go one step per line
        head = f"{title} ({len(trace) - 1} steps; each line shows what changed)"
        for w in textwrap.wrap(head, width=width, initial_indent="  ", subsequent_indent="    ", break_on_hyphens=False):
            console.print(f"[bold]{escape(w)}[/]", soft_wrap=True)
        for text in trace_lines(trace):
            for w in textwrap.wrap(
                text, width=width, initial_indent="    ", subsequent_indent="        ", break_on_hyphens=False
            ) or ["    "]:
                console.print(escape(w), soft_wrap=True)
        return
    table = Table(title=title, header_style="bold")
    table.add_column("step", justify="right")
    table.add_column("transition", no_wrap=True)
    for n in names:
        table.add_column(n)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    for w in textwrap.wrap(caption or "", width=width, initial_indent="  ", subsequent_indent="    "):
        console.print(escape(w), soft_wrap=True)


def _is_trace(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(st, dict) and "state" in st for st in value)


def trace_lines(trace: list[dict[str, Any]]) -> list[str]:
    """One line per step: the initial state in full, then the transition and
    the variables it changed (``s_phase: HOLD → SENT``)."""
    lines, previous = [], None
    for i, st in enumerate(trace):
        state = st.get("state", {}) or {}
        if previous is None:
            lines.append(f"{i}. (initial) " + ", ".join(f"{k}={_scalar_text(val) or val}" for k, val in state.items()))
        else:
            changed = [
                # an array variable has no scalar text: print the values themselves
                f"{k}: {_scalar_text(previous.get(k)) or previous.get(k)} → {_scalar_text(val) or val}"
                for k, val in state.items()
                if previous.get(k) != val
            ]
            lines.append(f"{i}. {st.get('transition') or '?'}: " + (", ".join(changed) or "(no change)"))
        previous = state
    return lines


def to_junit(verdicts: Iterable[Verdict], seconds: float) -> str:
    verdicts = rendered_all(verdicts)
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


__all__ = [
    "summary",
    "to_json",
    "text_console",
    "render_text",
    "render_trace",
    "trace_lines",
    "evidence_lines",
    "reproduce_commands",
    "to_junit",
]
