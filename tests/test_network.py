"""Links, networks and fidelity-guaranteed routing."""

import json
import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

import qproto
from qproto import LoadError, ParameterError, SpecError, UnknownNameError
from qproto.models import links, routing
from qproto.models import network as net
from qproto.spec.network import (
    REVIEW_NETWORK,
    ROUTING,
    ROUTING_FEWEST_HOPS,
    Link,
    Network,
    Node,
    load_network,
    network_from_json,
)

from .helpers import assert_bad_input, cli

GOOD = {
    "name": "campus",
    "nodes": [{"name": "A", "kind": "ground", "coherence_time": 1.0},
              {"name": "D", "kind": "drone", "coherence_time": 0.1},
              {"name": "B", "kind": "ground", "coherence_time": "inf"},
              {"name": "X", "kind": "satellite"}],
    "links": [{"a": "A", "b": "D", "medium": "free-space", "length_km": 1, "fidelity": 0.95},
              {"a": "D", "b": "B", "medium": "fibre", "length_km": 10, "fidelity": 0.96}],
}


def write(tmp_path, doc, name="net.json"):
    p = tmp_path / name
    p.write_text(json.dumps(doc))
    return str(p)


def test_fibre_loss_is_0_2_db_per_km_and_adds():
    assert abs(links.fibre_transmittance(100, 0.2) - 0.01) < 1e-15
    assert abs(links.fibre_transmittance(30) * links.fibre_transmittance(70) - links.fibre_transmittance(100)) < 1e-15


def test_free_space_geometric_loss_is_capped_and_falls_with_distance():
    near = links.free_space_transmittance(0.001, divergence_urad=10, tx_aperture_m=0.1, rx_aperture_m=1.0, atmosphere_db=0)
    assert near == 1.0
    far = [links.free_space_transmittance(L, atmosphere_db=3) for L in (100, 500, 1200)]
    assert far[0] > far[1] > far[2] > 0
    # (D_r / (D_t + θL))² · 10^(−A/10) at 1200 km, θ = 10 µrad: beam 12.3 m
    assert abs(far[2] - (1.0 / 12.3) ** 2 * 10 ** -0.3) < 1e-12


def test_interval_arithmetic_encloses_the_float_figures():
    for plan_path in net.simple_paths(REVIEW_NETWORK, "Alice", "Bob"):
        f = net.path_figures(REVIEW_NETWORK, plan_path, [1] * (len(plan_path) - 1))
        i = net.path_figures(REVIEW_NETWORK, plan_path, [1] * (len(plan_path) - 1), links.INTERVAL)
        assert float(i.fidelity.a) <= f.fidelity + 1e-15 and f.fidelity - 1e-15 <= float(i.fidelity.b)
        assert float(i.fidelity.b) - float(i.fidelity.a) < 1e-25


@pytest.mark.parametrize("rounds", [0, 1, 2])
def test_path_model_matches_independent_density_matrix_simulation(rounds):
    for path in net.simple_paths(REVIEW_NETWORK, "Alice", "Bob"):
        r = [rounds] * (len(path) - 1)
        assert abs(net.path_figures(REVIEW_NETWORK, path, r).fidelity - net.simulate_path(REVIEW_NETWORK, path, r)) < 1e-9


def test_review_example_waits_come_from_unequal_segments():
    fig = net.path_figures(REVIEW_NETWORK, ("Alice", "CityA", "CityB", "Bob"))
    waits = [s.wait for s in fig.segments]
    assert min(waits) == 0 and max(waits) > 0.01  # the slowest link never waits, the others do
    assert fig.fidelity < net.path_figures(Network(name="ideal", nodes=tuple(
        Node(name=n.name, kind=n.kind, coherence_time=math.inf) for n in REVIEW_NETWORK.nodes),
        links=REVIEW_NETWORK.links), fig.path).fidelity


def test_routing_is_proved_and_every_cheaper_plan_is_below_threshold():
    verdicts = {v.property: v for v in qproto.verify(ROUTING)}
    assert all(v.status.value == "proved" for v in verdicts.values()), verdicts
    res = routing.route(REVIEW_NETWORK, "Alice", "Bob", Fraction(23, 25), 3)
    assert res.status == "found"
    # brute force, independently of the search order
    thr = 23 / 25
    for p in routing.plans(REVIEW_NETWORK, "Alice", "Bob", 3):
        f = net.path_figures(REVIEW_NETWORK, p.path, p.rounds).fidelity
        if p.cost < res.plan.cost:
            assert f < thr, p
    assert net.simulate_path(REVIEW_NETWORK, res.plan.path, res.plan.rounds) >= thr


