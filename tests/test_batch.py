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
    bad = (r.records["m1"] == 1)
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
