"""A manual journal can carry a new file as evidence: checked like an upload, stored, downloadable, never processed."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.documents.models import Document, TaskRun
from apps.ledger.errors import AttachmentError, LedgerError
from apps.ledger.models import JournalAttachment, JournalEntry
from apps.ledger.services.attachments import AttachmentUpload, read_attachment
from apps.ledger.services.journal import LineSpec
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Role
from golden.bombs import inflation_bomb
from tests.conftest import make_member
from tests.documents.samples import image_bytes, pdf_bytes
from tests.helpers import audit_events
from tests.ledger.test_manual_journals import form_data, freeze, journal, page
from tests.ledger.vat_books import quarters_of_2025

pytestmark = pytest.mark.django_db


@pytest.fixture
def books_a(tenant_a):
    return quarters_of_2025(tenant_a)


def stored_files(media_root: Path) -> list[Path]:
    return [p for p in Path(media_root).rglob("*") if p.is_file()]


def post(client, tenant, content: bytes, name: str = "letter.pdf", **overrides):
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return client.post(page(tenant), form_data(**overrides) | {"attachment_file": upload})


def download_url(tenant, entry) -> str:
    return f"/t/{tenant.slug}/ledger/journal/{entry.pk}/attachment/"


class TestService:
    def test_the_file_is_stored_with_the_entry_and_audited(self, tenant_a, owner_a, books_a, media_root):
        content = pdf_bytes(["Letter from the landlord about the April rent"])
        with tenant_context(tenant_a):
            entry = journal(actor=owner_a, attachment_file=AttachmentUpload("../../etc/landlord.pdf", content))
            attachment = JournalAttachment.objects.get()
        digest = hashlib.sha256(content).hexdigest()
        assert (attachment.entry_id, attachment.original_filename, attachment.content_type, attachment.size) == (
            entry.pk,
            "landlord.pdf",
            "application/pdf",
            len(content),
        )
        assert attachment.sha256 == digest and attachment.uploaded_by == owner_a
        assert attachment.storage_name == f"tenants/{tenant_a.pk}/journal-attachments/{digest[:2]}/{digest}.pdf"
        stored = (Path(media_root) / attachment.storage_name).read_bytes()
        assert stored[:1] == b"\x01" and content not in stored, "sealed at rest like a document (decision 0024)"
        assert read_attachment(attachment) == content
        (event,) = audit_events(tenant_a.pk, action="ledger.journal.posted")
        assert '"attachment_file":"landlord.pdf"' in event.body.replace(" ", "")
        assert f'"attachment_sha256":"{digest}"' in event.body.replace(" ", "")

    def test_the_file_is_never_queued_for_reading(self, tenant_a, owner_a, books_a, monkeypatch):
        from apps.documents import tasks

        sent = []
        monkeypatch.setattr(tasks.process_document, "apply_async", lambda *a, **k: sent.append(k))
        with tenant_context(tenant_a):
            journal(actor=owner_a, attachment_file=AttachmentUpload("receipt.png", image_bytes("PNG")))
            assert JournalAttachment.objects.count() == 1
            assert not Document.objects.exists() and not TaskRun.objects.exists()
        assert sent == []

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            (b"col1,col2\n1,2\n", "not a PDF, PNG, JPEG or TIFF file"),
            (image_bytes("TIFF"), "must be a PDF, PNG or JPEG file"),
            (b"%PDF-1.4 truncated", "damaged or incomplete"),
            (b"", "The file is empty"),
        ],
    )
    def test_a_bad_file_refuses_the_journal_and_writes_nothing(
        self, tenant_a, owner_a, books_a, media_root, content, message
    ):
        with tenant_context(tenant_a):
            with pytest.raises(AttachmentError, match=message):
                journal(actor=owner_a, attachment_file=AttachmentUpload("x.pdf", content))
            assert not JournalEntry.objects.exists() and not JournalAttachment.objects.exists()
        assert stored_files(media_root) == []
        assert audit_events(tenant_a.pk, action="ledger.journal.posted") == []

    def test_a_refused_journal_leaves_no_file_and_no_row(self, tenant_a, owner_a, books_a, media_root):
        upload = AttachmentUpload("letter.pdf", pdf_bytes())
        with tenant_context(tenant_a):
            freeze(books_a[0], owner_a)
            for overrides in (
                {"lines": []},
                {"reason": ""},
                {"entry_date": date(2025, 2, 1)},
                # Refused after the file itself was checked: still nothing stored.
                {"lines": [LineSpec("429", debit=D("60.00")), LineSpec("800", credit=D("60.00"))]},
                {"attachment_document_id": uuid.uuid4()},
            ):
                with pytest.raises(LedgerError):
                    journal(actor=owner_a, attachment_file=upload, **overrides)
            assert not JournalEntry.objects.exists() and not JournalAttachment.objects.exists()
        assert stored_files(media_root) == []


class TestPage:
    def test_attach_a_pdf_then_download_it_as_a_member(self, verified_client, owner_a, tenant_a, books_a, client):
        content = pdf_bytes(["Fictitious accrual workings"])
        response = post(verified_client(owner_a), tenant_a, content, name="accrual workings.pdf")
        assert response.status_code == 302
        with tenant_context(tenant_a):
            entry = JournalEntry.objects.get()
            assert JournalAttachment.objects.get().entry_id == entry.pk
        listing = verified_client(owner_a).get(page(tenant_a)).content.decode()
        assert download_url(tenant_a, entry) in listing and "accrual workings.pdf" in listing
        detail = verified_client(owner_a).get(f"/t/{tenant_a.slug}/ledger/journal/{entry.pk}/").content.decode()
        assert download_url(tenant_a, entry) in detail
        client.force_login(make_member(tenant_a, Role.VIEWER))
        download = client.get(download_url(tenant_a, entry))
        assert download.status_code == 200 and download.content == content
        assert download["Content-Type"] == "application/pdf"
        assert download["Content-Disposition"] == 'attachment; filename="accrual workings.pdf"'
        assert "no-store" in download["Cache-Control"]

    def test_another_business_member_gets_404(
        self, verified_client, owner_a, tenant_a, books_a, client, tenant_b, bookkeeper_b
    ):
        assert post(verified_client(owner_a), tenant_a, pdf_bytes()).status_code == 302
        with tenant_context(tenant_a):
            entry = JournalEntry.objects.get()
        client.force_login(bookkeeper_b)
        # Through their own business's address: the entry is simply not there.
        assert client.get(download_url(tenant_b, entry)).status_code == 404
        # Through the other business's address: not a member, so nothing of it is served.
        assert client.get(download_url(tenant_a, entry)).status_code == 404

    def test_a_journal_without_a_file_has_nothing_to_download(self, verified_client, owner_a, tenant_a, books_a):
        client = verified_client(owner_a)
        assert client.post(page(tenant_a), form_data()).status_code == 302
        with tenant_context(tenant_a):
            entry = JournalEntry.objects.get()
        assert client.get(download_url(tenant_a, entry)).status_code == 404

    @pytest.mark.parametrize(
        ("content", "name", "message"),
        [
            (b"not,a,pdf\n", "sheet.pdf", "not a PDF, PNG, JPEG or TIFF file"),
            (inflation_bomb(), "bomb.pdf", "(a compression bomb)"),
        ],
    )
    def test_a_bad_file_is_a_400_with_the_reason_and_nothing_written(
        self, verified_client, owner_a, tenant_a, books_a, media_root, content, name, message
    ):
        response = post(verified_client(owner_a), tenant_a, content, name=name)
        assert response.status_code == 400 and message in response.content.decode()
        with tenant_context(tenant_a):
            assert not JournalEntry.objects.exists() and not JournalAttachment.objects.exists()
        assert stored_files(media_root) == []

    def test_a_file_over_the_size_limit_is_refused_before_it_is_read(
        self, verified_client, owner_a, tenant_a, books_a, media_root, settings
    ):
        settings.DOCUMENT_MAX_BYTES = 1_000_000
        response = post(verified_client(owner_a), tenant_a, pdf_bytes() + b"\n%" + b"x" * 1_500_000)
        assert response.status_code == 400
        assert "the limit is 1 MB" in response.content.decode()
        with tenant_context(tenant_a):
            assert not JournalEntry.objects.exists() and not JournalAttachment.objects.exists()
        assert stored_files(media_root) == []

    def test_an_unbalanced_journal_with_a_file_is_a_400_and_stores_nothing(
        self, verified_client, owner_a, tenant_a, books_a, media_root
    ):
        response = post(verified_client(owner_a), tenant_a, pdf_bytes(), **{"lines-2-credit": "59.00"})
        assert response.status_code == 400
        with tenant_context(tenant_a):
            assert not JournalEntry.objects.exists() and not JournalAttachment.objects.exists()
        assert stored_files(media_root) == []

    def test_the_form_sends_files(self, verified_client, owner_a, tenant_a, books_a):
        body = verified_client(owner_a).get(page(tenant_a)).content.decode()
        assert 'enctype="multipart/form-data"' in body and 'type="file" name="attachment_file"' in body


@pytest.mark.postgres
def test_an_attachment_row_is_invisible_to_another_business_under_row_level_security(
    tenant_a, owner_a, books_a, tenant_b
):
    with tenant_context(tenant_a):
        journal(actor=owner_a, attachment_file=AttachmentUpload("letter.pdf", pdf_bytes()))
        assert JournalAttachment.objects.count() == 1
    with tenant_context(tenant_b):
        # The scoped manager filters by tenant; the raw manager shows what RLS alone lets through.
        assert JournalAttachment._base_manager.count() == 0
