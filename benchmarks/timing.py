"""Fair timing for the benchmarks: every contender timed interleaved with
the others (A, B, A, B, ...), several repetitions, medians with min–max,
CPU and wall time both, and the machine's load average recorded.

The machine is shared: compare ratios measured in the same run, never
absolute times across runs.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _stats(xs: list[float]) -> dict[str, float]:
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs)}


def interleaved(cases: dict[str, Callable[[], Any]], repeat: int = 3, warmup: bool = True) -> dict[str, dict[str, Any]]:
    """Time each callable ``repeat`` times, round-robin, after one untimed
    warm-up call each.  Returns name → {"cpu": stats, "wall": stats,
    "result": last return value}."""
    if warmup:
        for fn in cases.values():
            fn()
    cpu: dict[str, list[float]] = {k: [] for k in cases}
    wall: dict[str, list[float]] = {k: [] for k in cases}
    out: dict[str, Any] = {}
    for _ in range(repeat):
        for name, fn in cases.items():
            c, w = time.process_time(), time.perf_counter()
            out[name] = fn()
            cpu[name].append(time.process_time() - c)
            wall[name].append(time.perf_counter() - w)
    return {k: {"cpu": _stats(cpu[k]), "wall": _stats(wall[k]), "result": out[k]} for k in cases}


def child_usage(
    argv: list[str], env: dict[str, str] | None = None, cwd: str | None = None, timeout: float | None = None
) -> dict[str, Any]:
    """Run a process: its own CPU seconds (user + system), wall seconds,
    peak resident memory (MiB) and output (``os.wait4`` on the process, so
    only its own usage is counted)."""
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, env=env, cwd=cwd)
        while True:  # poll, so that a run past ``timeout`` is stopped (SIGTERM) and still measured
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if timeout is not None and time.perf_counter() - t > timeout:
                proc.terminate()
                _, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        wall = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text, errors = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    return {
        "cpu": usage.ru_utime + usage.ru_stime,
        "wall": wall,
        "rss_mib": usage.ru_maxrss / 1024,
        "returncode": proc.returncode,
        "stdout": text,
        "stderr": errors,
    }


def python() -> str:
    return sys.executable


def fmt(stats: dict[str, float], unit: str = "s", digits: int = 3) -> str:
    return f"{stats['median']:.{digits}f} ({stats['min']:.{digits}f}–{stats['max']:.{digits}f}) {unit}"
