"""Eve's information on the sifted key, and the quantities it is compared with.

An individual (or collective) attack on a qubit prepare-and-measure protocol
is, after Stinespring, an isometry V from the signal to signal ⊗ Eve's
ancilla: Bob receives the signal, Eve keeps the ancilla and measures it
after the bases are announced.  For a protocol's preparations and Bob's
measurement this module builds the **sifted ensemble** — for each public
announcement (bases, "conclusive"), the joint distribution of Alice's and
Bob's key bits and Eve's conditional states — and evaluates on it:

- ``qber``: the error rate on sifted bits (Born rule, exact when V is);
- ``I(A:B)``: Shannon mutual information of Alice's and Bob's sifted bits,
  given the public announcements;
- ``I(A:E)``: Shannon mutual information between Alice's sifted bit and the
  outcome of *Eve's stated measurement* — she first reads her classical
  record (the attack's ``eve_blocks``, e.g. her basis and outcome in an
  intercept-resend), then makes the Helstrom measurement inside each block.
  This is the information of an *individual attack*; for a block of two pure
  states the Helstrom measurement is the one that maximises the mutual
  information (Levitin 1995), so for the catalogued attacks it is Eve's
  accessible information;
- ``χ(A:E)``: the Holevo quantity of Eve's conditional states, an upper
  bound on any individual measurement and the term of the Devetak–Winter
  rate (collective attacks);
- the Csiszár–Körner rate I(A:B) − I(A:E) (individual attacks, one-way
  post-processing; Csiszár & Körner 1978) and the Devetak–Winter rate
  I(A:B) − χ(A:E) (Devetak & Winter 2005).

Everything here is numeric (NumPy, ``complex128``) except where noted;
the exact forms of the catalogued attacks live with the attacks
(:mod:`qproto.models.cloning`, :mod:`qproto.models.probe`) and are
cross-checked against these numeric ones in the tests.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, cast

import numpy as np
import sympy as sp

from qproto.spec.errors import PhysicsError

from .memo import IdentityMemo

#: Eigenvalues below this are taken as zero in entropies and projectors.
EIGEN_TOLERANCE = 1e-12


# -- entropies ------------------------------------------------------------------
def binary_entropy(p: Any) -> Any:
    """h(p) = −p log₂ p − (1 − p) log₂(1 − p), with h(0) = h(1) = 0.

    A SymPy argument gives a SymPy expression (exact), a number a float.

    >>> binary_entropy(0.5)
    1.0
    >>> binary_entropy(sp.Rational(1, 2))
    1
    """
    if isinstance(p, sp.Basic):
        if p == 0 or p == 1:
            return sp.Integer(0)
        return (
            sp.simplify(-(p * sp.log(p, 2) + (1 - p) * sp.log(1 - p, 2)))
            if p.is_number
            else -(p * sp.log(p, 2) + (1 - p) * sp.log(1 - p, 2))
        )
    p = float(p)
    if p <= 0.0 or p >= 1.0:
        return 0.0
    return float(-(p * math.log2(p) + (1 - p) * math.log2(1 - p)))


def shannon_entropy(probabilities: Sequence[float] | np.ndarray) -> float:
    """H(p) in bits of a (possibly unnormalised-by-rounding) distribution."""
    p = np.asarray(probabilities, dtype=float).ravel()
    p = p[p > EIGEN_TOLERANCE]
    return float(-(p * np.log2(p)).sum())


def von_neumann_entropy(rho: np.ndarray) -> float:
    """S(ρ) = −tr ρ log₂ ρ of a density matrix (normalised or not: the
    eigenvalues are used as given)."""
    w = np.linalg.eigvalsh(_hermitian(rho))
    return shannon_entropy(np.clip(w, 0.0, None))


def mutual_information(joint: np.ndarray) -> float:
    """I(X:Y) in bits of a joint distribution table P(x, y) (normalised
    here, so a table of unnormalised weights works too)."""
    j = np.asarray(joint, dtype=float)
    total = j.sum()
    if total <= 0:
        return 0.0
    if j.shape == (2, 2):  # a sifted bit pair (the attack search: ~10^4 tables), in plain floats
        (p00, p01), (p10, p11) = (j / total).tolist()
        rows = _bits((p00 + p01, p10 + p11))
        cols = _bits((p00 + p10, p01 + p11))
        return max(0.0, rows + cols - _bits((p00, p01, p10, p11)))
    j = j / total
    return max(0.0, shannon_entropy(j.sum(axis=1)) + shannon_entropy(j.sum(axis=0)) - shannon_entropy(j))


def _bits(ps: Sequence[float]) -> float:
    """:func:`shannon_entropy` of a few floats, without NumPy's per-call overhead."""
    return -sum(p * math.log2(p) for p in ps if p > EIGEN_TOLERANCE)


