"""Mutants of the catalogue QKD specs and their ground truth.

Mutation operators: nudge the abort threshold up or down, change the
sample fraction, change the basis probabilities, flip the estimation rule
(pooled ↔ per basis), drop one of Bob's bases, swap the bits of two
signals, tilt an E91 setting, change the E91/BBM92 source.

The ground truth never calls ``qproto.proofs`` nor the models the checkers
use: the honest prepare-and-measure statistics are recomputed here from the
spec's signal and outcome vectors with plain NumPy (Born rule, basis-match
sifting), tails come from ``scipy.stats``, rates from their formulas written
out here, and the intercept-resend claim from a brute-force grid over Eve's
measurement direction.  What this road cannot decide honestly (the
attack-search claims, entanglement-based statistics, the algebra engine's
properties) is ``Truth.UNKNOWN``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from qproto.spec.catalogue import find
from qproto.spec.errors import QprotoError

from .core import Mutant, Truth

ORIGINS = ("bb84", "bb84-biased", "six-state", "b92", "sarg04", "e91", "bbm92")
#: Ratio of a tail to its claim below which the truth is not decided (rounding).
UNDECIDED = 1e-6


# ---------------------------------------------------------------------------
# mutants
# ---------------------------------------------------------------------------
def _frac(x: Any) -> Fraction:
    return Fraction(str(sp.nsimplify(sp.sympify(x), rational=True)))


def _build(origin: str, operator: str, description: str, make) -> Mutant:
    try:
        spec = make()
    except QprotoError as exc:
        return Mutant("qkd", origin, operator, description, None, rejected=str(exc))
    return Mutant("qkd", origin, operator, description, spec)


def _operators(origin: str, rng: np.random.Generator) -> list[tuple[str, str, Any]]:
    base = find(origin)
    tag = int(rng.integers(10**6))
    ops: list[tuple[str, str, Any]] = []
    t = _frac(base.abort_threshold)
    factor = Fraction(str(rng.choice(["1/2", "4/5", "21/20", "6/5", "3/2", "5/2", "9/10", "11/10"])))
    nt = min(t * factor, Fraction(49, 100))
    ops.append(
        ("nudge-threshold", f"abort threshold {t} → {nt}", lambda: base.variant(f"{origin}-m{tag}", abort_threshold=str(nt)))
    )
    sf = str(rng.choice(["1/100", "1/20", "1/5", "1/2"]))
    ops.append(("sample-fraction", f"sample fraction → {sf}", lambda: base.variant(f"{origin}-m{tag}", sample_fraction=sf)))
    if hasattr(base, "basis_probabilities") and len(base.basis_probabilities) == 2 and base.sifting == "basis-match":
        from qproto.spec.qkd import basis_measurement

        a = Fraction(str(rng.choice(["1/2", "3/5", "3/4", "9/10", "19/20"])))
        b1, b2 = list(base.basis_probabilities)
        ops.append(
            (
                "basis-probabilities",
                f"P({b1}) = {a} for both parties",
                lambda: base.variant(
                    f"{origin}-m{tag}",
                    basis_probabilities={b1: str(a), b2: str(1 - a)},
                    measurements=(basis_measurement(b1, str(a)), basis_measurement(b2, str(1 - a))),
                ),
            )
        )
        ops.append(
            (
                "drop-basis",
                f"Bob measures only in {b1}",
                lambda: base.variant(f"{origin}-m{tag}", measurements=(basis_measurement(b1, "1"),)),
            )
        )
        other = "pooled" if base.estimation == "per-basis" else "per-basis"
        ops.append(("estimation-rule", f"estimation → {other}", lambda: base.variant(f"{origin}-m{tag}", estimation=other)))
    if hasattr(base, "signals") and len(base.signals) >= 2:
        i, j = (int(k) for k in rng.choice(len(base.signals), 2, replace=False))
        sigs = list(base.signals)
        sigs[i], sigs[j] = dataclasses.replace(sigs[i], bit=sigs[j].bit), dataclasses.replace(sigs[j], bit=sigs[i].bit)
        ops.append(
            (
                "swap-signal-bits",
                f"signals {base.signals[i].name} and {base.signals[j].name} swap bits",
                lambda: base.variant(f"{origin}-m{tag}", signals=tuple(sigs)),
            )
        )
    if hasattr(base, "bob_settings"):
        k = int(rng.integers(len(base.bob_settings)))
        ang = str(rng.choice(["0", "pi/8", "pi/3", "pi/2", "3*pi/4", "pi"]))
        settings = tuple(dataclasses.replace(s, angle=ang) if n == k else s for n, s in enumerate(base.bob_settings))
        ops.append(
            (
                "tilt-setting",
                f"Bob's setting {base.bob_settings[k].name} → {ang}",
                lambda: base.variant(f"{origin}-m{tag}", bob_settings=settings),
            )
        )
        src = str(rng.choice(["bell:phi+", "bell:phi-", "bell:psi+", "bell:psi-"]))
        ops.append(("change-source", f"source → {src}", lambda: base.variant(f"{origin}-m{tag}", source=src)))
    return ops


def mutants(rng: np.random.Generator) -> Iterator[Mutant]:
    while True:
        origin = str(rng.choice(ORIGINS))
        ops = _operators(origin, rng)
        op, desc, make = ops[int(rng.integers(len(ops)))]
        yield _build(origin, op, desc, make)


# ---------------------------------------------------------------------------
# ground truth: plain NumPy statistics of prepare-and-measure specs
# ---------------------------------------------------------------------------
def _vec(amps: Any) -> np.ndarray:
    return _vec_cached(tuple(str(a) for a in amps))


@lru_cache(maxsize=4096)
def _vec_cached(amps: tuple[str, ...]) -> np.ndarray:
    return np.array([complex(sp.N(sp.sympify(a))) for a in amps])


def _h(x: float) -> float:
    return 0.0 if x <= 0 or x >= 1 else -x * math.log2(x) - (1 - x) * math.log2(1 - x)


def _rate(name: str, q: float) -> float | None:
    if name == "shor-preskill":
        return 1 - 2 * _h(q)
    if name == "csiszar-korner-individual":
        return _h(0.5 + math.sqrt(q * (1 - q))) - _h(q)
    if name == "six-state-lo":
        return 1 + 1.5 * q * math.log2(q / 2) + (1 - 1.5 * q) * math.log2(1 - 1.5 * q) if q > 0 else 1.0
    return None


def _basis_match(spec: Any) -> bool:
    return getattr(spec, "family", "") == "qkd-pm" and spec.sifting == "basis-match" and all(not s.announce for s in spec.signals)


def _pm_statistics(spec: Any, channel) -> dict[str, tuple[float, float]]:
    """{Alice's basis: (sifted weight, error weight)} per round, with Bob's
    qubit sent through ``channel`` (a function of the density matrix)."""
    pa = {b: float(sp.nsimplify(v)) for b, v in spec.basis_probabilities.items()}
    per_basis = {b: [s for s in spec.signals if s.basis == b] for b in pa}
    out: dict[str, list[float]] = {b: [0.0, 0.0] for b in pa}
    for s in spec.signals:
        psi = _vec(s.amplitudes)
        rho = channel(np.outer(psi, psi.conj()))
        p_sig = pa[s.basis] / len(per_basis[s.basis])
        for m in spec.measurements:
            if m.name != s.basis:
                continue
            pm = float(sp.nsimplify(m.probability))
            for o in m.outcomes:
                if o.bit is None:
                    continue
                v = _vec(o.vector)
                pr = float(np.real(v.conj() @ rho @ v))
                out[s.basis][0] += p_sig * pm * pr
                if o.bit != s.bit:
                    out[s.basis][1] += p_sig * pm * pr
    return {b: (w, e) for b, (w, e) in out.items()}


def _depolarize(p: float):
    return lambda rho: (1 - p) * rho + p * np.trace(rho) * np.eye(2) / 2


def _groups(spec: Any, sifted: int, stats: dict[str, tuple[float, float]]) -> dict[str, tuple[int, int, float]]:
    """{group: (sifted bits, sample bits, QBER)}."""
    s = float(sp.nsimplify(spec.sample_fraction))
    total = sum(w for w, _ in stats.values())
    if spec.estimation != "per-basis":
        e = sum(e for _, e in stats.values())
        return {"pooled": (sifted, max(1, round(sifted * s)), e / total)}
    out = {}
    for b, (w, e) in stats.items():
        nb = round(sifted * w / total)
        out[b] = (nb, round(nb * s), e / w if w else 0.5)
    return out


def _abort_tail(n: int, q: float, t: Fraction) -> float:
    from scipy.stats import binom

    k = math.floor(t * n) + 1
    return float(binom.sf(k - 1, n, q))


def _decided(value: float, claim: float, holds: bool) -> Truth:
    if abs(value - claim) < UNDECIDED * max(claim, 1e-300):
        return Truth.UNKNOWN
    return Truth.HOLDS if holds else Truth.VIOLATED


def _completeness(spec: Any, prop: Any) -> Truth:
    if not _basis_match(spec):
        return Truth.UNKNOWN
    noiseless = _pm_statistics(spec, lambda r: r)
    if any(e > 1e-12 for _, e in noiseless.values()):
        return Truth.VIOLATED
    if any(w <= 0 for w, _ in noiseless.values()):
        return Truth.UNKNOWN  # a basis that never sifts: the checker's own vacuous path
    t = _frac(spec.abort_threshold)
    q = t - _frac(prop.args.get("margin", "3/100"))
    if q <= 0:
        return Truth.UNKNOWN
    full = _pm_statistics(spec, _depolarize(1.0))
    q1 = sum(e for _, e in full.values()) / sum(w for w, _ in full.values())
    p = float(q) / q1  # no errors without noise, so QBER(p) = p·QBER(1)
    if p > 1:
        return Truth.UNKNOWN
    groups = _groups(spec, int(prop.args.get("sifted_bits", 10_000)), _pm_statistics(spec, _depolarize(p)))
    finish = 1.0
    for _, n, qg in groups.values():
        finish *= 1 - _abort_tail(n, qg, t)
    claim = float(_frac(prop.args.get("min_finish", "99/100")))
    if finish < claim:
        return _decided(finish, claim, False)
    if prop.args.get("key_rate", True):
        if not spec.key_rates:
            return Truth.UNKNOWN
        if spec.estimation == "per-basis" and spec.key_rates[0] == "shor-preskill":
            rates = [qg for _, _, qg in groups.values()]
            r = 1 - _h(rates[0]) - _h(max(rates[1:], default=0.5))
        else:
            r = _rate(spec.key_rates[0], max(qg for _, _, qg in groups.values()))
        if r is None:
            return Truth.UNKNOWN
        return Truth.HOLDS if r > 1e-9 else Truth.VIOLATED
    return _decided(finish, claim, True)


def _soundness_abort(spec: Any, prop: Any) -> Truth:
    from scipy.stats import hypergeom

    if getattr(spec, "family", "") == "qkd-pm" and spec.estimation == "per-basis":
        if not _basis_match(spec):
            return Truth.UNKNOWN
        groups = _groups(spec, int(prop.args.get("sifted_bits", 10_000)), _pm_statistics(spec, lambda r: r))
    else:
        sifted = int(prop.args.get("sifted_bits", 10_000))
        groups = {"pooled": (sifted, max(1, round(sifted * float(sp.nsimplify(spec.sample_fraction)))), 0.0)}
    t = _frac(spec.abort_threshold)
    p = t + _frac(prop.args.get("margin", "3/100"))
    claim = float(_frac(prop.args.get("min_abort", "999/1000")))
    worst = 1.0
    for nsift, n, _ in groups.values():
        if n < 1:
            return Truth.UNKNOWN
        k = math.floor(t * n) + 1
        b = _abort_tail(n, float(p), t)
        h = float(hypergeom.sf(k - 1, nsift, math.ceil(p * nsift), n)) if nsift >= n else b
        worst = min(worst, b, h)
    return _decided(worst, claim, worst >= claim)


def _threshold(spec: Any, prop: Any) -> Truth:
    if not spec.key_rates or spec.key_rates[0] == "di-chsh-acin":
        return Truth.UNKNOWN
    r = _rate(spec.key_rates[0], float(_frac(spec.abort_threshold)))
    if r is None or abs(r) < 1e-9:
        return Truth.UNKNOWN
    return Truth.HOLDS if r > 0 else Truth.VIOLATED


def _intercept_resend(spec: Any, prop: Any) -> Truth:
    """Brute force over Eve's measurement direction (a 41 × 80 grid of the
    Bloch sphere, poles and axes included): the least error weight of a
    full interception."""
    if not _basis_match(spec):
        return Truth.UNKNOWN
    if any(e > 1e-12 for _, e in _pm_statistics(spec, lambda r: r).values()):
        return Truth.UNKNOWN  # errors without Eve: not what the property is about
    least = math.inf
    for th in np.linspace(0, math.pi, 41):
        for ph in np.linspace(0, 2 * math.pi, 80, endpoint=False):
            b0 = np.array([math.cos(th / 2), np.exp(1j * ph) * math.sin(th / 2)])
            b1 = np.array([-math.sin(th / 2), np.exp(1j * ph) * math.cos(th / 2)])
            proj = [np.outer(b, b.conj()) for b in (b0, b1)]
            chan = lambda rho, proj=proj: sum(P @ rho @ P for P in proj)  # noqa: E731
            least = min(least, sum(e for _, e in _pm_statistics(spec, chan).values()))
            if th == 0:
                break
    if least < 1e-12:
        return Truth.VIOLATED
    return Truth.HOLDS if least > 1e-3 else Truth.UNKNOWN


_DECIDERS = {
    "completeness": _completeness,
    "soundness-abort": _soundness_abort,
    "threshold-below-rate-zero": _threshold,
    "intercept-resend-detected": _intercept_resend,
}
#: Only these are verified per mutant (the driver reads this): the others
#: would cost the attack search's time and stay uncovered.
PROPERTIES = tuple(_DECIDERS)


def ground_truth(spec: Any, prop: Any) -> Truth:
    decide = _DECIDERS.get(prop.id)
    if decide is None:
        return Truth.UNKNOWN
    try:
        return decide(spec, prop)
    except (ValueError, ZeroDivisionError, KeyError, TypeError):
        return Truth.UNKNOWN
