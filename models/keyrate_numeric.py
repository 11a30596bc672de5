"""Certified numerical asymptotic key rates for any QKD spec.

The method is that of Winick, Lütkenhaus & Coles, "Reliable numerical key
rates for quantum key distribution", Quantum 2, 77 (2018), on the problem
built by :mod:`qproto.models.keyrate_source`:

1. **Step 1 (primal, an upper bound).**  Find a near-optimal state σ of
   min_{ρ ∈ S} f(ρ).  Two primal solvers are offered: ``"newton"`` (the
   default: a log-barrier Newton method in the affine parametrisation
   ρ = ρ₀ + Σ c_k N_k of the constraint set, NumPy only) and
   ``"frank-wolfe"`` (Winick et al.'s Algorithm 1: linearisation SDPs solved
   with cvxpy, then a line search).  The primal is a heuristic: whatever it
   returns, f at a *feasible* state is an upper bound on the minimum, and
   step 2 does not trust it.
2. **Step 2 (dual, the certified lower bound).**  For the ε-perturbed
   objective f_ε, convex on the whole positive cone, and *any* σ,
   min_S f_ε ≥ f_ε(σ) − Tr(σ ∇f_ε(σ)) + min_S Tr(ρ ∇f_ε(σ)), and the last
   minimum (a linear SDP) is bounded below by its dual: for every y with
   ∇f_ε(σ) − Σ_k y_k Γ_k ⪰ 0, min_S Tr(ρ ∇f_ε(σ)) ≥ γ·y.  Solver tolerance
   is handled as Winick et al. (Theorem 3 and Sec. IV): the dual is solved
   with the constraint values relaxed by ε' (objective γ·y − ε'‖y‖₁, which
   covers a representation error |Tr(Γ_k ρ) − γ_k| ≤ ε' of the observed
   values), the returned y is *checked* — the smallest eigenvalue of
   ∇f_ε(σ) − Σ y_k Γ_k is computed and any negative part is subtracted
   (Tr ρ = 1 on S) — and ζ_ε (Theorem 2) converts f_ε back to f.  The
   bound is valid whatever σ and y the solvers returned; their quality
   only decides how tight it is.
3. **Key rate** (Devetak–Winter, Proc. R. Soc. A 461, 207 (2005), one-way
   post-processing): R = min_S f − leak_EC with leak_EC = f_EC p_sift h(Q),
   reported per sifted bit (divided by p_sift).

Regime: asymptotic; collective attacks (for protocols symmetric under
permutations of the rounds the same rate holds against coherent attacks,
Renner, Nat. Phys. 3, 645 (2007); Christandl, König & Renner, PRL 102,
020504 (2009)); one-way post-processing with direct reconciliation; trusted
devices; single photons (qubit signals); lossless unless a transmittance
is given (then Bob's no-click is an observed outcome, never kept; no
reference pulse).

>>> from qproto.spec.bb84 import BB84
>>> r = key_rate_numeric(BB84, noise=0.1)        # depolarizing p = 0.1, QBER 5 %
>>> round(r.lower, 5), round(r.upper, 5)     # Shor–Preskill: 1 − 2h(0.05) = 0.427206…
(0.42721, 0.42721)
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qproto.spec.errors import ParameterError, QprotoError

from .keyrate_objective import derivatives, gradient, objective, zeta
from .keyrate_source import KeyRateProblem, attack_kraus, depolarizing_kraus, lossy_depolarizing_kraus, problem

#: ε of the perturbed objective (Winick et al. 2018, Theorem 2).
EPSILON = 1e-9
#: ε': the bound on |Tr(Γ_k ρ) − γ_k| from representing the observed values
#: and constraint operators in float64 (entries O(1), a few dozen flops).
EPSILON_PRIME = 1e-12
#: δ: the primal works on the statistics of (1 − δ) ρ + δ ρ_mixed, which has
#: a full-rank feasible point; the certificate uses the true statistics.
PRIMAL_DELTA = 1e-9

REGIME = (
    "asymptotic; collective attacks (coherent attacks too for permutation-symmetric protocols: Renner 2007, "
    "Christandl-König-Renner 2009); one-way post-processing, direct reconciliation; trusted devices; "
    "single photons (qubit signals), lossless"
)
REGIME_LOSSY = REGIME.replace("lossless", "lossy line (no click observed, never kept; no reference pulse)")


@dataclass(frozen=True)
class KeyRateResult:
    """A key rate bracket, per sifted bit.

    ``lower`` is certified (Winick et al. 2018, step 2: valid whatever the
    solvers returned); ``upper`` is the rate of an explicit collective
    attack — Eve holds a purification of a state ρ_AB that reproduces every
    observed probability (``certificate["attack_state"]``) — so the minimum,
    and hence the true asymptotic rate in this regime, lies in
    [lower, upper].  ``gap`` = upper − lower.
    """

    lower: float
    upper: float | None
    certificate: dict[str, Any]
    solver: str
    regime: str
    gap: float
    iterations: int
    seconds: float
    qber: float = float("nan")
    sift: float = float("nan")
    channel: str = ""
    unit: str = "bits per sifted bit"
    per_round: tuple[float, float | None] = field(default=(float("nan"), None))

    def to_json(self) -> dict[str, Any]:
        return {
            "lower": self.lower,
            "upper": self.upper,
            "gap": self.gap,
            "unit": self.unit,
            "per_round": list(self.per_round),
            "qber": self.qber,
            "sift": self.sift,
            "channel": self.channel,
            "solver": self.solver,
            "regime": self.regime,
            "iterations": self.iterations,
            "seconds": self.seconds,
            "certificate": self.certificate,
        }


def _cvxpy() -> Any:
    try:
        import cvxpy
    except ImportError:
        raise QprotoError("numerical key rates need cvxpy: install qproto[keyrate] (pip install 'qproto[keyrate]')") from None
    return cvxpy


def binary_entropy(x: float) -> float:
    if x <= 0 or x >= 1:
        return 0.0
    return float(-x * math.log2(x) - (1 - x) * math.log2(1 - x))


# -- step 1: primal ----------------------------------------------------------------


def _inner(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.real(np.vdot(a, b)))


#: A start point whose smallest eigenvalue is above this is interior enough.
INTERIOR = 1e-7


def _interior_point(prob: KeyRateProblem, solver: str) -> tuple[np.ndarray, float]:
    """A feasible state of the true constraint set with the largest smallest
    eigenvalue t (an SDP): (state, t)."""
    cp = _cvxpy()
    st = prob.structure
    key = id(st)
    if key not in _CACHE.interior:
        d = st.dim
        x = cp.Variable((d, d), hermitian=True)
        t = cp.Variable()
        gam = cp.Parameter(len(st.constraints))
        cons = [x - t * np.eye(d) >> 0] + [cp.real(cp.trace(g @ x)) == gam[i] for i, g in enumerate(st.constraints)]
        _CACHE.interior[key] = (st, cp.Problem(cp.Maximize(t), cons), x, t, gam)
    _, pr, x, t, gam = _CACHE.interior[key]
    gam.value = prob.gamma
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        pr.solve(solver=solver, warm_start=False)
    if x.value is None or t.value is None:
        return prob.rho, 0.0
    rho = np.asarray(x.value)
    rho = (rho + rho.conj().T) / 2
    # the solver's point is feasible only to its tolerance: project back onto the affine set
    rho = rho - sum((_inner(g, rho) - gk) * g for g, gk in zip(st.constraints, prob.gamma))
    return rho, float(np.linalg.eigvalsh(rho).min())


def _start_point(prob: KeyRateProblem, solver: str) -> tuple[np.ndarray, float]:
    """(ρ₀, δ): a strictly feasible start — the physical state, else the
    most interior feasible state (δ = 0), else the physical state mixed
    with δ of a full-rank state, strictly feasible for δ-perturbed
    statistics only (the feasible set has no interior)."""
    if float(np.linalg.eigvalsh(prob.rho).min()) > INTERIOR:
        return prob.rho, 0.0
    if prob.structure.null_space:
        rho, t = _interior_point(prob, solver)
        if t > INTERIOR:
            return rho, 0.0
    return (1 - PRIMAL_DELTA) * prob.rho + PRIMAL_DELTA * prob.structure.mixed, PRIMAL_DELTA


def _descent_step(hess: np.ndarray, g: np.ndarray) -> np.ndarray:
    """−(H + λI)⁻¹ g with the smallest shift λ ≥ 0 (from a tiny one, ×100)
    that makes H + λI positive definite: f_ε is convex, so negative
    curvature is rounding, and a shifted Newton step still descends.
    Cholesky, not an eigendecomposition: far cheaper on a shared machine."""
    scale = max(1.0, float(np.abs(np.diag(hess)).max()))
    shift = 0.0
    eye = np.eye(hess.shape[0])
    while shift < 1e6 * scale:
        try:
            low = np.linalg.cholesky(hess + shift * eye)
            return -np.linalg.solve(low.T, np.linalg.solve(low, g))
        except np.linalg.LinAlgError:
            shift = 1e-12 * scale if shift == 0 else shift * 100
    return -g


def _newton_primal(prob: KeyRateProblem, eps: float, rho0: np.ndarray) -> tuple[np.ndarray, int]:
    """Log-barrier Newton on ρ = ρ₀ + Σ c_k N_k from the strictly positive
    start ρ₀, with exact derivatives
    (:func:`~qproto.models.keyrate_objective.derivatives`).  Returns
    (σ, Newton steps)."""
    st = prob.structure
    blocks = st.blocks
    if not st.null_space:
        return rho0, 0
    null = np.array(st.null_space)
    k = null.shape[0]
    c = np.zeros(k)

    def state(cv: np.ndarray) -> np.ndarray:
        return rho0 + np.tensordot(cv, null, axes=1)

    def barrier_value(rho: np.ndarray, mu: float) -> float:
        w = np.linalg.eigvalsh(rho)
        if w.min() <= 0:
            return math.inf
        return objective(rho, blocks, eps) - mu * float(np.sum(np.log(w)))

    steps = 0
    mu = 1e-3
    while mu >= 1e-11:
        for _ in range(60):
            rho = state(c)
            w, v = np.linalg.eigh(rho)
            _, g, hess = derivatives(rho, blocks, eps, null)
            rot = np.einsum("ia,kij,jb->kab", v.conj(), null, v)  # N_k in the eigenbasis of ρ
            g = g - mu * np.real(np.einsum("kaa,a->k", rot, 1 / w))
            scaled = rot / np.sqrt(w)[None, :, None] / np.sqrt(w)[None, None, :]
            hess = hess + mu * np.real(np.einsum("kab,lab->kl", scaled.conj(), scaled))
            step = _descent_step(hess, g)
            dec = -float(g @ step)
            if dec < 0:
                step, dec = -g, float(g @ g)
            if dec / 2 < 1e-11:
                break
            f0 = barrier_value(rho, mu)
            t = 1.0
            while t > 1e-12 and barrier_value(state(c + t * step), mu) > f0 - 0.25 * t * dec:
                t *= 0.5
            if t <= 1e-12:
                break
            c = c + t * step
            steps += 1
        mu *= 0.1
    return state(c), steps


class _SDPCache:
    """cvxpy problems built once per spec structure (DPP parameters), so
    each new gradient costs one solve, not one compilation.  Every solve
    passes ``warm_start=False``: cvxpy would otherwise hand Clarabel its
    previous solver object to update, and the numbers would depend on which
    points the process solved before (a parallel sweep would then differ
    from a serial one)."""

    def __init__(self) -> None:
        self.dual: dict[int, Any] = {}
        self.lmo: dict[int, Any] = {}
        self.interior: dict[int, Any] = {}
        self.projection: dict[int, Any] = {}


_CACHE = _SDPCache()


def _real_embed(m: np.ndarray) -> np.ndarray:
    return np.block([[m.real, -m.imag], [m.imag, m.real]])


def _lmo(prob: KeyRateProblem, grad: np.ndarray, solver: str) -> np.ndarray:
    """argmin_{ρ ∈ S} Tr(ρ ∇f): the linearisation SDP of Frank–Wolfe."""
    cp = _cvxpy()
    st = prob.structure
    key = id(st)
    if key not in _CACHE.lmo:
        d = st.dim
        x = cp.Variable((d, d), hermitian=True)
        c = cp.Parameter((d, d), hermitian=True)
        gam = cp.Parameter(len(st.constraints))
        cons = [x >> 0] + [cp.real(cp.trace(g @ x)) == gam[i] for i, g in enumerate(st.constraints)]
        pr = cp.Problem(cp.Minimize(cp.real(cp.trace(c @ x))), cons)
        _CACHE.lmo[key] = (st, pr, x, c, gam)
    _, pr, x, c, gam = _CACHE.lmo[key]
    c.value = grad
    gam.value = prob.gamma
    pr.solve(solver=solver, warm_start=False)
    if x.value is None:
        raise QprotoError(f"{st.name}: the linearisation SDP failed ({pr.status}) with {solver}")
    return np.asarray(x.value)


def _frank_wolfe_primal(
    prob: KeyRateProblem, eps: float, solver: str, max_iter: int = 60, tol: float = 1e-7
) -> tuple[np.ndarray, int]:
    """Winick et al. 2018, Algorithm 1, step 1: Frank–Wolfe with exact line search."""
    from scipy.optimize import minimize_scalar

    blocks = prob.structure.blocks
    rho = prob.rho.copy()
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 -- the count of iterations is returned
        g = gradient(rho, blocks, eps)
        s = _lmo(prob, g, solver)
        delta = s - rho
        gap = -_inner(g, delta)
        if gap < tol:
            break
        res = minimize_scalar(
            lambda t: objective(rho + t * delta, blocks, eps), bounds=(0, 1), method="bounded", options={"xatol": 1e-10}
        )
        rho = rho + float(res.x) * delta
        rho = (rho + rho.conj().T) / 2
    return rho, it


# -- step 2: the certificate ----------------------------------------------------------


def _dual(prob: KeyRateProblem, grad: np.ndarray, eps_prime: float, solver: str) -> tuple[np.ndarray, str]:
    """max γ·y − ε'‖y‖₁ s.t. ∇f_ε(σ) − Σ y_k Γ_k ⪰ 0 (real embedding)."""
    cp = _cvxpy()
    st = prob.structure
    key = id(st)
    if key not in _CACHE.dual:
        d = st.dim
        m = len(st.constraints)
        y = cp.Variable(m)
        c = cp.Parameter((2 * d, 2 * d), symmetric=True)
        gam = cp.Parameter(m)
        emb = [_real_embed(g) for g in st.constraints]
        lhs = c - sum(y[i] * emb[i] for i in range(m))
        pr = cp.Problem(cp.Maximize(gam @ y - eps_prime * cp.norm1(y)), [(lhs + lhs.T) / 2 >> 0])
        _CACHE.dual[key] = (st, pr, y, c, gam, eps_prime)
    _, pr, y, c, gam, ep = _CACHE.dual[key]
    if ep != eps_prime:
        _CACHE.dual.pop(key)
        return _dual(prob, grad, eps_prime, solver)
    emb_c = _real_embed(grad)
    c.value = (emb_c + emb_c.T) / 2
    gam.value = prob.gamma
    with warnings.catch_warnings():
        # "solution may be inaccurate": harmless here, the returned y is checked exactly below
        warnings.simplefilter("ignore", UserWarning)
        try:
            pr.solve(solver=solver, warm_start=False)
        except cp.error.SolverError:
            pr.solve(solver="SCS" if solver != "SCS" else "CLARABEL", warm_start=False)
    if y.value is None:
        raise QprotoError(f"{st.name}: the dual SDP failed ({pr.status}) with {solver}")
    return np.asarray(y.value, dtype=float), str(pr.status)