# -- distinguishing two states ---------------------------------------------------
def _hermitian(m: np.ndarray) -> np.ndarray:
    """The Hermitian part of a matrix, or of each matrix of a stack."""
    m = np.asarray(m, dtype=complex)
    return (m + np.conj(np.swapaxes(m, -1, -2))) / 2


def trace_norm(m: np.ndarray) -> float:
    """‖M‖₁ of a Hermitian matrix (sum of |eigenvalues|)."""
    return float(np.abs(np.linalg.eigvalsh(_hermitian(m))).sum())


def helstrom_projector(weighted0: np.ndarray, weighted1: np.ndarray) -> np.ndarray:
    """The Helstrom measurement's "guess 0" projector: onto the positive
    part of p₀ρ₀ − p₁ρ₁ (arguments are the prior-weighted states)."""
    w, v = np.linalg.eigh(_hermitian(np.asarray(weighted0) - np.asarray(weighted1)))
    keep = v[:, w > EIGEN_TOLERANCE]
    return keep @ keep.conj().T


def helstrom_guess(weighted0: np.ndarray, weighted1: np.ndarray) -> float:
    """The optimal probability of guessing which of two states was sent,
    given prior-weighted states p₀ρ₀, p₁ρ₁: ½ (p₀ + p₁ + ‖p₀ρ₀ − p₁ρ₁‖₁)
    (Helstrom 1976)."""
    a, b = np.asarray(weighted0, dtype=complex), np.asarray(weighted1, dtype=complex)
    total = float(np.real(np.trace(a) + np.trace(b)))
    return 0.5 * (total + trace_norm(a - b))


def holevo_information(weighted_states: Sequence[np.ndarray]) -> float:
    """χ = S(Σ σ_a) − Σ p_a S(σ_a / p_a) in bits, for prior-weighted
    (unnormalised) states σ_a = p_a ρ_a whose traces sum to the ensemble
    weight (renormalised here)."""
    return holevo_informations([weighted_states])[0]


def holevo_informations(ensembles: Sequence[Sequence[np.ndarray]]) -> list[float]:
    """:func:`holevo_information` of each ensemble, with the spectra of all
    of them computed in one call (the attack search needs χ of every public
    slice of ~10^4 ensembles: per-call overhead dominated the arithmetic)."""
    mats: list[np.ndarray] = []
    plans: list[tuple[float, list[float], int] | None] = []
    for weighted_states in ensembles:
        states = [np.asarray(s, dtype=complex) for s in weighted_states]
        weights = [float(s.trace().real) for s in states]
        total = sum(weights)
        if total <= EIGEN_TOLERANCE:
            plans.append(None)
            continue
        kept = [(s, w) for s, w in zip(states, weights) if w > EIGEN_TOLERANCE]
        plans.append((total, [w for _, w in kept], len(mats)))
        mats.append(cast(np.ndarray, sum(states) / total))  # states is not empty: total > 0
        mats += [s / w for s, w in kept]
    # plain floats from here: per-spectrum NumPy calls cost more than the few terms of each entropy
    spectra = hermitian_eigenvalues(np.stack(mats)).tolist() if mats else []
    out = []
    for plan in plans:
        if plan is None:
            out.append(0.0)
            continue
        total, ws, i = plan
        chi = _bits(spectra[i])
        for k, w in enumerate(ws):
            chi -= (w / total) * _bits(spectra[i + 1 + k])
        out.append(max(0.0, chi))
    return out


