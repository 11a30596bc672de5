"""A circuit protocol drawn as SVG: one column per step, wires grouped by party.

Each party gets a horizontal band.  A register has a wire in the band of
whoever holds it; when it is sent, its wire crosses (a diagonal) into the
receiver's band.  Measured bits are classical wires (double lines) from the
meter onwards; a sent bit crosses bands the same way, and a classically
controlled gate hangs from its bit's wire by a double line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from qproto.spec.circuit import ApplyChannel, ApplyGate, CircuitProtocol, Controlled, Measure, Prepare, Send

from .svg import attrs, document, text

COL = 78  # width of one step's column
ROW = 40  # height of one wire
LEFT = 150  # room for party and wire labels
TOP = 34  # room for step numbers
BOX = 30  # gate box size
BAND_GAP = 18


@dataclass
class _Wire:
    party: str
    name: str
    classical: bool
    segments: list[list[float]] = field(default_factory=list)  # [x_start, x_end]; x_end None while open
    y: float = 0.0

    def open(self, x: float) -> None:
        self.segments.append([x, -1.0])

    def close(self, x: float) -> None:
        if self.segments and self.segments[-1][1] < 0:
            self.segments[-1][1] = x

    @property
    def is_open(self) -> bool:
        return bool(self.segments) and self.segments[-1][1] < 0


def _state_label(step: Prepare) -> str:
    s = step.state
    if s == "input":
        return "ψ"
    if s.startswith("bell:"):
        return {"phi+": "Φ+", "phi-": "Φ−", "psi+": "Ψ+", "psi-": "Ψ−"}.get(s[5:], s[5:])
    if s.startswith("ket:"):
        return f"|{s[4:]}⟩"
    return "amp" if s == "amplitudes" else s


def _party_order(spec: CircuitProtocol) -> list[str]:
    order = [p.name for p in spec.parties]
    for r in spec.registers:
        if r.owner not in order:
            order.append(r.owner)
    for st in spec.steps:
        for who in (st.party, getattr(st, "to", None)):
            if who and who not in order:
                order.append(who)
    return order


def _layout(spec: CircuitProtocol) -> tuple[list[str], dict[tuple[str, str, bool], _Wire]]:
    """Which wires exist: (party, name, classical) in first-use order."""
    wires: dict[tuple[str, str, bool], _Wire] = {}

    def want(party: str, name: str, classical: bool) -> None:
        wires.setdefault((party, name, classical), _Wire(party, name, classical))

    owner = {r.name: r.owner for r in spec.registers}
    for inp in spec.inputs:
        for p in [spec.input_party] if spec.input_party else _party_order(spec)[:1]:
            want(p, inp, True)
    for st in spec.steps:
        if isinstance(st, Prepare):
            for r in st.registers:
                want(owner[r], r, False)
        elif isinstance(st, Measure):
            want(st.party, st.record, True)
        elif isinstance(st, Send):
            for r in st.registers:
                owner[r] = st.to
                want(st.to, r, False)
            for rec in st.records:
                want(st.to, rec, True)
    return _party_order(spec), wires


def circuit_svg(spec: CircuitProtocol) -> str:
    """The protocol's circuit as a standalone SVG document (a string)."""
    parties, wires = _layout(spec)
    # rows: bands in party order; quantum wires first, then classical ones
    y: float = TOP + 10
    bands: list[tuple[str, float, float]] = []
    for party in parties:
        mine = [w for w in wires.values() if w.party == party]
        if not mine:
            continue
        top = y
        for w in sorted(mine, key=lambda w: w.classical):
            w.y = y + ROW / 2
            y += ROW
        bands.append((party, top, y))
        y += BAND_GAP
    height = y + 10
    width = LEFT + COL * (len(spec.steps) + 1)

    def x_of(i: int) -> float:
        return LEFT + COL * i + COL / 2

    owner = {r.name: r.owner for r in spec.registers}
    inp_party = spec.input_party or (parties[0] if parties else "")
    for inp in spec.inputs:
        wires[(inp_party, inp, True)].open(LEFT - 10)
    body: list[str] = []
    over: list[str] = []  # boxes drawn above the wires
    for i, st in enumerate(spec.steps):
        x = x_of(i)
        body.append(text(x, TOP - 14, str(i + 1), size=11, fill="#777"))
        if isinstance(st, Prepare):
            ys = []
            for r in st.registers:
                w = wires[(owner[r], r, False)]
                w.open(x)
                ys.append(w.y)
            if len(ys) > 1:
                over.append(f"<line {attrs(x1=x, y1=min(ys), x2=x, y2=max(ys), stroke='#555', stroke_width=2)}/>")
            label = _state_label(st)
            for yy in ys:
                over.append(_box(x, yy, label, fill="#eef6ee"))
        elif isinstance(st, ApplyGate):
            ws = [wires[(owner[r], r, False)] for r in st.targets]
            over.extend(_gate(x, st.gate.upper(), [w.y for w in ws], params=st.params))
        elif isinstance(st, ApplyChannel):
            for r in st.targets:
                over.append(_box(x, wires[(owner[r], r, False)].y, st.channel[:4], fill="#fff4e0", dash=True))
        elif isinstance(st, Measure):
            w = wires[(owner[st.register], st.register, False)]
            c = wires[(st.party, st.record, True)]
            c.open(x)
            over.append(_double_v(x, w.y, c.y))
            over.append(_meter(x, w.y))
            if not _used_later(spec, i, st.register):
                w.close(x)
        elif isinstance(st, Send):
            for r in st.registers:
                src = wires[(owner[r], r, False)]
                dst = wires[(st.to, r, False)]
                src.close(x - 12)
                dst.open(x + 12)
                body.append(f"<line {attrs(x1=x - 12, y1=src.y, x2=x + 12, y2=dst.y, stroke='#1f4e9b', stroke_width=2)}/>")
                owner[r] = st.to
            for rec in st.records:
                src = wires[(st.party, rec, True)]
                dst = wires[(st.to, rec, True)]
                dst.open(x + 12)
                body.append(_double_line(x - 12, src.y, x + 12, dst.y, colour="#1f4e9b"))
                if not _bit_used_later(spec, i, rec, st.party):
                    src.close(x - 12)
            label = "send → " + st.to
            body.append(text(x, height - 4, label, size=10, fill="#1f4e9b"))
        elif isinstance(st, Controlled):
            w = wires[(owner[st.targets[0]], st.targets[0], False)]
            bit = wires.get((st.party, st.when, True))
            if bit is not None:
                over.append(_double_v(x, bit.y, w.y))
                over.append(f"<circle {attrs(cx=x, cy=bit.y, r=4, fill='#333')}/>")
            over.append(_box(x, w.y, f"{st.gate.upper()}^{st.when}", fill="#fdecea", wide=True))
        else:
            # a step this drawing does not know: its action name, above the wires
            over.append(text(x, TOP - 2, st.action, size=10, fill="#a00"))
    end = width - 10
    for w in wires.values():
        w.close(end)
        for x0, x1 in w.segments:
            if x1 <= x0:
                continue
            body.insert(
                0,
                _double_line(x0, w.y, x1, w.y)
                if w.classical
                else f"<line {attrs(x1=x0, y1=w.y, x2=x1, y2=w.y, stroke='#333', stroke_width=1.5)}/>",
            )
    labels: list[str] = []
    for party, top, bottom in bands:
        labels.append(
            f"<rect {attrs(x=4, y=top, width=width - 8, height=bottom - top, rx=6, fill='#f6f8fb', stroke='#d5dbe5')}/>"
        )
        labels.append(text(12, top + 14, party, size=12, anchor="start", font_weight="bold", fill="#234"))
    for w in wires.values():
        labels.append(
            text(
                LEFT - 16,
                w.y + 4,
                w.name,
                size=12,
                anchor="end",
                fill="#555" if w.classical else "#111",
                font_style="italic" if w.classical else None,
            )
        )
    title = f"circuit of {spec.name}"
    return document(width, height, labels + body + over, title)


