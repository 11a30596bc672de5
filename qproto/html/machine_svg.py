"""A transition system drawn as a state machine (SVG, and DOT for Graphviz).

A spec's full state can hold counters, flags and arrays, so its graph is
drawn over its *control* variables: the interpreter
(:mod:`qproto.models.transition`) explores every reachable state, and each
state is projected onto a few variables — enumerations first, then
booleans and small counters — chosen greedily while the picture stays
readable (at most :data:`MAX_NODES` boxes and :data:`MAX_VARS` lines in a
box; a variable that splits no box is left out).  An arrow A → B labelled t
means: some reachable state projecting to A moves by transition t to one
projecting to B.  So the drawing is exact about reachable moves and silent
about the variables left out, which the page lists.

Layout: layers by breadth-first distance from the initial states (top to
bottom), ordered inside a layer by the mean position of their predecessors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from qproto.spec.errors import QprotoError
from qproto.spec.transition import TransitionSystem

from .svg import attrs, document, text

MAX_NODES = 24
MAX_VARS = 4
MAX_STATES = 20_000
SMALL_INT = 4  # an integer variable with at most this many values may be a control variable


@dataclass
class Machine:
    """The projected state graph of a transition system."""

    name: str
    variables: list[str]  # the control variables, in label order
    hidden: list[str]  # the variables the projection leaves out
    nodes: list[tuple[Any, ...]]
    initial: set[tuple[Any, ...]]
    terminal: set[tuple[Any, ...]]  # some state projecting here has no move
    edges: dict[tuple[tuple[Any, ...], tuple[Any, ...]], list[str]] = field(default_factory=dict)
    complete: bool = True  # False when exploration stopped at MAX_STATES
    states: int = 0

    def label(self, node: tuple[Any, ...]) -> list[str]:
        return [f"{n} = {_show(v)}" for n, v in zip(self.variables, node)]


def _show(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


class NotDrawable(QprotoError):
    """The state graph cannot be enumerated (a real variable, too many initial states)."""


def explore(spec: TransitionSystem) -> tuple[list[dict[str, Any]], list[tuple[int, str, int]], set[int], bool]:
    """Reachable states, edges (source, transition, target) and the indices
    of initial states, breadth first; the flag says the space was exhausted."""
    from qproto.models import transition as interp

    names = [v.name for v in spec.variables]
    try:
        inits = interp.initial_states(spec)
    except QprotoError as exc:
        raise NotDrawable(str(exc)) from None
    index: dict[tuple, int] = {}
    states: list[dict[str, Any]] = []

    def key_of(s: dict[str, Any]) -> int:
        k = tuple(s[n] for n in names)
        if k not in index:
            index[k] = len(states)
            states.append(s)
        return index[k]

    initial = {key_of(s) for s in inits}
    edges: list[tuple[int, str, int]] = []
    frontier = sorted(initial)
    seen = set(initial)
    while frontier:
        nxt: list[int] = []
        for i in frontier:
            for tname, _choice, succ in interp.successors(spec, states[i]):
                j = key_of(succ)
                edges.append((i, tname, j))
                if j not in seen:
                    seen.add(j)
                    nxt.append(j)
            if len(states) > MAX_STATES:
                return states, edges, initial, False
        frontier = nxt
    return states, edges, initial, True


def _candidates(spec: TransitionSystem, states: list[dict[str, Any]]) -> list[str]:
    order = {"enum": 0, "bool": 1, "int": 2}
    out = []
    for v in spec.variables:
        if v.size is not None or v.type.kind not in order:
            continue
        if v.type.kind == "int" and v.type.high - v.type.low + 1 > SMALL_INT:
            continue
        if len({s[v.name] for s in states}) < 2:
            continue  # never changes: nothing to draw
        out.append((order[v.type.kind], v.name))
    return [n for _, n in sorted(out, key=lambda t: t[0])]


def machine(spec: TransitionSystem) -> Machine:
    """The projected state graph (raises :class:`NotDrawable`)."""
    states, edges, initial, complete = explore(spec)
    chosen: list[str] = []
    count = 1
    for name in _candidates(spec, states):
        if len(chosen) == MAX_VARS:
            break
        trial = chosen + [name]
        n = len({tuple(s[n] for n in trial) for s in states})
        # a variable that splits no box is a function of those chosen: it adds lines, not information
        if count < n <= MAX_NODES:
            chosen, count = trial, n
    if not chosen:
        raise NotDrawable("no enumeration, flag or small counter changes along a run")

    def proj(i: int) -> tuple[Any, ...]:
        return tuple(states[i][n] for n in chosen)

    has_move = {s for s, _, _ in edges}
    m = Machine(
        name=spec.name,
        variables=chosen,
        hidden=[v.name for v in spec.variables if v.name not in chosen],
        nodes=[],
        initial={proj(i) for i in initial},
        terminal={proj(i) for i in range(len(states)) if i not in has_move},
        complete=complete,
        states=len(states),
    )
    order: dict[tuple, None] = {}
    for i in sorted(initial):
        order.setdefault(proj(i))
    for s, t, d in edges:
        order.setdefault(proj(s))
        order.setdefault(proj(d))
        labels = m.edges.setdefault((proj(s), proj(d)), [])
        if t not in labels:
            labels.append(t)
    for i in range(len(states)):
        order.setdefault(proj(i))
    m.nodes = list(order)
    return m


# ---------------------------------------------------------------------------
# layout and drawing

CHAR = 7.0  # approximate width of one 11px character
LINE = 15
LAYER_GAP = 56  # vertical room between layers, for the arrows and their labels
NODE_GAP = 40
MARGIN = 20
LANE = 22  # horizontal room per backward edge
LOOP_ROOM = 150  # room left of the boxes for self-loop labels
BEND = 10


def _layers(m: Machine) -> list[list[tuple]]:
    dist: dict[tuple, int] = {n: 0 for n in m.nodes if n in m.initial}
    frontier = list(dist)
    succ: dict[tuple, list[tuple]] = {}
    for a, b in m.edges:
        succ.setdefault(a, []).append(b)
    while frontier:
        nxt = []
        for a in frontier:
            for b in succ.get(a, []):
                if b not in dist:
                    dist[b] = dist[a] + 1
                    nxt.append(b)
        frontier = nxt
    deepest = max(dist.values(), default=0)
    for n in m.nodes:
        dist.setdefault(n, deepest + 1)
    layers: list[list[tuple]] = [[] for _ in range(max(dist.values()) + 1)]
    for n in m.nodes:
        layers[dist[n]].append(n)
    # order each layer by the mean position of its predecessors (one sweep)
    pos: dict[tuple, float] = {}
    for layer in layers:

        def bary(n: tuple) -> float:
            ps = [pos[a] for (a, b) in m.edges if b == n and a in pos]
            return sum(ps) / len(ps) if ps else math.inf

        layer.sort(key=bary)
        for k, n in enumerate(layer):
            pos[n] = k
    return [layer for layer in layers if layer]


def machine_svg(m: Machine) -> str:
    """The machine as a standalone SVG document, drawn top to bottom."""
    layers = _layers(m)
    size: dict[tuple, tuple[float, float]] = {}
    for n in m.nodes:
        lines = m.label(n)
        size[n] = (max(len(s) for s in lines) * CHAR + 20, len(lines) * LINE + 14)
    layer_of = {n: k for k, layer in enumerate(layers) for n in layer}
    back = [(a, b) for (a, b) in m.edges if a != b and layer_of[b] <= layer_of[a]]
    loops = any(a == b for (a, b) in m.edges)
    rows_w = [sum(size[n][0] for n in layer) + NODE_GAP * (len(layer) - 1) for layer in layers]
    left = MARGIN + (LOOP_ROOM if loops else 0)
    content = max(rows_w)
    centre: dict[tuple, tuple[float, float]] = {}
    y: float = MARGIN
    for layer, w in zip(layers, rows_w):
        h = max(size[n][1] for n in layer)
        x = left + (content - w) / 2
        for n in layer:
            centre[n] = (x + size[n][0] / 2, y + h / 2)
            x += size[n][0] + NODE_GAP
        y += h + LAYER_GAP
    stacked = max((sum(1 for (s, _) in back if s == a) for (a, _) in back), default=0)
    height = y - LAYER_GAP + MARGIN + 24 + 14 * stacked  # room for labels stacked below the last box
    lane0 = left + content + 30
    width = lane0 + LANE * len(back) + MARGIN + 40
    body: list[str] = []
    labels: list[str] = []
    for (a, b), names in m.edges.items():
        label = ", ".join(names)
        if a == b:
            body.append(_self_loop(centre[a], size[a]))
            labels.append(_edge_label(centre[a][0] - size[a][0] / 2 - 34, centre[a][1] - 20, label, anchor="end"))
            continue
        if (a, b) in back:
            # a move back to an earlier layer runs in its own lane right of every box
            lane = lane0 + LANE * back.index((a, b))
            x0, y0 = centre[a][0] + size[a][0] / 2, centre[a][1] + 6
            x1, y1 = centre[b][0] + size[b][0] / 2, centre[b][1] - 6
            d = f"M {x0:.1f} {y0:.1f} C {lane:.1f} {y0:.1f} {lane:.1f} {y1:.1f} {x1:.1f} {y1:.1f}"
            body.append(f"<path {attrs(d=d, fill='none', stroke='#7a4a9b', stroke_width=1.2, marker_end='url(#arrow)')}/>")
            # labelled where it leaves its box: lanes are too close for labels between them
            k = sum(1 for (s, _) in back[: back.index((a, b))] if s == a)
            labels.append(_edge_label(x0 + 6, y0 + 14 + 14 * k, label, anchor="start"))
            continue
        p0 = _boundary(centre[a], size[a], centre[b])
        p1 = _boundary(centre[b], size[b], centre[a])
        # bend each edge a little so that parallel moves stay apart
        dx, dy = p1[0] - p0[0], p1[1] - p0[1]
        length = math.hypot(dx, dy) or 1.0
        cx, cy = (p0[0] + p1[0]) / 2 - dy / length * BEND, (p0[1] + p1[1]) / 2 + dx / length * BEND
        path = attrs(
            d=f"M {p0[0]:.1f} {p0[1]:.1f} Q {cx:.1f} {cy:.1f} {p1[0]:.1f} {p1[1]:.1f}",
            fill="none",
            stroke="#333",
            stroke_width=1.2,
            marker_end="url(#arrow)",
        )
        body.append(f"<path {path}/>")
        mx, my = 0.25 * p0[0] + 0.5 * cx + 0.25 * p1[0], 0.25 * p0[1] + 0.5 * cy + 0.25 * p1[1]
        labels.append(_edge_label(mx, my, label))
    nodes: list[str] = []
    for n in m.nodes:
        (cx, cy), (w, h) = centre[n], size[n]
        fill = "#e8f3e8" if n in m.initial else ("#fdecea" if n in m.terminal else "#f6f8fb")
        nodes.append(
            f"<rect {attrs(x=cx - w / 2, y=cy - h / 2, width=w, height=h, rx=8, fill=fill, stroke='#345', stroke_width=2.2 if n in m.initial else 1.2)}/>"
        )
        for k, line in enumerate(m.label(n)):
            nodes.append(text(cx, cy - h / 2 + 7 + LINE * (k + 1) - 3, line, size=11))
    legend = text(
        MARGIN,
        height - 10,
        "green: initial · red: some state here has no enabled move (end of a run) · purple: a move back to an earlier layer",
        size=11,
        anchor="start",
        fill="#555",
    )
    return document(max(width, 560), height, body + nodes + labels + [legend], f"state machine of {m.name}")


def _boundary(c: tuple[float, float], s: tuple[float, float], toward: tuple[float, float]) -> tuple[float, float]:
    """Where the segment from a box's centre toward a point leaves the box."""
    dx, dy = toward[0] - c[0], toward[1] - c[1]
    if dx == 0 and dy == 0:
        return c
    tx = (s[0] / 2) / abs(dx) if dx else math.inf
    ty = (s[1] / 2) / abs(dy) if dy else math.inf
    t = min(tx, ty)
    return c[0] + dx * t, c[1] + dy * t


