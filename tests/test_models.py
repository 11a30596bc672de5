"""The state algebra: kets, density matrices, gates, channels, exact vs numeric."""

import functools
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from qproto import DimensionError, NotCPTPError, NotNormalisedError, NotUnitaryError, UnknownNameError
from qproto.models import (
    Gate,
    KrausChannel,
    State,
    amplitude_damping,
    bell,
    bit_flip,
    dephasing,
    depolarizing,
    fidelity,
    gate,
    ket,
    physical_difference,
    qubit,
    werner,
)
from qproto.models.consistency import assert_consistent
from qproto.models.exact import amplitude_symbols, is_zero, reduce
from qproto.models.gates import GATE_NAMES, check_catalogue

finite = st.floats(-1, 1, allow_nan=False)


@st.composite
def numeric_qubits(draw, register="q"):
    re = draw(st.tuples(finite, finite, finite, finite))
    v = np.array([re[0] + 1j * re[1], re[2] + 1j * re[3]])
    n = np.linalg.norm(v)
    if n < 1e-3:
        v, n = np.array([1, 0], dtype=complex), 1.0
    v = v / n
    return qubit(complex(v[0]), complex(v[1]), register)


def test_catalogue_gates_are_unitary():
    check_catalogue()
    assert {"I", "X", "Y", "Z", "H", "S", "T", "CNOT", "CZ", "SWAP"} <= set(GATE_NAMES)


def test_non_unitary_gate_is_refused_with_name_and_fix():
    with pytest.raises(NotUnitaryError, match=r"gate BAD is not unitary.*fix the matrix"):
        Gate("BAD", [[1, 1], [0, 1]])
    with pytest.raises(NotUnitaryError, match="max"):
        Gate("BADF", [[1.0, 0.1], [0.0, 1.0]])


def test_unknown_gate_lists_the_known_ones():
    with pytest.raises(UnknownNameError, match="known gates: I, X"):
        gate("FOO")


def test_unnormalised_state_is_refused():
    with pytest.raises(NotNormalisedError, match="expected 1"):
        State([1, 1], ("q",))
    with pytest.raises(NotNormalisedError):
        State([0.5, 0.5], ("q",))
    a, b = sp.symbols("a b")
    with pytest.raises(NotNormalisedError, match="add a constraint"):
        qubit(a, b, "q")


def test_symbolic_qubit_is_normalised_under_its_constraint():
    (a, b), c = amplitude_symbols("a b")
    s = qubit(a, b, "q", [c])
    assert reduce(s.norm2() - 1, [c]) == 0


def test_dimension_mismatch_is_refused():
    with pytest.raises(DimensionError, match="joint dimension 2"):
        ket("0", ("q",)).apply(gate("CNOT"), ("q",))
    with pytest.raises(DimensionError, match="needs 4 entries"):
        State([1, 0], ("a", "b"))
    with pytest.raises(UnknownNameError, match="unknown register 'z'"):
        ket("0", ("q",)).apply(gate("X"), ("z",))


def test_non_cptp_channel_is_refused():
    with pytest.raises(NotCPTPError, match="not trace preserving"):
        KrausChannel("half", [[[sp.Rational(1, 2), 0], [0, sp.Rational(1, 2)]]])
    with pytest.raises(NotCPTPError, match="square"):
        KrausChannel("odd", [[[1, 0]]])


NAMED_CHANNELS = (depolarizing, dephasing, bit_flip, amplitude_damping)


@pytest.mark.parametrize("make", NAMED_CHANNELS, ids=lambda f: f.__name__)
def test_named_channels_are_cptp_for_symbolic_p(make):
    # Every named channel is built with check=False: prove Σ K†K = I here,
    # exactly, for a symbolic parameter in [0, 1].
    p = sp.Symbol("p", nonnegative=True)
    ch = make(p)
    total = sp.zeros(2, 2)
    for k in ch.kraus:
        m = sp.Matrix(k.tolist())
        total += m.H * m
    # every radicand is a probability in [0, 1] (p, 1 - p, 1 - 3p/4): its square root is real
    real_roots = lambda e: e.replace(lambda x: isinstance(x, sp.conjugate) and isinstance(x.args[0], sp.Pow), lambda x: x.args[0])
    total = total.applyfunc(lambda e: sp.simplify(real_roots(e.subs(sp.conjugate(p), p))))
    assert total == sp.eye(2), f"{ch.name}: Σ K†K = {total}"
    KrausChannel(ch.name, ch.kraus)  # and the constructor's own exact check accepts it


