"""The adversary engine, checks: the Bell test and untrusted devices (entanglement-based QKD).

Any measure-and-resend attack breaks the entanglement, so |S| ≤ 2 (fuzzed
over Eve's basis and resent states); pre-programmed devices (every local
deterministic strategy, exhaustively) pass a QBER check but never a Bell
test with threshold ≥ 2.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from qproto.models import attacks as _attacks
from qproto.models import probe as _probe
from qproto.models import qkd as _qkd
from qproto.models.instrument import Instrument
from qproto.spec.errors import SpecError
from qproto.spec.protocol import Property, Protocol
from qproto.spec.qkd import EntanglementQKD

from .adversary_campaign import budget_of, fuzz, seed_of
from .adversary_figures import (
    chsh_value,
    num,
)
from .registry import checker
from .verdict import Status, proved, refuted, tested


def _measure_resend(theta: float, phi: float, resend0: tuple[float, float], resend1: tuple[float, float]) -> Instrument:
    """Eve measures Bob's half in the basis (θ, φ) and resends one of two
    arbitrary states by her outcome: entanglement breaking."""
    v0, v1 = _probe.basis_vectors(float(theta), float(phi))

    def ket(tp):
        c, s = np.cos(tp[0] / 2), np.sin(tp[0] / 2)
        return np.array([c, np.exp(1j * tp[1]) * s])

    ks = []
    for v, r in ((v0, resend0), (v1, resend1)):
        ks.append(np.outer(ket(r), np.conj(np.array(v, dtype=complex))))
    return Instrument("measure-resend", {(0,): [ks[0]], (1,): [ks[1]]})


@checker("adversary.chsh-entanglement-breaking")
def check_chsh_entanglement_breaking(spec: Protocol, prop: Property, options: Mapping[str, Any]) -> tuple[Status, dict[str, Any]]:
    """Any measure-and-resend attack on Bob's half breaks the entanglement,
    so the CHSH value is at most 2 (Bell 1964; CHSH 1969): fuzzed over
    Eve's measurement basis and the states she resends, with
    ``hypothesis.target`` pushing |S| up."""
    if not isinstance(spec, EntanglementQKD) or not spec.chsh:
        raise SpecError(f"{spec.name}: chsh-entanglement-breaking needs an entanglement-based spec with a CHSH test")
    from hypothesis import strategies as st

    ang = st.floats(0, math.pi, allow_nan=False)
    az = st.floats(0, 2 * math.pi, allow_nan=False)
    strategy = st.tuples(ang, az, st.tuples(ang, az), st.tuples(ang, az))

    def check(case):
        s = chsh_value(spec, _measure_resend(case[0], case[1], case[2], case[3]))
        return abs(s) <= 2 + 1e-9, abs(s), {"case": case, "s": s}

    budget, seed = budget_of(options), seed_of(options)
    found, cases = fuzz(strategy, check, budget, seed, options.get("progress"))
    # the intercept-resend family exactly, as a reference point
    inst, syms = _attacks.parse_attack("intercept-resend:fraction=1").symbolic("fraction")
    s_f = sp.simplify(_qkd.chsh(spec, inst))
    s_1 = sp.simplify(s_f.subs(syms["fraction"], 1))
    if found is not None:
        return refuted(
            f"a measure-and-resend attack gives |S| = {abs(found['s']):.6f} > 2",
            counterexample={"attack": "measure-resend", "parameters": list(map(str, found["case"])), "chsh": found["s"]},
            cases=cases,
            seed=seed,
        )
    return tested(
        f"|S| ≤ 2 for every one of {cases} measure-and-resend attacks; intercept-resend exactly: S(f) = {s_f}, S(1) = {s_1}",
        cases,
        seed,
        chsh_intercept_resend={"exact": sp.sstr(s_f)},
        chsh_full_intercept={"exact": sp.sstr(s_1), "value": num(s_1)},
    )


@checker("adversary.programmed-devices")
def check_programmed_devices(spec: Protocol, prop: Property, options: Mapping[str, Any]) -> tuple[Status, dict[str, Any]]:
    """Device independence: Eve programs the source and both devices with
    pre-agreed classical values (a local deterministic strategy: an output
    for every setting).  Exhaustive over all such strategies: each has
    |S| ≤ 2, so a Bell test with threshold ≥ 2 rejects every one that
    makes the key pairs agree — while a QBER-only check passes them with
    Eve knowing every key bit."""
    if not isinstance(spec, EntanglementQKD):
        raise SpecError(f"{spec.name}: programmed-devices needs an entanglement-based spec")
    import itertools

    A = [s.name for s in spec.alice_settings]
    B = [s.name for s in spec.bob_settings]
    flips = {}
    for x, y in spec.key_pairs:
        flips[(x, y)] = 0 if complex(sp.N(_qkd.correlator(spec, x, y, None))).real > 0 else 1
    best = None
    count = 0
    for outs in itertools.product((0, 1), repeat=len(A) + len(B)):
        count += 1
        a = dict(zip(A, outs[: len(A)]))
        b = dict(zip(B, outs[len(A) :]))
        qber_ok = all((a[x] ^ flips[(x, y)]) == b[y] for x, y in spec.key_pairs)
        if not qber_ok:
            continue
        s = sum(sgn * (1 if a[x] == b[y] else -1) for x, y, sgn in spec.chsh) if spec.chsh else None
        passes = s is None or abs(s) > num(spec.chsh_threshold)
        if passes:
            best = {"alice_outputs": a, "bob_outputs": b, "chsh": s}
            break
    if best is not None:
        return refuted(
            "Eve's pre-programmed devices (fixed outputs per setting) give QBER 0 on the key pairs and "
            + ("pass the Bell test" if spec.chsh else "there is no Bell test to fail")
            + "; Eve knows every key bit",
            counterexample={"attack": "programmed-devices", **best, "qber": 0, "info_ae": 1.0},
            strategies_enumerated=count,
        )
    return proved(
        f"exhaustive over all {count} local deterministic strategies: every one that passes the QBER check has "
        f"|S| ≤ 2 ≤ threshold {spec.chsh_threshold}, so the Bell test aborts",
        strategies_enumerated=count,
    )


__all__ = ["check_chsh_entanglement_breaking", "check_programmed_devices"]
