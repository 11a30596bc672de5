"""The runner core: a per-property wall-clock budget, and one checker's
error confined to its own property (issue 10 items 10, 12; issue 11 item 15).

The slow checkers below are bounded busy loops: if the budget did not
interrupt them they would finish and report ``proved``, so every assertion
is on a verdict's status, never on elapsed time.
"""

from __future__ import annotations

import threading
import time

import pytest

from qproto.models.decide import time_budget
from qproto.proofs import registry
from qproto.proofs.runner import DEFAULT_TIMEOUT, verify
from qproto.proofs.verdict import proved
from qproto.spec.circuit import ApplyGate
from qproto.spec.errors import ParameterError, QprotoError, SpecError
from qproto.spec.protocol import replace_step
from qproto.spec.teleportation import TELEPORTATION

from .helpers import run_cli

SLOW_PROPERTY = "outcomes-uniform"  # its check is circuit.branch-probabilities


def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def slow_checker(spec, prop, options):
    _spin(600)
    return proved("finished without being interrupted")


def slow_inside_inner_budget(spec, prop, options):
    # an inner budget (as decide_zero uses) must not swallow the outer expiry
    with time_budget(3000):
        _spin(600)
    return proved("finished without being interrupted")


def raising_checker(spec, prop, options):
    raise SpecError("no sifted rounds in basis 'X'")


def _by_id(verdicts):
    return {v.property: v for v in verdicts}


@pytest.fixture
def replace_checker(monkeypatch):
    registry._load()

    def use(fn):
        monkeypatch.setitem(registry._CHECKERS, "circuit.branch-probabilities", fn)

    return use


@pytest.mark.parametrize("fn", [slow_checker, slow_inside_inner_budget])
def test_a_checker_over_budget_is_inconclusive_and_the_run_goes_on(replace_checker, fn):
    replace_checker(fn)
    # 2 s: far below the slow checker's 600 s, far above what the real checkers need (< 0.1 s each)
    v = _by_id(verify(TELEPORTATION, options={"timeout": 2}))
    assert v[SLOW_PROPERTY].status.value == "inconclusive"
    assert v[SLOW_PROPERTY].evidence["reason"] == "timeout after 2 s"
    # the properties after it still ran to a verdict
    assert v["no-signalling"].status.value == "proved"
    assert v["werner-average-fidelity"].status.value == "proved"


def rewrapping_checker(spec, prop, options):
    # a library (Hypothesis, when the expiry lands in its data generation) that turns the
    # budget's expiry into an exception of its own, here after swallowing every re-raise
    from qproto.models.decide import BudgetExpired

    end = time.monotonic() + 600
    while time.monotonic() < end:
        try:
            _spin(0.01)
        except BudgetExpired:
            raise RuntimeError("Inconsistent data generation!") from None
    return proved("finished without being interrupted")


def test_an_expiry_a_library_rewrapped_is_still_a_timeout(replace_checker):
    replace_checker(rewrapping_checker)
    v = _by_id(verify(TELEPORTATION, properties=[SLOW_PROPERTY], options={"timeout": 1}))
    assert v[SLOW_PROPERTY].status.value == "inconclusive"
    assert v[SLOW_PROPERTY].evidence["reason"] == "timeout after 1 s"


def test_an_exception_before_the_budget_runs_out_is_an_error(replace_checker):
    def buggy(spec, prop, options):
        raise RuntimeError("a checker bug")

    replace_checker(buggy)
    v = _by_id(verify(TELEPORTATION, properties=[SLOW_PROPERTY], options={"timeout": 60}))
    assert v[SLOW_PROPERTY].status.value == "error"
    assert v[SLOW_PROPERTY].evidence["exception"] == "RuntimeError"


def test_a_qproto_error_inside_one_checker_is_that_propertys_verdict(replace_checker):
    replace_checker(raising_checker)
    v = _by_id(verify(TELEPORTATION))
    assert v[SLOW_PROPERTY].status.value == "error"
    assert v[SLOW_PROPERTY].summary == "no sifted rounds in basis 'X'"
    assert v[SLOW_PROPERTY].evidence["exception"] == "SpecError"
    assert v["correction-restores-input"].status.value == "proved"
    assert v["werner-average-fidelity"].status.value == "proved"


