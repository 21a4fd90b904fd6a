"""The lifecycle of a business's HMRC connection as a transition table, and its writer.

``move_connection`` is the only code that changes ``HmrcConnection.status``
(a test reads ``apps/`` to keep it so); a first connection is created
connected. Connecting again is allowed from every state: a new grant from
HMRC replaces whatever the row said.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from apps.core.state_machine import InvalidTransition, StateMachine, Transition
from apps.integrations.errors import IntegrationError
from apps.integrations.hmrc.models import HmrcConnection

S = HmrcConnection.Status


class ConnectionStateError(InvalidTransition, IntegrationError):
    """A connection move refused by its status (a 409; still an ``IntegrationError`` for the pages)."""

    code = "hmrc_connection_invalid_transition"
    status = 409

    def __init__(self, message: str | None = None, *, extra: dict[str, Any] | None = None) -> None:
        IntegrationError.__init__(self, message, code=type(self).code)
        self.extra = dict(extra or {})


CONNECTION_TRANSITIONS: dict[str, Transition] = {
    "connect": Transition(S.values, S.CONNECTED),
    # A refresh token HMRC refused, or a fresh access token refused too: a person must reconnect.
    "need_reauth": Transition([S.CONNECTED], S.NEEDS_REAUTH, "need reconnecting"),
    # HMRC says the grant does not cover the business's VAT number.
    "set_aside_wrong_vrn": Transition(S.values, S.WRONG_VRN, "be set aside"),
    "disconnect": Transition([S.CONNECTED, S.NEEDS_REAUTH, S.WRONG_VRN], S.REVOKED, "be disconnected"),
}

CONNECTION_STATES = StateMachine(
    noun="HMRC connection",
    field="status",
    transitions=CONNECTION_TRANSITIONS,
    labels=dict(HmrcConnection.Status.choices),
    error=ConnectionStateError,
)


def move_connection(
    connection: HmrcConnection,
    transition: str,
    *,
    changes: Mapping[str, Any] | None = None,
    update_fields: Iterable[str] | None = None,
) -> HmrcConnection:
    """The one writer of ``HmrcConnection.status``; tokens set on the instance are saved through ``save()``.

    By default the whole row is saved after the guarded move (the encrypted token fields need the model's
    save hooks, so tokens are never passed in ``changes``).
    """
    return CONNECTION_STATES.move(connection, transition, changes=changes, update_fields=update_fields)
