"""The lifecycle of an elevation as a transition table, and its one writer.

A request waits for a decision; approved access ends by revocation or by its
clock. Break-glass elevations are created approved (there is nothing to move
from). The approve move writes the approver, decision time and end in the same
guarded UPDATE as the status, so the database's "approved has an approver
and an end" constraint holds at every statement.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apps.core.state_machine import InvalidTransition, StateMachine, Transition
from apps.permissions.models import AccessElevation

S = AccessElevation.Status


class ElevationStateError(InvalidTransition):
    """An elevation move refused by its status (a lost race with another approver, or an ended access)."""

    code = "elevation_invalid_transition"


ELEVATION_TRANSITIONS: dict[str, Transition] = {
    "approve": Transition([S.REQUESTED], S.APPROVED, "be approved"),
    "deny": Transition([S.REQUESTED], S.DENIED, "be denied"),
    "revoke": Transition([S.REQUESTED, S.APPROVED], S.REVOKED, "be ended"),
    "expire": Transition([S.APPROVED], S.EXPIRED, "expire"),
}

ELEVATION_STATES = StateMachine(
    noun="access request",
    field="status",
    transitions=ELEVATION_TRANSITIONS,
    labels=dict(S.choices),
    error=ElevationStateError,
)


def move_elevation(
    elevation: AccessElevation, transition: str, *, changes: Mapping[str, Any] | None = None
) -> AccessElevation:
    """The one writer of ``AccessElevation.status``."""
    return ELEVATION_STATES.move(elevation, transition, changes=changes)
