"""Store first, process later: what an upload writes, in which order, and what it never writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from apps.documents.models import Document, DocumentState, TaskRun
from apps.documents.services.storage import read_document_file
from apps.documents.services.store_identity import MARKER_NAME
from apps.documents.services.upload import upload_document
from apps.documents.validation import UploadRejected
from apps.security_center.crypto.keystore import active_key
from tests.documents.samples import image_bytes, pdf_bytes

pytestmark = pytest.mark.django_db


def stored_files(media_root: Path) -> list[Path]:
    if not media_root.exists():
        return []
    return sorted(p for p in media_root.rglob("*") if p.is_file() and p.name != MARKER_NAME)


def test_upload_stores_bytes_by_tenant_and_hash_then_row_and_queued_run(
    tenant_a, bookkeeper_a, in_tenant, media_root, django_capture_on_commit_callbacks
):
    content = pdf_bytes(["Paperclip Stationers Ltd", "Total 12.00"])
    with django_capture_on_commit_callbacks(execute=True), in_tenant(tenant_a):
        active_key(tenant_a.pk)  # the tenant's data key exists (made on first use, cached once committed)
    with django_capture_on_commit_callbacks() as callbacks:
        outcome = upload_document(tenant=tenant_a, content=content, filename="../../etc/passwd.pdf",
                                  uploaded_by=bookkeeper_a)  # fmt: skip
    document = outcome.document
    assert outcome.duplicate_of is None
    assert document.original_filename == "passwd.pdf"
    assert document.storage_name == (f"tenants/{tenant_a.pk}/documents/{document.sha256[:2]}/{document.sha256}.pdf")
    stored = (media_root / document.storage_name).read_bytes()
    assert stored != content and stored[:1] == b"\x01" and content not in stored, "sealed at rest (decision 0024)"
    assert document.file_key_version == 1 and read_document_file(document) == content
    with in_tenant(tenant_a):
        assert Document.objects.get().state == DocumentState.RECEIVED
        (run,) = TaskRun.objects.all()
        assert (run.document_id, run.state, run.task_name) == (document.pk, "queued", "documents.process_document")
    assert len(callbacks) == 1, "the task is sent only after the row has committed"


def test_same_bytes_again_is_recorded_as_a_duplicate_without_a_second_copy(tenant_a, in_tenant, media_root):
    content = image_bytes("PNG", text="Till receipt")
    first = upload_document(tenant=tenant_a, content=content, filename="a.png").document
    again = upload_document(tenant=tenant_a, content=content, filename="a-again.png")
    assert again.duplicate_of == first
    assert again.document.state == DocumentState.DUPLICATE and again.document.storage_name == ""
    assert len(stored_files(media_root)) == 1
    with in_tenant(tenant_a):
        assert TaskRun.objects.count() == 1


def test_the_same_bytes_in_another_tenant_are_not_a_duplicate(tenant_a, tenant_b, media_root):
    content = image_bytes("PNG", text="Shared supplier receipt")
    a = upload_document(tenant=tenant_a, content=content, filename="r.png")
    b = upload_document(tenant=tenant_b, content=content, filename="r.png")
    assert a.duplicate_of is None and b.duplicate_of is None
    assert a.document.storage_name != b.document.storage_name
    assert len(stored_files(media_root)) == 2


@pytest.mark.parametrize(
    "content",
    [b"", b"not a document", pdf_bytes()[:200], pdf_bytes(encrypt="pw"), image_bytes("PNG")[:100]],
    ids=["empty", "text", "truncated-pdf", "encrypted-pdf", "truncated-png"],
)
def test_a_refused_upload_writes_nothing(tenant_a, in_tenant, media_root, content):
    with pytest.raises(UploadRejected):
        upload_document(tenant=tenant_a, content=content, filename="bad.pdf")
    assert stored_files(media_root) == []
    with in_tenant(tenant_a):
        assert Document.objects.count() == 0 and TaskRun.objects.count() == 0


def test_a_broker_outage_does_not_lose_the_upload(tenant_a, in_tenant, monkeypatch, django_capture_on_commit_callbacks):
    from apps.documents import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.process_document, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = upload_document(tenant=tenant_a, content=pdf_bytes(["Kept"]), filename="kept.pdf")
    with in_tenant(tenant_a):
        assert Document.objects.get(pk=outcome.document.pk).state == DocumentState.RECEIVED
        assert TaskRun.objects.get().state == TaskRun.State.QUEUED
