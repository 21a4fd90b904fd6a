"""Erasing a business crypto-shreds its documents: the stored files and the OCR text, as any backup holds them,
no longer open, while another business's documents open as before and every audit chain still verifies."""

from __future__ import annotations

import io
import secrets

import pytest
from django.core.management import call_command
from django.db import connection

from apps.audit.models import PLATFORM_CHAIN
from apps.audit.selectors import verify_chain
from apps.documents.models import Document
from apps.documents.sealing import open_file
from apps.documents.services.storage import read_blob, read_document_file
from apps.privacy.models import PrivacyRequest
from apps.privacy.services.erasure import erase_business
from apps.privacy.services.requests import open_request
from apps.security_center.crypto import envelope, keystore
from apps.security_center.crypto.errors import KeyDestroyed
from tests.documents.samples import pdf_bytes
from tests.documents.test_encryption_at_rest import read_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_processing(monkeypatch):
    from apps.documents.services import upload as upload_service

    monkeypatch.setattr(upload_service, "enqueue_processing", lambda run: None)


def _as_backed_up(document: Document, in_tenant) -> dict:
    """What a backup holds of a document: the stored file's bytes and the text column's bytes, read raw."""
    with in_tenant(document.tenant), connection.cursor() as cursor:
        cursor.execute(
            "SELECT text FROM documents_document WHERE id = %s",
            [document.pk.hex if connection.vendor == "sqlite" else document.pk],
        )
        (text,) = cursor.fetchone()
    return {
        "pk": document.pk,
        "name": document.storage_name,
        "file": read_blob(document.storage_name),
        "text": bytes(text),
    }


def test_erasing_a_business_makes_its_documents_unreadable_and_anothers_stay_readable(
    tenant_a, tenant_b, owner_a, officer, in_tenant, media_root, no_processing, django_capture_on_commit_callbacks
):
    secret_a, secret_b = f"ALPHA{secrets.token_hex(6)}", f"BRAVO{secrets.token_hex(6)}"
    content_a, content_b = pdf_bytes([secret_a]), pdf_bytes([secret_b])
    document_a = read_document(tenant_a, in_tenant, content_a, secret_a)
    document_b = read_document(tenant_b, in_tenant, content_b, secret_b)
    backup_a = _as_backed_up(document_a, in_tenant)
    assert secret_a.encode() not in backup_a["file"] and secret_a.encode() not in backup_a["text"]
    with in_tenant(tenant_a):
        assert open_file(tenant_a.pk, backup_a["name"], backup_a["file"], expect_sealed=True) == content_a

    request = open_request(
        kind=PrivacyRequest.Kind.ERASURE, subject_tenant=tenant_a, requested_by=owner_a, reason="closing down"
    )
    with django_capture_on_commit_callbacks(execute=True):
        erase_business(request=request, actor=officer, reason="ticket SR-15: the owner asked")
    keystore.clear_key_cache()  # every other process, once its key cache expires

    with in_tenant(tenant_a):
        with pytest.raises(KeyDestroyed):
            open_file(tenant_a.pk, backup_a["name"], backup_a["file"], expect_sealed=True)
        with pytest.raises(KeyDestroyed):
            envelope.decrypt(
                tenant_id=tenant_a.pk, label="documents.text", row_id=backup_a["pk"], blob=backup_a["text"]
            )
    with in_tenant(tenant_b):
        kept = Document.objects.get(pk=document_b.pk)
        assert read_document_file(kept) == content_b
        assert kept.text == secret_b
    for chain in (tenant_a.pk, tenant_b.pk, PLATFORM_CHAIN):
        assert verify_chain(chain).ok, chain
    call_command("verify_audit_chain", stdout=io.StringIO())  # exits non-zero on a broken link