def certify(
    prob: KeyRateProblem, sigma: np.ndarray, *, eps: float = EPSILON, eps_prime: float = EPSILON_PRIME, solver: str = "CLARABEL"
) -> dict[str, Any]:
    """The certified lower bound on min_S f (bits per round) at the point
    ``sigma`` (any state): Winick et al. 2018, step 2.  Returns the bound
    and every term of it."""
    st = prob.structure
    sigma = np.asarray(sigma, dtype=complex)
    w, v = np.linalg.eigh((sigma + sigma.conj().T) / 2)
    sigma = (v * np.clip(w, 0, None)) @ v.conj().T  # any positive σ will do; the bound does not rely on it
    grad = gradient(sigma, st.blocks, eps)
    f_eps = objective(sigma, st.blocks, eps)
    y, status = _dual(prob, grad, eps_prime, solver)
    residual = grad - sum(yk * g for yk, g in zip(y, st.constraints))
    lam_min = float(np.linalg.eigvalsh((residual + residual.conj().T) / 2).min())
    # rounding of the eigenvalue computation itself: a few ulps of the norm
    rounding = 64 * np.finfo(float).eps * (float(np.linalg.norm(grad, 2)) + float(np.sum(np.abs(y))))
    shift = max(0.0, -lam_min) + rounding
    dual_value = float(prob.gamma @ y) - eps_prime * float(np.sum(np.abs(y)))
    linear = f_eps - _inner(grad, sigma)
    # Σ_j Tr G_j(ρ) on S: fixed by the constraints (kept_op in their span), else ≤ 1
    fixed = all(max((abs(_inner(n, b.kept_op)) for n in st.null_space), default=0.0) < 1e-10 for b in st.blocks)
    weight = prob.sift if fixed else 1.0
    zeta_max = max(zeta(eps, b.dim) for b in st.blocks)
    z = weight * zeta_max
    bound = linear + dual_value - shift - z
    return {
        "bound": bound,
        "f_eps_at_sigma": f_eps,
        "linearisation_constant": linear,
        "dual_value": dual_value,
        "dual_status": status,
        "dual_min_eigenvalue": lam_min,
        "psd_shift": shift,
        "zeta": z,
        "zeta_max": zeta_max,
        "zeta_weight": "sift" if fixed else "one",
        "epsilon": eps,
        "epsilon_prime": eps_prime,
        "dual_y": y.tolist(),
    }


