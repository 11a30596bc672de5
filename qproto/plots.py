"""``plot``: figures written to a path the user gives (PNG or SVG).

Each plot kind registers ``(name, help, add_arguments, draw)`` where
``draw(args, fig)`` draws on a matplotlib Figure.  The CLI saves it
atomically.  Modules that register plots are the ``plots`` of the family
manifests (:mod:`qproto.families`); :data:`PLOT_MODULES` is their derived
list, in manifest order (``plots_keyrate`` after ``plots_qkd``: its
keyrate-vs-qber takes a SPEC and falls back to the formulas).
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


def register_plot(kind: PlotKind) -> PlotKind:
    old = _PLOTS.get(kind.name)
    # two modules claiming one name would make the plot depend on import order
    if old is not None and old.draw.__module__ != kind.draw.__module__:
        raise ValueError(f"plot {kind.name!r} is registered by both {old.draw.__module__} and {kind.draw.__module__}")
    _PLOTS[kind.name] = kind
    return kind


def load() -> dict[str, PlotKind]:
    from qproto.families import modules_for

    for mod in modules_for("plots"):
        importlib.import_module(mod)
    return _PLOTS


def __getattr__(name: str) -> Any:
    if name == "PLOT_MODULES":  # was a hand-kept list; now derived from the family manifests
        from qproto.families import modules_for

        return list(modules_for("plots"))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["PlotKind", "register_plot", "load", "PLOT_MODULES"]  # noqa: F822 (derived in the module __getattr__)
