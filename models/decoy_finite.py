"""Finite-size decoy-state BB84: the key length of Lim, Curty, Walenta, Xu & Zbinden (2014).

C. C. W. Lim, M. Curty, N. Walenta, F. Xu, H. Zbinden, "Concise security
bounds for practical decoy-state quantum key distribution", Phys. Rev. A 89,
022307 (2014), doi:10.1103/PhysRevA.89.022307 (arXiv:1311.7129).  The
protocol: asymmetric BB84 (key from the X basis, chosen with probability
q_x by both parties; the Z basis estimates the phase error), phase-randomised
weak coherent pulses at three intensities μ₁ > μ₂ + μ₃, μ₂ > μ₃ ≥ 0 chosen
with probabilities p₁, p₂, p₃, and **all three intensities used for the key**.
The key is ε_cor-correct and ε_sec-secret against general attacks when its
length is (their Eq. (1))

    ℓ = ⌊ s_X,0 + s_X,1 − s_X,1 h(φ_X) − λ_EC − 6 log₂(21/ε_sec) − log₂(2/ε_cor) ⌋

with, from the observed detections n_X,k (n_X = Σ n_X,k the block size) and
the Z-basis errors m_Z,k, Hoeffding's deviation δ(n) = √(n/2 · ln(21/ε_sec)),
n±_k = e^k/p_k (n_k ± δ(n)), τ_n = Σ_k p_k e^(−k) k^n/n!:

    s_0 ≥ τ₀ (μ₂ n⁻_μ₃ − μ₃ n⁺_μ₂) / (μ₂ − μ₃)                                     (2)
    s_1 ≥ τ₁ μ₁ [n⁻_μ₂ − n⁺_μ₃ − (μ₂² − μ₃²)/μ₁² (n⁺_μ₁ − s_0/τ₀)]
          / (μ₁(μ₂ − μ₃) − μ₂² + μ₃²)                                             (3)
    v_Z,1 ≤ τ₁ (m⁺_Z,μ₂ − m⁻_Z,μ₃) / (μ₂ − μ₃)                                    (4)
    φ_X ≤ v_Z,1/s_Z,1 + γ(ε_sec, v_Z,1/s_Z,1, s_Z,1, s_X,1),                      (5)
    γ(a, b, c, d) = √( (c+d)(1−b)b/(c d ln 2) · log₂( (c+d)/(c d (1−b) b) · 21²/a² ) ).

(s_0, s_1 for both bases; the Z-basis ones from n_Z,k.)  The text of the
paper was read from a stored copy of the published version (PRA 89, 022307).

Conventions here:

- bounds that come out negative are raised to 0 (a count is ≥ 0, so this
  keeps them bounds); φ_X is capped at 1/2 (h is symmetric);
- ``key_bits`` is ⌊ℓ⌋ and **not clipped**: ℓ ≤ 0 means no key;
- ε_sec = κ ℓ as in the paper's evaluation ("ε_sec proportional to the
  secret key length", κ = 10⁻¹⁵), solved as a fixed point;
- λ_EC = f_EC · n_X · h(e_obs), e_obs the observed X-basis error rate (the
  paper's choice, f_EC = 1.16).

The expected statistics come from the paper's fibre model (Sec. IV,
dedicated fibre): η_ch = 10^(−αL/10), η_sys = η_ch η_Bob, detection
D_k = 1 − (1 − 2p_dc) e^(−η_sys k), R_k = D_k (1 + p_ap), error probability
e_k = p_dc + e_mis [1 − e^(−η_sys k)] + p_ap D_k/2, with N pulses sent until
the block n_X is full: n_X,k = N p_k q_x² R_k, m_X,k = N p_k q_x² e_k (and
(1 − q_x)² for Z).  The paper prints η_ch (not η_sys) in the e_mis term;
that would make the misalignment error 1/η_Bob = 10 times the stated 0.5 %,
so we read it as a misprint and use η_sys (``misalignment_on="channel"``
gives the printed form; docs/keyrates.md reports both).

:func:`optimal_rate` maximises R = ℓ/N over {q_x, p₁, p₂, μ₁, μ₂} at fixed
{κ, ε_cor, e_mis, f_EC, L, n_X} (Nelder–Mead from several starts: a
numerical optimum, not a certified one), as the paper does for its Fig. 1.

>>> p = LimParameters()
>>> s = DecoySettings(q_x=0.9, p1=0.8, p2=0.15, mu1=0.5, mu2=0.1)
>>> r = finite_decoy_rate(50.0, 10**8, p, s)
>>> r.positive, round(r.e_obs, 4), round(r.phi_x, 3)  # after-pulses alone give 1.9 % errors
(True, 0.0242, 0.155)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from qproto.spec.errors import ParameterError
from qproto.spec.validation import check_choice, check_real

from .finite_key import binary_entropy

LIM_2014 = (
    "C. C. W. Lim, M. Curty, N. Walenta, F. Xu, H. Zbinden, Concise security bounds for practical decoy-state quantum "
    "key distribution, Phys. Rev. A 89, 022307 (2014), doi:10.1103/PhysRevA.89.022307, Eqs. (1)-(5)"
)
REGIME = (
    "finite key (ε_sec-secret with ε_sec = κ·ℓ, ε_cor-correct); general (coherent) attacks; Hoeffding bounds on the "
    "decoy statistics (three intensities, two decoys), random-sampling bound on the phase error; multi-photon pulses "
    "insecure; phase-randomised weak coherent source with exact intensities; basis-independent detection"
)
#: ε_sec is split into 21 equal parts (their Eq. (B4) with every term set to ε).
SPLIT = 21.0
MISALIGNMENT_FORMS = ("system", "channel")


def _real(name: str, value: Any, low: float, high: float, **kw: Any) -> float:
    return check_real(name, value, low, high, **kw)


@dataclass(frozen=True)
class LimParameters:
    """The fibre link and security budget of Lim et al.'s evaluation
    (dedicated fibre).

    Args:
        alpha_db_per_km: fibre loss.  Defaults to 0.2 dB/km.
        eta_bob: Bob's detection efficiency.  Defaults to 0.10.
        p_dc: dark-count probability per detector and gate.  Defaults to 6e-7.
        p_ap: after-pulse probability.  Defaults to 0.04.
        e_mis: optical misalignment error.  Defaults to 5e-3.
        mu3: the weakest intensity μ₃ (fixed, not optimised).  Defaults to 2e-4.
        ec_efficiency: f_EC in λ_EC = f_EC n_X h(e_obs).  Defaults to 1.16.
        kappa: secrecy per key bit, ε_sec = κ ℓ.  Defaults to 1e-15.
        epsilon_cor: correctness.  Defaults to 1e-15.
        misalignment_on: ``"system"`` (e_mis[1 − e^(−η_sys k)], default) or
            ``"channel"`` (e_mis[1 − e^(−η_ch k)], the paper as printed).
    """

    alpha_db_per_km: float = 0.2
    eta_bob: float = 0.1
    p_dc: float = 6e-7
    p_ap: float = 0.04
    e_mis: float = 5e-3
    mu3: float = 2e-4
    ec_efficiency: float = 1.16
    kappa: float = 1e-15
    epsilon_cor: float = 1e-15
    misalignment_on: str = "system"

    def __post_init__(self) -> None:
        _real("alpha_db_per_km", self.alpha_db_per_km, 0.0, math.inf, open_high=True)
        _real("eta_bob", self.eta_bob, 0.0, 1.0, open_low=True)
        _real("p_dc", self.p_dc, 0.0, 0.5, open_high=True)
        _real("p_ap", self.p_ap, 0.0, 1.0, open_high=True)
        _real("e_mis", self.e_mis, 0.0, 0.5)
        _real("mu3", self.mu3, 0.0, 1.0, open_high=True)
        _real("ec_efficiency", self.ec_efficiency, 1.0, math.inf, open_high=True)
        _real("kappa", self.kappa, 0.0, 1.0, open_low=True, open_high=True)
        _real("epsilon_cor", self.epsilon_cor, 0.0, 1.0, open_low=True, open_high=True)
        check_choice("misalignment_on", self.misalignment_on, MISALIGNMENT_FORMS)


def lim_parameters_for(link: Any, *, kappa: float = 1e-15, epsilon_cor: float = 1e-15) -> LimParameters:
    """Lim et al.'s model of the link ``link`` (a :class:`~qproto.models.decoy.DecoyParameters`):
    p_dc = Y_0/2 per detector (so a vacuum pulse clicks with probability ≈ Y_0 and errs with
    Y_0/2, as Ma et al. assume), no after-pulses, e_mis = e_det, η_Bob with any detector-side
    loss folded in, the same fibre loss and f.  The finite-size rate is then comparable with
    the asymptotic decoy rate of :mod:`qproto.models.decoy` on one plot."""
    return LimParameters(
        alpha_db_per_km=link.alpha_db_per_km,
        eta_bob=link.eta_bob * 10 ** (-link.detector_loss_db / 10),
        p_dc=link.y0 / 2,
        p_ap=0.0,
        e_mis=link.e_detector,
        ec_efficiency=link.ec_efficiency,
        kappa=kappa,
        epsilon_cor=epsilon_cor,
    )


@dataclass(frozen=True)
class DecoySettings:
    """The protocol's free parameters: basis bias q_x, intensity
    probabilities p₁, p₂ (p₃ = 1 − p₁ − p₂) and intensities μ₁ > μ₂ + μ₃,
    μ₂ > μ₃ (μ₃ = 2e-4 unless given)."""

    q_x: float
    p1: float
    p2: float
    mu1: float
    mu2: float
    mu3: float = 2e-4

    def __post_init__(self) -> None:
        _real("q_x", self.q_x, 0.0, 1.0, open_low=True, open_high=True)
        _real("p1", self.p1, 0.0, 1.0, open_low=True, open_high=True)
        _real("p2", self.p2, 0.0, 1.0, open_low=True, open_high=True)
        if not self.p1 + self.p2 < 1:
            raise ParameterError(f"p1={self.p1!r}, p2={self.p2!r}: p1 + p2 must be < 1 (p3 = 1 − p1 − p2 > 0)")
        _real("mu3", self.mu3, 0.0, 1.0, open_high=True)
        _real("mu2", self.mu2, self.mu3, math.inf, open_low=True, open_high=True)
        _real("mu1", self.mu1, self.mu2 + self.mu3, math.inf, open_low=True, open_high=True)

    @property
    def p3(self) -> float:
        return 1.0 - self.p1 - self.p2

    @property
    def intensities(self) -> tuple[float, float, float]:
        return (self.mu1, self.mu2, self.mu3)

    @property
    def probabilities(self) -> tuple[float, float, float]:
        return (self.p1, self.p2, self.p3)

    def tau(self, n: int) -> float:
        """τ_n = Σ_k p_k e^(−k) kⁿ/n!: the probability that a pulse has n photons."""
        return sum(p * math.exp(-k) * k**n / math.factorial(n) for k, p in zip(self.intensities, self.probabilities))


@dataclass(frozen=True)
class DecoyCounts:
    """Observed detections and errors per intensity (μ₁, μ₂, μ₃), X and Z basis."""

    n_x: tuple[float, float, float]
    n_z: tuple[float, float, float]
    m_x: tuple[float, float, float]
    m_z: tuple[float, float, float]


@dataclass(frozen=True)
class DecoyFiniteResult:
    """ℓ of Eq. (1) and the bounds it is made of.  ``key_bits`` is ⌊ℓ⌋, not
    clipped; ``rate`` is ℓ/N per pulse sent (None without a pulse count)."""

    key_bits: float
    rate: float | None
    pulses: float | None
    block_size: float
    s_x0: float
    s_x1: float
    s_z1: float
    v_z1: float
    phi_x: float
    e_obs: float
    leak_ec: float
    epsilon_sec: float
    epsilon_cor: float
    distance_km: float | None = None
    settings: DecoySettings | None = None
    terms: dict[str, float] = field(default_factory=dict)
    reference: str = LIM_2014
    regime: str = REGIME

    @property
    def positive(self) -> bool:
        return self.key_bits > 0

    def to_json(self) -> dict[str, Any]:
        doc = {
            k: getattr(self, k)
            for k in (
                "key_bits",
                "rate",
                "pulses",
                "block_size",
                "s_x0",
                "s_x1",
                "s_z1",
                "v_z1",
                "phi_x",
                "e_obs",
                "leak_ec",
                "epsilon_sec",
                "epsilon_cor",
                "distance_km",
                "terms",
                "reference",
                "regime",
            )
        }
        doc["settings"] = None if self.settings is None else dict(vars(self.settings))
        doc["positive"] = self.positive
        return doc


# -- Eqs. (2)-(5) ------------------------------------------------------------------------------


def _plus_minus(counts: tuple[float, ...], s: DecoySettings, delta: float) -> tuple[list[float], list[float]]:
    plus = [math.exp(k) / p * (c + delta) for c, k, p in zip(counts, s.intensities, s.probabilities)]
    minus = [math.exp(k) / p * (c - delta) for c, k, p in zip(counts, s.intensities, s.probabilities)]
    return plus, minus


def vacuum_bound(counts: tuple[float, ...], s: DecoySettings, delta: float) -> float:
    """Eq. (2): s_0 ≥ τ₀ (μ₂ n⁻_μ₃ − μ₃ n⁺_μ₂)/(μ₂ − μ₃), raised to 0."""
    plus, minus = _plus_minus(counts, s, delta)
    mu1, mu2, mu3 = s.intensities
    return max(0.0, s.tau(0) * (mu2 * minus[2] - mu3 * plus[1]) / (mu2 - mu3))


def single_photon_bound(counts: tuple[float, ...], s: DecoySettings, delta: float) -> float:
    """Eq. (3), with Eq. (2)'s s_0; raised to 0."""
    plus, minus = _plus_minus(counts, s, delta)
    mu1, mu2, mu3 = s.intensities
    s0 = vacuum_bound(counts, s, delta)
    bracket = minus[1] - plus[2] - (mu2**2 - mu3**2) / mu1**2 * (plus[0] - s0 / s.tau(0))
    denominator = (mu2 - mu3) * (mu1 - mu2 - mu3)  # = μ₁(μ₂ − μ₃) − μ₂² + μ₃², > 0 under the orderings
    return max(0.0, s.tau(1) * mu1 * bracket / denominator) if denominator > 0 else 0.0


