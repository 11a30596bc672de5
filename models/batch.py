"""Vectorised numeric runs of a circuit protocol over many inputs at once.

The exact runner (``models.circuit``) follows every branch symbolically; this
one samples: each of N runs gets its own input state, its measurement
outcomes are drawn by the Born rule from a seeded ``numpy.random.Generator``,
and its corrections are applied where its bits say so.  The state of all N
runs is one complex array with a leading batch axis, so a step costs a few
NumPy calls whatever N is.  Used for throughput (``benchmarks/``), for
Monte-Carlo cross-checks of the exact results, and for test vectors.

The protocol is linear in its input qubit on every measurement branch: a
branch b (one outcome per measurement) maps the input x to the unnormalised
final state A_b x, with probability p_b = ‖A_b x‖² = x†(A_b†A_b)x (the
Born rule applied step by step multiplies to this).  :func:`branch_maps`
computes every A_b once per spec by running the compiled steps on |0⟩ and
|1⟩ with each branch's outcomes forced; a batch then costs one 2×2
quadratic form per branch, one uniform per run to pick the branch from the
cumulative p_b, and one gather-and-multiply for the state.  Specs with more
than :data:`MAX_BRANCHES` branches are evolved step by step instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qproto.spec.circuit import ApplyGate, CircuitProtocol, Controlled, Measure, Prepare, Send
from qproto.spec.errors import DimensionError, SpecError

from .circuit import prepared_state, resolve_gate
from .memo import IdentityMemo


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


#: Above this many measurement branches the batch is evolved step by step.
MAX_BRANCHES = 256


@dataclass(frozen=True)
class BranchMaps:
    """Every branch of a spec as a linear map of its input qubit.

    ``maps[b]`` is A_b (total × 2), ``outcomes[b]`` the outcome of each
    measurement (in program order), ``gram[b]`` = A_b†A_b."""

    registers: tuple[str, ...]
    dims: tuple[int, ...]
    records: tuple[str, ...]
    outcomes: np.ndarray
    maps: np.ndarray
    gram: np.ndarray
    #: False when the spec prepares no input qubit: every run then starts
    #: from the same state (column 0 of each map; column 1 is zero).
    has_input: bool = True


_MAPS = IdentityMemo(64)


def branch_maps(spec: CircuitProtocol) -> BranchMaps | None:
    """The branch maps of ``spec`` (cached per spec object), or None when it
    has more than :data:`MAX_BRANCHES` branches."""
    return _MAPS.get_or_build((spec,), (), lambda: _branch_maps(spec))


def _branch_maps(spec: CircuitProtocol) -> BranchMaps | None:
    regs, dims, ops = _program(spec)
    measures = [op for op in ops if op[0] == "measure"]
    n_inputs = sum(block is None for block in ops[0][1])
    if 2 ** len(measures) > MAX_BRANCHES or n_inputs > 1:  # two input copies: quadratic in x, not linear
        result = None
    else:
        n_branch = 2 ** len(measures)
        outcomes = np.array(
            [[(b >> (len(measures) - 1 - i)) & 1 for i in range(len(measures))] for b in range(n_branch)], dtype=np.int8
        ).reshape(n_branch, len(measures))
        total = int(np.prod(dims))
        maps = np.empty((n_branch, total, 2), dtype=complex)
        for b in range(n_branch):
            for col in range(2):
                x = np.zeros((1, 2), dtype=complex)
                x[0, col] = 1
                maps[b, :, col] = _evolve_forced(ops, x, outcomes[b])[0] if n_inputs or col == 0 else 0
        gram = np.einsum("bki,bkj->bij", np.conj(maps), maps)
        result = BranchMaps(tuple(regs), tuple(dims), tuple(op[2] for op in measures), outcomes, maps, gram, n_inputs == 1)
    return result


def _prepare(ops: list[tuple], x: np.ndarray) -> np.ndarray:
    m = x.shape[0]
    data = np.ones((m, 1), dtype=complex)
    for block in ops[0][1]:
        b = x if block is None else np.broadcast_to(block, (m, block.size))
        data = (data[:, :, None] * b[:, None, :]).reshape(m, -1)
    return data


def _evolve_forced(ops: list[tuple], x: np.ndarray, outcomes: np.ndarray) -> np.ndarray:
    """The unnormalised state after the program with the given outcomes."""
    data = _prepare(ops, x)
    bits: dict[str, int] = {}
    i = 0
    for op in ops[1:]:
        if op[0] == "gate":
            data = data @ op[1].T
        elif op[0] == "controlled":
            if op[2] not in bits:
                raise SpecError(f"a correction reads bit {op[2]!r} before any measurement writes it")
            if bits[op[2]]:
                data = data @ op[1].T
        else:
            bit = int(outcomes[i])
            i += 1
            data = data * (op[1] if bit else ~op[1])[None, :]
            bits[op[2]] = bit
    return data


def run_batch(spec: CircuitProtocol, inputs: np.ndarray, rng: np.random.Generator, chunk: int = 1 << 15) -> BatchRun:
    """Run ``spec`` once per row of ``inputs`` (N × 2 normalised amplitudes
    for the ``Prepare(state="input")`` register).

    Args:
        inputs: complex array of shape (N, 2); rows must be normalised.
        rng: the seeded generator that draws measurement outcomes (one
            uniform per run through the branch maps).
        chunk: runs evolved together (sized for the cache).  Defaults to 32768.

    Raises:
        NotNormalisedError: an input row's norm is not 1.
    """
    inputs = np.asarray(inputs, dtype=complex)
    if inputs.ndim != 2 or inputs.shape[1] != 2:
        raise DimensionError(f"inputs must have shape (N, 2), got {inputs.shape}")
    norms = np.sum(inputs.real**2 + inputs.imag**2, axis=1)
    bad = np.flatnonzero(np.abs(norms - 1) > 1e-9)
    if bad.size:
        from qproto.spec.errors import NotNormalisedError

        raise NotNormalisedError(f"input row {int(bad[0])} has norm² {norms[bad[0]]:.12g}, expected 1; normalise the inputs")
    if spec.inputs:
        raise SpecError(f"{spec.name}: run_batch does not take classical inputs {spec.inputs}")
    bm = branch_maps(spec)
    if bm is None:
        return run_batch_stepwise(spec, inputs, rng, chunk)
    n = inputs.shape[0]
    total = bm.maps.shape[1]
    states = np.empty((n, total), dtype=complex)
    records = {name: np.empty(n, dtype=np.int8) for name in bm.records}
    g00, g11 = bm.gram[:, 0, 0].real, bm.gram[:, 1, 1].real
    g01 = bm.gram[:, 0, 1]
    a0, a1 = bm.maps[:, :, 0], bm.maps[:, :, 1]
    if not bm.has_input:  # every run starts from the spec's own state: fixed branch weights and states
        cum = np.cumsum(g00)
        final = a0 / np.sqrt(np.where(g00 > 0, g00, 1.0))[:, None]
        for lo in range(0, n, chunk):
            hi = min(n, lo + chunk)
            pick = np.minimum(np.searchsorted(cum, rng.random(hi - lo) * cum[-1], side="right"), len(g00) - 1)
            states[lo:hi] = final[pick]
            for j, name in enumerate(bm.records):
                records[name][lo:hi] = bm.outcomes[pick, j]
        return BatchRun(bm.registers, states.reshape((n, *bm.dims)), records)
    if _input_independent(bm.gram):
        return _run_fixed_weights(bm, inputs, rng, chunk, states, records)
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        x0, x1 = inputs[lo:hi, 0], inputs[lo:hi, 1]
        # p_b = x†G_b x = G00|x0|² + G11|x1|² + 2 Re(G01 x̄0 x1)
        w0 = x0.real**2 + x0.imag**2
        w1 = x1.real**2 + x1.imag**2
        cross = np.conj(x0) * x1
        p = np.outer(w0, g00) + np.outer(w1, g11) + 2 * (np.outer(cross.real, g01.real) - np.outer(cross.imag, g01.imag))
        cum = np.cumsum(p, axis=1)
        u = rng.random(hi - lo) * cum[:, -1]
        pick = np.minimum((cum <= u[:, None]).sum(axis=1), len(g00) - 1)
        rows = np.arange(hi - lo)
        scale = 1 / np.sqrt(p[rows, pick])
        states[lo:hi] = a0[pick] * (x0 * scale)[:, None] + a1[pick] * (x1 * scale)[:, None]
        for j, name in enumerate(bm.records):  # a record measured twice keeps its last outcome
            records[name][lo:hi] = bm.outcomes[pick, j]
    return BatchRun(bm.registers, states.reshape((n, *bm.dims)), records)


#: How far from c_b·I a branch's Gram matrix may be (absolute, per entry) and
#: still count as c_b·I: the branch weights then miss the input-dependent
#: ones by at most this much, far below what a sample of any feasible size resolves.
GRAM_TOLERANCE = 1e-12


def _input_independent(gram: np.ndarray) -> bool:
    """Whether every branch's weight x†G_b x is the same for every input:
    G_b = c_b·I (teleportation and the other protocols whose outcomes carry
    no information about the input qubit, as no-signalling demands)."""
    return bool(
        np.all(np.abs(gram[:, 0, 1]) <= GRAM_TOLERANCE)
        and np.all(np.abs(gram[:, 1, 0]) <= GRAM_TOLERANCE)
        and np.all(np.abs(gram[:, 0, 0] - gram[:, 1, 1]) <= GRAM_TOLERANCE)
        and np.all(gram[:, 0, 0].real > 0)
    )


def _run_fixed_weights(
    bm: BranchMaps, inputs: np.ndarray, rng: np.random.Generator, chunk: int, states: np.ndarray, records: dict[str, np.ndarray]
) -> BatchRun:
    """:func:`run_batch` when the branch weights c_b do not depend on the
    input: branch b is drawn with probability c_b by one uniform per run
    (the same draw and rule as the general path), and each branch's runs get
    their state A_b x / √c_b from one matrix product."""
    n = inputs.shape[0]
    weights = bm.gram[:, 0, 0].real
    cum = np.cumsum(weights)
    normalised = bm.maps / np.sqrt(weights)[:, None, None]  # (branches, total, 2)
    per_branch = [np.ascontiguousarray(a.T) for a in normalised]  # x (1×2) @ A_bᵀ (2×total)
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        pick = np.minimum(np.searchsorted(cum, rng.random(hi - lo) * cum[-1], side="right"), len(weights) - 1)
        for b, a_t in enumerate(per_branch):
            rows = lo + np.flatnonzero(pick == b)
            states[rows] = inputs[rows] @ a_t
        for j, name in enumerate(bm.records):
            records[name][lo:hi] = bm.outcomes[pick, j]
    return BatchRun(bm.registers, states.reshape((n, *bm.dims)), records)


def run_batch_stepwise(spec: CircuitProtocol, inputs: np.ndarray, rng: np.random.Generator, chunk: int = 1 << 15) -> BatchRun:
    """:func:`run_batch` evolved step by step, each measurement drawn by
    the Born rule on its own (the reference the branch maps are tested
    against, and the engine for specs with very many branches)."""
    inputs = np.asarray(inputs, dtype=complex)
    regs, dims, ops = _program(spec)
    n = inputs.shape[0]
    total = int(np.prod(dims))
    states = np.empty((n, total), dtype=complex)
    records = {op[2]: np.empty(n, dtype=np.int8) for op in ops if op[0] == "measure"}
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        m = hi - lo
        data = _prepare(ops, inputs[lo:hi])
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


__all__ = ["BatchRun", "BranchMaps", "branch_maps", "run_batch", "run_batch_stepwise", "haar_qubits", "MAX_BRANCHES"]