# -- upper bound: an explicit feasible state --------------------------------------------


def _feasible_near(prob: KeyRateProblem, sigma: np.ndarray, delta: float) -> np.ndarray:
    """σ moved back onto the true constraint set (it solved the δ-perturbed
    one), mixed with the physical state until positive."""
    st = prob.structure
    shifted = sigma + delta * (prob.rho - st.mixed)
    for s in (0.0, 1e-6, 1e-4, 1e-2, 0.1, 0.5, 1.0):
        cand = (1 - s) * shifted + s * prob.rho
        if np.linalg.eigvalsh(cand).min() >= 0:
            return cand
    return prob.rho


def _projected(prob: KeyRateProblem, sigma: np.ndarray, solver: str) -> np.ndarray | None:
    """The feasible state nearest to σ in Frobenius norm (an SDP), made
    exactly positive by clipping; its constraint residual is reported with
    the upper bound.  None when the solver fails."""
    cp = _cvxpy()
    st = prob.structure
    key = id(st)
    if key not in _CACHE.projection:
        d = st.dim
        x = cp.Variable((d, d), hermitian=True)
        target = cp.Parameter((d, d), hermitian=True)
        gam = cp.Parameter(len(st.constraints))
        cons = [x >> 0] + [cp.real(cp.trace(g @ x)) == gam[i] for i, g in enumerate(st.constraints)]
        _CACHE.projection[key] = (st, cp.Problem(cp.Minimize(cp.norm(x - target, "fro")), cons), x, target, gam)
    _, pr, x, target, gam = _CACHE.projection[key]
    target.value = (sigma + sigma.conj().T) / 2
    gam.value = prob.gamma
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            pr.solve(solver=solver, warm_start=False)
    except Exception:  # a failed solve only loses this candidate for the upper bound
        return None
    if x.value is None:
        return None
    w, v = np.linalg.eigh((np.asarray(x.value) + np.asarray(x.value).conj().T) / 2)
    return (v * np.clip(w, 0, None)) @ v.conj().T