def _self_loop(c: tuple[float, float], s: tuple[float, float]) -> str:
    side, y = c[0] - s[0] / 2, c[1]
    d = f"M {side:.1f} {y - 10:.1f} C {side - 40:.1f} {y - 30:.1f} {side - 40:.1f} {y + 30:.1f} {side:.1f} {y + 10:.1f}"
    return f"<path {attrs(d=d, fill='none', stroke='#333', stroke_width=1.2, marker_end='url(#arrow)')}/>"


def _edge_label(x: float, y: float, label: str, anchor: str = "middle") -> str:
    w = len(label) * 6.2 + 8
    x0 = {"middle": x - w / 2, "end": x - w + 4, "start": x - 4}[anchor]
    box = attrs(x=x0, y=y - 9, width=w, height=14, rx=3, fill="#ffffff", fill_opacity=0.85)
    return f"<rect {box}/>" + text(x, y + 2, label, size=10, fill="#1f4e9b", anchor=anchor)


def machine_dot(m: Machine) -> str:
    """The same graph in Graphviz DOT (``dot -Tsvg file.dot``)."""

    def q(*lines: str) -> str:
        return '"' + "\\n".join(s.replace("\\", "\\\\").replace('"', '\\"') for s in lines) + '"'

    ids = {n: f"s{i}" for i, n in enumerate(m.nodes)}
    out = [
        f"// state machine of {m.name}: reachable states projected onto {', '.join(m.variables)}",
        f"digraph {q(m.name)} {{",
        "  rankdir=TB;",
        '  node [shape=box, style="rounded,filled", fillcolor="#f6f8fb"];',
    ]
    for n in m.nodes:
        extra = ', fillcolor="#e8f3e8", penwidth=2' if n in m.initial else (', fillcolor="#fdecea"' if n in m.terminal else "")
        out.append(f"  {ids[n]} [label={q(*m.label(n))}{extra}];")
    for (a, b), names in m.edges.items():
        out.append(f"  {ids[a]} -> {ids[b]} [label={q(', '.join(names))}];")
    out.append("}")
    return "\n".join(out) + "\n"


__all__ = ["Machine", "machine", "machine_svg", "machine_dot", "NotDrawable", "explore"]
