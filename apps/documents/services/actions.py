"""What people do to a document after the pipeline: retry a failure, reject, re-run."""

from __future__ import annotations

from django.db import transaction

from apps.audit.services import record_event
from apps.documents.actions import require_action
from apps.documents.models import Document, TaskRun
from apps.documents.services.upload import PROCESS_TASK, enqueue_processing
from apps.documents.states import move_document


def retry_document(*, document: Document, actor) -> TaskRun:
    """Queue a failed (or under-review, not yet posted) document again from the start."""
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        require_action(document, "retry")
        run = TaskRun.objects.create(tenant_id=document.tenant_id, document=document, task_name=PROCESS_TASK)
        move_document(document, "retry", changes={"failure_reason": "", "failure_step": "", "attempts": 0,
                                                   "processing_run": None})  # fmt: skip
        record_event(
            "documents.document.retried", actor=actor, tenant_id=document.tenant_id, target=document,
            extra={"file": document.original_filename},
        )  # fmt: skip
        enqueue_processing(run)
    return run
