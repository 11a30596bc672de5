"""QKD exact statistics: Born-rule results against an independent numeric
computation written here, against the published values in the specs, and
the instrument / attack interface other modules build on."""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from qproto.models import qkd
from qproto.models.attacks import AttackParameter, attacks, get_attack, line, parse_attack, register_attack
from qproto.models.instrument import Instrument, identity
from qproto.proofs.runner import verify
from qproto.spec.b92 import B92
from qproto.spec.bb84 import BB84, BB84_BIASED, BB84_SWAPPED_X
from qproto.spec.e91 import BBM92, E91
from qproto.spec.errors import NotCPTPError, ParameterError, UnknownNameError
from qproto.spec.qkd import STATES, Setting, basis_measurement, basis_signals
from qproto.spec.qkd_variants import SARG04, SIX_STATE

PM = [BB84, BB84_BIASED, B92, SIX_STATE, SARG04]
EB = [E91, BBM92]

# -- an independent numeric model (plain NumPy density matrices) ----------------

_I2 = np.eye(2)
_X = np.array([[0, 1], [1, 0]], dtype=complex)
_Y = np.array([[0, -1j], [1j, 0]])
_Z = np.diag([1.0, -1.0]).astype(complex)


def _vec(amps):
    return np.array([complex(sp.N(sp.sympify(a))) for a in amps])


def _channel(rho, fraction=0.0, p=0.0):
    """Intercept-resend (Eve in Z or X, 1/2 each) then depolarizing."""
    out = (1 - fraction) * rho
    for basis in ("Z", "X"):
        for name in {"Z": ("0", "1"), "X": ("+", "-")}[basis]:
            v = _vec(STATES[name])
            P = np.outer(v, v.conj())
            out = out + fraction / 2 * P @ rho @ P
    return (1 - p) * out + p * np.trace(out) * _I2 / 2


def independent_pm(spec, fraction=0.0, p=0.0):
    """(sift probability, QBER) computed directly from the spec's data."""
    count = {}
    for s in spec.signals:
        count[s.basis] = count.get(s.basis, 0) + 1
    sift = err = 0.0
    for s in spec.signals:
        ps = float(sp.sympify(spec.basis_probabilities[s.basis])) / count[s.basis]
        v = _vec(s.amplitudes)
        rho = _channel(np.outer(v, v.conj()), fraction, p)
        anns = s.announce or (tuple(t.name for t in spec.signals if t.basis == s.basis),)
        for ann in anns:
            for m in spec.measurements:
                pm = float(sp.sympify(m.probability))
                for o in m.outcomes:
                    ov = _vec(o.vector)
                    prob = ps / len(anns) * pm * float(np.real(ov.conj() @ rho @ ov))
                    if spec.sifting == "basis-match":
                        bit = o.bit if m.name == s.basis else None
                    else:
                        cands = [t for t in spec.signals if t.name in ann]
                        bits = {t.bit for t in cands if abs(ov.conj() @ _vec(t.amplitudes)) > 1e-12}
                        bit = bits.pop() if len(bits) == 1 else None
                    if bit is not None:
                        sift += prob
                        err += prob * (bit != s.bit)
    return sift, err / sift


def _obs(angle):
    th = float(sp.N(sp.sympify(angle)))
    return np.cos(th) * _Z + np.sin(th) * _X


def independent_eb(spec, p=0.0):
    """(sift, QBER, S) for the entanglement family under depolarizing p on Bob."""
    name = spec.source.split(":")[1]
    r = 1 / np.sqrt(2)
    vecs = {"psi-": [0, r, -r, 0], "phi+": [r, 0, 0, r], "psi+": [0, r, r, 0], "phi-": [r, 0, 0, -r]}
    v = np.array(vecs[name], dtype=complex)
    rho = np.outer(v, v.conj())
    rho_a = np.einsum("ijkj->ik", rho.reshape(2, 2, 2, 2))
    rho = (1 - p) * rho + p * np.kron(rho_a, _I2 / 2)
    A = {s.name: s for s in spec.alice_settings}
    B = {s.name: s for s in spec.bob_settings}

    def E(x, y):
        return float(np.real(np.trace(rho @ np.kron(_obs(A[x].angle), _obs(B[y].angle)))))

    sift = err = 0.0
    for x, y in spec.key_pairs:
        w = float(sp.sympify(A[x].probability)) * float(sp.sympify(B[y].probability))
        e0 = np.sign(np.real(np.trace(np.outer(v, v.conj()) @ np.kron(_obs(A[x].angle), _obs(B[y].angle)))))
        sift += w
        err += w * (1 - e0 * E(x, y)) / 2
    S = sum(sgn * E(x, y) for x, y, sgn in spec.chsh) if spec.chsh else None
    return sift, err / sift, S


