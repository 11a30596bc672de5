"""``qproto analyze``: figures of one protocol under noise or an attack."""

from __future__ import annotations

import json

from qproto.analyze import analyzer_for, load
from qproto.loader import resolve
from qproto.proofs.runner import validate

from .common import console, print_json


def register(sub) -> None:
    p = sub.add_parser("analyze", help="exact figures of a protocol under a channel or an attack")
    p.add_argument("protocol", metavar="PROTOCOL", help="catalogue name, path/to/spec.py or module:ATTR")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    for a in load():
        a.add_arguments(p)
    p.set_defaults(func=run)


def run(args) -> int:
    spec = resolve(args.protocol)
    validate(spec)
    a = analyzer_for(spec)
    doc = a.analyze(spec, args)
    if args.json:
        print_json(doc)
    elif a.render is not None:
        a.render(doc, console())
    else:
        console().print_json(json.dumps(doc, default=str, ensure_ascii=False))
    return 0
