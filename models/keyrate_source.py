"""The numerical key-rate problem of a QKD spec: source replacement,
Bob's POVM, the observed statistics and the key map.

This module turns a spec of either QKD family into the data of the convex
problem of Coles, Metodiev & Lütkenhaus, Nat. Commun. 7, 11712 (2016) and
Winick, Lütkenhaus & Coles, Quantum 2, 77 (2018):

    minimise  f(ρ) = D(G(ρ) ‖ Z(G(ρ)))   over ρ_AB ≥ 0 with Tr(Γ_k ρ) = γ_k.

- **Source replacement** (prepare and measure; Bennett, Brassard & Mermin,
  PRL 68, 557 (1992); Ferenczi & Lütkenhaus, PRA 85, 052310 (2012)):
  Alice's choice of signal x with probability p_x is replaced by the state
  |ψ⟩ = Σ_x √p_x |x⟩_A |φ_x⟩_B; her reduced state ρ_A (the Gram matrix
  √(p_x p_y)⟨φ_y|φ_x⟩) is known to everyone and constrained exactly.
  Signals are qubits, so ρ_A has rank ≤ 2 and every admissible ρ_AB lives
  on supp(ρ_A) ⊗ C²; the problem is solved there (dimension ≤ 4).
- **Bob's POVM**: Γ_{m,o} = p_m |v_o⟩⟨v_o| from the spec's measurements.
- **Constraints**: ρ_A, and the full table Tr(ρ |x⟩⟨x| ⊗ Γ_{m,o}) =
  P(x, m, o) under the channel (noise or Bob's marginal of an attack),
  orthonormalised (Hilbert–Schmidt) so that each constraint has unit norm.
  Entanglement-based specs: the joint table Tr(ρ P^x_a ⊗ P^y_b) for every
  setting pair, with no constraint on ρ_A (the source is Eve's).
- **Key map** (direct reconciliation: the key is Alice's bit): one block
  per public announcement j that survives sifting, with Kraus operators
  K_{j,a} = √(A_{j,a}) ⊗ √(B_j) for Alice's key value a.  Basis-match:
  Alice announces her basis, Bob his setting; kept when they agree.
  Unambiguous (B92, SARG04): Alice announces her candidate set (B92: the
  one fixed set) and Bob only whether his result was conclusive — his
  setting would reveal his bit.
- **Error correction**: leak_EC = f_EC · p_sift · h(Q) with Q the pooled
  QBER of the sifted key (the protocol's own estimate).

Everything here depends on the spec only, except the observed values γ
and the physical state, which depend on the channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from qproto.spec.errors import ParameterError, SpecError
from qproto.spec.qkd import EntanglementQKD, PrepareMeasureQKD
from qproto.spec.validation import check_choice, check_probability

#: Singular values below this are the null space when the constraint
#: operators are orthonormalised (their entries are O(1)).
SPAN_TOLERANCE = 1e-10


def _value(text: Any) -> complex:
    try:
        return complex(sp.N(sp.sympify(text, rational=True), 30))
    except (sp.SympifyError, TypeError) as exc:
        raise SpecError(f"cannot read {text!r} as a number: {exc}") from None


def _exact(text: Any) -> sp.Expr:
    return sp.sympify(text, rational=True)


def ket(amplitudes: Sequence[Any]) -> np.ndarray:
    """A qubit vector from the spec's amplitude strings (SymPy → complex)."""
    return np.array([_value(a) for a in amplitudes], dtype=complex)


def projector(v: np.ndarray) -> np.ndarray:
    return np.outer(v, np.conj(v))


def setting_projector(angle: Any, outcome: int) -> np.ndarray:
    """(I ± (cos θ Z + sin θ X))/2: outcome 0 is the +1 eigenvector."""
    th = float(sp.N(_exact(angle)))
    s = 1.0 if outcome == 0 else -1.0
    c, n = np.cos(th), np.sin(th)
    return 0.5 * np.array([[1 + s * c, s * n], [s * n, 1 - s * c]], dtype=complex)


