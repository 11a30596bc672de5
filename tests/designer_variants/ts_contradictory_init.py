"""A designer's toy counter whose initial constraint contradicts its init
value (issue 11 item 1): ``x = 0`` and ``initially x == 1``.

Flawed: the initial state set is empty, so every claim about its runs holds
vacuously.  Before the fix ``x == 0 and x == 1``, ``False``, deadlock
freedom and "within 1 step after True, False" were all proved (exit 0).
Now every verdict is ``error`` with ``evidence["vacuous"]``.
"""

from qproto.spec.protocol import Property
from qproto.spec.transition import Transition, TransitionSystem, integer


def _prop(pid: str, check: str, **args: object) -> Property:
    return Property(id=pid, statement=pid, engine="statemachine", check=check, args=args)


SPEC = TransitionSystem(
    name="designer-ts-contradictory-init",
    variables=(integer("x", 0, 3),),
    init={"x": 0},
    initially="x == 1",
    transitions=(Transition(name="count", guard="x < 3", update={"x": "x + 1"}),),
    properties=(
        _prop("contradiction", "statemachine.invariant", invariant="x == 0 and x == 1"),
        _prop("false", "statemachine.invariant", invariant="False"),
        _prop("deadlock-free", "statemachine.deadlock-free"),
        _prop("response-false", "statemachine.response", after="True", within=1, holds="False"),
        _prop("reaches-two", "statemachine.reachable", state="x == 2"),
    ),
)
