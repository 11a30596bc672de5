"""``analyze``: a protocol's figures under a channel or an attack.

Each family registers an analyzer: ``add_arguments(parser)`` adds the
family's own options to ``qproto analyze`` (they must not clash with other
families'), and ``analyze(spec, args) -> dict`` returns a JSON-ready
document (exact values as ``{"exact": "1/4", "value": 0.25}``).  Modules
that register analyzers are the ``analyzers`` of the family manifests
(:mod:`qproto.families`); :data:`ANALYZER_MODULES` is their derived list.
``qproto analyze`` gives each analyzer a parser of its own
(``qproto/cli/analyze_cmd.py``), so two families may use one option name.
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


def register_analyzer(analyzer: Analyzer) -> Analyzer:
    _ANALYZERS.append(analyzer)
    return analyzer


def load() -> list[Analyzer]:
    from qproto.families import modules_for

    for mod in modules_for("analyzers"):
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


def __getattr__(name: str) -> Any:
    if name == "ANALYZER_MODULES":  # was a hand-kept list; now derived from the family manifests
        from qproto.families import modules_for

        return list(modules_for("analyzers"))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Analyzer", "register_analyzer", "analyzer_for", "load", "ANALYZER_MODULES"]  # noqa: F822 (derived in the module __getattr__)
