"""The ((k,n)) secret-sharing scheme as exact states: encoding a symbolic
qudit payload into shares, the decoding permutation unitaries, and the
states a party holding some of the shares sees.

Everything is exact (SymPy), built on :mod:`qproto.models.state`, so the
algebra engine can prove claims for every payload modulo the
normalisation constraint |α|² + |β|² + |γ|² = 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy as sp

from qproto.spec.errors import NotUnitaryError
from qproto.spec.secret_sharing import Decoder, SecretSharingScheme

from . import exact as _exact
from .state import State

PAYLOAD_NAMES = ("alpha", "beta", "gamma", "delta", "epsilon")


def share_names(scheme: SecretSharingScheme) -> tuple[str, ...]:
    return tuple(f"s{i + 1}" for i in range(scheme.shares))


def payload_symbols(dim: int) -> tuple[tuple[sp.Symbol, ...], sp.Expr]:
    """Complex amplitudes for a qudit payload and their normalisation
    constraint (an expression equal to zero)."""
    return _exact.amplitude_symbols(" ".join(PAYLOAD_NAMES[:dim]))


def payload(scheme: SecretSharingScheme, amplitudes: Sequence[Any] | None = None, register: str = "p") -> State:
    """The payload Σ_j c_j |j⟩ (symbolic by default, normalised modulo its
    constraint)."""
    if amplitudes is None:
        syms, c = payload_symbols(scheme.dim)
        return State(list(syms), (register,), (scheme.dim,), "ket", (c,))
    return State(list(amplitudes), (register,), (scheme.dim,), "ket")


def encode(scheme: SecretSharingScheme, amplitudes: Sequence[Any] | None = None) -> State:
    """The shares' joint state Σ_j c_j |codeword_j⟩, each codeword the
    normalised equal superposition of its labels."""
    pay = payload(scheme, amplitudes)
    coeffs = list(pay.vector())
    dims = (scheme.dim,) * scheme.shares
    exact = pay.exact
    data = np.full(dims, sp.Integer(0), dtype=object) if exact else np.zeros(dims, dtype=complex)
    for c, word in zip(coeffs, scheme.codewords):
        norm = 1 / sp.sqrt(len(word)) if exact else 1 / np.sqrt(len(word))
        for label in word:
            idx = tuple(int(ch) for ch in label)
            data[idx] = data[idx] + c * norm
    return State(data, share_names(scheme), dims, "ket", pay.constraints)


def decoder_matrix(decoder: Decoder, dim: int) -> sp.Matrix:
    """The permutation matrix of a decoder's table; raises
    :class:`NotUnitaryError` if the table is not a bijection."""
    labels = [f"{x}{y}" for x in range(dim) for y in range(dim)]
    table = dict(decoder.table)
    if sorted(table) != labels or sorted(table.values()) != labels:
        raise NotUnitaryError(f"decoder for shares {decoder.shares} is not a permutation of the {dim * dim} basis states")
    m = sp.zeros(dim * dim, dim * dim)
    for src, dst in table.items():
        m[labels.index(dst), labels.index(src)] = 1
    return m


def decode(scheme: SecretSharingScheme, decoder: Decoder, state: State) -> tuple[State, str]:
    """Apply a decoder to its two shares; returns the state and the name
    of the register that should now hold the payload."""
    names = share_names(scheme)
    targets = tuple(names[i] for i in decoder.shares)
    out = state.apply(np.array(decoder_matrix(decoder, scheme.dim).tolist(), dtype=object), targets)
    return out, targets[decoder.secret]


def numeric_check(scheme: SecretSharingScheme, rng: np.random.Generator) -> dict[str, float]:
    """Independent numeric cross-check on a random payload: the worst
    deviation of a decoded register from |ψ⟩⟨ψ| and of a single share from
    I/d (both should be ~1e-15 for a correct scheme)."""
    v = rng.normal(size=scheme.dim) + 1j * rng.normal(size=scheme.dim)
    v /= np.linalg.norm(v)
    st = encode(scheme, [complex(x) for x in v])
    target = np.outer(v, v.conj())
    worst_decode = 0.0
    for d in scheme.decoders:
        out, reg = decode(scheme, d, st)
        rho = out.reduced((reg,)).matrix().astype(complex)
        worst_decode = max(worst_decode, float(np.abs(rho - target).max()))
    worst_hide = 0.0
    for name in share_names(scheme):
        rho = st.reduced((name,)).matrix().astype(complex)
        worst_hide = max(worst_hide, float(np.abs(rho - np.eye(scheme.dim) / scheme.dim).max()))
    return {"decode_error": worst_decode, "single_share_deviation": worst_hide}


__all__ = ["share_names", "payload_symbols", "payload", "encode", "decoder_matrix", "decode", "numeric_check"]
