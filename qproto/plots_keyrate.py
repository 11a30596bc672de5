"""Key-rate plots: certified brackets, decoy states against distance, finite key.

- ``keyrate-vs-qber [SPEC]``: the certified bracket [lower, upper] of a
  spec against the QBER under depolarizing noise, with the spec's closed-form
  rates (if it names any) and its own abort threshold.  Without SPEC, the
  closed-form rates of the whole QKD catalogue (:mod:`qproto.plots_qkd`).
- ``keyrate-vs-distance``: the decoy-state rate (vacuum + weak decoy, and
  infinitely many decoys) against fibre length, with the repeaterless PLOB
  bound (Pirandola et al., Nat. Commun. 8, 15043 (2017)) on log axes, and
  with ``--block-size N`` the finite-size rate of Lim et al., PRA 89,
  022307 (2014) at block size n_X = N on the same link.
- ``finite-key``: the ε-secure key length per signal of BB84 against the
  number of signals N (Tomamichel et al., Nat. Commun. 3, 634 (2012)) for
  several QBERs, each with its asymptotic limit.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from qproto.plots import PlotKind, register_plot
from qproto.spec.errors import ParameterError
from qproto.spec.validation import check_fraction


def _percent(q: float) -> str:
    return f"{100 * q:g}\\%"


# -- keyrate-vs-qber -------------------------------------------------------------------------


def _qber_args(p: Any) -> None:
    from qproto.cli.common import bounded_int

    p.add_argument(
        "spec",
        nargs="?",
        metavar="SPEC",
        help="QKD spec whose certified bracket to draw (name, path.py or module:ATTR); "
        "omit it for the closed-form rates of the whole catalogue",
    )
    p.add_argument("--max-qber", type=float, default=0.16, help="right end of the QBER axis (default 0.16)")
    p.add_argument(
        "--points", type=bounded_int("points", 2, 400, "certified solves"), default=25, help="QBER points for a SPEC (default 25)"
    )
    p.add_argument(
        "-j",
        "--jobs",
        type=bounded_int("jobs", 1, 1024, "processes"),
        default=1,
        metavar="N",
        help="processes for the points (default 1)",
    )


def _draw_qber(args: Any, fig: Any) -> None:
    check_fraction("max-qber", args.max_qber, 0, 0.5, open_low=True)
    if args.spec is None:
        from qproto.plots_qkd import _draw_rates

        _draw_rates(args, fig)
        return
    import sympy as sp

    from qproto.cli.keyrate_cmd import _RESOLVED, _point, run_points
    from qproto.keyrate_api import resolve_spec
    from qproto.models.keyrate_numeric import depolarizing_level

    spec, _ = resolve_spec(args.spec)
    _RESOLVED[args.spec] = spec  # the points reuse it instead of validating it again
    q_max = args.max_qber
    try:
        depolarizing_level(spec, q_max)
    except ParameterError:
        q_max = _qber_at_full_noise(spec)
    qs = list(np.linspace(0.0, q_max, args.points))
    base = {
        "noise": None,
        "attack": None,
        "transmittance": None,
        "ec_efficiency": 1.0,
        "observations": "full",
        "rounds": None,
        "epsilon": None,
    }
    points = run_points(_point, [(args.spec, "qber", float(q), base, "newton") for q in qs], args.jobs)
    q = np.array([pt["qber"] for pt in points])
    lower = np.array([pt["lower"] for pt in points])
    upper = np.array([np.nan if pt["upper"] is None else pt["upper"] for pt in points])
    ax = fig.add_subplot()
    ax.fill_between(q, lower, upper, color="C0", alpha=0.25, lw=0)
    ax.plot(q, lower, "o-", color="C0", ms=3, label=r"certified lower bound $R_{\mathrm{low}}$ (Winick et al. 2018)")
    ax.plot(q, upper, "--", color="C3", lw=1, label=r"upper bound $R_{\mathrm{up}}$: explicit collective attack")
    from qproto.models.keyrate import key_rate

    fine = np.linspace(0.0, q_max, 300)
    for i, name in enumerate(spec.key_rates):
        kr = key_rate(name)
        hi = float(sp.N(kr.domain_high))
        qq = fine[(fine > 0) & (fine < hi)]
        ax.plot(qq, kr(qq), ":", color=f"C{i + 4}", lw=1, label=f"closed form: {name}")
    th = float(sp.N(sp.sympify(str(spec.abort_threshold), rational=True)))
    ax.axvline(
        th, color="black", ls="-.", lw=0.9, label=rf"{spec.name} abort threshold $Q_{{\mathrm{{abort}}}} = {_percent(th)}$"
    )
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xlabel(r"QBER $Q$ (depolarizing noise on Bob's qubit)")
    ax.set_ylabel(r"key rate $R$ (bits per sifted bit)")
    ax.set_xlim(0, q_max)
    ax.set_ylim(max(-0.3, float(np.nanmin(lower)) - 0.05), 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    ax.set_title(f"{spec.name}: certified asymptotic key rate (collective attacks, one-way)")


def _qber_at_full_noise(spec: Any) -> float:
    from qproto.models.keyrate_source import depolarizing_kraus, problem

    return float(problem(spec, depolarizing_kraus(1.0), "p=1").qber)


# -- keyrate-vs-distance -----------------------------------------------------------------------


def _distance_args(p: Any) -> None:
    from qproto.cli.common import bounded_int

    p.add_argument("--protocol", default="bb84-decoy", metavar="NAME", help="decoy-state spec (default bb84-decoy)")
    p.add_argument("--max-km", type=float, default=200.0, help="right end of the distance axis in km (default 200)")
    p.add_argument("--points", type=bounded_int("points", 2, 2000, "points"), default=101, help="distance points (default 101)")
    p.add_argument(
        "--block-size",
        type=float,
        action="append",
        metavar="N",
        help="add the finite-size rate of Lim et al. (2014) at block size n_X = N (repeatable, e.g. 1e6 1e8 1e10)",
    )
    p.add_argument(
        "--finite-points",
        type=bounded_int("finite-points", 2, 400, "points"),
        default=21,
        help="distance points of each finite-size curve (each is an optimisation; default 21)",
    )
    p.add_argument(
        "-j",
        "--jobs",
        type=bounded_int("jobs", 1, 1024, "processes"),
        default=1,
        metavar="N",
        help="processes for the finite-size points (default 1)",
    )


def _finite_point(distance: float, block: float, params: Any) -> float:
    from qproto.models.decoy_finite import lim_parameters_for, optimal_rate

    return optimal_rate(distance, block, lim_parameters_for(params))[0]


def _draw_distance(args: Any, fig: Any) -> None:
    check_fraction("max-km", args.max_km, 0, 10000, open_low=True)
    from qproto.cli.keyrate_cmd import decoy_parameters
    from qproto.keyrate_api import resolve_spec
    from qproto.models.decoy import decoy_rate, plob_bound

    spec, _ = resolve_spec(args.protocol)
    params = decoy_parameters(spec)
    km = np.linspace(0.0, args.max_km, args.points)
    ax = fig.add_subplot()
    for decoys, style, label in (
        ("infinite", "-", "infinitely many decoys (GLLP with exact $Y_1$, $e_1$)"),
        ("vacuum+weak", "--", r"vacuum + weak decoy ($Y_1^L$, $e_1^U$ of Ma et al. 2005)"),
    ):
        rates = np.array([float(decoy_rate(float(d), params, decoys=decoys).rate) for d in km])
        shown = np.where(rates > 0, rates, np.nan)
        ax.plot(km, shown, style, label=label)
        if np.any(rates > 0):
            last = km[rates > 0][-1]
            ax.annotate(f"{last:.0f} km", (last, shown[rates > 0][-1]), textcoords="offset points", xytext=(3, 3), fontsize=7)
    blocks = getattr(args, "block_size", None) or []
    for b in blocks:
        check_fraction("block-size", b, 1, 10**18, shown=f"{b:g}")
    if blocks:
        from qproto.keyrate_api import run_points

        fkm = np.linspace(0.0, args.max_km, args.finite_points)
        calls = [(float(d), float(b), params) for b in blocks for d in fkm]
        values = run_points(_finite_point, calls, getattr(args, "jobs", 1))
        for i, b in enumerate(blocks):
            rates = np.array(values[i * len(fkm) : (i + 1) * len(fkm)])
            ax.plot(
                fkm,
                np.where(rates > 0, rates, np.nan),
                "-.",
                marker=".",
                ms=3,
                label=rf"finite size, $n_X = {_sci(b)}$, biased bases (Lim et al. 2014)",
            )
    alpha = _alpha(params)
    ax.plot(km, [plob_bound(float(d), alpha) for d in km], "k:", label=r"PLOB bound $-\log_2(1-\eta)$ (Pirandola et al. 2017)")
    ax.set_yscale("log")
    ax.set_xlabel(rf"fibre length $L$ (km), loss {alpha:g} dB/km")
    ax.set_ylabel(r"key rate $R$ (bits per pulse)")
    ax.set_xlim(0, args.max_km)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7)
    ax.set_title(rf"{spec.name}: decoy-state rate, GYS link, $\mu = {params.mu:g}$, $\nu = {params.nu:g}$")
    if blocks:
        # Ma et al.'s curves sift with q = 1/2; Lim et al.'s protocol biases the bases (q_x → 1 for large n_X)
        ax.text(
            0.01,
            0.01,
            r"asymptotic curves: sifting $q = 1/2$; finite-size: $q_x$, $p_k$, $\mu_k$ optimised per point",
            transform=ax.transAxes,
            fontsize=6,
            va="bottom",
        )


def _alpha(params: Any) -> float:
    for name in ("alpha_db_per_km", "alpha", "attenuation_db_per_km", "loss_db_per_km"):
        if hasattr(params, name):
            return float(getattr(params, name))
    raise ParameterError("the decoy parameters carry no fibre loss (dB/km)")


# -- finite-key --------------------------------------------------------------------------------


def _finite_args(p: Any) -> None:
    from qproto.cli.common import bounded_int

    p.add_argument(
        "--qber", type=float, action="append", metavar="Q", help="QBER of a curve (repeatable; default 0.01 0.02 0.03 0.05)"
    )
    p.add_argument("--epsilon", type=float, default=1e-10, metavar="E", help="ε_sec (default 1e-10)")
    p.add_argument(
        "--ec-efficiency", type=float, default=1.1, metavar="F", help="error-correction efficiency f (default 1.1, the paper's)"
    )
    p.add_argument("--min-n", type=float, default=1e4, metavar="N", help="smallest number of signals (default 1e4)")
    p.add_argument("--max-n", type=float, default=1e12, metavar="N", help="largest number of signals (default 1e12)")
    p.add_argument("--points", type=bounded_int("points", 2, 400, "points"), default=49, help="N points per curve (default 49)")


def _draw_finite(args: Any, fig: Any) -> None:
    from qproto.models.finite_key import asymptotic_rate, finite_key_curve

    qbers = args.qber or [0.01, 0.02, 0.03, 0.05]
    for q in qbers:
        check_fraction("qber", q, 0, 0.5, open_high=True)
    if not 1 <= args.min_n < args.max_n <= 1e18:
        raise ParameterError(f"--min-n {args.min_n:g} and --max-n {args.max_n:g} must satisfy 1 ≤ min < max ≤ 1e18")
    ns = sorted({int(round(n)) for n in np.logspace(math.log10(args.min_n), math.log10(args.max_n), args.points)})
    ax = fig.add_subplot()
    for i, q in enumerate(qbers):
        curve = finite_key_curve(q, ns, epsilon_sec=args.epsilon, ec_efficiency=args.ec_efficiency)
        rate = np.array([r.rate_per_signal for r in curve])
        shown = np.where(rate > 0, rate, np.nan)
        c = f"C{i}"
        ax.plot(ns, shown, "-", color=c, label=rf"$Q = {_percent(q)}$")
        limit = asymptotic_rate(q, p_key_basis=1.0, ec_efficiency=args.ec_efficiency)
        if limit > 0:
            ax.axhline(limit, color=c, ls="--", lw=0.8)
    ax.plot([], [], "k--", lw=0.8, label=r"asymptotic limit $1 - (1+f)\,h(Q)$")
    ax.set_xscale("log")
    ax.set_xlabel(r"signals $N$")
    ax.set_ylabel(r"key length per signal $\ell / N$")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3, which="both")
    ax.legend(
        fontsize=7,
        title=rf"$\varepsilon_{{\mathrm{{sec}}}} = {_sci(args.epsilon)}$, $f = {args.ec_efficiency:g}$",
        title_fontsize=7,
    )
    ax.set_title("BB84 finite-key length (Tomamichel et al. 2012)")


def _sci(x: float) -> str:
    mant, exp = f"{x:.0e}".split("e")
    return rf"{mant} \times 10^{{{int(exp)}}}" if mant != "1" else rf"10^{{{int(exp)}}}"


register_plot(
    PlotKind(
        "keyrate-vs-qber",
        "certified key-rate bracket of SPEC against QBER (no SPEC: the catalogue's formulas)",
        _qber_args,
        _draw_qber,
    )
)
register_plot(
    PlotKind(
        "keyrate-vs-distance",
        "decoy-state key rate against fibre length, with the PLOB bound (log scale)",
        _distance_args,
        _draw_distance,
    )
)
register_plot(
    PlotKind(
        "finite-key",
        "BB84 finite-key length per signal against N for several QBERs, with asymptotic limits",
        _finite_args,
        _draw_finite,
    )
)