def hermitian_eigenvalues(mats: np.ndarray) -> np.ndarray:
    """The ascending eigenvalues of a stack of (nearly) Hermitian matrices,
    each first replaced by its Hermitian part.  2×2 ones in closed form,
    (a+d)/2 ∓ √(((a−d)/2)² + |b|²) — the attack search's probes have a
    two-dimensional ancilla, and a LAPACK call per matrix cost more than the
    arithmetic — larger ones by ``eigvalsh``."""
    h = _hermitian(mats)
    if h.shape[-1] != 2:
        return np.linalg.eigvalsh(h)
    a, d = h[..., 0, 0].real, h[..., 1, 1].real
    mean, radius = (a + d) / 2, np.hypot((a - d) / 2, np.abs(h[..., 0, 1]))
    return np.stack([mean - radius, mean + radius], axis=-1)


def measured_information(weighted_states: Sequence[np.ndarray], povm: Sequence[np.ndarray]) -> float:
    """I(A:E) in bits when Eve measures ``povm`` on states σ_a (prior-weighted)."""
    joint = np.array([[float(np.real(np.trace(e @ s))) for e in povm] for s in weighted_states])
    return mutual_information(np.clip(joint, 0.0, None))


def block_helstrom_povm(
    weighted0: np.ndarray, weighted1: np.ndarray, blocks: Sequence[np.ndarray] | None = None
) -> list[np.ndarray]:
    """Eve's stated measurement: read which block (projector) her ancilla is
    in, then make the Helstrom measurement inside it.  ``blocks`` must be
    orthogonal projectors summing to the identity; None is one block."""
    d = np.asarray(weighted0).shape[0]
    blocks = [np.eye(d, dtype=complex)] if blocks is None else [np.asarray(b, dtype=complex) for b in blocks]
    povm: list[np.ndarray] = []
    for blk in blocks:
        a, b = blk @ weighted0 @ blk, blk @ weighted1 @ blk
        guess0 = blk @ helstrom_projector(a, b) @ blk
        povm.extend([guess0, blk - guess0])
    return povm


def individual_information(weighted0: np.ndarray, weighted1: np.ndarray, blocks: Sequence[np.ndarray] | None = None) -> float:
    """I(A:E) for Eve's block-then-Helstrom measurement (see module doc)."""
    return measured_information([weighted0, weighted1], block_helstrom_povm(weighted0, weighted1, blocks))


# -- the protocol side: preparations, Bob's measurement, sifting ---------------
@dataclass(frozen=True)
class Preparation:
    """One of Alice's symbols as Eve sees the protocol: the qubit sent, its
    probability, what Alice announces (``public``: her basis, or the
    candidate set of SARG04) and the key bit it encodes."""

    state: Any
    probability: Any
    public: str
    bit: int


@dataclass(frozen=True)
class Detection:
    """One element of Bob's POVM, his random setting folded in (the
    weight is in ``element``); ``label`` names it (``Z:1``)."""

    element: Any
    label: str


@dataclass(frozen=True)
class KeyModel:
    """A prepare-and-measure protocol as the adversary engine sees it.

    ``rule`` maps (Alice's announcement, index of Bob's detection) to (Bob's
    key bit, Bob's announcement) for the rounds that survive sifting; every
    other pair is discarded.  Eve learns both announcements.
    """

    name: str
    preparations: tuple[Preparation, ...]
    detections: tuple[Detection, ...]
    rule: Mapping[tuple[str, int], tuple[int, str]]

    def check(self) -> None:
        total = sum(complex(sp.N(p.probability)) for p in self.preparations)
        if abs(total - 1) > 1e-9:
            raise PhysicsError(f"{self.name}: preparation probabilities sum to {total}, expected 1")
        povm = sum(as_numeric(d.element) for d in self.detections)
        if np.max(np.abs(povm - np.eye(2))) > 1e-9:
            raise PhysicsError(f"{self.name}: Bob's POVM elements sum to {np.round(povm, 6).tolist()}, expected I")


