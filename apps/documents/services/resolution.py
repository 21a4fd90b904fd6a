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
from django.utils import timezone

from apps.audit.services import record_event
from apps.documents.errors import DocumentError
from apps.documents.models import Document, DocumentState


def _reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise DocumentError(f"Say briefly why the document is {what}.")
    return reason[:300]


def _move(document: Document, *, allowed: tuple[str, ...], verb: str) -> Document:
    locked = Document.objects.select_for_update().get(pk=document.pk)
    if locked.state not in allowed:
        raise DocumentError(f"This document is {locked.get_state_display().lower()}; it cannot be {verb}.")
    return locked


def archive_document(*, document: Document, reason: str, actor) -> Document:
    """A processing failure set aside with a reason: no longer a blocker of any VAT return."""
    reason = _reason(reason, "archived")
    with transaction.atomic():
        document = _move(document, allowed=(DocumentState.FAILED,), verb="archived")
        document.state = DocumentState.ARCHIVED
        document.state_changed_at = timezone.now()
        document.set_aside_reason = reason
        document.save(update_fields=["state", "state_changed_at", "set_aside_reason"])
        record_event("documents.document.archived", actor=actor, tenant_id=document.tenant_id, target=document,
                     extra={"reason": reason, "failure": document.failure_reason[:200]})  # fmt: skip
    return document


def restore_document(*, document: Document, actor) -> Document:
    """Undo a rejection (back to review, or to failed if it was never read) or an archive (back to failed)."""
    with transaction.atomic():
        document = _move(document, allowed=(DocumentState.REJECTED, DocumentState.ARCHIVED), verb="restored")
        was, reason = document.state, document.set_aside_reason
        readable = document.extraction is not None
        document.state = (
            DocumentState.NEEDS_REVIEW if was == DocumentState.REJECTED and readable else DocumentState.FAILED
        )
        if document.state == DocumentState.FAILED and not document.failure_reason:
            document.failure_reason = "Restored after being set aside; nothing could be read from it."
        document.state_changed_at = timezone.now()
        document.set_aside_reason = ""
        document.save(update_fields=["state", "state_changed_at", "set_aside_reason", "failure_reason"])
        record_event("documents.document.restored", actor=actor, tenant_id=document.tenant_id, target=document,
                     before={"state": was, "reason": reason}, after={"state": document.state})  # fmt: skip
    return document


def reopen_for_review(*, document: Document, actor) -> Document:
    """A reversed document back to the review panel, to be classified and posted again."""
    with transaction.atomic():
        document = _move(document, allowed=(DocumentState.REVERSED,), verb="reclassified")
        document.state = DocumentState.NEEDS_REVIEW
        document.state_changed_at = timezone.now()
        document.save(update_fields=["state", "state_changed_at"])
        record_event("documents.document.reopened", actor=actor, tenant_id=document.tenant_id, target=document,
                     extra={"entry": str(document.journal_entry_id or "")})  # fmt: skip
    return document


def mark_reversed(*, document_id: uuid.UUID, entry_id: uuid.UUID, reversal_number: int, actor) -> None:
    """The document's posting was reversed in the ledger: say so on the document (same transaction)."""
    document = Document.objects.select_for_update().filter(pk=document_id, journal_entry_id=entry_id).first()
    if document is None or document.state != DocumentState.POSTED:
        return
    document.state = DocumentState.REVERSED
    document.state_changed_at = timezone.now()
    document.save(update_fields=["state", "state_changed_at"])
    record_event("documents.document.reversed", actor=actor, tenant_id=document.tenant_id, target=document,
                 extra={"reversal": reversal_number})  # fmt: skip
