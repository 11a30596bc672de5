"""The one exception hierarchy of qproto.

It lives in the lowest layer (``qproto.spec``) so that every layer can raise
it without importing upward; ``qproto`` re-exports it.  User errors also
subclass the natural builtin (``ValueError``, ``TypeError``), so callers who
catch those keep working.  Every message says what was wrong, the value that
arrived, and how to fix it.

Two kinds of exception are deliberately *not* QprotoErrors:

- :class:`InternalSignal` and its subclasses: control flow inside qproto
  (stop a search at its first counterexample, a solver answered "unknown",
  a value has no cache key).  Each is raised and caught within qproto; one
  that escapes is a qproto bug and must reach the user as "internal error",
  not be caught by the many ``except QprotoError`` handlers that turn user
  errors into messages, verdicts or "inconclusive".
- ``BaseException`` subclasses that unwind like Ctrl-C (``Interrupted``,
  ``BudgetExpired``): ``except Exception`` must not stop them.

``tests/test_error_tree.py`` checks that every other exception class defined
in qproto is a QprotoError.
"""

from __future__ import annotations


class QprotoError(Exception):
    """Root of every error qproto raises on purpose."""


class InternalSignal(Exception):
    """Root of the exceptions qproto raises to steer its own control flow
    and catches itself (see the module doc for why this is not a
    QprotoError).  Never a message for the user: one that reaches the CLI is
    reported as an internal error."""


class SpecError(QprotoError, ValueError):
    """A protocol spec is malformed: a missing field, an unknown register,
    a property naming a checker that does not exist, a parameter outside its
    domain.  Fix the spec; the message names the field."""


class ParameterError(QprotoError, ValueError):
    """A parameter value is outside its domain (``fraction=1.3 must lie in
    [0, 1]``).  Fix the value passed on the command line or to the API."""


class PhysicsError(QprotoError, ValueError):
    """An object is not physical: a non-unitary gate, an unnormalised state,
    a channel that is not completely positive and trace preserving, or
    dimensions that do not match.  The message names the object and the
    defect."""


class NotUnitaryError(PhysicsError):
    """A gate's matrix U does not satisfy U†U = I."""


class NotNormalisedError(PhysicsError):
    """A state's norm is not 1 (or a density matrix's trace is not 1)."""


class NotCPTPError(PhysicsError):
    """Kraus operators K_i do not satisfy Σ K_i†K_i = I, or are malformed."""


class DimensionError(PhysicsError):
    """Two objects that must act on the same space do not."""


class UnknownNameError(QprotoError, LookupError):
    """A protocol, register, gate, attack or checker name is not known.
    The message lists the names that are."""


class LoadError(QprotoError, ValueError):
    """A designer's spec file or module could not be loaded; the message
    names the file and line."""


class VectorFileError(QprotoError, ValueError):
    """A test-vector file is malformed or does not validate against the
    schema."""


__all__ = [
    "QprotoError",
    "InternalSignal",
    "SpecError",
    "ParameterError",
    "PhysicsError",
    "NotUnitaryError",
    "NotNormalisedError",
    "NotCPTPError",
    "DimensionError",
    "UnknownNameError",
    "LoadError",
    "VectorFileError",
]
