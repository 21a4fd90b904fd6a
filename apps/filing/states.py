"""The lifecycle of a VAT return (and the obligation it fulfils) as transition tables, and their writers.

``move_return`` is the only code that changes ``VatReturn.status`` and
``move_obligation`` the only one that marks an obligation fulfilled (a test
reads ``apps/`` to keep it so). A return is created as a draft.

Some moves start from every state on purpose: HMRC's receipt is the truth
whatever we last thought (a receipt that arrives after the row was parked is
still recorded), and an obligation HMRC reports is copied as it is by the
sync, which is not a transition.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from apps.core.state_machine import InvalidTransition, StateMachine, Transition
from apps.filing.domain import ReturnStatus
from apps.filing.errors import ReturnFrozen
from apps.filing.models import VatObligation, VatReturn

S = ReturnStatus
EVERY = list(S.values)
NOT_SUBMITTED = [s for s in S.values if s != S.SUBMITTED]


class ReturnStateError(InvalidTransition, ReturnFrozen):
    """A return's move refused by its status (a 409; still a ``FilingError`` for the pages that catch those)."""

    code = "return_invalid_transition"


RETURN_TRANSITIONS: dict[str, Transition] = {
    # People.
    "send_for_approval": Transition(
        [S.DRAFT, S.REJECTED], S.AWAITING_APPROVAL, refusal="This {noun} is already {current}."
    ),
    "return_to_draft": Transition(
        [S.AWAITING_APPROVAL, S.REJECTED],
        S.DRAFT,
        refusal="A return that is {current} cannot go back to draft.",
    ),
    "approve": Transition(
        [S.DRAFT, S.REJECTED, S.AWAITING_APPROVAL], S.APPROVED, refusal="This {noun} is already {current}."
    ),
    # The filing worker.
    "start_sending": Transition([S.APPROVED, S.SUBMITTING], S.SUBMITTING, "be sent"),
    "refuse_to_send": Transition([S.APPROVED], S.DRAFT, "be sent back to draft"),
    "park": Transition([S.APPROVED, S.SUBMITTING], S.APPROVED, "wait for a person"),
    "release": Transition([S.SUBMITTING], S.APPROVED, "be released for another attempt"),
    "record_receipt": Transition(EVERY, S.SUBMITTED),
    "reconcile": Transition(NOT_SUBMITTED, S.SUBMITTED),
    "reject": Transition(NOT_SUBMITTED, S.REJECTED, "be rejected"),
}

RETURN_STATES = StateMachine(
    noun="return",
    field="status",
    transitions=RETURN_TRANSITIONS,
    labels=dict(ReturnStatus.choices),
    error=ReturnStateError,
)

OBL = VatObligation.Status

OBLIGATION_STATES = StateMachine(
    noun="VAT obligation",
    field="status",
    transitions={"fulfil": Transition([OBL.OPEN, OBL.FULFILLED], OBL.FULFILLED)},
    labels=dict(VatObligation.Status.choices),
    error=ReturnStateError,
)


def move_return(
    vat_return: VatReturn,
    transition: str,
    *,
    changes: Mapping[str, Any] | None = None,
    update_fields: Iterable[str] | None = None,
    on_commit: Callable[[], Any] | None = None,
) -> VatReturn:
    """The one writer of ``VatReturn.status``; by default the whole row is saved (the services set many fields)."""
    return RETURN_STATES.move(vat_return, transition, changes=changes, update_fields=update_fields, on_commit=on_commit)


def move_obligation(obligation: VatObligation, transition: str, *, changes: Mapping[str, Any] | None = None):
    """The one writer of ``VatObligation.status`` outside the sync that copies HMRC's."""
    return OBLIGATION_STATES.move(obligation, transition, changes=changes)
