"""Link physics: how many attempts herald a pair, and how good it is.

- Fibre: transmittance η = 10^(−αL/10) for attenuation α dB/km over L km
  (ITU-T G.652: α ≈ 0.2 dB/km at 1550 nm).  Losses in dB add, so
  η(L1 + L2) = η(L1)·η(L2).
- Free space (drones, satellites): the simple model of Bourgoin et al.
  2013 — geometric loss (D_r / (D_t + θL))², capped at 1 when the beam is
  narrower than the receiver, times the atmospheric transmittance
  10^(−A/10) (A in dB; 0 above the atmosphere).
- A heralded attempt succeeds with p = η·η_det; a link delivers pairs at
  rate R·p and each pair is a Werner pair of the link's fidelity.

Functions take an optional ``arith`` (see :class:`Arith`): plain floats for
plots and analysis, or rigorous mpmath intervals for proofs, so the same
formulas serve both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from qproto.spec.network import Link


@dataclass(frozen=True)
class Arith:
    """Number backend: ``float`` (fast), ``interval`` (rigorous enclosure
    with mpmath's interval arithmetic at ``dps`` digits) or ``exact`` (SymPy,
    symbols allowed: the form the loss-model proofs reduce)."""

    kind: str = "float"
    dps: int = 40

    def num(self, x: Any) -> Any:
        if self.kind == "float":
            return float(x)
        if self.kind == "exact":
            import sympy as sp

            return sp.nsimplify(x) if isinstance(x, float) else sp.sympify(x)
        from mpmath import iv

        iv.dps = self.dps
        if isinstance(x, Fraction):
            return iv.mpf(x.numerator) / iv.mpf(x.denominator)
        if isinstance(x, float):
            if math.isinf(x):
                return iv.mpf(x)
            f = Fraction(str(x))
            return iv.mpf(f.numerator) / iv.mpf(f.denominator)
        return iv.mpf(x)

    def exp(self, x: Any) -> Any:
        if self.kind == "float":
            return math.exp(x)
        if self.kind == "exact":
            import sympy as sp

            return sp.exp(x)
        from mpmath import iv

        return iv.exp(x)

    def pow10(self, x: Any) -> Any:
        """10^x."""
        if self.kind == "float":
            return 10.0**x
        if self.kind == "exact":
            import sympy as sp

            return sp.Integer(10) ** x
        from mpmath import iv

        return iv.exp(x * iv.log(iv.mpf(10)))

    def max(self, values: list[Any]) -> Any:
        if self.kind == "float":
            return max(values)
        if self.kind == "exact":
            import sympy as sp

            return sp.Max(*values)
        from mpmath import iv

        return iv.mpf([max(v.a for v in values), max(v.b for v in values)])

    def min1(self, x: Any) -> Any:
        """min(x, 1)."""
        if self.kind == "float":
            return min(x, 1.0)
        if self.kind == "exact":
            import sympy as sp

            return sp.Min(x, 1)
        from mpmath import iv

        return iv.mpf([min(x.a, 1), min(x.b, 1)])

    def nonnegative(self, x: Any) -> Any:
        """max(x, 0) for a quantity known to be ≥ 0 (clears rounding below 0)."""
        if self.kind == "float":
            return max(x, 0.0)
        if self.kind == "exact":
            import sympy as sp

            return sp.Max(x, 0)
        from mpmath import iv

        return iv.mpf([max(x.a, 0), max(x.b, 0)])

    @staticmethod
    def low(x: Any) -> float:
        return float(x.a) if hasattr(x, "a") else float(x)

    @staticmethod
    def high(x: Any) -> float:
        return float(x.b) if hasattr(x, "b") else float(x)


FLOAT = Arith("float")
INTERVAL = Arith("interval")
EXACT = Arith("exact")


def fibre_transmittance(length_km: Any, loss_db_per_km: Any = 0.2, arith: Arith = FLOAT) -> Any:
    """η = 10^(−αL/10)."""
    return arith.pow10(-arith.num(loss_db_per_km) * arith.num(length_km) / 10)


def free_space_transmittance(
    length_km: Any,
    divergence_urad: Any = 10,
    tx_aperture_m: Any = 0.3,
    rx_aperture_m: Any = 1.0,
    atmosphere_db: Any = 3.0,
    arith: Arith = FLOAT,
) -> Any:
    """η = min(1, (D_r / (D_t + θL))²) · 10^(−A/10), θ in rad, L in m."""
    beam = arith.num(tx_aperture_m) + arith.num(divergence_urad) * arith.num(length_km) / 1000
    if arith.high(beam) <= 0:
        geometric = arith.num(1)
    else:
        geometric = arith.min1((arith.num(rx_aperture_m) / beam) ** 2)
    return geometric * arith.pow10(-arith.num(atmosphere_db) / 10)


def transmittance(link: Link, arith: Arith = FLOAT) -> Any:
    if link.medium == "fibre":
        return fibre_transmittance(link.length_km, link.loss_db_per_km, arith)
    return free_space_transmittance(
        link.length_km, link.divergence_urad, link.tx_aperture_m, link.rx_aperture_m, link.atmosphere_db, arith
    )


def success_probability(link: Link, arith: Arith = FLOAT) -> Any:
    """Probability that one attempt heralds a pair: η·η_det."""
    return transmittance(link, arith) * arith.num(link.detector_efficiency)


def pair_rate(link: Link, arith: Arith = FLOAT) -> Any:
    """Heralded pairs per second: R·p."""
    return arith.num(link.attempt_rate) * success_probability(link, arith)


def loss_db(link: Link) -> float:
    """The link's total loss in dB (for reports)."""
    return -10 * math.log10(transmittance(link))


__all__ = [
    "Arith",
    "FLOAT",
    "INTERVAL",
    "EXACT",
    "fibre_transmittance",
    "free_space_transmittance",
    "transmittance",
    "success_probability",
    "pair_rate",
    "loss_db",
]
