"""Trusted-relay QKD: a key forwarded hop by hop with one-time pads.

Nodes N0 (Alice), N1, …, N(n−1) (relays), Nn (Bob) form a chain; each
adjacent pair (N(i−1), Ni) shares a QKD link key k_i.  Alice picks the end
key K and sends c_1 = K ⊕ k_1 over the public channel; relay Ni decrypts
with k_i and re-encrypts with k_(i+1), publishing c_(i+1); Bob decrypts
c_n with k_n.  This is how the Micius satellite relayed keys (Yin et al.
2017; Liao et al. 2018) and how the 4,600 km space-to-ground network of
Chen et al. 2021 joins its metropolitan networks.

The rules are data (which values are XORed), so a flawed relay is a
one-line variant:

- ``encrypt``: what Alice publishes, over {"K", "k_out"};
- ``relay``: what a relay publishes, over {"c_in", "k_in", "k_out"};
- ``decrypt``: what Bob takes as the key, over {"c_in", "k_in"}.

The trust assumption is the price: every relay holds K in the clear.  The
spec says so, and the checker establishes exactly who learns K.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import SpecError
from .protocol import Channel, Parameter, Party, Property, Protocol, Reference, Step

YIN_2017_RELAY = Reference(
    cite="J. Yin et al., Satellite-based entanglement distribution over 1200 kilometers, Science 356, 1140 "
    "(2017); S.-K. Liao et al., Satellite-relayed intercontinental quantum network, Phys. Rev. Lett. 120, "
    "030501 (2018): the satellite as a trusted relay XORs two link keys",
    doi="10.1103/PhysRevLett.120.030501",
)
CHEN_2021 = Reference(
    cite="Y.-A. Chen et al., An integrated space-to-ground quantum communication network over 4,600 "
    "kilometres, Nature 589, 214 (2021) (the review's reference 10): trusted relays join the backbone",
    doi="10.1038/s41586-020-03093-8",
)
SHANNON_1949 = Reference(
    cite="C. E. Shannon, Communication theory of secrecy systems, Bell Syst. Tech. J. 28, 656 (1949): the "
    "one-time pad is perfectly secret",
    doi="10.1002/j.1538-7305.1949.tb00928.x",
)

_TERMS = {"encrypt": {"K", "k_out"}, "relay": {"c_in", "k_in", "k_out"}, "decrypt": {"c_in", "k_in"}}


@dataclass(frozen=True, kw_only=True)
class TrustedRelay(Protocol):
    """A hop-by-hop one-time-pad relay over ``hops`` links."""

    family: str = "relay"
    hops: int = 3
    encrypt: tuple[str, ...] = ("K", "k_out")
    relay: tuple[str, ...] = ("c_in", "k_in", "k_out")
    decrypt: tuple[str, ...] = ("c_in", "k_in")

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.hops, int) or self.hops < 1:
            raise SpecError(f"{self.name}: hops={self.hops!r} must be an integer ≥ 1")
        for rule, allowed in _TERMS.items():
            terms = getattr(self, rule)
            bad = [t for t in terms if t not in allowed]
            if bad or not terms:
                raise SpecError(f"{self.name}: {rule}={terms!r} must XOR a non-empty subset of {sorted(allowed)}")

    def node_names(self) -> list[str]:
        return ["Alice"] + [f"R{i}" for i in range(1, self.hops)] + ["Bob"]


_PROPS = (
    Property(
        id="keys-agree",
        statement="For every chain length n ≥ 1 and all link keys, Bob's key equals Alice's K. Proved by "
        "induction with Z3 over 64-bit blocks (XOR acts bit by bit, so any key length follows): the "
        "public message on link i is K ⊕ k_i.",
        engine="statemachine",
        check="relay.keys-agree",
        args={"width": 64, "search_hops": 6},
    ),
    Property(
        id="who-learns-key",
        statement="Exactly the end nodes and every relay learn K (the trust assumption: each relay must be "
        "trusted); an eavesdropper who sees every public message learns nothing (its view is independent "
        "of K). Exhaustive over all key bits for chains of 1 to 4 hops.",
        engine="algebra",
        check="relay.knowledge",
        args={"max_hops": 4, "learners": "all-nodes", "eavesdropper": "nothing"},
        requires="bounded",
        reference=SHANNON_1949.cite,
    ),
)

TRUSTED_RELAY = TrustedRelay(
    name="trusted-relay-qkd",
    version="1",
    summary="Forward a QKD key across a chain of trusted relays with one-time pads of the link keys.",
    references=(YIN_2017_RELAY, CHEN_2021, SHANNON_1949),
    parties=(
        Party("Alice", "end node"),
        Party("Relays", "trusted nodes R1..R(n−1)"),
        Party("Bob", "end node"),
        Party("Eve", "sees every public message"),
    ),
    channels=(
        Channel(
            source="Alice",
            target="Bob",
            kind="classical",
            authenticated=True,
            note="the public relay channel (every c_i is broadcast)",
        ),
    ),
    steps=(
        Step(party="Relays", action="distribute", text="each link (N(i−1), Ni) runs QKD and holds a link key k_i"),
        Step(party="Alice", action="encode", text="Alice publishes c_1 = K ⊕ k_1"),
        Step(party="Relays", action="relay", text="relay Ri publishes c_(i+1) = (c_i ⊕ k_i) ⊕ k_(i+1): it holds K in the clear"),
        Step(party="Bob", action="decode", text="Bob takes K_B = c_n ⊕ k_n"),
    ),
    parameters=(Parameter(name="hops", default=3, low=1, integer=True, text="number of links n"),),
    properties=_PROPS,
)

RELAY_SKIPS_DECRYPT = TRUSTED_RELAY.variant(
    "trusted-relay-skip-decrypt",
    summary="Each relay re-encrypts the ciphertext without first removing the incoming pad.",
    flawed="c_(i+1) = c_i ⊕ k_(i+1) leaves k_1 … k_(n−1) in Bob's result: the keys disagree",
    relay=("c_in", "k_out"),
)

RELAY_PLAINTEXT = TRUSTED_RELAY.variant(
    "trusted-relay-plaintext",
    summary="The key is forwarded without pads: Alice publishes K, relays repeat it, Bob reads it.",
    flawed="the keys agree, but K is on the public channel: the eavesdropper learns it",
    encrypt=("K",),
    relay=("c_in",),
    decrypt=("c_in",),
)

PROTOCOLS = (TRUSTED_RELAY,)
FLAWED = (RELAY_SKIPS_DECRYPT, RELAY_PLAINTEXT)
