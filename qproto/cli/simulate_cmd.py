"""``qproto simulate PROTOCOL --rounds N --seed S``: a seeded run of a QKD
protocol, streamed in chunks, with a progress bar for long runs.

Prints the summary (sifted bits, sample, estimate, decision, key length)
next to the exact expectation (sift probability, QBER, abort probability
from the binomial law); ``--json`` gives one document; ``--transcript
PATH`` also writes every round to a compressed ``.npz`` file.
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path
from typing import Any

from qproto.loader import resolve
from qproto.spec.errors import ParameterError
from qproto.spec.qkd import is_qkd
from qproto.spec.validation import check_probability, parse_fraction

from ..atomic import preflight, write_atomic
from .common import console, nonnegative_int, positive_int, print_json, validate_input

#: Runs at least this long (in rounds) get a progress bar on a terminal.
PROGRESS_ROUNDS = 10**8

# SymPy, NumPy and the simulator are imported where the command runs, so
# that ``qproto --help`` does not pay for them.

#: The largest run: minutes on the bit-packed engine (BB84-type specs, a few
#: 10^9 rounds per CPU second, benchmarks/README.md), hours on the table
#: engine (about 10^7 rounds/s); docs/limits.md.  10^26 would never end.
MAX_ROUNDS = 10**12


def _fraction_arg(name: str):
    import argparse

    def parse(text: str) -> str:
        try:
            check_probability(name, parse_fraction(text, name), shown=text.strip())
        except ParameterError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        return text

    return parse


def _threshold_arg(text: str) -> str:
    import argparse

    from qproto.models.qkd_sim import check_threshold

    try:
        check_threshold(text)
    except ParameterError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def register(sub) -> None:
    p = sub.add_parser("simulate", help="seeded simulation of a QKD protocol (transcript and summary)")
    p.add_argument("protocol", metavar="PROTOCOL", help="catalogue name, path/to/spec.py or module:ATTR")
    p.add_argument("--rounds", type=positive_int("rounds"), required=True, metavar="N", help="number of rounds (qubits)")
    p.add_argument("--seed", type=nonnegative_int("seed"), required=True, metavar="S", help="seed of the numpy Generator")
    p.add_argument("--attack", metavar="NAME:k=v,...", help="eavesdropper, e.g. intercept-resend:fraction=0.5")
    p.add_argument("--noise", metavar="NAME=P", help="line noise, e.g. depolarizing=0.05")
    p.add_argument("--sample-fraction", type=_fraction_arg("sample-fraction"), help="override the spec's sample fraction")
    p.add_argument("--threshold", type=_threshold_arg, help="override the spec's abort threshold (must be < 0.5)")
    p.add_argument("--engine", choices=("auto", "bitpacked", "table"), default="auto", help="simulation engine (default auto)")
    p.add_argument("--transcript", metavar="PATH", help="write every round to PATH (.npz); needs N ≤ 10^7")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    p.set_defaults(func=run)


def _expected_abort(spec, attack, noise, s, expect, qf):
    """The exact P(abort) for this run's size, by the spec's estimation rule:
    one binomial law for a pooled estimate; for a per-basis estimate the
    exact bracket max_b P_b ≤ P(abort) ≤ Σ_b P_b (its upper end as the
    value), as ``qproto analyze --rounds`` reports it."""
    from qproto.models.qkd_sim import abort_probability

    if getattr(spec, "estimation", "pooled") == "per-basis":
        from qproto.analyze_qkd import per_basis_abort
        from qproto.models import qkd as exact_model
        from qproto.models.attacks import line

        inst = line(attack, noise)
        per_basis = exact_model.qber_per_basis(spec, inst)
        per_basis = {b: per_basis.get(b) for b in spec.basis_probabilities}
        res = per_basis_abort(spec, inst, per_basis, s.rounds, s.sample_fraction, s.threshold)
        return res["value"]
    return None if qf is None else abort_probability(s.rounds, expect["sift_probability"], qf, s.sample_fraction, s.threshold)


def run(args: Any) -> int:
    import sympy as sp

    from qproto.models.attacks import parse_attack
    from qproto.models.exact import exact_json
    from qproto.models.qkd_sim import expected_statistics

    spec = resolve(args.protocol)
    if not is_qkd(spec):
        raise ParameterError(f"simulate works on QKD protocols (families qkd-pm, qkd-eb); {spec.name} is family {spec.family!r}")
    validate_input(spec)
    if args.rounds > MAX_ROUNDS:
        raise ParameterError(
            f"rounds={args.rounds} is more than 10^12, the largest run (minutes on the bit-packed "
            "engine, hours on the table engine); give fewer rounds (the exact expectation needs none)"
        )
    if args.transcript:
        preflight(args.transcript)
    # an empty --attack '' is an error, not "no attack" (parse_attack says so)
    attack = parse_attack(args.attack, kind="attack") if args.attack is not None else None
    noise = parse_attack(args.noise, kind="noise") if args.noise is not None else None
    if args.transcript and args.rounds > 10**7:
        raise ParameterError(f"--transcript needs rounds ≤ 10^7, got rounds={args.rounds}; drop --transcript for long runs")
    show_bar = not args.no_progress and args.rounds >= PROGRESS_ROUNDS and sys.stderr.isatty()
    t0 = time.perf_counter()
    if show_bar:
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        with Progress(
            TextColumn("simulating"),
            BarColumn(),
            TextColumn("{task.completed:,}/{task.total:,} rounds"),
            TimeRemainingColumn(),
            console=console(stderr=True),
            transient=True,
        ) as bar:
            task = bar.add_task("rounds", total=args.rounds)
            sim = _run(spec, args, attack, noise, lambda done: bar.update(task, completed=done))
    else:
        sim = _run(spec, args, attack, noise, None)
    seconds = time.perf_counter() - t0
    s = sim.summary
    expect = expected_statistics(spec, attack, noise)
    q = expect["qber"]
    qf = float(sp.N(q)) if q is not sp.nan else None
    doc = {
        "summary": s.to_json(),
        "expected": {
            "sift_probability": exact_json(expect["sift_probability"]),
            "qber": exact_json(q) if qf is not None else None,
            "abort_probability": _expected_abort(spec, attack, noise, s, expect, qf),
        },
        "line": {"attack": attack.label() if attack else None, "noise": noise.label() if noise else None},
        "seconds": round(seconds, 6),
        "rounds_per_second": s.rounds / seconds if seconds > 0 else None,
    }
    if args.transcript and sim.transcript is not None:
        import numpy as np

        buf = io.BytesIO()
        tr = sim.transcript
        cols = {name: tr.column(name) for name in tr.column_names}
        np.savez_compressed(buf, **{k: (v.astype(str) if v.dtype == object else v) for k, v in cols.items()})
        write_atomic(Path(args.transcript), buf.getvalue())
        doc["transcript"] = args.transcript
    if args.json:
        print_json(doc)
        return 0
    c = console()
    sj = doc["summary"]
    c.print(
        f"[bold]{spec.name}[/] {s.rounds:,} rounds, seed {s.seed}, engine {s.engine} "
        f"({doc['rounds_per_second'] or 0:,.0f} rounds/s)"
    )
    ex = doc["expected"]
    c.print(f"  sifted      {s.sifted:,}  (rate {s.sift_rate:.6f}; exact {ex['sift_probability']['exact']})")
    if s.qber is not None:
        c.print(f"  QBER        {s.qber:.6f}  (exact {ex['qber']['exact'] if ex['qber'] else '—'})")
    est = f"{s.estimate:.6f}" if s.estimate is not None else "—"
    c.print(f"  sample      {s.sample_size:,} bits, {s.sample_errors:,} errors, estimate {est} vs threshold {s.threshold}")
    c.print(
        f"  decision    {sj['decision']}  (exact P(abort) = {ex['abort_probability'] if ex['abort_probability'] is not None else '—'})"
    )
    c.print(f"  key         {sj['key_length']:,} bits ({s.key_errors:,} errors before reconciliation)")
    if s.intercepted is not None:
        c.print(f"  intercepted {s.intercepted:,}")
    if "transcript" in doc:
        c.print(f"wrote {doc['transcript']}")
    return 0


def _run(spec: Any, args: Any, attack: Any, noise: Any, progress: Any) -> Any:
    from qproto.models.qkd_sim import simulate

    return simulate(
        spec,
        args.rounds,
        args.seed,
        attack,
        noise,
        sample_fraction=args.sample_fraction,
        threshold=args.threshold,
        keep_transcript=bool(args.transcript),
        engine=args.engine,
        progress=progress,
    )
