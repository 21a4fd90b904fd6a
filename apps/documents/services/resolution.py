"""Setting documents aside and bringing them back: archive a failure, restore, reopen a reversed posting.

Why these are states and not deletions: a document is evidence. A failure
nobody can fix (a blank scan, a photo of a cat) is archived with the reason,
so it stops blocking the VAT return yet stays findable; a rejection or an
archive is undone by restoring. A document whose journal entry was reversed
goes back to the review panel to be classified and posted again.
"""

from __future__ import annotations

import uuid

from django.db import transaction

from apps.audit.services import record_event
from apps.documents.actions import require_action
from apps.documents.errors import DocumentError
from apps.documents.models import Document, DocumentState
from apps.documents.states import move_document


def _reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise DocumentError(f"Say briefly why the document is {what}.")
    return reason[:300]


def _locked(document: Document, action: str) -> tuple[Document, str]:
    """The row locked for this transaction, and the transition ``action`` makes (refused if unavailable)."""
    locked = Document.objects.select_for_update().get(pk=document.pk)
    return locked, require_action(locked, action)


def archive_document(*, document: Document, reason: str, actor) -> Document:
    """A processing failure set aside with a reason: no longer a blocker of any VAT return."""
    reason = _reason(reason, "archived")
    with transaction.atomic():
        document, transition = _locked(document, "archive")
        move_document(document, transition, changes={"set_aside_reason": reason})
        record_event("documents.document.archived", actor=actor, tenant_id=document.tenant_id, target=document,
                     extra={"reason_chars": len(reason), "failure": document.failure_reason[:200]})  # fmt: skip
    return document


def restore_document(*, document: Document, actor) -> Document:
    """Undo a rejection (back to review, or to failed if it was never read) or an archive (back to failed)."""
    with transaction.atomic():
        document, transition = _locked(document, "restore")
        was, reason = document.state, document.set_aside_reason
        failure = document.failure_reason
        if transition == "restore_as_failed" and not failure:
            failure = "Restored after being set aside; nothing could be read from it."
        move_document(document, transition, changes={"set_aside_reason": "", "failure_reason": failure})
        record_event("documents.document.restored", actor=actor, tenant_id=document.tenant_id, target=document,
                     before={"state": was, "reason_chars": len(reason)}, after={"state": document.state})  # fmt: skip
    return document


def reopen_for_review(*, document: Document, actor) -> Document:
    """A reversed document back to the review panel, to be classified and posted again."""
    with transaction.atomic():
        document, transition = _locked(document, "reopen")
        move_document(document, transition)
        record_event("documents.document.reopened", actor=actor, tenant_id=document.tenant_id, target=document,
                     extra={"entry": str(document.journal_entry_id or "")})  # fmt: skip
    return document


def mark_reversed(*, document_id: uuid.UUID, entry_id: uuid.UUID, reversal_number: int, actor) -> None:
    """The document's posting was reversed in the ledger: say so on the document (same transaction)."""
    document = Document.objects.select_for_update().filter(pk=document_id, journal_entry_id=entry_id).first()
    if document is None or document.state != DocumentState.POSTED:
        return
    move_document(document, "reverse")
    record_event("documents.document.reversed", actor=actor, tenant_id=document.tenant_id, target=document,
                 extra={"reversal": reversal_number})  # fmt: skip
