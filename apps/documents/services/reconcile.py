"""The scheduled reconciliation: stuck documents, rows without files, files without rows.

It repairs only what is safe to repair (re-queues work whose message or
worker was lost, marks a document whose file is gone as failed) and deletes
nothing: files without rows are reported for a person to look at.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.documents.models import IN_PROGRESS, Document, DocumentState, ReconciliationReport, TaskRun
from apps.documents.services.storage import blob_exists, list_blobs, tenant_prefix
from apps.documents.services.upload import PROCESS_TASK, enqueue_processing
from apps.documents.states import move_document, move_run
from apps.tenancy.context import tenant_context
from apps.tenancy.selectors import all_tenant_ids

MISSING_FILE = "The stored file is missing. Upload the document again; support has been told."


def _requeue(document: Document) -> None:
    run = TaskRun.objects.create(tenant_id=document.tenant_id, document=document, task_name=PROCESS_TASK)
    enqueue_processing(run)


def reconcile_tenant(tenant_id, report: ReconciliationReport) -> None:
    now = timezone.now()
    stuck_before = now - timedelta(seconds=settings.DOCUMENT_STUCK_AFTER_SECONDS)
    with tenant_context(tenant_id):
        documents = list(Document.objects.exclude(state=DocumentState.DUPLICATE).values_list("pk", "storage_name"))
        report.documents += len(documents)
        stored = {name for _, name in documents}
        for document in Document.objects.select_for_update(skip_locked=True).filter(
            state__in=IN_PROGRESS, state_changed_at__lt=stuck_before
        ):
            run = document.processing_run
            if run is not None and run.state == TaskRun.State.STARTED:
                move_run(
                    run,
                    "lose",
                    changes={"finished_at": now, "error": "No progress for too long: the worker was probably stopped."},
                )
                document.processing_run = None
                document.save(update_fields=["processing_run"])
            with transaction.atomic():
                _requeue(document)
            report.stuck.append(
                {"tenant": str(tenant_id), "document": str(document.pk), "state": document.state,
                 "since": document.state_changed_at.isoformat(), "action": "requeued"}
            )  # fmt: skip
        for pk, name in documents:
            if name and not blob_exists(name):
                report.missing_files.append({"tenant": str(tenant_id), "document": str(pk)})
                move_document(
                    Document.objects.get(pk=pk),
                    "lose_file",
                    changes={
                        "state_changed_at": now,
                        "failure_step": "storage",
                        "failure_reason": MISSING_FILE,
                    },
                )
    for name in list_blobs(tenant_prefix(tenant_id)):
        if name not in stored:
            report.orphan_files.append({"tenant": str(tenant_id), "name": name})


def reconcile_all() -> ReconciliationReport:
    report = ReconciliationReport(started_at=timezone.now(), finished_at=timezone.now())
    for tenant_id in all_tenant_ids():
        report.tenants += 1
        reconcile_tenant(tenant_id, report)
    report.finished_at = timezone.now()
    report.save()
    return report
