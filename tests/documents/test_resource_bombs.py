"""Small files that cost a lot once opened: refused at upload, or read within a bounded budget.

The bombs themselves are the golden set's resource-bomb group (golden/bombs.py), built by code.
"""

from __future__ import annotations

import time
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.documents.extraction import ocr, reader
from apps.documents.extraction.errors import OcrBudgetSpent, ReadError
from apps.documents.models import Document, DocumentState, TaskRun
from apps.documents.services.storage import store_blob
from apps.documents.services.upload import upload_document
from apps.documents.tasks import process_document
from apps.documents.validation import UploadRejected, inspect_upload
from golden.bombs import CASES, bit_flipped_pdf, blank_pages_pdf, inflation_bomb, wide_image
from tests.documents.samples import image_bytes

pytestmark = pytest.mark.django_db
AT_UPLOAD = [c for c in CASES if c.stage == "upload"]


@pytest.fixture
def no_processing(monkeypatch):
    from apps.documents.services import upload as upload_service

    monkeypatch.setattr(upload_service, "enqueue_processing", lambda run: None)


def test_the_group_covers_the_four_bombs():
    assert {c.name for c in CASES} == {"inflation-bomb.pdf", "wide-image.png", "bit-flipped.pdf", "blank-pages.pdf"}
    assert all(len(c.make()) < 200_000 for c in CASES)  # small on disk: that is what makes them bombs


@pytest.mark.parametrize("case", AT_UPLOAD, ids=lambda c: c.name)
def test_upload_bombs_are_refused_quickly_with_their_reason(case):
    content = case.make()
    started = time.monotonic()
    with pytest.raises(UploadRejected) as caught:
        inspect_upload(content)
    assert time.monotonic() - started < 5
    assert caught.value.code == case.expected_code
    assert case.expected_rejection in caught.value.reason


@pytest.mark.parametrize("case", AT_UPLOAD, ids=lambda c: c.name)
def test_the_portal_refuses_them_with_a_400_and_stores_nothing(case, client, bookkeeper_a, tenant_a, in_tenant):
    client.force_login(bookkeeper_a)
    upload = SimpleUploadedFile(case.name, case.make())
    response = client.post(f"/t/{tenant_a.slug}/documents/upload/", {"files": [upload]})
    assert response.status_code == 400
    assert case.expected_rejection in response.content.decode()
    with in_tenant(tenant_a):
        assert not Document.objects.exists()


def test_a_bomb_stored_before_the_upload_check_fails_cleanly_when_read():
    started = time.monotonic()
    with pytest.raises(ReadError, match="compression bomb"):
        reader.read_document(inflation_bomb(), "application/pdf")
    assert time.monotonic() - started < 5


def test_ordinary_shapes_still_pass():
    assert inspect_upload(image_bytes("PNG", size=(600, 6000))).pages == 1  # a long till roll, 1:10


def test_blank_pages_are_accepted_then_fail_at_once_without_tesseract(tenant_a, in_tenant, monkeypatch):
    def no_tesseract(*args, **kwargs):
        raise AssertionError("Tesseract was run on a blank page")

    monkeypatch.setattr(ocr, "ocr_image", no_tesseract)
    document = upload_document(tenant=tenant_a, content=blank_pages_pdf(), filename="blank.pdf").document
    started = time.monotonic()
    with in_tenant(tenant_a):
        run = TaskRun.objects.get(document=document)
    process_document.apply(kwargs={"tenant_id": str(tenant_a.pk), "document_id": str(document.pk),
                                   "run_id": str(run.pk)})  # fmt: skip
    with in_tenant(tenant_a):
        document.refresh_from_db()
    assert document.state == DocumentState.FAILED
    assert "blank" in document.failure_reason and "20 checked" in document.failure_reason
    assert time.monotonic() - started < 30


def test_a_page_with_a_few_words_is_not_blank():
    from PIL import Image, ImageDraw

    page = Image.new("L", (2480, 3508), 250)
    ImageDraw.Draw(page).text((200, 200), "Total 5.00", fill=0, font_size=40)
    assert not ocr.is_blank(page)
    assert ocr.is_blank(Image.new("L", (2480, 3508), 250))


