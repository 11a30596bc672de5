"""Quantum memory: storage as a Kraus channel that decays with time.

A qubit stored for a time t in a memory of coherence time T goes through

- ``depolarizing``: ρ ↦ η ρ + (1 − η) I/2, i.e. :func:`~qproto.models.channels.depolarizing`
  with p = 1 − η;
- ``dephasing``: the off-diagonal terms shrink by η, i.e.
  :func:`~qproto.models.channels.dephasing` with p = (1 − η)/2,

with the decay factor η = exp(−t/T) (a Markovian memory: storing t1 then t2
is storing t1 + t2, checked by :func:`compose_check`).  Every figure here is
derived by applying the Kraus channel to a state with the symbol η and
reading the fidelity off the result; nothing is typed in.

- :func:`pair_fidelity`: a Bell pair (or a Werner pair of fidelity F0)
  with one or both halves stored;
- :func:`storage_fidelity`: the average fidelity of a stored qubit over
  input states, computed exactly on the six Pauli eigenstates (a 2-design,
  so it equals the Haar average).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache
from typing import Any, cast

import numpy as np
import sympy as sp

from qproto.spec.errors import ParameterError

from .bell import bell, werner
from .channels import KrausChannel, dephasing, depolarizing
from .compare import fidelity
from .state import State, qubit

#: The decay factor exp(−t/T), a symbol in (0, 1].
ETA = sp.Symbol("eta", positive=True)
ETA1, ETA2 = sp.symbols("eta1 eta2", positive=True)
F0 = sp.Symbol("F0", real=True)
t_sym, T_sym = sp.symbols("t T", positive=True)

MEMORY_KINDS = ("depolarizing", "dephasing")

_r = sp.sqrt(2) / 2
PAULI_EIGENSTATES = ((1, 0), (0, 1), (_r, _r), (_r, -_r), (_r, sp.I * _r), (_r, -sp.I * _r))


def decay(wait: float, coherence_time: float) -> float:
    """η = exp(−t/T); a memory with T = inf does not decay."""
    if wait < 0:
        raise ParameterError(f"wait={wait} must be ≥ 0 (seconds)")
    if not coherence_time > 0:
        raise ParameterError(f"coherence_time={coherence_time} must be > 0 (seconds)")
    return 1.0 if math.isinf(coherence_time) else math.exp(-wait / coherence_time)


def exact_decay(wait: Any, coherence_time: Any) -> sp.Expr:
    """η = exp(−t/T) as an exact SymPy expression (rational t, T ≥ 0, T > 0)."""
    return sp.exp(-sp.sympify(wait) / sp.sympify(coherence_time))


def memory_channel(kind: str, eta: Any = ETA) -> KrausChannel:
    """The storage channel with decay factor ``eta`` (symbol or number)."""
    if kind == "depolarizing":
        return depolarizing(1 - eta)
    if kind == "dephasing":
        return dephasing((1 - eta) / 2)
    raise ParameterError(f"memory kind={kind!r} must be one of {', '.join(MEMORY_KINDS)}")


def _real_conjugates(expr: Any) -> Any:
    """conj(√x) = √x for the channels' real non-negative Kraus weights."""
    expr = sp.sympify(expr)
    return sp.expand(
        expr.replace(
            lambda x: isinstance(x, sp.conjugate) and x.args[0].is_Pow and x.args[0].exp == sp.S.Half, lambda x: x.args[0]
        )
    )


def store(state: State, kind: str, registers: Sequence[str], eta: Any = ETA) -> State:
    """``state`` after each of ``registers`` is stored with decay ``eta``."""
    ch = memory_channel(kind, eta)
    out = state
    for r in registers:
        out = ch.apply(out, (r,))
    if out.exact:
        out = State(np.vectorize(_real_conjugates, otypes=[object])(out.data), out.registers, out.dims, "density", check=False)
    return out


