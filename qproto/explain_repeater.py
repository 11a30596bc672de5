"""``qproto explain`` for purification, repeater chains, memories, networks
and relays: the spec's steps, each with the derived figures it produces."""

from __future__ import annotations

from typing import Any

from qproto.explain import _circuit, describe_step, explainer, math_text
from qproto.proofs.repeater_common import as_spec
from qproto.spec.network import FidelityRouting
from qproto.spec.protocol import Protocol
from qproto.spec.repeater import PurificationProtocol, QuantumMemory
from qproto.spec.trusted_relay import TrustedRelay


def _steps(spec: Protocol) -> list[dict[str, Any]]:
    return [{"index": i, "party": s.party, "action": s.action, "text": describe_step(s)} for i, s in enumerate(spec.steps, 1)]


@explainer("purification")
def _purification(spec: Protocol) -> list[dict[str, Any]]:
    from qproto.models import purification as pur

    scheme = as_spec(spec, PurificationProtocol, "explain")
    steps = _circuit(scheme)
    m = pur.derive_werner_map(scheme)
    rule = "the bits agree" if scheme.keep == "equal" else "the bits differ"
    steps.append(
        {
            "index": len(steps) + 1,
            "party": "Alice, Bob",
            "action": "decide",
            "text": f"keep (a1, b1) when {rule}, else discard" + ("; twirl back to Werner form" if scheme.twirl else ""),
            "branches": [],
            "output fidelity on werner(F) inputs": math_text(m.fidelity),
            "success probability": math_text(m.success),
        }
    )
    return steps


@explainer("repeater")
def _chain(spec: Protocol) -> list[dict[str, Any]]:
    from qproto.models import swapping as sw

    steps = _steps(spec)
    steps[3]["swap map (derived)"] = math_text(sw.werner_swap_map())
    steps[3]["chain of n segments"] = "1/4 + (3/4)·((4F − 1)/3)ⁿ"
    return steps


@explainer("memory")
def _memory(spec: Protocol) -> list[dict[str, Any]]:
    from qproto.models import memory as mem

    kind = as_spec(spec, QuantumMemory, "explain").kind
    steps = _steps(spec)
    steps[1]["pair fidelity, one half stored (derived)"] = math_text(mem.pair_fidelity(kind, 1)) + "  with η = exp(−t/T)"
    steps[1]["average storage fidelity (derived)"] = math_text(mem.storage_fidelity(kind))
    return steps


@explainer("network")
def _network(spec: Protocol) -> list[dict[str, Any]]:
    from qproto.models import links

    network = as_spec(spec, FidelityRouting, "explain").network
    steps = _steps(spec)
    steps[0]["links"] = "; ".join(
        f"{l.a}–{l.b} {l.medium} {l.length_km} km: {links.loss_db(l):.3g} dB, {float(links.pair_rate(l)):.3g} pairs/s, F = {l.fidelity}"
        for l in network.links
    )
    steps[2]["memories"] = "; ".join(f"{n.name} ({n.kind}): T = {n.coherence_time} s {n.memory}" for n in network.nodes)
    return steps


@explainer("relay")
def _relay(spec: Protocol) -> list[dict[str, Any]]:
    relay = as_spec(spec, TrustedRelay, "explain")
    steps = _steps(relay)
    steps[1]["rule"] = " ⊕ ".join(relay.encrypt)
    steps[2]["rule"] = " ⊕ ".join(relay.relay)
    steps[3]["rule"] = " ⊕ ".join(relay.decrypt)
    steps[2]["trust"] = "every relay holds K in the clear"
    return steps
