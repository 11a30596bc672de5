"""Quantum instruments on the signal qubit: what an eavesdropper (or a noisy
line) does to the qubit between Alice and Bob.

An instrument is a list of *branches*, one per classical record Eve keeps
(``("Z", 1)`` = "measured in Z, read 1"; ``"none"`` = "did not touch it").
Each branch holds Kraus operators ``K`` from the signal qubit (dim 2) to the
signal qubit ⊗ Eve's ancilla (dim ``2 * ancilla_dim``, signal index most
significant).  The whole instrument is trace preserving:

    Σ_branches Σ_K  K† K = I₂.

A plain channel is an instrument with one branch and no ancilla.  Bob sees
the channel ρ ↦ Σ tr_E(K ρ K†); Eve holds, in branch r, the record r and
the ancilla state.  The same object is analysed exactly (entries SymPy
expressions, possibly with symbols such as the interception fraction ``f``)
and numerically (complex128), following the conventions of
:mod:`qproto.models.channels`: CPTP is checked when the object is made,
exactly by reduction to zero, or within ``NUMERIC_TOLERANCE``.

Why an instrument and not only a channel: QKD figures of merit need both
Bob's marginal (sift rate, QBER) and Eve's record (her information on the
key), and the same object must feed exact analysis and the simulator.

>>> from qproto.models.instrument import Instrument, identity
>>> identity().channel_kraus()[0].tolist()
[[1, 0], [0, 1]]
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from qproto.spec.errors import DimensionError, NotCPTPError

from . import exact as _exact
from .channels import KrausChannel, _real_sqrt_conjugates
from .state import NUMERIC_TOLERANCE, as_array, expand_array


@dataclass(frozen=True)
class InstrumentBranch:
    """One classical outcome of an instrument and its Kraus operators."""

    record: Hashable
    kraus: tuple[np.ndarray, ...]


class Instrument:
    """Kraus operators per classical outcome on the signal qubit, optionally
    with an ancilla kept by the eavesdropper.

    Args:
        name: how it is shown, e.g. ``intercept-resend(fraction=1/2)``.
        branches: mapping (or sequence of pairs) record → list of Kraus
            matrices, each of shape ``(2 * ancilla_dim, 2)``.
        ancilla_dim: dimension of Eve's ancilla.  Defaults to 1 (none).
        constraints: expressions equal to zero the symbols obey.
        symbols: the parameter symbols (e.g. ``{"fraction": f}``), so that
            analyses can be lambdified over them.
        check: verify trace preservation.  Defaults to True.

    Raises:
        NotCPTPError: malformed operators or Σ K†K ≠ I.
    """

    def __init__(
        self,
        name: str,
        branches: Mapping[Hashable, Sequence[Any]] | Sequence[tuple[Hashable, Sequence[Any]]],
        ancilla_dim: int = 1,
        constraints: Sequence[sp.Expr] = (),
        symbols: Mapping[str, sp.Symbol] | None = None,
        check: bool = True,
    ) -> None:
        self.name = name
        self.ancilla_dim = int(ancilla_dim)
        if self.ancilla_dim < 1:
            raise NotCPTPError(f"instrument {name}: ancilla_dim={ancilla_dim} must be ≥ 1")
        items = list(branches.items()) if isinstance(branches, Mapping) else list(branches)
        if not items:
            raise NotCPTPError(f"instrument {name}: needs at least one branch")
        out: list[InstrumentBranch] = []
        seen: set[Hashable] = set()
        want = (2 * self.ancilla_dim, 2)
        any_numeric = False
        for record, ks in items:
            if record in seen:
                raise NotCPTPError(f"instrument {name}: record {record!r} appears twice")
            seen.add(record)
            mats = tuple(as_array(k) for k in ks)
            if not mats:
                raise NotCPTPError(f"instrument {name}: branch {record!r} has no Kraus operator")
            for m in mats:
                if m.shape != want:
                    raise NotCPTPError(
                        f"instrument {name}: branch {record!r} has a Kraus operator of shape {m.shape}, "
                        f"expected {want} (signal ⊗ ancilla of dim {self.ancilla_dim} by signal)"
                    )
                any_numeric |= m.dtype != object
            out.append(InstrumentBranch(record, mats))
        if any_numeric:
            out = [
                InstrumentBranch(
                    b.record, tuple(np.asarray(k.astype(complex) if k.dtype == object else k, dtype=complex) for k in b.kraus)
                )
                for b in out
            ]
        self.branches: tuple[InstrumentBranch, ...] = tuple(out)
        self.constraints = tuple(sp.sympify(c) for c in constraints)
        self.symbols: dict[str, sp.Symbol] = dict(symbols or {})
        #: how trace preservation was decided ("exact", 50-digit numerics, or
        #: "not checked" when built with check=False)
        self.trace_check = "not checked"
        if check:
            self.check_trace_preserving()

    # -- facts -------------------------------------------------------------
    @property
    def exact(self) -> bool:
        return self.branches[0].kraus[0].dtype == object

    @property
    def records(self) -> tuple[Hashable, ...]:
        return tuple(b.record for b in self.branches)

    def free_symbols(self) -> set[sp.Symbol]:
        if not self.exact:
            return set()
        return _exact.free_symbols(e for b in self.branches for k in b.kraus for e in k.flat)

    def check_trace_preserving(self) -> None:
        """Σ K†K = I, decided entry by entry with a three-valued check
        (:func:`decide_zero`): exactly zero, zero to 50 digits (an exact
        simplification that SymPy cannot finish is not read as "false"),
        non-zero, or undecided.  Only a decided non-zero entry is a defect;
        an undecided symbolic entry is reported as such.  The road that
        decided is kept in :attr:`trace_check`."""
        total = sum(np.conj(k.T) @ k for b in self.branches for k in b.kraus)
        eye = np.eye(2, dtype=int)
        if self.exact:
            total = np.vectorize(_real_sqrt_conjugates, otypes=[object])(total)
            roads = set()
            for i in range(2):
                for j in range(2):
                    verdict, road = decide_zero(total[i, j] - eye[i, j], self.constraints)
                    roads.add(road)
                    if verdict is False:
                        raise NotCPTPError(
                            f"instrument {self.name} is not trace preserving: (Σ K†K)[{i},{j}] = "
                            f"{_short(total[i, j])}, expected {eye[i, j]}; fix the Kraus operators"
                        )
                    if verdict is None:
                        raise NotCPTPError(
                            f"instrument {self.name}: cannot decide whether (Σ K†K)[{i},{j}] = {_short(total[i, j])} "
                            f"equals {eye[i, j]} ({road}); give the parameters exact values or build it numerically"
                        )
            self.trace_check = "exact" if roads == {"exact"} else NUMERIC_ROAD
        else:
            err = float(np.max(np.abs(total - eye)))
            if err > NUMERIC_TOLERANCE:
                raise NotCPTPError(
                    f"instrument {self.name} is not trace preserving: max |Σ K†K − I| = {err:.3g}; fix the Kraus operators"
                )
            self.trace_check = f"numeric (complex128, tolerance {NUMERIC_TOLERANCE:g})"

    # -- views -------------------------------------------------------------
    def _signal_blocks(self, k: np.ndarray) -> list[np.ndarray]:
        """K split by ancilla basis state e: (I ⊗ ⟨e|) K, each 2×2."""
        t = k.reshape(2, self.ancilla_dim, 2)
        return [t[:, e, :] for e in range(self.ancilla_dim)]

    def channel_kraus(self) -> list[np.ndarray]:
        """Kraus operators of Bob's marginal channel (records and ancilla
        forgotten), each 2×2."""
        return [blk for b in self.branches for k in b.kraus for blk in self._signal_blocks(k)]

    def channel(self) -> KrausChannel:
        """Bob's marginal as a :class:`KrausChannel` (checked CPTP)."""
        return KrausChannel(self.name, self.channel_kraus(), self.constraints, check=False)

    def branch_kraus(self, record: Hashable) -> list[np.ndarray]:
        """The 2×2 Kraus operators of one branch with the ancilla traced out."""
        for b in self.branches:
            if b.record == record:
                return [blk for k in b.kraus for blk in self._signal_blocks(k)]
        raise DimensionError(f"instrument {self.name} has no record {record!r}; it has {list(self.records)}")

    def apply(self, rho: np.ndarray, before: int = 1) -> dict[Hashable, np.ndarray]:
        """Each branch's unnormalised state after the instrument acts on the
        signal.  ``rho`` is a density matrix whose *last* qubit is the
        signal, with ``before`` the dimension of what precedes it (Alice's
        half of a pair, say); the result is on (before ⊗ signal ⊗ ancilla),
        of size ``before·2·d``."""
        out = {}
        eye = np.eye(before, dtype=int).astype(object if self.exact else complex)
        for b in self.branches:
            acc = None
            for k in b.kraus:
                big = np.kron(eye, k) if before > 1 else k
                term = big @ rho @ _dagger(big)
                acc = term if acc is None else acc + term
            assert acc is not None  # every branch has a Kraus operator (checked in __init__)
            out[b.record] = _clean(acc)
        return out

    def numeric(self, subs: Mapping[Any, Any] | None = None) -> Instrument:
        """The complex128 form, with ``subs`` giving values to the symbols
        (by Symbol or by parameter name)."""
        if not self.exact:
            return self
        s = {}
        for key, val in (subs or {}).items():
            s[self.symbols.get(key, key) if isinstance(key, str) else key] = val

        def conv(e: Any) -> complex:
            v = sp.sympify(e).subs(s) if s else sp.sympify(e)
            try:
                return complex(sp.N(v))
            except TypeError:
                raise DimensionError(
                    f"instrument {self.name}: cannot evaluate {e} numerically; give values for "
                    f"{sorted(map(str, sp.sympify(v).free_symbols))}"
                ) from None

        branches = [(b.record, [np.vectorize(conv, otypes=[complex])(k) for k in b.kraus]) for b in self.branches]
        return Instrument(self.name, branches, self.ancilla_dim, check=True)

    def substitute(self, subs: Mapping[Any, Any]) -> Instrument:
        """The exact instrument with some symbols given exact values."""
        if not self.exact:
            return self
        s = {self.symbols.get(k, k) if isinstance(k, str) else k: sp.sympify(v) for k, v in subs.items()}
        branches = [
            (b.record, [np.vectorize(lambda e: sp.expand(sp.sympify(e).subs(s)), otypes=[object])(k) for k in b.kraus])
            for b in self.branches
        ]
        left = {n: sym for n, sym in self.symbols.items() if sym not in s}
        return Instrument(self.name, branches, self.ancilla_dim, self.constraints, left, check=False)

    def then(self, other: Instrument) -> Instrument:
        """This instrument followed by ``other`` on the signal: records become
        pairs ``(mine, other's)`` and ancillas are kept side by side (mine
        first).  Used to put line noise after an attack."""
        d1, d2 = self.ancilla_dim, other.ancilla_dim
        first, second = self, other
        if self.exact != other.exact:
            # a numeric factor makes the whole line numeric: complex128 entries
            # inside an "exact" (object) array would pass for SymPy values
            first, second = self.numeric(), other.numeric()
        branches = []
        for b1 in first.branches:
            for b2 in second.branches:
                ks = []
                for k1 in b1.kraus:
                    for k2 in b2.kraus:
                        ks.append(_compose(k1, d1, k2, d2))
                branches.append(((b1.record, b2.record), ks))
        syms = {**self.symbols, **other.symbols}
        out = Instrument(
            f"{self.name} then {other.name}",
            branches,
            d1 * d2,
            self.constraints + other.constraints,
            syms,
            check=False,
        )
        # a composition of trace-preserving instruments is trace preserving
        parts = {first.trace_check, second.trace_check}
        out.trace_check = (
            parts.pop() if len(parts) == 1 else f"composition of two parts ({first.trace_check}; {second.trace_check})"
        )
        return out

    def __repr__(self) -> str:
        kind = "exact" if self.exact else "numeric"
        return f"Instrument({self.name!r}, records={list(self.records)!r}, ancilla_dim={self.ancilla_dim}, {kind})"