#: An upper-bound state may miss the observed values by at most this much.
UPPER_RESIDUAL = 1e-8


def _residual(prob: KeyRateProblem, rho: np.ndarray) -> float:
    return float(max(abs(_inner(g, rho) - gk) for g, gk in zip(prob.structure.constraints, prob.gamma)))


def _matrix_json(m: np.ndarray) -> dict[str, Any]:
    return {"real": np.round(m.real, 12).tolist(), "imag": np.round(m.imag, 12).tolist()}


# -- the entry points ---------------------------------------------------------------------


def channel_kraus(
    noise: float | None = None, attack: str | None = None, transmittance: float | None = None
) -> tuple[list[np.ndarray], str]:
    """Bob's channel: depolarizing ``noise`` p, or a catalogue ``attack``
    label; with ``transmittance`` η the photon is first lost with
    probability 1 − η (Bob then sees no click)."""
    if noise is not None and attack is not None:
        raise ParameterError("give either a depolarizing noise level or an attack, not both")
    if attack is not None:
        if transmittance is not None:
            raise ParameterError("transmittance is modelled with depolarizing noise only, not with an attack")
        return attack_kraus(attack), attack
    p = 0.0 if noise is None else float(noise)
    if transmittance is not None:
        return lossy_depolarizing_kraus(p, float(transmittance)), f"loss:eta={float(transmittance):g}+depolarizing:p={p:g}"
    return depolarizing_kraus(p), f"depolarizing:p={p:g}"


