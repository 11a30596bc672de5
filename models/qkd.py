"""Exact QKD statistics by the Born rule, for any instrument on the signal.

Every figure here is derived from the spec's states and measurements and
the instrument's Kraus operators — nothing is typed in.  With an exact
instrument (SymPy entries, possibly symbols such as the interception
fraction ``fraction`` or the noise ``p``) the results are SymPy
expressions; with a numeric instrument they are floats.  The two are
cross-checked in the tests, and :func:`lambdified` turns an exact result
into a fast NumPy function.

Entry points take a spec of either family and an instrument:

- :func:`table`: one row per (Alice's choice, announcement, Bob's setting,
  Bob's outcome, Eve's record) with its probability and the sifting verdict;
- :func:`sift_probability`, :func:`qber`, :func:`qber_per_basis`;
- :func:`outcome_distribution`: P(Bob's outcome | Alice's choice, Bob's setting);
- :func:`chsh` and :func:`correlator` (entanglement family);
- :func:`eve_information`: I(Alice's sifted bit : Eve's record | what the
  spec announces, :func:`public_view`) for an instrument whose record is
  classical (no ancilla).

The per-round physics behind them is public, so that test vectors, explain,
analyze, the simulator and the checkers share one source: the spec's
:func:`sift_rule` (prepare and measure) and :func:`key_flip` (entanglement),
the setting :func:`projector` and :func:`source_state`, the joint tables
:func:`pm_table` / :func:`eb_table`, and state by state
:func:`born_probabilities`, :func:`apply_pauli`, :func:`pair_probabilities`,
with the finite-sample decision :func:`sample_aborts` /
:func:`bell_test_passes`.  The whole-line recipe is
:func:`qproto.models.qkd_report.qkd_report`.

>>> from qproto.spec.bb84 import BB84
>>> from qproto.models.attacks import parse_attack
>>> qber(BB84, parse_attack("intercept-resend:fraction=1").instrument())
1/4
>>> f_line, syms = parse_attack("intercept-resend").symbolic("fraction")
>>> qber(BB84, f_line), sift_probability(BB84, f_line)
(fraction/4, 1/2)
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from qproto.spec.errors import SpecError
from qproto.spec.qkd import EntanglementQKD, PrepareMeasureQKD

from .bell import bell
from .channels import _real_sqrt_conjugates
from .instrument import Instrument, identity
from .memo import IdentityMemo, memo_by_value


@dataclass(frozen=True)
class Row:
    """One joint event of a QKD round and its probability.

    ``choice`` is Alice's signal (prepare-and-measure) or her setting
    (entanglement); ``announcement`` the candidate set she made public;
    ``setting``/``outcome`` Bob's; ``alice_outcome`` Alice's measured bit
    (entanglement family only); ``record`` Eve's.  ``kept`` says the round
    survives sifting; then ``alice_bit``/``bob_bit`` are the key bits.
    """

    choice: str
    announcement: tuple[str, ...]
    setting: str
    outcome: str
    record: Hashable
    probability: Any
    kept: bool
    alice_bit: int | None
    bob_bit: int | None
    basis: str
    alice_outcome: int | None = None


# -- small algebra -----------------------------------------------------------


def _parse(text: Any) -> sp.Expr:
    if isinstance(text, sp.Basic):
        return text
    return _sympify(text)


@memo_by_value(4096)  # a spec's amplitudes and angles are read over and over: each text once
def _sympify(text: Any) -> sp.Expr:
    try:
        return sp.sympify(text, rational=True)
    except (sp.SympifyError, TypeError) as exc:
        raise SpecError(f"cannot read {text!r} as an exact value: {exc}") from None


def _vec(amps: Sequence[Any]) -> np.ndarray:
    return np.array([_parse(a) for a in amps], dtype=object)


# The exact helpers below are pure functions of a SymPy value, and the same
# values come back over and over (the same amplitudes in every row of a table,
# the same QBER from several properties): each is memoised on the value
# (:func:`~qproto.models.memo.memo_by_value`).


def _abs2(z: Any, exact: bool) -> Any:
    if exact:
        return _abs2_exact(z)
    return float(abs(z) ** 2)


@memo_by_value(8192)
def _abs2_exact(z: Any) -> Any:
    return sp.expand(_real_sqrt_conjugates(sp.expand(z * sp.conjugate(z))))


def _simplify(e: Any) -> Any:
    return _simplify_basic(e) if isinstance(e, sp.Basic) else e


@memo_by_value(4096)
def _simplify_basic(e: sp.Basic) -> Any:
    e = sp.expand(_real_sqrt_conjugates(e))
    if e.free_symbols:
        return sp.factor(sp.simplify(e))
    return sp.radsimp(sp.simplify(e)) if e.is_number and not e.is_Rational else e


@memo_by_value(4096)
def simplified(e: Any) -> Any:
    """``sp.simplify(e)``, memoised on the expression (the checkers simplify
    the same CHSH value or QBER in several properties)."""
    return sp.simplify(e)


def _is_zero_exact(e: Any) -> bool:
    return simplified(_parse(e)) == 0


def _line(instrument: Instrument | None) -> Instrument:
    return identity() if instrument is None else instrument


# -- prepare and measure -------------------------------------------------------


def signal_probabilities(spec: PrepareMeasureQKD) -> dict[str, sp.Expr]:
    """P(Alice sends signal s) = P(basis) / #signals in that basis."""
    count: dict[str, int] = {}
    for s in spec.signals:
        count[s.basis] = count.get(s.basis, 0) + 1
    return {s.name: _parse(spec.basis_probabilities[s.basis]) / count[s.basis] for s in spec.signals}


