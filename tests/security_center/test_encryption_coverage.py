"""The encryption.fields and encryption.files checks: live figures from the headers, nothing decrypted."""

from __future__ import annotations

import pytest
from django.db import connection

from apps.documents.models import Document
from apps.documents.services.file_encryption import reencrypt_batch
from apps.documents.services.storage import replace_blob
from apps.documents.services.upload import upload_document
from apps.documents.states import move_document
from apps.security_center.checks import Status, get_check, run_check, run_checks
from apps.security_center.crypto.coverage import encrypted_fields, field_coverage
from apps.security_center.crypto.services import reencrypt_rows, rotate_tenant_dek
from tests.documents.samples import pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_processing(monkeypatch):
    from apps.documents.services import upload as upload_service

    monkeypatch.setattr(upload_service, "enqueue_processing", lambda run: None)


def read(tenant, in_tenant, words: list[str]) -> Document:
    document = upload_document(tenant=tenant, content=pdf_bytes(words), filename="c.pdf").document
    with in_tenant(tenant):
        document = Document.objects.get(pk=document.pk)
        move_document(document, "start_reading")
        move_document(document, "read", changes={"extraction": {"net": {"value": "1.00"}}, "text": " ".join(words)})
    return document


def by_name(items):
    return {c.name: c for c in items}


def test_the_documents_fields_are_found_by_introspection():
    labels = {field.label for _model, field in encrypted_fields()}
    assert {"documents.text", "documents.extraction", "documents.set_aside_reason", "hmrc.refresh_token"} <= labels


def test_fields_pass_then_fail_on_a_plain_value_then_warn_on_an_old_key(tenant_a, tenant_b, in_tenant):
    document = read(tenant_a, in_tenant, ["Fictitious Fuels Ltd"])
    read(tenant_b, in_tenant, ["Other Ltd"])
    result = run_check(get_check("encryption.fields"), tenant_a)
    assert result.status == Status.PASS, result.summary
    text = result.figures["items"]["documents.text"]
    assert text == {"total": 1, "plain": 0, "stale": 0}
    assert by_name(field_coverage())["documents.text"].total == 2, "the platform figure sums every tenant"

    with in_tenant(tenant_a), connection.cursor() as cursor:  # written around the field
        cursor.execute(
            "UPDATE documents_document SET set_aside_reason = %s WHERE id = %s",
            [b"typed by hand", document.pk.hex if connection.vendor == "sqlite" else document.pk],
        )
    result = run_check(get_check("encryption.fields"), tenant_a)
    assert result.status == Status.FAIL and result.figures["items"]["documents.set_aside_reason"]["plain"] == 1
    rotate_tenant_dek(tenant_a)
    with in_tenant(tenant_a):
        document = Document.objects.get(pk=document.pk)
        document.set_aside_reason = "sealed again"
        document.save(update_fields=["set_aside_reason"])
    result = run_check(get_check("encryption.fields"), tenant_a)
    assert result.status == Status.WARN and result.figures["items"]["documents.text"]["stale"] == 1
    assert result.figures["items"]["documents.set_aside_reason"]["stale"] == 0, "rewritten after the rotation"
    assert reencrypt_rows(Document, "text", tenant=tenant_a) == 1
    assert reencrypt_rows(Document, "extraction", tenant=tenant_a) == 1
    assert run_check(get_check("encryption.fields"), tenant_a).status == Status.PASS


def test_files_fail_while_plain_warn_after_a_rotation_and_pass_after_the_sweep(tenant_a, in_tenant):
    content = pdf_bytes(["Legacy Ltd"])
    legacy = upload_document(tenant=tenant_a, content=content, filename="old.pdf").document
    replace_blob(legacy.storage_name, content)
    with in_tenant(tenant_a):
        Document.objects.filter(pk=legacy.pk).update(file_key_version=None)
    upload_document(tenant=tenant_a, content=pdf_bytes(["New Ltd"]), filename="new.pdf")

    result = run_check(get_check("encryption.files"), tenant_a)
    assert result.status == Status.FAIL and "seal_document_files" in result.summary
    assert result.figures["items"]["documents.files"] == {"total": 2, "plain": 1, "stale": 0}
    assert reencrypt_batch(tenant_a, 10) == 1
    assert run_check(get_check("encryption.files"), tenant_a).status == Status.PASS

    rotate_tenant_dek(tenant_a)
    result = run_check(get_check("encryption.files"), None)
    assert result.status == Status.WARN and result.figures["items"]["documents.files"]["stale"] == 2
    assert reencrypt_batch(tenant_a, 10) == 2
    result = run_check(get_check("encryption.files"), tenant_a)
    assert result.status == Status.PASS and result.summary.startswith("2 of 2 files encrypted")


def test_both_checks_are_listed_for_the_platform_and_for_a_business(tenant_a):
    for tenant in (None, tenant_a):
        ids = {check.id for check, _result in run_checks(tenant)}
        assert {"encryption.fields", "encryption.files"} <= ids
