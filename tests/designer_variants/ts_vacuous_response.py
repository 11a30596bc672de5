"""A designer's link whose response property is triggered by a state no run
reaches (the retry counter is capped at 2, the trigger asks for 3).

Flawed as a claim: "within 1 step after tries == 3, delivered" constrains no
run.  Before the fix it was proved; now it is ``error`` (vacuous) with the
proof that the trigger is unreachable.  The twin property that sets
``allow_vacuous`` stays proved, with a warning.
"""

from qproto.spec.protocol import Property
from qproto.spec.transition import Transition, TransitionSystem, boolean, enum, integer


def _response(pid: str, **extra: object) -> Property:
    return Property(
        id=pid,
        statement=pid,
        engine="statemachine",
        check="statemachine.response",
        args={"after": "tries == 3", "within": 1, "holds": "delivered", **extra},
    )


SPEC = TransitionSystem(
    name="designer-ts-vacuous-response",
    variables=(enum("phase", ("SENDING", "DONE")), integer("tries", 0, 3), boolean("delivered")),
    init={"phase": "SENDING", "tries": 0, "delivered": False},
    transitions=(
        Transition(name="lose", guard="phase == SENDING and tries < 2", update={"tries": "tries + 1"}),
        Transition(name="deliver", guard="phase == SENDING", update={"phase": "DONE", "delivered": True}),
    ),
    properties=(
        _response("vacuous-response"),
        _response("vacuous-response-allowed", allow_vacuous="tries is capped at 2 on purpose"),
        Property(
            id="delivers",
            statement="delivers",
            engine="statemachine",
            check="statemachine.response",
            args={"after": "phase == SENDING", "within": 3, "holds": "delivered"},
        ),
    ),
)
