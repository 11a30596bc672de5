"""``qproto plot KIND --out PATH``: draw a figure to PNG or SVG."""

from __future__ import annotations

import io
from pathlib import Path

from qproto.plots import load
from qproto.spec.errors import ParameterError

from ..atomic import preflight, write_atomic
from .common import _argtype, bounded_int

#: A figure's resolution and size unless the user asks otherwise; the
#: limits keep a bitmap under about 100 megapixels (docs/limits.md).
DEFAULT_DPI = 150
MAX_DPI = 1200
DEFAULT_SIZE = (7.0, 4.5)
MAX_INCHES = 50.0

#: Fixed salt for the SVG element ids (matplotlib draws them from a random
#: salt by default), so the same figure gives the same bytes, as PNGs do.
SVG_HASHSALT = "qproto"


def register(sub) -> None:
    p = sub.add_parser("plot", help="draw a figure (PNG or SVG) to a path you give")
    psub = p.add_subparsers(dest="kind", metavar="KIND", parser_class=type(p))
    psub.required = True
    for kind in load().values():
        kp = psub.add_parser(kind.name, help=kind.help)
        kp.add_argument("--out", required=True, metavar="PATH", help="output file, .png or .svg")
        kp.add_argument(
            "--dpi",
            type=bounded_int("dpi", 10, MAX_DPI, "a bitmap's size grows with dpi²"),
            default=DEFAULT_DPI,
            help=f"resolution of a PNG in dots per inch (default {DEFAULT_DPI})",
        )
        kp.add_argument(
            "--size",
            type=_argtype("size", figure_size),
            default=DEFAULT_SIZE,
            metavar="WxH",
            help=f"figure size in inches, e.g. 7x4.5 (default {DEFAULT_SIZE[0]:g}x{DEFAULT_SIZE[1]:g})",
        )
        kind.add_arguments(kp)
        kp.set_defaults(func=run, plot=kind)


def run(args) -> int:
    out = Path(args.out)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise ParameterError(f"--out={args.out!r} must end in .png or .svg")
    preflight(args.out)  # before drawing: a bad path costs nothing
    write_atomic(out, render(args.plot, args, fmt))
    print(f"wrote {out}")
    return 0


def figure_size(text: str) -> tuple[float, float]:
    """``"7x4.5"`` → (7.0, 4.5) inches, each in (0, MAX_INCHES]."""
    w, sep, h = text.lower().replace("×", "x").partition("x")
    try:
        size = (float(w), float(h)) if sep else None
    except ValueError:
        size = None
    if size is None or not all(0 < v <= MAX_INCHES for v in size):
        raise ParameterError(f"size={text!r} must be WIDTHxHEIGHT in inches, each in (0, {MAX_INCHES:g}], e.g. 7x4.5")
    return size


def render(kind, args, fmt: str) -> bytes:
    """The figure's bytes, identical from run to run for the same arguments:
    fixed metadata (no date, no software version) and a fixed SVG id salt.
    Labels use matplotlib's mathtext (LaTeX-style, no TeX install needed)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    size = getattr(args, "size", None) or DEFAULT_SIZE
    dpi = getattr(args, "dpi", None) or DEFAULT_DPI
    with matplotlib.rc_context({"svg.hashsalt": SVG_HASHSALT, "mathtext.fontset": "cm"}):
        fig = Figure(figsize=size, dpi=dpi, layout="constrained")
        kind.draw(args, fig)
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=dpi, metadata={"Software": None} if fmt == "png" else {"Date": None, "Creator": None})
    return buf.getvalue()
