"""The adversary engine, checks: the classical channel and the source.

Denial of service and the unauthenticated man in the middle are false by
design (declared limitations, with their counterexamples); the
authenticated channel is checked exhaustively over a small field; the
photon-number-splitting attack on weak coherent pulses is fuzzed against
the key the protocol claims.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any, cast

import numpy as np
import sympy as sp

from qproto.models import attacks as _attacks
from qproto.models import qkd as _qkd
from qproto.models.abort_statistics import abort_count, binomial_upper_tail
from qproto.spec.protocol import Property, Protocol
from qproto.spec.qkd import EntanglementQKD

from .adversary_campaign import budget_of, fuzz, seed_of
from .adversary_figures import (
    QKDSpec,
    claimed_rate,
    exact_fraction,
    json_fraction,
    num,
    per_basis_estimation,
    property_sample_size,
    qkd_spec,
)
from .adversary_strategies import decimal
from .registry import checker
from .verdict import Status, inconclusive, proved, refuted, replay_record, tested


@checker("adversary.denial-of-service")
def check_denial_of_service(spec: Protocol, prop: Property, options: Mapping[str, Any]) -> tuple[Status, dict[str, Any]]:
    """ "Eve cannot force an abort" — false by design: intercepting every
    qubit drives the QBER above any useful threshold, and the exact
    binomial tail gives the abort probability.  Declared a limitation."""
    spec = qkd_spec(spec)
    sifted, n = property_sample_size(spec, prop)
    t = exact_fraction(spec.abort_threshold)
    candidates = prop.args.get("attacks", ("intercept-resend:fraction=1", "pauli-probe:py=1"))
    scored = []
    for a in candidates:
        i = _attacks.parse_attack(a).instrument()
        scored.append((num(_qkd.qber(spec, i)), a, i))
    _, atk, inst = max(scored, key=lambda x: x[0])
    q = _qkd.qber(spec, inst)
    if per_basis_estimation(spec):
        # per-basis estimation aborts when any basis exceeds: the worst basis is what Eve needs
        q = max(_qkd.qber_per_basis(spec, inst).values(), key=num)
    qf = (
        exact_fraction(sp.nsimplify(q))
        if isinstance(q, sp.Basic) and q.is_Rational
        else Fraction(num(q)).limit_denominator(10**9)
    )
    abort = binomial_upper_tail(n, qf, abort_count(n, t)) if qf > t else Fraction(0)
    if isinstance(spec, EntanglementQKD) and spec.chsh:
        s = float(_qkd.chsh(spec, inst.numeric()))
        if abs(s) <= num(spec.chsh_threshold):
            abort = Fraction(1)
    if abort > Fraction(1, 2):
        return refuted(
            f"Eve forces an abort: {atk} gives QBER {float(qf):.4g} > {float(t)}; the protocol aborts with probability "
            f"{float(abort):.12f} ({n} sample bits)",
            counterexample={"attack": atk, "qber": {"exact": sp.sstr(q), "value": float(qf)}, "abort_probability": float(abort)},
            replay={"analyze": replay_record(spec.name, attack=atk)},
        )
    return proved(f"{atk} does not force an abort (abort probability {float(abort):.3g})")


@checker("adversary.mitm-unauthenticated")
def check_mitm_unauthenticated(spec: Protocol, prop: Property, options: Mapping[str, Any]) -> tuple[Status, dict[str, Any]]:
    """ "QKD alone authenticates the parties" — false by design: on an
    unauthenticated classical channel a man-in-the-middle runs the protocol
    with each side and reads every message undetected."""
    from qproto.models.mitm import run_mitm

    seed = seed_of(options)
    tr = run_mitm(np.random.default_rng(seed), authenticated=False)
    if tr.alice_accepts and tr.bob_accepts and tr.eve_reads_message and tr.message_delivered_intact:
        return refuted(
            "without authentication Eve runs the protocol with Alice and with Bob (QBER 0 on both legs), "
            "reads the one-time-padded message and re-encrypts it: undetected",
            counterexample={"attack": "man-in-the-middle", "authenticated": False, "events": tr.events},
            seed=seed,
            replay={"verify": replay_record(spec.name, property=prop.id, seed=seed)},
        )
    return inconclusive("the man-in-the-middle session did not complete", events=tr.events)


def _uses_key_before_authentication(spec: Protocol) -> int | None:
    seen_auth = False
    for i, st in enumerate(spec.steps):
        if st.action in ("authenticate", "verify-authentication"):
            seen_auth = True
        if st.action in ("use-key", "encrypt") and not seen_auth:
            return i
    return None


@checker("adversary.mitm-authenticated")
def check_mitm_authenticated(spec: Protocol, prop: Property, options: Mapping[str, Any]) -> tuple[Status, dict[str, Any]]:
    """With the spec's authenticated classical channels (a pre-shared key,
    Wegman–Carter tags over GF(p)) a man-in-the-middle is detected except
    with probability 1/p per forged message: exhaustive over every key,
    observed message and forgery of the field — and the key is not used
    before the transcript is authenticated."""
    from qproto.models.mitm import forgery_probability

    classical = [c for c in spec.channels if c.kind == "classical"]
    unauth = [f"{c.source}->{c.target}" for c in classical if not c.authenticated]
    if unauth:
        return refuted(
            f"classical channel(s) {', '.join(unauth)} are not authenticated: a man-in-the-middle is undetected",
            counterexample={"attack": "man-in-the-middle", "channels": unauth},
        )
    early = _uses_key_before_authentication(spec)
    if early is not None:
        trace = [{"transition": st.action, "state": {"party": st.party, "step": st.describe()}} for st in spec.steps[: early + 1]]
        return refuted(
            f"step {early} ({spec.steps[early].describe()}) uses the key before the transcript is authenticated: "
            "Eve's forged sifting messages are only rejected after the key has encrypted data she can read",
            counterexample={"attack": "man-in-the-middle", "step": early},
            trace=trace,
        )
    p = int(prop.args.get("prime", 13))
    res = forgery_probability(p)
    bound = Fraction(1, p)
    if res["worst_success"] > bound:
        return refuted(
            f"a forgery succeeds with probability {res['worst_success']} > 1/{p}",
            counterexample={
                "attack": "tag-forgery",
                "prime": p,
                "success_probability": str(res["worst_success"]),
                "replay": f"qproto.models.mitm.forgery_probability({p})",
            },
            **{k: str(v) for k, v in res.items()},
        )
    return proved(
        f"exhaustive over GF({p}): every substitution succeeds with probability exactly ≤ 1/{p} "
        f"({res['cases']} cases), and no step uses the key before authentication",
        forgery_probability=json_fraction(res["worst_success"]),
        cases_enumerated=res["cases"],
    )


@checker("adversary.photon-number-splitting")
def check_photon_number_splitting(spec: Protocol, prop: Property, options: Mapping[str, Any]) -> tuple[Status, dict[str, Any]]:
    """Weak coherent pulses: under the PNS attack that reproduces the honest
    gain, the key the protocol claims per pulse never exceeds the share of
    detections Eve did not split (she knows the rest).  Fuzzed over mean
    photon number and transmittance; the protocol's decoy intensity (if
    any) gives it the Lo–Ma–Chen bound."""
    from hypothesis import strategies as st

    from qproto.models import pns

    params = {p.name: p.default for p in spec.parameters}
    nu = float(params.get("decoy_intensity", 0) or 0)
    mu0 = float(params.get("mean_photon_number", 0.5))
    strategy = st.tuples(decimal(0.05, 0.8, 2), decimal(0.001, 0.5, 3))

    def check(case):
        mu, eta = case
        if nu and not (nu < mu and mu + nu < 1):
            mu = mu0
        atk = pns.pns_attack(mu, eta)
        gain = atk.gain(mu)
        unknown = gain * (1 - atk.eve_known_fraction(mu))
        if nu:
            claim = pns.decoy_rate(atk, mu, nu)["rate"]
        else:
            r = claimed_rate(cast(QKDSpec, spec), 0.0)  # the check runs on QKD specs only (its property is declared there)
            claim = gain * (r if r is not None else 1.0)
        ok = claim <= unknown + 1e-12
        return ok, claim - unknown, {"case": (mu, eta), "claim": claim, "unknown": unknown, "gain": gain}

    budget, seed = budget_of(options), seed_of(options)
    found, cases = fuzz(strategy, check, budget, seed, options.get("progress"))
    if found is not None:
        mu, eta = found["case"]
        return refuted(
            f"photon-number splitting at μ={mu}, η={eta}: QBER 0 and the honest gain {found['gain']:.4g}, yet the protocol "
            f"claims {found['claim']:.4g} secret bits per pulse while only {found['unknown']:.4g} come from pulses Eve did not split",
            counterexample={
                "attack": "photon-number-splitting",
                "mean_photon_number": mu,
                "transmittance": eta,
                **{k: v for k, v in found.items() if k != "case"},
            },
            cases=cases,
            seed=seed,
            replay={"fuzz": replay_record(spec.name, seed=seed, budget=budget)},
        )
    return tested(f"under {cases} PNS attacks the claimed key never exceeded the unsplit share", cases, seed)


__all__ = ["check_denial_of_service", "check_mitm_unauthenticated", "check_mitm_authenticated", "check_photon_number_splitting"]