def announcements(spec: PrepareMeasureQKD) -> dict[str, tuple[tuple[str, ...], ...]]:
    """The candidate sets each signal may be announced with (uniform)."""
    out = {}
    for s in spec.signals:
        out[s.name] = s.announce or (tuple(t.name for t in spec.signals if t.basis == s.basis),)
    return out


@lru_cache(maxsize=64)
def sift_rule(spec: PrepareMeasureQKD) -> dict[tuple[tuple[str, ...], str, str, str], int | None]:
    """(announcement, Alice's basis, Bob's setting, Bob's outcome) → Bob's key
    bit, or None when the round is discarded; derived from the noiseless Born
    rule (``unambiguous`` sifting keeps an outcome that excludes every
    announced candidate but those of one bit)."""
    sig = {s.name: s for s in spec.signals}
    rule: dict[tuple[tuple[str, ...], str, str, str], int | None] = {}
    for s in spec.signals:
        for ann in announcements(spec)[s.name]:
            for m in spec.measurements:
                for o in m.outcomes:
                    key = (ann, s.basis, m.name, o.label)
                    if spec.sifting == "basis-match":
                        rule[key] = o.bit if m.name == s.basis else None
                    else:
                        ov = _vec(o.vector)
                        bits = {
                            sig[c].bit
                            for c in ann
                            if not _is_zero_exact(_abs2(np.sum(np.conj(ov) * _vec(sig[c].amplitudes)), True))
                        }
                        rule[key] = bits.pop() if len(bits) == 1 else None
    return rule


def pm_table(spec: PrepareMeasureQKD, inst: Instrument) -> list[Row]:
    """:func:`table` of a prepare-and-measure spec (the instrument given)."""
    exact = inst.exact
    psig = signal_probabilities(spec)
    anns = announcements(spec)
    rule = sift_rule(spec)
    d = inst.ancilla_dim
    rows: list[Row] = []
    outs = {(m.name, o.label): _vec(o.vector) for m in spec.measurements for o in m.outcomes}
    if not exact:
        outs = {k: v.astype(complex) for k, v in outs.items()}
    for s in spec.signals:
        v = _vec(s.amplitudes) if exact else _vec(s.amplitudes).astype(complex)
        images = {b.record: [(k @ v).reshape(2, d) for k in b.kraus] for b in inst.branches}
        for ann in anns[s.name]:
            pa = sp.Rational(1, len(anns[s.name])) if exact else 1.0 / len(anns[s.name])
            for m in spec.measurements:
                pm = _parse(m.probability)
                for o in m.outcomes:
                    ov = np.conj(outs[(m.name, o.label)])
                    for rec, imgs in images.items():
                        p = 0
                        for img in imgs:
                            amps = ov @ img  # one amplitude per ancilla basis state
                            for a in amps:
                                p = p + _abs2(a, exact)
                        w = psig[s.name] * pa * pm
                        prob = sp.expand(w * p) if exact else float(w) * p
                        bit = rule[(ann, s.basis, m.name, o.label)]
                        rows.append(
                            Row(
                                s.name,
                                ann,
                                m.name,
                                o.label,
                                rec,
                                prob,
                                bit is not None,
                                s.bit if bit is not None else None,
                                bit,
                                s.basis,
                            )
                        )
    return rows


# -- entanglement based ---------------------------------------------------------


