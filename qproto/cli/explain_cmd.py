"""``qproto explain``: the exact step-by-step trace of a protocol."""

from __future__ import annotations

from qproto.loader import resolve

from .common import console, print_json, validate_input


def register(sub) -> None:
    p = sub.add_parser("explain", help="show a protocol step by step with its exact states")
    p.add_argument("protocol", metavar="PROTOCOL", help="catalogue name, path/to/spec.py or module:ATTR")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.set_defaults(func=run)


def run(args) -> int:
    from qproto.explain import explain, render  # SymPy: only when the command runs

    spec = resolve(args.protocol)
    validate_input(spec)
    doc = explain(spec)
    if args.json:
        print_json(doc)
    else:
        render(doc, console())
    return 0
