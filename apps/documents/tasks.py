"""Thin tasks over the pipeline services. Ids in, JSON out, idempotent, on the ``ocr`` queue.

Sharing the OCR queue between businesses: the queue is first in, first out,
so one API token uploading 120 files a minute used to put every other
business behind it (20 blank pages were 67 s of OCR each: about 130
worker-minutes queued per minute). Now at most ``DOCUMENT_OCR_PER_TENANT``
documents of one business are read at a time: a task that finds its
business at that number goes back to the queue for
``DOCUMENT_OCR_DEFER_SECONDS`` (cheap: one count, no file opened), so the
workers it leaves free take the next business's documents. With W workers
and a cap of c, a flooding business holds at most c workers and everyone
else shares the other W - c; alone, a business still gets c workers (not
all W: fairness is worth an idle worker when only one business is busy,
and ``DOCUMENT_OCR_PER_TENANT`` can be raised to the worker count for a
single-business install). Together with the per-document OCR budget (see
extraction/reader.py), one business can hold at most c × budget worker-
seconds at any moment. The count and the claim are not one atomic step, so
two workers deciding at the same instant can briefly let c + 1 through; a
bound, not an exact quota, is what fairness needs.
"""

from __future__ import annotations

import uuid

from celery import shared_task
from django.conf import settings

from apps.documents.services import pipeline
from apps.outbox.errors import Deferred
from apps.outbox.tasks import DATABASE_ERRORS, OutboxTask


class DocumentTask(OutboxTask):
    abstract = True
    atomic = False  # OCR must not hold a transaction: the pipeline commits step by step
    soft_time_limit = settings.DOCUMENT_TASK_SOFT_TIME_LIMIT
    time_limit = settings.DOCUMENT_TASK_TIME_LIMIT


@shared_task(base=DocumentTask, bind=True, name="documents.process_document")
def process_document(self, *, tenant_id: str, document_id: str, run_id: str) -> str:
    tenant = uuid.UUID(tenant_id)
    if not self.request.is_eager and pipeline.documents_being_read(tenant) >= settings.DOCUMENT_OCR_PER_TENANT:
        # Its business already has its share of the workers: wait, and let other businesses' documents pass.
        # The outbox row is due again later (kept in PostgreSQL, not as a Redis ETA message that a restart loses);
        # a deferral is not a failure in the task metrics.
        raise Deferred(settings.DOCUMENT_OCR_DEFER_SECONDS, "Its business has its share of the OCR workers.")
    work = pipeline.claim(
        tenant_id=tenant,
        document_id=uuid.UUID(document_id),
        run_id=uuid.UUID(run_id),
        celery_task_id=self.request.id or "",
        worker=self.request.hostname or "in-process",
        takeover=bool(getattr(self.request, "outbox_takeover", False)),
    )
    if work is None:
        return "skipped"
    try:
        return pipeline.run_pipeline(tenant, work)
    except DATABASE_ERRORS:
        # The database blipped, the document did nothing wrong: OutboxTask retries with backoff, and the
        # next attempt takes the lease over (the same message) or waits for it (the claim).
        raise
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