def key_model(spec: Any) -> KeyModel:
    """The :class:`KeyModel` of a :class:`~qproto.spec.qkd.PrepareMeasureQKD`
    spec: signals with their basis probabilities (bit uniform within a
    basis), Bob's measurements with theirs, and the spec's sifting rule
    (``basis-match`` or ``unambiguous``), as documented in
    :mod:`qproto.spec.qkd`."""
    from .qkd import alice_public, announcements, bob_public  # one definition of what the spec makes public

    by_name = {s.name: s for s in spec.signals}
    vec = {s.name: sp.Matrix([sp.sympify(a) for a in s.amplitudes]) for s in spec.signals}
    preps: list[Preparation] = []
    for s in spec.signals:
        pb = sp.sympify(spec.basis_probabilities.get(s.basis, 0))
        n_in_basis = sum(1 for t in spec.signals if t.basis == s.basis)
        p = pb / n_in_basis
        publics = [alice_public(spec, s.basis, cand) for cand in announcements(spec)[s.name]]
        for pub in dict.fromkeys(publics):
            share = sp.Rational(publics.count(pub), len(publics))
            preps.append(Preparation(vec[s.name], p * share, pub, s.bit))
    dets: list[Detection] = []
    meta: list[tuple[str, Any]] = []  # (measurement name, outcome)
    for m in spec.measurements:
        w = sp.sympify(m.probability)
        for o in m.outcomes:
            v = sp.Matrix([sp.sympify(a) for a in o.vector])
            dets.append(Detection(w * v * v.H, f"{m.name}:{o.label}"))
            meta.append((m.name, o))
    rule: dict[tuple[str, int], tuple[int, str]] = {}
    for pub in sorted({p.public for p in preps}):
        for i, (mname, o) in enumerate(meta):
            if spec.sifting == "basis-match":
                if mname == pub and o.bit is not None:
                    rule[(pub, i)] = (int(o.bit), bob_public(spec, mname))
            else:
                v = sp.Matrix([sp.sympify(a) for a in o.vector])
                bits = {by_name[c].bit for c in pub.split(",") if sp.simplify(abs((v.H * vec[c])[0])) != 0}
                if len(bits) == 1:
                    rule[(pub, i)] = (bits.pop(), bob_public(spec, mname))
    return KeyModel(spec.name, tuple(preps), tuple(dets), rule)


def key_model_entangled(spec: Any) -> KeyModel:
    """The :class:`KeyModel` of an :class:`~qproto.spec.qkd.EntanglementQKD`
    spec when Eve acts on Bob's half: Alice's measurement (setting x,
    outcome a) steers Bob's qubit into Tr_A[(P_a^x ⊗ I) ρ], which is what a
    prepare-and-measure Alice would send.  Key pairs (x, y) are kept; Bob
    flips his bit where the noiseless correlator is −1, as in
    :mod:`qproto.models.qkd`."""
    from .qkd import correlator, source_state  # the family's own source and correlator conventions

    rho = np.asarray(source_state(spec), dtype=object)
    rho = np.vectorize(lambda e: complex(sp.N(e)), otypes=[complex])(rho)
    flips = {}
    for x, y in spec.key_pairs:
        c = complex(sp.N(correlator(spec, x, y, None))).real
        flips[(x, y)] = 0 if c > 0 else 1
    preps: list[Preparation] = []
    for st in spec.alice_settings:
        px = float(sp.N(sp.sympify(st.probability)))
        for a in (0, 1):
            pa = _projector(st.angle, a)
            cond = np.einsum("ij,ikjl->kl", pa, rho.reshape(2, 2, 2, 2))  # Tr_A[(P ⊗ I) ρ]
            w = float(np.real(np.trace(cond)))
            if w <= EIGEN_TOLERANCE:
                continue
            vals, vecs = np.linalg.eigh(cond / w)
            preps.append(Preparation(vecs[:, -1], px * w, st.name, a))
    dets: list[Detection] = []
    rule: dict[tuple[str, int], tuple[int, str]] = {}
    for st in spec.bob_settings:
        py = float(sp.N(sp.sympify(st.probability)))
        for b in (0, 1):
            dets.append(Detection(py * _projector(st.angle, b), f"{st.name}:{b}"))
            for (x, y), flip in flips.items():
                if y == st.name:
                    rule[(x, len(dets) - 1)] = (b ^ flip, y)
    return KeyModel(spec.name, tuple(preps), tuple(dets), rule)


