"""The quantum three-way handshake, and the other protocol machines of the
transport layer (qTCP two stages, qUDP checksum, the QKD session,
teleportation causality): proved properties, non-vacuity runs, flawed
variants refuted with replayed traces."""

import pytest

import qproto
from qproto.models import transition as interp
from qproto.spec import causality, handshake, qkd_session, qtransport

from .helpers import run_cli


def by_id(verdicts):
    return {v.property: v for v in verdicts}


@pytest.mark.parametrize(
    "spec",
    [handshake.HANDSHAKE, qtransport.QTCP, qtransport.QUDP, qkd_session.QKD_SESSION, causality.TELEPORTATION_CAUSALITY],
    ids=lambda s: s.name,
)
def test_sound_machines_are_proved(spec):
    verdicts = qproto.verify(spec)
    for v in verdicts:
        assert v.status.value == "proved", (v.property, v.evidence)
    reach = [v for v in verdicts if v.evidence.get("witness")]
    assert reach, "every machine has a non-vacuity run"
    for v in reach:
        assert interp.replay_run(spec, v.evidence["witness"]).ok


@pytest.mark.parametrize(
    "spec, pid",
    [
        (handshake.HANDSHAKE_IGNORES_TEST, "failed-test-never-established"),
        (handshake.HANDSHAKE_IGNORES_TEST, "established-only-if-both-pass"),
        (handshake.HANDSHAKE_LEAKS_PAIRS, "termination-releases-pairs"),
        (qtransport.QTCP_SINGLE_STAGE, "accepted-only-if-both-stages"),
        (qtransport.QUDP_NO_CHECK, "accepted-only-if-checksum-zero"),
        (qtransport.QUDP_KEEPS_BUFFER, "failed-check-releases"),
        (qkd_session.QKD_SESSION_EARLY_KEY, "no-key-before-estimate"),
        (qkd_session.QKD_SESSION_SAMPLE_IN_KEY, "sample-never-in-key"),
        (causality.TELEPORTATION_EARLY_CORRECTION, "corrects-after-both-bits"),
        (causality.TELEPORTATION_EARLY_CORRECTION, "corrected-qubit-is-input"),
    ],
    ids=lambda x: getattr(x, "name", x),
)
def test_flawed_variants_are_refuted(spec, pid):
    v = by_id(qproto.verify(spec, properties=[pid]))[pid]
    assert v.status.value == "refuted", v.evidence
    assert v.evidence["replay"]["replayed"] is True
    assert interp.replay_run(spec, v.evidence["trace"]).ok


def test_handshake_failure_trace_is_the_failed_test():
    v = by_id(qproto.verify(handshake.HANDSHAKE_IGNORES_TEST, properties=["failed-test-never-established"]))
    trace = v["failed-test-never-established"].evidence["trace"]
    assert [s["transition"] for s in trace][-1] == "client_test_fail"
    assert trace[-1]["state"]["c_state"] == "ESTABLISHED" and trace[-1]["state"]["bwd_test"] == "FAIL"


def test_early_correction_needs_m1_equal_one():
    v = by_id(qproto.verify(causality.TELEPORTATION_EARLY_CORRECTION, properties=["corrected-qubit-is-input"]))
    last = v["corrected-qubit-is-input"].evidence["trace"][-1]["state"]
    assert last["sent1"] is True and last["got1"] is False and last["z"] is True


def test_pad_reuse_is_refuted():
    v = by_id(qproto.verify(qkd_session.QKD_SESSION_REUSES_PAD, properties=["pad-bit-used-once"]))["pad-bit-used-once"]
    assert v.status.value == "refuted"
    assert [s["transition"] for s in v.evidence["trace"]].count("encrypt") == 2


def test_every_flawed_machine_is_listed_and_fails_verify():
    r = run_cli("list", "--flawed", "--json")
    names = {p["name"] for p in r.json()["protocols"]}
    for spec in handshake.FLAWED + qtransport.FLAWED + qkd_session.FLAWED + causality.FLAWED:
        assert spec.name in names
    r = run_cli("verify", "quantum-handshake-ignores-failed-test")
    assert r.code == 1 and "client_test_fail" in r.out


def test_explain_tells_the_machine_and_a_run():
    r = run_cli("explain", "quantum-three-way-handshake", "--json")
    assert r.code == 0, r.err
    steps = r.json()["steps"]
    assert any(s["action"] == "transition" and "server_test_fail" in s["text"] for s in steps)
    assert any(s["action"] == "reading" for s in steps)
    run = [s for s in steps if s["action"] == "run"]
    assert run and "server_established" in run[0]["run"]
