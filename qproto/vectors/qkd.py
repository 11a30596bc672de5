"""Vectors for prepare-and-measure QKD (BB84, B92, six-state, SARG04, and
any variant a designer writes in the same family).

A test is one complete session of ``rounds`` rounds with every random
choice explicit, per round:

- ``signals`` — Alice's state (with ``aliceBits`` / ``aliceBases`` spelled
  out), and ``announcements`` (the candidate set she announces) when the
  protocol announces more than its basis (B92, SARG04);
- ``bobSettings`` — Bob's measurement;
- ``eve`` — for intercept-resend: ``intercept`` (bit string), ``bases``
  (her measurement basis, ``"-"`` when she lets the qubit pass) and
  ``draws``; ``noise`` — a Pauli letter per round (``I``, ``X``, ``Y``,
  ``Z``) applied to the qubit on the line after Eve;
- ``bobDraws`` — the quantum randomness of Bob's detector: outcome k of his
  measurement is the first with u < p₀ + … + p_k (Born probabilities, in
  the listed outcome order).  Eve's ``draws`` work the same way.  Draws are
  dyadic (2r+1)/2³³, exact as floats, and never within 10⁻⁹ of a boundary;
- ``sampleMask`` — a bit per round: if that round survives sifting, its bit
  is disclosed for estimation.

Expected outputs, in protocol order: Bob's outcomes, the sifted mask and
both sifted keys, sample size and errors, the estimated QBER (exact),
the abort decision, the keys left after removing the sample and the final
key length.  ``result`` is ``invalid`` exactly when the protocol must abort:
the sample is empty or its error rate exceeds the threshold (a rate equal
to the threshold passes, as the spec says "exceeds").

Per-basis estimation (``estimation="per-basis"``, Lo, Chau & Ardehali,
J. Cryptology 18, 133 (2005)): the sample is counted separately for each of
Alice's bases (the spec's ``basis_probabilities``, listed in the group's
``parameters.estimationBases``), and the protocol aborts when *any* basis
has no sample bit or its error rate exceeds the threshold — the rule of
:func:`qproto.models.qkd.accepts` and of the simulator's
``Summary.decision``.  Such groups say so in ``parameters`` (``estimation``,
``decisionRule``), their outputs add ``sampleByBasis`` (size, errors and
exact QBER per basis; the pooled ``sampleSize``/``sampleErrors``/``qber``
stay, as totals the decision does not read), and their threshold edge
cases are per basis: one basis exactly at the threshold with the others
clean (valid), one error above (invalid, although the pooled rate passes),
a basis whose sifted rounds are all kept secret (empty sample: invalid).
A biased basis choice makes the pooled rate mostly the likely basis' rate,
so an eavesdropper attacking only that basis hides in it; the flag
``PooledEstimateHides`` marks every test a pooled implementation gets wrong.

Versions: ``qkd-pm-1`` had the pooled rule only.  ``qkd-pm-2`` adds
per-basis estimation; it writes the files of pooled protocols byte for
byte as ``qkd-pm-1`` did (and labels them ``qkd-pm-1``, seeding them the
same way), and labels per-basis files ``qkd-pm-2``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from qproto.models import qkd as qkd_model
from qproto.spec.errors import SpecError
from qproto.spec.protocol import Protocol
from qproto.spec.qkd import BASIS_STATES, STATES, Measurement, Outcome, PrepareMeasureQKD, Signal

from . import draws, expr, randomness, values
from .registry import FamilyGenerator, family_generator

VERSION = "qkd-pm-2"
#: The version (and bytes) of files of pooled-estimation protocols.
POOLED_VERSION = "qkd-pm-1"
TOLERANCE = 1e-9
ROUNDS = 128
#: Depolarizing noise of the noisy group: X, Y, Z each with probability p/3.
NOISE_P = draws.NOISE_P
PAULIS = draws.PAULIS

NOTES = {
    "HonestRun": "no eavesdropper and no noise: the parties' sifted keys agree",
    "InterceptResend": "Eve intercepts and resends (her choices and outcomes are explicit inputs)",
    "Noise": "depolarizing noise on the line, as explicit Pauli events per round",
    "AllBasesMismatched": "Bob never measures in Alice's basis: nothing survives sifting",
    "EmptySiftedKey": "no round survives sifting: there is nothing to estimate, the protocol must abort",
    "EmptySample": "the sifted key is not empty but no bit was disclosed: no estimate, the protocol must abort",
    "QberAtThreshold": "the sample's error rate equals the abort threshold exactly: the protocol must NOT abort "
    "(it aborts only when the rate exceeds the threshold)",
    "QberAboveThreshold": "one error more than at the threshold: the protocol must abort",
    "Abort": "the estimate exceeds the threshold: the protocol must abort",
    "BasisQberAtThreshold": "per-basis estimation: one basis' sample error rate equals the threshold exactly and the "
    "other bases are clean: the protocol must NOT abort",
    "BasisQberAboveThreshold": "per-basis estimation: one basis' sample holds one error more than at the threshold and "
    "the other bases are clean: the protocol must abort",
    "EmptyBasisSample": "per-basis estimation: some basis has no sample bit (none of its sifted rounds was disclosed), "
    "so its error rate cannot be estimated: the protocol must abort",
    "KeyBasisAttack": "Eve intercepts and resends every qubit in the key basis only (the attack on a biased basis "
    "choice): the key-basis sample stays clean while the other bases' samples show errors",
    "PooledEstimateHides": "per-basis estimation aborts but the pooled error rate over the whole sample passes the "
    "threshold: an implementation that pools the estimate (the insecure rule for a biased basis choice) accepts here",
}

HEADER = (
    "Prepare-and-measure QKD test vectors generated by qproto from the protocol spec.",
    "Each test is one session with every random choice explicit (signals, settings, Eve's choices, noise events,",
    "detector draws, sample); outputs are Bob's outcomes, sifted keys, sample errors, QBER, abort decision and keys.",
)

ORDER = (
    "bobOutcomes",
    "sifted",
    "siftedKeyAlice",
    "siftedKeyBob",
    "sampleSize",
    "sampleErrors",
    "qber",
    "sampleByBasis",
    "abort",
    "keyAlice",
    "keyBob",
    "finalKeyLength",
)

POOLED_RULE = "abort when the sample is empty or sampleErrors/sampleSize > abortThreshold"
PER_BASIS_RULE = (
    "per-basis estimation (Lo-Chau-Ardehali): for each basis b in estimationBases, count the sample bits of the sifted "
    "rounds Alice prepared in basis b (sampleByBasis[b]); abort when any basis has sampleSize_b = 0 or "
    "sampleErrors_b/sampleSize_b > abortThreshold (a rate equal to the threshold passes); the pooled sampleSize, "
    "sampleErrors and qber are reported but not read by the decision"
)


def per_basis(spec: PrepareMeasureQKD) -> bool:
    return getattr(spec, "estimation", "pooled") == "per-basis"


def estimation_bases(spec: PrepareMeasureQKD) -> list[str]:
    """The bases estimated separately: Alice's, as the spec lists them
    (the simulator's ``sample_by_basis`` keys)."""
    return list(spec.basis_probabilities)


def version_of(spec: Protocol) -> str:
    """``qkd-pm-2`` for per-basis specs; pooled specs keep ``qkd-pm-1``
    (their files are unchanged)."""
    return VERSION if isinstance(spec, PrepareMeasureQKD) and per_basis(spec) else POOLED_VERSION


# -- the protocol as data --------------------------------------------------------
def describe(spec: PrepareMeasureQKD) -> dict[str, Any]:
    return {
        "kind": "qkd-prepare-measure",
        "signals": [
            {
                "name": s.name,
                "bit": s.bit,
                "basis": s.basis,
                "amplitudes": list(s.amplitudes),
                **({"announce": [list(a) for a in s.announce]} if s.announce else {}),
            }
            for s in spec.signals
        ],
        "basisProbabilities": dict(spec.basis_probabilities),
        "measurements": [
            {
                "name": m.name,
                "probability": m.probability,
                "outcomes": [{"label": o.label, "vector": list(o.vector), "bit": o.bit} for o in m.outcomes],
            }
            for m in spec.measurements
        ],
        "sifting": spec.sifting,
        "eveBases": {b: [list(STATES[n]) for n in names] for b, names in BASIS_STATES.items()},
        "drawRule": "outcome k is the first with u < p_0 + ... + p_k (Born probabilities, outcomes in listed order)",
        "decisionRule": PER_BASIS_RULE if per_basis(spec) else POOLED_RULE,
    }


def rebuild(model: Mapping[str, Any], name: str = "vector-qkd") -> PrepareMeasureQKD:
    """The spec a group ``model`` describes.  Every number in it is read
    with the fixed grammar of :mod:`qproto.vectors.expr` first (the spec's
    models sympify strings; a file's strings must never reach sympify)."""
    safe = expr.safe_text
    return PrepareMeasureQKD(
        name=name,
        signals=tuple(
            Signal(
                name=s["name"],
                bit=int(s["bit"]),
                basis=s["basis"],
                amplitudes=expr.safe_tree(s["amplitudes"], f"model.signals[{k}].amplitudes"),
                announce=tuple(tuple(a) for a in s.get("announce", ())),
            )
            for k, s in enumerate(model["signals"])
        ),
        basis_probabilities={b: safe(p, f"model.basisProbabilities.{b}") for b, p in dict(model["basisProbabilities"]).items()},
        measurements=tuple(
            Measurement(
                name=m["name"],
                probability=safe(m["probability"], f"model.measurements[{k}].probability"),
                outcomes=tuple(
                    Outcome(
                        label=o["label"],
                        vector=expr.safe_tree(o["vector"], f"model.measurements[{k}].outcomes.vector"),
                        bit=o.get("bit"),
                    )
                    for o in m["outcomes"]
                ),
            )
            for k, m in enumerate(model["measurements"])
        ),
        sifting=model["sifting"],
    )


# -- one round: the model's Born rule, the file's draws ------------------------------------
def _vec(amps: Sequence[str]) -> tuple[sp.Expr, ...]:
    return tuple(_parse(a) for a in amps)


@cache
def _boundaries(v: tuple, outcomes: tuple[tuple[str, str], ...]) -> tuple[float, ...]:
    """The draw boundaries of measuring ``v`` in ``outcomes`` (the model's
    exact Born probabilities, summed)."""
    return draws.cumulative(qkd_model.born_probabilities(v, outcomes))


class Session:
    """A prepare-and-measure spec with its sift rule and lookups, replaying
    one round at a time with :mod:`qproto.models.qkd`."""

    def __init__(self, spec: PrepareMeasureQKD) -> None:
        self.spec = spec
        self.sig = {s.name: s for s in spec.signals}
        self.meas = {m.name: m for m in spec.measurements}
        self.anns = qkd_model.announcements(spec)
        self.rule = qkd_model.sift_rule(spec)
        self.announces = any(s.announce for s in spec.signals)

    def line_state(self, signal: str, eve_basis: str, eve_u: float | None, pauli: str) -> tuple[tuple, int | None]:
        v = _vec(self.sig[signal].amplitudes)
        eve_k = None
        if eve_basis != "-":
            outs = tuple(STATES[n] for n in BASIS_STATES[eve_basis])
            assert eve_u is not None  # Eve measured this round, so the session records her draw
            eve_k = _pick(_boundaries(v, outs), eve_u)
            v = _vec(outs[eve_k])
        return qkd_model.apply_pauli(pauli, v), eve_k

    def bob(self, v: tuple, setting: str, u: float) -> Outcome:
        m = self.meas[setting]
        return m.outcomes[_pick(self.boundaries(v, setting), u)]

    def boundaries(self, v: tuple, setting: str) -> tuple[float, ...]:
        return _boundaries(v, tuple(o.vector for o in self.meas[setting].outcomes))

    def kept_bit(self, signal: str, ann: tuple[str, ...], setting: str, label: str) -> int | None:
        return self.rule[(ann, self.sig[signal].basis, setting, label)]


#: The name this class had (kept importable).
_Session = Session
_parse = draws.parse_exact
_pick = draws.pick
_draw = draws.draw
_weighted = draws.weighted
_frac = draws.fraction
_mid = draws.midpoint


# -- a session: inputs in, expected outputs out ------------------------------------------
def run_session(sess: Session, inputs: Mapping[str, Any], threshold: Fraction) -> tuple[dict[str, Any], str]:
    """The expected outputs of one session from its explicit inputs."""
    n = len(inputs["signals"])
    eve = inputs.get("eve")
    noise = inputs.get("noise", "I" * n)
    outcomes, kept, ka, kb, mask_used, basis_of = [], [], [], [], [], []
    for i in range(n):
        s = inputs["signals"][i]
        eb = eve["bases"][i] if eve and eve["intercept"][i] == "1" else "-"
        v, _ = sess.line_state(s, eb, eve["draws"][i] if eve else None, noise[i])
        o = sess.bob(v, inputs["bobSettings"][i], inputs["bobDraws"][i])
        outcomes.append(o.label)
        ann = tuple(inputs["announcements"][i]) if "announcements" in inputs else sess.anns[s][0]
        bit = sess.kept_bit(s, ann, inputs["bobSettings"][i], o.label)
        kept.append("1" if bit is not None else "0")
        if bit is not None:
            ka.append(str(sess.sig[s].bit))
            kb.append(str(bit))
            mask_used.append(inputs["sampleMask"][i] == "1")
            basis_of.append(sess.sig[s].basis)
    sample = [j for j, m in enumerate(mask_used) if m]
    errors = sum(ka[j] != kb[j] for j in sample)
    qber = Fraction(errors, len(sample)) if sample else None
    by_basis: dict[str, dict[str, Any]] | None = None
    if per_basis(sess.spec):
        by_basis = {}
        for b in estimation_bases(sess.spec):
            sb = [j for j in sample if basis_of[j] == b]
            eb = sum(ka[j] != kb[j] for j in sb)
            by_basis[b] = {
                "sampleSize": len(sb),
                "sampleErrors": eb,
                "qber": values.number(sp.Rational(eb, len(sb))) if sb else None,
            }
    abort = qkd_model.sample_aborts(
        threshold,
        len(sample),
        errors,
        None if by_basis is None else {b: (v["sampleSize"], v["sampleErrors"]) for b, v in by_basis.items()},
    )
    rest = [j for j in range(len(ka)) if not mask_used[j]]
    key_a = "" if abort else "".join(ka[j] for j in rest)
    key_b = "" if abort else "".join(kb[j] for j in rest)
    out = {
        "bobOutcomes": outcomes,
        "sifted": "".join(kept),
        "siftedKeyAlice": "".join(ka),
        "siftedKeyBob": "".join(kb),
        "sampleSize": len(sample),
        "sampleErrors": errors,
        "qber": None if qber is None else values.number(sp.Rational(qber.numerator, qber.denominator)),
        **({"sampleByBasis": by_basis} if by_basis is not None else {}),
        "abort": abort,
        "keyAlice": key_a,
        "keyBob": key_b,
        "finalKeyLength": len(key_a),
    }
    return out, "invalid" if abort else "valid"


# -- generation ----------------------------------------------------------------------------
def _signal_weights(spec: PrepareMeasureQKD) -> list[tuple[str, Fraction]]:
    return [(name, _frac(p)) for name, p in qkd_model.signal_probabilities(spec).items()]


def _random_session(
    sess: Session, rng: np.random.Generator, rounds: int, attack: Mapping[str, Any], noise_p: Fraction | None
) -> dict[str, Any]:
    spec = sess.spec
    sig_w = _signal_weights(spec)
    set_w = [(m.name, _frac(m.probability)) for m in spec.measurements]
    frac = _frac(spec.sample_fraction)
    signals, anns, settings, bob_u, mask, noise = [], [], [], [], [], []
    eve: dict[str, list[Any]] = {"intercept": [], "bases": [], "draws": []}
    for _ in range(rounds):
        s = _weighted(rng, sig_w)
        signals.append(s)
        options = sess.anns[s]
        anns.append(list(options[randomness.below(rng, len(options))]))
        m = _weighted(rng, set_w)
        settings.append(m)
        eb, eu = "-", None
        if attack["kind"] == "intercept-resend":
            hit = randomness.below(rng, _frac(attack["fraction"]).denominator) < _frac(attack["fraction"]).numerator
            eb = _weighted(rng, [(b, _frac(p)) for b, p in attack["bases"].items()]) if hit else "-"
            v0 = _vec(sess.sig[s].amplitudes)
            eu = _draw(rng, _boundaries(v0, tuple(STATES[n] for n in BASIS_STATES[eb])) if hit else ())
            eve["intercept"].append("1" if hit else "0")
            eve["bases"].append(eb)
            eve["draws"].append(eu)
        p = "I" if noise_p is None else draws.pauli_event(rng, noise_p)
        noise.append(p)
        v, _ = sess.line_state(s, eb, eu, p)
        bob_u.append(_draw(rng, sess.boundaries(v, m)))
        mask.append("1" if randomness.below(rng, frac.denominator) < frac.numerator else "0")
    return _inputs(
        sess,
        signals,
        anns,
        settings,
        bob_u,
        mask,
        eve if attack["kind"] != "none" else None,
        noise if noise_p is not None else None,
    )


def _inputs(sess: Session, signals, anns, settings, bob_u, mask, eve, noise) -> dict[str, Any]:
    out: dict[str, Any] = {
        "signals": signals,
        "aliceBits": "".join(str(sess.sig[s].bit) for s in signals),
        "aliceBases": [sess.sig[s].basis for s in signals],
        "bobSettings": settings,
        "bobDraws": bob_u,
        "sampleMask": "".join(mask),
    }
    if sess.announces:
        out["announcements"] = anns
    if eve is not None:
        out["eve"] = {"intercept": "".join(eve["intercept"]), "bases": eve["bases"], "draws": eve["draws"]}
    if noise is not None:
        out["noise"] = "".join(noise)
    return out


def _forced_round(sess: Session, rng: np.random.Generator, want: str, pauli_ok: bool, basis: str | None = None) -> tuple | None:
    """A round whose result is forced: ``want`` is ``discard`` (not kept),
    ``match`` (kept, bits agree) or ``error`` (kept, bits differ), with
    Alice in ``basis`` when given.  Returns (signal, announcement, setting,
    draw, pauli) or None if impossible."""
    sigs = [s.name for s in sess.spec.signals if basis is None or s.basis == basis]
    if not sigs:
        return None
    start = randomness.below(rng, len(sigs))
    for s in sigs[start:] + sigs[:start]:
        for ann in sess.anns[s]:
            for m in sess.spec.measurements:
                for p in PAULIS if pauli_ok else ("I",):
                    v, _ = sess.line_state(s, "-", None, p)
                    cum = sess.boundaries(v, m.name)
                    for k, o in enumerate(m.outcomes):
                        if cum[k] - (cum[k - 1] if k else 0.0) < 1e-6:
                            continue
                        bit = sess.kept_bit(s, ann, m.name, o.label)
                        got = "discard" if bit is None else ("match" if bit == sess.sig[s].bit else "error")
                        if got == want:
                            return s, list(ann), m.name, _mid(cum, k), p
    return None


def _all_mismatched_setting(sess: Session, s: str, ann: tuple) -> str | None:
    for m in sess.spec.measurements:
        if all(sess.kept_bit(s, ann, m.name, o.label) is None for o in m.outcomes):
            return m.name
    return None


def _edge_empty_sifted(sess: Session, rng: np.random.Generator, rounds: int) -> tuple[dict, list[str]] | None:
    """Every round discarded; by basis mismatch where the protocol allows."""
    sig_w = _signal_weights(sess.spec)
    signals, anns, settings, draws = [], [], [], []
    mismatched = True
    for _ in range(rounds):
        s = _weighted(rng, sig_w)
        ann = sess.anns[s][0]
        m = _all_mismatched_setting(sess, s, ann)
        if m is not None:
            v, _ = sess.line_state(s, "-", None, "I")
            u = _draw(rng, sess.boundaries(v, m))
        else:
            mismatched = False
            forced = None
            for m_ in sess.spec.measurements:
                v, _ = sess.line_state(s, "-", None, "I")
                cum = sess.boundaries(v, m_.name)
                for k, o in enumerate(m_.outcomes):
                    if sess.kept_bit(s, ann, m_.name, o.label) is None and cum[k] - (cum[k - 1] if k else 0.0) > 1e-6:
                        forced = (m_.name, _mid(cum, k))
                        break
                if forced:
                    break
            if forced is None:
                return None
            m, u = forced
        signals.append(s)
        anns.append(list(ann))
        settings.append(m)
        draws.append(u)
    mask = "".join("1" if randomness.below(rng, 2) else "0" for _ in range(rounds))
    flags = ["EmptySiftedKey"] + (["AllBasesMismatched"] if mismatched else [])
    return _inputs(sess, signals, anns, settings, draws, mask, None, None), flags


def _edge_threshold(sess: Session, rng: np.random.Generator, threshold: Fraction, extra_errors: int) -> dict | None:
    """A session whose sample holds exactly threshold·size errors (+ extra)."""
    size = threshold.denominator
    while size < 20:
        size *= 2
    if size > 2000:
        return None
    errors = int(threshold * size) + extra_errors
    if errors > size:
        return None
    plan = ["error"] * errors + ["match"] * (size - errors)
    # shuffle which sampled rounds carry the errors (Fisher–Yates)
    perm = list(range(size))
    for i in range(size - 1, 0, -1):
        j = randomness.below(rng, i + 1)
        perm[i], perm[j] = perm[j], perm[i]
    plan = [plan[p] for p in perm]
    rows = []
    for want in plan:
        r = _forced_round(sess, rng, want, pauli_ok=True)
        if r is None:
            return None
        rows.append(r + ("1",))
    for _ in range(16):  # key bits that stay secret
        r = _forced_round(sess, rng, "match", pauli_ok=False)
        if r is None:
            return None
        rows.append(r + ("0",))
    signals = [r[0] for r in rows]
    return _inputs(
        sess,
        signals,
        [r[1] for r in rows],
        [r[2] for r in rows],
        [r[3] for r in rows],
        [r[5] for r in rows],
        None,
        [r[4] for r in rows],
    )


def _shuffle(rng: np.random.Generator, items: list) -> list:
    """Fisher–Yates with the stable draws of :mod:`randomness`."""
    items = list(items)
    for i in range(len(items) - 1, 0, -1):
        j = randomness.below(rng, i + 1)
        items[i], items[j] = items[j], items[i]
    return items


def _edge_per_basis(sess: Session, rng: np.random.Generator, threshold: Fraction, target: str, kind: str) -> dict | None:
    """A per-basis session: every basis gets ``size`` disclosed rounds and
    16 secret ones, all clean except basis ``target``, whose sample holds
    exactly threshold·size errors (``kind="at"``), one more (``"above"``),
    or which discloses none of its sifted rounds (``"empty"``)."""
    size = threshold.denominator
    while size < 20:
        size *= 2
    if size > 2000:
        return None
    rows = []
    for b in estimation_bases(sess.spec):
        if b == target and kind == "empty":
            plan = [("match", "0")] * (size + 16)
        else:
            errors = int(threshold * size) + (1 if kind == "above" else 0) if b == target else 0
            if errors > size:
                return None
            plan = [("error", "1")] * errors + [("match", "1")] * (size - errors) + [("match", "0")] * 16
        for want, disclosed in plan:
            r = _forced_round(sess, rng, want, pauli_ok=want == "error", basis=b)
            if r is None:
                return None
            rows.append(r + (disclosed,))
    rows = _shuffle(rng, rows)
    return _inputs(
        sess,
        [r[0] for r in rows],
        [r[1] for r in rows],
        [r[2] for r in rows],
        [r[3] for r in rows],
        [r[5] for r in rows],
        None,
        [r[4] for r in rows],
    )


def _edge_key_basis_attack(sess: Session, rng: np.random.Generator, threshold: Fraction) -> dict | None:
    """Eve measures every qubit in the key basis and resends: 90 disclosed
    and 16 secret key-basis rounds (clean: Eve's basis is Alice's) and 10
    disclosed rounds of each other basis (Eve's wrong basis: about half of
    them wrong).  Redrawn (deterministically, from ``rng``) until per-basis
    estimation aborts while the pooled rate passes; None if the spec has no
    such session (bases not named Z/X/Y, or Bob has no measurement per basis)."""
    spec = sess.spec
    key, bases = spec.key_basis, estimation_bases(spec)
    if len(bases) < 2 or any(b not in BASIS_STATES or b not in sess.meas for b in bases):
        return None
    eve_outs = tuple(STATES[n] for n in BASIS_STATES[key])
    for _ in range(32):
        rows = []
        for b in bases:
            names = [x.name for x in spec.signals if x.basis == b]
            for disclosed in (["1"] * 90 + ["0"] * 16) if b == key else ["1"] * 10:
                s = names[randomness.below(rng, len(names))]
                eu = _draw(rng, _boundaries(_vec(sess.sig[s].amplitudes), eve_outs))
                v, _ = sess.line_state(s, key, eu, "I")
                rows.append((s, b, eu, _draw(rng, sess.boundaries(v, b)), disclosed))
        rows = _shuffle(rng, rows)
        eve = {"intercept": ["1"] * len(rows), "bases": [key] * len(rows), "draws": [r[2] for r in rows]}
        inputs = _inputs(
            sess,
            [r[0] for r in rows],
            [list(sess.anns[r[0]][0]) for r in rows],
            [r[1] for r in rows],
            [r[3] for r in rows],
            [r[4] for r in rows],
            eve,
            None,
        )
        out, _ = run_session(sess, inputs, threshold)
        if out["abort"] and out["sampleSize"] and Fraction(out["sampleErrors"], out["sampleSize"]) <= threshold:
            return inputs
    return None


def _attack_model(spec: PrepareMeasureQKD) -> dict[str, Any]:
    # Eve measures in the protocol's named bases (Z and X when it names none)
    bases = sorted({s.basis for s in spec.signals} & set(BASIS_STATES)) or ["X", "Z"]
    return {
        "kind": "intercept-resend",
        "fraction": "1",
        "bases": {b: str(sp.Rational(1, len(bases))) for b in bases},
        "text": "Eve measures every qubit in a uniformly chosen basis of the protocol and resends her result",
    }


def build(spec: Protocol, rng: np.random.Generator, count: int) -> list[dict[str, Any]]:
    assert isinstance(spec, PrepareMeasureQKD)
    sess = Session(spec)
    threshold = _frac(spec.abort_threshold)
    params = {
        "rounds": ROUNDS,
        "sampleFraction": values.number(_parse(spec.sample_fraction)),
        "abortThreshold": values.number(_parse(spec.abort_threshold)),
    }
    pb = per_basis(spec)
    if pb:  # pooled groups keep their qkd-pm-1 parameters byte for byte
        params.update(estimation="per-basis", estimationBases=estimation_bases(spec), decisionRule=PER_BASIS_RULE)
    none = {"kind": "none"}
    noise = {
        "kind": "depolarizing",
        "p": str(NOISE_P),
        "events": "X, Y, Z each with probability p/3 per round; explicit in inputs.noise",
    }
    attack = _attack_model(spec)

    def test(inputs, comment, flags):
        outputs, result = run_session(sess, inputs, threshold)
        extra = set()
        if outputs["siftedKeyAlice"] == "":
            extra.add("EmptySiftedKey")
        elif outputs["sampleSize"] == 0:
            extra.add("EmptySample")
        elif pb and any(v["sampleSize"] == 0 for v in outputs["sampleByBasis"].values()):
            extra.add("EmptyBasisSample")
        elif outputs["abort"]:
            extra.add("Abort")
        if (
            pb
            and outputs["abort"]
            and outputs["sampleSize"]
            and Fraction(outputs["sampleErrors"], outputs["sampleSize"]) <= threshold
        ):
            extra.add("PooledEstimateHides")
        return {"comment": comment, "flags": sorted(set(flags) | extra), "inputs": inputs, "outputs": outputs, "result": result}

    groups = []
    honest = [
        test(_random_session(sess, rng, ROUNDS, none, None), f"honest session {i + 1}", ["HonestRun"]) for i in range(count)
    ]
    edge = _edge_empty_sifted(sess, rng, 32)
    if edge is not None:
        honest.append(test(edge[0], "every round discarded by sifting", ["HonestRun"] + edge[1]))
    groups.append(("honest", {**params, "noise": none, "attack": none}, honest))

    noisy = [test(_random_session(sess, rng, ROUNDS, none, NOISE_P), f"noisy session {i + 1}", ["Noise"]) for i in range(count)]
    groups.append(("noise", {**params, "noise": noise, "attack": none}, noisy))

    edges = []
    if pb:
        for b in estimation_bases(spec):
            for kind, flag, text in (
                ("at", "BasisQberAtThreshold", f"basis {b}: sample error rate exactly at the threshold, other bases clean"),
                ("above", "BasisQberAboveThreshold", f"basis {b}: one sample error above the threshold, other bases clean"),
                ("empty", "EmptyBasisSample", f"basis {b}: sifted rounds but none disclosed, other bases clean"),
            ):
                inputs = _edge_per_basis(sess, rng, threshold, b, kind)
                if inputs is not None:
                    edges.append(test(inputs, text, ["Noise", flag]))
    else:
        for extra, flag, text in (
            (0, "QberAtThreshold", "sample error rate exactly at the threshold"),
            (1, "QberAboveThreshold", "one sample error above the threshold"),
        ):
            inputs = _edge_threshold(sess, rng, threshold, extra)
            if inputs is not None:
                edges.append(test(inputs, text, ["Noise", flag]))
    if edges:
        placed = {
            "kind": "pauli-events",
            "text": "Pauli errors placed on chosen rounds so that the sample holds an exact "
            "number of errors" + (" in each basis" if pb else "") + "; explicit in inputs.noise",
        }
        groups.append(
            ("threshold", {**params, "rounds": len(edges[0]["inputs"]["signals"]), "noise": placed, "attack": none}, edges)
        )

    ir = [
        test(_random_session(sess, rng, ROUNDS, attack, None), f"intercept-resend session {i + 1}", ["InterceptResend"])
        for i in range(count)
    ]
    groups.append(("intercept-resend", {**params, "noise": none, "attack": attack}, ir))

    hide = _edge_key_basis_attack(sess, rng, threshold) if pb else None
    if hide is not None:
        key = spec.key_basis
        only_key = {
            "kind": "intercept-resend",
            "fraction": "1",
            "bases": {key: "1"},
            "text": f"Eve measures every qubit in the key basis {key} only and resends her result",
        }
        groups.append(
            (
                "key-basis-attack",
                {**params, "rounds": len(hide["signals"]), "noise": none, "attack": only_key},
                [
                    test(
                        hide,
                        f"Eve attacks the key basis {key} only: its sample is clean, the other bases' are not",
                        ["InterceptResend", "KeyBasisAttack"],
                    )
                ],
            )
        )

    out = []
    for name, p, tests in groups:
        out.append(
            {
                "type": "QkdSessionTest",
                "family": "qkd-pm",
                "protocol": spec.name,
                "version": spec.version,
                "comment": f"{name}: {spec.summary}",
                "parameters": p,
                "tolerance": TOLERANCE,
                "model": describe(spec),
                "tests": tests,
            }
        )
    return out


# -- the reference adapter: qproto's QKD model, numerically -----------------------------------
def _num(amps: Sequence[str]) -> np.ndarray:
    return np.array(_num_cached(tuple(str(a) for a in amps)), dtype=complex)


@cache
def _num_cached(amps: tuple[str, ...]) -> tuple[complex, ...]:
    return tuple(complex(sp.N(_parse(a))) for a in amps)


def answer(case: Mapping[str, Any]) -> dict[str, Any]:
    """Replay the session with the model's complex128 Born rule and sift rule."""
    model, inputs = case["model"], case["inputs"]
    spec = rebuild(model, case.get("protocol", "vector-qkd"))
    rule = qkd_model.sift_rule(spec)
    anns = qkd_model.announcements(spec)
    sig = {s.name: s for s in spec.signals}
    meas = {m.name: m for m in spec.measurements}
    eve_bases = {b: [_num(expr.safe_tree(v, f"model.eveBases.{b}")) for v in vs] for b, vs in model["eveBases"].items()}
    threshold = expr.to_fraction(case["parameters"]["abortThreshold"]["exact"])
    bases = case["parameters"].get("estimationBases") if case["parameters"].get("estimation") == "per-basis" else None
    n = len(inputs["signals"])
    eve = inputs.get("eve")
    noise = inputs.get("noise", "I" * n)

    def draw(vecs: list[np.ndarray], psi: np.ndarray, u: float) -> int:
        cum = np.cumsum(qkd_model.born_probabilities(psi, vecs, exact=False))
        k = int(np.searchsorted(cum, u, side="right"))
        return min(k, len(vecs) - 1)

    outcomes, kept, ka, kb, masked, basis_of = [], [], [], [], [], []
    for i in range(n):
        s = sig[inputs["signals"][i]]
        psi = _num(s.amplitudes)
        if eve and eve["intercept"][i] == "1":
            vecs = eve_bases[eve["bases"][i]]
            psi = vecs[draw(vecs, psi, eve["draws"][i])]
        psi = qkd_model.apply_pauli(noise[i], psi, exact=False)
        m = meas[inputs["bobSettings"][i]]
        o = m.outcomes[draw([_num(x.vector) for x in m.outcomes], psi, inputs["bobDraws"][i])]
        outcomes.append(o.label)
        ann = tuple(inputs["announcements"][i]) if "announcements" in inputs else anns[s.name][0]
        bit = rule[(ann, s.basis, m.name, o.label)]
        kept.append("1" if bit is not None else "0")
        if bit is not None:
            ka.append(str(s.bit))
            kb.append(str(bit))
            masked.append(inputs["sampleMask"][i] == "1")
            basis_of.append(s.basis)
    sample = [j for j, x in enumerate(masked) if x]
    errors = sum(ka[j] != kb[j] for j in sample)
    qber = errors / len(sample) if sample else None
    extra: dict[str, Any] = {}
    counts = None
    if bases is not None:  # Lo–Chau–Ardehali: every basis must pass on its own
        counts = {
            b: (sum(basis_of[j] == b for j in sample), sum(basis_of[j] == b and ka[j] != kb[j] for j in sample)) for b in bases
        }
        extra["sampleByBasis"] = {
            b: {"sampleSize": m, "sampleErrors": e, "qber": e / m if m else None} for b, (m, e) in counts.items()
        }
    abort = qkd_model.sample_aborts(threshold, len(sample), errors, counts)
    rest = [j for j, x in enumerate(masked) if not x]
    key_a = "" if abort else "".join(ka[j] for j in rest)
    key_b = "" if abort else "".join(kb[j] for j in rest)
    return {
        "result": "invalid" if abort else "valid",
        "outputs": {
            "bobOutcomes": outcomes,
            "sifted": "".join(kept),
            "siftedKeyAlice": "".join(ka),
            "siftedKeyBob": "".join(kb),
            "sampleSize": len(sample),
            "sampleErrors": errors,
            "qber": qber,
            **extra,
            "abort": abort,
            "keyAlice": key_a,
            "keyBob": key_b,
            "finalKeyLength": len(key_a),
        },
    }


def _accepts(spec: Protocol) -> str | None:
    if not isinstance(spec, PrepareMeasureQKD):
        return f"expected a PrepareMeasureQKD spec, got {type(spec).__name__}"
    try:
        qkd_model.sift_rule(spec)
    except (SpecError, KeyError) as exc:
        return f"its sifting rule cannot be tabulated ({exc})"
    return None


GENERATOR = family_generator(
    FamilyGenerator(
        families=("qkd-pm",),
        version=VERSION,
        build=build,
        answer=answer,
        notes=NOTES,
        header=HEADER,
        output_order=ORDER,
        optional_outputs=("sampleByBasis",),  # per-basis estimation only
        accepts=_accepts,
        spec_types=(PrepareMeasureQKD,),
        version_of=version_of,
    )
)

__all__ = [
    "VERSION",
    "POOLED_VERSION",
    "version_of",
    "per_basis",
    "estimation_bases",
    "NOTES",
    "build",
    "answer",
    "describe",
    "rebuild",
    "run_session",
    "Session",
    "GENERATOR",
]
