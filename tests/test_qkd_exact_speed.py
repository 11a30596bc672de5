"""The memoised exact QKD models give what they computed before memoising.

:mod:`qproto.models.qkd` memoises its pure exact helpers on the SymPy value
(``_abs2``, ``_simplify``, ``simplified``) and the tables, correlators and
joint states it derives per (spec object, instrument content).  These tests
check, on every catalogue and flawed QKD spec, under the lines the checkers
use, that a memoised result is the very value (equal and printing the same)
that a fresh computation with every memo cleared gives, and that the keys
tell apart what must not share an entry.
"""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from qproto.loader import resolve
from qproto.models import qkd
from qproto.models.attacks import parse_attack
from qproto.models.instrument import Instrument, identity
from qproto.models.memo import memo_by_value
from qproto.proofs.qkd import _num, _read_number, measure_resend_direction
from qproto.spec.errors import SpecError
from qproto.spec.qkd import EntanglementQKD, PrepareMeasureQKD

QKD_SPECS = (
    "bb84",
    "bb84-biased",
    "b92",
    "six-state",
    "sarg04",
    "bb84-decoy",
    "e91",
    "bbm92",
    "bb84-swapped-x-labels",
    "bb84-no-sifting",
    "bb84-threshold-30",
    "bb84-sample-in-key",
    "bb84-six-state-threshold",
    "bb84-biased-pooled-estimate",
    "bb84-wcp-no-decoys",
    "bb84-key-before-authentication",
    "b92-accepts-inconclusive",
    "e91-no-bell-test",
)


def _clear_memos() -> None:
    qkd._SPEC_MEMO.clear()
    qkd._EB_PROBS.clear()
    qkd._simplify_basic.cache_clear()
    qkd._abs2_exact.cache_clear()
    qkd.simplified.cache_clear()


def _lines(spec: object) -> list[Instrument]:
    ir, _ = parse_attack("intercept-resend").symbolic("fraction")
    ir_px, _ = parse_attack("intercept-resend:py=0").symbolic("fraction", "px")
    dep, _ = parse_attack("depolarizing").symbolic("p")
    out = [identity(), ir, ir_px, dep, identity().numeric(), parse_attack("intercept-resend:fraction=1/2").instrument().numeric()]
    if isinstance(spec, EntanglementQKD):
        out.append(measure_resend_direction()[0])
    return out


def _derive(spec: object, inst: Instrument) -> dict[str, object]:
    out: dict[str, object] = {"table": [(r, str(r.probability)) for r in qkd.table(spec, inst)]}
    out["qber"] = qkd.qber(spec, inst)
    out["qber_per_basis"] = qkd.qber_per_basis(spec, inst)
    out["sift"] = qkd.sift_probability(spec, inst)
    if isinstance(spec, PrepareMeasureQKD):
        out["outcomes"] = qkd.outcome_distribution(spec, inst)
    if isinstance(spec, EntanglementQKD):
        out["correlators"] = {(x, y): qkd.correlator(spec, x, y, inst) for x, y in spec.key_pairs}
        if spec.chsh:
            out["chsh"] = qkd.chsh(spec, inst)
    return out


def _same(a: object, b: object) -> bool:
    """Equal and printing the same (NaN equal to NaN)."""
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b or (a is sp.nan and b is sp.nan)) and str(a) == str(b) and type(a) is type(b)


@pytest.mark.parametrize("name", QKD_SPECS)
def test_memoised_models_equal_fresh_ones(name: str) -> None:
    spec = resolve(name)
    for inst in _lines(spec):
        _clear_memos()
        fresh = _derive(spec, inst)  # every memo empty: computed as before memoising
        again = _derive(spec, inst)  # now from the memos
        assert fresh.keys() == again.keys()
        for k in fresh:
            assert _same(fresh[k], again[k]), (name, inst.name, k)


# one spec of each sifting rule and source (the E91 family repeats BBM92's expressions, at 9 s each)
HELPER_SPECS = ("bb84", "b92", "six-state", "sarg04", "bbm92", "b92-accepts-inconclusive")


@pytest.mark.parametrize("name", HELPER_SPECS)
def test_memoised_helpers_equal_uncached(name: str) -> None:
    """``_simplify`` and ``_abs2`` memoised give their uncached value on every
    probability and QBER of the spec's tables."""
    spec = resolve(name)
    for inst in _lines(spec)[:4]:
        rows = qkd.table(spec, inst)
        values = [r.probability for r in rows] + [qkd._sum([r.probability for r in rows if r.kept])]
        for v in values:
            assert _same(qkd._simplify(v), qkd._simplify_basic.__wrapped__(v))
            assert _same(qkd._abs2(v, True), qkd._abs2_exact.__wrapped__(v))
            assert _same(qkd.simplified(v), sp.simplify(v))


