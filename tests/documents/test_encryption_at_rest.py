"""Documents encrypted at rest (decision 0024): columns and stored files hold ciphertext; people see the original."""

from __future__ import annotations

import hashlib
import secrets

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from apps.documents.errors import StoredFileUnreadable
from apps.documents.models import Document, DocumentState
from apps.documents.sealing import FILE_LABEL, duplicate_index_of, open_file
from apps.documents.selectors import possible_duplicates
from apps.documents.services import file_encryption
from apps.documents.services.file_encryption import DOCUMENT_FILES, count_plain, count_stale, reencrypt_batch
from apps.documents.services.storage import read_blob, read_document_file, replace_blob, store_blob
from apps.documents.services.upload import upload_document
from apps.documents.states import move_document
from apps.security_center.crypto import envelope
from apps.security_center.crypto.errors import DecryptionError
from apps.security_center.crypto.reencryption import blob_stores
from apps.security_center.crypto.services import rotate_tenant_dek
from tests.documents.samples import image_bytes, pdf_bytes

pytestmark = pytest.mark.django_db

MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")


def url(tenant, suffix=""):
    return f"/t/{tenant.slug}/documents/{suffix}"


@pytest.fixture
def no_processing(monkeypatch):
    from apps.documents.services import upload as upload_service

    monkeypatch.setattr(upload_service, "enqueue_processing", lambda run: None)


def canary() -> str:
    return f"CANARY{secrets.token_hex(8)}"


def raw_row(document) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT text, extraction, set_aside_reason, file_key_version FROM documents_document WHERE id = %s",
            [document.pk.hex if connection.vendor == "sqlite" else document.pk],
        )
        text, extraction, reason, version = cursor.fetchone()
    return {"text": bytes(text), "extraction": bytes(extraction), "reason": bytes(reason), "version": version}


def extraction_with(vat_number: str, number: str, secret: str = "") -> dict:
    return {
        "supplier_name": {"value": f"Supplier {secret}", "confidence": 0.9},
        "supplier_vat_number": {"value": vat_number, "confidence": 0.9},
        "document_number": {"value": number, "confidence": 0.9},
    }


def read_document(tenant, in_tenant, content: bytes, secret: str, name="bill.pdf") -> Document:
    """An uploaded document as the pipeline leaves it: read, with its text and extraction."""
    document = upload_document(tenant=tenant, content=content, filename=name).document
    with in_tenant(tenant):
        document = Document.objects.get(pk=document.pk)
        move_document(document, "start_reading")
        move_document(
            document, "read", changes={"extraction": extraction_with("GB123456789", "INV-1", secret), "text": secret}
        )
    return document


def test_columns_hold_ciphertext_with_the_header_and_no_plaintext(tenant_a, in_tenant, no_processing):
    secret = canary()
    document = read_document(tenant_a, in_tenant, pdf_bytes([secret]), secret)
    with in_tenant(tenant_a):
        move_document(Document.objects.get(pk=document.pk), "ask_review")
        move_document(Document.objects.get(pk=document.pk), "reject", changes={"set_aside_reason": f"why {secret}"})
        row = raw_row(document)
    for column in ("text", "extraction", "reason"):
        value = row[column]
        assert envelope.looks_sealed(value) and value[:5] == envelope.version_header(1), column
        assert secret.encode() not in value and b"GB123456789" not in value, column
    with in_tenant(tenant_a):
        stored = Document.objects.get(pk=document.pk)
        assert stored.text == secret and stored.set_aside_reason == f"why {secret}"
        assert stored.extraction["supplier_name"]["value"] == f"Supplier {secret}"


def test_the_stored_file_is_sealed_and_an_authorised_download_returns_the_original(
    client, bookkeeper_a, tenant_a, in_tenant, media_root, no_processing
):
    secret = canary()
    for content, suffix in ((pdf_bytes([secret], pages=2), "pdf"), (image_bytes(), "png")):
        document = upload_document(tenant=tenant_a, content=content, filename=f"f.{suffix}").document
        stored = (media_root / document.storage_name).read_bytes()
        assert not stored.startswith(MAGIC) and secret.encode() not in stored and content not in stored
        assert envelope.dek_version_of(stored) == document.file_key_version == 1
        client.force_login(bookkeeper_a)
        response = client.get(url(tenant_a, f"{document.pk}/file/"))
        assert response.status_code == 200 and response.content == content
        assert client.get(url(tenant_a, f"{document.pk}/pages/1.png")).status_code == 200


