"""What people do to a document after the pipeline: retry a failure, reject, re-run."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.audit.services import record_event
from apps.documents.errors import DocumentError
from apps.documents.models import Document, DocumentState, TaskRun
from apps.documents.services.upload import PROCESS_TASK, enqueue_processing


def retry_document(*, document: Document, actor) -> TaskRun:
    """Queue a failed (or under-review, not yet posted) document again from the start."""
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        if document.state not in (DocumentState.FAILED, DocumentState.NEEDS_REVIEW):
            raise DocumentError(f"Only a failed document or one awaiting review can be run again; this one is "
                                f"{document.get_state_display().lower()}.")  # fmt: skip
        if document.journal_entry_id:
            raise DocumentError("This document is already posted; reverse the journal entry instead.")
        run = TaskRun.objects.create(tenant_id=document.tenant_id, document=document, task_name=PROCESS_TASK)
        document.state = DocumentState.RECEIVED
        document.state_changed_at = timezone.now()
        document.failure_reason = ""
        document.failure_step = ""
        document.attempts = 0
        document.processing_run = None
        document.save(update_fields=["state", "state_changed_at", "failure_reason", "failure_step", "attempts",
                                     "processing_run"])  # fmt: skip
        record_event(
            "documents.document.retried", actor=actor, tenant_id=document.tenant_id, target=document,
            extra={"file": document.original_filename},
        )  # fmt: skip
        enqueue_processing(run)
    return run