def test_memo_keys_keep_types_apart() -> None:
    calls: list[object] = []

    @memo_by_value(16)
    def seen(x: object) -> object:
        calls.append(x)
        return x

    values = (1, sp.Integer(1), sp.Rational(1, 2), sp.Float(0.5))
    for x in values + values:
        assert seen(x) == x
    assert [type(c) for c in calls] == [type(x) for x in values]  # equal values of two types: two entries, each once
    assert seen([1]) == [1] and seen([1]) == [1] and calls[-2:] == [[1], [1]]  # unhashable: computed afresh
    assert qkd._simplify(sp.Integer(1)) == 1
    # an int and a SymPy Integer do not share an entry
    assert type(qkd.simplified(1)) is type(sp.simplify(1))


def test_instrument_key_tells_instruments_apart() -> None:
    one = Instrument("a", {"r": [[[1, 0], [0, 1]]]})
    same = Instrument("b", {"r": [[[1, 0], [0, 1]]]})
    other_record = Instrument("a", {"s": [[[1, 0], [0, 1]]]})
    flip = Instrument("a", {"r": [[[0, 1], [1, 0]]]})
    assert qkd._instrument_key(one) == qkd._instrument_key(same)  # the name does not enter any figure
    assert qkd._instrument_key(one) != qkd._instrument_key(other_record)
    assert qkd._instrument_key(one) != qkd._instrument_key(flip)
    assert qkd._instrument_key(one) != qkd._instrument_key(one.numeric())
    # records equal as keys but printed differently (True == 1) stay apart
    t = Instrument("t", {True: [[[1, 0], [0, 1]]]})
    n = Instrument("n", {1: [[[1, 0], [0, 1]]]})
    assert qkd._instrument_key(t) != qkd._instrument_key(n)
    spec = resolve("bb84")
    assert {r.record for r in qkd.table(spec, t)} == {True}
    assert {type(r.record) for r in qkd.table(spec, n)} == {int}


def test_table_is_per_spec_object_and_a_fresh_list() -> None:
    spec = resolve("bb84")
    rows = qkd.table(spec, identity())
    rows.clear()  # the caller's list: the memo is not touched
    assert qkd.table(spec, identity())
    # an equal spec object that is not the same object never reads another's entry
    twin = dataclasses.replace(spec)
    assert twin is not spec and twin == spec
    a = qkd.table(twin, identity())
    assert any(k[0] == (id(twin),) and v[0][0] is twin for k, v in qkd._SPEC_MEMO.items())
    assert [(r, str(r.probability)) for r in a] == [(r, str(r.probability)) for r in qkd.table(spec, identity())]


def test_joint_states_are_read_only() -> None:
    spec = resolve("e91")
    for inst in (identity(), identity().numeric()):
        joint = qkd._eb_joint(spec, inst)
        for st in joint.values():
            assert not st.flags.writeable
        joint.clear()  # a copy of the memoised mapping
        assert qkd._eb_joint(spec, inst)


def test_unknown_setting_still_raises_with_memo() -> None:
    spec = resolve("e91")
    with pytest.raises(SpecError):
        qkd.correlator(spec, "nope", spec.bob_settings[0].name, None)


def test_read_number_memo() -> None:
    spec = resolve("bb84")
    assert _read_number("1/2") == sp.Rational(1, 2)
    assert _read_number("1/2") is _read_number("1/2")
    assert _read_number("not a (number") is None
    assert _read_number(["1/2"]) == [sp.Rational(1, 2)]  # unhashable input: read afresh, never memoised
    with pytest.raises(SpecError, match="is not a number SymPy can read"):
        _num(spec, "field", "1/(")
    with pytest.raises(SpecError, match="must be a number"):
        _num(spec, "field", "x + 1")


def test_eb_prob_memo_only_for_read_only_arrays() -> None:
    spec = resolve("e91")
    joint = qkd._eb_joint(spec, identity())
    st = next(iter(joint.values()))
    pa, pb = qkd.projector("0", 0), qkd.projector("pi/4", 1)
    memo = qkd._eb_prob(st, pa, pb, True)
    assert _same(memo, qkd._eb_prob_exact(st, pa, pb))
    writable = st.copy()  # a writeable array is never memoised (its content could change under the same id)
    n = len(qkd._EB_PROBS)
    assert _same(qkd._eb_prob(writable, pa, pb, True), memo)
    assert len(qkd._EB_PROBS) == n