def key_rate_numeric(
    spec: Any,
    *,
    noise: float | None = None,
    attack: str | None = None,
    kraus: Sequence[np.ndarray] | None = None,
    ec_efficiency: float = 1.0,
    primal: str = "newton",
    solver: str = "CLARABEL",
    eps: float = EPSILON,
    eps_prime: float = EPSILON_PRIME,
    observations: str = "full",
    transmittance: float | None = None,
) -> KeyRateResult:
    """The certified bracket [lower, upper] of the asymptotic key rate of
    ``spec`` (bits per sifted bit) when Bob's qubit goes through depolarizing
    noise ``noise`` = p (ρ ↦ (1 − p)ρ + p I/2), a catalogue ``attack``, or
    the channel with Kraus operators ``kraus`` (2×2, or 3×3 on qubit ⊕
    vacuum for a lossy line); ``transmittance`` η adds photon loss before
    the noise (prepare and measure).  ``ec_efficiency`` is f_EC in
    leak_EC = f_EC h(Q) per sifted bit.  ``observations``: ``"full"`` (Eve's
    state reproduces the whole observed table) or ``"qber"`` (only the
    kept-announcement probabilities and the error rate that parameter
    estimation reads; see :func:`~qproto.models.keyrate_source.structure`)."""
    t0 = time.perf_counter()
    if kraus is not None:
        ks, label = [np.asarray(k, dtype=complex) for k in kraus], "kraus"
    else:
        ks, label = channel_kraus(noise, attack, transmittance)
    if ec_efficiency < 1:
        raise ParameterError(f"ec_efficiency={ec_efficiency} must be ≥ 1 (Shannon limit)")
    prob = problem(spec, ks, label, observations)
    if primal == "newton":
        start, delta = _start_point(prob, solver)
        sigma, iters = _newton_primal(prob, eps, start)
        feasible = _feasible_near(prob, sigma, delta) if delta else sigma
        if delta:
            near = _projected(prob, sigma, solver)
            if (
                near is not None
                and _residual(prob, near) <= UPPER_RESIDUAL
                and objective(near, prob.structure.blocks) < objective(feasible, prob.structure.blocks)
            ):
                feasible = near
    elif primal == "frank-wolfe":
        sigma, iters = _frank_wolfe_primal(prob, eps, solver)
        feasible = sigma
    else:
        raise ParameterError(f"primal={primal!r} must be 'newton' or 'frank-wolfe'")
    cert = certify(prob, sigma, eps=eps, eps_prime=eps_prime, solver=solver)
    if primal == "newton":
        # the linearisation is sharpest at an exactly feasible point when the optimum is on
        # the boundary; every certificate is valid, so the larger bound is kept
        alt = certify(prob, feasible, eps=eps, eps_prime=eps_prime, solver=solver)
        if alt["bound"] > cert["bound"]:
            cert = alt
    leak = ec_efficiency * prob.sift * binary_entropy(prob.qber)
    # the upper bound: f at explicit feasible states (physical, optimised)
    f_phys = objective(prob.rho, prob.structure.blocks)
    f_opt = objective(feasible, prob.structure.blocks)
    attack_state, f_up = (feasible, f_opt) if f_opt <= f_phys else (prob.rho, f_phys)
    lower_round = cert["bound"] - leak
    upper_round = f_up - leak
    lower, upper = float(lower_round / prob.sift), float(upper_round / prob.sift)
    cert.update(
        {
            "method": "Winick, Lütkenhaus, Coles, Quantum 2, 77 (2018): linearisation at sigma, dual SDP, ε-perturbation",
            "min_f_lower": cert["bound"],
            "min_f_upper": f_up,
            "leak_ec": leak,
            "ec_efficiency": ec_efficiency,
            "sift": prob.sift,
            "qber": prob.qber,
            "upper_attack": "collective attack: Eve holds a purification of attack_state (ρ_AB on supp(ρ_A) ⊗ B), "
            "which reproduces every observed probability",
            "attack_state": _matrix_json(attack_state),
            "attack_state_residual": _residual(prob, attack_state),
            "transmittance": transmittance,
            "attack_state_min_eigenvalue": float(np.linalg.eigvalsh(attack_state).min()),
            "observed": dict(prob.table),
            "announcements": prob.structure.announcements,
            "observations": observations,
        }
    )
    return KeyRateResult(
        lower=lower,
        upper=upper,
        certificate=cert,
        solver=f"primal {primal}; dual SDP cvxpy/{solver}",
        regime=(REGIME if transmittance is None else REGIME_LOSSY)
        + ("" if observations == "full" else "; constrained by the sift and error rates only"),
        gap=upper - lower,
        iterations=iters,
        seconds=time.perf_counter() - t0,
        qber=prob.qber,
        sift=prob.sift,
        channel=label,
        per_round=(float(lower_round), float(upper_round)),
    )


