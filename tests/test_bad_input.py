"""Bad input and broken state across the portal: a clear 4xx (or a friendly 500), never a raw error."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from tests.helpers import audit_events

pytestmark = pytest.mark.django_db


def test_expired_session_goes_back_to_sign_in(client, bookkeeper_a, tenant_a):
    client.force_login(bookkeeper_a)
    assert client.get(f"/t/{tenant_a.slug}/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(minutes=1))
    response = client.get(f"/t/{tenant_a.slug}/team/")
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/t/{tenant_a.slug}/team/"


def test_expired_session_on_an_htmx_request_redirects_the_whole_page(client, bookkeeper_a, tenant_a):
    response = client.get(f"/t/{tenant_a.slug}/", HTTP_HX_REQUEST="true")
    assert response.status_code == 401 and response["HX-Redirect"] == "/accounts/login/"


def test_post_without_csrf_token_is_a_friendly_403_and_writes_nothing(owner_a, tenant_a):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    strict = Client(enforce_csrf_checks=True)
    device = TOTPDevice.objects.create(user=owner_a, name="t", confirmed=True)
    strict.force_login(owner_a)
    session = strict.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    response = strict.post(f"/t/{tenant_a.slug}/settings/", {"name": "Forged"})
    assert response.status_code == 403
    assert "This form had expired. Reload the page and try again." in response.content.decode()
    tenant_a.refresh_from_db()
    assert tenant_a.name != "Forged"


@pytest.mark.urls("tests.urls_with_failures")
def test_an_unexpected_error_is_a_friendly_500_with_the_request_id():
    client = Client(raise_request_exception=False)
    response = client.get("/boom/", HTTP_X_REQUEST_ID="req-boom-0001")
    assert response.status_code == 500
    body = response.content.decode()
    assert "a bug" not in body and "Traceback" not in body
    assert "<main" in body


def test_malformed_uuid_in_a_url_is_404(verified_client, staff_user):
    assert verified_client(staff_user).get("/staff/tenants/not-a-uuid/").status_code == 404


def test_admin_changes_are_audited(verified_client, tenant_a):
    from apps.accounts.models import User

    admin = User.objects.create_superuser("root@example.test", "r" * 16)
    c = verified_client(admin)
    response = c.post(
        f"/admin/tenancy/tenant/{tenant_a.pk}/change/",
        {
            "name": "Renamed In Admin Ltd",
            "slug": tenant_a.slug,
            "vat_number": tenant_a.vat_number,
            "company_number": tenant_a.company_number,
            "status": "active",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    if response.status_code == 404:
        pytest.fail("Tenant is not registered in the admin")
    assert response.status_code == 302, response.content.decode()[:2000]
    (event,) = audit_events(action="admin.object.changed")
    assert event.actor_id == str(admin.pk) and event.target_id == str(tenant_a.pk)
    assert "Renamed In Admin Ltd" in event.body


@pytest.mark.urls("tests.urls_with_failures")
def test_a_tenant_request_that_fails_after_writing_leaves_nothing_behind(bookkeeper_a, tenant_a):
    client = Client(raise_request_exception=False)
    client.force_login(bookkeeper_a)
    assert client.get(f"/t/{tenant_a.slug}/write-then-fail/").status_code == 500
    tenant_a.refresh_from_db()
    assert tenant_a.name == "Aldgate Joinery Ltd"
    # The connection is usable and the tenant page still works afterwards.
    assert client.get(f"/t/{tenant_a.slug}/").status_code == 200


def test_an_invitation_link_with_a_wrong_token_reveals_nothing(client, user, tenant_a):
    client.force_login(user)
    response = client.get(f"/invitations/{tenant_a.pk}/not-the-token/")
    assert response.status_code == 404
    assert tenant_a.name not in response.content.decode()
