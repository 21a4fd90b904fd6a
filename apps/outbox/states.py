"""An outbox item's lifecycle (decision 0011) and its one writer, ``move_item``.

pending → dispatched → running → done is the ordinary path. ``resend`` keeps a dispatched or
running item dispatched with a fresh lease (its message was lost, or its worker died); ``defer``
puts it back to pending (a retry countdown, a per-business OCR deferral); ``park`` holds it while
its dependency's breaker is open and ``release`` lets it go; ``give_up`` is dead after too many
sends, and a person's ``retry`` sends a dead item again. An item is created pending (or parked).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from apps.core.state_machine import StateMachine, Transition
from apps.outbox.errors import OutboxStateError
from apps.outbox.models import OutboxItem, OutboxState

S = OutboxState
WAITING = [S.PENDING, S.DISPATCHED, S.RUNNING]

ITEM_TRANSITIONS: dict[str, Transition] = {
    "dispatch": Transition([S.PENDING], S.DISPATCHED, "be sent"),
    "resend": Transition([S.DISPATCHED, S.RUNNING], S.DISPATCHED, "be sent again"),
    "start": Transition([S.PENDING, S.DISPATCHED, S.RUNNING], S.RUNNING, "start"),
    "finish": Transition(WAITING, S.DONE, "finish"),
    "defer": Transition(WAITING, S.PENDING, "be put back"),
    "park": Transition(WAITING, S.PARKED, "be parked"),
    "release": Transition([S.PARKED], S.PENDING, "be released"),
    "give_up": Transition(WAITING, S.DEAD, "be given up"),
    "retry": Transition([S.DEAD], S.PENDING, refusal="Only a dead item can be sent again; this one is {current}."),
}

ITEM_STATES = StateMachine(
    noun="outbox item",
    field="state",
    transitions=ITEM_TRANSITIONS,
    labels=dict(OutboxState.choices),
    error=OutboxStateError,
)


def move_item(item: OutboxItem, transition: str, *, changes: Mapping[str, Any] | None = None) -> OutboxItem:
    """The one writer of ``OutboxItem.state`` (the guarded UPDATE of apps.core.state_machine), stamped."""
    return ITEM_STATES.move(item, transition, changes={"updated_at": timezone.now(), **(changes or {})})
