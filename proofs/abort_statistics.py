"""Tail probabilities of the parameter-estimation sample, with relative accuracy.

Moved to :mod:`qproto.models.abort_statistics`, which holds every abort
statistic (exact, double precision and log space) in one module; the
names below stay importable from here.
"""

from __future__ import annotations

from qproto.models.abort_statistics import (  # noqa: F401  (re-exported)
    DPS,
    MAX_TERMS,
    PATIENCE,
    RELATIVE_ACCURACY,
    LogTail,
    binomial_tail,
    estimate_outcome_probability,
    hypergeometric_tail,
)

__all__ = ["DPS", "RELATIVE_ACCURACY", "LogTail", "binomial_tail", "hypergeometric_tail", "estimate_outcome_probability"]
