"""``qproto analyze``: figures of one protocol under noise or an attack.

Each family's analyzer has a parser of its own: the protocol is found first,
its spec resolved, and the command line parsed again by the parser of that
spec's analyzer.  So two families may give one option name two meanings,
and an option that belongs to another family (``--segments`` on bb84) is
refused, naming the option and the families it applies to, rather than
silently ignored.  ``qproto analyze --help`` lists every family's options,
one group per family.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from qproto.analyzers import Analyzer, analyzer_for, load
from qproto.loader import resolve
from qproto.spec.errors import ParameterError

from .common import console, print_json, validate_input

#: The largest N for ``--rounds`` (the exact abort probability sums a window
#: of about 40·√N binomial terms: 4·10^6 at this bound, a few seconds;
#: 10^12 took 70 s; docs/limits.md).
MAX_ANALYZE_ROUNDS = 10**10

#: option dest → [(option string, families of an analyzer that added it)]
_OWNERS: dict[str, list[tuple[str, tuple[str, ...]]]] = {}

_PROTOCOL_HELP = "catalogue name, path/to/spec.py or module:ATTR"
_JSON_HELP = "one JSON document on stdout"
_COMMON = frozenset({"help", "json", "protocol"})

#: id(analyzer) → its parser (an analyzer's options are added once per process)
_PARSERS: dict[int, argparse.ArgumentParser] = {}


def register(sub) -> None:
    p = sub.add_parser("analyze", help="exact figures of a protocol under a channel or an attack")
    p.add_argument("protocol", metavar="PROTOCOL", help=_PROTOCOL_HELP)
    p.add_argument("--json", action="store_true", help=_JSON_HELP)
    p.usage = "%(prog)s [-h] [--json] PROTOCOL [FAMILY OPTIONS]"
    p.epilog = "The options after PROTOCOL are those of its family's analyzer (one group per family above)."
    p.set_defaults(func=run)
    # The options depend on the protocol, so this parser only finds it; run() parses the rest.
    p.parse_known_args = lambda args=None, namespace=None: _front(p, args, namespace)  # type: ignore[method-assign]
    p.format_help = lambda: _full_help(p)  # type: ignore[method-assign]


def family_parser(analyzer: Analyzer, prog: str = "qproto analyze") -> argparse.ArgumentParser:
    """The parser of one analyzer: PROTOCOL, ``--json`` and the options its
    ``add_arguments`` adds (for every family the analyzer serves)."""
    key = id(analyzer)
    if key not in _PARSERS:
        from . import _Parser

        p = _Parser(prog=prog, description=f"analyze a protocol of family {', '.join(analyzer.families)}")
        p.add_argument("protocol", metavar="PROTOCOL", help=_PROTOCOL_HELP)
        p.add_argument("--json", action="store_true", help=_JSON_HELP)
        before = len(p._actions)
        analyzer.add_arguments(p)
        for action in p._actions[before:]:
            option = action.option_strings[0] if action.option_strings else action.dest
            _OWNERS.setdefault(action.dest, []).append((option, analyzer.families))
        _PARSERS[key] = p
    return _PARSERS[key]


def _parsers() -> list[tuple[Analyzer, argparse.ArgumentParser]]:
    return [(a, family_parser(a)) for a in load()]


def _own_options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if a.option_strings and a.dest not in _COMMON]


def _takes_value(option: str) -> bool:
    """Whether ``option`` (or an abbreviation of it) takes a value in some
    family; used only to find PROTOCOL among the words."""
    found = [a for _, p in _parsers() for a in _own_options(p) for s in a.option_strings if s.startswith(option)]
    exact = [a for _, p in _parsers() for a in _own_options(p) if option in a.option_strings]
    return any(a.nargs != 0 for a in (exact or found))


def _front(parser: argparse.ArgumentParser, args: Any, namespace: Any) -> tuple[argparse.Namespace, list[str]]:
    """Find PROTOCOL and keep the words for :func:`run`: the first word that
    is neither an option nor the value of one."""
    words = [str(w) for w in (args or [])]
    ns = namespace if namespace is not None else argparse.Namespace()
    protocol = None
    i = 0
    while i < len(words):
        w = words[i]
        if w == "--":
            protocol = words[i + 1] if i + 1 < len(words) else None
            break
        if w in ("-h", "--help"):
            parser.print_help()
            parser.exit()
        if w.startswith("-") and w != "-":
            i += 2 if ("=" not in w and w != "--json" and _takes_value(w)) else 1
            continue
        protocol = w
        break
    if protocol is None:
        parser.error("the following arguments are required: PROTOCOL")
    ns.protocol, ns.analyze_words, ns.func = protocol, words, run
    return ns, []


def _full_help(parser: argparse.ArgumentParser) -> str:
    formatter = parser._get_formatter()
    formatter.add_usage(parser.usage, parser._actions, parser._mutually_exclusive_groups)
    formatter.add_text(parser.description)
    for group in parser._action_groups:
        formatter.start_section(group.title)
        formatter.add_text(group.description)
        formatter.add_arguments(group._group_actions)
        formatter.end_section()
    for analyzer, fp in _parsers():
        for group in fp._action_groups:
            actions = [a for a in group._group_actions if a.dest not in _COMMON]
            if not actions:
                continue
            own_group = group not in (fp._positionals, fp._optionals)
            formatter.start_section(group.title if own_group else f"families {', '.join(analyzer.families)}")
            formatter.add_text(group.description)
            formatter.add_arguments(actions)
            formatter.end_section()
    formatter.add_text(parser.epilog)
    return formatter.format_help()


def _other_family(word: str, analyzer: Analyzer) -> tuple[str, tuple[str, ...]] | None:
    """The option string and families of another analyzer's option that
    ``word`` names (exactly or by a unique abbreviation), else None."""
    name = word.split("=", 1)[0]
    hits: dict[str, tuple[str, tuple[str, ...]]] = {}
    for other, p in _parsers():
        if other is analyzer:
            continue
        for a in _own_options(p):
            if name in a.option_strings:
                return a.option_strings[0], other.families
            if any(s.startswith(name) for s in a.option_strings):
                hits[a.option_strings[0]] = (a.option_strings[0], other.families)
    return next(iter(hits.values())) if len(hits) == 1 else None


def parse_for(analyzer: Analyzer, spec: Any, words: list[str]) -> argparse.Namespace:
    """``words`` (everything after ``analyze``) parsed by the analyzer's own
    parser; an option of another family is refused by name."""
    parser = family_parser(analyzer)
    args, extras = parser.parse_known_args(words)
    for word in extras:
        if word.startswith("-") and word != "-":
            other = _other_family(word, analyzer)
            if other is not None:
                option, owners = other
                raise ParameterError(
                    f"{option} does not apply to {spec.name} (family {spec.family}); "
                    f"it is an option of families {', '.join(owners)}: drop it"
                )
    if extras:
        parser.error(f"unrecognized arguments: {' '.join(extras)}")
    return args


def check_options(args: Any, families: tuple[str, ...], spec: Any) -> None:
    """Refuse an option of another family's analyzer and an empty value."""
    for dest, owned in _OWNERS.items():
        value = getattr(args, dest, None)
        if value is None:
            continue
        mine = [option for option, owners in owned if owners == families]
        option, owners = owned[0]
        if mine:
            option = mine[0]
        else:
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
    words = getattr(args, "analyze_words", None)
    if words is not None:  # from the command line; a caller may pass a ready namespace
        args = parse_for(a, spec, words)
    check_options(args, a.families, spec)
    doc = a.analyze(spec, args)
    if args.json:
        print_json(doc)
    elif a.render is not None:
        a.render(doc, console())
    else:
        console().print_json(json.dumps(doc, default=str, ensure_ascii=False))
    return 0