def hermitian_basis(d: int) -> list[np.ndarray]:
    """An orthonormal (Tr(A B)) basis of d×d Hermitian matrices."""
    out = []
    for i in range(d):
        e = np.zeros((d, d), dtype=complex)
        e[i, i] = 1
        out.append(e)
    for i in range(d):
        for j in range(i + 1, d):
            e = np.zeros((d, d), dtype=complex)
            e[i, j] = e[j, i] = 1 / np.sqrt(2)
            out.append(e)
            e = np.zeros((d, d), dtype=complex)
            e[i, j], e[j, i] = -1j / np.sqrt(2), 1j / np.sqrt(2)
            out.append(e)
    return out


def _hvec(m: np.ndarray) -> np.ndarray:
    return np.concatenate([m.real.ravel(), m.imag.ravel()])


def _hmat(v: np.ndarray, d: int) -> np.ndarray:
    m = v[: d * d].reshape(d, d) + 1j * v[d * d :].reshape(d, d)
    return (m + m.conj().T) / 2


def _orthonormal_span(ops: Sequence[np.ndarray], d: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(orthonormal basis of span(ops), orthonormal basis of its complement)
    among d×d Hermitian matrices."""
    mat = np.array([_hvec(o) for o in ops])
    _, s, vt = np.linalg.svd(mat, full_matrices=True)
    rank = int(np.sum(s > SPAN_TOLERANCE * max(1.0, s[0])))
    span = [_hmat(vt[k], d) for k in range(rank)]
    # complement inside the Hermitian matrices: project a Hermitian basis
    herm = np.array([_hvec(h) for h in hermitian_basis(d)])
    proj = herm - herm @ vt[:rank].T @ vt[:rank]
    _, s2, vt2 = np.linalg.svd(proj, full_matrices=False)
    rank2 = int(np.sum(s2 > SPAN_TOLERANCE))
    null = [_hmat(vt2[k], d) for k in range(rank2)]
    if rank + rank2 != d * d:
        raise SpecError(f"internal: constraint span {rank} + complement {rank2} ≠ {d * d}")
    return span, null


@dataclass(frozen=True)
class KeyBlock:
    """One public announcement that survives sifting: Kraus operators
    (compressed to their range) for each value a of Alice's key bit, and
    the pieces needed for its error rate."""

    label: str
    kraus: tuple[np.ndarray, ...]  # K_{j,a}: reduced space → C^{r_a}
    error_ops: np.ndarray  # Σ over (Alice a) ⊗ (Bob outcomes with bit ≠ a), reduced space
    kept_op: np.ndarray  # K_j† K_j summed over a, reduced space
    group: str = ""  # the announced basis (basis-match sifting), for per-basis estimation

    @property
    def dim(self) -> int:
        return sum(k.shape[0] for k in self.kraus)


@dataclass(frozen=True)
class KeyRateStructure:
    """Everything that depends on the spec alone (cached per spec)."""

    name: str
    family: str
    dim: int  # dimension of the reduced space supp(ρ_A) ⊗ B
    lift: np.ndarray  # isometry reduced → A ⊗ B (full)
    constraints: tuple[np.ndarray, ...]  # orthonormal Γ_k on the reduced space
    null_space: tuple[np.ndarray, ...]  # orthonormal complement of the constraints
    blocks: tuple[KeyBlock, ...]
    source: np.ndarray  # the noiseless source-replacement state ρ_AB (full space)
    alice_dim: int
    observables: tuple[tuple[str, np.ndarray], ...]  # (label, operator on the full space): the observed table
    mixed: np.ndarray  # a full-rank state of the reduced space with the same ρ_A (perturbation target)
    announcements: str  # what each party announces (for the report)
    known_ops: tuple[np.ndarray, ...] = ()  # what is known without measuring: ρ_A (prepare and measure), Tr ρ
    observations: str = "full"


@dataclass(frozen=True)
class KeyRateProblem:
    """The structure at one channel: the physical state and the observed values."""

    structure: KeyRateStructure
    channel: str
    rho: np.ndarray  # the physical state on the reduced space (feasible by construction)
    gamma: np.ndarray  # Tr(Γ_k ρ)
    table: tuple[tuple[str, float], ...]  # the observed statistics (label, probability)
    sift: float
    qber: float


# -- channels on Bob's qubit ---------------------------------------------------


def depolarizing_kraus(p: float) -> list[np.ndarray]:
    """ρ ↦ (1 − p) ρ + p I/2, the convention of
    :func:`qproto.models.channels.depolarizing`."""
    check_probability("depolarizing p", p)
    x = np.array([[0, 1], [1, 0]], dtype=complex)
    y = np.array([[0, -1j], [1j, 0]], dtype=complex)
    z = np.diag([1, -1]).astype(complex)
    return [np.sqrt(1 - 3 * p / 4) * np.eye(2), np.sqrt(p / 4) * x, np.sqrt(p / 4) * y, np.sqrt(p / 4) * z]


def lossy_depolarizing_kraus(p: float, transmittance: float) -> list[np.ndarray]:
    """On the qubit ⊕ vacuum: the photon is lost with probability
    1 − η (|ψ⟩ ↦ |v⟩), then the qubit is depolarized with p; the
    vacuum stays."""
    check_probability("transmittance", transmittance)
    eta = transmittance
    loss = [np.diag([np.sqrt(eta), np.sqrt(eta), 1.0]).astype(complex)]
    for i in range(2):
        k = np.zeros((3, 3), dtype=complex)
        k[2, i] = np.sqrt(1 - eta)
        loss.append(k)
    dep = []
    for j, d in enumerate(depolarizing_kraus(p)):
        k = np.zeros((3, 3), dtype=complex)
        k[:2, :2] = d
        k[2, 2] = 1.0 if j == 0 else 0.0
        dep.append(k)
    return [d @ l for d in dep for l in loss]


def attack_kraus(label: str) -> list[np.ndarray]:
    """Bob's marginal channel of a catalogue attack or noise
    (``intercept-resend:fraction=1/2``, ``depolarizing=0.1``)."""
    from .attacks import parse_attack

    inst = parse_attack(label).instrument().numeric()
    return [np.asarray(k, dtype=complex) for k in inst.channel_kraus()]


def _apply_on_b(rho: np.ndarray, kraus: Sequence[np.ndarray], alice_dim: int) -> np.ndarray:
    eye = np.eye(alice_dim)
    out = np.zeros_like(rho)
    for k in kraus:
        big = np.kron(eye, k)
        out += big @ rho @ big.conj().T
    return out


# -- the structure -----------------------------------------------------------------


def _compress(k: np.ndarray) -> np.ndarray:
    """U†K for U an orthonormal basis of range(K): same K†K, fewer rows."""
    u, s, vh = np.linalg.svd(k, full_matrices=False)
    r = int(np.sum(s > 1e-12 * max(1.0, s[0] if s.size else 1.0)))
    return s[:r, None] * vh[:r]


def _pm_announcements(spec: PrepareMeasureQKD) -> dict[str, tuple[tuple[str, ...], ...]]:
    out = {}
    for s in spec.signals:
        out[s.name] = s.announce or (tuple(t.name for t in spec.signals if t.basis == s.basis),)
    return out


def _unambiguous_bit(spec: PrepareMeasureQKD, cand: tuple[str, ...], vector: tuple[str, str]) -> int | None:
    """Bob's bit when, of the candidates, only states of one bit value can
    give this outcome (exact Born rule), else None."""
    sig = {s.name: s for s in spec.signals}
    ov = [_exact(a) for a in vector]
    bits = set()
    for c in cand:
        amp = [_exact(a) for a in sig[c].amplitudes]
        inner = sp.conjugate(ov[0]) * amp[0] + sp.conjugate(ov[1]) * amp[1]
        if sp.simplify(sp.expand(inner * sp.conjugate(inner))) != 0:
            bits.add(sig[c].bit)
    return bits.pop() if len(bits) == 1 else None


def _pm_structure(spec: PrepareMeasureQKD, lossy: bool = False) -> KeyRateStructure:
    db = 3 if lossy else 2  # Bob's system: the qubit, plus the vacuum |v⟩ = |2⟩ when the line loses photons

    def bket(amplitudes: Sequence[Any]) -> np.ndarray:
        return np.concatenate([ket(amplitudes), np.zeros(db - 2)])

    clicks = np.diag([1.0, 1.0] + [0.0] * (db - 2)).astype(complex)

    sigs = spec.signals
    n = len(sigs)
    count: dict[str, int] = {}
    for s in sigs:
        count[s.basis] = count.get(s.basis, 0) + 1
    px = np.array([_value(spec.basis_probabilities[s.basis]).real / count[s.basis] for s in sigs])
    phis = [bket(s.amplitudes) for s in sigs]
    psi = sum(np.sqrt(px[i]) * np.kron(np.eye(n)[i], phis[i]) for i in range(n))
    source = projector(psi)
    rho_a = np.einsum("ibjb->ij", source.reshape(n, db, n, db))
    w, v = np.linalg.eigh(rho_a)
    keep = w > 1e-12
    wa = v[:, keep]  # isometry supp(ρ_A) → C^n
    lift = np.kron(wa, np.eye(db))
    ra = wa.shape[1]
    dim = db * ra

    red = _Reducer(lift)

    povm = [
        (m.name, o.label, _value(m.probability).real * projector(bket(o.vector))) for m in spec.measurements for o in m.outcomes
    ]
    if lossy:
        vac = np.zeros((db, db), dtype=complex)
        vac[2, 2] = 1
        povm += [(m.name, "no-click", _value(m.probability).real * vac) for m in spec.measurements]
    observables: list[tuple[str, np.ndarray]] = []
    for i, s in enumerate(sigs):
        ex = np.zeros((n, n), dtype=complex)
        ex[i, i] = 1
        for mname, olabel, g in povm:
            observables.append((f"P({s.name}, {mname}, {olabel})", np.kron(ex, g)))
    known = [red(np.kron(h, np.eye(db))) for h in hermitian_basis(n)]  # ρ_A is known
    ops = [red(o) for _, o in observables] + known
    span, null = _orthonormal_span(ops, dim)

    anns = _pm_announcements(spec)
    blocks: list[KeyBlock] = []
    if spec.sifting == "basis-match":
        public = []
        for s in sigs:
            for a in anns[s.name]:
                if (a, s.basis) not in public:
                    public.append((a, s.basis))
        for ann, basis in public:
            for m in spec.measurements:
                if m.name != basis:
                    continue
                pm = _value(m.probability).real
                alice = {0: np.zeros((n, n)), 1: np.zeros((n, n))}
                for i, s in enumerate(sigs):
                    if s.basis == basis and ann in anns[s.name]:
                        alice[s.bit][i, i] += 1 / len(anns[s.name])
                bob_err = {
                    a: sum((pm * projector(bket(o.vector)) for o in m.outcomes if o.bit != a), np.zeros((db, db), complex))
                    for a in (0, 1)
                }
                blk = _block(f"alice {'/'.join(ann)} ({basis}), bob {m.name}", alice, pm * clicks, bob_err, red)
                blocks.append(replace(blk, group=basis))
        what = "Alice announces her basis (and candidate set), Bob his measurement; kept when they agree"
    else:
        public_sets = list(dict.fromkeys(a for s in sigs for a in anns[s.name]))
        for ann in public_sets:
            conclusive = np.zeros((db, db), dtype=complex)
            bob_bits: dict[int, np.ndarray] = {0: np.zeros((db, db), complex), 1: np.zeros((db, db), complex)}
            for m in spec.measurements:
                pm = _value(m.probability).real
                for o in m.outcomes:
                    b = _unambiguous_bit(spec, ann, o.vector)
                    if b is not None:
                        g = pm * projector(bket(o.vector))
                        conclusive += g
                        bob_bits[b] += g
            if np.allclose(conclusive, 0):
                continue
            alice = {0: np.zeros((n, n)), 1: np.zeros((n, n))}
            for i, s in enumerate(sigs):
                if ann in anns[s.name]:
                    alice[s.bit][i, i] += 1 / len(anns[s.name])
            bob_err = {a: bob_bits[1 - a] for a in (0, 1)}
            blocks.append(_block(f"candidates {'/'.join(ann)}, conclusive", alice, conclusive, bob_err, red))
        what = "Alice announces her candidate set, Bob only whether his result was conclusive"
    if not blocks:
        raise SpecError(f"{spec.name}: no announcement survives sifting, so there is no key to rate")
    # a full-rank state with the same ρ_A: (ρ_A restricted) ⊗ I/2
    mixed = red(np.kron(rho_a, np.eye(db) / db))
    return KeyRateStructure(
        spec.name,
        spec.family,
        dim,
        lift,
        tuple(span),
        tuple(null),
        tuple(blocks),
        source,
        n,
        tuple(observables),
        mixed,
        what,
        tuple(known),
    )


def _block(label: str, alice: dict[int, np.ndarray], bob: np.ndarray, bob_err: dict[int, np.ndarray], red: _Reducer) -> KeyBlock:
    sb = _psd_sqrt(bob)
    kraus = []
    dim = red.lift.shape[1]
    err = np.zeros((dim, dim), dtype=complex)
    kept = np.zeros((dim, dim), dtype=complex)
    for a in (0, 1):
        full = np.kron(np.sqrt(alice[a]), sb)
        kr = _compress(full @ red.lift)
        if kr.shape[0]:
            kraus.append(kr)
        err = err + red(np.kron(alice[a], bob_err[a]))
        kept = kept + red(np.kron(alice[a], bob))
    return KeyBlock(label, tuple(kraus), err, kept)


def _psd_sqrt(m: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh((m + m.conj().T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.conj().T


def _eb_structure(spec: EntanglementQKD) -> KeyRateStructure:
    from .bell import bell

    kind, _, name = spec.source.partition(":")
    if kind != "bell":
        raise SpecError(f"{spec.name}: source={spec.source!r} must be 'bell:NAME'")
    vec = np.asarray(bell(name, ("a", "b")).vector(), dtype=complex).ravel()
    source = projector(vec)
    A = {s.name: s for s in spec.alice_settings}
    B = {s.name: s for s in spec.bob_settings}
    observables: list[tuple[str, np.ndarray]] = []
    for x in spec.alice_settings:
        for y in spec.bob_settings:
            w = _value(x.probability).real * _value(y.probability).real
            for a in (0, 1):
                for b in (0, 1):
                    observables.append(
                        (
                            f"P({a}{b} | {x.name}, {y.name})",
                            w * np.kron(setting_projector(x.angle, a), setting_projector(y.angle, b)),
                        )
                    )
    ops = [o for _, o in observables] + [np.eye(4, dtype=complex)]
    span, null = _orthonormal_span(ops, 4)
    blocks: list[KeyBlock] = []
    for xn, yn in spec.key_pairs:
        if xn not in A or yn not in B:
            raise SpecError(f"{spec.name}: key pair ({xn}, {yn}) names an unknown setting")
        # Bob flips his bit when the noiseless correlator is −1
        corr = sum(
            (1 if a == b else -1)
            * np.real(np.trace(source @ np.kron(setting_projector(A[xn].angle, a), setting_projector(B[yn].angle, b))))
            for a in (0, 1)
            for b in (0, 1)
        )
        if abs(abs(corr) - 1) > 1e-9:
            raise SpecError(f"{spec.name}: key pair ({xn}, {yn}) has noiseless correlator {corr:.6g}, expected ±1")
        flip = 1 if corr < 0 else 0
        pxy = _value(A[xn].probability).real * _value(B[yn].probability).real
        kraus = []
        err = np.zeros((4, 4), dtype=complex)
        for a in (0, 1):
            pa = setting_projector(A[xn].angle, a)
            kraus.append(_compress(np.sqrt(pxy) * np.kron(pa, np.eye(2))))
            for b in (0, 1):
                if (b ^ flip) != a:
                    err += pxy * np.kron(pa, setting_projector(B[yn].angle, b))
        blocks.append(KeyBlock(f"settings {xn}/{yn}", tuple(kraus), err, pxy * np.eye(4, dtype=complex)))
    if not blocks:
        raise SpecError(f"{spec.name}: no key_pairs, so there is no key to rate")
    return KeyRateStructure(
        spec.name,
        spec.family,
        4,
        np.eye(4, dtype=complex),
        tuple(span),
        tuple(null),
        tuple(blocks),
        source,
        2,
        tuple(observables),
        np.eye(4, dtype=complex) / 4,
        "both parties announce their settings; key pairs are kept",
        (np.eye(4, dtype=complex),),
    )


class _Reducer:
    def __init__(self, lift: np.ndarray) -> None:
        self.lift = lift

    def __call__(self, op: np.ndarray) -> np.ndarray:
        return self.lift.conj().T @ op @ self.lift


#: What constrains Eve's state: the full observed table, or only what the
#: protocol's parameter estimation reads (sift per announcement and the
#: error rate, pooled or per basis as the spec's ``estimation`` says).
OBSERVATIONS = ("full", "qber")


@lru_cache(maxsize=64)
def structure(spec: Any, observations: str = "full", lossy: bool = False) -> KeyRateStructure:
    """The channel-independent part of the key-rate problem of ``spec``.

    ``observations="full"``: Eve's state must reproduce the full observed
    table.  ``"qber"``: only what parameter estimation reads — the
    probability of each kept announcement and the error rate of the sifted
    key (pooled, or per announced basis when the spec's estimation is
    ``per-basis``) — plus what is known anyway (ρ_A).  ``lossy``: Bob's
    system is the qubit plus the vacuum (prepare and measure only); a
    no-click is an outcome of every measurement, observed and never kept."""
    check_choice("observations", observations, OBSERVATIONS)
    if observations == "qber":
        full = structure(spec, "full", lossy)
        ops = list(full.known_ops) + [b.kept_op for b in full.blocks]
        if getattr(spec, "estimation", "pooled") == "per-basis":
            for g in dict.fromkeys(b.group for b in full.blocks):
                ops.append(np.sum([b.error_ops for b in full.blocks if b.group == g], axis=0))
        else:
            ops.append(np.sum([b.error_ops for b in full.blocks], axis=0))
        span, null = _orthonormal_span(ops, full.dim)
        return replace(full, constraints=tuple(span), null_space=tuple(null), observations="qber")
    if isinstance(spec, PrepareMeasureQKD):
        return _pm_structure(spec, lossy)
    if isinstance(spec, EntanglementQKD):
        if lossy:
            raise ParameterError(f"{spec.name}: loss is modelled for prepare-and-measure specs only")
        return _eb_structure(spec)
    raise SpecError(
        f"{getattr(spec, 'name', spec)!r} is not a QKD spec (family {getattr(spec, 'family', None)!r}); "
        "numerical key rates exist for qkd-pm and qkd-eb"
    )


def problem(spec: Any, kraus: Sequence[np.ndarray], channel: str, observations: str = "full") -> KeyRateProblem:
    """The key-rate problem of ``spec`` when Bob's qubit goes through the
    channel with Kraus operators ``kraus`` (noise, or Bob's marginal of an
    attack): the physical state and every observed probability."""
    lossy = np.asarray(kraus[0]).shape[0] == 3
    st = structure(spec, observations, lossy)
    full = _apply_on_b(st.source, kraus, st.alice_dim)
    rho = st.lift.conj().T @ full @ st.lift
    rho = (rho + rho.conj().T) / 2
    gamma = np.array([np.real(np.trace(g @ rho)) for g in st.constraints])
    table = tuple((label, float(np.real(np.trace(op @ full)))) for label, op in st.observables)
    sift = float(sum(np.real(np.trace(b.kept_op @ rho)) for b in st.blocks))
    err = float(sum(np.real(np.trace(b.error_ops @ rho)) for b in st.blocks))
    if sift <= 0:
        raise ParameterError(f"{spec.name}: no round survives sifting under {channel}")
    return KeyRateProblem(st, channel, rho, gamma, table, sift, err / sift)


__all__ = [
    "KeyBlock",
    "KeyRateStructure",
    "KeyRateProblem",
    "structure",
    "problem",
    "depolarizing_kraus",
    "lossy_depolarizing_kraus",
    "attack_kraus",
    "ket",
    "hermitian_basis",
]