def single_photon_error_bound(errors: tuple[float, ...], s: DecoySettings, delta: float) -> float:
    """Eq. (4): v_Z,1 ≤ τ₁ (m⁺_μ₂ − m⁻_μ₃)/(μ₂ − μ₃), raised to 0."""
    plus, minus = _plus_minus(errors, s, delta)
    mu1, mu2, mu3 = s.intensities
    return max(0.0, s.tau(1) * (plus[1] - minus[2]) / (mu2 - mu3))


def gamma(a: float, b: float, c: float, d: float) -> float:
    """γ(a, b, c, d) of Eq. (5) (the random-sampling deviation of Fung, Ma,
    Chau, PRA 81, 012318 (2010)); 0 at b = 0 or 1 (its limit)."""
    if b <= 0.0 or b >= 1.0:
        return 0.0
    inner = (c + d) / (c * d * (1 - b) * b) * SPLIT**2 / a**2
    return math.sqrt((c + d) * (1 - b) * b / (c * d * math.log(2)) * math.log2(inner))


def _deviation(total: float, epsilon_sec: float) -> float:
    """Hoeffding: √(n/2 · ln(21/ε_sec))."""
    return math.sqrt(max(total, 0.0) / 2 * math.log(SPLIT / epsilon_sec))


def _length(counts: DecoyCounts, s: DecoySettings, epsilon_sec: float, epsilon_cor: float, f_ec: float) -> dict[str, float]:
    n_x, n_z, m_z = sum(counts.n_x), sum(counts.n_z), sum(counts.m_z)
    dx, dz, dm = _deviation(n_x, epsilon_sec), _deviation(n_z, epsilon_sec), _deviation(m_z, epsilon_sec)
    s_x0 = vacuum_bound(counts.n_x, s, dx)
    s_x1 = single_photon_bound(counts.n_x, s, dx)
    s_z1 = single_photon_bound(counts.n_z, s, dz)
    v_z1 = single_photon_error_bound(counts.m_z, s, dm)
    if s_z1 > 0 and s_x1 > 0:
        b = min(v_z1 / s_z1, 1.0)
        phi = min(b + gamma(epsilon_sec, b, s_z1, s_x1), 0.5)
    else:  # no single photon certified in a basis: nothing is known of the phase error
        phi = 0.5
    e_obs = sum(counts.m_x) / n_x if n_x > 0 else 0.5
    leak = f_ec * n_x * binary_entropy(min(e_obs, 0.5))
    security = 6 * math.log2(SPLIT / epsilon_sec) + math.log2(2 / epsilon_cor)
    ell = s_x0 + s_x1 - s_x1 * binary_entropy(phi) - leak - security
    return {
        "ell": ell,
        "s_x0": s_x0,
        "s_x1": s_x1,
        "s_z1": s_z1,
        "v_z1": v_z1,
        "phi_x": phi,
        "e_obs": e_obs,
        "leak_ec": leak,
        "security": security,
        "block_size": n_x,
    }