def certified_threshold(
    spec: Any,
    *,
    tolerance: float = 1e-5,
    ec_efficiency: float = 1.0,
    observations: str = "full",
    transmittance: float | None = None,
) -> tuple[float, float]:
    """The depolarizing-noise QBER where the certified rate reaches zero, as
    a bracket (lo, hi): at QBER lo the certified lower bound is > 0, at QBER
    hi the attack-backed upper bound is < 0 (so the rate in this regime is
    positive below lo and its zero lies in [lo, hi]).  Bisection on the
    noise level p; the QBER is the spec's own pooled sifted QBER at p.
    With ``transmittance`` η the line also loses photons (fixed η)."""
    p_lo, p_hi = 0.0, 1.0
    r0 = key_rate_numeric(spec, noise=p_lo, ec_efficiency=ec_efficiency, observations=observations, transmittance=transmittance)
    if not r0.lower > 0:
        raise QprotoError(f"{spec.name}: the certified rate is not positive even without noise (lower {r0.lower:.3g})")
    r1 = key_rate_numeric(spec, noise=p_hi, ec_efficiency=ec_efficiency, observations=observations, transmittance=transmittance)
    if r1.upper is None or not r1.upper < 0:
        raise QprotoError(f"{spec.name}: the rate is not shown negative at full depolarization (upper {r1.upper})")
    q_lo, q_hi = r0.qber, r1.qber
    # shrink from both ends: lower > 0 moves p_lo up, upper < 0 moves p_hi down
    a, b = p_lo, p_hi
    while q_hi - q_lo > tolerance and b - a > 1e-12:
        mid = (a + b) / 2
        r = key_rate_numeric(spec, noise=mid, ec_efficiency=ec_efficiency, observations=observations, transmittance=transmittance)
        if r.lower > 0:
            a, q_lo = mid, r.qber
        elif r.upper is not None and r.upper < 0:
            b, q_hi = mid, r.qber
        else:  # undecided band: bisect each side separately
            q_lo = _bisect_side(spec, a, mid, True, tolerance, ec_efficiency, q_lo, observations, transmittance)
            q_hi = _bisect_side(spec, mid, b, False, tolerance, ec_efficiency, q_hi, observations, transmittance)
            break
    return q_lo, q_hi


