"""The ((2,3)) threshold quantum secret-sharing scheme behind quantum
retransmission (Cleve, Gottesman, Lo 1999).

A qutrit payload α|0⟩ + β|1⟩ + γ|2⟩ is encoded into three qutrit shares,

    |j⟩ ↦ (1/√3) Σ_a |a, a+j, a+2j⟩   (arithmetic mod 3),

that is |0⟩ ↦ |000⟩+|111⟩+|222⟩, |1⟩ ↦ |012⟩+|120⟩+|201⟩,
|2⟩ ↦ |021⟩+|102⟩+|210⟩ (normalised).  Any two shares recover the
payload and any single share is maximally mixed, whatever the payload: the
retransmission protocol (``qproto.spec.retransmission``) rests on exactly
these two facts — the sender can recover from the two shares it keeps, and
the share in flight reveals (and clones) nothing.

Decoding shares (x, y), taken in the cyclic order (1,2), (2,3), (3,1), is
the permutation unitary  y ← y − x, then x ← x + 2y  (mod 3): it leaves
the payload in y and the two other shares in the fixed state
(1/√3) Σ_b |b, b⟩.  (The code is invariant under the cyclic shift of the
shares, so one rule serves the three pairs.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import SpecError
from .protocol import Party, Property, Protocol, Reference

CLEVE_GOTTESMAN_LO = Reference(
    cite="R. Cleve, D. Gottesman, H.-K. Lo, How to share a quantum secret, Phys. Rev. Lett. 83, 648 (1999): "
    "the ((2,3)) threshold scheme on qutrits",
    doi="10.1103/PhysRevLett.83.648",
    arxiv="quant-ph/9901025",
)


@dataclass(frozen=True, kw_only=True)
class Decoder:
    """An explicit decoding unitary on two shares: the permutation of their
    joint basis given as ``table[i]`` = the output label of input label
    ``labels[i]`` (labels like ``"01"``).  ``secret`` is the position (0 or
    1) of the share that holds the payload afterwards."""

    shares: tuple[int, int]
    table: tuple[tuple[str, str], ...]
    secret: int
    text: str = ""


@dataclass(frozen=True, kw_only=True)
class SecretSharingScheme(Protocol):
    """A threshold quantum secret-sharing scheme given by its codewords.

    Args:
        dim: the payload's and each share's dimension.
        shares: number of shares.
        threshold: shares needed to decode.
        codewords: for each payload basis state j, the share basis labels
            that appear with equal amplitude in its encoding (normalised
            by the model).
        decoders: explicit decoding unitaries for sets of ``threshold``
            shares.
    """

    family: str = "secret-sharing"
    dim: int = 3
    shares: int = 3
    threshold: int = 2
    codewords: tuple[tuple[str, ...], ...] = ()
    decoders: tuple[Decoder, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        super().__post_init__()
        if len(self.codewords) != self.dim:
            raise SpecError(f"{self.name}: {len(self.codewords)} codewords for dim={self.dim}; give one per basis state")
        for j, word in enumerate(self.codewords):
            for label in word:
                if len(label) != self.shares or any(not c.isdigit() or int(c) >= self.dim for c in label):
                    raise SpecError(
                        f"{self.name}: codeword {j} has label {label!r}; expected {self.shares} digits below {self.dim}"
                    )
        for d in self.decoders:
            if len(d.shares) != 2 or any(not 0 <= s < self.shares for s in d.shares):
                raise SpecError(f"{self.name}: decoder shares={d.shares} must name two of the {self.shares} shares")


def cyclic_decoder_table(dim: int = 3) -> tuple[tuple[str, str], ...]:
    """y ← y − x, then x ← x + 2y (mod dim) on the basis |x, y⟩: the CGL
    decoding permutation (for dim = 3)."""
    out = []
    for x in range(dim):
        for y in range(dim):
            y2 = (y - x) % dim
            x2 = (x + 2 * y2) % dim
            out.append((f"{x}{y}", f"{x2}{y2}"))
    return tuple(out)


def cgl_codewords(dim: int = 3) -> tuple[tuple[str, ...], ...]:
    """|j⟩ ↦ Σ_a |a, a+j, a+2j⟩ (mod dim)."""
    return tuple(tuple(f"{a}{(a + j) % dim}{(a + 2 * j) % dim}" for a in range(dim)) for j in range(dim))


_TABLE = cyclic_decoder_table(3)

_PROPERTIES = (
    Property(
        id="any-two-shares-decode",
        statement="For every qutrit payload α|0⟩+β|1⟩+γ|2⟩ (|α|²+|β|²+|γ|² = 1), each pair of shares is decoded by "
        "its explicit permutation unitary: afterwards the payload register holds exactly |ψ⟩⟨ψ|, in a product "
        "with the other two shares.",
        engine="algebra",
        check="secret-sharing.pair-decodes",
        reference=CLEVE_GOTTESMAN_LO.cite,
    ),
    Property(
        id="one-share-reveals-nothing",
        statement="For every payload, each single share's reduced state is I/3 (maximally mixed): it carries no "
        "information about the payload, so a share in flight can be lost or intercepted without cloning it.",
        engine="algebra",
        check="secret-sharing.single-share-hides",
        reference=CLEVE_GOTTESMAN_LO.cite,
    ),
)

CGL_2_3 = SecretSharingScheme(
    name="qss-2-3",
    version="1",
    summary="The ((2,3)) qutrit threshold scheme: any two shares decode, one share is maximally mixed.",
    references=(CLEVE_GOTTESMAN_LO,),
    parties=(Party("dealer", "encodes the payload"), Party("share1"), Party("share2"), Party("share3")),
    codewords=cgl_codewords(3),
    decoders=(
        Decoder(shares=(0, 1), table=_TABLE, secret=1, text="shares 1,2: y ← y − x, x ← x + 2y; payload in share 2"),
        Decoder(shares=(1, 2), table=_TABLE, secret=1, text="shares 2,3: the same rule (cyclic symmetry); payload in share 3"),
        Decoder(shares=(2, 0), table=_TABLE, secret=1, text="shares 3,1: the same rule; payload in share 1"),
    ),
    properties=_PROPERTIES,
)

REPETITION_2_3 = CGL_2_3.variant(
    "qss-repetition",
    summary="A 'secret sharing' by repetition, |j⟩ ↦ |jjj⟩.",
    flawed="the repetition code copies the basis value into every share: one share reveals |α|², |β|², |γ|² "
    "and two shares no longer decode the superposition",
    codewords=tuple((f"{j}{j}{j}",) for j in range(3)),
    variant_of="qss-2-3",
)

PROTOCOLS = (CGL_2_3,)
FLAWED = (REPETITION_2_3,)