def key_length(
    counts: DecoyCounts, settings: DecoySettings, *, epsilon_sec: float, epsilon_cor: float, ec_efficiency: float = 1.16
) -> DecoyFiniteResult:
    """ℓ of Eq. (1) from observed counts at a given ε_sec and ε_cor."""
    es = _real("epsilon_sec", epsilon_sec, 0.0, 1.0, open_low=True, open_high=True)
    ec = _real("epsilon_cor", epsilon_cor, 0.0, 1.0, open_low=True, open_high=True)
    f = _real("ec_efficiency", ec_efficiency, 1.0, math.inf, open_high=True)
    for name in ("n_x", "n_z", "m_x", "m_z"):
        values = getattr(counts, name)
        if len(values) != 3:
            raise ParameterError(f"{name}={values!r} must hold three counts (μ1, μ2, μ3)")
        for v in values:
            _real(name, v, 0.0, math.inf, open_high=True)
    t = _length(counts, settings, es, ec, f)
    return _result(t, settings, es, ec, None, None)


def _result(
    t: dict[str, float], s: DecoySettings, es: float, ec: float, pulses: float | None, distance: float | None
) -> DecoyFiniteResult:
    bits = float(math.floor(t["ell"]))
    return DecoyFiniteResult(
        key_bits=bits,
        rate=None if pulses is None else t["ell"] / pulses,
        pulses=pulses,
        block_size=t["block_size"],
        s_x0=t["s_x0"],
        s_x1=t["s_x1"],
        s_z1=t["s_z1"],
        v_z1=t["v_z1"],
        phi_x=t["phi_x"],
        e_obs=t["e_obs"],
        leak_ec=t["leak_ec"],
        epsilon_sec=es,
        epsilon_cor=ec,
        distance_km=distance,
        settings=s,
        terms={"ell_unfloored": t["ell"], "security": t["security"]},
    )


