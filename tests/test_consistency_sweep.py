"""One consistency sweep over every named model object (in the spirit of
Cirq's ``assert_implements_consistent_protocols``): each named channel,
attack / noise entry, instrument, gate and catalogue circuit spec must have
its exact (SymPy) and numeric (NumPy) forms agree, be CPTP or unitary, and
round-trip through ``repr`` where the repr is written to be evaluated.

The registries are discovered, not listed: a new channel, attack, gate or
catalogue spec is swept without editing this file.  Where a reference
value is needed it is computed here from the textbook definition (NumPy /
SciPy), never by calling the model a second time.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import scipy.linalg
import sympy as sp

from qproto.models import channels as channels_module
from qproto.models import gates as gates_module
from qproto.models.attacks import AttackInfo, attacks, parse_attack
from qproto.models.channels import KrausChannel
from qproto.models.consistency import assert_consistent
from qproto.models.instrument import Instrument, from_channel, identity
from qproto.spec.errors import ParameterError

ATOL = 1e-9
PAULI = {
    "I": np.eye(2, dtype=complex),
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]], dtype=complex),
    "Z": np.array([[1, 0], [0, -1]], dtype=complex),
}


def _numeric(m) -> np.ndarray:
    arr = np.asarray(m)
    if arr.dtype == object:
        return np.vectorize(lambda e: complex(sp.N(e)), otypes=[complex])(arr)
    return arr.astype(complex)


def _assert_trace_preserving(kraus, dim_in: int) -> None:
    """Σ K†K = I, computed here in complex128."""
    total = sum(_numeric(k).conj().T @ _numeric(k) for k in kraus)
    assert np.allclose(total, np.eye(dim_in), atol=ATOL), total


def _random_density(dim: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(dim, dim)) + 1j * rng.normal(size=(dim, dim))
    rho = a @ a.conj().T
    return rho / np.trace(rho)


# -- named channels ----------------------------------------------------------


def _named_channels() -> dict[str, object]:
    """Every public factory in models/channels.py that makes a KrausChannel
    from one parameter (the ones a spec names in ApplyChannel)."""
    found = {}
    for name in channels_module.__all__:
        obj = getattr(channels_module, name)
        if inspect.isfunction(obj) and obj.__module__ == channels_module.__name__:
            found[name] = obj
    return found


#: The textbook action of each named channel (Nielsen & Chuang §8.3), written
#: independently of the Kraus operators the model uses.
REFERENCE_ACTION = {
    "depolarizing": lambda rho, p: (1 - p) * rho + p * np.trace(rho) * np.eye(2) / 2,
    "dephasing": lambda rho, p: (1 - p) * rho + p * PAULI["Z"] @ rho @ PAULI["Z"],
    "bit_flip": lambda rho, p: (1 - p) * rho + p * PAULI["X"] @ rho @ PAULI["X"],
    "amplitude_damping": lambda rho, g: np.array(
        [[rho[0, 0] + g * rho[1, 1], np.sqrt(1 - g) * rho[0, 1]], [np.sqrt(1 - g) * rho[1, 0], (1 - g) * rho[1, 1]]]
    ),
}
CHANNELS = _named_channels()
PARAMS = [sp.Integer(0), sp.Rational(1, 3), sp.Rational(9, 10), sp.Integer(1)]


def test_the_channel_registry_is_found_and_every_channel_has_a_reference():
    assert {"depolarizing", "dephasing", "bit_flip", "amplitude_damping"} <= set(CHANNELS)
    assert set(CHANNELS) <= set(REFERENCE_ACTION), "a new named channel needs its textbook action here"


@pytest.mark.parametrize("name", sorted(CHANNELS))
@pytest.mark.parametrize("p", PARAMS, ids=str)
def test_named_channel_exact_numeric_cptp_and_textbook_action(name, p):
    make = CHANNELS[name]
    exact = make(p)
    assert isinstance(exact, KrausChannel) and exact.exact and exact.dim == 2
    _assert_trace_preserving(exact.kraus, 2)
    # exact ≡ numeric: the channel made from the float parameter
    assert_consistent(exact, KrausChannel(f"{name}-float", [_numeric(k) for k in make(float(p)).kraus]))
    # exact ≡ symbolic evaluated at p
    q = sp.Symbol("q", nonnegative=True)
    assert_consistent(make(q), exact, {q: p})
    # the action on a random state is the textbook one
    rho = _random_density(2, seed=int(p * 10))
    got = sum(_numeric(k) @ rho @ _numeric(k).conj().T for k in exact.kraus)
    assert np.allclose(got, REFERENCE_ACTION[name](rho, float(p)), atol=ATOL)
    # as an instrument: one branch, the same channel
    inst = from_channel(exact)
    assert inst.records == ("none",)
    assert_consistent(KrausChannel("i", inst.channel_kraus(), check=False), exact)


@pytest.mark.parametrize("name", sorted(CHANNELS))
@pytest.mark.parametrize("bad", [sp.Rational(3, 2), -0.1])
def test_named_channel_refuses_a_parameter_outside_zero_one(name, bad):
    with pytest.raises(ParameterError):
        CHANNELS[name](bad)


# -- attacks and line noise ----------------------------------------------------

ATTACKS = attacks()


def _interior_values(info: AttackInfo) -> dict[str, sp.Expr]:
    """A point strictly inside every parameter's domain (a third of the way
    from low to high), so no branch vanishes."""
    out = {}
    for p in info.params:
        lo = sp.sympify(0 if p.low is None else p.low)
        hi = sp.sympify(lo + 1 if p.high is None else p.high)
        out[p.name] = lo + (hi - lo) / 3
    return out


def _points(info: AttackInfo) -> list[dict]:
    points = [{p.name: p.default for p in info.params}]
    try:
        info.factory(**_interior_values(info))
        points.append(_interior_values(info))
    except ParameterError:  # a cross-parameter limit (px + py ≤ 1): defaults only
        pass
    return points


def test_the_attack_registry_is_found():
    kinds = {info.kind for info in ATTACKS.values()}
    assert kinds == {"attack", "noise"}
    assert {"intercept-resend", "none", "depolarizing"} <= set(ATTACKS)
    assert len(ATTACKS) >= 8  # built-ins plus the cloning and probe modules


def _branch_arrays(inst: Instrument) -> dict:
    return {b.record: [_numeric(k) for k in b.kraus] for b in inst.branches}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_exact_symbolic_numeric_agree_and_are_trace_preserving(name):
    info = ATTACKS[name]
    for values in _points(info):
        attack = parse_attack(info.name + (":" + ",".join(f"{k}={v}" for k, v in values.items()) if values else ""))
        exact = attack.instrument()
        assert isinstance(exact, Instrument)
        kraus = [k for b in exact.branches for k in b.kraus]
        _assert_trace_preserving(kraus, 2)
        # Bob's marginal channel is trace preserving too
        _assert_trace_preserving(exact.channel_kraus(), 2)
        # numeric() keeps every record and every operator
        numeric = exact.numeric()
        assert numeric.records == exact.records
        for (r1, ks1), (r2, ks2) in zip(_branch_arrays(exact).items(), _branch_arrays(numeric).items()):
            assert r1 == r2 and len(ks1) == len(ks2)
            for a, b in zip(ks1, ks2):
                assert np.allclose(a, b, atol=ATOL), (r1, a, b)
        # the symbolic instrument, evaluated at the values, is the exact one
        # (a numeric-only entry, such as the entangling probe, has no symbolic form)
        if info.params and exact.exact:
            symbolic, syms = attack.symbolic()
            subs = {syms[k]: sp.sympify(v) for k, v in values.items()}
            sym_branches = {b.record: b.kraus for b in symbolic.substitute(subs).branches}
            ex_branches = {b.record: b.kraus for b in exact.branches}
            # a symbolic branch whose weight is zero at the point may be dropped by the exact one
            for record, ks in ex_branches.items():
                assert record in sym_branches, (record, list(sym_branches))
                for a, b in zip(ks, sym_branches[record]):
                    assert_consistent(b, a, subs)
            for record in set(sym_branches) - set(ex_branches):
                assert all(np.allclose(_numeric(k), 0, atol=ATOL) for k in sym_branches[record])


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_repr_round_trips(name):
    info = ATTACKS[name]
    for values in _points(info):
        attack = parse_attack(info.name + (":" + ",".join(f"{k}={v}" for k, v in values.items()) if values else ""))
        again = eval(repr(attack), {"parse_attack": parse_attack})  # noqa: S307 - the repr is written to be evaluated
        assert again.label() == attack.label()
        a, b = attack.instrument(), again.instrument()
        assert a.records == b.records
        for ka, kb in zip([k for br in a.branches for k in br.kraus], [k for br in b.branches for k in br.kraus]):
            assert np.allclose(_numeric(ka), _numeric(kb), atol=ATOL)


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_refuses_values_outside_its_declared_domain(name):
    info = ATTACKS[name]
    for p in info.params:
        if p.high is not None:
            with pytest.raises(ParameterError):
                parse_attack(f"{info.name}:{p.name}={sp.sympify(p.high) + 1}")
        if p.low is not None:
            with pytest.raises(ParameterError):
                parse_attack(f"{info.name}:{p.name}={sp.sympify(p.low) - 1}")


def test_identity_instrument_is_the_identity():
    (k,) = identity().channel_kraus()
    assert np.allclose(_numeric(k), np.eye(2))


# -- gates -------------------------------------------------------------------

FIXED_GATES = [n for n in gates_module.GATE_NAMES if "(" not in n]
ROTATIONS = [n.split("(")[0] for n in gates_module.GATE_NAMES if "(" in n]


@pytest.mark.parametrize("name", FIXED_GATES)
def test_fixed_gate_unitary_exactly_numeric_agrees_and_repr_round_trips(name):
    g = gates_module.gate(name)
    m = sp.Matrix(g.matrix.tolist())
    assert sp.simplify(m.H * m - sp.eye(m.shape[0])) == sp.zeros(*m.shape)
    assert_consistent(g, g.numeric)
    u = g.numeric
    assert np.allclose(u.conj().T @ u, np.eye(u.shape[0]), atol=ATOL)
    again = eval(repr(g), {"Gate": gates_module.Gate, **vars(sp)})  # noqa: S307 - Gate(name, rows) is meant to be evaluated
    assert again.name == g.name
    assert np.allclose(again.numeric, u, atol=ATOL)


@pytest.mark.parametrize("rot", ROTATIONS)
@pytest.mark.parametrize("theta", [0.0, 0.7, np.pi, -2.1])
def test_rotation_is_the_exponential_of_its_pauli(rot, theta):
    """R_P(θ) = exp(−iθP/2), computed here with scipy.linalg.expm."""
    want = scipy.linalg.expm(-1j * theta * PAULI[rot[-1]] / 2)
    assert np.allclose(gates_module.gate(rot, theta).numeric, want, atol=ATOL)
    t = sp.Symbol("theta", real=True)
    assert_consistent(gates_module.gate(rot, t), want, {t: theta})
    assert_consistent(gates_module.gate(rot, sp.nsimplify(theta)), want)


def test_the_gate_catalogue_checks_itself():
    gates_module.check_catalogue()


# -- catalogue circuit specs ---------------------------------------------------


def _catalogue_circuits():
    from qproto.spec.catalogue import flawed, protocols
    from qproto.spec.circuit import CircuitProtocol

    return [s for s in protocols() + flawed() if isinstance(s, CircuitProtocol)]


CIRCUITS = _catalogue_circuits()


def test_the_catalogue_has_circuit_specs():
    assert len(CIRCUITS) >= 5


@pytest.mark.parametrize("spec", CIRCUITS, ids=lambda s: s.name)
def test_catalogue_circuit_exact_run_equals_numeric_run(spec):
    """The exact runner on a concrete input (3/5, 4/5) and the numeric
    runner on the same input agree branch by branch; the branch
    probabilities sum to one (summed here)."""
    from qproto.models import circuit
    from qproto.models.state import qubit

    regs = [r for step in spec.steps if getattr(step, "state", None) == "input" for r in step.registers]
    input_state = qubit(sp.Rational(3, 5), sp.Rational(4, 5), regs[0] if regs else "q")
    exact = circuit.run(spec, input_state=input_state)
    numeric = circuit.run(spec, input_state=input_state.numeric(), numeric=True)
    ex = {tuple(sorted(b.record.items())): b for b in exact.final}
    nu = {tuple(sorted(b.record.items())): b for b in numeric.final}
    assert set(nu) <= set(ex), (set(nu), set(ex))
    for key, b in ex.items():
        p_exact = complex(sp.N(circuit.branch_probability(b)))
        if key not in nu:  # the numeric runner drops branches below 1e-15
            assert abs(p_exact) < 1e-12, (key, p_exact)
            continue
        assert abs(p_exact - complex(nu[key].probability)) < ATOL, key
        assert_consistent(b.state, nu[key].state)
    assert abs(sum(complex(nu[k].probability) for k in nu) - 1) < ATOL


# -- catalogue QKD specs -------------------------------------------------------


def _catalogue_qkd():
    from qproto.spec.catalogue import flawed, protocols
    from qproto.spec.qkd import EntanglementQKD, PrepareMeasureQKD

    return [s for s in protocols() + flawed() if isinstance(s, (PrepareMeasureQKD, EntanglementQKD))]


QKD_SPECS = _catalogue_qkd()


def test_the_catalogue_has_qkd_specs_of_both_families():
    assert {type(s).__name__ for s in QKD_SPECS} == {"PrepareMeasureQKD", "EntanglementQKD"}


@pytest.mark.parametrize("spec", QKD_SPECS, ids=lambda s: s.name)
def test_catalogue_qkd_exact_statistics_equal_numeric(spec):
    """Under an attack followed by line noise, the Born-rule statistics with
    the exact instrument and with its complex128 form agree; Bob's outcome
    distribution sums to one for every (choice, setting) (summed here)."""
    from qproto.models import qkd
    from qproto.models.attacks import line

    exact = line(parse_attack("intercept-resend:fraction=1/2"), parse_attack("depolarizing:p=1/10"))
    numeric = exact.numeric()
    for figure in (qkd.qber, qkd.sift_probability):
        e, n = figure(spec, exact), figure(spec, numeric)
        assert abs(complex(sp.N(e)) - complex(n)) < ATOL, (figure.__name__, e, n)
    for choice, by_setting in qkd.outcome_distribution(spec, numeric).items():
        for setting, dist in by_setting.items():
            assert abs(sum(complex(v) for v in dist.values()) - 1) < ATOL, (choice, setting, dist)
    if getattr(spec, "chsh", ()):
        e, n = qkd.chsh(spec, exact), qkd.chsh(spec, numeric)
        assert abs(complex(sp.N(e)) - complex(n)) < ATOL
        assert abs(complex(n)) <= 2 * np.sqrt(2) + ATOL  # Tsirelson's bound
