"""qproto's pytest plugin (entry point ``pytest11``).

Downstream suites get fixtures without importing anything:

- ``qproto_verify``: call it with a spec (or name) and it asserts every
  property reached the status its spec asks for, returning the verdicts;
- ``qproto_catalogue``: the sound protocol catalogue.

Hypothesis strategies live in :mod:`qproto.strategies`.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def qproto_verify():
    import qproto

    def check(spec, **kwargs):
        verdicts = qproto.verify(spec, **kwargs)
        bad = [f"{v.protocol}/{v.property}: {v.status.value} — {v.summary}" for v in verdicts if not v.ok]
        assert not bad, "qproto properties not satisfied:\n" + "\n".join(bad)
        return verdicts

    return check


@pytest.fixture
def qproto_catalogue():
    import qproto

    return qproto.catalogue()


@pytest.fixture
def qproto_attack_strategies():
    """qproto's public Hypothesis strategies (:mod:`qproto.strategies`):
    ``attacks()``, ``general_probes()``, ``noise()``, ``qubit_states()``."""
    from qproto import strategies

    return strategies