#: The evidence string when an exact entry was decided by high-precision numerics.
NUMERIC_ROAD = "numeric: zero to 50 digits (certified evalf); SymPy could not reduce it exactly in the budget"

#: Seconds of exact simplification allowed per entry before the numeric road decides.
EXACT_BUDGET = 1.0


def decide_zero(expr: Any, constraints: Sequence[sp.Expr] = ()) -> tuple[bool | None, str]:
    """Three-valued zero test of one entry: (True, road) when ``expr`` is
    zero, (False, road) when it is not, (None, reason) when neither could be
    decided.

    Exact first (expansion and reduction modulo ``constraints``); then the
    shared :func:`qproto.models.decide.decide_zero` (cheap exact steps,
    certified 50-digit numerics, ``simplify`` under a budget of
    :data:`EXACT_BUDGET` s).  A number that is zero to 50 digits but not
    reduced exactly counts as zero on the numeric road, and the road says
    so; an undecided SymPy simplification is never read as "non-zero"."""
    from .decide import decide_zero as shared_decide

    e = _exact.reduce(sp.sympify(expr), constraints)
    if e == 0:
        return True, "exact"
    if e.free_symbols and constraints:
        z = _exact.is_zero(e, ())
        return (z, "exact") if z is not None else (None, "SymPy could not reduce a symbolic entry under the constraints")
    d = shared_decide(e, digits=50, timeout=EXACT_BUDGET)
    if d.kind == "exact_zero":
        return True, "exact"
    if d.kind == "nonzero":
        where = f" at {dict(d.point)}" if d.point else ""
        return False, f"{d.road}: value {d.value}{where}"
    if d.kind == "numeric_zero" and not e.free_symbols:
        return True, NUMERIC_ROAD
    return None, d.reason or "undecided"


