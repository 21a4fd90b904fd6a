"""The scheduled reconciliation: stuck documents, rows without files, files without rows.

It repairs only what is safe to repair (re-queues work whose message or
worker was lost, fails a document still being worked on whose file is gone)
and deletes nothing: files without rows, and final documents (posted,
reversed, set aside) without files, are reported for a person to look at.

It first makes sure the store is there: a store without this database's
marker, or one where most of a sample of known files are missing, looks
absent (a volume not mounted, a database restored without its files). Then
it changes nothing, records why on the report (``store_problem``, which the
``DocumentStoreUnavailable`` alert reads) and logs an error.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.documents.models import IN_PROGRESS, Document, DocumentState, ReconciliationReport, TaskRun
from apps.documents.services.storage import blob_exists, list_blobs, tenant_prefix
from apps.documents.services.store_identity import store_status
from apps.documents.services.upload import PROCESS_TASK, enqueue_processing
from apps.documents.states import LOSABLE, move_document, move_run
from apps.tenancy.context import tenant_context
from apps.tenancy.selectors import all_tenant_ids

log = logging.getLogger(__name__)

MISSING_FILE = "The stored file is missing. Upload the document again; support has been told."


def _requeue(document: Document) -> None:
    run = TaskRun.objects.create(tenant_id=document.tenant_id, document=document, task_name=PROCESS_TASK)
    enqueue_processing(run)


def reconcile_tenant(tenant_id, report: ReconciliationReport) -> None:
    now = timezone.now()
    stuck_before = now - timedelta(seconds=settings.DOCUMENT_STUCK_AFTER_SECONDS)
    with tenant_context(tenant_id):
        documents = list(
            Document.objects.exclude(state=DocumentState.DUPLICATE).values_list("pk", "storage_name", "state")
        )
        report.documents += len(documents)
        stored = {name for _, name, _ in documents}
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
        for pk, name, state in documents:
            if not name or blob_exists(name):
                continue
            losable = state in LOSABLE
            report.missing_files.append({"tenant": str(tenant_id), "document": str(pk), "state": state,
                                         "action": "failed" if losable else "reported"})  # fmt: skip
            if losable:
                move_document(
                    Document.objects.get(pk=pk),
                    "lose_file",
                    changes={"state_changed_at": now, "failure_step": "storage", "failure_reason": MISSING_FILE},
                )
    for name in list_blobs(tenant_prefix(tenant_id)):
        if name not in stored:
            report.orphan_files.append({"tenant": str(tenant_id), "name": name})


def sample_known_files(tenant_ids: list) -> list[str]:
    """The newest few stored names of each tenant, up to the sample size: what a present store must hold."""
    per_tenant, names = settings.DOCUMENT_STORE_SAMPLE_PER_TENANT, []
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id):
            names += (
                Document.objects.exclude(storage_name="")
                .order_by("-uploaded_at")
                .values_list("storage_name", flat=True)[:per_tenant]
            )
        if len(names) >= settings.DOCUMENT_STORE_SAMPLE_SIZE:
            break
    return names[: settings.DOCUMENT_STORE_SAMPLE_SIZE]


def check_store_present(tenant_ids: list) -> str:
    """Why the store looks absent ("" when it looks present): its marker, then a sample of known files."""
    status = store_status()
    if not status.ok:
        return status.problem
    sample = sample_known_files(tenant_ids)
    missing = sum(1 for name in sample if not blob_exists(name))
    if missing >= 2 and missing > len(sample) * settings.DOCUMENT_STORE_MAX_MISSING_FRACTION:
        return f"{missing} of {len(sample)} sampled document files are missing from the store."
    return ""


def reconcile_all() -> ReconciliationReport:
    """One pass over every tenant, or none at all (``store_problem`` says why) when the store looks absent."""
    report = ReconciliationReport(started_at=timezone.now(), finished_at=timezone.now())
    tenant_ids = list(all_tenant_ids())
    report.store_problem = check_store_present(tenant_ids)[:300]
    if report.store_problem:
        log.error("reconciliation refused: the document store looks absent", extra={"problem": report.store_problem})
    else:
        for tenant_id in tenant_ids:
            report.tenants += 1
            reconcile_tenant(tenant_id, report)
    report.finished_at = timezone.now()
    report.save()
    return report