@memo_by_value(256)
def projector(angle: Any, outcome: int, exact: bool = True) -> np.ndarray:
    """The projector onto outcome 0 (the +1 eigenvector) or 1 of the
    setting of angle θ, which measures cos θ·Z + sin θ·X: (I ± (cos θ Z +
    sin θ X))/2, exact (SymPy entries) or complex128 (read-only: shared
    between callers)."""
    th = _parse(angle)
    sign = 1 if outcome == 0 else -1
    c, s = sp.cos(th), sp.sin(th)
    m = np.array([[1 + sign * c, sign * s], [sign * s, 1 - sign * c]], dtype=object) / 2
    m = np.vectorize(sp.expand, otypes=[object])(m)
    out = m if exact else m.astype(complex)
    out.flags.writeable = False
    return out


def source_state(spec: EntanglementQKD) -> np.ndarray:
    """The density matrix (exact) of the pair the spec's source emits, Alice's
    qubit first; only Bell pairs (``source="bell:NAME"``) are modelled."""
    kind, _, name = spec.source.partition(":")
    if kind != "bell":
        raise SpecError(f"{spec.name}: source={spec.source!r} must be 'bell:NAME' (phi+, phi-, psi+, psi-)")
    v = bell(name, ("a", "b")).vector()
    return np.multiply.outer(v, np.conj(v))


@lru_cache(maxsize=64)
def key_flip(spec: EntanglementQKD) -> dict[tuple[str, str], int]:
    """For each key setting pair, whether Bob flips his bit (1) or not (0):
    the noiseless correlator is −1 (flip) or +1; anything else is not a key
    pair (SpecError)."""
    out = {}
    for x, y in spec.key_pairs:
        e = _simplify(correlator(spec, x, y, None))
        if e == 1:
            out[(x, y)] = 0
        elif e == -1:
            out[(x, y)] = 1
        else:
            raise SpecError(
                f"{spec.name}: key pair ({x}, {y}) has noiseless correlator {e}, expected ±1; "
                "key pairs must give perfectly (anti)correlated outcomes"
            )
    return out


def _settings(spec: EntanglementQKD, who: str) -> dict[str, Any]:
    sts = spec.alice_settings if who == "alice" else spec.bob_settings
    return {s.name: s for s in sts}


def _eb_joint(spec: EntanglementQKD, inst: Instrument) -> dict[Hashable, np.ndarray]:
    """Each record's (unnormalised) state of Alice's and Bob's qubits: the
    instrument's ancilla traced out, since the settings never act on it
    (read-only arrays: derived once per spec and instrument, then shared by
    the table and every correlator)."""
    key = _instrument_key(inst)
    if key is None:
        return _eb_joint_uncached(spec, inst)
    return dict(_spec_memo(spec, ("eb-joint", key), lambda: _eb_joint_uncached(spec, inst)))


def _eb_joint_uncached(spec: EntanglementQKD, inst: Instrument) -> dict[Hashable, np.ndarray]:
    out = _eb_joint_states(spec, inst)
    for st in out.values():
        st.flags.writeable = False
    return out


def _eb_joint_states(spec: EntanglementQKD, inst: Instrument) -> dict[Hashable, np.ndarray]:
    rho = source_state(spec)
    if not inst.exact:
        rho = rho.astype(complex)
    d = inst.ancilla_dim
    return {rec: _trace_ancilla(st, d) for rec, st in inst.apply(rho, before=2).items()}


def _trace_ancilla(state: np.ndarray, d: int) -> np.ndarray:
    """Tr_E of a (4d × 4d) state whose last factor is the ancilla, as a 2×2×2×2 array [a, b, a', b']."""
    t = state.reshape(2, 2, d, 2, 2, d)
    if state.dtype != object:
        return np.einsum("abecde->abcd", t)
    out = np.empty((2, 2, 2, 2), dtype=object)
    for idx in np.ndindex(2, 2, 2, 2):
        a, b, c, e = idx
        out[idx] = sum((t[a, b, k, c, e, k] for k in range(d)), sp.Integer(0))
    return out


def _eb_prob(rho_ab: np.ndarray, pa: np.ndarray, pb: np.ndarray, exact: bool) -> Any:
    """Tr[(pa ⊗ pb) ρ_AB] = Σ pa[i,j]·pb[k,l]·ρ_AB[j,l,i,k]: 16 products, not a (4d)³ matrix product."""
    if not exact:
        return float(np.real(np.einsum("ij,kl,jlik->", pa, pb, rho_ab)))
    if rho_ab.flags.writeable or pa.flags.writeable or pb.flags.writeable:
        return _eb_prob_exact(rho_ab, pa, pb)
    # read-only arrays (the memoised joint states, the projectors): the table
    # and the correlators ask for the same products; the entry holds the three
    # arrays, so their ids cannot be reused while it lives
    return _EB_PROBS.get_or_build((rho_ab, pa, pb), (), lambda: _eb_prob_exact(rho_ab, pa, pb))


_EB_PROBS = IdentityMemo(8192)


