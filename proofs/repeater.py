"""Checkers for repeaters: swapping, purification, memory, chains, networks,
relays and the synchronisation system — one module per sub-family, beside
its model; importing this module registers every one of them (the checker
registry lists ``qproto.proofs.repeater``).

- :mod:`.swapping` — ``repeater.swap-*``: the swapping circuit, outcome by
  outcome and on Werner pairs;
- :mod:`.repeater_chain` — ``repeater.chain-*``: the chain's closed form,
  proved by induction, and its decrease;
- :mod:`.purification` — ``purification.*``: BBPSSW / DEJMPS rounds;
- :mod:`.memory` — ``memory.*``: storage channels;
- :mod:`.network` — ``network.*``: link losses and fidelity-guaranteed
  routing (interval arithmetic over an exhaustive plan space);
- :mod:`.relay` — ``relay.*``: trusted-relay QKD (Z3 bit-vectors, exhaustive
  knowledge analysis);
- :mod:`.repeater_sync` — ``repeater.sync-*``: the synchronisation system's
  updates against the derived maps.

Proofs are SymPy identities reduced to zero, or exact solution sets of
univariate inequalities; refutations carry concrete rational values and a
replay on the numeric model.  The names below are re-exported so that every
import of ``qproto.proofs.repeater`` written before the split still works;
patch a name in its defining module, not here.
"""

from __future__ import annotations

from .memory import memory_markovian, memory_pair_fidelity, memory_storage_fidelity
from .network import _cached_route, _plan_replay, _route, link_budget, route_cheapest, route_meets_threshold
from .purification import (
    _replay_round,
    _validate_purification,
    _werner_map,
    bell_diagonal_round,
    fixed_points,
    improves_iff,
    werner_round,
)
from .relay import _INVARIANTS, _replay_views, relay_keys_agree, relay_knowledge
from .repeater_chain import _swap_spec, chain_closed_form, chain_decreases, swap_spec
from .repeater_common import SAMPLES as _SAMPLES
from .repeater_common import decide_at_samples as _decide_at_samples
from .repeater_common import exact_set as _exact_set
from .repeater_common import pick_point as _pick
from .repeater_common import point_strings as _sstr
from .repeater_common import prop_args as _args
from .repeater_sync import _to_sympy, _update_expr, sync_decay, sync_swap
from .swapping import (
    _WERNER_POINTS,
    _name_bell,
    _replay_swap,
    _replay_werner_swap,
    replay_werner_swap,
    swap_output_bell,
    swap_werner,
)

__all__ = [
    "swap_output_bell",
    "swap_werner",
    "replay_werner_swap",
    "chain_closed_form",
    "chain_decreases",
    "swap_spec",
    "werner_round",
    "improves_iff",
    "fixed_points",
    "bell_diagonal_round",
    "memory_pair_fidelity",
    "memory_markovian",
    "memory_storage_fidelity",
    "link_budget",
    "route_meets_threshold",
    "route_cheapest",
    "relay_keys_agree",
    "relay_knowledge",
    "sync_decay",
    "sync_swap",
]

# names private to the module before the split, kept importable from here
_LEGACY = (
    _SAMPLES,
    _args,
    _decide_at_samples,
    _sstr,
    _exact_set,
    _pick,
    _validate_purification,
    _werner_map,
    _replay_round,
    _name_bell,
    _replay_swap,
    _replay_werner_swap,
    _WERNER_POINTS,
    _swap_spec,
    _route,
    _cached_route,
    _plan_replay,
    _INVARIANTS,
    _replay_views,
    _update_expr,
    _to_sympy,
)
