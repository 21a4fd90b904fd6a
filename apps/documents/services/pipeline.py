"""Processing one document: claim → read (OCR) → extract → classify → post, or stop with a reason.

Each step commits its own short transaction in the tenant's context, so the
state the user sees moves as the work moves, and the slow step (OCR) holds no
transaction or lock.

Exactly one attempt works on a document at a time: the claim takes a lease
(``Document.processing_run``). A message delivered again after its worker died
takes the lease over and records the old attempt as interrupted; a stale
worker that lost its lease writes nothing. A document is posted at most once
(the ledger's unique source document), and after ``DOCUMENT_MAX_ATTEMPTS``
interrupted attempts it stops in ``failed`` with the reason, instead of
killing workers forever.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.documents.errors import StoredFileUnreadable
from apps.documents.models import FINISHED, Document, DocumentState, TaskRun
from apps.documents.selectors import KnownSuppliers
from apps.documents.services.storage import read_stored_file
from apps.documents.services.suppliers import remember_supplier
from apps.documents.states import RUN_STATES, move_document, move_run
from apps.ledger.errors import LedgerError
from apps.ledger.rules_engine import compile_default_patterns
from apps.ledger.services.posting import post_document
from apps.ledger.services.rules import classify_for_tenant
from apps.observability.metrics import DOCUMENTS_PROCESSED, OCR_DURATION, PIPELINE_STEP_FAILURES, safely
from apps.tenancy.context import tenant_context

log = logging.getLogger(__name__)


class LeaseLost(Exception):
    """Another attempt owns the document now; this one must stop without writing."""


@dataclass(frozen=True)
class Claim:
    document_id: uuid.UUID
    run_id: uuid.UUID
    content_type: str
    storage_name: str
    tenant_name: str
    # What identifies the business on a document (its own sales invoices; its VAT number on a bill).
    tenant_vat_number: str = ""
    tenant_company_number: str = ""
    # The data-key version the stored file is sealed under (None: a plain file from before encryption).
    file_key_version: int | None = None
    received_on: date | None = None  # the issue date read is checked against it (extraction/issued.py)


def _finish_run(run: TaskRun, transition: str, *, error: str = "", step: str = "") -> None:
    move_run(run, transition, changes={"finished_at": timezone.now(), "error": error, "step": step or run.step})


def claim(*, tenant_id: uuid.UUID, document_id: uuid.UUID, run_id: uuid.UUID, celery_task_id: str = "",
          worker: str = "", takeover: bool = False) -> Claim | None:  # fmt: skip
    """Take the document for this attempt, or return None when there is nothing to do.

    ``takeover``: the outbox sent this attempt again because the one before it stopped renewing its lease (its
    worker died), so a started run is taken over at once instead of waiting out the task's time limit.
    """
    now = timezone.now()
    with tenant_context(tenant_id):
        document = Document.objects.select_for_update(skip_locked=True).filter(pk=document_id).first()
        run = TaskRun.objects.select_for_update().filter(pk=run_id, document_id=document_id).first()
        if document is None or run is None:
            # Missing, or another worker is claiming it this very moment.
            return None
        if document.state in FINISHED:
            if run.state in (TaskRun.State.QUEUED, TaskRun.State.STARTED):
                _finish_run(run, "skip", error=f"Already {document.get_state_display().lower()}.")
            return None
        current = document.processing_run
        stale_after = now - timedelta(seconds=settings.DOCUMENT_TASK_TIME_LIMIT + 60)
        if current is not None and current.state == TaskRun.State.STARTED:
            # The same message delivered again (its task id survives redelivery)
            # means the worker that ran it died; a different message while a
            # recent attempt runs is a duplicate and steps aside.
            same_message = takeover or (bool(celery_task_id) and current.celery_task_id == celery_task_id)
            if not same_message and current.started_at and current.started_at > stale_after:
                if run.state in RUN_STATES.transition("skip").sources:
                    _finish_run(run, "skip", error="Another attempt is working on this document.")
                return None
            _finish_run(
                current,
                "lose",
                error="The worker stopped during this attempt (killed, restarted or out of memory).",
            )
        if run.state != TaskRun.State.QUEUED:
            # This message's run row records an earlier, interrupted attempt: record this one anew.
            run = TaskRun.objects.create(
                tenant_id=tenant_id, document=document, task_name=run.task_name, queued_at=run.queued_at
            )
        document.attempts += 1
        if document.attempts > settings.DOCUMENT_MAX_ATTEMPTS:
            reason = (
                f"Stopped after {settings.DOCUMENT_MAX_ATTEMPTS} attempts: the worker stopped every time "
                "(the document may be too large for the available memory). Try again or contact support."
            )
            _finish_run(run, "fail", error=reason, step="claim")
            move_document(
                document,
                "fail",
                changes={
                    "failure_reason": reason,
                    "failure_step": "claim",
                    "processing_run": None,
                    "attempts": document.attempts,
                },
            )
            return None
        move_run(
            run,
            "start",
            changes={
                "started_at": now,
                "attempt": document.attempts,
                "celery_task_id": celery_task_id,
                "worker": worker[:200],
                "step": "ocr",
            },
        )
        move_document(
            document,
            "start_reading",
            changes={"processing_run": run, "attempts": document.attempts, "failure_reason": "", "failure_step": ""},
        )
        tenant = document.tenant
        return Claim(document.pk, run.pk, document.content_type, document.storage_name, tenant.name,
                     tenant.vat_number or "", tenant.company_number or "", document.file_key_version,
                     document.received_date)  # fmt: skip


def documents_being_read(tenant_id: uuid.UUID) -> int:
    """How many of the tenant's documents a worker is reading now (leases younger than the task's hard limit)."""
    recent = timezone.now() - timedelta(seconds=settings.DOCUMENT_TASK_TIME_LIMIT + 60)
    with tenant_context(tenant_id):
        return Document.objects.filter(
            state=DocumentState.OCR,
            processing_run__state=TaskRun.State.STARTED,
            processing_run__started_at__gt=recent,
        ).count()


def _locked(tenant_id: uuid.UUID, work: Claim) -> tuple[Document, TaskRun]:
    """Inside tenant_context: the document and run, if this attempt still holds the lease."""
    document = Document.objects.select_for_update().get(pk=work.document_id)
    run = TaskRun.objects.select_for_update().get(pk=work.run_id)
    if document.processing_run_id != work.run_id:
        raise LeaseLost(str(work.document_id))
    return document, run


def fail(tenant_id: uuid.UUID, work: Claim, *, step: str, reason: str, cause: str = "other") -> None:
    """End the attempt and the document in ``failed`` with a reason for people (``cause`` is for metrics)."""
    with tenant_context(tenant_id):
        try:
            document, run = _locked(tenant_id, work)
        except LeaseLost:
            return
        _finish_run(run, "fail", error=reason, step=step)
        move_document(
            document, "fail", changes={"failure_reason": reason, "failure_step": step, "processing_run": None}
        )
    safely(lambda: PIPELINE_STEP_FAILURES.labels(step, cause).inc())
    safely(lambda: DOCUMENTS_PROCESSED.labels("failed").inc())
    log.warning("document failed", extra={"document_id": str(work.document_id), "step": step, "cause": cause})


def warm_up() -> None:
    """Do in a worker's parent process, before its pool forks, what every pool process would otherwise do on its
    first document: import the reader, compile the extraction and default-rule patterns, ask Tesseract its
    version (pytesseract asks once per process). Issue #18: ~0.3-0.5 s of CPU per pool process, measured on the
    bench's first documents. No database, no file: safe before a fork.
    """
    import pytesseract

    from apps.documents.extraction.parse import extract_fields
    from apps.documents.extraction.reader import read_document  # noqa: F401 - the import is the point
    from apps.documents.extraction.text import PageLines

    compile_default_patterns()
    sample = "Hollybush Bakery Ltd\nInvoice no. INV-1 Date 01/02/2026\nVAT reg no. GB 123 4567 89\nFlour   10.00\n"
    sample += "Net 10.00\nVAT 20% 2.00\nTotal 12.00"
    extract_fields([PageLines(sample, 0.9)], own_names=["Warm Up Ltd"])
    with contextlib.suppress(pytesseract.TesseractNotFoundError):  # the first document says so (run_pipeline)
        pytesseract.get_tesseract_version()


def _read(tenant_id: uuid.UUID, work: Claim):
    from apps.documents.extraction.reader import read_document

    content = read_stored_file(tenant_id, work.storage_name, work.file_key_version)
    return read_document(
        content,
        work.content_type,
        own_names=[work.tenant_name],
        own_vat_numbers=[work.tenant_vat_number] if work.tenant_vat_number else [],
        own_company_numbers=[work.tenant_company_number] if work.tenant_company_number else [],
        ocr_budget=settings.DOCUMENT_OCR_BUDGET_SECONDS,
        received_on=work.received_on,
        known_suppliers=KnownSuppliers(tenant_id),
    )


def run_pipeline(tenant_id: uuid.UUID, work: Claim) -> str:
    """Everything after the claim. Returns the final state; raises only for bugs."""
    from celery.exceptions import SoftTimeLimitExceeded

    from apps.documents.extraction.errors import OcrUnavailable, ReadError

    started = time.monotonic()
    try:
        extraction = _read(tenant_id, work)
    except FileNotFoundError:
        fail(tenant_id, work, step="storage", reason="The stored file is missing. Upload the document again.",
             cause="file_missing")  # fmt: skip
        return DocumentState.FAILED
    except StoredFileUnreadable as exc:
        fail(tenant_id, work, step="storage", reason=exc.message, cause="file_unreadable")
        return DocumentState.FAILED
    except OcrUnavailable:
        # The worker, not the document: say so, and let a person retry once it is mended.
        log.error("OCR engine unavailable on this worker", extra={"document_id": str(work.document_id)})
        fail(tenant_id, work, step="ocr", reason="The OCR engine is not available right now. Our team has been "
             "alerted; use “Read it again” later.", cause="ocr_unavailable")  # fmt: skip
        return DocumentState.FAILED
    except ReadError as exc:
        fail(tenant_id, work, step="ocr", reason=str(exc), cause="unreadable")
        return DocumentState.FAILED
    except SoftTimeLimitExceeded:
        limit = settings.DOCUMENT_TASK_SOFT_TIME_LIMIT
        fail(tenant_id, work, step="ocr", reason=f"Reading the document took longer than {limit} seconds.",
             cause="timeout")  # fmt: skip
        return DocumentState.FAILED
    safely(lambda: OCR_DURATION.observe(time.monotonic() - started))
    try:
        state = finish(tenant_id, work, extraction)
        safely(lambda: DOCUMENTS_PROCESSED.labels(str(state)).inc())
        return state
    except LeaseLost:
        log.warning("lease lost; another attempt owns the document", extra={"document_id": str(work.document_id)})
        return "lease_lost"


def finish(tenant_id: uuid.UUID, work: Claim, extraction) -> str:
    """Save what was read, classify it, and post it when the classification is confident."""
    with tenant_context(tenant_id):
        document, run = _locked(tenant_id, work)
        data = extraction.to_json()
        run.step = "extract"
        run.save(update_fields=["step"])
        move_document(document, "read", changes={"extraction": data, "text": extraction.text})
    with tenant_context(tenant_id):
        document, run = _locked(tenant_id, work)
        classification = classify_for_tenant(extraction)
        reasons = list(classification.reasons)
        state = DocumentState.NEEDS_REVIEW if classification.needs_review else DocumentState.CLASSIFIED
        run.step = "classify"
        run.save(update_fields=["step"])
        move_document(
            document,
            "ask_review" if state == DocumentState.NEEDS_REVIEW else "classify",
            changes={"classification": classification_json(classification), "review_reasons": reasons},
        )
    if state == DocumentState.NEEDS_REVIEW:
        _complete(tenant_id, work)
        return state
    with tenant_context(tenant_id):
        document, run = _locked(tenant_id, work)
        run.step = "post"
        run.save(update_fields=["step"])
        try:
            with transaction.atomic():
                entry = post_document(document_id=document.pk, extraction=extraction, classification=classification)
                remember_supplier(tenant_id, extraction, own_vat_numbers=[work.tenant_vat_number], by_person=False)
        except LedgerError as exc:
            move_document(document, "ask_review", changes={"review_reasons": [*reasons, str(exc)]})
        else:
            move_document(document, "post", changes={"journal_entry_id": entry.pk})
    _complete(tenant_id, work)
    return document.state


def _complete(tenant_id: uuid.UUID, work: Claim) -> None:
    with tenant_context(tenant_id):
        document, run = _locked(tenant_id, work)
        _finish_run(run, "succeed")
        document.processing_run = None
        document.save(update_fields=["processing_run"])


def classification_json(classification) -> dict:
    return {
        "account_code": classification.account_code,
        "vat_treatment": classification.vat_treatment,
        "confidence": round(classification.confidence, 3),
        "explanation": classification.explanation,
        "rule_id": str(classification.rule_id) if classification.rule_id else None,
        "rule_name": classification.rule_name,
        "needs_review": classification.needs_review,
        "reasons": list(classification.reasons),
    }