def _eb_prob_exact(rho_ab: np.ndarray, pa: np.ndarray, pb: np.ndarray) -> Any:
    val = sp.Integer(0)
    for i, j, k, l in np.ndindex(2, 2, 2, 2):
        x, y = pa[i, j], pb[k, l]
        if x != 0 and y != 0:
            val += x * y * rho_ab[j, l, i, k]
    return sp.expand(_real_sqrt_conjugates(val))


def eb_table(spec: EntanglementQKD, inst: Instrument) -> list[Row]:
    """:func:`table` of an entanglement-based spec (the instrument given)."""
    exact = inst.exact
    joint = _eb_joint(spec, inst)
    flips = key_flip(spec)
    rows = []
    for xa in spec.alice_settings:
        for yb in spec.bob_settings:
            w = _parse(xa.probability) * _parse(yb.probability)
            key = (xa.name, yb.name) in flips
            for a in (0, 1):
                pa = projector(xa.angle, a, exact)
                for b in (0, 1):
                    pb = projector(yb.angle, b, exact)
                    for rec, st in joint.items():
                        p = _eb_prob(st, pa, pb, exact)
                        prob = sp.expand(w * p) if exact else float(w) * p
                        bob_bit = (b ^ flips[(xa.name, yb.name)]) if key else None
                        rows.append(
                            Row(
                                xa.name,
                                (),
                                yb.name,
                                str(b),
                                rec,
                                prob,
                                key,
                                a if key else None,
                                bob_bit,
                                f"{xa.name}/{yb.name}",
                                alice_outcome=a,
                            )
                        )
    return rows


def correlator(spec: EntanglementQKD, x: str, y: str, instrument: Instrument | None = None) -> Any:
    """E(x, y) = Σ (−1)^(a⊕b) P(a, b | x, y) after the instrument acts on
    Bob's qubit."""
    inst = _line(instrument)
    A, B = _settings(spec, "alice"), _settings(spec, "bob")
    if x not in A or y not in B:
        raise SpecError(f"{spec.name}: unknown setting pair ({x}, {y}); Alice has {list(A)}, Bob has {list(B)}")
    key = _instrument_key(inst)
    if key is None:
        return _correlator(spec, A[x], B[y], inst)
    return _spec_memo(spec, ("correlator", x, y, key), lambda: _correlator(spec, A[x], B[y], inst))


def _correlator(spec: EntanglementQKD, xa: Any, yb: Any, inst: Instrument) -> Any:
    exact = inst.exact
    joint = _eb_joint(spec, inst)
    total = 0
    for a in (0, 1):
        for b in (0, 1):
            sgn = 1 if a == b else -1
            for st in joint.values():
                total = total + sgn * _eb_prob(st, projector(xa.angle, a, exact), projector(yb.angle, b, exact), exact)
    return _simplify(total) if exact else total


def chsh(spec: EntanglementQKD, instrument: Instrument | None = None) -> Any:
    """S = Σ sign·E(x, y) over the spec's four CHSH terms."""
    if not spec.chsh:
        raise SpecError(f"{spec.name} has no CHSH test (chsh=())")
    total = sum(sgn * correlator(spec, x, y, instrument) for x, y, sgn in spec.chsh)
    return _simplify(total) if isinstance(total, sp.Basic) else total


# -- one round, state by state ------------------------------------------------------
# The per-round physics a session replays (test vectors, their reference
# answer): pure qubit states as amplitude tuples, exact (SymPy) or complex128.

#: Alice's and Bob's joint outcomes (a, b) of an entangled pair, in the order
#: :func:`pair_probabilities` lists them.
OUTCOME_PAIRS = ((0, 0), (0, 1), (1, 0), (1, 1))


def born_probabilities(state: Sequence[Any] | np.ndarray, outcome_vectors: Sequence[Any], exact: bool = True) -> tuple[Any, ...]:
    """P(outcome k) = |⟨w_k|ψ⟩|² of the qubit state ``state`` measured in the
    listed outcome vectors (amplitudes as exact texts or SymPy values; NumPy
    arrays when ``exact`` is False)."""
    if not exact:
        psi = np.asarray(state, dtype=complex)
        return tuple(abs(np.vdot(np.asarray(w, dtype=complex), psi)) ** 2 for w in outcome_vectors)
    out = []
    for o in outcome_vectors:
        w = [_parse(x) for x in o]
        amp = sp.expand(sp.conjugate(w[0]) * state[0] + sp.conjugate(w[1]) * state[1])
        out.append(sp.expand(amp * sp.conjugate(amp)))
    return tuple(out)


