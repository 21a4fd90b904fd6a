"""The console's audit log: the platform chain with filters and pages, any business's chain under elevated access,
and a tampered chain shown as broken wherever it is read."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from apps.audit.models import PLATFORM_CHAIN
from apps.audit.services import record_event
from apps.security_center.center.services import verify_and_record_chains
from apps.tenancy.context import tenant_context
from tests.audit.test_chain import _tamper
from tests.factories import MembershipFactory, TenantFactory, UserFactory
from tests.factories.permissions import elevate, make_staff
from tests.helpers import audit_events


@pytest.mark.django_db
def test_platform_log_filters_and_pages(verified_client, staff_user):
    c = verified_client(staff_user)  # signing in is the chain's first event
    someone = UserFactory(email="someone@example.test")
    for _ in range(55):
        record_event("accounts.login.succeeded", actor=someone)
    record_event("accounts.login.failed", actor_label="intruder@example.test")
    url = reverse("staff:audit")
    body = c.get(url).content.decode()
    assert "Chain verification" in body and "Not verified yet" in body and "Every chain" in body
    assert "57 events in the log" in body and 'rel="next"' in body
    verify_and_record_chains()
    body = c.get(url).content.decode()
    assert "Intact" in body and "Events 1–57 link up" in body
    body = c.get(url, {"actor": "intruder"}).content.decode()
    assert "Matching events" in body and "intruder@example.test" in body and 'rel="next"' not in body
    body = c.get(url, {"action": "accounts.login.succeeded", "actor": "someone"}).content.decode()
    following = re.search(r'href="([^"]+)" rel="next"', body).group(1).replace("&amp;", "&")
    assert "action=accounts.login.succeeded" in following and "actor=someone" in following
    second = c.get(following).content.decode()
    assert second.count("someone@example.test") >= 5 and 'rel="next"' not in second
    assert c.get(url, {"until": "not a date"}).status_code == 400


@pytest.mark.django_db
def test_a_business_log_needs_elevated_access(verified_client, staff_user, tenant_a, owner_a, in_tenant):
    with in_tenant(tenant_a):
        record_event("ledger.entry.posted", actor=owner_a, tenant_id=tenant_a.pk, after={"number": 42})
    c = verified_client(staff_user)
    url = reverse("staff:tenant-audit", kwargs={"tenant_id": tenant_a.pk})
    response = c.get(url)
    assert response.status_code == 404 and "posted journal 42" not in response.content.decode()
    elevate(staff_user, tenant_a)
    body = c.get(url, {"action": "ledger.entry.posted"}).content.decode()
    assert "posted journal 42" in body and "Elevated access until" in body and "Not verified yet" in body
    body = c.get(url).content.decode()  # the elevation itself is in the business's log
    assert "asked for access to this business: Ticket SR-7 audit" in body


def test_a_tampered_row_shows_the_chain_broken_to_staff_and_to_the_owner(committed_db, client):
    tenant = TenantFactory()
    owner = MembershipFactory(tenant=tenant, role="owner").user
    staff = make_staff("support")
    with tenant_context(tenant):
        for n in range(3):
            record_event("tenancy.tenant.updated", actor=owner, tenant_id=tenant.pk, after={"n": n})
    second = audit_events(tenant.pk)[1]
    _tamper(second.id, second.body.replace('"n":1', '"n":999'))
    verify_and_record_chains()  # the hourly job finds it; the pages show what it stored

    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def sign_in(user):
        device = TOTPDevice.objects.create(user=user, name="t", confirmed=True, last_used_at=timezone.now())
        client.force_login(user)
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()

    sign_in(owner)
    body = client.get(reverse("tenancy:audit", kwargs={"tenant_slug": tenant.slug})).content.decode()
    assert "Broken" in body and "broken at event 2" in body and "altered" in body
    client.logout()

    sign_in(staff)
    elevate(staff, tenant)
    body = client.get(reverse("staff:tenant-audit", kwargs={"tenant_id": tenant.pk})).content.decode()
    assert "Broken" in body and "broken at event 2" in body
    body = client.get(reverse("staff:audit")).content.decode()
    row = body[body.index(f'data-chain="{tenant.pk}"') :]
    assert "Broken" in row[: row.index("</li>")] and "broken at event 2" in row[: row.index("</li>")]
    assert audit_events(PLATFORM_CHAIN)  # the grant was recorded on the platform chain too