def _short(e: Any) -> str:
    """An entry as a short string: its value to 15 digits when it is a number."""
    e = sp.sympify(e)
    return str(sp.N(e, 15)) if e.is_number else str(e)


def _dagger(m: np.ndarray) -> np.ndarray:
    return np.conj(m.T)


def _clean(m: np.ndarray) -> np.ndarray:
    if m.dtype == object:
        return np.vectorize(lambda e: sp.expand(_real_sqrt_conjugates(e)), otypes=[object])(m)
    return m


def _compose(k1: np.ndarray, d1: int, k2: np.ndarray, d2: int) -> np.ndarray:
    """(K2 ⊗ I_{d1}) K1 with the result's ancillas ordered (anc1, anc2)."""
    exact = k1.dtype == object or k2.dtype == object
    dt = object if exact else complex
    t1 = k1.reshape(2, d1, 2).astype(dt)  # s' a1 s
    t2 = k2.reshape(2, d2, 2).astype(dt)  # s'' a2 s'
    out = np.tensordot(t2, t1, axes=([2], [0]))  # s'' a2 a1 s
    out = np.transpose(out, (0, 2, 1, 3)).reshape(2 * d1 * d2, 2)
    return expand_array(out) if exact else out


def from_channel(channel: KrausChannel, record: Hashable = "none") -> Instrument:
    """A channel on the signal as a one-branch instrument."""
    if channel.dim != 2:
        raise DimensionError(f"channel {channel.name} acts on dimension {channel.dim}; an instrument on the signal needs 2")
    inst = Instrument(channel.name, {record: list(channel.kraus)}, 1, channel.constraints, check=False)
    if not inst.free_symbols():
        inst.check_trace_preserving()  # cheap for a numeric channel; records how it was decided
    return inst


