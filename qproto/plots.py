"""``plot``: figures written to a path the user gives (PNG or SVG).

Each plot kind registers ``(name, help, add_arguments, draw)`` where
``draw(args, fig)`` draws on a matplotlib Figure.  The CLI saves it
atomically.  Modules that register plots are listed in :data:`PLOT_MODULES`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable


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
    _PLOTS[kind.name] = kind
    return kind


def load() -> dict[str, PlotKind]:
    for mod in PLOT_MODULES:
        importlib.import_module(mod)
    return _PLOTS


__all__ = ["PlotKind", "register_plot", "load", "PLOT_MODULES"]