def test_a_bad_spec_still_raises_before_any_checker():
    bad = TELEPORTATION.variant(
        "teleportation-bad-gate",
        steps=replace_step(TELEPORTATION.steps, 3, ApplyGate(party="Alice", gate="NOPE", targets=("q", "a"))),
    )
    with pytest.raises(QprotoError, match="NOPE"):
        verify(bad)


@pytest.mark.parametrize("bad", [-1, "ten", float("nan"), True])
def test_a_bad_timeout_option_is_bad_input(bad):
    with pytest.raises(ParameterError, match="timeout="):
        verify(TELEPORTATION, options={"timeout": bad})


def test_off_the_main_thread_the_budget_is_not_enforced_and_says_so():
    out = {}

    def run():
        out["v"] = verify(TELEPORTATION, properties=["outcomes-uniform"], options={"timeout": 30})

    t = threading.Thread(target=run)
    t.start()
    t.join()
    (v,) = out["v"]
    assert v.status.value == "proved"
    assert v.evidence["budget"] == "not enforced off the main thread"


def test_the_default_budget_is_documented_and_zero_turns_it_off():
    assert DEFAULT_TIMEOUT == 120
    (v,) = verify(TELEPORTATION, properties=["outcomes-uniform"], options={"timeout": 0})
    assert v.status.value == "proved" and "budget" not in v.evidence


def test_the_timeout_and_rlimit_options_reach_the_checkers(replace_checker):
    seen = {}

    def spy(spec, prop, options):
        seen.update(options)
        return proved("spy")

    replace_checker(spy)
    verify(TELEPORTATION, properties=[SLOW_PROPERTY], options={"timeout": 7, "rlimit": 1234})
    assert seen["timeout"] == 7 and seen["rlimit"] == 1234
    verify(TELEPORTATION, properties=[SLOW_PROPERTY])
    assert seen["timeout"] == DEFAULT_TIMEOUT  # the Z3 engine reads the same default


def test_cli_timeout_and_rlimit():
    ok = run_cli("verify", "superdense-coding", "--timeout", "60", "--rlimit", "100000")
    assert ok.code == 0, ok.err
    for bad in (["--timeout", "-1"], ["--rlimit", "0"], ["--timeout", "soon"]):
        r = run_cli("verify", "superdense-coding", *bad)
        assert r.code == 2 and len(r.err.strip().splitlines()) == 1, (bad, r.err)


def leaks_inner_budget(spec, prop, options):
    with time_budget(0.2):  # expires, and this checker does not catch it
        _spin(60)
    return proved("finished without being interrupted")


def test_an_inner_budget_a_checker_does_not_catch_is_an_error_not_a_crash(replace_checker):
    replace_checker(leaks_inner_budget)
    v = _by_id(verify(TELEPORTATION, options={"timeout": 100}))
    assert v[SLOW_PROPERTY].status.value == "error"
    assert "uncaught inner time budget" in v[SLOW_PROPERTY].summary
    assert v["werner-average-fidelity"].status.value == "proved"


def swallows_the_first_expiry(spec, prop, options):
    # as a gc callback or a library's `except BaseException` would: the expiry
    # is raised again until the budget's owner regains control
    try:
        _spin(600)
    except BaseException:  # noqa: BLE001 - swallowing it is the point of this checker
        pass
    _spin(600)
    return proved("finished without being interrupted")


def test_a_swallowed_expiry_is_raised_again(replace_checker):
    replace_checker(swallows_the_first_expiry)
    start = time.monotonic()
    v = _by_id(verify(TELEPORTATION, properties=[SLOW_PROPERTY], options={"timeout": 1}))
    assert v[SLOW_PROPERTY].status.value == "inconclusive"
    assert v[SLOW_PROPERTY].evidence["reason"] == "timeout after 1 s"
    assert time.monotonic() - start < 60  # not the 600 s the checker would spin
