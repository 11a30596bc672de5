"""The vectorised batch runner agrees with the exact model."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qproto import DimensionError, NotNormalisedError
from qproto.models.batch import haar_qubits, run_batch
from qproto.spec.teleportation import TELEPORTATION, TELEPORTATION_DROPPED_BIT, TELEPORTATION_Z_FIRST


def fidelities(spec, x, rng):
    r = run_batch(spec, x, rng)
    return np.abs(np.sum(np.conj(x) * r.conditional("b"), axis=1)) ** 2, r


@given(st.integers(0, 2**32 - 1))
def test_batch_teleportation_is_perfect_for_every_state(seed):
    rng = np.random.default_rng(seed)
    x = haar_qubits(256, rng)
    for spec in (TELEPORTATION, TELEPORTATION_Z_FIRST):
        f, _ = fidelities(spec, x, rng)
        assert np.all(np.abs(f - 1) < 1e-9)


def test_batch_outcomes_follow_the_exact_distribution():
    rng = np.random.default_rng(11)
    n = 200_000
    _, r = fidelities(TELEPORTATION, haar_qubits(n, rng), rng)
    counts = np.bincount(2 * r.records["m1"] + r.records["m2"], minlength=4) / n
    # exact: 1/4 each; 5 standard deviations of a binomial proportion
    assert np.all(np.abs(counts - 0.25) < 5 * np.sqrt(0.25 * 0.75 / n))


def test_batch_exposes_the_flawed_variant_on_the_branch_the_exact_engine_names():
    rng = np.random.default_rng(3)
    x = haar_qubits(20_000, rng)
    f, r = fidelities(TELEPORTATION_DROPPED_BIT, x, rng)
    bad = r.records["m1"] == 1
    assert np.all(np.abs(f[~bad] - 1) < 1e-9)
    # α|0⟩ − β|1⟩ against α|0⟩ + β|1⟩: fidelity (|α|² − |β|²)², Haar mean 1/3
    assert abs(f[bad].mean() - 1 / 3) < 0.02


def test_batch_is_reproducible_for_a_seed():
    a = run_batch(TELEPORTATION, haar_qubits(1000, np.random.default_rng(5)), np.random.default_rng(6))
    b = run_batch(TELEPORTATION, haar_qubits(1000, np.random.default_rng(5)), np.random.default_rng(6))
    assert np.array_equal(a.records["m1"], b.records["m1"]) and np.array_equal(a.states, b.states)


def test_batch_refuses_bad_inputs():
    with pytest.raises(NotNormalisedError, match="input row 0"):
        run_batch(TELEPORTATION, np.array([[1.0, 1.0]]), np.random.default_rng(0))
    with pytest.raises(DimensionError, match=r"shape \(N, 2\)"):
        run_batch(TELEPORTATION, np.ones(3), np.random.default_rng(0))


# -- branch maps (issue 15): exact-equivalent to the model, faster than stepping --------

BATCH_SPECS = [
    "teleportation",
    "teleportation-z-first",
    "teleportation-dropped-bit",
    "teleportation-swapped-bits",
    "entanglement-swapping",
    "entanglement-swapping-no-z",
    "bbpssw",
    "dejmps",
    "bbpssw-unilateral-cnot",
]


@pytest.mark.parametrize("name", BATCH_SPECS)
def test_branch_maps_equal_the_exact_models_branches(name):
    """For a random input, every branch's probability ‖A_b x‖² and
    unnormalised state A_b x equal the numeric model's final branches."""
    from qproto.models import circuit as model
    from qproto.models.batch import branch_maps
    from qproto.models.state import qubit
    from qproto.spec.catalogue import find

    spec = find(name)
    bm = branch_maps(spec)
    x = haar_qubits(1, np.random.default_rng(len(name)))[0]
    state = qubit(complex(x[0]), complex(x[1]), "q") if bm.has_input else None
    branches = model.run(spec, input_state=state, numeric=True).steps[-1].branches
    xv = x if bm.has_input else np.array([1, 0], dtype=complex)
    seen = 0
    for b, outcome in enumerate(bm.outcomes):
        record = dict(zip(bm.records, (int(v) for v in outcome)))
        ours = bm.maps[b] @ xv
        match = [br for br in branches if br.record == record]
        if not match:  # the model drops branches of probability < 1e-15
            assert np.sum(np.abs(ours) ** 2) < 1e-12
            continue
        (br,) = match
        assert br.state.registers == bm.registers
        assert abs(np.sum(np.abs(ours) ** 2) - br.probability) < 1e-12
        assert np.allclose(ours, br.state.data.reshape(-1), atol=1e-12)
        seen += 1
    assert seen == len(branches)