# -- the fibre model of Sec. IV ------------------------------------------------------------------


def detection_and_error(distance_km: float, intensity: float, params: LimParameters) -> tuple[float, float]:
    """(R_k, e_k): expected detection probability (after-pulses included)
    and bit-error probability per pulse of intensity k."""
    eta_ch = 10 ** (-params.alpha_db_per_km * distance_km / 10)
    eta_sys = eta_ch * params.eta_bob
    d = 1 - (1 - 2 * params.p_dc) * math.exp(-eta_sys * intensity)
    eta_mis = eta_sys if params.misalignment_on == "system" else eta_ch
    e = params.p_dc + params.e_mis * -math.expm1(-eta_mis * intensity) + params.p_ap * d / 2
    return d * (1 + params.p_ap), e


def expected_counts(
    distance_km: float, block_size: float, settings: DecoySettings, params: LimParameters
) -> tuple[DecoyCounts, float]:
    """The counts expected when pulses are sent until n_X = ``block_size``,
    and the number N of pulses that takes."""
    rates = [detection_and_error(distance_km, k, params) for k in settings.intensities]
    qx, qz = settings.q_x**2, (1 - settings.q_x) ** 2
    per_pulse_x = sum(p * r for p, (r, _) in zip(settings.probabilities, rates)) * qx
    pulses = block_size / per_pulse_x
    (p1, (r1, e1)), (p2, (r2, e2)), (p3, (r3, e3)) = zip(settings.probabilities, rates)  # three intensities
    counts = DecoyCounts(
        n_x=(pulses * p1 * qx * r1, pulses * p2 * qx * r2, pulses * p3 * qx * r3),
        n_z=(pulses * p1 * qz * r1, pulses * p2 * qz * r2, pulses * p3 * qz * r3),
        m_x=(pulses * p1 * qx * e1, pulses * p2 * qx * e2, pulses * p3 * qx * e3),
        m_z=(pulses * p1 * qz * e1, pulses * p2 * qz * e2, pulses * p3 * qz * e3),
    )
    return counts, pulses


