"""The adversary engine, part 1: the figures of one attack on one QKD protocol.

An attack is a replayable catalogue label (:class:`AttackCase`,
``"fuchs-peres:disturbance=0.12"``); :func:`figures` turns it into every
number the adversary properties read — sift probability, QBER (pooled and
per basis), I(A:B), Eve's information (``holevo_ae``: χ(A:E), collective
attacks, Devetak–Winter; ``info_ae``: her individual measurement,
Csiszár–Körner), the spec's own claimed rate, the CHSH value of a Bell-test
spec, and whether the spec's estimate accepts.  Everything is numeric
(NumPy) on the spec's key model evaluated once; the checkers that prove
something exactly use :mod:`qproto.models.qkd` directly.

Also here: the small conversions every adversary module shares
(:func:`num`, :func:`exact_fraction`, :func:`json_fraction`,
:func:`qkd_spec`) and the sample sizes of the parameter estimate
(:func:`sample_sizes`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any, TypeGuard, cast

import numpy as np
import sympy as sp

from qproto.models import attacks as _attacks
from qproto.models import cloning as _cloning  # noqa: F401  (registers its attacks)
from qproto.models import probe as _probe  # noqa: F401  (registers its attacks)
from qproto.models import qkd as _qkd
from qproto.models.eve_information import binary_entropy, key_model, key_model_entangled, sifted_ensemble
from qproto.models.instrument import Instrument
from qproto.spec.errors import SpecError
from qproto.spec.protocol import Property, Protocol
from qproto.spec.qkd import EntanglementQKD, PrepareMeasureQKD

#: The specs this engine models (any other family is rejected with SpecError).
QKDSpec = PrepareMeasureQKD | EntanglementQKD


#: Numeric slack when comparing figures computed in floating point.
TOLERANCE = 1e-9


# -- attack cases ------------------------------------------------------------------
@dataclass(frozen=True)
class AttackCase:
    """An attack drawn by a strategy: its replayable catalogue label and
    the numeric instrument it names."""

    label: str

    @property
    def name(self) -> str:
        return self.label.partition(":")[0]

    def texts(self) -> dict[str, str]:
        """The label's parameter values as written (``k=v,...`` after the name)."""
        _, _, rest = self.label.partition(":")
        return {k: v for k, _, v in (pair.partition("=") for pair in filter(None, rest.split(",")))}

    def values(self) -> dict[str, float]:
        return {k: _float(v) for k, v in self.texts().items()}

    def instrument(self) -> Instrument:
        """The numeric instrument (parameters as floats: fast)."""
        return _numeric_instrument(self.label)

    def exact_instrument(self) -> Instrument:
        """The instrument the catalogue parses from the label (exact where
        the factory is): what ``qproto analyze --attack`` replays."""
        return _attacks.parse_attack(self.label).instrument()

    @property
    def eve(self) -> bool:
        return _attacks.get_attack(self.name).kind == "attack"


def _float(text: str) -> float:
    """A label's value: decimals (what :func:`label` writes) read directly,
    fractions through Fraction; both correctly rounded, so the same float."""
    try:
        return float(text)
    except ValueError:
        return float(Fraction(text))


@lru_cache(maxsize=4096)
def _numeric_instrument(label: str) -> Instrument:
    case = AttackCase(label)
    info = _attacks.get_attack(case.name)
    if case.name == "intercept-resend":
        # built in floating point from the label's exact values (the decimals it was written with)
        exact = {p.name: Fraction(str(p.default)) for p in info.params}
        exact.update((k, Fraction(v)) for k, v in case.texts().items())
        return _attacks.intercept_resend_numeric(**exact)
    vals = case.values()
    if case.name in ("depolarizing", "dephasing", "bit-flip"):
        # these factories keep exact arithmetic; give them exact values
        inst = info.factory(**{k: sp.Rational(v).limit_denominator(10**6) for k, v in vals.items()})
    else:
        inst = info.factory(**vals)
    return inst.numeric() if inst.exact else inst


