"""Thin tasks over the pipeline services. Ids in, JSON out, idempotent, on the ``ocr`` queue."""

from __future__ import annotations

import uuid

from celery import shared_task
from django.conf import settings

from apps.documents.services import pipeline
from apps.tenancy.tasks import TenantTask


class DocumentTask(TenantTask):
    abstract = True
    atomic = False  # OCR must not hold a transaction: the pipeline commits step by step
    soft_time_limit = settings.DOCUMENT_TASK_SOFT_TIME_LIMIT
    time_limit = settings.DOCUMENT_TASK_TIME_LIMIT


@shared_task(base=DocumentTask, bind=True, name="documents.process_document")
def process_document(self, *, tenant_id: str, document_id: str, run_id: str) -> str:
    tenant = uuid.UUID(tenant_id)
    work = pipeline.claim(
        tenant_id=tenant,
        document_id=uuid.UUID(document_id),
        run_id=uuid.UUID(run_id),
        celery_task_id=self.request.id or "",
        worker=self.request.hostname or "in-process",
    )
    if work is None:
        return "skipped"
    try:
        return pipeline.run_pipeline(tenant, work)
    except Exception:
        # A bug, not a property of the document: the person sees a failure with a
        # reference instead of a document stuck in "Reading"; the error is re-raised
        # for the worker's log and alerting.
        pipeline.fail(
            tenant, work, step="unexpected", cause="unexpected",
            reason=f"Processing stopped on an unexpected error (reference {self.request.id}). "
            "Our team has been alerted; try again later.",
        )  # fmt: skip
        raise


@shared_task(name="maintenance.reconcile_documents")
def reconcile_documents() -> dict:
    from apps.documents.services.reconcile import reconcile_all

    return reconcile_all().as_dict()
