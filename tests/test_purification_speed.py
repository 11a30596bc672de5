"""The fast paths behind the purification checkers give SymPy's own answers.

- ``repeater_common.exact_set``'s rational sign analysis returns the very set
  (structurally, ``srepr``) that ``sympy.solve_univariate_inequality`` returns,
  on every condition the catalogue's and flawed specs' checkers produce and on
  random rational functions;
- ``State.apply``'s term-wise product returns the same expanded entries as
  the general tensordot-then-expand path;
- the per-spec cache of the derived round maps returns what a fresh
  derivation returns.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
import sympy as sp

import qproto.models.state as state_mod
from qproto.models import purification as pur
from qproto.models.bell import werner
from qproto.proofs.repeater_common import _rational_inequality_set, exact_set, rational_real_roots
from qproto.spec.catalogue import find

F = pur.F


def _sympy_set(cond, dom):
    try:
        return sp.solve_univariate_inequality(cond, F, relational=False, domain=dom)
    except NotImplementedError:
        return None


def _same(fast, want):
    return fast == want and sp.srepr(fast) == sp.srepr(want)


def _catalogue_conditions():
    out = []
    for name in ("bbpssw", "bbpssw-keep-on-disagree", "bbpssw-unilateral-cnot"):
        m = pur.derive_werner_map(find(name))
        out += [
            (m.fidelity > F, sp.Interval(sp.Rational(1, 4), 1)),
            (m.fidelity > F, sp.Interval(0, 1)),
            (m.fidelity > F, sp.Interval.open(sp.Rational(1, 2), 1)),
            (m.fidelity < 1, sp.Interval.open(sp.Rational(1, 2), 1)),
        ]
    ratio = 4 * F / 3 - sp.Rational(1, 3)  # repeater-chain's derived contraction ratio
    out += [(ratio > 0, sp.Interval(0, 1)), (ratio < 1, sp.Interval(0, 1)), (ratio >= 1, sp.Interval.open(sp.Rational(1, 4), 1))]
    return out


@pytest.mark.parametrize("i", range(len(_catalogue_conditions())))
def test_catalogue_conditions_match_sympy(i):
    cond, dom = _catalogue_conditions()[i]
    if cond in (sp.S.true, sp.S.false):
        pytest.skip("constant condition")
    want = _sympy_set(cond, dom)
    fast = _rational_inequality_set(cond, F, dom)
    assert fast is not None, "the catalogue's conditions take the fast path"
    assert _same(fast, want)
    assert _same(exact_set(cond, F, dom), want)


def _random_poly(rng, deg):
    e = sp.Rational(rng.choice([1, -1, 2, -3])) / rng.choice([1, 3])
    for _ in range(deg):
        k = rng.random()
        if k < 0.7:
            e *= F - rng.choice([0, 1, -1, sp.Rational(1, 2), sp.Rational(1, 4), sp.Rational(3, 4), 2, sp.Rational(-1, 3)])
        elif k < 0.85:
            e *= F**2 + sp.Rational(rng.randint(1, 3), rng.randint(1, 4))
        else:
            e *= F**2 - 2  # irrational roots: must fall back to SymPy
    return e


@pytest.mark.parametrize("seed", range(40))
def test_random_rational_conditions_match_sympy(seed):
    rng = random.Random(seed)
    num, den = _random_poly(rng, rng.randint(0, 3)), _random_poly(rng, rng.randint(0, 2))
    form = rng.choice(["plain", "expand", "apart"])
    f = num / den if form == "plain" else sp.expand(num) / sp.expand(den) if form == "expand" else sp.apart(num / den, F)
    rel = rng.choice([sp.StrictGreaterThan, sp.StrictLessThan, sp.GreaterThan, sp.LessThan])
    cond = rel(f, rng.choice([0, 1, F, sp.Rational(1, 2), F / 2]))
    if cond in (sp.S.true, sp.S.false):
        return
    dom = rng.choice([sp.Interval(0, 1), sp.Interval.open(sp.Rational(1, 2), 1), sp.Interval.Lopen(0, 1), sp.Interval(-2, 3)])
    fast = _rational_inequality_set(cond, F, dom)
    if fast is None:
        return  # SymPy decides it, as before
    want = _sympy_set(cond, dom)
    assert want is not None, f"fast path answered where SymPy raises: {cond} on {dom}"
    assert _same(fast, want), (cond, dom, fast, want)


def test_rational_real_roots():
    assert sorted(rational_real_roots((F - 1) * (2 * F + 1) * (F**2 + 1), F)) == [sp.Rational(-1, 2), 1]
    assert rational_real_roots(F**2 - 2, F) is None
    assert rational_real_roots(F**3 - 2, F) is None
    assert rational_real_roots(sp.sqrt(2) * F + 1, F) is None


def _general(state, op, targets, apply=state_mod.State.apply):
    saved = state_mod._apply_numbers
    state_mod._apply_numbers = lambda *a: None
    try:
        return apply(state, op, targets)
    finally:
        state_mod._apply_numbers = saved


@pytest.mark.parametrize("name", ["dejmps", "bbpssw", "teleportation", "entanglement-swapping", "superdense-coding"])
def test_apply_fast_path_matches_general(name, monkeypatch):
    from qproto.models import circuit

    spec = find(name)
    seen = {"fast": 0}
    real_apply = state_mod.State.apply

    def checked(self, op, targets):
        new = real_apply(self, op, targets)
        if self.exact:
            old = _general(self, op, targets, real_apply)
            assert old.data.shape == new.data.shape
            assert all(sp.srepr(a) == sp.srepr(b) for a, b in zip(old.data.flat, new.data.flat))
            seen["fast"] += 1
        return new

    monkeypatch.setattr(state_mod.State, "apply", checked)
    if isinstance(spec, pur.PurificationProtocol):
        pur.run_round(spec, [pur.bell_diagonal((pur.A, pur.B, pur.C, pur.D), p) for p in spec.pairs])
        pur.run_round(spec, [werner(F, p) for p in spec.pairs])
    else:
        circuit.run(spec)
    assert seen["fast"] > 0


def test_apply_with_sum_coefficients_takes_general_path():
    s = state_mod.State([sp.Symbol("a"), sp.Symbol("b")], ("q",), check=False)
    op = np.array([[(1 + sp.I) / 2, (1 - sp.I) / 2], [(1 - sp.I) / 2, (1 + sp.I) / 2]], dtype=object)
    assert state_mod._apply_numbers(op, s, [0], 2) is None
    out = s.apply(op, ("q",))
    assert list(out.data.flat) == [sp.expand(x) for x in _general(s, op, ("q",)).data.flat]


def test_cached_maps_equal_fresh_derivation():
    spec = find("bbpssw")
    cached = pur.derive_werner_map(spec)
    assert pur.derive_werner_map(spec) is cached
    fresh = pur.derive_werner_map.__wrapped__(spec)
    assert fresh == cached
