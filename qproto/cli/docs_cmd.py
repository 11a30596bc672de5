"""``qproto docs --out DIR``: the catalogue reference, generated from the specs.

One page per protocol and an index, drawn by the same renderer as
``qproto verify --html`` but without verdicts: summary, parties, steps,
diagrams, every property's statement and scope, references.  Because the
pages are generated from the specs, the reference cannot drift from the
code.
"""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("docs", help="write the catalogue reference as static HTML (a page per protocol)")
    p.add_argument(
        "targets", nargs="*", metavar="PROTOCOL", help="catalogue name, path/to/spec.py or module:ATTR (default: the catalogue)"
    )
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write (new, empty, or written by qproto before)")
    p.add_argument("--flawed", action="store_true", help="also document the flawed variants")
    p.add_argument("--no-plots", action="store_true", help="leave out the QKD plots (faster)")
    p.set_defaults(func=run)


def run(args) -> int:
    from qproto.html import preflight_dir, write_reference
    from qproto.loader import resolve_targets
    from qproto.spec.catalogue import flawed, protocols

    from .common import validate_input

    preflight_dir(args.out)  # a bad folder costs nothing
    specs = list(resolve_targets(args.targets).specs) if args.targets else list(protocols())
    if args.flawed:
        specs += [s for s in flawed() if s not in specs]
    for spec in specs:
        validate_input(spec)
    names = write_reference(args.out, specs, with_plots=not args.no_plots)
    pages = sum(1 for n in names if n.endswith(".html")) - 1
    print(f"wrote {args.out}/index.html and {pages} protocol pages")
    return 0