def _bisect_side(
    spec: Any,
    a: float,
    b: float,
    lower_side: bool,
    tolerance: float,
    ec: float,
    q_known: float,
    observations: str = "full",
    transmittance: float | None = None,
) -> float:
    """Lower side: the largest p in [a, b] with certified lower > 0 (a has it).
    Upper side: the smallest p in [a, b] with upper < 0 (b has it)."""
    q_a = (
        q_known
        if lower_side
        else key_rate_numeric(spec, noise=a, ec_efficiency=ec, observations=observations, transmittance=transmittance).qber
    )
    q_b = (
        key_rate_numeric(spec, noise=b, ec_efficiency=ec, observations=observations, transmittance=transmittance).qber
        if lower_side
        else q_known
    )
    while q_b - q_a > tolerance / 4 and b - a > 1e-12:
        mid = (a + b) / 2
        r = key_rate_numeric(spec, noise=mid, ec_efficiency=ec, observations=observations, transmittance=transmittance)
        ok = r.lower > 0 if lower_side else (r.upper is not None and r.upper < 0)
        if ok == lower_side:
            a, q_a = mid, r.qber
        else:
            b, q_b = mid, r.qber
    return q_a if lower_side else q_b


__all__ = [
    "KeyRateResult",
    "key_rate_numeric",
    "certify",
    "certified_threshold",
    "certify_interval",
    "IntervalCertificate",
    "depolarizing_level",
    "channel_kraus",
    "binary_entropy",
    "REGIME",
    "EPSILON",
    "EPSILON_PRIME",
]


# -- a certificate for a whole noise interval ------------------------------------------------


@dataclass(frozen=True)
class IntervalCertificate:
    """The certified rate is positive for every depolarizing noise level in
    [p_low, p_high]: one dual certificate at p_mid gives a lower bound on
    min_S f that is affine in p (the dual constraint does not depend on the
    observed values, which are affine in p), and the error-correction leak
    s(p)·h(e(p)/s(p)) is concave in p (a perspective of h), so it lies
    below its tangent at p_mid; their difference is affine, so its value at
    the two ends bounds it on the whole interval."""

    p_low: float
    p_high: float
    p_mid: float
    rate_low: float  # per round, at p_low
    rate_high: float  # per round, at p_high


