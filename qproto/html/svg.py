"""Small helpers for writing SVG by hand: escaped text, attributes, arrows.

Every diagram is plain SVG 1.1 with inline styles (no fonts to fetch, no
script), so a page opens offline and the file parses as XML.
"""

from __future__ import annotations

from html import escape
from typing import Any

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "font-family:DejaVu Sans,Helvetica,Arial,sans-serif"


def attrs(**kw: Any) -> str:
    """``key="value"`` pairs, escaped; ``class_`` becomes ``class`` and
    ``stroke_width`` becomes ``stroke-width``."""
    out = []
    for key, value in kw.items():
        if value is None:
            continue
        name = key.rstrip("_").replace("_", "-")
        if isinstance(value, float):
            value = f"{value:.1f}"
        out.append(f'{name}="{escape(str(value), quote=True)}"')
    return " ".join(out)


def text(x: float, y: float, body: str, size: int = 12, anchor: str = "middle", **kw: Any) -> str:
    return f"<text {attrs(x=x, y=y, font_size=size, text_anchor=anchor, **kw)}>{escape(body)}</text>"


def document(width: float, height: float, body: list[str], title: str) -> str:
    """A standalone SVG element (also valid inline in HTML5)."""
    head = (
        f'<svg xmlns="{SVG_NS}" {attrs(width=int(width), height=int(height), viewBox=f"0 0 {int(width)} {int(height)}")} '
        f'role="img" style="{FONT}">'
    )
    defs = (
        "<defs>"
        '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M 0 0 L 10 5 L 0 10 z" fill="#333"/></marker>'
        "</defs>"
    )
    return head + f"<title>{escape(title)}</title>" + defs + "".join(body) + "</svg>"


__all__ = ["attrs", "text", "document", "SVG_NS"]
