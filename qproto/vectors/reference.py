"""The reference adapter: qproto's own models answer every vector.

Use it as ``qproto vectors check FILE --impl qproto.vectors.reference:adapter``.
It dispatches on the case's family to that family's model, which runs the
protocol from the case's inputs (not from the stored expected outputs).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qproto.spec.errors import QprotoError, VectorFileError

from .format import printable
from .registry import generator_for


def adapter(case: Mapping[str, Any]) -> dict[str, Any]:
    """Answer one case: ``{"result": "valid"|"invalid", "outputs": {...}}``.

    Every number the case holds is read with the fixed grammar of
    :mod:`qproto.vectors.expr` (never ``sympify``).  A case the models
    cannot run — a missing field, a value of the wrong type — raises
    :class:`VectorFileError` naming the defect: the case is malformed.
    """
    from qproto.models.transition import EvaluationError  # a trace that is not a state of the system

    try:
        return generator_for(str(case["family"])).answer(case)
    except QprotoError:
        raise
    except (KeyError, IndexError, TypeError, ValueError, AttributeError, ArithmeticError, EvaluationError) as exc:
        what = (
            f"missing field {printable(exc, 60)}" if isinstance(exc, KeyError) else f"{type(exc).__name__}: {printable(exc, 160)}"
        )
        raise VectorFileError(
            f"test {printable(case.get('tcId'), 20)}: the case cannot be run by qproto's models ({what})"
        ) from None


__all__ = ["adapter"]
