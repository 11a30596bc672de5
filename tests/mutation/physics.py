"""Mutants of the repeater-physics specs (purification, swapping chains,
quantum memory, the ((2,3)) secret-sharing code, the trusted relay) and
their ground truth.

The ground truth never calls ``qproto.proofs`` nor the ``qproto.models``
code the checkers use: circuits run on a small density-matrix simulator
written here in plain NumPy, memories are the textbook channels written out
here, and every claimed expression is compared with the simulation at
random points (a rational identity of low degree that holds at a dozen
random points holds everywhere, with probability one).  SymPy is used only
to read the claimed expressions.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import sympy as sp

from qproto.spec.catalogue import find
from qproto.spec.circuit import ApplyGate
from qproto.spec.errors import QprotoError
from qproto.spec.protocol import replace_step

from .circuit import BELL, Unsupported, reduced, simulate
from .core import Mutant, Truth, dispatch

TOL = 1e-8
_R = 1 / np.sqrt(2)
# DEJMPS' coefficient order A, B, C, D.
DEJMPS_ORDER = ("phi+", "psi-", "psi+", "phi-")


# ---------------------------------------------------------------------------
# circuits run on the campaign's plain density-matrix simulator
# (tests/mutation/circuit.py), with noisy pairs in place of the ideal ones
# ---------------------------------------------------------------------------


def run_circuit(
    spec: Any, resources: dict[tuple[str, ...], np.ndarray]
) -> tuple[list[tuple[dict[str, int], np.ndarray]], list[str]]:
    """Every branch (classical record, unnormalised density matrix) and the
    register order of the matrices."""
    sim = simulate(spec, {}, None, overrides=resources)
    return sim.branches, sim.registers


def werner(f: float, bell: str = "phi+") -> np.ndarray:
    v = BELL[bell]
    return f * np.outer(v, v) + (1 - f) / 3 * (np.eye(4) - np.outer(v, v))


def bell_diagonal(coeffs: tuple[float, ...]) -> np.ndarray:
    return sum(c * np.outer(BELL[b], BELL[b]) for c, b in zip(coeffs, DEJMPS_ORDER))


def bell_fidelity(rho: np.ndarray, bell: str = "phi+") -> float:
    v = BELL[bell]
    return float(np.real(v.conj() @ rho @ v))


# ---------------------------------------------------------------------------
# purification
# ---------------------------------------------------------------------------


def purification_round(spec: Any, resource: Callable[[], np.ndarray]) -> tuple[float, np.ndarray]:
    """Success probability and normalised kept pair of one round."""
    pairs = tuple(tuple(p) for p in spec.pairs)
    branches, names = run_circuit(spec, {pairs[0]: resource(), pairs[1]: resource()})
    ra, rb = spec.records
    kept = sum(
        (reduced(r, names, pairs[0]) for rec, r in branches if (rec[ra] == rec[rb]) == (spec.keep == "equal")),
        np.zeros((4, 4), dtype=complex),
    )
    p = float(np.real(np.trace(kept)))
    return p, kept / p if p > 1e-12 else kept


def _expr(text: str, **symbols: Any) -> Callable[..., float]:
    names = sorted(symbols)
    e = sp.sympify(text, locals={k: sp.Symbol(k) for k in names})
    fn = sp.lambdify([sp.Symbol(k) for k in names], e, "numpy")
    return lambda **v: complex(fn(*[v[k] for k in names])).real


def _points(rng: np.random.Generator, k: int = 8) -> list[float]:
    return [float(x) for x in rng.uniform(0.26, 0.99, size=k)]


def truth_werner_round(spec: Any, prop: Any) -> Truth:
    f_claim = _expr(prop.args["fidelity"], F=None)
    p_claim = _expr(prop.args["success"], F=None)
    for f in _points(np.random.default_rng(11)):
        p, kept = purification_round(spec, lambda: werner(f))
        if abs(p - p_claim(F=f)) > TOL or abs(bell_fidelity(kept) - f_claim(F=f)) > TOL:
            return Truth.VIOLATED
    return Truth.HOLDS


def _werner_map(spec: Any) -> Callable[[float], float]:
    return lambda f: bell_fidelity(purification_round(spec, lambda: werner(f))[1])


def truth_improves(spec: Any, prop: Any) -> Truth:
    low, high = float(sp.sympify(prop.args["low"])), float(sp.sympify(prop.args["high"]))
    improves = sp.sympify(prop.args["improves"], locals={"Interval": sp.Interval})
    step = _werner_map(spec)
    for f in np.linspace(low, high, 97):
        if any(abs(f - float(e)) < 1e-6 for e in improves.boundary):
            continue  # the claim's own endpoints: decided exactly by the checker, not by floats here
        if (step(f) > f + 1e-9) != bool(improves.contains(sp.Float(f))):
            return Truth.VIOLATED
    return Truth.HOLDS


def truth_fixed_points(spec: Any, prop: Any) -> Truth:
    step = _werner_map(spec)
    want = sorted(float(sp.sympify(e)) for e in prop.args["expected"])
    grid = np.linspace(0, 1, 401)
    g = np.array([step(f) - f for f in grid])
    roots = [float(grid[i]) for i in range(len(grid)) if abs(g[i]) < 1e-9]
    roots += [
        float(grid[i] - g[i] * (grid[i + 1] - grid[i]) / (g[i + 1] - g[i]))
        for i in range(len(grid) - 1)
        if g[i] * g[i + 1] < 0 and abs(g[i]) > 1e-9 and abs(g[i + 1]) > 1e-9
    ]
    roots = sorted(roots)
    merged: list[float] = []
    for r in roots:
        if not merged or abs(r - merged[-1]) > 1e-4:
            merged.append(r)
    if len(merged) != len(want) or any(abs(a - b) > 1e-4 for a, b in zip(merged, want)):
        return Truth.VIOLATED
    for f in np.linspace(0.51, 0.99, 25):
        if not f < step(f) < 1:
            return Truth.VIOLATED
    return Truth.HOLDS


def truth_bell_diagonal(spec: Any, prop: Any) -> Truth:
    rng = np.random.default_rng(12)
    sym = dict(A=None, B=None, C=None, D=None)
    p_claim = _expr(prop.args["success"], **sym)
    coeff_claims = [_expr(t, **sym, N=None) for t in prop.args["coefficients"]]
    for _ in range(8):
        c = rng.dirichlet(np.ones(4))
        vals = dict(zip("ABCD", map(float, c)))
        p, kept = purification_round(spec, lambda: bell_diagonal(tuple(c)))
        if abs(p - p_claim(**vals)) > TOL:
            return Truth.VIOLATED
        basis = np.array([BELL[b] for b in DEJMPS_ORDER])
        in_bell = basis.conj() @ kept @ basis.T
        if np.max(np.abs(in_bell - np.diag(np.diag(in_bell)))) > TOL:
            return Truth.VIOLATED  # the kept pair is not Bell-diagonal
        for claim, got in zip(coeff_claims, np.real(np.diag(in_bell))):
            if abs(claim(**vals, N=p) - got) > TOL:
                return Truth.VIOLATED
    return Truth.HOLDS


# ---------------------------------------------------------------------------
# swapping and chains
# ---------------------------------------------------------------------------


def swap_output(swap: Any, f1: float, f2: float) -> np.ndarray:
    """The corrected end-to-end state averaged over the outcomes."""
    pairs = (("a", "r1"), ("r2", "c"))
    branches, names = run_circuit(swap, {pairs[0]: werner(f1), pairs[1]: werner(f2)})
    return sum(reduced(r, names, ("a", "c")) for _, r in branches)


def _is_werner(rho: np.ndarray) -> bool:
    return bool(np.allclose(rho, werner(bell_fidelity(rho)), atol=1e-8))


def truth_chain_closed_form(spec: Any, prop: Any) -> Truth:
    swap = find(spec.swap)
    claim = _expr(prop.args["closed_form"], F=None, n=None)
    for f in _points(np.random.default_rng(13), 4):
        rho = werner(f)
        for n in range(1, 5):
            if abs(bell_fidelity(rho) - claim(F=f, n=n)) > TOL:
                return Truth.VIOLATED
            nxt = swap_output(swap, bell_fidelity(rho), f)
            if not _is_werner(nxt):
                return Truth.VIOLATED  # the induction's premise (Werner in, Werner out) fails
            rho = nxt
    return Truth.HOLDS


def truth_chain_decreases(spec: Any, prop: Any) -> Truth:
    swap = find(spec.swap)
    for f in np.linspace(0.3, 0.97, 9):
        fid = float(f)
        for _ in range(5):
            nxt = bell_fidelity(swap_output(swap, fid, float(f)))
            if not nxt < fid - 1e-12 or nxt < 0.25 - 1e-12:
                return Truth.VIOLATED
            fid = nxt
    return Truth.HOLDS


# ---------------------------------------------------------------------------
# memory (the textbook channels, written out here)
# ---------------------------------------------------------------------------


def _memory_channel(kind: str, eta: float) -> Callable[[np.ndarray], np.ndarray]:
    z = np.diag([1, -1])
    if kind == "depolarizing":
        return lambda r: eta * r + (1 - eta) * np.trace(r) * np.eye(2) / 2
    return lambda r: (1 + eta) / 2 * r + (1 - eta) / 2 * z @ r @ z


def _on_half(channel: Callable[[np.ndarray], np.ndarray], rho: np.ndarray, half: int) -> np.ndarray:
    t = rho.reshape(2, 2, 2, 2)
    out = np.zeros_like(t)
    for a, b in itertools.product(range(2), repeat=2):
        if half == 0:
            block = t[:, a, :, b]
            out[:, a, :, b] = channel(block)
        else:
            block = t[a, :, b, :]
            out[a, :, b, :] = channel(block)
    return out.reshape(4, 4)


def memory_pair_fidelity(kind: str, eta: float, stored: int) -> float:
    rho = werner(1.0)
    ch = _memory_channel(kind, eta)
    for half in range(stored):
        rho = _on_half(ch, rho, 1 - half)
    return bell_fidelity(rho)


def memory_storage_fidelity(kind: str, eta: float) -> float:
    ch = _memory_channel(kind, eta)
    states = [np.array(v, dtype=complex) for v in ([1, 0], [0, 1], [_R, _R], [_R, -_R], [_R, 1j * _R], [_R, -1j * _R])]
    return float(np.mean([np.real(v.conj() @ ch(np.outer(v, v.conj())) @ v) for v in states]))


def truth_memory(spec: Any, prop: Any) -> Truth:
    etas = [float(x) for x in np.random.default_rng(14).uniform(0.01, 0.99, 8)]
    if prop.check == "memory.markovian":
        ch = lambda e: _memory_channel(spec.kind, e)  # noqa: E731
        r = werner(0.8)[:2, :2] + 0.1j * np.array([[0, 1], [-1, 0]])
        ok = all(np.allclose(ch(e2)(ch(e1)(r)), ch(e1 * e2)(r)) for e1, e2 in zip(etas, etas[::-1]))
        return Truth.HOLDS if ok else Truth.VIOLATED
    if prop.check == "memory.pair-fidelity":
        claim = _expr(prop.args["expected"], eta=None)
        stored = int(prop.args["stored"])
        ok = all(abs(memory_pair_fidelity(spec.kind, e, stored) - claim(eta=e)) < TOL for e in etas)
        return Truth.HOLDS if ok else Truth.VIOLATED
    if prop.check == "memory.storage-fidelity":
        claim = _expr(prop.args["expected"], eta=None)
        if not all(abs(memory_storage_fidelity(spec.kind, e) - claim(eta=e)) < TOL for e in etas):
            return Truth.VIOLATED
        published = float(sp.sympify(prop.args["published"]))
        # storage fidelity is increasing in eta: bisect for the decay factor.
        lo, hi = 0.0, 1.0
        if not memory_storage_fidelity(spec.kind, lo) <= published <= memory_storage_fidelity(spec.kind, hi):
            return Truth.UNKNOWN
        for _ in range(80):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if memory_storage_fidelity(spec.kind, mid) < published else (lo, mid)
        pair = memory_pair_fidelity(spec.kind, lo, 1)
        return Truth.HOLDS if abs(pair - float(sp.sympify(prop.args["pair_expected"]))) < 1e-9 else Truth.VIOLATED
    return Truth.UNKNOWN


# ---------------------------------------------------------------------------
# secret sharing (qutrits)
# ---------------------------------------------------------------------------


def _encode(spec: Any, payload: np.ndarray) -> np.ndarray:
    d, n = spec.dim, spec.shares
    psi = np.zeros(d**n, dtype=complex)
    for j, word in enumerate(spec.codewords):
        for label in word:
            psi[int(label, d)] += payload[j] / np.sqrt(len(word))
    return psi


def _reduced(psi: np.ndarray, keep: list[int], d: int, n: int) -> np.ndarray:
    t = psi.reshape((d,) * n)
    drop = [i for i in range(n) if i not in keep]
    t = np.moveaxis(t, keep + drop, list(range(n))).reshape(d ** len(keep), -1)
    return t @ t.conj().T


def truth_secret_sharing(spec: Any, prop: Any) -> Truth:
    d, n = spec.dim, spec.shares
    rng = np.random.default_rng(15)
    payloads = [v / np.linalg.norm(v) for v in rng.normal(size=(6, d)) + 1j * rng.normal(size=(6, d))]
    if prop.check == "secret-sharing.single-share-hides":
        for v in payloads:
            psi = _encode(spec, v)
            if abs(np.linalg.norm(psi) - 1) > 1e-9:
                return Truth.VIOLATED  # not an isometry: the encoding is no code at all
            for s in range(n):
                if not np.allclose(_reduced(psi, [s], d, n), np.eye(d) / d, atol=1e-9):
                    return Truth.VIOLATED
        return Truth.HOLDS
    if prop.check == "secret-sharing.pair-decodes":
        pairs_needed = set(itertools.combinations(range(n), 2))
        have = {tuple(sorted(dec.shares)) for dec in spec.decoders}
        if not pairs_needed <= have:
            return Truth.VIOLATED  # some pair of shares has no decoder
        for dec in spec.decoders:
            perm = {int(a, d): int(b, d) for a, b in dec.table}
            if sorted(perm) != list(range(d * d)) or sorted(perm.values()) != list(range(d * d)):
                return Truth.VIOLATED  # not a permutation: no unitary
            u2 = np.zeros((d * d, d * d))
            for a, b in perm.items():
                u2[b, a] = 1
            other = [s for s in range(n) if s not in dec.shares]
            for v in payloads:
                psi = _encode(spec, v)
                t = psi.reshape((d,) * n)
                t = np.moveaxis(t, list(dec.shares) + other, list(range(n))).reshape(d * d, -1)
                t = (u2 @ t).reshape((d,) * n)
                out = _reduced(t.reshape(-1), [dec.secret], d, n)
                if not np.allclose(out, np.outer(v, v.conj()), atol=1e-9):
                    return Truth.VIOLATED
        return Truth.HOLDS
    return Truth.UNKNOWN


# ---------------------------------------------------------------------------
# trusted relay (XOR of one-bit keys, written out here)
# ---------------------------------------------------------------------------


def _xor(values: dict[str, int], terms: tuple[str, ...]) -> int:
    out = 0
    for t in terms:
        out ^= values[t]
    return out


def relay_run(spec: Any, key: int, links: tuple[int, ...]) -> tuple[list[int], int]:
    public = [_xor({"K": key, "k_out": links[0]}, spec.encrypt)]
    for i in range(1, len(links)):
        public.append(_xor({"c_in": public[-1], "k_in": links[i - 1], "k_out": links[i]}, spec.relay))
    return public, _xor({"c_in": public[-1], "k_in": links[-1]}, spec.decrypt)


def truth_relay(spec: Any, prop: Any) -> Truth:
    if prop.check == "relay.keys-agree":
        # XOR acts bit by bit, so one-bit keys decide every width; the chain
        # maps are linear over GF(2), so their behaviour repeats within a few
        # hops: ten hops cover it.
        for n in range(1, 11):
            for bits in itertools.product((0, 1), repeat=n + 1):
                if relay_run(spec, bits[0], bits[1:])[1] != bits[0]:
                    return Truth.VIOLATED
        return Truth.HOLDS
    if prop.check == "relay.knowledge":
        for n in range(1, int(prop.args.get("max_hops", 4)) + 1):
            nodes = ["Alice"] + [f"R{i}" for i in range(1, n)] + ["Bob"]
            views: dict[str, dict[tuple[int, ...], set[int]]] = {}
            for bits in itertools.product((0, 1), repeat=n + 1):
                key, links = bits[0], bits[1:]
                public, _ = relay_run(spec, key, links)
                views.setdefault("Eve", {}).setdefault(tuple(public), set()).add(key)
                for i, node in enumerate(nodes):
                    own = tuple(links[j] for j in (i - 1, i) if 0 <= j < n)
                    view = own + tuple(public) + ((key,) if node == "Alice" else ())
                    views.setdefault(node, {}).setdefault(view, set()).add(key)
            if any(len(keys) > 1 for node in nodes for keys in views[node].values()):
                return Truth.VIOLATED  # some node cannot determine K
            # Eve learns nothing: each of her views occurs as often with K = 0 as with K = 1.
            counts: dict[tuple[int, ...], list[int]] = {}
            for bits in itertools.product((0, 1), repeat=n + 1):
                public, _ = relay_run(spec, bits[0], bits[1:])
                counts.setdefault(tuple(public), [0, 0])[bits[0]] += 1
            if any(c[0] != c[1] for c in counts.values()):
                return Truth.VIOLATED
        return Truth.HOLDS
    return Truth.UNKNOWN


def _relay_mutant(spec: Any, rng: np.random.Generator) -> Mutant:
    def subset(options: tuple[str, ...]) -> tuple[str, ...]:
        while True:
            pick = tuple(o for o in options if rng.random() < 0.5)
            if pick:
                return pick

    rule = str(rng.choice(["encrypt", "relay", "decrypt", "all"]))
    allowed = {"encrypt": ("K", "k_out"), "relay": ("c_in", "k_in", "k_out"), "decrypt": ("c_in", "k_in")}
    rules = list(allowed) if rule == "all" else [rule]
    changes = {r: subset(allowed[r]) for r in rules}
    return _make(spec, "physics", f"rewrite-{rule}", ", ".join(f"{k}={'⊕'.join(v)}" for k, v in changes.items()), **changes)


# ---------------------------------------------------------------------------
# the interface
# ---------------------------------------------------------------------------

TRUTHS: dict[str, Callable[[Any, Any], Truth]] = {
    "purification.werner-round": truth_werner_round,
    "purification.improves-iff": truth_improves,
    "purification.fixed-points": truth_fixed_points,
    "purification.bell-diagonal-round": truth_bell_diagonal,
    "repeater.chain-closed-form": truth_chain_closed_form,
    "repeater.chain-decreases": truth_chain_decreases,
    "memory.pair-fidelity": truth_memory,
    "memory.markovian": truth_memory,
    "memory.storage-fidelity": truth_memory,
    "secret-sharing.pair-decodes": truth_secret_sharing,
    "secret-sharing.single-share-hides": truth_secret_sharing,
    "relay.keys-agree": truth_relay,
    "relay.knowledge": truth_relay,
}


def ground_truth(spec: Any, prop: Any) -> Truth:
    return dispatch(TRUTHS, spec, prop, (Unsupported,))


# --- claim mutations: a nudged number in a claimed expression --------------

_SYMBOLS = {k: sp.Symbol(k) for k in ("A", "B", "C", "D", "F", "N", "n", "eta", "S", "E", "I")}


def _nudge_expr(text: str, rng: np.random.Generator) -> str:
    e = sp.sympify(text, locals=_SYMBOLS)
    atoms = sorted((a for a in e.atoms(sp.Number) if a not in (0,)), key=sp.default_sort_key)
    if not atoms:
        return f"({text}) + 1/7"
    a = atoms[int(rng.integers(len(atoms)))]
    b = a + sp.Rational(int(rng.choice([-1, 1])), int(rng.integers(2, 9)))
    return sp.sstr(e.xreplace({a: b}))


def _claim_mutant(spec: Any, rng: np.random.Generator, family: str) -> Mutant:
    candidates = [
        (p, k)
        for p in spec.properties
        for k, v in (p.args or {}).items()
        if isinstance(v, str) and k not in ("low", "high", "improves")
    ] + [
        (p, k)
        for p in spec.properties
        for k, v in (p.args or {}).items()
        if isinstance(v, tuple) and v and all(isinstance(x, str) for x in v)
    ]
    if not candidates:
        return _make(spec, family, "identity", "unchanged")
    prop, key = candidates[int(rng.integers(len(candidates)))]
    old = prop.args[key]
    if isinstance(old, tuple):
        i = int(rng.integers(len(old)))
        new: Any = tuple(_nudge_expr(x, rng) if j == i else x for j, x in enumerate(old))
    else:
        new = _nudge_expr(old, rng)
    props = tuple(dataclasses.replace(p, args={**p.args, key: new}) if p is prop else p for p in spec.properties)
    return _make(spec, family, "nudge-claim", f"{prop.id}.{key}: {old} -> {new}", properties=props)


def _make(spec: Any, family: str, operator: str, description: str, **changes: Any) -> Mutant:
    name = f"{spec.name}-m-{operator}"
    try:
        m = spec.variant(name, **changes) if changes else spec.variant(name)
        from qproto.proofs.runner import validate

        validate(m)
    except QprotoError as exc:
        return Mutant(spec.family, spec.name, operator, description, None, str(exc))
    return Mutant(spec.family, spec.name, operator, description, m)


def _purification_mutants(spec: Any, rng: np.random.Generator) -> Mutant:
    steps = spec.steps
    gates = [i for i, s in enumerate(steps) if isinstance(s, ApplyGate)]
    op = rng.choice(["drop-gate", "reverse-cnot", "flip-rotation", "extra-pauli", "keep-rule", "claim", "claim"])
    if op == "drop-gate" and gates:
        i = int(rng.choice(gates))
        return _make(spec, "physics", op, f"drop step {i} ({steps[i].text})", steps=replace_step(steps, i, None))
    if op == "reverse-cnot":
        cn = [i for i in gates if steps[i].gate == "CNOT"]
        i = int(rng.choice(cn))
        s = steps[i]
        return _make(
            spec,
            "physics",
            op,
            f"CNOT({s.targets[1]} -> {s.targets[0]})",
            steps=replace_step(steps, i, dataclasses.replace(s, targets=tuple(reversed(s.targets)))),
        )
    if op == "flip-rotation":
        rot = [i for i in gates if steps[i].gate in ("RX", "RY", "RZ")]
        if rot:
            i = int(rng.choice(rot))
            s = steps[i]
            return _make(
                spec,
                "physics",
                op,
                f"{s.gate}({s.params[0]}) -> {s.gate}(-({s.params[0]}))",
                steps=replace_step(steps, i, dataclasses.replace(s, params=(f"-({s.params[0]})",))),
            )
        op = "extra-pauli"
    if op == "extra-pauli":
        reg = str(rng.choice([r.name for r in spec.registers]))
        owner = next(r.owner for r in spec.registers if r.name == reg)
        g = str(rng.choice(["X", "Z", "H"]))
        last = max(gates)
        at = int(rng.integers(min(gates), last + 1))
        extra = ApplyGate(party=owner, gate=g, targets=(reg,), text=f"extra {g} on {reg}")
        return _make(spec, "physics", op, f"{g} on {reg} before step {at}", steps=steps[:at] + (extra,) + steps[at:])
    if op == "keep-rule":
        other = "differ" if spec.keep == "equal" else "equal"
        return _make(spec, "physics", op, f"keep={other}", keep=other)
    return _claim_mutant(spec, rng, "physics")


def _memory_mutant(spec: Any, rng: np.random.Generator) -> Mutant:
    op = rng.choice(["kind", "stored", "claim", "claim"])
    if op == "kind":
        other = "dephasing" if spec.kind == "depolarizing" else "depolarizing"
        return _make(spec, "physics", op, f"kind={other}", kind=other)
    if op == "stored":
        props = tuple(
            dataclasses.replace(p, args={**p.args, "stored": 2}) if p.check == "memory.pair-fidelity" else p
            for p in spec.properties
        )
        return _make(spec, "physics", op, "both halves stored", properties=props)
    return _claim_mutant(spec, rng, "physics")


def _chain_mutant(spec: Any, rng: np.random.Generator) -> Mutant:
    op = rng.choice(["flawed-swap", "claim", "claim"])
    if op == "flawed-swap":
        swap = str(rng.choice(["entanglement-swapping-no-z", "entanglement-swapping-swapped-bits"]))
        return _make(spec, "physics", op, f"swap={swap}", swap=swap)
    return _claim_mutant(spec, rng, "physics")


def _sharing_mutant(spec: Any, rng: np.random.Generator) -> Mutant:
    from qproto.spec.secret_sharing import Decoder

    op = rng.choice(["drop-decoder", "secret-index", "table-swap", "codeword-digit", "codeword-swap"])
    if op == "drop-decoder":
        i = int(rng.integers(len(spec.decoders)))
        return _make(
            spec, "physics", op, f"drop decoder {spec.decoders[i].shares}", decoders=spec.decoders[:i] + spec.decoders[i + 1 :]
        )
    if op in ("secret-index", "table-swap"):
        i = int(rng.integers(len(spec.decoders)))
        dec = spec.decoders[i]
        if op == "secret-index":
            new = dataclasses.replace(dec, secret=1 - dec.secret)
            what = f"decoder {dec.shares} reads share position {1 - dec.secret}"
        else:
            a, b = rng.choice(len(dec.table), size=2, replace=False)
            t = list(dec.table)
            t[a], t[b] = (t[a][0], t[b][1]), (t[b][0], t[a][1])
            new = Decoder(shares=dec.shares, table=tuple(t), secret=dec.secret, text="mutated")
            what = f"decoder {dec.shares}: outputs of {t[a][0]} and {t[b][0]} exchanged"
        decs = tuple(new if j == i else d for j, d in enumerate(spec.decoders))
        return _make(spec, "physics", op, what, decoders=decs)
    words = [list(w) for w in spec.codewords]
    j = int(rng.integers(len(words)))
    k = int(rng.integers(len(words[j])))
    if op == "codeword-digit":
        label = words[j][k]
        pos = int(rng.integers(len(label)))
        digit = str((int(label[pos]) + 1 + int(rng.integers(spec.dim - 1))) % spec.dim)
        words[j][k] = label[:pos] + digit + label[pos + 1 :]
        what = f"codeword {j}: {label} -> {words[j][k]}"
    else:
        j2 = (j + 1) % len(words)
        words[j][k], words[j2][k] = words[j2][k], words[j][k]
        what = f"codewords {j} and {j2} exchange term {k}"
    return _make(spec, "physics", op, what, codewords=tuple(tuple(w) for w in words))


MAKERS: dict[str, Callable[[Any, np.random.Generator], Mutant]] = {
    "bbpssw": _purification_mutants,
    "dejmps": _purification_mutants,
    "quantum-memory-depolarizing": _memory_mutant,
    "quantum-memory-dephasing": _memory_mutant,
    "repeater-chain": _chain_mutant,
    "qss-2-3": _sharing_mutant,
    "trusted-relay-qkd": _relay_mutant,
}


def mutants(rng: np.random.Generator) -> Iterator[Mutant]:
    origins = sorted(MAKERS)
    serial = 0
    while True:
        origin = origins[int(rng.integers(len(origins)))]
        m = MAKERS[origin](find(origin), rng)
        serial += 1
        if m.spec is not None:
            m = dataclasses.replace(m, spec=dataclasses.replace(m.spec, name=f"{m.spec.name}-{serial}"))
        yield m
