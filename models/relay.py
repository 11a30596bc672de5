"""The executable trusted-relay chain: plain Python integers and XOR.

This is the independent interpretation that every Z3 counterexample for a
:class:`~qproto.spec.trusted_relay.TrustedRelay` is replayed on, and the
model the knowledge analysis enumerates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce

from qproto.spec.errors import ParameterError
from qproto.spec.trusted_relay import TrustedRelay


def _xor(values: dict[str, int], terms: Sequence[str]) -> int:
    return reduce(lambda a, b: a ^ b, (values[t] for t in terms), 0)


@dataclass
class RelayRun:
    """One run: the public messages c_1..c_n and Bob's key."""

    key: int
    link_keys: tuple[int, ...]
    public: tuple[int, ...]
    bob_key: int

    @property
    def agree(self) -> bool:
        return self.key == self.bob_key


def run(spec: TrustedRelay, key: int, link_keys: Sequence[int], hops: int | None = None) -> RelayRun:
    """Execute the chain with Alice's ``key`` and link keys k_1..k_n."""
    n = hops if hops is not None else spec.hops
    if len(link_keys) != n:
        raise ParameterError(f"link_keys has {len(link_keys)} entries for hops={n}")
    public = [_xor({"K": key, "k_out": link_keys[0]}, spec.encrypt)]
    for i in range(1, n):
        public.append(_xor({"c_in": public[-1], "k_in": link_keys[i - 1], "k_out": link_keys[i]}, spec.relay))
    bob = _xor({"c_in": public[-1], "k_in": link_keys[-1]}, spec.decrypt)
    return RelayRun(key, tuple(link_keys), tuple(public), bob)


def views(spec: TrustedRelay, r: RelayRun) -> dict[str, tuple[int, ...]]:
    """What each party sees: its own link keys and every public message
    (the relay channel is a broadcast); Eve sees the public messages only."""
    n = len(r.link_keys)
    names = ["Alice"] + [f"R{i}" for i in range(1, n)] + ["Bob"]
    out = {"Eve": r.public}
    for i, name in enumerate(names):
        own = tuple(r.link_keys[j] for j in (i - 1, i) if 0 <= j < n)
        out[name] = own + r.public + ((r.key,) if name == "Alice" else ())
    return out


__all__ = ["RelayRun", "run", "views"]
