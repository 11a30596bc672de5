"""Synchronisation and cutoffs: the Z3 transition system of a two-segment repeater."""

import math
from fractions import Fraction

import qproto
from qproto.models import memory as mem
from qproto.models import swapping as sw
from qproto.spec.repeater_sync import REPEATER_SYNC, REPEATER_SYNC_NO_CUTOFF


def by_property(spec):
    return {v.property: v for v in qproto.verify(spec)}


def test_cutoff_guarantees_the_delivery_threshold():
    verdicts = by_property(REPEATER_SYNC)
    assert {k: v.status.value for k, v in verdicts.items()} == {
        "no-low-fidelity-delivery": "proved",
        "delivery-reachable": "proved",
        "cutoff-reachable": "proved",
        "decay-is-the-memory-model": "proved",
        "swap-is-the-derived-map": "proved",
    }
    cert = verdicts["no-low-fidelity-delivery"].evidence["certificate"]
    assert "age-cutoff" in cert["strengthened_with"]


def test_no_cutoff_is_refuted_and_the_trace_replays_on_density_matrices():
    v = by_property(REPEATER_SYNC_NO_CUTOFF)["no-low-fidelity-delivery"]
    assert v.status.value == "refuted"
    trace = v.evidence["trace"]
    assert trace[-1]["transition"] == "swap"
    d = 0.9
    eta = math.sqrt(d)  # d = η² per tick: T = −2 dt / ln d
    f = {1: None, 2: None}
    for st in trace[1:]:
        t = st["transition"]
        if t.startswith("segment"):
            f[int(t[7])] = 0.95
        elif t == "tick":
            for k in f:
                if f[k] is not None:  # independent: NumPy Kraus operators on both halves
                    f[k] = mem.numeric_pair_fidelity("depolarizing", -math.log(eta), 1.0, initial=f[k], stored=2)
        elif t == "swap":
            end = float(sw.chain_fidelity([f[1], f[2]]))
        for k in (1, 2):
            if st["state"][f"ready{k}"]:
                assert abs(float(Fraction(st["state"][f"f{k}"])) - f[k]) < 1e-12
    assert abs(end - float(Fraction(trace[-1]["state"]["f_end"]))) < 1e-12
    assert end < 2 / 3


def test_a_longer_cutoff_breaks_the_guarantee_and_a_lower_threshold_restores_it():
    from qproto.spec.protocol import Parameter

    def with_params(name, **values):
        params = tuple(
            Parameter(
                name=p.name,
                default=values.get(p.name, p.default),
                low=p.low,
                high=p.high,
                open_low=p.open_low,
                integer=p.integer,
                text=p.text,
            )
            for p in REPEATER_SYNC.parameters
        )
        return REPEATER_SYNC.variant(name, parameters=params, properties=REPEATER_SYNC.properties[:1])

    # cutoff 3: the lemmas only cover ages up to 2, so the checker decides the claim on its own
    (v,) = qproto.verify(with_params("sync-cutoff-3", cutoff=3))
    assert v.status.value == "refuted"
    (v,) = qproto.verify(with_params("sync-low-threshold", F_th=Fraction(3, 5)))
    assert v.status.value == "proved"


def test_the_tick_is_the_derived_memory_map_at_the_review_timescale():
    # a dt = 0.05 s tick with d = 9/10 means T = −2·dt/ln d for both halves in memory
    T = -2 * 0.05 / math.log(0.9)
    assert 0.9 < T < 1.0
    assert abs(mem.numeric_pair_fidelity("depolarizing", 0.05, T, initial=0.95, stored=2) - (0.25 + 0.7 * 0.9)) < 1e-12
