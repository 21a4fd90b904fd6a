"""The staff console: 2FA-verified staff only; entering a business needs elevated access (404 without)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import PLATFORM_CHAIN
from apps.permissions.models import AccessElevation
from tests.factories.permissions import elevate
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
    assert "Chain verification" in body and "not verified yet" in body  # the page reads, never verifies


def test_tenant_detail_is_404_until_an_elevation_is_approved_and_its_use_is_audited(
    verified_client, staff_user, tenant_a, owner_a
):
    c = verified_client(staff_user)
    detail = reverse("staff:tenant", kwargs={"tenant_id": tenant_a.pk})
    response = c.get(detail)
    assert response.status_code == 404 and owner_a.email not in response.content.decode()
    listing = c.get(reverse("staff:tenants")).content.decode()
    assert reverse("staff-access:request", kwargs={"tenant_id": tenant_a.pk}) in listing

    elevation = elevate(staff_user, tenant_a)
    body = c.get(detail).content.decode()
    assert owner_a.email in body and "Elevated access until" in body
    assert audit_actions(tenant_a.pk)[-1] == "permissions.elevation.used"
    assert audit_actions(PLATFORM_CHAIN)[-1] == "permissions.elevation.used"
    event = audit_events(tenant_a.pk)[-1]
    assert detail in event.body and event.actor_id == str(staff_user.pk)
    assert elevation.reason in audit_events(tenant_a.pk)[-1].body


def test_access_ends_at_its_time(verified_client, staff_user, tenant_a):
    c = verified_client(staff_user)
    elevation = elevate(staff_user, tenant_a)
    AccessElevation.objects.filter(pk=elevation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert c.get(reverse("staff:tenant", kwargs={"tenant_id": tenant_a.pk})).status_code == 404


def test_ending_access_is_audited(verified_client, staff_user, tenant_a):
    c = verified_client(staff_user)
    elevation = elevate(staff_user, tenant_a)
    c.post(reverse("staff-access:end", kwargs={"elevation_id": elevation.pk}))
    assert audit_actions(PLATFORM_CHAIN)[-1] == "permissions.elevation.revoked"
    assert c.get(reverse("staff:tenant", kwargs={"tenant_id": tenant_a.pk})).status_code == 404


def test_an_elevation_is_for_its_business_only(verified_client, staff_user, tenant_a, tenant_b):
    c = verified_client(staff_user)
    elevate(staff_user, tenant_a)
    assert c.get(reverse("staff:tenant", kwargs={"tenant_id": tenant_a.pk})).status_code == 200
    assert c.get(reverse("staff:tenant", kwargs={"tenant_id": tenant_b.pk})).status_code == 404
    assert c.get(reverse("staff-filing:tenant", kwargs={"tenant_id": tenant_b.pk})).status_code == 404
    assert c.get(reverse("staff:tenant-audit", kwargs={"tenant_id": tenant_b.pk})).status_code == 404


def test_unknown_tenant_is_404(verified_client, staff_user):
    import uuid

    assert (
        verified_client(staff_user).get(reverse("staff:tenant", kwargs={"tenant_id": uuid.uuid4()})).status_code == 404
    )


def test_non_staff_cannot_ask_for_access(client, bookkeeper_b, tenant_a):
    client.force_login(bookkeeper_b)
    url = reverse("staff-access:request", kwargs={"tenant_id": tenant_a.pk})
    response = client.post(url, {"reason": "x" * 20, "minutes": 30})
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


def test_the_console_says_when_the_reconciliation_refused_an_absent_store(verified_client, staff_user, media_root):
    """H3 (issue #17): the store renamed away; the console says nothing was done, and why."""
    from pathlib import Path

    from apps.documents.services.reconcile import reconcile_all
    from apps.documents.services.store_identity import store_status

    assert store_status().ok
    Path(media_root).rename(Path(media_root).with_name("media-unmounted"))
    reconcile_all()
    body = verified_client(staff_user).get(reverse("staff:home")).content.decode()
    assert "Nothing was done: the document store looks absent." in body and "has no marker" in body