def _projector(angle: Any, outcome: int) -> np.ndarray:
    th = float(sp.N(sp.sympify(angle)))
    sign = 1 if outcome == 0 else -1
    return np.array([[1 + sign * np.cos(th), sign * np.sin(th)], [sign * np.sin(th), 1 - sign * np.cos(th)]], dtype=complex) / 2


def as_numeric(m: Any) -> np.ndarray:
    """A matrix (SymPy, object array or numeric) as a complex NumPy array."""
    if isinstance(m, np.ndarray) and m.dtype != object:
        return m.astype(complex)  # already numeric: no SymPy round trip per entry (the attack search calls this ~10^4 times)
    arr = np.asarray(m.tolist() if isinstance(m, sp.MatrixBase) else m, dtype=object)
    if arr.dtype == object:
        return np.vectorize(lambda e: complex(sp.N(e)), otypes=[complex])(arr)
    return arr.astype(complex)


@dataclass
class PublicSlice:
    """The sifted rounds with one public announcement: P(a, b) (2×2, weights
    of all rounds, not normalised) and Eve's prior-weighted states σ_a."""

    public: tuple[str, str]
    joint: np.ndarray
    eve: list[np.ndarray]

    @cached_property
    def weight(self) -> float:
        # computed once: ``joint`` is final when the ensemble is built, and the search reads it ~10^5 times
        return float(np.real(np.sum(self.joint)))


@dataclass
class SiftedEnsemble:
    """What an attack does to a protocol's sifted key (numeric)."""

    slices: list[PublicSlice]
    blocks: list[np.ndarray] | None = None
    eve_access: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def sift_probability(self) -> float:
        return sum(s.weight for s in self.slices)

    @property
    def qber(self) -> float:
        w = self.sift_probability
        return 0.0 if w <= 0 else sum(float(np.real(s.joint[0, 1] + s.joint[1, 0])) for s in self.slices) / w

    def qber_by_public(self) -> dict[str, float]:
        return {"/".join(s.public): float(np.real(s.joint[0, 1] + s.joint[1, 0]) / s.weight) for s in self.slices if s.weight > 0}

    def _average(self, fn) -> float:
        w = self.sift_probability
        return 0.0 if w <= 0 else sum(s.weight * fn(s) for s in self.slices if s.weight > EIGEN_TOLERANCE) / w

    @property
    def info_ab(self) -> float:
        """I(A:B | public), bits per sifted bit."""
        return self._average(lambda s: mutual_information(np.real(s.joint)))

    @property
    def info_ae(self) -> float:
        """I(A:E | public) for Eve's stated individual measurement."""
        if not self.eve_access:
            return 0.0
        return self._average(lambda s: individual_information(s.eve[0] / s.weight, s.eve[1] / s.weight, self.blocks))

    @property
    def holevo_ae(self) -> float:
        """χ(A:E | public), Eve's Holevo information per sifted bit."""
        if not self.eve_access:
            return 0.0
        w = self.sift_probability
        if w <= 0:
            return 0.0
        used = [s for s in self.slices if s.weight > EIGEN_TOLERANCE]
        chis = holevo_informations([[s.eve[0] / s.weight, s.eve[1] / s.weight] for s in used])
        return sum(s.weight * chi for s, chi in zip(used, chis)) / w

    def figures(self) -> dict[str, float]:
        i_ab, i_ae, chi = self.info_ab, self.info_ae, self.holevo_ae
        return {
            "sift_probability": self.sift_probability,
            "qber": self.qber,
            "info_ab": i_ab,
            "info_ae": i_ae,
            "holevo_ae": chi,
            "csiszar_korner_rate": i_ab - i_ae,
            "devetak_winter_rate": i_ab - chi,
        }