def pair_fidelity(kind: str, stored: int = 1, initial: Any = 1) -> sp.Expr:
    """Fidelity with |Φ+⟩ of a Werner pair of fidelity ``initial`` after
    ``stored`` (1 or 2) halves each wait with decay factor η (derived)."""
    if stored not in (1, 2):
        raise ParameterError(f"stored={stored} must be 1 or 2 (halves of the pair in memory)")
    regs = ("a", "b")
    rho = werner(initial, regs) if initial != 1 else bell("phi+", regs).to_density()
    out = store(rho, kind, regs[:stored])
    return sp.factor(sp.expand(fidelity(bell("phi+", regs), out)))


def storage_fidelity(kind: str) -> sp.Expr:
    """Average fidelity ⟨ψ|E(ψ)|ψ⟩ of one stored qubit over input states
    (exact 2-design average over the six Pauli eigenstates)."""
    total = 0
    for a, b in PAULI_EIGENSTATES:
        psi = qubit(sp.sympify(a), sp.sympify(b), "m")
        total += fidelity(psi, store(psi, kind, ("m",)))
    return sp.factor(sp.simplify(total / 6))


def decay_for_storage_fidelity(kind: str, storage: Any) -> list[sp.Expr]:
    """The decay factors η = exp(−t/T) in (0, 1] at which the average storage
    fidelity equals ``storage`` (exact; one for either memory kind)."""
    return [s for s in sp.solve(sp.Eq(storage_fidelity(kind), storage), ETA) if s.is_positive and s <= 1]


def compose_check(kind: str) -> list[sp.Expr]:
    """Residuals (entries) of E_{η1}∘E_{η2}(ρ) − E_{η1η2}(ρ) on half of a
    Bell pair: all zero means storage is Markovian (decay multiplies)."""
    rho = bell("phi+", ("a", "b")).to_density()
    two = store(store(rho, kind, ("a",), ETA1), kind, ("a",), ETA2)
    one = store(rho, kind, ("a",), ETA1 * ETA2)
    return [sp.expand(x) for x in (two.matrix() - one.matrix()).flat]


@cache
def werner_decay_map(kind: str) -> sp.Expr:
    """F(t) for a Werner pair of fidelity F0 with *both* halves stored and
    twirled back to Werner form: a polynomial in F0 and η (derived)."""
    return sp.expand(pair_fidelity(kind, stored=2, initial=F0))


def numeric_pair_fidelity(kind: str, wait: float, coherence_time: float, initial: float = 1.0, stored: int = 1) -> float:
    """Independent numeric path: build the Werner matrix and Kraus operators
    in plain NumPy and apply them (no SymPy), for cross-checks and plots."""
    eta = decay(wait, coherence_time)
    phi = np.array([1, 0, 0, 1]) / np.sqrt(2)
    proj = np.outer(phi, phi)
    rho = initial * proj + (1 - initial) / 3 * (np.eye(4) - proj)
    i2, x, y, z = np.eye(2), np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]), np.diag([1, -1])
    if kind == "depolarizing":
        p = 1 - eta
        ks = [np.sqrt(1 - 3 * p / 4) * i2, np.sqrt(p / 4) * x, np.sqrt(p / 4) * y, np.sqrt(p / 4) * z]
    elif kind == "dephasing":
        p = (1 - eta) / 2
        ks = [np.sqrt(1 - p) * i2, np.sqrt(p) * z]
    else:
        raise ParameterError(f"memory kind={kind!r} must be one of {', '.join(MEMORY_KINDS)}")
    for pos in range(stored):
        lift = [np.kron(k, i2) if pos == 0 else np.kron(i2, k) for k in ks]
        rho = cast(np.ndarray, sum(k @ rho @ k.conj().T for k in lift))  # lift is never empty
    return float(np.real(phi @ rho @ phi))


__all__ = [
    "ETA",
    "ETA1",
    "ETA2",
    "F0",
    "MEMORY_KINDS",
    "decay",
    "exact_decay",
    "memory_channel",
    "store",
    "pair_fidelity",
    "storage_fidelity",
    "decay_for_storage_fidelity",
    "compose_check",
    "werner_decay_map",
    "numeric_pair_fidelity",
]
