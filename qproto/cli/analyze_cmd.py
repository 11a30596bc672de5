"""``qproto analyze``: figures of one protocol under noise or an attack.

Each family's analyzer adds its own options; an option that belongs to
another family (``--segments`` on bb84) is refused, naming the option and
the families it applies to, rather than silently ignored.
"""

from __future__ import annotations

import json
from typing import Any

from qproto.analyze import analyzer_for, load
from qproto.loader import resolve
from qproto.spec.errors import ParameterError

from .common import console, print_json, validate_input

#: The largest N for ``--rounds`` (the exact abort probability sums a window
#: of about 40·√N binomial terms: 4·10^6 at this bound, a few seconds;
#: 10^12 took 70 s; docs/limits.md).
MAX_ANALYZE_ROUNDS = 10**10

#: option dest → (option string, families of the analyzer that added it)
_OWNERS: dict[str, tuple[str, tuple[str, ...]]] = {}


def register(sub) -> None:
    p = sub.add_parser("analyze", help="exact figures of a protocol under a channel or an attack")
    p.add_argument("protocol", metavar="PROTOCOL", help="catalogue name, path/to/spec.py or module:ATTR")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    for a in load():
        before = len(p._actions)
        a.add_arguments(p)
        for action in p._actions[before:]:
            _OWNERS[action.dest] = (action.option_strings[0] if action.option_strings else action.dest, a.families)
    p.set_defaults(func=run)


def check_options(args: Any, families: tuple[str, ...], spec: Any) -> None:
    """Refuse an option of another family's analyzer and an empty value."""
    for dest, (option, owners) in _OWNERS.items():
        value = getattr(args, dest, None)
        if value is None:
            continue
        if owners != families:
            raise ParameterError(
                f"{option} does not apply to {spec.name} (family {spec.family}); "
                f"it is an option of families {', '.join(owners)}: drop it"
            )
        if isinstance(value, str) and not value.strip():
            raise ParameterError(f"{option}='' is empty; give a value or drop the option")
    rounds = getattr(args, "rounds", None)
    if isinstance(rounds, int) and rounds > MAX_ANALYZE_ROUNDS:
        raise ParameterError(
            f"--rounds={rounds} is more than 10^10, the largest N for which the abort probability "
            "is computed (it sums about 40·√N binomial terms); give a smaller N"
        )


def run(args) -> int:
    spec = resolve(args.protocol)
    validate_input(spec)
    a = analyzer_for(spec)
    check_options(args, a.families, spec)
    doc = a.analyze(spec, args)
    if args.json:
        print_json(doc)
    elif a.render is not None:
        a.render(doc, console())
    else:
        console().print_json(json.dumps(doc, default=str, ensure_ascii=False))
    return 0
