"""What can be done to a document now, and why not: one answer for the services, the pages and the API.

Derived from the transition table (``apps/documents/states.py``) plus the
few business guards on top of it (a posted document is reversed in the
ledger, not read again). Role-agnostic on purpose: whether *this person*
may act is the caller's question (the views ask it as they always did).
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.documents.models import Document, DocumentState
from apps.documents.states import DOCUMENT_STATES, DocumentStateError


@dataclass(frozen=True)
class Action:
    """One action on the aggregate: available, or not with the reason in plain words."""

    name: str
    available: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.available


# action → the transition it makes (the table decides where it may start from)
TRANSITION_OF: dict[str, str] = {
    "review": "approve",  # the review page: approve (post) or reject
    "approve": "approve",
    "reject": "reject",
    "archive": "archive",
    "restore": "restore_to_review",  # or restore_as_failed: see restore_transition
    "reopen": "reopen",
    "retry": "retry",
    "reverse": "reverse",  # done in the ledger, from the journal entry
}


def restore_transition(document: Document) -> str:
    """A rejection that had been read goes back to review; anything else back to failed."""
    readable = document.extraction is not None
    if document.state == DocumentState.REJECTED and readable:
        return "restore_to_review"
    return "restore_as_failed"


def _guard(document: Document, name: str) -> str:
    """Why the business rules refuse ``name`` even though the state allows it, or ""."""
    if name == "retry" and document.journal_entry_id:
        return "This document is already posted; reverse the journal entry instead."
    if name == "reverse" and not document.journal_entry_id:
        return "This document has no journal entry to reverse."
    return ""


def action(document: Document, name: str) -> Action:
    transition = restore_transition(document) if name == "restore" else TRANSITION_OF[name]
    if not DOCUMENT_STATES.allowed(document.state, transition):
        return Action(name, False, DOCUMENT_STATES.refusal(transition, document.state))
    reason = _guard(document, name)
    return Action(name, not reason, reason)


def available_actions(document: Document) -> dict[str, Action]:
    """Every action by name (in a stable order), each available or not with the reason."""
    return {name: action(document, name) for name in TRANSITION_OF}


def require_action(document: Document, name: str) -> str:
    """Refuse ``name`` unless it is available; returns the transition to make.

    ``document`` should be the row locked for this transaction.
    """
    found = action(document, name)
    if not found.available:
        raise DocumentStateError(found.reason, extra={"action": name, "state": str(document.state)})
    return restore_transition(document) if name == "restore" else TRANSITION_OF[name]
