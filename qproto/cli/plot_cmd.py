"""``qproto plot KIND --out PATH``: draw a figure to PNG or SVG."""

from __future__ import annotations

import io
from pathlib import Path

from qproto.plots import load
from qproto.spec.errors import ParameterError

from ..atomic import write_atomic


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
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4.5), layout="constrained")
    args.plot.draw(args, fig)
    buf = io.BytesIO()
    # fixed metadata so the same figure gives the same bytes
    fig.savefig(buf, format=fmt, metadata={"Software": None} if fmt == "png" else {"Date": None, "Creator": None})
    write_atomic(out, buf.getvalue())
    print(f"wrote {out}")
    return 0
