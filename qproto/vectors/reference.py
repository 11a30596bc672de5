"""The reference adapter: qproto's own models answer every vector.

Use it as ``qproto vectors check FILE --impl qproto.vectors.reference:adapter``.
It dispatches on the case's family to that family's model, which runs the
protocol from the case's inputs (not from the stored expected outputs).
"""

from __future__ import annotations

from typing import Any, Mapping

from .registry import generator_for


def adapter(case: Mapping[str, Any]) -> dict[str, Any]:
    """Answer one case: ``{"result": "valid"|"invalid", "outputs": {...}}``."""
    return generator_for(str(case["family"])).answer(case)


__all__ = ["adapter"]
