"""Checkers for trusted-relay QKD (``relay.*``): key agreement by induction
over the links (Z3 bit-vectors), and who learns the key, exhaustively over
the key bits (:mod:`qproto.models.relay`)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from qproto.models import relay as relay_model
from qproto.spec.protocol import Property, Protocol
from qproto.spec.trusted_relay import TrustedRelay

from .registry import checker
from .repeater_common import as_spec
from .verdict import Status, bounded, inconclusive, proved, refuted

Result = tuple[Status, dict[str, Any]]


_INVARIANTS = {"padded": "c = K ⊕ k_in", "clear": "c = K"}


@checker("relay.keys-agree")
def relay_keys_agree(spec: Protocol, prop: Property, options: Mapping[str, Any]) -> Result:
    import z3

    relay_spec = as_spec(spec, TrustedRelay, prop.check)
    width = int(prop.args.get("width", 64))
    search = int(prop.args.get("search_hops", 6))
    K, c, kin, kout = (z3.BitVec(n, width) for n in ("K", "c", "k_in", "k_out"))

    def xor(env: dict[str, Any], terms: Sequence[str]) -> Any:
        out = z3.BitVecVal(0, width)
        for t in terms:
            out = out ^ env[t]
        return out

    def valid(claim: Any) -> str:
        s = z3.Solver()
        s.set("timeout", 10_000)
        s.add(z3.Not(claim))
        r = s.check()
        return "valid" if r == z3.unsat else ("invalid" if r == z3.sat else f"unknown: {s.reason_unknown()}")

    tried = {}
    for name, inv in (("padded", lambda cc, kk: cc == K ^ kk), ("clear", lambda cc, kk: cc == K)):
        base = valid(inv(xor({"K": K, "k_out": kout}, relay_spec.encrypt), kout))
        step = valid(z3.Implies(inv(c, kin), inv(xor({"c_in": c, "k_in": kin, "k_out": kout}, relay_spec.relay), kout)))
        concl = valid(z3.Implies(inv(c, kin), xor({"c_in": c, "k_in": kin}, relay_spec.decrypt) == K))
        tried[_INVARIANTS[name]] = {"base": base, "step": step, "conclusion": concl}
        if base == step == concl == "valid":
            return proved(
                f"inductive invariant {_INVARIANTS[name]} on every link: Bob's key equals K for every n ≥ 1 "
                f"and all {width}-bit link keys (bitwise, so for keys of any length)",
                certificate={"invariant": _INVARIANTS[name], "obligations": tried[_INVARIANTS[name]]},
                method="1-induction over the links with Z3 bit-vectors",
            )
    # no candidate invariant: search for a concrete disagreement
    for n in range(1, search + 1):
        keys = [z3.BitVec(f"k{i}", width) for i in range(1, n + 1)]
        msgs = [xor({"K": K, "k_out": keys[0]}, relay_spec.encrypt)]
        for i in range(1, n):
            msgs.append(xor({"c_in": msgs[-1], "k_in": keys[i - 1], "k_out": keys[i]}, relay_spec.relay))
        bob = xor({"c_in": msgs[-1], "k_in": keys[-1]}, relay_spec.decrypt)
        s = z3.Solver()
        s.add(bob != K)
        small = [z3.ULT(v, 16) for v in [K, *keys]]  # prefer a readable witness
        if s.check(*small) == z3.sat or s.check() == z3.sat:
            m = s.model()
            val = lambda x: m.eval(x, model_completion=True).as_long()
            key, link_keys = val(K), [val(k) for k in keys]
            run = relay_model.run(relay_spec, key, link_keys, n)
            return refuted(
                f"with {n} hop(s) Bob's key {run.bob_key} differs from Alice's {key}",
                counterexample={"hops": n, "K": key, "link_keys": link_keys, "bob_key": val(bob)},
                replay={
                    "replayed": True,
                    "backend": "python XOR",
                    "public": list(run.public),
                    "bob_key": run.bob_key,
                    "agree": run.agree,
                },
                invariants_tried=tried,
            )
    return inconclusive(f"no candidate invariant is inductive and no disagreement within {search} hops", invariants_tried=tried)


@checker("relay.knowledge")
def relay_knowledge(spec: Protocol, prop: Property, options: Mapping[str, Any]) -> Result:
    relay_spec = as_spec(spec, TrustedRelay, prop.check)
    max_hops = int(prop.args.get("max_hops", 4))
    table = []
    for n in range(1, max_hops + 1):
        seen: dict[str, dict[tuple[int, ...], list[int]]] = {}
        runs: dict[str, dict[tuple[int, ...], dict[int, Any]]] = {}
        for bits in itertools.product((0, 1), repeat=n + 1):
            r = relay_model.run(relay_spec, bits[0], list(bits[1:]), n)
            for party, view in relay_model.views(relay_spec, r).items():
                counts = seen.setdefault(party, {}).setdefault(view, [0, 0])
                counts[r.key] += 1
                runs.setdefault(party, {}).setdefault(view, {})[r.key] = {
                    "K": r.key,
                    "link_keys": list(r.link_keys),
                    "public": list(r.public),
                }
        row: dict[str, Any] = {"hops": n, "learns": [], "learns_nothing": [], "partial": []}
        for party, views in seen.items():
            if all(min(cn) == 0 for cn in views.values()):
                row["learns"].append(party)
            elif all(cn[0] == cn[1] for cn in views.values()):
                row["learns_nothing"].append(party)
            else:
                row["partial"].append(party)
        nodes = ["Alice"] + [f"R{i}" for i in range(1, n)] + ["Bob"]
        table.append(row)
        missing = [p for p in nodes if p not in row["learns"]]
        if missing:
            party = missing[0]
            view, both = next((v, runs[party][v]) for v, cn in seen[party].items() if min(cn) > 0)
            return refuted(
                f"with {n} hop(s) {party} cannot determine K: two runs with the same view carry K = 0 and K = 1",
                counterexample={"hops": n, "party": party, "view": list(view), "runs": [both[0], both[1]]},
                replay=_replay_views(relay_spec, n, party, both),
                knowledge=table,
            )
        if "Eve" not in row["learns_nothing"]:
            view, cn = next((v, cn) for v, cn in seen["Eve"].items() if cn[0] != cn[1])
            example = runs["Eve"][view]
            return refuted(
                f"with {n} hop(s) the eavesdropper's view is correlated with K "
                f"(view {list(view)}: {cn[0]} runs with K = 0, {cn[1]} with K = 1)",
                counterexample={"hops": n, "party": "Eve", "view": list(view), "runs": list(example.values())},
                replay=_replay_views(relay_spec, n, "Eve", example),
                knowledge=table,
            )
    # Exhaustive for chain lengths up to max_hops only: a bound on the chain,
    # not a proof for every length, so the verdict says bounded.
    return bounded(
        f"for 1..{max_hops} hops: Alice, Bob and every relay learn K (each relay must be trusted); "
        "the eavesdropper's view is independent of K (perfect secrecy)",
        max_hops,
        bound_of="hops in the chain",
        knowledge=table,
        trust_assumption="every relay node holds K in the clear",
        method="exhaustive over all key bits (K, k_1..k_n) ∈ {0,1}^(n+1); XOR acts bitwise and key bits are "
        "independent, so the conclusion holds for keys of any length",
    )


def _replay_views(relay_spec: TrustedRelay, n: int, party: str, runs: Mapping[int, Any]) -> dict[str, Any]:
    out = []
    for r in runs.values():
        again = relay_model.run(relay_spec, r["K"], r["link_keys"], n)
        out.append({"K": again.key, "view": list(relay_model.views(relay_spec, again)[party])})
    return {"replayed": True, "backend": "python XOR", "runs": out}


__all__ = ["relay_keys_agree", "relay_knowledge"]