def apply_pauli(letter: str, state: Any, exact: bool = True) -> Any:
    """The qubit state after the Pauli ``letter`` (I, X, Y or Z) acts on it:
    an amplitude tuple (exact) or a complex128 vector."""
    if letter == "I":
        return state
    from .gates import gate

    if not exact:
        return gate(letter).numeric @ state
    m = _pauli_exact(letter)
    return tuple(sp.expand(m[i][0] * state[0] + m[i][1] * state[1]) for i in range(2))


@lru_cache(maxsize=8)
def _pauli_exact(letter: str) -> tuple[tuple[sp.Expr, ...], ...]:
    from .gates import gate

    return tuple(tuple(sp.sympify(x) for x in row) for row in gate(letter).matrix)


def pair_probabilities(source: str, alice_angle: Any, bob_angle: Any, pauli: str = "I", exact: bool = True) -> tuple[Any, ...]:
    """P(a, b) over :data:`OUTCOME_PAIRS` for a pair from ``source``
    (``"bell:NAME"``) when the Pauli ``pauli`` hits Bob's qubit and the two
    measure the settings of the given angles (:func:`projector`); exact
    (SymPy) or floats."""
    kind, _, name = source.partition(":")
    if kind != "bell":
        raise SpecError(f"source={source!r} must be 'bell:NAME' (phi+, phi-, psi+, psi-)")
    from .gates import gate

    pair = bell(name, ("a", "b"))
    if exact:
        v = pair.vector()
        if pauli != "I":
            v = np.kron(np.eye(2, dtype=int).astype(object), np.array(gate(pauli).matrix, dtype=object)) @ v
        return tuple(
            sp.expand(np.conj(v) @ np.kron(projector(alice_angle, a, True), projector(bob_angle, b, True)) @ v)
            for a, b in OUTCOME_PAIRS
        )
    w = pair.numeric().vector()
    if pauli != "I":
        w = np.kron(np.eye(2), gate(pauli).numeric) @ w
    return tuple(
        float(np.real(np.conj(w) @ np.kron(projector(alice_angle, a, False), projector(bob_angle, b, False)) @ w))
        for a, b in OUTCOME_PAIRS
    )


def sample_aborts(
    threshold: Fraction, sample_size: int, sample_errors: int, by_basis: Mapping[str, tuple[int, int]] | None = None
) -> bool:
    """The finite-sample decision: abort when the sample is empty or its
    error rate exceeds ``threshold`` (a rate equal to it passes); with
    per-basis estimation (``by_basis``: basis → (size, errors)), when *any*
    basis' sample is empty or exceeds it (the pooled figures are then not
    read)."""
    if by_basis is not None:
        return any(m == 0 or Fraction(e, m) > threshold for m, e in by_basis.values())
    return sample_size == 0 or Fraction(sample_errors, sample_size) > threshold


def bell_test_passes(s_value: Fraction | None, chsh_threshold: Fraction) -> bool:
    """|S| > the Bell threshold; an estimate with a CHSH term without rounds
    (``None``) fails."""
    return s_value is not None and abs(s_value) > chsh_threshold


# -- common entry points -------------------------------------------------------


def table(spec: Any, instrument: Instrument | None = None) -> list[Row]:
    """Every joint event of one round with its probability (exact when the
    instrument is exact)."""
    inst = _line(instrument)
    if isinstance(spec, PrepareMeasureQKD):
        build: Callable[[Any, Instrument], list[Row]] = pm_table
    elif isinstance(spec, EntanglementQKD):
        build = eb_table
    else:
        raise SpecError(f"{getattr(spec, 'name', spec)!r} is not a QKD spec (family {getattr(spec, 'family', None)!r})")
    key = _instrument_key(inst)
    if key is None:
        return build(spec, inst)
    return list(_spec_memo(spec, ("table", key), lambda: tuple(build(spec, inst))))


#: Results already derived for a spec, keyed on (id(spec), what was derived
#: and the instrument's content, :func:`_instrument_key`): several properties
#: of one spec derive the same table or correlator (the ideal line, the same
#: attack or noise).  Each entry holds the spec itself, so its id cannot be
#: reused while the entry lives, and a hit must be that very spec object.
#: Only immutable values are stored (tables as tuples of frozen rows).
_SPEC_MEMO = IdentityMemo(512)


