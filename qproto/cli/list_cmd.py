"""``qproto list``: the catalogue, its families and properties;
``--families`` prints the capability matrix (what each family manifest
plugs in) without importing any family's modules."""

from __future__ import annotations

from qproto.spec.catalogue import flawed, protocols

from .common import console, print_json


def register(sub) -> None:
    p = sub.add_parser("list", help="list protocols, families and properties")
    p.add_argument("--flawed", action="store_true", help="list the flawed variants (examples of what qproto catches)")
    p.add_argument(
        "--families", action="store_true", help="list the protocol families and their capabilities (verify, explain, ...)"
    )
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.set_defaults(func=run)


def describe(spec) -> dict:
    out = {
        "name": spec.name,
        "family": spec.family,
        "version": spec.version,
        "summary": spec.summary,
        "variant_of": spec.variant_of,
        "properties": [
            {"id": p.id, "engine": p.engine, "requires": "limitation" if p.limitation else p.requires, "statement": p.statement}
            for p in spec.properties
        ],
        "references": [str(r) for r in spec.references],
    }
    if spec.flawed:
        out["flaw"] = spec.flawed
    return out


def run_families(args) -> int:
    from qproto.families import families
    from qproto.family import CAPABILITIES

    if args.json:
        print_json(
            {
                "families": [
                    {"name": f.name, "covers": list(f.covers), "description": f.description, "capabilities": f.declares()}
                    for f in families()
                ]
            }
        )
        return 0
    from rich.table import Table

    table = Table(header_style="bold")
    table.add_column("family")
    table.add_column("covers")
    for cap in CAPABILITIES:
        table.add_column(cap, justify="center")
    for f in families():
        caps = f.declares()
        table.add_row(f.name, ", ".join(f.covers), *("yes" if caps[c] else "-" for c in CAPABILITIES))
    console().print(table)
    return 0


def run(args) -> int:
    if args.families:
        if args.flawed:
            from qproto.spec.errors import ParameterError

            raise ParameterError("--families and --flawed list different things; give one of them")
        return run_families(args)
    specs = flawed() if args.flawed else protocols()
    if args.json:
        print_json({"protocols": [describe(s) for s in specs]})
        return 0
    from rich.table import Table

    table = Table(header_style="bold")
    table.add_column("protocol")
    table.add_column("family")
    table.add_column("flaw" if args.flawed else "properties", overflow="fold")
    for s in specs:
        detail = s.flawed if args.flawed else ", ".join(f"{p.id} ({p.engine})" for p in s.properties)
        table.add_row(s.name, s.family, detail or "")
    console().print(table)
    return 0
