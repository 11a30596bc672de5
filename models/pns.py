"""Photon-number splitting on weak coherent pulses, and the decoy-state defence.

A phase-randomised weak coherent pulse of mean photon number μ carries n
photons with Poisson probability P_μ(n) = e^{−μ} μⁿ/n!.  Through a lossy
line of transmittance η (detector efficiency folded in, no dark counts) the
honest gain — the probability that Bob detects something — is
Q_μ = 1 − e^{−ημ}, and the QBER of an ideal line is 0.

**PNS attack** (Brassard, Lütkenhaus, Mor & Sanders 2000): Eve counts the
photons without disturbing the polarisation, blocks some single-photon
pulses, keeps one photon of each multi-photon pulse in a quantum memory and
sends the rest to Bob over a lossless line.  After the basis announcement
she measures her photon in the right basis and knows the bit.  She
reproduces the honest gain with yields chosen per photon number: she sends
on every multi-photon pulse (yield 1) and fills up with single photons only
as needed, so

    Y₁ = max(0, Q_μ − P_μ(n ≥ 2)) / P_μ(1),   Y_{n≥2} = 1,   Y₀ = 0,

(the last multi-photon yield is lowered when the multi-photon probability
alone exceeds the gain).  The QBER stays 0; Eve knows every bit from a
multi-photon pulse: a fraction Δ_Eve = (Q_μ − Y₁ P_μ(1)) / Q_μ of the key.

**Plain WCP BB84 (no decoys)** cannot see this: the gain and the QBER are
those of the honest line.  A rate that treats every detection as a single
photon, Q_μ (1 − 2h(E)), claims a key Eve knows.  The GLLP rate (Gottesman,
Lo, Lütkenhaus & Preskill 2004) with the worst case Δ = P_μ(n ≥ 2)/Q_μ is
safe but vanishes when Δ ≥ 1 — at long distance.

**Decoy-state BB84** (Hwang 2003; Lo, Ma & Chen 2005): Alice also sends
decoy intensities ν (and vacuum).  Yields depend on the photon number, not
on the intensity, so Eve's Yₙ are the same for every intensity, and the
decoy gains Q_ν = Σ Yₙ P_ν(n) expose her.  The weak+vacuum bound
(Ma, Qi, Zhao & Lo 2005, eq. 34)

    Y₁ᴸ = μ / (μν − ν²) · (Q_ν e^{ν} − Q_μ e^{μ} ν²/μ² − (μ² − ν²)/μ² · Y₀)

is a lower bound on the true Y₁ for *any* yields, and the key rate
R = Q₁ᴸ (1 − h(e₁ᵁ)) − Q_μ f h(E_μ) with Q₁ᴸ = Y₁ᴸ μ e^{−μ} counts only
single-photon bits Eve has not touched.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from qproto.spec.errors import ParameterError
from qproto.spec.validation import check_at_least, check_probability


def poisson(mu: float, n: int) -> float:
    """P_μ(n) = e^{−μ} μⁿ / n!."""
    return math.exp(-mu) * mu**n / math.factorial(n)


def honest_gain(mu: float, eta: float) -> float:
    """Q_μ = 1 − e^{−ημ}: Bob's detection probability on the honest line."""
    return 1.0 - math.exp(-eta * mu)


def _check(mu: float, eta: float) -> None:
    check_at_least("mean_photon_number", mu, strict=True)
    check_probability("transmittance", eta, open_low=True)


@dataclass(frozen=True)
class PNSAttack:
    """Eve's yields Yₙ (n = 0, 1, 2, … up to ``cutoff``) for a target
    intensity μ and transmittance η, as in the module doc."""

    mu: float
    eta: float
    yields: tuple[float, ...]

    def gain(self, intensity: float) -> float:
        """Q = Σ Yₙ P(n) at any intensity (Eve cannot tell intensities apart)."""
        return sum(y * poisson(intensity, n) for n, y in enumerate(self.yields))

    def single_photon_gain(self, intensity: float) -> float:
        return self.yields[1] * poisson(intensity, 1)

    def eve_known_fraction(self, intensity: float) -> float:
        """Share of Bob's detections that came from multi-photon pulses
        (Eve holds a copy of those bits)."""
        q = self.gain(intensity)
        return 0.0 if q <= 0 else (q - self.single_photon_gain(intensity) - self.yields[0] * poisson(intensity, 0)) / q


