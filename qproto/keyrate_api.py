"""``qproto.keyrate(spec, …)``: the certified key-rate bracket of a QKD spec.

The Python face of ``qproto keyrate``: one call returns a
:class:`KeyRateReport` — the certified lower bound (Winick, Lütkenhaus &
Coles, Quantum 2, 77 (2018)), the upper bound of an explicit collective
attack with a command that replays it, the regime the numbers hold in, and
optionally the finite-key length at N rounds (Tomamichel, Lim, Gisin &
Renner, Nat. Commun. 3, 634 (2012)) and the zero-rate threshold bracket.

>>> import qproto
>>> r = qproto.keyrate("bb84", noise=0.1)       # depolarizing p = 0.1: QBER 5 %
>>> round(r.lower, 4), round(r.upper, 4)         # Shor–Preskill 1 − 2h(0.05) = 0.4272
(0.4272, 0.4272)
>>> r.upper_attack.replay
'qproto keyrate bb84 --noise depolarizing=0.1 --json'
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from qproto.spec.errors import ParameterError, QprotoError
from qproto.spec.validation import check_at_least, check_int, check_probability, check_real

#: Keyword arguments :func:`keyrate` accepts; anything else is a typo.
KEYRATE_OPTIONS = ("noise", "attack", "transmittance", "ec_efficiency", "observations", "rounds", "epsilon", "threshold")

#: ε_sec used when ``rounds`` is given without ``epsilon`` (issue 12).
DEFAULT_EPSILON = 1e-10

FINITE_KEY_REFERENCE = "Tomamichel, Lim, Gisin, Renner, Nat. Commun. 3, 634 (2012)"


@dataclass(frozen=True)
class UpperAttack:
    """The attack that realises the upper end of the bracket.

    Eve holds a purification of ``state`` (ρ_AB on supp(ρ_A) ⊗ B), which
    reproduces every observed probability to ``residual``: a collective
    attack.  ``qproto analyze`` cannot express such an attack, so
    ``replay`` is the ``qproto keyrate … --json`` command that recomputes
    it (its ``upper`` and ``certificate.attack_state``);
    ``replay_observations`` is the ``qproto analyze`` command that
    reproduces the observed statistics the attack matches (None for a
    lossy line, which ``analyze`` does not model)."""

    description: str
    state: Mapping[str, Any]
    residual: float
    replay: str | None
    replay_observations: str | None
    note: str

    def to_json(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "state": dict(self.state),
            "residual": self.residual,
            "replay": self.replay,
            "replay_observations": self.replay_observations,
            "note": self.note,
        }


@dataclass(frozen=True)
class ThresholdBracket:
    """The depolarizing QBER where the rate reaches zero lies in
    [qber_low, qber_high]: the certified rate is > 0 at qber_low, an
    explicit attack leaves a negative rate at qber_high."""

    qber_low: float
    qber_high: float
    noise: str = "depolarizing"

    def to_json(self) -> dict[str, Any]:
        return {
            "noise": self.noise,
            "qber_low": self.qber_low,
            "qber_high": self.qber_high,
            "meaning": "certified rate > 0 at qber_low; an explicit attack gives rate < 0 at qber_high",
        }


@dataclass(frozen=True)
class FiniteKeyLine:
    """The ε-secure key length after ``rounds`` signals at the report's QBER
    (Tomamichel et al. 2012), from :mod:`qproto.models.finite_key`."""

    rounds: int
    epsilon: float
    qber: float
    key_bits: float
    rate_per_signal: float
    positive: bool
    reference: str
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "rounds": self.rounds,
            "epsilon": self.epsilon,
            "qber": self.qber,
            "key_bits": self.key_bits,
            "rate_per_signal": self.rate_per_signal,
            "positive": self.positive,
            "reference": self.reference,
            "details": dict(self.details),
        }


@dataclass(frozen=True)
class KeyRateReport:
    """A certified key-rate bracket [lower, upper] (bits per sifted bit).

    ``certificate`` holds every term of the dual bound that certifies
    ``lower``; ``upper_attack`` the attack that realises ``upper``;
    ``regime`` what the numbers assume (asymptotic, collective attacks,
    one-way post-processing, …)."""

    protocol: str
    lower: float
    upper: float | None
    gap: float
    unit: str
    certificate: Mapping[str, Any]
    solver: str
    regime: str
    channel: str
    qber: float
    sift: float
    upper_attack: UpperAttack
    seconds: float
    finite_key: FiniteKeyLine | None = None
    threshold: ThresholdBracket | None = None

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "protocol": self.protocol,
            "lower": self.lower,
            "upper": self.upper,
            "gap": self.gap,
            "unit": self.unit,
            "qber": self.qber,
            "sift": self.sift,
            "channel": self.channel,
            "solver": self.solver,
            "regime": self.regime,
            "seconds": self.seconds,
            "certificate": dict(self.certificate),
            "upper_attack": self.upper_attack.to_json(),
        }
        if self.finite_key is not None:
            doc["finite_key"] = self.finite_key.to_json()
        if self.threshold is not None:
            doc["threshold"] = self.threshold.to_json()
        return doc


# -- argument checks ---------------------------------------------------------------------


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParameterError(f"{name}={value!r} must be a number, got {type(value).__name__}")
    x = float(value)
    if not math.isfinite(x):
        raise ParameterError(f"{name}={value!r} must be a finite number")
    return x


@dataclass(frozen=True)
class Channel:
    """Bob's channel as :func:`key_rate_numeric` takes it, and the option
    text that names it on the command line."""

    noise: float | None = None
    attack: str | None = None
    option: str = ""  # "--noise depolarizing=0.1" (for replay commands)
    analyze_option: str | None = None  # the same line for ``qproto analyze``


def channel(noise: Any = None, attack: Any = None) -> Channel:
    """Read ``noise`` (a depolarizing level p in [0, 1], or ``"NAME=P"``
    for a catalogue noise: depolarizing, dephasing, bit-flip) or ``attack``
    (a catalogue attack label, ``"intercept-resend:fraction=0.2"``)."""
    if noise is not None and attack is not None:
        raise ParameterError("give either noise or attack, not both")
    if attack is not None:
        if not isinstance(attack, str):
            raise ParameterError(f"attack={attack!r} must be an attack label (str), e.g. 'intercept-resend:fraction=0.2'")
        if not attack.strip():
            raise ParameterError("attack='' is empty; give a label such as 'intercept-resend:fraction=0.2' or drop it")
        return Channel(attack=attack, option=f"--attack {shlex.quote(attack)}", analyze_option=f"--attack {shlex.quote(attack)}")
    if noise is None:
        noise = 0.0
    if isinstance(noise, str):
        if not noise.strip():
            raise ParameterError("noise='' is empty; give a value such as 'depolarizing=0.05' or drop it")
        name, sep, value = noise.partition("=")
        if name.strip() != "depolarizing":
            text = shlex.quote(noise)
            return Channel(attack=noise, option=f"--noise {text}", analyze_option=f"--noise {text}")
        try:
            noise = float(value)
        except ValueError:
            raise ParameterError(f"noise={noise!r}: depolarizing=P needs a number P in [0, 1]") from None
        if not sep:
            raise ParameterError(f"noise={noise!r}: write depolarizing=P")
    p = _number("noise", noise)
    check_probability("noise", p, why="the depolarizing p")
    text = f"depolarizing={p!r}"
    return Channel(noise=p, option=f"--noise {text}", analyze_option=f"--noise {text}")


def _check_options(options: Mapping[str, Any]) -> None:
    from qproto import _did_you_mean

    for key in options:
        raise ParameterError(f"unknown option {key}={options[key]!r}{_did_you_mean(key, KEYRATE_OPTIONS)}")


def resolve_spec(spec: Any) -> tuple[Any, str | None]:
    """(the Protocol, the text that names it on the command line or None)."""
    from qproto.cli.common import validate_input
    from qproto.loader import resolve
    from qproto.spec.protocol import Protocol
    from qproto.spec.qkd import is_qkd

    if isinstance(spec, str):
        target, ref = resolve(spec), spec
    elif isinstance(spec, Protocol):
        target, ref = spec, None
        try:
            from qproto.spec.catalogue import find

            if find(spec.name) == spec:
                ref = spec.name
        except QprotoError:
            pass
    else:
        raise ParameterError(f"spec={spec!r} must be a Protocol or a name (str), got {type(spec).__name__}")
    validate_input(target)
    if not is_qkd(target):
        raise ParameterError(f"{target.name} is not a QKD protocol (family {target.family!r}); a key rate needs qkd-pm or qkd-eb")
    return target, ref


def finite_key_coverage(spec: Any) -> str | None:
    """None when the Tomamichel et al. (2012) bound covers ``spec``, else
    why not.  The bound rests on the uncertainty relation of two
    complementary bases (overlap c = 1/2) with the key in one and the
    phase-error estimate in the other: a prepare-and-measure spec with
    basis-match sifting, exactly two bases of two orthogonal states each,
    mutually unbiased, measured by Bob in the same two bases."""
    import numpy as np

    from qproto.models.keyrate_source import ket
    from qproto.spec.qkd import PrepareMeasureQKD

    if not isinstance(spec, PrepareMeasureQKD):
        return f"{spec.name} is entanglement-based; the finite-key bound here covers BB84-type prepare-and-measure specs"
    if spec.sifting != "basis-match":
        return f"{spec.name} sifts by {spec.sifting!r}, not basis-match"
    bases: dict[str, list[Any]] = {}
    for s in spec.signals:
        if s.announce:
            return f"{spec.name} announces candidate sets (SARG04-type), not bases"
        bases.setdefault(s.basis, []).append(s)
    if len(bases) != 2 or any(len(v) != 2 for v in bases.values()):
        return f"{spec.name} has bases {sorted(bases)} with {[len(v) for v in bases.values()]} states; BB84 has two bases of two"
    vecs = {b: [ket(s.amplitudes) for s in v] for b, v in bases.items()}
    (a0, a1), (b0, b1) = vecs.values()
    if abs(np.vdot(a0, a1)) > 1e-9 or abs(np.vdot(b0, b1)) > 1e-9:
        return f"{spec.name}: the two states of a basis are not orthogonal"
    if any(abs(abs(np.vdot(x, y)) ** 2 - 0.5) > 1e-9 for x in (a0, a1) for y in (b0, b1)):
        return f"{spec.name}: its two bases are not mutually unbiased (overlap ≠ 1/2)"
    if {m.name for m in spec.measurements} != set(bases):
        return f"{spec.name}: Bob's measurements {sorted(m.name for m in spec.measurements)} are not the bases {sorted(bases)}"
    return None


def _finite_key(spec: Any, qber: float, rounds: int, epsilon: float, ec_efficiency: float) -> FiniteKeyLine:
    why = finite_key_coverage(spec)
    if why is not None:
        raise ParameterError(f"rounds={rounds}: the finite-key bound of {FINITE_KEY_REFERENCE} does not cover this spec ({why})")
    from fractions import Fraction

    from qproto.models.finite_key import FiniteKeyParameters, finite_key_length

    p_key = float(Fraction(str(spec.basis_probabilities[spec.key_basis])))
    params = FiniteKeyParameters(signals=rounds, p_key_basis=p_key, epsilon_sec=epsilon, ec_efficiency=ec_efficiency)
    fk = finite_key_length(qber, params)
    details = fk.to_json()
    return FiniteKeyLine(
        rounds=rounds,
        epsilon=epsilon,
        qber=qber,
        key_bits=float(fk.key_bits),
        rate_per_signal=float(fk.rate_per_signal),
        positive=bool(fk.positive),
        reference=FINITE_KEY_REFERENCE,
        details=details,
    )


def _plain(doc: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in doc.items():
        if isinstance(v, (int, float, str, bool, list, dict)) or v is None:
            out[k] = v
        elif hasattr(v, "to_json"):
            out[k] = v.to_json()
        elif hasattr(v, "__dataclass_fields__"):
            out[k] = _plain(vars(v))
        else:
            out[k] = str(v)
    return out


def _replay(
    ref: str | None, ch: Channel, transmittance: float | None, ec_efficiency: float, observations: str
) -> tuple[str | None, str | None]:
    if ref is None:
        return None, None
    name = shlex.quote(ref)
    extra = ""
    if transmittance is not None:
        extra += f" --transmittance {transmittance!r}"
    if ec_efficiency != 1.0:
        extra += f" --ec-efficiency {ec_efficiency!r}"
    if observations != "full":
        extra += f" --observations {observations}"
    keyrate_cmd = f"qproto keyrate {name} {ch.option}{extra} --json"
    analyze_cmd = None if transmittance is not None else f"qproto analyze {name} {ch.analyze_option} --json"
    return keyrate_cmd, analyze_cmd


_ATTACK_KEYS = ("upper_attack", "attack_state", "attack_state_residual", "attack_state_min_eigenvalue")


def keyrate(
    spec: Any,
    *,
    noise: Any = None,
    attack: Any = None,
    transmittance: Any = None,
    ec_efficiency: Any = 1.0,
    observations: str = "full",
    rounds: Any = None,
    epsilon: Any = None,
    threshold: bool = False,
    **options: Any,
) -> KeyRateReport:
    """The certified asymptotic key rate of ``spec`` as a bracket
    [lower, upper] in bits per sifted bit.

    Args:
        spec: a Protocol of the QKD families, a catalogue name, a
            ``path/to/spec.py`` or ``module:ATTR``.
        noise: depolarizing level p in [0, 1] on Bob's qubit, or
            ``"NAME=P"`` (depolarizing, dephasing, bit-flip).  Defaults to
            no noise.
        attack: a catalogue attack label instead of ``noise``
            (``"intercept-resend:fraction=0.2"``); Bob's marginal channel
            is used.  Defaults to none.
        transmittance: η in (0, 1]: the photon is lost before the noise
            with probability 1 − η.  Defaults to a lossless line.
        ec_efficiency: f_EC ≥ 1 in leak_EC = f_EC h(Q).  Defaults to 1.
        observations: ``"full"`` (Eve reproduces the whole observed table)
            or ``"qber"`` (only the sift and error rates).  Defaults to
            ``"full"``.
        rounds: N signals: adds the finite-key length of Tomamichel et al.
            (2012) at N (BB84-type specs only).  Defaults to none.
        epsilon: ε_sec of the finite-key line.  Defaults to 1e-10.
        threshold: also bracket the depolarizing QBER where the rate
            reaches zero.  Defaults to False.

    Raises :class:`QprotoError` (``ParameterError``) on an unknown
    keyword, a value out of range, a non-QKD spec, or ``rounds`` for a spec
    the finite-key bound does not cover.
    """
    _check_options(options)
    target, ref = resolve_spec(spec)
    return report(
        target,
        ref,
        checked_options(
            target,
            noise=noise,
            attack=attack,
            transmittance=transmittance,
            ec_efficiency=ec_efficiency,
            observations=observations,
            rounds=rounds,
            epsilon=epsilon,
            threshold=threshold,
        ),
    )


@dataclass(frozen=True)
class Options:
    """The arguments of :func:`keyrate`, checked."""

    channel: Channel
    transmittance: float | None
    ec_efficiency: float
    observations: str
    rounds: int | None
    epsilon: float
    threshold: bool


def checked_options(
    target: Any,
    *,
    noise: Any = None,
    attack: Any = None,
    transmittance: Any = None,
    ec_efficiency: Any = 1.0,
    observations: Any = "full",
    rounds: Any = None,
    epsilon: Any = None,
    threshold: Any = False,
) -> Options:
    """Check every argument of :func:`keyrate` against ``target`` (one
    clear :class:`ParameterError` for the first bad one)."""
    ch = channel(noise, attack)
    eta = None
    if transmittance is not None:
        eta = float(check_probability("transmittance", _number("transmittance", transmittance), open_low=True))
        if ch.attack is not None:
            raise ParameterError("transmittance is modelled with depolarizing noise only, not with an attack or another noise")
    ec = float(check_at_least("ec_efficiency", _number("ec_efficiency", ec_efficiency), 1, why="1 is the Shannon limit"))
    if observations not in ("full", "qber"):
        raise ParameterError(f"observations={observations!r} must be 'full' or 'qber'")
    if not isinstance(threshold, bool):
        raise ParameterError(f"threshold={threshold!r} must be True or False")
    n_rounds = None
    if rounds is not None:
        if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds <= 0:
            raise ParameterError(f"rounds={rounds!r} must be a positive integer")
        n_rounds = rounds
    eps = DEFAULT_EPSILON
    if epsilon is not None:
        if n_rounds is None:
            raise ParameterError(f"epsilon={epsilon!r} needs rounds=N (it is the finite-key security parameter)")
        eps = check_real("epsilon", _number("epsilon", epsilon), 0, 1, open_low=True, open_high=True)
    if n_rounds is not None:
        why = finite_key_coverage(target)
        if why is not None:
            raise ParameterError(
                f"rounds={n_rounds}: the finite-key bound of {FINITE_KEY_REFERENCE} does not cover this spec ({why})"
            )
    return Options(ch, eta, ec, observations, n_rounds, eps, threshold)


def report(target: Any, ref: str | None, opts: Options, *, primal: str = "newton") -> KeyRateReport:
    """The report of a resolved spec (``ref``: its command-line name, for
    the replay commands) under checked options; ``primal`` picks the
    step-1 solver (the certificate does not depend on it)."""
    from qproto.models.keyrate_numeric import certified_threshold, key_rate_numeric

    ch, eta, ec, observations = opts.channel, opts.transmittance, opts.ec_efficiency, opts.observations
    result = key_rate_numeric(
        target, noise=ch.noise, attack=ch.attack, transmittance=eta, ec_efficiency=ec, observations=observations, primal=primal
    )
    cert = dict(result.certificate)
    replay, replay_obs = _replay(ref, ch, eta, ec, observations)
    upper = UpperAttack(
        description=str(cert.get("upper_attack", "")),
        state=cert.get("attack_state", {}),
        residual=float(cert.get("attack_state_residual", float("nan"))),
        replay=replay,
        replay_observations=replay_obs,
        note=(
            "qproto analyze cannot express an explicit collective attack: `replay` recomputes the attack state and "
            "its rate (fields upper and certificate.attack_state); `replay_observations` reproduces the observed "
            "statistics the attack matches"
            if ref is not None
            else "the spec has no command-line name (not in the catalogue, given as an object): save it in a file and "
            "run qproto keyrate path/to/spec.py:ATTR with the same options to replay"
        ),
    )
    for key in _ATTACK_KEYS:
        cert.pop(key, None)
    fk = _finite_key(target, result.qber, opts.rounds, opts.epsilon, ec) if opts.rounds is not None else None
    th = None
    if opts.threshold:
        lo, hi = certified_threshold(target, ec_efficiency=ec, observations=observations, transmittance=eta)
        th = ThresholdBracket(lo, hi)
    return KeyRateReport(
        protocol=target.name,
        lower=result.lower,
        upper=result.upper,
        gap=result.gap,
        unit=result.unit,
        certificate=cert,
        solver=result.solver,
        regime=result.regime,
        channel=result.channel,
        qber=result.qber,
        sift=result.sift,
        upper_attack=upper,
        seconds=result.seconds,
        finite_key=fk,
        threshold=th,
    )


# -- sweeps -------------------------------------------------------------------------------------

#: Variables a sweep may range over, and the interval each value must lie in.
SWEEP_VARIABLES = ("qber", "transmittance", "distance")
SWEEP_RANGES: dict[str, tuple[float, float, str]] = {
    "qber": (0.0, 0.5, "[0, 0.5]"),
    "transmittance": (0.0, 1.0, "(0, 1]"),
    "distance": (0.0, 1e5, "[0, 100000] km"),
}
#: The most points one sweep may ask for (each is a certified solve).
MAX_SWEEP_POINTS = 10_000


def sweep_value_problem(variable: str, value: float) -> str | None:
    """Why ``value`` is no point of a ``variable`` sweep (None when it is one)."""
    low, high, _ = SWEEP_RANGES[variable]
    try:
        check_real(variable, value, low, high, open_low=variable == "transmittance", unit="km" if variable == "distance" else "")
    except ParameterError as exc:
        return str(exc)
    return None


def sweep_point(
    target: Any, ref: str | None, variable: str, value: float, base: Mapping[str, Any], primal: str = "newton"
) -> KeyRateReport:
    """One point of a ``qber`` or ``transmittance`` sweep: the report of
    ``target`` with the depolarizing noise that reaches QBER ``value``, or
    with transmittance ``value``, and the other options ``base``.  The CLI's
    ``--sweep`` and :func:`keyrate_sweep` both run their points through it."""
    from qproto.models.keyrate_numeric import depolarizing_level

    kwargs = dict(base)
    if variable == "qber":
        kwargs["noise"] = depolarizing_level(target, value)
    elif variable == "transmittance":
        kwargs["transmittance"] = value
    return report(target, ref, checked_options(target, **kwargs), primal=primal)


@dataclass(frozen=True)
class DecoyDistancePoint:
    """The decoy-state rates at one fibre length, per pulse: vacuum + weak
    decoy and infinitely many decoys (Lo–Ma–Chen 2005 with Ma et al. 2005's
    bounds), the PLOB bound (None at 0 km, where it is unbounded) and, when a
    block size was asked for, the finite-size rate of Lim et al. 2014 on the
    same link (optimised over its protocol parameters)."""

    distance_km: float
    vacuum_weak: Any
    infinite: Any
    plob: float | None
    finite: Any = None

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "distance": self.distance_km,
            "vacuum_weak": self.vacuum_weak.to_json(),
            "infinite": self.infinite.to_json(),
            "plob": self.plob,
        }
        if self.finite is not None:
            doc["finite"] = self.finite.to_json()
        return doc


def decoy_point(distance: float, params: Any, block_size: float | None = None) -> DecoyDistancePoint:
    """The decoy-state rates of the link ``params`` at ``distance`` km."""
    from qproto.models.decoy import decoy_rate, plob_bound

    plob = plob_bound(distance, params.alpha_db_per_km)
    finite = None
    if block_size is not None:
        from qproto.models.decoy_finite import finite_decoy_rate, lim_parameters_for, optimal_rate

        lim = lim_parameters_for(params)
        _, settings = optimal_rate(distance, block_size, lim)
        finite = finite_decoy_rate(distance, block_size, lim, settings)
    return DecoyDistancePoint(
        distance_km=float(distance),
        vacuum_weak=decoy_rate(distance, params, decoys="vacuum+weak"),
        infinite=decoy_rate(distance, params, decoys="infinite"),
        plob=plob if math.isfinite(plob) else None,  # unbounded at 0 km (η = 1); JSON has no infinity
        finite=finite,
    )


def decoy_parameters(target: Any) -> Any:
    """The decoy link of a spec that declares a decoy source: the GYS
    channel and detectors as Ma et al. (2005) tabulate them
    (:meth:`DecoyParameters.gys`) with the spec's own signal intensity
    (``mean_photon_number``) and weak decoy (``decoy_intensity``); a spec
    without them is a ParameterError."""
    from qproto.models.decoy import DecoyParameters

    declared = {p.name: p.default for p in target.parameters}
    missing = [n for n in ("mean_photon_number", "decoy_intensity") if n not in declared]
    if missing:
        raise ParameterError(
            f"distance: {target.name} declares no decoy source (no {' or '.join(missing)}); use a decoy spec such as bb84-decoy"
        )
    return DecoyParameters.gys(mu=float(declared["mean_photon_number"]), nu=float(declared["decoy_intensity"]))


def run_points(
    fn: Any,
    calls: list[tuple[Any, ...]],
    jobs: int,
    progress: bool = False,
    label: str = "",
    scheduler: str | None = None,
) -> list[Any]:
    """``[fn(*c) for c in calls]``, on ``jobs`` processes when jobs > 1,
    or on the Dask distributed cluster whose scheduler is at ``scheduler``
    (``tcp://host:port``; :func:`qproto.parallel.map_on_cluster`), in input
    order; a progress bar on stderr when ``progress`` (on a cluster it
    completes when the points come back).  Every solve is cold, so where a
    point runs does not change its numbers.  Calls that do not pickle (a
    designer spec holding a lambda) run in this process."""
    results: list[Any] = [None] * len(calls)
    bar = _Progress(progress, label, len(calls))
    if scheduler is not None and calls:
        from qproto.parallel import check_scheduler, map_on_cluster, picklable

        check_scheduler(scheduler)
        if picklable((fn, calls)):
            with bar as advance:
                results = map_on_cluster(_apply, [(fn, c) for c in calls], scheduler)
                for _ in calls:
                    advance()
            return results
        jobs = 1
    elif jobs > 1 and len(calls) > 1:
        from qproto.parallel import picklable

        if not picklable((fn, calls)):
            jobs = 1
    if jobs <= 1 or len(calls) <= 1:
        with bar as advance:
            for i, c in enumerate(calls):
                results[i] = fn(*c)
                advance()
        return results
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # The first point runs here: it imports cvxpy and compiles the spec's SDPs
    # (seconds), and forked workers inherit both instead of each paying again.
    # Every solve is cold (warm_start=False), so where a point runs does not
    # change its numbers.
    # The bar refreshes only when a point completes (no refresh thread), so
    # forking the workers inside it is safe.
    with bar as advance:
        results[0] = fn(*calls[0])
        advance()
        pool = ProcessPoolExecutor(max_workers=min(jobs, len(calls) - 1))
        try:
            futures = {pool.submit(fn, *c): i for i, c in enumerate(calls) if i > 0}
            for fut in as_completed(futures):
                results[futures[fut]] = fut.result()
                advance()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    return results


def _apply(unit: tuple[Any, tuple[Any, ...]]) -> Any:
    """One point on a cluster worker: ``fn(*args)``."""
    fn, args = unit
    return fn(*args)


class _Progress:
    """A rich progress bar on stderr (a no-op when not shown)."""

    def __init__(self, show: bool, label: str, total: int) -> None:
        self.show, self.label, self.total = show, label, total
        self._bar: Any = None

    def __enter__(self) -> Any:
        if not self.show:
            return lambda: None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        from qproto.cli.common import console

        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console(stderr=True),
            transient=True,
            auto_refresh=False,
        )
        self._bar.__enter__()
        task = self._bar.add_task(self.label, total=self.total)
        self._bar.refresh()

        def advance() -> None:
            self._bar.advance(task)
            self._bar.refresh()

        return advance

    def __exit__(self, *exc: Any) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


def _sweep_values(name: str, values: Any) -> list[float]:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        values = [values]
    out = [_number(name, v) for v in values]
    if not out:
        raise ParameterError(f"{name}=[] gives no point; pass at least one value")
    if len(out) > MAX_SWEEP_POINTS:
        raise ParameterError(f"{name}: {len(out)} points is more than {MAX_SWEEP_POINTS}")
    for v in out:
        why = sweep_value_problem(name, v)
        if why is not None:
            raise ParameterError(why)
    return out


def check_sweep(target: Any, variable: str, values: Sequence[float], base: Mapping[str, Any]) -> None:
    """Check a sweep's options once, before any worker starts, so a bad one
    is one line: the options at the first point, and (for a QBER sweep) that
    depolarizing noise reaches every QBER asked for."""
    probe = dict(base)
    if variable == "transmittance":
        probe["transmittance"] = values[0]
    checked_options(target, **probe)
    if variable == "qber":
        from qproto.models.keyrate_numeric import depolarizing_level

        for v in values:
            depolarizing_level(target, v)  # a QBER depolarizing noise cannot reach is bad input


def keyrate_sweep(
    spec: Any,
    *,
    qber: Any = None,
    transmittance: Any = None,
    distance: Any = None,
    jobs: Any = None,
    progress: bool = False,
    block_size: Any = None,
    primal: str = "newton",
    scheduler: str | None = None,
    **options: Any,
) -> list[Any]:
    """:func:`keyrate` at many points, run on ``jobs`` processes (default
    all cores) and returned in input order: the CLI's ``--sweep`` from
    Python, with the same numbers.  With ``scheduler="tcp://host:port"``
    the points run on that Dask distributed cluster instead (``pip install
    'qproto[cluster]'``; its workers need qproto installed), with the same
    numbers again.

    Exactly one of:

    - ``qber=[…]``: a :class:`KeyRateReport` per QBER, each with the
      depolarizing noise that reaches it (no ``noise``/``attack`` then);
    - ``transmittance=[…]``: a :class:`KeyRateReport` per η, with the
      ``noise`` given;
    - ``distance=[…]`` (km): a :class:`DecoyDistancePoint` per length, for a
      spec with a decoy source (GYS link); ``block_size=n_X`` adds the
      finite-size rate of Lim et al. (2014) at that block size.

    The other keywords are those of :func:`keyrate`.  ``progress`` shows a
    bar on stderr.  Bad input raises a one-line :class:`ParameterError`
    before any point runs.
    """
    chosen = [(n, v) for n, v in (("qber", qber), ("transmittance", transmittance), ("distance", distance)) if v is not None]
    if len(chosen) != 1:
        raise ParameterError("keyrate_sweep needs exactly one of qber=[…], transmittance=[…], distance=[…]")
    variable, raw = chosen[0]
    values = _sweep_values(variable, raw)
    if jobs is None:
        import os

        n_jobs = os.cpu_count() or 1
    else:
        n_jobs = check_int("jobs", jobs, 1, 1024)
    if not isinstance(progress, bool):
        raise ParameterError(f"progress={progress!r} must be True or False")
    if scheduler is not None:
        from qproto.parallel import check_scheduler

        check_scheduler(scheduler)
    from qproto import _did_you_mean

    for key in options:
        if key not in KEYRATE_OPTIONS:
            raise ParameterError(f"unknown option {key}={options[key]!r}{_did_you_mean(key, KEYRATE_OPTIONS)}")
    if options.get("threshold"):
        raise ParameterError("threshold=True brackets one zero of the rate; call qproto.keyrate(spec, threshold=True)")
    target, ref = resolve_spec(spec)
    if variable == "distance":
        for key, value in options.items():
            if value not in (None, False):
                raise ParameterError(f"distance=[…] computes the decoy-state rate of the fibre model; drop {key}={value!r}")
        n_x = None
        if block_size is not None:
            n_x = check_real("block_size", _number("block_size", block_size), 1, 1e18)
        params = decoy_parameters(target)
        return run_points(
            decoy_point, [(d, params, n_x) for d in values], n_jobs, progress, f"{target.name}: distance", scheduler
        )
    if block_size is not None:
        raise ParameterError("block_size applies to distance=[…] sweeps only (the finite-size decoy rate)")
    if variable == "qber" and (options.get("noise") is not None or options.get("attack") is not None):
        raise ParameterError("qber=[…] sets depolarizing noise for each QBER; drop noise/attack")
    if variable == "transmittance" and options.get("transmittance") is not None:
        raise ParameterError("transmittance=[…] and transmittance= both set η; drop one")
    base = {k: v for k, v in options.items() if k != "threshold"}
    check_sweep(target, variable, values, base)
    calls = [(target, ref, variable, v, base, primal) for v in values]
    return run_points(sweep_point, calls, n_jobs, progress, f"{target.name}: {variable}", scheduler)


__all__ = [
    "check_sweep",
    "keyrate",
    "keyrate_sweep",
    "sweep_point",
    "decoy_point",
    "decoy_parameters",
    "DecoyDistancePoint",
    "run_points",
    "SWEEP_VARIABLES",
    "KeyRateReport",
    "UpperAttack",
    "ThresholdBracket",
    "FiniteKeyLine",
    "finite_key_coverage",
    "KEYRATE_OPTIONS",
    "channel",
    "Channel",
    "Options",
    "checked_options",
    "report",
    "resolve_spec",
]