def _used_later(spec: CircuitProtocol, index: int, register: str) -> bool:
    for st in spec.steps[index + 1 :]:
        regs = getattr(st, "registers", ()) or getattr(st, "targets", ())
        if register in regs or getattr(st, "register", None) == register:
            return True
    return False


def _bit_used_later(spec: CircuitProtocol, index: int, bit: str, party: str) -> bool:
    for st in spec.steps[index + 1 :]:
        if st.party == party and (getattr(st, "when", None) == bit or bit in getattr(st, "records", ())):
            return True
    return False


def _box(x: float, y: float, label: str, fill: str = "#fff", dash: bool = False, wide: bool = False) -> str:
    w = BOX + (18 if wide or len(label) > 3 else 0)
    rect = attrs(
        x=x - w / 2,
        y=y - BOX / 2,
        width=w,
        height=BOX,
        rx=4,
        fill=fill,
        stroke="#333",
        stroke_width=1.2,
        stroke_dasharray="4 2" if dash else None,
    )
    if "^" in label:  # a controlled gate: G with its bit as exponent
        gate, bit = label.split("^", 1)
        sup = f"<tspan {attrs(dy=-6, font_size=9)}>{escape(bit)}</tspan>"
        return f"<rect {rect}/><text {attrs(x=x - 2, y=y + 5, font_size=13, text_anchor='middle')}>{escape(gate)}{sup}</text>"
    return f"<rect {rect}/>" + text(x, y + 4, label, size=12 if len(label) <= 4 else 10)


