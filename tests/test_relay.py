"""Trusted-relay QKD: keys agree (Z3 induction), who learns the key, flawed relays."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import qproto
from qproto.models import relay
from qproto.spec.trusted_relay import RELAY_PLAINTEXT, RELAY_SKIPS_DECRYPT, TRUSTED_RELAY

from .helpers import run_cli


def by_property(spec):
    return {v.property: v for v in qproto.verify(spec)}


def test_keys_agree_is_proved_by_an_inductive_invariant():
    v = by_property(TRUSTED_RELAY)["keys-agree"]
    assert v.status.value == "proved"
    assert v.evidence["certificate"]["invariant"] == "c = K ⊕ k_in"
    assert set(v.evidence["certificate"]["obligations"].values()) == {"valid"}


@given(st.integers(1, 12), st.data())
def test_executable_chain_delivers_the_key(hops, data):
    key = data.draw(st.integers(0, 2**128 - 1))
    link_keys = data.draw(st.lists(st.integers(0, 2**128 - 1), min_size=hops, max_size=hops))
    run = relay.run(TRUSTED_RELAY, key, link_keys, hops)
    assert run.bob_key == key
    # the invariant the proof uses, on the executable model
    assert all(c == key ^ k for c, k in zip(run.public, link_keys))


def test_knowledge_names_every_relay_as_trusted_and_eve_as_blind():
    v = by_property(TRUSTED_RELAY)["who-learns-key"]
    # exhaustive up to 4 hops is a bound on the chain length, never "proved"
    assert v.status.value == "bounded" and v.evidence["bound"] == 4 and v.ok
    for row in v.evidence["knowledge"]:
        n = row["hops"]
        assert sorted(row["learns"]) == sorted(["Alice", "Bob"] + [f"R{i}" for i in range(1, n)])
        assert row["learns_nothing"] == ["Eve"]
    # independent check: Eve's view (the public messages) is uniform whatever K is
    rng = np.random.default_rng(5)
    for key in (0, 1):
        views = [relay.run(TRUSTED_RELAY, key, list(rng.integers(0, 2, size=3)), 3).public for _ in range(4000)]
        counts = np.unique(np.array(views), axis=0, return_counts=True)[1]
        assert len(counts) == 8 and counts.min() > 400


def test_skip_decrypt_relay_is_refuted_and_the_counterexample_replays():
    v = by_property(RELAY_SKIPS_DECRYPT)["keys-agree"]
    assert v.status.value == "refuted"
    ce = v.evidence["counterexample"]
    run = relay.run(RELAY_SKIPS_DECRYPT, ce["K"], ce["link_keys"], ce["hops"])
    assert run.bob_key != ce["K"] and run.bob_key == ce["bob_key"]
    assert ce["hops"] == 2  # one relay is enough to break it
    assert all(x < 16 for x in [ce["K"], *ce["link_keys"]])  # small, readable witness


def test_plaintext_relay_agrees_but_eve_learns_the_key():
    verdicts = by_property(RELAY_PLAINTEXT)
    assert verdicts["keys-agree"].status.value == "proved"
    v = verdicts["who-learns-key"]
    assert v.status.value == "refuted" and v.evidence["counterexample"]["party"] == "Eve"
    for r in v.evidence["counterexample"]["runs"]:
        again = relay.run(RELAY_PLAINTEXT, r["K"], r["link_keys"], v.evidence["counterexample"]["hops"])
        assert list(again.public) == v.evidence["counterexample"]["view"] and again.public[0] == r["K"]


def test_cli_lists_the_flawed_relays_and_explains_the_trust():
    r = run_cli("list", "--flawed", "--json")
    names = {p["name"] for p in r.json()["protocols"]}
    assert {
        "trusted-relay-skip-decrypt",
        "trusted-relay-plaintext",
        "entanglement-swapping-no-z",
        "bbpssw-keep-on-disagree",
        "fidelity-routing-fewest-hops",
    } <= names
    r = run_cli("explain", "trusted-relay-qkd")
    assert r.code == 0 and "holds K in the clear" in r.out
