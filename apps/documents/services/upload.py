"""Uploading a document: validate, store the bytes, write the row, then enqueue.

Order matters (paperless-ngx lost documents by deleting first): the file is
stored and fsynced, then the ``Document`` row and its queued ``TaskRun`` are
committed together, and only then is the task sent. A crash between steps
leaves at worst a file without a row, which the reconciliation reports; never
a row without its file, never a lost upload.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from apps.documents.models import Document, DocumentState, TaskRun
from apps.documents.services.storage import blob_name, store_blob
from apps.documents.validation import UploadInfo, inspect_upload
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant

log = logging.getLogger(__name__)
PROCESS_TASK = "documents.process_document"


@dataclass(frozen=True)
class UploadOutcome:
    document: Document
    duplicate_of: Document | None = None


def _safe_filename(name: str) -> str:
    name = (name or "document").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "".join(ch for ch in name if ch.isprintable())[:200] or "document"


def enqueue_processing(run: TaskRun) -> None:
    """Send the task for ``run`` once the surrounding transaction has committed.

    ``robust``: a broker outage must not turn a stored upload into an error
    page; the run stays queued and the reconciliation sends it again.
    """
    from apps.documents.tasks import process_document

    def send() -> None:
        result = process_document.apply_async(
            kwargs={"tenant_id": str(run.tenant_id), "document_id": str(run.document_id), "run_id": str(run.pk)}
        )
        log.info("document queued", extra={"document_id": str(run.document_id), "task_id": result.id})

    transaction.on_commit(send, robust=True)


def _document_fields(tenant: Tenant, filename: str, info: UploadInfo) -> dict:
    return {"tenant": tenant, "original_filename": filename, "content_type": info.content_type, "size": info.size,
            "pages": info.pages, "sha256": info.sha256}  # fmt: skip


def _record_duplicate(tenant: Tenant, original: Document, filename: str, info: UploadInfo, **fields) -> UploadOutcome:
    duplicate = Document.objects.create(
        **_document_fields(tenant, filename, info), state=DocumentState.DUPLICATE, duplicate_of=original, **fields
    )
    return UploadOutcome(duplicate, duplicate_of=original)


def upload_document(
    *, tenant: Tenant, content: bytes, filename: str, uploaded_by=None, source: str = Document.Source.PORTAL
) -> UploadOutcome:
    """Store one upload; raises ``UploadRejected`` (nothing written) for bytes we do not accept."""
    info = inspect_upload(content)
    filename = _safe_filename(filename)
    fields = {"uploaded_by": uploaded_by, "source": source}
    with tenant_context(tenant):
        original = Document.objects.exclude(state=DocumentState.DUPLICATE).filter(sha256=info.sha256).first()
        if original is not None:
            return _record_duplicate(tenant, original, filename, info, **fields)
    name = blob_name(tenant.pk, info)
    store_blob(name, content)
    with tenant_context(tenant):
        try:
            with transaction.atomic():
                document = Document.objects.create(**_document_fields(tenant, filename, info), storage_name=name,
                                                   **fields)  # fmt: skip
                run = TaskRun.objects.create(tenant=tenant, document=document, task_name=PROCESS_TASK)
        except IntegrityError:
            # The same bytes were uploaded at the same moment and won the race.
            original = Document.objects.exclude(state=DocumentState.DUPLICATE).get(sha256=info.sha256)
            return _record_duplicate(tenant, original, filename, info, **fields)
        enqueue_processing(run)
    return UploadOutcome(document)
