"""The adversary engine, part 2: the attacks Hypothesis draws (re-exported publicly by :mod:`qproto.strategies`).

Every strategy draws replayable catalogue labels, and every parameter is
drawn from the domain its attack declares in the catalogue
(:func:`qproto.models.attacks.register_attack`: ``AttackParameter.low`` /
``high``), on a grid of 10⁻³ so a label parses back exactly.  A domain
changed in the catalogue therefore changes what is fuzzed, with no second
copy of the range here.

Which attacks are drawn, and in which order, is a fixed list
(:data:`CATALOGUE_ATTACKS`), not "whatever is registered": a seed must
replay the same cases whatever else the process imported (an attack
registered by a user's module would otherwise shift every draw).  The
attack search of :mod:`qproto.proofs.attack_search` is the part that reads
the whole registry.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from qproto.models import attacks as _attacks
from qproto.spec.protocol import Protocol
from qproto.spec.qkd import PrepareMeasureQKD

from .adversary_figures import AttackCase, label

#: The catalogue attacks :func:`catalogue_attacks` draws, in its order (the
#: general entangling probe is drawn by :func:`general_probes`).
CATALOGUE_ATTACKS = ("intercept-resend", "intercept-resend-basis", "breidbart", "fuchs-peres", "universal-cloner", "pauli-probe")
#: Line noise drawn by :func:`noise_channels` (one strength ``p`` each).
NOISE_CHANNELS = ("depolarizing", "dephasing", "bit-flip")


def decimal(lo: float, hi: float, places: int = 3):
    """Decimals k/10^places in [lo, hi]; shrinking moves toward lo."""
    from hypothesis import strategies as st

    scale = 10**places
    return st.integers(math.ceil(lo * scale - 1e-9), math.floor(hi * scale + 1e-9)).map(lambda k: k / scale)


def domain(attack: str, parameter: str) -> tuple[float, float]:
    """The declared [low, high] of one parameter of a catalogue attack."""
    p = _attacks.get_attack(attack).param(parameter)
    if p.low is None or p.high is None:
        raise ValueError(f"{attack}:{parameter} declares no bounded domain to draw from")
    return float(p.low), float(p.high)


def _within(attack: str, parameter: str, lo: float | None = None, hi: float | None = None):
    """Decimals in the declared domain, narrowed to [lo, hi] where given."""
    low, high = domain(attack, parameter)
    return decimal(low if lo is None else max(low, lo), high if hi is None else min(high, hi))


def _over_domain(attack: str, build: Callable[..., str] | None = None):
    """Labels of ``attack`` with every declared parameter drawn over its
    domain (in declared order); ``build(**values)`` may repair a joint
    constraint the per-parameter domains do not express."""
    from hypothesis import strategies as st

    names = [p.name for p in _attacks.get_attack(attack).params]
    make = build or (lambda **values: label(attack, **values))
    return st.builds(lambda *vals: make(**dict(zip(names, vals))), *(_within(attack, n) for n in names))


def _intercept_resend(fraction: float, px: float, py: float) -> str:
    # px + py ≤ 1: the Y weight is what the X weight leaves
    return label("intercept-resend", fraction=fraction, px=px, py=round(min(py, 1 - px), 3))


def _pauli_probe(px: float, py: float, pz: float) -> str:
    # px + py + pz ≤ 1: an excess is scaled back just inside the simplex
    tot = px + py + pz
    if tot > 1:
        px, py, pz = (round(v / tot * 0.999, 3) for v in (px, py, pz))
    return label("pauli-probe", px=px, py=py, pz=pz)


#: Joint constraints of attacks whose parameters are not independent.
_REPAIRS: dict[str, Callable[..., str]] = {"intercept-resend": _intercept_resend, "pauli-probe": _pauli_probe}


def catalogue_attacks():
    """Labels of catalogued attacks with parameters drawn from their
    domains: intercept-resend (any Z/X/Y mixture), measure-and-resend in any
    basis (Breidbart included), Fuchs–Peres, universal cloning, Pauli
    probes."""
    from hypothesis import strategies as st

    return st.one_of(*(_over_domain(a, _REPAIRS.get(a)) for a in CATALOGUE_ATTACKS))


def general_probes(max_angle: float = 1.0):
    """Labels of random entangling probes: every angle (units of π) drawn
    in its declared domain narrowed to [−max_angle, max_angle]; shrinking
    drives angles to 0 (no probe)."""
    from hypothesis import strategies as st

    names = [p.name for p in _attacks.get_attack("entangling-probe").params]
    lows, highs = zip(*(domain("entangling-probe", n) for n in names))
    # one list of angles (not a tuple of per-angle strategies): the draws a seed gives stay those of earlier releases
    angle = decimal(max(max(lows), -max_angle), min(min(highs), max_angle))
    angles = st.lists(angle, min_size=len(names), max_size=len(names))
    return angles.map(lambda a: label("entangling-probe", **{n: v for n, v in zip(names, a) if v}))


def noise_channels(max_p: float = 1.0):
    """Labels of line noise (no eavesdropper): depolarizing, dephasing, bit flip."""
    from hypothesis import strategies as st

    lows, highs = zip(*(domain(n, "p") for n in NOISE_CHANNELS))
    return st.builds(
        lambda n, p: label(n, p=p), st.sampled_from(list(NOISE_CHANNELS)), decimal(max(lows), min(min(highs), max_p))
    )


def attacks_near(qber: float, width: float = 0.03):
    """The Fuchs–Peres and cloner attacks tuned to just below a QBER: a
    convenience strategy for downstream suites.  No checker relies on it:
    ``soundness-key-rate`` searches every catalogue attack's full domain
    (:mod:`qproto.proofs.attack_search`)."""
    from hypothesis import strategies as st

    lo = max(0.0, qber - width)
    return st.one_of(
        st.builds(lambda d: label("fuchs-peres", disturbance=d), _within("fuchs-peres", "disturbance", lo, qber)),
        st.builds(lambda d: label("universal-cloner", disturbance=d), _within("universal-cloner", "disturbance", lo, qber)),
    )


def attacks_and_probes(threshold: float | None = None):
    """Catalogue attacks, weak general probes (small angles: the regime of
    little disturbance), arbitrary ones, and — given a protocol's
    threshold — the optimal attacks just below it."""
    from hypothesis import strategies as st

    parts: list[Any] = [catalogue_attacks(), general_probes(0.15), general_probes(1.0)]
    if threshold is not None:
        parts.append(attacks_near(threshold))
    return st.one_of(*parts).map(AttackCase)


def basis_targeted_attacks(spec: Protocol) -> tuple[AttackCase, ...]:
    """Intercept-resend of every qubit, Eve always measuring in one of the
    spec's bases (Z, X or Y): the attack that hides in a likely basis when
    the estimate pools the bases (biased BB84, Lo–Chau–Ardehali 2005).
    Checked deterministically before fuzzing, so a protocol that falls to it
    is refuted by exactly this attack."""
    if not isinstance(spec, PrepareMeasureQKD) or len(spec.basis_probabilities) < 2:
        return ()
    params = {"Z": {"px": 0, "py": 0}, "X": {"px": 1, "py": 0}, "Y": {"px": 0, "py": 1}}
    return tuple(AttackCase(label("intercept-resend", fraction=1, **params[b])) for b in spec.basis_probabilities if b in params)


__all__ = [
    "CATALOGUE_ATTACKS",
    "NOISE_CHANNELS",
    "decimal",
    "domain",
    "catalogue_attacks",
    "general_probes",
    "noise_channels",
    "attacks_near",
    "attacks_and_probes",
    "basis_targeted_attacks",
]
