"""``qproto analyze`` for repeaters, purification, memory, networks and relays.

Options (shared by these families; none clashes with the QKD analyzers'
``--noise``/``--attack``):

- ``--segments N``: segments of a repeater chain (hops of a relay);
- ``--fidelity F``: fidelity of each elementary pair (or of the input pair);
- ``--purify K``: BBPSSW rounds per segment (rounds to iterate);
- ``--wait S`` and ``--coherence-time T``, ``--memory KIND``: storage;
- ``--network FILE``, ``--from-node``, ``--to-node``, ``--target-fidelity``,
  ``--max-rounds``: fidelity-guaranteed routing on a network you describe.

Example: ``qproto analyze repeater-chain --segments 4 --fidelity 0.95 --json``.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import sympy as sp

from qproto.analyzers import Analyzer, register_analyzer
from qproto.cli.common import bounded_int, nonnegative_float, positive_float, probability
from qproto.proofs.repeater_common import as_spec
from qproto.spec.errors import ParameterError
from qproto.spec.network import FidelityRouting
from qproto.spec.protocol import Protocol
from qproto.spec.repeater import PurificationProtocol, QuantumMemory
from qproto.spec.trusted_relay import TrustedRelay

#: Bounds on the work an argument can ask for (docs/limits.md).  A chain of
#: n segments is computed exactly, one row per length: O(n) swaps of
#: rationals with O(n) digits, about 2 s at n = 1000.  A BBPSSW round about
#: doubles the digits of the exact fidelity: 12 rounds give rationals of
#: ~10^4 digits; 20 rounds would need ~10^7.
MAX_SEGMENTS = 1000
MAX_PURIFY = 12
MAX_ROUTING_ROUNDS = 8
MAX_LISTED_PATHS = 50


def add_arguments(p: Any) -> None:
    g = p.add_argument_group(
        "repeaters, purification, memory, networks (repeater-chain, bbpssw, dejmps, "
        "quantum-memory-*, fidelity-routing, trusted-relay-qkd)"
    )
    g.add_argument(
        "--segments",
        type=bounded_int("segments", 1, MAX_SEGMENTS, "the chain is computed exactly, row by row"),
        help=f"segments of a repeater chain / hops of a relay (at most {MAX_SEGMENTS})",
    )
    g.add_argument("--fidelity", type=probability("fidelity"), help="fidelity F of each elementary pair")
    g.add_argument(
        "--purify",
        type=bounded_int("purify", 0, MAX_PURIFY, "each round doubles the digits of the exact fidelity"),
        metavar="ROUNDS",
        help=f"BBPSSW rounds per segment (at most {MAX_PURIFY})",
    )
    g.add_argument("--wait", type=nonnegative_float("wait"), metavar="SECONDS", help="storage time in memory")
    g.add_argument("--coherence-time", type=positive_float("coherence-time"), metavar="SECONDS", help="memory coherence time T")
    g.add_argument("--memory", choices=("depolarizing", "dephasing"), help="memory noise model")
    g.add_argument("--network", metavar="FILE", help="network description (JSON) for fidelity-routing")
    g.add_argument("--from-node", metavar="NODE", help="routing source node")
    g.add_argument("--to-node", metavar="NODE", help="routing destination node")
    g.add_argument("--target-fidelity", type=probability("target-fidelity"), help="F_th for fidelity-routing")
    g.add_argument(
        "--max-rounds",
        type=bounded_int("max-rounds", 0, MAX_ROUTING_ROUNDS, "the search space grows as (K+1)^hops"),
        help=f"largest BBPSSW rounds per link in the search (at most {MAX_ROUTING_ROUNDS})",
    )


def _ej(x: Any) -> dict[str, Any]:
    from qproto.models.exact import exact_json

    return exact_json(x)


def _opt(args: Any, name: str, default: Any) -> Any:
    v = getattr(args, name, None)
    return default if v is None else v


# ---------------------------------------------------------------------------


def analyze_chain(spec: Protocol, args: Any) -> dict[str, Any]:
    from qproto.models import memory as mem
    from qproto.models import swapping as sw
    from qproto.models.network import swap_exact
    from qproto.models.purification import bbpssw_schedule

    n = _opt(args, "segments", 4)
    f = Fraction(str(_opt(args, "fidelity", 0.95)))
    k = _opt(args, "purify", 0)
    wait = _opt(args, "wait", 0.0)
    T = _opt(args, "coherence_time", math.inf)
    kind = _opt(args, "memory", "depolarizing")
    sched = bbpssw_schedule()
    f_pur, cost = sched.rounds(f, k)
    eta = mem.decay(wait, T)
    stored = float(sp.N(mem.werner_decay_map(kind).subs({mem.F0: sp.Rational(f_pur.numerator, f_pur.denominator), mem.ETA: eta})))
    rows = []
    # one swap per row (the chain of m segments is the chain of m − 1 swapped
    # with one more, as chain_fidelity folds), not a fresh fold per row: O(n)
    raw, pur, sto = f, f_pur, stored
    for m in range(1, n + 1):
        if m > 1:
            raw, pur, sto = (swap_exact(raw, f), swap_exact(pur, f_pur), float(swap_exact(sto, stored)))
        rows.append(
            {
                "segments": m,
                "fidelity": float(raw),
                "fidelity_exact": str(raw),
                "purified": float(pur),
                "purified_and_stored": sto,
            }
        )
    # the closed form proofs.repeater_chain proves equal to the iterated swap map
    closed = sw.chain_closed_form(sp.Rational(f.numerator, f.denominator), n)
    return {
        "protocol": spec.name,
        "segments": n,
        "fidelity": float(f),
        "swap_map": _ej(sw.werner_swap_map()),
        "end_to_end_fidelity": _ej(closed),
        "closed_form": "1/4 + (3/4)((4F − 1)/3)^n",
        "purification": {
            "protocol": "bbpssw",
            "rounds": k,
            "segment_fidelity": float(f_pur),
            "expected_raw_pairs_per_segment": float(cost),
            "end_to_end_fidelity": rows[-1]["purified"],
        },
        "memory": {
            "kind": kind,
            "wait_s": wait,
            "coherence_time_s": T if math.isfinite(T) else "inf",
            "decay": eta,
            "segment_fidelity_after_wait": stored,
            "end_to_end_fidelity": rows[-1]["purified_and_stored"],
            "note": "both halves of every segment's pair wait `wait` seconds before swapping",
        },
        "by_segments": rows,
        "fidelity_convention": "squared, F = ⟨Φ+|ρ|Φ+⟩",
    }


def analyze_purification(spec: Protocol, args: Any) -> dict[str, Any]:
    from qproto.models import purification as pur

    scheme = as_spec(spec, PurificationProtocol, "analyze")
    f = Fraction(str(_opt(args, "fidelity", 0.75)))
    k = _opt(args, "purify", 5)
    m = pur.derive_werner_map(scheme)
    rows = [
        {
            "round": r.round,
            "fidelity": float(r.fidelity),
            "success_probability": float(r.success),
            "expected_raw_pairs": float(r.cost),
        }
        for r in pur.iterate_rounds(scheme, f, k)
    ]
    return {
        "protocol": spec.name,
        "input_fidelity": float(f),
        "fidelity_map": _ej(m.fidelity),
        "success_probability": _ej(m.success),
        "twirl_between_rounds": scheme.twirl,
        "fixed_points": [sp.sstr(x) for x in pur.werner_fixed_points(m)],
        "rounds": rows,
    }


def analyze_memory(spec: Protocol, args: Any) -> dict[str, Any]:
    from qproto.models import memory as mem

    kind = _opt(args, "memory", as_spec(spec, QuantumMemory, "analyze").kind)
    T = _opt(args, "coherence_time", 1.0)
    wait = _opt(args, "wait", 0.05)
    f0 = _opt(args, "fidelity", 1.0)
    one = mem.pair_fidelity(kind, 1, mem.F0)
    both = mem.werner_decay_map(kind)
    eta = mem.decay(wait, T)
    times = sorted({0.0, 0.05, 0.1, wait, T / 10, T / 2, T})
    return {
        "protocol": spec.name,
        "memory": kind,
        "coherence_time_s": T,
        "wait_s": wait,
        "decay": eta,
        "pair_fidelity_one_half": sp.sstr(one),
        "pair_fidelity_both_halves": sp.sstr(both),
        "storage_fidelity": sp.sstr(mem.storage_fidelity(kind)),
        "fidelity_after_wait": {
            "one_half": float(one.subs({mem.F0: f0, mem.ETA: eta})),
            "both_halves": float(both.subs({mem.F0: f0, mem.ETA: eta})),
        },
        "review_example": "segments ready after 0.1 s and 0.05 s: the earlier pair waits 0.05 s",
        "by_wait": [
            {
                "wait_s": t,
                "one_half": float(one.subs({mem.F0: f0, mem.ETA: mem.decay(t, T)})),
                "both_halves": float(both.subs({mem.F0: f0, mem.ETA: mem.decay(t, T)})),
            }
            for t in times
        ],
    }


def analyze_network(spec: Protocol, args: Any) -> dict[str, Any]:
    from qproto.models import network as net
    from qproto.models import routing
    from qproto.spec.network import load_network

    task = as_spec(spec, FidelityRouting, "analyze")
    network = load_network(args.network) if getattr(args, "network", None) else task.network
    src = _opt(args, "from_node", task.source)
    dst = _opt(args, "to_node", task.target)
    thr = _opt(args, "target_fidelity", None)
    thr_f = Fraction(str(thr)) if thr is not None else Fraction(task.threshold)
    kmax = _opt(args, "max_rounds", task.max_rounds)
    network.node(src)
    network.node(dst)
    try:  # their number is exponential in the graph: list them only when there are few
        listed = net.simple_paths(network, src, dst, limit=MAX_LISTED_PATHS)
    except ParameterError:
        listed = []
    paths = [net.path_figures(network, p).to_json() for p in listed]
    res = routing.route(network, src, dst, thr_f, kmax)
    out: dict[str, Any] = {
        "protocol": spec.name,
        "network": network.name,
        "from": src,
        "to": dst,
        "target_fidelity": {"exact": str(thr_f), "value": float(thr_f)},
        "max_rounds": kmax,
        "paths_without_purification": paths,
        "paths_listed": "all" if paths else f"none: more than {MAX_LISTED_PATHS} simple paths",
        "route": {
            "status": res.status,
            "plans_searched": res.candidates,
            "cheaper_plans_rejected": res.cheaper_rejected,
            "partial_plans_pruned_by_fidelity_bound": res.pruned,
            "partial_plans_dominated": res.dominated,
            "labels_popped": res.labels,
            "optimal_beyond_round_bound": res.unbounded_optimal,
        },
    }
    if res.plan is not None and res.figures is not None:
        out["route"]["plan"] = res.figures.to_json()
        out["route"]["fidelity_interval"] = list(res.interval or ())
    return out


def analyze_relay(spec: Protocol, args: Any) -> dict[str, Any]:
    import numpy as np

    from qproto.models import relay as relay_model

    relay = as_spec(spec, TrustedRelay, "analyze")
    hops = _opt(args, "segments", relay.hops)
    rng = np.random.default_rng(0)
    key = int(rng.integers(0, 2**32))
    link_keys = [int(x) for x in rng.integers(0, 2**32, size=hops)]
    r = relay_model.run(relay, key, link_keys, hops)
    names = ["Alice"] + [f"R{i}" for i in range(1, hops)] + ["Bob"]
    return {
        "protocol": spec.name,
        "hops": hops,
        "seed": 0,
        "key": key,
        "link_keys": link_keys,
        "public_messages": list(r.public),
        "bob_key": r.bob_key,
        "agree": r.agree,
        "trusted_nodes": names[1:-1],
        "learns_key": names if r.agree else [],
        "note": "every relay holds K in the clear: the relays must be trusted",
    }


_BY_FAMILY = {
    "repeater": analyze_chain,
    "purification": analyze_purification,
    "memory": analyze_memory,
    "network": analyze_network,
    "relay": analyze_relay,
}


def analyze(spec: Protocol, args: Any) -> dict[str, Any]:
    return _BY_FAMILY[spec.family](spec, args)


#: Entries of the document that hold a SymPy-parsable formula as a plain
#: string (``--json`` keeps them parsable; the human view writes them out).
_FORMULA_KEYS = frozenset({"pair_fidelity_one_half", "pair_fidelity_both_halves", "storage_fidelity", "fixed_points"})


def _shown(key: str, val: Any) -> str:
    from qproto.explain import math_text

    if isinstance(val, dict) and "exact" in val:
        text, num = math_text(val["exact"]), val.get("value")
        return text + (f"  ≈ {num:.6g}" if isinstance(num, float) and val["exact"] != str(num) else "")
    if key in _FORMULA_KEYS:
        return ", ".join(math_text(v) for v in val) if isinstance(val, list) else math_text(val)
    return str(val)


def render(doc: dict[str, Any], console: Any) -> None:
    from rich.markup import escape
    from rich.table import Table

    console.print(f"[bold]{escape(str(doc['protocol']))}[/]")
    rows = doc.get("by_segments") or doc.get("rounds") or doc.get("by_wait") or doc.get("paths_without_purification")
    for key, val in doc.items():
        if key in ("protocol", "by_segments", "rounds", "by_wait", "paths_without_purification") or (
            isinstance(val, list) and key not in _FORMULA_KEYS
        ):
            continue
        console.print(f"  {key}: {escape(_shown(key, val))}")
    if rows:
        table = Table(header_style="bold")
        keys = [k for k in rows[0] if not isinstance(rows[0][k], (list, dict))]
        for k in keys:
            table.add_column(k)
        for r in rows:
            table.add_row(*[f"{r[k]:.6g}" if isinstance(r[k], float) else str(r[k]) for k in keys])
        console.print(table)


register_analyzer(Analyzer(families=tuple(_BY_FAMILY), add_arguments=add_arguments, analyze=analyze, render=render))