def _gate(x: float, gate: str, ys: list[float], params: tuple = ()) -> list[str]:
    out = []
    if gate in ("CNOT", "CX") and len(ys) == 2:
        c, t = ys
        out.append(f"<line {attrs(x1=x, y1=c, x2=x, y2=t, stroke='#333', stroke_width=1.5)}/>")
        out.append(f"<circle {attrs(cx=x, cy=c, r=5, fill='#333')}/>")
        out.append(f"<circle {attrs(cx=x, cy=t, r=10, fill='#fff', stroke='#333', stroke_width=1.5)}/>")
        out.append(f"<line {attrs(x1=x - 10, y1=t, x2=x + 10, y2=t, stroke='#333', stroke_width=1.5)}/>")
        out.append(f"<line {attrs(x1=x, y1=t - 10, x2=x, y2=t + 10, stroke='#333', stroke_width=1.5)}/>")
        return out
    if gate == "CZ" and len(ys) == 2:
        out.append(f"<line {attrs(x1=x, y1=ys[0], x2=x, y2=ys[1], stroke='#333', stroke_width=1.5)}/>")
        out.extend(f"<circle {attrs(cx=x, cy=yy, r=5, fill='#333')}/>" for yy in ys)
        return out
    if len(ys) > 1:
        out.append(f"<line {attrs(x1=x, y1=min(ys), x2=x, y2=max(ys), stroke='#333', stroke_width=1.5)}/>")
    label = gate + (f"({', '.join(map(str, params))})" if params else "")
    out.extend(_box(x, yy, label if len(label) <= 8 else gate, fill="#e8eefc") for yy in ys)
    return out


def _meter(x: float, y: float) -> str:
    rect = attrs(x=x - BOX / 2, y=y - BOX / 2, width=BOX, height=BOX, rx=4, fill="#fffbe6", stroke="#333", stroke_width=1.2)
    arc = attrs(d=f"M {x - 9:.1f} {y + 6:.1f} A 9 9 0 0 1 {x + 9:.1f} {y + 6:.1f}", fill="none", stroke="#333", stroke_width=1.2)
    needle = attrs(x1=x, y1=y + 6, x2=x + 7, y2=y - 8, stroke="#333", stroke_width=1.2)
    return f"<rect {rect}/><path {arc}/><line {needle}/>"


def _double_line(x0: float, y0: float, x1: float, y1: float, colour: str = "#555") -> str:
    # two parallel strokes: the usual notation for a classical wire
    if abs(y1 - y0) < 1e-9:
        a = attrs(x1=x0, y1=y0 - 2, x2=x1, y2=y1 - 2, stroke=colour, stroke_width=1)
        b = attrs(x1=x0, y1=y0 + 2, x2=x1, y2=y1 + 2, stroke=colour, stroke_width=1)
    else:
        a = attrs(x1=x0 - 2, y1=y0, x2=x1 - 2, y2=y1, stroke=colour, stroke_width=1)
        b = attrs(x1=x0 + 2, y1=y0, x2=x1 + 2, y2=y1, stroke=colour, stroke_width=1)
    return f"<line {a}/><line {b}/>"


def _double_v(x: float, y0: float, y1: float) -> str:
    return _double_line(x, y0, x, y1)


__all__ = ["circuit_svg"]
