"""Numbers and states in vector files, and reading them back from an
implementation's answer.

A vector stores an exact value as ``{"exact": "3*sqrt(2)/10", "value":
0.424...}`` (the project-wide :func:`qproto.models.exact.exact_json` form:
``value`` is a float, or ``[re, im]`` when complex).  A state is
``{"registers": [...], "dims": [...], "ket": [value, ...], "dirac": "..."}``
(or ``"density"``: rows of values).  Floats are computed from the exact
expressions by SymPy's arbitrary-precision evaluation, never by platform
floating point, so files are byte-identical on every machine.

An implementation may answer with plain numbers, ``[re, im]`` pairs,
``{"re": .., "im": ..}``, the exact form above, or strings (``"0.5-0.5j"``,
``"sqrt(2)/2"``); :func:`to_complex` reads them all.
"""

from __future__ import annotations

import math
import sys
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from qproto.models.exact import exact_json
from qproto.models.state import State

from . import expr as grammar


def canonical(expr: Any) -> sp.Expr:
    """A concrete exact value in one canonical form (expanded, radicals out
    of denominators), so equal values print as equal strings."""
    return _canonical(sp.sympify(expr))


@lru_cache(maxsize=4096)
def _canonical(expr: sp.Expr) -> sp.Expr:
    if expr.is_Rational:
        return expr
    out = sp.expand(sp.radsimp(sp.expand(expr)))
    if out.has(sp.conjugate, sp.Abs, sp.exp):
        out = sp.expand(sp.radsimp(sp.expand_complex(out)))
    return out


def number(expr: Any) -> dict[str, Any]:
    """An exact value as ``{"exact", "value"}``; floats are refused (they
    would make the file depend on the machine)."""
    if isinstance(expr, float):
        raise TypeError(f"number({expr!r}): vectors store exact values; pass a SymPy expression or a Fraction")
    return exact_json(canonical(expr))


def state(st: State) -> dict[str, Any]:
    """An exact state as JSON (normalise it first if it should be)."""
    if not st.exact:
        raise TypeError("state(): vectors store exact states; run the model exactly")
    out: dict[str, Any] = {"registers": list(st.registers), "dims": list(st.dims)}
    if st.kind == "ket":
        out["ket"] = [number(a) for a in st.vector()]
        out["dirac"] = st.dirac()
    else:
        out["density"] = [[number(x) for x in row] for row in st.matrix()]
    return out


# -- reading an implementation's answer ---------------------------------------
def to_complex(x: Any) -> complex:
    """A number in any accepted encoding as a finite Python complex.

    Strings are read with the fixed grammar of :mod:`qproto.vectors.expr`
    (never ``eval``/``sympify``: answers and files are untrusted), so the
    work is bounded whatever arrives.

    Raises:
        ValueError: the value is not a finite number in an accepted form;
            the message says what arrived.
    """
    value = _to_complex(x, 0)
    if not (math.isfinite(value.real) and math.isfinite(value.imag)):
        raise ValueError(f"expected a finite number, got {_short(x)}")
    return value


def _to_complex(x: Any, depth: int) -> complex:
    if depth > 4:  # {"value": {"value": ...}}: a number is never nested deeply
        raise ValueError(f"expected a number, got a nested {_short(x)}")
    if isinstance(x, bool) or x is None:
        raise ValueError(f"expected a number, got {x!r}")
    if isinstance(x, (int, float)):
        try:
            return complex(x)
        except OverflowError:
            raise ValueError("expected a number in double range, got a huge integer") from None
    if isinstance(x, (list, tuple)) and len(x) == 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in x):
        return complex(_to_complex(x[0], depth + 1).real, _to_complex(x[1], depth + 1).real)
    if isinstance(x, dict):
        if "value" in x:
            return _to_complex(x["value"], depth + 1)
        if "re" in x:
            return complex(_to_complex(x["re"], depth + 1).real, _to_complex(x.get("im", 0), depth + 1).real)
        if "exact" in x:
            return _to_complex(x["exact"], depth + 1)
    if isinstance(x, str):
        try:
            return grammar.to_complex(x)
        except grammar.ExpressionError as exc:
            raise ValueError(str(exc)) from None
    raise ValueError(f"expected a number (float, [re, im], {{'exact', 'value'}} or a numeric string), got {_short(x)}")


def to_state(x: Any) -> tuple[list[str] | None, str, np.ndarray]:
    """An answered state as (registers or None, kind, complex array).

    Accepts ``{"ket": [...]}`` / ``{"density": [[...]]}`` (optionally with
    ``registers``), or a bare list of amplitudes.
    """
    regs = None
    if isinstance(x, dict):
        regs = x.get("registers")
        if regs is not None and (not isinstance(regs, list) or not all(isinstance(r, str) for r in regs)):
            raise ValueError(f"registers must be a list of names, got {_short(regs)}")
        if "ket" in x:
            return regs, "ket", np.array([to_complex(a) for a in _as_list(x["ket"], "ket")], dtype=complex)
        if "density" in x:
            rows = [[to_complex(a) for a in _as_list(row, "density row")] for row in _as_list(x["density"], "density")]
            if len({len(r) for r in rows}) > 1 or (rows and len(rows[0]) != len(rows)):
                raise ValueError("density must be a square list of rows")
            return regs, "density", np.array(rows, dtype=complex)
        raise ValueError(f"expected a state with 'ket' or 'density', got keys {sorted(x)}")
    if isinstance(x, list):
        return None, "ket", np.array([to_complex(a) for a in x], dtype=complex)
    raise ValueError(f"expected a state ({{'ket': [...]}}), got {_short(x)}")


def _as_list(x: Any, what: str) -> list:
    if not isinstance(x, list):
        raise ValueError(f"{what} must be a list, got {_short(x)}")
    return x


def _short(x: Any, limit: int = 60) -> str:
    """A clipped, escaped quotation of a value (an answer may be huge or
    hold control characters)."""
    if isinstance(x, (list, dict)) and len(x) > limit:  # repr of a huge container is wasted work
        return f"a {type(x).__name__} of {len(x)} entries"
    try:
        text = ascii(x)
    except ValueError:  # an int beyond Python's digit limit
        return f"an integer of over {sys.get_int_max_str_digits()} digits"
    return text if len(text) <= limit else text[: limit - 3] + "..."


__all__ = ["number", "state", "to_complex", "to_state"]
