"""``qproto verify -j N``: the same verdicts as in-process, in the given
order, the time budget enforced inside workers, and no worker outliving a
SIGTERM."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qproto.cli import main

ROOT = Path(__file__).resolve().parent.parent
#: fast protocols over both exact engines (algebra, statemachine)
FAST = ["teleportation-causality", "superdense-coding", "trusted-relay-qkd", "qudp-checksum", "entanglement-swapping"]


def _verify_json(capsys, *args: str) -> dict:
    capsys.readouterr()
    code = main(["verify", *args, "--json", "--no-cache"])
    doc = json.loads(capsys.readouterr().out)
    doc["exit_code"] = code
    return doc


_DURATION = re.compile(r"\b\d+(\.\d+)?(e-?\d+)? s\b")


def _timeless(x):
    """The same document without what measures time: keys ``seconds``,
    ``*_seconds``, ``*_per_second``, and durations written in summaries."""
    if isinstance(x, dict):
        return {k: _timeless(v) for k, v in x.items() if not (k == "seconds" or k.endswith(("_seconds", "_per_second")))}
    if isinstance(x, list):
        return [_timeless(v) for v in x]
    if isinstance(x, str):
        return _DURATION.sub("<t> s", x)
    return x


def _without_timing(doc: dict) -> list[dict]:
    return _timeless(doc["verdicts"])


def test_two_workers_give_the_in_process_verdicts_in_the_given_order(capsys):
    serial = _verify_json(capsys, *FAST, "-j", "1")
    parallel = _verify_json(capsys, *FAST, "-j", "2")
    assert _without_timing(parallel) == _without_timing(serial)
    assert parallel["exit_code"] == serial["exit_code"] == 0
    # the order is the order asked for (the scheduler runs the longest first)
    seen = list(dict.fromkeys(v["protocol"] for v in parallel["verdicts"]))
    assert seen == FAST
    # and nothing here was weakened: every one of these is proved or a declared limitation
    assert {v["status"] for v in parallel["verdicts"]} <= {"proved", "bounded", "limitation"}


def test_time_budget_is_enforced_inside_workers(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("QPROTO_CACHE_DIR", str(tmp_path / "cache"))
    capsys.readouterr()
    main(["verify", "bb84", "six-state", "--property", "soundness-key-rate", "--timeout", "0.2", "-j", "2", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert [v["status"] for v in doc["verdicts"]] == ["inconclusive", "inconclusive"]
    for v in doc["verdicts"]:
        assert v["evidence"]["reason"] == "timeout after 0.2 s"
        assert "budget" not in v["evidence"]  # "not enforced off the main thread" would show here
    # a timeout is never cached
    assert not list((tmp_path / "cache").rglob("v*/**/*.json"))


def _descendants(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                for child in map(int, fh.read().split()):
                    out += [child, *_descendants(child)]
    except (FileNotFoundError, ProcessLookupError):
        pass
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc to list worker processes")
def test_sigterm_stops_the_workers(tmp_path):
    env = {**os.environ, "QPROTO_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "qproto", "verify", "bb84", "six-state", "e91", "-j", "2", "--no-cache"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    workers: list[int] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(workers) < 3:  # fork server + 2 workers
        time.sleep(0.2)
        workers = _descendants(proc.pid)
    assert len(workers) >= 3, "the pool never started"
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 143
    assert "Traceback" not in err
    assert err.strip().endswith("qproto: terminated")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.2)
    assert not [p for p in workers if _alive(p)]


def test_longest_first_from_the_last_timings(tmp_path, monkeypatch):
    """The pool gets the protocol that took longest last time first; with no
    timing, QKD specs (adversary searches) go before the others."""
    import qproto.parallel as parallel
    from qproto.cache import ResultCache
    from qproto.spec.catalogue import find

    names = ["superdense-coding", "teleportation-causality", "qudp-checksum"]
    submitted: list[list[str]] = []

    def fake_pool(specs, tasks, options, jobs, finish):
        submitted.append([specs[i].name for i, _ in tasks])
        for i, _ids in tasks:
            finish(i, [], 0.0)

    monkeypatch.setattr(parallel, "_run_pool", fake_pool)
    store = ResultCache(tmp_path)
    store.save_timings({"superdense-coding": 0.1, "teleportation-causality": 9.0, "qudp-checksum": 3.0})
    parallel.verify_specs([find(n) for n in names], jobs=2, cache=store)
    assert submitted[-1] == ["teleportation-causality", "qudp-checksum", "superdense-coding"]
    parallel.verify_specs([find(n) for n in ("superdense-coding", "bb84")], jobs=2, cache=None)
    assert submitted[-1] == ["bb84", "superdense-coding"]


def test_workers_get_their_share_of_blas_threads(monkeypatch):
    """Each worker starts with cores // jobs BLAS threads (not all cores
    each); the command's own environment is left as it was."""
    import qproto.parallel as parallel

    for k in parallel.BLAS_THREAD_VARIABLES:
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "3")  # the user's own choice is kept
    with parallel._blas_threads(1):
        assert os.environ["OPENBLAS_NUM_THREADS"] == "1" and os.environ["MKL_NUM_THREADS"] == "3"
    assert "OPENBLAS_NUM_THREADS" not in os.environ and os.environ["MKL_NUM_THREADS"] == "3"


def test_without_timings_the_attack_search_counts_for_more_than_cheap_properties():
    """With no timing from a last run (a cold ``--no-cache`` run), the
    estimate is per checker: one worst-case attack search outweighs five
    closed-form QKD properties, so a task holding it starts first."""
    import qproto.parallel as parallel
    from qproto.spec.catalogue import find

    cheap = ["sifted-bits-agree", "mismatched-bases-uniform", "intercept-resend-qber", "depolarizing-qber", "published-values"]
    search = parallel._estimate(find("bb84"), ["soundness-key-rate"], {})
    closed_form = parallel._estimate(find("sarg04"), cheap, {})
    assert search > closed_form > 0
    # a timing from the last run wins over the static table
    assert parallel._estimate(find("sarg04"), cheap, {"sarg04": 100.0}) > search


def _pid_and_thread(tag):
    import threading

    return tag, os.getpid(), threading.current_thread() is threading.main_thread()


def _raise_parameter_error(_):
    from qproto.spec.errors import ParameterError

    raise ParameterError("bad unit")


def _die(_):
    os._exit(3)


def test_in_main_thread_runs_off_main_threads_in_a_child_process():
    """A Dask task runs in a worker thread, where no SIGALRM budget fires:
    ``in_main_thread`` moves the unit to a child process's main thread."""
    import threading

    pytest.importorskip("cloudpickle")
    from qproto.parallel import ChildProcessDied, in_main_thread
    from qproto.spec.errors import ParameterError

    assert in_main_thread(_pid_and_thread, "here") == ("here", os.getpid(), True)
    out: dict = {}

    def worker():
        out["ok"] = in_main_thread(_pid_and_thread, "there")
        for name, fn in (("raised", _raise_parameter_error), ("died", _die)):
            try:
                in_main_thread(fn, None)
            except (ParameterError, ChildProcessDied) as exc:
                out[name] = exc

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    tag, pid, main = out["ok"]
    assert tag == "there" and pid != os.getpid() and main
    assert isinstance(out["raised"], ParameterError) and str(out["raised"]) == "bad unit"
    assert isinstance(out["died"], ChildProcessDied) and "exit code 3" in str(out["died"])
