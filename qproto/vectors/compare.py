"""Comparing an implementation's answer with a vector's expected outputs.

The comparison is driven by the expected value's shape, so it is the same
for every family:

- a state (``{"ket": ...}`` or ``{"density": ...}``) is compared as a
  *physical* state: kets up to a global phase (the phase-aligned distance
  min_φ ‖e − e^{iφ} g‖ = √(‖e‖² + ‖g‖² − 2|⟨e|g⟩|)), density matrices by
  the Frobenius norm of the difference — never by raw vector equality;
- an exact value (``{"exact", "value"}``) or a float is compared as a
  number within the tolerance the vector's group states;
- an integer, a boolean and a string (bit strings included) must be equal;
- lists element by element, objects key by key (extra keys in the answer
  are ignored).

:func:`first_difference` returns the path of the first field that differs
(``outputs.siftedKeyBob``) and why, or None.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from qproto.spec.errors import InternalSignal

from .values import _short, to_complex, to_state


class Mismatch(InternalSignal):
    """The first differing field: ``field`` (a path) and ``reason``.  Raised
    to unwind the recursive comparison and caught by :func:`first_difference`,
    which returns it as a value: a verdict on the implementation under test,
    not an error of qproto or of its user."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def is_state(x: Any) -> bool:
    return isinstance(x, dict) and ("ket" in x or "density" in x) and "registers" in x


def is_number(x: Any) -> bool:
    return isinstance(x, float) or (isinstance(x, dict) and "exact" in x and "value" in x)


def first_difference(
    expected: Any, got: Any, tolerance: float, path: str = "outputs", order: Sequence[str] = ()
) -> Mismatch | None:
    """The first field where ``got`` differs from ``expected``, or None.

    ``order`` lists top-level keys in the order the protocol produces them
    (so that a missing sifting step is named before the QBER it corrupts);
    other keys follow alphabetically.
    """
    try:
        _compare(expected, got, tolerance, path, order)
    except Mismatch as m:
        return m
    return None


def _compare(e: Any, g: Any, tol: float, path: str, order: Sequence[str] = ()) -> None:
    if is_state(e):
        _compare_state(e, g, tol, path)
    elif is_number(e):
        ev = to_complex(e)
        try:
            gv = to_complex(g)
        except ValueError as exc:
            raise Mismatch(path, str(exc)) from None
        if not abs(ev - gv) <= tol:
            raise Mismatch(path, f"expected {_fmt(ev)}, got {_fmt(gv)} (tolerance {tol:g})")
    elif isinstance(e, bool):
        if not isinstance(g, bool) or g != e:
            raise Mismatch(path, f"expected {_short(e)}, got {_short(g)}")
    elif isinstance(e, int):
        if isinstance(g, bool) or not isinstance(g, (int, float)) or g != e:
            raise Mismatch(path, f"expected {e}, got {_short(g)}")
    elif isinstance(e, str):
        if not isinstance(g, str):
            raise Mismatch(path, f"expected the string {_short(e)}, got {_short(g)}")
        if g != e:
            raise Mismatch(path, _string_difference(e, g))
    elif e is None:
        if g is not None:
            raise Mismatch(path, f"expected null, got {_short(g)}")
    elif isinstance(e, list):
        if not isinstance(g, list):
            raise Mismatch(path, f"expected a list of {len(e)}, got {_short(g)}")
        if len(g) != len(e):
            raise Mismatch(path, f"expected {len(e)} entries, got {len(g)}")
        for i, (a, b) in enumerate(zip(e, g)):
            _compare(a, b, tol, f"{path}[{i}]")
    elif isinstance(e, dict):
        if not isinstance(g, dict):
            raise Mismatch(path, f"expected an object with {sorted(e)}, got {_short(g)}")
        rank = {k: i for i, k in enumerate(order)}
        for key in sorted(e, key=lambda k: (rank.get(k, len(rank)), k)):
            if key not in g:
                raise Mismatch(f"{path}.{key}", "missing from the answer")
            _compare(e[key], g[key], tol, f"{path}.{key}")
    else:  # pragma: no cover - the schema admits only JSON values
        raise Mismatch(path, f"cannot compare expected value {_short(e)}")


