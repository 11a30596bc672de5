"""The ``certified-key-rate`` checker: the spec's abort threshold lies below
the zero of its certified numerical key rate.

Claim checked (statement to put in a spec's property):

    Under depolarizing noise, at every noise level whose sifted QBER is at
    most the abort threshold, the asymptotic key rate is positive
    (collective attacks, one-way post-processing, trusted devices, single
    photons), certified by the dual bound of Winick, Lütkenhaus & Coles,
    Quantum 2, 77 (2018).

How: :func:`qproto.models.keyrate_numeric.certify_interval` covers the
noise interval [0, p(threshold)] with dual certificates, each valid on a
sub-interval (the dual bound is affine in the noise level, the
error-correction leak concave).  Verdicts:

- ``proved``: the interval is covered; the evidence lists each piece;
- ``refuted``: at the abort threshold an explicit collective attack (a
  state reproducing every observed probability) leaves a negative rate —
  the protocol accepts a QBER at which no key can be distilled in this
  regime; the evidence names the attack state;
- ``inconclusive``: neither (the rate's zero is within the solver's gap of
  the threshold, or cvxpy is not installed).

Property args (all optional): ``qber`` (default: the spec's
``abort_threshold``), ``ec_efficiency`` (default 1), ``observations``
(``"full"``, the default: Eve reproduces the whole depolarizing table;
``"qber"``: only the kept-announcement probabilities and the error rate the
protocol's estimation reads).

Other checkers call :func:`rate_positive_below` directly.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import sympy as sp

from qproto.models.keyrate_numeric import (
    REGIME,
    certify_interval,
    depolarizing_level,
    key_rate_numeric,
)
from qproto.spec.errors import QprotoError
from qproto.spec.protocol import Property
from qproto.spec.qkd import is_qkd

from .registry import checker
from .verdict import Status, inconclusive, proved, refuted, vacuous


def rate_positive_below(
    spec: Any, qber: float, *, ec_efficiency: float = 1.0, observations: str = "full"
) -> tuple[Status, dict[str, Any]]:
    """Whether the certified key rate of ``spec`` is positive at every
    depolarizing noise level whose QBER is ≤ ``qber``: (status, evidence)
    as a checker returns them.  ``observations`` as in
    :func:`~qproto.models.keyrate_numeric.key_rate_numeric`."""
    t0 = time.perf_counter()
    try:
        p_max = depolarizing_level(spec, qber)
    except QprotoError as exc:
        return vacuous(str(exc))
    covered, pieces = certify_interval(spec, 0.0, p_max, ec_efficiency=ec_efficiency, observations=observations)
    evidence: dict[str, Any] = {
        "regime": REGIME,
        "qber": qber,
        "depolarizing_p": p_max,
        "ec_efficiency": ec_efficiency,
        "observations": observations,
        "method": "Winick, Lütkenhaus, Coles, Quantum 2, 77 (2018): dual certificates, each affine in the noise level",
        "pieces": [
            {
                "p_low": c.p_low,
                "p_high": c.p_high,
                "p_certificate": c.p_mid,
                "rate_per_round_low": c.rate_low,
                "rate_per_round_high": c.rate_high,
            }
            for c in pieces
        ],
    }
    if covered:
        evidence["seconds"] = time.perf_counter() - t0
        return proved(
            f"certified key rate > 0 for every depolarizing noise level with QBER ≤ {qber:g} "
            f"(p ∈ [0, {p_max:.6g}], {len(pieces)} dual certificates)",
            **evidence,
        )
    at = key_rate_numeric(spec, noise=p_max, ec_efficiency=ec_efficiency, observations=observations)
    evidence["at_threshold"] = at.to_json()
    if at.upper is not None and at.upper < 0:
        return refuted(
            f"at QBER {qber:g} (depolarizing p = {p_max:.6g}) an explicit collective attack reproducing every observed "
            f"probability leaves rate ≤ {at.upper:.6g} < 0 per sifted bit: no key in this regime",
            counterexample={"attack_state": at.certificate["attack_state"], "upper": at.upper, "lower": at.lower},
            **evidence,
        )
    return inconclusive(
        f"at QBER {qber:g} the certified bracket is [{at.lower:.6g}, {at.upper}]: positivity is not certified on the "
        "whole interval and no attack shows a negative rate",
        **evidence,
    )


@checker("keyrate.certified-key-rate")
def certified_key_rate(spec: Any, prop: Property, options: Mapping[str, Any]) -> tuple[Status, dict[str, Any]]:
    if not is_qkd(spec):
        return vacuous(f"{spec.name} is not a QKD spec; a key rate needs the qkd-pm or qkd-eb family")
    qber = prop.args.get("qber", spec.abort_threshold)
    q = float(sp.N(sp.sympify(str(qber), rational=True)))
    ec = float(prop.args.get("ec_efficiency", 1.0))
    observations = str(prop.args.get("observations", "full"))
    try:
        return rate_positive_below(spec, q, ec_efficiency=ec, observations=observations)
    except QprotoError as exc:
        return inconclusive(f"numerical key rate unavailable: {exc}")


__all__ = ["rate_positive_below", "certified_key_rate"]