def test_another_tenant_cannot_read_the_file(client, bookkeeper_b, tenant_a, tenant_b, in_tenant, no_processing):
    content = pdf_bytes([canary()])
    document = upload_document(tenant=tenant_a, content=content, filename="a.pdf").document
    client.force_login(bookkeeper_b)
    assert client.get(url(tenant_a, f"{document.pk}/file/")).status_code in (403, 404)
    assert client.get(url(tenant_b, f"{document.pk}/file/")).status_code == 404
    # The bytes themselves: bound to tenant and name, so a copy under tenant B's prefix does not open.
    sealed = read_blob(document.storage_name)
    stolen = document.storage_name.replace(str(tenant_a.pk), str(tenant_b.pk))
    store_blob(stolen, sealed)
    with pytest.raises(StoredFileUnreadable):
        from apps.documents.services.storage import read_stored_file

        read_stored_file(tenant_b.pk, stolen, 1)
    with in_tenant(tenant_a), pytest.raises(DecryptionError):
        open_file(tenant_a.pk, f"{document.storage_name}.renamed", sealed, expect_sealed=True)


def test_a_plain_file_where_the_row_says_sealed_is_refused(tenant_a, in_tenant, no_processing):
    content = pdf_bytes([canary()])
    document = upload_document(tenant=tenant_a, content=content, filename="a.pdf").document
    replace_blob(document.storage_name, content)  # swapped for a plain copy behind the application's back
    with pytest.raises(StoredFileUnreadable):
        read_document_file(document)


def test_possible_duplicates_by_blind_index_stay_within_the_tenant(tenant_a, tenant_b, in_tenant, no_processing):
    secret = canary()
    first = read_document(tenant_a, in_tenant, pdf_bytes(["one", secret]), secret)
    second = read_document(tenant_a, in_tenant, pdf_bytes(["two", secret]), secret)
    other = read_document(tenant_b, in_tenant, pdf_bytes(["three", secret]), secret)
    with in_tenant(tenant_a):
        first = Document.objects.get(pk=first.pk)
        assert [d.pk for d in possible_duplicates(first)] == [second.pk]
        assert first.duplicate_index == duplicate_index_of(tenant_a.pk, first.extraction)
        assert secret.encode() not in bytes(first.duplicate_index) and len(first.duplicate_index) == 16
    with in_tenant(tenant_b):
        theirs = Document.objects.get(pk=other.pk)
        assert possible_duplicates(theirs) == []
        assert bytes(theirs.duplicate_index) != bytes(first.duplicate_index), "a per-tenant index key"


def legacy_upload(tenant, in_tenant, content: bytes) -> Document:
    """A document stored before encryption: plain file, no key version on the row."""
    document = upload_document(tenant=tenant, content=content, filename="old.pdf").document
    store_name = document.storage_name
    replace_blob(store_name, content)
    with in_tenant(tenant):
        Document.objects.filter(pk=document.pk).update(file_key_version=None)
        document.refresh_from_db()
    return document


def test_legacy_plain_files_are_read_then_sealed_by_the_command(tenant_a, in_tenant, no_processing, capsys):
    contents = [pdf_bytes([canary()]) for _ in range(3)]
    documents = [legacy_upload(tenant_a, in_tenant, c) for c in contents]
    assert read_document_file(documents[0]) == contents[0], "a plain file still opens while it is plain"
    assert count_plain(tenant_a) == 3
    call_command("seal_document_files", batch_size=2)
    out = capsys.readouterr().out
    assert f"documents.files tenant {tenant_a.pk}: 0/3" in out and f"tenant {tenant_a.pk}: 3/3" in out
    for document, content in zip(documents, contents, strict=True):
        with in_tenant(tenant_a):
            document.refresh_from_db()
        assert document.file_key_version == 1 and not read_blob(document.storage_name).startswith(b"%PDF")
        assert read_document_file(document) == content
    assert count_plain(tenant_a) == 0