def _fixed_point_length(counts: DecoyCounts, s: DecoySettings, params: LimParameters) -> tuple[dict[str, float], float]:
    """ℓ with ε_sec = κ ℓ: a few iterations suffice (ℓ depends on ε_sec
    only through logarithms); with ℓ ≤ 1, ε_sec = κ (one bit)."""
    block = max(sum(counts.n_x), 1.0)
    es = params.kappa * block
    t = _length(counts, s, es, params.epsilon_cor, params.ec_efficiency)
    for _ in range(8):
        # ℓ ≤ n_X for any sound bound; the cap only guards settings so extreme that rounding breaks that
        new = params.kappa * min(max(t["ell"], 1.0), block)
        if abs(math.log(new / es)) < 1e-9:
            break
        es = new
        t = _length(counts, s, es, params.epsilon_cor, params.ec_efficiency)
    return t, es


def _checked_block(block_size: Any) -> float:
    return _real("block_size", block_size, 1.0, math.inf, open_high=True)


def _checked_distance(distance_km: Any) -> float:
    return _real("distance_km", distance_km, 0.0, math.inf, open_high=True)


def finite_decoy_rate(distance_km: float, block_size: float, params: LimParameters, settings: DecoySettings) -> DecoyFiniteResult:
    """ℓ and R = ℓ/N at ``distance_km`` for block size n_X = ``block_size``
    with the given protocol settings (expected statistics of the fibre model)."""
    length, n_x = _checked_distance(distance_km), _checked_block(block_size)
    counts, pulses = expected_counts(length, n_x, settings, params)
    t, es = _fixed_point_length(counts, settings, params)
    return _result(t, settings, es, params.epsilon_cor, pulses, length)