def test_fewest_hops_router_is_refuted_with_a_replayed_plan():
    v = {x.property: x for x in qproto.verify(ROUTING_FEWEST_HOPS)}["route-meets-threshold"]
    assert v.status.value == "refuted"
    ce = v.evidence["counterexample"]
    assert ce["rounds"] == [0, 0]
    again = net.simulate_path(REVIEW_NETWORK, ce["path"], ce["rounds"])
    assert abs(again - v.evidence["replay"]["fidelity"]) < 1e-9 and again < 23 / 25


@st.composite
def small_networks(draw):
    n = draw(st.integers(3, 4))
    names = [f"N{i}" for i in range(n)]
    nodes = tuple(Node(name=x, coherence_time=draw(st.sampled_from([0.05, 1.0, math.inf]))) for x in names)
    links_ = [Link(a=names[i], b=names[i + 1], length_km=draw(st.integers(1, 80)),
                   fidelity=draw(st.sampled_from([0.8, 0.9, 0.95, 0.99]))) for i in range(n - 1)]
    if draw(st.booleans()):
        links_.append(Link(a=names[0], b=names[-1], medium="free-space", length_km=draw(st.integers(1, 500)),
                           fidelity=draw(st.sampled_from([0.85, 0.9, 0.97]))))
    return Network(name="h", nodes=nodes, links=tuple(links_))


@given(small_networks(), st.sampled_from(["3/4", "4/5", "9/10", "19/20"]))
def test_route_agrees_with_brute_force(network, thr):
    res = routing.route(network, "N0", network.nodes[-1].name, thr, 2)
    t = float(Fraction(thr))
    candidates = routing.plans(network, "N0", network.nodes[-1].name, 2)
    feasible = [p for p in candidates if net.path_figures(network, p.path, p.rounds).fidelity >= t]
    if res.status == "none":
        assert not feasible
    elif res.status == "found":
        assert min(p.cost for p in feasible) == res.plan.cost


def test_loader_reads_json_and_reports_bad_fields(tmp_path):
    network = load_network(write(tmp_path, GOOD))
    assert [n.name for n in network.nodes] == ["A", "D", "B", "X"]
    assert math.isinf(network.node("B").coherence_time)
    assert network.link("D", "A").exact_fidelity() == Fraction(19, 20)
    bad = [
        ({"links": GOOD["links"] + [{"a": "A", "b": "Z", "fidelity": 0.9}]}, UnknownNameError, "unknown node 'Z'"),
        ({"links": [{**GOOD["links"][0], "length_km": -3}]}, ParameterError, "length_km=-3 must be ≥ 0"),
        ({"links": [{**GOOD["links"][0], "fidelity": 1.2}]}, ParameterError, "fidelity=1.2 must lie in [0, 1]"),
        ({"nodes": GOOD["nodes"] + [{"name": "A"}]}, SpecError, "appear twice"),
        ({"links": [{**GOOD["links"][0], "colour": "red"}]}, SpecError, "unknown field"),
        ({"nodes": [{"name": "A", "coherence_time": 0}]}, ParameterError, "coherence_time=0"),
    ]
    for change, exc, text in bad:
        with pytest.raises(exc, match=text.replace("[", r"\[").replace("]", r"\]")):
            network_from_json({**GOOD, **change})
    with pytest.raises(LoadError, match="not valid JSON"):
        (tmp_path / "broken.json").write_text('{"nodes": [')
        load_network(tmp_path / "broken.json")
    with pytest.raises(SpecError, match="disconnected"):
        net.simple_paths(network, "A", "X")


def test_cli_analyze_routes_on_a_user_network(tmp_path):
    r = cli("analyze", "fidelity-routing", "--network", write(tmp_path, GOOD), "--from-node", "A", "--to-node", "B",
            "--target-fidelity", "0.9", "--json")
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["route"]["status"] == "found" and doc["route"]["plan"]["path"] == ["A", "D", "B"]
    assert doc["route"]["plan"]["fidelity"] >= 0.9


@pytest.mark.parametrize("change, endpoints, fragments", [
    ({"links": GOOD["links"] + [{"a": "A", "b": "Z", "fidelity": 0.9}]}, ("A", "B"), ("unknown node 'Z'",)),
    ({"links": [{**GOOD["links"][0], "length_km": -3}]}, ("A", "B"), ("length_km=-3",)),
    ({"links": [{**GOOD["links"][0], "fidelity": 1.2}]}, ("A", "B"), ("fidelity=1.2", "[0, 1]")),
    ({}, ("A", "X"), ("disconnected",)),
])
def test_cli_bad_network_descriptions_exit_2_in_one_line(tmp_path, change, endpoints, fragments):
    path = write(tmp_path, {**GOOD, **change})
    r = cli("analyze", "fidelity-routing", "--network", path, "--from-node", endpoints[0], "--to-node", endpoints[1])
    assert_bad_input(r, *fragments)


def test_shipped_example_network_file_is_the_review_network():
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "docs" / "examples" / "review_network.json"
    assert load_network(path) == REVIEW_NETWORK