def _affine_pieces(spec: Any, ec: float, observations: str) -> tuple[Any, Any]:
    """(γ(p), leak(p) with its derivative) for depolarizing noise."""
    p0 = problem(spec, depolarizing_kraus(0.0), "p=0", observations)
    p1 = problem(spec, depolarizing_kraus(1.0), "p=1", observations)
    s0, s1 = p0.sift, p1.sift
    e0, e1 = p0.sift * p0.qber, p1.sift * p1.qber

    def gamma(p: float) -> np.ndarray:
        return (1 - p) * p0.gamma + p * p1.gamma

    def leak(p: float) -> tuple[float, float]:
        s = (1 - p) * s0 + p * s1
        e = (1 - p) * e0 + p * e1
        q = e / s
        if q <= 0 or q >= 1:
            return ec * s * binary_entropy(q), math.inf
        dh = math.log2((1 - q) / q)
        return ec * s * binary_entropy(q), ec * ((s1 - s0) * binary_entropy(q) + dh * ((e1 - e0) - q * (s1 - s0)))

    def sift(p: float) -> float:
        return (1 - p) * s0 + p * s1

    return gamma, (leak, sift)


def certify_interval(
    spec: Any, p_low: float, p_high: float, *, ec_efficiency: float = 1.0, max_pieces: int = 64, observations: str = "full"
) -> tuple[bool, list[IntervalCertificate]]:
    """Whether the certified rate is positive for every depolarizing noise
    level p in [p_low, p_high], lossless line (covering the interval with
    :class:`IntervalCertificate` pieces, splitting where one certificate is
    not enough).  Returns (covered, pieces); ``covered`` is False when
    ``max_pieces`` certificates did not suffice."""
    gamma, (leak, sift) = _affine_pieces(spec, ec_efficiency, observations)
    todo = [(p_low, p_high)]
    pieces: list[IntervalCertificate] = []
    while todo:
        a, b = todo.pop()
        if len(pieces) + len(todo) >= max_pieces:
            return False, pieces
        mid = (a + b) / 2
        r = key_rate_numeric(spec, noise=mid, ec_efficiency=ec_efficiency, observations=observations)
        c = r.certificate
        y = np.array(c["dual_y"])
        zmax = c["zeta_max"]
        by_sift = c["zeta_weight"] == "sift"
        lk, dlk = leak(mid)
        ends = []
        for p in (a, b):
            bound = (
                c["linearisation_constant"]
                + float(gamma(p) @ y)
                - c["epsilon_prime"] * float(np.sum(np.abs(y)))
                - c["psd_shift"]
                - zmax * (sift(p) if by_sift else 1.0)
            )
            ends.append(bound - (lk + dlk * (p - mid)) if math.isfinite(dlk) else -math.inf)
        if min(ends) > 0:
            pieces.append(IntervalCertificate(a, b, mid, ends[0], ends[1]))
        elif r.lower <= 0 or b - a < 1e-9:
            return False, pieces
        else:
            todo += [(a, mid), (mid, b)]
    return True, sorted(pieces, key=lambda x: x.p_low)


def depolarizing_level(spec: Any, qber: float) -> float:
    """The depolarizing p at which the spec's pooled sifted QBER equals
    ``qber`` (the QBER e(p)/s(p) is a ratio of affine functions of p, hence
    monotone; solved in closed form)."""
    p0 = problem(spec, depolarizing_kraus(0.0), "p=0")
    p1 = problem(spec, depolarizing_kraus(1.0), "p=1")
    s0, s1 = p0.sift, p1.sift
    e0, e1 = p0.sift * p0.qber, p1.sift * p1.qber
    # (1−p)e0 + p e1 = q((1−p)s0 + p s1)
    den = (e1 - e0) - qber * (s1 - s0)
    if abs(den) < 1e-15:
        raise ParameterError(f"{spec.name}: the QBER does not depend on the depolarizing noise")
    p = (qber * s0 - e0) / den
    if not -1e-12 <= p <= 1 + 1e-12:
        raise ParameterError(f"{spec.name}: QBER {qber} is not reached by depolarizing noise (p = {p:.4g})")
    return min(max(p, 0.0), 1.0)
