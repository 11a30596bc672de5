"""Quantum networks as data: nodes, links, and fidelity-guaranteed routing.

The review's network (its Figures 1 and 3) joins ground stations, drones
and satellites by fibre and free-space links.  A :class:`Network` is the
graph; each :class:`Node` carries its quantum memory (kind and coherence
time T), each :class:`Link` its medium, length, loss parameters, attempt
rate and the fidelity of the Werner pairs it delivers.  A designer writes a
network in Python or as JSON (:func:`load_network`)::

    {"name": "campus",
     "nodes": [{"name": "A", "kind": "ground", "coherence_time": 1.0},
               {"name": "D", "kind": "drone", "coherence_time": 0.1}],
     "links": [{"a": "A", "b": "D", "medium": "free-space", "length_km": 1,
                "fidelity": 0.95}]}

Bad descriptions (an unknown node, a negative length, a fidelity outside
[0, 1], a duplicate name) raise :class:`~qproto.SpecError` /
:class:`~qproto.ParameterError` naming the field; the CLI turns them into
one line and exit 2.

:class:`FidelityRouting` is the protocol of Li et al. 2022 (the review's
reference 15): choose a path and a purification schedule (BBPSSW rounds per
link) whose end-to-end fidelity is at least F_th, at the least cost in raw
pairs.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from .errors import LoadError, ParameterError, QprotoError, SpecError, UnknownNameError
from .protocol import Parameter, Party, Property, Protocol, Reference, Step
from .validation import check_choice, check_fraction, interval

NODE_KINDS = ("ground", "drone", "satellite")

#: Limits on a network description (docs/limits.md).  Values past them pass
#: a naive range check but break the model: a 100,000 km fibre has a
#: transmittance of 10^-2000, which is 0.0 in floating point, so its pair
#: rate is 0 and every plan through it divides by zero.
MAX_LINK_LOSS_DB = 1000.0  # transmittance ≥ 10^-100: every figure stays a normal float
MAX_LENGTH_KM = 1e6
MAX_ATTEMPT_RATE = 1e15
MIN_ATTEMPT_RATE = 1e-6
MIN_EFFICIENCY = 1e-100
MAX_NODES = 10_000
MAX_LINKS = 100_000
MAX_NETWORK_BYTES = 50_000_000
MAX_NAME_LENGTH = 200
MAX_COHERENCE_TIME = 1e12  # seconds; beyond, write inf (a larger int would overflow the float maps)
MEDIA = ("fibre", "free-space")
MEMORY_KINDS = ("depolarizing", "dephasing")

LI_2022 = Reference(
    cite="J. Li, M. Wang, K. Xue, R. Li, N. Yu, Q. Sun, J. Lu, Fidelity-guaranteed entanglement routing in "
    "quantum networks, IEEE Trans. Commun. 70, 6748 (2022) (the review's reference 15)",
    doi="10.1109/TCOMM.2022.3200115",
)
BOURGOIN_2013 = Reference(
    cite="J.-P. Bourgoin et al., A comprehensive design and performance analysis of low Earth orbit satellite "
    "quantum communication, New J. Phys. 15, 023006 (2013): geometric loss (D_r/(D_t + θL))² times "
    "atmospheric transmittance 10^(−A/10)",
    doi="10.1088/1367-2630/15/2/023006",
)
ITU_G652 = Reference(
    cite="ITU-T G.652, Characteristics of a single-mode optical fibre and cable: attenuation about 0.2 dB/km "
    "at 1550 nm, transmittance 10^(−αL/10)",
)
LIU_2021_DRONES = Reference(
    cite="H.-Y. Liu et al., Optical-relayed entanglement distribution using drones as mobile nodes, Phys. Rev. "
    "Lett. 126, 020503 (2021) (the review's reference 5)",
    doi="10.1103/PhysRevLett.126.020503",
)
YIN_2017 = Reference(
    cite="J. Yin et al., Satellite-based entanglement distribution over 1200 kilometers, Science 356, 1140 "
    "(2017) (the review's reference 6)",
    doi="10.1126/science.aan3211",
)


def _short(value: Any) -> str:
    """``repr`` cut to one short line (a hostile file may hold megabytes)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _fraction(name: str, value: Any) -> Fraction:
    """A JSON/Python number as an exact Fraction (a float via its decimal
    text, so 0.95 is 19/20)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Fraction, str)):
        raise ParameterError(f"{name}={value!r} must be a number")
    try:
        out = Fraction(str(value)) if isinstance(value, float) else Fraction(value)
    except (ValueError, ZeroDivisionError):
        raise ParameterError(f"{name}={value!r} must be a number") from None
    return out


@dataclass(frozen=True, kw_only=True)
class Node:
    """A network node.

    Args:
        name: unique name.
        kind: ``ground``, ``drone`` or ``satellite``.
        coherence_time: memory coherence time T in seconds (``inf`` for an
            ideal memory).  Defaults to 1 s.
        memory: ``depolarizing`` or ``dephasing``.
    """

    name: str
    kind: str = "ground"
    coherence_time: float = 1.0
    memory: str = "depolarizing"

    def __post_init__(self) -> None:
        if (
            not isinstance(self.name, str)
            or not self.name
            or any(c.isspace() for c in self.name)
            or len(self.name) > MAX_NAME_LENGTH
        ):
            raise SpecError(
                f"node name={_short(self.name)} must be a non-empty string without spaces (at most {MAX_NAME_LENGTH} characters)"
            )
        check_choice(f"node {self.name}: kind", self.kind, NODE_KINDS, error=SpecError)
        check_choice(f"node {self.name}: memory", self.memory, MEMORY_KINDS, error=SpecError)
        t = self.coherence_time
        if isinstance(t, bool) or not isinstance(t, (int, float)):
            raise ParameterError(f'node {self.name}: coherence_time={_short(t)} is not a number; give seconds > 0 (or "inf")')
        if t != math.inf:
            check_fraction(
                f"node {self.name}: coherence_time",
                t,
                0,
                MAX_COHERENCE_TIME,
                open_low=True,
                unit="seconds",
                why="inf for an ideal memory",
            )


@dataclass(frozen=True, kw_only=True)
class Link:
    """An elementary link that delivers Werner pairs.

    Args:
        a, b: the end nodes.
        medium: ``fibre`` or ``free-space``.
        length_km: length in km (≥ 0).
        fidelity: fidelity of a delivered pair with |Φ+⟩, in [0, 1].
        attempt_rate: entanglement attempts per second.  Defaults to 1e3 (memory-based
            links attempt at kHz rates).
        detector_efficiency: heralding efficiency in (0, 1].  Defaults to 0.5.
        loss_db_per_km: fibre attenuation α.  Defaults to 0.2 (ITU-T G.652).
        divergence_urad: free-space full beam divergence θ in µrad.  Defaults to 10.
        tx_aperture_m, rx_aperture_m: transmitter and receiver apertures D_t, D_r.
        atmosphere_db: atmospheric loss A in dB (0 between satellites).  Defaults to 3.
    """

    a: str
    b: str
    medium: str = "fibre"
    length_km: float = 10.0
    fidelity: float = 0.95
    attempt_rate: float = 1e3
    detector_efficiency: float = 0.5
    loss_db_per_km: float = 0.2
    divergence_urad: float = 10.0
    tx_aperture_m: float = 0.3
    rx_aperture_m: float = 1.0
    atmosphere_db: float = 3.0

    def __post_init__(self) -> None:
        for end in ("a", "b"):
            v = getattr(self, end)
            if not isinstance(v, str) or not v or len(v) > MAX_NAME_LENGTH:
                raise SpecError(f"link end {end}={_short(v)} must be a node name (a string)")
        where = f"link {self.a}–{self.b}"
        check_choice(f"{where}: medium", self.medium, MEDIA, error=SpecError)
        if self.a == self.b:
            raise SpecError(f"{where}: a link must join two different nodes")
        checks = (  # (field, low, high, unit); every value is compared exactly, no float(): a 400-digit int overflows
            ("length_km", 0, MAX_LENGTH_KM, "km"),
            ("fidelity", 0, 1, ""),
            ("attempt_rate", MIN_ATTEMPT_RATE, MAX_ATTEMPT_RATE, "attempts per second"),
            ("detector_efficiency", MIN_EFFICIENCY, 1, ""),
            ("loss_db_per_km", 0, MAX_LINK_LOSS_DB, "dB/km"),
            ("divergence_urad", 0, 1e9, "µrad"),
            ("tx_aperture_m", 0, 1e6, "m"),
            ("rx_aperture_m", 1e-9, 1e6, "m"),
            ("atmosphere_db", 0, MAX_LINK_LOSS_DB, "dB"),
        )
        for name, low, high, unit in checks:
            value = getattr(self, name)
            span = f"{interval(low, high)}{' ' + unit if unit else ''}"
            # the loss formulas take int, float and Fraction only (a Decimal would not mix with a float)
            if isinstance(value, bool) or not isinstance(value, (int, float, Fraction)):
                raise ParameterError(f"{where}: {name}={_short(value)} is not a number; {name} must lie in {span}")
            check_fraction(f"{where}: {name}", value, low, high, unit=unit)
        loss = self.loss_db()
        if not loss <= MAX_LINK_LOSS_DB:
            raise ParameterError(
                f"{where}: total loss {loss:.4g} dB is more than {MAX_LINK_LOSS_DB:g} dB (transmittance "
                f"below 10^-{MAX_LINK_LOSS_DB / 10:g}); shorten the link or split it with a repeater"
            )

    def loss_db(self) -> float:
        """Total loss in dB by the cited models (the same formulas as
        :mod:`qproto.models.links`, in the log domain so that no value
        underflows; a test checks that the two agree)."""
        if self.medium == "fibre":
            return float(self.loss_db_per_km) * float(self.length_km)
        beam = float(self.tx_aperture_m) + float(self.divergence_urad) * float(self.length_km) / 1000
        geometric = 0.0 if beam <= float(self.rx_aperture_m) else 20 * math.log10(beam / float(self.rx_aperture_m))
        return geometric + float(self.atmosphere_db)

    @property
    def ends(self) -> tuple[str, str]:
        return (self.a, self.b)

    def exact_fidelity(self) -> Fraction:
        return _fraction("fidelity", self.fidelity)


@dataclass(frozen=True, kw_only=True)
class Network:
    """A graph of :class:`Node` and :class:`Link`, checked when made."""

    name: str
    nodes: tuple[Node, ...]
    links: tuple[Link, ...]

    def __post_init__(self) -> None:
        if len(self.nodes) > MAX_NODES or len(self.links) > MAX_LINKS:
            raise SpecError(
                f"network {self.name}: {len(self.nodes)} nodes and {len(self.links)} links; "
                f"at most {MAX_NODES} nodes and {MAX_LINKS} links are supported"
            )
        names = [n.name for n in self.nodes]
        counts: dict[str, int] = {}
        for n in names:
            counts[n] = counts.get(n, 0) + 1
        dup = sorted(n for n, c in counts.items() if c > 1)  # O(n), not names.count per name
        if dup:
            raise SpecError(f"network {self.name}: node name(s) {dup} appear twice")
        known = set(names)
        seen: set[frozenset[str]] = set()
        for link in self.links:
            for end in link.ends:
                if end not in known:
                    raise UnknownNameError(
                        f"network {self.name}: link {link.a}–{link.b} names unknown node {end!r}; nodes are {sorted(known)}"
                    )
            key = frozenset(link.ends)
            if key in seen:
                raise SpecError(f"network {self.name}: two links join {link.a} and {link.b}; keep one")
            seen.add(key)

    def _indices(self) -> tuple[dict[str, Node], dict[frozenset[str], Link], dict[str, list[str]]]:
        """Lookup tables by name, built once (routing on thousands of nodes
        asks for neighbours and links millions of times)."""
        cached = self.__dict__.get("_index")
        if cached is None:
            by_name = {n.name: n for n in self.nodes}
            by_ends = {frozenset(l.ends): l for l in self.links}
            adj: dict[str, list[str]] = {n.name: [] for n in self.nodes}
            for l in self.links:
                adj[l.a].append(l.b)
                adj[l.b].append(l.a)
            cached = (by_name, by_ends, {k: sorted(v) for k, v in adj.items()})
            object.__setattr__(self, "_index", cached)  # a cache on a frozen dataclass; not a field
        return cached

    def node(self, name: str) -> Node:
        n = self._indices()[0].get(name) if isinstance(name, str) else None
        if n is not None:
            return n
        names = sorted(x.name for x in self.nodes)
        shown = names if len(names) <= 20 else names[:20] + [f"... ({len(names)} in all)"]
        raise UnknownNameError(f"network {self.name} has no node {_short(name)}; nodes are {shown}")

    def link(self, a: str, b: str) -> Link:
        link = self._indices()[1].get(frozenset((a, b)))
        if link is not None and a != b:
            return link
        raise UnknownNameError(f"network {self.name} has no link {a}–{b}")

    def neighbours(self, name: str) -> list[str]:
        return list(self._indices()[2].get(name, ()))

    def connected(self, a: str, b: str) -> bool:
        seen, todo = {a}, [a]
        while todo:
            for m in self.neighbours(todo.pop()):
                if m not in seen:
                    seen.add(m)
                    todo.append(m)
        return b in seen

    def to_json(self) -> dict[str, Any]:
        import dataclasses

        return {
            "name": self.name,
            "nodes": [dataclasses.asdict(n) for n in self.nodes],
            "links": [dataclasses.asdict(l) for l in self.links],
        }


_NODE_FIELDS = {"name", "kind", "coherence_time", "memory"}
_LINK_FIELDS = {f for f in Link.__dataclass_fields__}
#: The field names, for the fuzz tests of the reader.
NODE_FIELDS_FOR_FUZZ = frozenset(_NODE_FIELDS)
LINK_FIELDS_FOR_FUZZ = frozenset(_LINK_FIELDS)


def network_from_json(doc: Any, origin: str = "network") -> Network:
    """A :class:`Network` from a parsed JSON document (see module docs)."""
    if not isinstance(doc, dict):
        raise SpecError(f"{origin}: the top level must be an object with 'nodes' and 'links'")
    for key in ("nodes", "links"):
        if not isinstance(doc.get(key), list):
            raise SpecError(f"{origin}: '{key}' must be a list")
    if len(doc["nodes"]) > MAX_NODES or len(doc["links"]) > MAX_LINKS:
        raise SpecError(
            f"{origin}: {len(doc['nodes'])} nodes and {len(doc['links'])} links; "
            f"at most {MAX_NODES} nodes and {MAX_LINKS} links are supported"
        )
    name = doc.get("name", origin)
    if not isinstance(name, str) or len(name) > MAX_NAME_LENGTH:
        raise SpecError(f"{origin}: name={_short(name)} must be a string of at most {MAX_NAME_LENGTH} characters")
    nodes = []
    for i, item in enumerate(doc["nodes"]):
        if not isinstance(item, dict) or "name" not in item:
            raise SpecError(f"{origin}: nodes[{i}] must be an object with a 'name'")
        extra = set(item) - _NODE_FIELDS
        if extra:
            raise SpecError(f"{origin}: nodes[{i}] has unknown field(s) {sorted(extra)}; known: {sorted(_NODE_FIELDS)}")
        item = dict(item)
        t = item.get("coherence_time")
        if isinstance(t, str) and t.strip().lower() in ("inf", "infinity"):
            item["coherence_time"] = math.inf
        elif t is None and "coherence_time" in item:
            item["coherence_time"] = math.inf
        nodes.append(Node(**item))
    links = []
    for i, item in enumerate(doc["links"]):
        if not isinstance(item, dict) or "a" not in item or "b" not in item:
            raise SpecError(f"{origin}: links[{i}] must be an object with 'a' and 'b'")
        extra = set(item) - _LINK_FIELDS
        if extra:
            raise SpecError(f"{origin}: links[{i}] has unknown field(s) {sorted(extra)}; known: {sorted(_LINK_FIELDS)}")
        links.append(Link(**item))
    return Network(name=name, nodes=tuple(nodes), links=tuple(links))


def load_network(path: str | Path) -> Network:
    """Read a network description from a JSON file."""
    p = Path(path)
    if p.is_dir():
        raise LoadError(f"{path}: is a directory, not a network file")
    if not p.exists():
        raise LoadError(f"{path}: no such network file")
    try:
        with open(p, "rb") as fh:  # read at most the limit (plus one byte to notice more): /dev/zero ends here
            raw = fh.read(MAX_NETWORK_BYTES + 1)
    except OSError as exc:
        raise LoadError(f"{path}: cannot read the network file ({exc.strerror or type(exc).__name__})") from None
    if len(raw) > MAX_NETWORK_BYTES:
        raise LoadError(f"{path}: larger than {MAX_NETWORK_BYTES // 1_000_000} MB; a network file is a small JSON document")
    return parse_network(raw, str(path))


def parse_network(raw: bytes | str, origin: str = "network") -> Network:
    """A :class:`Network` from the bytes of a JSON description; every defect
    is a :class:`~qproto.QprotoError` naming ``origin`` (the fuzzed reader)."""
    path = origin
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    except UnicodeDecodeError:
        raise LoadError(f"{path}: not a UTF-8 text file") from None
    except RecursionError:
        raise LoadError(f"{path}: JSON nested too deeply; a network file is a flat list of nodes and links") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise LoadError(f"{path}: not a usable JSON document ({str(exc).splitlines()[0][:120]})") from None
    try:
        return network_from_json(doc, str(path))
    except QprotoError as exc:
        msg = str(exc)
        if msg.startswith(str(path)):
            raise
        raise type(exc)(f"{path}: {msg}") from None


# ---------------------------------------------------------------------------
# the review's Figure 1 network
# ---------------------------------------------------------------------------

#: Ground nodes joined by fibre, a drone bridging two cities, and a satellite
#: (Micius-like) reaching a distant ground station.  Coherence times:
#: ground memories 1 s, the drone's 0.1 s, the satellite's 0.05 s.
REVIEW_NETWORK = Network(
    name="review-figure-1",
    nodes=(
        Node(name="Alice", kind="ground", coherence_time=1.0),
        Node(name="CityA", kind="ground", coherence_time=1.0),
        Node(name="CityB", kind="ground", coherence_time=1.0),
        Node(name="Drone", kind="drone", coherence_time=0.1),
        Node(name="Satellite", kind="satellite", coherence_time=0.05),
        Node(name="Bob", kind="ground", coherence_time=1.0),
    ),
    links=(
        Link(a="Alice", b="CityA", medium="fibre", length_km=20, fidelity=0.97),
        Link(a="CityA", b="CityB", medium="fibre", length_km=60, fidelity=0.96),
        Link(a="CityB", b="Bob", medium="fibre", length_km=40, fidelity=0.97),
        Link(a="CityA", b="Drone", medium="free-space", length_km=5, fidelity=0.93, atmosphere_db=1.0),
        Link(a="Drone", b="Bob", medium="free-space", length_km=8, fidelity=0.93, atmosphere_db=1.0),
        Link(
            a="Alice",
            b="Satellite",
            medium="free-space",
            length_km=1200,
            fidelity=0.90,
            divergence_urad=10,
            rx_aperture_m=1.2,
            atmosphere_db=3.0,
            attempt_rate=1e4,
        ),
        Link(
            a="Satellite",
            b="Bob",
            medium="free-space",
            length_km=1200,
            fidelity=0.90,
            divergence_urad=10,
            rx_aperture_m=1.2,
            atmosphere_db=3.0,
            attempt_rate=1e4,
        ),
    ),
)


@dataclass(frozen=True, kw_only=True)
class FidelityRouting(Protocol):
    """Fidelity-guaranteed routing on ``network`` from ``source`` to
    ``target``: a path and BBPSSW rounds per link (at most ``max_rounds``)
    with end-to-end fidelity ≥ ``threshold`` at the least expected number
    of raw pairs.  ``policy`` ``fidelity-guaranteed`` searches; ``fewest-hops``
    (a flawed baseline) takes the shortest path without purification."""

    family: str = "network"
    network: Network = field(default_factory=lambda: REVIEW_NETWORK)
    source: str = "Alice"
    target: str = "Bob"
    threshold: str = "23/25"
    max_rounds: int = 4
    policy: str = "fidelity-guaranteed"

    def __post_init__(self) -> None:
        super().__post_init__()
        self.network.node(self.source)
        self.network.node(self.target)
        check_choice(f"{self.name}: policy", self.policy, ("fidelity-guaranteed", "fewest-hops"), error=SpecError)


_ROUTING_PROPS = (
    Property(
        id="link-budget",
        statement="Link transmittance follows the cited loss models: fibre 10^(−αL/10) (losses in dB add "
        "along a fibre), free space (D_r/(D_t + θL))²·10^(−A/10) capped at 1; every link's figures lie in "
        "(0, 1].",
        engine="algebra",
        check="network.link-budget",
        reference=BOURGOIN_2013.cite,
    ),
    Property(
        id="route-meets-threshold",
        statement="The chosen path and purification schedule deliver end-to-end fidelity ≥ F_th (swapping, "
        "BBPSSW and memory decay composed from the derived maps; decided with rigorous interval arithmetic).",
        engine="algebra",
        check="network.route-meets-threshold",
        reference=LI_2022.cite,
    ),
    Property(
        id="route-cheapest",
        statement="No plan (simple path, BBPSSW rounds per link) of smaller expected raw-pair cost meets F_th: "
        "a best-first search over simple paths and at most max_rounds rounds per link in exact cost order, each "
        "rejection decided rigorously (intervals, or a pruning rule proved safe); the bound covers every schedule when the optimum costs less than 2^(max_rounds+1) + hops − 1 "
        "(a round at least doubles a link's cost).",
        engine="algebra",
        check="network.route-cheapest",
        reference=LI_2022.cite,
    ),
)

ROUTING = FidelityRouting(
    name="fidelity-routing",
    version="1",
    summary="Find a path and BBPSSW schedule from Alice to Bob on the review's Figure 1 network meeting F_th "
    "at the least raw-pair cost, with a proof that nothing cheaper meets it.",
    references=(LI_2022, BOURGOIN_2013, ITU_G652, LIU_2021_DRONES, YIN_2017),
    parties=(Party("Alice", "source"), Party("Bob", "destination"), Party("Repeaters", "ground, drone, satellite")),
    steps=(
        Step(
            party="Repeaters",
            action="generate",
            text="each link on the path generates Werner pairs (attempt rate × transmittance)",
        ),
        Step(party="Repeaters", action="purify", text="k_i rounds of BBPSSW on link i (2 pairs → 1, kept on agreement)"),
        Step(party="Repeaters", action="store", text="pairs wait in memory for the slowest link (decay exp(−t/T) at both ends)"),
        Step(party="Repeaters", action="swap", text="the repeaters swap along the path"),
        Step(party="Bob", action="decide", text="the pair is delivered if the plan's proved fidelity ≥ F_th"),
    ),
    parameters=(
        Parameter(name="threshold", default=Fraction(23, 25), low=0, high=1, text="F_th"),
        Parameter(name="max_rounds", default=4, low=0, integer=True, text="largest number of BBPSSW rounds per link"),
    ),
    properties=_ROUTING_PROPS,
)

ROUTING_FEWEST_HOPS = ROUTING.variant(
    "fidelity-routing-fewest-hops",
    summary="Route on the fewest hops and never purify (a hop-count router).",
    flawed="the fewest-hop path through the satellite has end-to-end fidelity below F_th; a hop-count router "
    "gives no fidelity guarantee",
    policy="fewest-hops",
    properties=_ROUTING_PROPS[:2],
)

PROTOCOLS = (ROUTING,)
FLAWED = (ROUTING_FEWEST_HOPS,)
