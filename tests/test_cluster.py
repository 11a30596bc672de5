"""Campaigns on a Dask distributed cluster give the local results: a
cluster started here (two worker processes), a small mutation-campaign
slice run locally and through the scheduler's address, the same totals."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed", reason="Dask distributed not installed (pip install 'qproto[cluster]')")

ROOT = Path(__file__).resolve().parent.parent
CAMPAIGN = [
    sys.executable,
    str(ROOT / "benchmarks" / "mutation_campaign.py"),
    "--families",
    "circuit,transition",
    "--count",
    "6",
    "--seed",
    "7",
    "--jobs",
    "2",
    "--json",
]


def _campaign(*extra: str, env: dict | None = None) -> dict:
    run = subprocess.run([*CAMPAIGN, *extra], cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
    assert run.returncode in (0, 1), run.stderr[-2000:]
    doc = json.loads(run.stdout)
    doc["summary"] = re.sub(r" in [0-9.]+ s$", "", doc["summary"])  # wall time differs
    return doc


def test_cluster_run_equals_local_run():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = _campaign("--scheduler", cluster.scheduler_address)
        with distributed.Client(cluster) as client:  # the units did run on the cluster
            prefixes = client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.task_prefixes))
        assert any("cluster_work" in p for p in prefixes), prefixes
    local = _campaign()
    assert remote == local
    assert local["by_family"]["circuit"]["generated"] + local["by_family"]["transition"]["generated"] == 6


def test_unreachable_scheduler_is_one_line():
    env = {**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"}
    run = subprocess.run(
        [*CAMPAIGN, "--scheduler", "tcp://127.0.0.1:9"], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env
    )
    assert run.returncode == 2
    assert "cannot connect to a Dask scheduler" in run.stderr and "Traceback" not in run.stderr
