"""The repeater family's checkers, one module per sub-family: the facade
still registers and exports everything, each checker refuses a spec of the
wrong class in one line, and the chain's closed form that analyses and
vectors evaluate is the function the induction proof checks."""

from fractions import Fraction

import pytest

import qproto.proofs.repeater as facade
from qproto.models import network as net
from qproto.models import purification as pur
from qproto.models import swapping as sw
from qproto.proofs.registry import get_checker
from qproto.proofs.verdict import Status
from qproto.spec.errors import ParameterError, SpecError
from qproto.spec.repeater import BBPSSW, REPEATER_CHAIN

#: Every name proofs/repeater.py defined before the split.
PRE_SPLIT_NAMES = (
    "_SAMPLES _args _decide_at_samples _sstr _validate_purification _name_bell swap_output_bell _replay_swap "
    "swap_werner _WERNER_POINTS _replay_werner_swap _swap_spec chain_closed_form chain_decreases _werner_map "
    "_replay_round werner_round _exact_set improves_iff _pick fixed_points bell_diagonal_round memory_pair_fidelity "
    "memory_markovian memory_storage_fidelity link_budget _route _cached_route _plan_replay route_meets_threshold "
    "route_cheapest _INVARIANTS relay_keys_agree relay_knowledge _replay_views _update_expr _to_sympy sync_decay sync_swap"
).split()

CHECKS = {
    "repeater.swap-output-bell": "swapping",
    "repeater.swap-werner": "swapping",
    "repeater.chain-closed-form": "repeater_chain",
    "repeater.chain-decreases": "repeater_chain",
    "purification.werner-round": "purification",
    "purification.improves-iff": "purification",
    "purification.fixed-points": "purification",
    "purification.bell-diagonal-round": "purification",
    "memory.pair-fidelity": "memory",
    "memory.markovian": "memory",
    "memory.storage-fidelity": "memory",
    "network.link-budget": "network",
    "network.route-meets-threshold": "network",
    "network.route-cheapest": "network",
    "relay.keys-agree": "relay",
    "relay.knowledge": "relay",
    "repeater.sync-decay": "repeater_sync",
    "repeater.sync-swap": "repeater_sync",
}


def _prop(spec, prop_id):
    return next(p for p in spec.properties if p.id == prop_id)


def test_the_facade_still_exports_every_name_it_defined_before_the_split():
    missing = [n for n in PRE_SPLIT_NAMES if not hasattr(facade, n)]
    assert missing == []


@pytest.mark.parametrize("check, module", sorted(CHECKS.items()))
def test_each_checker_is_registered_from_its_sub_family_module(check, module):
    fn = get_checker(check)
    assert fn.__module__ == f"qproto.proofs.{module}"
    assert getattr(facade, fn.__name__) is fn


def test_a_checker_given_a_spec_of_the_wrong_class_raises_a_one_line_spec_error():
    prop = _prop(REPEATER_CHAIN, "chain-closed-form")
    with pytest.raises(SpecError) as err:
        facade.chain_closed_form(BBPSSW, prop, {})
    msg = str(err.value)
    assert "\n" not in msg and "'bbpssw' is a PurificationProtocol, expected a RepeaterChain" in msg


@pytest.mark.parametrize("f", [Fraction(19, 20), Fraction(3, 4), Fraction(1, 4), Fraction(1), Fraction(1, 3)])
def test_the_closed_form_equals_the_iterated_derived_map_exactly(f):
    for n in range(1, 7):
        assert sw.chain_closed_form(f, n) == sw.chain_fidelity([f] * n)
    mixed = [f, Fraction(9, 10), Fraction(2, 3), Fraction(1, 2)]
    assert sw.chain_product_form(mixed) == sw.chain_fidelity(mixed)


def test_the_product_form_refuses_an_empty_chain():
    with pytest.raises(ParameterError, match="at least one segment"):
        sw.chain_product_form([])


def test_the_chain_proof_checks_the_models_closed_form(monkeypatch):
    """A wrong closed form in models/ must not be proved: the proof reads the
    function analyses and vectors evaluate, not a copy of its formula."""
    prop = _prop(REPEATER_CHAIN, "chain-closed-form")
    status, ev = facade.chain_closed_form(REPEATER_CHAIN, prop, {})
    assert status is Status.PROVED and ev["published_minus_model"] == "0"
    monkeypatch.setattr(sw, "chain_closed_form", lambda f, n: sw.fidelity_from_parameter(sw.werner_parameter(f) ** (n + 1)))
    status, ev = facade.chain_closed_form(REPEATER_CHAIN, prop, {})
    assert status is Status.REFUTED
    assert ev["base_case"] != "0" and "model's closed form" in ev["summary"]


def test_iterated_purification_rounds_follow_the_bbpssw_schedule():
    rows = pur.iterate_rounds(BBPSSW, Fraction(3, 4), 3)
    assert [r.round for r in rows] == [1, 2, 3]
    assert (rows[-1].fidelity, rows[-1].cost) == pur.bbpssw_schedule().rounds(Fraction(3, 4), 3)
    assert [str(x) for x in pur.werner_fixed_points(pur.derive_werner_map(BBPSSW))] == ["1/4", "1/2", "1"]


def test_swap_exact_is_the_derived_map():
    a, b = Fraction(9, 10), Fraction(4, 5)
    assert net.swap_exact(a, b) == sw.chain_fidelity([a, b])
    assert net._check_endpoints is net.check_endpoints
