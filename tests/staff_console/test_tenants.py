"""The staff console: 2FA-verified staff only; entering a tenant needs a reasoned, audited grant."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import PLATFORM_CHAIN
from apps.tenancy.staff_access import SESSION_KEY
from tests.helpers import audit_actions, audit_events

pytestmark = pytest.mark.django_db


def test_anonymous_goes_to_login(client):
    response = client.get(reverse("staff:home"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_non_staff_get_403(client, bookkeeper_a):
    client.force_login(bookkeeper_a)
    assert client.get(reverse("staff:home")).status_code == 403
    assert client.get(reverse("staff:tenants")).status_code == 403


def test_unverified_staff_are_sent_to_enrol_2fa(client, staff_user):
    client.force_login(staff_user)
    response = client.get(reverse("staff:home"))
    assert response.status_code == 302 and "/accounts/2fa/setup/" in response["Location"]


def test_verified_staff_see_console_tenants_and_audit(verified_client, staff_user, tenant_a):
    c = verified_client(staff_user)
    assert c.get(reverse("staff:home")).status_code == 200
    assert tenant_a.name in c.get(reverse("staff:tenants")).content.decode()
    body = c.get(reverse("staff:audit")).content.decode()
    assert "Chain verification" in body and "intact" in body


def test_tenant_detail_needs_a_reasoned_grant_which_is_audited(verified_client, staff_user, tenant_a, owner_a):
    c = verified_client(staff_user)
    detail = reverse("staff:tenant", kwargs={"tenant_id": tenant_a.pk})
    response = c.get(detail)
    assert response.status_code == 200 and "Why do you need access?" in response.content.decode()
    assert owner_a.email not in response.content.decode()

    access = reverse("staff:tenant-access", kwargs={"tenant_id": tenant_a.pk})
    assert c.post(access, {"reason": "short"}).status_code == 400
    assert "tenancy.staff_access.granted" not in audit_actions(tenant_a.pk)

    response = c.post(access, {"reason": "Ticket SR-1042: owner asked for help with VAT number"})
    assert response.status_code == 302
    body = c.get(detail).content.decode()
    assert owner_a.email in body and "Audited access until" in body
    assert audit_actions(tenant_a.pk)[-1] == "tenancy.staff_access.granted"
    assert audit_actions(PLATFORM_CHAIN)[-1] == "tenancy.staff_access.granted"
    event = audit_events(tenant_a.pk)[-1]
    assert "SR-1042" in event.body and event.actor_id == str(staff_user.pk)


def test_grant_expires(verified_client, staff_user, tenant_a):
    c = verified_client(staff_user)
    c.post(reverse("staff:tenant-access", kwargs={"tenant_id": tenant_a.pk}), {"reason": "Ticket SR-1 checking"})
    session = c.session
    session[SESSION_KEY] = {str(tenant_a.pk): (timezone.now() - timedelta(seconds=1)).isoformat()}
    session.save()
    body = c.get(reverse("staff:tenant", kwargs={"tenant_id": tenant_a.pk})).content.decode()
    assert "Why do you need access?" in body


def test_ending_access_is_audited(verified_client, staff_user, tenant_a):
    c = verified_client(staff_user)
    c.post(reverse("staff:tenant-access", kwargs={"tenant_id": tenant_a.pk}), {"reason": "Ticket SR-2 checking"})
    c.post(reverse("staff:tenant-access-end", kwargs={"tenant_id": tenant_a.pk}))
    assert audit_actions(PLATFORM_CHAIN)[-1] == "tenancy.staff_access.ended"
    body = c.get(reverse("staff:tenant", kwargs={"tenant_id": tenant_a.pk})).content.decode()
    assert "Why do you need access?" in body


def test_unknown_tenant_is_404(verified_client, staff_user):
    import uuid

    assert (
        verified_client(staff_user).get(reverse("staff:tenant", kwargs={"tenant_id": uuid.uuid4()})).status_code == 404
    )


def test_non_staff_cannot_grant_themselves_access(client, bookkeeper_b, tenant_a):
    client.force_login(bookkeeper_b)
    response = client.post(reverse("staff:tenant-access", kwargs={"tenant_id": tenant_a.pk}), {"reason": "x" * 20})
    assert response.status_code == 403
    assert audit_actions(tenant_a.pk) == []


def test_the_console_shows_the_last_reconciliation(verified_client, staff_user, tenant_a):
    from apps.documents.services.reconcile import reconcile_all
    from apps.documents.services.storage import store_blob

    c = verified_client(staff_user)
    assert "Not run yet" in c.get(reverse("staff:home")).content.decode()
    store_blob(f"tenants/{tenant_a.pk}/documents/aa/{'a' * 64}.pdf", b"%PDF-1.4 orphan")
    reconcile_all()
    body = c.get(reverse("staff:home")).content.decode()
    assert "1 stored file without a document" in body and "a" * 64 in body