def asymptotic_decoy_rate(distance_km: float, params: LimParameters, settings: DecoySettings) -> float:
    """The N → ∞ limit of ℓ/N for the same three-intensity protocol (the
    paper's dashed curve): no statistical deviations, no ε terms, q_x → 1
    (the Z basis needs a vanishing share), per pulse sent."""
    length = _checked_distance(distance_km)
    rates = [detection_and_error(length, k, params) for k in settings.intensities]
    per_pulse = tuple(p * r for p, (r, _) in zip(settings.probabilities, rates))
    errors = tuple(p * e for p, (_, e) in zip(settings.probabilities, rates))
    s0 = vacuum_bound(per_pulse, settings, 0.0)
    s1 = single_photon_bound(per_pulse, settings, 0.0)
    v1 = single_photon_error_bound(errors, settings, 0.0)
    phi = min(v1 / s1, 0.5) if s1 > 0 else 0.5
    total = sum(per_pulse)
    e_obs = sum(errors) / total
    return s0 + s1 * (1 - binary_entropy(phi)) - params.ec_efficiency * total * binary_entropy(min(e_obs, 0.5))


# -- optimisation over the protocol parameters ---------------------------------------------------


def _grid(mu3: float) -> list[DecoySettings]:
    """The coarse grid the optimiser starts from (288 settings)."""
    out = []
    for q_x in (0.5, 0.7, 0.85, 0.95):
        for p1 in (0.1, 0.3, 0.5, 0.7):
            for p2 in (0.15, 0.4, 0.6):
                if p1 + p2 >= 0.95:
                    continue
                for mu1 in (0.3, 0.5, 0.7):
                    for mu2 in (0.05, 0.1, 0.2):
                        out.append(DecoySettings(q_x=q_x, p1=p1, p2=p2, mu1=mu1, mu2=mu2, mu3=mu3))
    return out


#: The optimiser keeps μ₂ − μ₃ and μ₁ − μ₂ − μ₃ at least _GAP apart: the bounds divide by
#: both, and nearer intensities only turn floating-point cancellation into fake key.
_GAP = 1e-3
_MU1_LOW, _MU1_HIGH = 0.01, 1.5


def _sigmoid(x: float) -> float:
    # kept off 0 and 1 so that the decoded intensities satisfy the strict orderings in floating point
    return min(max(1 / (1 + math.exp(-x)) if x > -700 else 0.0, 1e-9), 1 - 1e-9)


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _decode(x: Any, mu3: float) -> DecoySettings | None:
    """Unconstrained vector → settings (None when a constraint fails at the
    edge of floating point)."""
    q_x = _sigmoid(x[0])
    e1, e2 = math.exp(min(x[1], 50)), math.exp(min(x[2], 50))
    p1, p2 = e1 / (1 + e1 + e2), e2 / (1 + e1 + e2)
    mu1 = _MU1_LOW + (_MU1_HIGH - _MU1_LOW) * _sigmoid(x[3])
    mu2 = mu3 + _GAP + (mu1 - 2 * mu3 - 2 * _GAP) * _sigmoid(x[4])
    try:
        return DecoySettings(q_x=q_x, p1=p1, p2=p2, mu1=mu1, mu2=mu2, mu3=mu3)
    except ParameterError:
        return None


