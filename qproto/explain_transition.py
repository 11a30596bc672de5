"""``qproto explain`` for transition systems and secret-sharing schemes.

A transition system is told as a document: its variables, the initial
state, each named transition (who moves, when, what changes), the
invariants, the readings chosen where the source paper is silent, and one
concrete run from the interpreter (the shortest run that reaches the
spec's first non-vacuity target, found by Z3 and replayed).
"""

from __future__ import annotations

from typing import Any

from qproto.explain import explainer, state_text
from qproto.spec.protocol import Protocol


def _show(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


@explainer("transition")
def explain_transition(spec: Protocol) -> list[dict[str, Any]]:
    from qproto.spec.transition import TransitionSystem

    assert isinstance(spec, TransitionSystem)
    steps: list[dict[str, Any]] = []
    steps.append(
        {
            "index": 0,
            "party": "",
            "action": "variables",
            "text": "state variables",
            "variables": "; ".join(v.describe() for v in spec.variables),
            "initially": ", ".join(f"{k} = {_show(v)}" for k, v in spec.init.items())
            + ("" if spec.initially == "True" else f"; {spec.initially}"),
        }
    )
    for i, t in enumerate(spec.transitions, 1):
        updates = ", ".join(f"{k} := {_show(v)}" for k, v in t.update.items()) or "(no change)"
        row = {
            "index": i,
            "party": t.party,
            "action": "transition",
            "text": f"{t.party + ': ' if t.party else ''}{t.name} — {t.text}"
            if t.text
            else f"{t.party + ': ' if t.party else ''}{t.name}",
            "when": str(t.guard),
            "do": updates,
        }
        if t.choose:
            row["choosing"] = ", ".join(c.describe() for c in t.choose)
        steps.append(row)
    n = len(steps)
    for j, inv in enumerate(spec.invariants):
        steps.append(
            {
                "index": n + j,
                "party": "",
                "action": "invariant",
                "text": f"invariant {inv.name}: {inv.text}",
                "claim": str(inv.expr),
            }
        )
    n = len(steps)
    for j, r in enumerate(spec.readings):
        steps.append(
            {
                "index": n + j,
                "party": "",
                "action": "reading",
                "text": f"reading — {r.topic}",
                "choice": r.choice,
                "reason": r.reason,
            }
        )
    run = _example_run(spec)
    if run is not None:
        steps.append(run)
    return steps


def _example_run(spec: Any) -> dict[str, Any] | None:
    """The witness of the spec's first reachability property, as a run."""
    from qproto.proofs.statemachine import DEFAULT_BOUND, Limits, find_run

    target = next((p for p in spec.properties if p.check == "statemachine.reachable"), None)
    if target is None:
        return None
    expr = spec.expr(target.args["state"])
    out = find_run(spec, expr, Limits(bound=int(target.args.get("bound") or DEFAULT_BOUND)))
    index = len(spec.transitions) + len(spec.invariants) + len(spec.readings) + 1
    if out.status != "reached" or not out.trace:
        return {"index": index, "party": "", "action": "run", "text": f"no example run reaches {expr} ({out.status})"}
    from qproto.models import transition as interp

    replay = interp.replay_reaches(spec, out.trace, expr)
    lines = []
    prev: dict[str, Any] = {}
    for st in out.trace:
        changed = {k: v for k, v in st["state"].items() if prev.get(k, object()) != v}
        prev = st["state"]
        what = st["transition"] or "initial"
        if st.get("choice"):
            what += "(" + ", ".join(f"{k}={v}" for k, v in st["choice"].items()) + ")"
        lines.append(f"{st['step']}. {what}: " + ", ".join(f"{k}={_show(v)}" for k, v in changed.items()))
    how = "Z3 witness, replayed on the interpreter" if replay.ok else f"Z3 witness, NOT replayed: {replay.reason}"
    return {
        "index": index,
        "party": "",
        "action": "run",
        "text": f"an example run reaching {expr} ({how})",
        "run": " | ".join(lines),
    }


@explainer("secret-sharing")
def explain_secret_sharing(spec: Protocol) -> list[dict[str, Any]]:
    from qproto.models import secret_sharing as model
    from qproto.spec.secret_sharing import SecretSharingScheme

    assert isinstance(spec, SecretSharingScheme)
    steps: list[dict[str, Any]] = []
    for j, word in enumerate(spec.codewords):
        steps.append(
            {
                "index": j + 1,
                "party": "dealer",
                "action": "encode",
                "text": f"|{j}⟩ ↦ (1/√{len(word)}) (" + " + ".join(f"|{w}⟩" for w in word) + ")",
            }
        )
    state = model.encode(spec)
    steps.append(
        {
            "index": len(steps) + 1,
            "party": "dealer",
            "action": "encode",
            "text": "the shares of the payload α|0⟩ + β|1⟩ + γ|2⟩",
            "state": state_text(state),
        }
    )
    for d in spec.decoders:
        names = model.share_names(spec)
        steps.append(
            {
                "index": len(steps) + 1,
                "party": "holder of two shares",
                "action": "decode",
                "text": f"decode shares {names[d.shares[0]]}, {names[d.shares[1]]}: {d.text}",
                "permutation": ", ".join(f"|{a}⟩→|{b}⟩" for a, b in d.table),
            }
        )
    return steps
