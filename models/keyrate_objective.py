"""The relative-entropy objective of a numerical key rate and its gradient.

f(ρ) = Σ_j D(G_j(ρ) ‖ Z(G_j(ρ))) in bits, one term per kept announcement j
(:class:`~qproto.models.keyrate_source.KeyBlock`), with G_j(ρ) = K_j ρ K_j†
and Z the pinching onto Alice's key values (Coles, Metodiev & Lütkenhaus,
Nat. Commun. 7, 11712 (2016), Eq. (9); Winick, Lütkenhaus & Coles,
Quantum 2, 77 (2018), Eq. (11)).  f(ρ) is the conditional entropy
H(key | Eve, announcements) per round for the collective attack in which
Eve holds a purification of ρ_AB.

The ε-perturbed objective f_ε replaces each block by
(1 − ε) G_j(ρ) + ε Tr(G_j(ρ)) I/d'_j, which is full rank, so f_ε is
differentiable; it is convex, positively homogeneous of degree 1, and
f(ρ) ≥ f_ε(ρ) − Σ_j Tr(G_j(ρ)) ζ_ε(d'_j) with
ζ_ε(d') = 2ε(d' − 1) log₂(d'/(ε(d' − 1))) for 0 < ε ≤ 1/(e(d' − 1))
(Winick et al. 2018, Theorem 2 applied to the normalised block; the
relative entropy scales with the block's weight).

The gradient (Winick et al. 2018, Eq. (17)) is
∇f_ε(ρ) = Σ_j G_{ε,j}†(log₂ G_{ε,j}(ρ) − log₂ Z(G_{ε,j}(ρ))).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .keyrate_source import KeyBlock


def _logm2(m: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh(m)
    return (v * np.log2(np.clip(w, 1e-300, None))) @ v.conj().T


def _xlogx(m: np.ndarray) -> float:
    w = np.linalg.eigvalsh(m)
    w = w[w > 0]
    return float(np.sum(w * np.log2(w)))


def _stack(block: KeyBlock) -> tuple[np.ndarray, list[slice]]:
    k = np.vstack(block.kraus)
    cuts, start = [], 0
    for kr in block.kraus:
        cuts.append(slice(start, start + kr.shape[0]))
        start += kr.shape[0]
    return k, cuts


def _pinch(m: np.ndarray, cuts: Sequence[slice]) -> np.ndarray:
    out = np.zeros_like(m)
    for c in cuts:
        out[c, c] = m[c, c]
    return out


def zeta(eps: float, dim: int) -> float:
    """ζ_ε(d') of Winick et al. 2018, Theorem 2, in bits."""
    if eps == 0 or dim <= 1:
        return 0.0
    if eps > 1 / (math.e * (dim - 1)):
        raise ValueError(f"ε = {eps} is above 1/(e(d'−1)) = {1 / (math.e * (dim - 1)):.3g}; Theorem 2 does not apply")
    return 2 * eps * (dim - 1) * math.log2(dim / (eps * (dim - 1)))


def objective(rho: np.ndarray, blocks: Sequence[KeyBlock], eps: float = 0.0) -> float:
    """f_ε(ρ) in bits (ε = 0: the exact f, with 0 log 0 = 0)."""
    total = 0.0
    for b in blocks:
        k, cuts = _stack(b)
        s = k @ rho @ k.conj().T
        s = (s + s.conj().T) / 2
        if eps:
            d = s.shape[0]
            s = (1 - eps) * s + eps * np.real(np.trace(s)) * np.eye(d) / d
        total += _xlogx(s) - sum(_xlogx(s[c, c]) for c in cuts)
    return total


def gradient(rho: np.ndarray, blocks: Sequence[KeyBlock], eps: float) -> np.ndarray:
    """∇f_ε(ρ) (Hermitian, bits); needs ε > 0 or full-rank blocks."""
    rho = np.asarray(rho, dtype=complex)
    grad = np.zeros_like(rho)
    for b in blocks:
        k, cuts = _stack(b)
        s = k @ rho @ k.conj().T
        s = (s + s.conj().T) / 2
        d = s.shape[0]
        se = (1 - eps) * s + eps * np.real(np.trace(s)) * np.eye(d) / d
        x = _logm2(se) - _pinch_log(se, cuts)
        grad += (1 - eps) * (k.conj().T @ x @ k) + eps * np.real(np.trace(x)) / d * (k.conj().T @ k)
    return (grad + grad.conj().T) / 2


def _pinch_log(m: np.ndarray, cuts: Sequence[slice]) -> np.ndarray:
    out = np.zeros_like(m)
    for c in cuts:
        out[c, c] = _logm2(m[c, c])
    return out


__all__ = ["objective", "gradient", "zeta"]


def _divided_log2(w: np.ndarray) -> np.ndarray:
    """L_ab = (log₂ w_a − log₂ w_b)/(w_a − w_b), 1/(w_a ln 2) on ties: the
    kernel of the Fréchet derivative of log₂ (Daleckii–Krein)."""
    lw = np.log2(w)
    dw = w[:, None] - w[None, :]
    dl = lw[:, None] - lw[None, :]
    same = np.abs(dw) <= 1e-14 * np.maximum(np.abs(w[:, None]), np.abs(w[None, :]))
    safe = np.where(same, 1.0, dw)
    avg = (w[:, None] + w[None, :]) / 2
    return np.where(same, 1 / (avg * math.log(2)), dl / safe)


def _quadratic(m: np.ndarray, deltas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(log₂ m, [⟨Δ_k, D log₂(m)[Δ_l]⟩]_kl) for Hermitian positive m."""
    w, v = np.linalg.eigh(m)
    w = np.clip(w, 1e-300, None)
    lg = (v * np.log2(w)) @ v.conj().T
    rot = np.einsum("ia,kij,jb->kab", v.conj(), deltas, v)
    kern = _divided_log2(w)
    h = np.real(np.einsum("kab,ab,lab->kl", rot.conj(), kern, rot))
    return lg, h


def derivatives(
    rho: np.ndarray, blocks: Sequence[KeyBlock], eps: float, directions: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """f_ε(ρ), its gradient and its Hessian along ``directions`` (k × D × D,
    Hermitian): (f, [⟨N_k, ∇f_ε⟩]_k, [∂²f_ε/∂c_k∂c_l]).  Exact
    derivatives of the matrix logarithm (Fréchet derivative in the
    eigenbasis), one eigendecomposition per block and key value."""
    k = directions.shape[0]
    value = 0.0
    grad = np.zeros(k)
    hess = np.zeros((k, k))
    for b in blocks:
        kk, cuts = _stack(b)
        d = kk.shape[0]
        s = kk @ rho @ kk.conj().T
        s = (s + s.conj().T) / 2
        t = np.real(np.trace(s))
        se = (1 - eps) * s + eps * t * np.eye(d) / d
        gd = np.einsum("ij,kjl,ml->kim", kk, directions, kk.conj())  # G(N_k)
        tr = np.real(np.einsum("kii->k", gd))
        deltas = (1 - eps) * gd + eps * tr[:, None, None] * np.eye(d)[None] / d
        lg, h = _quadratic(se, deltas)
        value += _xlogx(se)
        grad += np.real(np.einsum("kij,ji->k", deltas, lg))
        hess += h
        for c in cuts:
            lgc, hc = _quadratic(se[c, c], deltas[:, c, c])
            value -= _xlogx(se[c, c])
            grad -= np.real(np.einsum("kij,ji->k", deltas[:, c, c], lgc))
            hess -= hc
    return value, grad, (hess + hess.T) / 2
