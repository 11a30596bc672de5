"""``qproto.analyze(spec, **options)``: the figures of ``qproto analyze`` from Python.

One call returns the document ``qproto analyze PROTOCOL [OPTIONS] --json``
prints, as plain JSON data (dicts, lists, strings, numbers, None).  The
options are those of the spec's family, named as the command line names
them with ``_`` for ``-`` (``attack``, ``noise``, ``rounds`` for QKD;
``segments``, ``fidelity``, … for repeaters); they are read by the same
parser as the command line, so a value means the same in both and a typo
is refused with a suggestion.  For the typed QKD figures behind the
document, see :func:`qproto.models.qkd_report.qkd_report`.

>>> import qproto.analyze_api as api
>>> doc = api.analyze("bb84", attack="intercept-resend:fraction=1")
>>> doc["qber"]["exact"], doc["estimation"]["accepted_asymptotically"]
('1/4', False)
>>> api.analyze("bb84", atack="intercept-resend")
Traceback (most recent call last):
...
qproto.spec.errors.ParameterError: unknown option atack='intercept-resend'; did you mean 'attack'?
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from qproto.spec.errors import ParameterError


def _option_words(parser: Any, options: Mapping[str, Any]) -> list[str]:
    """The command-line words for ``options`` (dest → value) of ``parser``."""
    words = []
    by_dest = {a.dest: a for a in parser._actions if a.option_strings}
    for key, value in options.items():
        action = by_dest[key]
        flag = action.option_strings[-1] if action.option_strings[-1].startswith("--") else action.option_strings[0]
        if action.nargs == 0:  # a switch: present when true
            if value:
                words.append(flag)
            continue
        if value is None:
            continue
        words.append(f"{flag}={value}")
    return words


def analyze(spec: Any, **options: Any) -> dict[str, Any]:
    """The ``qproto analyze … --json`` document of ``spec`` (a catalogue
    name, ``path/to/spec.py``, ``module:ATTR`` or a Protocol) under
    ``options``.  Bad input raises a :class:`~qproto.spec.errors.QprotoError`
    with the command line's one-line message."""
    from qproto import _did_you_mean
    from qproto.analyzers import analyzer_for, load
    from qproto.cli.analyze_cmd import check_options, family_parser, parse_for
    from qproto.cli.common import validate_input
    from qproto.loader import resolve
    from qproto.spec.protocol import Protocol

    if isinstance(spec, str):
        target = resolve(spec)
    elif isinstance(spec, Protocol):
        target = spec
    else:
        raise ParameterError(f"spec={spec!r} must be a Protocol or a name (str), got {type(spec).__name__}")
    validate_input(target)
    known: dict[str, Any] = {}  # every family's option dest → one parser that has it
    for a in load():
        p = family_parser(a)
        for action in p._actions:
            if action.option_strings and action.dest not in ("help", "json"):
                known.setdefault(action.dest, p)
    for key in options:
        if key not in known:
            raise ParameterError(f"unknown option {key}={options[key]!r}{_did_you_mean(key, sorted(known))}")
    analyzer = analyzer_for(target)
    mine = {a.dest for a in family_parser(analyzer)._actions if a.option_strings}
    foreign = {k: v for k, v in options.items() if k not in mine and v is not None}
    if foreign:
        # the command line's message for an option of another family
        key = next(iter(foreign))
        parse_for(analyzer, target, [target.name, *_option_words(known[key], {key: foreign[key]})])
    words = _option_words(family_parser(analyzer), {k: v for k, v in options.items() if k in mine})
    args = parse_for(analyzer, target, [target.name, *words])
    check_options(args, analyzer.families, target)
    doc = analyzer.analyze(target, args)
    # through JSON once, as the command line prints it: plain data, nothing SymPy
    return json.loads(json.dumps(doc, ensure_ascii=False, default=str))


__all__ = ["analyze"]
