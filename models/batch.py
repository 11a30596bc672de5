"""Vectorised numeric runs of a circuit protocol over many inputs at once.

The exact runner (``models.circuit``) follows every branch symbolically; this
one samples: each of N runs gets its own input state, its measurement
outcomes are drawn by the Born rule from a seeded ``numpy.random.Generator``,
and its corrections are applied where its bits say so.  The state of all N
runs is one complex array with a leading batch axis, so a step costs a few
NumPy calls whatever N is.  Used for throughput (``benchmarks/``), for
Monte-Carlo cross-checks of the exact results, and for test vectors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qproto.spec.circuit import ApplyGate, CircuitProtocol, Controlled, Measure, Prepare, Send
from qproto.spec.errors import DimensionError, SpecError

from .circuit import prepared_state, resolve_gate


@dataclass
class BatchRun:
    """The outcome of N runs: final states (N, d1, ..., dk) over
    ``registers``, and each classical record as an int8 array of length N."""

    registers: tuple[str, ...]
    states: np.ndarray
    records: dict[str, np.ndarray]

    def conditional(self, register: str) -> np.ndarray:
        """Each run's (normalised) ket on ``register``, given that every
        other register has been measured: shape (N, d)."""
        n = self.states.shape[0]
        out = self.states
        # move the wanted register last, flatten the others and pick the one
        # non-zero slice of each run (the others are collapsed)
        ax = self.registers.index(register) + 1
        out = np.moveaxis(out, ax, -1).reshape(n, -1, out.shape[ax])
        weight = np.sum(np.abs(out) ** 2, axis=2)
        pick = np.argmax(weight, axis=1)
        vec = out[np.arange(n), pick]
        return vec / np.linalg.norm(vec, axis=1, keepdims=True)


def _embed(mat: np.ndarray, axes: list[int], dims: tuple[int, ...]) -> np.ndarray:
    """The full-space matrix of a gate acting on ``axes`` of a register
    list with ``dims`` (built by applying it to every basis state)."""
    total = int(np.prod(dims))
    basis = np.eye(total, dtype=complex).reshape((total, *dims))
    m = len(axes)
    tdims = tuple(dims[a] for a in axes)
    t = mat.reshape(tdims + tdims)
    out = np.tensordot(basis, t, axes=([a + 1 for a in axes], list(range(m, 2 * m))))
    out = np.moveaxis(out, list(range(out.ndim - m, out.ndim)), [a + 1 for a in axes])
    return out.reshape(total, total).T  # column j is the image of basis state j


def _program(spec: CircuitProtocol) -> tuple[list[str], list[int], list[tuple]]:
    """Compile the spec into operations on the flat state of all registers.

    Preparations are hoisted to the start (they act on fresh registers, so
    they commute with everything before them) and consecutive gates are
    multiplied into one matrix: a run is then a handful of small matrix
    products per batch.
    """
    regs: list[str] = []
    preps: list[np.ndarray | None] = []
    for step in spec.steps:
        if isinstance(step, Prepare):
            regs.extend(step.registers)
            preps.append(None if step.state == "input" else prepared_state(step).numeric().vector())
    dims = [2] * len(regs)
    ops: list[tuple] = []
    for step in spec.steps:
        if isinstance(step, ApplyGate):
            g = resolve_gate(step)
            axes = [regs.index(t) for t in step.targets]
            full = _embed(g.numeric, axes, tuple(dims))
            if ops and ops[-1][0] == "gate":
                ops[-1] = ("gate", full @ ops[-1][1])
            else:
                ops.append(("gate", full))
        elif isinstance(step, Controlled):
            g = resolve_gate(step)
            axes = [regs.index(t) for t in step.targets]
            ops.append(("controlled", _embed(g.numeric, axes, tuple(dims)), step.when))
        elif isinstance(step, Measure):
            ax = regs.index(step.register)
            idx = np.arange(int(np.prod(dims)))
            stride = int(np.prod(dims[ax + 1 :]))
            ones = (idx // stride) % 2 == 1
            ops.append(("measure", ones, step.record))
        elif isinstance(step, (Send, Prepare)):
            continue
        else:
            raise SpecError(f"{spec.name}: run_batch cannot execute action {step.action!r}")
    ops.insert(0, ("prepare", preps))
    return regs, dims, ops


def run_batch(spec: CircuitProtocol, inputs: np.ndarray, rng: np.random.Generator, chunk: int = 1 << 15) -> BatchRun:
    """Run ``spec`` once per row of ``inputs`` (N × 2 normalised amplitudes
    for the ``Prepare(state="input")`` register).

    Args:
        inputs: complex array of shape (N, 2); rows must be normalised.
        rng: the seeded generator that draws measurement outcomes.
        chunk: runs evolved together (sized for the cache).  Defaults to 32768.

    Raises:
        NotNormalisedError: an input row's norm is not 1.
    """
    inputs = np.asarray(inputs, dtype=complex)
    if inputs.ndim != 2 or inputs.shape[1] != 2:
        raise DimensionError(f"inputs must have shape (N, 2), got {inputs.shape}")
    norms = np.sum(np.abs(inputs) ** 2, axis=1)
    bad = np.flatnonzero(np.abs(norms - 1) > 1e-9)
    if bad.size:
        from qproto.spec.errors import NotNormalisedError

        raise NotNormalisedError(f"input row {int(bad[0])} has norm² {norms[bad[0]]:.12g}, expected 1; normalise the inputs")
    if spec.inputs:
        raise SpecError(f"{spec.name}: run_batch does not take classical inputs {spec.inputs}")
    regs, dims, ops = _program(spec)
    n = inputs.shape[0]
    total = int(np.prod(dims))
    states = np.empty((n, total), dtype=complex)
    records = {op[2]: np.empty(n, dtype=np.int8) for op in ops if op[0] == "measure"}
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        m = hi - lo
        data = np.ones((m, 1), dtype=complex)
        for block in ops[0][1]:
            b = inputs[lo:hi] if block is None else np.broadcast_to(block, (m, block.size))
            data = (data[:, :, None] * b[:, None, :]).reshape(m, -1)
        for op in ops[1:]:
            if op[0] == "gate":
                data = data @ op[1].T
            elif op[0] == "controlled":
                bit = records[op[2]][lo:hi].astype(bool)
                data = np.where(bit[:, None], data @ op[1].T, data)
            else:
                ones = op[1]
                p1 = np.einsum("ij,ij->i", data[:, ones], np.conj(data[:, ones])).real
                outcome = rng.random(m) < p1
                p = np.where(outcome, p1, 1 - p1)
                keep = np.where(outcome[:, None], ones[None, :], ~ones[None, :])
                data = data * keep / np.sqrt(p)[:, None]
                records[op[2]][lo:hi] = outcome
        states[lo:hi] = data
    return BatchRun(tuple(regs), states.reshape((n, *dims)), records)


def haar_qubits(n: int, rng: np.random.Generator) -> np.ndarray:
    """N Haar-random qubit states (normalised complex Gaussian vectors)."""
    v = rng.normal(size=(n, 2)) + 1j * rng.normal(size=(n, 2))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


__all__ = ["BatchRun", "run_batch", "haar_qubits"]
