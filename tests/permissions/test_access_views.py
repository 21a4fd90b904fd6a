"""The elevated-access pages: a request, someone else's approval, the end; refusals shown, never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.permissions.models import AccessElevation, StaffRoleGrant
from apps.permissions.selectors import active_elevation
from tests.factories.permissions import make_staff

pytestmark = pytest.mark.django_db
REASON = "Ticket SR-2001: the owner's VAT page shows an error"


def test_request_approve_and_end_through_the_pages(client, verified_client, tenant_a):
    support = make_staff("support")
    officer = make_staff("security_officer")
    c = verified_client(support)
    page = c.get(reverse("staff-access:request", kwargs={"tenant_id": tenant_a.pk}))
    assert page.status_code == 200 and b"Ask for access" in page.content
    answer = c.post(
        reverse("staff-access:request", kwargs={"tenant_id": tenant_a.pk}), {"reason": REASON, "minutes": 20}
    )
    assert answer.status_code == 302
    elevation = AccessElevation.objects.get()
    # The requester cannot approve it from the page either.
    c.post(reverse("staff-access:approve", kwargs={"elevation_id": elevation.pk}))
    assert active_elevation(support, tenant_a.pk) is None
    c.logout()
    o = verified_client(officer)
    home = o.get(reverse("staff-access:home"))
    assert b"SR-2001" in home.content
    o.post(reverse("staff-access:approve", kwargs={"elevation_id": elevation.pk}))
    assert active_elevation(support, tenant_a.pk) is not None
    o.post(reverse("staff-access:end", kwargs={"elevation_id": elevation.pk}))
    assert active_elevation(support, tenant_a.pk) is None


def test_bad_input_is_a_400_and_writes_nothing(verified_client, tenant_a):
    c = verified_client(make_staff("support"))
    url = reverse("staff-access:request", kwargs={"tenant_id": tenant_a.pk})
    for data in ({"reason": REASON, "minutes": 0}, {"reason": REASON, "minutes": 9999}, {"reason": "", "minutes": 5}):
        assert c.post(url, data).status_code == 400
    assert c.post(url, {"reason": "short", "minutes": 5}).status_code == 403  # the service's own rule
    assert not AccessElevation.objects.exists()


def test_pages_need_a_verified_staff_session(client, verified_client, tenant_a, owner_a):
    url = reverse("staff-access:home")
    assert client.get(url).status_code == 302  # to sign in
    client.force_login(make_staff("security_officer"))  # staff, but no second factor this session
    answer = client.get(url)
    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/2fa/")
    client.logout()
    assert verified_client(owner_a).get(url).status_code == 403


def test_roles_page_changes_roles_for_admins_only(verified_client):
    admin = make_staff("platform_admin")
    person = make_staff(email="pat.person@example.test")
    c = verified_client(admin)
    page = c.get(reverse("staff-access:roles")).content.decode()
    assert "pat.person@example.test" in page
    assert "filing.approve_return" in page and "Who holds what in which business" in page
    c.post(
        reverse("staff-access:roles"),
        {"email": person.email, "role": "sre", "reason": "Joins on-call", "action": "grant"},
    )
    assert StaffRoleGrant.objects.filter(user=person, role="sre").exists()
    c.logout()
    s = verified_client(make_staff("support"))
    assert "Who holds what in which business" not in s.get(reverse("staff-access:roles")).content.decode()
    s.post(reverse("staff-access:roles"), {"email": person.email, "role": "sre", "reason": "No", "action": "revoke"})
    assert StaffRoleGrant.objects.filter(user=person, role="sre").exists()
