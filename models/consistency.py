"""The consistency check every model goes through: its exact (SymPy) and
numeric (NumPy) forms must agree.

``assert_consistent(exact, numeric, subs)`` evaluates the exact object at
the values ``subs`` and compares it entry by entry with the numeric one.
It accepts states, gates, channels and plain arrays or SymPy expressions,
and raises ``AssertionError`` naming the first entry that differs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from .channels import KrausChannel
from .gates import Gate
from .state import State


def _to_numeric(obj: Any, subs: Mapping[Any, Any]) -> np.ndarray:
    if isinstance(obj, State):
        return obj.numeric(subs).data
    if isinstance(obj, Gate):
        obj = obj.matrix
    if isinstance(obj, KrausChannel):
        return np.array([_to_numeric(k, subs) for k in obj.kraus])
    if isinstance(obj, sp.Basic):
        return np.array(complex(sp.N(obj.subs(subs))))
    arr = np.asarray(obj.tolist() if isinstance(obj, sp.MatrixBase) else obj)
    if arr.dtype == object:
        return np.vectorize(lambda e: complex(sp.N(sp.sympify(e).subs(subs))), otypes=[complex])(arr)
    return arr.astype(complex)


def assert_consistent(exact: Any, numeric: Any, subs: Mapping[Any, Any] | None = None, atol: float = 1e-9) -> None:
    """Raise AssertionError unless ``exact`` evaluated at ``subs`` equals
    ``numeric`` within ``atol`` (absolute, entrywise)."""
    subs = dict(subs or {})
    a = _to_numeric(exact, subs)
    b = _to_numeric(numeric, {})
    if a.shape != b.shape:
        raise AssertionError(f"exact form has shape {a.shape}, numeric form {b.shape}")
    diff = np.abs(a - b)
    if diff.size and float(diff.max()) > atol:
        idx = np.unravel_index(int(np.argmax(diff)), diff.shape)
        raise AssertionError(f"exact and numeric forms differ at {idx}: {a[idx]} vs {b[idx]} (atol={atol})")


__all__ = ["assert_consistent"]
