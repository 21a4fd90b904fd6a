"""The business's privacy page, the download link (time-limited, for the right person) and the staff pages."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from apps.privacy import store
from apps.privacy.models import ErasureCertificate, PrivacyRequest
from apps.privacy.services.exports import build_export
from apps.privacy.services.requests import open_request
from apps.tenancy.models import Role, Tenant
from tests.conftest import make_member
from tests.factories.permissions import make_staff
from tests.helpers import audit_events

pytestmark = pytest.mark.django_db
K = PrivacyRequest.Kind


def _link_from(response) -> str:
    html = response.content.decode()
    start = html.index('data-testid="download-link">') + len('data-testid="download-link">')
    url = urlsplit(html[start : html.index("<", start)].replace("&amp;", "&"))
    return f"{url.path}?{url.query}"


def test_a_member_exports_their_own_data_and_downloads_it_once_linked(
    tenant_a, bookkeeper_a, client, django_capture_on_commit_callbacks, eager_tasks
):
    client.force_login(bookkeeper_a)
    page = client.get(f"/t/{tenant_a.slug}/settings/privacy/")
    assert page.status_code == 200 and b"Export my data" in page.content
    assert b"Ask for erasure" not in page.content  # owners only
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/t/{tenant_a.slug}/settings/privacy/export/me/")
    assert response.status_code == 302
    request = PrivacyRequest.objects.get(subject_user=bookkeeper_a)
    assert request.status == PrivacyRequest.Status.READY
    assert client.post(f"/t/{tenant_a.slug}/settings/privacy/export/me/").status_code == 302  # a new one is fine now
    linked = client.post(f"/t/{tenant_a.slug}/settings/privacy/link/", {"request_id": str(request.pk)})
    link = _link_from(linked)
    download = client.get(link)
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert download["Cache-Control"] == "no-store"
    # Someone else with the same link gets nothing; a wrong token neither.
    other = make_member(tenant_a, Role.BOOKKEEPER)
    client.force_login(other)
    assert client.get(link).status_code == 404
    client.force_login(bookkeeper_a)
    assert client.get(link.replace("token=", "token=x")).status_code == 404
    # Expired.
    PrivacyRequest.objects.filter(pk=request.pk).update(link_expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(link).status_code == 404
    actions = [e.action for e in audit_events()]
    assert "privacy.export.link_issued" in actions and "privacy.export.downloaded" in actions


def test_the_owner_exports_the_business_and_asks_for_erasure(tenant_a, owner_a, verified_client):
    client = verified_client(owner_a)
    assert b"Ask for erasure" in client.get(f"/t/{tenant_a.slug}/settings/privacy/").content
    assert client.post(f"/t/{tenant_a.slug}/settings/privacy/export/business/").status_code == 302
    assert client.post(f"/t/{tenant_a.slug}/settings/privacy/erasure/", {"reason": "selling up"}).status_code == 302
    again = client.post(f"/t/{tenant_a.slug}/settings/privacy/erasure/", {"reason": "selling up"})
    assert again.status_code == 409
    erasure = PrivacyRequest.objects.get(kind=K.ERASURE)
    assert (erasure.subject_tenant, erasure.reason) == (tenant_a, "selling up")
    assert client.post(f"/t/{tenant_a.slug}/settings/privacy/link/", {"request_id": "nope"}).status_code == 404
    not_ready = client.post(f"/t/{tenant_a.slug}/settings/privacy/link/", {"request_id": str(erasure.pk)})
    assert not_ready.status_code == 409
    assert client.post(f"/t/{tenant_a.slug}/settings/privacy/export/business/").status_code == 409  # one open


def test_another_business_cannot_see_or_link_this_ones_export(tenant_a, tenant_b, owner_a, verified_client):
    request = open_request(kind=K.ACCESS, subject_tenant=tenant_a, requested_by=owner_a)
    build_export(str(request.pk))
    owner_b = make_member(tenant_b, Role.OWNER)
    client = verified_client(owner_b)
    page = client.get(f"/t/{tenant_b.slug}/settings/privacy/")
    assert str(request.pk).encode() not in page.content
    refused = client.post(f"/t/{tenant_b.slug}/settings/privacy/link/", {"request_id": str(request.pk)})
    assert refused.status_code == 404


def test_staff_erase_with_a_reason_and_read_the_certificate(tenant_a, owner_a, officer, verified_client, in_tenant):
    erasure = open_request(kind=K.ERASURE, subject_tenant=tenant_a, requested_by=owner_a)
    client = verified_client(officer)
    queue = client.get("/staff/privacy/")
    assert queue.status_code == 200 and str(erasure.subject_tenant_id).encode() in queue.content
    assert client.post(f"/staff/privacy/{erasure.pk}/erase/", {"reason": ""}).status_code == 400
    response = client.post(f"/staff/privacy/{erasure.pk}/erase/", {"reason": "ticket SR-99: owner asked"})
    certificate = ErasureCertificate.objects.get(request=erasure)
    assert response.status_code == 302 and response["Location"].endswith(
        f"/staff/privacy/certificates/{certificate.pk}/"
    )
    assert Tenant.objects.get(pk=tenant_a.pk).status == Tenant.Status.CLOSED
    shown = client.get(f"/staff/privacy/certificates/{certificate.pk}/")
    assert certificate.sha256.encode() in shown.content
    downloaded = client.get(f"/staff/privacy/certificates/{certificate.pk}/?download=1")
    assert json.loads(downloaded.content)["request_id"] == str(erasure.pk)
    assert str(certificate.pk).encode() in client.get("/staff/privacy/certificates/").content
    assert client.post(f"/staff/privacy/{erasure.pk}/erase/", {"reason": "ticket SR-99 again"}).status_code == 409
    # The owner who asked no longer reaches the business: staff send them a link to the certificate.
    link = _link_from(client.post(f"/staff/privacy/{erasure.pk}/link/"))
    assert link.startswith(f"/privacy/certificates/{erasure.pk}/?token=")
    assert client.get(link).status_code == 404  # for the requester only
    client = verified_client(owner_a)
    got = client.get(link)
    assert got.status_code == 200 and json.loads(got.content)["request_id"] == str(erasure.pk)
    assert client.get(link.replace("token=", "token=x")).status_code == 404


def test_staff_open_requests_and_issue_links(tenant_a, owner_a, officer, verified_client):
    client = verified_client(officer)
    assert client.post("/staff/privacy/open/", {"kind": "access"}).status_code == 400
    assert client.post("/staff/privacy/open/", {"kind": "access", "email": "nobody@example.test"}).status_code == 404
    assert client.post("/staff/privacy/open/", {"kind": "access", "email": owner_a.email}).status_code == 302
    assert client.post("/staff/privacy/open/", {"kind": "access", "email": owner_a.email}).status_code == 409
    request = PrivacyRequest.objects.get(subject_user=owner_a)
    assert client.post(f"/staff/privacy/{request.pk}/link/").status_code == 409  # not built yet
    build_export(str(request.pk))
    link = _link_from(client.post(f"/staff/privacy/{request.pk}/link/"))
    assert client.get(link).status_code == 200
    assert client.get(link.replace("token=", "token=x")).status_code == 404
    assert client.post("/staff/privacy/open/", {"kind": "erasure", "business": tenant_a.slug}).status_code == 302


def test_a_business_page_refuses_unknown_ids_and_deleted_exports(tenant_a, bookkeeper_a, client):
    client.force_login(bookkeeper_a)
    base = f"/t/{tenant_a.slug}/settings/privacy"
    assert client.post(f"{base}/link/", {"request_id": "not-a-uuid"}).status_code == 404
    assert client.get(f"{base}/download/?r=00000000-0000-0000-0000-000000000007&token=x").status_code == 404
    request = open_request(kind=K.ACCESS, subject_user=bookkeeper_a, requested_by=bookkeeper_a)
    assert client.post(f"{base}/export/me/").status_code == 409  # one open at a time
    build_export(str(request.pk))
    link = _link_from(client.post(f"{base}/link/", {"request_id": str(request.pk)}))
    request.refresh_from_db()
    store.export_path(request.export_name).unlink()  # deleted behind the row's back
    assert client.get(link).status_code == 404


def test_support_staff_read_but_cannot_erase(tenant_a, owner_a, verified_client):
    erasure = open_request(kind=K.ERASURE, subject_tenant=tenant_a, requested_by=owner_a)
    client = verified_client(make_staff("support"))
    assert client.get("/staff/privacy/").status_code == 200
    assert client.get("/staff/privacy/retention/").status_code == 200
    assert client.post(f"/staff/privacy/{erasure.pk}/erase/", {"reason": "ticket SR-1 please"}).status_code == 403
    assert Tenant.objects.get(pk=tenant_a.pk).status != Tenant.Status.CLOSED