def _encode(s: DecoySettings) -> list[float]:
    p3 = s.p3
    mu3 = s.mu3
    return [
        _logit(s.q_x),
        math.log(s.p1 / p3),
        math.log(s.p2 / p3),
        _logit((s.mu1 - _MU1_LOW) / (_MU1_HIGH - _MU1_LOW)),
        _logit((s.mu2 - mu3 - _GAP) / (s.mu1 - 2 * mu3 - 2 * _GAP)),
    ]


def optimal_rate(
    distance_km: float,
    block_size: float | None,
    params: LimParameters,
    *,
    start: DecoySettings | None = None,
) -> tuple[float, DecoySettings]:
    """The largest rate ℓ/N over {q_x, p₁, p₂, μ₁, μ₂} (``block_size`` None:
    the asymptotic rate of :func:`asymptotic_decoy_rate`), and the settings
    that reach it.  The rate returned is not clipped (≤ 0: no key)."""
    from scipy.optimize import minimize

    length = _checked_distance(distance_km)
    n_x = None if block_size is None else _checked_block(block_size)

    def terms(x: Any) -> tuple[float, float]:
        """(ℓ, N) at the decoded settings; (−∞, 1) outside them."""
        s = _decode(x, params.mu3)
        if s is None:
            return -math.inf, 1.0
        if n_x is None:
            return asymptotic_decoy_rate(length, params, s), 1.0
        counts, pulses = expected_counts(length, n_x, s, params)
        t, _ = _fixed_point_length(counts, s, params)
        return (t["ell"], pulses) if math.isfinite(t["ell"]) else (-math.inf, 1.0)

    scale = 1.0 if n_x is None else n_x

    def rate(x: Any) -> float:
        # ℓ/N where there is a key; no-key points rank below every key, by their deficit per block
        ell, pulses = terms(x)
        if not math.isfinite(ell):
            return math.inf
        return -ell / pulses if ell > 0 else 1.0 - ell / scale

    options = {"xatol": 1e-7, "fatol": 1e-16, "maxiter": 3000, "maxfev": 6000}
    # the bounds are clipped at 0, so the landscape is flat wherever a bound certifies nothing: a coarse
    # grid finds the region with key before Nelder-Mead refines the three best points of it
    grid = [_encode(s) for s in _grid(params.mu3)]
    ranked = sorted(grid, key=rate)[:3]
    starts = ([_encode(start)] if start is not None else []) + ranked
    best_x, best = None, math.inf
    for x0 in starts:
        res = minimize(rate, x0, method="Nelder-Mead", options=options)
        if res.fun < best:
            best_x, best = res.x, float(res.fun)
    assert best_x is not None
    settings = _decode(best_x, params.mu3)
    assert settings is not None
    ell, pulses = terms(best_x)
    return ell / pulses, settings


def max_distance(
    block_size: float | None, params: LimParameters, *, precision_km: float = 0.05, limit_km: float = 400.0
) -> float:
    """The largest fibre length with an optimised rate > 0 (bisection; the
    optimal rate falls with distance).  0.0 when there is no key at 0 km."""
    if optimal_rate(0.0, block_size, params)[0] <= 0:
        return 0.0
    lo, hi = 0.0, float(limit_km)
    if optimal_rate(hi, block_size, params)[0] > 0:
        return hi
    start = None
    while hi - lo > precision_km:
        mid = (lo + hi) / 2
        value, settings = optimal_rate(mid, block_size, params, start=start)
        if value > 0:
            lo, start = mid, settings
        else:
            hi = mid
    return lo


__all__ = [
    "LIM_2014",
    "REGIME",
    "LimParameters",
    "lim_parameters_for",
    "DecoySettings",
    "DecoyCounts",
    "DecoyFiniteResult",
    "vacuum_bound",
    "single_photon_bound",
    "single_photon_error_bound",
    "gamma",
    "key_length",
    "detection_and_error",
    "expected_counts",
    "finite_decoy_rate",
    "asymptotic_decoy_rate",
    "optimal_rate",
    "max_distance",
]
