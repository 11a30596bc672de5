"""qproto.proofs — the checkers: algebra (SymPy), statemachine (Z3), adversary (Hypothesis)."""

from .runner import validate, verify
from .verdict import Status, Verdict

__all__ = ["verify", "validate", "Status", "Verdict"]
