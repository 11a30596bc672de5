"""qproto's pytest plugin (entry point ``pytest11``).

Downstream suites get fixtures without importing anything:

- ``qproto_verify``: call it with a spec (or name) and it asserts every
  property reached the status its spec asks for — or, with
  ``expect="refuted"``, that the spec is caught — returning the verdicts;
- ``qproto_catalogue``: the sound protocol catalogue;
- ``qproto_attack_strategies``: qproto's Hypothesis strategies.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from qproto.spec.errors import QprotoError

#: What ``expect=`` may say: ``ok`` (every property reaches its required
#: strength) or ``refuted`` (a known-flawed variant: at least one property
#: is refuted with a counterexample, and nothing errors).
EXPECTATIONS = ("ok", "refuted")


def _command(v: Any) -> str:
    return f"qproto verify {v.protocol} --property {v.property}"


def _describe(v: Any) -> str:
    from qproto.replay import rendered

    v = rendered(v)  # replay records in the counterexample as command lines
    lines = [
        f"{v.protocol} / {v.property}: {v.status.value} (required: {'limitation' if v.limitation else v.required})",
        f"  statement: {v.statement}",
        f"  evidence: {v.summary}",
    ]
    if "counterexample" in v.evidence:
        lines.append("  counterexample: " + json.dumps(v.evidence["counterexample"], default=str)[:2000])
    lines.append(f"  reproduce: {_command(v)}")
    return "\n".join(lines)


@pytest.fixture
def qproto_verify():
    """Verify a spec and fail the test unless it behaves as expected.

    Call ``qproto_verify(spec, expect="ok", engines=None, properties=None,
    **options)``: ``spec`` is a Protocol, a catalogue name, a ``path.py``
    or ``module:ATTR``; ``engines``/``properties`` are lists of names;
    ``options`` are the checkers' settings (``budget``, ``seed``, ``bound``,
    ``max_k``, ``rlimit``, ``timeout``).  With ``expect="ok"`` every
    selected property must reach the strength its spec requires; with
    ``expect="refuted"`` at least one must be refuted with a
    counterexample (a regression suite of known-flawed variants).  A
    failure prints each offending verdict with its counterexample and the
    ``qproto verify`` command that reproduces it.  Returns the verdicts.
    """
    import qproto

    def check(spec: Any, expect: str = "ok", **kwargs: Any) -> list:
        if expect not in EXPECTATIONS:
            raise qproto.ParameterError(f"expect={expect!r} must be one of {', '.join(EXPECTATIONS)}")
        verdicts = qproto.verify(spec, **kwargs)
        if expect == "ok":
            bad = [_describe(v) for v in verdicts if not v.ok]
            if bad:
                pytest.fail("qproto properties not satisfied:\n" + "\n".join(bad), pytrace=False)
        else:
            caught = [v for v in verdicts if v.status.value == "refuted" and "counterexample" in v.evidence]
            errors = [_describe(v) for v in verdicts if v.status.value == "error"]
            if errors:
                pytest.fail("qproto checkers failed:\n" + "\n".join(errors), pytrace=False)
            if not caught:
                shown = "\n".join(_describe(v) for v in verdicts)
                pytest.fail(f"expected a refutation, but no property was refuted:\n{shown}", pytrace=False)
        return verdicts

    return check


@pytest.fixture
def qproto_catalogue():
    """The sound protocol catalogue (a tuple of Protocol specs)."""
    import qproto

    return qproto.catalogue()


@pytest.fixture
def qproto_attack_strategies():
    """qproto's public Hypothesis strategies (:mod:`qproto.strategies`):
    ``attacks()``, ``general_probes()``, ``noise()``, ``qubit_states()``."""
    from qproto import strategies

    return strategies


# ---------------------------------------------------------------------------
# `pytest --qproto SPECS`: one test item per property of every spec
# ---------------------------------------------------------------------------


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("qproto")
    group.addoption(
        "--qproto",
        action="append",
        default=[],
        metavar="SPECS",
        help="verify the specs in SPECS (a path.py, module:ATTR or catalogue name): one test item per property; "
        "a spec with `flawed=` set must be refuted instead (one item for the spec); a spec the file names in "
        "EXPECTED_REFUTED passes a property item when it is refuted, and its `[expect-refuted]` item fails "
        "unless some property is.  May be repeated.",
    )
    group.addoption(
        "--qproto-budget",
        type=int,
        default=None,
        metavar="N",
        help="adversary cases per property for --qproto items (default: the checkers' own)",
    )


class QprotoItem(pytest.Item):
    """One property of one spec (or, for a flawed spec, the whole spec).

    For a spec its file lists in ``EXPECTED_REFUTED`` (``expect_refuted``),
    a property item also passes when the property is refuted, and the
    spec's ``[expect-refuted]`` item (``prop`` None) fails unless at least
    one property is: the same rule as ``qproto verify file.py``.  The
    property items leave their verdicts in ``verdicts`` (shared by the
    spec's items), so the spec item reuses them instead of verifying twice.
    """

    def __init__(
        self,
        *,
        spec: Any,
        prop: str | None,
        options: dict[str, Any],
        expect_refuted: bool = False,
        verdicts: dict[str, list] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.spec = spec
        self.prop = prop
        self.options = options
        self.expect_refuted = expect_refuted
        self.verdicts = {} if verdicts is None else verdicts

    def runtest(self) -> None:
        import qproto

        if self.expect_refuted:
            self._run_expected_refuted()
            return
        props = [self.prop] if self.prop else None
        verdicts = qproto.verify(self.spec, properties=props, **self.options)
        if self.prop is None:  # a declared-flawed spec must be caught
            caught = [
                v
                for v in verdicts
                if v.status.value in ("refuted", "limitation") and "counterexample" in v.evidence and not v.limitation
            ]
            if not caught:
                raise QprotoFailure(
                    f"{self.spec.name} is declared flawed ({self.spec.flawed}) but no property was refuted:\n"
                    + "\n".join(_describe(v) for v in verdicts)
                )
            return
        bad = [v for v in verdicts if not v.ok]
        if bad:
            raise QprotoFailure("\n".join(_describe(v) for v in bad))

    def _verdicts_of(self, prop: str) -> list:
        import qproto

        if prop not in self.verdicts:  # not run yet (deselected with -k, or another ordering)
            self.verdicts[prop] = qproto.verify(self.spec, properties=[prop], **self.options)
        return self.verdicts[prop]

    def _run_expected_refuted(self) -> None:
        if self.prop is not None:
            verdicts = self._verdicts_of(self.prop)
            bad = [v for v in verdicts if not v.ok and v.status.value != "refuted"]
            if bad:  # refuted is what the file expects; an error or an inconclusive check is not
                raise QprotoFailure(
                    f"{self.spec.name} is expected refuted, but this property is neither refuted "
                    "nor satisfied:\n" + "\n".join(_describe(v) for v in bad)
                )
            return
        verdicts = [v for p in self.spec.properties for v in self._verdicts_of(p.id)]
        if not any(v.status.value == "refuted" for v in verdicts):
            raise QprotoFailure(
                f"{self.spec.name} is listed in EXPECTED_REFUTED but no property was refuted:\n"
                + "\n".join(_describe(v) for v in verdicts)
            )

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        if isinstance(excinfo.value, QprotoFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Any, int, str]:
        return self.path, 0, f"qproto: {self.name}"


class QprotoFailure(QprotoError):
    """A property that did not reach its required strength (shown with its
    counterexample and the command that reproduces it)."""


def pytest_collection_modifyitems(session: Any, config: Any, items: list) -> None:
    targets = config.getoption("qproto", default=[])
    if not targets:
        return
    from qproto import QprotoError
    from qproto.loader import resolve_targets

    options: dict[str, Any] = {}
    budget = config.getoption("qproto_budget", default=None)
    if budget is not None:
        options["budget"] = budget
    for target in targets:
        try:
            loaded = resolve_targets([target])
        except QprotoError as exc:  # a bad --qproto argument is a usage error, not a crash
            raise pytest.UsageError(f"--qproto {target}: {exc}") from None
        for spec in loaded.specs:
            if getattr(spec, "flawed", None):
                items.append(
                    QprotoItem.from_parent(session, name=f"{spec.name}[expect-refuted]", spec=spec, prop=None, options=options)
                )
                continue
            expected = spec.name in loaded.expected_refuted
            shared: dict[str, list] = {}
            for prop in spec.properties:
                items.append(
                    QprotoItem.from_parent(
                        session,
                        name=f"{spec.name}::{prop.id}",
                        spec=spec,
                        prop=prop.id,
                        options=options,
                        expect_refuted=expected,
                        verdicts=shared,
                    )
                )
            if expected:  # after its properties, so it reads their verdicts
                items.append(
                    QprotoItem.from_parent(
                        session,
                        name=f"{spec.name}[expect-refuted]",
                        spec=spec,
                        prop=None,
                        options=options,
                        expect_refuted=True,
                        verdicts=shared,
                    )
                )