def _ir(fraction):
    return parse_attack(f"intercept-resend:fraction={fraction}").instrument()


def _dep(p):
    return parse_attack(f"depolarizing={p}", kind="noise").instrument()


# -- exact vs independent numeric ---------------------------------------------------


@pytest.mark.parametrize("spec", PM, ids=lambda s: s.name)
@pytest.mark.parametrize("fraction,p", [(0, 0), (1, 0), ("1/2", 0), (0, "1/10"), ("1/3", "1/20")])
def test_pm_exact_matches_independent_numeric(spec, fraction, p):
    inst = line(parse_attack(f"intercept-resend:fraction={fraction}"), parse_attack(f"depolarizing={p}", kind="noise"))
    sift, q = qkd.sift_probability(spec, inst), qkd.qber(spec, inst)
    assert isinstance(sift, sp.Basic) and isinstance(q, sp.Basic)  # exact
    want_sift, want_q = independent_pm(spec, float(sp.Rational(fraction)), float(sp.Rational(p)))
    assert abs(float(sift) - want_sift) < 1e-12
    assert abs(float(q) - want_q) < 1e-12


@pytest.mark.parametrize("spec", EB, ids=lambda s: s.name)
@pytest.mark.parametrize("p", [0, "1/10", "1/2", 1])
def test_eb_exact_matches_independent_numeric(spec, p):
    inst = _dep(p)
    want_sift, want_q, want_S = independent_eb(spec, float(sp.Rational(p)))
    assert abs(float(qkd.sift_probability(spec, inst)) - want_sift) < 1e-12
    assert abs(float(qkd.qber(spec, inst)) - want_q) < 1e-12
    if spec.chsh:
        assert abs(float(sp.N(qkd.chsh(spec, inst))) - want_S) < 1e-12


_IR_SYM, _S_IR = parse_attack("intercept-resend").symbolic("fraction")
_DEP_SYM, _S_DEP = parse_attack("depolarizing", kind="noise").symbolic("p")
_LINE_SYM = _IR_SYM.then(_DEP_SYM)


@functools.cache
def _lambdified(name):
    """Derived on first use (about 2 s of SymPy), not when every xdist worker imports this file."""
    spec = {s.name: s for s in (BB84, B92, SIX_STATE)}[name]
    return qkd.lambdified(qkd.qber, spec, _LINE_SYM, [_S_IR["fraction"], _S_DEP["p"]])[1]


@settings(max_examples=15)
@given(f=st.floats(0, 1), p=st.floats(0, 1))
def test_lambdified_symbolic_agrees_with_numeric_instrument(f, p):
    for spec in (BB84, B92, SIX_STATE):
        num = qkd.qber(spec, _LINE_SYM.numeric({_S_IR["fraction"]: f, _S_DEP["p"]: p}))
        if np.isfinite(num):
            assert abs(float(_lambdified(spec.name)(f, p)) - num) < 1e-9


def test_symbolic_formulas_are_derived_not_typed():
    ir, s = parse_attack("intercept-resend").symbolic("fraction")
    f = s["fraction"]
    assert sp.simplify(qkd.qber(BB84, ir) - f / 4) == 0
    assert sp.simplify(qkd.qber(SIX_STATE, ir) - f / 3) == 0
    assert sp.simplify(qkd.qber(B92, ir) - f / (f + 2)) == 0
    # the flawed decoder really differs: the derivation is sensitive to the spec
    assert sp.simplify(qkd.qber(BB84_SWAPPED_X, ir) - f / 4) != 0


def test_published_values_of_the_specs():
    assert qkd.qber(BB84, _ir(1)) == sp.Rational(1, 4)  # Bennett et al. 1992: 25 %
    three = parse_attack("intercept-resend:fraction=1,px=1/3,py=1/3").instrument()
    assert qkd.qber(SIX_STATE, three) == sp.Rational(1, 3)  # Bruß 1998
    assert sp.simplify(qkd.chsh(E91) + 2 * sp.sqrt(2)) == 0  # Tsirelson / Ekert
    assert qkd.sift_probability(BB84_BIASED) == sp.Rational(41, 50)
    assert qkd.sift_probability(SARG04) == sp.Rational(1, 4)


