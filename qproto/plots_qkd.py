"""Plots for the QKD families; every curve is a lambdified Born-rule result.

- ``qber-vs-interception``: QBER against the intercept-resend fraction f
  for the chosen protocols, with each protocol's zero-rate threshold drawn
  as a horizontal line (and the fraction where it is crossed marked);
- the curves of ``keyrate-vs-qber`` without a SPEC (``_draw_rates``:
  every key-rate formula the QKD catalogue uses, against the QBER, with its
  threshold marked); the plot itself is registered by
  :mod:`qproto.plots_keyrate`;
- ``chsh-vs-noise``: |S| against depolarizing noise p for the
  entanglement-based protocols with a Bell test, with the local bound 2 and
  Tsirelson's 2√2.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from qproto.models import qkd as model
from qproto.models.keyrate import key_rate, threshold
from qproto.models.qkd_report import curve, depolarizing_line, intercept_resend_line
from qproto.plots import PlotKind, register_plot
from qproto.spec.catalogue import protocols
from qproto.spec.errors import ParameterError
from qproto.spec.qkd import EntanglementQKD, is_qkd


def _qkd_specs(names: list[str] | None) -> list[Any]:
    from qproto.loader import resolve

    if names:
        specs = [resolve(n) for n in names]
        for s in specs:
            if not is_qkd(s):
                raise ParameterError(f"--protocol {s.name} is not a QKD protocol (family {s.family!r})")
        return specs
    return [s for s in protocols() if is_qkd(s)]


def tex(expr: Any, names: dict[str, str] | None = None) -> str:
    """An expression as LaTeX for matplotlib's mathtext (put it between
    ``$``): ``fraction/4`` → ``\\frac{f}{4}``; symbols renamed by ``names``."""
    expr = sp.sympify(expr)
    rename = {s: sp.Symbol(names[s.name]) for s in expr.free_symbols if names and s.name in names}
    return sp.latex(expr.subs(rename))


def _abort_threshold(spec: Any) -> float | None:
    try:
        return float(sp.Rational(str(spec.abort_threshold)))
    except (TypeError, ValueError, AttributeError):
        return None


def _qber_args(p: Any) -> None:
    p.add_argument(
        "--protocol", action="append", metavar="NAME", help="protocol to draw (repeatable; default bb84, six-state, b92)"
    )


def _draw_qber(args: Any, fig: Any) -> None:
    names = args.protocol or ["bb84", "six-state", "b92"]
    ax = fig.add_subplot()
    f = np.linspace(0, 1, 201)
    colors = iter(["C0", "C1", "C2", "C3", "C4", "C5", "C6", "C7"])
    for spec in _qkd_specs(names):
        c = next(colors)
        expr, fn = curve(spec, model.qber, intercept_resend_line)
        ax.plot(f, np.broadcast_to(fn(f), f.shape), color=c, label=f"{spec.name}: $Q(f) = {tex(expr, {'fraction': 'f'})}$")
        for name in spec.key_rates[:1]:
            th = threshold(name).value
            ax.axhline(th, color=c, ls="--", lw=0.8, label=f"{spec.name}: rate zero at $Q^* = {th:.4f}$ ({name})")
            roots = [
                float(r)
                for r in sp.solve(sp.Eq(expr, sp.Float(th)), sp.Symbol("fraction", real=True))
                if r.is_real and 0 <= r <= 1
            ]
            for r in roots:
                ax.plot([r], [th], "o", color=c)
        abort = _abort_threshold(spec)  # the spec's own rule, a designer's variant included
        if abort is not None:
            ax.axhline(
                abort,
                color=c,
                ls=":",
                lw=1.0,
                label=f"{spec.name}: abort threshold $Q_{{\\mathrm{{abort}}}} = {abort:.4g}$ (spec)",
            )
    ax.set_xlabel("intercept-resend fraction $f$ (Eve measures in Z or X)")
    ax.set_ylabel("QBER $Q$")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, None)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    ax.set_title("QBER under intercept-resend, with zero-key-rate thresholds")


def _draw_rates(args: Any, fig: Any) -> None:
    from qproto.spec.validation import check_fraction

    check_fraction("max-qber", args.max_qber, 0, 0.5, open_low=True)
    ax = fig.add_subplot()
    used: dict[str, list[str]] = {}
    for spec in _qkd_specs(None):
        for name in spec.key_rates:
            used.setdefault(name, []).append(spec.name)
    q = np.linspace(0, args.max_qber, 400)
    for name, specs in used.items():
        kr = key_rate(name)
        hi = float(sp.N(kr.domain_high))
        qq = q[q < hi]
        r = kr(qq)
        th = threshold(name).value
        line = ax.plot(qq, r, label=f"{name} ({', '.join(specs)})")[0]
        ax.axvline(th, color=line.get_color(), ls=":", lw=0.8)
        ax.annotate(f"{th:.4f}", (th, 0), textcoords="offset points", xytext=(2, 6), fontsize=7, color=line.get_color())
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xlabel("QBER $Q$")
    ax.set_ylabel("asymptotic key rate $r(Q)$ (bits per sifted bit)")
    ax.set_ylim(-0.2, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    ax.set_title("One-way key rates of the QKD catalogue")


def _chsh_args(p: Any) -> None:
    p.add_argument("--protocol", action="append", metavar="NAME", help="entanglement protocol with a Bell test (default: all)")


def _draw_chsh(args: Any, fig: Any) -> None:
    specs = [s for s in _qkd_specs(args.protocol) if isinstance(s, EntanglementQKD) and s.chsh]
    if not specs:
        raise ParameterError("no entanglement-based protocol with a CHSH test among the chosen ones")
    ax = fig.add_subplot()
    p = np.linspace(0, 1, 201)
    for spec in specs:
        expr, fn = curve(spec, model.chsh, depolarizing_line)
        ax.plot(p, np.abs(np.broadcast_to(fn(p), p.shape)), label=f"{spec.name}: $S(p) = {tex(expr)}$")
        cross = [float(r) for r in sp.solve(sp.Eq(sp.Abs(expr), 2), sp.Symbol("p", real=True)) if r.is_real and 0 <= r <= 1]
        for r in cross:
            ax.axvline(r, ls=":", lw=0.8)
            ax.annotate(f"$|S| = 2$ at $p = {r:.4f}$", (r, 2), textcoords="offset points", xytext=(4, 4), fontsize=7)
    ax.axhline(2, color="red", ls="--", lw=0.8, label="local bound $|S| = 2$ (CHSH)")
    ax.axhline(2 * np.sqrt(2), color="gray", ls="--", lw=0.8, label=r"Tsirelson $2\sqrt{2}$")
    ax.set_xlabel("depolarizing noise $p$ on Bob's qubit")
    ax.set_ylabel("$|S|$")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 3)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    ax.set_title("CHSH value against depolarizing noise")


register_plot(
    PlotKind("qber-vs-interception", "QBER against the intercept-resend fraction, with thresholds", _qber_args, _draw_qber)
)
register_plot(PlotKind("chsh-vs-noise", "CHSH value against depolarizing noise (entanglement-based QKD)", _chsh_args, _draw_chsh))