def sifted_ensemble(model: KeyModel, instrument: Any) -> SiftedEnsemble:
    """The sifted ensemble of ``model`` when the signal goes through
    ``instrument`` (a :class:`~qproto.models.instrument.Instrument`,
    evaluated numerically).

    Eve's system is her record r (classical) and her ancilla: her state is
    block diagonal over records, σ = ⊕_r σ_r, and she reads r before she
    measures the ancilla (the blocks of her stated measurement).  For each
    kept public pair, P(a, b) = Σ p(ψ) tr[(M_b ⊗ I) KψψK†] and
    σ_{r,a} = Σ p(ψ) Σ_K tr_B[(M ⊗ I) KψψK†] over Alice's symbols with bit a
    and Bob's elements announced with that public label.  An instrument of
    kind "noise" leaves Eve nothing: its one record and trivial ancilla give
    χ = I(A:E) = 0 by construction.
    """
    inst = instrument.numeric() if getattr(instrument, "exact", False) else instrument
    d = inst.ancilla_dim
    records = len(inst.branches)
    size = records * d
    plan = _sift_plan(model)
    # every (symbol, Kraus operator) output |Ψ⟩ = K|ψ⟩ as a (signal, ancilla) matrix, and every
    # (symbol, detection, Kraus) term σ = p·tr_B[(M ⊗ I)|Ψ⟩⟨Ψ|], ⟨e|σ|e'⟩ = Σ_{s,s'} M[s',s] Ψ[s,e] conj(Ψ[s',e']),
    # in three array operations (the search builds ~10^4 ensembles: a Python loop per term dominated)
    kraus = [(r, k) for r, br in enumerate(inst.branches) for k in br.kraus]
    ks = np.stack([k for _, k in kraus])  # (K, 2d, 2)
    out = np.einsum("kxs,is->ikx", ks, plan.states).reshape(len(plan.states), len(kraus), 2, d)
    sigma = np.einsum("iksa,jsu,ikub->ijkab", out, plan.elements_t, out.conj()) * plan.weights[:, None, None, None, None]
    # summed over the (symbol, detection) pairs of each slice and bit, and over the Kraus operators of each record
    to_record = np.zeros((len(kraus), records))
    to_record[np.arange(len(kraus)), [r for r, _ in kraus]] = 1
    blocks_of = np.einsum("saij,ijkxy,kr->sarxy", plan.alice_map, sigma, to_record)  # (slices, 2, records, d, d)
    traces = np.einsum("ijkaa->ij", sigma).real
    joint = np.einsum("sabij,ij->sab", plan.joint_map, traces)
    slices = []
    for n, key in enumerate(plan.keys):
        eve = [np.zeros((size, size), complex), np.zeros((size, size), complex)]
        for a in (0, 1):
            for r in range(records):
                eve[a][r * d : (r + 1) * d, r * d : (r + 1) * d] = blocks_of[n, a, r]
        slices.append(PublicSlice(key, joint[n], eve))
    blocks = []
    for r in range(records):
        b = np.zeros((size, size), complex)
        b[r * d : (r + 1) * d, r * d : (r + 1) * d] = np.eye(d)
        blocks.append(b)
    return SiftedEnsemble(slices, blocks, True)


@dataclass(frozen=True)
class _SiftPlan:
    """A key model's arrays and its sifting rule as 0/1 maps: what
    :func:`sifted_ensemble` needs besides the instrument."""

    keys: list[tuple[str, str]]  # the public pairs, in order of first appearance (symbol, then detection)
    states: np.ndarray  # (symbols, 2): Alice's qubits
    weights: np.ndarray  # (symbols,): their probabilities
    elements_t: np.ndarray  # (detections, 2, 2): Bob's POVM elements, transposed
    alice_map: np.ndarray  # (slices, 2, symbols, detections): 1 where the pair is kept in that slice with Alice's bit a
    joint_map: np.ndarray  # (slices, 2, 2, symbols, detections): ... and Bob's bit b


_PLANS = IdentityMemo(64)


def _sift_plan(model: KeyModel) -> _SiftPlan:
    return _PLANS.get_or_build((model,), (), lambda: _build_sift_plan(model))


