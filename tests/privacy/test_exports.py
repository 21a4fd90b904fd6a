"""Subject access and business exports: built in the background, that person's data and nobody else's."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pytest
from django.core.files.storage import default_storage

from apps.audit.services import record_event
from apps.outbox.models import OutboxItem
from apps.privacy import store
from apps.privacy.errors import RequestAlreadyOpen
from apps.privacy.models import PrivacyRequest
from apps.privacy.services.exports import BUSINESS_SCHEMA, PERSON_SCHEMA, build_export
from apps.privacy.services.requests import open_request
from apps.tenancy.models import Membership, Role
from tests.conftest import make_member
from tests.factories import DocumentFactory
from tests.factories.books import sale

pytestmark = pytest.mark.django_db
K = PrivacyRequest.Kind


def _unzip(request: PrivacyRequest) -> tuple[dict, zipfile.ZipFile]:
    archive = zipfile.ZipFile(io.BytesIO(store.read_export(request.export_name)))
    return json.loads(archive.read("export.json")), archive


def test_a_person_export_holds_their_data_and_nobody_elses(
    tenant_a, tenant_b, in_tenant, django_capture_on_commit_callbacks, eager_tasks
):
    person = make_member(tenant_a, Role.BOOKKEEPER, email="subject.person@example.test", full_name="Sabine Subject")
    Membership.objects.create(user=person, tenant=tenant_b, role=Role.VIEWER)
    colleague = make_member(tenant_a, Role.OWNER, email="colleague.zed@example.test", full_name="Zedediah Colleague")
    stranger = make_member(tenant_b, Role.OWNER, email="stranger.qx@example.test", full_name="Quixote Stranger")
    with in_tenant(tenant_a):
        mine = DocumentFactory(tenant=tenant_a, uploaded_by=person, original_filename="sabine-receipt-7781.pdf")
        DocumentFactory(tenant=tenant_a, uploaded_by=colleague, original_filename="zedediah-secret-4410.pdf")
        record_event("tenancy.membership.created", actor=colleague, tenant_id=tenant_a.pk, target_id=str(person.pk),
                     target_type="accounts.user", after={"user": person.email, "by": colleague.email})  # fmt: skip
    with in_tenant(tenant_b):
        DocumentFactory(tenant=tenant_b, uploaded_by=stranger, original_filename="quixote-invoice-9921.pdf")
    with django_capture_on_commit_callbacks(execute=True):
        request = open_request(kind=K.ACCESS, subject_user=person, requested_by=person)
    assert OutboxItem.objects.filter(key=f"privacy-export:{request.pk}").exists()
    request.refresh_from_db()
    assert (request.status, request.progress) == (PrivacyRequest.Status.READY, 100)  # the outbox ran it in-process
    data, archive = _unzip(request)
    raw = archive.read("export.json").decode()
    assert data["schema"] == PERSON_SCHEMA and data["subject"] == {"user_id": str(person.pk)}
    assert (
        data["account"]["email"] == "subject.person@example.test" and data["account"]["full_name"] == "Sabine Subject"
    )
    assert {m["business_id"] for m in data["memberships"]} == {str(tenant_a.pk), str(tenant_b.pk)}
    assert [d["id"] for d in data["documents_uploaded"]] == [str(mine.pk)]
    assert any(e["target_id"] == str(person.pk) for e in data["audit_events"])
    for planted in ("colleague.zed", "Zedediah", "zedediah-secret", "stranger.qx", "Quixote", "quixote-invoice"):
        assert planted not in raw, planted
    assert archive.namelist() == ["export.json"]
    assert oct(store.export_path(request.export_name).stat().st_mode & 0o777) == "0o600"


def test_a_business_export_holds_its_ledger_returns_and_document_files(
    tenant_a, tenant_b, owner_a, books_a, in_tenant, media_root
):
    with in_tenant(tenant_a):
        sale(date(2025, 2, 1), "100.00", "20.00", actor=owner_a)
        document = DocumentFactory(tenant=tenant_a, uploaded_by=owner_a)
        default_storage.save(document.storage_name, io.BytesIO(b"%PDF-1.4 aldgate"))
    with in_tenant(tenant_b):
        DocumentFactory(tenant=tenant_b, original_filename="bramley-only.pdf")
    request = open_request(kind=K.ACCESS, subject_tenant=tenant_a, requested_by=owner_a)
    build_export(str(request.pk))
    request.refresh_from_db()
    data, archive = _unzip(request)
    assert data["schema"] == BUSINESS_SCHEMA and data["business"]["id"] == str(tenant_a.pk)
    assert len(data["journal_entries"]) == 1 and len(data["journal_lines"]) >= 2
    assert [d["id"] for d in data["documents"]] == [str(document.pk)]
    assert archive.read(f"documents/{document.pk}") == b"%PDF-1.4 aldgate"
    assert "bramley-only" not in archive.read("export.json").decode()
    assert build_export(str(request.pk)).status == PrivacyRequest.Status.READY  # a second run leaves it alone


def test_one_open_request_per_kind_and_subject(tenant_a, owner_a):
    open_request(kind=K.ACCESS, subject_tenant=tenant_a, requested_by=owner_a)
    with pytest.raises(RequestAlreadyOpen):
        open_request(kind=K.ACCESS, subject_tenant=tenant_a, requested_by=owner_a)
    open_request(kind=K.ERASURE, subject_tenant=tenant_a, requested_by=owner_a)  # another kind is fine
    with pytest.raises(ValueError):
        open_request(kind=K.ACCESS, requested_by=owner_a)


def test_a_failing_export_is_marked_failed(tenant_a, owner_a, monkeypatch):
    request = open_request(kind=K.ACCESS, subject_tenant=tenant_a, requested_by=owner_a)

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("apps.privacy.services.exports.business_export", boom)
    with pytest.raises(RuntimeError):
        build_export(str(request.pk))
    request.refresh_from_db()
    assert (request.status, request.error) == (PrivacyRequest.Status.FAILED, "RuntimeError")