def test_outcome_distribution_and_per_basis():
    d = qkd.outcome_distribution(BB84)
    assert d["0"]["Z"] == {"0": 1, "1": 0}
    assert d["+"]["Z"] == {"0": sp.Rational(1, 2), "1": sp.Rational(1, 2)}
    per = qkd.qber_per_basis(SIX_STATE, _ir(1))
    assert per == {"Z": sp.Rational(1, 4), "X": sp.Rational(1, 4), "Y": sp.Rational(1, 2)}


def test_eve_information_intercept_resend():
    assert qkd.eve_information(BB84, _ir(1)) == sp.Rational(1, 2)
    assert qkd.eve_information(BB84, identity()) == 0


# -- a variant defined only here gets every analysis -----------------------------------

ZY_BB84 = BB84.variant(
    "bb84-zy-test",
    signals=basis_signals("Z", "Y"),
    basis_probabilities={"Z": "1/2", "Y": "1/2"},
    measurements=(basis_measurement("Z", "1/2"), basis_measurement("Y", "1/2")),
    published=BB84.published[:2],
)

TILTED_E91 = E91.variant(
    "e91-tilted-test",
    alice_settings=(
        Setting(name="a1", angle="pi/8", probability="1/3"),
        Setting(name="a2", angle="3*pi/8", probability="1/3"),
        Setting(name="a3", angle="5*pi/8", probability="1/3"),
    ),
    bob_settings=(
        Setting(name="b1", angle="3*pi/8", probability="1/3"),
        Setting(name="b2", angle="5*pi/8", probability="1/3"),
        Setting(name="b3", angle="7*pi/8", probability="1/3"),
    ),
    published=E91.published[:1],
    drop_properties=("published-values",),
)


def test_variant_written_in_the_test_gets_every_analysis():
    ir, s = parse_attack("intercept-resend").symbolic("fraction")
    assert qkd.sift_probability(ZY_BB84) == sp.Rational(1, 2)
    assert qkd.qber(ZY_BB84) == 0
    # Eve measures in Z or X; against Z/Y signals her X guess is always wrong
    assert sp.simplify(qkd.qber(ZY_BB84, ir) - 3 * s["fraction"] / 8) == 0
    verdicts = verify(ZY_BB84)
    bad = {v.property: v.status.value for v in verdicts if v.property != "intercept-resend-qber" and not v.ok}
    assert not bad
    ir_verdict = next(v for v in verdicts if v.property == "intercept-resend-qber")
    assert ir_verdict.status.value == "refuted"  # the inherited claim f/4 does not hold for this variant
    assert ir_verdict.evidence["derived"]["exact"] == "3*fraction/8"


def test_tilted_e91_variant_keeps_tsirelson_and_local_bound():
    verdicts = {v.property: v for v in verify(TILTED_E91)}
    assert all(v.ok for v in verdicts.values()), {k: v.summary for k, v in verdicts.items() if not v.ok}
    assert sp.simplify(sp.Abs(qkd.chsh(TILTED_E91)) - 2 * sp.sqrt(2)) == 0


# -- instruments and the attack registry -------------------------------------------


def test_instrument_cptp_is_checked():
    with pytest.raises(NotCPTPError):
        Instrument("half", {"a": [[[1, 0], [0, 0]]]})
    with pytest.raises(NotCPTPError):
        Instrument("bad-shape", {"a": [[[1, 0, 0], [0, 1, 0], [0, 0, 1]]]})
    Instrument("numeric", {"a": [np.eye(2) * np.sqrt(0.5)], "b": [np.eye(2) * np.sqrt(0.5)]})


def test_instrument_with_ancilla_and_then():
    # Eve copies the Z value into her ancilla (CNOT-like isometry): Bob's channel is Z-dephasing
    k = np.zeros((4, 2), dtype=object)
    k[0, 0] = 1  # |0⟩ → |0⟩|0⟩
    k[3, 1] = 1  # |1⟩ → |1⟩|1⟩
    copy = Instrument("cnot-copy", {"probe": [k]}, ancilla_dim=2)
    assert qkd.qber(BB84, copy) == sp.Rational(1, 4)  # X rounds fully dephased → 1/2, Z rounds clean
    both = copy.then(_dep("1/10"))
    assert both.ancilla_dim == 2 and len(both.channel_kraus()) == 8
    assert qkd.eve_information(BB84, copy) is None  # quantum memory: Holevo needed, not a classical record
    assert qkd.qber(BBM92, copy) == sp.Rational(1, 4)  # the same probe on Bob's half of a pair
    assert sp.simplify(qkd.chsh(E91, copy) + sp.sqrt(2)) == 0


