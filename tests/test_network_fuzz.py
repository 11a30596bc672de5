"""Fuzzing the network-file reader (issue 11): whatever the bytes, the
reader returns a :class:`Network` whose every figure is a finite number, or
raises a :class:`~qproto.QprotoError` — never any other exception.

CI runs a derandomized sample (the ``ci`` profile, a few hundred examples);
``benchmarks/fuzz_network.py`` runs ≥ 10,000 inputs and reports crashes.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from qproto.models import links, routing
from qproto.models import network as net
from qproto.spec.errors import QprotoError
from qproto.spec.network import LINK_FIELDS_FOR_FUZZ, NODE_FIELDS_FOR_FUZZ, parse_network

JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=8),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, -1, 0.5, 1e-300, 1e300, 10**400, "inf", "nan", "A", "B", "fibre", "free-space", "drone"]),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=8,
)


@st.composite
def network_docs(draw):
    """Mostly well-formed documents with hostile values in known fields."""
    names = draw(st.lists(st.sampled_from(["A", "B", "C", "D", "", "A B", "x" * 300]), min_size=0, max_size=5))
    nodes = []
    for name in names:
        node = {"name": draw(st.one_of(st.just(name), JSON_VALUES))}
        for key in draw(st.lists(st.sampled_from(sorted(NODE_FIELDS_FOR_FUZZ - {"name"}) + ["colour"]), max_size=2)):
            node[key] = draw(JSON_VALUES)
        nodes.append(node)
    link_list = []
    for _ in range(draw(st.integers(0, 5))):
        link = {
            "a": draw(st.one_of(st.sampled_from(["A", "B", "C", "D"]), JSON_VALUES)),
            "b": draw(st.one_of(st.sampled_from(["A", "B", "C", "D"]), JSON_VALUES)),
        }
        for key in draw(st.lists(st.sampled_from(sorted(LINK_FIELDS_FOR_FUZZ - {"a", "b"}) + ["colour"]), max_size=3)):
            link[key] = draw(st.one_of(JSON_VALUES, st.floats(min_value=0, max_value=2e6)))
        link_list.append(link)
    doc = {"nodes": nodes, "links": link_list}
    if draw(st.booleans()):
        doc["name"] = draw(JSON_VALUES)
    return doc


def check_reader(raw: bytes | str) -> str:
    """'ok' or 'refused'; any other exception escapes (a crash)."""
    try:
        network = parse_network(raw, "fuzz.json")
    except QprotoError:
        return "refused"
    for link in network.links:  # accepted: every figure must be usable by the model
        rate = links.pair_rate(link)
        assert math.isfinite(rate) and rate > 0, (link, rate)
        fig = net.path_figures(network, (link.a, link.b), (0,))
        assert math.isfinite(fig.fidelity) and 0 <= fig.fidelity <= 1
    names = [n.name for n in network.nodes]
    if len(names) >= 2 and len(network.links) <= 8 and network.connected(names[0], names[-1]):
        try:  # and routing on it ends with an answer or a QprotoError
            res = routing.route(network, names[0], names[-1], Fraction(1, 2), 1)
        except QprotoError:
            return "ok"
        assert res.status in ("found", "none", "undecided")
    return "ok"


@settings(max_examples=300)
@given(network_docs())
def test_structured_network_documents_never_crash_the_reader(doc):
    check_reader(json.dumps(doc, allow_nan=True))


@settings(max_examples=200)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_crash_the_reader(raw):
    check_reader(raw)


@settings(max_examples=100)
@given(st.text(alphabet='{}[]":,0123456789.eE-+ nulltruefalsNaIiy', max_size=120))
def test_json_like_text_never_crashes_the_reader(text):
    check_reader(text)


def test_hostile_classics():
    for raw in [
        "[" * 100_000,
        '{"nodes": [{"name": "A", "coherence_time": ' + "9" * 5000 + '}], "links": []}',
        '{"nodes": [], "links": []}',
        "\ufeff{}",
        "null",
        '"x"',
        "1e999",
    ]:
        check_reader(raw)