def test_a_crash_before_the_rename_keeps_the_plain_file_and_a_rerun_resumes(
    tenant_a, in_tenant, no_processing, monkeypatch
):
    content = pdf_bytes([canary()])
    document = legacy_upload(tenant_a, in_tenant, content)

    def crash(src, dst):
        raise OSError("killed mid-write")

    monkeypatch.setattr("apps.documents.services.storage.os.replace", crash)
    with pytest.raises(OSError, match="killed"):
        reencrypt_batch(tenant_a, 10)
    assert read_blob(document.storage_name) == content, "the original is untouched"
    assert read_document_file(document) == content
    monkeypatch.undo()
    assert reencrypt_batch(tenant_a, 10) == 1
    with in_tenant(tenant_a):
        document.refresh_from_db()
    assert document.file_key_version == 1 and read_document_file(document) == content


def test_a_crash_after_the_rename_before_the_row_is_recorded_still_reads_and_resumes(
    tenant_a, in_tenant, no_processing
):
    content = pdf_bytes([canary()])
    document = legacy_upload(tenant_a, in_tenant, content)
    with in_tenant(tenant_a):
        sealed = envelope.encrypt(tenant_id=tenant_a.pk, label=FILE_LABEL, row_id=document.storage_name,
                                  plaintext=content)  # fmt: skip
    replace_blob(document.storage_name, sealed)  # the interrupted pass got this far; the row still says plain
    assert read_document_file(document) == content
    assert reencrypt_batch(tenant_a, 10) == 1
    with in_tenant(tenant_a):
        document.refresh_from_db()
    assert document.file_key_version == 1 and read_blob(document.storage_name) == sealed, "not rewritten"


def test_a_file_not_matching_its_hash_is_left_alone_and_the_command_says_so(tenant_a, in_tenant, no_processing):
    document = legacy_upload(tenant_a, in_tenant, pdf_bytes([canary()]))
    tampered = pdf_bytes([canary()])
    replace_blob(document.storage_name, tampered)
    with pytest.raises(CommandError, match="could not be sealed"):
        call_command("seal_document_files")
    assert read_blob(document.storage_name) == tampered and count_plain(tenant_a) == 1


def test_rotation_then_the_sweep_reseals_every_file_while_a_reader_downloads_throughout(
    client, bookkeeper_a, tenant_a, in_tenant, no_processing, monkeypatch
):
    contents = [pdf_bytes([canary()]) for _ in range(4)]
    documents = [upload_document(tenant=tenant_a, content=c, filename="r.pdf").document for c in contents]
    client.force_login(bookkeeper_a)
    downloads = []

    def download_all():
        for document, content in zip(documents, contents, strict=True):
            response = client.get(url(tenant_a, f"{document.pk}/file/"))
            downloads.append(response.status_code == 200 and response.content == content)

    real_replace = file_encryption.replace_blob

    def replace_while_reading(name, data):
        download_all()  # before this file's rename
        real_replace(name, data)
        download_all()  # after it, before its row records the new version

    monkeypatch.setattr(file_encryption, "replace_blob", replace_while_reading)
    rotate_tenant_dek(tenant_a)
    assert count_stale(tenant_a, 2) == 4 and DOCUMENT_FILES in blob_stores()
    while reencrypt_batch(tenant_a, 3):
        download_all()
    assert downloads and all(downloads), f"{downloads.count(False)} of {len(downloads)} downloads failed"
    assert count_stale(tenant_a, 2) == 0
    for document in documents:
        assert envelope.dek_version_of(read_blob(document.storage_name)) == 2


def test_backup_verification_hashes_the_opened_file(tenant_a, in_tenant, no_processing):
    from apps.backups.services.reconcile import reconcile_files

    content = pdf_bytes([canary()])
    document = upload_document(tenant=tenant_a, content=content, filename="b.pdf").document
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert reconcile_files().ok
    replace_blob(document.storage_name, read_blob(document.storage_name)[:-1] + b"\x00")
    report = reconcile_files()
    assert len(report.mismatched) == 1 and report.mismatched[0]["actual"].startswith("unreadable")


def test_duplicates_and_a_document_without_a_file_are_not_counted(tenant_a, in_tenant, no_processing):
    content = pdf_bytes([canary()])
    upload_document(tenant=tenant_a, content=content, filename="x.pdf")
    upload_document(tenant=tenant_a, content=content, filename="again.pdf")
    with in_tenant(tenant_a):
        assert Document.objects.filter(state=DocumentState.DUPLICATE).count() == 1
    assert DOCUMENT_FILES.count_total(tenant_a) == 1 and DOCUMENT_FILES.count_stale(tenant_a, 1) == 0