def identity() -> Instrument:
    """The ideal line: the signal arrives untouched."""
    return Instrument("identity", {"none": [[[1, 0], [0, 1]]]})


def measure_resend(
    name: str,
    weight: Any,
    bases: Sequence[tuple[str, Any, Sequence[Sequence[Any]]]],
    keep_record: bool = True,
) -> list[tuple[Hashable, list[np.ndarray]]]:
    """Branches of "with probability ``weight`` measure in one of ``bases``
    and resend the eigenstate read".  ``bases`` lists ``(label, probability,
    (v0, v1))`` with orthonormal vectors ``v0, v1``.  Records are
    ``(label, outcome)``.  Helper for attack factories."""
    out: list[tuple[Hashable, list[np.ndarray]]] = []
    for label, prob, vecs in bases:
        for k, raw in enumerate(vecs):
            v = as_array(raw)
            proj = np.multiply.outer(v, np.conj(v))
            amp = sp.sqrt(sp.sympify(weight) * sp.sympify(prob)) if v.dtype == object else np.sqrt(float(weight) * float(prob))
            m = expand_array(proj * amp) if v.dtype == object else proj * amp
            out.append(((label, k) if keep_record else (name, label, k), [m]))
    return out


__all__ = ["Instrument", "InstrumentBranch", "from_channel", "identity", "measure_resend", "decide_zero", "NUMERIC_ROAD"]
