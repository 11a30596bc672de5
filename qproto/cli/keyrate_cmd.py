"""``qproto keyrate``: the certified numerical key rate of a QKD spec.

    qproto keyrate b92 --noise depolarizing=0.05
    qproto keyrate sarg04 --attack intercept-resend:fraction=0.2 --json
    qproto keyrate bb84 --threshold
    qproto keyrate bb84 --noise depolarizing=0.06 --rounds 1e6 --epsilon 1e-10
    qproto keyrate b92 --sweep qber=0:0.15:31 -j 2 --json
    qproto keyrate bb84-decoy --sweep distance=0:150:16
    qproto keyrate bb84 --sweep qber=0:0.11:12 --scheduler tcp://10.0.0.5:8786 --json

Sweeps run their points on a process pool (``-j``, default all cores),
with a progress bar on a terminal, or with ``--scheduler tcp://HOST:PORT``
on an existing Dask distributed cluster (``pip install 'qproto[cluster]'``);
the results come back in input order and equal a serial run's, number for
number.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from typing import Any

from qproto.keyrate_api import (  # re-exported: these names were defined here first
    MAX_SWEEP_POINTS,
    SWEEP_VARIABLES,
    decoy_parameters,
    run_points,
    sweep_value_problem,
)
from qproto.spec.errors import ParameterError
from qproto.spec.validation import check_int

from .common import add_scheduler_argument, bounded_int, check_number_text, check_scheduler_option, console, print_json

#: The largest N for ``--rounds`` (the finite-key formula is closed-form,
#: but beyond this the text is surely a typo).
MAX_ROUNDS = 10**18


def register(sub: Any) -> None:
    p = sub.add_parser("keyrate", help="certified asymptotic key rate [lower, upper] of a QKD spec (needs qproto[keyrate])")
    p.add_argument("protocol", metavar="PROTOCOL", help="catalogue name, path/to/spec.py or module:ATTR")
    how = p.add_mutually_exclusive_group()
    how.add_argument(
        "--noise",
        metavar="NAME=P",
        help="line noise on Bob's qubit: depolarizing=P (default depolarizing=0), dephasing=P, bit-flip=P",
    )
    how.add_argument(
        "--attack",
        metavar="LABEL",
        help="a catalogue attack, e.g. intercept-resend:fraction=0.2 (Bob's marginal channel is used)",
    )
    p.add_argument(
        "--transmittance",
        type=float,
        metavar="ETA",
        help="photon loss before the noise: Bob sees no click with probability 1 − ETA (prepare and measure)",
    )
    p.add_argument(
        "--threshold", action="store_true", help="also bracket the depolarizing QBER where the certified rate reaches zero"
    )
    p.add_argument(
        "--ec-efficiency", type=float, default=1.0, metavar="F", help="error-correction leak F·h(QBER) per sifted bit (default 1)"
    )
    p.add_argument(
        "--observations",
        choices=("full", "qber"),
        default="full",
        help="what constrains Eve: the full observed table (default) or only the sift and error rates "
        "that parameter estimation reads",
    )
    p.add_argument(
        "--primal",
        choices=("newton", "frank-wolfe"),
        default="newton",
        help="step-1 solver (the certificate does not depend on it)",
    )
    p.add_argument(
        "--rounds",
        type=_rounds,
        metavar="N",
        help="add the finite-key length after N signals (Tomamichel et al. 2012; BB84-type specs)",
    )
    p.add_argument("--epsilon", type=float, metavar="E", help="ε_sec of the finite-key length (default 1e-10; needs --rounds)")
    p.add_argument(
        "--sweep",
        metavar="VAR=START:STOP:COUNT",
        help="a range of points: qber=0:0.15:31 (depolarizing noise set to reach each QBER), "
        "transmittance=0.1:1:10, distance=0:150:16 (km of fibre, decoy-state rate; bb84-decoy)",
    )
    p.add_argument(
        "--block-size",
        type=_whole_number("block-size"),
        metavar="N",
        help="with --sweep distance=…: add the finite-size decoy rate of Lim et al. (2014) at block size n_X = N",
    )
    p.add_argument(
        "-j",
        "--jobs",
        type=bounded_int("jobs", 1, 1024, "processes"),
        metavar="N",
        help="processes for a sweep (default: all cores)",
    )
    add_scheduler_argument(p, "the sweep's points")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.set_defaults(func=run)


def _whole_number(name: str) -> Callable[[str], int]:
    """The argparse type of ``--NAME N``: N as an integer; ``1e6`` is
    accepted when it is a whole number.  Messages name the option."""
    import argparse

    def parse(text: str) -> int:
        try:
            check_number_text(name, text)
            value = float(text) if re.fullmatch(r"\s*[0-9.]+[eE][+]?[0-9]+\s*", text) else int(text)
        except (ValueError, ParameterError) as exc:
            raise argparse.ArgumentTypeError(f"{name}={text!r} must be a positive integer (e.g. 1000000 or 1e6): {exc}") from None
        if value != int(value) or not 0 < value <= MAX_ROUNDS:
            raise argparse.ArgumentTypeError(f"{name}={text!r} must be a positive integer ≤ 1e18")
        return int(value)

    return parse


_rounds = _whole_number("rounds")


def parse_sweep(text: str) -> tuple[str, list[float]]:
    """``VAR=START:STOP:COUNT`` (COUNT points, ends included), ``VAR=V``
    or ``VAR=V1,V2,...`` → (variable, values)."""
    name, sep, rng = text.partition("=")
    name = name.strip()
    if not sep or not rng.strip():
        raise ParameterError(f"--sweep {text!r}: write VAR=START:STOP:COUNT, e.g. qber=0:0.15:31")
    if name not in SWEEP_VARIABLES:
        from qproto import _did_you_mean

        raise ParameterError(f"--sweep {text!r}: unknown variable {name!r}{_did_you_mean(name, SWEEP_VARIABLES)}")

    def number(part: str) -> float:
        check_number_text("--sweep", part)
        try:
            x = float(part)
        except ValueError:
            raise ParameterError(f"--sweep {text!r}: {part.strip()!r} is not a number; write {name}=START:STOP:COUNT") from None
        if x != x or x in (float("inf"), float("-inf")):
            raise ParameterError(f"--sweep {text!r}: {part.strip()!r} is not a finite number")
        return x

    parts = rng.split(":")
    if len(parts) == 3:
        start, stop = number(parts[0]), number(parts[1])
        try:
            count = int(parts[2])
        except ValueError:
            raise ParameterError(f"--sweep {text!r}: COUNT={parts[2].strip()!r} must be a whole number of points") from None
        check_int(f"--sweep {text!r}: COUNT", count, 1, MAX_SWEEP_POINTS)
        if count == 1 and start != stop:
            raise ParameterError(f"--sweep {text!r}: one point cannot span {start:g} to {stop:g}; give COUNT ≥ 2")
        values = [start + (stop - start) * i / (count - 1) for i in range(count)] if count > 1 else [start]
    elif len(parts) == 1:
        values = [number(v) for v in rng.split(",")]
        if len(values) > MAX_SWEEP_POINTS:
            raise ParameterError(f"--sweep {text!r}: {len(values)} points is more than {MAX_SWEEP_POINTS}")
    else:
        raise ParameterError(f"--sweep {text!r}: write {name}=START:STOP:COUNT (three fields), {name}=V or {name}=V1,V2,...")
    for v in values:
        why = sweep_value_problem(name, v)
        if why is not None:
            raise ParameterError(f"--sweep {text!r}: {why}")
    return name, values


# -- one point (runs in a worker process) ------------------------------------------------------

#: Specs resolved (and validated) in this process, by their command-line
#: text: a file spec is read once, its compiled SDPs are reused across the
#: points, and forked workers inherit what the parent resolved.
_RESOLVED: dict[str, Any] = {}


def _resolved(ref: str) -> Any:
    if ref not in _RESOLVED:
        from qproto.keyrate_api import resolve_spec

        _RESOLVED[ref] = resolve_spec(ref)[0]
    return _RESOLVED[ref]


def _point(ref: str, variable: str, value: float, base: dict[str, Any], primal: str, spec: Any = None) -> dict[str, Any]:
    """The JSON document of one sweep point (:func:`qproto.keyrate_api.sweep_point`)
    of the spec ``ref`` names, or of ``spec`` (resolved from ``ref`` by the
    caller: sent to a cluster worker, which may not have ``ref``'s file)."""
    from qproto.keyrate_api import sweep_point

    doc = sweep_point(_resolved(ref) if spec is None else spec, ref, variable, value, base, primal).to_json()
    return {"point": {variable: value}, **doc}


def _decoy_point(distance: float, params: Any, block_size: float | None = None) -> dict[str, Any]:
    from qproto.keyrate_api import decoy_point

    return decoy_point(distance, params, block_size).to_json()


def _result_json(r: Any) -> Any:
    from qproto.keyrate_api import _plain

    if hasattr(r, "to_json"):
        return r.to_json()
    if hasattr(r, "__dataclass_fields__"):
        return _plain(vars(r))
    return r


# -- the command ---------------------------------------------------------------------------------


def _base_options(args: Any) -> dict[str, Any]:
    for option in ("attack", "noise"):
        if getattr(args, option) is not None and not getattr(args, option).strip():
            raise ParameterError(f"--{option}='' is empty; give a value or drop the option")
    if args.epsilon is not None and args.rounds is None:
        raise ParameterError(f"--epsilon {args.epsilon:g} needs --rounds N (it is the finite-key security parameter)")
    return {
        "noise": args.noise,
        "attack": args.attack,
        "transmittance": args.transmittance,
        "ec_efficiency": args.ec_efficiency,
        "observations": args.observations,
        "rounds": args.rounds,
        "epsilon": args.epsilon,
    }


def run(args: Any) -> int:
    from qproto.keyrate_api import checked_options, report, resolve_spec

    base = _base_options(args)
    target, ref = resolve_spec(args.protocol)
    _RESOLVED[args.protocol] = target
    if args.block_size is not None and (args.sweep is None or not args.sweep.strip().startswith("distance")):
        raise ParameterError(
            "--block-size applies to --sweep distance=… (the finite-size decoy rate); add it or drop --block-size"
        )
    if args.sweep is not None:
        return _run_sweep(args, target, base)
    if args.jobs is not None:
        raise ParameterError("-j/--jobs applies to --sweep only; drop it or add --sweep")
    if args.scheduler is not None:
        raise ParameterError("--scheduler applies to --sweep only; drop it or add --sweep")
    rep = report(target, args.protocol, checked_options(target, threshold=args.threshold, **base), primal=args.primal)
    if args.json:
        print_json(rep.to_json())
        return 0
    _print_report(rep)
    return 0


def _print_report(rep: Any) -> None:
    out = console()
    upper = "—" if rep.upper is None else f"{rep.upper:.6f}"
    out.print(f"[bold]{rep.protocol}[/bold] under {rep.channel}: QBER {rep.qber:.6f}, sifted fraction {rep.sift:.6f}")
    out.print(f"key rate ∈ [{rep.lower:.6f}, {upper}] {rep.unit} (gap {rep.gap:.2e})")
    out.print(
        "  lower: certified (Winick, Lütkenhaus, Coles 2018 dual bound); "
        "upper: explicit collective attack reproducing every observed probability"
    )
    if rep.upper_attack.replay:
        out.print(f"  replay the upper end: {rep.upper_attack.replay}")
    if rep.upper_attack.replay_observations:
        out.print(f"  replay the observed statistics: {rep.upper_attack.replay_observations}")
    if rep.threshold is not None:
        t = rep.threshold
        out.print(f"zero of the rate under depolarizing noise: QBER ∈ [{t.qber_low:.6f}, {t.qber_high:.6f}]")
    if rep.finite_key is not None:
        fk = rep.finite_key
        verdict = "positive" if fk.positive else "no key"
        out.print(
            f"finite key after N = {fk.rounds:,} signals, ε = {fk.epsilon:g}: {fk.key_bits:,.0f} bits "
            f"({fk.rate_per_signal:.3e} per signal; {verdict}) — {fk.reference}"
        )
        if fk.details.get("regime"):
            out.print(f"  finite-key regime: {fk.details['regime']}")
    out.print(f"regime: {rep.regime}")
    out.print(f"solver: {rep.solver}; {rep.seconds:.2f} s")


def _run_sweep(args: Any, target: Any, base: dict[str, Any]) -> int:
    variable, values = parse_sweep(args.sweep)
    check_scheduler_option(args, "run the points")  # before any point runs
    jobs = args.jobs or os.cpu_count() or 1
    show = sys.stderr.isatty()
    if variable == "distance":
        return _run_decoy_sweep(args, target, values, jobs, show)
    if variable == "qber" and (args.noise is not None or args.attack is not None):
        raise ParameterError("--sweep qber=… sets depolarizing noise for each QBER; drop --noise/--attack")
    if variable == "transmittance" and args.transmittance is not None:
        raise ParameterError("--sweep transmittance=… and --transmittance both set η; drop one")
    from qproto.keyrate_api import check_sweep

    check_sweep(target, variable, values, base)
    calls: list[tuple[Any, ...]] = [(args.protocol, variable, v, base, args.primal) for v in values]
    if args.scheduler is not None:
        from qproto.parallel import picklable

        if picklable(target):  # the resolved spec goes along: a worker need not have its file
            calls = [(*c, target) for c in calls]
    points = run_points(_point, calls, jobs, show, f"{target.name}: {variable}", args.scheduler)
    threshold = None
    if args.threshold:
        from qproto.models.keyrate_numeric import certified_threshold

        lo, hi = certified_threshold(
            target, ec_efficiency=args.ec_efficiency, observations=args.observations, transmittance=args.transmittance
        )
        threshold = {"noise": "depolarizing", "qber_low": lo, "qber_high": hi}
    if args.json:
        doc: dict[str, Any] = {
            "protocol": target.name,
            "sweep": _sweep_doc(args, variable, values, jobs),
            "points": points,
        }
        if threshold:
            doc["threshold"] = threshold
        print_json(doc)
        return 0
    from rich.table import Table

    table = Table(title=f"{target.name}: certified key rate (bits per sifted bit) against {variable}")
    for col in (variable, "QBER", "sifted", "lower", "upper", "gap"):
        table.add_column(col, justify="right")
    if args.rounds is not None:
        table.add_column(f"key bits at N={args.rounds:g}", justify="right")
    for pt in points:
        row = [
            f"{pt['point'][variable]:.6g}",
            f"{pt['qber']:.6f}",
            f"{pt['sift']:.6f}",
            f"{pt['lower']:.6f}",
            "—" if pt["upper"] is None else f"{pt['upper']:.6f}",
            f"{pt['gap']:.1e}",
        ]
        if args.rounds is not None:
            row.append(f"{pt['finite_key']['key_bits']:,.0f}")
        table.add_row(*row)
    out = console()
    out.print(table)
    if threshold:
        out.print(
            f"zero of the rate under depolarizing noise: QBER ∈ [{threshold['qber_low']:.6f}, {threshold['qber_high']:.6f}]"
        )
    out.print(f"regime: {points[0]['regime']}")
    return 0


def _run_decoy_sweep(args: Any, target: Any, values: list[float], jobs: int, show: bool) -> int:
    for option in ("noise", "attack", "transmittance", "rounds", "threshold"):
        if getattr(args, option) not in (None, False):
            raise ParameterError(f"--sweep distance=… computes the decoy-state rate of the fibre model; drop --{option}")
    params = decoy_parameters(target)
    block = args.block_size
    points = run_points(
        _decoy_point, [(d, params, block) for d in values], jobs, show, f"{target.name}: distance", args.scheduler
    )
    if args.json:
        print_json(
            {
                "protocol": target.name,
                "sweep": _sweep_doc(args, "distance", values, jobs),
                "parameters": _result_json(params),
                "points": points,
            }
        )
        return 0
    from rich.table import Table

    table = Table(title=f"{target.name}: decoy-state key rate (bits per pulse) against fibre length")
    cols = ["km", "vacuum+weak", "infinite decoys"]
    if block is not None:
        cols.append(f"finite, n_X={block:g}")
    for col in (*cols, "PLOB bound"):
        table.add_column(col, justify="right")
    for pt in points:
        row = [f"{pt['distance']:.6g}", f"{_rate(pt['vacuum_weak']):.3e}", f"{_rate(pt['infinite']):.3e}"]
        if block is not None:
            row.append(f"{_rate(pt['finite']):.3e}")
        row.append("∞" if pt["plob"] is None else f"{pt['plob']:.3e}")
        table.add_row(*row)
    out = console()
    out.print(table)
    if block is not None:
        out.print(
            "finite: Lim, Curty, Walenta, Xu, Zbinden, PRA 89, 022307 (2014), three intensities optimised per point, "
            "ε_sec = 1e-15·ℓ, ε_cor = 1e-15; rates below 0 mean no key"
        )
    return 0


def _sweep_doc(args: Any, variable: str, values: list[float], jobs: int) -> dict[str, Any]:
    """The ``sweep`` entry of the JSON: what ran where (``jobs`` local
    processes, or the cluster at ``scheduler``)."""
    if args.scheduler is not None:
        return {"variable": variable, "values": values, "scheduler": args.scheduler}
    return {"variable": variable, "values": values, "jobs": jobs}


def _rate(doc: Any) -> float:
    return float(doc["rate"] if isinstance(doc, dict) else doc)
