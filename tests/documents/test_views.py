"""Document pages: upload several files, see each outcome, never another tenant's document."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.documents.models import Document, DocumentState
from apps.tenancy.models import Role
from tests.conftest import make_member
from tests.documents.samples import image_bytes, pdf_bytes
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db


def url(tenant, suffix=""):
    return f"/t/{tenant.slug}/documents/{suffix}"


def upload(client, tenant, *files):
    return client.post(url(tenant, "upload/"), {"files": [SimpleUploadedFile(n, c) for n, c in files]})


@pytest.fixture
def no_processing(monkeypatch):
    """Uploads only: the pipeline is exercised in test_pipeline.py."""
    from apps.documents.services import upload as upload_service

    monkeypatch.setattr(upload_service, "enqueue_processing", lambda run: None)


def test_list_shows_an_empty_state_and_the_upload_form(client, bookkeeper_a, tenant_a):
    client.force_login(bookkeeper_a)
    body = client.get(url(tenant_a)).content.decode()
    assert "No documents yet" in body and 'type="file"' in body and "multiple" in body


def test_several_files_at_once_each_get_their_own_outcome(client, bookkeeper_a, tenant_a, in_tenant, no_processing):
    client.force_login(bookkeeper_a)
    pdf = pdf_bytes(["Quill & Ink Stationers"])
    response = upload(client, tenant_a, ("a.pdf", pdf), ("b.png", image_bytes("PNG")), ("bad.pdf", b"nonsense"),
                      ("a-copy.pdf", pdf))  # fmt: skip
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "2 documents received" in page
    assert "bad.pdf: This is not a PDF, PNG, JPEG or TIFF file" in page
    assert "a-copy.pdf: already uploaded as “a.pdf”" in page
    with in_tenant(tenant_a):
        states = sorted(Document.objects.values_list("original_filename", "state"))
    assert states == [("a-copy.pdf", "duplicate"), ("a.pdf", "received"), ("b.png", "received")]


def test_all_refused_is_400_and_writes_nothing(client, bookkeeper_a, tenant_a, in_tenant, media_root):
    client.force_login(bookkeeper_a)
    response = upload(client, tenant_a, ("x.pdf", b"%PDF-1.7 broken"), ("y.txt", b"hello"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "x.pdf: This PDF is damaged or incomplete" in body and "y.txt: This is not a PDF" in body
    with in_tenant(tenant_a):
        assert Document.objects.count() == 0
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))


def test_no_file_chosen_is_400(client, bookkeeper_a, tenant_a):
    client.force_login(bookkeeper_a)
    response = client.post(url(tenant_a, "upload/"), {})
    assert response.status_code == 400 and "Choose at least one file" in response.content.decode()


def test_viewers_cannot_upload(client, tenant_a, in_tenant):
    viewer = make_member(tenant_a, Role.VIEWER)
    client.force_login(viewer)
    assert 'type="file"' not in client.get(url(tenant_a)).content.decode()
    assert upload(client, tenant_a, ("a.png", image_bytes("PNG"))).status_code == 403
    with in_tenant(tenant_a):
        assert Document.objects.count() == 0


def test_another_tenants_document_is_404_everywhere(client, bookkeeper_a, tenant_a, tenant_b):
    theirs = DocumentFactory(tenant=tenant_b)
    client.force_login(bookkeeper_a)
    for suffix in ("", "file/", "pages/1.png"):
        assert client.get(url(tenant_a, f"{theirs.pk}/{suffix}")).status_code == 404
    assert client.post(url(tenant_a, f"{theirs.pk}/retry/")).status_code == 404


def test_htmx_polling_returns_only_the_table_while_work_is_in_progress(client, bookkeeper_a, tenant_a):
    DocumentFactory(tenant=tenant_a, state=DocumentState.OCR)
    client.force_login(bookkeeper_a)
    full = client.get(url(tenant_a)).content.decode()
    assert 'hx-trigger="every 2s"' in full
    partial = client.get(url(tenant_a), HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="document-table"') and "<html" not in partial


def test_polling_stops_when_nothing_is_in_progress(client, bookkeeper_a, tenant_a):
    DocumentFactory(tenant=tenant_a, state=DocumentState.POSTED)
    client.force_login(bookkeeper_a)
    assert "hx-trigger" not in client.get(url(tenant_a)).content.decode()


def test_download_and_page_images(client, bookkeeper_a, tenant_a, in_tenant, no_processing):
    client.force_login(bookkeeper_a)
    content = pdf_bytes(["Page one"], pages=2)
    upload(client, tenant_a, ("two pages.pdf", content))
    with in_tenant(tenant_a):
        document = Document.objects.get()
    response = client.get(url(tenant_a, f"{document.pk}/file/"))
    assert response.content == content and response["Content-Type"] == "application/pdf"
    assert 'attachment; filename="two pages.pdf"' in response["Content-Disposition"]
    page = client.get(url(tenant_a, f"{document.pk}/pages/2.png"))
    assert page.status_code == 200 and Image.open(io.BytesIO(page.content)).format == "PNG"
    assert client.get(url(tenant_a, f"{document.pk}/pages/3.png")).status_code == 404


def test_detail_shows_the_reason_of_a_failure_and_a_retry(client, bookkeeper_a, tenant_a, in_tenant, no_processing):
    document = DocumentFactory(tenant=tenant_a, state=DocumentState.FAILED,
                               failure_reason="Reading the document took longer than 240 seconds.")  # fmt: skip
    client.force_login(bookkeeper_a)
    body = client.get(url(tenant_a, f"{document.pk}/")).content.decode()
    assert "took longer than 240 seconds" in body and "Read it again" in body
    response = client.post(url(tenant_a, f"{document.pk}/retry/"))
    assert response.status_code == 302
    with in_tenant(tenant_a):
        document.refresh_from_db()
        assert document.state == DocumentState.RECEIVED and document.failure_reason == ""
        assert document.runs.count() == 1
    assert client.post(url(tenant_a, f"{document.pk}/retry/")).status_code == 400
