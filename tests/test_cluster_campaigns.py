"""Key-rate sweeps and fuzz campaigns give the same results in this
process (``-j 1``), on local worker processes (``-j 2``) and on a Dask
distributed cluster started here (``--scheduler``): the same points in the
same order, the same verdicts with the same statements and evidence; only
the times differ.  A bad scheduler address is one line, exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

distributed = pytest.importorskip("distributed", reason="Dask distributed not installed (pip install 'qproto[cluster]')")
pytest.importorskip("cvxpy")

ROOT = Path(__file__).resolve().parent.parent
QPROTO = [sys.executable, "-P", "-m", "qproto"]
#: Timing fields (and where the run happened), the only parts allowed to differ.
RUN_FIELDS = {"seconds", "jobs", "scheduler"}


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        yield c


def _qproto(*argv: str, env: dict[str, str] | None = None, code: int = 0) -> subprocess.CompletedProcess[str]:
    run = subprocess.run([*QPROTO, *argv], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == code, run.stderr[-2000:]
    return run


def _json(*argv: str) -> Any:
    return json.loads(_qproto(*argv).stdout)


def _minus_run_fields(doc: Any) -> Any:
    if isinstance(doc, dict):
        return {k: _minus_run_fields(v) for k, v in doc.items() if k not in RUN_FIELDS}
    if isinstance(doc, list):
        return [_minus_run_fields(v) for v in doc]
    return doc


def _ran_on(cluster: Any, name: str) -> bool:
    with distributed.Client(cluster) as client:
        prefixes = client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.task_prefixes))
    return any(name in p for p in prefixes)


def test_keyrate_sweep_on_a_cluster_equals_the_local_runs(cluster: Any) -> None:
    argv = ["keyrate", "bb84", "--sweep", "qber=0.1,0.02,0.05", "--json"]
    serial = _json(*argv, "-j", "1")
    parallel = _json(*argv, "-j", "2")
    remote = _json(*argv, "--scheduler", cluster.scheduler_address)
    assert _ran_on(cluster, "apply")  # the points did run on the cluster
    assert remote["sweep"]["scheduler"] == cluster.scheduler_address and "jobs" not in remote["sweep"]
    assert [p["point"]["qber"] for p in remote["points"]] == [0.1, 0.02, 0.05]  # input order, not completion order
    assert _minus_run_fields(remote) == _minus_run_fields(serial) == _minus_run_fields(parallel)


def test_keyrate_sweep_api_on_a_cluster(cluster: Any) -> None:
    from qproto.keyrate_api import keyrate_sweep

    here = keyrate_sweep("bb84", qber=[0.03, 0.01], jobs=1)
    there = keyrate_sweep("bb84", qber=[0.03, 0.01], scheduler=cluster.scheduler_address)
    assert [_minus_run_fields(r.to_json()) for r in there] == [_minus_run_fields(r.to_json()) for r in here]


def test_fuzz_on_a_cluster_equals_the_local_runs(cluster: Any) -> None:
    argv = ["fuzz", "bb84", "--budget", "5", "--seed", "3", "--json"]
    serial = _json(*argv, "-j", "1")
    parallel = _json(*argv, "-j", "2")
    remote = _json(*argv, "--scheduler", cluster.scheduler_address)
    assert _ran_on(cluster, "cluster_unit")
    ids = [v["property"] for v in serial["verdicts"]]
    assert len(ids) > 1 and [v["property"] for v in remote["verdicts"]] == ids  # the spec's order
    for doc in (parallel, remote):
        assert _minus_run_fields(doc) == _minus_run_fields(serial)
    # the budget held on the cluster too: each property ran in a main thread
    assert not any(v["evidence"].get("budget") == "not enforced off the main thread" for v in remote["verdicts"])


@pytest.mark.parametrize(
    "argv,match",
    [
        (["keyrate", "bb84", "--sweep", "qber=0,0.1", "--scheduler", "tcp://127.0.0.1:9"], "cannot connect to a Dask scheduler"),
        (["fuzz", "bb84", "--budget", "2", "--scheduler", "tcp://127.0.0.1:9"], "cannot connect to a Dask scheduler"),
        (["keyrate", "bb84", "--sweep", "qber=0,0.1", "--scheduler", "nonsense"], "not a Dask scheduler address"),
        (["fuzz", "bb84", "--scheduler", "tcp://host"], "not a Dask scheduler address"),
        (["keyrate", "bb84", "--scheduler", "tcp://127.0.0.1:9"], "--scheduler applies to --sweep only"),
        (["keyrate", "bb84", "--sweep", "qber=0,0.1", "-j", "2", "--scheduler", "tcp://127.0.0.1:9"], "drop one"),
        (["fuzz", "bb84", "-j", "2", "--scheduler", "tcp://127.0.0.1:9"], "drop one"),
    ],
)
def test_bad_scheduler_is_one_line_exit_2(argv: list[str], match: str) -> None:
    env = {**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"}
    err = _qproto(*argv, env=env, code=2).stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("qproto: error:") and match in err[0], err