def _compare_state(e: dict, g: Any, tol: float, path: str) -> None:
    _, ekind, ev = to_state(e)
    eregs = list(e["registers"])
    dims = [int(d) for d in e.get("dims", [2] * len(eregs))]
    size = int(np.prod(dims)) if dims else 1
    entries = g.get("ket", g.get("density")) if isinstance(g, dict) else g
    if isinstance(entries, list) and len(entries) > size:  # refuse before converting a huge answer
        raise Mismatch(path, f"expected a state of dimension {size}, got {len(entries)} entries")
    try:
        gregs, gkind, gv = to_state(g)
    except ValueError as exc:
        raise Mismatch(path, str(exc)) from None
    want = size if gkind == "ket" else size * size
    if gv.size != want:
        raise Mismatch(path, f"expected a {gkind} with {want} entries on registers {eregs}, got {gv.size}")
    if gregs is not None and gregs != eregs:
        if sorted(gregs) != sorted(eregs):
            raise Mismatch(path, f"expected registers {eregs}, got {gregs}")
        gv = _reorder(gv, gkind, gregs, eregs, dict(zip(eregs, dims)))
    if ekind == "ket" and gkind == "ket":
        n_e, n_g = float(np.vdot(ev, ev).real), float(np.vdot(gv, gv).real)
        if abs(n_g - n_e) > tol:
            raise Mismatch(path, f"norm² {n_g:.12g} but expected {n_e:.12g} (tolerance {tol:g})")
        inner = np.vdot(gv, ev)  # ⟨g|e⟩: rotate g onto e's phase, then measure the gap
        phase = inner / abs(inner) if abs(inner) > 0 else 1.0
        dist = float(np.linalg.norm(ev - phase * gv))
        overlap = abs(inner)
        if dist > tol:
            raise Mismatch(
                path,
                f"a different physical state: distance up to global phase {dist:.3g} > tolerance {tol:g} "
                f"(fidelity {overlap**2 / (n_e * n_g) if n_e * n_g else 0:.6g})",
            )
        return
    rho_e = np.outer(ev, ev.conj()) if ekind == "ket" else ev
    rho_g = np.outer(gv, gv.conj()) if gkind == "ket" else gv
    dist = float(np.linalg.norm(rho_e - rho_g))
    if dist > tol:
        raise Mismatch(path, f"a different density matrix: ‖ρ_expected − ρ_got‖ = {dist:.3g} > tolerance {tol:g}")


def _reorder(v: np.ndarray, kind: str, src: list[str], dst: list[str], dims: dict[str, int]) -> np.ndarray:
    sdims = [dims[r] for r in src]
    perm = [src.index(r) for r in dst]
    if kind == "ket":
        return np.transpose(v.reshape(sdims), perm).reshape(-1)
    n = len(src)
    t = np.transpose(v.reshape(sdims + sdims), perm + [p + n for p in perm])
    size = int(np.prod(sdims))
    return t.reshape(size, size)


def _string_difference(e: str, g: str) -> str:
    if set(e) <= {"0", "1"} and set(g) <= {"0", "1"}:
        i = next((k for k, (a, b) in enumerate(zip(e, g)) if a != b), min(len(e), len(g)))
        if len(e) != len(g):
            return f"expected {len(e)} bits, got {len(g)} (first difference at bit {i})"
        return f"bit {i} differs: expected {e[i]}, got {g[i]} ({sum(a != b for a, b in zip(e, g))} of {len(e)} bits differ)"
    return f"expected {_short(e)}, got {_short(g)}"


def _fmt(c: complex) -> str:
    return f"{c.real:.12g}" if abs(c.imag) < 1e-15 else f"{c.real:.12g}{c.imag:+.12g}j"


__all__ = ["Mismatch", "first_difference", "is_state", "is_number"]
