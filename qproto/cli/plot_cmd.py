"""``qproto plot KIND --out PATH``: draw a figure to PNG or SVG."""

from __future__ import annotations

import io
from pathlib import Path

from qproto.plots import load
from qproto.spec.errors import ParameterError

from ..atomic import preflight, write_atomic

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


def render(kind, args, fmt: str) -> bytes:
    """The figure's bytes, identical from run to run for the same arguments:
    fixed metadata (no date, no software version) and a fixed SVG id salt."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"svg.hashsalt": SVG_HASHSALT}):
        fig = Figure(figsize=(7, 4.5), layout="constrained")
        kind.draw(args, fig)
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, metadata={"Software": None} if fmt == "png" else {"Date": None, "Creator": None})
    return buf.getvalue()