def label(name: str, **values: float) -> str:
    """``name:k=v,...`` with values written so the catalogue parses them
    back exactly (decimals)."""
    vals = ",".join(f"{k}={_fmt(v)}" for k, v in values.items())
    return f"{name}:{vals}" if vals else name


def _fmt(v: float) -> str:
    s = f"{v:.6f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


# -- shared conversions ---------------------------------------------------------------
def num(x: Any) -> float:
    return _num_cached(x) if isinstance(x, (str, int)) else float(sp.N(sp.sympify(x)))


@lru_cache(maxsize=1024)
def _num_cached(x: str | int) -> float:
    return float(sp.N(sp.sympify(x)))


def exact_fraction(x: Any) -> Fraction:
    return Fraction(str(sp.nsimplify(sp.sympify(x), rational=True)))


def json_fraction(x: Fraction) -> dict[str, Any]:
    return {"exact": f"{x.numerator}/{x.denominator}" if x.denominator != 1 else str(x.numerator), "value": float(x)}


def rounded(f: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in f.items():
        if isinstance(v, float):
            out[k] = round(v, 9)
        elif isinstance(v, dict):
            out[k] = {a: round(b, 9) for a, b in v.items()}
        else:
            out[k] = v
    return out


def qkd_spec(spec: Protocol) -> QKDSpec:
    if not isinstance(spec, (PrepareMeasureQKD, EntanglementQKD)):
        raise SpecError(f"{spec.name}: adversary properties need a QKD spec, got family {spec.family!r}")
    return spec


def per_basis_estimation(spec: Protocol) -> TypeGuard[PrepareMeasureQKD]:
    return isinstance(spec, PrepareMeasureQKD) and getattr(spec, "estimation", "pooled") == "per-basis"


# -- figures of an attack on a protocol --------------------------------------------
def sample_in_key(spec: QKDSpec) -> float:
    for p in spec.parameters:
        if p.name == "sample_in_key" and p.default:
            return num(spec.sample_fraction)
    return 0.0


@lru_cache(maxsize=64)
def numeric_key_model(spec: Protocol):
    if isinstance(spec, EntanglementQKD):
        return _numeric_model(key_model_entangled(spec))
    if isinstance(spec, PrepareMeasureQKD):
        return _numeric_model(key_model(spec))
    raise SpecError(f"{spec.name}: the adversary engine needs a QKD spec (family qkd-pm or qkd-eb), got family {spec.family!r}")


def _numeric_model(model: Any) -> Any:
    """The same key model with its states, probabilities and POVM elements
    evaluated to NumPy once (the sifted ensemble is then built per attack
    without re-evaluating SymPy expressions: the search calls it thousands
    of times)."""
    import dataclasses

    from qproto.models.eve_information import as_numeric

    preps = tuple(
        dataclasses.replace(p, state=as_numeric(p.state), probability=float(sp.re(sp.N(p.probability))))
        for p in model.preparations
    )
    dets = tuple(dataclasses.replace(d, element=as_numeric(d.element)) for d in model.detections)
    return dataclasses.replace(model, preparations=preps, detections=dets)


def claimed_rate(
    spec: QKDSpec, qber: float, chsh: float | None = None, per_basis: Mapping[str, float] | None = None
) -> float | None:
    """The protocol's own key-rate formula (the first of ``key_rates``) at
    the observed statistics; None when the spec names none.  The
    device-independent rate of Acín et al. is evaluated at the *measured*
    CHSH value, as the formula requires (with no CHSH value it is −1: no
    device-independent key; never the ideal 2√2(1 − 2Q)).  A prepare-and-measure spec with
    ``estimation="per-basis"`` is given its per-basis QBERs (Alice's basis
    → rate): Shor–Preskill is then Lo–Chau–Ardehali's 1 − h(e_bit) −
    h(e_phase) (:func:`qproto.models.qkd.secret_fraction`)."""
    if not spec.key_rates:
        return None
    name = spec.key_rates[0]
    if per_basis_estimation(spec):
        rate = _qkd.secret_fraction(spec, name, qber, dict(per_basis) if per_basis else {spec.key_basis: qber})
        return -1.0 if rate is None else rate
    if name == "di-chsh-acin":
        if chsh is None:  # no Bell test measured: nothing certifies a device-independent key
            return -1.0
        s = abs(chsh)
        if s <= 2:
            return -1.0
        x = (1 + math.sqrt(max(0.0, (s / 2) ** 2 - 1))) / 2
        return 1 - binary_entropy(qber) - binary_entropy(x)
    from qproto.models.keyrate import key_rate

    return float(key_rate(name)(qber))


@lru_cache(maxsize=32)
def _chsh_operator(spec: EntanglementQKD) -> np.ndarray:
    """Σ sign·A_x ⊗ B_y over the spec's CHSH terms (4×4, numeric), with
    A = cos θ Z + sin θ X as in :mod:`qproto.models.qkd`."""
    z = np.diag([1.0, -1.0])
    x = np.array([[0.0, 1.0], [1.0, 0.0]])
    A = {s.name: np.cos(num(s.angle)) * z + np.sin(num(s.angle)) * x for s in spec.alice_settings}
    B = {s.name: np.cos(num(s.angle)) * z + np.sin(num(s.angle)) * x for s in spec.bob_settings}
    return cast(np.ndarray, sum(sgn * np.kron(A[a], B[b]) for a, b, sgn in spec.chsh))  # a CHSH spec has terms


@lru_cache(maxsize=32)
def _source_numeric(spec: EntanglementQKD) -> np.ndarray:
    from qproto.models.qkd import source_state  # the family's own source convention

    return np.vectorize(lambda e: complex(sp.N(e)), otypes=[complex])(np.asarray(source_state(spec), dtype=object))


def chsh_value(spec: EntanglementQKD, instrument: Instrument) -> float:
    """S after ``instrument`` acts on Bob's half (numeric; the exact value
    is :func:`qproto.models.qkd.chsh`, compared in the tests)."""
    rho = _source_numeric(spec)
    inst = instrument.numeric() if instrument.exact else instrument
    d = inst.ancilla_dim
    op = np.kron(_chsh_operator(spec), np.eye(d))
    total = 0.0
    for st in inst.apply(rho, before=2).values():
        total += float(np.real(np.trace(op @ st)))
    return total


def accepts_on_di_rate(spec: Protocol) -> bool:
    """A Bell-test spec whose rate is the device-independent one (Acín et
    al. 2007) accepts only where that rate, at the *measured* (Q, S), is
    positive: |S| > 2 alone does not leave a key (e.g. Q 0.0555 with
    S −2.20 gives −0.15)."""
    return isinstance(spec, EntanglementQKD) and bool(spec.chsh) and bool(spec.key_rates) and spec.key_rates[0] == "di-chsh-acin"


def qber_by_basis(ens: Any) -> dict[str, float]:
    """The sifted error rate per Alice's announcement (her basis, for
    basis-match sifting), pooled over Bob's announcements."""
    w: dict[str, float] = {}
    e: dict[str, float] = {}
    for sl in ens.slices:
        a = sl.public[0]
        w[a] = w.get(a, 0.0) + sl.weight
        e[a] = e.get(a, 0.0) + float(np.real(sl.joint[0, 1] + sl.joint[1, 0]))
    return {a: e[a] / w[a] for a in w if w[a] > 0}


def figures(spec: QKDSpec, instrument: Instrument, acceptance: bool = True, individual: bool = True) -> dict[str, Any]:
    """Every figure the properties use, for one attack (numeric).

    ``accepted``: the asymptotic estimate passes (QBER ≤ abort threshold —
    every per-basis QBER when the spec estimates per basis — and |S| above
    the Bell threshold where the spec has a Bell test).
    With ``individual=False`` Eve's individual information (``info_ae``) is
    not computed (NaN).  ``devetak_winter_rate`` is I(A:B) − χ(A:E) per sifted bit, counting the
    disclosed sample as known to Eve when the spec puts it into the key.
    """
    ens = sifted_ensemble(numeric_key_model(spec), instrument)
    if individual:
        f: dict[str, Any] = ens.figures()
    else:  # the search needs χ(A:E) only: skip Eve's individual (Helstrom) information
        i_ab, chi = ens.info_ab, ens.holevo_ae
        f = {
            "sift_probability": ens.sift_probability,
            "qber": ens.qber,
            "info_ab": i_ab,
            "info_ae": float("nan"),
            "holevo_ae": chi,
            "csiszar_korner_rate": float("nan"),
            "devetak_winter_rate": i_ab - chi,
        }
    s_known = sample_in_key(spec)
    if s_known:
        f["holevo_ae"] = s_known + (1 - s_known) * f["holevo_ae"]
        f["info_ae"] = s_known + (1 - s_known) * f["info_ae"]
        f["csiszar_korner_rate"] = f["info_ab"] - f["info_ae"]
        f["devetak_winter_rate"] = f["info_ab"] - f["holevo_ae"]
    f["qber_by_public"] = ens.qber_by_public()
    chsh = None
    if acceptance and isinstance(spec, EntanglementQKD) and spec.chsh:
        chsh = chsh_value(spec, instrument)
        f["chsh"] = chsh
    per_basis = None
    if isinstance(spec, PrepareMeasureQKD):
        per_basis = qber_by_basis(ens)
        f["qber_per_basis"] = per_basis
    if per_basis_estimation(spec):
        # every basis the spec can announce must have sifted rounds and pass
        assert per_basis is not None  # per-basis estimation is a prepare-and-measure spec
        full = {b: per_basis.get(b) for b in spec.basis_probabilities}
        accepted = _qkd.accepts(spec, f["qber"], full, TOLERANCE)
    else:
        accepted = f["qber"] <= num(spec.abort_threshold) + TOLERANCE
    if chsh is not None:
        assert isinstance(spec, EntanglementQKD)  # only a Bell-test spec measured S above
        accepted = accepted and abs(chsh) > num(spec.chsh_threshold) + TOLERANCE
    f["claimed_rate"] = claimed_rate(spec, f["qber"], chsh, per_basis)
    if chsh is not None and accepts_on_di_rate(spec):
        accepted = accepted and f["claimed_rate"] is not None and f["claimed_rate"] > 0
    f["accepted"] = bool(accepted)
    return f


# -- sample sizes of the estimate ---------------------------------------------------
def sample_sizes(spec: QKDSpec, sifted: int) -> dict[str, tuple[int, int]]:
    """Sifted and sample bits per estimated group: ``{"pooled": (N, n)}``,
    or for per-basis estimation each basis' share of the ``sifted`` bits
    (from the spec's own sifting table: P(sifted, Alice's basis b) /
    P(sifted)) and its sample (share × sample fraction), rounded."""
    s = num(spec.sample_fraction)
    if not per_basis_estimation(spec):
        return {"pooled": (sifted, max(1, round(sifted * s)))}
    rows = [r for r in _qkd.table(spec, None) if r.kept]
    total = sum(num(r.probability) for r in rows)
    out = {}
    for b in spec.basis_probabilities:
        share = sum(num(r.probability) for r in rows if r.basis == b) / total if total else 0.0
        nb = round(sifted * share)
        out[b] = (nb, round(nb * s))
    return out


def property_sample_size(spec: QKDSpec, prop: Property) -> tuple[int, int]:
    sifted = int(prop.args.get("sifted_bits", 10_000))
    return sifted, max(1, round(sifted * num(spec.sample_fraction)))


__all__ = [
    "QKDSpec",
    "TOLERANCE",
    "AttackCase",
    "label",
    "num",
    "exact_fraction",
    "json_fraction",
    "rounded",
    "qkd_spec",
    "per_basis_estimation",
    "numeric_key_model",
    "claimed_rate",
    "chsh_value",
    "accepts_on_di_rate",
    "qber_by_basis",
    "figures",
    "sample_sizes",
    "property_sample_size",
]
