"""``qproto verify`` of the whole catalogue: cold (no cache) with one process
and with every core, and warm (every verdict from the result cache).

Run: ``python benchmarks/bench_verify.py [--repeat 3] [--jobs N] [--json]``.
Nothing here asserts a time; issue 15's targets (cold ≤ 10 s wall on the
2-core machine, warm ≤ 1 s) are printed next to the medians.

Each run is a fresh ``python`` process (start-up included, as a user sees
it), and the three contenders are timed interleaved (cold -j 1, cold -j N,
warm, cold -j 1, …), ≥ 3 repetitions, medians with min–max.  Wall time is
the process's; CPU time is the process's own (user + system) plus what its
worker processes and their fork server used: workers report their CPU with
each result, and the fork server's is read from ``/proc`` before the run
ends (neither is a child the benchmark could ``wait4`` for).  Every run's
verdict statuses must equal the first cold run's: a faster run that checked
something else would not count.  The load average is recorded before and
after: the machine is shared, so read the ratios within one run.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import timing  # noqa: E402

#: issue 15's targets on the 2-core machine
COLD_TARGET, WARM_TARGET = 10.0, 1.0


def _fork_server_cpu() -> float:
    """CPU seconds (user + system) of this process's multiprocessing fork
    server, if one runs (Linux /proc; 0 elsewhere)."""
    try:
        from multiprocessing import forkserver

        pid = getattr(forkserver._forkserver, "_forkserver_pid", None)
        if not pid:
            return 0.0
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, ImportError):
        return 0.0


def one(argv: list[str]) -> None:
    """Run ``qproto verify ARGV --json`` in this process and print one JSON
    line: exit code, statuses, this process's CPU, the workers' and the
    fork server's."""
    sys.path.append(str(ROOT))
    import qproto.parallel as parallel

    seen: dict = {}
    original = parallel.verify_specs

    def capture(*a, **k):
        seen["outcome"] = out = original(*a, **k)
        return out

    parallel.verify_specs = capture
    from qproto.cli import main as cli

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = cli(["verify", *argv, "--json"])
    doc = json.loads(buf.getvalue())
    outcome = seen.get("outcome")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "exit_code": code,
                "statuses": [f"{v['protocol']}/{v['property']}={v['status']}" for v in doc["verdicts"]],
                "self_cpu": usage.ru_utime + usage.ru_stime,
                "worker_cpu": outcome.worker_cpu if outcome else 0.0,
                "busiest_worker_cpu": max(outcome.worker_cpus, default=0.0) if outcome else 0.0,
                "server_cpu": _fork_server_cpu(),
                "jobs": outcome.jobs if outcome else None,
                "from_cache": outcome.verdicts_from_cache if outcome else None,
            }
        )
    )


def _run(argv: list[str], env: dict[str, str]) -> dict:
    res = timing.child_usage([sys.executable, str(Path(__file__).resolve()), "--one", "--", *argv], env=env, cwd=str(ROOT))
    if res["returncode"] not in (0, 1):
        raise SystemExit(f"qproto verify {' '.join(argv)} failed (exit {res['returncode']}): {res['stderr'][-1500:]}")
    doc = json.loads(res["stdout"].strip().splitlines()[-1])
    # wait4 counted this process and any child it reaped; the workers and the fork server are counted apart
    doc["cpu"] = res["cpu"] + doc["worker_cpu"] + doc["server_cpu"]
    doc["wall"] = res["wall"]
    # the wall time this run would take on an idle machine with enough cores: the parent's CPU
    # (start-up, validation, output) then the busiest worker's (a loaded machine inflates "wall")
    doc["critical_cpu"] = res["cpu"] + doc["busiest_worker_cpu"]
    return doc


def _stats(xs: list[float]) -> dict[str, float]:
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs)}


