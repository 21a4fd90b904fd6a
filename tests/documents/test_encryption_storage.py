"""Sealed document files on S3 (the real moto server on loopback), and the storage and command edge cases."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.documents.errors import StoredFileUnreadable
from apps.documents.models import Document
from apps.documents.selectors import possible_duplicates
from apps.documents.services import storage
from apps.documents.services.file_encryption import count_stale, reencrypt_batch
from apps.documents.services.storage import (
    list_blobs,
    read_blob,
    read_document_file,
    read_stored_file,
    replace_blob,
    tenant_prefix,
)
from apps.documents.services.upload import upload_document
from apps.documents.states import ENCRYPTED_FIELDS, DocumentStateError, move_document
from apps.security_center.crypto import envelope
from apps.security_center.crypto.services import rotate_tenant_dek, shred_tenant_keys
from tests.documents.samples import pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_processing(monkeypatch):
    from apps.documents.services import upload as upload_service

    monkeypatch.setattr(upload_service, "enqueue_processing", lambda run: None)


@pytest.fixture
def s3_store(settings, moto_server, monkeypatch):
    """The documents' store on a bucket of the moto server (a real HTTP S3 endpoint on loopback)."""
    bucket = f"docs-{uuid.uuid4().hex[:12]}"
    moto_server.client("s3").create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": moto_server.region}
    )
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(key, value)  # moto's documented placeholders, not credentials
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": bucket, "endpoint_url": moto_server.url, "region_name": moto_server.region,
                        "file_overwrite": True, "default_acl": None},
        },
    }  # fmt: skip
    return moto_server.client("s3"), bucket


def test_on_s3_the_object_is_sealed_reads_back_and_a_rotation_sweep_reseals_it(tenant_a, s3_store, media_root):
    client, bucket = s3_store
    content = pdf_bytes(["Bucket Supplies Ltd"])
    document = upload_document(tenant=tenant_a, content=content, filename="s3.pdf").document
    stored = client.get_object(Bucket=bucket, Key=document.storage_name)["Body"].read()
    assert stored[:5] == envelope.version_header(1) and b"%PDF" not in stored and b"Bucket Supplies" not in stored
    assert read_document_file(document) == content
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*")), "nothing on local disk"

    rotate_tenant_dek(tenant_a)
    assert reencrypt_batch(tenant_a, 10) == 1 and count_stale(tenant_a, 2) == 0
    stored = client.get_object(Bucket=bucket, Key=document.storage_name)["Body"].read()
    assert envelope.dek_version_of(stored) == 2 and read_document_file(document) == content
    assert list_blobs(tenant_prefix(tenant_a.pk)) == [document.storage_name], "replaced in place, no copy"


def test_a_store_that_renames_instead_of_overwriting_is_refused_and_leaves_no_copy(s3_store, settings):
    client, bucket = s3_store
    settings.STORAGES["default"]["OPTIONS"]["file_overwrite"] = False
    settings.STORAGES = {**settings.STORAGES}
    replace_blob("tenants/x/documents/aa/one.pdf", b"first")
    with pytest.raises(RuntimeError, match="overwrite"):
        replace_blob("tenants/x/documents/aa/one.pdf", b"second")
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert keys == ["tenants/x/documents/aa/one.pdf"] and read_blob(keys[0]) == b"first"


def test_a_failed_folder_fsync_keeps_a_replaced_file_and_removes_a_new_one(media_root, monkeypatch):
    name = "tenants/x/documents/bb/two.pdf"
    replace_blob(name, b"old")
    real_fsync, calls = storage.os.fsync, []

    def fail_on_folder(fd):
        calls.append(fd)
        if len(calls) % 2 == 0:  # every second fsync is the folder's
            raise OSError(5, "I/O error")
        real_fsync(fd)

    monkeypatch.setattr(storage.os, "fsync", fail_on_folder)
    with pytest.raises(OSError):
        replace_blob(name, b"new")
    assert read_blob(name) == b"new", "the rename happened: the replaced file stays (it opens to the same document)"
    with pytest.raises(OSError):
        replace_blob("tenants/x/documents/cc/three.pdf", b"fresh")
    assert not default_storage.exists("tenants/x/documents/cc/three.pdf"), "a new file that is not durable is gone"


def test_a_failure_that_is_not_a_full_disk_is_raised_as_it_is(tenant_a, monkeypatch):
    monkeypatch.setattr(storage, "replace_blob", lambda name, data: (_ for _ in ()).throw(OSError(13, "denied")))
    with pytest.raises(PermissionError):
        upload_document(tenant=tenant_a, content=pdf_bytes(["Denied Ltd"]), filename="d.pdf")


def test_a_shredded_tenants_file_does_not_open_and_the_command_skips_the_tenant(tenant_a, capsys):
    document = upload_document(tenant=tenant_a, content=pdf_bytes(["Shred Ltd"]), filename="s.pdf").document
    shred_tenant_keys(tenant_a, reason="test")
    with pytest.raises(StoredFileUnreadable):
        read_stored_file(tenant_a.pk, document.storage_name, document.file_key_version)
    call_command("seal_document_files", tenant=tenant_a.slug)
    assert f"{tenant_a.slug}: keys were destroyed (shredded); skipped" in capsys.readouterr().out


def test_the_command_refuses_bad_arguments(tenant_a):
    with pytest.raises(CommandError, match="No business"):
        call_command("seal_document_files", tenant="no-such-business")
    with pytest.raises(CommandError, match="at least 1"):
        call_command("seal_document_files", batch_size=0)


def test_a_refused_move_leaves_the_instance_as_the_row_is(tenant_a, in_tenant):
    assert {"text", "extraction", "set_aside_reason"} == ENCRYPTED_FIELDS
    document = upload_document(tenant=tenant_a, content=pdf_bytes(["Refused Ltd"]), filename="r.pdf").document
    with in_tenant(tenant_a):
        document = Document.objects.get(pk=document.pk)
        with pytest.raises(DocumentStateError):
            move_document(document, "read", changes={"text": "never saved", "extraction": {"a": 1}})
        assert document.text == "" and document.extraction is None
        assert Document.objects.get(pk=document.pk).text == ""


def test_duplicates_need_both_values_and_match_them_exactly(tenant_a, in_tenant):
    def read(words, extraction):
        document = upload_document(tenant=tenant_a, content=pdf_bytes(words), filename="x.pdf").document
        with in_tenant(tenant_a):
            document = Document.objects.get(pk=document.pk)
            move_document(document, "start_reading")
            move_document(document, "read", changes={"extraction": extraction, "text": ""})
        return document

    pair = {"supplier_vat_number": {"value": "GB 123 4567 89"}, "document_number": {"value": "INV-7"}}
    first = read(["one"], pair)
    read(["two"], {"supplier_vat_number": {"value": "gb123456789"}, "document_number": {"value": "inv 7"}})
    lone = read(["three"], {"document_number": {"value": "INV-7"}})
    with in_tenant(tenant_a):
        assert possible_duplicates(Document.objects.get(pk=lone.pk)) == [] and lone.duplicate_index is None
        # The normalised index matches "inv 7" too; the exact values do not, so it is not listed (as before).
        assert possible_duplicates(Document.objects.get(pk=first.pk)) == []
