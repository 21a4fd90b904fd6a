"""Uploading a document: validate, store the bytes, write the row, then enqueue.

The one way in for the portal, the API and onboarding: ``receive_uploads``
(a batch from a form) and ``receive_upload`` (one file) check every limit
here, once, and raise the same ``UploadRejected`` subclass with the same
message whichever caller it is; the callers only present the outcome.

Order matters (paperless-ngx lost documents by deleting first): the file is
stored and fsynced, then the ``Document`` row and its queued ``TaskRun`` are
committed together with the outbox row that sends the task (decision 0017), and the
task is sent after the commit (again by the outbox relay if that send is lost). A crash between steps
leaves at worst a file without a row, which the reconciliation reports; never
a row without its file, never a lost upload. A full or absent store refuses
the file (507 ``StorageFull``, 503 ``StoreUnavailable``) with nothing left behind.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.db import IntegrityError, transaction

from apps.documents.errors import NoFileChosen, StorageFull, StoreUnavailable, TooManyFiles, UploadRejected
from apps.documents.models import Document, DocumentState, TaskRun
from apps.documents.services.storage import blob_name, store_document_file
from apps.documents.validation import UploadInfo, file_too_large, inspect_upload
from apps.outbox.services import enqueue
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant

log = logging.getLogger(__name__)
PROCESS_TASK = "documents.process_document"


class IncomingFile(Protocol):
    """What a form or the API hands over (Django's ``UploadedFile``): a name, a size, the bytes."""

    name: str | None
    size: int | None

    def read(self) -> bytes: ...


@dataclass(frozen=True)
class UploadOutcome:
    document: Document
    duplicate_of: Document | None = None


@dataclass
class UploadBatch:
    """What became of each file of one upload: stored (new or duplicate) or refused with the reason."""

    stored: list[UploadOutcome] = field(default_factory=list)
    refused: list[tuple[str, UploadRejected]] = field(default_factory=list)

    @property
    def accepted(self) -> list[UploadOutcome]:
        return [o for o in self.stored if o.duplicate_of is None]

    @property
    def duplicates(self) -> list[UploadOutcome]:
        return [o for o in self.stored if o.duplicate_of is not None]

    def refusal_messages(self) -> list[str]:
        """One line per refused file, the same words the API answers with: "name: reason"."""
        return [f"{name}: {error.message}" for name, error in self.refused]

    @property
    def status(self) -> int:
        """The HTTP status when nothing was stored: the store's problem (507/503) first, else the refusal's own
        when every file was refused alike."""
        statuses = {error.status for _, error in self.refused}
        for store_status in (StorageFull.status, StoreUnavailable.status):
            if store_status in statuses:
                return store_status
        return statuses.pop() if len(statuses) == 1 else 400


def _safe_filename(name: str) -> str:
    name = (name or "document").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "".join(ch for ch in name if ch.isprintable())[:200] or "document"


def enqueue_processing(run: TaskRun) -> None:
    """Record the processing of ``run`` in the outbox, in the caller's transaction (decision 0017).

    The row commits with the document and its run, so a broker outage (or a Redis that loses its
    queue) can delay the processing but never lose it: the fast send after the commit costs a
    request at most the broker's connect timeout, and the outbox relay sends whatever was not.
    """
    enqueue(
        PROCESS_TASK,
        key=f"{PROCESS_TASK}:{run.pk}",
        kwargs={"tenant_id": str(run.tenant_id), "document_id": str(run.document_id), "run_id": str(run.pk)},
        tenant_id=run.tenant_id,
    )
    log.info("document queued", extra={"document_id": str(run.document_id), "run_id": str(run.pk)})


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
    """Store one upload's bytes; raises ``UploadRejected`` (nothing written) for bytes we do not accept.

    The low-level step: callers holding a form's or the API's files use
    ``receive_upload`` / ``receive_uploads``, which check the size before
    reading the bytes.
    """
    info = inspect_upload(content)
    filename = _safe_filename(filename)
    fields = {"uploaded_by": uploaded_by, "source": source}
    with tenant_context(tenant):
        original = Document.objects.exclude(state=DocumentState.DUPLICATE).filter(sha256=info.sha256).first()
        if original is not None:
            return _record_duplicate(tenant, original, filename, info, **fields)
    name = blob_name(tenant.pk, info)
    file_key_version = store_document_file(tenant.pk, name, content)
    with tenant_context(tenant):
        try:
            with transaction.atomic():
                document = Document.objects.create(**_document_fields(tenant, filename, info), storage_name=name,
                                                   file_key_version=file_key_version, **fields)  # fmt: skip
                run = TaskRun.objects.create(tenant=tenant, document=document, task_name=PROCESS_TASK)
                enqueue_processing(run)  # the same commit as the row: never a document without its work
        except IntegrityError:
            # The same bytes were uploaded at the same moment and won the race.
            original = Document.objects.exclude(state=DocumentState.DUPLICATE).get(sha256=info.sha256)
            return _record_duplicate(tenant, original, filename, info, **fields)
    return UploadOutcome(document)


def check_file_count(count: int) -> None:
    """A form or API request must bring between one and the per-upload limit of files."""
    if count == 0:
        raise NoFileChosen()
    limit = settings.DOCUMENT_MAX_FILES_PER_UPLOAD
    if count > limit:
        raise TooManyFiles(f"Upload at most {limit} files at a time.")


def receive_upload(
    *, tenant: Tenant, upload: IncomingFile, uploaded_by=None, source: str = Document.Source.PORTAL
) -> UploadOutcome:
    """One file from a form or the API: too large is refused before its bytes are read."""
    limit = settings.DOCUMENT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise file_too_large(upload.size, limit)
    return upload_document(tenant=tenant, content=upload.read(), filename=upload.name or "",
                           uploaded_by=uploaded_by, source=source)  # fmt: skip


def receive_uploads(
    *, tenant: Tenant, uploads: Sequence[IncomingFile], uploaded_by=None, source: str = Document.Source.PORTAL
) -> UploadBatch:
    """A batch of files: the count is checked first (raises), then each file is stored or refused on its own.

    Each file is all or nothing (its bytes and its row, or neither). When the
    store is full or absent, the files already stored stay (complete and
    queued) and this one and every later one are refused with that reason:
    no stray file, no half-written batch to clean up.
    """
    check_file_count(len(uploads))
    batch = UploadBatch()
    store_problem: UploadRejected | None = None
    for upload in uploads:
        if store_problem is not None:
            batch.refused.append((upload.name or "document", store_problem))
            continue
        try:
            batch.stored.append(receive_upload(tenant=tenant, upload=upload, uploaded_by=uploaded_by, source=source))
        except (StorageFull, StoreUnavailable) as exc:
            store_problem = exc
            batch.refused.append((upload.name or "document", exc))
        except UploadRejected as exc:
            batch.refused.append((upload.name or "document", exc))
    return batch
