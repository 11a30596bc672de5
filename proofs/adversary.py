"""The adversary engine: QKD's error-detection claim, checked against Eve.

The review's central claim is that an eavesdropper cannot learn the key
without raising the error rate, so the parties detect her and abort.  The
checkers state that claim per protocol and test it against the attack
catalogue (:mod:`qproto.models.attacks`, :mod:`~qproto.models.cloning`,
:mod:`~qproto.models.probe`) and random general probes, drawn by
Hypothesis:

- a claim that holds for a whole attack family and that SymPy can show is
  **proved** (intercept-resend: QBER(f) = f·QBER(1) for every fraction f);
- exact binomial / hypergeometric tails with a monotonicity lemma give
  **proved** abort and completeness bounds for every attack above (below)
  a QBER (:mod:`qproto.models.abort_statistics`, in log space);
- fuzzing over general probes and mixtures is **tested**, with the number
  of cases and the seed; ``hypothesis.target`` steers the search toward
  the most information for the least disturbance;
- ``soundness-key-rate`` runs the worst-case attack search of
  :mod:`qproto.proofs.attack_search`;
- ``threshold-below-rate-zero`` compares the abort threshold with the zero
  of the spec's own rate, exactly and without a seed;
- a failure is **refuted** with the minimal (shrunk) attack: its catalogue
  label (``fuchs-peres:disturbance=0.12``), its figures, the seed, and
  replay records that :mod:`qproto.replay` writes out as the ``fuzz``,
  ``verify`` and ``analyze`` command lines.

This module is the engine's front door: importing it registers every
adversary checker, and every name it has always offered stays importable
from here.  The engine itself, in reading order:

1. :mod:`~qproto.proofs.adversary_figures` — attack cases and the figures
   of one attack on one protocol;
2. :mod:`~qproto.proofs.adversary_strategies` — the Hypothesis strategies,
   drawn from each attack's declared parameter domains;
3. :mod:`~qproto.proofs.adversary_campaign` — the seeded campaign
   (:func:`fuzz`), its replay records, and the one private Hypothesis hook;
4. the checks, by theme: :mod:`~qproto.proofs.adversary_information`
   (intercept-resend, information–disturbance, Fuchs–Peres),
   :mod:`~qproto.proofs.adversary_completeness` (the honest line, the
   threshold against the rate's zero), :mod:`~qproto.proofs.adversary_soundness`
   (key rate and abort probability under attack),
   :mod:`~qproto.proofs.adversary_channels` (denial of service, man in the
   middle, photon-number splitting) and :mod:`~qproto.proofs.adversary_devices`
   (Bell test, programmed devices).
"""

from __future__ import annotations

# the exact tails moved to the one module of abort statistics
from qproto.models.abort_statistics import abort_count as _abort_count
from qproto.models.abort_statistics import binomial_upper_tail, hypergeometric_upper_tail
from qproto.models.eve_information import binary_entropy, key_model, key_model_entangled, sifted_ensemble
from qproto.models.instrument import Instrument
from qproto.spec.errors import SpecError
from qproto.spec.protocol import Property, Protocol
from qproto.spec.qkd import EntanglementQKD, PrepareMeasureQKD

from .adversary_campaign import DEFAULT_BUDGET, DEFAULT_SEED, _Counterexample, fuzz, reproducible_generation
from .adversary_campaign import budget_of as _budget
from .adversary_campaign import confirm as _confirm
from .adversary_campaign import fuzzed as _fuzzed
from .adversary_campaign import replay_records as _replay
from .adversary_campaign import seed_of as _seed