@pytest.mark.parametrize("name", ["entanglement-swapping-no-z", "teleportation"])
def test_branch_sampling_matches_stepwise_born_rule(name):
    """Outcome frequencies of the branch-map runner and of the step-by-step
    runner against the exact branch probabilities (5 standard deviations)."""
    from qproto.models import circuit as model
    from qproto.models.batch import run_batch_stepwise
    from qproto.spec.catalogue import find

    spec = find(name)
    n = 100_000
    x = np.tile(np.array([[0.6, 0.8j]]), (n, 1))
    from qproto.models.state import qubit

    exact = {
        tuple(sorted(b.record.items())): b.probability
        for b in model.run(spec, input_state=qubit(0.6, 0.8j, "q"), numeric=True).steps[-1].branches
    }
    for runner in (run_batch, run_batch_stepwise):
        r = runner(spec, x, np.random.default_rng(9))
        keys = list(r.records)
        for record, p in exact.items():
            hit = np.ones(n, dtype=bool)
            for k, v in record:
                hit &= r.records[k] == v
            assert abs(hit.mean() - p) < 5 * np.sqrt(p * (1 - p) / n) + 1e-12, (runner.__name__, record)
        assert set(keys) == {k for rec in exact for k, _ in rec}


def test_numpy_baseline_teleports_like_the_batch_runner():
    """benchmarks/baseline_teleport_numpy.py (the benchmark's yardstick)
    gives fidelity 1 and uniform outcomes, as the batch runner does."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "baseline_teleport_numpy.py"
    mod_spec = importlib.util.spec_from_file_location("baseline_teleport_numpy", path)
    base = importlib.util.module_from_spec(mod_spec)
    mod_spec.loader.exec_module(base)
    rng = np.random.default_rng(4)
    x = haar_qubits(50_000, rng)
    bob, m1, m2 = base.teleport(x, rng)
    assert np.all(np.abs(np.abs(np.sum(np.conj(x) * bob, axis=1)) ** 2 - 1) < 1e-9)
    counts = np.bincount(2 * m1 + m2, minlength=4) / x.shape[0]
    assert np.all(np.abs(counts - 0.25) < 5 * np.sqrt(0.25 * 0.75 / x.shape[0]))
    f, _ = fidelities(TELEPORTATION, x, rng)
    assert np.all(np.abs(f - 1) < 1e-9)


def test_numpy_swapping_baseline_gives_the_batch_runners_states():
    """benchmarks/baseline_swapping_numpy.py ends each outcome pair in the
    state the branch maps give (it is a fair yardstick, not a shortcut)."""
    import importlib.util
    from pathlib import Path

    from qproto.spec.catalogue import find

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "baseline_swapping_numpy.py"
    mod_spec = importlib.util.spec_from_file_location("baseline_swapping_numpy", path)
    base = importlib.util.module_from_spec(mod_spec)
    mod_spec.loader.exec_module(base)
    rng = np.random.default_rng(8)
    theirs, m1, m2 = base.swap(4000, rng)
    ours = run_batch(find("entanglement-swapping"), haar_qubits(4000, rng), rng)
    for k in range(4):
        i = np.flatnonzero(2 * m1 + m2 == k)
        j = np.flatnonzero(2 * ours.records["m1"] + ours.records["m2"] == k)
        assert i.size and j.size
        assert np.allclose(theirs[i[0]], ours.states[j[0]].reshape(-1), atol=1e-12)
        assert abs(i.size / 4000 - 0.25) < 5 * np.sqrt(0.25 * 0.75 / 4000)


def test_fixed_weight_path_equals_the_general_path(monkeypatch):
    """Teleportation's branch weights are 1/4 whatever the input (G_b = I/4):
    the runner samples them without per-run weights; forcing the general
    path (per-run x†G_b x) gives the same branches and states for a seed."""
    from qproto.models import batch

    bm = batch.branch_maps(TELEPORTATION)
    assert batch._input_independent(bm.gram)
    x = haar_qubits(50_000, np.random.default_rng(8))
    fast = run_batch(TELEPORTATION, x, np.random.default_rng(9))
    monkeypatch.setattr(batch, "_input_independent", lambda gram: False)
    general = run_batch(TELEPORTATION, x, np.random.default_rng(9))
    for name in fast.records:
        assert np.array_equal(fast.records[name], general.records[name])
    assert np.allclose(fast.states, general.states, atol=1e-12)


def test_input_dependent_weights_are_recognised():
    from qproto.models import batch

    gram = np.array([[[0.5, 0.0], [0.0, 0.5]], [[0.5, 0.0], [0.0, 0.5]]], dtype=complex)
    assert batch._input_independent(gram)
    leaky = gram.copy()
    leaky[0, 0, 1] = leaky[0, 1, 0] = 0.1  # a branch whose weight depends on the input's phase
    assert not batch._input_independent(leaky)
    skewed = gram.copy()
    skewed[0, 0, 0], skewed[1, 0, 0] = 0.6, 0.4  # ... or on |α|² against |β|²
    assert not batch._input_independent(skewed)
