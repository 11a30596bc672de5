"""Checkers for threshold quantum secret sharing: every pair of shares
decodes the payload (an explicit unitary), every single share is
maximally mixed — for a symbolic payload, modulo its normalisation."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import sympy as sp

from qproto.models import exact as _exact
from qproto.models import secret_sharing as model
from qproto.spec.errors import SpecError
from qproto.spec.protocol import Property, Protocol
from qproto.spec.secret_sharing import SecretSharingScheme

from .algebra import decide
from .registry import checker, validator
from .verdict import inconclusive, proved, refuted, vacuous

#: Exact rational points on the unit sphere of C³ (witnesses for refutations).
RATIONAL_QUTRITS = (
    (sp.Integer(1), sp.Integer(0), sp.Integer(0)),
    (sp.Rational(3, 5), sp.Rational(4, 5) * sp.I, sp.Integer(0)),
    (sp.Rational(2, 3), sp.Rational(2, 3), sp.Rational(1, 3)),
    (sp.Rational(1, 3), sp.Rational(2, 3) * sp.I, -sp.Rational(2, 3)),
    (sp.Rational(2, 7), sp.Rational(3, 7), sp.Rational(6, 7) * sp.I),
)


def _scheme(spec: Protocol) -> SecretSharingScheme:
    if not isinstance(spec, SecretSharingScheme):
        raise SpecError(f"{spec.name}: secret-sharing checks need a SecretSharingScheme, got {type(spec).__name__}")
    return spec


def _witnesses(dim: int):
    syms, _ = model.payload_symbols(dim)
    out = []
    for pt in RATIONAL_QUTRITS:
        if len(pt) != dim:
            continue
        w = {}
        for s, v in zip(syms, pt):
            w[s] = v
            w[sp.conjugate(s)] = sp.conjugate(v)
        out.append(w)
    return out


def _payload_point(o: Any, dim: int) -> dict[str, str]:
    """The witness payload of a refutation; a residual that is a non-zero
    constant fails for every payload, so the first witness serves."""
    point = o.witness or {str(k): v for k, v in _witnesses(dim)[0].items()}
    return {k: sp.sstr(v) for k, v in point.items() if "conjugate" not in k}


def _replay_at(m: Any, point: Mapping[str, str], dim: int) -> dict[str, Any]:
    """The matrix at the witness payload, evaluated exactly: the replay."""
    syms, _ = model.payload_symbols(dim)
    sub = {}
    for s_ in syms:
        v = sp.sympify(point[str(s_)])
        sub[s_] = v
        sub[sp.conjugate(s_)] = sp.conjugate(v)
    at = sp.Matrix(m.tolist()).applyfunc(lambda e: sp.nsimplify(sp.expand(sp.sympify(e).xreplace(sub))))
    return {"replayed": True, "backend": "exact", "matrix_at_witness": _matrix_json(at)}


def _matrix_json(m) -> list[list[str]]:
    return [[sp.sstr(sp.factor(x)) for x in row] for row in m.tolist()]


@checker("secret-sharing.pair-decodes")
def check_pair_decodes(spec: Protocol, prop: Property, options: Mapping[str, Any]):
    scheme = _scheme(spec)
    syms, c = model.payload_symbols(scheme.dim)
    state = model.encode(scheme)
    target = model.payload(scheme).to_density().matrix()
    # The claim is about *every* set of `threshold` shares: a set with no
    # decoder is not covered, so proving the decoders given would claim more
    # than was checked (found by the mutation campaign).
    names = model.share_names(scheme)
    covered = {frozenset(d.shares) for d in scheme.decoders}
    if not scheme.decoders:
        return vacuous("the spec gives no decoder, so no set of shares is shown to decode")
    for subset in itertools.combinations(range(scheme.shares), scheme.threshold):
        if frozenset(subset) not in covered:
            missing = [names[i] for i in subset]
            # not a counterexample: a decoder may exist that the spec does not give
            return inconclusive(
                f"shares {missing} have no decoder in the spec: the claim that every {scheme.threshold} shares "
                "decode is not shown for them",
                missing_decoder=missing,
                decoders_given=[[names[i] for i in d.shares] for d in scheme.decoders],
            )
    per_pair = []
    for d in scheme.decoders:
        out, reg = model.decode(scheme, d, state)
        rho = out.reduced((reg,)).matrix()
        residuals = [rho[i, j] - target[i, j] for i in range(scheme.dim) for j in range(scheme.dim)]
        o = decide(residuals, [c], _witnesses(scheme.dim))
        names = model.share_names(scheme)
        pair = [names[i] for i in d.shares]
        if o.status == "refuted":
            point = _payload_point(o, scheme.dim)
            return refuted(
                f"shares {pair} do not decode the payload: the register {reg} differs from |ψ⟩⟨ψ|",
                counterexample=point,
                replay=_replay_at(rho, point, scheme.dim),
                residual=_exact.exact_json(o.value) if o.value is not None else None,
                pair=pair,
            )
        if o.status != "proved":
            return inconclusive(
                f"SymPy could not reduce the decoding residual for shares {pair} to zero",
                undecided=[sp.sstr(u) for u in o.undecided[:3]],
            )
        rest = [n for n in names if n != reg]
        junk = sp.Matrix(out.reduced(tuple(rest)).matrix().tolist()).applyfunc(lambda e: _exact.reduce(e, [c]))
        purity = _exact.reduce((junk * junk).trace(), [c])
        per_pair.append(
            {
                "shares": pair,
                "payload_in": reg,
                "decoder": d.text,
                "unitary": "permutation of the 9 basis states |x y⟩ (unitary by construction, checked to be a bijection)",
                "others_purity": _exact.exact_json(purity),
                "others_state_independent_of_payload": not (set().union(*(sp.sympify(e).free_symbols for e in junk)) & set(syms)),
            }
        )
    return proved(
        f"each of the {len(per_pair)} pairs of shares decodes α|0⟩+β|1⟩+γ|2⟩ exactly by its permutation unitary "
        "(residuals reduced to 0 modulo |α|²+|β|²+|γ|² = 1)",
        pairs=per_pair,
        encoded=state.dirac(),
    )


@checker("secret-sharing.single-share-hides")
def check_single_share_hides(spec: Protocol, prop: Property, options: Mapping[str, Any]):
    scheme = _scheme(spec)
    syms, c = model.payload_symbols(scheme.dim)
    state = model.encode(scheme)
    out = []
    for name in model.share_names(scheme):
        rho = state.reduced((name,)).matrix()
        residuals = [
            rho[i, j] - (sp.Rational(1, scheme.dim) if i == j else 0) for i in range(scheme.dim) for j in range(scheme.dim)
        ]
        o = decide(residuals, [c], _witnesses(scheme.dim))
        if o.status == "refuted":
            point = _payload_point(o, scheme.dim)
            return refuted(
                f"share {name} is not maximally mixed: it reveals information about the payload",
                counterexample=point,
                replay=_replay_at(rho, point, scheme.dim),
                residual=_exact.exact_json(o.value) if o.value is not None else None,
                share=name,
                reduced_state=_matrix_json(sp.Matrix(rho.tolist()).applyfunc(lambda e: _exact.reduce(e, [c]))),
            )
        if o.status != "proved":
            return inconclusive(
                f"SymPy could not reduce the reduced state of {name} to I/{scheme.dim}",
                undecided=[sp.sstr(u) for u in o.undecided[:3]],
            )
        out.append(name)
    return proved(
        f"each single share ({', '.join(out)}) has reduced state I/{scheme.dim} for every payload "
        f"(modulo |α|²+|β|²+|γ|² = 1): one share carries no information",
        shares=out,
    )


@validator("secret-sharing")
def validate_scheme(spec: Protocol) -> None:
    scheme = _scheme(spec)
    for d in scheme.decoders:
        model.decoder_matrix(d, scheme.dim)
