"""The pipeline on real documents (real Tesseract), and how each failure ends: visible, with a reason."""

from __future__ import annotations

import pytest

from apps.documents.models import Document, DocumentState, TaskRun
from apps.documents.services.upload import upload_document
from apps.documents.tasks import process_document
from golden.cases import load_cases
from tests.documents.samples import pdf_bytes

pytestmark = pytest.mark.django_db
CASES = {c.file[:3]: c for c in load_cases()}


@pytest.fixture
def bakery(tenant_a, in_tenant):
    from apps.ledger.services.accounts import seed_chart_of_accounts

    tenant_a.name = "Hollybush Bakery Ltd"
    tenant_a.save()
    with in_tenant(tenant_a):
        seed_chart_of_accounts(tenant_a)
    return tenant_a


def process(tenant, document, in_tenant) -> Document:
    with in_tenant(tenant):
        run = TaskRun.objects.filter(document=document).latest("queued_at")
    process_document.apply(kwargs={"tenant_id": str(tenant.pk), "document_id": str(document.pk), "run_id": str(run.pk)})
    with in_tenant(tenant):
        document = Document.objects.get(pk=document.pk)
        _ = document.extraction  # encrypted: opened inside the tenant's context
        return document


def test_a_scanned_receipt_is_read_by_tesseract_classified_and_posted(bakery, in_tenant):
    case = CASES["024"]
    document = upload_document(tenant=bakery, content=case.content(), filename=case.file).document
    document = process(bakery, document, in_tenant)
    assert document.state == DocumentState.POSTED, document.review_reasons
    assert document.extraction["gross"]["value"] == case.expected["extraction"]["gross"]
    assert document.classification["account_code"] == case.expected["classification"]["account_code"]
    with in_tenant(bakery):
        (run,) = TaskRun.objects.filter(document=document)
    assert run.state == "succeeded" and run.duration_seconds is not None and run.wait_seconds is not None
    # Processing the same document again does nothing: one posting.
    again = process(bakery, document, in_tenant)
    assert again.journal_entry_id == document.journal_entry_id


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        ("ReadError", "No text could be read from page 1."),
        ("OcrUnavailable", "The OCR engine is not available right now."),
    ],
)
def test_a_reading_failure_ends_in_failed_with_a_reason_for_people(bakery, in_tenant, monkeypatch, error, reason):
    from apps.documents.extraction import errors, reader

    def broken(*args, **kwargs):
        raise getattr(errors, error)("No text could be read from page 1.")

    monkeypatch.setattr(reader, "read_document", broken)
    document = upload_document(tenant=bakery, content=pdf_bytes([error]), filename="blank.pdf").document
    document = process(bakery, document, in_tenant)
    assert (document.state, document.failure_step) == (DocumentState.FAILED, "ocr")
    assert document.failure_reason.startswith(reason)


def test_a_missing_stored_file_fails_the_document_it_does_not_crash(bakery, in_tenant, media_root):
    document = upload_document(tenant=bakery, content=pdf_bytes(["z"]), filename="z.pdf").document
    (media_root / document.storage_name).unlink()
    document = process(bakery, document, in_tenant)
    assert (document.state, document.failure_step) == (DocumentState.FAILED, "storage")


def test_a_soft_time_limit_ends_in_failed_with_the_limit_in_words(bakery, in_tenant, monkeypatch, settings):
    from celery.exceptions import SoftTimeLimitExceeded

    from apps.documents.extraction import reader

    def too_slow(*args, **kwargs):
        raise SoftTimeLimitExceeded

    monkeypatch.setattr(reader, "read_document", too_slow)
    document = upload_document(tenant=bakery, content=pdf_bytes(["t"]), filename="t.pdf").document
    document = process(bakery, document, in_tenant)
    assert document.state == DocumentState.FAILED
    assert f"longer than {settings.DOCUMENT_TASK_SOFT_TIME_LIMIT} seconds" in document.failure_reason


def test_the_pipeline_checks_the_issue_date_against_the_documents_received_date(bakery, in_tenant, monkeypatch):
    from apps.documents.extraction import errors, reader

    seen = {}

    def spy(*args, received_on=None, **kwargs):
        seen["received_on"] = received_on
        raise errors.ReadError("stop here")

    monkeypatch.setattr(reader, "read_document", spy)
    document = upload_document(tenant=bakery, content=pdf_bytes(["dated"]), filename="dated.pdf").document
    document = process(bakery, document, in_tenant)
    assert seen["received_on"] is not None and seen["received_on"] == document.received_date


def test_a_posted_purchase_teaches_the_supplier_and_the_next_document_is_read_with_it(bakery, in_tenant):
    from apps.documents.models import KnownSupplier

    case = CASES["016"]  # Sunrise Packaging Ltd's invoice, posted
    first = process(bakery, upload_document(tenant=bakery, content=case.content(), filename=case.file).document,
                    in_tenant)  # fmt: skip
    assert first.state == DocumentState.POSTED, first.review_reasons
    with in_tenant(bakery):
        (known,) = KnownSupplier.objects.all()
        assert (known.name, known.vat_number) == ("Sunrise Packaging Ltd", "984352686002")
    # The next one prints the name with a slip; its VAT number is on record: the recorded name is used.
    lines = ["Sunrise Packagng", "VAT Reg No: GB 984 3526 86 002", "Invoice No: SP-9001", "Date: 02/03/2026",
             "Bread bags   £10.00", "VAT 20%   £2.00", "Total   £12.00"]  # fmt: skip
    second = process(bakery, upload_document(tenant=bakery, content=pdf_bytes(lines), filename="s.pdf").document,
                     in_tenant)  # fmt: skip
    assert second.extraction["supplier_name"]["value"] == "Sunrise Packaging Ltd"
