"""``plot``: figures written to a path the user gives (PNG or SVG).

Each plot kind registers ``(name, help, add_arguments, draw)`` where
``draw(args, fig)`` draws on a matplotlib Figure.  The CLI saves it
atomically.  Modules that register plots are listed in :data:`PLOT_MODULES`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PlotKind:
    name: str
    help: str
    add_arguments: Callable[[Any], None]
    draw: Callable[[Any, Any], None]


_PLOTS: dict[str, PlotKind] = {}

#: Modules whose import registers plot kinds.
PLOT_MODULES: list[str] = [
    "qproto.plots_qkd",
    "qproto.plots_repeater",
    "qproto.plots_keyrate",  # after plots_qkd: its keyrate-vs-qber takes a SPEC and falls back to the formulas
]


def register_plot(kind: PlotKind) -> PlotKind:
    old = _PLOTS.get(kind.name)
    # two modules claiming one name would make the plot depend on import order
    if old is not None and old.draw.__module__ != kind.draw.__module__:
        raise ValueError(f"plot {kind.name!r} is registered by both {old.draw.__module__} and {kind.draw.__module__}")
    _PLOTS[kind.name] = kind
    return kind


def load() -> dict[str, PlotKind]:
    for mod in PLOT_MODULES:
        importlib.import_module(mod)
    return _PLOTS


__all__ = ["PlotKind", "register_plot", "load", "PLOT_MODULES"]
