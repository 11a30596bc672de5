"""Run every benchmark and write one table into ``benchmarks/README.md``.

    .venv/bin/python benchmarks/run_all.py [--quick] [--skip NAME ...] [--no-write]

Each benchmark runs in its own process (so imports and peak memory are its
own); within a benchmark every baseline is timed interleaved with qproto
(``timing.interleaved``: ≥ 3 repetitions, medians with min–max, CPU and wall
time), and the ratios are computed from the same run.  The load average is
recorded before and after each benchmark: the machine is shared, so read
the ratios, not the absolute times.

Benchmarks: ``qkd-sim`` (bench_qkd_sim.py), ``teleportation``
(bench_teleportation.py), ``startup`` (``qproto --help``, measured here),
``verify`` (bench_verify.py: ``qproto verify`` of the catalogue, cold with
-j 1 and -j all cores, and warm), ``statemachine`` (bench_statemachine.py)
and ``keyrate`` (bench_keyrate.py) — the last two are reported as their own
output.  The table replaces the
text between the ``run_all`` markers in README.md; the raw figures go to
``benchmarks/last_run.json``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.append(str(ROOT))  # after site-packages: the installed qproto, not the bare source folder

import timing  # noqa: E402

START, END = "<!-- run_all:start -->", "<!-- run_all:end -->"
BENCHES = ("qkd-sim", "teleportation", "startup", "verify", "statemachine", "keyrate")


def run_json(script: str, *args: str) -> dict:
    res = timing.child_usage([sys.executable, str(HERE / script), *args, "--json"], cwd=str(ROOT))
    if res["returncode"] != 0:
        return {"error": res["stderr"][-2000:], "returncode": res["returncode"]}
    return {**json.loads(res["stdout"]), "process": {k: res[k] for k in ("cpu", "wall", "rss_mib")}}


def run_text(script: str, *args: str, timeout: float | None = None) -> dict:
    res = timing.child_usage([sys.executable, str(HERE / script), *args], cwd=str(ROOT), timeout=timeout)
    return {
        "stdout": res["stdout"],
        "stderr": res["stderr"][-2000:],
        "returncode": res["returncode"],
        "process": {k: res[k] for k in ("cpu", "wall", "rss_mib")},
    }


def startup(repeat: int) -> dict:
    """CPU of ``qproto --help`` (median of ``repeat`` fresh processes,
    interleaved with bare ``python -c pass`` and ``qproto --version``), and
    which heavy packages its import pulls in (``-X importtime``)."""
    argv = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "qproto --help": [sys.executable, "-m", "qproto", "--help"],
        "qproto --version": [sys.executable, "-m", "qproto", "--version"],
        "import qproto": [sys.executable, "-c", "import qproto"],
    }
    cpu: dict[str, list[float]] = {k: [] for k in argv}
    wall: dict[str, list[float]] = {k: [] for k in argv}
    for _ in range(repeat):
        for k, a in argv.items():
            r = timing.child_usage(a, cwd=str(ROOT))
            cpu[k].append(r["cpu"])
            wall[k].append(r["wall"])
    imp = timing.child_usage([sys.executable, "-X", "importtime", "-m", "qproto", "--help"], cwd=str(ROOT))
    mods = [line.split("|")[-1].strip() for line in imp["stderr"].splitlines() if line.startswith("import time:")]
    heavy = sorted({m.split(".")[0] for m in mods} & {"sympy", "numpy", "z3", "rich", "scipy", "matplotlib", "cvxpy"})
    return {
        "cpu": {k: {"median": statistics.median(v), "min": min(v), "max": max(v)} for k, v in cpu.items()},
        "wall": {k: {"median": statistics.median(v), "min": min(v), "max": max(v)} for k, v in wall.items()},
        "heavy_imports_for_help": heavy,
        "modules_imported_for_help": len(mods),
    }


def _reused(section: dict | None) -> str:
    return (
        f" *(from the run of {section['from_run']}, not rerun)*" if isinstance(section, dict) and section.get("from_run") else ""
    )


def table(doc: dict) -> str:
    out = [
        f"Last run: {doc['date']} on {doc['machine']} ({doc['cpus']} CPUs, shared); "
        f"`{doc['command']}`.  Medians of interleaved repetitions, (min–max); ratios from the same run.",
        "",
    ]
    q = doc.get("qkd-sim")
    if q and "compare" in q:
        out += [
            "### QKD simulator (BB84, intercept-resend on a fraction f of rounds)" + _reused(q),
            "",
            "| f | N | contender | CPU s | wall s | rounds / CPU-s |",
            "|---|---|---|---|---|---|",
        ]
        for c in q["compare"]:
            for k, v in c["times"].items():
                out.append(
                    f"| {c['fraction']} | {c['rounds']:.0e} | {k} | {timing.fmt(v['cpu'], '')} | {timing.fmt(v['wall'], '')} | "
                    f"{c['rounds_per_cpu_second'][k]:.3g} |"
                )
        out += [
            "",
            "| f | qproto ÷ baseline (CPU) | (wall) | random bits / round drawn | round-by-round minimum | "
            "qproto ÷ drawing the minimum (CPU) | qproto ÷ drawing its own bits | QBER qproto / baseline / exact |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for c in q["compare"]:
            qb = c["qber"]
            out.append(
                f"| {c['fraction']} | **{c['ratio_vs_baseline_cpu']:.2f}×** | {c['ratio_vs_baseline_wall']:.2f}× | "
                f"{c['bits_per_round_drawn']:.3f} | {c['bits_per_round_minimum']:.3f} | {c['ratio_to_floor_cpu']:.2f} | "
                f"{c['ratio_to_drawn_cpu']:.2f} | {qb['qproto']:.5f} / {qb['baseline']:.5f} / {qb['exact']} |"
            )
        if q.get("streamed"):
            out += [
                "",
                "| streamed N | f | simulation CPU s | exact P(abort) CPU ms (share) | peak RSS MiB |",
                "|---|---|---|---|---|",
            ]
            for b in q["streamed"]:
                if "sim_cpu" not in b:
                    out.append(f"| {b['rounds']:.0e} | {b['fraction']} | error | | |")
                    continue
                out.append(
                    f"| {b['rounds']:.0e} | {b['fraction']} | {b['sim_cpu']:.2f} | {b['abort_cpu'] * 1e3:.1f} "
                    f"({b['abort_share'] * 100:.1f} %) | {b['peak_rss_mib']:.0f} |"
                )
        for c in q.get("cli", []):
            out.append(
                f"\n`qproto simulate bb84 --rounds {c['rounds']:.0e} --attack intercept-resend:fraction={c['fraction']} --json`: "
                f"{c['process_cpu']:.2f} s CPU in all (start-up, exact expectation, simulation {c['simulation_seconds']} s wall), "
                f"peak RSS {c['peak_rss_mib']:.0f} MiB."
            )
        out += [f"\nLoad average before/after: {q.get('load_before')} / {q.get('load_after')}.", ""]
    t = doc.get("teleportation")
    if t and "teleportation" in t:
        out += [
            "### Circuit protocols: teleportation of N Haar-random qubits, and others" + _reused(t),
            "",
            "| contender | N | CPU s | wall s | runs / CPU-s |",
            "|---|---|---|---|---|",
        ]
        for k, v in t["teleportation"].items():
            out.append(
                f"| {k} | {t['runs']} | {timing.fmt(v['cpu'], '')} | {timing.fmt(v['wall'], '')} | {v['runs_per_cpu_second']:,.0f} |"
            )
        for name, res in t["other_protocols"].items():
            for k, v in res.items():
                wall = timing.fmt(v["wall"], "") if "wall" in v else ""
                out.append(
                    f"| {name}: {k} | {t.get('other_runs', '')} | {timing.fmt(v['cpu'], '')} | {wall} | {v['runs_per_cpu_second']:,.0f} |"
                )
        swap = (
            f"entanglement swapping: **{t['ratio_swapping_vs_numpy_cpu']:.2f}×** CPU.  "
            if "ratio_swapping_vs_numpy_cpu" in t
            else ""
        )
        out += [
            "",
            f"Batch runner ÷ vectorised NumPy, teleportation: **{t['ratio_batch_vs_numpy_cpu']:.2f}×** CPU, "
            f"{t['ratio_batch_vs_numpy_wall']:.2f}× wall (min fidelity {t['teleportation_min_fidelity']:.12f}); {swap}"
            f"Proof obligations: cold {t['verify_cold_seconds'] * 1e3:.0f} ms, warm {t['verify_warm_median_seconds'] * 1e3:.0f} ms.",
            f"Load average before/after: {t.get('load_before')} / {t.get('load_after')}.",
            "",
        ]
    s = doc.get("startup")
    if s:
        out += ["### Start-up" + _reused(s), "", "| command | CPU s | wall s |", "|---|---|---|"]
        for k in s["cpu"]:
            out.append(f"| `{k}` | {timing.fmt(s['cpu'][k], '')} | {timing.fmt(s['wall'][k], '')} |")
        out += [
            "",
            f"Heavy packages imported by `qproto --help`: {', '.join(s['heavy_imports_for_help']) or 'none'} "
            f"({s['modules_imported_for_help']} modules in all).",
            "",
        ]
    v = doc.get("verify")
    if v and "times" in v:
        import bench_verify

        out += ["### `qproto verify` of the catalogue: cold and warm" + _reused(v), "", bench_verify.table(v), ""]
    for name in ("statemachine", "keyrate"):
        r = doc.get(name)
        if r:
            out += [
                f"### {name} (its own output)" + _reused(r),
                "",
                "```",
                (r.get("stdout") or r.get("stderr") or "").rstrip(),
                "```",
                f"exit {r.get('returncode')}"
                + (" (stopped: ran past --timeout, or killed)" if (r.get("returncode") or 0) < 0 else "")
                + f", {r['process']['cpu']:.1f} s CPU, {r['process']['wall']:.1f} s wall.",
                "",
            ]
    for name in BENCHES:
        if isinstance(doc.get(name), dict) and "error" in doc[name]:
            out += [
                f"**{name} failed**: `{doc[name]['error'].strip().splitlines()[-1] if doc[name]['error'].strip() else '?'}`",
                "",
            ]
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description="run every benchmark; write the table into benchmarks/README.md")
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke run, minutes less)")
    ap.add_argument("--skip", nargs="*", default=[], choices=BENCHES)
    ap.add_argument("--repeat", type=int, default=3, help="interleaved repetitions (default 3, at least 3 counts as fair)")
    ap.add_argument("--no-write", action="store_true", help="print the table, leave README.md alone")
    ap.add_argument("--timeout", type=float, default=900, help="seconds before statemachine or keyrate is stopped (default 900)")
    args = ap.parse_args()
    rep = str(max(1, args.repeat))
    doc: dict = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()} {platform.python_implementation()} {platform.python_version()}",
        "cpus": os.cpu_count(),
        "command": " ".join(["benchmarks/run_all.py", *sys.argv[1:]]),
    }
    if "qkd-sim" not in args.skip:
        doc["qkd-sim"] = run_json(
            "bench_qkd_sim.py",
            "--rounds",
            "1e7" if args.quick else "1e8",
            "--repeat",
            rep,
            "--big",
            "1e8" if args.quick else "1e9,1e10",
        )
    if "teleportation" not in args.skip:
        doc["teleportation"] = run_json(
            "bench_teleportation.py", "--runs", "100000" if args.quick else "1000000", "--repeat", rep
        )
    if "startup" not in args.skip:
        doc["startup"] = startup(max(5, int(rep)))
    if "verify" not in args.skip:
        doc["verify"] = run_json("bench_verify.py", "--repeat", rep)
    if "statemachine" not in args.skip:
        doc["statemachine"] = run_text("bench_statemachine.py", "--repeat", rep, timeout=args.timeout)
    if "keyrate" not in args.skip:
        doc["keyrate"] = run_text("bench_keyrate.py", "--repeat", rep, timeout=args.timeout)
    previous = HERE / "last_run.json"
    if args.skip and previous.exists():  # a skipped benchmark keeps its figures from the last run, dated
        try:
            old = json.loads(previous.read_text())
        except ValueError:
            old = {}
        for name in args.skip:
            if name in old and isinstance(old[name], dict):
                doc[name] = {**old[name], "from_run": old[name].get("from_run", old.get("date"))}
    text = table(doc)
    print(text)
    if args.no_write:
        return
    from qproto.atomic import write_atomic

    write_atomic(HERE / "last_run.json", json.dumps(doc, indent=1, default=str) + "\n")
    readme = HERE / "README.md"
    old = readme.read_text() if readme.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    if START not in old:
        old += f"\n## Last run\n\n{START}\n{END}\n"
    new = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: f"{START}\n{text}\n{END}", old, flags=re.S)
    write_atomic(readme, new)
    print(f"\nwrote {readme} and {HERE / 'last_run.json'}")


if __name__ == "__main__":
    main()
