"""``analyze``: a protocol's figures under a channel or an attack.

Each family registers an analyzer: ``add_arguments(parser)`` adds the
family's own options to ``qproto analyze`` (they must not clash with other
families'), and ``analyze(spec, args) -> dict`` returns a JSON-ready
document (exact values as ``{"exact": "1/4", "value": 0.25}``).  Modules
that register analyzers are listed in :data:`ANALYZER_MODULES`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from qproto.spec.errors import UnknownNameError
from qproto.spec.protocol import Protocol


@dataclass(frozen=True)
class Analyzer:
    families: tuple[str, ...]
    add_arguments: Callable[[Any], None]
    analyze: Callable[[Protocol, Any], dict[str, Any]]
    render: Callable[[dict[str, Any], Any], None] | None = None


_ANALYZERS: list[Analyzer] = []

#: Modules whose import registers analyzers (one line per family).
ANALYZER_MODULES: list[str] = [
    "qproto.analyze_qkd",
    "qproto.analyze_repeater",
]


def register_analyzer(analyzer: Analyzer) -> Analyzer:
    _ANALYZERS.append(analyzer)
    return analyzer


def load() -> list[Analyzer]:
    for mod in ANALYZER_MODULES:
        importlib.import_module(mod)
    return _ANALYZERS


def analyzer_for(spec: Protocol) -> Analyzer:
    for a in load():
        if spec.family in a.families:
            return a
    known = sorted({f for a in _ANALYZERS for f in a.families})
    raise UnknownNameError(
        f"no analyzer for {spec.name} (family {spec.family!r}); analyze works on families: {', '.join(known) or 'none yet'}"
    )


__all__ = ["Analyzer", "register_analyzer", "analyzer_for", "load", "ANALYZER_MODULES"]