def test_ocr_of_one_document_stops_at_its_budget(monkeypatch):
    calls = []

    def slow(image, *, page_number, psm, timeout, enhance):
        calls.append((page_number, timeout))
        time.sleep(1.2)
        return ocr.OcrPage(lines=[], confidence=0.0, seconds=1.2)

    monkeypatch.setattr(ocr, "ocr_image", slow)
    with pytest.raises(OcrBudgetSpent) as caught:
        reader.read_document(image_bytes("TIFF", frames=4), "image/tiff", ocr_budget=3)
    assert isinstance(caught.value, ReadError) and "more than 3 s of OCR" in caught.value.message
    assert len(calls) == 2 and all(timeout <= 3 for _, timeout in calls)


def _legacy_document(tenant, content: bytes, content_type: str, pages: int = 1) -> Document:
    """A document stored before today's upload checks, written directly."""
    name = f"{tenant.pk}/{uuid.uuid4().hex}.bin"
    store_blob(name, content)
    return Document.objects.create(tenant=tenant, original_filename="old", content_type=content_type,
                                   size=len(content), pages=pages, sha256=uuid.uuid4().hex,
                                   storage_name=name, state=DocumentState.NEEDS_REVIEW)  # fmt: skip


def test_a_page_that_cannot_render_is_a_422_preview_unavailable_not_a_500(client, bookkeeper_a, tenant_a, in_tenant):
    with in_tenant(tenant_a):
        broken = _legacy_document(tenant_a, bit_flipped_pdf(), "application/pdf")
        wide = _legacy_document(tenant_a, wide_image(), "image/png")
    client.force_login(bookkeeper_a)
    answer = client.get(f"/t/{tenant_a.slug}/documents/{broken.pk}/pages/1.png")
    assert answer.status_code == 422 and answer["Content-Type"] == "image/svg+xml"
    assert b"Preview of page 1 unavailable" in answer.content and b"damaged" in answer.content
    assert client.get(f"/t/{tenant_a.slug}/documents/{wide.pk}/pages/1.png").status_code == 200


def test_one_business_gets_at_most_its_share_of_ocr_workers(tenant_a, tenant_b, in_tenant, monkeypatch, settings):
    """Two of A's documents are being read: A's third waits in the queue, B's next is read now."""
    from apps.documents import tasks
    from apps.outbox.errors import Deferred

    settings.DOCUMENT_OCR_PER_TENANT = 2
    monkeypatch.setattr(tasks.pipeline, "run_pipeline", lambda tenant, work: "read")
    with in_tenant(tenant_a):
        for n in range(2):
            document = Document.objects.create(tenant=tenant_a, original_filename=f"{n}", content_type="image/png",
                                               size=1, pages=1, sha256=f"{n}", state=DocumentState.OCR)  # fmt: skip
            run = TaskRun.objects.create(tenant=tenant_a, document=document, task_name="t",
                                         state=TaskRun.State.STARTED, started_at=document.uploaded_at)  # fmt: skip
            Document.objects.filter(pk=document.pk).update(processing_run=run)
    third = upload_document(tenant=tenant_a, content=image_bytes(text="A3"), filename="a3.png").document
    other = upload_document(tenant=tenant_b, content=image_bytes(text="B1"), filename="b1.png").document

    def run_task(tenant, document):
        with in_tenant(tenant):
            run = TaskRun.objects.get(document=document)
        kwargs = {"tenant_id": str(tenant.pk), "document_id": str(document.pk), "run_id": str(run.pk)}
        return tasks.process_document.run(**kwargs), kwargs

    # Deferred: the outbox keeps it due again later (a row in PostgreSQL, not a Redis ETA message).
    with pytest.raises(Deferred) as deferred:
        run_task(tenant_a, third)
    assert deferred.value.seconds == settings.DOCUMENT_OCR_DEFER_SECONDS
    with in_tenant(tenant_a):
        assert TaskRun.objects.get(document=third).state == TaskRun.State.QUEUED  # still waiting, not failed
    assert run_task(tenant_b, other)[0] == "read"