def pns_attack(mu: float, eta: float, cutoff: int = 30) -> PNSAttack:
    """The PNS attack that reproduces the honest gain at intensity μ."""
    _check(mu, eta)
    target = honest_gain(mu, eta)
    yields = [0.0] * (cutoff + 1)
    remaining = target
    for n in range(cutoff, 1, -1):  # fill from the top: multi-photon pulses first
        take = min(1.0, remaining / poisson(mu, n)) if poisson(mu, n) > 0 else 0.0
        yields[n] = max(0.0, take)
        remaining -= yields[n] * poisson(mu, n)
    yields[1] = max(0.0, min(1.0, remaining / poisson(mu, 1)))
    return PNSAttack(mu, eta, tuple(yields))


def pns_undetectable(mu: float, eta: float) -> bool:
    """True when multi-photon pulses alone reproduce the honest gain:
    P_μ(n ≥ 2) ≥ Q_μ (Eve blocks every single photon)."""
    _check(mu, eta)
    return 1 - poisson(mu, 0) - poisson(mu, 1) >= honest_gain(mu, eta)


def gllp_rate(gain: float, qber: float, multi_photon_bound: float, leak: float = 1.0) -> float:
    """GLLP key rate per pulse: Q[(1 − Δ)(1 − h(E/(1−Δ))) − leak·h(E)], with
    Δ an upper bound on the multi-photon share of detections (0 when
    Δ ≥ 1: no key)."""
    if gain <= 0 or multi_photon_bound >= 1:
        return 0.0
    d = multi_photon_bound
    return gain * ((1 - d) * (1 - _h(min(0.5, qber / (1 - d)))) - leak * _h(qber))


def decoy_single_photon_yield_lower(q_mu: float, q_nu: float, y0: float, mu: float, nu: float) -> float:
    """Y₁ᴸ of the weak+vacuum decoy method (Ma, Qi, Zhao & Lo 2005, eq. 34),
    valid for ν < μ and μ + ν < 1."""
    if not (0 < nu < mu and mu + nu < 1):
        raise ParameterError(f"decoy intensities need 0 < nu < mu and mu + nu < 1, got mu={mu}, nu={nu}")
    return (
        mu
        / (mu * nu - nu * nu)
        * (q_nu * math.exp(nu) - q_mu * math.exp(mu) * nu * nu / (mu * mu) - (mu * mu - nu * nu) / (mu * mu) * y0)
    )


def decoy_rate(attack: PNSAttack, mu: float, nu: float, leak: float = 1.0) -> dict[str, float]:
    """The decoy-state key rate per signal pulse under ``attack``: gains seen
    at μ, ν and vacuum, the bound Y₁ᴸ, Q₁ᴸ = Y₁ᴸ μ e^{−μ} and
    R = max(0, Q₁ᴸ (1 − h(e₁ᵁ)) − leak Q_μ h(E_μ)) with E_μ = e₁ = 0 (PNS
    does not disturb)."""
    q_mu, q_nu, y0 = attack.gain(mu), attack.gain(nu), attack.gain(0.0)
    y1_low = decoy_single_photon_yield_lower(q_mu, q_nu, y0, mu, nu)
    q1_low = max(0.0, y1_low) * poisson(mu, 1)
    rate = max(0.0, q1_low)
    return {
        "gain_signal": q_mu,
        "gain_decoy": q_nu,
        "gain_vacuum": y0,
        "y1_lower": y1_low,
        "y1_true": attack.yields[1],
        "q1_lower": q1_low,
        "q1_true": attack.single_photon_gain(mu),
        "rate": rate,
    }


def _h(p: float) -> float:
    if p <= 0 or p >= 1:
        return 0.0
    return -(p * math.log2(p) + (1 - p) * math.log2(1 - p))


__all__ = [
    "poisson",
    "honest_gain",
    "PNSAttack",
    "pns_attack",
    "pns_undetectable",
    "gllp_rate",
    "decoy_single_photon_yield_lower",
    "decoy_rate",
]