def _build_sift_plan(model: KeyModel) -> _SiftPlan:
    preps, dets = model.preparations, model.detections
    states = np.stack([as_numeric(p.state).reshape(2) for p in preps])
    weights = np.array(
        [
            float(np.real(complex(sp.N(p.probability)))) if isinstance(p.probability, sp.Basic) else float(p.probability)
            for p in preps
        ]
    )
    elements_t = np.stack([as_numeric(det.element).T for det in dets])
    index: dict[tuple[str, str], int] = {}
    kept = []
    for i, prep in enumerate(preps):
        for j in range(len(dets)):
            rule = model.rule.get((prep.public, j))
            if rule is None:
                continue
            bob_bit, bob_public = rule
            n = index.setdefault((prep.public, bob_public), len(index))
            kept.append((n, prep.bit, bob_bit, i, j))
    alice_map = np.zeros((len(index), 2, len(preps), len(dets)))
    joint_map = np.zeros((len(index), 2, 2, len(preps), len(dets)))
    for n, a, b, i, j in kept:
        alice_map[n, a, i, j] = 1
        joint_map[n, a, b, i, j] = 1
    return _SiftPlan(list(index), states, weights, elements_t, alice_map, joint_map)


__all__ = [
    "as_numeric",
    "EIGEN_TOLERANCE",
    "binary_entropy",
    "shannon_entropy",
    "von_neumann_entropy",
    "mutual_information",
    "trace_norm",
    "helstrom_projector",
    "holevo_informations",
    "hermitian_eigenvalues",
    "helstrom_guess",
    "holevo_information",
    "measured_information",
    "block_helstrom_povm",
    "individual_information",
    "Preparation",
    "Detection",
    "KeyModel",
    "key_model",
    "key_model_entangled",
    "PublicSlice",
    "SiftedEnsemble",
    "sifted_ensemble",
    "exact_eve_states",
    "exact_helstrom_guess",
]


# -- exact Eve states (SymPy) for proofs ---------------------------------------------
def exact_eve_states(model: KeyModel, instrument: Any, public: str) -> tuple[sp.Matrix, sp.Matrix, Any, Any]:
    """Eve's prior-weighted states σ₀, σ₁ (SymPy matrices, block diagonal
    over records) on the sifted rounds where Alice announced ``public``,
    with the sifted weight and the error weight — exact for an exact
    instrument.  Conjugates of real symbols are removed (the instruments'
    amplitudes are real parameters)."""
    d = instrument.ancilla_dim
    records = len(instrument.branches)
    size = records * d
    sig = [sp.zeros(size, size), sp.zeros(size, size)]
    weight, errors = sp.Integer(0), sp.Integer(0)
    for prep in model.preparations:
        if prep.public != public:
            continue
        psi = sp.Matrix(prep.state) if not isinstance(prep.state, sp.MatrixBase) else prep.state
        for i, det in enumerate(model.detections):
            hit = model.rule.get((prep.public, i))
            if hit is None:
                continue
            m = sp.Matrix(det.element)
            for r, br in enumerate(instrument.branches):
                for k in br.kraus:
                    out = (sp.Matrix(k.tolist()) * psi).reshape(2, d)
                    block = (out.T * m.T * out.conjugate()) * sp.sympify(prep.probability)
                    block = block.applyfunc(lambda e: sp.expand(sp.conjugate(e).conjugate()))
                    sig[prep.bit][r * d : (r + 1) * d, r * d : (r + 1) * d] += block
                    tr = sp.expand(block.trace())
                    weight += tr
                    if hit[0] != prep.bit:
                        errors += tr
    real = {sp.conjugate(s): s for s in instrument.free_symbols() if s.is_real}
    clean = lambda e: sp.expand(sp.sympify(e).xreplace(real))  # noqa: E731
    return sig[0].applyfunc(clean), sig[1].applyfunc(clean), clean(weight), clean(errors)


def exact_helstrom_guess(sigma0: sp.Matrix, sigma1: sp.Matrix, weight: Any) -> Any:
    """½(1 + ‖σ₀ − σ₁‖₁ / w) exactly, from the eigenvalues of σ₀ − σ₁
    (SymPy; positivity assumptions on the symbols decide the |·|)."""
    ev = (sigma0 - sigma1).eigenvals()
    norm = sum(sp.Abs(sp.simplify(k)) * m for k, m in ev.items())
    return sp.simplify((1 + norm / weight) / 2)


_numeric = as_numeric  # the name it had before it was public
