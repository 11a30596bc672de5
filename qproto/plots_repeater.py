"""Plots for repeaters and memories.

- ``repeater-hops``: end-to-end fidelity against the number of hops
  (segments), without purification and with 1..K BBPSSW rounds per segment,
  optionally with a memory wait; the curves come from the derived swap and
  purification maps.
- ``memory-wait``: fidelity of a stored Bell pair against the waiting time
  for depolarizing and dephasing memories of coherence time T (derived
  channel maps), with the review's 99.3 % storage fidelity marked.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from qproto.cli.common import bounded_int, nonnegative_float, positive_float, probability
from qproto.plots import PlotKind, register_plot

#: Bounds on the work an argument can ask for (docs/limits.md): one curve
#: point per hop, one curve per purification round.
MAX_HOPS = 1000
MAX_PURIFY = 12


def _hops_args(p: Any) -> None:
    p.add_argument("--fidelity", type=probability("fidelity"), default=0.95, help="elementary pair fidelity (default 0.95)")
    p.add_argument(
        "--segments",
        type=bounded_int("segments", 1, MAX_HOPS, "one point per hop"),
        default=16,
        help=f"largest number of hops (default 16, at most {MAX_HOPS})",
    )
    p.add_argument(
        "--purify",
        type=bounded_int("purify", 0, MAX_PURIFY, "each round doubles the digits of the exact fidelity"),
        default=2,
        help=f"largest BBPSSW rounds per segment (default 2, at most {MAX_PURIFY})",
    )
    p.add_argument("--wait", type=nonnegative_float("wait"), default=0.0, help="memory wait per segment in seconds (default 0)")
    p.add_argument("--coherence-time", type=positive_float("coherence-time"), default=1.0, help="memory T in seconds (default 1)")
    p.add_argument("--threshold", type=probability("threshold"), default=None, help="draw a fidelity threshold line")


def _draw_hops(args: Any, fig: Any) -> None:

    from qproto.models import memory as mem
    from qproto.models.links import FLOAT
    from qproto.models.network import eval_terms, swap_terms  # the derived swap map's exact terms, cached
    from qproto.models.purification import bbpssw_schedule

    ax = fig.add_subplot()
    hops = list(range(1, args.segments + 1))
    f = Fraction(str(args.fidelity))
    eta = mem.decay(args.wait, args.coherence_time)
    decay = mem.werner_decay_map("depolarizing")
    for k in range(args.purify + 1):
        fk, cost = bbpssw_schedule().rounds(f, k)
        if args.wait:
            fk = float(decay.subs({mem.F0: float(fk), mem.ETA: eta}))
        # the chain of n segments is the chain of n − 1 swapped with one more: O(n) swaps, not O(n²)
        ys, f_n = [], float(fk)
        for n in hops:
            f_n = f_n if n == 1 else float(eval_terms(swap_terms(), (f_n, float(fk)), FLOAT))
            ys.append(f_n)
        label = "no purification" if k == 0 else f"{k} BBPSSW round{'s' if k > 1 else ''} ({float(cost):.3g} raw pairs/segment)"
        ax.plot(hops, ys, marker="o", ms=3, label=label)
    ax.axhline(0.5, color="grey", lw=0.8, ls=":", label=r"$F = 1/2$ (purifiable above)")
    if args.threshold is not None:
        ax.axhline(args.threshold, color="red", lw=0.8, ls="--", label=rf"$F_{{\mathrm{{th}}}} = {args.threshold:g}$")
    title = f"Repeater chain, elementary $F = {args.fidelity:g}$"
    if args.wait:
        title += f", memory wait $t = {args.wait:g}$ s ($T = {args.coherence_time:g}$ s)"
    ax.set_title(title)
    ax.set_xlabel("hops (segments)")
    ax.set_ylabel(r"end-to-end fidelity $\langle\Phi^+|\rho|\Phi^+\rangle$")
    ax.set_ylim(0.2, 1.0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)


def _memory_args(p: Any) -> None:
    p.add_argument("--coherence-time", type=positive_float("coherence-time"), default=1.0, help="memory T in seconds (default 1)")
    p.add_argument("--wait", type=positive_float("wait"), default=None, help="largest wait in seconds (default 2T)")
    p.add_argument("--fidelity", type=probability("fidelity"), default=1.0, help="initial pair fidelity (default 1)")


def _draw_memory(args: Any, fig: Any) -> None:
    import numpy as np
    import sympy as sp

    from qproto.models import memory as mem

    ax = fig.add_subplot()
    T = args.coherence_time
    tmax = args.wait if args.wait is not None else 2 * T
    ts = np.linspace(0, tmax, 200)
    for kind, ls in (("depolarizing", "-"), ("dephasing", "--")):
        for stored in (1, 2):
            f = sp.lambdify(mem.ETA, mem.pair_fidelity(kind, stored, sp.nsimplify(args.fidelity)), "numpy")
            ys = np.broadcast_to(f(np.exp(-ts / T)), ts.shape)
            ax.plot(ts, ys, ls=ls, label=f"{kind}, {'one half' if stored == 1 else 'both halves'} stored")
    # the review's 99.3 % storage fidelity: the wait at which a depolarizing memory reaches it
    (eta,) = mem.decay_for_storage_fidelity("depolarizing", sp.Rational(993, 1000))
    ax.axvline(-T * math.log(float(eta)), color="grey", lw=0.8, ls=":", label="99.3% storage fidelity (depolarizing)")
    for t in (0.05, 0.1):
        if t <= tmax:
            ax.axvline(t, color="black", lw=0.5, alpha=0.4)
    ax.set_title(f"Stored Bell pair, $T = {T:g}$ s (grey lines: the review's 0.05 s and 0.1 s)")
    ax.set_xlabel("waiting time $t$ (s)")
    ax.set_ylabel(r"fidelity $\langle\Phi^+|\rho|\Phi^+\rangle$")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)


register_plot(PlotKind("repeater-hops", "end-to-end fidelity vs hops, with and without purification", _hops_args, _draw_hops))
register_plot(PlotKind("memory-wait", "stored-pair fidelity vs memory waiting time", _memory_args, _draw_memory))