# importing the check modules registers their checkers (proofs/registry.py lists this module)
from .adversary_channels import (
    _uses_key_before_authentication,
    check_denial_of_service,
    check_mitm_authenticated,
    check_mitm_unauthenticated,
    check_photon_number_splitting,
)
from .adversary_completeness import (
    _noise_figures,
    _rate_at,
    _threshold_below_certified_rate,
    check_completeness,
    check_threshold_below_rate_zero,
)
from .adversary_completeness import depolarizing_for_qber as _depolarizing_for_qber
from .adversary_devices import _measure_resend, check_chsh_entanglement_breaking, check_programmed_devices
from .adversary_figures import (
    TOLERANCE,
    AttackCase,
    QKDSpec,
    _chsh_operator,
    _fmt,
    _num_cached,
    _numeric_instrument,
    _numeric_model,
    _source_numeric,
    accepts_on_di_rate,
    chsh_value,
    claimed_rate,
    figures,
    label,
    qber_by_basis,
    sample_sizes,
)
from .adversary_figures import exact_fraction as _fraction
from .adversary_figures import json_fraction as _json_fraction
from .adversary_figures import num as _num
from .adversary_figures import numeric_key_model as _model
from .adversary_figures import per_basis_estimation as _per_basis
from .adversary_figures import property_sample_size as _sample_size
from .adversary_figures import qkd_spec as _qkd_spec
from .adversary_figures import rounded as _rounded
from .adversary_figures import sample_in_key as _sample_in_key
from .adversary_information import (
    _AXES,
    _error_weight,
    _intercept_resend_fraction_family,
    check_fuchs_peres_exact,
    check_information_disturbance,
    check_intercept_resend_family,
    information_disturbance_curve,
    intercept_resend_error_form,
)
from .adversary_soundness import _key_rate_refutation, check_soundness_abort, check_soundness_key_rate
from .adversary_strategies import (
    attacks_and_probes,
    attacks_near,
    basis_targeted_attacks,
    catalogue_attacks,
    general_probes,
    noise_channels,
)
from .adversary_strategies import decimal as _decimal
from .registry import checker
from .verdict import Status, inconclusive, proved, refuted, tested, vacuous

#: The earlier private name of :func:`~qproto.proofs.adversary_campaign.reproducible_generation`.
_reproducible_generation = reproducible_generation

__all__ = [
    "DEFAULT_BUDGET",
    "AttackCase",
    "label",
    "figures",
    "claimed_rate",
    "catalogue_attacks",
    "general_probes",
    "noise_channels",
    "attacks_and_probes",
    "attacks_near",
    "basis_targeted_attacks",
    "qber_by_basis",
    "fuzz",
    "binomial_upper_tail",
    "hypergeometric_upper_tail",
    "information_disturbance_curve",
    "accepts_on_di_rate",
    "sample_sizes",
    "intercept_resend_error_form",
    "check_threshold_below_rate_zero",
]

# Names kept importable from here for code written against the single-module engine.
_COMPATIBILITY = (
    DEFAULT_SEED,
    _Counterexample,
    _budget,
    _confirm,
    _fuzzed,
    _replay,
    _seed,
    _uses_key_before_authentication,
    check_denial_of_service,
    check_mitm_authenticated,
    check_mitm_unauthenticated,
    check_photon_number_splitting,
    _noise_figures,
    _rate_at,
    _threshold_below_certified_rate,
    check_completeness,
    _depolarizing_for_qber,
    _measure_resend,
    check_chsh_entanglement_breaking,
    check_programmed_devices,
    TOLERANCE,
    QKDSpec,
    _chsh_operator,
    _fmt,
    _num_cached,
    _numeric_instrument,
    _numeric_model,
    _source_numeric,
    chsh_value,
    _fraction,
    _json_fraction,
    _num,
    _model,
    _per_basis,
    _sample_size,
    _qkd_spec,
    _rounded,
    _sample_in_key,
    _AXES,
    _error_weight,
    _intercept_resend_fraction_family,
    check_fuchs_peres_exact,
    check_information_disturbance,
    check_intercept_resend_family,
    _key_rate_refutation,
    check_soundness_abort,
    check_soundness_key_rate,
    _decimal,
    _abort_count,
    binary_entropy,
    key_model,
    key_model_entangled,
    sifted_ensemble,
    Instrument,
    SpecError,
    Property,
    Protocol,
    EntanglementQKD,
    PrepareMeasureQKD,
    checker,
    Status,
    inconclusive,
    proved,
    refuted,
    tested,
    vacuous,
)