@pytest.mark.parametrize("make", NAMED_CHANNELS, ids=lambda f: f.__name__)
def test_a_broken_named_channel_fails_the_cptp_check(make):
    # the check above can fail: drop one Kraus operator and it must
    p = sp.Rational(1, 3)
    ch = make(p)
    with pytest.raises(NotCPTPError):
        KrausChannel(ch.name + "-dropped", ch.kraus[:-1])


def test_bell_states_and_partial_trace():
    phi = bell("phi+", ("a", "b"))
    red = phi.reduced(("a",))
    assert red.matrix().tolist() == [[sp.Rational(1, 2), 0], [0, sp.Rational(1, 2)]]
    # CNOT then H on |Φ+⟩ gives |00⟩: the Bell measurement circuit
    out = phi.apply(gate("CNOT"), ("a", "b")).apply(gate("H"), ("a",))
    assert out.dirac() == "|00⟩"


def test_physical_equality_ignores_global_phase_but_not_relative_phase():
    a = State([sp.sqrt(2) / 2, sp.sqrt(2) / 2], ("q",))
    b = a.scaled(sp.I)
    c = State([sp.sqrt(2) / 2, -sp.sqrt(2) / 2], ("q",))
    assert all(is_zero(x) for x in physical_difference(a, b).flat)
    assert not all(is_zero(x) for x in physical_difference(a, c).flat)


def test_fidelity_is_the_squared_convention():
    plus = State([sp.sqrt(2) / 2, sp.sqrt(2) / 2], ("q",))
    zero = ket("0", ("q",))
    assert fidelity(plus, zero) == sp.Rational(1, 2)  # sqrt convention would give 1/sqrt(2)
    F = sp.Symbol("F")
    assert sp.simplify(fidelity(bell("phi+", ("a", "b")), werner(F, ("a", "b"))) - F) == 0


def test_werner_state_rejects_fidelity_out_of_range():
    from qproto import ParameterError

    with pytest.raises(ParameterError, match=r"fidelity=1.5 must lie in \[0, 1\]"):
        werner(1.5, ("a", "b"))


@given(numeric_qubits(), st.sampled_from(["X", "Y", "Z", "H", "S", "T"]))
def test_exact_and_numeric_gates_agree_on_random_states(psi, name):
    a, b = sp.symbols("a b")
    exact = State([a, b], ("q",), check=False).apply(gate(name), ("q",))
    numeric = psi.apply(gate(name).numeric, ("q",))
    subs = {a: complex(psi.data[0]), b: complex(psi.data[1])}
    assert_consistent(exact, numeric, subs)


@functools.cache
def _exact_channel_output(make):
    """The symbolic output (amplitudes a, b, c, d and p free) does not depend
    on the drawn values: derive it once per channel, evaluate it per example."""
    a, b, c, d, psym = sp.symbols("a b c d p")
    exact_pair = State([a, b], ("x",), check=False).tensor(State([c, d], ("y",), check=False))
    exact_pair = exact_pair.apply(gate("CNOT"), ("x", "y"))
    return make(psym).apply(exact_pair, ("y",))


@given(numeric_qubits("x"), numeric_qubits("y"), st.floats(0, 1), st.sampled_from(NAMED_CHANNELS))
def test_exact_and_numeric_channels_and_traces_agree(px, py, p, make):
    # The exact channel on a symbolic two-qubit state, evaluated at the drawn
    # amplitudes and p, must equal the numeric channel (float p) applied to the
    # numeric state, entry by entry, and so must the partial traces.
    a, b, c, d, psym = sp.symbols("a b c d p")
    exact_out = _exact_channel_output(make)
    pair = px.tensor(py).apply(gate("CNOT").numeric, ("x", "y"))
    num_ch = make(p)
    num_ch = KrausChannel(
        "numeric", [np.vectorize(lambda e: complex(sp.N(e)), otypes=[complex])(np.asarray(k, dtype=object)) for k in num_ch.kraus]
    )
    out = num_ch.apply(pair, ("y",))
    subs = {a: complex(px.data[0]), b: complex(px.data[1]), c: complex(py.data[0]), d: complex(py.data[1]), psym: p}
    conj = {sp.conjugate(k): np.conj(v) for k, v in subs.items()}
    assert_consistent(exact_out, out, {**subs, **conj})
    assert_consistent(exact_out.reduced(("x",)), out.reduced(("x",)), {**subs, **conj})
    assert abs(out.norm2() - 1) < 1e-9  # trace preserved
    # the channel acting on y does not change x's reduced state (no signalling)
    assert np.allclose(out.reduced(("x",)).matrix(), pair.reduced(("x",)).matrix(), atol=1e-9)