def _spec_memo(spec: Any, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    return _SPEC_MEMO.get_or_build((spec,), key, build)


def _instrument_key(inst: Instrument) -> tuple[Any, ...] | None:
    """Everything :func:`pm_table` and :func:`eb_table` read of an
    instrument — exactness, ancilla dimension, each branch's record and Kraus
    entries — as a hashable value (None when something is not hashable).
    Exact entries are keyed as (type, value) (see :mod:`qproto.models.memo`), numeric
    ones by their bytes; a record by itself and its repr (``True`` and ``1``
    are equal as keys but print differently)."""
    parts = []
    for b in inst.branches:
        ks: list[tuple[Any, ...]] = []
        for k in b.kraus:
            if k.dtype == object:
                ks.append((k.shape, tuple((type(x), x) for x in k.flat)))
            else:
                ks.append((k.dtype.str, k.shape, k.tobytes()))
        parts.append((type(b.record), b.record, repr(b.record), tuple(ks)))
    key = (inst.exact, inst.ancilla_dim, tuple(parts))
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _sum(values: Sequence[Any]) -> Any:
    out: Any = 0
    for v in values:
        out = out + v
    return out


def _finish(e: Any) -> Any:
    return _simplify(e) if isinstance(e, sp.Basic) else e


def sift_probability(spec: Any, instrument: Instrument | None = None) -> Any:
    """P(a round survives sifting)."""
    return _finish(_sum([r.probability for r in table(spec, instrument) if r.kept]))


def _qber_of(rows: Sequence[Row]) -> Any:
    kept = _sum([r.probability for r in rows if r.kept])
    err = _sum([r.probability for r in rows if r.kept and r.alice_bit != r.bob_bit])
    if isinstance(kept, sp.Basic):
        if simplified(kept) == 0:
            return sp.nan
        return _simplify(err / kept)
    return float("nan") if kept == 0 else err / kept


def qber(spec: Any, instrument: Instrument | None = None) -> Any:
    """P(Bob's sifted bit ≠ Alice's | sifted)."""
    return _qber_of(table(spec, instrument))


def qber_per_basis(spec: Any, instrument: Instrument | None = None) -> dict[str, Any]:
    """QBER conditioned on Alice's basis (prepare-and-measure) or on the key
    setting pair (entanglement)."""
    rows = [r for r in table(spec, instrument) if r.kept]
    out = {}
    for basis in dict.fromkeys(r.basis for r in rows):
        out[basis] = _qber_of([r for r in rows if r.basis == basis])
    return out


def _num(v: Any) -> float:
    return float(sp.N(v)) if isinstance(v, sp.Basic) else float(v)


def phase_error(spec: PrepareMeasureQKD, per_basis: dict[str, Any]) -> tuple[str, float, float]:
    """(key basis, e_bit, e_phase) from per-basis error rates: e_bit is the
    key basis' (:attr:`PrepareMeasureQKD.key_basis`) rate, e_phase the
    largest rate among the other bases (for BB84's two bases: the other
    one).  A basis with no sifted round counts as error rate 1/2."""
    rates = {b: (0.5 if (v is None or v is sp.nan or v != v) else _num(v)) for b, v in per_basis.items()}
    kb = spec.key_basis if spec.key_basis in rates else next(iter(rates), spec.key_basis)
    others = [v for b, v in rates.items() if b != kb]
    return kb, rates.get(kb, 0.5), max(others) if others else 0.5


def accepts(spec: Any, qber_value: Any, per_basis: dict[str, Any] | None = None, tolerance: float = 0.0) -> bool:
    """Whether the asymptotic estimate passes the spec's abort threshold:
    the pooled QBER (``estimation="pooled"``), or *every* per-basis QBER
    (``estimation="per-basis"``; a basis with no sifted round fails)."""
    t = _num(_parse(spec.abort_threshold)) + tolerance
    if getattr(spec, "estimation", "pooled") == "per-basis":
        if not per_basis:
            return False
        vals = [None if (v is None or v is sp.nan) else _num(v) for v in per_basis.values()]
        return all(v is not None and v == v and v <= t for v in vals)
    if qber_value is None or qber_value is sp.nan:
        return False
    q = _num(qber_value)
    return q == q and q <= t


def secret_fraction(spec: Any, name: str, qber_value: Any, per_basis: dict[str, Any] | None = None) -> float | None:
    """The key-rate formula ``name`` of the spec at the estimated error
    rates, per sifted bit (not clipped; None outside its domain).  With
    ``estimation="per-basis"``, a formula with a per-basis form
    (:data:`~qproto.models.qkd_report.PER_BASIS_FORMS`: Shor–Preskill becomes
    Lo–Chau–Ardehali's 1 − h(e_bit) − h(e_phase)) takes it, and every other formula, a function of one QBER, is evaluated at the
    largest per-basis QBER (conservative: each formula decreases in Q)."""
    from .keyrate import key_rate
    from .qkd_report import PER_BASIS_FORMS  # the formulas with a form in (e_bit, e_phase)

    kr = key_rate(name)
    if getattr(spec, "estimation", "pooled") == "per-basis" and per_basis:
        if name in PER_BASIS_FORMS:
            _, e_bit, e_phase = phase_error(spec, per_basis)
            return PER_BASIS_FORMS[name].rate(e_bit, e_phase)
        vals = [0.5 if (v is None or v is sp.nan) else _num(v) for v in per_basis.values()]
        q = max(vals)
    else:
        if qber_value is None or qber_value is sp.nan:
            return None
        q = _num(qber_value)
    if not (q == q) or q > _num(kr.domain_high):
        return None
    r = float(kr(q))
    return r if r == r else None  # 0·log 0 at the domain's edge: no value rather than NaN


def outcome_distribution(spec: Any, instrument: Instrument | None = None) -> dict[str, dict[str, dict[str, Any]]]:
    """P(Bob's outcome | Alice's choice, Bob's setting): choice → setting →
    outcome → probability (Eve's record and announcements summed over)."""
    rows = table(spec, instrument)
    joint: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        d = joint.setdefault((r.choice, r.setting), {})
        d[r.outcome] = d.get(r.outcome, 0) + r.probability
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for (c, s), d in joint.items():
        tot = _sum(list(d.values()))
        out.setdefault(c, {})[s] = {o: _finish(p / tot) if isinstance(tot, sp.Basic) else p / tot for o, p in d.items()}
    return out


def alice_public(spec: PrepareMeasureQKD, basis: str, announcement: tuple[str, ...]) -> str:
    """What Alice makes public about a prepare-and-measure round, as the
    spec's sifting rule requires: her basis label under ``basis-match``
    (Bob compares it with his setting), the candidate set she announced
    under ``unambiguous`` (B92 announces one fixed set, i.e. nothing about
    the signal; SARG04 a pair).  Under ``unambiguous`` sifting the basis of
    a signal is a private label and is never announced."""
    if spec.sifting == "basis-match":
        return basis
    return ",".join(sorted(announcement))


def bob_public(spec: PrepareMeasureQKD, setting: str) -> str:
    """What Bob makes public about a kept round: his setting under
    ``basis-match``; under ``unambiguous`` only that his result was
    conclusive (his setting would tell Eve the bit)."""
    return setting if spec.sifting == "basis-match" else "conclusive"


def public_view(spec: Any, row: Row) -> tuple[Any, ...]:
    """What Eve knows of a kept round besides her own record: the
    announcements the spec's sifting makes public (entanglement family:
    both settings)."""
    if isinstance(spec, EntanglementQKD):
        return (row.choice, row.setting)
    return (alice_public(spec, row.basis, row.announcement), bob_public(spec, row.setting))


def _exact_probability(p: Any) -> Any:
    """A kept-row probability expanded (no ``simplify`` or ``radsimp``:
    their cost has no bound); rational probabilities come out Rational."""
    return sp.expand(p)


def _log2_rational(q: sp.Rational) -> tuple[sp.Rational, dict[int, sp.Rational]]:
    """log₂ q = k + Σ_p c_p log₂ p over the odd primes p of q: an exact
    canonical form (the integer part k collects the powers of 2)."""
    out: dict[int, sp.Rational] = {}
    whole = sp.Integer(0)
    for part, sign in ((q.p, 1), (q.q, -1)):
        for prime, mult in sp.factorint(part).items():
            if prime == 2:
                whole += sign * mult
            else:
                out[prime] = out.get(prime, sp.Integer(0)) + sign * mult
    return whole, out


def _entropy_exact(ps: Sequence[sp.Rational]) -> sp.Expr:
    """H(p) in bits of rational probabilities, exactly: a rational plus a
    rational combination of log₂ of odd primes (each coefficient collected,
    so equal entropies give equal expressions)."""
    whole = sp.Integer(0)
    coeff: dict[int, sp.Rational] = {}
    for p in ps:
        if p == 0:
            continue
        k, rest = _log2_rational(p)
        whole -= p * k
        for prime, c in rest.items():
            coeff[prime] = coeff.get(prime, sp.Integer(0)) - p * c
    return whole + sum((c * sp.log(prime) / sp.log(2) for prime, c in sorted(coeff.items()) if c != 0), sp.Integer(0))


def _entropy_numeric(ps: Sequence[Any], digits: int = 50) -> float:
    """H(p) in bits, evaluated with ``digits`` digits (mpmath) and rounded."""
    import mpmath

    with mpmath.workdps(digits):
        total = mpmath.mpf(0)
        for p in ps:
            v = mpmath.mpf(sp.N(p, digits)) if isinstance(p, sp.Basic) else mpmath.mpf(p)
            if v > 0:
                total -= v * mpmath.log(v, 2)
        return float(total)


def eve_information(spec: Any, instrument: Instrument | None = None) -> Any:
    """I(A : E | P) in bits per sifted bit, where A is Alice's sifted bit,
    E Eve's classical record and P what the spec makes public
    (:func:`public_view`: Alice's basis and Bob's setting under basis-match
    sifting; Alice's candidate set and "conclusive" under unambiguous
    sifting; both settings in the entanglement family).  Conditioned on P
    as I(A:B | P) and χ(A:E | P) are, so the three compare (the one-way
    rates are differences of them).  Defined when the
    instrument keeps no ancilla (Eve's record is classical); otherwise None
    (a quantum memory needs the Holevo quantity).

    Exact (a rational plus rational multiples of log₂ of primes) when every
    joint probability is rational; otherwise a float evaluated with 50-digit
    arithmetic (mpmath).  None for symbolic probabilities."""
    inst = _line(instrument)
    if inst.ancilla_dim != 1:
        return None
    rows = [r for r in table(spec, inst) if r.kept]
    exact = inst.exact
    if exact and any(isinstance(r.probability, sp.Basic) and r.probability.free_symbols for r in rows):
        return None  # symbolic mutual information is not worth its expression
    joint: dict[tuple[Hashable, tuple[Any, ...], int], Any] = {}
    for r in rows:
        assert r.alice_bit is not None  # a kept row carries its key bits
        key = (r.record, public_view(spec, r), r.alice_bit)
        joint[key] = joint.get(key, 0) + r.probability
    if exact:
        joint = {k: _exact_probability(v) for k, v in joint.items()}
    kept = _sum(list(joint.values()))
    if (sp.sympify(kept) == 0) if exact else kept <= 0:
        return None  # no sifted round: nothing to know
    if exact and not all(v.is_Rational for v in joint.values()):
        # irrational weights: 50-digit numerics (an exact entropy of radicals is no clearer)
        joint = {k: sp.N(v, 60) for k, v in joint.items()}
        kept = sp.N(kept, 60)
    joint = {k: (_exact_probability(v / kept) if exact else v / kept) for k, v in joint.items()}
    # I(A : R | P) = H(A, P) + H(R, P) − H(A, R, P) − H(P)
    marginals: list[dict[Any, Any]] = [{}, {}, {}]
    for (rec, pub, a), p in joint.items():
        for m, key in zip(marginals, ((a, pub), (rec, pub), pub)):
            m[key] = m.get(key, 0) + p
    parts = [list(m.values()) for m in marginals] + [list(joint.values())]
    signs = (1, 1, -1, -1)  # H(A,P), H(R,P), H(P), H(A,R,P)
    if exact and all(sp.sympify(p).is_Rational for part in parts for p in part):
        return sp.expand(
            sum((sg * _entropy_exact([sp.Rational(p) for p in part]) for sg, part in zip(signs, parts)), sp.Integer(0))
        )
    if exact:
        hs = [_entropy_numeric(part) for part in parts]
    else:
        hs = [float(_h(part, False)) for part in parts]
    return max(0.0, sum(sg * h for sg, h in zip(signs, hs)))


def _h(ps: Sequence[Any], exact: bool) -> Any:
    if exact:
        return -_sum([p * sp.log(p, 2) for p in ps if p != 0])
    return -sum(p * np.log2(p) for p in ps if p > 0)


def lambdified(
    quantity: Callable[[Any, Instrument], Any], spec: Any, instrument: Instrument, symbols: Sequence[sp.Symbol]
) -> tuple[sp.Expr, Callable[..., Any]]:
    """The exact expression of ``quantity(spec, instrument)`` in
    ``symbols`` and its NumPy function (vectorised over arrays)."""
    expr = quantity(spec, instrument)
    return expr, sp.lambdify(list(symbols), expr, "numpy")


# The names these had before they were public; kept for the modules of this
# layer that still use them (nothing outside models/ may).
_sift_rule = sift_rule
_key_flip = key_flip
_projector = projector
_source = source_state
_eb_table = eb_table
_pm_table = pm_table

__all__ = [
    "Row",
    "sift_rule",
    "key_flip",
    "projector",
    "source_state",
    "pm_table",
    "eb_table",
    "OUTCOME_PAIRS",
    "born_probabilities",
    "apply_pauli",
    "pair_probabilities",
    "sample_aborts",
    "bell_test_passes",
    "table",
    "signal_probabilities",
    "announcements",
    "sift_probability",
    "qber",
    "qber_per_basis",
    "phase_error",
    "accepts",
    "secret_fraction",
    "outcome_distribution",
    "correlator",
    "chsh",
    "eve_information",
    "alice_public",
    "bob_public",
    "public_view",
    "lambdified",
]
