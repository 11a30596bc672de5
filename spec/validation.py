"""Checks of user-supplied numbers: a value in range, or one line of
:class:`~qproto.spec.errors.ParameterError` naming the field and the range.

bool is refused even though it is an int (``True`` is never a count or a
probability a user meant); any :class:`numbers.Real` is accepted, so
``Fraction(1, 4)`` works wherever ``0.25`` does.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from .errors import ParameterError


def check_real(name: str, value: Any, low: float, high: float, *, open_low: bool = False, open_high: bool = False) -> float:
    """``value`` as a float in [low, high] (or the half-open / open interval
    the flags say); NaN is refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterError(f"{name}={value!r} must be a real number (got {type(value).__name__})")
    x = float(value)
    ok_low = x > low if open_low else x >= low
    ok_high = x < high if open_high else x <= high
    if math.isnan(x) or not (ok_low and ok_high):
        interval = f"{'(' if open_low else '['}{low:g}, {high:g}{')' if open_high else ']'}"
        raise ParameterError(f"{name}={value!r} must lie in {interval}")
    return x


def check_count(name: str, value: Any, low: int = 1) -> int:
    """``value`` as an int ≥ ``low``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ParameterError(f"{name}={value!r} must be an integer ≥ {low} (got {type(value).__name__})")
    if int(value) < low:
        raise ParameterError(f"{name}={value!r} must be an integer ≥ {low}")
    return int(value)


__all__ = ["check_real", "check_count"]
