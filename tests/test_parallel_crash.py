"""``qproto verify -j N`` when a worker process dies: the properties it held
get ``error`` verdicts with a one-line reason, every other property gets its
real verdict, and the command ends as it would for any error verdict — no
hang, no traceback.

The specs here are of a test-only family whose checkers live in this
module: a worker unpickling such a spec imports this module, which
registers the checkers there too.
"""

from __future__ import annotations

import json
import os
import signal
from dataclasses import dataclass

import pytest

from qproto.cli import main
from qproto.parallel import verify_specs
from qproto.proofs.registry import checker
from qproto.proofs.verdict import proved
from qproto.spec.protocol import Property, Protocol

pytestmark = pytest.mark.skipif(os.name != "posix", reason="kills worker processes with POSIX signals")


@dataclass(frozen=True)
class CrashProbe(Protocol):
    family: str = "crash-probe"


@checker("crash-probe.holds")
def _holds(spec, prop, options):
    return proved("nothing to check: this property always holds", pid=os.getpid())


@checker("crash-probe.exit")
def _exits(spec, prop, options):
    os._exit(1)  # as a C extension calling exit() would: no exception, no cleanup


@checker("crash-probe.segfault")
def _segfaults(spec, prop, options):
    os.kill(os.getpid(), signal.SIGSEGV)


@checker("crash-probe.raises")
def _raises(spec, prop, options):
    raise RuntimeError("a checker bug")


def _prop(pid: str, check: str) -> Property:
    return Property(id=pid, statement=f"{pid} holds", engine="algebra", check=f"crash-probe.{check}")


SOUND = CrashProbe(name="crash-sound", properties=(_prop("a", "holds"), _prop("b", "holds")))
EXITS = CrashProbe(name="crash-exits", properties=(_prop("before", "holds"), _prop("dies", "exit"), _prop("after", "holds")))
SEGFAULTS = CrashProbe(name="crash-segfaults", properties=(_prop("dies", "segfault"),))
RAISES = CrashProbe(name="crash-raises", properties=(_prop("before", "holds"), _prop("dies", "raises"), _prop("after", "holds")))
#: what ``qproto verify tests.test_parallel_crash:CRASHING`` loads
CRASHING = [SOUND, EXITS, SEGFAULTS]


def test_a_dead_worker_costs_only_the_property_that_killed_it():
    out = verify_specs([SOUND, EXITS, SEGFAULTS, SOUND], jobs=2)
    got = [(v.protocol, v.property, v.status.value) for v in out.verdicts]
    assert got == [
        ("crash-sound", "a", "proved"),
        ("crash-sound", "b", "proved"),
        ("crash-exits", "before", "proved"),
        ("crash-exits", "dies", "error"),
        ("crash-exits", "after", "proved"),
        ("crash-segfaults", "dies", "error"),
        ("crash-sound", "a", "proved"),
        ("crash-sound", "b", "proved"),
    ]
    by = {(v.protocol, v.property): v for v in out.verdicts}
    assert by[("crash-exits", "dies")].summary == "the worker process died (exit code 1) while checking this property"
    assert by[("crash-segfaults", "dies")].summary == "the worker process died (killed by SIGSEGV) while checking this property"
    for v in out.verdicts:
        assert "\n" not in v.summary
    # the sound properties really ran in workers, not in this process
    assert os.getpid() not in {v.evidence["pid"] for v in out.verdicts if v.status.value == "proved"}


def test_a_crash_ends_like_an_error_verdict_in_process(capsys):
    """Exit code and report as for a checker that raises (an error verdict
    today), with -j 1 or -j 2; nothing on stderr looks like a traceback."""
    capsys.readouterr()
    code_raise = main(["verify", "tests.test_parallel_crash:RAISES", "-j", "1", "--no-cache", "--json"])
    raised = json.loads(capsys.readouterr().out)
    code_crash = main(["verify", "tests.test_parallel_crash:CRASHING", "-j", "2", "--no-cache", "--json"])
    captured = capsys.readouterr()
    crashed = json.loads(captured.out)
    assert "Traceback" not in captured.err
    assert [v["status"] for v in raised["verdicts"]] == ["proved", "error", "proved"]
    assert code_crash == code_raise == raised["summary"]["exit_code"] == crashed["summary"]["exit_code"] != 0
    statuses = {(v["protocol"], v["property"]): v["status"] for v in crashed["verdicts"]}
    assert statuses == {
        ("crash-sound", "a"): "proved",
        ("crash-sound", "b"): "proved",
        ("crash-exits", "before"): "proved",
        ("crash-exits", "dies"): "error",
        ("crash-exits", "after"): "proved",
        ("crash-segfaults", "dies"): "error",
    }