def test_consistency_checker_catches_a_difference():
    a = sp.Symbol("a")
    with pytest.raises(AssertionError, match="differ"):
        assert_consistent(sp.Matrix([[a, 0], [0, 1]]), np.eye(2), {a: 2.0})


def test_state_repr_and_reorder():
    s = ket("01", ("a", "b")).reorder(("b", "a"))
    assert s.dirac() == "|10⟩"
    assert "registers=('b', 'a')" in repr(s)


# --- issue 10 item 19: float tolerance and exact range checks -------------


def test_werner_accepts_a_float_fidelity_whose_rounding_breaks_exact_trace():
    rho = werner(0.16605840102145053, ("a", "b"))
    assert abs(rho.norm2() - 1) < 1e-12
    # the squared-convention fidelity with |Φ+⟩ is the parameter itself
    assert abs(complex(sp.N(fidelity(bell("phi+", ("a", "b")), rho))) - 0.16605840102145053) < 1e-12
    assert np.allclose(rho.numeric().matrix().trace(), 1)


@pytest.mark.parametrize("bad", [Fraction(3, 2), Fraction(-1, 7), sp.Rational(5, 4), Decimal("1.01"), float("nan"), True])
def test_out_of_range_fidelities_of_every_number_type_are_refused(bad):
    from qproto import ParameterError

    with pytest.raises(ParameterError, match="fidelity="):
        werner(bad, ("a", "b"))


@pytest.mark.parametrize("make", NAMED_CHANNELS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("bad", [Fraction(3, 2), sp.Rational(-1, 3), Decimal("2")])
def test_out_of_range_channel_parameters_of_every_number_type_are_refused(make, bad):
    from qproto import ParameterError

    with pytest.raises(ParameterError, match="must lie in"):
        make(bad)


def test_in_range_fractions_are_exact():
    assert werner(Fraction(1, 3), ("a", "b")).matrix()[0, 0] == sp.Rational(5, 18)
    assert depolarizing(Fraction(1, 2)).kraus[1][0, 1] == sp.sqrt(sp.Rational(1, 8))


def test_werner_centred_on_another_bell_state():
    F = sp.Symbol("F")
    rho = werner(F, ("a", "b"), centre="psi-")
    assert sp.simplify(fidelity(bell("psi-", ("a", "b")), rho) - F) == 0
    assert sp.simplify(fidelity(bell("phi+", ("a", "b")), rho) - (1 - F) / 3) == 0


# --- issue 10 item 11: undecided is not false in well-formedness checks -----


def test_a_channel_sympy_cannot_simplify_is_accepted_on_50_digit_evidence_and_says_so():
    # atan(1/2) + atan(1/3) = π/4, which sp.simplify does not see: Σ K†K = I holds
    t = sp.atan(sp.Rational(1, 2)) + sp.atan(sp.Rational(1, 3))
    a, b = sp.sqrt(4 * t / sp.pi - sp.Rational(1, 2)), sp.sqrt(sp.Rational(1, 2))
    ch = KrausChannel("atan", [[[a, 0], [0, a]], [[b, 0], [0, b]]])
    assert ch.trace_preserving_road == "numeric-50-digits"
    assert KrausChannel("plain", depolarizing(sp.Rational(1, 3)).kraus).trace_preserving_road == "exact"
    # and a channel off by a tiny but non-zero amount is still refused
    with pytest.raises(NotCPTPError, match="differs by"):
        KrausChannel("off", [[[a, 0], [0, a]], [[b + sp.Rational(1, 10**40), 0], [0, b]]])