def bench(repeat: int, jobs: int) -> dict:
    cache = Path(tempfile.mkdtemp(prefix="qproto-bench-cache-"))
    env = {**os.environ, "QPROTO_CACHE_DIR": str(cache)}
    cases = {
        "cold -j 1": ["-j", "1", "--no-cache"],
        f"cold -j {jobs}": ["-j", str(jobs), "--no-cache"],
        "warm (cache)": ["-j", str(jobs)],
    }
    sys.path.append(str(ROOT))
    from qproto.cache import source_hash

    load_before = timing.load()
    runs: dict[str, list[dict]] = {k: [] for k in cases}
    refills = 0
    try:
        filled = None
        for _ in range(repeat):
            for name, argv in cases.items():
                if name.startswith("warm") and filled != source_hash():
                    # (re)fill the cache, untimed: its keys hold the source's hash, so an edit to any
                    # source file since the last fill (a shared checkout) would make "warm" a cold run
                    refills += filled is not None
                    filled = source_hash()
                    _run(argv, env)
                runs[name].append(_run(argv, env))
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    reference = runs["cold -j 1"][0]["statuses"]
    same = all(r["statuses"] == reference for rs in runs.values() for r in rs)
    out = {
        "properties": len(reference),
        "repeat": repeat,
        "jobs": jobs,
        "same_statuses": same,
        "cache_refills": refills,
        "exit_codes": sorted({r["exit_code"] for rs in runs.values() for r in rs}),
        "load_before": load_before,
        "load_after": timing.load(),
        "targets": {"cold_wall": COLD_TARGET, "warm_wall": WARM_TARGET},
        "times": {},
    }
    for name, rs in runs.items():
        out["times"][name] = {
            "wall": _stats([r["wall"] for r in rs]),
            "cpu": _stats([r["cpu"] for r in rs]),
            "worker_cpu": _stats([r["worker_cpu"] for r in rs]),
            "critical_cpu": _stats([r["critical_cpu"] for r in rs]),
            "from_cache": [r["from_cache"] for r in rs],
        }
    return out


def table(res: dict) -> str:
    rows = [
        f"{res['properties']} properties of the catalogue; {res['repeat']} interleaved repetitions; "
        f"same statuses in every run: {'yes' if res['same_statuses'] else '**NO**'}; exit codes {res['exit_codes']}.",
        "",
        "| run | wall s | CPU s (all processes) | of which workers | critical path CPU s | verdicts from cache, per run | target |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, t in res["times"].items():
        target = f"≤ {res['targets']['warm_wall']:g} s wall" if name.startswith("warm") else ""
        if name == f"cold -j {res['jobs']}":
            target = f"≤ {res['targets']['cold_wall']:g} s wall (2 cores)"
        rows.append(
            f"| `qproto verify {name}` | {timing.fmt(t['wall'], '')} | {timing.fmt(t['cpu'], '')} | "
            f"{timing.fmt(t['worker_cpu'], '')} | {timing.fmt(t['critical_cpu'], '')} | {', '.join(map(str, t['from_cache']))} | {target} |"
        )
    rows += [
        "",
        "*Critical path CPU*: the main process's CPU plus the busiest worker's — what the wall time would be on an "
        "idle machine with a core per worker; on a loaded machine wall time is longer.  A warm run with fewer "
        f"verdicts from the cache than {res['properties']} found a source file edited since the cache was filled "
        f"(the keys hold the source's hash; cache refilled {res.get('cache_refills', 0)} times between runs).",
        f"Load average before/after: {res['load_before']} / {res['load_after']}.",
    ]
    return "\n".join(rows)


def main() -> None:
    if "--one" in sys.argv:
        one(sys.argv[sys.argv.index("--") + 1 :])
        return
    ap = argparse.ArgumentParser(description="time `qproto verify` of the catalogue: cold -j 1, cold -j N, warm")
    ap.add_argument("--repeat", type=int, default=3, help="interleaved repetitions (default 3)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="-j for the parallel runs (default: all cores)")
    ap.add_argument("--json", action="store_true", help="print the raw figures as JSON")
    args = ap.parse_args()
    t = time.perf_counter()
    res = bench(max(1, args.repeat), max(1, args.jobs))
    res["seconds"] = time.perf_counter() - t
    print(json.dumps(res, indent=1) if args.json else table(res))


if __name__ == "__main__":
    main()