@pytest.mark.parametrize(
    "changes,fragment",
    [
        (dict(abort_threshold="1/2"), "abort_threshold=1/2 must lie in [0, 0.5)"),
        (dict(sample_fraction="0"), "sample_fraction=0"),
        (dict(basis_probabilities={"Z": "1/2", "X": "1/3"}), "sum to 1"),
        (dict(measurements=(basis_measurement("Z", "1/2"), basis_measurement("X", "1/2"))[:1]), "sum to 1"),
        (dict(signals=basis_signals("Z", "Y")), "no entry in basis_probabilities"),
    ],
)
def test_validator_rejects_bad_pm_specs(changes, fragment):
    from qproto.spec.errors import QprotoError

    with pytest.raises(QprotoError) as exc:
        verify(BB84.variant("bad", **changes))
    assert fragment in str(exc.value)


def test_validator_rejects_a_key_pair_that_is_not_correlated():
    from qproto.spec.errors import SpecError

    with pytest.raises(SpecError, match="noiseless correlator"):
        verify(E91.variant("bad-e91", key_pairs=(("a1", "b1"),)))


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("nope:fraction=1", "unknown attack"),
        ("intercept-resend:fraction=1.3", "fraction=1.3 must lie in [0, 1]"),
        ("intercept-resend:fraction=-0.1", "fraction=-0.1"),
        ("intercept-resend:bogus=1", "no parameter 'bogus'"),
        ("intercept-resend:fraction=x", "must be a number"),
        ("intercept-resend:px=0.8,py=0.5", "sum to at most 1"),
        ("intercept-resend:fraction", "must be key=value"),
    ],
)
def test_parse_attack_rejects_bad_input(text, fragment):
    with pytest.raises((ParameterError, UnknownNameError)) as exc:
        parse_attack(text)
    assert fragment in str(exc.value)


def test_noise_and_attack_kinds_are_separate():
    with pytest.raises(UnknownNameError):
        parse_attack("depolarizing=0.1", kind="attack")
    assert parse_attack("depolarizing=0.1", kind="noise").values == {"p": sp.Rational(1, 10)}
    assert parse_attack("dephasing:p=1/4", kind="noise").instrument().channel().dim == 2


def test_register_attack_from_another_module_works_with_every_protocol():
    def bit_flipper(p=0):
        a, b = sp.sqrt(1 - sp.sympify(p)), sp.sqrt(sp.sympify(p))
        return Instrument(f"flip({p})", {"kept": [[[a, 0], [0, a]]], "flipped": [[[0, b], [b, 0]]]})

    if "test-flipper" not in attacks():
        register_attack("test-flipper", bit_flipper, (AttackParameter(name="p", default=0, low=0, high=1),))
    inst = parse_attack("test-flipper:p=1/5").instrument()
    assert qkd.qber(BB84, inst) == sp.Rational(1, 10)  # Z rounds flipped 1/5, X rounds untouched
    for spec in PM + EB:
        assert 0 <= float(sp.N(qkd.qber(spec, inst))) <= 1
    with pytest.raises(ParameterError):
        parse_attack("test-flipper:p=2")
    assert get_attack("test-flipper").kind == "attack"


def test_symbolic_instruments_for_every_builtin_entry():
    for name in attacks():
        if name not in ("intercept-resend", "depolarizing", "dephasing", "bit-flip"):
            continue
        inst, syms = parse_attack(name).symbolic()
        assert syms and inst.exact
        for spec in (BB84, E91):
            assert qkd.qber(spec, inst).free_symbols <= set(syms.values())


def test_row_probabilities_sum_to_one_for_every_protocol_and_line():
    for spec, inst in itertools.product(PM + EB, [identity(), _ir("1/2"), _dep("1/3")]):
        total = sp.nsimplify(sp.simplify(sum(r.probability for r in qkd.table(spec, inst))))
        assert total == 1, (spec.name, inst.name, total)


@pytest.mark.parametrize(
    "name", ["qproto.models.qkd", "qproto.models.keyrate", "qproto.models.qkd_sim", "qproto.models.instrument"]
)
def test_docstring_examples(name):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
