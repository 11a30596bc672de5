"""The ``finite-key.positive-at-threshold`` checker: at the spec's own sample
sizes, the ε-secure key length of Tomamichel, Lim, Gisin & Renner 2012
(Nat. Commun. 3, 634, Eq. (2); :mod:`qproto.models.finite_key`) is positive
at every QBER the spec accepts.

Everything is read from the spec:

- sizes: ``sifted_bits`` (property args, default 10 000) and the spec's
  sample fraction, split as :func:`qproto.proofs.adversary.sample_sizes`
  splits them.  Pooled estimation: n = sifted − sample key bits and
  k = sample test bits (as if every sampled bit tested the key's conjugate
  basis: the most generous reading).  Per-basis estimation: the key basis is
  the one with the most sifted bits, n = its unsampled bits, k = the sampled
  bits of the other basis (the paper's asymmetric protocol);
- the preparation quality q = −log₂ max |⟨ψ_x|ψ_z⟩|² over the spec's two
  bases, exactly (SymPy); the bound needs two bases of two states each,
  basis-match sifting and q > 0, and otherwise does not apply (inconclusive);
- the accepted QBERs: [0, abort threshold].  ℓ falls as Q grows (h rises on
  [0, 1/2] and is capped there), so ℓ(threshold) > 0 decides the claim.

Verdicts: ``proved`` when ℓ(threshold) > 0, ``refuted`` when ℓ(threshold)
≤ 0, with the counterexample (Q, n, k, ℓ) and the largest QBER the sizes
tolerate.  The sign is taken from an mpmath evaluation at 50 digits of the
same formula and must agree with the model's float; a near-zero ℓ
(|ℓ| < 1e-6) is inconclusive.

Property args (optional): ``sifted_bits``, ``epsilon_sec`` (1e-10),
``epsilon_cor`` (1e-15), ``ec_efficiency`` (1.1).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import mpmath
import sympy as sp

from qproto.models.finite_key import REFERENCE, REGIME, key_length, tolerated_qber_at
from qproto.spec.errors import QprotoError
from qproto.spec.protocol import Property
from qproto.spec.qkd import PrepareMeasureQKD

from .adversary import sample_sizes
from .registry import checker
from .verdict import Status, inconclusive, proved, refuted, vacuous


def preparation_quality(spec: PrepareMeasureQKD) -> tuple[float | None, str]:
    """q = −log₂ max |⟨ψ_x|ψ_z⟩|² over the spec's two bases (exact), or None
    and the reason the bound does not apply."""
    if spec.sifting != "basis-match":
        return None, f"sifting={spec.sifting!r}: the bound is for basis-match sifting"
    if any(s.announce for s in spec.signals):
        return None, "Alice announces candidate sets, not her basis"
    bases: dict[str, list[sp.Matrix]] = {}
    for s in spec.signals:
        bases.setdefault(s.basis, []).append(sp.Matrix([sp.sympify(a) for a in s.amplitudes]))
    if len(bases) != 2 or any(len(v) != 2 for v in bases.values()):
        return None, f"the bound needs two bases of two states each (got {', '.join(f'{b}: {len(v)}' for b, v in bases.items())})"
    first, second = bases.values()
    overlap = max(sp.nsimplify(sp.simplify(sp.Abs((a.H * b)[0]) ** 2)) for a in first for b in second)
    if overlap >= 1:
        return None, "a state of one basis is also a state of the other (q = 0)"
    return float(-sp.log(overlap, 2)), f"max |⟨ψ_x|ψ_z⟩|² = {overlap}"


def _key_and_test_bits(spec: PrepareMeasureQKD, sifted: int) -> tuple[int, int, str]:
    groups = sample_sizes(spec, sifted)
    if "pooled" in groups:
        total, sample = groups["pooled"]
        return (
            total - sample,
            sample,
            (
                f"pooled estimate: n = {total} sifted − {sample} sampled = {total - sample} key bits, k = {sample} test bits "
                "(every sampled bit counted as a test of the key's conjugate basis)"
            ),
        )
    (key_basis, (key_sifted, key_sample)), (test_basis, (_, test_sample)) = sorted(groups.items(), key=lambda g: -g[1][0])[:2]
    return (
        key_sifted - key_sample,
        test_sample,
        (
            f"per-basis estimate: key basis {key_basis} with n = {key_sifted} − {key_sample} = {key_sifted - key_sample} "
            f"unsampled bits, test basis {test_basis} with k = {test_sample} sampled bits"
        ),
    )


def _exact_length(n: int, k: int, q: float, quality: float, es: float, ec: float, f: float) -> Any:
    """Eq. (2) at 50 digits: the sign the verdict rests on."""
    with mpmath.workdps(50):
        n_, k_, q_ = mpmath.mpf(n), mpmath.mpf(k), mpmath.mpf(q)
        es_, ec_ = mpmath.mpf(es), mpmath.mpf(ec)

        def h(x: Any) -> Any:
            x = min(x, mpmath.mpf(1) / 2)
            return mpmath.mpf(0) if x <= 0 else -x * mpmath.log(x, 2) - (1 - x) * mpmath.log(1 - x, 2)

        mu = mpmath.sqrt((n_ + k_) / (n_ * k_) * (k_ + 1) / k_ * mpmath.log(2 / es_))
        return n_ * (mpmath.mpf(quality) - h(q_ + mu)) - mpmath.mpf(f) * n_ * h(q_) - mpmath.log(2 / (es_**2 * ec_), 2)


@checker("finite-key.positive-at-threshold")
def positive_at_threshold(spec: Any, prop: Property, options: Mapping[str, Any]) -> tuple[Status, dict[str, Any]]:
    if not isinstance(spec, PrepareMeasureQKD):
        return vacuous(
            f"{spec.name} is not a prepare-and-measure QKD spec: the Tomamichel et al. bound is for BB84-type protocols"
        )
    quality, why = preparation_quality(spec)
    if quality is None:
        return inconclusive(f"the Tomamichel et al. 2012 bound does not apply to {spec.name}: {why}")
    sifted = int(prop.args.get("sifted_bits", 10_000))
    es = float(prop.args.get("epsilon_sec", 1e-10))
    ec = float(prop.args.get("epsilon_cor", 1e-15))
    f = float(prop.args.get("ec_efficiency", 1.1))
    threshold = float(sp.N(sp.sympify(str(spec.abort_threshold), rational=True)))
    n, k, sizes = _key_and_test_bits(spec, sifted)
    if n < 1 or k < 1:
        return vacuous(f"{sizes}: no key or no test bits at {sifted} sifted bits", sifted_bits=sifted)
    try:
        at = key_length(n, k, min(threshold, 0.5), epsilon_sec=es, epsilon_cor=ec, ec_efficiency=f, preparation_quality=quality)
    except QprotoError as exc:
        return inconclusive(f"finite-key length unavailable: {exc}")
    exact = _exact_length(n, k, min(threshold, 0.5), quality, es, ec, f)
    tolerated = tolerated_qber_at(n, k, epsilon_sec=es, epsilon_cor=ec, ec_efficiency=f) if quality == 1.0 else None
    evidence: dict[str, Any] = {
        "regime": REGIME,
        "reference": REFERENCE,
        "sifted_bits": sifted,
        "sizes": sizes,
        "n_key": n,
        "k_test": k,
        "preparation_quality": quality,
        "preparation_quality_from": why,
        "epsilon_sec": es,
        "epsilon_cor": ec,
        "ec_efficiency": f,
        "abort_threshold": threshold,
        "mu": at.mu,
        "key_bits_at_threshold": float(exact),
        "terms": at.terms,
        "tolerated_qber": None if tolerated is None or math.isnan(tolerated) else tolerated,
        "monotonicity": "ℓ decreases in Q on [0, 1/2] (h increasing, capped at 1/2), so ℓ at the threshold is the minimum over accepted QBERs",
    }
    if abs(exact) < 1e-6 or (exact > 0) != at.positive:
        return inconclusive(
            f"ℓ at the threshold is {float(exact):.3g} bits: too close to 0 to decide (float {at.key_bits:.3g})", **evidence
        )
    tol_text = "" if evidence["tolerated_qber"] is None else f"; these sizes tolerate QBER ≤ {tolerated:.4%}"
    if exact > 0:
        return proved(
            f"ℓ = {float(exact):.1f} > 0 bits at the abort threshold {threshold:g} with n = {n}, k = {k} "
            f"(ε_sec = {es:g}, ε_cor = {ec:g}, f = {f:g}){tol_text}",
            **evidence,
        )
    return refuted(
        f"at QBER {threshold:g}, which the spec accepts, n = {n} key and k = {k} test bits give ℓ = {float(exact):.1f} ≤ 0: "
        f"no ε-secure key (ε_sec = {es:g}, ε_cor = {ec:g}, f = {f:g}){tol_text}",
        counterexample={
            "qber": threshold,
            "n_key": n,
            "k_test": k,
            "key_bits": float(exact),
            "replay": f"qproto.models.finite_key.key_length({n}, {k}, {threshold!r}, epsilon_sec={es!r}, "
            f"epsilon_cor={ec!r}, ec_efficiency={f!r})",
        },
        **evidence,
    )


__all__ = ["positive_at_threshold", "preparation_quality"]
